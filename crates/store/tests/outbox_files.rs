//! The durable outbox on real SQLite files, outside the property test:
//! order, ids and clientIds kept through a restart (in-flight entries back
//! to pending), rows that cannot be read set aside, writes side by side with
//! a history storm, and the joined conversations kept through the link's port.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use alora_link::{BookingUpdate, EntryStatus, Outbox, OutboxStore, Outgoing, UserStatus};
use alora_store::Database;

mod common;
use common::{msg, open, status};

/// A temporary folder; on tmpfs when there is one, since the property test
/// is about logic and fsyncs to a real disk would only make it slow.
#[test]
fn round_trip_keeps_order_ids_and_client_ids_and_resets_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = Database::open(dir.path()).unwrap();
    let mut o = open(&store);
    let (a, _) = o.queue(msg(1)).unwrap();
    let (b, _) = o.queue(msg(2)).unwrap();
    o.queue(status(UserStatus::Busy)).unwrap();
    let (booking, _) = o
        .queue(Outgoing::BookingUpdate(BookingUpdate {
            booking_id: "b1".into(),
            status: "confirmed".into(),
        }))
        .unwrap();
    let (away, replaced) = o.queue(status(UserStatus::Away)).unwrap();
    assert_eq!(replaced.len(), 1);
    o.mark_in_flight(a.id).unwrap();
    let before = o.entries();
    drop(o); // the process ends with `a` in flight

    let mut o = open(&store);
    let after = o.entries();
    assert_eq!(
        after.iter().map(|e| e.id).collect::<Vec<_>>(),
        [a.id, b.id, booking.id, away.id]
    );
    assert_eq!(
        after[0].status,
        EntryStatus::Pending,
        "in flight goes back to pending"
    );
    assert_eq!(after[0].attempts, 1);
    assert_eq!(after[0].outgoing, msg(1), "same clientId for the re-send");
    assert_eq!(after[0].queued_at, before[0].queued_at);
    assert_eq!(&after[1..], &before[1..]);

    // Acknowledged: gone, for good; the next id follows the highest kept.
    o.mark_in_flight(a.id).unwrap();
    o.remove(a.id).unwrap();
    let (c, _) = o.queue(msg(3)).unwrap();
    assert_eq!(c.id, away.id + 1);
    drop(o);
    let o = open(&store);
    let ids: Vec<_> = o.entries().iter().map(|e| e.id).collect();
    assert_eq!(ids, [b.id, booking.id, away.id, c.id]);
}

#[test]
fn an_unreadable_row_is_set_aside_not_lost_or_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = Database::open(dir.path()).unwrap();
    let mut o = open(&store);
    o.queue(msg(1)).unwrap();
    drop(o);
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    conn.execute(
        "INSERT INTO outbox(id, body) VALUES (2, '{\"from\":\"a newer app\"}')",
        [],
    )
    .unwrap();

    let mut raw = store.outbox().unwrap();
    let loaded = raw.load().unwrap();
    assert_eq!(loaded.len(), 1);
    let (aside, body): (i64, String) = conn
        .query_row("SELECT id, body FROM outbox_unreadable", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((aside, body.as_str()), (2, "{\"from\":\"a newer app\"}"));
    let mut o = Outbox::open(Box::new(raw)).unwrap();
    let (next, _) = o.queue(msg(2)).unwrap();
    assert_eq!(
        next.id, 2,
        "its id is free again; the old row is kept elsewhere"
    );
    let kept: i64 = conn
        .query_row("SELECT count(*) FROM outbox_unreadable", [], |r| r.get(0))
        .unwrap();
    assert_eq!(kept, 1);
}

#[test]
fn the_outbox_and_a_history_storm_write_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = Database::open(dir.path()).unwrap();
    let history_store = store.clone();
    let storm = std::thread::spawn(move || {
        let mut h = history_store.history().unwrap();
        for batch in 0..20 {
            let items: Vec<_> = (0..500)
                .map(|i| alora_store::HistoryItem {
                    id: format!("notification:{batch}-{i}"),
                    event: "newNotification".into(),
                    title: format!("Storm {batch}-{i}"),
                    body: "x".repeat(100),
                    created_at: "2026-01-01T00:00:00.000Z".into(),
                    read: false,
                    link: None,
                    target: alora_store::Target::new(alora_store::View::Notifications, None),
                    kind: Default::default(),
                })
                .collect();
            assert!(h.add_many(&items).unwrap().iter().all(|new| *new));
        }
        h.len().unwrap()
    });
    let mut o = open(&store);
    for n in 0..200 {
        o.queue(msg(n)).unwrap();
    }
    assert_eq!(storm.join().unwrap(), 10_000);
    drop(o);
    assert_eq!(open(&store).entries().len(), 200);
}

#[test]
fn joined_conversations_outlive_the_process_through_the_links_port() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = Database::open(dir.path()).unwrap();
    let mut port = store.outbox().unwrap();
    assert!(port.load_joined().unwrap().is_empty());
    port.save_joined("c1").unwrap();
    port.save_joined("c2").unwrap();
    port.save_joined("c1").unwrap();
    drop(port);
    let mut again = store.outbox().unwrap();
    assert_eq!(again.load_joined().unwrap(), ["c1", "c2"]);
    let history = store.history().unwrap();
    assert_eq!(history.joined_conversations().unwrap(), ["c1", "c2"]);
}

/// An event without an ack, written and not yet proven carried, is stored
/// as `written`; a crash then loads it as pending, to be sent again, in its
/// place in the queue. Proven carried, it is gone for good.
#[test]
fn a_written_entry_is_stored_as_such_and_sent_again_after_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = Database::open(dir.path()).unwrap();
    let mut o = open(&store);
    let booking = |id: &str| {
        Outgoing::BookingUpdate(BookingUpdate {
            booking_id: id.into(),
            status: "confirmed".into(),
        })
    };
    let (a, _) = o.queue(booking("b1")).unwrap();
    let (b, _) = o.queue(booking("b2")).unwrap();
    let (m, _) = o.queue(msg(1)).unwrap();
    o.mark_written(a.id).unwrap();
    o.mark_written(b.id).unwrap();
    let mut disk = store.outbox().unwrap();
    let stored: Vec<_> = disk
        .load()
        .unwrap()
        .iter()
        .map(|e| (e.id, e.status))
        .collect();
    assert_eq!(
        stored,
        [
            (a.id, EntryStatus::Written),
            (b.id, EntryStatus::Written),
            (m.id, EntryStatus::Pending)
        ]
    );
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    let body: String = conn
        .query_row(
            "SELECT body FROM outbox WHERE id = ?1",
            [i64::try_from(a.id).unwrap()],
            |r| r.get(0),
        )
        .unwrap();
    assert!(body.contains(r#""status":"written""#), "{body}");
    o.forget(b.id); // proven carried
    drop(o); // the process ends with `a` written, unproven

    let o = open(&store);
    let after: Vec<_> = o
        .entries()
        .iter()
        .map(|e| (e.id, e.status, e.attempts))
        .collect();
    assert_eq!(
        after,
        [
            (a.id, EntryStatus::Pending, 1),
            (m.id, EntryStatus::Pending, 0)
        ]
    );
    assert_eq!(o.next_ready().map(|e| e.id), Some(a.id), "sent again first");
}

/// A window is stored in one transaction: all of it, or (when one row of it
/// cannot be written) none of it.
#[test]
fn a_window_is_stored_whole_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = Database::open(dir.path()).unwrap();
    let mut o = open(&store);
    for n in 0..5 {
        o.queue(msg(n)).unwrap();
    }
    let window = o.next_window(4);
    o.mark_sent(&window);
    let mut disk = store.outbox().unwrap();
    let stored = disk.load().unwrap();
    let flying = stored
        .iter()
        .filter(|e| e.status == EntryStatus::InFlight)
        .count();
    assert_eq!(flying, 4, "the window is on disk");
    // A row id SQLite cannot hold, after a good one: the whole batch goes.
    let mut good = stored[4].clone();
    good.status = EntryStatus::InFlight;
    let mut bad = good.clone();
    bad.id = u64::MAX;
    assert!(disk.save_all(&[good, bad]).is_err());
    let after = disk.load().unwrap();
    assert_eq!(after, stored, "nothing of the refused batch was kept");
}
