//! One instance per user, and forwarding to it: the first instance listens
//! on a Unix socket (`$XDG_RUNTIME_DIR/alora-tray-<uid>.sock`, else /tmp);
//! a later launch sends its subcommand (or "open") as one JSON line and
//! prints the answer. One mechanism for the GUI and `--headless` alike, and
//! unlike the single-instance plugin it carries an answer back, so `send`
//! with a bad payload fails in the terminal that typed it.

use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener as StdListener, UnixStream as StdStream};
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader as TokioBufReader};
use tokio::net::UnixListener;

use crate::cli::Forward;
use crate::core::Core;
use crate::error::{AppError, AppResult, ErrorBody};

/// Tests run several instances side by side: each names its own socket.
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

pub fn socket_path() -> PathBuf {
    if let Some(p) = std::env::var_os(SOCKET_ENV).filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let uid = std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(0);
    let dir = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|d| d.is_dir())
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    dir.join(format!("alora-tray-{uid}.sock"))
}

/// Sends one request to the running instance and waits for its answer.
/// `NotRunning` when nobody listens.
pub fn forward(request: &Forward) -> AppResult<Value> {
    let path = socket_path();
    let mut stream = match StdStream::connect(&path) {
        Ok(s) => s,
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::ConnectionRefused) => {
            return Err(AppError::NotRunning)
        }
        Err(e) => return Err(AppError::Forward(e.to_string())),
    };
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

/// Becomes the instance: `None` when another one answers on the socket.
/// A stale socket file (left by a crash) is replaced.
pub fn claim() -> std::io::Result<Option<StdListener>> {
    let path = socket_path();
    if StdStream::connect(&path).is_ok() {
        return Ok(None);
    }
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let listener = match StdListener::bind(&path) {
        Ok(l) => l,
        // Two launches at once: the other won.
        Err(e) if e.kind() == ErrorKind::AddrInUse => return Ok(None),
        Err(e) => return Err(e),
    };
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    listener.set_nonblocking(true)?;
    Ok(Some(listener))
}

/// Answers forwarded requests until the process ends. Needs a tokio runtime.
pub async fn serve(core: Core, listener: StdListener) {
    let listener = match UnixListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(error = %e, "cannot listen for forwarded commands");
            return;
        }
    };
    tracing::info!(path = %socket_path().display(), "listening for forwarded commands");
    loop {
        let stream = match listener.accept().await {
            Ok((s, _)) => s,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        let core = core.clone();
        tokio::spawn(async move {
            let (read, mut write) = stream.into_split();
            let mut lines = TokioBufReader::new(read).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let reply = match serde_json::from_str::<Forward>(&line) {
                    Ok(request) => match core.execute(request).await {
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
                    },
                    Err(e) => {
                        let body = AppError::InvalidInput(format!("bad request: {e}")).body();
                        Reply {
                            ok: false,
                            result: Value::Null,
                            error: Some(body),
                        }
                    }
                };
                let mut text =
                    serde_json::to_string(&reply).unwrap_or_else(|_| "{\"ok\":false}".into());
                text.push('\n');
                if write.write_all(text.as_bytes()).await.is_err() {
                    break;
                }
            }
        });
    }
}

/// Removes the socket file at exit.
pub fn release() {
    let _ = std::fs::remove_file(socket_path());
}
