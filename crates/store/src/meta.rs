//! The small state beside the history, on its connection: the time of the
//! last event seen (the catch-up cursor sent as `since`), the joined
//! conversations, and a key/value `meta` table for the rest.

use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
// IMMEDIATE: a write transaction takes the write lock at BEGIN, waiting
// (busy_timeout) for another connection's, instead of failing later.
use rusqlite::TransactionBehavior::Immediate;
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{At, StoreError};
use crate::history::HistoryStore;

const LAST_EVENT_AT: &str = "last_event_at";

/// The cursor moved forward only (stamps compare as text), on `conn` or
/// inside a caller's transaction; returns the stored value. Never past now
/// plus `CURSOR_SKEW`: a stamp beyond is cut to it, and a stored one beyond
/// (from an event dated 9999 before this rule) is replaced, so that one bogus
/// stamp cannot stop catch-up for good.
pub(crate) fn advance_cursor(
    conn: &rusqlite::Connection,
    at: DateTime<Utc>,
) -> rusqlite::Result<String> {
    let ceiling = stamp(cursor_ceiling());
    let at = stamp(at).min(ceiling.clone());
    // Cached: this runs in every batch's transaction.
    conn.prepare_cached(
        "INSERT INTO meta(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value =
             CASE WHEN value > ?3 THEN excluded.value ELSE max(value, excluded.value) END
         RETURNING value",
    )?
    .query_row([LAST_EVENT_AT, &at, &ceiling], |r| r.get(0))
}

/// The latest time the cursor may hold now.
fn cursor_ceiling() -> DateTime<Utc> {
    let skew = chrono::Duration::from_std(alora_link::CURSOR_SKEW).unwrap_or_default();
    let now = Utc::now();
    now.checked_add_signed(skew).unwrap_or(now)
}

/// One fixed format, so that stored times compare as strings.
fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl HistoryStore {
    /// A value from the key/value table.
    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .at(&self.path)
    }

    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO meta(key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .at(&self.path)?;
        Ok(())
    }

    /// The time of the latest event seen, for the handshake's `since`;
    /// `None` before the first event (or if the stored value is unreadable).
    /// No later than now plus `CURSOR_SKEW`, whatever is stored.
    pub fn last_event_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(self.meta(LAST_EVENT_AT)?.and_then(|v| {
            DateTime::parse_from_rfc3339(&v)
                .map(|t| t.with_timezone(&Utc).min(cursor_ceiling()))
                .map_err(
                    |e| tracing::warn!(value = v, error = %e, "stored last_event_at unreadable"),
                )
                .ok()
        }))
    }

    /// Moves the cursor to `at` unless it is already later: a replayed older
    /// event never moves it back. Returns the cursor after the call.
    pub fn set_last_event_at(&mut self, at: DateTime<Utc>) -> Result<DateTime<Utc>, StoreError> {
        let stored = advance_cursor(&self.conn, at).at(&self.path)?;
        Ok(DateTime::parse_from_rfc3339(&stored)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(at))
    }

    /// The conversations joined, in the order they were joined (ties by id).
    pub fn joined_conversations(&self) -> Result<Vec<String>, StoreError> {
        joined(&self.conn, &self.path)
    }

    /// Replaces the joined conversations with `ids`, in one transaction.
    pub fn set_joined_conversations(&mut self, ids: &[String]) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(Immediate)
            .at(&self.path)?;
        tx.execute("DELETE FROM joined_conversation", [])
            .at(&self.path)?;
        let now = stamp(Utc::now());
        for id in ids {
            tx.execute(
                "INSERT OR IGNORE INTO joined_conversation(conversation_id, joined_at) VALUES (?1, ?2)",
                params![id, now],
            )
            .at(&self.path)?;
        }
        tx.commit().at(&self.path)
    }

    /// Adds one conversation; false if it was joined already.
    pub fn join_conversation(&mut self, id: &str) -> Result<bool, StoreError> {
        join(&self.conn, &self.path, id)
    }

    /// Removes one conversation; false if it was not joined.
    pub fn leave_conversation(&mut self, id: &str) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute(
                "DELETE FROM joined_conversation WHERE conversation_id = ?1",
                [id],
            )
            .at(&self.path)?;
        Ok(n == 1)
    }
}

/// The joined conversations on any connection (the history's, or the
/// outbox's, through which the link keeps them).
pub(crate) fn joined(conn: &Connection, path: &Path) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT conversation_id FROM joined_conversation ORDER BY joined_at, conversation_id",
        )
        .at(path)?;
    let rows = stmt.query_map([], |r| r.get(0)).at(path)?;
    rows.collect::<Result<_, _>>().at(path)
}

/// Adds a joined conversation; false if it was there already.
pub(crate) fn join(conn: &Connection, path: &Path, id: &str) -> Result<bool, StoreError> {
    let n = conn
        .execute(
            "INSERT OR IGNORE INTO joined_conversation(conversation_id, joined_at) VALUES (?1, ?2)",
            params![id, stamp(Utc::now())],
        )
        .at(path)?;
    Ok(n == 1)
}
