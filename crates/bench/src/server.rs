//! The server side: the embedded socketioxide backend, emits that never
//! drop silently (socketioxide refuses a packet when a socket's buffer is
//! full; the backend logs that at debug level, a tracing layer here counts
//! it, and the emit is tried again), and waiting for a client's `register`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use alora_backend::{Backend, BackendConfig, BackendEvent};
use serde_json::Value;
use tokio::sync::broadcast;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::Layer;

/// The backend's words for an emit that did not go out.
const EMIT_FAILED: &str = "emit to user room failed";
static EMIT_FAILURES: AtomicUsize = AtomicUsize::new(0);

struct CountEmitFailures;

struct Message(bool);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 |= format!("{value:?}").starts_with(EMIT_FAILED);
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for CountEmitFailures {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let mut m = Message(false);
        event.record(&mut m);
        if m.0 {
            EMIT_FAILURES.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// Logs (warnings, or `BENCH_LOG`) to stderr, and the emit-failure counter.
pub fn init_tracing() {
    use tracing_subscriber::filter::{EnvFilter, LevelFilter, Targets};
    let fmt_filter =
        EnvFilter::try_from_env("BENCH_LOG").unwrap_or_else(|_| EnvFilter::new("warn"));
    let count_filter = Targets::new().with_target("alora_backend", LevelFilter::DEBUG);
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(fmt_filter),
        )
        .with(CountEmitFailures.with_filter(count_filter))
        .try_init();
}

/// A backend on 127.0.0.1 with an ephemeral port (or `config`'s address).
pub async fn start(config: Option<BackendConfig>) -> anyhow::Result<Backend> {
    Ok(Backend::start(config.unwrap_or_default()).await?)
}

/// What a run of emits cost the server.
#[derive(Debug, Clone, Copy, Default)]
pub struct Emitted {
    pub events: usize,
    /// Emits refused because the client's buffer was full, and tried again.
    pub retries: usize,
}

/// Emits to `user` until the backend accepts it (the client's buffer has
/// room); returns how many tries were refused.
pub async fn emit(backend: &Backend, user: &str, event: &str, payload: &Value) -> usize {
    let mut refused = 0;
    loop {
        let before = EMIT_FAILURES.load(Ordering::SeqCst);
        backend.push_to_user(user, event, payload.clone()).await;
        if EMIT_FAILURES.load(Ordering::SeqCst) == before {
            return refused;
        }
        refused += 1;
        if refused % 256 == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        } else {
            tokio::task::yield_now().await;
        }
    }
}

/// Emits each `(event, payload)` in order, as fast as the client takes them.
pub async fn flood(backend: &Backend, user: &str, events: &[(String, Value)]) -> Emitted {
    let mut out = Emitted::default();
    for (event, payload) in events {
        out.retries += emit(backend, user, event, payload).await;
        out.events += 1;
    }
    out
}

/// Emits `events` at `per_ms` events per millisecond.
pub async fn paced(
    backend: &Backend,
    user: &str,
    events: &[(String, Value)],
    per_ms: usize,
) -> Emitted {
    let start = tokio::time::Instant::now();
    let mut out = Emitted::default();
    for (n, chunk) in events.chunks(per_ms.max(1)).enumerate() {
        tokio::time::sleep_until(start + Duration::from_millis(n as u64)).await;
        let part = flood(backend, user, chunk).await;
        out.events += part.events;
        out.retries += part.retries;
    }
    out
}

/// Waits for `user`'s `register` on `rx` (subscribed before the client
/// started); the moment this task saw it.
pub async fn wait_register(
    rx: &mut broadcast::Receiver<BackendEvent>,
    user: &str,
    within: Duration,
) -> Option<Instant> {
    let until = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(until, rx.recv()).await {
            Ok(Ok(BackendEvent::Received(r)))
                if r.event == "register" && r.user_id.as_deref() == Some(user) =>
            {
                return Some(Instant::now())
            }
            Ok(Ok(_)) | Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(broadcast::error::RecvError::Closed)) | Err(_) => return None,
        }
    }
}

/// Waits until every one of `users` has registered; the users still
/// missing when the time is up.
pub async fn wait_all_registered(
    rx: &mut broadcast::Receiver<BackendEvent>,
    users: &[String],
    within: Duration,
) -> Vec<String> {
    let mut missing: Vec<String> = users.to_vec();
    let until = tokio::time::Instant::now() + within;
    while !missing.is_empty() {
        match tokio::time::timeout_at(until, rx.recv()).await {
            Ok(Ok(BackendEvent::Received(r))) if r.event == "register" => {
                missing.retain(|u| Some(u.as_str()) != r.user_id.as_deref());
            }
            Ok(Ok(_)) | Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(broadcast::error::RecvError::Closed)) | Err(_) => break,
        }
    }
    missing
}

/// A realistic `newNotification` payload (about 250 bytes of JSON).
pub fn notification(id: &str, title: &str) -> Value {
    serde_json::json!({
        "id": id,
        "title": title,
        "message": "A new booking request for Friday 10:00, 60 minutes, from a returning client.",
        "type": "booking",
        "createdAt": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "link": format!("/bookings/{id}"),
    })
}
