//! Diagnostics beside the goal figures, to tell where time goes:
//!
//! - the ingest flood into the link core alone (`alora_link::Link`, its
//!   public API: rust_socketio, decoding, the actor and its lossless
//!   channel), with no history, popups or UI, on its own 2-worker runtime
//!   like the app's: how much of the app's ingest time is the link;
//! - what one `Notify` costs on this session bus, from the bench to the
//!   recorder, when each call opens a new bus connection first (what
//!   notify-rust does for every popup) and when calls share one connection.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use alora_backend::Backend;
use alora_link::{Incoming, Link, LinkConfig, LinkEvent};
use anyhow::{anyhow, Context as _};
use serde_json::{json, Value};
use tokio::sync::oneshot;

use crate::recorder::{wait_for, Recorder};
use crate::report::Report;
use crate::server;
use crate::stats::{median, ms, percentile};

/// Connects a link as `user` on its own runtime thread, floods it with
/// `events` (the last one the sentinel) and gives the events/s it took in.
pub async fn link_only(
    backend: &Backend,
    user: &str,
    events: &[(String, Value)],
) -> anyhow::Result<f64> {
    let mut reg = backend.subscribe();
    let mut config = LinkConfig::new(
        backend.url(),
        backend.token_for(user, Duration::from_secs(3600)),
    );
    config.socket_path = backend.path().to_owned();
    let (done_tx, done_rx) = oneshot::channel::<(Instant, usize)>();
    let thread = std::thread::Builder::new()
        .name("link-only".into())
        .spawn(move || -> anyhow::Result<()> {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            rt.block_on(async move {
                let (link, mut stream) = Link::spawn();
                link.connect(config).await.map_err(|e| anyhow!("{e}"))?;
                let mut count = 0;
                while let Some(event) = stream.recv().await {
                    match event {
                        LinkEvent::Incoming(Incoming::BookingUpdated(b))
                            if b.booking_id.0.starts_with("sentinel") =>
                        {
                            let _ = done_tx.send((Instant::now(), count));
                            break;
                        }
                        LinkEvent::Incoming(Incoming::NewNotification(_)) => count += 1,
                        _ => {}
                    }
                }
                let _ = link.shutdown().await;
                Ok(())
            })
        })
        .context("starting the link-only thread")?;
    if server::wait_register(&mut reg, user, Duration::from_secs(30))
        .await
        .is_none()
    {
        anyhow::bail!("the link did not connect");
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let t0 = Instant::now();
    server::flood(backend, user, events).await;
    let (at, count) = tokio::time::timeout(Duration::from_secs(180), done_rx)
        .await
        .context("the link never saw the sentinel")?
        .context("the link-only thread ended early")?;
    let _ = tokio::task::spawn_blocking(move || thread.join()).await;
    if count + 1 != events.len() {
        anyhow::bail!("the link saw {count} of {} flood events", events.len() - 1);
    }
    Ok(count as f64 / at.duration_since(t0).as_secs_f64())
}

const CALLS: usize = 100;
const PATH: &str = "/org/freedesktop/Notifications";
const IFACE: &str = "org.freedesktop.Notifications";

async fn notify(conn: &zbus::Connection, summary: &str) -> zbus::Result<()> {
    let hints: HashMap<&str, zbus::Variant<'_>> = HashMap::new();
    let actions: Vec<&str> = vec!["default", "Open"];
    let args = (
        "alora-bench",
        0_u32,
        "",
        summary,
        "",
        actions,
        hints,
        -1_i32,
    );
    conn.call_method(Some(IFACE), PATH, Some(IFACE), "Notify", &args)
        .await
        .map(|_| ())
}

/// Call start → arrival at the recorder (ms), `CALLS` times.
async fn series(recorder: &Recorder, fresh: bool) -> anyhow::Result<Vec<f64>> {
    let shared = zbus::Connection::session().await?;
    let mut took = Vec::with_capacity(CALLS);
    for n in 0..CALLS {
        let tag = format!("[dbus:{fresh}:{n}]");
        let mut rx = recorder.subscribe();
        let t0 = Instant::now();
        if fresh {
            let conn = zbus::Connection::session().await?;
            notify(&conn, &tag).await?;
        } else {
            notify(&shared, &tag).await?;
        }
        if let Some(p) = wait_for(&mut rx, &tag, Duration::from_secs(2)).await {
            took.push(ms(p.at.duration_since(t0)));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(took)
}

/// Both series, as table rows and details.
pub async fn dbus_notify_cost(recorder: &Recorder, report: &mut Report) {
    let mut details = serde_json::Map::new();
    for (fresh, key, label) in [
        (
            true,
            "new_connection_per_notify",
            "D-Bus Notify ms p50, new connection per call",
        ),
        (
            false,
            "one_shared_connection",
            "D-Bus Notify ms p50, one shared connection",
        ),
    ] {
        let value = match series(recorder, fresh).await {
            Ok(took) => {
                report.line(label, median(&took), None);
                json!({"p50_ms": median(&took), "p99_ms": percentile(&took, 99.0), "calls": took.len()})
            }
            Err(e) => json!(format!("{e:#}")),
        };
        details.insert(key.to_owned(), value);
    }
    details.insert(
        "method".into(),
        json!(
            "from the bench to the recorder on the same session bus: call start → Notify arriving"
        ),
    );
    report.detail("dbus_notify_cost", Value::Object(details));
}
