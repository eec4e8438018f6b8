//! Ingest: the same flood of `newNotification`s from the same embedded
//! backend, to the Node `socket.io-client` and to the real `alora-tray
//! --headless` binary, pair by pair. Ours counts as done when the sentinel
//! that follows the flood (a `bookingUpdated`, which has its own popup
//! budget) pops up at the recording D-Bus server: the core handles events
//! in order, so by then every flood event was decoded, written to the
//! history and passed through the popup rules. The Node client is done when
//! it prints that it saw the sentinel.

use std::time::{Duration, Instant};

use alora_backend::{Backend, BackendConfig};
use serde_json::{json, Value};

use crate::app::{history_rows, App, Mode};
use crate::link_only::{self, flood_events, FLOOD};
use crate::node::NodeClient;
use crate::pairs::{self, Pair};
use crate::procfs;
use crate::recorder::wait_for;
use crate::report::Report;
use crate::server::{self, Emitted};
use crate::stats::median;
use crate::Ctx;

/// Issue 19: the median and the worst of seven pairs.
const PAIRS: usize = 7;
const DONE_WITHIN: Duration = Duration::from_secs(180);

struct Run {
    rate: f64,
    /// CPU time of the client's process tree during the flood, per event.
    cpu_us: f64,
    emitted: Emitted,
    extra: Value,
}

async fn ours(ctx: &Ctx, backend: &Backend, run: &str) -> anyhow::Result<Run> {
    let user = format!("ingest-{run}");
    let events = flood_events(run, FLOOD);
    let mut reg = backend.subscribe();
    let dir = ctx.work.join(format!("ingest-{run}"));
    let app = App::spawn(&ctx.app, &dir, Mode::Headless, backend, &user)?;
    if server::wait_register(&mut reg, &user, Duration::from_secs(30))
        .await
        .is_none()
    {
        anyhow::bail!("the app did not connect; log:\n{}", app.log_tail());
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let perf = ctx.perf.then(|| profile(app.pid(), &dir));
    if perf.is_some() {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let mut popups = ctx.recorder.subscribe();
    let cpu0 = procfs::cpu_ns(app.pid());
    let wait0 = procfs::cpu_wait_ns(app.pid());
    let own0 = procfs::cpu_ns(std::process::id());
    let t0 = Instant::now();
    let emitted = server::flood(backend, &user, &events).await;
    let sent_in = t0.elapsed();
    let tag = format!("sentinel-{run}");
    let done = wait_for(&mut popups, &tag, DONE_WITHIN).await;
    let cpu = procfs::cpu_ns(app.pid()).saturating_sub(cpu0);
    let waited = procfs::cpu_wait_ns(app.pid()).saturating_sub(wait0);
    // The bench's tree holds the app too: what is left is the server's and
    // the recording D-Bus server's share.
    let own = procfs::cpu_ns(std::process::id())
        .saturating_sub(own0)
        .saturating_sub(cpu);
    if let Some(Ok(mut perf)) = perf {
        let _ = std::process::Command::new("kill")
            .args(["-INT", &perf.id().to_string()])
            .status();
        let _ = perf.wait();
    }
    let Some(done) = done else {
        anyhow::bail!("the sentinel never popped up; log:\n{}", app.log_tail());
    };
    let took = done.at.duration_since(t0);
    let rss = crate::procfs::rss(app.pid()).total_mb;
    let db = app.history_db();
    let quit = app.quit(Duration::from_secs(15)).await;
    let kept = match &db {
        Some(db) => history_rows(db, &format!("notification:{run}-")).ok(),
        None => None,
    };
    let cpu_us = cpu as f64 / 1000.0 / FLOOD as f64;
    Ok(Run {
        rate: FLOOD as f64 / took.as_secs_f64(),
        cpu_us,
        emitted,
        extra: json!({
            "took_ms": took.as_secs_f64() * 1000.0,
            "server_sent_ms": sent_in.as_secs_f64() * 1000.0,
            "cpu_us_per_event": cpu_us,
            // A stalled pair: was the app working, or waiting for a core?
            "app_waited_for_cpu_ms": waited as f64 / 1e6,
            "app_on_cpu_ms": cpu as f64 / 1e6,
            "server_cpu_us_per_event": own as f64 / 1000.0 / FLOOD as f64,
            "rss_mb_after": rss,
            "history_rows_kept": kept,
            "quit_cleanly": quit,
        }),
    })
}

/// `perf record` of the app during the flood (`--perf`), into `dir/perf.data`.
fn profile(pid: u32, dir: &std::path::Path) -> std::io::Result<std::process::Child> {
    std::process::Command::new("perf")
        .args(["record", "-F", "4000", "-g", "-o"])
        .arg(dir.join("perf.data"))
        .args(["-p", &pid.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
}

async fn node(ctx: &Ctx, backend: &Backend, run: &str) -> anyhow::Result<Run> {
    let user = format!("ingest-{run}");
    let events = flood_events(run, FLOOD);
    let mut reg = backend.subscribe();
    let mut client = NodeClient::spawn(&ctx.node_client, backend, &user, "ingest")?;
    if server::wait_register(&mut reg, &user, Duration::from_secs(30))
        .await
        .is_none()
    {
        anyhow::bail!("the Node client did not connect");
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let pid = client.pid().unwrap_or(0);
    let cpu0 = procfs::cpu_ns(pid);
    let wait0 = procfs::cpu_wait_ns(pid);
    let t0 = Instant::now();
    let emitted = server::flood(backend, &user, &events).await;
    let sent_in = t0.elapsed();
    let done = client
        .line_where(DONE_WITHIN, |l| {
            serde_json::from_str::<Value>(l)
                .ok()
                .filter(|v| v["done"] == true)
        })
        .await;
    let cpu = procfs::cpu_ns(pid).saturating_sub(cpu0);
    let waited = procfs::cpu_wait_ns(pid).saturating_sub(wait0);
    client.stop().await;
    let Some((at, report)) = done else {
        anyhow::bail!("the Node client never saw the sentinel");
    };
    let took = at.duration_since(t0);
    let cpu_us = cpu as f64 / 1000.0 / FLOOD as f64;
    Ok(Run {
        rate: FLOOD as f64 / took.as_secs_f64(),
        cpu_us,
        emitted,
        extra: json!({
            "took_ms": took.as_secs_f64() * 1000.0,
            "server_sent_ms": sent_in.as_secs_f64() * 1000.0,
            "cpu_us_per_event": cpu_us,
            "client_waited_for_cpu_ms": waited as f64 / 1e6,
            "client_count": report["count"],
            "client_span_ms": report["spanMs"],
        }),
    })
}

pub async fn run(ctx: &Ctx, report: &mut Report) -> anyhow::Result<()> {
    // The whole flood fits in the socket's queue: the server hands it over
    // at once and its writer sends as fast as the client reads. With
    // socketioxide's 128 a refused emit was retried in a loop, which spun on
    // the cores the client needed (thousands of retries per flood).
    let backend = server::start(Some(BackendConfig {
        max_buffer_size: FLOOD + 64,
        ..BackendConfig::default()
    }))
    .await?;
    let (mut measured, mut our_rates, mut node_rates, mut runs) = (vec![], vec![], vec![], vec![]);
    let mut link_rates = vec![];
    for pair in 0..PAIRS {
        // Alternate who goes first, so that a drift favours neither.
        let (a, b) = (format!("n{pair}"), format!("a{pair}"));
        let (n, o) = if pair % 2 == 0 {
            let n = node(ctx, &backend, &a).await?;
            (n, ours(ctx, &backend, &b).await?)
        } else {
            let o = ours(ctx, &backend, &b).await?;
            (node(ctx, &backend, &a).await?, o)
        };
        eprintln!(
            "  pair {pair}: Alora {:.0} events/s, Node {:.0} events/s",
            o.rate, n.rate
        );
        let link = format!("l{pair}");
        let link = link_only::link_only(
            &backend,
            &format!("ingest-{link}"),
            &flood_events(&link, FLOOD),
        )
        .await;
        let link = match link {
            Ok(rate) => {
                link_rates.push(rate);
                json!(rate)
            }
            Err(e) => json!(format!("{e:#}")),
        };
        let p = Pair {
            ours_rate: o.rate,
            node_rate: n.rate,
            ours_cpu_us: o.cpu_us,
            node_cpu_us: n.cpu_us,
        };
        measured.push(p);
        our_rates.push(o.rate);
        node_rates.push(n.rate);
        runs.push(json!({
            "alora": {"events_per_s": o.rate, "server_retries": o.emitted.retries, "details": o.extra},
            "node": {"events_per_s": n.rate, "server_retries": n.emitted.retries, "details": n.extra},
            "ratio": p.rate_ratio(),
            "cpu_ratio": p.cpu_ratio(),
            "link_only_events_per_s": link,
        }));
    }
    backend.shutdown().await;
    let ratios = pairs::rate_ratios(&measured);
    let cpu_ratios = pairs::cpu_ratios(&measured);
    report.set("ingest_ratio_vs_node_client", median(&ratios));
    report.set("ingest_ratio_worst_pair", pairs::worst(&ratios));
    report.set("cpu_per_event_ratio_vs_node", median(&cpu_ratios));
    let our_cpu: Vec<f64> = measured.iter().map(|p| p.ours_cpu_us).collect();
    let node_cpu: Vec<f64> = measured.iter().map(|p| p.node_cpu_us).collect();
    report.node("cpu_us_per_event", median(&node_cpu));
    report.line(
        "ingest CPU µs/event (median)",
        median(&our_cpu),
        median(&node_cpu),
    );
    // How much of each client's time was spent after the server had sent
    // everything: ~0 means it kept pace with the sender.
    let lag = |who: &str| {
        let lags: Vec<f64> = runs
            .iter()
            .filter_map(|r| {
                let d = &r[who]["details"];
                Some(d["took_ms"].as_f64()? - d["server_sent_ms"].as_f64()?)
            })
            .collect();
        median(&lags).unwrap_or(f64::NAN)
    };
    report.note(
        "ingest_ratio_vs_node_client",
        format!(
            "median time still processing after the server's last emit: Alora {:.0} ms, Node {:.0} ms \
             (the server sends as fast as a client reads; near 0 = the client kept pace)",
            lag("alora"),
            lag("node")
        ),
    );
    report.node("ingest_events_per_s", median(&node_rates));
    report.line(
        "ingest events/s (median)",
        median(&our_rates),
        median(&node_rates),
    );
    report.line(
        "ingest events/s, link core alone (diagnostic)",
        median(&link_rates),
        None,
    );
    report.detail(
        "ingest",
        json!({
            "ingest_events_per_s": median(&our_rates),
            "ratio": pairs::spread(&ratios),
            "cpu_ratio": pairs::spread(&cpu_ratios),
            "alora_events_per_s": pairs::spread(&our_rates),
            "node_events_per_s": pairs::spread(&node_rates),
            "alora_cpu_us_per_event": pairs::spread(&our_cpu),
            "node_cpu_us_per_event": pairs::spread(&node_cpu),
            "events_per_flood": FLOOD,
            "link_only_events_per_s": median(&link_rates),
            "pairs": runs,
            "method": "real alora-tray --headless binary; done = the sentinel's popup at the recording D-Bus server; \
                       rate = flood size / (first emit → done); ratio = median of per-pair ratios, worst pair = \
                       their minimum; cpu ratio = median over pairs of Node's CPU µs/event ÷ ours (each client's \
                       process tree, /proc/PID/task/*/schedstat, first emit → done)",
        }),
    );
    Ok(())
}
