//! Unit tests of the tolerant decoding rules.

use chrono::{TimeZone, Utc};
use serde_json::json;

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap()
}

fn decode(event: &str, payload: Value) -> Result<Option<Incoming>, PayloadError> {
    Incoming::decode(event, &[payload], now())
}

#[test]
fn notification_accepts_body_numeric_ids_and_fills_created_at() {
    let got = decode(
        "newNotification",
        json!({"id": 17, "title": "T", "body": "B", "extra": true}),
    );
    let Ok(Some(Incoming::NewNotification(n))) = got else {
        panic!("{got:?}")
    };
    assert_eq!(n.id, Id("17".into()));
    assert_eq!(n.message, "B");
    assert_eq!(
        n.created_at,
        Some(now()),
        "missing createdAt is the arrival time"
    );
}

#[test]
fn notification_keeps_its_own_time_in_rfc3339_or_epoch_ms() {
    let t = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
    for created in [json!("2026-01-02T03:04:05Z"), json!(t.timestamp_millis())] {
        let got = decode(
            "newNotification",
            json!({"id": "n", "title": "T", "message": "M", "createdAt": created}),
        );
        let Ok(Some(Incoming::NewNotification(n))) = got else {
            panic!("{got:?}")
        };
        assert_eq!(n.created_at, Some(t));
    }
}

#[test]
fn one_element_array_wrapping_is_removed_and_extra_args_ignored() {
    let wrapped = [
        json!([[{"userId": "u2", "status": "busy"}]]),
        json!("offset-123"),
    ];
    let got = Incoming::decode("statusUpdated", &wrapped, now());
    assert_eq!(
        got,
        Ok(Some(Incoming::StatusUpdated(StatusUpdated {
            user_id: "u2".into(),
            status: "busy".into()
        })))
    );
}

#[test]
fn every_server_event_decodes() {
    let cases = [
        ("connected", json!({"userId": "u1", "socketId": "s"})),
        (
            "bookingUpdated",
            json!({"bookingId": 5, "status": "confirmed", "updatedBy": "u3"}),
        ),
        (
            "newMessage",
            json!({"id": "m1", "conversationId": 9, "senderId": "u2", "content": "hi"}),
        ),
        ("userOnline", json!({"userId": "u2", "name": "Ann"})),
        ("userOffline", json!({"userId": 2})),
        ("statusUpdated", json!({"userId": "u2", "status": "away"})),
        (
            "userTyping",
            json!({"userId": "u2", "isTyping": true, "conversationId": "c"}),
        ),
    ];
    for (event, payload) in cases {
        let got = decode(event, payload).unwrap().unwrap();
        assert_eq!(got.event_name(), event);
    }
    assert!(matches!(
        decode("connected", Value::Null),
        Ok(Some(Incoming::Connected(_)))
    ));
}

#[test]
fn unknown_events_are_not_errors() {
    assert_eq!(decode("somethingNew", json!({"x": 1})), Ok(None));
}

#[test]
fn payloads_that_do_not_fit_are_errors_naming_the_event() {
    let bad = [
        ("newNotification", json!({"title": "no id"})),
        ("newNotification", json!("just a string")),
        (
            "newMessage",
            json!({"id": "m", "conversationId": "c", "senderId": "s"}),
        ),
        ("bookingUpdated", json!({"bookingId": null, "status": "x"})),
        ("userTyping", json!({"userId": "u", "isTyping": "yes"})),
        ("statusUpdated", json!([1, 2])),
        ("userOnline", Value::Null),
        ("newNotification", json!({"id": "", "title": "empty id"})),
    ];
    for (event, payload) in bad {
        let err = decode(event, payload.clone()).unwrap_err();
        assert_eq!(err.event, event, "{payload}");
    }
}

#[test]
fn serialises_camel_case_for_the_ui() {
    let got = decode(
        "bookingUpdated",
        json!({"bookingId": "b1", "status": "cancelled"}),
    )
    .unwrap()
    .unwrap();
    let v = serde_json::to_value(&got).unwrap();
    assert_eq!(v["event"], "bookingUpdated");
    assert_eq!(v["data"]["bookingId"], "b1");
}

#[test]
fn decoding_by_value_gives_what_decoding_by_reference_does() {
    let cases = [
        (
            "newNotification",
            json!({"id": 3, "title": "T", "body": "B"}),
        ),
        ("newNotification", json!({"title": "no id"})),
        ("userTyping", json!([{"userId": "u2", "isTyping": true}])),
        ("somethingNew", json!({"x": 1})),
        ("connected", Value::Null),
    ];
    for (event, payload) in cases {
        let args = vec![payload, json!("offset-1")];
        assert_eq!(
            Incoming::decode_owned(event, args.clone(), now()),
            Incoming::decode(event, &args, now()),
            "{event}"
        );
    }
}
