//! The restart storm: the real `alora-tray --headless` binary while its
//! backend (the Node server with a store, `node.rs`) is killed and restarted
//! again and again, SIGKILL and SIGTERM in turn, down 0.2 to 3 s at random (a fixed,
//! printed seed), with notifications streaming in and messages going out
//! the whole time. Then: no panic, a `register` after every restart, every
//! notification once in the history and once in the popups (shown, or
//! counted in a burst's summary), every message once at the server by
//! `clientId`. `ALORA_STORM_RESTARTS` (20 in `make test`, 100 in `make
//! soak`), `ALORA_STORM_SEED`.
//!
//! Its own test binary: the popups' recorder sees this test's popups only.
// A test crate: its helpers may panic on what they set up themselves.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod ipc;
mod node;
#[allow(dead_code)]
#[path = "../app/recorder.rs"]
mod recorder;
#[allow(dead_code)]
#[path = "../app/support.rs"]
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde_json::json;

use ipc::Ipc;
use node::Node;
use support::{Instance, TokenFile};

/// A connection that lasts this long resets the app's backoff
/// (`BackoffPolicy::stable_after`, 10 s), so each restart starts again from
/// the floor instead of the 30 s cap: the storm measures recovery, not the cap.
const UP: Duration = Duration::from_millis(10_500);
const TICK: Duration = Duration::from_millis(250);
const PATIENCE: Duration = Duration::from_secs(90);

/// splitmix64: a seeded, printed sequence, so a failing storm can be rerun.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One storm: the notifications pushed (confirmed by the server) and the
/// messages the app took, to be counted at the end.
struct Storm {
    node: Node,
    ipc: Ipc,
    tag: String,
    pushed: Vec<String>,
    sent: Vec<String>,
}

impl Storm {
    /// Streams both ways for `span`: a notification every tick while the
    /// server is up, a message every other tick whether it is up or not.
    fn stream(&mut self, span: Duration) {
        let until = Instant::now() + span;
        let mut tick = 0_u64;
        while Instant::now() < until {
            if self.node.is_up() {
                let id = format!("storm-n{}", self.pushed.len());
                let n = json!({"id": id, "title": format!("{id} {}", self.tag), "message": "m",
                    "createdAt": chrono::Utc::now().to_rfc3339()});
                if self.node.push("u1", "newNotification", n) {
                    self.pushed.push(id);
                }
            }
            if tick.is_multiple_of(2) {
                let id = format!("storm-m{}", self.sent.len());
                let payload = json!({"clientId": id, "conversationId": "c1", "content": id});
                let reply = self
                    .ipc
                    .ask(json!({"cmd": "send", "event": "sendMessage", "payload": payload}));
                assert_eq!(reply["ok"], true, "{reply}");
                self.sent.push(id);
            }
            tick += 1;
            std::thread::sleep(TICK);
        }
    }
}

fn popup_counts(rec: &recorder::Recorder, tag: &str) -> (BTreeMap<String, usize>, usize) {
    let mut shown = BTreeMap::new();
    let mut summed = 0;
    for r in rec.all() {
        if r.summary.contains(tag) {
            *shown.entry(r.summary).or_insert(0) += 1;
        } else if let Some(n) = r.summary.strip_suffix(" new notifications") {
            summed += n.parse::<usize>().unwrap_or(0);
        }
    }
    (shown, summed)
}

#[test]
fn the_app_rides_out_a_restart_storm_and_loses_nothing() {
    let Some(rec) = recorder::recorder() else {
        return;
    };
    if !node::available() {
        support::skip("tests/node-server/node_modules is missing (npm ci there)");
        return;
    }
    let restarts = env_u64("ALORA_STORM_RESTARTS", 20);
    let seed = env_u64("ALORA_STORM_SEED", 0x18B5_7041);
    println!("restart storm: {restarts} restarts, ALORA_STORM_SEED={seed}");
    let mut rng = Rng(seed);
    let store = support::sandbox("storm-store");
    let secret = format!("{:016x}{:016x}", rng.next(), rng.next());
    let node = Node::start(&store, &secret);
    let token = alora_backend::mint_token(secret.as_bytes(), "u1", Duration::from_secs(7200));
    let token_file = TokenFile::new(&token);
    let url = node.url();
    let mut app = Instance::headless(
        "storm",
        &["--server-url", &url, "--token-file", token_file.path()],
    );
    let ipc = Ipc::open(&app);
    let mut storm = Storm {
        node,
        ipc,
        tag: format!("st{seed:x}"),
        pushed: Vec::new(),
        sent: Vec::new(),
    };

    let started = Instant::now();
    let mut back_ms = Vec::new();
    let (mut kills, mut terms) = (0, 0);
    let mut registers_before = 0;
    for r in 0..=restarts {
        // Registered again after the restart (the first run: after start).
        let up = Instant::now();
        let registered = storm.node.wait(PATIENCE, |lines| {
            (lines
                .iter()
                .filter(|v| v["kind"] == "received" && v["event"] == "register")
                .count()
                > registers_before)
                .then_some(())
        });
        assert!(
            registered.is_some(),
            "no register after restart {r}:\n{}",
            app.stderr()
        );
        back_ms.push(up.elapsed().as_millis());
        storm.stream(UP);
        if r == restarts {
            break;
        }
        // Alternating, so that both kinds are in every storm.
        let signal = if r.is_multiple_of(2) { "KILL" } else { "TERM" };
        if signal == "KILL" {
            kills += 1
        } else {
            terms += 1
        }
        storm.node.stop(signal);
        storm.stream(Duration::from_millis(rng.between(200, 3000)));
        registers_before = storm.node.received("register").len();
        storm.node.start_again();
    }

    // Everything sent has arrived; everything pushed has popped up.
    let want: BTreeSet<String> = storm.sent.iter().cloned().collect();
    let until = Instant::now() + PATIENCE;
    let messages = loop {
        let m = storm.node.messages();
        let have: BTreeSet<String> = m
            .iter()
            .filter_map(|v| v["clientId"].as_str().map(str::to_owned))
            .collect();
        if want.is_subset(&have) || Instant::now() > until {
            break m;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    let until = Instant::now() + PATIENCE;
    while popup_counts(rec, &storm.tag).0.len() + popup_counts(rec, &storm.tag).1
        < storm.pushed.len()
        && Instant::now() < until
    {
        std::thread::sleep(Duration::from_millis(200));
    }
    // Time for a duplicate to show, and for the last burst's summary.
    std::thread::sleep(Duration::from_secs(12));
    let log = app.stderr();
    assert!(
        app.child.try_wait().unwrap().is_none(),
        "the app ended:\n{log}"
    );
    let quit = app.cli(&["quit"]);
    assert!(
        quit.status.success(),
        "{}",
        String::from_utf8_lossy(&quit.stderr)
    );
    assert!(
        app.wait_exit(Duration::from_secs(20))
            .is_some_and(|s| s.success()),
        "{log}"
    );

    let mut by_client: BTreeMap<String, usize> = BTreeMap::new();
    for m in &messages {
        *by_client
            .entry(m["clientId"].as_str().unwrap_or_default().to_owned())
            .or_default() += 1;
    }
    let writes = storm.node.received("sendMessage").len();
    let lost_msgs: Vec<_> = want
        .iter()
        .filter(|id| !by_client.contains_key(*id))
        .collect();
    let dup_msgs: Vec<_> = by_client.iter().filter(|(_, n)| **n > 1).collect();
    let (shown, summed) = popup_counts(rec, &storm.tag);
    let dup_popups: Vec<_> = shown.iter().filter(|(_, n)| **n > 1).collect();
    let (db, _) = alora_store::Database::open(&app.dir.join("data/com.alora.tray")).unwrap();
    let items = db.history().unwrap().list(&Default::default()).unwrap();
    let mut in_history: BTreeMap<String, usize> = BTreeMap::new();
    for i in items
        .iter()
        .filter(|i| i.id.starts_with("notification:storm-n"))
    {
        *in_history
            .entry(i.id.trim_start_matches("notification:").to_owned())
            .or_default() += 1;
    }
    let lost_history: Vec<_> = storm
        .pushed
        .iter()
        .filter(|id| !in_history.contains_key(*id))
        .collect();
    let registers = storm.node.received("register").len();
    let panics = log.matches("panicked").count();
    println!(
        "restart storm (seed {seed}): {restarts} restarts ({kills} SIGKILL, {terms} SIGTERM) in {:?}; \
         registers {registers}; back after each restart (ms) {back_ms:?}; \
         notifications pushed {}, in history {} (lost {}, duplicated {}), popups shown {} + summed {} \
         (duplicated {}); messages sent {}, stored {} (lost {}, duplicated {}), written {writes} \
         times in all; panics {panics}",
        started.elapsed(),
        storm.pushed.len(),
        in_history.len(),
        lost_history.len(),
        in_history.values().filter(|n| **n > 1).count(),
        shown.len(),
        summed,
        dup_popups.len(),
        want.len(),
        by_client.len(),
        lost_msgs.len(),
        dup_msgs.len(),
    );
    assert_eq!(panics, 0, "{log}");
    assert!(registers > restarts as usize);
    assert!(
        lost_history.is_empty(),
        "not in the history: {lost_history:?}"
    );
    assert!(in_history.values().all(|n| *n == 1));
    assert!(dup_popups.is_empty(), "popped twice: {dup_popups:?}");
    assert_eq!(
        shown.len() + summed,
        storm.pushed.len(),
        "popups shown or summed, once each"
    );
    assert!(lost_msgs.is_empty(), "never stored: {lost_msgs:?}");
    assert!(dup_msgs.is_empty(), "stored twice: {dup_msgs:?}");
    let _ = std::fs::remove_dir_all(&store);
}
