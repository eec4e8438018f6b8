//! The instance socket's request parser: any bytes as one line. A request
//! or a refusal, never a panic; a request read back from its own JSON runs
//! the same command (what a second launch sends is what is run).
//!
//! serde_json parses floats best-effort (its `float_roundtrip` feature is
//! off): a float can come back a few ULPs off. That changes nothing that is
//! run, since every payload the instance emits is decoded into an
//! `Outgoing` with no number in it, so the target holds what is run to
//! exact equality and the rest of the request to equality up to those ULPs
//! (fuzz/seeds/instance_request/long-float, the first crash).
#![no_main]

use alora_desktop::instance::cli::Forward;
use alora_desktop::instance::socket::{parse_request, Limits, LIMITS};
use alora_link::Outgoing;
use libfuzzer_sys::fuzz_target;
use serde_json::{Number, Value};

/// How far apart two parses of one float may land: the parser's rounding
/// of the significand, of the power of ten and of the product, twice.
const MAX_ULPS: u64 = 4;

/// What the instance does with a request: a `send` is its `Outgoing` (or
/// the code of the refusal), the other commands are what they say.
#[derive(Debug, PartialEq)]
enum Run {
    Emit(Result<Outgoing, &'static str>),
    Other(Forward),
}

fn run(request: &Forward) -> Run {
    match request {
        Forward::Send { event, payload } => {
            Run::Emit(Outgoing::from_event(event, payload.clone()).map_err(|e| e.code()))
        }
        other => Run::Other(other.clone()),
    }
}

/// A float's position on the number line, so that neighbours differ by one.
fn ordered(x: f64) -> i64 {
    let bits = i64::from_ne_bytes(x.to_bits().to_ne_bytes());
    if bits < 0 {
        i64::MIN - bits
    } else {
        bits
    }
}

fn same_number(a: &Number, b: &Number) -> bool {
    match (a.is_f64(), b.is_f64(), a.as_f64(), b.as_f64()) {
        (true, true, Some(x), Some(y)) => ordered(x).abs_diff(ordered(y)) <= MAX_ULPS,
        _ => a == b,
    }
}

fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => same_number(x, y),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

fn same_request(a: &Forward, b: &Forward) -> bool {
    match (a, b) {
        (
            Forward::Send { event, payload },
            Forward::Send {
                event: event_back,
                payload: payload_back,
            },
        ) => event == event_back && same_json(payload, payload_back),
        _ => a == b,
    }
}

fuzz_target!(|data: &[u8]| {
    // A small limit too, so that the length rule is reached.
    let small = Limits {
        max_line: 64,
        ..LIMITS
    };
    for limits in [LIMITS, small] {
        match parse_request(data, limits) {
            Ok(request) => {
                assert!(data.len() <= limits.max_line);
                let again = serde_json::to_vec(&request).expect("a request serializes");
                let back = parse_request(&again, LIMITS).expect("its own JSON parses");
                assert_eq!(run(&back), run(&request), "what is run changed");
                assert!(
                    same_request(&back, &request),
                    "{back:?} came back from {request:?}"
                );
            }
            Err(e) => assert_eq!(e.code(), "invalid_input", "{e}"),
        }
    }
});
