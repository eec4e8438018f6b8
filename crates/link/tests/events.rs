//! Every protocol event in both directions against real servers, acks and
//! the server's de-duplication, malformed payloads, both transports, and
//! payloads too large for polling.

// A test fails by panicking: unwrap is how these say "this must hold".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod probe;
mod support;

use std::time::Duration;

use alora_link::{Incoming, LinkEvent, LinkState, Outcome, Transport};
use probe::{config, eventually, Probe};
use serde_json::{json, Value};
use support::TestServer;

const SECS_5: Duration = Duration::from_secs(5);

async fn connected(server: &mut impl TestServer, transport: Transport) -> Probe {
    let token = server.token_for("u1");
    let mut cfg = config(&server.url(), &server.path(), &token);
    cfg.transport = transport;
    let mut p = Probe::connect(cfg).await;
    p.connected().await;
    server
        .wait_received(|r| r.event == "register", SECS_5)
        .await
        .unwrap();
    p
}

async fn every_server_event_arrives_typed(mut server: impl TestServer) {
    let mut p = connected(&mut server, Transport::Websocket).await;
    let pushes = [
        (
            "newNotification",
            json!({"id": 1, "title": "New booking", "body": "Ann, 10:00", "type": "booking"}),
        ),
        (
            "bookingUpdated",
            json!({"bookingId": "b1", "status": "confirmed", "updatedBy": "u2"}),
        ),
        (
            "newMessage",
            json!({"id": "m1", "conversationId": "c1", "senderId": "u2", "content": "Hello"}),
        ),
        ("userOnline", json!({"userId": "u2", "name": "Ann"})),
        ("userOffline", json!({"userId": 3})),
        ("statusUpdated", json!({"userId": "u2", "status": "busy"})),
        (
            "userTyping",
            json!({"userId": "u2", "isTyping": true, "conversationId": "c1"}),
        ),
    ];
    for (event, payload) in &pushes {
        server.push(Some("u1"), event, vec![payload.clone()]).await;
        let got = p.incoming(SECS_5, event).await;
        let data = serde_json::to_value(&got).unwrap()["data"].clone();
        for (key, want) in payload.as_object().unwrap() {
            let key = if key == "body" {
                "message"
            } else if key == "type" {
                "type"
            } else {
                key
            };
            let want = match want {
                Value::Number(n) => Value::String(n.to_string()),
                other => other.clone(),
            };
            assert_eq!(data[key], want, "{event}.{key}");
        }
    }
    assert_eq!(p.link.stats().malformed, 0);
}

async fn every_client_event_reaches_the_server(mut server: impl TestServer) {
    let mut p = connected(&mut server, Transport::Websocket).await;
    let link = p.link.clone();
    link.join_conversation("c1").await.unwrap();
    let sends = [
        (
            "typing",
            json!({"userId": "u1", "isTyping": true, "conversationId": "c1"}),
        ),
        ("updateStatus", json!({"status": "busy"})),
        (
            "bookingUpdate",
            json!({"bookingId": "b7", "status": "confirmed"}),
        ),
        (
            "markAsRead",
            json!({"conversationId": "c1", "messageIds": ["m1", "m2"]}),
        ),
        (
            "sendMessage",
            json!({"clientId": "k-1", "conversationId": "c1", "content": "On my way"}),
        ),
    ];
    for (event, payload) in &sends {
        link.emit(event, payload.clone()).await.unwrap();
        let got = server
            .wait_received(|r| r.event == *event, SECS_5)
            .await
            .unwrap();
        assert_eq!(&got.payload, payload, "{event}");
        assert_eq!(got.user_id.as_deref(), Some("u1"));
    }
    let join = server
        .wait_received(|r| r.event == "joinConversation", SECS_5)
        .await
        .unwrap();
    assert_eq!(join.payload, json!({"conversationId": "c1"}));
    // The server echoes status and booking updates back to the sender's room.
    let Incoming::StatusUpdated(s) = p.incoming(SECS_5, "statusUpdated").await else {
        unreachable!()
    };
    assert_eq!((s.user_id.0.as_str(), s.status.as_str()), ("u1", "busy"));
    let Incoming::BookingUpdated(b) = p.incoming(SECS_5, "bookingUpdated").await else {
        unreachable!()
    };
    assert_eq!(
        (b.booking_id.0.as_str(), b.status.as_str()),
        ("b7", "confirmed")
    );
    assert!(
        link.emit("register", json!({"userId": "x"})).await.is_err(),
        "not on the allow-list"
    );
}

async fn acks_round_trip_and_the_server_drops_duplicates(mut server: impl TestServer) {
    let mut p = connected(&mut server, Transport::Websocket).await;
    let msg = json!({"clientId": "dup-1", "conversationId": "c1", "content": "Once"});
    let mut acks = Vec::new();
    for _ in 0..2 {
        let d = p.link.emit("sendMessage", msg.clone()).await.unwrap();
        assert_eq!(d.client_id.as_deref(), Some("dup-1"));
        let done = p
            .delivery(SECS_5, |x| x.entry_id == d.entry_id && Probe::acked(x))
            .await;
        let Outcome::Acked { ack } = done.outcome else {
            unreachable!()
        };
        acks.push(ack);
    }
    assert_eq!(acks[0]["clientId"], "dup-1");
    assert_eq!(acks[0]["content"], "Once");
    assert_eq!(
        acks[0]["id"], acks[1]["id"],
        "the re-send got the stored message back"
    );
    // A generated clientId when none is given.
    let d = p
        .link
        .emit(
            "sendMessage",
            json!({"conversationId": "c1", "content": "x"}),
        )
        .await
        .unwrap();
    assert_eq!(d.client_id.as_ref().map(String::len), Some(36));
    assert!(p.link.outbox().await.unwrap().len() <= 1);
}

async fn malformed_payloads_are_counted_and_the_link_stays_up(mut server: impl TestServer) {
    let mut p = connected(&mut server, Transport::Websocket).await;
    let bad: Vec<(&str, Vec<Value>)> = vec![
        ("newNotification", vec![json!({"title": "no id"})]),
        ("newNotification", vec![json!("a string")]),
        ("newMessage", vec![json!({"id": "m"})]),
        ("bookingUpdated", vec![json!([1, 2, 3])]),
        (
            "userTyping",
            vec![json!({"userId": "u", "isTyping": "maybe"})],
        ),
        ("statusUpdated", vec![json!("busy")]),
        ("userOnline", vec![json!(null)]),
    ];
    let n = bad.len() as u64;
    for (event, args) in bad {
        server.push(Some("u1"), event, args).await;
    }
    server
        .push(Some("u1"), "brandNewEvent", vec![json!({"x": 1})])
        .await;
    // A good event after the bad ones still arrives, wrapped and with extras.
    server
        .push(
            Some("u1"),
            "newNotification",
            vec![
                json!([{"id": "ok", "title": "T", "message": "M", "z": 1}]),
                json!("extra"),
            ],
        )
        .await;
    let Incoming::NewNotification(n_ok) = p.incoming(SECS_5, "newNotification").await else {
        unreachable!()
    };
    assert_eq!(n_ok.id.0, "ok");
    let malformed = p
        .seen
        .iter()
        .filter(|e| matches!(e, LinkEvent::Malformed(_)))
        .count() as u64;
    assert_eq!(malformed, n);
    let stats = p.link.stats();
    assert_eq!((stats.malformed, stats.unknown_events), (n, 1));
    assert!(p.link.state().is_connected());
}

async fn polling_transport_works_both_ways(mut server: impl TestServer) {
    let mut p = connected(&mut server, Transport::Polling).await;
    p.link
        .emit("updateStatus", json!({"status": "away"}))
        .await
        .unwrap();
    server
        .wait_received(|r| r.event == "updateStatus", SECS_5)
        .await
        .unwrap();
    server
        .push(
            Some("u1"),
            "newNotification",
            vec![json!({"id": "p1", "title": "T", "message": "M"})],
        )
        .await;
    p.incoming(SECS_5, "newNotification").await;
}

async fn large_payloads_arrive_over_websocket(mut server: impl TestServer) {
    let mut p = connected(&mut server, Transport::Websocket).await;
    let text = "x".repeat(64 * 1024);
    server
        .push(
            Some("u1"),
            "newMessage",
            vec![json!({"id": "big", "conversationId": "c", "senderId": "u2", "content": text})],
        )
        .await;
    let Incoming::NewMessage(m) = p.incoming(SECS_5, "newMessage").await else {
        unreachable!()
    };
    assert_eq!(m.content.len(), 64 * 1024);
}

macro_rules! both {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn embedded() {
                super::$scenario(super::support::embedded().await).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn node() {
                super::$scenario(super::support::node().await).await
            }
        }
    )*};
}

both!(
    every_server_event_arrives_typed,
    every_client_event_reaches_the_server,
    acks_round_trip_and_the_server_drops_duplicates,
    malformed_payloads_are_counted_and_the_link_stays_up,
    polling_transport_works_both_ways,
    large_payloads_arrive_over_websocket,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_offset_argument_of_connection_state_recovery_is_ignored() {
    let mut server = support::node_with(support::NodeOptions {
        recovery: true,
        ..Default::default()
    })
    .await;
    let mut p = connected(&mut server, Transport::Websocket).await;
    server
        .push(
            Some("u1"),
            "statusUpdated",
            vec![json!({"userId": "u9", "status": "away"})],
        )
        .await;
    let Incoming::StatusUpdated(s) = p.incoming(SECS_5, "statusUpdated").await else {
        unreachable!()
    };
    assert_eq!(s.status, "away");
    assert_eq!(p.link.stats().malformed, 0);
    assert!(matches!(p.link.state(), LinkState::Connected { .. }));
}

/// Both test servers never acknowledge a message to the conversation
/// `silent`, as a backend that lost it would.
async fn an_unacknowledged_message_is_retried_then_failed_without_blocking(
    mut server: impl TestServer,
) {
    let token = server.token_for("u1");
    let mut cfg = config(&server.url(), &server.path(), &token);
    cfg.timeouts.ack = Duration::from_millis(800);
    let mut p = Probe::connect(cfg).await;
    p.connected().await;
    let lost = p
        .link
        .emit(
            "sendMessage",
            json!({"clientId": "lost-1", "conversationId": "silent", "content": "?"}),
        )
        .await
        .unwrap();
    let after = p
        .link
        .emit(
            "sendMessage",
            json!({"clientId": "next-1", "conversationId": "c1", "content": "!"}),
        )
        .await
        .unwrap();
    // In the window beside the lost one: acknowledged at once, not after
    // the lost one's attempts.
    p.delivery(Duration::from_secs(10), |d| {
        d.entry_id == after.entry_id && Probe::acked(d)
    })
    .await;
    let failed = p
        .wait_for(
            Duration::from_secs(20),
            "the lost message failing",
            |e| match e {
                LinkEvent::Delivery(d)
                    if d.entry_id == lost.entry_id
                        && matches!(d.outcome, Outcome::Failed { .. }) =>
                {
                    Some(d.clone())
                }
                _ => None,
            },
        )
        .await;
    let Outcome::Failed { reason } = failed.outcome else {
        unreachable!()
    };
    assert!(reason.contains("no acknowledgement"), "{reason}");
    // Three attempts with the same clientId, then no more.
    eventually(SECS_5, 3, || {
        server
            .received()
            .iter()
            .filter(|r| r.payload["clientId"] == "lost-1")
            .count()
    })
    .await;
    let outbox = p.link.outbox().await.unwrap();
    assert_eq!(outbox.len(), 1, "the failed message is kept for a retry");
    assert_eq!(outbox[0].status, alora_link::EntryStatus::Failed);
    p.link.discard(outbox[0].id).await.unwrap();
    assert!(p.link.outbox().await.unwrap().is_empty());
}

both!(an_unacknowledged_message_is_retried_then_failed_without_blocking);
