//! Forwarding to the running instance (which `instance.rs` decides): a
//! later launch sends its subcommand (or "open") as one JSON line over the
//! instance's Unix socket and prints the answer. One mechanism for the GUI
//! and `--headless` alike, and unlike the single-instance plugin it carries
//! an answer back, so `send` with a bad payload fails in the terminal that
//! typed it.
//!
//! Another user of the machine must not be served nor tie the instance up:
//! the peer's uid is checked on every connection, a line is at most 64 KiB
//! and a connection idle for 30 s is closed; a client sends only to a
//! socket of its own user.

use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::{UnixListener as StdListener, UnixStream as StdStream};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader as TokioBufReader};
use tokio::net::{UnixListener, UnixStream};

use crate::error::{AppError, AppResult};
use crate::instance::cli::Forward;
use crate::instance::{endpoint, Endpoint};
use crate::models::Problem;
use crate::platform::linux::current_uid;

const ANSWER_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    pub ok: bool,
    #[serde(default)]
    pub result: Value,
    #[serde(default)]
    pub error: Option<Problem>,
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
/// What runs a request: the core's `execute` (`app::forwarded`), or a
/// test's stand-in.
pub type Handler = Arc<dyn Fn(Forward) -> Pending + Send + Sync>;

/// Answers forwarded requests with `handler` until dropped. Needs a tokio
/// runtime.
pub async fn serve(listener: StdListener, limits: Limits, handler: Handler) {
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
        let reply = match parse_request(&buf, limits) {
            Ok(request) => handler(request).await,
            Err(e) if buf.len() > limits.max_line => {
                let _ = write.write_all(reply_line(Err(e)).as_bytes()).await;
                return;
            }
            Err(e) => Err(e),
        };
        if write.write_all(reply_line(reply).as_bytes()).await.is_err() || !complete {
            return;
        }
    }
}

/// One request line (without its newline) as the instance reads it: at
/// most `limits.max_line` bytes of JSON naming a command. Whatever the bytes,
/// a request or an `InvalidInput` (the fuzz target `instance_request`).
pub fn parse_request(line: &[u8], limits: Limits) -> AppResult<Forward> {
    if line.len() > limits.max_line {
        return Err(AppError::InvalidInput(format!(
            "request too long (more than {} bytes)",
            limits.max_line
        )));
    }
    serde_json::from_slice::<Forward>(line)
        .map_err(|e| AppError::InvalidInput(format!("bad request: {e}")))
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

#[cfg(test)]
#[path = "socket_tests.rs"]
mod tests;
