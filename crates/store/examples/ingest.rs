//! Measures what storing a flood costs per event (not a test: it prints, it
//! does not assert): 15 000 notification items into a fresh history file,
//! in transactions of 8 to 256 items, as the app's pipeline stores a burst.
//!
//! `cargo run --release -p alora-store --example ingest [-- <folder>]`
//! (default: a temporary folder under $TMPDIR, i.e. usually a real disk).
#![allow(clippy::print_stdout)]

use std::error::Error;
use std::time::Instant;

use alora_store::{Database, HistoryItem, Retention, Target, View};

const EVENTS: usize = 15_000;
const RUNS: usize = 3;

fn items(run: &str) -> Vec<HistoryItem> {
    (0..EVENTS)
        .map(|k| HistoryItem {
            id: format!("notification:{run}-{k}"),
            event: "newNotification".into(),
            title: format!("Flood {k}"),
            body: "A new booking request for Friday 10:00, 60 minutes, from a returning client."
                .into(),
            created_at: "2026-12-01T19:00:00.000Z".into(),
            read: false,
            link: Some(format!("/bookings/{run}-{k}")),
            target: Target::new(View::Bookings, Some(format!("{run}-{k}"))),
            kind: Default::default(),
        })
        .collect()
}

/// µs per event for one flood into a fresh file, in `batch`-item transactions.
fn flood(root: &std::path::Path, batch: usize, run: usize) -> Result<f64, Box<dyn Error>> {
    let dir = root.join(format!("b{batch}-{run}"));
    std::fs::create_dir_all(&dir)?;
    let (store, _) = Database::open_with(&dir, Retention::default())?;
    let mut history = store.history()?;
    let items = items(&format!("r{run}"));
    let t0 = Instant::now();
    for chunk in items.chunks(batch) {
        history.add_many_advancing(chunk, Some(chrono::Utc::now()))?;
    }
    Ok(t0.elapsed().as_secs_f64() * 1e6 / EVENTS as f64)
}

fn main() -> Result<(), Box<dyn Error>> {
    let tmp = tempfile::tempdir()?;
    let root = match std::env::args().nth(1) {
        Some(dir) => std::path::PathBuf::from(dir),
        None => tmp.path().to_path_buf(),
    };
    println!("{EVENTS} events into a fresh history, µs per event (median of {RUNS}):");
    for batch in [8, 32, 128, 256] {
        let mut runs = (0..RUNS)
            .map(|run| flood(&root, batch, run))
            .collect::<Result<Vec<_>, _>>()?;
        runs.sort_by(f64::total_cmp);
        println!("  {batch:>3} per transaction: {:.2}", runs[RUNS / 2]);
    }
    Ok(())
}
