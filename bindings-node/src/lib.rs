//! # procore-node
//!
//! The Node.js binding of the `procore` SDK, built with napi-rs. It is deliberately thin: every
//! rule of the Procore API (token rotation, rate-limit pacing, retries, pagination, error
//! classification) lives in the Rust core; this crate only converts arguments in and results out.
//!
//! The classes exported here are the *native layer* (`NativeClient`, `NativePageCursor`,
//! `NativeTokenStore`, `NativeOAuthClient`). The public npm API (`index.js` / `index.d.ts`) is a
//! small hand-written layer over them that turns the error payload below into `ProcoreError`
//! subclasses, parses JSON bodies with `JSON.parse` and exposes pages as async iterators.
//!
//! Files mirror the core's concepts: [`client`] (the client and its requests), [`auth`] (the
//! authorization-code helpers), [`errors`] (error conversion), [`pagination`] (the page cursor)
//! and [`stores`] (memory, file and JavaScript token stores).
//!
//! JSON crosses the boundary as text (`serde_json::to_string` here, `JSON.parse` in JS): it is
//! faster than building objects through N-API calls, and it gives exactly the numbers
//! `JSON.parse` gives (napi's serde conversion would turn ids above 2^32 into `BigInt`).

// napi-derive expands `#[napi]` into `unsafe` FFI glue; this crate writes no unsafe code itself.
#![allow(unsafe_code)]

pub mod auth;
pub mod client;
pub mod errors;
pub mod pagination;
pub mod stores;

use std::time::Duration;

use napi::bindgen_prelude::*;

/// Milliseconds given from JavaScript as a duration (rejects negatives, NaN, infinities).
pub(crate) fn millis(value: f64, what: &str) -> Result<Duration> {
    if !value.is_finite() || value < 0.0 {
        return Err(errors::config_error(format!(
            "{what} must be a finite, non-negative number of milliseconds"
        )));
    }
    Ok(Duration::from_secs_f64(value / 1000.0))
}

/// A positive integer id given as a JavaScript number (exact up to 2^53).
pub(crate) fn id(value: f64, what: &str) -> Result<u64> {
    const MAX_SAFE: f64 = 9_007_199_254_740_991.0;
    if !value.is_finite() || value.fract() != 0.0 || !(1.0..=MAX_SAFE).contains(&value) {
        return Err(errors::config_error(format!(
            "{what} must be a positive integer (at most 2^53 - 1)"
        )));
    }
    Ok(value as u64)
}
