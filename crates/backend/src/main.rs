//! `alora-backend`: runs the embedded Alora backend as a process.
//!
//! ```text
//! alora-backend [--port N] [--path /socket/notification] [--secret S] [--user u1]
//!               [--ping-interval MS] [--ping-timeout MS]
//! ```
//! Prints one JSON line `{"url", "path", "token"}` on stdout once listening (the token is for
//! `--user`, valid 24 h), then serves until SIGTERM or SIGINT, and stops gracefully.
//! Logs go to stderr (`RUST_LOG`, default `info`).

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use alora_backend::{Backend, BackendConfig};

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
}

fn usage() -> &'static str {
    "usage: alora-backend [--port N] [--path /socket/notification] [--secret S] [--user u1] \
     [--ping-interval MS] [--ping-timeout MS]"
}

fn parse(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut config = BackendConfig::default();
    let mut user = "u1".to_owned();
    let mut args = args;
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            return Err(usage().to_owned());
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
    Ok(Options { config, user })
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
    let line = Listening {
        url: backend.url(),
        path: backend.path(),
        token: backend.token_for(&options.user, Duration::from_secs(24 * 3600)),
    };
    let line = serde_json::to_string(&line).unwrap_or_default();
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .is_err()
    {
        tracing::warn!("cannot write the listening line on stdout");
    }
    drop(stdout);
    stop_signal().await;
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
        assert!(parse(args(&["--bogus", "1"])).is_err());
        assert!(parse(args(&["--port"])).is_err());
    }
}
