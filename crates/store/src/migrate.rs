//! The schema and its versions: a list of SQL steps, step N taking the file
//! from `PRAGMA user_version` N-1 to N, applied in one transaction.
//!
//! Steps are never edited once released; a change is a new step at the end.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{At, StoreError};

/// Step N (1-based) brings the schema to version N.
pub(crate) const STEPS: &[&str] = &[
    // 1: outbox, history with its search index, conversations, meta.
    r#"
    CREATE TABLE outbox (
        id   INTEGER PRIMARY KEY,       -- the OutboxEntry's id: queue order
        body TEXT NOT NULL               -- the OutboxEntry as JSON
    );
    -- Rows that could not be read back (written by another version): kept
    -- out of the way, never deleted, never re-sent blindly.
    CREATE TABLE outbox_unreadable (
        id       INTEGER PRIMARY KEY,
        body     TEXT NOT NULL,
        reason   TEXT NOT NULL,
        moved_at TEXT NOT NULL
    );
    CREATE TABLE history (
        seq         INTEGER PRIMARY KEY,  -- arrival order; the FTS rowid
        id          TEXT NOT NULL UNIQUE, -- the item id: re-deliveries collide
        event       TEXT NOT NULL,
        title       TEXT NOT NULL,
        body        TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        read        INTEGER NOT NULL DEFAULT 0,
        link        TEXT,
        target_view TEXT NOT NULL,
        target_id   TEXT,
        received_at INTEGER NOT NULL      -- unix ms, for pruning by age
    );
    CREATE INDEX history_by_event ON history(event, seq);
    CREATE INDEX history_unread ON history(seq) WHERE read = 0;
    CREATE INDEX history_by_age ON history(received_at);
    -- Which rows hold which trigrams of title and body (search.rs).
    CREATE VIRTUAL TABLE history_fts USING fts5(
        title, body,
        content = 'history', content_rowid = 'seq',
        tokenize = 'trigram case_sensitive 0', detail = 'none'
    );
    CREATE TRIGGER history_fts_insert AFTER INSERT ON history BEGIN
        INSERT INTO history_fts(rowid, title, body) VALUES (new.seq, new.title, new.body);
    END;
    CREATE TRIGGER history_fts_delete AFTER DELETE ON history BEGIN
        INSERT INTO history_fts(history_fts, rowid, title, body)
            VALUES ('delete', old.seq, old.title, old.body);
    END;
    CREATE TRIGGER history_fts_update AFTER UPDATE OF title, body ON history BEGIN
        INSERT INTO history_fts(history_fts, rowid, title, body)
            VALUES ('delete', old.seq, old.title, old.body);
        INSERT INTO history_fts(rowid, title, body) VALUES (new.seq, new.title, new.body);
    END;
    CREATE TABLE joined_conversation (
        conversation_id TEXT PRIMARY KEY,
        joined_at       TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;
    "#,
    // 2: no trigram index. Keeping it up to date cost ~90 µs per stored event
    // (FTS5 segment merges: 104 µs per event in all, measured by the store's
    // `measure` example), which capped a flood at ~9 000 events/s, while a
    // plain scan of the 20 000 rows the history keeps answers a search in
    // ~15 ms. Search scans (search.rs).
    r#"
    DROP TRIGGER history_fts_insert;
    DROP TRIGGER history_fts_delete;
    DROP TRIGGER history_fts_update;
    DROP TABLE history_fts;
    "#,
    // 3: no secondary indexes on the history. Each stored event also went
    // into all three (by event, unread, by age), about 3.5 µs of the 13 an
    // event cost in 32-event transactions (store's `ingest` example), and
    // that in a flood, where it counts. Without them, filtering by event or
    // unread scans the at most 20 000 rows by `seq`, as search already
    // does, the unread count is kept in memory, and pruning by age finds
    // its cut by `seq` (history.rs).
    r#"
    DROP INDEX history_by_event;
    DROP INDEX history_unread;
    DROP INDEX history_by_age;
    "#,
    // 4: what each item waits for (model.rs `Kind`), for the tray's counts
    // by kind. The app sets it on each new item; rows from before are
    // classed by what they kept: a message by its event, a booking request
    // by the waiting status in a `bookingUpdated`'s id, or a booking
    // notification leading to a booking (the notification's `type` was not
    // kept, so a non-request leading to a booking counts as one until read).
    r#"
    ALTER TABLE history ADD COLUMN kind TEXT NOT NULL DEFAULT 'notification';
    UPDATE history SET kind = CASE
        WHEN event = 'newMessage' THEN 'message'
        WHEN event = 'bookingUpdated' AND (
            id LIKE 'booking:%:pending' OR id LIKE 'booking:%:pending:%' OR
            id LIKE 'booking:%:requested' OR id LIKE 'booking:%:requested:%'
        ) THEN 'bookingRequest'
        WHEN event = 'newNotification' AND target_view = 'bookings' THEN 'bookingRequest'
        ELSE 'notification'
    END;
    "#,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = STEPS.len() as i64;

/// Brings the file up to [`SCHEMA_VERSION`]; returns the version it had.
/// A file from a newer app is left alone and refused.
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<i64, StoreError> {
    migrate_with(conn, path, STEPS)
}

pub(crate) fn migrate_with(
    conn: &mut Connection,
    path: &Path,
    steps: &[&str],
) -> Result<i64, StoreError> {
    let known = steps.len() as i64;
    // IMMEDIATE: two processes opening at once apply the steps one after the other.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .at(path)?;
    let found: i64 = tx
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .at(path)?;
    if found > known {
        return Err(StoreError::TooNew { found, known });
    }
    for (i, sql) in steps
        .iter()
        .enumerate()
        .skip(usize::try_from(found).unwrap_or(0))
    {
        tx.execute_batch(sql).at(path)?;
        tracing::info!(version = i + 1, "database schema step applied");
    }
    if found < known {
        tx.pragma_update(None, "user_version", known).at(path)?;
    }
    tx.commit().at(path)?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(conn: &Connection) -> i64 {
        conn.pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn applies_each_step_once_in_order() {
        let mut conn = Connection::open_in_memory().unwrap();
        let p = Path::new(":memory:");
        let steps = [
            "CREATE TABLE a(x);",
            "CREATE TABLE b(y); INSERT INTO a VALUES (1);",
        ];
        assert_eq!(migrate_with(&mut conn, p, &steps[..1]).unwrap(), 0);
        assert_eq!(version(&conn), 1);
        assert_eq!(migrate_with(&mut conn, p, &steps).unwrap(), 1);
        assert_eq!(migrate_with(&mut conn, p, &steps).unwrap(), 2);
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM a", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 1, "step 2 ran once");
        assert_eq!(version(&conn), 2);
    }

    #[test]
    fn a_failing_step_leaves_the_file_as_it_was() {
        let mut conn = Connection::open_in_memory().unwrap();
        let p = Path::new(":memory:");
        let steps = ["CREATE TABLE a(x);", "CREATE TABLE b(y); THIS IS NOT SQL;"];
        assert!(migrate_with(&mut conn, p, &steps).is_err());
        assert_eq!(version(&conn), 0);
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 0, "step 1 was rolled back with step 2");
    }

    #[test]
    fn a_newer_file_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        let err = migrate(&mut conn, Path::new(":memory:")).unwrap_err();
        assert_eq!(
            err,
            StoreError::TooNew {
                found: 99,
                known: SCHEMA_VERSION
            }
        );
    }

    #[test]
    fn the_real_schema_applies() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, Path::new(":memory:")).unwrap();
        assert_eq!(version(&conn), SCHEMA_VERSION);
    }

    #[test]
    fn step_2_drops_the_search_index_and_keeps_the_history() {
        let mut conn = Connection::open_in_memory().unwrap();
        let p = Path::new(":memory:");
        migrate_with(&mut conn, p, &STEPS[..1]).unwrap();
        conn.execute(
            "INSERT INTO history(id, event, title, body, created_at, target_view, received_at)
             VALUES ('n1', 'newNotification', 'Hello', 'there', '2030-01-01T00:00:00Z', 'notifications', 1)",
            [],
        )
        .unwrap();
        assert_eq!(migrate(&mut conn, p).unwrap(), 1);
        let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(count("SELECT count(*) FROM history WHERE id = 'n1'"), 1);
        let left = "SELECT count(*) FROM sqlite_schema WHERE name LIKE 'history_fts%'";
        assert_eq!(count(left), 0, "no index tables or triggers left");
        // Rows still insert and delete without the triggers.
        conn.execute("DELETE FROM history", []).unwrap();
        assert_eq!(count("SELECT count(*) FROM history"), 0);
    }

    #[test]
    fn step_3_drops_the_secondary_indexes_and_keeps_the_history() {
        let mut conn = Connection::open_in_memory().unwrap();
        let p = Path::new(":memory:");
        migrate_with(&mut conn, p, &STEPS[..2]).unwrap();
        conn.execute(
            "INSERT INTO history(id, event, title, body, created_at, target_view, received_at)
             VALUES ('n1', 'newNotification', 'Hello', 'there', '2030-01-01T00:00:00Z', 'notifications', 1)",
            [],
        )
        .unwrap();
        assert_eq!(migrate(&mut conn, p).unwrap(), 2);
        let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(count("SELECT count(*) FROM history WHERE id = 'n1'"), 1);
        let left =
            "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'history'
                    AND name NOT LIKE 'sqlite_autoindex%'";
        assert_eq!(count(left), 0, "no secondary index left");
        // The id stays unique: a re-delivery is still refused.
        let again = conn.execute(
            "INSERT INTO history(id, event, title, body, created_at, target_view, received_at)
             VALUES ('n1', 'newNotification', 'Hello', 'there', '2030-01-01T00:00:00Z', 'notifications', 1)",
            [],
        );
        assert!(again.is_err(), "a second n1 was stored");
    }
}
