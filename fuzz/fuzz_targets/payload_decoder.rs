//! The link's decoding of an incoming event: any event name, any JSON
//! arguments. It must not panic, a refusal's reason must hold none of the
//! payload's strings, and a decoded event must serialize.
//!
//! A payload string can also be words of the reason itself: a title of
//! "missing field `userId" is in the reason "missing field `userId`" of a
//! status without a user (fuzz/seeds/payload_decoder/reason-words, the
//! first crash). So a string found in the reason counts as copied only if
//! the reason follows it: with the string swapped for others of its
//! length and shape, the reason holds those instead.
#![no_main]

use alora_link::Incoming;
use chrono::{DateTime, TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// The protocol's events, so that most inputs reach a typed decoder.
const EVENTS: [&str; 9] = [
    "connected",
    "newNotification",
    "bookingUpdated",
    "newMessage",
    "userOnline",
    "userOffline",
    "statusUpdated",
    "userTyping",
    "somethingElse",
];

fn strings<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.iter().for_each(|(k, v)| {
            out.push(k);
            strings(v, out);
        }),
        _ => {}
    }
}

/// `text` with its letters and digits moved on by `by` places: the same
/// length and shape (digits stay digits, blanks stay blank), other words.
fn shifted(text: &str, by: u8) -> String {
    let turn = |c: char, base: u8, span: u8| {
        let at = u8::try_from(u32::from(c) - u32::from(base)).unwrap_or(0);
        char::from(base + (at + by) % span)
    };
    text.chars()
        .map(|c| match c {
            'a'..='z' => turn(c, b'a', 26),
            'A'..='Z' => turn(c, b'A', 26),
            '0'..='9' => turn(c, b'0', 10),
            other => other,
        })
        .collect()
}

/// `value` with every string and key equal to `text` replaced by `with`.
fn swap(value: &Value, text: &str, with: &str) -> Value {
    let one = |s: &str| {
        if s == text {
            with.to_owned()
        } else {
            s.to_owned()
        }
    };
    match value {
        Value::String(s) => Value::String(one(s)),
        Value::Array(items) => Value::Array(items.iter().map(|v| swap(v, text, with)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (one(k), swap(v, text, with)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Whether the reason for `args` holds `text` because the payload does:
/// swapped for each of two stand-ins in turn, the stand-in is in the
/// reason both times.
fn copied(event: &str, args: &[Value], text: &str, arrived: DateTime<Utc>) -> bool {
    [7, 13].into_iter().all(|by| {
        let stand_in = shifted(text, by);
        let swapped: Vec<Value> = args.iter().map(|v| swap(v, text, &stand_in)).collect();
        match Incoming::decode(event, &swapped, arrived) {
            Err(e) => e.reason.contains(&stand_in),
            Ok(_) => false,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, json)) = data.split_first() else {
        return;
    };
    let event = EVENTS[usize::from(pick) % EVENTS.len()];
    // The arguments as the library hands them over: a JSON array.
    let args = match serde_json::from_slice::<Value>(json) {
        Ok(Value::Array(args)) => args,
        Ok(other) => vec![other],
        Err(_) => return,
    };
    let arrived = Utc
        .timestamp_millis_opt(1_780_000_000_000)
        .single()
        .unwrap_or_default();
    match Incoming::decode(event, &args, arrived) {
        Ok(Some(incoming)) => {
            assert_eq!(incoming.event_name(), event);
            serde_json::to_string(&incoming).expect("a decoded event serializes");
        }
        Ok(None) => assert_eq!(event, "somethingElse"),
        Err(e) => {
            let mut texts = Vec::new();
            args.iter().for_each(|v| strings(v, &mut texts));
            for text in texts {
                // Short strings can be words of the reason itself ("id").
                if text.len() >= 12 && e.reason.contains(text) {
                    assert!(
                        !copied(event, &args, text, arrived),
                        "{event}: {e} holds {text:?}"
                    );
                }
            }
        }
    }
});
