//! End to end: the real `alora-tray --headless` binary against the embedded
//! backend (in this process) and the recording notification server on a
//! real session bus. Popups for pushed events and none for typing; bursts
//! summed up; the CLI forwarded to the running instance.

use std::time::Duration;

use alora_backend::{Backend, BackendConfig};
use serde_json::json;

use crate::recorder::recorder;
use crate::support::{eventually, Instance, TokenFile};

pub const HOUR: Duration = Duration::from_secs(3600);

pub fn args<'a>(backend: &'a Backend, token: &'a TokenFile) -> Vec<&'a str> {
    vec![
        "--server-url",
        Box::leak(backend.url().into_boxed_str()),
        "--socket-path",
        backend.path(),
        "--token-file",
        token.path(),
    ]
}

pub async fn accepted(backend: &Backend, n: usize) -> bool {
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
    let mut app = Instance::headless("popups", &args(&backend, &TokenFile::new(&token)));
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
        .all(|r| r.app_name == "Alora" && r.actions[..2] == ["default", "Open"]));
    // The recorder has `actions` and `inline-reply`: Reply is a text field.
    let message = got.iter().find(|r| r.summary == "Maya").unwrap();
    assert_eq!(
        message.actions,
        [
            "default",
            "Open",
            "inline-reply",
            "Reply",
            "mark-read",
            "Mark read"
        ]
    );
    assert_eq!(message.reply_placeholder.as_deref(), Some("Reply to Maya"));
    // Tied to the launcher the packages install (packaging/com.alora.tray.desktop).
    assert!(
        got.iter()
            .all(|r| r.desktop_entry.as_deref() == Some(alora_desktop::app_id::APP_ID)),
        "{got:?}"
    );

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
async fn a_burst_becomes_a_few_popups_and_one_summary() {
    let Some(rec) = recorder() else { return };
    let backend = Backend::start(BackendConfig::default()).await.unwrap();
    let token = backend.token_for("u1", HOUR);
    let app = Instance::headless("burst", &args(&backend, &TokenFile::new(&token)));
    assert!(accepted(&backend, 1).await, "{}", app.stderr());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let tag = "e2e-burst-3b9";
    for i in 0..12 {
        let n = json!({"id": format!("burst-{i}"), "title": format!("Burst {i} {tag}"), "message": "m"});
        backend.push_to_user("u1", "newNotification", n).await;
    }
    // Three shown at once, the other nine summed up when the burst window ends.
    let summary = eventually(Duration::from_secs(20), || {
        rec.all()
            .into_iter()
            .find(|r| r.summary == "9 new notifications")
    })
    .await;
    assert!(summary.is_some(), "{:?}\n{}", rec.all(), app.stderr());
    assert_eq!(rec.tagged(tag).len(), 3);
    assert_eq!(
        summary.map(|s| s.body),
        Some("Open Alora to see them all.".to_owned())
    );
    backend.shutdown().await;
}
