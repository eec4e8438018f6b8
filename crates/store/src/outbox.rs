//! The durable outbox: `alora_link::OutboxStore` on the `outbox` table, one
//! JSON row per entry keyed by its id (queue order), each write committed
//! and fsynced before it returns; and the link's joined conversations.

use std::path::{Path, PathBuf};

use alora_link::{LinkError, OutboxEntry, OutboxStore};
// IMMEDIATE: a write transaction takes the write lock at BEGIN, waiting
// (busy_timeout) for another connection's, instead of failing later.
use rusqlite::TransactionBehavior::Immediate;
use rusqlite::{params, Connection};

use crate::error::{At, StoreError};
use crate::joined;

/// The outbox's own connection (`synchronous=FULL`), moved into the link's
/// actor. Get one from [`crate::Database::outbox`].
#[derive(Debug)]
pub struct SqliteOutbox {
    conn: Connection,
    path: PathBuf,
    /// The journal is a WAL, whose fsyncs keep commits in order.
    wal: bool,
}

fn row_id(id: u64) -> Result<i64, StoreError> {
    i64::try_from(id).map_err(|_| StoreError::InvalidInput(format!("outbox id {id} is too large")))
}

impl SqliteOutbox {
    pub(crate) fn new(conn: Connection, path: PathBuf) -> Self {
        let wal = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0))
            .is_ok_and(|mode| mode.eq_ignore_ascii_case("wal"));
        SqliteOutbox { conn, path, wal }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Caps the file at `pages` pages (4 KiB each) for this connection, as a
    /// quota would; a write past it fails like a full disk. For tests of
    /// the full-disk path where a small file system cannot be mounted.
    /// Returns the cap in force (never below the file's current size).
    pub fn limit_pages(&self, pages: u32) -> Result<i64, StoreError> {
        self.conn
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
                r.get(0)
            })
            .at(&self.path)
    }

    /// Every entry in queue order. A row that cannot be read back (written
    /// by another version of the app) is moved to `outbox_unreadable` and
    /// logged, rather than failing the whole outbox or being overwritten.
    pub fn load_entries(&mut self) -> Result<Vec<OutboxEntry>, StoreError> {
        let rows: Vec<(i64, String)> = {
            let mut stmt = self
                .conn
                .prepare("SELECT id, body FROM outbox ORDER BY id")
                .at(&self.path)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .at(&self.path)?;
            rows.collect::<Result<_, _>>().at(&self.path)?
        };
        let mut entries = Vec::with_capacity(rows.len());
        let mut unreadable = Vec::new();
        for (id, body) in rows {
            match serde_json::from_str::<OutboxEntry>(&body) {
                Ok(mut entry) => {
                    // The row's key is the truth; the copy in the body follows it.
                    entry.id = u64::try_from(id).unwrap_or(entry.id);
                    entries.push(entry);
                }
                Err(e) => unreadable.push((id, body, e.to_string())),
            }
        }
        if !unreadable.is_empty() {
            self.set_aside(&unreadable)?;
        }
        Ok(entries)
    }

    fn set_aside(&mut self, rows: &[(i64, String, String)]) -> Result<(), StoreError> {
        let now = chrono::Utc::now().to_rfc3339();
        let tx = self
            .conn
            .transaction_with_behavior(Immediate)
            .at(&self.path)?;
        for (id, body, reason) in rows {
            tracing::error!(id, reason, "outbox entry unreadable; set aside");
            tx.execute(
                "INSERT OR REPLACE INTO outbox_unreadable(id, body, reason, moved_at) VALUES (?1, ?2, ?3, ?4)",
                params![id, body, reason, now],
            )
            .at(&self.path)?;
            tx.execute("DELETE FROM outbox WHERE id = ?1", [id])
                .at(&self.path)?;
        }
        tx.commit().at(&self.path)
    }

    /// Writes a new or changed entry; on disk when this returns.
    pub fn save_entry(&mut self, entry: &OutboxEntry) -> Result<(), StoreError> {
        let body = serde_json::to_string(entry)
            .map_err(|e| StoreError::InvalidInput(format!("outbox entry {}: {e}", entry.id)))?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "INSERT INTO outbox(id, body) VALUES (?1, ?2)
                 ON CONFLICT(id) DO UPDATE SET body = excluded.body",
            )
            .at(&self.path)?;
        stmt.execute(params![row_id(entry.id)?, body])
            .at(&self.path)?;
        Ok(())
    }

    /// Writes several entries in one transaction (one sync): all on disk
    /// when this returns, or none.
    pub fn save_entries(&mut self, entries: &[OutboxEntry]) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(Immediate)
            .at(&self.path)?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO outbox(id, body) VALUES (?1, ?2)
                     ON CONFLICT(id) DO UPDATE SET body = excluded.body",
                )
                .at(&self.path)?;
            for entry in entries {
                let body = serde_json::to_string(entry).map_err(|e| {
                    StoreError::InvalidInput(format!("outbox entry {}: {e}", entry.id))
                })?;
                stmt.execute(params![row_id(entry.id)?, body])
                    .at(&self.path)?;
            }
        }
        tx.commit().at(&self.path)
    }

    /// Forgets an entry the server has acknowledged. Under WAL the delete is
    /// not fsynced on its own (a window of 1 000 acks made 1 000 disk syncs):
    /// the next fsynced commit, or the checkpoint, carries it to disk, as
    /// the WAL is synced in order. A power cut before that brings the entry
    /// back, and it is sent again with the same `clientId`, which the server
    /// takes once; without WAL (where NORMAL could corrupt) it stays FULL.
    pub fn remove_entry(&mut self, id: u64) -> Result<(), StoreError> {
        let lazy = self.wal;
        if lazy {
            self.conn
                .pragma_update(None, "synchronous", "NORMAL")
                .at(&self.path)?;
        }
        let removed = self
            .conn
            .prepare_cached("DELETE FROM outbox WHERE id = ?1")
            .at(&self.path)
            .and_then(|mut stmt| stmt.execute([row_id(id)?]).at(&self.path));
        if lazy {
            // Whatever the delete did, every other write stays fsynced.
            self.conn
                .pragma_update(None, "synchronous", "FULL")
                .at(&self.path)?;
        }
        removed.map(drop)
    }
}

impl OutboxStore for SqliteOutbox {
    fn load(&mut self) -> Result<Vec<OutboxEntry>, LinkError> {
        Ok(self.load_entries()?)
    }

    fn save(&mut self, entry: &OutboxEntry) -> Result<(), LinkError> {
        self.save_entry(entry).map_err(|e| {
            tracing::error!(id = entry.id, error = %e, "outbox entry not stored");
            LinkError::from(e)
        })
    }

    fn save_all(&mut self, entries: &[OutboxEntry]) -> Result<(), LinkError> {
        self.save_entries(entries).map_err(|e| {
            tracing::error!(entries = entries.len(), error = %e, "outbox entries not stored");
            LinkError::from(e)
        })
    }

    fn remove(&mut self, id: u64) -> Result<(), LinkError> {
        self.remove_entry(id).map_err(|e| {
            tracing::error!(id, error = %e, "outbox entry not removed");
            LinkError::from(e)
        })
    }

    fn load_joined(&mut self) -> Result<Vec<String>, LinkError> {
        Ok(joined::joined(&self.conn, &self.path)?)
    }

    fn save_joined(&mut self, conversation_id: &str) -> Result<(), LinkError> {
        joined::join(&self.conn, &self.path, conversation_id)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use alora_link::{Outbox, Outgoing, SendMessage};

    use crate::Database;

    fn message(n: u32) -> Outgoing {
        Outgoing::SendMessage(SendMessage {
            client_id: format!("c{n}"),
            conversation_id: "conv".into(),
            content: format!("m{n}"),
        })
    }

    /// The delete of an acknowledged entry is seen at once by another
    /// connection and by the next run, and the outbox's own connection is
    /// FULL again afterwards, for every other write.
    #[test]
    fn an_ack_deletes_lazily_and_leaves_every_other_write_fsynced() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = Database::open(dir.path()).unwrap();
        let mut disk = db.outbox().unwrap();
        assert!(disk.wal, "the outbox runs on a WAL");
        let mut queued = Outbox::open(Box::new(db.outbox().unwrap())).unwrap();
        let (a, _) = queued.queue(message(1)).unwrap();
        let (b, _) = queued.queue(message(2)).unwrap();
        disk.remove_entry(a.id).unwrap();
        let sync: i64 = disk
            .conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 2, "FULL");
        drop(queued);
        let left: Vec<_> = db.outbox().unwrap().load_entries().unwrap();
        assert_eq!(left.iter().map(|e| e.id).collect::<Vec<_>>(), [b.id]);
    }
}
