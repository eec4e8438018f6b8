//! The `org.freedesktop.Notifications` client: one session-bus connection
//! kept for the life of the app, `Notify` on it, and the `ActionInvoked` /
//! `NotificationClosed` signals that come back, matched to what each popup
//! opens.
//!
//! notify-rust opens a new bus connection for every popup and another one per
//! popup to wait for its click (with `unwrap`s on that path): a connection
//! costs about 0.5 ms before the first `Notify`, and a burst held one socket
//! per visible popup. One connection and one signal listener do the same.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, Weak};

use futures_util::StreamExt;
use zbus::zvariant::Value;

use crate::models::Target;

const DEST: &str = "org.freedesktop.Notifications";
const PATH: &str = "/org/freedesktop/Notifications";
const IFACE: &str = "org.freedesktop.Notifications";
/// Popups remembered for their click. Servers send `NotificationClosed`
/// for each popup, but one that does not must not grow this without end.
const REMEMBERED: usize = 256;

/// What `Notify` sends, already rendered.
#[derive(Debug)]
pub struct NotifyCall<'a> {
    pub app_name: &'a str,
    pub icon: &'a str,
    pub summary: &'a str,
    pub body: &'a str,
    pub category: &'a str,
    pub desktop_entry: &'a str,
}

/// Called with the popup's target when its default action is invoked.
pub type OnOpen = Arc<dyn Fn(Target) + Send + Sync>;

/// Shown popups by server id, oldest first, for their click.
#[derive(Debug, Default)]
struct Shown {
    targets: HashMap<u32, Target>,
    order: VecDeque<u32>,
}

impl Shown {
    fn insert(&mut self, id: u32, target: Target) {
        if self.targets.insert(id, target).is_none() {
            self.order.push_back(id);
        }
        while self.order.len() > REMEMBERED {
            if let Some(old) = self.order.pop_front() {
                self.targets.remove(&old);
            }
        }
    }

    fn take(&mut self, id: u32) -> Option<Target> {
        let target = self.targets.remove(&id)?;
        self.order.retain(|k| *k != id);
        Some(target)
    }
}

/// A live connection and the task that reads its signals.
struct Bus {
    conn: zbus::Connection,
    listener: tokio::task::JoinHandle<()>,
}

impl Drop for Bus {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

/// The kept connection, opened on first use and replaced when it breaks.
pub struct NotificationBus {
    bus: tokio::sync::Mutex<Option<Bus>>,
    shown: Arc<Mutex<Shown>>,
    on_open: Mutex<Option<OnOpen>>,
    /// The unique bus name of the server that answered the last `Notify`:
    /// only its signals are its popups' clicks. Any client of the bus can
    /// emit an `ActionInvoked` signal on that path and interface.
    server: Mutex<Option<String>>,
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
            on_open: Mutex::new(None),
            server: Mutex::new(None),
        })
    }

    pub fn set_on_open(&self, on_open: OnOpen) {
        if let Ok(mut slot) = self.on_open.lock() {
            *slot = Some(on_open);
        }
    }

    /// Sends one popup and remembers where its click leads. A connection
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
            match send(&live.conn, call).await {
                Ok((id, server)) => {
                    if let Ok(mut slot) = self.server.lock() {
                        *slot = server;
                    }
                    if let Ok(mut shown) = self.shown.lock() {
                        shown.insert(id, target);
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
        let (name, _vendor, _version, _spec): (String, String, String, String) =
            reply?.body().deserialize()?;
        Ok(name)
    }

    /// `GetCapabilities`: what the server can do, e.g. `body-markup`.
    pub async fn capabilities(self: &Arc<Self>) -> zbus::Result<Vec<String>> {
        let mut bus = self.bus.lock().await;
        if bus.is_none() {
            *bus = Some(self.connect().await?);
        }
        let Some(live) = bus.as_ref() else {
            return Err(zbus::Error::Failure("no session bus".into()));
        };
        let reply = live
            .conn
            .call_method(Some(DEST), PATH, Some(IFACE), "GetCapabilities", &())
            .await;
        if reply.as_ref().is_err_and(is_broken) {
            *bus = None;
        }
        reply?.body().deserialize()
    }

    /// Subscribes before the first `Notify`, so that no click can be missed.
    async fn connect(self: &Arc<Self>) -> zbus::Result<Bus> {
        let conn = zbus::Connection::session().await?;
        let rule = zbus::MatchRule::builder()
            .msg_type(zbus::message::Type::Signal)
            .interface(IFACE)?
            .path(PATH)?
            .build();
        let stream = zbus::MessageStream::for_match_rule(rule, &conn, None).await?;
        let listener = tokio::spawn(listen(stream, Arc::downgrade(self)));
        Ok(Bus { conn, listener })
    }

    fn signalled(&self, msg: &zbus::Message) {
        let header = msg.header();
        let sender = header.sender().map(|s| s.as_str());
        let server = self.server.lock().ok().and_then(|s| s.clone());
        if sender.is_none() || sender != server.as_deref() {
            tracing::debug!(
                ?sender,
                ?server,
                "a signal not from the notification server was ignored"
            );
            return;
        }
        let member = header.member().map(|m| m.as_str().to_owned());
        match member.as_deref() {
            Some("ActionInvoked") => {
                let Ok((id, key)) = msg.body().deserialize::<(u32, String)>() else {
                    tracing::debug!("a malformed ActionInvoked signal was ignored");
                    return;
                };
                if key != "default" {
                    return;
                }
                let target = self.shown.lock().ok().and_then(|mut s| s.take(id));
                let on_open = self.on_open.lock().ok().and_then(|o| o.clone());
                if let (Some(target), Some(open)) = (target, on_open) {
                    open(target);
                }
            }
            Some("NotificationClosed") => {
                if let Ok((id, _reason)) = msg.body().deserialize::<(u32, u32)>() {
                    if let Ok(mut shown) = self.shown.lock() {
                        shown.take(id);
                    }
                }
            }
            _ => {}
        }
    }
}

async fn listen(mut stream: zbus::MessageStream, owner: Weak<NotificationBus>) {
    while let Some(msg) = stream.next().await {
        let Ok(msg) = msg else { continue };
        let Some(owner) = owner.upgrade() else { return };
        owner.signalled(&msg);
    }
}

/// The popup's id, and the unique name of the server that answered.
async fn send(
    conn: &zbus::Connection,
    call: &NotifyCall<'_>,
) -> zbus::Result<(u32, Option<String>)> {
    let actions = ["default", "Open"];
    let hints: HashMap<&str, Value<'_>> = HashMap::from([
        ("category", Value::from(call.category)),
        ("desktop-entry", Value::from(call.desktop_entry)),
    ]);
    // replaces_id 0: a new popup; expire_timeout -1: the server's default.
    let reply = conn
        .call_method(
            Some(DEST),
            PATH,
            Some(IFACE),
            "Notify",
            &(
                call.app_name,
                0_u32,
                call.icon,
                call.summary,
                call.body,
                &actions[..],
                hints,
                -1_i32,
            ),
        )
        .await?;
    let server = reply.header().sender().map(|s| s.as_str().to_owned());
    Ok((reply.body().deserialize()?, server))
}

/// A connection that cannot carry calls any more, as opposed to a server
/// that answered with an error (no notification daemon, say).
fn is_broken(e: &zbus::Error) -> bool {
    matches!(e, zbus::Error::InputOutput(_) | zbus::Error::Handshake(_))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::View;

    #[test]
    fn remembers_a_bounded_number_of_popups() {
        let mut shown = Shown::default();
        for id in 0..(REMEMBERED as u32 + 10) {
            shown.insert(id, Target::new(View::Notifications, None));
        }
        assert_eq!(shown.targets.len(), REMEMBERED);
        assert_eq!(shown.order.len(), REMEMBERED);
        assert!(shown.take(0).is_none(), "the oldest was forgotten");
        assert!(shown.take(REMEMBERED as u32 + 9).is_some());
        assert!(shown.take(REMEMBERED as u32 + 9).is_none(), "taken once");
        assert_eq!(shown.order.len(), REMEMBERED - 1);
    }
}
