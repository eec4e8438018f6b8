//! The one-shot loopback listener of RFC 8252 §7.3: `127.0.0.1:<ephemeral>`, answering only
//! the callback path, taking exactly one callback whose `state` matches, then gone.
//!
//! One task owns the socket; [`Callback`] is its handle, and dropping it stops the task and
//! closes the port, so that the listener never outlives the attempt.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::SignInError;

/// The only path answered.
pub const CALLBACK_PATH: &str = "/callback";
/// A request head larger than this is not a browser's redirect.
const MAX_HEAD: usize = 16 * 1024;
/// A connection that sends no full head in this time is dropped.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The page the browser shows once the app has the answer.
pub const DONE_PAGE: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Alora Tray</title></head><body style=\"font-family:sans-serif;max-width:30rem;margin:4rem auto\"><h1>Signed in to Alora Tray</h1><p>You can close this tab and go back to the app.</p></body></html>";
const DENIED_PAGE: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Alora Tray</title></head><body style=\"font-family:sans-serif;max-width:30rem;margin:4rem auto\"><h1>Not signed in</h1><p>Alora Tray was not allowed to sign in. You can close this tab.</p></body></html>";

/// What the one callback carried: the code, or the error the server sent back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// `?code=…&state=…` (the code is a one-time secret: never logged).
    Code(String),
    /// `?error=…` (`access_denied` when the user said no).
    Error(String),
}

/// A bound listener waiting for its callback. Drop it to stop listening.
#[derive(Debug)]
pub struct Callback {
    redirect_uri: String,
    answer: oneshot::Receiver<Answer>,
    task: JoinHandle<()>,
}

impl Drop for Callback {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Callback {
    /// Binds `127.0.0.1:0` and starts waiting for a callback carrying `state`.
    pub async fn bind(state: String) -> Result<Callback, SignInError> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .map_err(|e| SignInError::Listen(e.to_string()))?;
        let port = listener
            .local_addr()
            .map_err(|e| SignInError::Listen(e.to_string()))?
            .port();
        let (tx, answer) = oneshot::channel();
        let task = tokio::spawn(serve(listener, state, tx));
        Ok(Callback {
            redirect_uri: format!("http://127.0.0.1:{port}{CALLBACK_PATH}"),
            answer,
            task,
        })
    }

    /// `http://127.0.0.1:<port>/callback`.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Waits for the one good callback, or `TimedOut` after `timeout`.
    pub async fn wait(mut self, timeout: Duration) -> Result<Answer, SignInError> {
        match tokio::time::timeout(timeout, &mut self.answer).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(_)) => Err(SignInError::Listen("the listener stopped".into())),
            Err(_) => Err(SignInError::TimedOut(timeout)),
        }
    }
}

async fn serve(listener: TcpListener, state: String, tx: oneshot::Sender<Answer>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        if let Some(answer) = handle(stream, &state).await {
            // Dropping the listener here: a second callback finds the port closed.
            let _ = tx.send(answer);
            return;
        }
    }
}

/// Answers one connection; `Some` when it was the callback with the right `state`.
async fn handle(mut stream: TcpStream, state: &str) -> Option<Answer> {
    let head = match tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream)).await {
        Ok(Some(head)) => head,
        _ => return None,
    };
    let target = head
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("GET "))
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or("");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != CALLBACK_PATH {
        respond(&mut stream, "404 Not Found", "Not found").await;
        return None;
    }
    let params: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    if params.get("state").map(String::as_str) != Some(state) {
        tracing::warn!("sign-in: a callback with a wrong state was ignored");
        respond(
            &mut stream,
            "400 Bad Request",
            "This sign-in link is not the one the app is waiting for.",
        )
        .await;
        return None;
    }
    let answer = match (params.get("code"), params.get("error")) {
        (_, Some(error)) => Answer::Error(error.clone()),
        (Some(code), None) if !code.is_empty() => Answer::Code(code.clone()),
        _ => {
            respond(
                &mut stream,
                "400 Bad Request",
                "The callback carries no code.",
            )
            .await;
            return None;
        }
    };
    let page = match answer {
        Answer::Code(_) => DONE_PAGE,
        Answer::Error(_) => DENIED_PAGE,
    };
    respond(&mut stream, "200 OK", page).await;
    Some(answer)
}

async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0_u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() + n > MAX_HEAD {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    String::from_utf8(buf).ok()
}

async fn respond(stream: &mut TcpStream, status: &str, body: &str) {
    let kind = if body.starts_with("<!doctype") {
        "text/html; charset=utf-8"
    } else {
        "text/plain; charset=utf-8"
    };
    let reply = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    if let Err(e) = stream.write_all(reply.as_bytes()).await {
        tracing::debug!(error = %e, "sign-in: the browser went away before the answer");
    }
    let _ = stream.shutdown().await;
}
