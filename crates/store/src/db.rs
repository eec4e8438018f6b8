//! Opening the database file: the folder checks, the connection settings
//! (WAL, synchronous, busy timeout), the integrity check that moves a corrupt
//! file aside, and the migrations. Hands out one connection per user.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;

use crate::error::{At, StoreError};
use crate::history::HistoryStore;
use crate::migrate::migrate;
use crate::model::Retention;
use crate::outbox::SqliteOutbox;

/// The database's file name inside the data folder.
pub const FILE_NAME: &str = "alora.db";

/// The history connection's page cache, in KiB.
const HISTORY_CACHE_KIB: i64 = 8 * 1024;

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

/// What `Store::open` had to do that the user should hear about.
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
pub struct Store {
    path: PathBuf,
    retention: Retention,
}

impl Store {
    /// Opens (or creates) `dir/alora.db` with the default retention.
    pub fn open(dir: &Path) -> Result<(Store, OpenReport), StoreError> {
        Store::open_with(dir, Retention::default())
    }

    /// Opens (or creates) `dir/alora.db`: checks it, moves it aside when it
    /// is corrupt, applies the migrations and prunes the history.
    pub fn open_with(dir: &Path, retention: Retention) -> Result<(Store, OpenReport), StoreError> {
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
        Ok((Store { path, retention }, report))
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
        let wal_pages = crate::checkpoint::install(&mut conn, &self.path)?;
        let mut history = HistoryStore::new(conn, self.path.clone(), self.retention)?;
        history.wal_pages = Some(wal_pages);
        Ok(history)
    }
}

/// Opens a connection with the store's settings.
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
        let path = dir.path().join(FILE_NAME);
        let full = connect(&path, Durability::Full).unwrap_or_else(|e| panic!("{e}"));
        let normal = connect(&path, Durability::Normal).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pragma(&full, "journal_mode"), "Text(\"wal\")");
        assert_eq!(pragma(&full, "synchronous"), "Integer(2)", "FULL");
        assert_eq!(pragma(&normal, "synchronous"), "Integer(1)", "NORMAL");
        assert_eq!(pragma(&normal, "busy_timeout"), "Integer(5000)");
    }

    #[test]
    fn store_handles_are_send_for_the_link_and_the_app_state() {
        fn send<T: Send + 'static>() {}
        send::<SqliteOutbox>();
        send::<HistoryStore>();
        send::<Store>();
    }
}
