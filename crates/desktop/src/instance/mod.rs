//! One instance per user: the process that holds an `flock` on
//! `<socket>.lock` for its whole life is the instance, and it alone binds
//! the socket, `$XDG_RUNTIME_DIR/alora-tray-<uid>.sock` or, when that is
//! unset or not private, `/tmp/alora-tray-<uid>/alora-tray-<uid>.sock`.
//! Forwarding over it is `socket.rs`.
//!
//! Another user of the machine must not be able to squat the path (stop the
//! app starting, or read what `alora-tray send` forwards): the folder is
//! checked with `lstat` (a real folder, ours, 0700) and the socket is bound
//! under umask 077. Two launches at once: exactly one gets the lock.

pub mod cli;
pub mod socket;

use std::fs::{File, OpenOptions, TryLockError};
use std::io::ErrorKind;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::net::{UnixListener as StdListener, UnixStream as StdStream};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use crate::platform::linux::current_uid;

/// Tests run several instances side by side: each names its own socket.
/// A path given here is the user's own choice and is used as it is (the
/// lock, the umask and the peer check still apply).
pub const SOCKET_ENV: &str = "ALORA_TRAY_SOCKET";

/// The socket and the lock file beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub socket: PathBuf,
    pub lock: PathBuf,
}

impl Endpoint {
    pub fn for_socket(socket: PathBuf) -> Endpoint {
        let mut lock = socket.as_os_str().to_owned();
        lock.push(".lock");
        Endpoint {
            socket,
            lock: PathBuf::from(lock),
        }
    }
}

/// This run's endpoint: `ALORA_TRAY_SOCKET`, else `$XDG_RUNTIME_DIR` when it
/// is private, else a private folder in /tmp (made if needed). An error
/// says why no private place could be had.
pub fn endpoint() -> std::io::Result<Endpoint> {
    if let Some(p) = std::env::var_os(SOCKET_ENV).filter(|p| !p.is_empty()) {
        return Ok(Endpoint::for_socket(PathBuf::from(p)));
    }
    let runtime = std::env::var_os("XDG_RUNTIME_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from);
    // A fixed /tmp, not $TMPDIR: every launch of this user must find the
    // same place, whatever its environment.
    endpoint_in(runtime, Path::new("/tmp"), current_uid())
}

/// The endpoint in `runtime` when that is a private folder of `uid`, else
/// in `tmp/alora-tray-<uid>/`, made 0700 or refused when it is not ours.
pub fn endpoint_in(runtime: Option<PathBuf>, tmp: &Path, uid: u32) -> std::io::Result<Endpoint> {
    let name = format!("alora-tray-{uid}.sock");
    if let Some(dir) = runtime {
        match check_private(&dir, uid) {
            Ok(()) => return Ok(Endpoint::for_socket(dir.join(name))),
            Err(e) => tracing::warn!(error = %e, "XDG_RUNTIME_DIR not used"),
        }
    }
    let dir = tmp.join(format!("alora-tray-{uid}"));
    match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
        // The umask may have taken bits from 0700: it is ours, set it.
        Ok(()) => std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?,
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    check_private(&dir, uid)?;
    Ok(Endpoint::for_socket(dir.join(name)))
}

/// A real folder (not a symlink: `lstat`), owned by `uid`, mode 0700.
fn check_private(dir: &Path, uid: u32) -> std::io::Result<()> {
    let meta = std::fs::symlink_metadata(dir)?;
    let mode = meta.mode() & 0o777;
    if meta.file_type().is_dir() && meta.uid() == uid && mode == 0o700 {
        return Ok(());
    }
    let kind = if meta.file_type().is_symlink() {
        "a symlink"
    } else if meta.file_type().is_dir() {
        "a folder"
    } else {
        "a file"
    };
    Err(std::io::Error::new(
        ErrorKind::PermissionDenied,
        format!(
            "{} is not a private folder of this user: it is {kind} owned by uid {}, mode {mode:o} \
             (uid {uid} and mode 700 needed); remove it, or set XDG_RUNTIME_DIR to a private folder",
            dir.display(),
            meta.uid()
        ),
    ))
}

/// This process is the instance while it holds this: the lock is let go
/// when it drops (or the process ends, however it ends).
#[derive(Debug)]
pub struct Claim {
    pub listener: StdListener,
    lock: File,
    socket: PathBuf,
}

/// The app's claim, held for the process's life; `release` lets it go.
static HELD: Mutex<Option<(File, PathBuf)>> = Mutex::new(None);

/// Becomes the instance: `None` when another one holds the lock (it runs,
/// or is starting). Must run before any thread starts (it sets the umask).
pub fn claim() -> std::io::Result<Option<StdListener>> {
    let Some(claim) = claim_at(&endpoint()?)? else {
        return Ok(None);
    };
    let Claim {
        listener,
        lock,
        socket,
    } = claim;
    *HELD.lock().unwrap_or_else(PoisonError::into_inner) = Some((lock, socket));
    Ok(Some(listener))
}

/// Of any number of simultaneous claims of one endpoint exactly one gets
/// the `flock`, and only it binds; a stale socket file (left by a crash,
/// whose lock the kernel let go) is replaced.
pub fn claim_at(endpoint: &Endpoint) -> std::io::Result<Option<Claim>> {
    let lock = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&endpoint.lock)?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => return Ok(None),
        Err(TryLockError::Error(e)) => return Err(e),
    }
    let path = &endpoint.socket;
    // An instance of a version from before the lock file still answers.
    if StdStream::connect(path).is_ok() {
        return Ok(None);
    }
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    // No moment at which the socket is open to others.
    let listener = with_umask(0o077, || StdListener::bind(path))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    listener.set_nonblocking(true)?;
    Ok(Some(Claim {
        listener,
        lock,
        socket: path.clone(),
    }))
}

#[allow(unsafe_code)]
fn with_umask<T>(mask: libc::mode_t, f: impl FnOnce() -> T) -> T {
    // SAFETY: umask only swaps the process's creation mask; claim runs
    // before any other thread, so no other file is created meanwhile.
    let before = unsafe { libc::umask(mask) };
    let out = f();
    // SAFETY: as above, putting back what was there.
    unsafe { libc::umask(before) };
    out
}

/// Removes the socket file, then lets go of the lock (at exit, and before
/// a relaunch so that the new process becomes the instance).
pub fn release() {
    let held = HELD.lock().unwrap_or_else(PoisonError::into_inner).take();
    if let Some((lock, socket)) = held {
        let _ = std::fs::remove_file(socket);
        drop(lock);
    }
}

#[cfg(test)]
#[path = "instance_tests.rs"]
mod tests;
