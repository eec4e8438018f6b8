//! What each incoming event says, written once: the title, body and target
//! that both its popup (`notifications::popups`) and its history item
//! (`data::inbox`) are made of, so that the two cannot drift apart.

use alora_link::Incoming;

use crate::models::{Target, View};

/// An incoming event in words, and where opening it leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    /// The history item's title.
    pub title: String,
    /// The popup's summary line. The same as `title` but for a message,
    /// whose popup is headed by its sender alone (the text follows), while
    /// its history item says what it is ("Message from …") in a list of
    /// every kind.
    pub headline: String,
    pub body: String,
    /// freedesktop category hint for the popup.
    pub category: &'static str,
    pub target: Target,
}

/// `None` for what nobody is shown: typing, a status echo, the connect
/// acknowledgement.
pub fn describe(incoming: &Incoming) -> Option<Described> {
    let same = |title: String, body: String, category, target| Described {
        headline: title.clone(),
        title,
        body,
        category,
        target,
    };
    Some(match incoming {
        Incoming::NewNotification(n) => same(
            n.title.clone(),
            n.message.clone(),
            "x-alora.notification",
            notification_target(n),
        ),
        Incoming::BookingUpdated(_) if incoming.booking_request().is_some() => {
            let request = incoming.booking_request()?;
            let Incoming::BookingUpdated(b) = incoming else {
                return None;
            };
            same(
                b.title
                    .clone()
                    .unwrap_or_else(|| "Booking request".to_owned()),
                b.message.clone().unwrap_or_else(|| request_words(&request)),
                "x-alora.booking-request",
                Target::new(View::Bookings, Some(request.booking_id.to_owned())),
            )
        }
        Incoming::BookingUpdated(b) => same(
            b.title
                .clone()
                .unwrap_or_else(|| format!("Booking {}", b.status)),
            b.message
                .clone()
                .unwrap_or_else(|| format!("Booking {} is now {}.", b.booking_id, b.status)),
            "x-alora.booking",
            Target::new(View::Bookings, Some(b.booking_id.0.clone())),
        ),
        Incoming::NewMessage(m) => Described {
            title: format!(
                "Message from {}",
                m.sender_name.as_deref().unwrap_or(&m.sender_id.0)
            ),
            headline: m
                .sender_name
                .clone()
                .unwrap_or_else(|| "New message".to_owned()),
            body: m.content.clone(),
            category: "im.received",
            target: Target::new(View::Messages, Some(m.conversation_id.0.clone())),
        },
        Incoming::UserOnline(p) | Incoming::UserOffline(p) => {
            let online = matches!(incoming, Incoming::UserOnline(_));
            let who = p.name.as_deref().unwrap_or(&p.user_id.0);
            same(
                format!("{who} is {}", if online { "online" } else { "offline" }),
                String::new(),
                if online {
                    "presence.online"
                } else {
                    "presence.offline"
                },
                Target::new(View::People, Some(p.user_id.0.clone())),
            )
        }
        Incoming::Connected(_)
        | Incoming::StatusUpdated(_)
        | Incoming::UserTyping(_)
        | Incoming::ConversationRead(_)
        | Incoming::NotificationRead(_) => return None,
    })
}

/// "Ana Lopez · Massage · Friday 10:00": what a request without a message
/// of its own says, from what it carries.
fn request_words(request: &alora_link::BookingRequest<'_>) -> String {
    let when = request.starts_at.map(crate::notifications::actions::when);
    let parts: Vec<&str> = [request.client_name, request.service, when.as_deref()]
        .into_iter()
        .flatten()
        .filter(|p| !p.trim().is_empty())
        .collect();
    if parts.is_empty() {
        format!("Booking {} waits for your answer.", request.booking_id)
    } else {
        parts.join(" · ")
    }
}

/// Where a notification leads: the booking it names (`bookingId`), the app
/// route in its `link` (`/bookings/<id>`, `/messages/<id>`, `/people/<id>`,
/// also inside a full URL), else the notification itself.
pub fn notification_target(n: &alora_link::Notification) -> Target {
    if let Some(booking) = &n.booking_id {
        return Target::new(View::Bookings, Some(booking.0.clone()));
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::inbox::item_for;
    use crate::notifications::popups::popup_for;
    use chrono::Utc;
    use serde_json::json;

    fn incoming(event: &str, payload: serde_json::Value) -> Incoming {
        Incoming::decode(event, &[payload], Utc::now())
            .unwrap()
            .unwrap()
    }

    #[test]
    fn the_popup_and_the_history_item_say_the_same() {
        for (event, payload) in [
            (
                "bookingUpdated",
                json!({"bookingId": "b1", "status": "confirmed"}),
            ),
            (
                "newNotification",
                json!({"id": 1, "title": "Invoice", "message": "Paid"}),
            ),
            ("userOffline", json!({"userId": "u9", "name": "Ana"})),
        ] {
            let i = incoming(event, payload);
            let (popup, item) = (
                popup_for(&i, &Default::default()).unwrap(),
                item_for(&i).unwrap(),
            );
            assert_eq!(
                (popup.summary.as_str(), popup.body.as_str(), &popup.target),
                (item.title.as_str(), item.body.as_str(), &item.target),
                "{event}"
            );
        }
        // The one difference, on purpose: a message's popup is headed by
        // its sender; body and target are the same.
        let m = incoming(
            "newMessage",
            json!({"id": 7, "conversationId": "c1", "senderId": "u2", "senderName": "Maya", "content": "hi"}),
        );
        let (popup, item) = (
            popup_for(&m, &Default::default()).unwrap(),
            item_for(&m).unwrap(),
        );
        assert_eq!(
            (popup.summary.as_str(), item.title.as_str()),
            ("Maya", "Message from Maya")
        );
        assert_eq!((popup.body, popup.target), (item.body, item.target));
    }

    #[test]
    fn a_booking_without_a_message_is_one_sentence_in_both() {
        let b = incoming(
            "bookingUpdated",
            json!({"bookingId": "b1", "status": "confirmed"}),
        );
        assert_eq!(describe(&b).unwrap().body, "Booking b1 is now confirmed.");
    }
}
