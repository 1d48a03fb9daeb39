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
//! [`stores`] (memory, file and JavaScript token stores), [`progress`] (upload progress
//! callbacks) and [`webhooks`] (the webhook receiver).
//!
//! JSON crosses the boundary as text (`serde_json::to_string` here, `JSON.parse` in JS): it is
//! faster than building objects through N-API calls, and it gives exactly the numbers
//! `JSON.parse` gives (napi's serde conversion would turn ids above 2^32 into `BigInt`).

// napi-derive expands `#[napi]` into `unsafe` FFI glue; this crate writes no unsafe code itself.
#![allow(unsafe_code)]

pub mod auth;
pub mod catalog;
pub mod client;
pub mod errors;
pub mod options;
pub mod pagination;
pub mod progress;
pub mod stores;
pub mod webhooks;

use napi_derive::napi;

/// Builds the tokio runtime the addon's calls run on before the first call: napi's default
/// would start a worker per core, and each worker more than the calls need is woken for each
/// of them while the JavaScript side, on one thread, keeps the calls to about one core. The
/// count is the core's policy ([`procore::options::runtime_worker_threads`]) unless
/// `TOKIO_WORKER_THREADS` is set; should the runtime fail to build, napi builds its default.
#[napi_derive::module_init]
fn init() {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.enable_all().thread_name("procore-rt");
    if std::env::var_os("TOKIO_WORKER_THREADS").is_none() {
        builder.worker_threads(procore::options::runtime_worker_threads());
    }
    if let Ok(rt) = builder.build() {
        napi::bindgen_prelude::create_custom_tokio_runtime(rt);
    }
}

/// The stable error codes of the core, in order (`ERROR_CODES` in `index.js`).
#[napi]
pub fn error_codes() -> Vec<String> {
    procore::Error::CODES
        .iter()
        .map(|c| (*c).to_owned())
        .collect()
}
