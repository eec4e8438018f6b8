//! Outgoing work through SIGKILL: queued while the server is down, it
//! arrives once, in order, with its clientId; killed in the middle of a
//! flush, nothing is lost and repeats are only what the server's dedupe drops.

use std::collections::HashSet;
use std::time::Instant;

use alora_backend::{Backend, BackendConfig};
use serde_json::{json, Value};

use super::{args, free_addr, Run, Sandbox, PATIENCE};
use crate::headless::HOUR;
use crate::support::{eventually, sandbox, TokenFile};

/// Queues `n` messages through the IPC socket while nothing is connected;
/// their clientIds in queue order. Prints the cost per message.
async fn queue_messages(run: &Run, n: usize, tag: &str) -> Vec<String> {
    let mut ipc = run.ipc().await;
    let started = Instant::now();
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let payload =
            json!({"conversationId": format!("c{}", i % 3), "content": format!("{tag} {i}")});
        let d = ipc.send("sendMessage", payload).await;
        assert_eq!(d["outcome"]["kind"], "queued", "{d}");
        ids.push(d["clientId"].as_str().unwrap().to_owned());
    }
    let each = started.elapsed() / u32::try_from(n).unwrap();
    eprintln!("queued {n} messages durably through the app: {each:?} per message");
    ids
}

/// The server's view: the stored messages' clientIds (de-duplicated), and
/// every sendMessage received (with repeats).
fn at_server(backend: &Backend) -> (Vec<String>, Vec<String>) {
    let id = |v: &Value| v["clientId"].as_str().unwrap_or_default().to_owned();
    let stored = backend.messages().iter().map(id).collect();
    let received = backend
        .received()
        .iter()
        .filter(|r| r.event == "sendMessage")
        .map(|r| id(&r.payload))
        .collect();
    (stored, received)
}

async fn all_stored(backend: &Backend, n: usize, run: &Run) {
    let done = eventually(PATIENCE, || (backend.messages().len() >= n).then_some(())).await;
    let got = backend.messages().len();
    assert!(
        done.is_some(),
        "{got} of {n} stored; log:\n{}",
        run.stderr()
    );
}

/// Each once at the server, in queue order, with the clientId the app gave
/// when it queued; repeats only of stored ones (the dedupe dropped them).
fn assert_once_in_order(backend: &Backend, ids: &[String]) -> usize {
    let (stored, received) = at_server(backend);
    assert_eq!(stored, ids, "stored once each, in order, same clientIds");
    let known: HashSet<&String> = ids.iter().collect();
    assert!(
        received.iter().all(|c| known.contains(c)),
        "no stray message"
    );
    let mut first_seen = Vec::new();
    let mut seen = HashSet::new();
    for c in &received {
        if seen.insert(c) {
            first_seen.push(c.clone());
        }
    }
    assert_eq!(first_seen, ids, "first arrivals in queue order");
    received.len() - ids.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_work_survives_sigkill_and_arrives_once_in_order() {
    let dir = Sandbox(sandbox("durable-queue"));
    let (addr, secret) = (free_addr(), alora_backend::random_secret());
    let token = alora_backend::mint_token(&secret, "u1", HOUR);
    let url = format!("http://{addr}");
    let run = Run::start(&dir.0, "run1", &args(&url, &TokenFile::new(&token))).await;
    let ids = queue_messages(&run, 1000, "durable").await;
    assert!(run.cli(&["status", "busy"]).contains("queued"));
    let booking = r#"{"bookingId":"b1","status":"confirmed"}"#;
    assert!(run
        .cli(&["send", "bookingUpdate", booking])
        .contains("queued"));
    assert!(run.cli(&["status", "away"]).contains("queued"));
    run.kill9();

    let run = Run::start(&dir.0, "run2", &args(&url, &TokenFile::new(&token))).await;
    let cfg = BackendConfig {
        addr,
        secret,
        ..BackendConfig::default()
    };
    let backend = Backend::start(cfg).await.unwrap();
    run.cli(&["reconnect"]); // skips the backoff wait; not needed for the outcome
    all_stored(&backend, ids.len(), &run).await;
    let tail = eventually(PATIENCE, || {
        let events: Vec<_> = backend.received().into_iter().map(|r| r.event).collect();
        events
            .contains(&"updateStatus".to_owned())
            .then_some(events)
    })
    .await
    .unwrap_or_else(|| panic!("no status; log:\n{}", run.stderr()));
    let repeats = assert_once_in_order(&backend, &ids);
    let queued: Vec<_> = tail
        .iter()
        .filter(|e| *e != "register" && *e != "sendMessage")
        .collect();
    assert_eq!(
        queued,
        ["bookingUpdate", "updateStatus"],
        "after the messages"
    );
    let statuses: Vec<_> = backend
        .received()
        .into_iter()
        .filter(|r| r.event == "updateStatus")
        .map(|r| r.payload)
        .collect();
    assert_eq!(
        statuses,
        [json!({"status": "away"})],
        "collapsed to the latest"
    );
    eprintln!(
        "after SIGKILL: {} stored, {} sendMessage received ({repeats} repeats)",
        ids.len(),
        ids.len() + repeats
    );
    backend.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkill_in_the_middle_of_a_flush_loses_nothing() {
    let dir = Sandbox(sandbox("durable-flush"));
    let (addr, secret) = (free_addr(), alora_backend::random_secret());
    let token = alora_backend::mint_token(&secret, "u1", HOUR);
    let url = format!("http://{addr}");
    let mut run = Run::start(&dir.0, "run0", &args(&url, &TokenFile::new(&token))).await;
    let n = 600;
    let ids = queue_messages(&run, n, "flush").await;
    let cfg = BackendConfig {
        addr,
        secret,
        ..BackendConfig::default()
    };
    let backend = Backend::start(cfg).await.unwrap();
    run.cli(&["reconnect"]);
    let mut kills = Vec::new();
    for (k, at) in [n / 5, n / 2].into_iter().enumerate() {
        let reached = eventually(PATIENCE, || (backend.messages().len() >= at).then_some(())).await;
        assert!(reached.is_some(), "stalled before {at}:\n{}", run.stderr());
        kills.push(backend.messages().len());
        run.kill9();
        run = Run::start(
            &dir.0,
            &format!("run{}", k + 1),
            &args(&url, &TokenFile::new(&token)),
        )
        .await;
    }
    all_stored(&backend, n, &run).await;
    let repeats = assert_once_in_order(&backend, &ids);
    eprintln!(
        "SIGKILL at {kills:?} of {n} stored: {n} stored once, {} received ({repeats} repeats, all dropped by the dedupe)",
        n + repeats
    );
    backend.shutdown().await;
}
