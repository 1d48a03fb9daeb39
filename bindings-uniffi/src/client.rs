//! The `NativeClient` object (`Client` in Kotlin and Swift), mirroring core `client.rs`.
//!
//! Thin on purpose: options are converted into the core's (`options.rs` here, then
//! `procore::options`, which checks and resolves them); the core's pipeline (pace, authorize,
//! send, classify, recover) runs, and its answer is converted back (`response.rs`). Nothing
//! here retries, refreshes, paces or paginates.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::auth::{Secret, TokenSet};
use crate::errors::{Core, ProcoreError, Result};
use crate::options::{ClientOptions, PaginateOptions, RequestOptions};
use crate::pagination::PageCursor;
use crate::response::Response;
use crate::stores::{ForeignStore, TokenStore};

/// A Procore API client. One per app (per token set): calls share its connection pool, its
/// tokens and its rate budget, from any number of coroutines or tasks at once.
///
/// Swift uses it as `Client` (a type alias); Kotlin through the hand-written `Client` of
/// `Procore.kt`, whose `close()` makes later calls fail with the SDK's `CONFIG` error (the
/// generated `close()` frees the object, after which generated code can only throw
/// `IllegalStateException`).
#[derive(uniffi::Object)]
pub struct NativeClient {
    inner: procore::Client,
    closed: AtomicBool,
}

impl std::fmt::Debug for NativeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl NativeClient {
    fn build(options: ClientOptions, store: Option<Arc<dyn TokenStore>>) -> Result<Arc<Self>> {
        let mut o = options.to_core();
        o.store = store.map(ForeignStore::core);
        let inner = procore::ClientBuilder::from_options(o)
            .and_then(|b| b.build())
            .ffi()?;
        Ok(Arc::new(NativeClient {
            inner,
            closed: AtomicBool::new(false),
        }))
    }

    /// The core client, or `CONFIG` once shut down.
    pub(crate) fn core(&self) -> Result<&procore::Client> {
        self.client()
    }

    fn client(&self) -> Result<&procore::Client> {
        if self.closed.load(Ordering::Acquire) {
            return Err(ProcoreError::config("the client is closed"));
        }
        Ok(&self.inner)
    }

    async fn run(&self, method: &str, path: String, options: RequestOptions) -> Result<Response> {
        let client = self.client()?;
        let spec = procore::RequestSpec::from_options(method, path, options.into()).ffi()?;
        Ok(client.send(&spec).await.ffi()?.into())
    }
}

fn with_body(options: Option<RequestOptions>, body_json: String) -> RequestOptions {
    RequestOptions {
        body_json: Some(body_json),
        ..options.unwrap_or_default()
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl NativeClient {
    /// A client from its options (credentials included); `store` keeps the tokens (default:
    /// memory). The `with...` constructors below are shorthands for it.
    #[uniffi::constructor(default(store = None))]
    pub fn new(options: ClientOptions, store: Option<Arc<dyn TokenStore>>) -> Result<Arc<Self>> {
        Self::build(options, store)
    }

    /// A client on a fixed access token (never refreshed; a 401 is final).
    #[uniffi::constructor]
    pub fn with_access_token(options: ClientOptions, access_token: String) -> Result<Arc<Self>> {
        Self::build(
            ClientOptions {
                access_token: Some(Secret::new(access_token)),
                ..options
            },
            None,
        )
    }

    /// A service account: the client-credentials grant, fetched again at expiry.
    #[uniffi::constructor]
    pub fn with_client_credentials(
        options: ClientOptions,
        client_id: String,
        client_secret: String,
    ) -> Result<Arc<Self>> {
        Self::build(
            ClientOptions {
                client_id: Some(client_id),
                client_secret: Some(Secret::new(client_secret)),
                ..options
            },
            None,
        )
    }

    /// A user's refresh token. If `store` already holds a set, the stored set wins (it is
    /// newer: refresh tokens rotate). The first call refreshes.
    #[uniffi::constructor(default(store = None))]
    pub fn with_refresh_token(
        options: ClientOptions,
        client_id: String,
        client_secret: String,
        refresh_token: String,
        store: Option<Arc<dyn TokenStore>>,
    ) -> Result<Arc<Self>> {
        Self::build(
            ClientOptions {
                client_id: Some(client_id),
                client_secret: Some(Secret::new(client_secret)),
                refresh_token: Some(Secret::new(refresh_token)),
                ..options
            },
            store,
        )
    }

    /// A user's full token set (from `OAuthClient.exchangeCode`, or saved earlier). If
    /// `store` holds a newer set, that one wins.
    #[uniffi::constructor(default(store = None))]
    pub fn with_tokens(
        options: ClientOptions,
        client_id: String,
        client_secret: String,
        tokens: Arc<TokenSet>,
        store: Option<Arc<dyn TokenStore>>,
    ) -> Result<Arc<Self>> {
        Self::build(
            ClientOptions {
                client_id: Some(client_id),
                client_secret: Some(Secret::new(client_secret)),
                tokens: Some(tokens),
                ..options
            },
            store,
        )
    }

    /// Tokens that live only in `store` (saved by an earlier run or login).
    #[uniffi::constructor]
    pub fn with_stored_tokens(
        options: ClientOptions,
        client_id: String,
        client_secret: String,
        store: Arc<dyn TokenStore>,
    ) -> Result<Arc<Self>> {
        Self::build(
            ClientOptions {
                client_id: Some(client_id),
                client_secret: Some(Secret::new(client_secret)),
                stored: Some(true),
                ..options
            },
            Some(store),
        )
    }

    /// The default company id.
    pub fn company_id(&self) -> Option<u64> {
        self.inner.company_id()
    }

    /// A copy of the current token set, if one was loaded or fetched yet.
    pub fn current_tokens(&self) -> Option<Arc<TokenSet>> {
        self.inner.tokens().current_tokens().map(TokenSet::wrap)
    }

    /// Any call: `method` is `get`, `post`, `put`, `patch`, `delete`, `head` or `options`;
    /// `path` is `/rest/v1.0/projects`, or `projects` (relative to the API version).
    #[uniffi::method(default(options = None))]
    pub async fn request(
        &self,
        method: String,
        path: String,
        options: Option<RequestOptions>,
    ) -> Result<Response> {
        self.run(&method, path, options.unwrap_or_default()).await
    }

    /// A catalog operation by id (`procore.catalog`), its path parameters filling the path
    /// template; checked first: an `INVALID_CALL` error names what is missing (a path
    /// parameter, a required query parameter or body field) and nothing is sent.
    #[uniffi::method(default(path = [], options = None))]
    pub async fn call(
        &self,
        operation: String,
        path: Vec<crate::options::QueryParam>,
        options: Option<RequestOptions>,
    ) -> Result<Response> {
        let client = self.client()?;
        let path =
            procore::QueryValue::Map(path.into_iter().map(|p| (p.name, p.value.into())).collect());
        let spec = procore::RequestSpec::for_operation(
            &operation,
            Some(&path),
            options.unwrap_or_default().into(),
        )
        .ffi()?;
        Ok(client.send(&spec).await.ffi()?.into())
    }

    /// `GET path`.
    #[uniffi::method(default(options = None))]
    pub async fn get(&self, path: String, options: Option<RequestOptions>) -> Result<Response> {
        self.run("GET", path, options.unwrap_or_default()).await
    }

    /// `POST path` with a JSON body (text).
    #[uniffi::method(default(options = None))]
    pub async fn post(
        &self,
        path: String,
        body_json: String,
        options: Option<RequestOptions>,
    ) -> Result<Response> {
        self.run("POST", path, with_body(options, body_json)).await
    }

    /// `PUT path` with a JSON body (text).
    #[uniffi::method(default(options = None))]
    pub async fn put(
        &self,
        path: String,
        body_json: String,
        options: Option<RequestOptions>,
    ) -> Result<Response> {
        self.run("PUT", path, with_body(options, body_json)).await
    }

    /// `PATCH path` with a JSON body (text).
    #[uniffi::method(default(options = None))]
    pub async fn patch(
        &self,
        path: String,
        body_json: String,
        options: Option<RequestOptions>,
    ) -> Result<Response> {
        self.run("PATCH", path, with_body(options, body_json)).await
    }

    /// `DELETE path`.
    #[uniffi::method(default(options = None))]
    pub async fn delete(&self, path: String, options: Option<RequestOptions>) -> Result<Response> {
        self.run("DELETE", path, options.unwrap_or_default()).await
    }

    /// A cursor over a paginated collection (v1 arrays or v2 `{"data": [...]}`), one page per
    /// `nextPage()` call. The Kotlin `pages()`/`items()` flows and the Swift `AsyncSequence`
    /// wrap it.
    #[uniffi::method(default(options = None))]
    pub fn paginate(
        &self,
        path: String,
        options: Option<PaginateOptions>,
    ) -> Result<Arc<PageCursor>> {
        PageCursor::new(self.client()?, path, options.unwrap_or_default())
    }

    /// Revokes the tokens at the server and clears the token store (logout).
    pub async fn revoke(&self) -> Result<()> {
        self.client()?.revoke().await.ffi()
    }

    /// Introspects the current access token (`/oauth/token/info`), as JSON text.
    pub async fn token_info(&self) -> Result<String> {
        Ok(self.client()?.token_info().await.ffi()?.to_string())
    }

    /// Refuses further calls (they fail with `CONFIG`). Idempotent. Calls in flight finish.
    pub fn shutdown(&self) {
        self.closed.store(true, Ordering::Release);
    }

    /// True after `shutdown()`.
    pub fn is_shut_down(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> ClientOptions {
        ClientOptions {
            access_token: Some(Secret::new("t".into())),
            ..Default::default()
        }
    }

    #[test]
    fn bad_options_are_config_errors() {
        let bad = ClientOptions {
            base_url: Some("ftp://x".into()),
            ..options()
        };
        assert_eq!(
            NativeClient::new(bad, None).unwrap_err().code(),
            procore::ErrorCode::Config
        );
        let bad = ClientOptions {
            login_base: Some("http://127.0.0.1:1".into()),
            ..options()
        };
        assert_eq!(
            NativeClient::new(bad, None).unwrap_err().code(),
            procore::ErrorCode::Config
        );
    }

    #[tokio::test]
    async fn bodies_must_be_json_and_closed_clients_refuse() {
        let c = NativeClient::new(options(), None).unwrap();
        let err = c.post("x".into(), "{nope".into(), None).await.unwrap_err();
        assert_eq!(err.code(), procore::ErrorCode::Config);
        let err = c
            .request("FETCH".into(), "x".into(), None)
            .await
            .unwrap_err();
        assert_eq!(err.code(), procore::ErrorCode::Config);
        c.shutdown();
        let err = c.get("x".into(), None).await.unwrap_err();
        assert_eq!(err.code(), procore::ErrorCode::Config);
    }
}
