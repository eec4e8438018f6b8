//! Hostile payloads from a real socket.io server (the Node fixture): every
//! protocol event with wrong types, 10 MB strings, JSON nested at and past
//! serde_json's recursion limit, binary frames that are not UTF-8, events
//! without a name. The link keeps its connection (but for the message past
//! the transport's size limit), counts each per reason, and logs them at
//! most once per reason per window, without a byte of what was sent.

// A test fails by panicking: unwrap is how these say "this must hold".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod capture;
mod probe;
mod support;

use std::time::{Duration, Instant};

use alora_link::{Incoming, LinkEvent, LinkState, LOG_WINDOW};
use probe::{config, eventually, Probe};
use serde_json::{json, Map, Value};
use support::{NodeServer, TestServer};

const MARK: &str = "HOSTILE-MARK-5c1d";
const SECS_10: Duration = Duration::from_secs(10);

/// The protocol's server-to-client events and their fields (PROTOCOL.md).
const EVENTS: [(&str, &[&str]); 8] = [
    ("connected", &["userId", "socketId"]),
    (
        "newNotification",
        &["id", "title", "message", "type", "createdAt", "link"],
    ),
    (
        "bookingUpdated",
        &[
            "bookingId",
            "status",
            "title",
            "message",
            "updatedBy",
            "updatedAt",
        ],
    ),
    (
        "newMessage",
        &[
            "id",
            "conversationId",
            "senderId",
            "senderName",
            "content",
            "createdAt",
            "clientId",
        ],
    ),
    ("userOnline", &["userId", "name"]),
    ("userOffline", &["userId", "name"]),
    ("statusUpdated", &["userId", "status"]),
    ("userTyping", &["userId", "isTyping", "conversationId"]),
];

fn wrong_values() -> Vec<Value> {
    vec![
        json!(MARK),
        json!(format!("{MARK} <b>&amp;</b>")),
        Value::Object([(MARK.to_owned(), json!(MARK))].into_iter().collect()),
        json!([MARK, 1]),
        json!(true),
        json!(-1.5),
        json!(u64::MAX),
        json!(null),
        json!(""),
    ]
}

/// A server, a link connected to it as `u1`, and the server's greeting seen.
async fn connected() -> (NodeServer, Probe) {
    let mut server = support::node().await;
    let token = server.token_for("u1");
    let mut p = Probe::connect(config(&server.url(), &server.path(), &token)).await;
    p.greeted().await;
    (server, p)
}

/// A notification that must arrive after what came before it.
async fn sentinel(server: &mut NodeServer, p: &mut Probe, id: &str) {
    server
        .push(
            None,
            "newNotification",
            vec![json!({"id": id, "title": "after", "body": "b"})],
        )
        .await;
    p.wait_for(SECS_10, id, |e| match e {
        LinkEvent::Incoming(Incoming::NewNotification(n)) if n.id.0 == id => Some(()),
        _ => None,
    })
    .await;
}

/// Every line about a rejection, at most one per reason per window.
fn assert_clean_logs(logs: &capture::Captured, started: Instant) {
    let leaks = logs.lines_with(MARK);
    assert!(leaks.is_empty(), "a payload reached the logs: {leaks:#?}");
    let allowed = usize::try_from(started.elapsed().as_secs() / LOG_WINDOW.as_secs()).unwrap() + 1;
    for reason in [
        "unknown event",
        "malformed payload",
        "binary payload",
        "undecodable packet",
    ] {
        let lines = logs.lines_with(&format!("reason=\"{reason}\""));
        println!("log lines for {reason}: {}", lines.len());
        assert!(lines.len() <= allowed, "{reason}: {lines:#?}");
    }
}

fn assert_never_lost(p: &Probe) {
    let lost: Vec<_> = p
        .states()
        .into_iter()
        .filter(|s| {
            !matches!(
                s,
                LinkState::Connected { .. } | LinkState::Connecting { .. }
            )
        })
        .collect();
    assert!(lost.is_empty(), "the link left Connected: {lost:?}");
    assert_eq!(p.link.stats().connects, 1);
}

#[tokio::test]
async fn every_event_with_wrong_types_is_counted_and_the_link_stays() {
    let (logs, _guard) = capture::capture();
    let started = Instant::now();
    let (mut server, mut p) = connected().await;
    let (mut sent, mut fits, mut misfits) = (0u64, 0u64, 0u64);
    for (event, fields) in EVENTS {
        for field in fields {
            for value in wrong_values() {
                let mut payload = Map::new();
                for f in fields {
                    payload.insert((*f).to_owned(), json!("1"));
                }
                payload.insert((*field).to_owned(), value.clone());
                // (No call without arguments: socket.io reads `["name"]` as a
                // `message` event carrying the name.)
                for args in [vec![Value::Object(payload)], vec![value.clone()]] {
                    // What the decoder makes of it, to count what the link must.
                    match Incoming::decode(event, &args, chrono::Utc::now()) {
                        Ok(Some(_)) => fits += 1,
                        Ok(None) => unreachable!("{event} is a protocol event"),
                        Err(_) => misfits += 1,
                    }
                    server.push(None, event, args).await;
                    sent += 1;
                    if sent % 200 == 0 {
                        p.settle(Duration::from_millis(1)).await;
                    }
                }
            }
        }
    }
    sentinel(&mut server, &mut p, "s1").await;
    let stats = p.link.stats();
    println!("wrong types: {sent} events sent, {misfits} malformed, {fits} taken: {stats:?}");
    assert!(misfits > 200, "most wrong types must be refused: {misfits}");
    assert_eq!(stats.malformed, misfits);
    // The greeting and the sentinel besides.
    assert_eq!(stats.events_in, fits + 2);
    assert_never_lost(&p);
    assert_clean_logs(&logs, started);
}

#[tokio::test]
async fn ten_megabyte_strings_cost_one_connection_and_nothing_else() {
    let (logs, _guard) = capture::capture();
    let started = Instant::now();
    let (mut server, mut p) = connected().await;
    let huge = MARK.repeat(10 * 1024 * 1024 / MARK.len());
    server
        .push(
            None,
            "newNotification",
            vec![json!({"id": 1, "title": huge, "body": huge})],
        )
        .await;
    p.wait_state(SECS_10, "Reconnecting", |s| {
        matches!(s, LinkState::Reconnecting { .. })
    })
    .await;
    p.greeted().await;
    assert_eq!(p.link.stats().oversized, 1);
    // Under the transport's limit (1 MiB a message), long texts are taken whole.
    let long = "y".repeat(400_000);
    server
        .push(
            None,
            "newMessage",
            vec![json!({"id": "m1", "conversationId": "c", "senderId": "u2",
                        "senderName": long, "content": long})],
        )
        .await;
    let Incoming::NewMessage(m) = p.incoming(SECS_10, "newMessage").await else {
        unreachable!()
    };
    assert_eq!(
        (m.content.len(), m.sender_name.map(|s| s.len())),
        (400_000, Some(400_000))
    );
    sentinel(&mut server, &mut p, "s2").await;
    assert_eq!(p.link.stats().connects, 2);
    assert_clean_logs(&logs, started);
}

/// `2["deep", [[[…]]]]`: the event's payload nested `depth` arrays deep.
fn nested(event: &str, depth: usize) -> String {
    format!("2[\"{event}\",{}{}]", "[".repeat(depth), "]".repeat(depth))
}

#[tokio::test]
async fn json_nested_at_and_past_the_limit() {
    let (logs, _guard) = capture::capture();
    let started = Instant::now();
    let (mut server, mut p) = connected().await;
    // serde_json takes 127 levels (its limit of 128 is hit at the 128th):
    // the packet's own array is one of them.
    server.raw(Err(&nested("deepButFine", 126))).await;
    eventually(SECS_10, (1, 0), || {
        let s = p.link.stats();
        (s.unknown_events, s.undecodable)
    })
    .await;
    for depth in [127, 128, 1_000, 400_000] {
        server.raw(Err(&nested("tooDeep", depth))).await;
    }
    // A known event nested too deep in one of its fields.
    let deep_field = format!(
        "2[\"newNotification\",{{\"id\":1,\"title\":\"{MARK}\",\"link\":{}{}}}]",
        "[".repeat(200),
        "]".repeat(200)
    );
    server.raw(Err(&deep_field)).await;
    sentinel(&mut server, &mut p, "s3").await;
    let stats = p.link.stats();
    println!("nesting: {stats:?}");
    assert_eq!((stats.undecodable, stats.unknown_events), (5, 1));
    assert_never_lost(&p);
    assert_clean_logs(&logs, started);
}

#[tokio::test]
async fn frames_that_are_not_socket_io_are_skipped_not_fatal() {
    let (logs, _guard) = capture::capture();
    let started = Instant::now();
    let (mut server, mut p) = connected().await;
    let mut bad_utf8 = b"2[\"newNotification\",{\"title\":\"".to_vec();
    bad_utf8.extend_from_slice(&[0xff, 0xfe, 0xc3, 0x28]);
    bad_utf8.extend_from_slice(MARK.as_bytes());
    bad_utf8.extend_from_slice(b"\"}]");
    let binary_frames: [&[u8]; 4] = [&[0xff, 0xfe, 0xfd], &[0x80], &[], &bad_utf8];
    for frame in binary_frames {
        server.raw(Ok(frame)).await;
    }
    // Socket.io packets that decode to no event: no name, not an array,
    // no packet type, truncated JSON.
    let texts = ["2[]", "2\"just a string\"", "9nonsense", "2[\"x\",{", "2{}"];
    for text in texts {
        server.raw(Err(text)).await;
    }
    // A binary event (the protocol has none): its attachment is read and dropped.
    server
        .raw(Err("51-[\"withBytes\",{\"_placeholder\":true,\"num\":0}]"))
        .await;
    server.raw(Ok(&[0xff, 0x00, 0xfe])).await;
    sentinel(&mut server, &mut p, "s4").await;
    let stats = p.link.stats();
    println!("frames: {stats:?}");
    // The empty binary frame carries nothing: skipped, not counted.
    assert_eq!(stats.undecodable, 3 + 5);
    assert_eq!(stats.binary_payloads, 1);
    assert_never_lost(&p);
    assert_clean_logs(&logs, started);
}
