//! Answers of `/oauth/token`: any body as a success, and as a refusal with any status.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let status = data.first().map(|b| 400 + u16::from(*b) % 200).unwrap_or(400);
    let body = data.get(1..).unwrap_or_default();
    procore::fuzzing::token_answer(body);
    procore::fuzzing::token_refusal(status, body);
});
