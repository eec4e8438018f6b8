//! One instance per user, and forwarding to it: the first instance listens
//! on a Unix socket (`$XDG_RUNTIME_DIR/alora-tray-<uid>.sock`, else in a
//! private `/tmp/alora-tray-<uid>/`) and holds an `flock` on the lock file
//! beside it for its whole life; a later launch sends its subcommand (or
//! "open") as one JSON line and prints the answer. One mechanism for the GUI
//! and `--headless` alike, and unlike the single-instance plugin it carries
//! an answer back, so `send` with a bad payload fails in the terminal that
//! typed it.
//!
//! What another user of the machine could do is what shapes this: squat the
//! path (the folder is checked with `lstat`: ours, a real folder, 0700),
//! connect (the peer's uid is checked on every connection), or tie up the
//! instance (a line is at most 64 KiB and a connection idle for 30 s ends).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::net::{UnixListener as StdListener, UnixStream as StdStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader as TokioBufReader};
use tokio::net::{UnixListener, UnixStream};

use crate::cli::Forward;
use crate::core::Core;
use crate::error::{AppError, AppResult, ErrorBody};

/// Tests run several instances side by side: each names its own socket.
/// A path given here is the user's own choice and is used as it is (the
/// lock, the umask and the peer check still apply).
pub const SOCKET_ENV: &str = "ALORA_TRAY_SOCKET";
const ANSWER_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    pub ok: bool,
    #[serde(default)]
    pub result: Value,
    #[serde(default)]
    pub error: Option<ErrorBody>,
}

/// The real uid of this process.
#[allow(unsafe_code)]
pub fn current_uid() -> u32 {
    // SAFETY: getuid takes nothing, cannot fail and touches no memory of ours.
    unsafe { libc::getuid() }
}

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

/// Sends one request to the running instance and waits for its answer.
/// `NotRunning` when nobody listens.
pub fn forward(request: &Forward) -> AppResult<Value> {
    forward_within(request, Duration::ZERO)
}

/// `forward`, waiting up to `patience` for an instance that holds the lock
/// but does not listen yet (it is starting).
pub fn forward_within(request: &Forward, patience: Duration) -> AppResult<Value> {
    let endpoint = endpoint().map_err(|e| AppError::Forward(e.to_string()))?;
    let mut stream = connect(&endpoint, patience)?;
    let io = |e: std::io::Error| AppError::Forward(e.to_string());
    stream.set_read_timeout(Some(ANSWER_TIMEOUT)).map_err(io)?;
    let mut line = serde_json::to_string(request).map_err(|e| AppError::Forward(e.to_string()))?;
    line.push('\n');
    stream.write_all(line.as_bytes()).map_err(io)?;
    let mut answer = String::new();
    BufReader::new(stream).read_line(&mut answer).map_err(io)?;
    let reply: Reply =
        serde_json::from_str(&answer).map_err(|e| AppError::Forward(format!("bad answer: {e}")))?;
    match (reply.ok, reply.error) {
        (true, _) => Ok(reply.result),
        (false, Some(body)) => Err(body.into()),
        (false, None) => Err(AppError::Forward(
            "the instance refused without a reason".into(),
        )),
    }
}

fn connect(endpoint: &Endpoint, patience: Duration) -> AppResult<StdStream> {
    let until = Instant::now() + patience;
    loop {
        match StdStream::connect(&endpoint.socket) {
            Ok(s) => {
                // What `send` forwards goes only to an instance of ours: the
                // socket file belongs to whoever bound it.
                let owner = std::fs::symlink_metadata(&endpoint.socket).map(|m| m.uid());
                return match owner {
                    Ok(uid) if uid == current_uid() => Ok(s),
                    Ok(uid) => Err(AppError::Forward(format!(
                        "{} belongs to uid {uid}, not to this user: not sending to it",
                        endpoint.socket.display()
                    ))),
                    Err(e) => Err(AppError::Forward(e.to_string())),
                };
            }
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::ConnectionRefused) => {
                if Instant::now() >= until {
                    return Err(AppError::NotRunning);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => return Err(AppError::Forward(e.to_string())),
        }
    }
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

/// Limits on one forwarding connection.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The longest request line; a longer one is refused and the
    /// connection closed (a `send` payload is a small JSON object).
    pub max_line: usize,
    /// A connection that sends no whole line for this long is closed.
    pub idle: Duration,
}

pub const LIMITS: Limits = Limits {
    max_line: 64 * 1024,
    idle: Duration::from_secs(30),
};

type Pending = std::pin::Pin<Box<dyn std::future::Future<Output = AppResult<Value>> + Send>>;
/// What runs a request: the core's `execute`, or a test's stand-in.
pub type Handler = Arc<dyn Fn(Forward) -> Pending + Send + Sync>;

/// Answers forwarded requests until the process ends. Needs a tokio runtime.
pub async fn serve(core: Core, listener: StdListener) {
    let handler: Handler = Arc::new(move |request| {
        let core = core.clone();
        Box::pin(async move { core.execute(request).await })
    });
    serve_with(listener, LIMITS, handler).await;
}

pub async fn serve_with(listener: StdListener, limits: Limits, handler: Handler) {
    let listener = match UnixListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(error = %e, "cannot listen for forwarded commands");
            return;
        }
    };
    let path = listener
        .local_addr()
        .ok()
        .and_then(|a| a.as_pathname().map(Path::to_path_buf))
        .unwrap_or_default();
    tracing::info!(path = %path.display(), "listening for forwarded commands");
    let uid = current_uid();
    loop {
        let stream = match listener.accept().await {
            Ok((s, _)) => s,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        match stream.peer_cred() {
            Ok(peer) if peer.uid() == uid => {}
            Ok(peer) => {
                tracing::warn!(peer_uid = peer.uid(), pid = ?peer.pid(), "refused a connection of another user");
                continue;
            }
            Err(e) => {
                tracing::warn!(error = %e, "refused a connection whose user is unknown");
                continue;
            }
        }
        tokio::spawn(answer(stream, limits, handler.clone()));
    }
}

/// One connection: a line in, an answer out, until it closes, idles or
/// sends a line that is too long.
async fn answer(stream: UnixStream, limits: Limits, handler: Handler) {
    let (read, mut write) = stream.into_split();
    let mut reader = TokioBufReader::new(read);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let cap = u64::try_from(limits.max_line).unwrap_or(u64::MAX);
        let mut limited = (&mut reader).take(cap.saturating_add(1));
        let read = tokio::time::timeout(limits.idle, limited.read_until(b'\n', &mut buf)).await;
        match read {
            Err(_) => {
                tracing::debug!("closed an idle forwarding connection");
                return;
            }
            Ok(Err(_)) | Ok(Ok(0)) => return,
            Ok(Ok(_)) => {}
        }
        let complete = buf.last() == Some(&b'\n');
        if complete {
            buf.pop();
        }
        if buf.len() > limits.max_line {
            let e = AppError::InvalidInput(format!(
                "request too long (more than {} bytes)",
                limits.max_line
            ));
            let _ = write.write_all(reply_line(Err(e)).as_bytes()).await;
            return;
        }
        let reply = match serde_json::from_slice::<Forward>(&buf) {
            Ok(request) => handler(request).await,
            Err(e) => Err(AppError::InvalidInput(format!("bad request: {e}"))),
        };
        if write.write_all(reply_line(reply).as_bytes()).await.is_err() || !complete {
            return;
        }
    }
}

fn reply_line(result: AppResult<Value>) -> String {
    let reply = match result {
        Ok(result) => Reply {
            ok: true,
            result,
            error: None,
        },
        Err(e) => Reply {
            ok: false,
            result: Value::Null,
            error: Some(e.body()),
        },
    };
    let mut text = serde_json::to_string(&reply).unwrap_or_else(|_| "{\"ok\":false}".into());
    text.push('\n');
    text
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
#[path = "ipc_tests.rs"]
mod tests;
