//! The notification history as the app uses it: alora-store's SQLite
//! history (on disk, or in memory when the data folder is unusable) behind
//! the few methods the commands and the tray call, which log a storage
//! error and answer empty rather than fail a UI refresh; and the item each
//! incoming event becomes.

use alora_link::Incoming;
use alora_store::{HistoryStore, StoreError};
use chrono::{DateTime, SecondsFormat, Utc};

use crate::models::{HistoryItem, HistoryQuery, Target, View};

#[derive(Debug)]
pub struct History {
    store: HistoryStore,
}

impl History {
    pub fn new(store: HistoryStore) -> Self {
        History { store }
    }

    /// A history in memory with the default limits (tests, fallbacks).
    pub fn in_memory() -> Result<Self, StoreError> {
        Ok(History::new(HistoryStore::in_memory(Default::default())?))
    }

    /// Stores the items in one transaction; for each, whether it was new
    /// (a re-delivered id, or one repeated in `items`, is not).
    pub fn add_many(&mut self, items: &[HistoryItem]) -> Result<Vec<bool>, StoreError> {
        self.store.add_many(items)
    }

    /// `add_many`, moving the catch-up cursor to `newest` in the same
    /// transaction (one commit per batch).
    pub fn add_many_advancing(
        &mut self,
        items: &[HistoryItem],
        newest: Option<DateTime<Utc>>,
    ) -> Result<Vec<bool>, StoreError> {
        self.store.add_many_advancing(items, newest)
    }

    /// Stores one item; true when it was new.
    pub fn add(&mut self, item: &HistoryItem) -> Result<bool, StoreError> {
        self.store.add(item)
    }

    /// Newest first; see `HistoryQuery`. Empty (and logged) on a storage error.
    pub fn list(&self, q: &HistoryQuery) -> Vec<HistoryItem> {
        self.store.list(q).unwrap_or_else(|e| {
            tracing::error!(error = %e, "the history could not be read");
            Vec::new()
        })
    }

    /// Marks these ids read (all when `ids` is empty); returns how many changed.
    pub fn mark_read(&mut self, ids: &[String]) -> usize {
        self.store.mark_read(ids).unwrap_or_else(|e| {
            tracing::error!(error = %e, "read flags could not be stored");
            0
        })
    }

    pub fn unread(&self) -> usize {
        self.store.unread().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "unread count unavailable");
            0
        })
    }

    pub fn len(&self) -> usize {
        self.store.len().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "history size unavailable");
            0
        })
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The catch-up cursor: the time of the newest event stored.
    pub fn last_event_at(&self) -> Option<DateTime<Utc>> {
        self.store.last_event_at().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "the catch-up cursor could not be read");
            None
        })
    }

    /// Caps the file's size, as a full disk would (tests).
    pub fn limit_pages(&self, pages: u32) -> Result<i64, StoreError> {
        self.store.limit_pages(pages)
    }

    /// Whether it lives only as long as the process.
    pub fn is_in_memory(&self) -> bool {
        self.store.path() == std::path::Path::new(":memory:")
    }
}

/// The time an event moves the catch-up cursor to, as the link counts it:
/// notifications and messages, by the server's `createdAt`, no later than
/// their arrival plus `CURSOR_SKEW`; never by the client's clock.
pub fn stamp_of(incoming: &Incoming) -> Option<DateTime<Utc>> {
    incoming.cursor_time()
}

/// Where a notification leads: the app route in its `link`
/// (`/bookings/<id>`, `/messages/<id>`, `/people/<id>`, also inside a full
/// URL), else the notification itself.
pub fn notification_target(n: &alora_link::Notification) -> Target {
    let from_link = n.link.as_deref().and_then(|link| {
        let path = link.split(['?', '#']).next().unwrap_or(link);
        let mut parts = path.rsplit('/').filter(|p| !p.is_empty());
        let id = parts.next()?;
        let view = match parts.next()? {
            "bookings" | "booking" => View::Bookings,
            "messages" | "conversations" => View::Messages,
            "people" | "users" => View::People,
            _ => return None,
        };
        Some(Target::new(view, Some(id.to_owned())))
    });
    from_link.unwrap_or_else(|| Target::new(View::Notifications, Some(n.id.0.clone())))
}

/// The history item for an incoming event; `None` for events that are not
/// kept (connected, statusUpdated, userTyping).
pub fn item_for(incoming: &Incoming) -> Option<HistoryItem> {
    let now = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
    let item = |id: String, title: String, body: String, target: Target| HistoryItem {
        id,
        event: incoming.event_name().to_owned(),
        title,
        body,
        created_at: now.clone(),
        read: false,
        link: None,
        target,
    };
    let stamp = |t: Option<chrono::DateTime<Utc>>| {
        t.map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
    };
    Some(match incoming {
        Incoming::NewNotification(n) => {
            let mut it = item(
                format!("notification:{}", n.id),
                n.title.clone(),
                n.message.clone(),
                notification_target(n),
            );
            it.link = n.link.clone();
            it.created_at = stamp(n.created_at).unwrap_or(it.created_at);
            it
        }
        Incoming::BookingUpdated(b) => item(
            // One item per booking, status and server time: a re-sent update is
            // the same item, a status that comes back later a new one. Without
            // a time the two cannot be told apart: one item per status.
            match b.updated_at {
                Some(t) => format!(
                    "booking:{}:{}:{}",
                    b.booking_id,
                    b.status,
                    t.timestamp_millis()
                ),
                None => format!("booking:{}:{}", b.booking_id, b.status),
            },
            b.title
                .clone()
                .unwrap_or_else(|| format!("Booking {}", b.status)),
            b.message
                .clone()
                .unwrap_or_else(|| format!("Booking {} is now {}", b.booking_id, b.status)),
            Target::new(View::Bookings, Some(b.booking_id.0.clone())),
        ),
        Incoming::NewMessage(m) => {
            let from = m
                .sender_name
                .clone()
                .unwrap_or_else(|| m.sender_id.0.clone());
            let mut it = item(
                format!("message:{}", m.id),
                format!("Message from {from}"),
                m.content.clone(),
                Target::new(View::Messages, Some(m.conversation_id.0.clone())),
            );
            it.created_at = stamp(m.created_at).unwrap_or(it.created_at);
            it
        }
        Incoming::UserOnline(p) | Incoming::UserOffline(p) => {
            let online = matches!(incoming, Incoming::UserOnline(_));
            let who = p.name.clone().unwrap_or_else(|| p.user_id.0.clone());
            let mut it = item(
                format!("presence:{}", uuid::Uuid::new_v4()),
                format!("{who} is {}", if online { "online" } else { "offline" }),
                String::new(),
                Target::new(View::People, Some(p.user_id.0.clone())),
            );
            // Presence is kept for reference but does not light the unread marker.
            it.read = true;
            it
        }
        Incoming::Connected(_) | Incoming::StatusUpdated(_) | Incoming::UserTyping(_) => {
            return None
        }
    })
}

#[cfg(test)]
#[path = "history_tests.rs"]
mod tests;
