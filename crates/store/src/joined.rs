//! The joined conversations, in the `joined_conversation` table: read and
//! written on the history's connection by the app, and on the outbox's by
//! the link, which joins them again after every reconnect.

use std::path::Path;

use chrono::Utc;
use rusqlite::{params, Connection};

use crate::cursor::stamp;
use crate::error::{At, StoreError};

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
