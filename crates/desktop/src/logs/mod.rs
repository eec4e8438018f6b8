//! The app's log on disk: `$XDG_STATE_HOME/com.alora.tray/logs/` (else
//! `~/.local/state/…`), a file a day with a size cap (`daily`), whether
//! standard error gets the lines too, and opening the folder for a user
//! asked to send it.

pub mod daily;

use std::io::IsTerminal;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

use crate::error::{AppError, AppResult};

/// `None` with no home: a shared temp folder is no stand-in.
pub fn dir() -> Option<PathBuf> {
    Some(
        crate::places::xdg_home("XDG_STATE_HOME", ".local/state")?
            .join(crate::app_id::APP_ID)
            .join("logs"),
    )
}

/// Today's log file, by the local calendar (what a user reading it goes by).
pub fn open_file() -> std::io::Result<daily::DailyFile> {
    let dir = dir().ok_or_else(|| std::io::Error::other("no home for the log"))?;
    daily::DailyFile::open(
        &dir,
        daily::Limits::default(),
        Box::new(|| chrono::Local::now().date_naive()),
    )
}

/// Standard error gets the lines as well, unless it is the systemd journal
/// (a launch from the desktop), which would keep every line twice, or
/// nowhere at all. A terminal, a pipe or a file (the tests, a script) do.
pub fn to_stderr_too() -> bool {
    let stderr = std::io::stderr();
    if stderr.is_terminal() {
        return true;
    }
    let Ok(meta) = std::fs::metadata("/proc/self/fd/2") else {
        return true;
    };
    let journal = std::env::var("JOURNAL_STREAM")
        .ok()
        .is_some_and(|stream| stream == format!("{}:{}", meta.dev(), meta.ino()));
    let null = std::fs::metadata("/dev/null").is_ok_and(|n| n.rdev() == meta.rdev());
    !journal && !null
}

/// Opens the log folder in the file manager (`xdg-open`), making it first
/// when nothing has been logged yet.
pub fn open_folder() -> AppResult<()> {
    let dir = dir().ok_or_else(|| AppError::Unavailable("there is no home folder".into()))?;
    std::fs::create_dir_all(&dir).map_err(|e| AppError::Unavailable(e.to_string()))?;
    let mut child = std::process::Command::new("xdg-open")
        .arg(&dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .spawn()
        .map_err(|e| AppError::Unavailable(format!("cannot run xdg-open: {e}")))?;
    // Reaped, so that it does not stay a zombie; the file manager it starts
    // outlives it.
    std::thread::spawn(move || child.wait());
    Ok(())
}
