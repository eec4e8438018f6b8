//! The log file writer: one file a day (`alora-tray.YYYY-MM-DD.log`), a
//! size cap on each, and the days beyond `keep_days` deleted. Our own
//! rather than `tracing-appender`'s, which rotates by time only: a flood of
//! warnings could fill the disk within the day.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

/// Today's date, by whatever clock the caller trusts (tests: their own).
pub type Today = Box<dyn Fn() -> NaiveDate + Send>;

const PREFIX: &str = "alora-tray.";
const SUFFIX: &str = ".log";
/// What a full day's file becomes, replacing the one before: at most two
/// files a day, the newest lines kept.
const FULL: &str = ".1";

/// How much is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes in one file; past it the file is set aside as `….log.1`.
    pub cap: u64,
    /// Days of files kept, today's included.
    pub keep_days: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            cap: 5 * 1024 * 1024,
            keep_days: 7,
        }
    }
}

/// `io::Write` for one log line at a time (tracing's fmt layer writes
/// each event in one call), so that a file never ends mid-line.
pub struct DailyFile {
    dir: PathBuf,
    limits: Limits,
    today: Today,
    open: Option<Open>,
}

struct Open {
    date: NaiveDate,
    file: File,
    len: u64,
}

impl std::fmt::Debug for DailyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DailyFile")
            .field("dir", &self.dir)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl DailyFile {
    /// Makes the folder (0700: a log names servers and users) and opens
    /// today's file, so that a folder that cannot be written is known now.
    pub fn open(dir: &Path, limits: Limits, today: Today) -> io::Result<DailyFile> {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        let mut log = DailyFile {
            dir: dir.to_path_buf(),
            limits,
            today,
            open: None,
        };
        log.current()?;
        Ok(log)
    }

    /// The file of a day.
    pub fn path_for(dir: &Path, date: NaiveDate) -> PathBuf {
        dir.join(format!("{PREFIX}{}{SUFFIX}", date.format("%Y-%m-%d")))
    }

    /// Today's file, opened anew when the day has changed.
    fn current(&mut self) -> io::Result<&mut Open> {
        let today = (self.today)();
        if self.open.as_ref().map(|o| o.date) != Some(today) {
            let file = append(&Self::path_for(&self.dir, today))?;
            let len = file.metadata()?.len();
            self.open = Some(Open {
                date: today,
                file,
                len,
            });
            self.prune(today);
        }
        self.open
            .as_mut()
            .ok_or_else(|| io::Error::other("the log file is not open"))
    }

    /// Deletes the files of days no longer kept; others' files are left.
    fn prune(&self, today: NaiveDate) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let oldest = today - chrono::Days::new(u64::from(self.limits.keep_days.max(1) - 1));
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(date) = name.to_str().and_then(day_of) else {
                continue;
            };
            if date < oldest {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// The day a file of ours is for: `alora-tray.2026-01-31.log` or its `.1`.
fn day_of(name: &str) -> Option<NaiveDate> {
    let rest = name.strip_prefix(PREFIX)?;
    let date = rest
        .strip_suffix(SUFFIX)
        .or_else(|| rest.strip_suffix(&format!("{SUFFIX}{FULL}")))?;
    NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()
}

fn append(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
}

impl Write for DailyFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let cap = self.limits.cap;
        let dir = self.dir.clone();
        let open = self.current()?;
        if open.len > 0 && open.len + buf.len() as u64 > cap {
            let path = Self::path_for(&dir, open.date);
            let mut full = path.clone().into_os_string();
            full.push(FULL);
            std::fs::rename(&path, full)?;
            open.file = append(&path)?;
            open.len = 0;
        }
        // One line larger than the cap is cut, not left to grow the file.
        let take = buf.len().min(usize::try_from(cap).unwrap_or(usize::MAX));
        open.file.write_all(&buf[..take])?;
        open.len += take as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.open {
            Some(open) => open.file.flush(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
#[path = "daily_tests.rs"]
mod tests;
