//! The soak's events: a week of a provider's traffic in a realistic mix
//! (notifications, messages over a few dozen conversations, booking
//! changes, presence, typing), every id unique so that the history fills
//! to its row limit and prunes, and one booking request per chunk as the
//! chunk's sentinel.

use serde_json::{json, Value};

/// Events per chunk, the sentinel included: one booking request per chunk
/// keeps requests at 1 in 5 000, under issue 19's 1 in 2 000 (a flood of
/// requests, each with its own popup, is a different defect).
pub const CHUNK: usize = 5_000;
const CONVERSATIONS: usize = 36;
const PEOPLE: usize = 50;
const NOTIFICATION_TYPES: [&str; 3] = ["message", "system", "review"];
/// Answers that no longer wait: none of them is a booking request.
const STATUSES: [&str; 3] = ["confirmed", "cancelled", "completed"];

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The text a chunk's sentinel popup carries.
pub fn tag(chunk: usize) -> String {
    format!("soak-chunk-{chunk}")
}

/// The event at position `seq` of the stream (never a booking request).
fn event(seq: usize) -> (&'static str, Value) {
    // A fixed shuffle of the kinds, so that no kind comes in long runs.
    let draw = (seq.wrapping_mul(7_919) ^ (seq >> 3)) % 100;
    let person = seq % PEOPLE;
    let conversation = seq % CONVERSATIONS;
    match draw {
        0..=29 => {
            let kind = NOTIFICATION_TYPES[seq % NOTIFICATION_TYPES.len()];
            (
                "newNotification",
                json!({
                    "id": format!("soak-n-{seq}"),
                    "title": format!("New {kind} #{seq}"),
                    "message": "Your weekly summary is ready: 12 bookings, 3 new reviews, 1 payout pending.",
                    "type": kind,
                    "createdAt": now(),
                }),
            )
        }
        30..=64 => (
            "newMessage",
            json!({
                "id": format!("soak-m-{seq}"),
                "conversationId": format!("soak-c-{conversation}"),
                "senderId": format!("soak-u-{conversation}"),
                "senderName": format!("Client {conversation}"),
                "content": "Hi! Could we move Friday's appointment half an hour later? Thanks a lot.",
                "createdAt": now(),
            }),
        ),
        65..=74 => (
            "bookingUpdated",
            json!({
                "bookingId": format!("soak-b-{seq}"),
                "status": STATUSES[seq % STATUSES.len()],
                "updatedAt": now(),
            }),
        ),
        75..=84 => (
            if seq.is_multiple_of(2) {
                "userOnline"
            } else {
                "userOffline"
            },
            json!({"userId": format!("soak-u-{person}"), "name": format!("Client {person}")}),
        ),
        _ => (
            "userTyping",
            json!({
                "userId": format!("soak-u-{conversation}"),
                "isTyping": !seq.is_multiple_of(4),
                "conversationId": format!("soak-c-{conversation}"),
            }),
        ),
    }
}

/// Chunk `k`: `len - 1` events of the mix, starting with the answer to the
/// previous chunk's request (as a provider confirms it), then this chunk's
/// sentinel, a booking request whose popup (never coalesced) says `tag(k)`.
pub fn chunk(k: usize, len: usize) -> Vec<(String, Value)> {
    let first = k * CHUNK;
    let mut out = Vec::with_capacity(len);
    if k > 0 && len > 1 {
        out.push((
            "bookingUpdated".to_owned(),
            json!({"bookingId": format!("soak-req-{}", k - 1), "status": "confirmed", "updatedAt": now()}),
        ));
    }
    let mix = len.saturating_sub(out.len() + 1);
    out.extend((first..first + mix).map(|seq| {
        let (name, payload) = event(seq);
        (name.to_owned(), payload)
    }));
    out.push((
        "newNotification".to_owned(),
        json!({
            "id": format!("soak-req-{k}"),
            "title": format!("Booking request [{}]", tag(k)),
            "message": "A new booking request for Friday 10:00, 60 minutes.",
            "type": "booking",
            "createdAt": now(),
            "link": format!("/bookings/soak-req-{k}"),
        }),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_and_few_requests() {
        let events: Vec<_> = (0..4).flat_map(|k| chunk(k, CHUNK)).collect();
        assert_eq!(events.len(), 4 * CHUNK);
        let count = |name: &str| events.iter().filter(|(n, _)| n == name).count();
        for name in [
            "newNotification",
            "newMessage",
            "bookingUpdated",
            "userOnline",
            "userOffline",
            "userTyping",
        ] {
            assert!(count(name) > CHUNK / 50, "{name}: {}", count(name));
        }
        let requests = events
            .iter()
            .filter(|(n, p)| {
                (n == "newNotification" && p["type"] == "booking")
                    || (n == "bookingUpdated" && p["status"] == "pending")
            })
            .count();
        assert!(requests * 2_000 <= events.len(), "{requests} requests");
        let ids: std::collections::HashSet<_> = events
            .iter()
            .filter_map(|(_, p)| p.get("id").and_then(Value::as_str))
            .collect();
        assert_eq!(ids.len(), count("newNotification") + count("newMessage"));
    }

    #[test]
    fn the_sentinel_ends_the_chunk() {
        let c = chunk(3, 10);
        assert_eq!(c.len(), 10);
        assert!(c[9].1["title"]
            .as_str()
            .is_some_and(|t| t.contains(&tag(3))));
        assert_eq!(c[0].1["bookingId"], json!("soak-req-2"));
    }
}
