//! `alora-backend`: runs the embedded Alora backend as a process.
//!
//! ```text
//! alora-backend [--port N] [--path /socket/notification] [--secret S] [--user u1]
//!               [--ping-interval MS] [--ping-timeout MS] [--control]
//! ```
//! Prints one JSON line `{"url", "path", "token"}` on stdout once listening (the token is for
//! `--user`, valid 24 h), then serves until SIGTERM or SIGINT, and stops gracefully.
//! Logs go to stderr (`RUST_LOG`, default `info`).
//!
//! `--control` lets a test drive it (the WebDriver suite in `tests/webdriver` does): stdin takes
//! one JSON command a line, and stdout reports what happens, one JSON line each. End of stdin
//! stops the server too, so it never outlives the process that started it.
//!
//! ```text
//! stdin:  {"cmd":"push","user":"u1","event":"newNotification","payload":{..}}
//!         {"cmd":"stop"}
//! stdout: {"kind":"accepted","userId","socketId"}   {"kind":"rejected","reason"}
//!         {"kind":"received","userId","socketId","event","payload","at"}
//!         {"kind":"disconnected","socketId"}   {"kind":"pushed","user","event"}
//!         {"kind":"error","message"}   (a command line that could not be read)
//! ```

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use alora_backend::{Backend, BackendConfig, BackendEvent};
use serde_json::{json, Value};
use tokio::sync::{broadcast, mpsc};

/// The one line printed on stdout once listening (fields in this order).
#[derive(serde::Serialize)]
struct Listening<'a> {
    url: String,
    path: &'a str,
    token: String,
}

#[derive(Debug)]
struct Options {
    config: BackendConfig,
    user: String,
    control: bool,
}

/// One command line on stdin (with `--control`).
#[derive(Debug, PartialEq, serde::Deserialize)]
#[serde(tag = "cmd", rename_all = "camelCase", deny_unknown_fields)]
enum Control {
    /// Emits `event` with `payload` to every socket of `user`, kept for catch-up.
    Push {
        user: String,
        event: String,
        #[serde(default)]
        payload: Value,
    },
    /// Stops the server gracefully.
    Stop,
}

fn usage() -> &'static str {
    "usage: alora-backend [--port N] [--path /socket/notification] [--secret S] [--user u1] \
     [--ping-interval MS] [--ping-timeout MS] [--control]"
}

fn parse(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut config = BackendConfig::default();
    let mut user = "u1".to_owned();
    let mut control = false;
    let mut args = args;
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            return Err(usage().to_owned());
        }
        if flag == "--control" {
            control = true;
            continue;
        }
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{}", usage()))?;
        let millis = |v: &str| {
            v.parse::<u64>()
                .map(Duration::from_millis)
                .map_err(|e| format!("{flag} {v}: {e}"))
        };
        match flag.as_str() {
            "--port" => {
                let port = value
                    .parse::<u16>()
                    .map_err(|e| format!("--port {value}: {e}"))?;
                config.addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
            }
            "--path" => config.path = value,
            "--secret" => config.secret = value.into_bytes(),
            "--user" => user = value,
            "--ping-interval" => config.ping_interval = millis(&value)?,
            "--ping-timeout" => config.ping_timeout = millis(&value)?,
            other => return Err(format!("unknown option {other}\n{}", usage())),
        }
    }
    Ok(Options {
        config,
        user,
        control,
    })
}

async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Writes one JSON line on stdout; false once stdout is gone.
fn print_line(value: &impl serde::Serialize) -> bool {
    let line = serde_json::to_string(value).unwrap_or_default();
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .is_ok()
}

/// A backend event as reported on stdout (the handshake's token is left out).
fn report(event: &BackendEvent) -> Value {
    match event {
        BackendEvent::Accepted {
            user_id, socket_id, ..
        } => json!({ "kind": "accepted", "userId": user_id, "socketId": socket_id }),
        BackendEvent::Rejected { reason } => json!({ "kind": "rejected", "reason": reason }),
        BackendEvent::Received(r) => json!({
            "kind": "received",
            "userId": r.user_id,
            "socketId": r.socket_id,
            "event": r.event,
            "payload": r.payload,
            "at": r.at,
        }),
        BackendEvent::Disconnected { socket_id } => {
            json!({ "kind": "disconnected", "socketId": socket_id })
        }
    }
}

/// Reads stdin on a thread of its own (a blocked read must not hold up the exit); `None` on
/// the channel means end of input.
fn read_stdin() -> mpsc::UnboundedReceiver<Option<String>> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            let Ok(line) = line else { break };
            if tx.send(Some(line)).is_err() {
                return;
            }
        }
        let _ = tx.send(None);
    });
    rx
}

/// With `--control`: runs commands from stdin and reports backend events on stdout, until a
/// `stop` command, the end of stdin, or a stop signal.
async fn control(backend: &Backend, mut events: broadcast::Receiver<BackendEvent>) {
    let mut lines = read_stdin();
    let stop = stop_signal();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => return,
            event = events.recv() => match event {
                Ok(event) => {
                    if !print_line(&report(&event)) {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    print_line(&json!({ "kind": "error", "message": format!("{n} events lost") }));
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            line = lines.recv() => {
                let Some(Some(line)) = line else { return };
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<Control>(&line) {
                    Ok(Control::Stop) => return,
                    Ok(Control::Push { user, event, payload }) => {
                        backend.push_to_user(&user, &event, payload).await;
                        print_line(&json!({ "kind": "pushed", "user": user, "event": event }));
                    }
                    Err(e) => {
                        print_line(&json!({ "kind": "error", "message": format!("bad command: {e}") }));
                    }
                }
            }
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let options = match parse(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let backend = match Backend::start(options.config).await {
        Ok(b) => b,
        Err(e) => {
            eprintln!("alora-backend: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Subscribed before the listening line, so that no event a client causes is missed.
    let events = backend.subscribe();
    let line = Listening {
        url: backend.url(),
        path: backend.path(),
        token: backend.token_for(&options.user, Duration::from_secs(24 * 3600)),
    };
    if !print_line(&line) {
        tracing::warn!("cannot write the listening line on stdout");
    }
    if options.control {
        control(&backend, events).await;
    } else {
        drop(events);
        stop_signal().await;
    }
    tracing::info!("stopping");
    backend.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> impl Iterator<Item = String> {
        list.iter()
            .map(|s| (*s).to_owned())
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn parses_every_option() {
        let o = parse(args(&[
            "--port",
            "6001",
            "--path",
            "/x",
            "--secret",
            "s",
            "--user",
            "u7",
            "--ping-interval",
            "500",
        ]));
        let o = o.ok();
        assert_eq!(o.as_ref().map(|o| o.config.addr.port()), Some(6001));
        assert_eq!(o.as_ref().map(|o| o.config.path.as_str()), Some("/x"));
        assert_eq!(
            o.as_ref().map(|o| o.config.secret.clone()),
            Some(b"s".to_vec())
        );
        assert_eq!(o.as_ref().map(|o| o.user.as_str()), Some("u7"));
        assert_eq!(
            o.as_ref().map(|o| o.config.ping_interval),
            Some(Duration::from_millis(500))
        );
        assert_eq!(o.as_ref().map(|o| o.control), Some(false));
        assert!(parse(args(&["--control", "--port", "1"])).is_ok_and(|o| o.control));
        assert!(parse(args(&["--bogus", "1"])).is_err());
        assert!(parse(args(&["--port"])).is_err());
    }

    #[test]
    fn reads_control_lines() {
        let push: Control = serde_json::from_str(
            r#"{"cmd":"push","user":"u1","event":"newNotification","payload":{"id":"n1"}}"#,
        )
        .unwrap();
        assert_eq!(
            push,
            Control::Push {
                user: "u1".into(),
                event: "newNotification".into(),
                payload: json!({"id": "n1"}),
            }
        );
        assert_eq!(
            serde_json::from_str::<Control>(r#"{"cmd":"stop"}"#).unwrap(),
            Control::Stop
        );
        assert!(serde_json::from_str::<Control>(r#"{"cmd":"push","user":"u1"}"#).is_err());
        assert!(serde_json::from_str::<Control>(r#"{"cmd":"bogus"}"#).is_err());
    }

    #[test]
    fn reports_leave_the_token_out() {
        let accepted = report(&BackendEvent::Accepted {
            user_id: "u1".into(),
            socket_id: "s1".into(),
            auth: json!({"token": "secret-token"}),
        });
        assert_eq!(
            accepted,
            json!({"kind": "accepted", "userId": "u1", "socketId": "s1"})
        );
    }
}
