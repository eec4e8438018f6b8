//! The instance socket's request parser: any bytes as one line. A request
//! or a refusal, never a panic; a request read back from its own JSON is
//! the same request (what a second launch sends is what is run).
#![no_main]

use alora_desktop::instance::socket::{parse_request, Limits, LIMITS};
use libfuzzer_sys::fuzz_target;

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
                assert_eq!(back, request);
            }
            Err(e) => assert_eq!(e.code(), "invalid_input", "{e}"),
        }
    }
});
