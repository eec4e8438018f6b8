//! A backend of several nodes (`cluster/`): two Node `socket.io` servers
//! sharing rooms, emits and the message store through a real Redis, behind
//! haproxy. The link, with the product's backoff, is on one node; that node
//! is killed: the link lands on the other at its first attempt (within the
//! backoff floor plus a second), events emitted from either node reach it,
//! and a message sent during the failover is stored once.

// A test fails by panicking: unwrap is how these say "this must hold".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod cluster;
mod probe;
mod support;

use std::time::{Duration, Instant};

use alora_link::{BackoffPolicy, Incoming, LinkEvent};
use cluster::{Haproxy, Redis};
use probe::{config, Probe};
use serde_json::json;
use support::{NodeOptions, NodeServer, TestServer};

const SECS_10: Duration = Duration::from_secs(10);

async fn node(redis: &Redis, name: &str, secret: &str) -> NodeServer {
    support::node_with(NodeOptions {
        redis: Some(redis.url()),
        name: Some(name.to_owned()),
        secret: Some(secret.to_owned()),
        ..NodeOptions::default()
    })
    .await
}

async fn notification_arrives(p: &mut Probe, id: &str) {
    p.wait_for(SECS_10, id, |e| match e {
        LinkEvent::Incoming(Incoming::NewNotification(n)) if n.id.0 == id => Some(()),
        _ => None,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_link_fails_over_to_the_other_node_and_loses_nothing() {
    for program in ["redis-server", "haproxy"] {
        if !cluster::installed(program) {
            let reason = format!("{program} is not installed (make setup)");
            assert!(std::env::var_os("ALORA_TEST_STRICT").is_none(), "{reason}");
            eprintln!("SKIPPED: {reason}");
            return;
        }
    }
    let redis = Redis::start();
    let secret = "multi-node-secret-for-this-test-only";
    let mut nodes = [
        node(&redis, "a", secret).await,
        node(&redis, "b", secret).await,
    ];
    let lb = Haproxy::start(&[nodes[0].port(), nodes[1].port()]);
    let token = nodes[0].token_for("u1");
    let mut cfg = config(&lb.url(), &nodes[0].path(), &token);
    cfg.backoff = BackoffPolicy::default();
    let floor = cfg.backoff.floor;
    let mut p = Probe::connect(cfg).await;
    p.greeted().await;
    p.link.join_conversation("c1").await.unwrap();
    // Each node reports its handshakes over its stdout, a moment later.
    let until = Instant::now() + SECS_10;
    while nodes[0].handshakes().0 + nodes[1].handshakes().0 == 0 {
        assert!(Instant::now() < until, "no node reported the handshake");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let on = if nodes[0].handshakes().0 == 1 { 0 } else { 1 };
    let other = 1 - on;
    assert_eq!(
        nodes[other].handshakes().0,
        0,
        "one connection, on one node"
    );
    nodes[on]
        .wait_received(|r| r.event == "joinConversation", SECS_10)
        .await
        .unwrap();
    println!("the link is on node {}", ["a", "b"][on]);

    // Either node reaches the link: its own, and the other through Redis.
    for (i, n) in nodes.iter_mut().enumerate() {
        let id = format!("from-{i}-before");
        n.push(
            Some("u1"),
            "newNotification",
            vec![json!({"id": id, "title": "t", "message": "m"})],
        )
        .await;
        notification_arrives(&mut p, &id).await;
    }
    let d = p
        .link
        .emit(
            "sendMessage",
            json!({"clientId": "before", "conversationId": "c1", "content": "x"}),
        )
        .await
        .unwrap();
    p.delivery(SECS_10, |x| x.entry_id == d.entry_id && Probe::acked(x))
        .await;

    let attempts = p.link.stats().attempts;
    nodes[on].kill().await;
    let killed = Instant::now();
    let during = p
        .link
        .emit(
            "sendMessage",
            json!({"clientId": "during-failover", "conversationId": "c1", "content": "y"}),
        )
        .await
        .unwrap();
    // Landed: a handshake at the other node (the state alone may still
    // read Connected from before the kill).
    let until = Instant::now() + SECS_10;
    while nodes[other].handshakes().0 == 0 {
        assert!(Instant::now() < until, "never on the other node");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let took = killed.elapsed();
    p.wait_state(SECS_10, "Connected", |s| s.is_connected())
        .await;
    let tries = p.link.stats().attempts - attempts;
    println!(
        "failover: on node {} {} ms after the kill, {tries} attempt(s), backoff floor {floor:?}",
        ["a", "b"][other],
        took.as_millis()
    );
    assert_eq!(
        tries, 1,
        "the first attempt after the kill lands on the live node"
    );
    assert!(
        took <= floor + Duration::from_secs(1),
        "failover took {took:?}"
    );
    p.delivery(SECS_10, |x| {
        x.entry_id == during.entry_id && Probe::acked(x)
    })
    .await;

    // The killed node comes back and emits: it reaches the link on the other.
    nodes[on].start_again().await;
    for (i, n) in nodes.iter_mut().enumerate() {
        let id = format!("from-{i}-after");
        n.push(
            Some("u1"),
            "newNotification",
            vec![json!({"id": id, "title": "t", "message": "m"})],
        )
        .await;
        notification_arrives(&mut p, &id).await;
    }
    let stored = nodes[other].messages().await;
    let count = |id: &str| stored.iter().filter(|m| m["clientId"] == id).count();
    println!("stored through Redis: {}", stored.len());
    assert_eq!(count("before"), 1, "{stored:?}");
    assert_eq!(count("during-failover"), 1, "{stored:?}");
    assert_eq!(stored.len(), 2, "{stored:?}");
}
