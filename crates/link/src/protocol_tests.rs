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

#[test]
fn the_cursor_takes_the_servers_time_clamped_to_arrival_plus_skew() {
    let skew = chrono::Duration::from_std(CURSOR_SKEW).unwrap();
    let t = Utc.with_ymd_and_hms(2026, 11, 22, 8, 59, 0).unwrap();
    let cursor = |event: &str, payload: Value| {
        decode(event, payload)
            .unwrap()
            .and_then(|i| i.cursor_time())
    };
    // The server's own time, as it gave it.
    let stamped = json!({"id": 1, "title": "T", "createdAt": "2026-11-22T08:59:00Z"});
    assert_eq!(cursor("newNotification", stamped), Some(t));
    let msg = json!({"id": 1, "conversationId": "c", "senderId": "u", "content": "x",
                     "createdAt": t.timestamp_millis()});
    assert_eq!(cursor("newMessage", msg), Some(t));
    // A time far ahead: no later than the arrival plus the skew.
    for created in [
        json!("9999-12-31T23:59:59Z"),
        json!(253_402_300_799_000_i64),
    ] {
        let far = json!({"id": 2, "title": "T", "createdAt": created});
        assert_eq!(cursor("newNotification", far), Some(now() + skew));
        let far_msg = json!({"id": 2, "conversationId": "c", "senderId": "u", "content": "x",
                             "createdAt": created});
        assert_eq!(cursor("newMessage", far_msg), Some(now() + skew));
    }
    // Just within the skew: kept.
    let near = now() + skew - chrono::Duration::seconds(1);
    let ok = json!({"id": 3, "title": "T", "createdAt": near.to_rfc3339()});
    assert_eq!(cursor("newNotification", ok), Some(near));
}

#[test]
fn an_event_without_a_server_time_never_moves_the_cursor() {
    let n = decode("newNotification", json!({"id": 1, "title": "T"}))
        .unwrap()
        .unwrap();
    // Shown with its arrival time, but the cursor is the server's clock only.
    let Incoming::NewNotification(shown) = &n else {
        panic!("{n:?}")
    };
    assert_eq!(shown.created_at, Some(now()));
    assert_eq!(n.cursor_time(), None);
    let m = decode(
        "newMessage",
        json!({"id": 1, "conversationId": "c", "senderId": "u", "content": "x", "createdAt": "garbage"}),
    )
    .unwrap()
    .unwrap();
    assert_eq!(m.cursor_time(), None);
    let typing = decode("userTyping", json!({"userId": "u", "isTyping": true}))
        .unwrap()
        .unwrap();
    assert_eq!(typing.cursor_time(), None);
}

#[test]
fn a_text_under_both_names_is_no_duplicate_field() {
    let n = decode(
        "newNotification",
        json!({"id": 1, "title": "T", "message": "M", "body": "B"}),
    );
    let Ok(Some(Incoming::NewNotification(n))) = n else {
        panic!("{n:?}")
    };
    assert_eq!(n.message, "M", "message wins over body");
    // A null under the protocol's name gives way to the other one.
    let n = decode(
        "newNotification",
        json!({"id": 1, "title": "T", "message": null, "body": "B"}),
    );
    let Ok(Some(Incoming::NewNotification(n))) = n else {
        panic!("{n:?}")
    };
    assert_eq!(n.message, "B");

    let m = decode(
        "newMessage",
        json!({"id": 1, "conversationId": "c", "senderId": "u",
               "content": "C", "message": "M", "body": "B"}),
    );
    let Ok(Some(Incoming::NewMessage(m))) = m else {
        panic!("{m:?}")
    };
    assert_eq!(m.content, "C");
    let m = decode(
        "newMessage",
        json!({"id": 1, "conversationId": "c", "senderId": "u", "message": "M", "body": "B"}),
    );
    let Ok(Some(Incoming::NewMessage(m))) = m else {
        panic!("{m:?}")
    };
    assert_eq!(m.content, "M");

    let b = decode(
        "bookingUpdated",
        json!({"bookingId": "b1", "status": "confirmed", "message": "M", "body": "B"}),
    );
    let Ok(Some(Incoming::BookingUpdated(b))) = b else {
        panic!("{b:?}")
    };
    assert_eq!(b.message.as_deref(), Some("M"));
}

#[test]
fn an_empty_optional_id_is_no_id() {
    let b = decode(
        "bookingUpdated",
        json!({"bookingId": "b1", "status": "confirmed", "updatedBy": ""}),
    );
    let Ok(Some(Incoming::BookingUpdated(b))) = b else {
        panic!("{b:?}")
    };
    assert_eq!(b.updated_by, None);
    let c = decode("connected", json!({"userId": "", "socketId": "s"}));
    let Ok(Some(Incoming::Connected(c))) = c else {
        panic!("{c:?}")
    };
    assert_eq!(c.user_id, None);
    let t = decode(
        "userTyping",
        json!({"userId": "u", "isTyping": true, "conversationId": "  "}),
    );
    let Ok(Some(Incoming::UserTyping(t))) = t else {
        panic!("{t:?}")
    };
    assert_eq!(t.conversation_id, None);
    // Present and usable: kept, numbers too.
    let b = decode(
        "bookingUpdated",
        json!({"bookingId": "b1", "status": "confirmed", "updatedBy": 7}),
    );
    let Ok(Some(Incoming::BookingUpdated(b))) = b else {
        panic!("{b:?}")
    };
    assert_eq!(b.updated_by, Some(Id("7".into())));
}

#[test]
fn a_booking_update_keeps_the_servers_time_of_the_change() {
    let t = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    for payload in [
        json!({"bookingId": "b1", "status": "confirmed", "updatedAt": "2026-03-01T12:00:00Z"}),
        json!({"bookingId": "b1", "status": "confirmed", "createdAt": t.timestamp_millis()}),
        json!({"bookingId": "b1", "status": "confirmed", "updatedAt": "2026-03-01T12:00:00Z",
               "createdAt": "2020-01-01T00:00:00Z"}),
    ] {
        let b = decode("bookingUpdated", payload.clone());
        let Ok(Some(Incoming::BookingUpdated(b))) = b else {
            panic!("{payload}: {b:?}")
        };
        assert_eq!(b.updated_at, Some(t), "{payload}");
    }
    let plain = decode("bookingUpdated", json!({"bookingId": "b1", "status": "x"}))
        .unwrap()
        .unwrap();
    let v = serde_json::to_value(&plain).unwrap();
    assert!(v["data"].get("updatedAt").is_none(), "{v}");
}

/// Every known event, each field given a value of every wrong kind that
/// carries a marker: decoding fails or succeeds, and a failure's reason
/// never holds the marker (reasons are logged and shown).
#[test]
fn reasons_never_carry_the_payload() {
    const MARK: &str = "SECRET-MARKER-7f3a";
    let events = [
        ("connected", vec!["userId", "socketId"]),
        (
            "newNotification",
            vec!["id", "title", "message", "type", "createdAt", "link"],
        ),
        (
            "bookingUpdated",
            vec!["bookingId", "status", "title", "message", "updatedBy"],
        ),
        (
            "newMessage",
            vec![
                "id",
                "conversationId",
                "senderId",
                "senderName",
                "content",
                "clientId",
            ],
        ),
        ("userOnline", vec!["userId", "name"]),
        ("userOffline", vec!["userId", "name"]),
        ("statusUpdated", vec!["userId", "status"]),
        ("userTyping", vec!["userId", "isTyping", "conversationId"]),
    ];
    let wrong = [
        json!(MARK),
        Value::Object([(MARK.to_owned(), json!(MARK))].into_iter().collect()),
        json!([MARK]),
        json!(true),
        json!(1.5),
        json!(null),
        json!(""),
    ];
    let mut failures = 0;
    for (event, fields) in events {
        for field in &fields {
            for value in &wrong {
                let mut payload = serde_json::Map::new();
                for f in &fields {
                    payload.insert((*f).to_owned(), json!("1"));
                }
                payload.insert((*field).to_owned(), value.clone());
                for args in [vec![Value::Object(payload.clone())], vec![value.clone()]] {
                    if let Err(e) = Incoming::decode(event, &args, Utc::now()) {
                        failures += 1;
                        assert!(
                            !e.reason.contains(MARK) && !e.to_string().contains(MARK),
                            "{event}.{field}: {e}"
                        );
                    }
                }
            }
        }
    }
    assert!(failures > 100, "wrong types must fail: {failures}");
}

#[test]
fn content_free_keeps_the_shape_and_drops_the_value() {
    let e = serde_json::from_value::<bool>(json!("a \"quoted\", expected x")).unwrap_err();
    let reason = PayloadError::from_serde("userTyping", &e).reason;
    assert_eq!(reason, "invalid type: string, expected a boolean");
    let e = serde_json::from_value::<String>(json!(12345)).unwrap_err();
    assert_eq!(
        PayloadError::from_serde("x", &e).reason,
        "invalid type: integer, expected a string"
    );
}
