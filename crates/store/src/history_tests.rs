//! Unit tests of the history on a real file: add and de-duplication,
//! listing, search, filters, read flags, pruning, meta and conversations.

use super::*;
use crate::Database;

fn item(n: u32, event: &str, title: &str, body: &str) -> HistoryItem {
    HistoryItem {
        id: format!("notification:{n}"),
        event: event.into(),
        title: title.into(),
        body: body.into(),
        created_at: format!("2026-01-01T00:00:{:02}.000Z", n % 60),
        read: false,
        link: n
            .is_multiple_of(2)
            .then(|| format!("https://example.test/{n}")),
        target: Target::new(View::Bookings, Some(format!("b{n}"))),
        kind: Default::default(),
    }
}

fn opened(retention: Retention) -> (tempfile::TempDir, HistoryStore) {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = Database::open_with(dir.path(), retention).unwrap();
    let h = db.history().unwrap();
    (dir, h)
}

fn filled() -> (tempfile::TempDir, HistoryStore) {
    let (dir, mut h) = opened(Retention::default());
    for (i, (event, title)) in [
        ("newNotification", "Booking request"),
        ("newNotification", "Invoice paid"),
        ("bookingUpdated", "Booking cancelled"),
        ("newMessage", "Welcome"),
    ]
    .iter()
    .enumerate()
    {
        let n = u32::try_from(i).unwrap();
        assert!(h.add(&item(n, event, title, &format!("body {i}"))).unwrap());
    }
    (dir, h)
}

fn titles(items: Vec<HistoryItem>) -> Vec<String> {
    items.into_iter().map(|i| i.title).collect()
}

fn q(s: &str) -> HistoryQuery {
    HistoryQuery {
        query: Some(s.into()),
        ..HistoryQuery::default()
    }
}

#[test]
fn newest_first_deduplicated_and_round_tripped() {
    let (_dir, mut h) = filled();
    let all = h.list(&HistoryQuery::default()).unwrap();
    assert_eq!(
        titles(all.clone()),
        [
            "Welcome",
            "Booking cancelled",
            "Invoice paid",
            "Booking request"
        ]
    );
    assert_eq!(
        all[3],
        item(0, "newNotification", "Booking request", "body 0")
    );
    assert_eq!(all[2].link.as_deref(), None);
    assert!(!h.add(&item(3, "newMessage", "Welcome again", "x")).unwrap());
    assert_eq!(h.len().unwrap(), 4);
    assert_eq!(
        h.get("notification:3").unwrap().map(|i| i.title),
        Some("Welcome".into())
    );
    assert_eq!(h.get("nope").unwrap(), None);
}

#[test]
fn add_many_reports_each_item_and_duplicates_within_the_batch() {
    let (_dir, mut h) = filled();
    let batch = [
        item(10, "newNotification", "a", ""),
        item(1, "newNotification", "old", ""),
        item(10, "newNotification", "a again", ""),
        item(11, "newNotification", "b", ""),
    ];
    assert_eq!(h.add_many(&batch).unwrap(), [true, false, false, true]);
    assert_eq!(h.len().unwrap(), 6);
    assert_eq!(h.add_many(&[]).unwrap(), Vec::<bool>::new());
}

#[test]
fn a_batch_moves_the_cursor_with_it_and_never_back() {
    let (_dir, mut h) = filled();
    let t = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    let batch = [item(20, "newNotification", "c", "")];
    let later = t("2026-03-01T10:00:00Z");
    assert_eq!(h.add_many_advancing(&batch, Some(later)).unwrap(), [true]);
    assert_eq!(h.last_event_at().unwrap(), Some(later));
    let older = [item(21, "newNotification", "d", "")];
    h.add_many_advancing(&older, Some(t("2026-02-01T10:00:00Z")))
        .unwrap();
    assert_eq!(h.last_event_at().unwrap(), Some(later));
    assert_eq!(h.len().unwrap(), 6);
    // A batch that fails stores nothing and leaves the cursor.
    h.limit_pages(1).ok();
    let big: Vec<_> = (100..400)
        .map(|n| item(n, "newNotification", &"x".repeat(500), ""))
        .collect();
    assert!(h
        .add_many_advancing(&big, Some(t("2026-04-01T10:00:00Z")))
        .is_err());
    assert_eq!(h.last_event_at().unwrap(), Some(later));
    assert_eq!(h.len().unwrap(), 6);
}

#[test]
fn searches_filters_and_marks_read() {
    let (_dir, mut h) = filled();
    assert_eq!(
        titles(h.list(&q("BOOKING")).unwrap()),
        ["Booking cancelled", "Booking request"]
    );
    assert_eq!(h.list(&q("body 2")).unwrap().len(), 1);
    assert_eq!(
        h.list(&q("  ook  ")).unwrap().len(),
        2,
        "substrings match, trimmed"
    );
    assert_eq!(h.list(&q("nothing")).unwrap().len(), 0);
    assert_eq!(
        h.list(&q("y 3")).unwrap().len(),
        1,
        "short needles use LIKE"
    );
    assert_eq!(h.list(&q("3")).unwrap().len(), 1);
    assert_eq!(
        h.list(&q("   ")).unwrap().len(),
        4,
        "a blank query is no query"
    );
    let limited = HistoryQuery {
        limit: Some(2),
        ..HistoryQuery::default()
    };
    assert_eq!(
        titles(h.list(&limited).unwrap()),
        ["Welcome", "Booking cancelled"]
    );
    let by_event = |e: &str| HistoryQuery {
        event: Some(e.into()),
        ..HistoryQuery::default()
    };
    assert_eq!(h.list(&by_event("newNotification")).unwrap().len(), 2);
    assert_eq!(h.list(&by_event("")).unwrap().len(), 4, "empty event = all");
    assert!(h.list(&by_event("userOnline")).unwrap().is_empty());
    assert_eq!(h.unread().unwrap(), 4);
    assert_eq!(
        h.mark_read(&["notification:2".into(), "unknown".into()])
            .unwrap(),
        1
    );
    assert_eq!(
        h.mark_read(&["notification:2".into()]).unwrap(),
        0,
        "already read"
    );
    let unread = HistoryQuery {
        unread_only: true,
        query: Some("booking".into()),
        ..HistoryQuery::default()
    };
    assert_eq!(titles(h.list(&unread).unwrap()), ["Booking request"]);
    assert_eq!(h.mark_read(&[]).unwrap(), 3);
    assert_eq!(h.unread().unwrap(), 0);
}

#[test]
fn search_takes_wildcards_quotes_and_other_scripts_literally() {
    let (_dir, mut h) = opened(Retention::default());
    h.add_many(&[
        item(1, "newNotification", "50% off", "a_b"),
        item(2, "newNotification", "500 offers", "axb"),
        item(3, "newNotification", "Say \"hello\"", "ÉTÉ à Zürich"),
    ])
    .unwrap();
    assert_eq!(titles(h.list(&q("0%")).unwrap()), ["50% off"]);
    assert_eq!(titles(h.list(&q("a_b")).unwrap()), ["50% off"]);
    assert_eq!(titles(h.list(&q("_")).unwrap()), ["50% off"]);
    assert_eq!(titles(h.list(&q("\"hello\"")).unwrap()), ["Say \"hello\""]);
    assert_eq!(
        titles(h.list(&q("été")).unwrap()),
        ["Say \"hello\""],
        "Unicode case folding"
    );
    assert_eq!(titles(h.list(&q("ZÜRICH")).unwrap()), ["Say \"hello\""]);
    assert_eq!(
        h.list(&q("AND OR NEAR")).unwrap().len(),
        0,
        "no FTS syntax leaks"
    );
}

#[test]
fn prunes_by_age_and_by_rows() {
    let retention = Retention {
        max_age_days: 30,
        max_rows: 5,
        prune_every: 0,
    };
    let (_dir, mut h) = opened(retention);
    let old = now_ms() - 31 * DAY_MS;
    let batch: Vec<_> = (0..3)
        .map(|n| item(n, "newNotification", "old", ""))
        .collect();
    h.add_many_at(&batch, old, None).unwrap();
    let batch: Vec<_> = (3..10)
        .map(|n| item(n, "newNotification", "new", ""))
        .collect();
    h.add_many(&batch).unwrap();
    assert_eq!(
        h.len().unwrap(),
        10,
        "prune_every 0: nothing dropped by adding"
    );
    assert_eq!(h.prune().unwrap(), 5);
    let ids: Vec<_> = h
        .list(&HistoryQuery::default())
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(
        ids,
        (5..10)
            .rev()
            .map(|n| format!("notification:{n}"))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        h.list(&q("new")).unwrap().len(),
        5,
        "search sees the deletes"
    );
    assert_eq!(h.prune().unwrap(), 0);
}

#[test]
fn pruning_by_age_cuts_at_the_first_fresh_row() {
    let retention = Retention {
        max_age_days: 30,
        max_rows: 0,
        prune_every: 0,
    };
    let (_dir, mut h) = opened(retention);
    let old = now_ms() - 31 * DAY_MS;
    let items = |r: std::ops::Range<u32>| -> Vec<_> {
        r.map(|n| item(n, "newNotification", "t", "")).collect()
    };
    h.add_many_at(&items(0..3), old, None).unwrap();
    assert_eq!(h.prune().unwrap(), 3, "every row old: all of them go");
    assert_eq!(h.len().unwrap(), 0);
    h.add_many_at(&items(3..5), old, None).unwrap();
    h.add_many(&items(5..7)).unwrap();
    // The clock went back: an old stamp after fresh rows.
    h.add_many_at(&items(7..8), old, None).unwrap();
    assert_eq!(
        h.prune().unwrap(),
        2,
        "the old rows before the first fresh one"
    );
    let ids: Vec<_> = h
        .list(&HistoryQuery::default())
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(
        ids,
        ["notification:7", "notification:6", "notification:5"],
        "kept longer, never dropped early"
    );
}

#[test]
fn the_unread_count_follows_own_writes_pruning_and_other_connections() {
    let retention = Retention {
        max_age_days: 0,
        max_rows: 5,
        prune_every: 0,
    };
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = Database::open_with(dir.path(), retention).unwrap();
    let mut h = db.history().unwrap();
    let mut other = db.history().unwrap();
    let batch: Vec<_> = (0..4)
        .map(|n| item(n, "newNotification", "t", ""))
        .collect();
    h.add_many(&batch).unwrap();
    assert_eq!(h.unread().unwrap(), 4, "counted");
    let mut read = item(4, "newNotification", "t", "");
    read.read = true;
    h.add_many(&[
        item(5, "newNotification", "t", ""),
        read,
        item(0, "newNotification", "t", ""),
    ])
    .unwrap();
    assert_eq!(
        h.unread().unwrap(),
        5,
        "one new unread, one read, one re-delivery"
    );
    assert_eq!(
        h.mark_read(&["notification:1".into(), "nope".into()])
            .unwrap(),
        1
    );
    assert_eq!(h.unread().unwrap(), 4);
    // Another connection's write (another process, a test) is seen.
    other.add(&item(6, "newNotification", "t", "")).unwrap();
    other.mark_read(&["notification:2".into()]).unwrap();
    assert_eq!(h.unread().unwrap(), 4, "+1 unread, -1 read, counted again");
    // Pruning drops unread rows too: 7 rows -> the newest 5.
    assert_eq!(h.prune().unwrap(), 2);
    let counted = h
        .list(&HistoryQuery::default())
        .unwrap()
        .iter()
        .filter(|i| !i.read)
        .count();
    assert_eq!(h.unread().unwrap(), counted);
    assert_eq!(h.mark_read(&[]).unwrap(), counted);
    assert_eq!(h.unread().unwrap(), 0);
}

#[test]
fn prunes_every_n_additions_and_at_open() {
    let retention = Retention {
        max_age_days: 0,
        max_rows: 10,
        prune_every: 4,
    };
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = Database::open_with(dir.path(), retention).unwrap();
    let mut h = db.history().unwrap();
    for n in 0..13 {
        h.add(&item(n, "newNotification", "t", "")).unwrap();
    }
    // Pruned after the 4th, 8th and 12th: 12 -> 10, then one more added.
    assert_eq!(h.len().unwrap(), 11);
    drop(h);
    let (_, report) = Database::open_with(dir.path(), retention).unwrap();
    assert_eq!(report.pruned, 1);
}

#[test]
fn keeps_meta_cursor_and_conversations_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
    {
        let (db, _) = Database::open(dir.path()).unwrap();
        let mut h = db.history().unwrap();
        assert_eq!(h.last_event_at().unwrap(), None);
        assert_eq!(
            h.set_last_event_at(t("2026-03-01T10:00:00Z")).unwrap(),
            t("2026-03-01T10:00:00Z")
        );
        // An older (replayed) event does not move the cursor back.
        assert_eq!(
            h.set_last_event_at(t("2026-02-01T10:00:00Z")).unwrap(),
            t("2026-03-01T10:00:00Z")
        );
        h.set_joined_conversations(&["c2".into(), "c1".into(), "c2".into()])
            .unwrap();
        assert!(h.join_conversation("c3").unwrap());
        assert!(!h.join_conversation("c3").unwrap());
        assert!(h.leave_conversation("c2").unwrap());
        assert!(!h.leave_conversation("c9").unwrap());
        h.set_meta("k", "v1").unwrap();
        h.set_meta("k", "v2").unwrap();
    }
    let (db, report) = Database::open(dir.path()).unwrap();
    assert_eq!(report.previous_version, crate::SCHEMA_VERSION);
    let h = db.history().unwrap();
    assert_eq!(h.last_event_at().unwrap(), Some(t("2026-03-01T10:00:00Z")));
    assert_eq!(h.joined_conversations().unwrap(), ["c1", "c3"]);
    assert_eq!(h.meta("k").unwrap().as_deref(), Some("v2"));
    assert_eq!(h.meta("missing").unwrap(), None);
}

#[test]
fn the_in_memory_fallback_behaves_the_same() {
    let mut h = HistoryStore::in_memory(Retention::default()).unwrap();
    assert!(h.add(&item(1, "newNotification", "Booking", "x")).unwrap());
    assert!(!h.add(&item(1, "newNotification", "Booking", "x")).unwrap());
    assert_eq!(h.list(&q("book")).unwrap().len(), 1);
    assert_eq!(h.unread().unwrap(), 1);
    assert_eq!(h.path(), Path::new(":memory:"));
}

use chrono::{DateTime, Utc};

#[test]
fn the_cursor_never_runs_ahead_of_now_plus_the_skew() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = Database::open(dir.path()).unwrap();
    let mut h = db.history().unwrap();
    let skew = chrono::Duration::from_std(alora_link::CURSOR_SKEW).unwrap();
    let far = DateTime::parse_from_rfc3339("9999-12-31T23:59:59Z")
        .unwrap()
        .with_timezone(&Utc);
    let before = Utc::now();
    let moved = h.set_last_event_at(far).unwrap();
    let after = Utc::now();
    assert!(moved <= after + skew, "{moved}");
    assert!(
        moved >= before + skew - chrono::Duration::milliseconds(1),
        "{moved}"
    );
    let read = h.last_event_at().unwrap().unwrap();
    assert!(read <= Utc::now() + skew, "{read}");
}

#[test]
fn a_cursor_stored_in_the_future_heals() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = Database::open(dir.path()).unwrap();
    let mut h = db.history().unwrap();
    let skew = chrono::Duration::from_std(alora_link::CURSOR_SKEW).unwrap();
    // As an older version stored it from an event dated 9999.
    h.set_meta("last_event_at", "9999-12-31T23:59:59.000Z")
        .unwrap();
    let read = h.last_event_at().unwrap().unwrap();
    assert!(read <= Utc::now() + skew, "read back as {read}");
    // The next real event moves it again, back to the server's time.
    let real = Utc::now() - chrono::Duration::minutes(5);
    let real =
        DateTime::parse_from_rfc3339(&real.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            .unwrap()
            .with_timezone(&Utc);
    assert_eq!(h.set_last_event_at(real).unwrap(), real);
    assert_eq!(h.last_event_at().unwrap(), Some(real));
    // And forward only from there, as before.
    assert_eq!(
        h.set_last_event_at(real - chrono::Duration::hours(1))
            .unwrap(),
        real
    );
}
