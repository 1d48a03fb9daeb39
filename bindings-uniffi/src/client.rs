//! The `Client` object, its configuration and the `Response` record, mirroring core
//! `client.rs`, `config.rs` and `response.rs`.
//!
//! Thin on purpose: arguments are converted into a `procore::RequestSpec`, the core's pipeline
//! (authorize, pace, send, classify, recover) runs, and its answer is converted back. Nothing
//! here retries, refreshes, paces or paginates.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use crate::auth::{unix_secs, TokenSet};
use crate::errors::{ProcoreError, Result};
use crate::pagination::{PageCursor, PaginateOptions};
use crate::stores::{ForeignStore, TokenStore};

/// How a client connects and behaves. Every field has a default.
#[derive(uniffi::Record, Clone, Debug, Default)]
pub struct ClientConfig {
    /// `production` (default), `sandbox`, `monthly_sandbox` or `federal`. Ignored when
    /// `base_url` is set.
    #[uniffi(default)]
    pub environment: Option<String>,
    /// A custom origin serving the API (and OAuth, unless `login_url` is set): the local
    /// simulator, a proxy.
    #[uniffi(default)]
    pub base_url: Option<String>,
    /// A custom OAuth origin, when it differs from `base_url`.
    #[uniffi(default)]
    pub login_url: Option<String>,
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
    /// TCP/TLS connect timeout in milliseconds (default 10 s).
    #[uniffi(default)]
    pub connect_timeout_ms: Option<u64>,
    /// Per-attempt timeout in milliseconds (default 60 s).
    #[uniffi(default)]
    pub request_timeout_ms: Option<u64>,
    /// Refresh this long before expiry, in milliseconds (default 5 minutes).
    #[uniffi(default)]
    pub refresh_skew_ms: Option<u64>,
    /// Attempts in all per call, the first included (default 4; 1 disables retries).
    #[uniffi(default)]
    pub max_attempts: Option<u32>,
    /// The first backoff's upper bound in milliseconds (default 250).
    #[uniffi(default)]
    pub retry_base_delay_ms: Option<u64>,
    /// The largest backoff in milliseconds (default 20 s).
    #[uniffi(default)]
    pub retry_max_delay_ms: Option<u64>,
    /// Overall deadline of one call, waits included, in milliseconds (default 2 minutes).
    #[uniffi(default)]
    pub deadline_ms: Option<u64>,
    /// Pace requests from the rate-limit headers (default true).
    #[uniffi(default = true)]
    pub pace_requests: bool,
    /// Fail with `rate_limited` instead of waiting longer than this for the budget (ms).
    #[uniffi(default)]
    pub rate_limit_max_wait_ms: Option<u64>,
}

/// The environment a configuration names.
pub(crate) fn environment_of(config: &ClientConfig) -> Result<procore::Environment> {
    Ok(match (&config.base_url, &config.login_url) {
        (Some(api), Some(login)) => procore::Environment::custom(api, login)?,
        (Some(api), None) => procore::Environment::local(api)?,
        (None, Some(_)) => {
            return Err(ProcoreError::config(
                "login_url needs base_url (the API origin) too",
            ))
        }
        (None, None) => {
            procore::Environment::from_name(config.environment.as_deref().unwrap_or("production"))?
        }
    })
}

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

fn builder(config: &ClientConfig) -> Result<procore::ClientBuilder> {
    let mut b = procore::Client::builder()
        .environment(environment_of(config)?)
        .sdk_language(config.sdk_language.as_deref().unwrap_or("uniffi"));
    if let Some(id) = config.company_id {
        b = b.company_id(id);
    }
    if let Some(v) = &config.api_version {
        b = b.api_version(v.clone());
    }
    if let Some(ua) = &config.user_agent {
        b = b.user_agent(ua.clone());
    }
    if let Some(v) = config.connect_timeout_ms {
        b = b.connect_timeout(ms(v));
    }
    if let Some(v) = config.request_timeout_ms {
        b = b.request_timeout(ms(v));
    }
    if let Some(v) = config.refresh_skew_ms {
        b = b.refresh_skew(ms(v));
    }
    let mut retry = procore::RetryConfig::default();
    if let Some(n) = config.max_attempts {
        retry.max_attempts = n.max(1);
    }
    if let Some(v) = config.retry_base_delay_ms {
        retry.base_delay = ms(v);
    }
    if let Some(v) = config.retry_max_delay_ms {
        retry.max_delay = ms(v);
    }
    if let Some(v) = config.deadline_ms {
        retry.deadline = Some(ms(v));
    }
    let mut limit = if config.pace_requests {
        procore::RateLimitConfig::default()
    } else {
        procore::RateLimitConfig::disabled()
    };
    if let Some(v) = config.rate_limit_max_wait_ms {
        limit.max_wait = Some(ms(v));
    }
    Ok(b.retry(retry).rate_limit(limit))
}

/// One `key=value` of a query string (repeat a key for arrays: `filters[id][]`).
#[derive(uniffi::Record, Clone, Debug)]
pub struct QueryParam {
    pub name: String,
    pub value: String,
}

/// Per-call options. Every field has a default.
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
    pub no_company: bool,
    /// The API version of a relative path for this call.
    #[uniffi(default)]
    pub version: Option<String>,
    /// Per-attempt timeout for this call (ms).
    #[uniffi(default)]
    pub timeout_ms: Option<u64>,
    /// Attempts in all for this call.
    #[uniffi(default)]
    pub max_attempts: Option<u32>,
    /// Overall deadline of this call, waits included (ms).
    #[uniffi(default)]
    pub deadline_ms: Option<u64>,
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
#[derive(uniffi::Object)]
pub struct Client {
    inner: procore::Client,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl Client {
    fn build(b: procore::ClientBuilder) -> Result<Arc<Self>> {
        Ok(Arc::new(Client { inner: b.build()? }))
    }

    fn spec(
        &self,
        method: &str,
        path: String,
        options: Option<RequestOptions>,
    ) -> Result<procore::RequestSpec> {
        let method = procore::RequestSpec::parse_method(method)?;
        let mut spec = procore::RequestSpec::new(method, path);
        let Some(o) = options else { return Ok(spec) };
        spec.query = o.query.into_iter().map(|q| (q.name, q.value)).collect();
        if let Some(body) = o.body_json {
            if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(&body) {
                return Err(ProcoreError::config(format!(
                    "the body is not valid JSON (line {}, column {})",
                    e.line(),
                    e.column()
                )));
            }
            spec.body = Some(Bytes::from(body));
        }
        spec.company = match (o.no_company, o.company_id) {
            (true, _) => procore::CompanyChoice::None,
            (false, Some(0)) => {
                return Err(ProcoreError::config(
                    "company id must be a positive integer",
                ))
            }
            (false, Some(id)) => procore::CompanyChoice::Id(id),
            (false, None) => procore::CompanyChoice::Default,
        };
        spec.version = o.version;
        spec.timeout = o.timeout_ms.map(ms);
        spec.max_attempts = o.max_attempts.map(|n| n.max(1));
        spec.deadline = o.deadline_ms.map(ms);
        Ok(spec)
    }

    async fn run(&self, spec: procore::RequestSpec) -> Result<Response> {
        Ok(self.inner.send(&spec).await?.into())
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl Client {
    /// A client on a fixed access token (never refreshed; a 401 is final).
    #[uniffi::constructor]
    pub fn with_access_token(config: ClientConfig, access_token: String) -> Result<Arc<Self>> {
        Self::build(builder(&config)?.access_token(access_token))
    }

    /// A service account: the client-credentials grant, fetched again at expiry.
    #[uniffi::constructor]
    pub fn with_client_credentials(
        config: ClientConfig,
        client_id: String,
        client_secret: String,
    ) -> Result<Arc<Self>> {
        Self::build(builder(&config)?.client_credentials(client_id, client_secret))
    }

    /// A user's refresh token. If `store` already holds a set, the stored set wins (it is
    /// newer: refresh tokens rotate). The first call refreshes.
    #[uniffi::constructor(default(store = None))]
    pub fn with_refresh_token(
        config: ClientConfig,
        client_id: String,
        client_secret: String,
        refresh_token: String,
        store: Option<Arc<dyn TokenStore>>,
    ) -> Result<Arc<Self>> {
        let mut b = builder(&config)?.refresh_token(client_id, client_secret, refresh_token);
        if let Some(s) = store {
            b = b.token_store(ForeignStore::new(s));
        }
        Self::build(b)
    }

    /// A user's full token set (from `OAuthClient.exchangeCode`, or saved earlier). If
    /// `store` holds a newer set, that one wins.
    #[uniffi::constructor(default(store = None))]
    pub fn with_tokens(
        config: ClientConfig,
        client_id: String,
        client_secret: String,
        tokens: Arc<TokenSet>,
        store: Option<Arc<dyn TokenStore>>,
    ) -> Result<Arc<Self>> {
        let mut b = builder(&config)?.tokens(client_id, client_secret, tokens.inner.clone());
        if let Some(s) = store {
            b = b.token_store(ForeignStore::new(s));
        }
        Self::build(b)
    }

    /// Tokens that live only in `store` (saved by an earlier run or login).
    #[uniffi::constructor]
    pub fn with_stored_tokens(
        config: ClientConfig,
        client_id: String,
        client_secret: String,
        store: Arc<dyn TokenStore>,
    ) -> Result<Arc<Self>> {
        Self::build(
            builder(&config)?
                .stored_tokens(client_id, client_secret)
                .token_store(ForeignStore::new(store)),
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
        let spec = self.spec(&method, path, options)?;
        self.run(spec).await
    }

    /// `GET path`.
    #[uniffi::method(default(options = None))]
    pub async fn get(&self, path: String, options: Option<RequestOptions>) -> Result<Response> {
        let spec = self.spec("GET", path, options)?;
        self.run(spec).await
    }

    /// `POST path` with a JSON body (text).
    #[uniffi::method(default(options = None))]
    pub async fn post(
        &self,
        path: String,
        body_json: String,
        options: Option<RequestOptions>,
    ) -> Result<Response> {
        let spec = self.spec("POST", path, Some(with_body(options, body_json)))?;
        self.run(spec).await
    }

    /// `PUT path` with a JSON body (text).
    #[uniffi::method(default(options = None))]
    pub async fn put(
        &self,
        path: String,
        body_json: String,
        options: Option<RequestOptions>,
    ) -> Result<Response> {
        let spec = self.spec("PUT", path, Some(with_body(options, body_json)))?;
        self.run(spec).await
    }

    /// `PATCH path` with a JSON body (text).
    #[uniffi::method(default(options = None))]
    pub async fn patch(
        &self,
        path: String,
        body_json: String,
        options: Option<RequestOptions>,
    ) -> Result<Response> {
        let spec = self.spec("PATCH", path, Some(with_body(options, body_json)))?;
        self.run(spec).await
    }

    /// `DELETE path`.
    #[uniffi::method(default(options = None))]
    pub async fn delete(&self, path: String, options: Option<RequestOptions>) -> Result<Response> {
        let spec = self.spec("DELETE", path, options)?;
        self.run(spec).await
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
        PageCursor::new(&self.inner, path, options.unwrap_or_default())
    }

    /// Revokes the tokens at the server and clears the token store (logout).
    pub async fn revoke(&self) -> Result<()> {
        Ok(self.inner.revoke().await?)
    }

    /// Introspects the current access token (`/oauth/token/info`), as JSON text.
    pub async fn token_info(&self) -> Result<String> {
        Ok(self.inner.token_info().await?.to_string())
    }
}

fn with_body(options: Option<RequestOptions>, body_json: String) -> RequestOptions {
    RequestOptions {
        body_json: Some(body_json),
        ..options.unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environments() {
        let cfg = ClientConfig {
            environment: Some("sandbox".into()),
            ..Default::default()
        };
        assert_eq!(environment_of(&cfg).unwrap(), procore::Environment::Sandbox);
        let cfg = ClientConfig {
            base_url: Some("ftp://x".into()),
            ..Default::default()
        };
        assert_eq!(environment_of(&cfg).unwrap_err().code(), "config");
        let cfg = ClientConfig {
            login_url: Some("http://127.0.0.1:1".into()),
            ..Default::default()
        };
        assert_eq!(environment_of(&cfg).unwrap_err().code(), "config");
    }

    #[test]
    fn bodies_must_be_json() {
        let c = Client::with_access_token(ClientConfig::default(), "t".into()).unwrap();
        let err = c
            .spec("POST", "x".into(), Some(with_body(None, "{nope".into())))
            .unwrap_err();
        assert_eq!(err.code(), "config");
        assert_eq!(
            c.spec("FETCH", "x".into(), None).unwrap_err().code(),
            "config"
        );
    }
}
