//! The link's decoding of an incoming event: any event name, any JSON
//! arguments. It must not panic, a refusal's reason must hold none of the
//! payload's strings, and a decoded event must serialize.
#![no_main]

use alora_link::Incoming;
use chrono::{TimeZone, Utc};
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
    let arrived = Utc.timestamp_millis_opt(1_780_000_000_000).single().unwrap_or_default();
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
                if text.len() >= 12 {
                    assert!(!e.reason.contains(text), "{event}: {e} holds {text:?}");
                }
            }
        }
    }
});
