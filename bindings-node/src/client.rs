//! The client: configuration in, requests out. Every call goes through the core's pipeline
//! (`procore::Client::send`); nothing here retries, refreshes or paces.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use procore::{
    CompanyChoice, Environment, RateLimitConfig, RateLimitSnapshot, RequestSpec, RetryConfig,
    TokenSet,
};

use crate::errors::{config, config_error, IntoJs};
use crate::pagination::{NativePageCursor, NativePaginateOptions};
use crate::stores::{JsTokenStore, NativeTokenStore};
use crate::{id, millis};

/// Where to connect: an environment name, or custom base URLs.
#[napi(object)]
#[derive(Default)]
pub struct NativeEnvironment {
    /// `production`, `sandbox`, `monthly_sandbox`, `federal`.
    pub name: Option<String>,
    /// One origin for both the API and OAuth (the simulator, a proxy).
    pub base_url: Option<String>,
    pub api_base: Option<String>,
    pub login_base: Option<String>,
}

impl NativeEnvironment {
    pub(crate) fn resolve(&self) -> procore::Result<Environment> {
        match (&self.name, &self.base_url, &self.api_base, &self.login_base) {
            (None, None, None, None) => Ok(Environment::Production),
            (Some(name), None, None, None) => Environment::from_name(name),
            (None, Some(base), None, None) => Environment::local(base),
            (None, None, Some(api), Some(login)) => Environment::custom(api, login),
            _ => Err(config(
                "give one of: an environment name, baseUrl, or both apiBase and loginBase",
            )),
        }
    }
}

/// How a client authenticates (which factory was used).
#[napi(object)]
pub struct NativeAuth {
    /// `access_token`, `client_credentials`, `refresh_token`, `tokens`, `stored`.
    pub kind: String,
    pub access_token: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub refresh_token: Option<String>,
    /// A token set in the store JSON form (for `tokens`).
    pub tokens_json: Option<String>,
}

/// Client settings, flattened by `index.js` from the public options.
#[napi(object)]
#[derive(Default)]
pub struct NativeConfig {
    pub environment: Option<NativeEnvironment>,
    pub company_id: Option<f64>,
    pub api_version: Option<String>,
    pub user_agent: Option<String>,
    pub connect_timeout_ms: Option<f64>,
    pub request_timeout_ms: Option<f64>,
    pub refresh_skew_ms: Option<f64>,
    pub max_attempts: Option<u32>,
    pub retry_base_delay_ms: Option<f64>,
    pub retry_max_delay_ms: Option<f64>,
    /// Overall deadline per call; `no_deadline` removes it.
    pub deadline_ms: Option<f64>,
    pub no_deadline: Option<bool>,
    pub rate_limit_enabled: Option<bool>,
    pub rate_limit_max_wait_ms: Option<f64>,
}

fn required(v: &Option<String>, what: &str, kind: &str) -> procore::Result<String> {
    match v {
        Some(s) if !s.is_empty() => Ok(s.clone()),
        _ => Err(config(format!("{what} is required for {kind}"))),
    }
}

fn builder(auth: &NativeAuth, cfg: &NativeConfig) -> Result<procore::ClientBuilder> {
    let env = cfg
        .environment
        .as_ref()
        .map(NativeEnvironment::resolve)
        .unwrap_or(Ok(Environment::Production))
        .js()?;
    let mut b = procore::Client::builder()
        .environment(env)
        .sdk_language("node");
    let kind = auth.kind.as_str();
    let app = || -> procore::Result<(String, String)> {
        Ok((
            required(&auth.client_id, "clientId", kind)?,
            required(&auth.client_secret, "clientSecret", kind)?,
        ))
    };
    b = match kind {
        "access_token" => {
            b.access_token(required(&auth.access_token, "an access token", kind).js()?)
        }
        "client_credentials" => {
            let (id, secret) = app().js()?;
            b.client_credentials(id, secret)
        }
        "refresh_token" => {
            let (id, secret) = app().js()?;
            let rt = required(&auth.refresh_token, "a refresh token", kind).js()?;
            b.refresh_token(id, secret, rt)
        }
        "tokens" => {
            let (id, secret) = app().js()?;
            let json = required(&auth.tokens_json, "a token set", kind).js()?;
            b.tokens(id, secret, TokenSet::from_json(&json).js()?)
        }
        "stored" => {
            let (id, secret) = app().js()?;
            b.stored_tokens(id, secret)
        }
        other => return Err(config_error(format!("unknown credentials kind {other:?}"))),
    };
    if let Some(c) = cfg.company_id {
        b = b.company_id(id(c, "companyId")?);
    }
    if let Some(v) = &cfg.api_version {
        b = b.api_version(v.clone());
    }
    if let Some(ua) = &cfg.user_agent {
        b = b.user_agent(ua.clone());
    }
    if let Some(ms) = cfg.connect_timeout_ms {
        b = b.connect_timeout(millis(ms, "connectTimeoutMs")?);
    }
    if let Some(ms) = cfg.request_timeout_ms {
        b = b.request_timeout(millis(ms, "requestTimeoutMs")?);
    }
    if let Some(ms) = cfg.refresh_skew_ms {
        b = b.refresh_skew(millis(ms, "refreshSkewMs")?);
    }
    let mut retry = RetryConfig::default();
    if let Some(n) = cfg.max_attempts {
        retry.max_attempts = n.max(1);
    }
    if let Some(ms) = cfg.retry_base_delay_ms {
        retry.base_delay = millis(ms, "retry.baseDelayMs")?;
    }
    if let Some(ms) = cfg.retry_max_delay_ms {
        retry.max_delay = millis(ms, "retry.maxDelayMs")?;
    }
    if let Some(ms) = cfg.deadline_ms {
        retry.deadline = Some(millis(ms, "retry.deadlineMs")?);
    }
    if cfg.no_deadline == Some(true) {
        retry.deadline = None;
    }
    b = b.retry(retry);
    let mut limit = if cfg.rate_limit_enabled == Some(false) {
        RateLimitConfig::disabled()
    } else {
        RateLimitConfig::default()
    };
    if let Some(ms) = cfg.rate_limit_max_wait_ms {
        limit.max_wait = Some(millis(ms, "rateLimit.maxWaitMs")?);
    }
    Ok(b.rate_limit(limit))
}

/// Per-call options, flattened by `index.js`.
#[napi(object)]
#[derive(Default)]
pub struct NativeRequestOptions {
    /// Query pairs in order (`[["filters[id][]", "1"], ...]`).
    pub query: Option<Vec<Vec<String>>>,
    /// The JSON body, already serialized by `JSON.stringify`.
    pub body_json: Option<String>,
    pub company_id: Option<f64>,
    /// Send no `Procore-Company-Id` header (`companyId: null` in the public API).
    pub no_company: Option<bool>,
    pub version: Option<String>,
    pub timeout_ms: Option<f64>,
    pub max_attempts: Option<u32>,
    pub deadline_ms: Option<f64>,
}

pub(crate) fn query_pairs(query: &Option<Vec<Vec<String>>>) -> Result<Vec<(String, String)>> {
    let Some(q) = query else {
        return Ok(Vec::new());
    };
    q.iter()
        .map(|pair| match pair.as_slice() {
            [k, v] => Ok((k.clone(), v.clone())),
            _ => Err(config_error("query pairs must be [key, value]")),
        })
        .collect()
}

fn spec(method: &str, path: String, o: &NativeRequestOptions) -> Result<RequestSpec> {
    let mut s = RequestSpec::new(RequestSpec::parse_method(method).js()?, path);
    s.query = query_pairs(&o.query)?;
    s.body = o.body_json.clone().map(|b| b.into_bytes().into());
    s.company = match (o.no_company, o.company_id) {
        (Some(true), _) => CompanyChoice::None,
        (_, Some(c)) => CompanyChoice::Id(id(c, "companyId")?),
        _ => CompanyChoice::Default,
    };
    if let Some(v) = &o.version {
        s.version = Some(v.clone());
    }
    if let Some(ms) = o.timeout_ms {
        s.timeout = Some(millis(ms, "timeoutMs")?);
    }
    if let Some(n) = o.max_attempts {
        s.max_attempts = Some(n.max(1));
    }
    if let Some(ms) = o.deadline_ms {
        s.deadline = Some(millis(ms, "deadlineMs")?);
    }
    Ok(s)
}

/// The rate-limit window an answer reported.
#[napi(object)]
pub struct NativeRateLimit {
    pub limit: f64,
    pub remaining: f64,
    /// Unix time in seconds when the window renews.
    pub reset: f64,
}

pub(crate) fn rate_limit(s: Option<&RateLimitSnapshot>) -> Option<NativeRateLimit> {
    s.map(|s| NativeRateLimit {
        limit: s.limit as f64,
        remaining: s.remaining as f64,
        reset: s
            .reset
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as f64)
            .unwrap_or(0.0),
    })
}

/// A successful answer. `index.js` wraps it in `Response` (`json()` = `JSON.parse(text)`).
#[napi(object)]
pub struct NativeResponse {
    pub status: u32,
    /// Lower-case names; repeated headers joined with `", "`.
    pub headers: HashMap<String, String>,
    pub text: String,
    pub rate_limit: Option<NativeRateLimit>,
    pub request_id: Option<String>,
    pub attempts: u32,
    pub waited_ms: f64,
}

impl From<procore::Response> for NativeResponse {
    fn from(r: procore::Response) -> Self {
        let mut headers: HashMap<String, String> = HashMap::new();
        for (name, value) in r.headers() {
            let v = String::from_utf8_lossy(value.as_bytes()).into_owned();
            headers
                .entry(name.as_str().to_owned())
                .and_modify(|e| {
                    e.push_str(", ");
                    e.push_str(&v);
                })
                .or_insert(v);
        }
        NativeResponse {
            status: u32::from(r.status()),
            headers,
            text: r.text(),
            rate_limit: rate_limit(r.rate_limit()),
            request_id: r.request_id().map(str::to_owned),
            attempts: r.attempts(),
            waited_ms: r.waited().as_secs_f64() * 1000.0,
        }
    }
}

/// A Procore client (native layer of `Client`).
#[napi]
pub struct NativeClient {
    inner: procore::Client,
    js_store: Option<Arc<JsTokenStore>>,
    closed: AtomicBool,
}

#[napi]
impl NativeClient {
    /// Builds a client; `store` defaults to memory. Connects to nothing yet.
    #[napi(factory)]
    pub fn create(
        auth: NativeAuth,
        config: NativeConfig,
        store: Option<&NativeTokenStore>,
    ) -> Result<Self> {
        let mut b = builder(&auth, &config)?;
        if let Some(s) = store {
            b = b.token_store(s.store.clone());
        }
        Ok(NativeClient {
            inner: b.build().js()?,
            js_store: store.and_then(|s| s.js.clone()),
            closed: AtomicBool::new(false),
        })
    }

    fn client(&self) -> Result<&procore::Client> {
        if self.closed.load(Ordering::Acquire) {
            return Err(config_error("the client is closed"));
        }
        Ok(&self.inner)
    }

    /// Sends one call through the core's pipeline.
    #[napi]
    pub async fn request(
        &self,
        method: String,
        path: String,
        options: Option<NativeRequestOptions>,
    ) -> Result<NativeResponse> {
        let spec = spec(&method, path, &options.unwrap_or_default())?;
        let resp = self.client()?.send(&spec).await.js()?;
        Ok(resp.into())
    }

    /// A cursor over a paginated collection (one page per `nextPage()`).
    #[napi]
    pub fn page_cursor(
        &self,
        path: String,
        options: Option<NativePaginateOptions>,
    ) -> Result<NativePageCursor> {
        NativePageCursor::new(self.client()?, &path, options.unwrap_or_default())
    }

    /// The default company id.
    #[napi(getter)]
    pub fn company_id(&self) -> Option<f64> {
        self.inner.company_id().map(|c| c as f64)
    }

    /// The current token set (store JSON form), if the client holds one.
    #[napi]
    pub fn current_tokens(&self) -> Option<String> {
        self.inner.tokens().current_tokens().map(|t| t.to_json())
    }

    /// Revokes the tokens at the server and clears the store (logout).
    #[napi]
    pub async fn revoke(&self) -> Result<()> {
        self.client()?.revoke().await.js()
    }

    /// `/oauth/token/info` for the current access token, as JSON text.
    #[napi]
    pub async fn token_info(&self) -> Result<String> {
        let v = self.client()?.token_info().await.js()?;
        Ok(v.to_string())
    }

    /// Refuses further calls and releases the JavaScript store callbacks. Idempotent.
    #[napi]
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
        if let Some(js) = &self.js_store {
            js.release();
        }
    }

    /// True after `close()`.
    #[napi(getter)]
    pub fn closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }
}
