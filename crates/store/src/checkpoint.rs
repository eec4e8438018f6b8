//! WAL checkpoints of the history's connection, moved off the commit path.
//! SQLite's automatic checkpoint runs inside whichever commit takes the WAL
//! past 1 000 pages, and that commit then waits for the checkpoint's fsyncs,
//! which in a flood of events holds up the pipeline behind it. Here a commit
//! only notes the WAL's size; past the same threshold it nudges a thread of
//! its own, with its own connection, which waits for the writer to pause,
//! checkpoints PASSIVE (never blocking a writer), and then starts the WAL
//! over itself. The thread starts at the first nudge, so an idle app has
//! none, and ends when the history's connection is dropped.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::Connection;

use crate::connect::{connect, Durability};
use crate::error::{At, StoreError};

/// SQLite's own default threshold for its automatic checkpoint.
const WAL_PAGES: i32 = 1000;

/// Past this the WAL is checkpointed even while commits keep coming (a
/// flood longer than ~50 000 events); 40 MB of WAL at most.
const WAL_PAGES_MAX: i32 = 10 * WAL_PAGES;

/// A writer that committed nothing for this long has paused.
const QUIET: Duration = Duration::from_millis(100);

/// What the commit hook and the thread share.
#[derive(Debug, Default)]
struct Shared {
    /// The WAL's size in pages after the latest commit.
    pages: Arc<AtomicI32>,
    /// Commits so far: unchanged over `QUIET` means the writer paused.
    commits: AtomicU64,
}

/// Replaces the connection's automatic checkpoint; returns the WAL's size
/// in pages after the latest commit (for tests and logs).
pub(crate) fn install(conn: &mut Connection, path: &Path) -> Result<Arc<AtomicI32>, StoreError> {
    let shared = Arc::new(Shared::default());
    let seen = shared.clone();
    let mut thread = Checkpointer::new(path.to_path_buf(), shared.clone());
    // Setting a WAL hook replaces the automatic checkpoint (they share it).
    conn.wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, n: i32| {
        seen.pages.store(n, Ordering::Relaxed);
        seen.commits.fetch_add(1, Ordering::Relaxed);
        if n >= WAL_PAGES && !thread.nudge() {
            // No thread: checkpoint in the commit, as SQLite would have. The
            // commit is done; a failed checkpoint is retried at the next one.
            if let Err(e) = wal.checkpoint() {
                tracing::warn!(error = %e, "history checkpoint failed");
            }
        }
        Ok(())
    }))
    .at(path)?;
    Ok(shared.pages.clone())
}

/// The nudging side; the thread is started by the first nudge.
struct Checkpointer {
    path: PathBuf,
    shared: Arc<Shared>,
    tx: Option<SyncSender<()>>,
    /// Starting the thread failed once: do not try at every commit.
    failed: bool,
}

impl Checkpointer {
    fn new(path: PathBuf, shared: Arc<Shared>) -> Self {
        Checkpointer {
            path,
            shared,
            tx: None,
            failed: false,
        }
    }

    /// Asks for a checkpoint; false when there is no thread to do it.
    fn nudge(&mut self) -> bool {
        if self.tx.is_none() && !self.failed {
            self.tx = self.start();
            self.failed = self.tx.is_none();
        }
        match &self.tx {
            // Full: a checkpoint is already asked for, which will cover this one.
            Some(tx) => match tx.try_send(()) {
                Ok(()) | Err(mpsc::TrySendError::Full(())) => true,
                Err(mpsc::TrySendError::Disconnected(())) => {
                    self.tx = None;
                    false
                }
            },
            None => false,
        }
    }

    fn start(&self) -> Option<SyncSender<()>> {
        let conn = match connect(&self.path, Durability::Normal) {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!(error = %e, "no checkpoint connection; the WAL will grow until the next start");
                return None;
            }
        };
        // The restart (on this connection) also cuts the file back down:
        // after a flood the WAL may have grown to `WAL_PAGES_MAX`.
        if let Err(e) = conn.pragma_update(None, "journal_size_limit", i64::from(WAL_PAGES) * 4096)
        {
            tracing::debug!(error = %e, "the WAL keeps the size it grew to");
        }
        let (tx, rx) = mpsc::sync_channel(1);
        let path = self.path.clone();
        let shared = self.shared.clone();
        let spawned = std::thread::Builder::new()
            .name("history-ckpt".into())
            .spawn(move || run(&conn, &path, &rx, &shared));
        match spawned {
            Ok(_) => Some(tx),
            Err(e) => {
                tracing::warn!(error = %e, "no checkpoint thread; the WAL will grow until the next start");
                None
            }
        }
    }
}

fn run(conn: &Connection, path: &Path, nudges: &Receiver<()>, shared: &Shared) {
    while nudges.recv().is_ok() {
        wait_for_a_pause(shared);
        let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
        });
        match done.at(path) {
            Ok((wal, copied)) => {
                tracing::debug!(wal, copied, "history checkpoint");
                if wal == copied {
                    restart_wal(conn, path);
                }
            }
            Err(e) => tracing::warn!(error = %e, "history checkpoint failed"),
        }
    }
}

/// Until the writer has committed nothing for `QUIET`, or the WAL is too
/// big to wait any longer. A checkpoint in the middle of a flood would let
/// the flood's next commit start the WAL over, with the fsync that costs.
fn wait_for_a_pause(shared: &Shared) {
    loop {
        let before = shared.commits.load(Ordering::Relaxed);
        std::thread::sleep(QUIET);
        if shared.commits.load(Ordering::Relaxed) == before
            || shared.pages.load(Ordering::Relaxed) >= WAL_PAGES_MAX
        {
            return;
        }
    }
}

/// Once every frame is copied back, the next write starts the WAL over from
/// its first page and fsyncs its header (SQLite does, against reordered
/// writes after a restart), which took the pipeline's commit up to 90 ms
/// while the disk was busy, in a flood. Here one small write on this
/// thread's connection takes that step instead; the history's next commit
/// then only appends.
fn restart_wal(conn: &Connection, path: &Path) {
    let wrote = conn
        .execute(
            "INSERT INTO meta(key, value) VALUES (?1, datetime('now'))
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [WAL_RESTARTED_AT],
        )
        .at(path);
    if let Err(e) = wrote {
        tracing::debug!(error = %e, "the WAL is left for the next commit to restart");
    }
}

/// The `meta` key the restarting write sets: when the WAL last started over.
pub(crate) const WAL_RESTARTED_AT: &str = "wal_restarted_at";

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use crate::model::{HistoryItem, Retention, Target, View};
    use crate::Database;

    fn batch(from: u32) -> Vec<HistoryItem> {
        (from..from + 200)
            .map(|n| HistoryItem {
                id: format!("notification:{n}"),
                event: "newNotification".into(),
                title: format!("Booking request {n}"),
                body: "A new booking request for Friday 10:00, 60 minutes.".repeat(4),
                created_at: "2026-01-01T00:00:00.000Z".into(),
                read: false,
                link: None,
                target: Target::new(View::Bookings, Some(format!("b{n}"))),
                kind: Default::default(),
            })
            .collect()
    }

    fn checkpoint_threads() -> usize {
        std::fs::read_dir("/proc/self/task")
            .map(|tasks| {
                tasks
                    .flatten()
                    .filter(|t| {
                        std::fs::read_to_string(t.path().join("comm"))
                            .is_ok_and(|c| c.trim() == "history-ckpt")
                    })
                    .count()
            })
            .unwrap_or(0)
    }

    #[test]
    fn a_growing_wal_is_checkpointed_and_restarted_by_the_thread_once_the_writer_pauses() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = Database::open_with(
            dir.path(),
            Retention {
                prune_every: 0,
                ..Retention::default()
            },
        )
        .unwrap();
        let mut h = db.history().unwrap();
        let mut next = 0;
        // Past the threshold: the commit that crosses it only nudges.
        while h.wal_pages().unwrap() < super::WAL_PAGES {
            h.add_many(&batch(next)).unwrap();
            next += 200;
            assert!(next < 200_000, "the WAL never reached the threshold");
        }
        // The new thread names itself once it runs: give it the time to.
        let named_by = Instant::now() + Duration::from_secs(10);
        while checkpoint_threads() == 0 {
            assert!(Instant::now() < named_by, "no checkpoint thread started");
            std::thread::sleep(Duration::from_millis(10));
        }
        // Once the writer pauses, the thread copies the WAL back and starts
        // it over with a write of its own; the next commit then appends to
        // the new WAL, so its size is under the threshold. Without the
        // thread the automatic checkpoint is off and it never would be.
        let until = Instant::now() + Duration::from_secs(30);
        while h.meta(super::WAL_RESTARTED_AT).unwrap().is_none() {
            assert!(Instant::now() < until, "the thread never restarted the WAL");
            std::thread::sleep(Duration::from_millis(20));
        }
        h.add_many(&batch(next)).unwrap();
        next += 200;
        assert!(
            h.wal_pages().unwrap() < super::WAL_PAGES,
            "the commit after the restart did not start a new WAL: {:?}",
            h.wal_pages()
        );
        let all = h.len().unwrap();
        assert_eq!(all, usize::try_from(next).unwrap(), "every item kept");
    }

    #[test]
    fn a_history_in_memory_has_no_wal_to_report() {
        let h = crate::HistoryStore::in_memory(Retention::default()).unwrap();
        assert_eq!(h.wal_pages(), None);
    }
}
