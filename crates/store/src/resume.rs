//! What the app and the link need to pick up where they left off, on the
//! history's connection, as methods of `HistoryStore`: the catch-up cursor
//! (`cursor.rs`), the joined conversations (`joined.rs`), and the `meta`
//! key/value table the cursor lives in.

use chrono::{DateTime, Utc};
// IMMEDIATE: a write transaction takes the write lock at BEGIN, waiting
// (busy_timeout) for another connection's, instead of failing later.
use rusqlite::TransactionBehavior::Immediate;
use rusqlite::{params, OptionalExtension};

use crate::cursor;
use crate::error::{At, StoreError};
use crate::history::HistoryStore;
use crate::joined;

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
        Ok(self.meta(cursor::LAST_EVENT_AT)?.and_then(|v| {
            DateTime::parse_from_rfc3339(&v)
                .map(|t| t.with_timezone(&Utc).min(cursor::cursor_ceiling()))
                .map_err(
                    |e| tracing::warn!(value = v, error = %e, "stored last_event_at unreadable"),
                )
                .ok()
        }))
    }

    /// Moves the cursor to `at` unless it is already later: a replayed older
    /// event never moves it back. Returns the cursor after the call.
    pub fn set_last_event_at(&mut self, at: DateTime<Utc>) -> Result<DateTime<Utc>, StoreError> {
        let stored = cursor::advance_cursor(&self.conn, at).at(&self.path)?;
        Ok(DateTime::parse_from_rfc3339(&stored)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(at))
    }

    /// The conversations joined, in the order they were joined (ties by id).
    pub fn joined_conversations(&self) -> Result<Vec<String>, StoreError> {
        joined::joined(&self.conn, &self.path)
    }

    /// Replaces the joined conversations with `ids`, in one transaction.
    pub fn set_joined_conversations(&mut self, ids: &[String]) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(Immediate)
            .at(&self.path)?;
        tx.execute("DELETE FROM joined_conversation", [])
            .at(&self.path)?;
        let now = cursor::stamp(Utc::now());
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
        joined::join(&self.conn, &self.path, id)
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
