//! The signals that come back from the notification server: a body click,
//! a button, a typed reply, a popup closed. Only the server that showed our
//! popups is heard (any client of the bus can emit these), and only for a
//! popup of ours and a button it offered.

use std::sync::Weak;

use futures_util::StreamExt;

use super::{NotificationBus, Signal, INLINE_REPLY};

impl NotificationBus {
    pub(super) fn signalled(&self, msg: &zbus::Message) {
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
        let signal = match member.as_deref() {
            Some("ActionInvoked") => {
                let Ok((id, key)) = msg.body().deserialize::<(u32, String)>() else {
                    tracing::debug!("a malformed ActionInvoked signal was ignored");
                    return;
                };
                self.answered(id, key, None)
            }
            Some("NotificationReplied") => {
                let Ok((id, text)) = msg.body().deserialize::<(u32, String)>() else {
                    tracing::debug!("a malformed NotificationReplied signal was ignored");
                    return;
                };
                self.answered(id, INLINE_REPLY.to_owned(), Some(text))
            }
            Some("PropertiesChanged") => {
                self.properties_changed(msg);
                None
            }
            Some("NotificationClosed") => {
                if let Ok((id, _reason)) = msg.body().deserialize::<(u32, u32)>() {
                    if let Ok(mut shown) = self.shown.lock() {
                        shown.take(id);
                    }
                }
                None
            }
            _ => None,
        };
        let on_signal = self.on_signal.lock().ok().and_then(|o| o.clone());
        if let (Some(signal), Some(on_signal)) = (signal, on_signal) {
            on_signal(signal);
        }
    }

    /// The signal for a popup of ours and a button it offered; `None` for
    /// anything else (a popup of another app, a key it never had).
    fn answered(&self, id: u32, key: String, text: Option<String>) -> Option<Signal> {
        let mut shown = self.shown.lock().ok()?;
        if key == "default" {
            return shown.take(id).map(|p| Signal::Open(p.target));
        }
        let popup = shown.get(id)?.clone();
        if !popup.keys.contains(&key) {
            tracing::debug!(id, key = %key, "an action the popup did not offer was ignored");
            return None;
        }
        Some(Signal::Action { popup, key, text })
    }
}

pub(super) async fn listen(mut stream: zbus::MessageStream, owner: Weak<NotificationBus>) {
    while let Some(msg) = stream.next().await {
        let Ok(msg) = msg else { continue };
        let Some(owner) = owner.upgrade() else { return };
        owner.signalled(&msg);
    }
}
