//! Unit tests of the unread counts by kind on a real file: each kind
//! counted once, re-deliveries and read items not at all, read marks by id
//! and for all, another connection's writes, pruning, and step 4's classing
//! of the rows a file had before it.

use std::path::Path;

use rusqlite::Connection;

use super::*;
use crate::model::{HistoryItem, HistoryQuery, Retention, Target, View};
use crate::Database;

fn item(id: &str, kind: Kind) -> HistoryItem {
    let (event, view) = match kind {
        Kind::BookingRequest => ("bookingUpdated", View::Bookings),
        Kind::Message => ("newMessage", View::Messages),
        Kind::Notification => ("newNotification", View::Notifications),
    };
    HistoryItem {
        id: id.into(),
        event: event.into(),
        title: id.into(),
        body: String::new(),
        created_at: "2026-01-01T00:00:00.000Z".into(),
        read: false,
        link: None,
        target: Target::new(view, Some(id.into())),
        kind,
    }
}

fn counts(booking_requests: usize, messages: usize, notifications: usize) -> Unread {
    Unread {
        booking_requests,
        messages,
        notifications,
    }
}

fn opened(retention: Retention) -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = Database::open_with(dir.path(), retention).unwrap();
    (dir, db)
}

#[test]
fn each_kind_is_counted_once_and_read_marks_bring_it_to_zero() {
    let (_dir, db) = opened(Retention::default());
    let mut h = db.history().unwrap();
    assert_eq!(h.unread_by_kind().unwrap(), Unread::default());
    let mut read = item("n-read", Kind::Notification);
    read.read = true;
    h.add_many(&[
        item("b1", Kind::BookingRequest),
        item("b2", Kind::BookingRequest),
        item("m1", Kind::Message),
        item("m2", Kind::Message),
        item("m3", Kind::Message),
        item("n1", Kind::Notification),
        read,
        // Repeated in the batch, then re-delivered: kept once.
        item("m1", Kind::Message),
    ])
    .unwrap();
    h.add(&item("b1", Kind::BookingRequest)).unwrap();
    let n = h.unread_by_kind().unwrap();
    assert_eq!(n, counts(2, 3, 1));
    assert_eq!(n.total(), h.unread().unwrap());
    assert_eq!(n.of(Kind::Message), 3);

    // The same counts from the table, not only from the cache.
    let fresh = db.history().unwrap();
    assert_eq!(fresh.unread_by_kind().unwrap(), counts(2, 3, 1));

    assert_eq!(
        h.mark_read(&["b1".into(), "m2".into(), "nope".into()])
            .unwrap(),
        2
    );
    assert_eq!(h.unread_by_kind().unwrap(), counts(1, 2, 1));
    assert_eq!(h.mark_read(&["b1".into()]).unwrap(), 0, "read already");
    assert_eq!(h.unread_by_kind().unwrap(), counts(1, 2, 1));

    assert_eq!(h.mark_read(&[]).unwrap(), 4);
    assert_eq!(h.unread_by_kind().unwrap(), Unread::default());
    assert_eq!(h.unread().unwrap(), 0);
    assert_eq!(fresh.unread_by_kind().unwrap(), Unread::default());
}

#[test]
fn the_counts_follow_other_connections_and_pruning() {
    let retention = Retention {
        max_age_days: 0,
        max_rows: 3,
        prune_every: 0,
    };
    let (_dir, db) = opened(retention);
    let mut h = db.history().unwrap();
    let mut other = db.history().unwrap();
    h.add_many(&[item("b1", Kind::BookingRequest), item("m1", Kind::Message)])
        .unwrap();
    assert_eq!(h.unread_by_kind().unwrap(), counts(1, 1, 0));
    other.add(&item("n1", Kind::Notification)).unwrap();
    other.mark_read(&["m1".into()]).unwrap();
    assert_eq!(
        h.unread_by_kind().unwrap(),
        counts(1, 0, 1),
        "counted again"
    );
    h.add(&item("m2", Kind::Message)).unwrap();
    // 4 rows -> the newest 3: the booking request goes.
    assert_eq!(h.prune().unwrap(), 1);
    assert_eq!(h.unread_by_kind().unwrap(), counts(0, 1, 1));
    let listed = h.list(&HistoryQuery::default()).unwrap();
    assert_eq!(listed[0].kind, Kind::Message, "the kind is read back");
}

#[test]
fn the_in_memory_fallback_counts_the_same() {
    let mut h = HistoryStore::in_memory(Retention::default()).unwrap();
    h.add_many(&[
        item("b1", Kind::BookingRequest),
        item("n1", Kind::Notification),
    ])
    .unwrap();
    assert_eq!(h.unread_by_kind().unwrap(), counts(1, 0, 1));
    h.mark_read(&[]).unwrap();
    assert_eq!(h.unread_by_kind().unwrap(), Unread::default());
}

#[test]
fn step_4_classes_the_rows_kept_before_it() {
    let mut conn = Connection::open_in_memory().unwrap();
    let p = Path::new(":memory:");
    crate::migrate::migrate_with(&mut conn, p, &crate::migrate::STEPS[..3]).unwrap();
    for (id, event, view) in [
        ("booking:b1:pending", "bookingUpdated", "bookings"),
        (
            "booking:b2:Requested:1767225600000",
            "bookingUpdated",
            "bookings",
        ),
        ("booking:b3:confirmed", "bookingUpdated", "bookings"),
        ("notification:n1", "newNotification", "bookings"),
        ("notification:n2", "newNotification", "notifications"),
        ("message:m1", "newMessage", "messages"),
    ] {
        conn.execute(
            "INSERT INTO history(id, event, title, body, created_at, target_view, received_at)
             VALUES (?1, ?2, 't', '', '2030-01-01T00:00:00Z', ?3, 1)",
            [id, event, view],
        )
        .unwrap();
    }
    assert_eq!(crate::migrate::migrate(&mut conn, p).unwrap(), 3);
    let h = HistoryStore::new(conn, p.to_path_buf(), Retention::default()).unwrap();
    assert_eq!(h.unread_by_kind().unwrap(), counts(3, 1, 2));
}
