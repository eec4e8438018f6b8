//! The soak (issue 19): a million events of every kind through the real
//! tray app under Xvfb, its window opened and closed every minute, and what
//! RSS, open files and threads did between the warm-up and the end.
//!
//! The events go in chunks on a fixed schedule (the million in 12 minutes);
//! each chunk ends with a booking request, never coalesced, whose popup at
//! the recorder proves the app handled the chunk (it handles events in
//! order) before the next one goes. An app that falls behind fails the run.

use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use alora_backend::{Backend, BackendConfig};
use anyhow::bail;
use serde_json::{json, Value};

use crate::app::{history_rows, App, Mode};
use crate::gui::{until, window_open};
use crate::procfs::{self, round2};
use crate::recorder::wait_for;
use crate::report::Report;
use crate::server;
use crate::soak_mix::{chunk, tag, CHUNK};
use crate::soak_report::{self, Sample};
use crate::Ctx;

/// Events per second of the schedule: 1 000 000 in 12 minutes, leaving
/// three of issue 19's 15 for the app to fall behind a little.
const PACE: f64 = 1_000_000.0 / 720.0;
/// Within a chunk, events per millisecond (2 000/s): a chunk is a burst
/// of 2.5 s in its 3.6 s slot, not one packet train.
const PER_MS: usize = 2;
const SENDING_LIMIT: Duration = Duration::from_secs(15 * 60);
const SENTINEL_WITHIN: Duration = Duration::from_secs(60);
const WARM_UP: usize = 100_000;
const MINUTE: Duration = Duration::from_secs(60);
/// The first window opens half a minute in, then every minute, so that a
/// minute's sample falls between two windows, not on one.
const FIRST_WINDOW: Duration = Duration::from_secs(30);
const WINDOW_HELD: Duration = Duration::from_secs(10);
/// After a close, before the warm-up or end sample: WebKit's processes take
/// a few seconds to go.
const SETTLE: Duration = Duration::from_secs(15);
/// Between the last sentinel and a warm-up or end sample: its popup
/// delivered and the history's writes done.
const IDLE: Duration = Duration::from_secs(2);
const TITLE: &str = "Alora";

/// What the sender and the observer share.
struct Shared {
    /// Events whose chunk's sentinel has popped up.
    done: AtomicUsize,
    finished: AtomicBool,
    /// Held from a window's opening to the end of its settling: the warm-up
    /// sample waits for it, so that no sample sees an open window.
    window: tokio::sync::Mutex<()>,
}

struct Sent {
    warm: Sample,
    chunks: usize,
    retries: usize,
    slowest_chunk: Duration,
}

pub async fn run(ctx: &Ctx, report: &mut Report) -> anyhow::Result<()> {
    let events = ctx.soak_events;
    let backend = server::start(Some(BackendConfig {
        max_buffer_size: CHUNK + 64,
        ..BackendConfig::default()
    }))
    .await?;
    let mut reg = backend.subscribe();
    let user = "soak";
    let app = App::spawn(&ctx.app, &ctx.work.join("soak"), Mode::Tray, &backend, user)?;
    if server::wait_register(&mut reg, user, Duration::from_secs(30))
        .await
        .is_none()
    {
        bail!("the app did not connect; log:\n{}", app.log_tail());
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let shared = Shared {
        done: AtomicUsize::new(0),
        finished: AtomicBool::new(false),
        window: tokio::sync::Mutex::new(()),
    };
    let t0 = Instant::now();
    let start = sample(&app, t0, 0);
    let (sent, observed) = tokio::join!(
        send_all(ctx, &backend, &app, events, &shared, t0),
        observe(ctx, &app, &shared, t0)
    );
    let sent = sent?;
    let took = t0.elapsed();
    let popups = ctx.recorder.since(t0);
    let db = app.history_db();
    let quit = app.quit(Duration::from_secs(15)).await;
    backend.shutdown().await;
    let rows = db.as_deref().map(|db| history_rows(db, ""));
    soak_report::write(
        report,
        json!({
            "events": events,
            "chunks": sent.chunks,
            "events_per_chunk": CHUNK,
            "booking_requests": sent.chunks,
            "send_and_handle_s": round2(took.as_secs_f64()),
            "slowest_chunk_s": round2(sent.slowest_chunk.as_secs_f64()),
            "server_retries": sent.retries,
            "popups": popups.len(),
            "summary_popups": popups.iter().filter(|p| p.is_summary()).count(),
            "history_rows_at_end": match rows {
                Some(Ok(n)) => json!(n),
                Some(Err(e)) => json!(format!("{e:#}")),
                None => json!("no history database"),
            },
            "quit_cleanly": quit,
            "start": start.to_json(),
        }),
        &sent.warm,
        &observed,
    );
    Ok(())
}

/// One reading of the app's whole process tree.
fn sample(app: &App, t0: Instant, events: usize) -> Sample {
    let pid = app.pid();
    let processes = procfs::tree(pid).len();
    Sample {
        fd_kinds: procfs::fd_kinds(pid),
        thread_names: procfs::thread_names(pid),
        at_s: t0.elapsed().as_secs_f64(),
        events,
        rss_mb: procfs::rss(pid).total_mb,
        pss_mb: procfs::pss(pid).total_mb,
        fds: procfs::fds(pid),
        threads: procfs::threads(pid),
        processes,
    }
}

async fn send_all(
    ctx: &Ctx,
    backend: &Backend,
    app: &App,
    events: usize,
    shared: &Shared,
    t0: Instant,
) -> anyhow::Result<Sent> {
    let result = send_chunks(ctx, backend, app, events, shared, t0).await;
    // The observer ends its round either way.
    shared.finished.store(true, Ordering::SeqCst);
    result
}

async fn send_chunks(
    ctx: &Ctx,
    backend: &Backend,
    app: &App,
    events: usize,
    shared: &Shared,
    t0: Instant,
) -> anyhow::Result<Sent> {
    let mut popups = ctx.recorder.subscribe();
    let chunks = events.div_ceil(CHUNK);
    let slot = Duration::from_secs_f64(CHUNK as f64 / PACE);
    let warm_up_at = WARM_UP.min(events / 10).max(1);
    let (mut warm, mut retries, mut slowest) = (None, 0, Duration::ZERO);
    for k in 0..chunks {
        tokio::time::sleep_until((t0 + slot.mul_f64(k as f64)).into()).await;
        if t0.elapsed() > SENDING_LIMIT {
            bail!(
                "the app fell behind: {} of {events} events handled after {} s; log:\n{}",
                k * CHUNK,
                SENDING_LIMIT.as_secs(),
                app.log_tail()
            );
        }
        let len = CHUNK.min(events - k * CHUNK);
        let batch = chunk(k, len);
        let sent_at = Instant::now();
        retries += server::paced(backend, &app.user, &batch, PER_MS)
            .await
            .retries;
        if wait_for(&mut popups, &tag(k), SENTINEL_WITHIN)
            .await
            .is_none()
        {
            bail!(
                "the app fell behind: chunk {k}'s booking request did not pop up within {} s \
                 ({} events handled, {:.0} s in); log:\n{}",
                SENTINEL_WITHIN.as_secs(),
                k * CHUNK,
                t0.elapsed().as_secs_f64(),
                app.log_tail()
            );
        }
        slowest = slowest.max(sent_at.elapsed());
        let done = k * CHUNK + len;
        shared.done.store(done, Ordering::SeqCst);
        if warm.is_none() && done >= warm_up_at {
            let _closed = shared.window.lock().await;
            tokio::time::sleep(IDLE).await;
            warm = Some(sample(app, t0, done));
        }
    }
    let Some(warm) = warm else {
        bail!("no warm-up sample ({events} events)");
    };
    Ok(Sent {
        warm,
        chunks,
        retries,
        slowest_chunk: slowest,
    })
}

/// What the observer saw: a sample a minute, each window's open and close,
/// and the end.
pub struct Observed {
    pub minutes: Vec<Sample>,
    pub windows: Vec<Value>,
    pub end: Sample,
}

async fn observe(ctx: &Ctx, app: &App, shared: &Shared, t0: Instant) -> Observed {
    let (mut minutes, mut windows) = (Vec::new(), Vec::new());
    let (mut next_minute, mut next_window) = (MINUTE, FIRST_WINDOW);
    while !shared.finished.load(Ordering::SeqCst) {
        let now = t0.elapsed();
        if now >= next_minute {
            minutes.push(sample(app, t0, shared.done.load(Ordering::SeqCst)));
            next_minute += MINUTE;
        }
        if now >= next_window {
            let _open = shared.window.lock().await;
            windows.push(window_cycle(ctx, app, shared, t0).await);
            next_window += MINUTE;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The last window settled inside its round; the app is idle now.
    tokio::time::sleep(IDLE).await;
    let end = sample(app, t0, shared.done.load(Ordering::SeqCst));
    Observed {
        minutes,
        windows,
        end,
    }
}

/// Opens the window as the tray menu does, holds it open while the events
/// keep coming, closes it as a window manager's close button does; then
/// lets it settle (the window lock still held).
async fn window_cycle(ctx: &Ctx, app: &App, shared: &Shared, t0: Instant) -> Value {
    let pid = app.pid();
    let at_s = t0.elapsed().as_secs_f64();
    let events = shared.done.load(Ordering::SeqCst);
    let before = procfs::rss(pid).total_mb;
    let asked = app.cli(&["open"]).map_err(|e| format!("{e:#}"));
    let shown = until(Duration::from_secs(20), || window_open(TITLE)).await;
    tokio::time::sleep(WINDOW_HELD).await;
    let open_rss = procfs::rss(pid).total_mb;
    let open_pss = procfs::pss(pid).total_mb;
    let close = Command::new(&ctx.close_window).arg(TITLE).output();
    let closed = until(Duration::from_secs(10), || !window_open(TITLE)).await;
    let after = procfs::rss(pid).total_mb;
    let processes_after = procfs::tree(pid).len();
    tokio::time::sleep(SETTLE).await;
    let settled = procfs::rss(pid).total_mb;
    json!({
        "at_s": round2(at_s),
        "events": events,
        "rss_mb_before_open": round2(before),
        "rss_mb_open": round2(open_rss),
        "pss_mb_open": round2(open_pss),
        "rss_mb_after_close": round2(after),
        "left_behind_mb": round2(after - before),
        "processes_after_close": processes_after,
        "rss_mb_15s_after_close": round2(settled),
        "left_behind_mb_15s_after_close": round2(settled - before),
        "shown": shown,
        "closed": closed,
        "open_failed": asked.err(),
        "close_failed": close.err().map(|e| e.to_string()),
    })
}
