//! # procore-uniffi
//!
//! The uniffi bindings of the `procore` core for Kotlin (Android, JVM) and Swift (iOS,
//! macOS). One file per core concept, named as in core: [`client`] (the `Client` object, its
//! configuration, the `Response` record), [`auth`] (token sets, the authorization-code login),
//! [`errors`] (`ProcoreError`, one variant per stable code), [`pagination`] (the page cursor),
//! [`stores`] (the foreign `TokenStore` trait and its adapter to the core's).
//!
//! Every async method runs on tokio (`async_runtime = "tokio"`) and is a `suspend fun` in
//! Kotlin and an `async` function in Swift. Cancelling the Kotlin coroutine drops the Rust
//! future; the core's refresh runs in its own task, so a cancelled caller never leaves the
//! token store half-rotated.

// `ProcoreError` is the error type uniffi lowers across the FFI by value (it cannot be boxed
// there); it is only built on failure paths, so its size costs nothing on success.
#![allow(clippy::result_large_err)]

pub mod auth;
pub mod client;
pub mod errors;
pub mod pagination;
pub mod stores;

pub use auth::{oob_redirect_uri, AuthorizationRequest, OAuthClient, TokenSet};
pub use client::{Client, ClientConfig, QueryParam, RateLimit, RequestOptions, Response};
pub use errors::ProcoreError;
pub use pagination::{Page, PageCursor, PaginateOptions};
pub use stores::TokenStore;

/// The SDK's version.
#[uniffi::export]
pub fn sdk_version() -> String {
    procore::SDK_VERSION.to_owned()
}

/// Every stable error code, in the core's order.
#[uniffi::export]
pub fn error_codes() -> Vec<String> {
    procore::Error::CODES
        .iter()
        .map(|c| (*c).to_owned())
        .collect()
}

uniffi::setup_scaffolding!();
