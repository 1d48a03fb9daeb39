//! Entry points for the fuzz targets in `fuzz/` (feature `fuzzing`, off by default): the
//! crate-private parsers of outside input, reachable without exposing them in the API.

use std::time::SystemTime;

use crate::auth::token::{TokenResponse, TokenSet};
use crate::auth::verdict::{classify_bad_success, classify_refusal};
use crate::error::Error;

/// A 2xx answer of `/oauth/token` with this body, as the OAuth client reads it.
pub fn token_answer(body: &[u8]) {
    match serde_json::from_slice::<TokenResponse>(body) {
        Ok(parsed) => {
            if let Ok(set) = TokenSet::from_response(parsed, SystemTime::now(), u64::MAX - 1) {
                let _ = TokenSet::from_json(&set.to_json());
            }
        }
        Err(_) => {
            let _ = classify_bad_success(200, true, body).verdict();
        }
    }
}

/// A refusal of `/oauth/token` with this status and body.
pub fn token_refusal(status: u16, body: &[u8]) {
    let failure = classify_refusal(status, Some("fuzz".into()), body, Some(SystemTime::now()));
    let _ = failure.verdict();
    let _ = failure.into_error().to_string();
}

/// An API error answer with this status and body.
pub fn error_body(status: u16, body: &[u8]) -> Error {
    crate::error::from_status(status, Some("fuzz".into()), body)
}
