//! Ten minutes of server down, compressed: the default backoff policy
//! scaled down 20 times (floor 25 ms, cap 1.5 s), so 30 s of wall time stand
//! for 10 minutes. Every wait stays between the floor and the cap, the
//! attempts are counted against what that schedule allows, and the process
//! spends little CPU meanwhile (a hot loop would burn a core). Its own test
//! binary, so that /proc/self/stat counts this test alone.

// A test fails by panicking: unwrap is how these say "this must hold".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod probe;
mod support;

use std::time::{Duration, Instant};

use alora_link::{BackoffPolicy, LinkEvent, LinkState};
use probe::{config, Probe};
use support::TestServer;

/// Real time over test time: 20 in `make test`, `ALORA_OUTAGE_SCALE=1` (10
/// real minutes) in `make soak`.
fn scale() -> u32 {
    std::env::var("ALORA_OUTAGE_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|s| *s > 0)
        .unwrap_or(20)
}
const OUTAGE: Duration = Duration::from_secs(600);

/// utime + stime of this process, in seconds (`/proc` counts in USER_HZ,
/// which is 100 on every Linux).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after ')'.
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    ticks as f64 / 100.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_minutes_down_keeps_to_the_capped_backoff_and_idles_in_between() {
    let scale = scale();
    let mut server = support::node().await;
    let token = server.token_for("u1");
    let default = BackoffPolicy::default();
    let policy = BackoffPolicy {
        floor: default.floor / scale,
        cap: default.cap / scale,
        stable_after: default.stable_after / scale,
        ..default
    };
    let mut cfg = config(&server.url(), &server.path(), &token);
    cfg.backoff = policy;
    let mut p = Probe::connect(cfg).await;
    p.connected().await;
    p.settle(policy.stable_after * 2).await;

    // Every state change with the moment it was seen.
    let mut feed = p.link.subscribe();
    let watcher = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Ok(event) = feed.recv().await {
            if let LinkEvent::State(s) = event {
                let stop = s.is_connected();
                seen.push((Instant::now(), s));
                if stop {
                    break;
                }
            }
        }
        seen
    });

    server.kill().await;
    let down = Instant::now();
    let cpu_before = cpu_seconds();
    let attempts_before = p.link.stats().attempts;
    let wall = OUTAGE / scale;
    p.settle(wall).await;
    let attempts = p.link.stats().attempts - attempts_before;
    let cpu = cpu_seconds() - cpu_before;
    let outage = down.elapsed();
    server.start_again().await;
    let up = Instant::now();
    p.connected().await;
    let back = up.elapsed();
    let seen = watcher.await.unwrap();

    let waits: Vec<(Instant, u32, Duration)> = seen
        .iter()
        .filter_map(|(at, s)| match s {
            LinkState::Reconnecting {
                attempt,
                next_in_ms,
                ..
            } => Some((*at, *attempt, Duration::from_millis(*next_in_ms))),
            _ => None,
        })
        .collect();
    let starts: Vec<Instant> = seen
        .iter()
        .filter(|(_, s)| matches!(s, LinkState::Connecting { .. }))
        .map(|(at, _)| *at)
        .collect();
    let shortest_gap = starts.windows(2).map(|w| w[1] - w[0]).min();
    let at_cap = waits.iter().filter(|(_, _, d)| *d * 2 > policy.cap).count();
    println!(
        "10 min outage at 1/{scale}: {attempts} attempts in {outage:?} ({} stand-in minutes), \
         {} waits, {at_cap} of them in the upper half of the cap, shortest gap between \
         attempts {shortest_gap:?}, CPU {cpu:.2} s ({:.1} % of wall), back {} ms after the \
         server",
        (outage * scale).as_secs() / 60,
        waits.len(),
        100.0 * cpu / outage.as_secs_f64(),
        back.as_millis()
    );

    for (_, attempt, wait) in &waits {
        assert!(
            *wait >= policy.floor && *wait <= policy.cap,
            "attempt {attempt} waited {wait:?}, outside [{:?}, {:?}]",
            policy.floor,
            policy.cap
        );
    }
    // At the cap a wait is uniform in [floor, cap]: about cap/2 on average.
    // Fewer attempts than a quarter-cap apart would mean a schedule that is
    // not capped; fewer than one a cap would mean it stopped trying.
    let most = (outage.as_secs_f64() / (policy.cap.as_secs_f64() / 4.0)) as u64;
    let least = (outage.as_secs_f64() / policy.cap.as_secs_f64()) as u64 - 1;
    assert!(
        (least..=most).contains(&attempts),
        "{attempts} attempts in {outage:?}, wanted {least}..={most}"
    );
    assert!(
        shortest_gap.is_some_and(|g| g >= policy.floor / 2),
        "two attempts closer than the floor: {shortest_gap:?}"
    );
    // Each attempt is a TCP connect refused at once: a few ms of CPU. A
    // hot loop would take a whole core, 100 % of wall.
    assert!(
        cpu < outage.as_secs_f64() * 0.10,
        "{cpu:.2} s CPU in {outage:?} of outage: a hot loop"
    );
    assert!(
        back < policy.cap * 3,
        "retried within a cap after the server came back: {back:?}"
    );
}
