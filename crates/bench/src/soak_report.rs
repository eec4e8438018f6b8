//! The soak's figures: its samples of the app's process tree, the three
//! growth keys (end minus warm-up) and the details behind them.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::pairs::spread;
use crate::procfs::round2;
use crate::report::Report;
use crate::soak::Observed;
use crate::stats::median;

/// One reading of the app's process tree (WebKit's processes included).
#[derive(Debug, Clone)]
pub struct Sample {
    pub at_s: f64,
    /// Events handled so far (their chunk's sentinel seen).
    pub events: usize,
    pub rss_mb: f64,
    /// From /proc/PID/smaps_rollup, as RSS.
    pub pss_mb: f64,
    pub fds: usize,
    pub threads: usize,
    pub processes: usize,
    pub fd_kinds: BTreeMap<String, usize>,
    pub thread_names: BTreeMap<String, usize>,
}

impl Sample {
    pub fn to_json(&self) -> Value {
        json!({
            "at_s": round2(self.at_s),
            "events": self.events,
            "rss_mb": round2(self.rss_mb),
            "pss_mb": round2(self.pss_mb),
            "fds": self.fds,
            "threads": self.threads,
            "processes": self.processes,
            "fd_kinds": self.fd_kinds,
            "thread_names": self.thread_names,
        })
    }
}

/// What grew or shrank between two counts by name (the names that changed).
fn changed(warm: &BTreeMap<String, usize>, end: &BTreeMap<String, usize>) -> Value {
    let mut out = serde_json::Map::new();
    for name in warm.keys().chain(end.keys()) {
        let (a, b) = (warm.get(name), end.get(name));
        let d = growth(b.copied().unwrap_or(0), a.copied().unwrap_or(0));
        if d != 0.0 {
            out.insert(name.clone(), json!(d));
        }
    }
    Value::Object(out)
}

/// Counts as figures (fd and thread counts fit an f64 exactly).
fn growth(end: usize, warm: usize) -> f64 {
    end as f64 - warm as f64
}

/// Sets the three keys and `details.soak` (`run` holds the run's own facts).
pub fn write(report: &mut Report, run: Value, warm: &Sample, seen: &Observed) {
    let end = &seen.end;
    let rss = end.rss_mb - warm.rss_mb;
    let fds = growth(end.fds, warm.fds);
    let threads = growth(end.threads, warm.threads);
    report.set("soak_rss_growth_mb", Some(rss));
    report.set("soak_fd_growth", Some(fds));
    report.set("soak_thread_growth", Some(threads));
    report.line(
        "soak PSS MB growth, end minus warm-up",
        Some(end.pss_mb - warm.pss_mb),
        None,
    );
    let left: Vec<f64> = seen
        .windows
        .iter()
        .filter_map(|w| w["left_behind_mb"].as_f64())
        .collect();
    report.line(
        "soak RSS MB a closed window leaves (median)",
        median(&left),
        None,
    );
    let of = |f: fn(&Sample) -> f64| -> Vec<f64> { seen.minutes.iter().map(f).collect() };
    let note = format!(
        "1 run; warm-up after {} events, end after {} (window closed and settled for both); RSS {:.1} → \
         {:.1} MB, PSS {:.1} → {:.1} MB, fds {} → {}, threads {} → {} (whole process tree)",
        warm.events,
        end.events,
        warm.rss_mb,
        end.rss_mb,
        warm.pss_mb,
        end.pss_mb,
        warm.fds,
        end.fds,
        warm.threads,
        end.threads
    );
    for key in ["soak_rss_growth_mb", "soak_fd_growth", "soak_thread_growth"] {
        report.note(key, note.clone());
    }
    eprintln!("  soak: {note}");
    report.detail(
        "soak",
        json!({
            "run": run,
            "warm_up": warm.to_json(),
            "end": end.to_json(),
            "rss_growth_mb": spread(&[rss]),
            "fd_growth": spread(&[fds]),
            "thread_growth": spread(&[threads]),
            "fds_changed_by_kind": changed(&warm.fd_kinds, &end.fd_kinds),
            "threads_changed_by_name": changed(&warm.thread_names, &end.thread_names),
            "per_minute": seen.minutes.iter().map(Sample::to_json).collect::<Vec<_>>(),
            "per_minute_rss_mb": spread(&of(|s| s.rss_mb)),
            "per_minute_pss_mb": spread(&of(|s| s.pss_mb)),
            "windows": seen.windows,
            "window_left_behind_mb": spread(&left),
            "method": "real alora-tray --minimized under Xvfb, one run; chunks of events of every kind on a \
                       fixed schedule, each ended by a booking request whose popup proves the chunk handled; \
                       the window opened (`alora-tray open`) 30 s in and then every minute, held 10 s, closed \
                       by WM_DELETE_WINDOW; per-minute samples between windows; RSS/PSS from \
                       /proc/PID/smaps_rollup, fds from /proc/PID/fd, threads from /proc/PID/task, summed over \
                       the process tree; growth = end − warm-up, both 15 s after a close and 2 s after the \
                       last handled chunk",
        }),
    );
}
