//! Where the client talks to and how: environments and the [`ClientBuilder`].

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use url::Url;

use crate::auth::{AppCredentials, Credentials, TokenManager, TokenSet};
use crate::client::{Client, ClientInner};
use crate::error::{Error, Result};
use crate::limit::{Limiter, RateLimitConfig, SharedBudget};
use crate::retry::RetryConfig;
use crate::store::{MemoryTokenStore, TokenStore};

/// The SDK's version, sent as `Procore-Sdk-Version`.
pub const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A Procore environment: the OAuth ("login") host and the API host.
///
/// Tokens from one environment do not work in another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Environment {
    /// `login.procore.com` / `api.procore.com`.
    Production,
    /// The developer sandbox: `login-sandbox.procore.com` / `sandbox.procore.com`.
    Sandbox,
    /// The monthly sandbox (restored around the 2nd of each month; production credentials).
    MonthlySandbox,
    /// Procore for Government (FedRAMP): `login.procoregov.com` / `api.procoregov.com`.
    Federal,
    /// Any other hosts: the local simulator, a proxy, a test server.
    Custom {
        /// The origin of the REST API (`/rest/...` paths are resolved under it).
        api_base: Url,
        /// The origin of the OAuth endpoints (`/oauth/token`, `/oauth/authorize`).
        login_base: Url,
    },
}

impl Environment {
    /// A custom environment from two base URLs (`https://host[:port]`, or `http://` on a
    /// loopback host such as the local simulator).
    ///
    /// Plain `http://` to any other host is refused: the client secret and the tokens would
    /// travel in clear. [`Environment::custom_allowing_http`] is the explicit opt-in.
    pub fn custom(api_base: &str, login_base: &str) -> Result<Self> {
        Ok(Environment::Custom {
            api_base: parse_base(api_base, false)?,
            login_base: parse_base(login_base, false)?,
        })
    }

    /// Like [`Environment::custom`], but accepts plain `http://` to any host (a test rig on
    /// a private network, a TLS-terminating sidecar). Credentials travel in clear there.
    pub fn custom_allowing_http(api_base: &str, login_base: &str) -> Result<Self> {
        Ok(Environment::Custom {
            api_base: parse_base(api_base, true)?,
            login_base: parse_base(login_base, true)?,
        })
    }

    /// A custom environment where one origin serves both OAuth and the API (the simulator).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn demo() -> procore::Result<()> {
    /// use procore::{Client, Environment};
    ///
    /// // `procore-simulator --port 4010`, with its default app credentials.
    /// let client = Client::builder()
    ///     .environment(Environment::local("http://127.0.0.1:4010")?)
    ///     .client_credentials("sim-client-id", "sim-client-secret")
    ///     .build()?;
    /// # let _ = client;
    /// # Ok(()) }
    /// ```
    pub fn local(base: &str) -> Result<Self> {
        Self::custom(base, base)
    }

    /// An environment by name: `production`, `sandbox`, `monthly_sandbox`, `federal`.
    pub fn from_name(name: &str) -> Result<Self> {
        match name.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "production" | "prod" => Ok(Environment::Production),
            "sandbox" => Ok(Environment::Sandbox),
            "monthly_sandbox" | "monthly" => Ok(Environment::MonthlySandbox),
            "federal" | "fedramp" => Ok(Environment::Federal),
            other => Err(Error::config(format!(
                "unknown environment {other:?}: use production, sandbox, monthly_sandbox, federal, or custom URLs"
            ))),
        }
    }

    /// The base URL of the REST API.
    pub fn api_base(&self) -> Url {
        match self {
            Environment::Production => fixed("https://api.procore.com"),
            Environment::Sandbox => fixed("https://sandbox.procore.com"),
            Environment::MonthlySandbox => fixed("https://api-monthly.procore.com"),
            Environment::Federal => fixed("https://api.procoregov.com"),
            Environment::Custom { api_base, .. } => api_base.clone(),
        }
    }

    /// The base URL of the OAuth endpoints.
    pub fn login_base(&self) -> Url {
        match self {
            Environment::Production => fixed("https://login.procore.com"),
            Environment::Sandbox => fixed("https://login-sandbox.procore.com"),
            Environment::MonthlySandbox => fixed("https://login-sandbox-monthly.procore.com"),
            Environment::Federal => fixed("https://login.procoregov.com"),
            Environment::Custom { login_base, .. } => login_base.clone(),
        }
    }
}

#[allow(clippy::expect_used)]
fn fixed(s: &str) -> Url {
    // The five literals above are valid URLs; a test parses each one.
    Url::parse(s).expect("built-in environment URL")
}

/// True for `localhost`, `127.0.0.0/8` and `[::1]`.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn parse_base(s: &str, allow_http: bool) -> Result<Url> {
    let url =
        Url::parse(s.trim()).map_err(|e| Error::config(format!("invalid base URL {s:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(Error::config(format!(
            "base URL {s:?} must be http(s)://host[:port]"
        )));
    }
    if url.scheme() == "http" && !allow_http && !is_loopback(&url) {
        return Err(Error::config(format!(
            "base URL {s:?} is plain http to a host that is not loopback: tokens and the client \
             secret would travel in clear; use https (or opt in explicitly to plain http)"
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config(format!(
            "base URL {:?} must not carry a user name or password",
            url.host_str().unwrap_or_default()
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::config(format!(
            "base URL {s:?} must not carry a query or fragment"
        )));
    }
    Ok(url)
}

/// Timeouts and identification of the HTTP layer.
#[derive(Clone, Debug)]
pub(crate) struct HttpConfig {
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// The largest response body read for an API call.
    pub max_body_bytes: usize,
    pub user_agent: String,
    pub sdk_language: String,
}

/// Builds a [`Client`]. Obtain one with [`Client::builder`].
///
/// # Examples
///
/// A user's tokens kept in a file shared by every process of the app, with the retry and
/// pacing policies spelled out:
///
/// ```no_run
/// # fn demo() -> procore::Result<()> {
/// use std::sync::Arc;
/// use std::time::Duration;
/// use procore::{Client, Environment, FileTokenStore, RateLimitConfig, RetryConfig};
///
/// let client = Client::builder()
///     .environment(Environment::Production)
///     .refresh_token("my-client-id", "my-client-secret", "the-user-refresh-token")
///     .token_store(Arc::new(FileTokenStore::new("/var/lib/myapp/procore-tokens.json")))
///     .company_id(8089)
///     .user_agent("myapp/2.1")
///     .request_timeout(Duration::from_secs(30))
///     .retry(RetryConfig {
///         max_attempts: 5,
///         ..RetryConfig::default()
///     })
///     .rate_limit(RateLimitConfig {
///         max_wait: Some(Duration::from_secs(30)),
///         ..RateLimitConfig::default()
///     })
///     .build()?;
/// # let _ = client;
/// # Ok(()) }
/// ```
pub struct ClientBuilder {
    environment: Environment,
    credentials: Option<Credentials>,
    store: Option<Arc<dyn TokenStore>>,
    company_id: Option<u64>,
    api_version: String,
    user_agent: Option<String>,
    sdk_language: String,
    connect_timeout: Duration,
    request_timeout: Duration,
    max_body_bytes: usize,
    refresh_skew: Duration,
    retry: RetryConfig,
    rate_limit: RateLimitConfig,
    shared_budget: Option<SharedBudgetChoice>,
}

/// Where a shared rate budget lives.
enum SharedBudgetChoice {
    Given(Arc<dyn SharedBudget>),
    /// A Redis URL: the key prefix is derived from the budget at build time.
    RedisUrl(String),
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            environment: Environment::Production,
            credentials: None,
            store: None,
            company_id: None,
            api_version: "v1.0".into(),
            user_agent: None,
            sdk_language: "rust".into(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            refresh_skew: Duration::from_secs(300),
            retry: RetryConfig::default(),
            rate_limit: RateLimitConfig::default(),
            shared_budget: None,
        }
    }
}

impl ClientBuilder {
    /// Where to connect (default: production).
    pub fn environment(mut self, env: Environment) -> Self {
        self.environment = env;
        self
    }

    /// How to authenticate.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// A fixed access token (no refresh): a personal token, or one you manage yourself.
    pub fn access_token(self, token: impl Into<String>) -> Self {
        self.credentials(Credentials::AccessToken(SecretString::from(token.into())))
    }

    /// A service account: the client-credentials grant, fetched again at expiry.
    pub fn client_credentials(
        self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.credentials(Credentials::ClientCredentials(AppCredentials::new(
            client_id,
            client_secret,
        )))
    }

    /// A user's refresh token given at start. If the token store already holds a token set,
    /// the stored set wins (it is newer: refresh tokens rotate).
    pub fn refresh_token(
        self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        refresh_token: impl Into<String>,
    ) -> Self {
        self.credentials(Credentials::RefreshToken {
            app: AppCredentials::new(client_id, client_secret),
            refresh_token: SecretString::from(refresh_token.into()),
        })
    }

    /// A user's full token set (e.g. from an authorization-code exchange).
    pub fn tokens(
        self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        tokens: TokenSet,
    ) -> Self {
        self.credentials(Credentials::Tokens {
            app: AppCredentials::new(client_id, client_secret),
            tokens,
        })
    }

    /// Tokens that live only in the store (after `procore login`, or another process's login).
    pub fn stored_tokens(
        self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.credentials(Credentials::Stored(AppCredentials::new(
            client_id,
            client_secret,
        )))
    }

    /// Where the token set is kept and shared (default: memory).
    pub fn token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// The company sent as `Procore-Company-Id` when a call does not name one.
    pub fn company_id(mut self, id: u64) -> Self {
        self.company_id = Some(id);
        self
    }

    /// The API version for relative paths (default `v1.0`).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = version.into();
        self
    }

    /// Your application's name, put before the SDK's in `User-Agent`.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = Some(ua.into());
        self
    }

    /// The language reported in `Procore-Sdk-Language` (bindings set their own).
    pub fn sdk_language(mut self, lang: impl Into<String>) -> Self {
        self.sdk_language = lang.into();
        self
    }

    /// How long to wait for a TCP/TLS connection (default 10 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// How long one attempt may take, answer included (default 60 s).
    pub fn request_timeout(mut self, d: Duration) -> Self {
        self.request_timeout = d;
        self
    }

    /// The largest response body an API call reads (default 32 MiB). A larger answer (or a
    /// declared `Content-Length` above it) ends the call in a `decode` error; memory stays
    /// bounded by it whatever a server sends.
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = n;
        self
    }

    /// Refresh this long before expiry (default 5 minutes; never more than a quarter of the
    /// token's lifetime; jittered).
    pub fn refresh_skew(mut self, d: Duration) -> Self {
        self.refresh_skew = d;
        self
    }

    /// Retry policy (attempts, backoff, deadline).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Rate-limit pacing policy.
    pub fn rate_limit(mut self, rate_limit: RateLimitConfig) -> Self {
        self.rate_limit = rate_limit;
        self
    }

    /// Paces against a rate budget shared with other processes (any [`SharedBudget`]).
    pub fn shared_rate_budget(mut self, budget: Arc<dyn SharedBudget>) -> Self {
        self.shared_budget = Some(SharedBudgetChoice::Given(budget));
        self
    }

    /// Paces against a rate budget shared in Redis (`redis://`, `rediss://`; feature `redis`)
    /// by every process of the same app on the same API host: the key prefix is
    /// `procore:budget:<API origin>|<app or token digest>`.
    pub fn shared_rate_budget_url(mut self, url: impl Into<String>) -> Self {
        self.shared_budget = Some(SharedBudgetChoice::RedisUrl(url.into()));
        self
    }

    /// Checks the configuration and builds the client. Builds no connection yet.
    ///
    /// Fails with a `config` error when no credentials were given, the API version or the
    /// company id is invalid, or a timeout is zero.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use procore::Client;
    ///
    /// let err = Client::builder().company_id(8089).build().unwrap_err();
    /// assert_eq!(err.code(), "config"); // no credentials
    /// ```
    pub fn build(self) -> Result<Client> {
        let credentials = self.credentials.ok_or_else(|| {
            Error::config(
                "no credentials: set an access token, client credentials or a refresh token",
            )
        })?;
        validate_version(&self.api_version)?;
        if self.company_id == Some(0) {
            return Err(Error::config("company id must be a positive integer"));
        }
        let user_agent = match &self.user_agent {
            Some(app) => format!("{app} procore-sdk-{}/{SDK_VERSION}", self.sdk_language),
            None => format!("procore-sdk-{}/{SDK_VERSION}", self.sdk_language),
        };
        if self.max_body_bytes == 0 {
            return Err(Error::config("max_body_bytes must be positive"));
        }
        for (name, d) in [
            ("connect_timeout", self.connect_timeout),
            ("request_timeout", self.request_timeout),
        ] {
            if d.is_zero() {
                return Err(Error::config(format!("{name} must be positive")));
            }
        }
        let mut retry = self.retry;
        retry.base_delay = clamp_duration(retry.base_delay);
        retry.max_delay = clamp_duration(retry.max_delay);
        retry.max_retry_after = clamp_duration(retry.max_retry_after);
        retry.deadline = retry.deadline.map(clamp_duration);
        let http_config = HttpConfig {
            connect_timeout: clamp_duration(self.connect_timeout),
            request_timeout: clamp_duration(self.request_timeout),
            max_body_bytes: self.max_body_bytes,
            user_agent,
            sdk_language: self.sdk_language,
        };
        let http = crate::transport::build_http(&http_config)?;
        let store = self
            .store
            .unwrap_or_else(|| Arc::new(MemoryTokenStore::new()) as Arc<dyn TokenStore>);
        let tokens = TokenManager::new(
            credentials,
            store,
            http.clone(),
            self.environment.login_base(),
            clamp_duration(self.refresh_skew),
        )?;
        let api_base = self.environment.api_base();
        let budget = format!(
            "{}|{}",
            api_base.origin().ascii_serialization(),
            tokens.budget_key()
        );
        Ok(Client::from_inner(ClientInner {
            environment: self.environment,
            api_base,
            api_version: self.api_version,
            company_id: self.company_id,
            http,
            http_config,
            tokens,
            limiter: match self.shared_budget {
                None => Limiter::shared(&budget, self.rate_limit),
                Some(choice) => Limiter::shared(&budget, self.rate_limit)
                    .with_shared(shared_budget(choice, &budget)?),
            },
            retry,
        }))
    }
}

fn shared_budget(choice: SharedBudgetChoice, budget: &str) -> Result<Arc<dyn SharedBudget>> {
    match choice {
        SharedBudgetChoice::Given(b) => Ok(b),
        #[cfg(feature = "redis")]
        SharedBudgetChoice::RedisUrl(url) => {
            use crate::limit::shared::RedisRateBudget;
            let prefix = RedisRateBudget::key_prefix(budget);
            Ok(Arc::new(RedisRateBudget::new(&url, &prefix)?))
        }
        #[cfg(not(feature = "redis"))]
        SharedBudgetChoice::RedisUrl(url) => {
            let _ = (budget, url);
            Err(Error::config(
                "a shared rate budget in Redis needs the procore crate's `redis` feature",
            ))
        }
    }
}

/// The default of [`ClientBuilder::max_body_bytes`]: 32 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 32 << 20;

/// The longest duration any option takes (about 30 years): longer ones are clamped to it, so
/// that no instant or time computed from an option can overflow.
pub const MAX_DURATION: Duration = Duration::from_secs(30 * 365 * 24 * 3600);

/// Clamps an option's duration to [`MAX_DURATION`].
pub fn clamp_duration(d: Duration) -> Duration {
    d.min(MAX_DURATION)
}

/// A duration option given in (fractional) seconds by a binding: NaN, infinite or negative
/// values are a `config` error naming the option, huge ones are clamped to [`MAX_DURATION`].
pub fn duration_from_secs_f64(name: &str, secs: f64) -> Result<Duration> {
    if !secs.is_finite() || secs < 0.0 {
        return Err(Error::config(format!(
            "{name} must be a finite number of seconds, zero or more"
        )));
    }
    Ok(Duration::try_from_secs_f64(secs.min(MAX_DURATION.as_secs_f64())).unwrap_or(MAX_DURATION))
}

/// Like [`duration_from_secs_f64`], for milliseconds (JavaScript's unit).
pub fn duration_from_millis_f64(name: &str, millis: f64) -> Result<Duration> {
    duration_from_secs_f64(name, millis / 1000.0)
}

pub(crate) fn validate_version(v: &str) -> Result<()> {
    let ok = v.starts_with('v')
        && v.len() > 1
        && v[1..].chars().all(|c| c.is_ascii_digit() || c == '.')
        && !v.ends_with('.');
    if ok {
        Ok(())
    } else {
        Err(Error::config(format!(
            "invalid API version {v:?}: expected e.g. v1.0, v1.1, v2.0"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_match_the_wire_facts() {
        let cases = [
            (
                Environment::Production,
                "https://api.procore.com/",
                "https://login.procore.com/",
            ),
            (
                Environment::Sandbox,
                "https://sandbox.procore.com/",
                "https://login-sandbox.procore.com/",
            ),
            (
                Environment::MonthlySandbox,
                "https://api-monthly.procore.com/",
                "https://login-sandbox-monthly.procore.com/",
            ),
            (
                Environment::Federal,
                "https://api.procoregov.com/",
                "https://login.procoregov.com/",
            ),
        ];
        for (env, api, login) in cases {
            assert_eq!(env.api_base().as_str(), api);
            assert_eq!(env.login_base().as_str(), login);
        }
    }

    #[test]
    fn names_and_custom_urls() {
        assert_eq!(
            Environment::from_name("monthly_sandbox").unwrap(),
            Environment::MonthlySandbox
        );
        assert_eq!(
            Environment::from_name("Sandbox").unwrap(),
            Environment::Sandbox
        );
        assert_eq!(Environment::from_name("mars").unwrap_err().code(), "config");
        assert!(Environment::local("http://127.0.0.1:8080").is_ok());
        assert!(Environment::local("http://localhost:8080").is_ok());
        assert!(Environment::local("http://[::1]:8080").is_ok());
        assert!(Environment::local("http://127.8.9.10").is_ok());
        // Plain http elsewhere would carry the secret in clear: refused unless opted in.
        for bad in [
            "http://api.example.com",
            "http://10.0.0.5:8080",
            "http://localhost.example.com",
        ] {
            assert_eq!(
                Environment::local(bad).unwrap_err().code(),
                "config",
                "{bad}"
            );
            assert!(Environment::custom_allowing_http(bad, bad).is_ok());
        }
        assert!(
            Environment::custom("https://api.example.com", "http://login.example.com").is_err()
        );
        assert!(Environment::local("https://user:pw@api.example.com").is_err());
        assert_eq!(Environment::local("ftp://x").unwrap_err().code(), "config");
        assert_eq!(
            Environment::local("not a url").unwrap_err().code(),
            "config"
        );
    }

    #[test]
    fn versions() {
        for ok in ["v1.0", "v1.1", "v2.0", "v2"] {
            assert!(validate_version(ok).is_ok(), "{ok}");
        }
        for bad in ["1.0", "v", "v1.", "v1.0/../x", ""] {
            assert!(validate_version(bad).is_err(), "{bad}");
        }
    }
}
