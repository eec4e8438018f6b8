//! A bad but working path: `tc netem delay 100ms loss 2%` on both ends of the
//! veth between the link and the Node server in a namespace (`netns/`), so
//! 200 ms round trips and a packet in 50 lost each way. Where the kernel has
//! no `sch_netem`, the same from iptables' random `statistic` drop on the
//! veth and a relay that holds each chunk 100 ms each way (`netns/delay.rs`). The link stays up
//! through pings and a stream both ways, every message is acknowledged
//! within its timeout on the first write, and the server stores none twice.

// A test fails by panicking: unwrap is how these say "this must hold".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod netns;
mod probe;
mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use alora_link::{Incoming, LinkEvent, Outcome, Timeouts};
use netns::delay::DelayRelay;
use netns::Netns;
use probe::{config, Probe};
use serde_json::json;
use support::{NodeOptions, TestServer};

const MESSAGES: usize = 60;
const NOTIFICATIONS: usize = 60;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_lossy_path_keeps_the_link_up_and_sends_each_message_once() {
    let Some(ns) = Netns::make() else { return };
    let mut server = support::node_with(NodeOptions {
        // Pings every 2 s cross the bad path many times during the test.
        ping_interval_ms: Some(2000),
        ping_timeout_ms: Some(5000),
        host: Some(ns.server_ip.clone()),
        netns: Some(ns.name.clone()),
        ..NodeOptions::default()
    })
    .await;
    let (url, _relay, how) = match ns.netem(&["delay", "100ms", "loss", "2%"]) {
        Ok(()) => (server.url(), None, "tc netem delay 100ms loss 2%"),
        Err(e) => {
            println!("no netem here ({e}): iptables statistic loss and a delaying relay");
            ns.random_loss("0.02");
            let upstream = format!("{}:{}", ns.server_ip, server.port())
                .parse()
                .unwrap();
            let relay = DelayRelay::start(upstream, Duration::from_millis(100)).await;
            let url = format!("http://127.0.0.1:{}", relay.port);
            (
                url,
                Some(relay),
                "iptables statistic 2% loss + 100 ms relay",
            )
        }
    };
    let token = server.token_for("u1");
    let mut cfg = config(&url, &server.path(), &token);
    // The product's timeouts, not the quick ones of the other suites.
    cfg.timeouts = Timeouts::default();
    let mut p = Probe::connect(cfg).await;
    p.greeted().await;
    p.link.join_conversation("c1").await.unwrap();
    let started = Instant::now();

    let mut ack_ms = Vec::new();
    for i in 0..MESSAGES {
        if i < NOTIFICATIONS {
            let n = json!({"id": format!("lossy-{i}"), "title": "t", "message": "m"});
            server.push(Some("u1"), "newNotification", vec![n]).await;
        }
        let id = format!("lossy-m{i}");
        let sent = Instant::now();
        let d = p
            .link
            .emit(
                "sendMessage",
                json!({"clientId": id, "conversationId": "c1", "content": id}),
            )
            .await
            .unwrap();
        // Written, or queued behind the one acknowledgement in flight.
        assert!(
            matches!(d.outcome, Outcome::Written | Outcome::Queued),
            "{id}: {d:?}"
        );
        let got = p
            .delivery(Timeouts::default().ack * 2, |x| {
                x.entry_id == d.entry_id && !matches!(x.outcome, Outcome::Written | Outcome::Queued)
            })
            .await;
        assert!(Probe::acked(&got), "{id}: {got:?}");
        ack_ms.push(sent.elapsed().as_millis());
    }
    // A few more pings over the bad path with nothing else going on.
    p.settle(Duration::from_secs(6)).await;

    // Every state after the first Connected: none should leave it.
    let drops: Vec<_> = p
        .states()
        .into_iter()
        .skip_while(|s| !s.is_connected())
        .filter(|s| !s.is_connected())
        .collect();
    let mut notes: BTreeMap<String, usize> = BTreeMap::new();
    for e in &p.seen {
        if let LinkEvent::Incoming(Incoming::NewNotification(n)) = e {
            *notes.entry(n.id.0.clone()).or_default() += 1;
        }
    }
    let received = server.received();
    let mut writes: BTreeMap<String, usize> = BTreeMap::new();
    for r in received.iter().filter(|r| r.event == "sendMessage") {
        let id = r.payload["clientId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        *writes.entry(id).or_default() += 1;
    }
    let stored = server.messages().await;
    ack_ms.sort_unstable();
    println!(
        "{how}: {MESSAGES} messages acked (ms: median {}, max {}), \
         {} notifications received, {} state changes off Connected, {} writes, {} stored, in {:?}",
        ack_ms[ack_ms.len() / 2],
        ack_ms[ack_ms.len() - 1],
        notes.len(),
        drops.len(),
        writes.values().sum::<usize>(),
        stored.len(),
        started.elapsed()
    );
    assert!(drops.is_empty(), "the link went down: {drops:?}");
    assert_eq!(notes.len(), NOTIFICATIONS, "every notification arrived");
    assert!(notes.values().all(|n| *n == 1), "{notes:?}");
    assert_eq!(writes.len(), MESSAGES);
    assert!(
        writes.values().all(|n| *n == 1),
        "written again: {writes:?}"
    );
    assert_eq!(stored.len(), MESSAGES, "stored once each");
}
