//! `X-Rate-Limit-*` and `Retry-After` headers: any bytes in each value.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parts: Vec<&[u8]> = data.splitn(4, |b| *b == b'\n').collect();
    let names = ["x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset", "retry-after"];
    let mut headers = http::HeaderMap::new();
    for (name, value) in names.iter().zip(parts) {
        if let Ok(v) = http::HeaderValue::from_bytes(value) {
            headers.insert(*name, v);
        }
    }
    let _ = procore::RateLimitSnapshot::from_headers(&headers);
    let _ = procore::limit::parse_retry_after(&headers, std::time::SystemTime::now());
    let _ = procore::limit::parse_retry_after(&headers, std::time::UNIX_EPOCH);
});
