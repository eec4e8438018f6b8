//! The command line: options for this run and subcommands that are
//! forwarded to the running instance (see `ipc.rs`), which executes them.

use alora_link::UserStatus;
use clap::{Parser, Subcommand, ValueEnum};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::core::Core;
use crate::error::{AppError, AppResult};
use crate::settings::Overrides;

#[derive(Debug, Clone, PartialEq, Eq, Parser)]
#[command(
    name = "alora-tray",
    version,
    about = "Alora in the system tray: bookings, messages and notifications"
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
    /// A token for this run only (not stored).
    #[arg(long, value_name = "JWT")]
    pub token: Option<String>,
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
    /// Reconnect now, skipping the backoff wait.
    Reconnect,
    /// Do not disturb on or off.
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
    Reconnect,
    Dnd { on: bool },
    Quit,
}

impl Cli {
    pub fn overrides(&self) -> Overrides {
        Overrides {
            server_url: self.server_url.clone(),
            socket_path: self.socket_path.clone(),
            token: self.token.clone(),
            demo: self.demo,
        }
    }
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
            Command::Reconnect => Forward::Reconnect,
            Command::Dnd { state } => Forward::Dnd {
                on: *state == OnOff::On,
            },
            Command::Quit => Forward::Quit,
        })
    }
}

impl Core {
    /// Runs a forwarded request; the answer goes back to the second process.
    pub async fn execute(&self, request: Forward) -> AppResult<Value> {
        tracing::info!(request = ?request_name(&request), "forwarded request");
        let delivered = |d: alora_link::Delivery| serde_json::to_value(d).unwrap_or(Value::Null);
        Ok(match request {
            Forward::Status { status } => delivered(self.update_status(status).await?),
            Forward::Send { event, payload } => delivered(self.emit_event(&event, payload).await?),
            Forward::Open => {
                self.shell().open(None)?;
                Value::Null
            }
            Forward::Reconnect => {
                self.reconnect_now().await?;
                Value::Null
            }
            Forward::Dnd { on } => {
                self.set_dnd(on).await?;
                Value::Null
            }
            Forward::Quit => {
                self.shell().quit();
                Value::Null
            }
        })
    }
}

/// The request's name only: a `send` payload could hold anything.
fn request_name(request: &Forward) -> &'static str {
    match request {
        Forward::Status { .. } => "status",
        Forward::Send { .. } => "send",
        Forward::Open => "open",
        Forward::Reconnect => "reconnect",
        Forward::Dnd { .. } => "dnd",
        Forward::Quit => "quit",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("alora-tray").chain(args.iter().copied()))
    }

    #[test]
    fn parses_options_and_subcommands() {
        let cli = parse(&[
            "--demo",
            "--minimized",
            "--server-url",
            "http://h:1",
            "--token",
            "t",
        ])
        .unwrap();
        assert!(cli.demo && cli.minimized && !cli.headless);
        assert_eq!(cli.overrides().server_url.as_deref(), Some("http://h:1"));
        assert_eq!(cli.command, None);
        let cli = parse(&["--headless", "status", "busy"]).unwrap();
        assert_eq!(
            cli.command.unwrap().to_forward().unwrap(),
            Forward::Status {
                status: UserStatus::Busy
            }
        );
        assert_eq!(
            parse(&["dnd", "on"])
                .unwrap()
                .command
                .unwrap()
                .to_forward()
                .unwrap(),
            Forward::Dnd { on: true }
        );
        assert!(parse(&["status", "offline"]).is_err());
        assert!(parse(&["bogus"]).is_err());
        assert_eq!(
            parse(&["--version"]).unwrap_err().kind(),
            clap::error::ErrorKind::DisplayVersion
        );
        assert_eq!(
            parse(&["--help"]).unwrap_err().kind(),
            clap::error::ErrorKind::DisplayHelp
        );
    }

    #[test]
    fn send_checks_event_and_json() {
        let send = |e: &str, j: &str| {
            Command::Send {
                event: e.into(),
                json: j.into(),
            }
            .to_forward()
        };
        let ok = send(
            "bookingUpdate",
            r#"{"bookingId":"b1","status":"confirmed"}"#,
        )
        .unwrap();
        assert!(matches!(ok, Forward::Send { ref event, .. } if event == "bookingUpdate"));
        let unknown = send("register", "{}").unwrap_err().to_string();
        assert!(
            unknown.contains("unknown event \"register\"") && unknown.contains("sendMessage"),
            "{unknown}"
        );
        assert!(send("typing", "{oops")
            .unwrap_err()
            .to_string()
            .contains("not valid JSON"));
        assert!(send("typing", "[1]")
            .unwrap_err()
            .to_string()
            .contains("JSON object"));
        let wire = serde_json::to_value(Forward::Dnd { on: false }).unwrap();
        assert_eq!(wire, serde_json::json!({"cmd": "dnd", "on": false}));
    }
}
