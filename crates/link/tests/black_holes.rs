//! Black holes: the Node server in a network namespace of the test's own
//! (`netns/`), the link in the root namespace, and the path cut mid-stream
//! without a FIN or RST (iptables DROP), both ways and one way at a time.
//! The dead link is noticed within ping interval + ping timeout, "Reconnect
//! now" and shutdown answer while the path is dead, the link comes back
//! when the path does, and what was queued meanwhile arrives once.

// A test fails by panicking: unwrap is how these say "this must hold".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod netns;
mod probe;
mod support;

use std::time::{Duration, Instant};

use alora_link::{LinkState, Outcome};
use netns::{Cut, Netns};
use probe::{config, Probe};
use serde_json::json;
use support::{NodeOptions, TestServer};

const PING_INTERVAL_MS: u64 = 1000;
const PING_TIMEOUT_MS: u64 = 1000;
/// A command goes to the actor's queue and back; the issue asks for one second.
const ANSWER: Duration = Duration::from_secs(1);

async fn server_in(ns: &Netns) -> support::NodeServer {
    support::node_with(NodeOptions {
        ping_interval_ms: Some(PING_INTERVAL_MS),
        ping_timeout_ms: Some(PING_TIMEOUT_MS),
        host: Some(ns.server_ip.clone()),
        netns: Some(ns.name.clone()),
        ..NodeOptions::default()
    })
    .await
}

fn message(id: &str) -> serde_json::Value {
    json!({"clientId": id, "conversationId": "c1", "content": id})
}

async fn black_hole(cut: Cut) {
    let Some(ns) = Netns::make() else { return };
    let mut server = server_in(&ns).await;
    let token = server.token_for("u1");
    let mut p = Probe::connect(config(&server.url(), &server.path(), &token)).await;
    p.greeted().await;
    p.link.join_conversation("c1").await.unwrap();

    // Mid-stream: messages acknowledged one after another, then the cut.
    for i in 0..5 {
        let d = p
            .link
            .emit("sendMessage", message(&format!("before-{i}")))
            .await
            .unwrap();
        p.delivery(Duration::from_secs(5), |x| {
            x.entry_id == d.entry_id && Probe::acked(x)
        })
        .await;
    }
    let in_flight = p
        .link
        .emit("sendMessage", message("at-the-cut"))
        .await
        .unwrap();
    ns.cut(cut);
    let cut_at = Instant::now();
    let bound = Duration::from_millis(PING_INTERVAL_MS + PING_TIMEOUT_MS);
    let noticed = p
        .wait_state(
            bound + Duration::from_secs(10),
            "the dead link noticed",
            |s| !s.is_connected(),
        )
        .await;
    let took = cut_at.elapsed();
    println!(
        "{cut:?}: dead link noticed after {} ms ({noticed:?})",
        took.as_millis()
    );
    // Generous: the bound plus a ping interval of scheduling slack.
    assert!(
        took <= bound + Duration::from_millis(PING_INTERVAL_MS) + Duration::from_secs(2),
        "{cut:?}: noticed only after {took:?}, bound {bound:?}"
    );

    // Black-holed: work queues, and the handle answers.
    let queued: Vec<String> = (0..5).map(|i| format!("queued-{i}")).collect();
    for id in &queued {
        let d = tokio::time::timeout(ANSWER, p.link.emit("sendMessage", message(id)))
            .await
            .expect("send answers while black-holed")
            .unwrap();
        assert_eq!(d.outcome, Outcome::Queued, "{id}");
    }
    let asked = Instant::now();
    tokio::time::timeout(ANSWER, p.link.reconnect_now())
        .await
        .expect("Reconnect now answers while black-holed")
        .unwrap();
    println!(
        "{cut:?}: Reconnect now answered in {} µs",
        asked.elapsed().as_micros()
    );
    p.settle(Duration::from_millis(500)).await;
    assert!(
        !p.link.state().is_connected(),
        "{cut:?}: connected through a black hole?"
    );

    ns.mend(cut);
    let mended = Instant::now();
    // By itself: the backoff (cap 2 s) and an attempt's SYN retries.
    p.wait_state(
        Duration::from_secs(20),
        "Connected",
        LinkState::is_connected,
    )
    .await;
    println!(
        "{cut:?}: back {} ms after the path was",
        mended.elapsed().as_millis()
    );
    for id in queued.iter().map(String::as_str).chain(["at-the-cut"]) {
        server
            .wait_received(
                |r| r.event == "sendMessage" && r.payload["clientId"] == id,
                Duration::from_secs(10),
            )
            .await
            .unwrap_or_else(|e| panic!("{cut:?}: {id} never arrived: {e}"));
    }
    // Every message acknowledged: nothing left in the outbox.
    let until = Instant::now() + Duration::from_secs(15);
    while !p.link.outbox().await.unwrap().is_empty() {
        assert!(
            Instant::now() < until,
            "{cut:?}: left: {:?}",
            p.link.outbox().await.unwrap()
        );
        p.settle(Duration::from_millis(100)).await;
    }
    assert!(in_flight.entry_id.is_some());
    let received = server.received();
    for id in &queued {
        let n = received
            .iter()
            .filter(|r| r.event == "sendMessage" && r.payload["clientId"] == id.as_str())
            .count();
        assert_eq!(
            n, 1,
            "{cut:?}: {id} queued while black-holed, written {n} times"
        );
    }
    let stored = server.messages().await;
    for id in queued.iter().map(String::as_str).chain(["at-the-cut"]) {
        let n = stored.iter().filter(|m| m["clientId"] == id).count();
        assert_eq!(n, 1, "{cut:?}: {id} stored {n} times");
    }
    let writes = received.iter().filter(|r| r.event == "sendMessage").count();
    println!(
        "{cut:?}: {} messages stored once each, {writes} writes in all",
        stored.len()
    );

    // Cut again, then shut down: the handle's last command answers too.
    ns.cut(cut);
    let d = p
        .link
        .emit("sendMessage", message("after-second-cut"))
        .await
        .unwrap();
    assert!(
        matches!(
            d.outcome,
            Outcome::Queued | Outcome::Written | Outcome::Sent
        ),
        "{d:?}"
    );
    let asked = Instant::now();
    tokio::time::timeout(ANSWER, p.link.shutdown())
        .await
        .expect("shutdown answers while black-holed")
        .unwrap();
    println!(
        "{cut:?}: shutdown answered in {} µs",
        asked.elapsed().as_micros()
    );
    p.wait_state(Duration::from_secs(5), "Stopped", |s| {
        *s == LinkState::Stopped
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_ways() {
    black_hole(Cut::Both).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_to_client_only() {
    black_hole(Cut::ToClient).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_to_server_only() {
    black_hole(Cut::ToServer).await;
}
