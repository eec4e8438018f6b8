//! Acting from the popup, end to end: the real `alora-tray --headless`
//! against the embedded backend and the recording notification server
//! (which lists `actions` and `inline-reply`). Accept answers the booking
//! once through the outbox and replaces the popup; a typed reply reaches the
//! server as a message; one popup per conversation, replaced in place and
//! withdrawn when the conversation is read elsewhere; a request answered on
//! another device is withdrawn; a forged Accept does nothing.

use std::time::Duration;

use alora_backend::{Backend, BackendConfig};
use serde_json::{json, Value};

use crate::headless::{accepted, args, HOUR};
use crate::recorder::{recorder, Recorded, Recorder};
use crate::support::{eventually, Instance, TokenFile};

/// The events of `name` the server received whose payload has `field == value`.
fn received(backend: &Backend, name: &str, field: &str, value: &str) -> Vec<Value> {
    backend
        .received()
        .into_iter()
        .filter(|r| r.event == name && r.payload[field] == value)
        .map(|r| r.payload)
        .collect()
}

async fn popup(rec: &Recorder, tag: &str, app: &Instance) -> Recorded {
    eventually(Duration::from_secs(10), || {
        rec.tagged(tag).into_iter().next()
    })
    .await
    .unwrap_or_else(|| {
        panic!(
            "no popup for {tag}: {:?}\nlog:\n{}",
            rec.all(),
            app.stderr()
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accept_reply_and_read_elsewhere_from_the_popup() {
    let Some(rec) = recorder() else { return };
    let backend = Backend::start(BackendConfig::default()).await.unwrap();
    let token = TokenFile::new(&backend.token_for("u1", HOUR));
    let app = Instance::headless("actions", &args(&backend, &token));
    assert!(
        accepted(&backend, 1).await,
        "no handshake; log:\n{}",
        app.stderr()
    );
    tokio::time::sleep(Duration::from_millis(500)).await;

    // A booking request: Accept and Decline, and the body opens the booking.
    let tag = "act-accept-4e1";
    let booking = format!("b-{tag}");
    backend
        .push_to_user("u1", "bookingUpdated", json!({"bookingId": booking, "status": "pending", "title": format!("Request {tag}"), "clientName": "Ana Lopez", "service": "Massage"}))
        .await;
    let request = popup(rec, tag, &app).await;
    assert_eq!(
        request.actions,
        ["default", "Open", "accept", "Accept", "decline", "Decline"]
    );
    assert_eq!(request.body, "Ana Lopez · Massage");
    assert_eq!(request.category.as_deref(), Some("x-alora.booking-request"));
    assert_eq!(
        request.desktop_entry.as_deref(),
        Some(alora_desktop::app_id::APP_ID)
    );

    // A forged Accept (another bus client) sends nothing.
    let forger = zbus::Connection::session().await.unwrap();
    forger
        .emit_signal(
            None::<&str>,
            "/org/freedesktop/Notifications",
            "org.freedesktop.Notifications",
            "ActionInvoked",
            &(request.id, "accept"),
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        received(&backend, "bookingUpdate", "bookingId", &booking).is_empty(),
        "a forged Accept was honoured"
    );

    // The server's own signal: answered once, through the outbox.
    {
        let id = request.id;
        tokio::task::spawn_blocking(move || rec.invoke(id, "accept"))
            .await
            .unwrap();
    }
    let answers = eventually(Duration::from_secs(10), || {
        let got = received(&backend, "bookingUpdate", "bookingId", &booking);
        (!got.is_empty()).then_some(got)
    })
    .await
    .unwrap_or_else(|| panic!("no bookingUpdate; log:\n{}", app.stderr()));
    assert_eq!(answers[0]["status"], "confirmed");
    let confirmed = eventually(Duration::from_secs(10), || {
        rec.all()
            .into_iter()
            .find(|r| r.replaces == request.id && r.summary.starts_with("Accepted"))
    })
    .await
    .unwrap_or_else(|| panic!("not replaced: {:?}", rec.all()));
    assert_eq!(confirmed.summary, "Accepted · Ana Lopez · Massage");
    assert_eq!(
        confirmed.actions,
        ["default", "Open"],
        "a confirmation has no buttons"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        received(&backend, "bookingUpdate", "bookingId", &booking).len(),
        1,
        "answered twice"
    );

    // Three messages of one conversation: one popup, replaced in place.
    let conversation = "c-act-9d2";
    for (i, text) in ["first", "second", "third"].iter().enumerate() {
        backend
            .push_to_user("u1", "newMessage", json!({"id": format!("m-act-{i}"), "conversationId": conversation, "senderId": "u2", "senderName": "Maya Chen", "content": format!("{text} act-msg-5b7")}))
            .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let stacked = eventually(Duration::from_secs(10), || {
        let got = rec.tagged("act-msg-5b7");
        (got.len() >= 3).then_some(got)
    })
    .await
    .unwrap_or_else(|| panic!("messages: {:?}", rec.tagged("act-msg-5b7")));
    let first = stacked[0].id;
    assert_eq!(stacked[0].replaces, 0);
    assert!(
        stacked[1..]
            .iter()
            .all(|r| r.replaces == first && r.id == first),
        "{stacked:?}"
    );
    assert_eq!(stacked[2].summary, "Maya Chen · 3 new messages");
    assert!(stacked[2].body.starts_with("third"));

    // A reply typed into the popup goes out as a message, with a clientId.
    tokio::task::spawn_blocking(move || rec.reply(first, "On my way act-reply-1c0"))
        .await
        .unwrap();
    let sent = eventually(Duration::from_secs(10), || {
        let got = received(&backend, "sendMessage", "conversationId", conversation);
        (!got.is_empty()).then_some(got)
    })
    .await
    .unwrap_or_else(|| panic!("no sendMessage; log:\n{}", app.stderr()));
    assert_eq!(sent[0]["content"], "On my way act-reply-1c0");
    assert!(sent[0]["clientId"].as_str().is_some_and(|c| !c.is_empty()));
    // Replying reads the conversation: its popup is withdrawn.
    assert!(
        eventually(Duration::from_secs(10), || rec
            .closed()
            .contains(&first)
            .then_some(()))
        .await
        .is_some(),
        "not withdrawn after the reply: {:?}",
        rec.closed()
    );

    // A new message, then the conversation read on another device.
    backend
        .push_to_user("u1", "newMessage", json!({"id": "m-act-9", "conversationId": conversation, "senderId": "u2", "senderName": "Maya Chen", "content": "again act-read-77a"}))
        .await;
    let again = popup(rec, "act-read-77a", &app).await;
    backend
        .push_to_user(
            "u1",
            "conversationRead",
            json!({"conversationId": conversation}),
        )
        .await;
    assert!(
        eventually(Duration::from_secs(10), || rec
            .closed()
            .contains(&again.id)
            .then_some(()))
        .await
        .is_some(),
        "not withdrawn on conversationRead: {:?}",
        rec.closed()
    );

    // A request answered on another device (our own echo): withdrawn.
    let other = "b-act-elsewhere-3f3";
    backend
        .push_to_user(
            "u1",
            "bookingUpdated",
            json!({"bookingId": other, "status": "requested", "title": "Request act-else-3f3"}),
        )
        .await;
    let waiting = popup(rec, "act-else-3f3", &app).await;
    backend
        .push_to_user(
            "u1",
            "bookingUpdated",
            json!({"bookingId": other, "status": "declined", "updatedBy": "u1"}),
        )
        .await;
    assert!(
        eventually(Duration::from_secs(10), || rec
            .closed()
            .contains(&waiting.id)
            .then_some(()))
        .await
        .is_some(),
        "not withdrawn after the answer elsewhere: {:?}",
        rec.closed()
    );
    // Accept on the stale popup contradicts nothing.
    {
        let id = waiting.id;
        tokio::task::spawn_blocking(move || rec.invoke(id, "accept"))
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(received(&backend, "bookingUpdate", "bookingId", other).is_empty());
}
