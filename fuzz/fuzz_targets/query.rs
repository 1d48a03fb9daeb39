//! Query values as bindings pass them (JSON text from Node, the same shapes from Python and
//! Kotlin): any document, encoded by the one query rule.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(q) = procore::QueryValue::from_json(text) {
            let _ = procore::options::encode_query(&q);
        }
    }
});
