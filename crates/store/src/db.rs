//! Opening the database file: the folder checks, the integrity check that
//! moves a corrupt file aside, and the migrations. Hands out one connection
//! per user, each with the settings of `connect.rs`.

use std::fs;
use std::path::{Path, PathBuf};

use rusqlite::Connection;

use crate::checkpoint;
use crate::connect::{connect, Durability};
use crate::error::{At, StoreError};
use crate::history::HistoryStore;
use crate::migrate::migrate;
use crate::model::Retention;
use crate::outbox::SqliteOutbox;

/// The database's file name inside the data folder.
pub const FILE_NAME: &str = "alora.db";

/// The history connection's page cache, in KiB.
const HISTORY_CACHE_KIB: i64 = 8 * 1024;

/// What `Database::open` had to do that the user should hear about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OpenReport {
    /// The corrupt file, renamed aside; a new empty database replaced it.
    pub moved_aside: Option<PathBuf>,
    /// The schema version the file had (0: a new file).
    pub previous_version: i64,
    /// History items dropped by the retention rules at open.
    pub pruned: usize,
}

/// The database file. Cheap to clone; it holds no connection itself: each
/// user (the link's outbox, the app's history) gets its own.
#[derive(Debug, Clone)]
pub struct Database {
    path: PathBuf,
    retention: Retention,
}

impl Database {
    /// Opens (or creates) `dir/alora.db` with the default retention.
    pub fn open(dir: &Path) -> Result<(Database, OpenReport), StoreError> {
        Database::open_with(dir, Retention::default())
    }

    /// Opens (or creates) `dir/alora.db`: checks it, moves it aside when it
    /// is corrupt, applies the migrations and prunes the history.
    pub fn open_with(
        dir: &Path,
        retention: Retention,
    ) -> Result<(Database, OpenReport), StoreError> {
        let unwritable = |reason: String| StoreError::Unwritable {
            path: dir.to_path_buf(),
            reason,
        };
        fs::create_dir_all(dir).map_err(|e| unwritable(e.to_string()))?;
        if !dir.is_dir() {
            return Err(unwritable("not a folder".into()));
        }
        let path = dir.join(FILE_NAME);
        let mut report = OpenReport::default();
        let (previous, pruned) = match prepare(&path, retention) {
            Err(e) if e.is_corrupt() => {
                tracing::error!(error = %e, path = %path.display(), "database corrupt; moving it aside");
                report.moved_aside = Some(move_aside(&path)?);
                prepare(&path, retention)?
            }
            other => other?,
        };
        report.previous_version = previous;
        report.pruned = pruned;
        Ok((Database { path, retention }, report))
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A connection for the outbox, every commit fsynced (`synchronous=FULL`).
    pub fn outbox(&self) -> Result<SqliteOutbox, StoreError> {
        let conn = connect(&self.path, Durability::Full)?;
        Ok(SqliteOutbox::new(conn, self.path.clone()))
    }

    /// A connection for the history, meta and conversations
    /// (`synchronous=NORMAL`: a crash of the app loses nothing committed).
    pub fn history(&self) -> Result<HistoryStore, StoreError> {
        let mut conn = connect(&self.path, Durability::Normal)?;
        // SQLite's default 2 MB was just short of what a flood's inserts
        // touch (the id index's leaves, the table's right edge): pages were
        // evicted and read back, 0.45 `pread`s per stored event (strace of
        // the `ingest` example), none with 8 MB. Only a flood fills it.
        conn.pragma_update(None, "cache_size", -HISTORY_CACHE_KIB)
            .at(&self.path)?;
        let wal_pages = checkpoint::install(&mut conn, &self.path)?;
        let mut history = HistoryStore::new(conn, self.path.clone(), self.retention)?;
        history.wal_pages = Some(wal_pages);
        Ok(history)
    }
}

/// Checks, migrates and prunes; returns the previous schema version and
/// how many history items were pruned.
fn prepare(path: &Path, retention: Retention) -> Result<(i64, usize), StoreError> {
    let mut conn = connect(path, Durability::Normal)?;
    quick_check(&conn, path)?;
    let previous = migrate(&mut conn, path)?;
    let mut history = HistoryStore::new(conn, path.to_path_buf(), retention)?;
    let pruned = history.prune()?;
    Ok((previous, pruned))
}

fn quick_check(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let mut stmt = conn.prepare("PRAGMA quick_check").at(path)?;
    let problems: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .at(path)?
        .collect::<Result<_, _>>()
        .at(path)?;
    if problems.len() == 1 && problems[0] == "ok" {
        return Ok(());
    }
    Err(StoreError::Corrupt(problems.join("; ")))
}

/// Renames the file (and its WAL) to `alora.db.corrupt-<time>`; the shared
/// memory index, rebuilt from the WAL, is removed.
fn move_aside(path: &Path) -> Result<PathBuf, StoreError> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let mut aside = path.with_file_name(format!("{FILE_NAME}.corrupt-{stamp}"));
    let mut n = 1;
    while aside.exists() {
        n += 1;
        aside = path.with_file_name(format!("{FILE_NAME}.corrupt-{stamp}-{n}"));
    }
    let io = |e: std::io::Error| StoreError::Io(format!("moving {} aside: {e}", path.display()));
    fs::rename(path, &aside).map_err(io)?;
    let side = |suffix: &str| {
        let mut s = path.as_os_str().to_owned();
        s.push(suffix);
        PathBuf::from(s)
    };
    let wal = side("-wal");
    if wal.exists() {
        let mut to = aside.as_os_str().to_owned();
        to.push("-wal");
        fs::rename(&wal, PathBuf::from(to)).map_err(io)?;
    }
    let shm = side("-shm");
    if shm.exists() {
        fs::remove_file(&shm).map_err(io)?;
    }
    Ok(aside)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_handles_are_send_for_the_link_and_the_app_state() {
        fn send<T: Send + 'static>() {}
        send::<SqliteOutbox>();
        send::<HistoryStore>();
        send::<Database>();
    }
}
