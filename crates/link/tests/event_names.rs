//! Application events whose names rust_socketio 0.6 took for its own
//! (`error`, `close`, `open`, `message`), emitted by real servers: they are
//! events like any other, never a lost link or an auth rejection.

// A test fails by panicking: unwrap is how these say "this must hold".
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod probe;
mod support;

use std::time::Duration;

use alora_link::{LinkState, Transport};
use probe::{config, Probe};
use serde_json::json;
use support::{Kind, NodeOptions, TestServer};

const SECS_5: Duration = Duration::from_secs(5);

async fn names_of_library_events_stay_application_events(kind: Kind, transport: Transport) {
    let mut server = support::start(kind, NodeOptions::default()).await;
    let token = server.token_for("u1");
    let mut cfg = config(&server.url(), &server.path(), &token);
    cfg.transport = transport;
    let mut p = Probe::connect(cfg).await;
    p.connected().await;
    server
        .wait_received(|r| r.event == "register", SECS_5)
        .await
        .unwrap();
    let before = p.link.stats();
    let states_before = p.states().len();

    let pushes = [
        ("error", json!({"message": "unauthorized"})),
        // The words rust_socketio's own CONNECT_ERROR text has.
        (
            "error",
            json!("Received an ConnectError frame: {\"message\":\"invalid token\"}"),
        ),
        ("close", json!({"reason": "done"})),
        ("open", json!({})),
        ("message", json!("hello")),
    ];
    for (event, payload) in &pushes {
        server.push(Some("u1"), event, vec![payload.clone()]).await;
    }
    // A known event after them: it arrives on the same, still open, link.
    server
        .push(
            Some("u1"),
            "newNotification",
            vec![json!({"id": 7, "title": "After", "body": "b", "type": "system"})],
        )
        .await;
    p.incoming(SECS_5, "newNotification").await;
    p.settle(Duration::from_millis(300)).await;

    let changes: Vec<LinkState> = p.states().into_iter().skip(states_before).collect();
    assert!(
        changes.is_empty(),
        "{}: the link changed state on application events: {changes:#?}",
        server.name()
    );
    assert!(p.link.state().is_connected(), "{:?}", p.link.state());
    let after = p.link.stats();
    assert_eq!(
        after.unknown_events - before.unknown_events,
        pushes.len() as u64,
        "{}: each one counted as an unknown event",
        server.name()
    );
    assert_eq!(after.auth_rejections, before.auth_rejections);
    assert_eq!(after.connects, before.connects);
    assert_eq!(
        server.handshakes().0,
        1,
        "{}: no new handshake",
        server.name()
    );
}

#[tokio::test]
async fn library_event_names_embedded_websocket() {
    names_of_library_events_stay_application_events(Kind::Embedded, Transport::Websocket).await;
}

#[tokio::test]
async fn library_event_names_node_websocket() {
    names_of_library_events_stay_application_events(Kind::Node, Transport::Websocket).await;
}

#[tokio::test]
async fn library_event_names_node_polling() {
    names_of_library_events_stay_application_events(Kind::Node, Transport::Polling).await;
}

/// The one that was taken for a final rejection of the token: it alone, so
/// that no earlier event has dropped the link first.
#[tokio::test]
async fn error_event_in_connect_error_words_is_no_rejection() {
    let mut server = support::embedded().await;
    let token = server.token_for("u1");
    let mut p = Probe::connect(config(&server.url(), &server.path(), &token)).await;
    p.connected().await;
    let states_before = p.states().len();
    let text = "Received an ConnectError frame: {\"message\":\"invalid token\"}";
    server.push(Some("u1"), "error", vec![json!(text)]).await;
    server
        .push(
            Some("u1"),
            "newNotification",
            vec![json!({"id": 8, "title": "After", "body": "b", "type": "system"})],
        )
        .await;
    p.incoming(SECS_5, "newNotification").await;
    let changes: Vec<LinkState> = p.states().into_iter().skip(states_before).collect();
    assert!(changes.is_empty(), "{changes:#?}");
    assert_eq!(p.link.stats().auth_rejections, 0);
}
