//! One run of the tray app as a user has it (`--minimized` under Xvfb,
//! connected): idle CPU over 60 s and PSS after 30 s with the window never
//! opened; PSS with the window open on a 1 000-entry notification list;
//! PSS 30 s after closing it; then the storm. The Node client idles beside
//! it (started first, so that its arrival is not an event for the app).

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::app::{history_rows, App, Mode};
use crate::node::NodeClient;
use crate::procfs::{self, round2};
use crate::report::Report;
use crate::server;
use crate::Ctx;

const IDLE_CPU: Duration = Duration::from_secs(60);
const SETTLE: Duration = Duration::from_secs(30);
const LIST: usize = 1_000;
const STORM: usize = 10_000;
const AFTER_STORM: Duration = Duration::from_secs(5);

/// Whether a window titled `title` is on the X display (the soak too).
pub fn window_open(title: &str) -> bool {
    Command::new("xwininfo")
        .args(["-root", "-tree"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(&format!("\"{title}\"")))
}

/// Polls `f` every 100 ms until it holds (true) or `within` is over.
pub async fn until(within: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + within;
    while Instant::now() < end {
        if f() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// CPU time of the app's and the Node client's trees since `t0`.
struct Cpu {
    t0: Instant,
    app: (u32, u64, u64),
    node: (u32, u64, u64),
}

impl Cpu {
    fn start(app: u32, node: u32) -> Cpu {
        let now = |pid| (pid, procfs::cpu_ns(pid), procfs::cpu_ticks(pid));
        Cpu {
            t0: Instant::now(),
            app: now(app),
            node: now(node),
        }
    }

    /// Percent of one core: from schedstat (ns, official) and stat ticks.
    fn finish(self, report: &mut Report) -> f64 {
        let secs = self.t0.elapsed().as_secs_f64();
        let ticks = procfs::clock_ticks() as f64;
        let percent = |(pid, ns, t): (u32, u64, u64)| {
            let by_ns = procfs::cpu_ns(pid).saturating_sub(ns) as f64 / 1e9;
            let by_ticks = procfs::cpu_ticks(pid).saturating_sub(t) as f64 / ticks;
            (by_ns / secs * 100.0, by_ticks / secs * 100.0)
        };
        let ((app, app_ticks), (node, node_ticks)) = (percent(self.app), percent(self.node));
        report.set("idle_cpu_percent", Some(app));
        report.node("idle_cpu_percent", Some(node));
        report.detail(
            "idle_cpu",
            json!({
                "seconds": secs,
                "percent_from_schedstat": app,
                "percent_from_stat_ticks": app_ticks,
                "node_percent_from_schedstat": node,
                "node_percent_from_stat_ticks": node_ticks,
                "method": "tray app --minimized, connected, window never opened (engine.io pings every 25 s); \
                           CPU time of every thread of the process tree (schedstat, ns) / wall time; % of one core",
            }),
        );
        app
    }
}

pub async fn run(ctx: &Ctx, report: &mut Report) -> anyhow::Result<()> {
    let backend = server::start(None).await?;
    let mut reg = backend.subscribe();
    let node = NodeClient::spawn(&ctx.node_client, &backend, "idle-node", "idle")?;
    server::wait_register(&mut reg, "idle-node", Duration::from_secs(30)).await;
    let user = "gui";
    let app = App::spawn(&ctx.app, &ctx.work.join("gui"), Mode::Tray, &backend, user)?;
    if server::wait_register(&mut reg, user, Duration::from_secs(30))
        .await
        .is_none()
    {
        anyhow::bail!("the app did not connect; log:\n{}", app.log_tail());
    }
    let node_pid = node.pid().unwrap_or(0);
    tokio::time::sleep(Duration::from_secs(2)).await;

    // Idle, window never opened: CPU over 60 s, PSS at 30 s.
    let cpu = Cpu::start(app.pid(), node_pid);
    tokio::time::sleep(SETTLE).await;
    let never_opened = procfs::pss(app.pid());
    let node_pss = procfs::pss(node_pid);
    tokio::time::sleep(IDLE_CPU.saturating_sub(cpu.t0.elapsed())).await;
    let cpu = cpu.finish(report);
    node.stop().await;
    report.node("idle_pss_mb", Some(node_pss.total_mb));
    eprintln!(
        "  idle: {cpu:.4}% CPU, {:.1} MB PSS (window never opened)",
        never_opened.total_mb
    );

    // The window on a 1 000-entry notification list.
    let list: Vec<_> = (0..LIST)
        .map(|k| {
            (
                "newNotification".to_owned(),
                server::notification(&format!("list-{k}"), &format!("Entry {k}")),
            )
        })
        .collect();
    server::paced(&backend, user, &list, 1).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let _ = app.cli(&["open"])?;
    let opened = until(Duration::from_secs(20), || window_open("Alora")).await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    let open = procfs::pss(app.pid());
    let shot = ctx.work.join("window-open.png");
    let _ = Command::new("import")
        .args(["-window", "root"])
        .arg(&shot)
        .status();
    let _ = Command::new(&ctx.close_window).arg("Alora").output();
    let closed = until(Duration::from_secs(10), || !window_open("Alora")).await;
    tokio::time::sleep(SETTLE).await;
    let after_close = procfs::pss(app.pid());
    eprintln!(
        "  window: {:.1} MB open, {:.1} MB 30 s after closing",
        open.total_mb, after_close.total_mb
    );
    report.set("pss_mb_window_open", opened.then_some(open.total_mb));
    report.set(
        "idle_pss_mb_window_closed",
        Some(never_opened.total_mb.max(after_close.total_mb)),
    );
    report.line(
        "idle PSS MB, window never opened",
        Some(never_opened.total_mb),
        Some(node_pss.total_mb),
    );
    report.line(
        "idle PSS MB, 30 s after closing the window",
        Some(after_close.total_mb),
        None,
    );
    if !opened {
        report.note(
            "pss_mb_window_open",
            "the window did not appear within 20 s",
        );
    }
    report.detail(
        "memory",
        json!({
            "pss_window_never_opened": never_opened.to_json(),
            "pss_window_open": open.to_json(),
            "pss_30s_after_close": after_close.to_json(),
            "window_closed_by_wm_delete": closed,
            "screenshot": shot,
            "method": "tray app --minimized under Xvfb, connected; idle_pss_mb_window_closed = the larger of \
                       'never opened, 30 s' and '30 s after closing the window'",
        }),
    );

    storm(ctx, report, &backend, app).await?;
    backend.shutdown().await;
    Ok(())
}

/// 10 000 `newNotification`s in 1 s: popups during it and the 5 s after,
/// RSS growth, and what the history kept.
async fn storm(
    ctx: &Ctx,
    report: &mut Report,
    backend: &alora_backend::Backend,
    app: App,
) -> anyhow::Result<()> {
    let events: Vec<_> = (0..STORM)
        .map(|k| {
            (
                "newNotification".to_owned(),
                server::notification(&format!("storm-{k}"), &format!("Storm {k}")),
            )
        })
        .collect();
    let before = procfs::rss(app.pid());
    let start = Instant::now();
    let sent = server::paced(backend, &app.user, &events, STORM / 1000).await;
    let end = Instant::now();
    tokio::time::sleep(AFTER_STORM).await;
    let after = procfs::rss(app.pid());
    let window: Vec<_> = ctx
        .recorder
        .since(start)
        .into_iter()
        .filter(|p| p.at <= end + AFTER_STORM)
        .collect();
    // The summary comes when the burst window (10 s from its first popup) ends.
    let summary = until(Duration::from_secs(15), || {
        ctx.recorder.since(start).iter().any(|p| p.is_summary())
    })
    .await;
    let all = ctx.recorder.since(start);
    let summary_at = all
        .iter()
        .find(|p| p.is_summary())
        .map(|p| p.at.duration_since(end));
    let db = app.history_db();
    let quit = app.quit(Duration::from_secs(15)).await;
    report.set("storm_popups_per_type", Some(window.len() as f64));
    report.line(
        "storm popups, through the summary",
        Some(all.len() as f64),
        None,
    );
    if summary_at.is_none_or(|d| d > AFTER_STORM) {
        report.note(
            "storm_popups_per_type",
            format!(
                "counted over the storm and the 5 s after; the summary popup came {} after the storm \
                 ended (the app's burst window is 10 s from the first popup), so it is not in the count: \
                 {} popups through the summary",
                summary_at.map_or("never (15 s)".to_owned(), |d| format!("{:.1} s", d.as_secs_f64())),
                all.len()
            ),
        );
    }
    report.set(
        "storm_rss_growth_mb",
        Some(after.total_mb - before.total_mb),
    );
    match db
        .as_deref()
        .map(|db| history_rows(db, "notification:storm-"))
    {
        Some(Ok(kept)) => report.set("storm_lost_events", Some(STORM as f64 - kept as f64)),
        Some(Err(e)) => {
            report.set("storm_lost_events", None);
            report.note(
                "storm_lost_events",
                format!("the history file could not be read: {e:#}"),
            );
        }
        None => {
            report.set("storm_lost_events", None);
            report.note(
                "storm_lost_events",
                "the app left no history database (alora.db) in its data folder: its history is in memory \
                 only and cannot be read from outside",
            );
        }
    }
    eprintln!(
        "  storm: {} popups in storm + 5 s, RSS {:.1} → {:.1} MB",
        window.len(),
        before.total_mb,
        after.total_mb
    );
    report.detail(
        "storm",
        json!({
            "events": STORM,
            "server_send_ms": round2(end.duration_since(start).as_secs_f64() * 1000.0),
            "server_retries": sent.retries,
            "popups_in_storm_and_5s": window.iter().map(|p| &p.summary).collect::<Vec<_>>(),
            "summary_popup_seen": summary,
            "summary_after_storm_end_ms": summary_at.map(|d| round2(d.as_secs_f64() * 1000.0)),
            "popups_until_summary": all.len(),
            "rss_before": before.to_json(),
            "rss_after_5s": after.to_json(),
            "quit_cleanly": quit,
        }),
    );
    Ok(())
}
