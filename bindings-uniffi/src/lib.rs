//! # procore-uniffi
//!
//! The uniffi bindings of the `procore` core for Kotlin (Android, JVM) and Swift (iOS,
//! macOS). One file per core concept, named as in core: [`client`] (the `NativeClient`
//! object), [`options`] (the options records and their conversion), [`response`] (`Response`,
//! `RateLimit`), [`auth`] (token sets, the authorization-code login), [`errors`]
//! (`ProcoreError`, one class with an `ErrorCode`), [`pagination`] (the page cursor),
//! [`stores`] (memory, file and Redis stores, the foreign `TokenStore` trait and its adapter),
//! [`workflows`] (sync batches, uploads, webhooks and the `WebhookReceiver`).
//!
//! Every async method runs on tokio (`async_runtime = "tokio"`) and is a `suspend fun` in
//! Kotlin and an `async` function in Swift. Cancelling the Kotlin coroutine drops the Rust
//! future; the core's refresh runs in its own task, so a cancelled caller never leaves the
//! token store half-rotated.

pub mod auth;
pub mod catalog;
pub mod client;
pub mod errors;
pub mod options;
pub mod pagination;
pub mod response;
pub mod stores;
pub mod workflows;

pub use auth::{oob_redirect_uri, AuthorizationRequest, OAuthClient, Secret, TokenSet};
pub use client::NativeClient;
pub use errors::{ErrorCode, ProcoreError, StoreError};
pub use options::{ClientOptions, PaginateOptions, QueryParam, QueryValue, RequestOptions};
pub use pagination::{Page, PageCursor};
pub use response::{RateLimit, Response};
pub use stores::{
    file_token_store, memory_token_store, redis_key_prefix, redis_token_store, StoreGuard,
    StoreLease, TokenStore,
};

/// The SDK's version.
///
/// Example:
///
/// ```kotlin
/// println("procore ${sdkVersion()}")
/// ```
///
/// ```swift
/// print("procore \(sdkVersion())")
/// ```
#[uniffi::export]
pub fn sdk_version() -> String {
    procore::SDK_VERSION.to_owned()
}

uniffi::setup_scaffolding!();
