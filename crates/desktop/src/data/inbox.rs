//! The inbox: the notification history as the app uses it, alora-store's
//! SQLite history (on disk, or in memory when the data folder is unusable) behind
//! the few methods the commands and the tray call, which log a storage
//! error and answer empty rather than fail a UI refresh; and the item each
//! incoming event becomes (its words from `incoming::describe`).

use alora_link::Incoming;
use alora_store::{HistoryStore, Kind, StoreError, Unread};
use chrono::{DateTime, SecondsFormat, Utc};

use crate::incoming::describe;
use crate::models::{HistoryItem, HistoryQuery, Target};

#[derive(Debug)]
pub struct Inbox {
    store: HistoryStore,
}

impl Inbox {
    pub fn new(store: HistoryStore) -> Self {
        Inbox { store }
    }

    #[cfg(test)]
    /// A history in memory with the default limits.
    pub fn in_memory() -> Result<Self, StoreError> {
        Ok(Inbox::new(HistoryStore::in_memory(Default::default())?))
    }

    #[cfg(test)]
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

    #[cfg(test)]
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

    /// The unread items that lead to `target` and pass `keep`.
    fn unread_for(&self, target: &Target, keep: impl Fn(&HistoryItem) -> bool) -> Vec<String> {
        let unread = HistoryQuery {
            unread_only: true,
            limit: Some(1_000),
            ..HistoryQuery::default()
        };
        self.list(&unread)
            .into_iter()
            .filter(|i| &i.target == target && keep(i))
            .map(|i| i.id)
            .collect()
    }

    /// Marks these read, if any: an empty list would mean "all".
    fn mark_some_read(&mut self, ids: &[String]) -> usize {
        if ids.is_empty() {
            0
        } else {
            self.mark_read(ids)
        }
    }

    /// Marks read every unread item that leads to `target` (a booking, a
    /// conversation); returns how many changed.
    pub fn mark_target_read(&mut self, target: &Target) -> usize {
        let ids = self.unread_for(target, |_| true);
        self.mark_some_read(&ids)
    }

    /// Whether an unread item leads to `target`.
    pub fn has_unread(&self, target: &Target) -> bool {
        !self.unread_for(target, |_| true).is_empty()
    }

    /// Marks read the booking requests for `booking` (answered, here or
    /// elsewhere); returns how many changed.
    pub fn mark_request_answered(&mut self, booking: &str) -> usize {
        let target = Target::new(crate::models::View::Bookings, Some(booking.to_owned()));
        let ids = self.unread_for(&target, |i| i.kind == Kind::BookingRequest);
        self.mark_some_read(&ids)
    }

    /// One item, if the history still holds it.
    pub fn item(&self, id: &str) -> Option<HistoryItem> {
        self.store.get(id).ok().flatten()
    }

    /// Whether `target` is a booking request that still waits for an answer.
    pub fn is_request(&self, target: &Target) -> bool {
        !self
            .unread_for(target, |i| i.kind == Kind::BookingRequest)
            .is_empty()
    }

    /// Where these items lead, for the popups about them.
    pub fn targets_of(&self, ids: &[String]) -> Vec<Target> {
        let mut seen = std::collections::HashSet::new();
        ids.iter()
            .filter_map(|id| self.store.get(id).ok().flatten())
            .map(|item| item.target)
            .filter(|target| target.id.is_some() && seen.insert(target.clone()))
            .collect()
    }

    pub fn unread(&self) -> usize {
        self.waiting().total()
    }

    /// What is unread, by kind (the tray's count and tooltip).
    pub fn waiting(&self) -> Unread {
        self.store.unread_by_kind().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "unread count unavailable");
            Unread::default()
        })
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.store.len().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "history size unavailable");
            0
        })
    }

    #[cfg(test)]
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

    #[cfg(test)]
    /// Caps the file's size, as a full disk would (tests).
    pub fn limit_pages(&self, pages: u32) -> Result<i64, StoreError> {
        self.store.limit_pages(pages)
    }

    #[cfg(test)]
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

/// The history item for an incoming event; `None` for events that are not
/// kept (connected, statusUpdated, userTyping).
pub fn item_for(incoming: &Incoming) -> Option<HistoryItem> {
    let d = describe(incoming)?;
    let stamp =
        |t: Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true));
    let now = || Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
    let (id, created_at, link, read) = match incoming {
        Incoming::NewNotification(n) => (
            format!("notification:{}", n.id),
            stamp(n.created_at),
            n.link.clone(),
            false,
        ),
        // One item per booking, status and server time: a re-sent update is
        // the same item, a status that comes back later a new one. Without
        // a time the two cannot be told apart: one item per status.
        Incoming::BookingUpdated(b) => (
            match b.updated_at {
                Some(t) => format!(
                    "booking:{}:{}:{}",
                    b.booking_id,
                    b.status,
                    t.timestamp_millis()
                ),
                None => format!("booking:{}:{}", b.booking_id, b.status),
            },
            None,
            None,
            false,
        ),
        Incoming::NewMessage(m) => (
            format!("message:{}", m.id),
            stamp(m.created_at),
            None,
            false,
        ),
        // Presence is kept for reference but does not light the unread marker.
        Incoming::UserOnline(_) | Incoming::UserOffline(_) => (
            format!("presence:{}", uuid::Uuid::new_v4()),
            None,
            None,
            true,
        ),
        Incoming::Connected(_)
        | Incoming::StatusUpdated(_)
        | Incoming::UserTyping(_)
        | Incoming::ConversationRead(_)
        | Incoming::NotificationRead(_) => return None,
    };
    let kind = if incoming.booking_request().is_some() {
        Kind::BookingRequest
    } else if matches!(incoming, Incoming::NewMessage(_)) {
        Kind::Message
    } else {
        Kind::Notification
    };
    Some(HistoryItem {
        id,
        event: incoming.event_name().to_owned(),
        title: d.title,
        body: d.body,
        created_at: created_at.unwrap_or_else(now),
        read,
        link,
        target: d.target,
        kind,
    })
}

#[cfg(test)]
#[path = "inbox_tests.rs"]
mod tests;
