//! The vendored rust_socketio's `ClientBuilder::on_ping`, against both real
//! servers: called once for every engine.io PING the server sends.

// A test fails by panicking: unwrap is how these say "this must hold".
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use rust_socketio::asynchronous::ClientBuilder;
use rust_socketio::TransportType;
use serde_json::json;
use support::{Kind, NodeOptions, TestServer};

const PING_MS: u64 = 100;

async fn on_ping_is_called_for_every_ping(kind: Kind, transport: TransportType) {
    let mut server = support::start(
        kind,
        NodeOptions {
            ping_interval_ms: Some(PING_MS),
            ping_timeout_ms: Some(5_000),
            ..NodeOptions::default()
        },
    )
    .await;
    let token = server.token_for("u1");
    let pings = Arc::new(AtomicUsize::new(0));
    let counted = pings.clone();
    let client = ClientBuilder::new(format!("{}{}/", server.url(), server.path()))
        .transport_type(transport)
        .reconnect(false)
        .auth(json!({ "token": token }))
        .on_ping(move || {
            let counted = counted.clone();
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
            }
            .boxed()
        })
        .connect()
        .await
        .unwrap();

    // Five pings take half a second at this pace; a generous deadline, no timing claim.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while pings.load(Ordering::SeqCst) < 5 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{}: only {} pings seen",
            server.name(),
            pings.load(Ordering::SeqCst)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = client.disconnect().await;
    // No ping after the client is gone: the count is of this client's pings.
    let after = pings.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(3 * PING_MS)).await;
    assert!(pings.load(Ordering::SeqCst) <= after + 1);
}

#[tokio::test]
async fn on_ping_embedded_websocket() {
    on_ping_is_called_for_every_ping(Kind::Embedded, TransportType::Websocket).await;
}

#[tokio::test]
async fn on_ping_node_websocket() {
    on_ping_is_called_for_every_ping(Kind::Node, TransportType::Websocket).await;
}

#[tokio::test]
async fn on_ping_node_polling() {
    on_ping_is_called_for_every_ping(Kind::Node, TransportType::Polling).await;
}
