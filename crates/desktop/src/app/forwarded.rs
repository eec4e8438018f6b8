//! The requests a second `alora-tray` forwards over the instance socket,
//! run on this instance's core, and the task that answers them, owned by a
//! handle whose drop stops it.

use std::os::unix::net::UnixListener as StdListener;
use std::sync::Arc;

use serde_json::Value;

use crate::app::state::Core;
use crate::error::AppResult;
use crate::instance::cli::Forward;
use crate::instance::socket::{self, Handler};

/// Answers forwarded requests until dropped.
#[derive(Debug)]
pub struct Answering {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Answering {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Core {
    /// Starts answering the requests that come in on `listener`, on the
    /// core's runtime.
    pub fn answer_forwarded(&self, listener: StdListener) -> Answering {
        let core = self.clone();
        let handler: Handler = Arc::new(move |request| {
            let core = core.clone();
            Box::pin(async move { core.execute(request).await })
        });
        let task = self
            .inner
            .runtime
            .spawn(socket::serve(listener, socket::LIMITS, handler));
        Answering { task }
    }

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
            Forward::SignIn => {
                // The browser may take minutes: the caller is not kept waiting.
                self.sign_in_browser_later();
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
            Forward::DndUntilTomorrow => {
                self.dnd_until_tomorrow().await?;
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
        Forward::SignIn => "sign-in",
        Forward::Reconnect => "reconnect",
        Forward::Dnd { .. } | Forward::DndUntilTomorrow => "dnd",
        Forward::Quit => "quit",
    }
}
