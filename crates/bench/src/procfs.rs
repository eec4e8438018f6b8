//! What /proc says about a process and its descendants (WebKit's web and
//! network processes included): PSS, RSS, CPU time, open files and threads;
//! and about the machine.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{json, Value};

/// The process and every descendant alive now, parents first.
pub fn tree(root: u32) -> Vec<u32> {
    let mut seen = BTreeSet::new();
    let mut order = Vec::new();
    let mut queue = vec![root];
    while let Some(pid) = queue.pop() {
        if !Path::new(&format!("/proc/{pid}")).exists() || !seen.insert(pid) {
            continue;
        }
        order.push(pid);
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            continue;
        };
        for task in tasks.flatten() {
            let children =
                std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            queue.extend(
                children
                    .split_whitespace()
                    .filter_map(|c| c.parse::<u32>().ok()),
            );
        }
    }
    order
}

/// One field (in kB) of /proc/PID/smaps_rollup, e.g. `Pss` or `Rss`.
fn rollup_kb(pid: u32, field: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    text.lines()
        .find_map(|line| {
            let rest = line.strip_prefix(field)?.strip_prefix(':')?;
            rest.split_whitespace().next()?.parse().ok()
        })
        .unwrap_or(0)
}

/// The process's short name.
pub fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "?".to_owned())
}

/// Memory of a whole tree, in MB, with the share of each process.
#[derive(Debug, Clone, Default)]
pub struct Memory {
    pub total_mb: f64,
    pub parts: Vec<(u32, String, f64)>,
}

impl Memory {
    pub fn to_json(&self) -> Value {
        let parts: Vec<Value> = self
            .parts
            .iter()
            .map(|(pid, name, mb)| json!({"pid": pid, "name": name, "mb": round2(*mb)}))
            .collect();
        json!({"total_mb": round2(self.total_mb), "processes": parts})
    }
}

fn tree_memory(root: u32, field: &str) -> Memory {
    let mut memory = Memory::default();
    for pid in tree(root) {
        let mb = rollup_kb(pid, field) as f64 / 1024.0;
        memory.total_mb += mb;
        memory.parts.push((pid, comm(pid), mb));
    }
    memory
}

/// Proportional set size: shared pages divided among the processes that map them.
pub fn pss(root: u32) -> Memory {
    tree_memory(root, "Pss")
}

/// Resident set size.
pub fn rss(root: u32) -> Memory {
    tree_memory(root, "Rss")
}

/// Entries of a /proc folder (0 when it cannot be read: the process ended).
fn entries(dir: &str) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| d.flatten().count())
}

/// Open file descriptors of the whole tree (/proc/PID/fd).
pub fn fds(root: u32) -> usize {
    tree(root)
        .into_iter()
        .map(|pid| entries(&format!("/proc/{pid}/fd")))
        .sum()
}

/// Threads of the whole tree (/proc/PID/task).
pub fn threads(root: u32) -> usize {
    tree(root)
        .into_iter()
        .map(|pid| entries(&format!("/proc/{pid}/task")))
        .sum()
}

/// What the tree's open files are, counted by kind (`socket`, `pipe`,
/// `anon_inode:[eventfd]`, a path): which kind grew tells where from.
pub fn fd_kinds(root: u32) -> BTreeMap<String, usize> {
    let mut kinds = BTreeMap::new();
    for pid in tree(root) {
        let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            let Ok(to) = std::fs::read_link(fd.path()) else {
                continue;
            };
            let to = to.to_string_lossy().into_owned();
            // `socket:[1234]` and `pipe:[1234]`: the inode says nothing here.
            let kind = match to.split_once(":[") {
                Some((k @ ("socket" | "pipe"), _)) => k.to_owned(),
                _ => to,
            };
            *kinds.entry(kind).or_insert(0) += 1;
        }
    }
    kinds
}

/// The tree's threads, counted by name (/proc/PID/task/TID/comm).
pub fn thread_names(root: u32) -> BTreeMap<String, usize> {
    let mut names = BTreeMap::new();
    for pid in tree(root) {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            continue;
        };
        for task in tasks.flatten() {
            let name = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
            *names.entry(name.trim().to_owned()).or_insert(0) += 1;
        }
    }
    names
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on Linux).
pub fn clock_ticks() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .filter(|t| *t > 0)
        .unwrap_or(100)
}

/// utime + stime + cutime + cstime of one process, in ticks.
fn cpu_ticks_of(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The name may hold spaces and parentheses: fields start after the last ')'.
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // rest[0] is field 3 (state); utime is field 14.
    (11..15)
        .filter_map(|i| fields.get(i).and_then(|f| f.parse::<u64>().ok()))
        .sum()
}

/// CPU time of the whole tree, in ticks.
pub fn cpu_ticks(root: u32) -> u64 {
    tree(root).into_iter().map(cpu_ticks_of).sum()
}

/// Time on CPU of every thread of the tree alive now, in ns
/// (/proc/PID/task/TID/schedstat): finer than ticks, but blind to threads
/// that ended in between.
pub fn cpu_ns(root: u32) -> u64 {
    schedstat(root, 0)
}

/// Time the tree's threads alive now spent runnable but waiting for a CPU
/// (schedstat's run delay), in ns: where a stalled run's time went when it
/// was not its own work, but other processes on the same cores.
pub fn cpu_wait_ns(root: u32) -> u64 {
    schedstat(root, 1)
}

/// The sum of schedstat's `field` over the tree's threads.
fn schedstat(root: u32, field: usize) -> u64 {
    let mut total = 0;
    for pid in tree(root) {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            continue;
        };
        for task in tasks.flatten() {
            let stat = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
            total += stat
                .split_whitespace()
                .nth(field)
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    total
}

/// Cores, CPU model, memory and kernel of this machine.
pub fn machine() -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name")?.split_once(':'))
        .map(|(_, m)| m.trim().to_owned());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kb: Option<u64> = meminfo.lines().find_map(|l| {
        l.strip_prefix("MemTotal:")?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    });
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_owned())
        .ok();
    json!({
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "cpu_model": model,
        "memory_gib": mem_kb.map(|kb| round2(kb as f64 / 1024.0 / 1024.0)),
        "kernel": kernel,
    })
}

/// Two decimals, for figures meant to be read.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
