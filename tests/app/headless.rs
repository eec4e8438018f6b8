//! End to end: the real `alora-tray --headless` binary against the embedded
//! backend (in this process) and the recording notification server on a
//! real session bus. Popups for pushed events and none for typing; the CLI
//! forwarded to the running instance; reconnect after the server is killed;
//! no handshake storm for a rejected token; no notification server at all.

use std::time::Duration;

use alora_backend::{Backend, BackendConfig};
use serde_json::json;

use crate::recorder::recorder;
use crate::support::{eventually, Instance};

const HOUR: Duration = Duration::from_secs(3600);

fn args<'a>(backend: &'a Backend, token: &'a str) -> Vec<&'a str> {
    vec![
        "--server-url",
        Box::leak(backend.url().into_boxed_str()),
        "--socket-path",
        backend.path(),
        "--token",
        token,
    ]
}

async fn accepted(backend: &Backend, n: usize) -> bool {
    eventually(Duration::from_secs(20), || {
        (backend.handshakes().accepted >= n).then_some(())
    })
    .await
    .is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn popups_for_pushed_events_none_for_typing_and_the_cli_reaches_the_server() {
    let Some(rec) = recorder() else { return };
    let backend = Backend::start(BackendConfig::default()).await.unwrap();
    let token = backend.token_for("u1", HOUR);
    let mut app = Instance::headless("popups", &args(&backend, &token));
    assert!(
        accepted(&backend, 1).await,
        "no handshake; log:\n{}",
        app.stderr()
    );
    // The link registers, then is ready for events.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let tag = "e2e-popups-51c";
    backend
        .push_to_user(
            "u1",
            "userTyping",
            json!({"userId": "u2", "isTyping": true, "conversationId": tag}),
        )
        .await;
    backend.push_to_user("u1", "newNotification", json!({"id": "n1", "title": format!("Booking request {tag}"), "message": "Friday <10:00> & more"})).await;
    backend
        .push_to_user(
            "u1",
            "bookingUpdated",
            json!({"bookingId": "b7", "status": "confirmed", "title": format!("Confirmed {tag}")}),
        )
        .await;
    backend.push_to_user("u1", "newMessage", json!({"id": 9, "conversationId": "c1", "senderId": "u2", "senderName": "Maya", "content": format!("Hi {tag}")})).await;
    backend
        .push_to_user(
            "u1",
            "userOnline",
            json!({"userId": "u3", "name": format!("Ana {tag}")}),
        )
        .await;
    // The same notification again (a re-send): never pops twice.
    backend
        .push_to_user(
            "u1",
            "newNotification",
            json!({"id": "n1", "title": format!("Booking request {tag}"), "message": "again"}),
        )
        .await;

    let got = eventually(Duration::from_secs(10), || {
        let t = rec.tagged(tag);
        (t.len() >= 3).then_some(t)
    })
    .await
    .unwrap_or_else(|| panic!("popups: {:?}\nlog:\n{}", rec.tagged(tag), app.stderr()));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let got_later = rec.tagged(tag);
    assert_eq!(
        got_later.len(),
        3,
        "typing, presence and the re-send make no popup: {got_later:?}"
    );
    let summaries: Vec<_> = got.iter().map(|r| r.summary.clone()).collect();
    assert!(
        summaries.contains(&format!("Booking request {tag}")),
        "{summaries:?}"
    );
    assert!(summaries.contains(&format!("Confirmed {tag}")));
    assert!(summaries.contains(&"Maya".to_owned()));
    let n = got
        .iter()
        .find(|r| r.summary.starts_with("Booking request"))
        .unwrap();
    assert_eq!(n.body, "Friday &lt;10:00&gt; &amp; more");
    assert!(got
        .iter()
        .all(|r| r.app_name == "Alora" && r.actions == ["default", "Open"]));

    // Forwarded subcommands.
    let out = app.cli(&["status", "busy"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status = eventually(Duration::from_secs(10), || {
        backend
            .received()
            .into_iter()
            .find(|r| r.event == "updateStatus")
            .map(|r| r.payload)
    })
    .await;
    assert_eq!(status, Some(json!({"status": "busy"})));
    let out = app.cli(&[
        "send",
        "bookingUpdate",
        r#"{"bookingId":"b9","status":"cancelled"}"#,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sent = eventually(Duration::from_secs(10), || {
        backend
            .received()
            .into_iter()
            .find(|r| r.event == "bookingUpdate")
    })
    .await;
    assert_eq!(
        sent.map(|r| r.payload["bookingId"].clone()),
        Some(json!("b9"))
    );
    let out = app.cli(&["send", "register", "{}"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown event \"register\""));
    let out = app.cli(&["send", "typing", "{not json"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("not valid JSON"));
    let out = app.cli(&["send", "sendMessage", r#"{"conversationId":"c1"}"#]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("does not fit"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = app.cli(&["open"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("headless mode has no window"));
    // A plain second launch forwards "open" and does not start a second instance.
    let out = app.cli(&["--headless"]);
    assert!(!out.status.success());
    let out = app.cli(&["dnd", "on"]);
    assert!(out.status.success());
    backend
        .push_to_user(
            "u1",
            "newNotification",
            json!({"id": "n2", "title": format!("In DND {tag}"), "message": "x"}),
        )
        .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(rec.tagged(tag).len(), 3, "DND suppresses popups");

    let out = app.cli(&["quit"]);
    assert!(out.status.success());
    assert!(
        app.wait_exit(Duration::from_secs(10))
            .is_some_and(|s| s.success()),
        "{}",
        app.stderr()
    );
    assert!(
        !app.stderr().contains(&token),
        "the token never appears in logs"
    );
    backend.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnects_after_the_server_is_killed() {
    let Some(rec) = recorder() else { return };
    let backend = Backend::start(BackendConfig::default()).await.unwrap();
    let (addr, secret) = (backend.local_addr(), backend.secret().to_vec());
    let token = backend.token_for("u1", HOUR);
    let app = Instance::headless("reconnect", &args(&backend, &token));
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
    let app = Instance::headless("rejected", &args(&backend, &bad));
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
    let app = Instance::headless_with("nobus", &args(&backend, &token), |c| {
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
