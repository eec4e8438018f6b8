//! A flood of unknown events from a real socket.io server: 100 000 a second
//! for `ALORA_FLOOD_SECONDS` (1 in `make test`, 10 in `make soak`). The link
//! stays connected, counts every one, its process grows by less than
//! `RSS_BOUND`, and it logs the flood in a few lines that hold none of the
//! payload. A test binary of its own, so that the resident set measured is
//! this test's alone. The server sends at its pace; the link reads at its
//! own (a debug build on a busy machine: a few thousand a second), and
//! what it has not read yet waits in the server, not here.

// A test fails by panicking: unwrap is how these say "this must hold".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod capture;
mod probe;
mod support;

use std::time::{Duration, Instant};

use alora_link::{LinkState, LOG_WINDOW};
use probe::{config, Probe};
use serde_json::json;
use support::TestServer;

const PER_SECOND: u64 = 100_000;
/// How long the server floods, from `ALORA_FLOOD_SECONDS`.
fn seconds() -> u64 {
    std::env::var("ALORA_FLOOD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
}
/// How much the process may grow over the flood: the link keeps nothing of
/// an unknown event, and the library reads no further while the actor is busy.
const RSS_BOUND: u64 = 64 * 1024 * 1024;
const MARK: &str = "FLOOD-MARK-91be";

/// This process's resident set in bytes (`/proc/self/statm`, in pages).
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

#[tokio::test]
async fn a_flood_of_unknown_events_is_counted_in_bounded_memory() {
    let (logs, _guard) = capture::capture();
    let seconds = seconds();
    // The server's heartbeat waits up to 5 minutes for a pong: its pings
    // queue behind the events not read yet, and a debug build on a busy
    // machine reads a few thousand a second, so with the default 20 s the
    // server would drop a link that is only slow. What is tested is the
    // link's side; `heartbeat.rs` tests the heartbeat.
    let mut server = support::node_with(support::NodeOptions {
        ping_timeout_ms: Some(300_000),
        ..Default::default()
    })
    .await;
    let token = server.token_for("u1");
    let mut p = Probe::connect(config(&server.url(), &server.path(), &token)).await;
    p.greeted().await;
    let before = rss();
    let started = Instant::now();
    let payload = json!({ "note": MARK, "list": [1, 2, 3], "nested": { "a": MARK } });
    let flood = server.flood("floodOfUnknowns", payload, PER_SECOND, seconds);
    // The server sends while the link reads; the test only watches.
    let watch = async {
        let mut peak = before;
        let expected = PER_SECOND * seconds;
        // Generous: a count, not a speed, is what this test asserts.
        let deadline = Instant::now() + Duration::from_secs(seconds * 300 + 60);
        while p.link.stats().unknown_events < expected {
            peak = peak.max(rss());
            assert!(
                Instant::now() < deadline,
                "only {} of {expected} unknown events after {:?}",
                p.link.stats().unknown_events,
                started.elapsed()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        peak
    };
    let flood = async {
        let done = flood.await;
        println!("flood: the server sent {} in {} ms", done.0, done.1);
        done
    };
    let ((sent, ms), peak) = tokio::join!(flood, watch);
    let taken = started.elapsed();
    let after = rss();
    let stats = p.link.stats();
    p.settle(Duration::from_millis(200)).await;
    println!(
        "flood: {sent} events sent in {ms} ms, {} counted in {taken:?} ({:.0}/s); RSS {} -> peak {} -> {} MiB (bound +{} MiB)",
        stats.unknown_events,
        stats.unknown_events as f64 / taken.as_secs_f64(),
        before >> 20,
        peak >> 20,
        after >> 20,
        RSS_BOUND >> 20
    );
    assert_eq!(sent, PER_SECOND * seconds);
    assert_eq!(stats.unknown_events, sent);
    assert!(
        peak.saturating_sub(before) < RSS_BOUND,
        "grew by {} MiB",
        (peak - before) >> 20
    );
    // Connected throughout: one connection, no other state.
    assert_eq!(stats.connects, 1);
    assert!(
        p.states().iter().all(|s| matches!(
            s,
            LinkState::Connected { .. } | LinkState::Connecting { .. }
        )),
        "{:?}",
        p.states()
    );
    assert!(p.link.state().is_connected());
    let text = logs.text();
    assert!(!text.contains(MARK), "the payload reached the logs");
    let lines = logs.lines_with("reason=\"unknown event\"");
    let allowed = taken.as_secs() / LOG_WINDOW.as_secs() + 1;
    println!("flood: {} log lines for {sent} unknown events", lines.len());
    assert!(
        !lines.is_empty() && lines.len() as u64 <= allowed,
        "{lines:#?}"
    );
}
