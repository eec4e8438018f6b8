//! The results: the goal keys (numbers, or null with the reason in
//! `notes`), the Node client's own figures, the memory references, the
//! details of each run; printed as a table and written as JSON.

use std::path::Path;

use anyhow::Context as _;
use serde_json::{json, Map, Value};

use crate::procfs::round2;

/// `≤` or `≥` a target.
#[derive(Debug, Clone, Copy)]
pub struct Goal {
    pub key: &'static str,
    pub at_least: bool,
    pub target: f64,
    pub unit: &'static str,
    /// The key of the Node client's figure to print beside ours.
    pub node: Option<&'static str>,
    /// The target is a multiple of that Node figure (measured in the same
    /// run), not a fixed number.
    pub times_node: bool,
}

const fn goal(key: &'static str, at_least: bool, target: f64, unit: &'static str) -> Goal {
    Goal {
        key,
        at_least,
        target,
        unit,
        node: None,
        times_node: false,
    }
}

/// `key` ≤ `factor` × the Node client's `node` figure of the same run.
const fn vs_node(key: &'static str, factor: f64, node: &'static str) -> Goal {
    Goal {
        node: Some(node),
        times_node: true,
        ..goal(key, false, factor, "ms")
    }
}

pub const GOALS: [Goal; 19] = [
    // Issue 19: the median of seven pairs ≥ 2, the worst ≥ 1.5.
    goal("ingest_ratio_vs_node_client", true, 2.0, "x"),
    goal("ingest_ratio_worst_pair", true, 1.5, "x"),
    goal("cpu_per_event_ratio_vs_node", true, 2.5, "x"),
    // Issue 19 raised these five to where users feel them.
    Goal {
        node: Some("latency_p50_ms"),
        ..goal("notify_latency_p50_ms", false, 0.7, "ms")
    },
    Goal {
        node: Some("latency_p99_ms"),
        ..goal("notify_latency_p99_ms", false, 2.0, "ms")
    },
    Goal {
        node: Some("idle_pss_mb"),
        ..goal("idle_pss_mb_window_closed", false, 25.0, "MB")
    },
    goal("pss_mb_window_open", false, 170.0, "MB"),
    goal("storm_popups_per_type", false, 4.0, ""),
    goal("storm_lost_events", false, 0.0, ""),
    goal("storm_rss_growth_mb", false, 20.0, "MB"),
    Goal {
        node: Some("cold_start_to_connected_ms"),
        ..goal("cold_start_to_connected_ms", false, 100.0, "ms")
    },
    goal("reconnect_after_restart_ms_over_floor", false, 200.0, "ms"),
    Goal {
        node: Some("idle_cpu_percent"),
        ..goal("idle_cpu_percent", false, 0.1, "%")
    },
    vs_node("flush_1000_ms_loopback", 1.0, "node_flush_1000_ms_loopback"),
    vs_node("flush_1000_ms_rtt50", 1.5, "node_flush_1000_ms_rtt50"),
    goal("resume_to_connected_ms", false, 1000.0, "ms"),
    // Issue 19's soak: a million events, end minus warm-up.
    goal("soak_rss_growth_mb", false, 10.0, "MB"),
    goal("soak_fd_growth", false, 0.0, ""),
    goal("soak_thread_growth", false, 0.0, ""),
];

#[derive(Debug, Default)]
pub struct Report {
    values: Map<String, Value>,
    node: Map<String, Value>,
    references: Map<String, Value>,
    details: Map<String, Value>,
    notes: Map<String, Value>,
    /// Extra table rows: label, ours, the Node client's.
    lines: Vec<(String, Option<f64>, Option<f64>)>,
}

fn number(v: Option<f64>) -> Value {
    v.filter(|x| x.is_finite())
        .map_or(Value::Null, |x| json!(round2(x)))
}

fn show(v: Option<&Value>) -> String {
    match v.and_then(Value::as_f64) {
        Some(x) if x.abs() >= 1000.0 => format!("{x:.0}"),
        Some(x) => format!("{x:.2}"),
        None => "null".to_owned(),
    }
}

impl Report {
    /// A goal key's figure (`None` → null).
    pub fn set(&mut self, key: &str, value: Option<f64>) {
        self.values.insert(key.to_owned(), number(value));
    }

    /// Why a figure is what it is, or is null; how it was measured.
    pub fn note(&mut self, key: &str, text: impl Into<String>) {
        self.notes
            .insert(key.to_owned(), Value::String(text.into()));
    }

    pub fn node(&mut self, key: &str, value: Option<f64>) {
        self.node.insert(key.to_owned(), number(value));
    }

    pub fn reference(&mut self, key: &str, value: Option<f64>) {
        self.references.insert(key.to_owned(), number(value));
    }

    /// An extra row under the goals (a breakdown, a diagnostic).
    pub fn line(&mut self, label: &str, ours: Option<f64>, node: Option<f64>) {
        self.lines.push((label.to_owned(), ours, node));
    }

    /// Raw runs and extra figures of one benchmark.
    pub fn detail(&mut self, key: &str, value: Value) {
        self.details.insert(key.to_owned(), value);
    }

    /// Whether the key was set (to a number or to null).
    pub fn has(&self, key: &str) -> bool {
        self.values.contains_key(key)
    }

    pub fn get(&self, key: &str) -> Option<f64> {
        self.values.get(key).and_then(Value::as_f64)
    }

    /// A goal's target: its number, or its multiple of the Node figure
    /// (`None` when that is missing).
    fn target(&self, g: &Goal) -> Option<f64> {
        if !g.times_node {
            return Some(g.target);
        }
        let node = self.node.get(g.node?).and_then(Value::as_f64)?;
        Some(g.target * node)
    }

    /// Whether `v` misses the goal (`None`: no target to compare with).
    fn missed(&self, g: &Goal, v: f64) -> Option<bool> {
        let t = self.target(g)?;
        Some((g.at_least && v < t) || (!g.at_least && v > t))
    }

    /// The goals missed, and those with no figure.
    pub fn misses(&self) -> Vec<String> {
        let mut out = Vec::new();
        for g in GOALS {
            match self.get(g.key).map(|v| (v, self.missed(&g, v))) {
                None => out.push(format!("{}: no figure", g.key)),
                Some((_, None)) => out.push(format!("{}: no Node figure to compare", g.key)),
                Some((v, Some(true))) => {
                    out.push(format!("{}: {v} (goal {})", g.key, goal_text(&g)));
                }
                Some((_, Some(false))) => {}
            }
        }
        out
    }

    pub fn to_json(&self, machine: Value, wall_s: f64) -> Value {
        let mut out = Map::new();
        for g in GOALS {
            out.insert(
                g.key.to_owned(),
                self.values.get(g.key).cloned().unwrap_or(Value::Null),
            );
        }
        let goals: Map<String, Value> = GOALS
            .iter()
            .map(|g| (g.key.to_owned(), Value::String(goal_text(g))))
            .collect();
        out.insert("machine".into(), machine);
        out.insert("goals".into(), Value::Object(goals));
        out.insert("misses".into(), json!(self.misses()));
        out.insert("node_client".into(), Value::Object(self.node.clone()));
        out.insert("references".into(), Value::Object(self.references.clone()));
        out.insert("details".into(), Value::Object(self.details.clone()));
        out.insert("notes".into(), Value::Object(self.notes.clone()));
        out.insert("wall_time_s".into(), json!(round2(wall_s)));
        Value::Object(out)
    }

    pub fn write(&self, path: &Path, machine: Value, wall_s: f64) -> anyhow::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let text = serde_json::to_string_pretty(&self.to_json(machine, wall_s))?;
        std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))
    }

    /// The table, as text.
    pub fn table(&self) -> String {
        let mut t = String::new();
        let row = |t: &mut String, a: &str, b: &str, c: &str, d: &str, e: &str| {
            t.push_str(&format!("{a:<48} {b:>10} {c:>10} {d:>12}  {e}\n"));
        };
        row(&mut t, "metric", "Alora", "goal", "Node client", "");
        row(
            &mut t,
            &"-".repeat(48),
            "----------",
            "----------",
            "------------",
            "----",
        );
        for g in GOALS {
            let v = self.values.get(g.key);
            let status = match v.and_then(Value::as_f64).map(|x| self.missed(&g, x)) {
                None => "NO FIGURE",
                Some(None) => "NO NODE FIGURE",
                Some(Some(true)) => "MISS",
                Some(Some(false)) => "ok",
            };
            let node = g.node.map_or(String::new(), |k| show(self.node.get(k)));
            row(&mut t, g.key, &show(v), &goal_text(&g), &node, status);
        }
        for (label, ours, node) in &self.lines {
            let node = number(*node);
            let node = if node.is_null() {
                String::new()
            } else {
                show(Some(&node))
            };
            row(
                &mut t,
                &format!("  {label}"),
                &show(Some(&number(*ours))),
                "",
                &node,
                "",
            );
        }
        t.push_str("\nmemory references (PSS, same Xvfb, same run):\n");
        for (k, v) in &self.references {
            t.push_str(&format!("  {k:<52} {:>10}\n", show(Some(v))));
        }
        if !self.notes.is_empty() {
            t.push_str("\nnotes:\n");
            for (k, v) in &self.notes {
                t.push_str(&format!("  {k}: {}\n", v.as_str().unwrap_or_default()));
            }
        }
        t
    }
}

fn goal_text(g: &Goal) -> String {
    let op = if g.at_least { "≥" } else { "≤" };
    if g.times_node {
        return format!("{op} {}× Node", g.target);
    }
    format!("{op} {}{}", g.target, g.unit)
}
