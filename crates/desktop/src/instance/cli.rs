//! The command line: options for this run and subcommands that are
//! forwarded to the running instance (see `socket.rs`), which executes them.
//! A token never comes in on it (argv is readable by every user in
//! `/proc/<pid>/cmdline`): `--token-file` or `--token-stdin` instead.

use alora_link::UserStatus;
use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

use clap::builder::TypedValueParser;
use clap::error::ErrorKind;
use clap::{Parser, Subcommand, ValueEnum};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{AppError, AppResult};
use crate::settings::Overrides;

#[derive(Debug, Clone, PartialEq, Eq, Parser)]
#[command(
    name = "alora-tray",
    version,
    about = "Alora in the system tray: bookings, messages and notifications",
    after_help = FILES_AND_ENVIRONMENT
)]
pub struct Cli {
    /// Run against the embedded demo backend.
    #[arg(long)]
    pub demo: bool,
    /// Start in the tray only, with no window (what start-at-login uses).
    #[arg(long)]
    pub minimized: bool,
    /// No tray and no window: the link, notifications and subcommands only.
    #[arg(long)]
    pub headless: bool,
    /// The backend, e.g. http://localhost:6001 (overrides settings and env).
    #[arg(long, value_name = "URL")]
    pub server_url: Option<String>,
    /// The engine.io path, e.g. /socket/notification.
    #[arg(long, value_name = "PATH")]
    pub socket_path: Option<String>,
    /// A PEM file of a CA to trust for this run besides the system's (a
    /// company proxy's); certificates are always verified.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// A token for this run only (not stored), read from this file, which
    /// must be yours and not readable by group or others (chmod 600).
    #[arg(long, value_name = "PATH", conflicts_with = "token_stdin")]
    pub token_file: Option<PathBuf>,
    /// A token for this run only (not stored), read as one line from
    /// standard input.
    #[arg(long)]
    pub token_stdin: bool,
    /// Gone: refused with a pointer to the two ways above.
    #[arg(
        long,
        hide = true,
        value_name = "JWT",
        num_args = 0..=1,
        default_missing_value = "",
        value_parser = TokenOnArgv
    )]
    token: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusArg {
    Available,
    Busy,
    Away,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    On,
    Off,
    /// Until the next morning (the quiet hours' end, 08:00 by default).
    UntilTomorrow,
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Set your presence status.
    Status { status: StatusArg },
    /// Emit a protocol event, e.g. `send bookingUpdate '{"bookingId":"b1","status":"confirmed"}'`.
    Send {
        /// One of: typing, updateStatus, bookingUpdate, sendMessage, joinConversation, markAsRead.
        event: String,
        /// The payload, a JSON object.
        json: String,
    },
    /// Open the window.
    Open,
    /// Sign in through the browser (the running instance opens it).
    SignIn,
    /// Reconnect now, skipping the backoff wait.
    Reconnect,
    /// Do not disturb: on, off, or until tomorrow morning.
    Dnd { state: OnOff },
    /// Quit the running instance.
    Quit,
}

/// A request to the running instance, as it goes over the socket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "camelCase")]
pub enum Forward {
    Status { status: UserStatus },
    Send { event: String, payload: Value },
    Open,
    SignIn,
    Reconnect,
    Dnd { on: bool },
    DndUntilTomorrow,
    Quit,
}

/// What a packager or a user looking for their data asks after `--help`.
const FILES_AND_ENVIRONMENT: &str = "\
Files:
  $XDG_DATA_HOME/com.alora.tray/            settings.json and alora.db (~/.local/share)
  $XDG_STATE_HOME/com.alora.tray/logs/      the log, a file a day (~/.local/state)
  $XDG_CONFIG_HOME/autostart/com.alora.tray.desktop   start at login (~/.config)

Environment:
  ALORA_SOCKET_SERVER_URL, ALORA_SOCKET_PATH   the server and its engine.io path
  ALORA_TOKEN             a token for this run (read once, never passed on)
  ALORA_USE_MOCK_SOCKET   true: the demo
  RUST_LOG                what is logged (default: info)";

const TOKEN_ON_ARGV: &str = "--token is no longer accepted: a command line is readable by every \
user of the machine. Give the token with --token-file PATH (a file only you can read, \
chmod 600) or --token-stdin (one line on standard input).";

/// Refuses `--token` without echoing its value (clap's own message would
/// quote it, into a terminal or a log).
#[derive(Debug, Clone, Copy)]
struct TokenOnArgv;

impl TypedValueParser for TokenOnArgv {
    type Value = String;
    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        _value: &OsStr,
    ) -> Result<String, clap::Error> {
        Err(
            clap::Error::raw(ErrorKind::ValueValidation, format!("{TOKEN_ON_ARGV}\n"))
                .with_cmd(cmd),
        )
    }
}

impl Cli {
    /// The options laid over settings; the token is not among them: the
    /// caller reads it (`--token-file`, `--token-stdin`, `ALORA_TOKEN`).
    pub fn overrides(&self) -> Overrides {
        Overrides {
            server_url: self.server_url.clone(),
            socket_path: self.socket_path.clone(),
            token: None,
            demo: self.demo,
            ca_cert: self
                .ca_cert
                .as_ref()
                .map(|p| p.to_string_lossy().into_owned()),
        }
    }
}

/// The arguments a relaunch passes on: this run's, less `--minimized` (the
/// user asked from the open window) and less every way a token came in;
/// with `--token-stdin` when this run had a token of its own, which the
/// relauncher then writes to the new process's stdin (not argv, not env).
pub fn relaunch_args(args: impl IntoIterator<Item = OsString>, hand_token: bool) -> Vec<OsString> {
    let mut out = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy();
        match text.as_ref() {
            "--minimized" | "--token-stdin" => {}
            // Their value is the next argument.
            "--token-file" | "--token" => {
                args.next();
            }
            t if t.starts_with("--token-file=") || t.starts_with("--token=") => {}
            _ => out.push(arg),
        }
    }
    if hand_token {
        out.push("--token-stdin".into());
    }
    out
}

impl Command {
    /// Checks what can be checked here (event name, JSON) so that a mistake
    /// is reported before anything is sent.
    pub fn to_forward(&self) -> AppResult<Forward> {
        Ok(match self {
            Command::Status { status } => Forward::Status {
                status: match status {
                    StatusArg::Available => UserStatus::Available,
                    StatusArg::Busy => UserStatus::Busy,
                    StatusArg::Away => UserStatus::Away,
                },
            },
            Command::Send { event, json } => {
                if !alora_link::EMITTABLE.contains(&event.as_str()) {
                    return Err(AppError::InvalidInput(format!(
                        "unknown event {event:?}; allowed: {}",
                        alora_link::EMITTABLE.join(", ")
                    )));
                }
                let payload: Value = serde_json::from_str(json).map_err(|e| {
                    AppError::InvalidInput(format!("the payload is not valid JSON: {e}"))
                })?;
                if !payload.is_object() {
                    return Err(AppError::InvalidInput(
                        "the payload must be a JSON object".into(),
                    ));
                }
                Forward::Send {
                    event: event.clone(),
                    payload,
                }
            }
            Command::Open => Forward::Open,
            Command::SignIn => Forward::SignIn,
            Command::Reconnect => Forward::Reconnect,
            Command::Dnd {
                state: OnOff::UntilTomorrow,
            } => Forward::DndUntilTomorrow,
            Command::Dnd { state } => Forward::Dnd {
                on: *state == OnOff::On,
            },
            Command::Quit => Forward::Quit,
        })
    }
}

#[cfg(test)]
#[path = "cli_tests.rs"]
mod tests;
