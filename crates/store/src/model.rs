//! The history's row and query types, field for field and camelCase on the
//! wire like the app's IPC types (docs/IPC.md), so that the app can use these
//! in place of its own.

use serde::{Deserialize, Serialize};

/// Where a history item or a notification's "Open" leads in the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum View {
    Notifications,
    Bookings,
    Messages,
    People,
    Settings,
}

impl View {
    /// The camelCase name, as stored and as on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            View::Notifications => "notifications",
            View::Bookings => "bookings",
            View::Messages => "messages",
            View::People => "people",
            View::Settings => "settings",
        }
    }

    /// The view of a stored name; an unknown name (a row written by a newer
    /// app) leads to the notifications list rather than failing the read.
    pub(crate) fn from_stored(s: &str) -> View {
        match s {
            "bookings" => View::Bookings,
            "messages" => View::Messages,
            "people" => View::People,
            "settings" => View::Settings,
            _ => View::Notifications,
        }
    }
}

/// The payload of `app://navigate`, and a history item's `target`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Target {
    pub view: View,
    pub id: Option<String>,
}

impl Target {
    pub fn new(view: View, id: Option<String>) -> Self {
        Target { view, id }
    }
}

/// What an unread item waits for, as the tray counts it: every item is one
/// kind, so the kinds add up to the unread count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A booking that waits for the provider's answer (PROTOCOL.md).
    BookingRequest,
    Message,
    /// Everything else: notifications, booking changes, presence.
    #[default]
    Notification,
}

impl Kind {
    /// The name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::BookingRequest => "bookingRequest",
            Kind::Message => "message",
            Kind::Notification => "notification",
        }
    }

    /// The kind of a stored name; an unknown one (a newer app's) counts as
    /// a notification rather than failing the read.
    pub(crate) fn from_stored(s: &str) -> Kind {
        match s {
            "bookingRequest" => Kind::BookingRequest,
            "message" => Kind::Message,
            _ => Kind::Notification,
        }
    }
}

/// One kept event. `id` is the notification's id or a synthesised one
/// (`notification:<id>`, `booking:<id>:<status>`, `message:<id>`, ...);
/// a second item with the same id is a re-delivery and is not kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct HistoryItem {
    pub id: String,
    pub event: String,
    pub title: String,
    pub body: String,
    pub created_at: String,
    pub read: bool,
    pub link: Option<String>,
    pub target: Target,
    /// Set by whoever makes the item (the app knows what the event was);
    /// not on the wire: the UI tells kinds by `event` and `target`.
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub kind: Kind,
}

/// The arguments of `list_history`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryQuery {
    /// Matched against title and body, case-insensitively, as a substring.
    pub query: Option<String>,
    /// Only items of this event (`newNotification`, ...); empty = all.
    pub event: Option<String>,
    #[serde(default)]
    pub unread_only: bool,
    pub limit: Option<usize>,
}

/// How big the history may grow, and how often that is enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Items received longer ago than this are dropped; 0 = no age limit.
    pub max_age_days: u32,
    /// At most this many items are kept, the newest; 0 = no row limit.
    pub max_rows: u32,
    /// Pruning runs at open and after this many added items.
    pub prune_every: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            max_age_days: 90,
            max_rows: 20_000,
            prune_every: 500,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wire_shape_matches_the_apps() {
        let item = HistoryItem {
            id: "message:1".into(),
            event: "newMessage".into(),
            title: "Message from Maya".into(),
            body: "hi".into(),
            created_at: "2026-01-01T00:00:00.000Z".into(),
            read: false,
            link: None,
            target: Target::new(View::Messages, Some("c1".into())),
            kind: Kind::Message,
        };
        let v = serde_json::to_value(&item).unwrap_or_default();
        assert_eq!(v["createdAt"], json!("2026-01-01T00:00:00.000Z"));
        assert_eq!(v["target"], json!({"view": "messages", "id": "c1"}));
        assert!(
            v.get("kind").is_none(),
            "the kind is the store's, not the UI's"
        );
        for kind in [Kind::BookingRequest, Kind::Message, Kind::Notification] {
            assert_eq!(Kind::from_stored(kind.as_str()), kind);
        }
        for view in [
            View::Notifications,
            View::Bookings,
            View::Messages,
            View::People,
            View::Settings,
        ] {
            assert_eq!(View::from_stored(view.as_str()), view);
            assert_eq!(
                serde_json::to_value(view).unwrap_or_default(),
                json!(view.as_str())
            );
        }
        let q: HistoryQuery =
            serde_json::from_value(json!({"unreadOnly": true, "limit": 5})).unwrap_or_default();
        assert!(q.unread_only);
        assert_eq!(q.limit, Some(5));
    }
}
