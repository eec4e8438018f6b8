//! A window of `sendMessage` acknowledgements in flight, against the
//! embedded server: a queue drained in order with each message stored once,
//! the window as a bound, and a full window lost with the link sent again
//! and stored once.

// A test fails by panicking: unwrap is how these say "this must hold".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod faults;
mod probe;
mod support;

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::time::Duration;

use alora_link::{EntryStatus, LinkConfig, LinkEvent, Outgoing, SendMessage};
use faults::{BlackHole, FaultyStore};
use probe::{config, Probe};
use support::TestServer;

const SECS_5: Duration = Duration::from_secs(5);
const GENEROUS: Duration = Duration::from_secs(20);

fn message(n: usize, conversation: &str) -> Outgoing {
    Outgoing::SendMessage(SendMessage {
        client_id: format!("m-{n:04}"),
        conversation_id: conversation.into(),
        content: format!("queued {n}"),
    })
}

fn windowed(server: &mut impl TestServer, url: &str, window: usize) -> LinkConfig {
    let token = server.token_for("u1");
    LinkConfig {
        ack_window: window,
        ..config(url, &server.path(), &token)
    }
}

/// The `clientId`s of the `sendMessage`s the server read, in order.
fn read_ids(server: &mut impl TestServer) -> Vec<String> {
    server
        .received()
        .iter()
        .filter(|r| r.event == "sendMessage")
        .filter_map(|r| r.payload["clientId"].as_str().map(str::to_owned))
        .collect()
}

/// Waits for `n` acks, and returns how many each entry got.
async fn acks(p: &mut Probe, n: usize) -> BTreeMap<u64, usize> {
    let mut per_entry = BTreeMap::new();
    p.wait_for(GENEROUS, "every ack", |e| {
        if let LinkEvent::Delivery(d) = e {
            if Probe::acked(d) {
                *per_entry.entry(d.entry_id.unwrap()).or_insert(0) += 1;
            }
        }
        (per_entry.values().sum::<usize>() >= n).then_some(())
    })
    .await;
    per_entry
}

/// The server's first reading of each `clientId`, and how many it read
/// twice.
fn first_reads(ids: &[String]) -> (Vec<String>, usize) {
    let mut seen = HashSet::new();
    let first: Vec<String> = ids.iter().filter(|c| seen.insert(*c)).cloned().collect();
    let twice = ids.len() - first.len();
    (first, twice)
}

fn queued_ids(n: usize) -> Vec<String> {
    (0..n).map(|k| format!("m-{k:04}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_drains_through_the_window_in_order_each_message_stored_once() {
    let mut server = support::embedded().await;
    let url = server.url();
    let mut p = Probe::with_store(Box::new(FaultyStore::default()));
    for n in 0..300 {
        p.link.send(message(n, "c1")).await.unwrap();
    }
    p.link
        .connect(windowed(&mut server, &url, 64))
        .await
        .unwrap();
    let per_entry = acks(&mut p, 300).await;
    assert_eq!(per_entry.len(), 300, "every entry acked");
    assert!(per_entry.values().all(|n| *n == 1), "none acked twice");
    assert_eq!(
        read_ids(&mut server),
        queued_ids(300),
        "in order, once each"
    );
    assert_eq!(server.messages().await.len(), 300);
    assert!(p.link.outbox().await.unwrap().is_empty());
    p.link.shutdown().await.unwrap();
}

/// The server never acknowledges the "silent" conversation: the window
/// fills and stays full, and the rest waits in queue order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_bounds_the_acks_awaited() {
    let mut server = support::embedded().await;
    let url = server.url();
    let mut p = Probe::with_store(Box::new(FaultyStore::default()));
    p.link
        .connect(windowed(&mut server, &url, 4))
        .await
        .unwrap();
    p.connected().await;
    for n in 0..6 {
        p.link.send(message(n, "silent")).await.unwrap();
    }
    server
        .wait_received(|r| r.payload["clientId"] == "m-0003", SECS_5)
        .await
        .unwrap();
    // Well inside the 3 s ack timeout of the test config.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        read_ids(&mut server),
        queued_ids(4),
        "four in flight, in order"
    );
    let statuses: Vec<_> = p
        .link
        .outbox()
        .await
        .unwrap()
        .iter()
        .map(|e| e.status)
        .collect();
    let mut want = vec![EntryStatus::InFlight; 4];
    want.extend([EntryStatus::Pending; 2]);
    assert_eq!(statuses, want);
    p.link.shutdown().await.unwrap();
}

/// A full window written into a black hole: its acks never come, the first
/// timeout drops the link, and the whole window (and what waited behind it)
/// goes again on the next connection, in order, each stored once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_window_lost_with_the_link_is_sent_again_in_order() {
    let mut server = support::embedded().await;
    let hole = BlackHole::start(SocketAddr::from(([127, 0, 0, 1], server.port()))).await;
    let mut p = Probe::with_store(Box::new(FaultyStore::default()));
    let mut cfg = windowed(&mut server, &hole.url(), 8);
    cfg.timeouts.ack = Duration::from_secs(1);
    p.link.connect(cfg).await.unwrap();
    p.connected().await;
    server
        .wait_received(|r| r.event == "register", SECS_5)
        .await
        .unwrap();
    hole.freeze();
    for n in 0..20 {
        p.link.send(message(n, "c1")).await.unwrap();
    }
    let flying = p.link.outbox().await.unwrap();
    let in_flight = flying
        .iter()
        .filter(|e| e.status == EntryStatus::InFlight)
        .count();
    assert_eq!(in_flight, 8, "a full window into the hole");
    let per_entry = acks(&mut p, 20).await;
    assert_eq!(per_entry.len(), 20, "nothing lost");
    assert!(per_entry.values().all(|n| *n == 1), "none acked twice");
    let (first, twice) = first_reads(&read_ids(&mut server));
    assert_eq!(first, queued_ids(20), "the server read them in order");
    println!("read twice at the server: {twice}");
    assert_eq!(server.messages().await.len(), 20, "each stored once");
    p.link.shutdown().await.unwrap();
}

/// The link is cut while a window is in flight and acks are on their way:
/// some acks are lost, some come through the replaced client after their
/// entry went back to pending. Whatever the timing, every message is acked
/// once at the link and stored once at the server, first read in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_cut_mid_window_loses_nothing_and_stores_nothing_twice() {
    let mut server = support::embedded().await;
    let url = server.url();
    let mut p = Probe::with_store(Box::new(FaultyStore::default()));
    for n in 0..400 {
        p.link.send(message(n, "c1")).await.unwrap();
    }
    p.link
        .connect(windowed(&mut server, &url, 64))
        .await
        .unwrap();
    server
        .wait_received(|r| r.payload["clientId"] == "m-0100", SECS_5)
        .await
        .unwrap();
    server.disconnect_all().await;
    let per_entry = acks(&mut p, 400).await;
    assert_eq!(per_entry.len(), 400, "nothing lost");
    assert!(per_entry.values().all(|n| *n == 1), "none acked twice");
    let (first, twice) = first_reads(&read_ids(&mut server));
    assert_eq!(
        first,
        queued_ids(400),
        "the server first read them in order"
    );
    println!("read twice at the server: {twice}");
    assert_eq!(server.messages().await.len(), 400, "each stored once");
    p.link.shutdown().await.unwrap();
}
