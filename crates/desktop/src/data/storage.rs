//! Where the app's data lives: `alora.db` in the data folder, opened for the
//! link's outbox and for the history; what went wrong said in words the user
//! can act on; and memory instead when the folder cannot be used, so that
//! the app keeps running either way. The folder is 0700 and the database
//! files 0600 whatever the umask (they hold messages and bookings), and a
//! missing home is never stood in for by a shared temp folder.

use std::io::ErrorKind;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use alora_link::{Link, LinkEvents, LinkHandle, MemoryStore, OutboxStore};
use alora_store::{Database, HistoryStore, Retention, StoreError};

use crate::data::inbox::Inbox;
use crate::models::Problem;
use crate::places;

/// Environment variables that bound the history (days, rows; 0 = no limit).
pub const MAX_DAYS_ENV: &str = "ALORA_HISTORY_MAX_DAYS";
pub const MAX_ROWS_ENV: &str = "ALORA_HISTORY_MAX_ROWS";

/// Where to keep the data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The data folder (next to the settings), or memory in demo mode: the
    /// demo's invented day must not end up in the user's real history.
    Default,
    Dir(PathBuf),
    Memory,
}

impl Location {
    fn resolve(self, demo: bool) -> Result<Option<PathBuf>, StoreError> {
        Ok(match self {
            Location::Default if demo => None,
            Location::Default => {
                Some(places::data_dir().ok_or_else(|| StoreError::Unwritable {
                    path: PathBuf::from("$XDG_DATA_HOME"),
                    reason:
                        "there is no home folder (neither HOME nor XDG_DATA_HOME is set)".into(),
                })?)
            }
            Location::Dir(dir) => Some(dir),
            Location::Memory => None,
        })
    }
}

/// At start, in every mode: the settings file goes into the data folder
/// even when the data stays in memory (demo), so the folder is made
/// private first. A folder that cannot be used is told by `open` later.
pub fn prepare_data_dir() {
    if let Some(dir) = places::data_dir() {
        if let Err(e) = private_dir(&dir) {
            tracing::warn!(error = %e, dir = %dir.display(), "the data folder cannot be made private");
        }
    }
}

/// Makes `dir` (its parents as the umask says) and sets it to 0700.
fn private_dir(dir: &Path) -> std::io::Result<()> {
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent)?;
    }
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            if !std::fs::metadata(dir)?.is_dir() {
                return Err(std::io::Error::new(
                    ErrorKind::NotADirectory,
                    "not a folder",
                ));
            }
        }
        Err(e) => return Err(e),
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

/// The database and its WAL and index, 0600. SQLite gives the WAL and the
/// index the mode of the database file, so that one is made 0600 first.
fn private_files(dir: &Path, create: bool) -> std::io::Result<()> {
    let db = dir.join(alora_store::FILE_NAME);
    if create {
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&db)?;
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut path = db.as_os_str().to_owned();
        path.push(suffix);
        match std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)) {
            Err(e) if e.kind() != ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

fn make_private(dir: &Path, create: bool) -> Result<(), StoreError> {
    let unwritable = |e: std::io::Error| StoreError::Unwritable {
        path: dir.to_path_buf(),
        reason: e.to_string(),
    };
    if create {
        private_dir(dir).map_err(unwritable)?;
    }
    private_files(dir, create).map_err(unwritable)
}

/// The history's limits: the store's defaults (90 days, 20 000 rows) unless
/// the environment says otherwise.
pub fn retention() -> Retention {
    let read = |key: &str| std::env::var(key).ok()?.trim().parse::<u32>().ok();
    let mut r = Retention::default();
    if let Some(days) = read(MAX_DAYS_ENV) {
        r.max_age_days = days;
    }
    if let Some(rows) = read(MAX_ROWS_ENV) {
        r.max_rows = rows;
    }
    r
}

/// What was opened, and what the user must hear about it.
pub struct Opened {
    pub history: HistoryStore,
    pub outbox: Box<dyn OutboxStore>,
    /// The database file; `None` when everything is in memory.
    pub file: Option<PathBuf>,
    pub problems: Vec<Problem>,
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened")
            .field("file", &self.file)
            .field("problems", &self.problems)
            .finish_non_exhaustive()
    }
}

/// The link over the stored outbox (its entries and joined conversations
/// restored), and the history beside it.
#[derive(Debug)]
pub struct Started {
    pub link: LinkHandle,
    pub events: LinkEvents,
    pub history: Inbox,
    pub problems: Vec<Problem>,
    /// The folder the history is in; `None` in memory.
    pub dir: Option<PathBuf>,
}

/// Opens the data and starts the link over its outbox. Needs a tokio runtime.
pub fn start(location: Location, demo: bool) -> Result<Started, StoreError> {
    let opened = open(location, demo, retention())?;
    let dir = opened
        .file
        .as_deref()
        .and_then(|f| f.parent())
        .map(|d| d.to_path_buf());
    let mut problems = opened.problems;
    let (link, events) = match Link::spawn_on_thread(opened.outbox) {
        Ok(pair) => pair,
        Err(e) => {
            // The file opened but its outbox could not be read: keep running.
            let p = Problem::new(
                e.code(),
                format!("{e}. Unsent messages are kept in memory only until Alora Tray quits."),
            );
            tracing::error!("{}", p.message);
            problems.push(p);
            Link::spawn()
        }
    };
    Ok(Started {
        link,
        events,
        history: Inbox::new(opened.history),
        problems,
        dir,
    })
}

/// Opens the data where `location` says; falls back to memory (with a
/// problem saying so) when the folder or the file cannot be used. Fails only
/// if not even an in-memory database can be made.
pub fn open(location: Location, demo: bool, retention: Retention) -> Result<Opened, StoreError> {
    let dir = match location.resolve(demo) {
        Ok(Some(dir)) => dir,
        Ok(None) => {
            tracing::info!(demo, "history and outbox kept in memory");
            return in_memory(retention, Vec::new());
        }
        Err(e) => return in_memory(retention, vec![unusable(&e)]),
    };
    if let Err(e) = make_private(&dir, true) {
        return in_memory(retention, vec![unusable(&e)]);
    }
    let (store, report) = match Database::open_with(&dir, retention) {
        Ok(opened) => opened,
        Err(e) => return in_memory(retention, vec![unusable(&e)]),
    };
    let mut problems = Vec::new();
    if let Some(aside) = &report.moved_aside {
        let p = Problem::new(
            "storage_corrupt",
            format!(
                "The history database was damaged. It was kept as {} and a new, empty one \
                 was started: earlier notifications and unsent messages are in the damaged copy.",
                aside.display()
            ),
        );
        tracing::error!(aside = %aside.display(), "{}", p.message);
        problems.push(p);
    }
    let outbox = match store.outbox() {
        Ok(o) => o,
        Err(e) => return in_memory(retention, [problems, vec![unusable(&e)]].concat()),
    };
    let history = match store.history() {
        Ok(h) => h,
        Err(e) => return in_memory(retention, [problems, vec![unusable(&e)]].concat()),
    };
    // What SQLite made meanwhile (a new file after a corrupt one was moved
    // aside, the WAL, the index).
    if let Err(e) = make_private(&dir, false) {
        return in_memory(retention, [problems, vec![unusable(&e)]].concat());
    }
    tracing::info!(
        file = %store.path().display(),
        schema_from = report.previous_version,
        pruned = report.pruned,
        "history and outbox on disk"
    );
    Ok(Opened {
        history,
        outbox: Box::new(outbox),
        file: Some(store.path().to_path_buf()),
        problems,
    })
}

fn in_memory(retention: Retention, problems: Vec<Problem>) -> Result<Opened, StoreError> {
    Ok(Opened {
        history: HistoryStore::in_memory(retention)?,
        outbox: Box::new(MemoryStore),
        file: None,
        problems,
    })
}

/// The folder or file cannot be used: what happened, and what it means.
fn unusable(e: &StoreError) -> Problem {
    let p = Problem::new(
        e.code(),
        format!(
            "{e}. Notifications and unsent messages are kept in memory only, until Alora Tray \
             quits; fix the data folder ({}) and restart to keep them.",
            places::data_dir().map_or_else(
                || "set HOME or XDG_DATA_HOME".to_owned(),
                |d| d.display().to_string()
            )
        ),
    );
    tracing::error!(code = e.code(), "{}", p.message);
    p
}

#[cfg(test)]
#[path = "storage_tests.rs"]
mod tests;
