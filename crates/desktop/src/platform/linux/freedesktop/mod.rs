//! The `org.freedesktop.Notifications` client: one session-bus connection
//! kept for the life of the app, the server's capabilities, `Notify` (in
//! place of the popup about the same item) and `CloseNotification` on it,
//! and the `ActionInvoked` / `NotificationReplied` / `NotificationClosed`
//! signals that come back, matched to the popup and button they are about.
//!
//! notify-rust opens a new bus connection for every popup and another one per
//! popup to wait for its click (with `unwrap`s on that path): a connection
//! costs about 0.5 ms before the first `Notify`, and a burst held one socket
//! per visible popup. One connection and one signal listener do the same.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use crate::attention::loudness::Loudness;
use crate::models::{NotificationServer, Target};
use crate::platform::linux::on_screen::{OnScreen, Shown};

mod connect;
mod send;
mod signals;

use send::{buttons, is_broken, send, Outgoing};

const DEST: &str = "org.freedesktop.Notifications";
const PATH: &str = "/org/freedesktop/Notifications";
const IFACE: &str = "org.freedesktop.Notifications";
/// The action key that servers with `inline-reply` turn into a text field.
pub const INLINE_REPLY: &str = "inline-reply";

/// What `Notify` sends, already rendered.
#[derive(Debug)]
pub struct NotifyCall<'a> {
    pub app_name: &'a str,
    pub icon: &'a str,
    pub summary: &'a str,
    pub body: &'a str,
    pub category: &'a str,
    pub desktop_entry: &'a str,
    /// (key, label) of its buttons, sent only where the server lists
    /// `actions`; an `inline-reply` one becomes a plain `reply` button
    /// where the server has no `inline-reply`.
    pub actions: &'a [(&'a str, &'a str)],
    /// The reply field's placeholder (KDE's hint), with an `inline-reply`.
    pub reply_placeholder: &'a str,
    /// Popups about one item stack in one: "<summary> · N <stack>".
    pub stack: Option<&'a str>,
    /// Urgency, sound, timeout, transient.
    pub loudness: Loudness,
}

/// What the server can do (`GetCapabilities`), asked once per connection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    pub actions: bool,
    pub inline_reply: bool,
    pub all: Vec<String>,
}

impl Capabilities {
    pub(super) fn from_list(all: Vec<String>) -> Self {
        Capabilities {
            actions: all.iter().any(|c| c == "actions"),
            inline_reply: all.iter().any(|c| c == INLINE_REPLY),
            all,
        }
    }
}

/// A user's answer to a popup shown here, from its server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// The body was clicked: open what the popup is about.
    Open(Target),
    /// A button it offered, or the text typed into its reply field.
    Action {
        popup: OnScreen,
        key: String,
        text: Option<String>,
    },
}

/// Called with each signal that counts.
pub type OnSignal = Arc<dyn Fn(Signal) + Send + Sync>;

/// A live connection and the task that reads its signals.
struct Bus {
    conn: zbus::Connection,
    listeners: [tokio::task::JoinHandle<()>; 2],
}

impl Drop for Bus {
    fn drop(&mut self) {
        for listener in &self.listeners {
            listener.abort();
        }
    }
}

/// `Inhibited` not read yet, or not there (only some servers have it).
const INHIBITED_UNKNOWN: u8 = 0;
const INHIBITED_NO: u8 = 1;
const INHIBITED_YES: u8 = 2;

/// The kept connection, opened on first use and replaced when it breaks.
pub struct NotificationBus {
    bus: tokio::sync::Mutex<Option<Bus>>,
    shown: Arc<Mutex<Shown>>,
    on_signal: Mutex<Option<OnSignal>>,
    caps: Mutex<Capabilities>,
    /// The unique bus name of the server that answered the last `Notify`:
    /// only its signals are its popups' clicks. Any client of the bus can
    /// emit an `ActionInvoked` signal on that path and interface.
    server: Mutex<Option<String>>,
    /// Who the server is, from `GetServerInformation` and `GetCapabilities`.
    info: Mutex<Option<NotificationServer>>,
    /// The desktop's Do Not Disturb (`INHIBITED_*`), followed through
    /// `PropertiesChanged`.
    inhibited: AtomicU8,
}

impl std::fmt::Debug for NotificationBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NotificationBus")
    }
}

impl NotificationBus {
    pub fn new() -> Arc<Self> {
        Arc::new(NotificationBus {
            bus: tokio::sync::Mutex::new(None),
            shown: Arc::default(),
            on_signal: Mutex::new(None),
            caps: Mutex::new(Capabilities::default()),
            server: Mutex::new(None),
            info: Mutex::new(None),
            inhibited: AtomicU8::new(INHIBITED_UNKNOWN),
        })
    }

    /// The desktop's Do Not Disturb; `None` where the server does not say.
    pub fn inhibited(&self) -> Option<bool> {
        match self.inhibited.load(Ordering::Relaxed) {
            INHIBITED_NO => Some(false),
            INHIBITED_YES => Some(true),
            _ => None,
        }
    }

    fn set_inhibited(&self, on: bool) {
        let value = if on { INHIBITED_YES } else { INHIBITED_NO };
        if self.inhibited.swap(value, Ordering::Relaxed) != value {
            tracing::info!(on, "the desktop's Do Not Disturb changed");
        }
    }

    /// Who shows the popups, as of the last connection.
    pub fn server_info(&self) -> Option<NotificationServer> {
        self.info.lock().ok().and_then(|i| i.clone())
    }

    pub fn set_on_signal(&self, on_signal: OnSignal) {
        if let Ok(mut slot) = self.on_signal.lock() {
            *slot = Some(on_signal);
        }
    }

    /// What the server said it can do, as of the last connection.
    pub fn capabilities(&self) -> Capabilities {
        self.caps.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// Shows one popup, in place of the one about the same `target` if it is
    /// still on screen, and remembers where its click leads. A connection
    /// that broke since the last popup is replaced once.
    pub async fn notify(
        self: &Arc<Self>,
        call: &NotifyCall<'_>,
        target: Target,
    ) -> zbus::Result<u32> {
        let mut bus = self.bus.lock().await;
        for fresh in [false, true] {
            if fresh || bus.is_none() {
                *bus = None;
                *bus = Some(self.connect().await?);
            }
            let Some(live) = bus.as_ref() else { continue };
            let caps = self.capabilities();
            let replaced = self
                .shown
                .lock()
                .ok()
                .and_then(|s| s.replaced(&target).map(|(id, p)| (id, p.count)));
            let count = match (call.stack, replaced) {
                (Some(_), Some((_, n))) => n + 1,
                _ => 1,
            };
            let summary = match call.stack {
                Some(what) if count > 1 => format!("{} · {count} {what}", call.summary),
                _ => call.summary.to_owned(),
            };
            let keys = buttons(&caps, call.actions);
            let out = Outgoing {
                call,
                summary: &summary,
                keys: &keys,
                replaces: replaced.map_or(0, |(id, _)| id),
                clickable: caps.actions,
                inline_reply: caps.inline_reply,
            };
            match send(&live.conn, &out).await {
                Ok((id, server)) => {
                    if let Ok(mut slot) = self.server.lock() {
                        *slot = server;
                    }
                    if let Ok(mut shown) = self.shown.lock() {
                        let popup = OnScreen {
                            target,
                            keys: keys.iter().map(|(k, _)| (*k).to_owned()).collect(),
                            summary,
                            body: call.body.to_owned(),
                            count,
                        };
                        shown.insert(id, popup);
                    }
                    return Ok(id);
                }
                Err(e) if !fresh && is_broken(&e) => {
                    tracing::info!(error = %e, "the session bus connection broke; reconnecting");
                }
                Err(e) => return Err(e),
            }
        }
        Err(zbus::Error::Failure(
            "the session bus is unreachable".into(),
        ))
    }

    /// `GetCapabilities`' list, as the server answered when the kept
    /// connection was opened (opened now if there is none).
    pub async fn capability_list(self: &Arc<Self>) -> zbus::Result<Vec<String>> {
        let mut bus = self.bus.lock().await;
        if bus.is_none() {
            *bus = Some(self.connect().await?);
        }
        Ok(self.capabilities().all)
    }

    /// `GetServerInformation`: the server's name, on the kept connection.
    pub async fn server_name(self: &Arc<Self>) -> zbus::Result<String> {
        let mut bus = self.bus.lock().await;
        if bus.is_none() {
            *bus = Some(self.connect().await?);
        }
        let Some(live) = bus.as_ref() else {
            return Err(zbus::Error::Failure("no session bus".into()));
        };
        let reply = live
            .conn
            .call_method(Some(DEST), PATH, Some(IFACE), "GetServerInformation", &())
            .await;
        if reply.as_ref().is_err_and(is_broken) {
            *bus = None;
        }
        let (name, vendor, version, _spec): (String, String, String, String) =
            reply?.body().deserialize()?;
        if let Ok(mut info) = self.info.lock() {
            *info = Some(NotificationServer {
                name: name.clone(),
                vendor,
                version,
                capabilities: self.capabilities().all,
            });
        }
        Ok(name)
    }

    /// Closes the popup about `target`, if one is on screen (the item was
    /// read, answered, or answered on another device).
    pub async fn withdraw(self: &Arc<Self>, target: &Target) -> zbus::Result<()> {
        let id = self.shown.lock().ok().and_then(|mut s| {
            let id = s.id_for(target)?;
            s.take(id).map(|_| id)
        });
        let Some(id) = id else { return Ok(()) };
        let bus = self.bus.lock().await;
        let Some(live) = bus.as_ref() else {
            return Ok(());
        };
        live.conn
            .call_method(Some(DEST), PATH, Some(IFACE), "CloseNotification", &(id,))
            .await
            .map(|_| ())
    }
}
