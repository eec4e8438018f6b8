//! One rust_socketio client for one connection attempt. Its callbacks only
//! forward into the actor's channel, tagged with the attempt's generation so
//! that a late signal from an abandoned client is recognised and ignored.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use rust_socketio::asynchronous::{Client, ClientBuilder, ReconnectSettings};
use rust_socketio::{Event, Payload, TransportType};
use serde_json::{json, Value};
use tokio::sync::{mpsc, Notify};
use url::Url;

use crate::config::{LinkConfig, Transport};
use crate::error::LinkError;

/// A live client and the switch that lets its library task end.
pub(crate) struct Conn {
    pub client: Client,
    retire: Arc<Notify>,
    /// The server's engine.io pings heard on this client so far, counted as
    /// the library reports each one (after it has sent the pong).
    pub pings: Arc<AtomicU64>,
}

/// What the library reports, as plain data.
pub(crate) enum Signal {
    /// `connect()` returned (or failed, or timed out).
    Built(Result<Conn, String>),
    /// The server's Socket.IO CONNECT arrived: the link is open.
    Opened,
    /// An error event: a refused handshake (`ConnectError`), or a dropped link.
    Error(String),
    /// The server closed the namespace.
    Closed,
    /// An event with its Socket.IO arguments.
    Event { name: String, args: Vec<Value> },
    /// A binary event, which the protocol does not use.
    Binary,
    /// A packet the library could not decode, with its reason (no contents).
    Undecodable(String),
    /// The acknowledgement of an outbox entry.
    Ack { entry: u64, args: Vec<Value> },
    /// The server's engine.io PING number `seq` (1, 2, …) on this client.
    ServerPing { seq: u64 },
}

pub(crate) struct Tagged {
    pub generation: u64,
    pub signal: Signal,
}

pub(crate) type SignalTx = mpsc::Sender<Tagged>;

fn forward(
    tx: &SignalTx,
    generation: u64,
    signal: Signal,
) -> futures_util::future::BoxFuture<'static, ()> {
    let tx = tx.clone();
    // Awaiting here is the backpressure: the library reads no further until
    // the actor has room, so a flood cannot grow memory without bound.
    async move {
        let _ = tx.send(Tagged { generation, signal }).await;
    }
    .boxed()
}

fn text_args(payload: Payload) -> Option<Vec<Value>> {
    match payload {
        Payload::Text(args) => Some(args),
        #[allow(deprecated)]
        Payload::String(s) => Some(vec![serde_json::from_str(&s).unwrap_or(Value::String(s))]),
        Payload::Binary(_) => None,
    }
}

fn tls_connector(cfg: &LinkConfig) -> Result<native_tls::TlsConnector, LinkError> {
    let mut builder = native_tls::TlsConnector::builder();
    for pem in &cfg.extra_root_certs {
        let cert =
            native_tls::Certificate::from_pem(pem).map_err(|e| LinkError::Tls(e.to_string()))?;
        builder.add_root_certificate(cert);
    }
    builder.build().map_err(|e| LinkError::Tls(e.to_string()))
}

/// The handshake auth object.
pub(crate) fn auth_object(token: &str, since: Option<chrono::DateTime<chrono::Utc>>) -> Value {
    let mut auth = json!({ "token": token });
    if let Some(since) = since {
        auth["since"] = Value::String(since.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    }
    auth
}

/// Starts one attempt in its own task; the outcome arrives as `Signal::Built`.
/// The actor stays free meanwhile: `connect()` can hang (a wrong path over
/// polling loops on 404s), so the attempt is bounded by `timeout`.
pub(crate) fn open(
    cfg: &LinkConfig,
    endpoint: &Url,
    token: &str,
    generation: u64,
    tx: &SignalTx,
) -> Result<(), LinkError> {
    let mut builder = ClientBuilder::new(endpoint.as_str())
        .namespace("/")
        .transport_type(match cfg.transport {
            Transport::Websocket => TransportType::Websocket,
            Transport::Polling => TransportType::Polling,
        })
        // The library's reconnection is used only as the one sign it gives of
        // a transport closed cleanly (no callback fires then). `on_reconnect`
        // reports the loss, then parks until the actor retires this client,
        // then hands back an address that cannot parse, so that the library's
        // attempt fails without touching the network and its task ends (the
        // retired client's disconnect reason is Manual by then).
        .reconnect(true)
        .reconnect_on_disconnect(false)
        .max_reconnect_attempts(1)
        .reconnect_delay(1, 1)
        .auth(auth_object(token, cfg.since))
        .opening_header("Authorization", format!("Bearer {token}"));
    if endpoint.scheme() == "https" {
        builder = builder.tls_config(tls_connector(cfg)?);
    }
    let (t1, t2, t3, t4, t5) = (tx.clone(), tx.clone(), tx.clone(), tx.clone(), tx.clone());
    let retire = Arc::new(Notify::new());
    let parked = retire.clone();
    let pings = Arc::new(AtomicU64::new(0));
    let (counted, t6, t7) = (pings.clone(), tx.clone(), tx.clone());
    builder = builder
        .on_undecodable(move |reason| forward(&t7, generation, Signal::Undecodable(reason)))
        .on_ping(move || {
            let seq = counted.fetch_add(1, Ordering::SeqCst) + 1;
            forward(&t6, generation, Signal::ServerPing { seq })
        })
        .on_reconnect(move || {
            let (tx, parked) = (t5.clone(), parked.clone());
            async move {
                let _ = tx
                    .send(Tagged {
                        generation,
                        signal: Signal::Closed,
                    })
                    .await;
                parked.notified().await;
                let mut settings = ReconnectSettings::new();
                settings.address("");
                settings
            }
            .boxed()
        })
        .on(Event::Connect, move |_, _| {
            forward(&t1, generation, Signal::Opened)
        })
        .on(Event::Error, move |p, _| {
            let text = match p {
                Payload::Text(v) => v
                    .iter()
                    .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join(" "),
                #[allow(deprecated)]
                Payload::String(s) => s,
                Payload::Binary(_) => "binary error".to_owned(),
            };
            forward(&t2, generation, Signal::Error(text))
        })
        .on(Event::Close, move |_, _| {
            forward(&t3, generation, Signal::Closed)
        })
        .on_any(move |event, payload, _| {
            let signal = match text_args(payload) {
                Some(args) => Signal::Event {
                    name: String::from(event),
                    args,
                },
                None => Signal::Binary,
            };
            forward(&t4, generation, signal)
        });
    let tx = tx.clone();
    let timeout = cfg.timeouts.connect;
    tokio::spawn(async move {
        let built = match tokio::time::timeout(timeout, builder.connect()).await {
            Ok(Ok(client)) => Ok(Conn {
                client,
                retire,
                pings,
            }),
            Ok(Err(e)) => Err(describe(&e)),
            Err(_) => Err(format!("no answer within {} ms", timeout.as_millis())),
        };
        let _ = tx
            .send(Tagged {
                generation,
                signal: Signal::Built(built),
            })
            .await;
    });
    Ok(())
}

/// Emits an event whose acknowledgement comes back as `Signal::Ack`.
pub(crate) async fn emit_with_ack(
    client: &Client,
    name: &str,
    payload: Value,
    entry: u64,
    timeout: Duration,
    generation: u64,
    tx: &SignalTx,
) -> Result<(), String> {
    let tx = tx.clone();
    client
        .emit_with_ack(name, payload, timeout, move |p: Payload, _| {
            let args = text_args(p).unwrap_or_default();
            forward(&tx, generation, Signal::Ack { entry, args })
        })
        .await
        .map_err(|e| describe(&e))
}

/// An error with its causes: the library's own text is often just
/// "EngineIO Error", and the user needs to see "certificate verify failed".
pub(crate) fn describe(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    text
}

/// Closes a client we are done with, without waiting on a dead transport,
/// and lets its library task end.
pub(crate) fn close(conn: Conn) {
    tokio::spawn(async move {
        let _ = tokio::time::timeout(Duration::from_secs(2), conn.client.disconnect()).await;
        // A stored permit: works whether the task is parked already or not.
        conn.retire.notify_one();
    });
}
