//! `alora-bench`: the measurements behind `make bench`, taken from outside
//! the app (the release binary, its command line and forwarding socket, a
//! recording D-Bus notification server, the embedded backend's view, and
//! /proc). Prints a table and writes `target/bench/results.json`.
//!
//! Run it inside a session bus and an X display, with nothing else owning
//! `org.freedesktop.Notifications` (bench/run.sh does all of that):
//! `xvfb-run -a dbus-run-session -- alora-bench --app target/release/alora-tray ...`
// The table on stdout is this program's output.
#![allow(clippy::print_stdout)]

mod app;
mod delay_proxy;
mod diagnostics;
mod flush;
mod flush_report;
mod gui;
mod ingest;
mod latency;
mod link_only;
mod node;
mod pairs;
mod procfs;
mod recorder;
mod refs;
mod report;
mod resume;
mod server;
mod soak;
mod soak_mix;
mod soak_report;
mod startup;
mod stats;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use clap::Parser;

use crate::report::Report;

#[derive(Debug, Parser)]
#[command(
    name = "alora-bench",
    about = "Alora Tray's benchmarks (see `make bench`)"
)]
struct Opts {
    /// The alora-tray release binary.
    #[arg(long)]
    app: PathBuf,
    /// bench/node-client/client.js (its node_modules installed).
    #[arg(long)]
    node_client: PathBuf,
    /// tests/app/close-window.py.
    #[arg(long)]
    close_window: PathBuf,
    /// The bare Tauri reference app, if built.
    #[arg(long)]
    bare: Option<PathBuf>,
    /// The gotify-tray launcher in its venv, if installed.
    #[arg(long)]
    gotify: Option<PathBuf>,
    /// Why gotify-tray is not there (recorded as the reason for null).
    #[arg(long)]
    gotify_unavailable: Option<String>,
    /// bench/gotify/fake_gotify.py.
    #[arg(long)]
    fake_gotify: PathBuf,
    /// Where instances keep their sandboxes and logs (emptied first).
    #[arg(long, default_value = "target/bench/work")]
    work: PathBuf,
    /// The JSON results.
    #[arg(long, default_value = "target/bench/results.json")]
    out: PathBuf,
    /// Run only these benchmarks (comma-separated): cold,reconnect,ingest,latency,dbus,flush,gui,resume,soak,bare,gotify.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Profile the app with `perf record` during each ingest flood
    /// (perf.data in each ingest run's folder); for finding a bottleneck.
    #[arg(long)]
    perf: bool,
    /// Events through the soak (issue 19: 1 000 000; fewer for a quick
    /// try: at 1 389/s, 150 000 take under two minutes).
    #[arg(long, default_value_t = 1_000_000)]
    soak_events: usize,
}

/// What every benchmark needs.
#[derive(Debug)]
pub struct Ctx {
    pub app: PathBuf,
    pub node_client: PathBuf,
    pub close_window: PathBuf,
    pub bare: Option<PathBuf>,
    pub gotify: Option<PathBuf>,
    pub gotify_unavailable: Option<String>,
    pub fake_gotify: PathBuf,
    pub work: PathBuf,
    pub recorder: recorder::Recorder,
    pub perf: bool,
    pub soak_events: usize,
}

/// The goal keys each benchmark fills, nulled with the reason if it fails.
const BENCHES: &[(&str, &[&str])] = &[
    ("cold", &["cold_start_to_connected_ms"]),
    ("reconnect", &["reconnect_after_restart_ms_over_floor"]),
    (
        "ingest",
        &[
            "ingest_ratio_vs_node_client",
            "ingest_ratio_worst_pair",
            "cpu_per_event_ratio_vs_node",
        ],
    ),
    (
        "latency",
        &["notify_latency_p50_ms", "notify_latency_p99_ms"],
    ),
    ("dbus", &[]),
    ("flush", &["flush_1000_ms_loopback", "flush_1000_ms_rtt50"]),
    (
        "gui",
        &[
            "idle_cpu_percent",
            "idle_pss_mb_window_closed",
            "pss_mb_window_open",
            "storm_popups_per_type",
            "storm_lost_events",
            "storm_rss_growth_mb",
        ],
    ),
    ("resume", &["resume_to_connected_ms"]),
    (
        "soak",
        &["soak_rss_growth_mb", "soak_fd_growth", "soak_thread_growth"],
    ),
    ("bare", &[]),
    ("gotify", &[]),
];

async fn one(name: &str, ctx: &Ctx, report: &mut Report) -> anyhow::Result<()> {
    match name {
        "cold" => startup::cold_start(ctx, report).await,
        "reconnect" => startup::reconnect(ctx, report).await,
        "ingest" => ingest::run(ctx, report).await,
        "latency" => latency::run(ctx, report).await,
        "dbus" => {
            diagnostics::dbus_notify_cost(&ctx.recorder, report).await;
            Ok(())
        }
        "flush" => flush_report::run(ctx, report).await,
        "gui" => gui::run(ctx, report).await,
        "resume" => resume::run(ctx, report).await,
        "soak" => soak::run(ctx, report).await,
        "bare" => refs::bare_tauri(ctx, report).await,
        "gotify" => refs::gotify(ctx, report).await,
        other => anyhow::bail!("unknown benchmark {other}"),
    }
}

fn absolute(p: PathBuf) -> anyhow::Result<PathBuf> {
    std::path::absolute(&p).with_context(|| format!("resolving {}", p.display()))
}

async fn run(opts: Opts) -> anyhow::Result<bool> {
    let wall = Instant::now();
    for var in ["DBUS_SESSION_BUS_ADDRESS", "DISPLAY"] {
        if std::env::var_os(var).is_none() {
            anyhow::bail!(
                "{var} is unset: run under `xvfb-run -a dbus-run-session --` (bench/run.sh does)"
            );
        }
    }
    let work = absolute(opts.work)?;
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let ctx = Ctx {
        app: absolute(opts.app)?,
        node_client: absolute(opts.node_client)?,
        close_window: absolute(opts.close_window)?,
        bare: opts.bare.map(absolute).transpose()?,
        gotify: opts.gotify.map(absolute).transpose()?,
        gotify_unavailable: opts.gotify_unavailable,
        fake_gotify: absolute(opts.fake_gotify)?,
        work,
        recorder: recorder::Recorder::start()?,
        perf: opts.perf,
        soak_events: opts.soak_events,
    };
    let mut report = Report::default();
    for (name, keys) in BENCHES {
        if !opts.only.is_empty() && !opts.only.iter().any(|o| o == name) {
            continue;
        }
        eprintln!("bench: {name} ...");
        let t = Instant::now();
        if let Err(e) = one(name, &ctx, &mut report).await {
            eprintln!("bench: {name} failed: {e:#}");
            let unset: Vec<&str> = keys.iter().copied().filter(|k| !report.has(k)).collect();
            for key in unset {
                report.set(key, None);
                report.note(key, format!("{name} failed: {e:#}"));
            }
            report.note(&format!("bench.{name}"), format!("failed: {e:#}"));
        }
        eprintln!("bench: {name} took {:.0} s", t.elapsed().as_secs_f64());
    }
    let machine = procfs::machine();
    println!("\nAlora Tray benchmarks on {machine}\n");
    println!("{}", report.table());
    report.write(&opts.out, machine, wall.elapsed().as_secs_f64())?;
    println!("results: {}", opts.out.display());
    let misses = report.misses();
    if !misses.is_empty() {
        println!("goals missed or unmeasured:\n  {}", misses.join("\n  "));
    }
    Ok(true)
}

fn main() -> ExitCode {
    server::init_tracing();
    let opts = Opts::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("alora-bench: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(opts)) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("alora-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}
