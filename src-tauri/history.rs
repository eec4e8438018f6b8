//! The notification history: what arrived, newest first, bounded, searchable,
//! with read flags. In memory for now; a later issue moves it to SQLite, so
//! everything goes through `History`'s few methods.

use std::collections::{HashSet, VecDeque};

use alora_link::Incoming;
use chrono::{SecondsFormat, Utc};

use crate::models::{HistoryItem, HistoryQuery, Target, View};

/// How many items are kept; the oldest go first.
pub const CAPACITY: usize = 500;

#[derive(Debug)]
pub struct History {
    items: VecDeque<HistoryItem>,
    ids: HashSet<String>,
    capacity: usize,
}

impl Default for History {
    fn default() -> Self {
        History::with_capacity(CAPACITY)
    }
}

impl History {
    pub fn with_capacity(capacity: usize) -> Self {
        History {
            items: VecDeque::new(),
            ids: HashSet::new(),
            capacity: capacity.max(1),
        }
    }

    /// Adds an item unless one with its id is there (a server re-send after a
    /// reconnect); true when it was added.
    pub fn add(&mut self, item: HistoryItem) -> bool {
        if !self.ids.insert(item.id.clone()) {
            return false;
        }
        self.items.push_front(item);
        while self.items.len() > self.capacity {
            if let Some(old) = self.items.pop_back() {
                self.ids.remove(&old.id);
            }
        }
        true
    }

    /// Newest first. `query` matches title and body, case-insensitively.
    pub fn list(&self, q: &HistoryQuery) -> Vec<HistoryItem> {
        let needle = q.query.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let needle = needle.map(str::to_lowercase);
        self.items
            .iter()
            .filter(|i| {
                q.event
                    .as_deref()
                    .is_none_or(|e| e.is_empty() || i.event == e)
            })
            .filter(|i| !q.unread_only || !i.read)
            .filter(|i| {
                needle.as_deref().is_none_or(|n| {
                    i.title.to_lowercase().contains(n) || i.body.to_lowercase().contains(n)
                })
            })
            .take(q.limit.unwrap_or(usize::MAX))
            .cloned()
            .collect()
    }

    /// Marks these ids read (all when `ids` is empty); returns how many changed.
    pub fn mark_read(&mut self, ids: &[String]) -> usize {
        let wanted: HashSet<&str> = ids.iter().map(String::as_str).collect();
        let mut changed = 0;
        for item in self.items.iter_mut() {
            if !item.read && (wanted.is_empty() || wanted.contains(item.id.as_str())) {
                item.read = true;
                changed += 1;
            }
        }
        changed
    }

    pub fn unread(&self) -> usize {
        self.items.iter().filter(|i| !i.read).count()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
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
            // One item per booking and status: a re-sent update is the same item.
            format!("booking:{}:{}", b.booking_id, b.status),
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
mod tests {
    use super::*;
    use chrono::Utc;
    use serde_json::json;

    fn incoming(event: &str, payload: serde_json::Value) -> Incoming {
        Incoming::decode(event, &[payload], Utc::now())
            .unwrap()
            .unwrap()
    }

    fn filled() -> History {
        let mut h = History::with_capacity(3);
        for (i, title) in [
            "Booking request",
            "Invoice paid",
            "Booking cancelled",
            "Welcome",
        ]
        .iter()
        .enumerate()
        {
            let n = incoming(
                "newNotification",
                json!({"id": i, "title": title, "message": format!("body {i}")}),
            );
            assert!(h.add(item_for(&n).unwrap()));
        }
        h
    }

    #[test]
    fn bounded_newest_first_and_deduplicated() {
        let mut h = filled();
        assert_eq!(h.len(), 3);
        let titles: Vec<_> = h
            .list(&HistoryQuery::default())
            .into_iter()
            .map(|i| i.title)
            .collect();
        assert_eq!(titles, ["Welcome", "Booking cancelled", "Invoice paid"]);
        let again = incoming(
            "newNotification",
            json!({"id": 3, "title": "Welcome", "message": "x"}),
        );
        assert!(!h.add(item_for(&again).unwrap()));
        assert_eq!(h.len(), 3);
    }

    #[test]
    fn searches_filters_and_marks_read() {
        let mut h = filled();
        let q = |s: &str| HistoryQuery {
            query: Some(s.into()),
            ..HistoryQuery::default()
        };
        assert_eq!(h.list(&q("BOOKING")).len(), 1);
        assert_eq!(h.list(&q("body 2")).len(), 1);
        assert_eq!(h.list(&q("nothing")).len(), 0);
        let limited = HistoryQuery {
            limit: Some(2),
            ..HistoryQuery::default()
        };
        assert_eq!(h.list(&limited).len(), 2);
        let by_event = HistoryQuery {
            event: Some("newMessage".into()),
            ..HistoryQuery::default()
        };
        assert!(h.list(&by_event).is_empty());
        assert_eq!(h.unread(), 3);
        assert_eq!(h.mark_read(&["notification:2".into()]), 1);
        let unread = HistoryQuery {
            unread_only: true,
            ..HistoryQuery::default()
        };
        assert_eq!(h.list(&unread).len(), 2);
        assert_eq!(h.mark_read(&[]), 2);
        assert_eq!(h.unread(), 0);
    }

    #[test]
    fn items_point_at_their_view() {
        let m = incoming(
            "newMessage",
            json!({"id": 7, "conversationId": "c1", "senderId": "u2", "senderName": "Maya", "content": "hi"}),
        );
        let it = item_for(&m).unwrap();
        assert_eq!(
            (it.title.as_str(), it.target.view, it.target.id.as_deref()),
            ("Message from Maya", View::Messages, Some("c1"))
        );
        let b = incoming(
            "bookingUpdated",
            json!({"bookingId": "b1", "status": "confirmed"}),
        );
        assert_eq!(
            item_for(&b).unwrap().target,
            Target::new(View::Bookings, Some("b1".into()))
        );
        assert!(item_for(&incoming(
            "userTyping",
            json!({"userId": "u2", "isTyping": true})
        ))
        .is_none());
        let linked = |link: &str| {
            let n = incoming(
                "newNotification",
                json!({"id": "n1", "title": "t", "link": link}),
            );
            item_for(&n).unwrap().target
        };
        let to = |v: View, id: &str| Target::new(v, Some(id.into()));
        assert_eq!(linked("/bookings/b-1042"), to(View::Bookings, "b-1042"));
        assert_eq!(
            linked("https://alora.app/messages/c9?x=1"),
            to(View::Messages, "c9")
        );
        assert_eq!(
            linked("https://example.com/"),
            to(View::Notifications, "n1")
        );
    }
}
