//! The `NativeClient` object (`Client` in Kotlin and Swift), its options and the `Response`
//! record, mirroring core
//! `client.rs`, `config.rs` and `response.rs`.
//!
//! Thin on purpose: options are converted into the core's (`procore::options`), which checks
//! and resolves them; the core's pipeline (pace, authorize, send, classify, recover) runs, and
//! its answer is converted back. Nothing here retries, refreshes, paces or paginates.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::auth::{unix_secs, Secret, TokenSet};
use crate::errors::{Core, ProcoreError, Result};
use crate::pagination::{PageCursor, PaginateOptions};
use crate::stores::{ForeignStore, TokenStore};

/// How a client authenticates, connects and behaves: the same options, by name, as in every
/// other binding (durations in milliseconds). Every field has a default. Secrets are
/// [`Secret`] objects, so the generated `toString()` / `print()` never shows one.
#[derive(uniffi::Record, Clone, Default)]
pub struct ClientOptions {
    /// A fixed access token (never refreshed).
    #[uniffi(default)]
    pub access_token: Option<Arc<Secret>>,
    /// The app's OAuth client id (with `client_secret`).
    #[uniffi(default)]
    pub client_id: Option<String>,
    #[uniffi(default)]
    pub client_secret: Option<Arc<Secret>>,
    /// A user's refresh token (a set already in the store wins: it is newer).
    #[uniffi(default)]
    pub refresh_token: Option<Arc<Secret>>,
    /// A user's full token set (from `OAuthClient.exchangeCode`, or saved earlier).
    #[uniffi(default)]
    pub tokens: Option<Arc<TokenSet>>,
    /// The tokens live only in the store (implied when a store is given with app
    /// credentials only).
    #[uniffi(default)]
    pub stored: Option<bool>,
    /// `production` (default), `sandbox`, `monthly_sandbox`, `federal`, or a URL.
    #[uniffi(default)]
    pub environment: Option<String>,
    /// One origin serving the API and OAuth (the local simulator, a proxy).
    #[uniffi(default)]
    pub base_url: Option<String>,
    /// The API origin, with `login_base`.
    #[uniffi(default)]
    pub api_base: Option<String>,
    /// The OAuth origin, with `api_base` or `base_url`.
    #[uniffi(default)]
    pub login_base: Option<String>,
    /// The company sent as `Procore-Company-Id` when a call names none.
    #[uniffi(default)]
    pub company_id: Option<u64>,
    /// The API version of relative paths (default `v1.0`).
    #[uniffi(default)]
    pub api_version: Option<String>,
    /// Your app's name, put before the SDK's in `User-Agent`.
    #[uniffi(default)]
    pub user_agent: Option<String>,
    /// The language reported in `Procore-Sdk-Language` (default `uniffi`).
    #[uniffi(default)]
    pub sdk_language: Option<String>,
    #[uniffi(default)]
    pub connect_timeout_ms: Option<u64>,
    /// Per-attempt timeout (default 60 s).
    #[uniffi(default)]
    pub request_timeout_ms: Option<u64>,
    /// Refresh this long before expiry (default 5 minutes).
    #[uniffi(default)]
    pub refresh_skew_ms: Option<u64>,
    /// Attempts in all per call, the first included (default 4; 1 disables retries).
    #[uniffi(default)]
    pub max_attempts: Option<u32>,
    #[uniffi(default)]
    pub retry_base_delay_ms: Option<u64>,
    #[uniffi(default)]
    pub retry_max_delay_ms: Option<u64>,
    /// The longest `Retry-After` of a 503 that is waited out (default 60 s).
    #[uniffi(default)]
    pub max_retry_after_ms: Option<u64>,
    /// Overall deadline of one call, waits included (default 2 minutes).
    #[uniffi(default)]
    pub deadline_ms: Option<u64>,
    /// No overall deadline.
    #[uniffi(default)]
    pub no_deadline: Option<bool>,
    /// Pace requests from the rate-limit headers (default true).
    #[uniffi(default)]
    pub rate_limit: Option<bool>,
    /// Fail with `RATE_LIMITED` instead of waiting longer than this for the budget.
    #[uniffi(default)]
    pub rate_limit_max_wait_ms: Option<u64>,
    /// The largest response body read (default 32 MiB).
    #[uniffi(default)]
    pub max_body_bytes: Option<u64>,
}

impl std::fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientOptions")
            .field("client_id", &self.client_id)
            .field("environment", &self.environment)
            .field("base_url", &self.base_url)
            .field("company_id", &self.company_id)
            .finish_non_exhaustive()
    }
}

fn ms(v: Option<u64>) -> Option<procore::Span> {
    v.map(|v| procore::Span::Millis(v as f64))
}

impl ClientOptions {
    /// The core's options (the store is added by the caller).
    pub(crate) fn to_core(&self) -> procore::ClientOptions {
        let o = self.clone();
        procore::ClientOptions {
            environment: o.environment,
            base_url: o.base_url,
            api_base: o.api_base,
            login_base: o.login_base,
            company_id: o.company_id.map(Into::into),
            api_version: o.api_version,
            user_agent: o.user_agent,
            sdk_language: Some(o.sdk_language.unwrap_or_else(|| "uniffi".into())),
            connect_timeout: ms(o.connect_timeout_ms),
            request_timeout: ms(o.request_timeout_ms),
            refresh_skew: ms(o.refresh_skew_ms),
            max_attempts: o.max_attempts.map(Into::into),
            retry_base_delay: ms(o.retry_base_delay_ms),
            retry_max_delay: ms(o.retry_max_delay_ms),
            max_retry_after: ms(o.max_retry_after_ms),
            deadline: ms(o.deadline_ms),
            no_deadline: o.no_deadline,
            rate_limit: o.rate_limit,
            rate_limit_max_wait: ms(o.rate_limit_max_wait_ms),
            max_body_bytes: o.max_body_bytes.map(Into::into),
            auth: procore::AuthOptions {
                access_token: o.access_token.map(|s| s.value.clone().into()),
                client_id: o.client_id,
                client_secret: o.client_secret.map(|s| s.value.clone().into()),
                refresh_token: o.refresh_token.map(|s| s.value.clone().into()),
                tokens: o.tokens.map(|t| t.inner.clone()),
                stored: o.stored,
            },
            store: None,
        }
    }
}

/// One query value. Lists are sent Rails-style (`name[]=a&name[]=b`); for a nested filter put
/// the brackets in the name (`filters[status_id]` with a list sends `filters[status_id][]`).
#[derive(uniffi::Enum, Clone, Debug)]
pub enum QueryValue {
    Text { value: String },
    Int { value: i64 },
    Number { value: f64 },
    Bool { value: bool },
    TextList { values: Vec<String> },
    IntList { values: Vec<i64> },
}

/// One query parameter; parameters are sent in order, names as given.
#[derive(uniffi::Record, Clone, Debug)]
pub struct QueryParam {
    pub name: String,
    pub value: QueryValue,
}

impl From<QueryValue> for procore::QueryValue {
    fn from(v: QueryValue) -> Self {
        use procore::QueryValue as Q;
        match v {
            QueryValue::Text { value } => Q::Str(value),
            QueryValue::Int { value } => Q::Int(i128::from(value)),
            QueryValue::Number { value } => Q::Float(value),
            QueryValue::Bool { value } => Q::Bool(value),
            QueryValue::TextList { values } => Q::List(values.into_iter().map(Q::Str).collect()),
            QueryValue::IntList { values } => {
                Q::List(values.into_iter().map(|v| Q::Int(i128::from(v))).collect())
            }
        }
    }
}

pub(crate) fn query_of(params: Vec<QueryParam>) -> Option<procore::QueryValue> {
    (!params.is_empty()).then(|| {
        procore::QueryValue::List(
            params
                .into_iter()
                .map(|p| {
                    procore::QueryValue::List(vec![
                        procore::QueryValue::Str(p.name),
                        p.value.into(),
                    ])
                })
                .collect(),
        )
    })
}

/// Per-call options: the same names as in every other binding. Every field has a default.
#[derive(uniffi::Record, Clone, Debug, Default)]
pub struct RequestOptions {
    /// Query parameters, in order.
    #[uniffi(default)]
    pub query: Vec<QueryParam>,
    /// A JSON body (text); checked to be JSON before sending.
    #[uniffi(default)]
    pub body_json: Option<String>,
    /// `Procore-Company-Id` for this call, whatever the client's default.
    #[uniffi(default)]
    pub company_id: Option<u64>,
    /// Send no `Procore-Company-Id` header on this call.
    #[uniffi(default)]
    pub without_company: Option<bool>,
    /// The API version of a relative path for this call.
    #[uniffi(default)]
    pub version: Option<String>,
    /// Per-attempt timeout for this call.
    #[uniffi(default)]
    pub timeout_ms: Option<u64>,
    /// Attempts in all for this call.
    #[uniffi(default)]
    pub max_attempts: Option<u32>,
    /// Overall deadline of this call, waits included.
    #[uniffi(default)]
    pub deadline_ms: Option<u64>,
    /// Return 3xx answers as responses instead of `HTTP` errors.
    #[uniffi(default)]
    pub raw: Option<bool>,
}

impl From<RequestOptions> for procore::CallOptions {
    fn from(o: RequestOptions) -> Self {
        procore::CallOptions {
            query: query_of(o.query),
            json: o.body_json.map(|b| b.into_bytes().into()),
            company_id: o.company_id.map(Into::into),
            without_company: o.without_company,
            version: o.version,
            timeout: ms(o.timeout_ms),
            max_attempts: o.max_attempts.map(Into::into),
            deadline: ms(o.deadline_ms),
            raw: o.raw,
        }
    }
}

/// The rate-limit window an answer reported.
#[derive(uniffi::Record, Clone, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed in the window.
    pub limit: u64,
    /// Requests left in the window.
    pub remaining: u64,
    /// When the window resets (Unix seconds).
    pub reset_unix: i64,
}

impl From<&procore::RateLimitSnapshot> for RateLimit {
    fn from(s: &procore::RateLimitSnapshot) -> Self {
        RateLimit {
            limit: s.limit,
            remaining: s.remaining,
            reset_unix: unix_secs(s.reset),
        }
    }
}

/// A successful answer.
#[derive(uniffi::Record, Clone, Debug)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// Headers, names in lower case (repeated headers joined with `, `).
    pub headers: HashMap<String, String>,
    /// The body as text: JSON for Procore (empty for a 204).
    pub body: String,
    /// The rate-limit window this answer reported, if it did.
    pub rate_limit: Option<RateLimit>,
    /// `X-Request-Id`, for Procore support.
    pub request_id: Option<String>,
    /// Attempts made for this call (1 when nothing was retried).
    pub attempts: u32,
    /// Time spent waiting for the rate budget and in backoff (ms).
    pub waited_ms: u64,
}

impl From<procore::Response> for Response {
    fn from(r: procore::Response) -> Self {
        let mut headers: HashMap<String, String> = HashMap::new();
        for (name, value) in r.headers() {
            let Ok(value) = value.to_str() else { continue };
            headers
                .entry(name.as_str().to_owned())
                .and_modify(|v| {
                    v.push_str(", ");
                    v.push_str(value);
                })
                .or_insert_with(|| value.to_owned());
        }
        Response {
            status: r.status(),
            headers,
            body: r.text(),
            rate_limit: r.rate_limit().map(RateLimit::from),
            request_id: r.request_id().map(str::to_owned),
            attempts: r.attempts(),
            waited_ms: u64::try_from(r.waited().as_millis()).unwrap_or(u64::MAX),
        }
    }
}

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
        o.store = store.map(|s| ForeignStore::new(s) as Arc<dyn procore::TokenStore>);
        let inner = procore::ClientBuilder::from_options(o)
            .and_then(|b| b.build())
            .ffi()?;
        Ok(Arc::new(NativeClient {
            inner,
            closed: AtomicBool::new(false),
        }))
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
