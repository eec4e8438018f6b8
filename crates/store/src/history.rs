//! The notification history on disk: add (a re-delivered id is kept once),
//! newest-first listing with search and filters, read flags, and pruning to
//! the retention limits. The same methods as the app's in-memory `History`,
//! returning `Result`s.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;

// IMMEDIATE: a write transaction takes the write lock at BEGIN, waiting
// (busy_timeout) for another connection's, instead of failing later.
use rusqlite::TransactionBehavior::Immediate;
use rusqlite::{params, params_from_iter, Connection, Row};

use crate::cursor;
use crate::error::{At, StoreError};
use crate::migrate::migrate;
use crate::model::{HistoryItem, HistoryQuery, Kind, Retention, Target, View};
use crate::search::{self, COLUMNS};
use crate::unread::Unread;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The history's own connection (`synchronous=NORMAL`). Get one from
/// [`crate::Database::history`], or [`HistoryStore::in_memory`] when the
/// data folder is unusable.
#[derive(Debug)]
pub struct HistoryStore {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
    retention: Retention,
    added_since_prune: u32,
    /// The unread counts by kind and the `PRAGMA data_version` they hold
    /// for: kept up to date by this connection's own writes (the tray asks
    /// after every batch of a flood, and counting 20 000 rows each time
    /// capped it), counted again once another connection wrote (unread.rs).
    pub(crate) unread: Cell<Option<(i64, Unread)>>,
    /// The WAL's size in pages after the latest commit, kept by the
    /// checkpoint hook (none in memory).
    pub(crate) wal_pages: Option<Arc<AtomicI32>>,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn item_from(r: &Row<'_>) -> rusqlite::Result<HistoryItem> {
    Ok(HistoryItem {
        id: r.get(0)?,
        event: r.get(1)?,
        title: r.get(2)?,
        body: r.get(3)?,
        created_at: r.get(4)?,
        read: r.get(5)?,
        link: r.get(6)?,
        target: Target::new(View::from_stored(&r.get::<_, String>(7)?), r.get(8)?),
        kind: Kind::from_stored(&r.get::<_, String>(9)?),
    })
}

impl HistoryStore {
    pub(crate) fn new(
        conn: Connection,
        path: PathBuf,
        retention: Retention,
    ) -> Result<Self, StoreError> {
        search::register(&conn).at(&path)?;
        Ok(HistoryStore {
            conn,
            path,
            retention,
            added_since_prune: 0,
            unread: Cell::new(None),
            wal_pages: None,
        })
    }

    /// A history that lives only as long as the process, with the same
    /// behaviour: the fallback when the data folder cannot be used.
    pub fn in_memory(retention: Retention) -> Result<HistoryStore, StoreError> {
        let path = PathBuf::from(":memory:");
        let mut conn = Connection::open_in_memory().at(&path)?;
        migrate(&mut conn, &path)?;
        HistoryStore::new(conn, path, retention)
    }

    /// The WAL's size in pages after the latest commit (none in memory).
    pub fn wal_pages(&self) -> Option<i32> {
        self.wal_pages.as_ref().map(|p| p.load(Ordering::Relaxed))
    }

    /// The database file (`:memory:` for the in-memory fallback).
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn retention(&self) -> Retention {
        self.retention
    }

    /// Caps the file at `pages` pages for this connection, as the outbox's
    /// `limit_pages` does: for tests of a full disk. Returns the cap in force.
    pub fn limit_pages(&self, pages: u32) -> Result<i64, StoreError> {
        self.conn
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
                r.get(0)
            })
            .at(&self.path)
    }

    /// Stores an item unless one with its id is there (a re-delivery);
    /// true when it was new. Stored (against a crash of the app) on return.
    pub fn add(&mut self, item: &HistoryItem) -> Result<bool, StoreError> {
        let new = self.add_many(std::slice::from_ref(item))?;
        Ok(new.first().copied().unwrap_or(false))
    }

    /// Stores many items in one transaction (one commit for a storm of
    /// events); for each, whether it was new. A repeated id, already stored or
    /// earlier in `items`, is not new.
    pub fn add_many(&mut self, items: &[HistoryItem]) -> Result<Vec<bool>, StoreError> {
        self.add_many_at(items, now_ms(), None)
    }

    /// `add_many`, and the catch-up cursor moved to `newest` in the same
    /// transaction: one commit per batch, and the cursor can never run
    /// ahead of what is stored.
    pub fn add_many_advancing(
        &mut self,
        items: &[HistoryItem],
        newest: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Vec<bool>, StoreError> {
        self.add_many_at(items, now_ms(), newest)
    }

    pub(crate) fn add_many_at(
        &mut self,
        items: &[HistoryItem],
        received_at: i64,
        newest: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Vec<bool>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(Immediate)
            .at(&self.path)?;
        let mut new = Vec::with_capacity(items.len());
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO history(id, event, title, body, created_at, read, link,
                                         target_view, target_id, received_at, kind)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                     ON CONFLICT(id) DO NOTHING",
                )
                .at(&self.path)?;
            for it in items {
                let changed = stmt
                    .execute(params![
                        it.id,
                        it.event,
                        it.title,
                        it.body,
                        it.created_at,
                        it.read,
                        it.link,
                        it.target.view.as_str(),
                        it.target.id,
                        received_at,
                        it.kind.as_str()
                    ])
                    .at(&self.path)?;
                new.push(changed == 1);
            }
        }
        if let Some(at) = newest {
            cursor::advance_cursor(&tx, at).at(&self.path)?;
        }
        tx.commit().at(&self.path)?;
        let mut unread = Unread::default();
        for (it, _) in items.iter().zip(&new).filter(|(it, n)| **n && !it.read) {
            unread.add(it.kind, 1);
        }
        self.adjust_unread(|n| n.plus(&unread));
        let added = new.iter().filter(|n| **n).count();
        self.after_adding(u32::try_from(added).unwrap_or(u32::MAX));
        Ok(new)
    }

    fn after_adding(&mut self, added: u32) {
        self.added_since_prune = self.added_since_prune.saturating_add(added);
        let every = self.retention.prune_every;
        if every > 0 && self.added_since_prune >= every {
            // The items are stored; a failed prune is retried after the next batch.
            if let Err(e) = self.prune() {
                tracing::warn!(error = %e, "history pruning failed");
            }
        }
    }

    /// Newest first (in order of arrival). `query` matches title and body
    /// case-insensitively as a substring; `event` (non-empty) filters by
    /// event; `unread_only`; `limit`.
    pub fn list(&self, q: &HistoryQuery) -> Result<Vec<HistoryItem>, StoreError> {
        let (sql, args) = search::list_sql(q);
        let mut stmt = self.conn.prepare_cached(&sql).at(&self.path)?;
        let rows = stmt
            .query_map(params_from_iter(args), item_from)
            .at(&self.path)?;
        rows.collect::<Result<_, _>>().at(&self.path)
    }

    /// One item by id.
    pub fn get(&self, id: &str) -> Result<Option<HistoryItem>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM history WHERE id = ?1"))
            .at(&self.path)?;
        let mut rows = stmt.query_map([id], item_from).at(&self.path)?;
        rows.next().transpose().at(&self.path)
    }

    /// Marks these ids read (all when `ids` is empty); how many changed.
    pub fn mark_read(&mut self, ids: &[String]) -> Result<usize, StoreError> {
        if ids.is_empty() {
            let changed = self
                .conn
                .execute("UPDATE history SET read = 1 WHERE read = 0", [])
                .at(&self.path)?;
            self.adjust_unread(|_| Unread::default());
            return Ok(changed);
        }
        let list = serde_json::to_string(ids)
            .map_err(|e| StoreError::InvalidInput(format!("ids: {e}")))?;
        // RETURNING: the kinds that stopped waiting, so that the counts
        // follow without counting the table again.
        let mut stmt = self
            .conn
            .prepare_cached(
                "UPDATE history SET read = 1
                 WHERE read = 0 AND id IN (SELECT value FROM json_each(?1))
                 RETURNING kind",
            )
            .at(&self.path)?;
        let kinds = stmt
            .query_map([list], |r| r.get::<_, String>(0))
            .at(&self.path)?
            .collect::<Result<Vec<_>, _>>()
            .at(&self.path)?;
        drop(stmt);
        let mut read = Unread::default();
        for kind in &kinds {
            read.add(Kind::from_stored(kind), 1);
        }
        self.adjust_unread(|n| n.minus(&read));
        Ok(kinds.len())
    }

    /// How many items are kept.
    pub fn len(&self) -> Result<usize, StoreError> {
        self.count("SELECT count(*) FROM history")
    }

    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.len()? == 0)
    }

    pub(crate) fn count(&self, sql: &str) -> Result<usize, StoreError> {
        let n: i64 = self.conn.query_row(sql, [], |r| r.get(0)).at(&self.path)?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// Drops items older than `max_age_days` and all but the newest
    /// `max_rows`; how many were dropped. Runs at open and every
    /// `prune_every` added items.
    pub fn prune(&mut self) -> Result<usize, StoreError> {
        let Retention {
            max_age_days,
            max_rows,
            ..
        } = self.retention;
        let tx = self
            .conn
            .transaction_with_behavior(Immediate)
            .at(&self.path)?;
        let mut dropped = 0;
        if max_age_days > 0 {
            let cutoff = now_ms() - i64::from(max_age_days) * DAY_MS;
            // `received_at` grows with `seq` (it is the clock at insert), so
            // the cut is the first fresh row in `seq` order: with no index on
            // the age, this reads the old rows and one more, not the table.
            // Should the clock have gone back, a row is kept longer, never
            // dropped early.
            dropped += tx
                .execute(
                    "DELETE FROM history WHERE seq < coalesce(
                       (SELECT seq FROM history WHERE received_at >= ?1 ORDER BY seq LIMIT 1),
                       (SELECT max(seq) + 1 FROM history))",
                    [cutoff],
                )
                .at(&self.path)?;
        }
        if max_rows > 0 {
            dropped += tx
                .execute(
                    "DELETE FROM history WHERE seq <=
                     (SELECT seq FROM history ORDER BY seq DESC LIMIT 1 OFFSET ?1)",
                    [max_rows],
                )
                .at(&self.path)?;
        }
        tx.commit().at(&self.path)?;
        self.added_since_prune = 0;
        if dropped > 0 {
            self.unread.set(None);
            tracing::info!(dropped, "history pruned");
        }
        Ok(dropped)
    }
}

#[cfg(test)]
#[path = "history_tests.rs"]
mod tests;
