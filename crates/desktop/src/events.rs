//! The app → UI events of docs/IPC.md, named and shaped in this one place:
//! the link's events become `link://…` and `outbox://…`, the app's own become
//! `history://…`, `settings://…` and `app://…`.

use alora_link::{Delivery, Incoming, LinkEvent, LinkState, OutboxCounts, PayloadError};
use serde::Serialize;
use serde_json::Value;

use crate::models::{HistoryItem, Problem, SentFromPopup, Settings, Snoozed, Target};

pub const LINK_STATE: &str = "link://state";
pub const LINK_EVENT: &str = "link://event";
pub const LINK_MALFORMED: &str = "link://malformed";
pub const OUTBOX_CHANGED: &str = "outbox://changed";
pub const OUTBOX_DELIVERY: &str = "outbox://delivery";
pub const HISTORY_ADDED: &str = "history://added";
pub const SETTINGS_CHANGED: &str = "settings://changed";
pub const APP_NAVIGATE: &str = "app://navigate";
pub const APP_PROBLEM: &str = "app://problem";
pub const APP_SENT_FROM_POPUP: &str = "app://sent-from-popup";
pub const APP_SNOOZED: &str = "app://snoozed";

/// One event for the UI.
#[derive(Debug, Clone, PartialEq)]
pub enum UiEvent {
    State(LinkState),
    Incoming(Incoming),
    Malformed(PayloadError),
    OutboxChanged(OutboxCounts),
    Delivery(Delivery),
    HistoryAdded(HistoryItem),
    SettingsChanged(Settings),
    Navigate(Target),
    Problem(Problem),
    SentFromPopup(SentFromPopup),
    /// Every snooze still to come back, after one was added or ended.
    Snoozed(Vec<Snoozed>),
}

impl From<LinkEvent> for UiEvent {
    fn from(event: LinkEvent) -> Self {
        match event {
            LinkEvent::State(s) => UiEvent::State(s),
            LinkEvent::Incoming(i) => UiEvent::Incoming(i),
            LinkEvent::Malformed(m) => UiEvent::Malformed(m),
            LinkEvent::Delivery(d) => UiEvent::Delivery(d),
            LinkEvent::OutboxChanged(c) => UiEvent::OutboxChanged(c),
        }
    }
}

fn json<T: Serialize>(value: &T) -> Value {
    // Every payload here is plain data; a failure would be a bug, so it is
    // logged and sent as null rather than crashing the event loop.
    serde_json::to_value(value).unwrap_or_else(|e| {
        tracing::error!(error = %e, "an event payload did not serialise");
        Value::Null
    })
}

impl UiEvent {
    pub fn name(&self) -> &'static str {
        match self {
            UiEvent::State(_) => LINK_STATE,
            UiEvent::Incoming(_) => LINK_EVENT,
            UiEvent::Malformed(_) => LINK_MALFORMED,
            UiEvent::OutboxChanged(_) => OUTBOX_CHANGED,
            UiEvent::Delivery(_) => OUTBOX_DELIVERY,
            UiEvent::HistoryAdded(_) => HISTORY_ADDED,
            UiEvent::SettingsChanged(_) => SETTINGS_CHANGED,
            UiEvent::Navigate(_) => APP_NAVIGATE,
            UiEvent::Problem(_) => APP_PROBLEM,
            UiEvent::SentFromPopup(_) => APP_SENT_FROM_POPUP,
            UiEvent::Snoozed(_) => APP_SNOOZED,
        }
    }

    pub fn payload(&self) -> Value {
        match self {
            UiEvent::State(s) => json(s),
            UiEvent::Incoming(i) => json(i),
            UiEvent::Malformed(m) => json(m),
            UiEvent::OutboxChanged(c) => json(c),
            UiEvent::Delivery(d) => json(d),
            UiEvent::HistoryAdded(h) => json(h),
            UiEvent::SettingsChanged(s) => json(s),
            UiEvent::Navigate(t) => json(t),
            UiEvent::Problem(p) => json(p),
            UiEvent::SentFromPopup(s) => json(s),
            UiEvent::Snoozed(s) => json(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use serde_json::json;

    #[test]
    fn link_events_keep_their_wire_shape() {
        let inc = Incoming::decode(
            "userTyping",
            &[json!({"userId": 3, "isTyping": true})],
            Utc::now(),
        )
        .unwrap()
        .unwrap();
        let e = UiEvent::from(LinkEvent::Incoming(inc));
        assert_eq!(e.name(), "link://event");
        assert_eq!(
            e.payload(),
            json!({"event": "userTyping", "data": {"userId": "3", "isTyping": true, "conversationId": null}})
        );
        let s = UiEvent::from(LinkEvent::State(LinkState::Connecting { attempt: 2 }));
        assert_eq!(
            (s.name(), s.payload()),
            ("link://state", json!({"kind": "connecting", "attempt": 2}))
        );
        let n = UiEvent::Navigate(Target::new(
            crate::models::View::Bookings,
            Some("b1".into()),
        ));
        assert_eq!(n.payload(), json!({"view": "bookings", "id": "b1"}));
    }
}
