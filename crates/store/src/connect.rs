//! The settings every connection to the file gets: WAL, how much a commit
//! waits for the disk, how long it waits for another connection's lock.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

use crate::error::{At, StoreError};

/// How long a connection waits for another one's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How much a commit waits for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Durability {
    /// fsync on every commit: survives power loss (the outbox).
    Full,
    /// fsync at checkpoints: survives a crash of the app, may lose the last
    /// commits on power loss (the history).
    Normal,
}

/// Opens a connection with these settings.
pub(crate) fn connect(path: &Path, durability: Durability) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).at(path)?;
    conn.busy_timeout(BUSY_TIMEOUT).at(path)?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .at(path)?;
    if !mode.eq_ignore_ascii_case("wal") && path != Path::new(":memory:") {
        tracing::warn!(mode, "the database could not switch to WAL mode");
    }
    let sync = match durability {
        Durability::Full => "FULL",
        Durability::Normal => "NORMAL",
    };
    conn.pragma_update(None, "synchronous", sync).at(path)?;
    // Damaged pages are reported when read rather than misread.
    conn.pragma_update(None, "cell_size_check", true).at(path)?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pragma(conn: &Connection, name: &str) -> String {
        conn.query_row(&format!("PRAGMA {name}"), [], |r| {
            r.get::<_, rusqlite::types::Value>(0)
        })
        .map(|v| format!("{v:?}"))
        .unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn connections_get_wal_their_durability_and_a_busy_timeout() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join(crate::FILE_NAME);
        let full = connect(&path, Durability::Full).unwrap_or_else(|e| panic!("{e}"));
        let normal = connect(&path, Durability::Normal).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pragma(&full, "journal_mode"), "Text(\"wal\")");
        assert_eq!(pragma(&full, "synchronous"), "Integer(2)", "FULL");
        assert_eq!(pragma(&normal, "synchronous"), "Integer(1)", "NORMAL");
        assert_eq!(pragma(&normal, "busy_timeout"), "Integer(5000)");
    }
}
