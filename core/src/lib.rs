//! # procore
//!
//! The Procore REST API, done right once: OAuth token rotation that never double-refreshes,
//! pacing from both rate-limit windows, retries that are safe for the method, the
//! `Procore-Company-Id` header on every call, and pagination that keeps memory flat.
//!
//! ```no_run
//! # async fn demo() -> procore::Result<()> {
//! use procore::{Client, Environment};
//! let client = Client::builder()
//!     .environment(Environment::Sandbox)
//!     .access_token("...")
//!     .company_id(8089)
//!     .build()?;
//! let me: serde_json::Value = client.get("/rest/v1.0/me").send().await?.json()?;
//! # Ok(()) }
//! ```
//!
//! Layout (ARCHITECTURE.md): [`config`] (environments, builder), [`options`] (what bindings
//! fill, resolved once), `request` and `transport`, [`auth`] (grants, rotation),
//! [`store`] (token stores), [`limit`] (pacing), [`retry`] (what is retried), `dispatch`
//! (the pipeline), [`paginate`], [`error`].

#![warn(missing_docs)]

pub mod auth;
#[cfg(feature = "catalog")]
pub mod catalog;
mod client;
pub mod config;
mod dispatch;
pub mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod limit;
pub mod options;
pub mod paginate;
#[cfg(feature = "redis")]
mod redis_link;
mod request;
mod response;
pub mod retry;
pub mod store;
pub mod sync;
mod transport;
pub mod uploads;
pub mod webhooks;

pub use auth::{AppCredentials, AuthorizationRequest, Credentials, OAuthClient, TokenSet};
pub use client::Client;
pub use config::{ClientBuilder, Environment, SDK_VERSION};
pub use error::{ApiError, Error, ErrorCode, Result, ValidationErrors};
pub use http::Method;
pub use limit::{RateLimitConfig, RateLimitSnapshot};
pub use options::{
    AuthOptions, CallOptions, ClientOptions, Num, PaginateOptions, PaginateSpec, QueryValue, Span,
};
pub use paginate::{Page, PageCursor, PageItem, Paginator, RawItem};
pub use request::{CompanyChoice, RequestBuilder, RequestSpec};
pub use response::Response;
pub use retry::RetryConfig;
pub use secrecy::SecretString;
pub use store::{FileTokenStore, MemoryTokenStore, TokenStore};
pub use sync::{SyncItemError, SyncOptions, SyncOutcome, SyncSpec};
pub use uploads::{
    UploadFlow, UploadOptions, UploadOutcome, UploadProgress, UploadSource, UploadSpec,
};
