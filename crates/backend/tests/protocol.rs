//! The embedded backend against a real Socket.IO client: handshake, events, acks, catch-up.

mod common;

use std::time::Duration;

use alora_backend::{Backend, BackendConfig, BackendEvent, Handshakes};
use anyhow::Result;
use common::{connect, connect_over, connect_with, TestClient};
use rust_socketio::TransportType;
use serde_json::{json, Value};

const HOUR: Duration = Duration::from_secs(3600);

async fn backend() -> Result<Backend> {
    Ok(Backend::start(BackendConfig::default()).await?)
}

async fn login(b: &Backend, user: &str) -> Result<TestClient> {
    let mut c = connect(
        b.url().as_str(),
        b.path(),
        json!({ "token": b.token_for(user, HOUR) }),
    )
    .await?;
    c.connected().await?;
    Ok(c)
}

#[tokio::test]
async fn accepted_handshake_emits_connected() -> Result<()> {
    let b = backend().await?;
    let mut feed = b.subscribe();
    let token = b.token_for("u1", HOUR);
    let mut c = connect_with(&b.url(), b.path(), json!({ "token": token }), Some(&token)).await?;
    let hello = c.connected().await?;
    assert_eq!(hello["userId"], "u1");
    assert!(hello["socketId"].as_str().is_some_and(|s| !s.is_empty()));
    let accepted = tokio::time::timeout(common::WAIT, async {
        loop {
            if let Ok(BackendEvent::Accepted { user_id, auth, .. }) = feed.recv().await {
                return (user_id, auth);
            }
        }
    })
    .await?;
    assert_eq!(accepted.0, "u1");
    assert_eq!(accepted.1["header"], true);
    assert_eq!(
        b.handshakes(),
        Handshakes {
            accepted: 1,
            rejected: 0
        }
    );
    assert_eq!(b.connected_sockets(), 1);
    c.close().await;
    b.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn rejections_carry_the_node_messages() -> Result<()> {
    let b = backend().await?;
    let other_key = alora_backend::mint_token(b"another key", "u1", HOUR);
    let cases = [
        (json!({}), "unauthorized"),
        (json!({ "token": "" }), "unauthorized"),
        (json!({ "token": "not.a.jwt" }), "invalid token"),
        (json!({ "token": other_key }), "invalid token"),
        (json!({ "token": b.expired_token_for("u1") }), "jwt expired"),
    ];
    for (auth, expected) in &cases {
        let mut c = connect(&b.url(), b.path(), auth.clone()).await?;
        let text = c.rejection().await?;
        assert!(text.contains("ConnectError"), "{text}");
        assert!(text.contains(expected), "{auth}: {text}");
        c.close().await;
    }
    assert_eq!(
        b.handshakes(),
        Handshakes {
            accepted: 0,
            rejected: cases.len()
        }
    );
    assert_eq!(b.connected_sockets(), 0);
    b.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn send_message_is_acked_and_deduplicated() -> Result<()> {
    let b = backend().await?;
    let alice = login(&b, "alice").await?;
    let mut bob = login(&b, "bob").await?;
    bob.emit("joinConversation", json!({ "conversationId": "c1" }))
        .await?;
    alice
        .emit("joinConversation", json!({ "conversationId": "c1" }))
        .await?;
    // Bob's join is handled before his next event; wait until the backend saw it.
    tokio::time::sleep(Duration::from_millis(100)).await;

    let msg = json!({ "clientId": "k1", "conversationId": "c1", "content": "hi" });
    let ack = alice.emit_ack("sendMessage", msg.clone()).await?;
    assert_eq!(ack["id"], "m1");
    assert_eq!(ack["clientId"], "k1");
    assert_eq!(ack["senderId"], "alice");
    assert_eq!(ack["content"], "hi");
    let pushed = bob.wait("newMessage").await?;
    assert_eq!(pushed.first(), ack);

    let again = alice.emit_ack("sendMessage", msg).await?;
    assert_eq!(again, ack, "a repeated clientId gets the stored message");
    let other = alice
        .emit_ack(
            "sendMessage",
            json!({ "clientId": "k2", "conversationId": "c1", "content": "2" }),
        )
        .await?;
    assert_eq!(other["id"], "m2");
    let next = bob.wait("newMessage").await?;
    assert_eq!(next.first()["id"], "m2", "the duplicate was not broadcast");

    let sent = b
        .received()
        .iter()
        .filter(|r| r.event == "sendMessage")
        .count();
    assert_eq!(sent, 3);
    assert_eq!(b.messages().len(), 2);
    alice.close().await;
    bob.close().await;
    Ok(())
}

#[tokio::test]
async fn echoes_reach_every_socket_of_the_user() -> Result<()> {
    let b = backend().await?;
    let mut one = login(&b, "u1").await?;
    let mut two = login(&b, "u1").await?;
    let mut watcher = login(&b, "u2").await?;
    one.emit("register", json!({ "userId": "u1" })).await?;
    one.emit("updateStatus", json!({ "status": "busy" }))
        .await?;
    one.emit(
        "bookingUpdate",
        json!({ "bookingId": "b1", "status": "confirmed" }),
    )
    .await?;
    one.emit("markAsRead", json!({ "conversationId": "c1" }))
        .await?;
    one.emit("somethingElse", json!([1, 2])).await?;
    for c in [&mut one, &mut two] {
        let s = c.wait("statusUpdated").await?;
        assert_eq!(s.first(), json!({ "userId": "u1", "status": "busy" }));
        let s = c.wait("bookingUpdated").await?;
        assert_eq!(
            s.first(),
            json!({ "bookingId": "b1", "status": "confirmed", "updatedBy": "u1" })
        );
    }
    let drained = watcher.drain(Duration::from_millis(300)).await;
    assert!(
        drained.iter().all(|s| s.event != "statusUpdated"),
        "{drained:?}"
    );
    let events: Vec<String> = b.received().into_iter().map(|r| r.event).collect();
    assert_eq!(
        events,
        [
            "register",
            "updateStatus",
            "bookingUpdate",
            "markAsRead",
            "somethingElse"
        ]
    );
    assert_eq!(b.received()[0].user_id.as_deref(), Some("u1"));
    // Presence: u2 leaving is announced to the others.
    watcher.close().await;
    let off = one.wait("userOffline").await?;
    assert_eq!(off.first()["userId"], "u2");
    Ok(())
}

#[tokio::test]
async fn catch_up_replays_what_came_after_since() -> Result<()> {
    let b = backend().await?;
    b.push_to_user(
        "u1",
        "newNotification",
        json!({ "id": "n1", "title": "t", "message": "old" }),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let since = chrono::Utc::now().to_rfc3339();
    tokio::time::sleep(Duration::from_millis(20)).await;
    b.push_to_user(
        "u1",
        "newNotification",
        json!({ "id": "n2", "title": "t", "message": "new" }),
    )
    .await;
    b.push_to_user(
        "u2",
        "newNotification",
        json!({ "id": "x", "title": "t", "message": "other" }),
    )
    .await;
    let auth = json!({ "token": b.token_for("u1", HOUR), "since": since });
    let mut c = connect(&b.url(), b.path(), auth).await?;
    c.connected().await?;
    let replayed = c.drain(Duration::from_millis(300)).await;
    let ids: Vec<Value> = replayed
        .iter()
        .filter(|s| s.event == "newNotification")
        .map(|s| s.first()["id"].clone())
        .collect();
    assert_eq!(ids, [json!("n2")]);
    Ok(())
}

#[tokio::test]
async fn pushes_reach_the_right_sockets() -> Result<()> {
    let b = backend().await?;
    let mut u1 = login(&b, "u1").await?;
    let mut u2 = login(&b, "u2").await?;
    b.push_to_user(
        "u1",
        "newNotification",
        json!({ "id": 1, "title": "a", "message": "b" }),
    )
    .await;
    assert_eq!(u1.wait("newNotification").await?.first()["id"], 1);
    b.push_to_all("bookingUpdated", json!({ "bookingId": "b", "status": "x" }))
        .await;
    b.push_raw_to_all("newNotification", vec![json!({ "id": "r" }), json!(7)])
        .await;
    for c in [&mut u1, &mut u2] {
        assert_eq!(c.wait("bookingUpdated").await?.args.len(), 1);
        let raw = c
            .wait_for(|s| s.event == "newNotification" && s.first()["id"] == "r")
            .await?;
        assert_eq!(raw.args, vec![json!({ "id": "r" }), json!(7)]);
    }
    // No argument at all goes out as `42["statusUpdated"]`, which rust_socketio 0.6 reports
    // as a `message` event whose payload is the event name.
    b.push_raw_to_user("u2", "statusUpdated", vec![]).await;
    let empty = u2
        .wait_for(|s| s.event == "message" || s.event == "statusUpdated")
        .await?;
    assert_eq!(empty.args, [json!("statusUpdated")], "{empty:?}");
    let none = u2.drain(Duration::from_millis(200)).await;
    assert!(none.iter().all(|s| s.first()["id"] != 1), "{none:?}");
    Ok(())
}

#[tokio::test]
async fn polling_and_upgrade_transports_work_too() -> Result<()> {
    let b = backend().await?;
    for transport in [TransportType::Polling, TransportType::Any] {
        let auth = json!({ "token": b.token_for("p1", HOUR) });
        let mut c = connect_over(&b.url(), b.path(), auth, None, transport).await?;
        assert_eq!(c.connected().await?["userId"], "p1");
        b.push_to_user(
            "p1",
            "newNotification",
            json!({ "id": "n", "title": "t", "message": "m" }),
        )
        .await;
        assert_eq!(c.wait("newNotification").await?.first()["id"], "n");
        let ack = c
            .emit_ack(
                "sendMessage",
                json!({ "clientId": "x", "conversationId": "c", "content": "." }),
            )
            .await?;
        assert_eq!(ack["id"], "m1");
        c.close().await;
    }
    Ok(())
}
