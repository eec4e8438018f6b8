//! Notify latency: server emit → the D-Bus `Notify` call arriving at the
//! recording server, over 1 000 spaced events, each of which must pop up.
//! The app shows at most 3 popups per type per 10 s burst window, so the
//! events go round several `--headless` instances and the three popup
//! types that are on by default, 3 each per round of 10.6 s. The Node
//! client's figure is emit → its stdout line for the event.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::app::{App, Mode};
use crate::node::NodeClient;
use crate::recorder::wait_for;
use crate::report::Report;
use crate::server;
use crate::stats::{median, ms, percentile};
use crate::Ctx;

const EVENTS: usize = 1_000;
const INSTANCES: usize = 8;
const KINDS: usize = 3;
/// Popups per type per window before the app holds the rest back.
const PER_WINDOW: usize = 3;
/// The app's 10 s burst window, and a margin.
const ROUND: Duration = Duration::from_millis(10_600);
const NODE_SPACING: Duration = Duration::from_millis(20);

/// The `seq`-th event of kind `kind`, tagged `[lat:seq]`.
fn event(kind: usize, seq: usize) -> (String, Value) {
    let tag = format!("[lat:{seq}]");
    match kind {
        0 => (
            "newNotification".into(),
            json!({"id": format!("lat-{seq}"), "title": format!("Latency {tag}"), "message": "A booking request"}),
        ),
        1 => (
            "bookingUpdated".into(),
            json!({"bookingId": format!("lb-{seq}"), "status": "confirmed", "title": format!("Booking {tag}")}),
        ),
        _ => (
            "newMessage".into(),
            json!({"id": format!("lm-{seq}"), "conversationId": "c-lat", "senderId": "u-other",
                   "senderName": "Maya", "content": format!("Hello {tag}")}),
        ),
    }
}

pub async fn run(ctx: &Ctx, report: &mut Report) -> anyhow::Result<()> {
    let backend = server::start(None).await?;
    let mut reg = backend.subscribe();
    let mut apps = Vec::new();
    for i in 0..INSTANCES {
        let dir = ctx.work.join(format!("latency-{i}"));
        apps.push(App::spawn(
            &ctx.app,
            &dir,
            Mode::Headless,
            &backend,
            &format!("lat-{i}"),
        )?);
    }
    let users: Vec<String> = apps.iter().map(|a| a.user.clone()).collect();
    let missing = server::wait_all_registered(&mut reg, &users, Duration::from_secs(30)).await;
    if let Some(app) = apps.iter().find(|a| missing.contains(&a.user)) {
        anyhow::bail!("{} did not connect; log:\n{}", app.user, app.log_tail());
    }
    tokio::time::sleep(Duration::from_secs(2)).await;

    let slots = INSTANCES * KINDS * PER_WINDOW;
    let spacing = ROUND / slots as u32;
    let mut ours = Vec::with_capacity(EVENTS);
    let mut missed = 0;
    let start = tokio::time::Instant::now();
    for seq in 0..EVENTS {
        tokio::time::sleep_until(start + spacing * seq as u32).await;
        let slot = seq % slots;
        let (inst, kind) = (slot % INSTANCES, (slot / INSTANCES) % KINDS);
        let (name, payload) = event(kind, seq);
        let mut popups = ctx.recorder.subscribe();
        let t0 = Instant::now();
        backend.push_to_user(&apps[inst].user, &name, payload).await;
        match wait_for(&mut popups, &format!("[lat:{seq}]"), Duration::from_secs(3)).await {
            Some(p) => ours.push(ms(p.at.duration_since(t0))),
            None => missed += 1,
        }
    }
    for app in apps {
        app.quit(Duration::from_secs(10)).await;
    }
    let node = node_latency(ctx, &backend).await;
    backend.shutdown().await;

    report.set("notify_latency_p50_ms", median(&ours));
    report.set("notify_latency_p99_ms", percentile(&ours, 99.0));
    let node = match node {
        Ok(v) => v,
        Err(e) => {
            report.note("node_client.latency", format!("not measured: {e:#}"));
            Vec::new()
        }
    };
    report.node("latency_p50_ms", median(&node));
    report.node("latency_p99_ms", percentile(&node, 99.0));
    report.detail(
        "notify_latency",
        json!({
            "events": EVENTS,
            "popups_seen": ours.len(),
            "popups_missing": missed,
            "max_ms": ours.iter().copied().fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x)))),
            "p90_ms": percentile(&ours, 90.0),
            "spacing_ms": ms(spacing),
            "instances": INSTANCES,
            "method": "real alora-tray --headless instances; Instant before push_to_user → Notify \
                       arriving at the recording server (own thread); 3 popup types × 3 per 10 s window per instance",
        }),
    );
    if missed > 0 {
        report.note(
            "notify_latency_p50_ms",
            format!("{missed} of {EVENTS} events never popped up within 3 s; percentiles are over those that did"),
        );
    }
    Ok(())
}

async fn node_latency(ctx: &Ctx, backend: &alora_backend::Backend) -> anyhow::Result<Vec<f64>> {
    let user = "lat-node";
    let mut reg = backend.subscribe();
    let mut client = NodeClient::spawn(&ctx.node_client, backend, user, "latency")?;
    if server::wait_register(&mut reg, user, Duration::from_secs(30))
        .await
        .is_none()
    {
        anyhow::bail!("the Node client did not connect");
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut out = Vec::with_capacity(EVENTS);
    for seq in 0..EVENTS {
        let (name, payload) = event(0, seq);
        let t0 = Instant::now();
        backend.push_to_user(user, &name, payload).await;
        let want = format!("seen {seq}");
        if let Some((at, ())) = client
            .line_where(Duration::from_secs(3), |l| (l == want).then_some(()))
            .await
        {
            out.push(ms(at.duration_since(t0)));
        }
        tokio::time::sleep(NODE_SPACING).await;
    }
    client.stop().await;
    Ok(out)
}
