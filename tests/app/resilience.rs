//! End to end, when things go wrong: the real `alora-tray --headless`
//! binary reconnects after the server is killed, makes no handshake storm
//! with a rejected token, and keeps working (saying so once) with no
//! notification server.

use std::time::Duration;

use alora_backend::{Backend, BackendConfig};
use serde_json::json;

use crate::headless::{accepted, args, HOUR};
use crate::recorder::recorder;
use crate::support::{eventually, Instance, TokenFile};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnects_after_the_server_is_killed() {
    let Some(rec) = recorder() else { return };
    let backend = Backend::start(BackendConfig::default()).await.unwrap();
    let (addr, secret) = (backend.local_addr(), backend.secret().to_vec());
    let token = backend.token_for("u1", HOUR);
    let app = Instance::headless("reconnect", &args(&backend, &TokenFile::new(&token)));
    assert!(accepted(&backend, 1).await, "{}", app.stderr());
    backend.abort();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let cfg = BackendConfig {
        addr,
        secret,
        ..BackendConfig::default()
    };
    let again = Backend::start(cfg).await.unwrap();
    assert!(
        accepted(&again, 1).await,
        "no reconnect; log:\n{}",
        app.stderr()
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let tag = "e2e-reconnect-9d2";
    again
        .push_to_user(
            "u1",
            "newNotification",
            json!({"id": "r1", "title": format!("Back {tag}"), "message": "m"}),
        )
        .await;
    let got = eventually(Duration::from_secs(10), || {
        (!rec.tagged(tag).is_empty()).then_some(())
    })
    .await;
    assert!(got.is_some(), "{}", app.stderr());
    again.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_token_makes_no_handshake_storm() {
    if recorder().is_none() {
        return;
    }
    let backend = Backend::start(BackendConfig::default()).await.unwrap();
    let bad = alora_backend::mint_token(b"not-the-server-secret-at-all-000", "u1", HOUR);
    let app = Instance::headless("rejected", &args(&backend, &TokenFile::new(&bad)));
    let first = eventually(Duration::from_secs(20), || {
        (backend.handshakes().rejected >= 1).then_some(())
    })
    .await;
    assert!(first.is_some(), "{}", app.stderr());
    tokio::time::sleep(Duration::from_secs(5)).await;
    let h = backend.handshakes();
    assert_eq!(
        (h.accepted, h.rejected),
        (0, 1),
        "one rejected handshake, then it waits for a new token"
    );
    // Still answers the CLI; the status waits in the outbox.
    let out = app.cli(&["status", "away"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("queued"));
    backend.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_notification_server_it_keeps_working_and_says_so_once() {
    let backend = Backend::start(BackendConfig::default()).await.unwrap();
    let token = backend.token_for("u1", HOUR);
    let app = Instance::headless_with("nobus", &args(&backend, &TokenFile::new(&token)), |c| {
        c.env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/alora-test-bus",
        );
    });
    assert!(accepted(&backend, 1).await, "{}", app.stderr());
    tokio::time::sleep(Duration::from_millis(500)).await;
    for i in 0..3 {
        backend
            .push_to_user(
                "u1",
                "newNotification",
                json!({"id": format!("x{i}"), "title": "t", "message": "m"}),
            )
            .await;
    }
    let out = app.cli(&["status", "busy"]);
    assert!(out.status.success());
    let got = eventually(Duration::from_secs(10), || {
        backend
            .received()
            .into_iter()
            .find(|r| r.event == "updateStatus")
    })
    .await;
    assert!(got.is_some());
    tokio::time::sleep(Duration::from_secs(1)).await;
    let log = app.stderr();
    assert_eq!(
        log.matches("no desktop notification server").count(),
        1,
        "{log}"
    );
    backend.shutdown().await;
}
