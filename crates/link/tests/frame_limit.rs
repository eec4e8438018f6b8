//! A server message over the link's size limit (1 MiB, where tungstenite
//! allowed 64 MiB) is refused with a clear reason, and the link reconnects.

// A test fails by panicking: unwrap is how these say "this must hold".
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod probe;
mod support;

use std::time::Duration;

use alora_link::LinkState;
use probe::{config, Probe};
use serde_json::json;
use support::{Kind, NodeOptions, TestServer};

const SECS_10: Duration = Duration::from_secs(10);

async fn an_oversized_message_is_refused_and_the_link_comes_back(kind: Kind) {
    let mut server = support::start(kind, NodeOptions::default()).await;
    let token = server.token_for("u1");
    let mut p = Probe::connect(config(&server.url(), &server.path(), &token)).await;
    p.connected().await;
    server
        .wait_received(|r| r.event == "register", SECS_10)
        .await
        .unwrap();

    // Just under the limit, with its framing: still taken.
    let fits = "x".repeat(1_000_000);
    server
        .push(Some("u1"), "bigButFine", vec![json!(fits)])
        .await;
    let too_big = "x".repeat(2 * 1024 * 1024);
    server
        .push(Some("u1"), "tooBig", vec![json!(too_big)])
        .await;

    let lost = p
        .wait_state(SECS_10, "Reconnecting", |s| {
            matches!(s, LinkState::Reconnecting { .. })
        })
        .await;
    let LinkState::Reconnecting { reason, .. } = lost else {
        unreachable!()
    };
    assert!(
        reason.contains("too long") || reason.contains("too large"),
        "{}: the reason should say the message was too large: {reason}",
        server.name()
    );
    p.connected().await;
    server
        .wait_received_from(1, |r| r.event == "register", SECS_10)
        .await
        .unwrap();
    server
        .push(
            Some("u1"),
            "newNotification",
            vec![json!({"id": 9, "title": "After", "body": "b", "type": "system"})],
        )
        .await;
    p.incoming(SECS_10, "newNotification").await;
    assert_eq!(
        p.link.stats().unknown_events,
        1,
        "{}: the message under the limit arrived, the one over it did not",
        server.name()
    );
}

#[tokio::test]
async fn oversized_message_embedded() {
    an_oversized_message_is_refused_and_the_link_comes_back(Kind::Embedded).await;
}

#[tokio::test]
async fn oversized_message_node() {
    an_oversized_message_is_refused_and_the_link_comes_back(Kind::Node).await;
}
