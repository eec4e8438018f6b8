//! The vendored rust_socketio's acknowledgements, against both real servers:
//! many in flight at once, each answered to its own callback. 0.6.0 drew ack
//! ids at random in 0..999, so two in flight could share one.

// A test fails by panicking: unwrap is how these say "this must hold".
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::FutureExt;
use rust_socketio::asynchronous::ClientBuilder;
use rust_socketio::{Event, Payload, TransportType};
use serde_json::{json, Value};
use support::{Kind, NodeOptions, TestServer};
use tokio::sync::Notify;

const IN_FLIGHT: usize = 300;

async fn many_acks_in_flight_each_reach_their_callback(kind: Kind) {
    let mut server = support::start(kind, NodeOptions::default()).await;
    let token = server.token_for("u1");
    let opened = Arc::new(Notify::new());
    let notify = opened.clone();
    let client = ClientBuilder::new(format!("{}{}/", server.url(), server.path()))
        .transport_type(TransportType::Websocket)
        .reconnect(false)
        .auth(json!({ "token": token }))
        .on(Event::Connect, move |_, _| {
            notify.notify_one();
            async {}.boxed()
        })
        .connect()
        .await
        .unwrap();
    // Emitting before the server's CONNECT makes the Node server drop the link.
    tokio::time::timeout(Duration::from_secs(10), opened.notified())
        .await
        .unwrap();

    // Every callback records which message it was for and what came back.
    let answers: Arc<Mutex<BTreeMap<usize, Vec<Value>>>> = Arc::default();
    for i in 0..IN_FLIGHT {
        let answers = answers.clone();
        let payload = json!({
            "conversationId": "c1",
            "content": format!("m{i}"),
            "clientId": format!("00000000-0000-4000-8000-{i:012}"),
        });
        client
            .emit_with_ack(
                "sendMessage",
                payload,
                Duration::from_secs(60),
                move |p: Payload, _| {
                    let answers = answers.clone();
                    async move {
                        // The ack's arguments, as one array.
                        let mut first = match p {
                            Payload::Text(args) => args.into_iter().next(),
                            _ => None,
                        };
                        while let Some(Value::Array(items)) = first {
                            first = items.into_iter().next();
                        }
                        let content = first
                            .and_then(|m| m.get("content").cloned())
                            .unwrap_or(Value::Null);
                        answers.lock().unwrap().entry(i).or_default().push(content);
                    }
                    .boxed()
                },
            )
            .await
            .unwrap();
    }

    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let done = answers.lock().unwrap().len();
        if done == IN_FLIGHT || tokio::time::Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Let any second (wrong) call of a callback arrive too.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let answers = answers.lock().unwrap().clone();
    let wrong: Vec<_> = answers
        .iter()
        .filter(|(i, got)| **got != vec![json!(format!("m{i}"))])
        .collect();
    assert!(
        wrong.is_empty(),
        "{}: {} callbacks called with another message's ack, or twice; the first: {:?}",
        server.name(),
        wrong.len(),
        wrong.iter().take(4).collect::<Vec<_>>()
    );
    assert_eq!(
        answers.len(),
        IN_FLIGHT,
        "{}: some acks never reached their callback",
        server.name()
    );
    let _ = client.disconnect().await;
}

#[tokio::test]
async fn many_acks_in_flight_embedded() {
    many_acks_in_flight_each_reach_their_callback(Kind::Embedded).await;
}

#[tokio::test]
async fn many_acks_in_flight_node() {
    many_acks_in_flight_each_reach_their_callback(Kind::Node).await;
}
