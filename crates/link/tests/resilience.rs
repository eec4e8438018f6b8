//! Keeping the link alive against real servers: restarts by SIGTERM and
//! SIGKILL, a long outage under capped backoff, a dead link, and the outbox
//! flushed in order after the link is back. Timings are printed, not asserted
//! beyond generous bounds: `make bench` measures them properly.

// A test fails by panicking: unwrap is how these say "this must hold".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod probe;
mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use alora_link::{BackoffPolicy, EntryStatus, LinkState, Outcome};
use probe::{config, Probe};
use serde_json::json;
use support::TestServer;

const SECS_5: Duration = Duration::from_secs(5);

fn reconnecting(s: &LinkState) -> bool {
    matches!(s, LinkState::Reconnecting { .. })
}

/// Connected as u1, in conversation c1, registered at the server.
async fn joined(server: &mut impl TestServer) -> Probe {
    let token = server.token_for("u1");
    let mut p = Probe::connect(config(&server.url(), &server.path(), &token)).await;
    p.connected().await;
    p.link.join_conversation("c1").await.unwrap();
    server
        .wait_received(|r| r.event == "joinConversation", SECS_5)
        .await
        .unwrap();
    p
}

/// After a restart: register again, then the re-join, then the queued work.
async fn assert_greeting_then_flush(server: &mut impl TestServer, before: usize, queued: &[&str]) {
    for id in queued {
        server
            .wait_received(
                |r| r.event == "sendMessage" && r.payload["clientId"] == *id,
                Duration::from_secs(10),
            )
            .await
            .unwrap();
    }
    let after: Vec<_> = server.received().into_iter().skip(before).collect();
    let events: Vec<_> = after.iter().map(|r| r.event.as_str()).collect();
    assert_eq!(&events[..2], ["register", "joinConversation"], "{events:?}");
    let sent: Vec<_> = after
        .iter()
        .filter(|r| r.event == "sendMessage")
        .map(|r| {
            r.payload["clientId"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(sent, queued, "queued messages arrive once each, in order");
}

async fn comes_back_after_a_graceful_restart(mut server: impl TestServer) {
    let mut p = joined(&mut server).await;
    let before = server.received().len();
    let started = Instant::now();
    server.restart_graceful().await;
    let up = Instant::now();
    p.wait_state(SECS_5, "Reconnecting", reconnecting).await;
    p.connected().await;
    server
        .wait_received_from(before, |r| r.event == "register", SECS_5)
        .await
        .unwrap();
    println!(
        "SIGTERM restart: back {} ms after the server was up ({} ms in all)",
        up.elapsed().as_millis(),
        started.elapsed().as_millis()
    );
    let d = p
        .link
        .emit(
            "sendMessage",
            json!({"clientId": "after", "conversationId": "c1", "content": "hi"}),
        )
        .await
        .unwrap();
    p.delivery(SECS_5, |x| x.entry_id == d.entry_id && Probe::acked(x))
        .await;
    assert_greeting_then_flush(&mut server, before, &["after"]).await;
}

async fn comes_back_after_a_kill_with_the_outbox_in_order(mut server: impl TestServer) {
    let mut p = joined(&mut server).await;
    let before = server.received().len();
    server.kill().await;
    p.wait_state(SECS_5, "Reconnecting", reconnecting).await;

    let link = p.link.clone();
    let ids: Vec<String> = (0..20).map(|i| format!("q-{i:02}")).collect();
    for id in &ids {
        let d = link
            .emit(
                "sendMessage",
                json!({"clientId": id, "conversationId": "c1", "content": id}),
            )
            .await
            .unwrap();
        assert_eq!(d.outcome, Outcome::Queued);
    }
    let typing = link
        .emit("typing", json!({"userId": "u1", "isTyping": true}))
        .await
        .unwrap();
    assert_eq!(
        typing.outcome,
        Outcome::Dropped,
        "typing is stale by the time the link is back"
    );
    link.emit("updateStatus", json!({"status": "busy"}))
        .await
        .unwrap();
    link.emit(
        "bookingUpdate",
        json!({"bookingId": "b1", "status": "cancelled"}),
    )
    .await
    .unwrap();
    link.emit("updateStatus", json!({"status": "away"}))
        .await
        .unwrap();
    assert_eq!(
        link.outbox().await.unwrap().len(),
        22,
        "20 messages, 1 booking, the latest status"
    );

    server.start_again().await;
    let up = Instant::now();
    p.connected().await;
    println!(
        "SIGKILL restart: back {} ms after the server was up",
        up.elapsed().as_millis()
    );
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    assert_greeting_then_flush(&mut server, before, &refs).await;
    let booking = server
        .wait_received(|r| r.event == "bookingUpdate", SECS_5)
        .await
        .unwrap();
    assert_eq!(booking.payload["status"], "cancelled");
    let last = server
        .wait_received(|r| r.event == "updateStatus", SECS_5)
        .await
        .unwrap();
    assert_eq!(last.payload, json!({"status": "away"}));
    p.settle(Duration::from_millis(500)).await;
    let statuses: Vec<_> = server.received()[before..]
        .iter()
        .filter(|r| r.event == "updateStatus")
        .map(|r| r.payload.clone())
        .collect();
    assert_eq!(
        statuses,
        [json!({"status": "away"})],
        "collapsed to the latest"
    );
    assert!(server.received().iter().all(|r| r.event != "typing"));
    // The booking and status updates get no ack: written, they stay in the
    // outbox until the link proves them carried (here by the ack of a
    // message written after them; the server's pings would take 75 s).
    let left: Vec<_> = link
        .outbox()
        .await
        .unwrap()
        .iter()
        .map(|e| (e.outgoing.event_name(), e.status))
        .collect();
    assert_eq!(
        left,
        [
            ("bookingUpdate", EntryStatus::Written),
            ("updateStatus", EntryStatus::Written)
        ]
    );
    let proof = link
        .emit(
            "sendMessage",
            json!({"clientId": "proof", "conversationId": "c1", "content": "proof"}),
        )
        .await
        .unwrap();
    p.delivery(SECS_5, |x| x.entry_id == proof.entry_id && Probe::acked(x))
        .await;
    assert!(link.outbox().await.unwrap().is_empty());
}

macro_rules! both {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn embedded() {
                super::$scenario(super::support::embedded().await).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn node() {
                super::$scenario(super::support::node().await).await
            }
        }
    )*};
}

both!(
    comes_back_after_a_graceful_restart,
    comes_back_after_a_kill_with_the_outbox_in_order
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_30_second_outage_follows_the_capped_backoff() {
    let mut server = support::embedded().await;
    let token = server.token_for("u1");
    let mut cfg = config(&server.url(), &server.path(), &token);
    let policy = BackoffPolicy {
        floor: Duration::from_millis(500),
        cap: Duration::from_secs(4),
        stable_after: Duration::from_secs(2),
        ..BackoffPolicy::default()
    };
    cfg.backoff = policy;
    let mut p = Probe::connect(cfg).await;
    p.connected().await;
    p.settle(Duration::from_millis(2500)).await; // stable: the backoff starts afresh
    server.kill().await;
    let down = Instant::now();
    let attempts_before = p.link.stats().attempts;
    p.settle(Duration::from_secs(30)).await;
    let attempts = p.link.stats().attempts - attempts_before;
    server.start_again().await;
    let up = Instant::now();
    p.connected().await;
    let back = up.elapsed();

    let waits: Vec<(u32, u64)> = p
        .states()
        .into_iter()
        .filter_map(|s| match s {
            LinkState::Reconnecting {
                attempt,
                next_in_ms,
                ..
            } => Some((attempt, next_in_ms)),
            _ => None,
        })
        .collect();
    println!("30 s outage: {attempts} attempts in {:?}; waits (attempt, ms): {waits:?}; back {} ms after the server", down.elapsed(), back.as_millis());
    for (attempt, ms) in &waits {
        let ceiling = (500u64 << (attempt - 1).min(10)).min(4000);
        assert!(
            (500..=ceiling).contains(ms),
            "attempt {attempt} waited {ms} ms, outside [500, {ceiling}]"
        );
    }
    // Never faster than the floor, never slower than the cap: between 30/4
    // and 30/0.5 attempts, and with jitter well inside that.
    assert!((7..=60).contains(&attempts), "{attempts} attempts in 30 s");
    assert!(
        back < Duration::from_secs(6),
        "retried within a cap after the server came back: {back:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_link_is_noticed_and_replaced() {
    let opts = support::NodeOptions {
        ping_interval_ms: Some(500),
        ping_timeout_ms: Some(500),
        ..Default::default()
    };
    let mut server = support::node_with(opts).await;
    let mut p = joined(&mut server).await;
    let before = server.received().len();
    server.pause().await;
    let paused = Instant::now();
    let state = p
        .wait_state(Duration::from_secs(8), "Reconnecting", reconnecting)
        .await;
    println!(
        "dead link noticed after {} ms: {state:?}",
        paused.elapsed().as_millis()
    );
    server.resume().await;
    p.connected().await;
    // The replacement link greets the server again: a new register and a re-join.
    for event in ["register", "joinConversation"] {
        server
            .wait_received_from(before, |r| r.event == event, SECS_5)
            .await
            .unwrap_or_else(|e| panic!("no {event} after the dead link: {e}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catch_up_replays_what_was_missed_while_away() {
    let server = support::embedded_backend().await;
    let token = server.token_for("u1", Duration::from_secs(3600));
    let mut p = Probe::connect(config(&server.url(), server.path(), &token)).await;
    p.greeted().await;
    let seen = json!({"id": "n1", "title": "Seen", "message": "m", "createdAt": chrono::Utc::now().to_rfc3339()});
    server.push_to_user("u1", "newNotification", seen).await;
    p.incoming(SECS_5, "newNotification").await;
    p.link.disconnect().await.unwrap();
    p.wait_state(SECS_5, "Idle", |s| *s == LinkState::Idle)
        .await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let missed = json!({"id": "n2", "title": "Missed", "message": "m", "createdAt": chrono::Utc::now().to_rfc3339()});
    server.push_to_user("u1", "newNotification", missed).await;
    p.link.reconnect_now().await.unwrap();
    p.connected().await;
    // `since` is the newest createdAt seen, in the server's clock: the server
    // may replay that last event once more (the app drops it by id), but
    // nothing after it is lost.
    p.wait_for(SECS_5, "n2 replayed", |e| match e {
        alora_link::LinkEvent::Incoming(alora_link::Incoming::NewNotification(n))
            if n.id.0 == "n2" =>
        {
            Some(())
        }
        _ => None,
    })
    .await;
    p.settle(Duration::from_millis(500)).await;
    let mut ids: HashMap<String, usize> = HashMap::new();
    for e in &p.seen {
        if let alora_link::LinkEvent::Incoming(alora_link::Incoming::NewNotification(n)) = e {
            *ids.entry(n.id.0.clone()).or_default() += 1;
        }
    }
    assert_eq!(ids.get("n2"), Some(&1), "{ids:?}");
    assert!(ids.get("n1").is_some_and(|n| *n <= 2), "{ids:?}");
}
