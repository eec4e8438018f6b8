//! Draining a queue after an outage: 1 000 `sendMessage` queued offline in
//! the link core (`alora_link::Link`, on its own 2-worker runtime like the
//! app's), then the link connects; the time from its CONNECT to the last
//! ack, with the server's view checked (no message twice, order kept). The
//! Node `socket.io-client` does 1 000 `emitWithAck` from its `connect` in
//! the same run. Both on loopback, and through a proxy that adds 25 ms each
//! way (`delay_proxy.rs`).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use alora_backend::Backend;
use alora_link::{Link, LinkConfig, LinkEvent, LinkState, Outcome, Outgoing, SendMessage};
use anyhow::{anyhow, Context as _};
use serde_json::{json, Value};
use tokio::sync::oneshot;

/// Messages per flush.
pub const MESSAGES: usize = 1000;
/// The proxy's delay each way: a 50 ms round trip.
pub const ONE_WAY: Duration = Duration::from_millis(25);
const DONE_WITHIN: Duration = Duration::from_secs(120);

/// The server of the flush: room for a whole flush of acks per socket.
/// socketioxide's default buffer of 128 packets drops the acks past it when
/// a client sends 1 000 at once, as the Node client does (they never come).
pub fn backend_config() -> alora_backend::BackendConfig {
    alora_backend::BackendConfig {
        max_buffer_size: MESSAGES + 64,
        ..alora_backend::BackendConfig::default()
    }
}

/// One flush as the server saw it.
#[derive(Debug, Clone)]
pub struct Flushed {
    /// CONNECT (ours: the link's `Connected`; Node's: its `connect`) to
    /// the last ack.
    pub ms: f64,
    /// `sendMessage`s the server read beyond one per message.
    pub duplicates: usize,
    /// Whether the server first read them in the order queued.
    pub in_order: bool,
    /// Messages the server stored.
    pub stored: usize,
}

impl Flushed {
    pub fn json(&self) -> Value {
        json!({
            "ms": self.ms,
            "duplicates": self.duplicates,
            "in_order": self.in_order,
            "stored": self.stored,
        })
    }
}

/// The `clientId`s of `prefix`'s messages, `<prefix>-<n>`, with `n` their
/// place in the queue.
pub fn client_id(prefix: &str, n: usize) -> String {
    format!("{prefix}-{n:05}")
}

/// What the server read from `user`: duplicates, order, how many stored.
fn server_view(backend: &Backend, user: &str, prefix: &str, ms: f64) -> Flushed {
    let read: Vec<String> = backend
        .received()
        .into_iter()
        .filter(|r| r.user_id.as_deref() == Some(user) && r.event == "sendMessage")
        .filter_map(|r| r.payload.get("clientId")?.as_str().map(str::to_owned))
        .collect();
    let mut seen = HashSet::new();
    let first: Vec<&String> = read.iter().filter(|c| seen.insert(c.as_str())).collect();
    let want: Vec<String> = (0..MESSAGES).map(|n| client_id(prefix, n)).collect();
    let stored = backend
        .messages()
        .iter()
        .filter(|m| {
            m.get("clientId")
                .and_then(Value::as_str)
                .is_some_and(|c| c.starts_with(prefix))
        })
        .count();
    Flushed {
        ms,
        duplicates: read.len() - first.len(),
        in_order: first.iter().copied().eq(want.iter()),
        stored,
    }
}

/// Ours: queues [`MESSAGES`] while the link is not connected, connects it
/// to `url` (the backend, or the proxy before it) and times the drain.
/// `window`: the link's `ack_window` (`None`: its default).
pub async fn ours(
    backend: &Backend,
    url: &str,
    user: &str,
    window: Option<usize>,
) -> anyhow::Result<Flushed> {
    let mut config = LinkConfig::new(url, backend.token_for(user, Duration::from_secs(3600)));
    config.socket_path = backend.path().to_owned();
    if let Some(window) = window {
        config.ack_window = window;
    }
    let prefix = user.to_owned();
    let (done_tx, done_rx) = oneshot::channel::<anyhow::Result<f64>>();
    let thread = std::thread::Builder::new()
        .name("link-flush".into())
        .spawn(move || -> anyhow::Result<()> {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("link-worker")
                .enable_all()
                .build()?;
            rt.block_on(async move {
                let (link, mut stream) = Link::spawn();
                // Read from the start: the actor waits on a full channel.
                let watcher = tokio::spawn(async move {
                    let (mut connected, mut acked) = (None, 0usize);
                    while let Some(event) = stream.recv().await {
                        match event {
                            LinkEvent::State(LinkState::Connected { .. })
                                if connected.is_none() =>
                            {
                                connected = Some(Instant::now());
                            }
                            LinkEvent::Delivery(d) => match d.outcome {
                                Outcome::Acked { .. } => acked += 1,
                                Outcome::Failed { reason } => {
                                    return Err(anyhow!("a message failed: {reason}"))
                                }
                                _ => {}
                            },
                            _ => {}
                        }
                        if acked == MESSAGES {
                            let t0 = connected.context("acked before connected")?;
                            return Ok(t0.elapsed().as_secs_f64() * 1000.0);
                        }
                    }
                    Err(anyhow!("the link's events ended"))
                });
                for n in 0..MESSAGES {
                    let m = SendMessage {
                        client_id: client_id(&prefix, n),
                        conversation_id: "flush".into(),
                        content: format!("queued offline {n}"),
                    };
                    link.send(Outgoing::SendMessage(m))
                        .await
                        .map_err(|e| anyhow!("queueing: {e}"))?;
                }
                link.connect(config).await.map_err(|e| anyhow!("{e}"))?;
                let took = tokio::time::timeout(DONE_WITHIN, watcher)
                    .await
                    .map_err(|_| anyhow!("not drained within {DONE_WITHIN:?}"))
                    .and_then(|joined| joined.map_err(|e| anyhow!("{e}"))?);
                let _ = done_tx.send(took);
                let _ = link.shutdown().await;
                Ok(())
            })
        })
        .context("starting the link-flush thread")?;
    let took = done_rx.await.context("the link-flush thread ended early");
    let joined = tokio::task::spawn_blocking(move || thread.join()).await;
    let ms = took??;
    if let Ok(Ok(Err(e))) = joined {
        return Err(e);
    }
    Ok(server_view(backend, user, user, ms))
}

/// Node's: `client.js --mode flush` through `url`, timed by itself from its
/// `connect` to the last ack.
pub async fn node(
    script: &std::path::Path,
    backend: &Backend,
    url: &str,
    user: &str,
) -> anyhow::Result<Flushed> {
    let count = MESSAGES.to_string();
    let extra = ["--count", count.as_str(), "--prefix", user];
    let mut client =
        crate::node::NodeClient::spawn_to(script, url, backend, user, "flush", &extra)?;
    let (_, ms) = client
        .line_where(DONE_WITHIN, |l| {
            let v: Value = serde_json::from_str(l).ok()?;
            v.get("flushMs")?.as_f64()
        })
        .await
        .context("the Node client never finished its flush")?;
    client.stop().await;
    Ok(server_view(backend, user, user, ms))
}
