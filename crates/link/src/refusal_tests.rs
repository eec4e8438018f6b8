//! Unit tests of `delivery::refusal`: which acknowledgement payloads say no.

use serde_json::json;

use super::refusal;

#[test]
fn ok_true_with_a_null_error_is_an_acceptance() {
    for ack in [
        json!({"ok": true, "error": null}),
        json!({"ok": true}),
        json!({"error": null}),
        json!({"error": null, "message": "saved"}),
        json!({"id": "m1", "content": "hi"}),
        json!(null),
        json!("ok"),
    ] {
        assert_eq!(refusal(&ack), None, "{ack}");
    }
}

#[test]
fn ok_false_or_an_error_is_a_refusal_with_its_reason() {
    assert_eq!(
        refusal(&json!({"ok": false, "error": "conversation closed"})).as_deref(),
        Some("conversation closed")
    );
    assert_eq!(
        refusal(&json!({"error": "too long"})).as_deref(),
        Some("too long")
    );
    assert_eq!(
        refusal(&json!({"ok": false, "message": "nope"})).as_deref(),
        Some("nope")
    );
    // A null error gives way to the message, or to the generic reason.
    assert_eq!(
        refusal(&json!({"ok": false, "error": null, "message": "nope"})).as_deref(),
        Some("nope")
    );
    assert_eq!(
        refusal(&json!({"ok": false, "error": null})).as_deref(),
        Some("refused by the server")
    );
    assert_eq!(
        refusal(&json!({"error": {"code": 7}})).as_deref(),
        Some(r#"{"code":7}"#)
    );
}
