//! Alora Tray's data on disk, in one SQLite file (`alora.db` in the data
//! folder): the durable outbox behind the link, the notification history,
//! the joined conversations and the last event seen, and what is unread by
//! kind. No Tauri here.
//!
//! ```no_run
//! # fn demo(dir: &std::path::Path) -> Result<(), alora_store::StoreError> {
//! use alora_store::Database;
//! let (db, report) = Database::open(dir)?;
//! if let Some(aside) = report.moved_aside {
//!     eprintln!("the database was damaged; kept as {}", aside.display());
//! }
//! let outbox = db.outbox()?; // Box::new(outbox) into Link::spawn_with_store
//! let mut history = db.history()?;
//! # let item: alora_store::HistoryItem = todo!();
//! let is_new = history.add(&item)?; // pop up only when new
//! # Ok(()) }
//! ```
//!
//! Each user of the file has its own connection: the outbox's commits are
//! fsynced (`synchronous=FULL`: queued means on disk, through power loss;
//! only the delete of an acknowledged entry waits for the next sync),
//! the history's are not (`NORMAL`: a crash of the app loses nothing, a
//! power cut may lose the last moments). WAL mode lets both work at once.

mod checkpoint;
mod connect;
mod cursor;
mod db;
mod error;
mod history;
mod joined;
mod migrate;
mod model;
mod outbox;
mod resume;
mod search;
mod unread;

pub use db::{Database, OpenReport, FILE_NAME};
pub use error::StoreError;
pub use history::HistoryStore;
pub use migrate::SCHEMA_VERSION;
pub use model::{HistoryItem, HistoryQuery, Kind, Retention, Target, View};
pub use outbox::SqliteOutbox;
pub use unread::Unread;
