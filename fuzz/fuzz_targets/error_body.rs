//! Error answers of the API: any status, any body (JSON or not).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let status = data.first().map(|b| 300 + u16::from(*b) * 2).unwrap_or(500);
    let e = procore::fuzzing::error_body(status, data.get(1..).unwrap_or_default());
    let _ = (e.code(), e.status(), e.validation_errors(), e.body(), e.to_string());
});
