//! Stopping, cutting and restarting the embedded backend on the same port.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use alora_backend::{Backend, BackendConfig, BackendError};
use anyhow::Result;
use common::connect;
use serde_json::json;

const HOUR: Duration = Duration::from_secs(3600);

fn same_place(b: &Backend) -> BackendConfig {
    BackendConfig {
        addr: b.local_addr(),
        secret: b.secret().to_vec(),
        ..BackendConfig::default()
    }
}

async fn wait_until(mut cond: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + common::WAIT;
    while tokio::time::Instant::now() < deadline {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cond()
}

#[tokio::test]
async fn disconnect_all_closes_the_transports() -> Result<()> {
    let b = Backend::start(BackendConfig::default()).await?;
    let mut c = connect(
        &b.url(),
        b.path(),
        json!({ "token": b.token_for("u1", HOUR) }),
    )
    .await?;
    c.connected().await?;
    assert_eq!(b.connected_sockets(), 1);
    b.disconnect_all().await;
    assert_eq!(b.connected_sockets(), 0);
    // rust_socketio reports a cut transport as an `error` (no DISCONNECT packet was sent).
    let gone = c
        .wait_for(|s| s.event == "close" || s.event == "error")
        .await?;
    assert_eq!(gone.event, "error", "{gone:?}");
    // The server still accepts new connections.
    let mut again = connect(
        &b.url(),
        b.path(),
        json!({ "token": b.token_for("u1", HOUR) }),
    )
    .await?;
    again.connected().await?;
    assert_eq!(b.handshakes().accepted, 2);
    b.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn graceful_restart_on_the_same_port() -> Result<()> {
    let b = Backend::start(BackendConfig::default()).await?;
    let port = b.port();
    let token = b.token_for("u1", HOUR);
    let mut c = connect(&b.url(), b.path(), json!({ "token": token })).await?;
    c.connected().await?;
    let cfg = same_place(&b);
    b.shutdown().await;
    drop(c);
    // The port is free right away.
    let probe = tokio::net::TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port))).await;
    assert!(probe.is_err(), "nothing listens after shutdown");

    let b2 = Backend::start(cfg).await?;
    assert_eq!(b2.port(), port);
    let mut c2 = connect(&b2.url(), b2.path(), json!({ "token": token })).await?;
    assert_eq!(c2.connected().await?["userId"], "u1");
    b2.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn abort_cuts_clients_and_frees_the_port() -> Result<()> {
    let b = Backend::start(BackendConfig::default()).await?;
    let port = b.port();
    let token = b.token_for("u1", HOUR);
    let mut c = connect(&b.url(), b.path(), json!({ "token": token })).await?;
    c.connected().await?;
    let cfg = same_place(&b);
    b.abort();
    // The client learns of it from its transport, not from a Socket.IO packet.
    let gone = c
        .wait_for(|s| s.event == "close" || s.event == "error")
        .await?;
    assert_eq!(gone.event, "error", "{gone:?}");

    let b2 = Backend::start(cfg).await?;
    assert_eq!(b2.port(), port);
    let mut c2 = connect(&b2.url(), b2.path(), json!({ "token": token })).await?;
    c2.connected().await?;
    assert!(wait_until(|| b2.connected_sockets() == 1).await);
    b2.abort();
    Ok(())
}

#[tokio::test]
async fn bad_configs_are_refused() -> Result<()> {
    let bad_path = Backend::start(BackendConfig {
        path: "socket".into(),
        ..BackendConfig::default()
    })
    .await;
    assert!(matches!(bad_path, Err(BackendError::BadPath(_))));
    let no_secret = Backend::start(BackendConfig {
        secret: Vec::new(),
        ..BackendConfig::default()
    })
    .await;
    assert!(matches!(no_secret, Err(BackendError::EmptySecret)));
    Ok(())
}

#[tokio::test]
async fn short_ping_times_are_honoured() -> Result<()> {
    let b = Backend::start(BackendConfig {
        ping_interval: Duration::from_millis(200),
        ping_timeout: Duration::from_millis(200),
        ..BackendConfig::default()
    })
    .await?;
    let mut c = connect(
        &b.url(),
        b.path(),
        json!({ "token": b.token_for("u1", HOUR) }),
    )
    .await?;
    c.connected().await?;
    // rust_socketio answers pings; the socket must survive several ping rounds.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(b.connected_sockets(), 1);
    b.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn pause_freezes_and_resume_releases() -> Result<()> {
    let b = Backend::start(BackendConfig::default()).await?;
    let mut c = connect(
        &b.url(),
        b.path(),
        json!({ "token": b.token_for("u1", HOUR) }),
    )
    .await?;
    c.connected().await?;
    b.pause();
    assert!(b.is_paused());
    b.push_to_user(
        "u1",
        "newNotification",
        json!({ "id": "p", "title": "t", "message": "m" }),
    )
    .await;
    let during = c.drain(Duration::from_millis(400)).await;
    assert!(during.is_empty(), "nothing flows while paused: {during:?}");
    b.resume();
    assert_eq!(c.wait("newNotification").await?.first()["id"], "p");
    b.shutdown().await;
    Ok(())
}
