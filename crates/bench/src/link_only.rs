//! The ingest flood into the link core alone (`alora_link::Link`, its public
//! API: rust_socketio, decoding, the actor and its lossless channel), with no
//! history, popups or UI, on its own 2-worker runtime like the app's: how
//! much of the app's ingest time is the link. Also run by
//! `examples/link_flood.rs`, to measure the link in under a minute.

use std::time::{Duration, Instant};

use alora_backend::Backend;
use alora_link::{Incoming, Link, LinkConfig, LinkEvent};
use anyhow::{anyhow, Context as _};
use serde_json::{json, Value};
use tokio::sync::oneshot;

use crate::server;

/// Events per flood (the history keeps 20 000 rows, so one flood fits).
pub const FLOOD: usize = 15_000;

/// `n` `newNotification`s with ids unique to `run`, then the sentinel.
pub fn flood_events(run: &str, n: usize) -> Vec<(String, Value)> {
    let mut events: Vec<(String, Value)> = (0..n)
        .map(|k| {
            let id = format!("{run}-{k}");
            (
                "newNotification".to_owned(),
                server::notification(&id, &format!("Flood {k}")),
            )
        })
        .collect();
    let sentinel = format!("sentinel-{run}");
    events.push((
        "bookingUpdated".to_owned(),
        json!({"bookingId": sentinel, "status": "confirmed", "title": format!("Done [{sentinel}]")}),
    ));
    events
}

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
                // Named apart from the backend's workers in a profile.
                .thread_name("link-worker")
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
