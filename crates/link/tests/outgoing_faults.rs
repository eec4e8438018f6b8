//! The outgoing path under faults, against real servers: an outbox store
//! that refuses writes after the wire has moved on, a link black-holed
//! with a full send buffer, a discard of an entry on its way, and events
//! without an ack written into a half-open connection.

// A test fails by panicking: unwrap is how these say "this must hold".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod faults;
mod probe;
mod support;

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

use alora_link::{EntryStatus, LinkState, Outcome, Proof};
use faults::{BlackHole, FaultyStore};
use probe::{config, Probe};
use serde_json::json;
use support::TestServer;

const SECS_5: Duration = Duration::from_secs(5);
/// Far more than any of these answers takes when the actor is free.
const GENEROUS: Duration = Duration::from_secs(15);

fn upstream(server: &impl TestServer) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], server.port()))
}

fn count(server: &mut impl TestServer, pred: impl Fn(&support::ReceivedEvent) -> bool) -> usize {
    server.received().iter().filter(|r| pred(r)).count()
}

async fn connected_with(server: &mut impl TestServer, store: &FaultyStore, url: &str) -> Probe {
    connected_windowed(server, store, url, alora_link::DEFAULT_ACK_WINDOW).await
}

/// Connected with at most `window` acks in flight.
async fn connected_windowed(
    server: &mut impl TestServer,
    store: &FaultyStore,
    url: &str,
    window: usize,
) -> Probe {
    let token = server.token_for("u1");
    let mut p = Probe::with_store(Box::new(store.clone()));
    let cfg = alora_link::LinkConfig {
        ack_window: window,
        ..config(url, &server.path(), &token)
    };
    p.link.connect(cfg).await.unwrap();
    p.connected().await;
    server
        .wait_received(|r| r.event == "register", SECS_5)
        .await
        .unwrap();
    p
}

fn booking(id: &str) -> serde_json::Value {
    json!({"bookingId": id, "status": "confirmed"})
}

fn is_booking(r: &support::ReceivedEvent, id: &str) -> bool {
    r.event == "bookingUpdate" && r.payload["bookingId"] == id
}

fn is_message(r: &support::ReceivedEvent, client_id: &str) -> bool {
    r.event == "sendMessage" && r.payload["clientId"] == client_id
}

/// Item 2: the emit went out, then the store refused to forget the entry.
/// The entry must not be written again, and the actor must stay free.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_remove_after_a_write_sends_it_once_and_the_actor_stays_free() {
    let mut server = support::embedded().await;
    let store = FaultyStore::default();
    let url = server.url();
    let p = connected_with(&mut server, &store, &url).await;
    store.fail_remove.store(true, Ordering::SeqCst);

    let link = p.link.clone();
    let emit = tokio::spawn(async move { link.emit("bookingUpdate", booking("b1")).await });
    server
        .wait_received(|r| is_booking(r, "b1"), SECS_5)
        .await
        .unwrap();
    let answered = tokio::time::timeout(GENEROUS, emit).await;
    assert!(
        answered.is_ok(),
        "emit did not answer within {GENEROUS:?}; bookingUpdate received {} times",
        count(&mut server, |r| is_booking(r, "b1"))
    );
    let listed = tokio::time::timeout(GENEROUS, p.link.outbox()).await;
    assert!(
        listed.is_ok(),
        "outbox() did not answer: the actor is stuck"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        count(&mut server, |r| is_booking(r, "b1")),
        1,
        "written once"
    );
    // A later ack proves b1 carried; forgetting it is refused too. The
    // refusal is visible, and stays so until the disk has caught up.
    let m1 = json!({"clientId": "m1", "conversationId": "c1", "content": "m1"});
    p.link.emit("sendMessage", m1).await.unwrap();
    let link = p.link.clone();
    probe::eventually(SECS_5, true, || link.outbox_counts().storage_failed).await;
    assert!(store
        .rows()
        .iter()
        .any(|e| e.outgoing.event_name() == "bookingUpdate"));
    assert_eq!(p.link.outbox().await.unwrap(), [], "done with in memory");
    store.heal();
    let m2 = json!({"clientId": "m2", "conversationId": "c1", "content": "m2"});
    p.link.emit("sendMessage", m2).await.unwrap();
    probe::eventually(SECS_5, false, || link.outbox_counts().storage_failed).await;
    probe::eventually(SECS_5, 0, || store.rows().len()).await;
    assert_eq!(count(&mut server, |r| is_booking(r, "b1")), 1);
    p.link.shutdown().await.unwrap();
}

/// Item 2: the store refused to record the window in flight. It is in
/// flight all the same: nothing else (and not it again) is written with an
/// ack while its acks are awaited (a window of one here, to see it full).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_in_flight_mark_still_keeps_the_window_full() {
    let mut server = support::embedded().await;
    let store = FaultyStore::default();
    let url = server.url();
    let p = connected_windowed(&mut server, &store, &url, 1).await;
    store.fail_update.store(true, Ordering::SeqCst);
    // The server never acknowledges the "silent" conversation.
    let a = json!({"clientId": "a", "conversationId": "silent", "content": "a"});
    let b = json!({"clientId": "b", "conversationId": "c1", "content": "b"});
    p.link.emit("sendMessage", a).await.unwrap();
    server
        .wait_received(|r| is_message(r, "a"), SECS_5)
        .await
        .unwrap();
    p.link.emit("sendMessage", b).await.unwrap();
    // Well inside the 3 s ack timeout of the test config.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        (
            count(&mut server, |r| is_message(r, "a")),
            count(&mut server, |r| is_message(r, "b"))
        ),
        (1, 0),
        "a window of one: a once, b waits for a's ack"
    );
    let listed = p.link.outbox().await.unwrap();
    let statuses: Vec<_> = listed.iter().map(|e| e.status).collect();
    assert_eq!(statuses, [EntryStatus::InFlight, EntryStatus::Pending]);
    assert!(
        p.link.outbox_counts().storage_failed,
        "the refusal is visible"
    );
    p.link.shutdown().await.unwrap();
}

/// Item 3: the link is black-holed (nothing read) and the emits have
/// filled the send buffer. The stuck write must end in time as a lost link,
/// and commands must answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_into_a_black_hole_times_out_as_a_lost_link() {
    let mut server = support::embedded().await;
    let hole = BlackHole::start(upstream(&server)).await;
    let store = FaultyStore::default();
    let mut p = connected_with(&mut server, &store, &hole.url()).await;
    hole.freeze();
    let link = p.link.clone();
    // Under the embedded server's 100 KB packet limit; 16 MB in all, far
    // more than a loopback send buffer holds.
    let big = "x".repeat(60_000);
    let filler = tokio::spawn(async move {
        for n in 0..270 {
            let payload = json!({"bookingId": format!("big-{n}"), "status": big});
            if link.emit("bookingUpdate", payload).await.is_err() {
                return;
            }
        }
    });
    // Let the filler run into the full buffer.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let answered = tokio::time::timeout(GENEROUS, p.link.reconnect_now()).await;
    assert!(
        answered.is_ok(),
        "reconnect_now() did not answer within {GENEROUS:?} while a write was stuck; state {:?}",
        p.link.state()
    );
    let lost = p
        .wait_state(
            GENEROUS,
            "Reconnecting after a write timeout",
            |s| matches!(s, LinkState::Reconnecting { reason, .. } if reason.contains("within")),
        )
        .await;
    println!("{lost:?}");
    filler.abort();
    let stopped = tokio::time::timeout(GENEROUS, p.link.shutdown()).await;
    assert!(stopped.is_ok(), "shutdown() did not answer");
}

/// Item 8: discarding an entry whose ack is awaited is refused, and its
/// slot in the window stays taken (with a window of one, the next message
/// still waits).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discarding_an_entry_in_flight_is_refused_and_its_ack_slot_stays_taken() {
    let mut server = support::embedded().await;
    let store = FaultyStore::default();
    let url = server.url();
    let p = connected_windowed(&mut server, &store, &url, 1).await;
    let a = json!({"clientId": "a", "conversationId": "silent", "content": "a"});
    let b = json!({"clientId": "b", "conversationId": "c1", "content": "b"});
    let c = json!({"clientId": "c", "conversationId": "c1", "content": "c"});
    let first = p.link.emit("sendMessage", a).await.unwrap();
    p.link.emit("sendMessage", b).await.unwrap();
    server
        .wait_received(|r| is_message(r, "a"), SECS_5)
        .await
        .unwrap();
    let id = first.entry_id.unwrap();
    let refused = p.link.discard(id).await;
    assert_eq!(
        refused.as_ref().map_err(alora_link::LinkError::code),
        Err("entry_sending"),
        "{refused:?}"
    );
    // Anything that pumps the outbox now must still not write b.
    p.link.emit("sendMessage", c).await.unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(count(&mut server, |r| is_message(r, "b")), 0);
    let listed = p.link.outbox().await.unwrap();
    assert_eq!(listed[0].id, id);
    assert_eq!(listed[0].status, EntryStatus::InFlight);
    p.link.shutdown().await.unwrap();
}

fn reconnecting(s: &LinkState) -> bool {
    matches!(s, LinkState::Reconnecting { .. })
}

/// Item 6: events without an ack written into a half-open link (the bytes
/// sit in a black hole, then are lost with it) are sent again once the link
/// is back, each arriving once.
async fn events_written_into_a_half_open_link_are_sent_again(kind: support::Kind) {
    let opts = support::NodeOptions {
        ping_interval_ms: Some(500),
        ping_timeout_ms: Some(500),
        ..Default::default()
    };
    let mut server = support::start(kind, opts).await;
    let hole = BlackHole::start(upstream(&server)).await;
    let store = FaultyStore::default();
    let mut p = connected_with(&mut server, &store, &hole.url()).await;
    hole.freeze();
    let sends = [
        ("bookingUpdate", booking("half-open")),
        ("markAsRead", json!({"conversationId": "c-half-open"})),
        ("updateStatus", json!({"status": "away"})),
    ];
    for (event, payload) in &sends {
        let d = p.link.emit(event, payload.clone()).await.unwrap();
        assert_eq!(d.outcome, Outcome::Written, "{event}: never \"sent\" early");
    }
    let kept: Vec<_> = p.link.outbox().await.unwrap();
    let statuses: Vec<_> = kept.iter().map(|e| e.status).collect();
    assert_eq!(statuses, [EntryStatus::Written; 3], "kept until proven");
    assert!(
        store
            .rows()
            .iter()
            .all(|e| e.status == EntryStatus::Written),
        "stored as written, to be sent again after a crash"
    );
    p.wait_state(Duration::from_secs(8), "Reconnecting", reconnecting)
        .await;
    let requeued = p.link.outbox().await.unwrap();
    assert!(
        requeued.iter().all(|e| e.status != EntryStatus::Written),
        "back to pending with the link: {requeued:?}"
    );
    hole.cut_frozen();
    p.connected().await;
    for (event, payload) in &sends {
        let got = server
            .wait_received(|r| r.event == *event && r.payload == *payload, SECS_5)
            .await;
        assert!(got.is_ok(), "{event} lost in the half-open link: {got:?}");
    }
    for id in kept.iter().map(|e| e.id) {
        let d = p
            .delivery(SECS_5, |d| {
                d.entry_id == Some(id) && matches!(d.outcome, Outcome::Delivered { .. })
            })
            .await;
        assert_eq!(
            d.outcome,
            Outcome::Delivered {
                proof: Proof::ServerPing
            }
        );
    }
    assert_eq!(p.link.outbox().await.unwrap(), []);
    for (event, payload) in &sends {
        let n = count(&mut server, |r| r.event == *event && r.payload == *payload);
        assert_eq!(n, 1, "{event} arrived {n} times");
    }
    p.link.shutdown().await.unwrap();
}

/// Item 6 (a): an ack of a message written after a booking update proves
/// the update carried (the server handles a socket's packets in order).
async fn a_later_ack_proves_what_was_written_before_it(mut server: impl TestServer) {
    let store = FaultyStore::default();
    let url = server.url();
    let mut p = connected_with(&mut server, &store, &url).await;
    let d = p.link.emit("bookingUpdate", booking("b-a")).await.unwrap();
    assert_eq!(d.outcome, Outcome::Written);
    let id = d.entry_id.unwrap();
    server
        .wait_received(|r| is_booking(r, "b-a"), SECS_5)
        .await
        .unwrap();
    p.settle(Duration::from_millis(200)).await;
    let listed = p.link.outbox().await.unwrap();
    assert_eq!(
        listed.iter().map(|e| (e.id, e.status)).collect::<Vec<_>>(),
        [(id, EntryStatus::Written)],
        "not proven by its arrival alone: the link cannot see that"
    );
    let m = json!({"clientId": "m-a", "conversationId": "c1", "content": "after"});
    let sent = p.link.emit("sendMessage", m).await.unwrap();
    let proven = p
        .delivery(SECS_5, |d| {
            d.entry_id == Some(id) && d.outcome != Outcome::Written
        })
        .await;
    assert_eq!(
        proven.outcome,
        Outcome::Delivered {
            proof: Proof::LaterAck
        }
    );
    p.delivery(SECS_5, |d| d.entry_id == sent.entry_id && Probe::acked(d))
        .await;
    assert_eq!(p.link.outbox().await.unwrap(), []);
    assert_eq!(store.rows(), [], "and gone from the store");
    p.link.shutdown().await.unwrap();
}

/// Item 6 (b): with no ack to come, the server's heartbeat proves it.
async fn the_servers_pings_prove_what_was_written(kind: support::Kind) {
    let opts = support::NodeOptions {
        ping_interval_ms: Some(200),
        ping_timeout_ms: Some(5_000),
        ..Default::default()
    };
    let mut server = support::start(kind, opts).await;
    let store = FaultyStore::default();
    let url = server.url();
    let mut p = connected_with(&mut server, &store, &url).await;
    let d = p
        .link
        .emit("markAsRead", json!({"conversationId": "c-ping"}))
        .await
        .unwrap();
    assert_eq!(d.outcome, Outcome::Written);
    let proven = p
        .delivery(SECS_5, |x| {
            x.entry_id == d.entry_id && x.outcome != Outcome::Written
        })
        .await;
    assert_eq!(
        proven.outcome,
        Outcome::Delivered {
            proof: Proof::ServerPing
        }
    );
    assert_eq!(p.link.outbox().await.unwrap(), []);
    assert_eq!(store.rows(), []);
    p.link.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_later_ack_proves_what_was_written_before_it_embedded() {
    a_later_ack_proves_what_was_written_before_it(support::embedded().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_later_ack_proves_what_was_written_before_it_node() {
    a_later_ack_proves_what_was_written_before_it(support::node().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_pings_prove_what_was_written_embedded() {
    the_servers_pings_prove_what_was_written(support::Kind::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_pings_prove_what_was_written_node() {
    the_servers_pings_prove_what_was_written(support::Kind::Node).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_written_into_a_half_open_link_are_sent_again_embedded() {
    events_written_into_a_half_open_link_are_sent_again(support::Kind::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_written_into_a_half_open_link_are_sent_again_node() {
    events_written_into_a_half_open_link_are_sent_again(support::Kind::Node).await;
}
