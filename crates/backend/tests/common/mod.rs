//! A small real Socket.IO client (rust_socketio, websocket transport) for the backend's tests.
#![allow(dead_code)]

use std::time::Duration;

use anyhow::{anyhow, bail, Result};
use futures_util::FutureExt;
use rust_socketio::asynchronous::{Client, ClientBuilder};
use rust_socketio::{Payload, TransportType};
use serde_json::{json, Value};
use tokio::sync::mpsc;

pub const WAIT: Duration = Duration::from_secs(5);

/// One thing the client saw: an event with its arguments, `error` (text) or `close`.
#[derive(Debug, Clone)]
pub struct Seen {
    pub event: String,
    pub args: Vec<Value>,
}

impl Seen {
    pub fn first(&self) -> Value {
        self.args.first().cloned().unwrap_or(Value::Null)
    }
}

pub struct TestClient {
    pub client: Client,
    rx: mpsc::UnboundedReceiver<Seen>,
    pub seen: Vec<Seen>,
}

fn values(payload: Payload) -> Vec<Value> {
    match payload {
        Payload::Text(v) => v,
        Payload::Binary(b) => vec![json!(b.to_vec())],
        #[allow(deprecated)]
        Payload::String(s) => vec![Value::String(s)],
    }
}

/// `http://127.0.0.1:PORT` + `/socket/notification` -> the address rust_socketio wants.
pub fn address(url: &str, path: &str) -> String {
    format!("{url}{}/", path.trim_end_matches('/'))
}

pub async fn connect(url: &str, path: &str, auth: Value) -> Result<TestClient> {
    connect_with(url, path, auth, None).await
}

pub async fn connect_with(
    url: &str,
    path: &str,
    auth: Value,
    bearer: Option<&str>,
) -> Result<TestClient> {
    connect_over(url, path, auth, bearer, TransportType::Websocket).await
}

pub async fn connect_over(
    url: &str,
    path: &str,
    auth: Value,
    bearer: Option<&str>,
    transport: TransportType,
) -> Result<TestClient> {
    let (tx, rx) = mpsc::unbounded_channel::<Seen>();
    let (tx_any, tx_err, tx_close) = (tx.clone(), tx.clone(), tx);
    let mut builder = ClientBuilder::new(address(url, path))
        .transport_type(transport)
        .reconnect(false)
        .auth(auth)
        .on_any(move |event, payload, _| {
            let _ = tx_any.send(Seen {
                event: event.to_string(),
                args: values(payload),
            });
            async {}.boxed()
        })
        .on("error", move |payload, _| {
            let _ = tx_err.send(Seen {
                event: "error".into(),
                args: values(payload),
            });
            async {}.boxed()
        })
        .on("close", move |payload, _| {
            let _ = tx_close.send(Seen {
                event: "close".into(),
                args: values(payload),
            });
            async {}.boxed()
        });
    if let Some(token) = bearer {
        builder = builder.opening_header("Authorization", format!("Bearer {token}"));
    }
    let client = builder.connect().await?;
    Ok(TestClient {
        client,
        rx,
        seen: Vec::new(),
    })
}

impl TestClient {
    /// The first event named `event` seen so far or within `WAIT` (taken out of the buffer).
    pub async fn wait(&mut self, event: &str) -> Result<Seen> {
        self.wait_for(|s| s.event == event).await
    }

    pub async fn wait_for(&mut self, pred: impl Fn(&Seen) -> bool) -> Result<Seen> {
        if let Some(i) = self.seen.iter().position(&pred) {
            return Ok(self.seen.remove(i));
        }
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let next = tokio::time::timeout_at(deadline, self.rx.recv()).await;
            match next {
                Ok(Some(s)) if pred(&s) => return Ok(s),
                Ok(Some(s)) => self.seen.push(s),
                Ok(None) => bail!("client closed; saw {:?}", self.seen),
                Err(_) => bail!("timed out; saw {:?}", self.seen),
            }
        }
    }

    /// Everything that arrives within `d` (plus what was buffered).
    pub async fn drain(&mut self, d: Duration) -> Vec<Seen> {
        let deadline = tokio::time::Instant::now() + d;
        while let Ok(Some(s)) = tokio::time::timeout_at(deadline, self.rx.recv()).await {
            self.seen.push(s);
        }
        std::mem::take(&mut self.seen)
    }

    pub async fn emit(&self, event: &str, payload: Value) -> Result<()> {
        self.client.emit(event, payload).await?;
        Ok(())
    }

    /// Emits and waits for the acknowledgement (one at a time per client).
    pub async fn emit_ack(&self, event: &str, payload: Value) -> Result<Value> {
        let (tx, mut rx) = mpsc::unbounded_channel::<Value>();
        self.client
            .emit_with_ack(event, payload, WAIT, move |p, _| {
                let mut v = values(p);
                // rust_socketio hands the ack's argument list over as one array.
                let first = match v.pop() {
                    Some(Value::Array(mut inner)) if v.is_empty() && !inner.is_empty() => {
                        inner.remove(0)
                    }
                    Some(other) => other,
                    None => Value::Null,
                };
                let _ = tx.send(first);
                async {}.boxed()
            })
            .await?;
        tokio::time::timeout(WAIT, rx.recv())
            .await
            .map_err(|_| anyhow!("no ack for {event}"))?
            .ok_or_else(|| anyhow!("ack channel closed"))
    }

    /// Waits for `connected` or a connect error; returns the `connected` payload.
    pub async fn connected(&mut self) -> Result<Value> {
        let s = self
            .wait_for(|s| s.event == "connected" || s.event == "error")
            .await?;
        if s.event == "error" {
            bail!("connect failed: {:?}", s.args);
        }
        Ok(s.first())
    }

    /// Waits for the connect error and returns its text.
    pub async fn rejection(&mut self) -> Result<String> {
        let s = self
            .wait_for(|s| s.event == "error" || s.event == "connected")
            .await?;
        if s.event == "connected" {
            bail!("accepted, not rejected");
        }
        Ok(s.args
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join(" "))
    }

    pub async fn close(self) {
        let _ = self.client.disconnect().await;
    }
}
