//! The link core's ingest rate, quickly: `link_only` (the same code as `make
//! bench`'s diagnostic) against the embedded backend, several times, with
//! the median. For measuring a change to `crates/link` in under a minute:
//!
//! `cargo run --release -p alora-bench --example link_flood [-- RUNS [EVENTS]]`

// The figures on stdout are this program's output.
#![allow(clippy::print_stdout)]

// The bench is a binary; its modules are shared by path. This example uses
// only part of `server`.
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

#[allow(dead_code)]
#[path = "../src/server.rs"]
mod server;

#[path = "../src/link_only.rs"]
mod link_only;

#[path = "../src/stats.rs"]
#[allow(dead_code)]
mod stats;

/// CPU nanoseconds per thread, as the highest figure a sampler saw, so that
/// threads that ended (each run's link runtime) still count: the link's own
/// CPU per event is a figure another build on the machine disturbs less
/// than events/s.
#[derive(Default)]
struct CpuSampler {
    seen: Mutex<HashMap<u32, (String, u64)>>,
}

impl CpuSampler {
    fn sample(&self) {
        let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
            return;
        };
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        for task in tasks.flatten() {
            let Some(tid) = task.file_name().to_str().and_then(|t| t.parse().ok()) else {
                continue;
            };
            let read = |f: &str| std::fs::read_to_string(task.path().join(f)).unwrap_or_default();
            let ns = read("schedstat")
                .split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let entry = seen
                .entry(tid)
                .or_insert_with(|| (read("comm").trim().to_owned(), 0));
            entry.1 = entry.1.max(ns);
        }
    }

    /// CPU ns so far of threads whose name starts with `prefix`, and of all.
    fn total(&self, prefix: &str) -> (u64, u64) {
        self.sample();
        let seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        let of = |p: &str| {
            seen.values()
                .filter(|(c, _)| c.starts_with(p))
                .map(|(_, n)| n)
                .sum()
        };
        (of(prefix), of(""))
    }
}

fn main() -> anyhow::Result<()> {
    let arg = |n: usize, default: usize| -> anyhow::Result<usize> {
        std::env::args()
            .nth(n)
            .map_or(Ok(default), |a| Ok(a.parse()?))
    };
    let (runs, size) = (arg(1, 5)?, arg(2, link_only::FLOOD)?);
    server::init_tracing();
    let sampler = Arc::new(CpuSampler::default());
    let every = sampler.clone();
    std::thread::spawn(move || loop {
        every.sample();
        std::thread::sleep(Duration::from_millis(5));
    });
    // Like the bench: the backend and the sender on 2 workers, the link on
    // its own 2-worker runtime (inside `link_only`).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let backend = server::start(None).await?;
        let (mut rates, mut link_cpu, mut all_cpu) = (vec![], vec![], vec![]);
        for run in 0..runs {
            let tag = format!("x{run}");
            let events = link_only::flood_events(&tag, size);
            // Includes the connect and the 1 s pause before the flood (idle).
            let (link0, all0) = sampler.total("link-");
            let rate = link_only::link_only(&backend, &format!("flood-{tag}"), &events).await?;
            let (link1, all1) = sampler.total("link-");
            let per = |ns: u64| ns as f64 / 1000.0 / size as f64;
            let (link, all) = (per(link1 - link0), per(all1 - all0));
            println!("run {run}: {rate:.0} events/s, CPU µs/event: link {link:.2}, all {all:.2}");
            rates.push(rate);
            link_cpu.push(link);
            all_cpu.push(all);
        }
        backend.shutdown().await;
        let median = stats::median(&rates).unwrap_or(f64::NAN);
        let link = stats::median(&link_cpu).unwrap_or(f64::NAN);
        let all = stats::median(&all_cpu).unwrap_or(f64::NAN);
        println!(
            "median {median:.0} events/s, CPU µs/event: link {link:.2}, all {all:.2} ({runs} runs)"
        );
        anyhow::Ok(())
    })
}
