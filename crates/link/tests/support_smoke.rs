//! The test servers of `support/` against a plain Socket.IO client (rust_socketio), so that a
//! failing link test points at the link, not at the servers.

mod support;

use std::time::Duration;

use anyhow::Result;
use futures_util::FutureExt;
use rust_socketio::asynchronous::{Client, ClientBuilder};
use rust_socketio::{Payload, TransportType};
use serde_json::{json, Value};
use support::{Kind, NodeOptions, TestServer};
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(5);

struct Seen {
    client: Client,
    rx: mpsc::UnboundedReceiver<(String, Vec<Value>)>,
}

fn values(p: Payload) -> Vec<Value> {
    match p {
        Payload::Text(v) => v,
        other => vec![Value::String(format!("{other:?}"))],
    }
}

async fn client(
    base: &str,
    path: &str,
    token: &str,
    tls: Option<native_tls::TlsConnector>,
) -> Result<Seen> {
    let (tx, rx) = mpsc::unbounded_channel();
    let tx_err = tx.clone();
    let mut builder = ClientBuilder::new(format!("{base}{path}/"))
        .transport_type(TransportType::Websocket)
        .reconnect(false)
        .auth(json!({ "token": token }))
        .on_any(move |event, payload, _| {
            let _ = tx.send((event.to_string(), values(payload)));
            async {}.boxed()
        })
        .on("error", move |payload, _| {
            let _ = tx_err.send(("error".to_owned(), values(payload)));
            async {}.boxed()
        });
    if let Some(tls) = tls {
        builder = builder.tls_config(tls);
    }
    Ok(Seen {
        client: builder.connect().await?,
        rx,
    })
}

impl Seen {
    async fn next(&mut self, event: &str) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some((e, args))) if e == event => return args,
                Ok(Some(_)) => {}
                other => panic!("no {event}: {:?}", other.map(|o| o.map(|x| x.0))),
            }
        }
    }
}

async fn round_trip(server: &mut impl TestServer) -> Result<()> {
    let name = server.name();
    let token = server.token_for("u1");
    let mut c = client(&server.url(), &server.path(), &token, None).await?;
    let hello = c.next("connected").await;
    assert_eq!(hello[0]["userId"], "u1", "{name}");
    c.client.emit("register", json!({ "userId": "u1" })).await?;
    let got = server
        .wait_received(|r| r.event == "register", WAIT)
        .await?;
    assert_eq!(
        (got.user_id.as_deref(), got.payload.clone()),
        (Some("u1"), json!({ "userId": "u1" }))
    );

    server
        .push(
            Some("u1"),
            "newNotification",
            vec![json!({ "id": "n1", "title": "T", "message": "M" })],
        )
        .await;
    assert_eq!(
        c.next("newNotification").await,
        [json!({ "id": "n1", "title": "T", "message": "M" })],
        "{name}"
    );
    server
        .push(
            None,
            "newNotification",
            vec![json!({ "id": "n2" }), json!("extra")],
        )
        .await;
    assert_eq!(
        c.next("newNotification").await,
        [json!({ "id": "n2" }), json!("extra")],
        "{name}"
    );

    // Echo, messages, the silent conversation, and the counts.
    c.client
        .emit("updateStatus", json!({ "status": "busy" }))
        .await?;
    assert_eq!(
        c.next("statusUpdated").await[0],
        json!({ "userId": "u1", "status": "busy" }),
        "{name}"
    );
    c.client
        .emit(
            "sendMessage",
            json!({ "clientId": "k", "conversationId": "c", "content": "x" }),
        )
        .await?;
    c.client
        .emit(
            "sendMessage",
            json!({ "clientId": "k", "conversationId": "c", "content": "x" }),
        )
        .await?;
    c.client
        .emit(
            "sendMessage",
            json!({ "clientId": "s", "conversationId": "silent", "content": "lost" }),
        )
        .await?;
    server
        .wait_received(|r| r.payload["clientId"] == "s", WAIT)
        .await?;
    let messages = server.messages().await;
    assert_eq!(messages.len(), 1, "{name}: {messages:?}");
    assert_eq!(messages[0]["id"], "m1");
    assert_eq!(server.handshakes(), (1, 0), "{name}");
    assert_eq!(server.connected_sockets(), 1, "{name}");

    let bad = server.expired_token_for("u1");
    let mut rejected = client(&server.url(), &server.path(), &bad, None).await?;
    let why = rejected.next("error").await;
    assert!(
        format!("{why:?}").contains("jwt expired"),
        "{name}: {why:?}"
    );
    assert_eq!(server.handshakes(), (1, 1), "{name}");

    server.disconnect_all().await;
    assert_eq!(server.connected_sockets(), 0, "{name}");
    Ok(())
}

async fn lifecycle(server: &mut impl TestServer) -> Result<()> {
    let name = server.name();
    let port = server.port();
    let token = server.token_for("u2");
    let mut c = client(&server.url(), &server.path(), &token, None).await?;
    c.next("connected").await;
    c.client
        .emit("markAsRead", json!({ "conversationId": "c" }))
        .await?;
    server
        .wait_received(|r| r.event == "markAsRead", WAIT)
        .await?;

    server.restart_graceful().await;
    assert_eq!(server.port(), port, "{name}");
    let mut c = client(&server.url(), &server.path(), &token, None).await?;
    c.next("connected").await;
    assert_eq!(
        server.handshakes(),
        (2, 0),
        "{name}: counts add up over restarts"
    );

    server.kill().await;
    c.next("error").await; // the transport broke, no goodbye
    server.start_again().await;
    let mut c = client(&server.url(), &server.path(), &token, None).await?;
    c.next("connected").await;
    c.client
        .emit("typing", json!({ "userId": "u2", "isTyping": true }))
        .await?;
    let typing = server
        .wait_received_from(1, |r| r.event == "typing", WAIT)
        .await?;
    assert_eq!(typing.user_id.as_deref(), Some("u2"));
    let events: Vec<String> = server.received().into_iter().map(|r| r.event).collect();
    assert_eq!(
        events,
        ["markAsRead", "typing"],
        "{name}: received adds up over restarts"
    );

    assert!(server.supports_pause());
    server.pause().await;
    server
        .push(Some("u2"), "newNotification", vec![json!({ "id": "late" })])
        .await;
    let frozen = tokio::time::timeout(Duration::from_millis(300), c.next("newNotification")).await;
    assert!(frozen.is_err(), "{name}: nothing flows while paused");
    server.resume().await;
    assert_eq!(c.next("newNotification").await[0]["id"], "late", "{name}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_servers_speak_the_protocol() -> Result<()> {
    for kind in Kind::ALL {
        let mut server = support::start(kind, NodeOptions::default()).await;
        round_trip(&mut server).await?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_servers_restart_die_and_pause() -> Result<()> {
    for kind in Kind::ALL {
        let mut server = support::start(kind, NodeOptions::default()).await;
        lifecycle(&mut server).await?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_options_recovery_and_tls() -> Result<()> {
    // Recovery: broadcasts carry an extra offset argument.
    let mut server = support::node_with(NodeOptions {
        recovery: true,
        ..Default::default()
    })
    .await;
    let token = server.token_for("u1");
    let mut c = client(&server.url(), &server.path(), &token, None).await?;
    c.next("connected").await;
    server
        .push(
            Some("u1"),
            "statusUpdated",
            vec![json!({ "userId": "u9", "status": "away" })],
        )
        .await;
    let args = c.next("statusUpdated").await;
    assert_eq!(args.len(), 2, "{args:?}");
    assert!(args[1].is_string(), "the offset: {args:?}");

    // TLS with a throwaway self-signed certificate.
    let key = rcgen::KeyPair::generate()?;
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])?.self_signed(&key)?;
    let dir = std::env::temp_dir().join(format!("alora-smoke-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("cert.pem"), cert.pem())?;
    std::fs::write(dir.join("key.pem"), key.serialize_pem())?;
    let mut server = support::node_with(NodeOptions {
        tls_cert: Some(dir.join("cert.pem")),
        tls_key: Some(dir.join("key.pem")),
        ..Default::default()
    })
    .await;
    let token = server.token_for("u1");
    let tls = native_tls::TlsConnector::builder()
        .danger_accept_invalid_certs(true)
        .build()?;
    let mut c = client(&server.tls_url(), &server.path(), &token, Some(tls)).await?;
    assert_eq!(c.next("connected").await[0]["userId"], "u1");
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
