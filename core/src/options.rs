//! The options every binding fills, resolved and validated once, here.
//!
//! Python, Node, Kotlin and Swift each keep one mirror struct of [`ClientOptions`],
//! [`CallOptions`] and [`PaginateOptions`] (with their own casing and units) and one `From`
//! conversion into these. Everything that decides what goes on the wire lives below: the
//! environment from a name or URLs, the credentials from the fields given, the query encoding
//! (one rule for lists and nested filters: Rails' `key[]` and `key[sub]`), number checks (ids,
//! attempts, page sizes and durations that arrive as floats or big integers), the API version
//! and the company header choice. So the same call produces the same request, byte for byte,
//! in every language, and the same bad argument fails with the same `config` error.
//!
//! The option names are the core's (`snake_case`); bindings use their language's casing of
//! the same names, and durations in the language's usual unit ([`Span`]).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use secrecy::SecretString;

use crate::auth::{AppCredentials, Credentials, TokenSet};
use crate::config::{duration_from_secs_f64, validate_version, ClientBuilder, Environment};
use crate::error::{Error, Result};
use crate::limit::RateLimitConfig;
use crate::request::{CompanyChoice, RequestSpec};
use crate::retry::RetryConfig;
use crate::store::TokenStore;

/// A number as a binding received it: JavaScript gives floats, Python arbitrary integers.
/// Core checks that it is a whole number in range (an id of `1.5`, `-3` or `1e300` is a
/// `config` error, never a wrapped or truncated value).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Num {
    /// An integer (Python's `int`, a Rust integer, a JavaScript `BigInt`).
    Int(i128),
    /// A float (a JavaScript `number`); only whole values within 2^53 are accepted.
    Float(f64),
}

macro_rules! num_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Num {
            fn from(v: $t) -> Self {
                Num::Int(i128::from(v))
            }
        }
    )*};
}
num_from_int!(u8, u16, u32, u64, i8, i16, i32, i64, i128);

impl From<f64> for Num {
    fn from(v: f64) -> Self {
        Num::Float(v)
    }
}

/// The largest integer a float carries exactly (2^53).
const MAX_SAFE_FLOAT_INT: f64 = 9_007_199_254_740_992.0;

impl Num {
    /// The number as a whole number in `min..=max`, or a `config` error naming `name`.
    pub fn whole(self, name: &str, min: u64, max: u64) -> Result<u64> {
        let bad = || {
            Error::config(format!(
                "{name} must be a whole number from {min} to {max}, got {}",
                self.describe()
            ))
        };
        let n: i128 = match self {
            Num::Int(i) => i,
            Num::Float(f) => {
                if !f.is_finite() || f.fract() != 0.0 || f.abs() > MAX_SAFE_FLOAT_INT {
                    return Err(bad());
                }
                f as i128
            }
        };
        if n < i128::from(min) || n > i128::from(max) {
            return Err(bad());
        }
        Ok(n as u64)
    }

    fn describe(self) -> String {
        match self {
            Num::Int(i) => i.to_string(),
            Num::Float(f) => format_float(f),
        }
    }
}

/// A duration in the unit of the binding's language: seconds in Python and Rust, milliseconds
/// in JavaScript, Kotlin and Swift.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Span {
    /// Seconds, possibly fractional (Python, Rust).
    Secs(f64),
    /// Milliseconds, possibly fractional (JavaScript, Kotlin, Swift).
    Millis(f64),
}

impl Span {
    /// The duration, or a `config` error naming `name` for NaN, infinite or negative values;
    /// huge values are clamped (see [`crate::config::MAX_DURATION`]).
    pub fn resolve(self, name: &str) -> Result<Duration> {
        let secs = match self {
            Span::Secs(s) => s,
            Span::Millis(ms) => ms / 1000.0,
        };
        duration_from_secs_f64(name, secs)
    }
}

impl From<Duration> for Span {
    fn from(d: Duration) -> Self {
        Span::Secs(d.as_secs_f64())
    }
}

/// A query value before encoding: what a JSON value, a Python object or a JavaScript value
/// holds. Maps keep their order.
#[derive(Clone, Debug, PartialEq)]
pub enum QueryValue {
    /// Skipped (no parameter is sent).
    Null,
    /// Sent as `true` or `false`.
    Bool(bool),
    /// Sent in decimal.
    Int(i128),
    /// Sent without a fraction when whole (`3`, not `3.0`); NaN and infinities are refused.
    Float(f64),
    /// Sent as it is (percent-encoded on the wire).
    Str(String),
    /// Sent as `key[]` once per item (Rails arrays); items must be scalars.
    List(Vec<QueryValue>),
    /// Sent as `key[sub]` per entry, in order (Rails nested parameters, e.g. `filters`).
    Map(Vec<(String, QueryValue)>),
}

impl From<&str> for QueryValue {
    fn from(v: &str) -> Self {
        QueryValue::Str(v.to_owned())
    }
}

impl From<String> for QueryValue {
    fn from(v: String) -> Self {
        QueryValue::Str(v)
    }
}

impl From<bool> for QueryValue {
    fn from(v: bool) -> Self {
        QueryValue::Bool(v)
    }
}

impl From<i64> for QueryValue {
    fn from(v: i64) -> Self {
        QueryValue::Int(i128::from(v))
    }
}

impl From<u64> for QueryValue {
    fn from(v: u64) -> Self {
        QueryValue::Int(i128::from(v))
    }
}

impl From<f64> for QueryValue {
    fn from(v: f64) -> Self {
        QueryValue::Float(v)
    }
}

impl<V: Into<QueryValue>> From<Vec<V>> for QueryValue {
    fn from(v: Vec<V>) -> Self {
        QueryValue::List(v.into_iter().map(Into::into).collect())
    }
}

impl From<serde_json::Value> for QueryValue {
    fn from(v: serde_json::Value) -> Self {
        use serde_json::Value as J;
        match v {
            J::Null => QueryValue::Null,
            J::Bool(b) => QueryValue::Bool(b),
            J::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => QueryValue::Int(i128::from(i)),
                (None, Some(u)) => QueryValue::Int(i128::from(u)),
                _ => QueryValue::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            J::String(s) => QueryValue::Str(s),
            J::Array(a) => QueryValue::List(a.into_iter().map(Into::into).collect()),
            J::Object(o) => QueryValue::Map(o.into_iter().map(|(k, v)| (k, v.into())).collect()),
        }
    }
}

impl QueryValue {
    /// Parses JSON text, keeping the order of object keys (what `JSON.stringify` wrote).
    pub fn from_json(text: &str) -> Result<QueryValue> {
        serde_json::from_str::<QueryValue>(text)
            .map_err(|e| Error::config(format!("the query is not valid JSON: {e}")))
    }

    fn kind(&self) -> &'static str {
        match self {
            QueryValue::Null => "null",
            QueryValue::Bool(_) => "a boolean",
            QueryValue::Int(_) | QueryValue::Float(_) => "a number",
            QueryValue::Str(_) => "a string",
            QueryValue::List(_) => "a list",
            QueryValue::Map(_) => "a mapping",
        }
    }
}

/// Deserializes (from JSON or any self-describing format) with map keys in document order.
impl<'de> serde::Deserialize<'de> for QueryValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = QueryValue;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E>(self) -> std::result::Result<QueryValue, E> {
                Ok(QueryValue::Null)
            }
            fn visit_none<E>(self) -> std::result::Result<QueryValue, E> {
                Ok(QueryValue::Null)
            }
            fn visit_bool<E>(self, v: bool) -> std::result::Result<QueryValue, E> {
                Ok(QueryValue::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> std::result::Result<QueryValue, E> {
                Ok(QueryValue::Int(i128::from(v)))
            }
            fn visit_u64<E>(self, v: u64) -> std::result::Result<QueryValue, E> {
                Ok(QueryValue::Int(i128::from(v)))
            }
            fn visit_f64<E>(self, v: f64) -> std::result::Result<QueryValue, E> {
                Ok(QueryValue::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<QueryValue, E> {
                Ok(QueryValue::Str(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> std::result::Result<QueryValue, E> {
                Ok(QueryValue::Str(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<QueryValue, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<QueryValue>()? {
                    out.push(v);
                }
                Ok(QueryValue::List(out))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<QueryValue, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, QueryValue>()? {
                    out.push((k, v));
                }
                Ok(QueryValue::Map(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// A float as a query value: whole numbers without a fraction (`3`, as JavaScript writes
/// them), others in Rust's shortest form.
fn format_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() <= MAX_SAFE_FLOAT_INT {
        format!("{}", f as i128)
    } else {
        format!("{f}")
    }
}

fn scalar_text(key: &str, v: &QueryValue) -> Result<Option<String>> {
    Ok(Some(match v {
        QueryValue::Null => return Ok(None),
        QueryValue::Bool(b) => if *b { "true" } else { "false" }.to_owned(),
        QueryValue::Int(i) => i.to_string(),
        QueryValue::Float(f) if f.is_finite() => format_float(*f),
        QueryValue::Float(_) => {
            return Err(Error::config(format!(
                "query parameter {key:?} is not a finite number"
            )))
        }
        QueryValue::Str(s) => s.clone(),
        other => {
            return Err(Error::config(format!(
                "query parameter {key:?} cannot be {} here",
                other.kind()
            )))
        }
    }))
}

fn encode_into(key: String, v: &QueryValue, out: &mut Vec<(String, String)>) -> Result<()> {
    match v {
        QueryValue::List(items) => {
            let k = if key.ends_with("[]") {
                key
            } else {
                format!("{key}[]")
            };
            for item in items {
                if let QueryValue::List(_) | QueryValue::Map(_) = item {
                    return Err(Error::config(format!(
                        "query parameter {k:?}: a list may hold only strings, numbers and booleans"
                    )));
                }
                if let Some(text) = scalar_text(&k, item)? {
                    out.push((k.clone(), text));
                }
            }
        }
        QueryValue::Map(entries) => {
            for (sub, v) in entries {
                encode_into(format!("{key}[{sub}]"), v, out)?;
            }
        }
        scalar => {
            if let Some(text) = scalar_text(&key, scalar)? {
                out.push((key, text));
            }
        }
    }
    Ok(())
}

/// Encodes a query as ordered `(key, value)` pairs, the one rule of every binding:
///
/// - a mapping: each entry in order; `null` values are skipped;
/// - a list of `[key, value]` pairs: each pair in order, keys kept as given (repeat a key
///   this way to send `k=1&k=2`);
/// - booleans are `true`/`false`, whole floats have no fraction (`3`, not `3.0`);
/// - a list value sends `key[]` once per item (Rails arrays; a key already ending in `[]` is
///   kept), a mapping value sends `key[sub]` (`filters: {status_id: [1, 2]}` gives
///   `filters[status_id][]=1&filters[status_id][]=2`).
///
/// # Examples
///
/// ```no_run
/// # fn demo() -> procore::Result<()> {
/// use procore::options::encode_query;
/// use procore::QueryValue;
///
/// let q = QueryValue::from_json(r#"{"page": 2, "filters": {"status_id": [1, 2]}}"#)?;
/// assert_eq!(
///     encode_query(&q)?,
///     [
///         ("page".to_string(), "2".to_string()),
///         ("filters[status_id][]".to_string(), "1".to_string()),
///         ("filters[status_id][]".to_string(), "2".to_string()),
///     ]
/// );
/// # Ok(()) }
/// ```
pub fn encode_query(query: &QueryValue) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    match query {
        QueryValue::Null => {}
        QueryValue::Map(entries) => {
            for (k, v) in entries {
                encode_into(k.clone(), v, &mut out)?;
            }
        }
        QueryValue::List(pairs) => {
            for pair in pairs {
                match pair {
                    QueryValue::List(kv) if kv.len() == 2 => match &kv[0] {
                        QueryValue::Str(k) => encode_into(k.clone(), &kv[1], &mut out)?,
                        _ => return Err(Error::config("query pair keys must be strings")),
                    },
                    _ => {
                        return Err(Error::config(
                            "query must be a mapping or a list of [key, value] pairs",
                        ))
                    }
                }
            }
        }
        other => {
            return Err(Error::config(format!(
                "query must be a mapping or a list of [key, value] pairs, not {}",
                other.kind()
            )))
        }
    }
    Ok(out)
}

/// Options of one call. Every field is optional; unset ones take the client's defaults.
#[derive(Clone, Debug, Default)]
pub struct CallOptions {
    /// The query (see [`encode_query`]).
    pub query: Option<QueryValue>,
    /// A JSON body, already serialized (checked to be JSON).
    pub json: Option<Bytes>,
    /// `Procore-Company-Id` for this call, whatever the client's default.
    pub company_id: Option<Num>,
    /// Send no `Procore-Company-Id` header on this call.
    pub without_company: Option<bool>,
    /// The API version of a relative path (`v1.0`, `v2.0`).
    pub version: Option<String>,
    /// Per-attempt timeout.
    pub timeout: Option<Span>,
    /// Attempts in all (1 disables retries).
    pub max_attempts: Option<Num>,
    /// Overall deadline, waits included.
    pub deadline: Option<Span>,
    /// Return 3xx answers as responses instead of `http` errors.
    pub raw: Option<bool>,
}

/// How many worker threads the tokio runtime a binding builds for its calls gets: half the
/// cores, at least 1 and at most 4. The caller's side of the calls runs on about one core (the
/// GIL in Python, the main thread in Node), and a worker more than the calls need is woken, and
/// sleeps again, for each of them. Bindings let `TOKIO_WORKER_THREADS` override it.
pub fn runtime_worker_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .div_ceil(2)
        .clamp(1, 4)
}

/// The most attempts a call may ask for.
pub const MAX_ATTEMPTS: u64 = 100;

/// A positive company id, or a `config` error.
pub fn company_id(n: Num) -> Result<u64> {
    n.whole("company_id", 1, u64::MAX)
}

fn company_choice(id: Option<Num>, without: Option<bool>) -> Result<CompanyChoice> {
    match (id, without.unwrap_or(false)) {
        (Some(_), true) => Err(Error::config(
            "give company_id or without_company, not both",
        )),
        (Some(n), false) => Ok(CompanyChoice::Id(company_id(n)?)),
        (None, true) => Ok(CompanyChoice::None),
        (None, false) => Ok(CompanyChoice::Default),
    }
}

impl RequestSpec {
    /// A call from a method name, a path and options: every check of every binding.
    pub fn from_options(method: &str, path: impl Into<String>, o: CallOptions) -> Result<Self> {
        let mut s = RequestSpec::new(RequestSpec::parse_method(method)?, path);
        s.apply(o)?;
        Ok(s)
    }

    fn apply(&mut self, o: CallOptions) -> Result<()> {
        if let Some(q) = &o.query {
            self.query = encode_query(q)?;
        }
        if let Some(body) = o.json {
            serde_json::from_slice::<serde::de::IgnoredAny>(&body)
                .map_err(|e| Error::config(format!("the body is not valid JSON: {e}")))?;
            self.body = Some(body);
        }
        self.company = company_choice(o.company_id, o.without_company)?;
        if let Some(v) = o.version {
            validate_version(&v)?;
            self.version = Some(v);
        }
        self.timeout = o.timeout.map(|t| t.resolve("timeout")).transpose()?;
        if self.timeout == Some(Duration::ZERO) {
            return Err(Error::config("timeout must be positive"));
        }
        self.max_attempts = o
            .max_attempts
            .map(|n| n.whole("max_attempts", 1, MAX_ATTEMPTS).map(|n| n as u32))
            .transpose()?;
        self.deadline = o.deadline.map(|t| t.resolve("deadline")).transpose()?;
        self.raw = o.raw.unwrap_or(false);
        Ok(())
    }
}

/// Options of a walk over a collection.
#[derive(Clone, Debug, Default)]
pub struct PaginateOptions {
    /// What every page's request carries (the body and `raw` are not used).
    pub call: CallOptions,
    /// Items per page asked of the server.
    pub per_page: Option<Num>,
    /// Stop after this many items in all.
    pub max_items: Option<Num>,
}

/// A resolved [`PaginateOptions`]: the first page's request and the limits.
#[derive(Clone, Debug)]
pub struct PaginateSpec {
    /// The `GET` of the first page: path, query, company header and limits.
    pub spec: RequestSpec,
    /// Items per page to ask for (`per_page`), if given.
    pub per_page: Option<u32>,
    /// Stop after this many items in all, if given.
    pub max_items: Option<u64>,
}

impl PaginateSpec {
    /// Resolves the options of a walk over `path`.
    pub fn from_options(path: impl Into<String>, o: PaginateOptions) -> Result<Self> {
        let mut call = o.call;
        if call.json.is_some() {
            return Err(Error::config("a paginated call sends no body"));
        }
        call.raw = None;
        let spec = RequestSpec::from_options("GET", path, call)?;
        Ok(PaginateSpec {
            spec,
            per_page: o
                .per_page
                .map(|n| {
                    n.whole("per_page", 1, u64::from(u32::MAX))
                        .map(|n| n as u32)
                })
                .transpose()?,
            max_items: o
                .max_items
                .map(|n| n.whole("max_items", 0, u64::MAX))
                .transpose()?,
        })
    }
}

/// How the client authenticates, from the fields a binding was given:
///
/// - `access_token`: a fixed token, never refreshed;
/// - `client_id` + `client_secret` with `refresh_token`: a user's refresh token;
/// - ... with `tokens`: a user's full token set (from a code exchange);
/// - ... with `stored` (or a store and nothing else): the tokens are in the store;
/// - ... alone: a service account (client-credentials grant).
#[derive(Clone, Default)]
pub struct AuthOptions {
    /// A fixed access token; excludes every other field.
    pub access_token: Option<SecretString>,
    /// The OAuth app's client id (with `client_secret`).
    pub client_id: Option<String>,
    /// The OAuth app's client secret (with `client_id`).
    pub client_secret: Option<SecretString>,
    /// A user's refresh token to start from (the store's set wins if it has one).
    pub refresh_token: Option<SecretString>,
    /// A user's full token set, e.g. from a code exchange.
    pub tokens: Option<TokenSet>,
    /// `true`: the tokens are already in the token store (after a login).
    pub stored: Option<bool>,
}

impl std::fmt::Debug for AuthOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let given = |b: bool| if b { "[given]" } else { "-" };
        f.debug_struct("AuthOptions")
            .field("access_token", &given(self.access_token.is_some()))
            .field("client_id", &self.client_id)
            .field("client_secret", &given(self.client_secret.is_some()))
            .field("refresh_token", &given(self.refresh_token.is_some()))
            .field("tokens", &given(self.tokens.is_some()))
            .field("stored", &self.stored)
            .finish()
    }
}

fn non_empty(v: Option<String>, name: &str) -> Result<Option<String>> {
    match v {
        Some(s) if s.is_empty() => Err(Error::config(format!("{name} must not be empty"))),
        other => Ok(other),
    }
}

fn non_empty_secret(v: Option<SecretString>, name: &str) -> Result<Option<SecretString>> {
    use secrecy::ExposeSecret;
    match v {
        Some(s) if s.expose_secret().is_empty() => {
            Err(Error::config(format!("{name} must not be empty")))
        }
        other => Ok(other),
    }
}

impl AuthOptions {
    /// The credentials these fields describe; `has_store` says whether a store was given.
    pub fn resolve(self, has_store: bool) -> Result<Credentials> {
        let access = non_empty_secret(self.access_token, "access_token")?;
        let id = non_empty(self.client_id, "client_id")?;
        let secret = non_empty_secret(self.client_secret, "client_secret")?;
        let refresh = non_empty_secret(self.refresh_token, "refresh_token")?;
        let user_given = refresh.is_some() as u8
            + self.tokens.is_some() as u8
            + (self.stored == Some(true)) as u8;
        if let Some(token) = access {
            if user_given > 0 || id.is_some() || secret.is_some() {
                return Err(Error::config(
                    "access_token cannot be combined with client_id, client_secret, \
                     refresh_token, tokens or stored",
                ));
            }
            return Ok(Credentials::AccessToken(token));
        }
        let (id, secret) = match (id, secret) {
            (Some(id), Some(secret)) => (id, secret),
            (None, None) => {
                return Err(Error::config(
                    "no credentials: give access_token, or client_id and client_secret \
                     (with refresh_token, tokens or a token store for a user's tokens)",
                ))
            }
            (Some(_), None) => {
                return Err(Error::config("client_secret is required with client_id"))
            }
            (None, Some(_)) => {
                return Err(Error::config("client_id is required with client_secret"))
            }
        };
        if user_given > 1 {
            return Err(Error::config(
                "give only one of refresh_token, tokens and stored",
            ));
        }
        let app = AppCredentials::from_secret(id, secret);
        Ok(if let Some(refresh_token) = refresh {
            Credentials::RefreshToken { app, refresh_token }
        } else if let Some(tokens) = self.tokens {
            Credentials::Tokens { app, tokens }
        } else if self.stored == Some(true) || has_store {
            Credentials::Stored(app)
        } else {
            Credentials::ClientCredentials(app)
        })
    }
}

/// Options of a client. Every field is optional; unset ones take the defaults documented on
/// [`ClientBuilder`].
#[derive(Clone, Default)]
pub struct ClientOptions {
    /// `production` (default), `sandbox`, `monthly_sandbox`, `federal`, or a URL (one origin
    /// for OAuth and the API, as `base_url`).
    pub environment: Option<String>,
    /// One origin for both OAuth and the API (the local simulator, a proxy).
    pub base_url: Option<String>,
    /// The API origin, with `login_base`.
    pub api_base: Option<String>,
    /// The OAuth origin, with `api_base` or `base_url`.
    pub login_base: Option<String>,
    /// The company sent as `Procore-Company-Id` when a call names none.
    pub company_id: Option<Num>,
    /// The API version of relative paths (default `v1.0`).
    pub api_version: Option<String>,
    /// Your app's name, put before the SDK's in `User-Agent`.
    pub user_agent: Option<String>,
    /// The binding's language, sent in `Procore-Sdk-Language` and `User-Agent`.
    pub sdk_language: Option<String>,
    /// How long to wait for a TCP/TLS connection (default 10 s).
    pub connect_timeout: Option<Span>,
    /// Per-attempt timeout.
    pub request_timeout: Option<Span>,
    /// Refresh this long before expiry.
    pub refresh_skew: Option<Span>,
    /// Attempts in all per call (1 disables retries).
    pub max_attempts: Option<Num>,
    /// The first backoff's upper bound, doubled at each retry (default 250 ms).
    pub retry_base_delay: Option<Span>,
    /// The largest backoff between two attempts (default 20 s).
    pub retry_max_delay: Option<Span>,
    /// The longest `Retry-After` of a 503 that is waited out.
    pub max_retry_after: Option<Span>,
    /// Overall deadline of one call, waits included.
    pub deadline: Option<Span>,
    /// No overall deadline (only the per-attempt timeout bounds a call).
    pub no_deadline: Option<bool>,
    /// Pace requests from the rate-limit headers (default true).
    pub rate_limit: Option<bool>,
    /// Fail with `rate_limited` instead of waiting longer than this for the budget.
    pub rate_limit_max_wait: Option<Span>,
    /// A Redis URL (`redis://`, `rediss://`): the rate budget is shared there by every process
    /// of the same app on the same API host.
    pub rate_budget: Option<String>,
    /// The largest response body read.
    pub max_body_bytes: Option<Num>,
    /// How the client authenticates.
    pub auth: AuthOptions,
    /// Where the tokens are kept (default: memory).
    pub store: Option<Arc<dyn TokenStore>>,
}

impl std::fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientOptions")
            .field("environment", &self.environment)
            .field("base_url", &self.base_url)
            .field("api_base", &self.api_base)
            .field("login_base", &self.login_base)
            .field("company_id", &self.company_id)
            .field("api_version", &self.api_version)
            .field("auth", &self.auth)
            .field("store", &self.store.as_ref().map(|_| "[custom]"))
            .finish_non_exhaustive()
    }
}

impl ClientOptions {
    /// The environment these options name.
    pub fn environment(&self) -> Result<Environment> {
        let name = self.environment.as_deref();
        let url_name = name.filter(|n| n.contains("://"));
        let api = match (url_name, &self.base_url, &self.api_base) {
            (None, None, None) => {
                if self.login_base.is_some() {
                    return Err(Error::config(
                        "login_base needs base_url or api_base (the API origin) too",
                    ));
                }
                return Environment::from_name(name.unwrap_or("production"));
            }
            (Some(u), None, None) => u,
            (None, Some(u), None) | (None, None, Some(u)) => u.as_str(),
            _ => {
                return Err(Error::config(
                    "give one of: an environment name or URL, base_url, or api_base",
                ))
            }
        };
        if name.is_some() && url_name.is_none() {
            return Err(Error::config(
                "give an environment name or custom URLs, not both",
            ));
        }
        if self.api_base.is_some() && self.login_base.is_none() {
            return Err(Error::config("api_base needs login_base as well"));
        }
        Environment::custom(api, self.login_base.as_deref().unwrap_or(api))
    }
}

impl ClientBuilder {
    /// A builder from binding options: every check of every binding, once.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn demo() -> procore::Result<()> {
    /// use procore::{AuthOptions, ClientBuilder, ClientOptions, Num, Span};
    ///
    /// let client = ClientBuilder::from_options(ClientOptions {
    ///     environment: Some("sandbox".into()),
    ///     company_id: Some(Num::Int(8089)),
    ///     request_timeout: Some(Span::Secs(30.0)),
    ///     auth: AuthOptions {
    ///         client_id: Some("my-client-id".into()),
    ///         client_secret: Some("my-client-secret".into()),
    ///         ..Default::default()
    ///     },
    ///     ..Default::default()
    /// })?
    /// .build()?;
    /// # let _ = client;
    /// # Ok(()) }
    /// ```
    pub fn from_options(o: ClientOptions) -> Result<ClientBuilder> {
        let mut b = ClientBuilder::default().environment(o.environment()?);
        let credentials = o.auth.resolve(o.store.is_some())?;
        b = b.credentials(credentials);
        if let Some(store) = o.store {
            b = b.token_store(store);
        }
        if let Some(lang) = o.sdk_language {
            b = b.sdk_language(lang);
        }
        if let Some(n) = o.company_id {
            b = b.company_id(company_id(n)?);
        }
        if let Some(v) = o.api_version {
            validate_version(&v)?;
            b = b.api_version(v);
        }
        if let Some(ua) = o.user_agent {
            b = b.user_agent(ua);
        }
        if let Some(t) = o.connect_timeout {
            b = b.connect_timeout(t.resolve("connect_timeout")?);
        }
        if let Some(t) = o.request_timeout {
            b = b.request_timeout(t.resolve("request_timeout")?);
        }
        if let Some(t) = o.refresh_skew {
            b = b.refresh_skew(t.resolve("refresh_skew")?);
        }
        if let Some(n) = o.max_body_bytes {
            b = b.max_body_bytes(n.whole("max_body_bytes", 1, usize::MAX as u64)? as usize);
        }
        let mut retry = RetryConfig::default();
        if let Some(n) = o.max_attempts {
            retry.max_attempts = n.whole("max_attempts", 1, MAX_ATTEMPTS)? as u32;
        }
        if let Some(t) = o.retry_base_delay {
            retry.base_delay = t.resolve("retry_base_delay")?;
        }
        if let Some(t) = o.retry_max_delay {
            retry.max_delay = t.resolve("retry_max_delay")?;
        }
        if let Some(t) = o.max_retry_after {
            retry.max_retry_after = t.resolve("max_retry_after")?;
        }
        match (o.deadline, o.no_deadline.unwrap_or(false)) {
            (Some(_), true) => return Err(Error::config("give deadline or no_deadline, not both")),
            (Some(t), false) => retry.deadline = Some(t.resolve("deadline")?),
            (None, true) => retry.deadline = None,
            (None, false) => {}
        }
        let mut limit = if o.rate_limit.unwrap_or(true) {
            RateLimitConfig::default()
        } else {
            RateLimitConfig::disabled()
        };
        if let Some(t) = o.rate_limit_max_wait {
            limit.max_wait = Some(t.resolve("rate_limit_max_wait")?);
        }
        let b = match &o.rate_budget {
            Some(url) => b.shared_rate_budget_url(url.clone()),
            None => b,
        };
        Ok(b.retry(retry).rate_limit(limit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(text: &str) -> Result<Vec<(String, String)>> {
        encode_query(&QueryValue::from_json(text)?)
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn lists_and_maps_follow_rails() {
        assert_eq!(
            q(r#"{"z": 1, "ids": [1, 2], "filters": {"status": ["a", "b"], "q": "x"}}"#).unwrap(),
            pairs(&[
                ("z", "1"),
                ("ids[]", "1"),
                ("ids[]", "2"),
                ("filters[status][]", "a"),
                ("filters[status][]", "b"),
                ("filters[q]", "x"),
            ])
        );
        assert_eq!(q(r#"{"ids[]": [3]}"#).unwrap(), pairs(&[("ids[]", "3")]));
        assert_eq!(
            q(r#"[["k", 1], ["k", 2]]"#).unwrap(),
            pairs(&[("k", "1"), ("k", "2")])
        );
    }

    #[test]
    fn scalars_are_spelled_once() {
        assert_eq!(
            q(r#"{"a": true, "b": false, "c": 3.0, "d": 0.5, "e": null, "f": -7}"#).unwrap(),
            pairs(&[
                ("a", "true"),
                ("b", "false"),
                ("c", "3"),
                ("d", "0.5"),
                ("f", "-7")
            ])
        );
    }

    #[test]
    fn bad_shapes_are_config_errors() {
        for text in [
            r#""abc""#,
            "3",
            r#"[["k"]]"#,
            r#"[[1, 2]]"#,
            r#"{"a": [[1]]}"#,
        ] {
            assert_eq!(q(text).unwrap_err().code(), "config", "{text}");
        }
        let nan = encode_query(&QueryValue::Map(vec![(
            "x".into(),
            QueryValue::Float(f64::NAN),
        )]));
        assert_eq!(nan.unwrap_err().code(), "config");
    }

    #[test]
    fn numbers_must_be_whole_and_in_range() {
        assert_eq!(Num::Float(8089.0).whole("id", 1, u64::MAX).unwrap(), 8089);
        for bad in [
            Num::Float(1.5),
            Num::Float(-1.0),
            Num::Float(0.0),
            Num::Float(1e300),
            Num::Float(f64::NAN),
            Num::Int(-3),
            Num::Int(i128::from(u64::MAX) + 1),
        ] {
            assert_eq!(bad.whole("id", 1, u64::MAX).unwrap_err().code(), "config");
        }
        let e = Num::Float(4294967297.0)
            .whole("max_attempts", 1, MAX_ATTEMPTS)
            .unwrap_err();
        assert!(e.to_string().contains("max_attempts"), "{e}");
    }

    #[test]
    fn spans_reject_nan_and_negative() {
        assert_eq!(
            Span::Millis(1500.0).resolve("t").unwrap(),
            Duration::from_millis(1500)
        );
        assert!(Span::Millis(1e300).resolve("t").is_ok());
        for bad in [
            Span::Secs(-1.0),
            Span::Millis(f64::NAN),
            Span::Secs(f64::INFINITY),
        ] {
            assert_eq!(bad.resolve("t").unwrap_err().code(), "config");
        }
    }

    #[test]
    fn environments_resolve_once() {
        let o = |env: Option<&str>, base: Option<&str>, api: Option<&str>, login: Option<&str>| {
            ClientOptions {
                environment: env.map(Into::into),
                base_url: base.map(Into::into),
                api_base: api.map(Into::into),
                login_base: login.map(Into::into),
                ..Default::default()
            }
            .environment()
        };
        assert_eq!(o(None, None, None, None).unwrap(), Environment::Production);
        assert_eq!(
            o(Some("sandbox"), None, None, None).unwrap(),
            Environment::Sandbox
        );
        assert!(matches!(
            o(Some("http://127.0.0.1:1"), None, None, None).unwrap(),
            Environment::Custom { .. }
        ));
        assert!(o(None, Some("http://127.0.0.1:1"), None, None).is_ok());
        assert!(o(
            None,
            None,
            Some("https://a.example"),
            Some("https://b.example")
        )
        .is_ok());
        for bad in [
            o(Some("prod-ish"), None, None, None),
            o(Some("sandbox"), Some("http://127.0.0.1:1"), None, None),
            o(None, None, Some("https://a.example"), None),
            o(None, None, None, Some("https://b.example")),
            o(
                None,
                Some("http://127.0.0.1:1"),
                Some("http://127.0.0.1:2"),
                None,
            ),
        ] {
            assert_eq!(bad.unwrap_err().code(), "config");
        }
    }

    #[test]
    fn credentials_resolve_once_and_never_show_secrets() {
        let auth = AuthOptions {
            client_id: Some("id".into()),
            client_secret: Some("s3cr3t".to_string().into()),
            refresh_token: Some("r3fr3sh".to_string().into()),
            ..Default::default()
        };
        let shown = format!("{auth:?}");
        assert!(
            !shown.contains("s3cr3t") && !shown.contains("r3fr3sh"),
            "{shown}"
        );
        assert!(matches!(
            auth.clone().resolve(false).unwrap(),
            Credentials::RefreshToken { .. }
        ));
        let service = AuthOptions {
            refresh_token: None,
            ..auth.clone()
        };
        assert!(matches!(
            service.clone().resolve(false).unwrap(),
            Credentials::ClientCredentials(_)
        ));
        assert!(matches!(
            service.resolve(true).unwrap(),
            Credentials::Stored(_)
        ));
        let mixed = AuthOptions {
            access_token: Some("t".to_string().into()),
            ..auth
        };
        assert_eq!(mixed.resolve(false).unwrap_err().code(), "config");
        assert_eq!(
            AuthOptions::default().resolve(false).unwrap_err().code(),
            "config"
        );
    }

    #[test]
    fn calls_check_company_version_and_body() {
        let bad = [
            CallOptions {
                company_id: Some(Num::Float(0.0)),
                ..Default::default()
            },
            CallOptions {
                company_id: Some(Num::Int(1)),
                without_company: Some(true),
                ..Default::default()
            },
            CallOptions {
                version: Some("1.0".into()),
                ..Default::default()
            },
            CallOptions {
                json: Some(Bytes::from_static(b"{not json")),
                ..Default::default()
            },
            CallOptions {
                max_attempts: Some(Num::Float(4294967297.0)),
                ..Default::default()
            },
        ];
        for o in bad {
            let shown = format!("{o:?}");
            assert_eq!(
                RequestSpec::from_options("GET", "projects", o)
                    .unwrap_err()
                    .code(),
                "config",
                "{shown}"
            );
        }
        assert_eq!(
            RequestSpec::from_options("FETCH", "projects", CallOptions::default())
                .unwrap_err()
                .code(),
            "config"
        );
        let ok = RequestSpec::from_options(
            "post",
            "projects",
            CallOptions {
                without_company: Some(true),
                json: Some(Bytes::from_static(b"{\"a\":1}")),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(ok.company, CompanyChoice::None);
    }
}
