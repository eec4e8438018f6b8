//! Tests of the history over the store: order, dedupe, search, read flags,
//! the catch-up cursor, and the item each event becomes.

use super::*;
use crate::models::{Target, View};
use chrono::Utc;
use serde_json::json;

fn incoming(event: &str, payload: serde_json::Value) -> Incoming {
    Incoming::decode(event, &[payload], Utc::now())
        .unwrap()
        .unwrap()
}

fn filled() -> Inbox {
    let mut h = Inbox::in_memory().unwrap();
    let items: Vec<_> = [
        "Booking request",
        "Invoice paid",
        "Booking cancelled",
        "Welcome",
    ]
    .iter()
    .enumerate()
    .map(|(i, title)| {
        let n = incoming(
            "newNotification",
            json!({"id": i, "title": title, "message": format!("body {i}")}),
        );
        item_for(&n).unwrap()
    })
    .collect();
    assert_eq!(h.add_many(&items).unwrap(), [true; 4]);
    h
}

#[test]
fn newest_first_and_deduplicated() {
    let mut h = filled();
    assert_eq!(h.len(), 4);
    let titles: Vec<_> = h
        .list(&HistoryQuery::default())
        .into_iter()
        .map(|i| i.title)
        .collect();
    assert_eq!(
        titles,
        [
            "Welcome",
            "Booking cancelled",
            "Invoice paid",
            "Booking request"
        ]
    );
    let again = incoming(
        "newNotification",
        json!({"id": 3, "title": "Welcome", "message": "x"}),
    );
    assert!(!h.add(&item_for(&again).unwrap()).unwrap());
    assert_eq!(h.len(), 4);
}

#[test]
fn searches_filters_and_marks_read() {
    let mut h = filled();
    let q = |s: &str| HistoryQuery {
        query: Some(s.into()),
        ..HistoryQuery::default()
    };
    assert_eq!(h.list(&q("BOOKING")).len(), 2);
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
    assert_eq!(h.unread(), 4);
    assert_eq!(h.mark_read(&["notification:2".into()]), 1);
    let unread = HistoryQuery {
        unread_only: true,
        ..HistoryQuery::default()
    };
    assert_eq!(h.list(&unread).len(), 3);
    assert_eq!(h.mark_read(&[]), 3);
    assert_eq!(h.unread(), 0);
}

#[test]
fn the_cursor_follows_stamped_events_forward_only() {
    let mut h = Inbox::in_memory().unwrap();
    assert!(h.is_in_memory() && h.last_event_at().is_none());
    let n = incoming(
        "newNotification",
        json!({"id": 1, "title": "t", "createdAt": "2026-03-01T10:00:00Z"}),
    );
    let at = stamp_of(&n).unwrap();
    let item = item_for(&n).unwrap();
    assert_eq!(
        h.add_many_advancing(std::slice::from_ref(&item), Some(at))
            .unwrap(),
        [true]
    );
    let earlier = Some(at - chrono::Duration::hours(1));
    assert_eq!(h.add_many_advancing(&[item], earlier).unwrap(), [false]);
    assert_eq!(h.last_event_at(), Some(at));
    let typing = incoming("userTyping", json!({"userId": "u2", "isTyping": true}));
    assert_eq!(stamp_of(&typing), None);
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

#[test]
fn a_booking_status_that_comes_back_is_a_new_item_and_a_resend_is_not() {
    let at = |status: &str, when: &str| {
        item_for(&incoming(
            "bookingUpdated",
            json!({"bookingId": "b1", "status": status, "updatedAt": when}),
        ))
        .unwrap()
    };
    let confirmed = at("confirmed", "2026-03-01T10:00:00Z");
    let cancelled = at("cancelled", "2026-03-01T11:00:00Z");
    let confirmed_again = at("confirmed", "2026-03-01T12:00:00Z");
    let resent = at("confirmed", "2026-03-01T12:00:00Z");
    let mut h = Inbox::in_memory().unwrap();
    let fresh = h
        .add_many_advancing(&[confirmed, cancelled, confirmed_again, resent], None)
        .unwrap();
    assert_eq!(fresh, [true, true, true, false]);
    // Without a server time a repeat cannot be told from a re-send: one item.
    let plain = |status: &str| {
        item_for(&incoming(
            "bookingUpdated",
            json!({"bookingId": "b2", "status": status}),
        ))
        .unwrap()
    };
    assert_eq!(plain("confirmed").id, plain("confirmed").id);
}

#[test]
fn each_event_is_one_kind_and_the_kinds_add_up_to_the_unread_count() {
    let kind = |event: &str, payload: serde_json::Value| item_for(&incoming(event, payload));
    let items = [
        kind(
            "bookingUpdated",
            json!({"bookingId": "b1", "status": "pending"}),
        ),
        kind(
            "newNotification",
            json!({"id": "n1", "title": "t", "type": "booking", "link": "/bookings/b2"}),
        ),
        kind(
            "bookingUpdated",
            json!({"bookingId": "b3", "status": "confirmed"}),
        ),
        kind(
            "newNotification",
            json!({"id": "n2", "title": "t", "bookingId": "b4"}),
        ),
        kind(
            "newMessage",
            json!({"id": 1, "conversationId": "c1", "senderId": "u2", "content": "hi"}),
        ),
        kind("userOnline", json!({"userId": "u3"})),
    ]
    .map(Option::unwrap);
    let kinds: Vec<Kind> = items.iter().map(|i| i.kind).collect();
    assert_eq!(
        kinds,
        [
            Kind::BookingRequest,
            Kind::BookingRequest,
            Kind::Notification,
            Kind::Notification,
            Kind::Message,
            Kind::Notification
        ],
        "a request as answers.rs tells one; a notification about a booking is not one"
    );
    let mut h = Inbox::in_memory().unwrap();
    h.add_many(&items).unwrap();
    let waiting = h.waiting();
    // Presence is stored read: not waiting.
    assert_eq!(
        (
            waiting.booking_requests,
            waiting.messages,
            waiting.notifications
        ),
        (2, 1, 2)
    );
    assert_eq!(waiting.total(), h.unread());
    h.mark_read(&[]);
    assert_eq!(h.waiting(), Unread::default());
}

#[test]
fn an_answer_marks_read_the_request_however_it_arrived() {
    let mut h = Inbox::in_memory().unwrap();
    let requests = [
        incoming(
            "newNotification",
            json!({"id": "n1", "type": "booking", "title": "New request", "link": "/bookings/b5?from=mail"}),
        ),
        incoming(
            "newNotification",
            json!({"id": "n2", "type": "booking", "title": "New request", "bookingId": "b6"}),
        ),
        incoming(
            "bookingUpdated",
            json!({"bookingId": "b7", "status": "requested"}),
        ),
    ];
    for r in &requests {
        assert!(h.add(&item_for(r).unwrap()).unwrap());
    }
    assert_eq!(h.waiting().total(), 3);
    for booking in ["b5", "b6", "b7"] {
        assert_eq!(h.mark_request_answered(booking), 1, "{booking}");
    }
    assert_eq!(h.unread(), 0);
}
