//! The protocol's "Booking requests, answers and read state": what a booking
//! request may carry, the read echoes from the user's other devices, and
//! which events ask for an answer (a booking request) or give one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::protocol::{Id, Incoming};

/// The statuses of a booking that waits for the provider's answer.
pub const WAITING: [&str; 2] = ["pending", "requested"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ConversationRead {
    pub conversation_id: Id,
    /// Which messages; none: the whole conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub message_ids: Option<Vec<Id>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct NotificationRead {
    pub ids: Vec<Id>,
}

/// A booking that waits for the provider's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingRequest<'a> {
    pub booking_id: &'a str,
    pub starts_at: Option<DateTime<Utc>>,
    pub service: Option<&'a str>,
    pub client_name: Option<&'a str>,
}

impl Incoming {
    /// The booking request this event is: `bookingUpdated` with a waiting
    /// status, or a `newNotification` of type `booking` that names its
    /// booking (`bookingId`, or a `link` to `/bookings/<id>`).
    pub fn booking_request(&self) -> Option<BookingRequest<'_>> {
        match self {
            Incoming::BookingUpdated(b) if is_waiting(&b.status) => Some(BookingRequest {
                booking_id: &b.booking_id.0,
                starts_at: b.starts_at,
                service: b.service.as_deref(),
                client_name: b.client_name.as_deref(),
            }),
            Incoming::NewNotification(n) if n.kind.as_deref() == Some("booking") => {
                let id = match &n.booking_id {
                    Some(id) => id.0.as_str(),
                    None => booking_in_link(n.link.as_deref()?)?,
                };
                Some(BookingRequest {
                    booking_id: id,
                    starts_at: n.starts_at,
                    service: n.service.as_deref(),
                    client_name: n.client_name.as_deref(),
                })
            }
            _ => None,
        }
    }

    /// The booking this event answers: a `bookingUpdated` whose status no
    /// longer waits (confirmed, declined, cancelled...), from any device.
    pub fn booking_answered(&self) -> Option<&str> {
        match self {
            Incoming::BookingUpdated(b) if !is_waiting(&b.status) => Some(&b.booking_id.0),
            _ => None,
        }
    }
}

fn is_waiting(status: &str) -> bool {
    WAITING
        .iter()
        .any(|w| w.eq_ignore_ascii_case(status.trim()))
}

/// `<id>` of a link to `/bookings/<id>` (or `/booking/<id>`), also inside a
/// full URL, before any query or fragment.
pub fn booking_in_link(link: &str) -> Option<&str> {
    let path = link.split(['?', '#']).next().unwrap_or(link);
    let mut parts = path.rsplit('/').filter(|p| !p.is_empty());
    let id = parts.next()?;
    matches!(parts.next()?, "bookings" | "booking").then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decode(event: &str, payload: serde_json::Value) -> Incoming {
        Incoming::decode(event, &[payload], Utc::now())
            .unwrap()
            .unwrap()
    }

    #[test]
    fn a_booking_waits_for_an_answer_until_it_has_one() {
        let pending = decode(
            "bookingUpdated",
            json!({"bookingId": 42, "status": "pending", "service": "Massage", "clientName": "Ana", "startsAt": "2026-12-04T10:00:00Z"}),
        );
        let request = pending.booking_request().unwrap();
        assert_eq!(request.booking_id, "42");
        assert_eq!(request.service, Some("Massage"));
        assert_eq!(request.client_name, Some("Ana"));
        assert!(request.starts_at.is_some());
        assert_eq!(pending.booking_answered(), None);
        let requested = decode(
            "bookingUpdated",
            json!({"bookingId": "b", "status": "Requested"}),
        );
        assert!(requested.booking_request().is_some());
        for status in ["confirmed", "declined", "cancelled"] {
            let answer = decode(
                "bookingUpdated",
                json!({"bookingId": "b7", "status": status}),
            );
            assert!(answer.booking_request().is_none(), "{status}");
            assert_eq!(answer.booking_answered(), Some("b7"), "{status}");
        }
    }

    #[test]
    fn a_booking_notification_names_its_booking_by_id_or_link() {
        let by_id = decode(
            "newNotification",
            json!({"id": 1, "title": "New request", "type": "booking", "bookingId": "b1"}),
        );
        assert_eq!(by_id.booking_request().unwrap().booking_id, "b1");
        let by_link = decode(
            "newNotification",
            json!({"id": 2, "title": "New request", "type": "booking", "link": "https://alora.example/bookings/b2?from=mail"}),
        );
        assert_eq!(by_link.booking_request().unwrap().booking_id, "b2");
        let other_kind = decode(
            "newNotification",
            json!({"id": 3, "title": "Invoice", "type": "billing", "bookingId": "b3"}),
        );
        assert!(other_kind.booking_request().is_none());
        let no_booking = decode(
            "newNotification",
            json!({"id": 4, "title": "Reminder", "type": "booking", "link": "/messages/c1"}),
        );
        assert!(no_booking.booking_request().is_none());
    }

    #[test]
    fn read_echoes_decode_and_a_wrong_one_is_refused() {
        let read = decode("conversationRead", json!({"conversationId": "c1"}));
        assert_eq!(
            read,
            Incoming::ConversationRead(ConversationRead {
                conversation_id: Id("c1".into()),
                message_ids: None
            })
        );
        let some = decode("notificationRead", json!({"ids": [1, "n2"]}));
        assert_eq!(
            some,
            Incoming::NotificationRead(NotificationRead {
                ids: vec![Id("1".into()), Id("n2".into())]
            })
        );
        assert!(Incoming::decode("notificationRead", &[json!({"ids": "n1"})], Utc::now()).is_err());
    }
}
