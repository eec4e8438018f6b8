//! The store's errors: what went wrong with the file or the folder, a stable
//! code for each so that the UI can tell them apart, and the mapping of
//! SQLite's result codes onto them.

use std::path::{Path, PathBuf};

use alora_link::LinkError;
use rusqlite::ErrorCode;

/// An error from the store. None of them is a panic: a bad file, a bad
/// folder or a full disk all come back as one of these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The folder or the file cannot be written (read-only, no permission,
    /// a path through a regular file...).
    #[error("cannot write to {} (read-only, no permission, or not a folder?): {reason}", path.display())]
    Unwritable { path: PathBuf, reason: String },
    /// The disk (or the file's page limit) is full.
    #[error("the disk is full: {0}")]
    Full(String),
    /// The database file is damaged. At open it is moved aside instead; this
    /// is what a damage found later looks like.
    #[error("the database file is damaged: {0}")]
    Corrupt(String),
    /// The file was written by a newer version of the app.
    #[error(
        "the database is at version {found}, newer than this app knows ({known}); update the app"
    )]
    TooNew { found: i64, known: i64 },
    /// Another process holds the file locked for longer than the busy timeout.
    #[error("the database is busy (another Alora Tray running?): {0}")]
    Busy(String),
    /// A file-system operation around the database failed.
    #[error("file error: {0}")]
    Io(String),
    /// A value given by the caller the store cannot keep.
    #[error("{0}")]
    InvalidInput(String),
    /// Any other SQLite failure.
    #[error("database error: {0}")]
    Sqlite(String),
}

impl StoreError {
    /// A short machine-readable code, stable across releases.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Unwritable { .. } => "storage_unwritable",
            StoreError::Full(_) => "storage_full",
            StoreError::Corrupt(_) => "storage_corrupt",
            StoreError::TooNew { .. } => "storage_too_new",
            StoreError::Busy(_) => "storage_busy",
            StoreError::Io(_) => "storage_io",
            StoreError::InvalidInput(_) => "storage_invalid_input",
            StoreError::Sqlite(_) => "storage_sqlite",
        }
    }

    /// Classifies a SQLite error met while working on the file at `path`.
    pub(crate) fn at(path: &Path, e: rusqlite::Error) -> StoreError {
        let text = e.to_string();
        match e.sqlite_error_code() {
            Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
                StoreError::Unwritable {
                    path: path.to_path_buf(),
                    reason: text,
                }
            }
            Some(ErrorCode::DiskFull) => StoreError::Full(text),
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => StoreError::Corrupt(text),
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy(text),
            _ => StoreError::Sqlite(text),
        }
    }

    pub(crate) fn is_corrupt(&self) -> bool {
        matches!(self, StoreError::Corrupt(_))
    }
}

/// Adds the file's path to a SQLite result, classifying its error.
pub(crate) trait At<T> {
    fn at(self, path: &Path) -> Result<T, StoreError>;
}

impl<T> At<T> for rusqlite::Result<T> {
    fn at(self, path: &Path) -> Result<T, StoreError> {
        self.map_err(|e| StoreError::at(path, e))
    }
}

/// The outbox's port speaks `LinkError`: every store failure becomes
/// `LinkError::Storage`, so the link refuses the entry instead of losing it.
impl From<StoreError> for LinkError {
    fn from(e: StoreError) -> Self {
        LinkError::Storage(format!("{} ({})", e, e.code()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_codes_map_to_stable_codes() {
        let err = |code: i32| rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None);
        let p = Path::new("/x");
        assert_eq!(
            StoreError::at(p, err(rusqlite::ffi::SQLITE_FULL)).code(),
            "storage_full"
        );
        assert_eq!(
            StoreError::at(p, err(rusqlite::ffi::SQLITE_NOTADB)).code(),
            "storage_corrupt"
        );
        assert_eq!(
            StoreError::at(p, err(rusqlite::ffi::SQLITE_READONLY)).code(),
            "storage_unwritable"
        );
        assert_eq!(
            StoreError::at(p, err(rusqlite::ffi::SQLITE_BUSY)).code(),
            "storage_busy"
        );
        let link: LinkError = StoreError::Full("no space".into()).into();
        assert_eq!(link.code(), "storage");
        assert!(link.to_string().contains("storage_full"));
    }
}
