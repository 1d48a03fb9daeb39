//! The options records of Kotlin and Swift, mirroring core `options.rs`: the same names as in
//! every other binding (durations in milliseconds), each with one conversion into the core's
//! structs. Every check and default is the core's.

use std::sync::Arc;

use crate::auth::{Secret, TokenSet};

/// How a client authenticates, connects and behaves: the same options, by name, as in every
/// other binding (durations in milliseconds). Every field has a default. Secrets are
/// [`Secret`] objects, so the generated `toString()` / `print()` never shows one.
///
/// Example:
///
/// ```kotlin
/// val options = ClientOptions(clientId = clientId, clientSecret = Secret(secret), environment = "sandbox", companyId = 8089uL, maxAttempts = 6u)
/// ```
///
/// ```swift
/// let options = ClientOptions(clientId: id, clientSecret: Secret(value: secret), environment: "sandbox", companyId: 8089)
/// ```
#[derive(uniffi::Record, Clone, Default)]
pub struct ClientOptions {
    /// A fixed access token (never refreshed).
    #[uniffi(default)]
    pub access_token: Option<Arc<Secret>>,
    /// The app's OAuth client id (with `client_secret`).
    #[uniffi(default)]
    pub client_id: Option<String>,
    /// The app's OAuth client secret (with `client_id`).
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
    /// Timeout of a TCP + TLS connect.
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
    /// The first backoff delay (doubled at each retry, with jitter).
    #[uniffi(default)]
    pub retry_base_delay_ms: Option<u64>,
    /// The longest backoff delay.
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
    /// A Redis URL (`redis://`, `rediss://`): the rate budget is shared there by every process
    /// of the same app on the same API host.
    #[uniffi(default)]
    pub rate_budget: Option<String>,
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
            rate_budget: o.rate_budget,
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
///
/// Example:
///
/// ```kotlin
/// val status = QueryValue.IntList(listOf(1L, 2L))  // or queryValue(listOf(1, 2))
/// ```
///
/// ```swift
/// let status = QueryValue.intList(values: [1, 2])
/// ```
#[derive(uniffi::Enum, Clone, Debug)]
pub enum QueryValue {
    /// A string.
    Text { value: String },
    /// An integer.
    Int { value: i64 },
    /// A number with a fraction.
    Number { value: f64 },
    /// `true` or `false`.
    Bool { value: bool },
    /// A list of strings (`name[]=a&name[]=b`).
    TextList { values: Vec<String> },
    /// A list of integers (`name[]=1&name[]=2`).
    IntList { values: Vec<i64> },
}

/// One query parameter; parameters are sent in order, names as given.
///
/// Example:
///
/// ```kotlin
/// val params = listOf(QueryParam("company_id", QueryValue.Int(8089)), QueryParam("filters[status_id]", QueryValue.IntList(listOf(1L, 2L))))
/// // or: query("company_id" to 8089, "filters[status_id]" to listOf(1, 2))
/// ```
///
/// ```swift
/// let params = [QueryParam("company_id", 8089), QueryParam("filters[status_id]", [1, 2])]
/// ```
#[derive(uniffi::Record, Clone, Debug)]
pub struct QueryParam {
    /// The name as sent (brackets included, as in `filters[status_id]`).
    pub name: String,
    /// The value.
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
///
/// Example:
///
/// ```kotlin
/// val r = client.get("projects", RequestOptions(query = query("company_id" to 8089), companyId = 8089uL, timeoutMs = 10_000uL))
/// ```
///
/// ```swift
/// let r = try await client.get(path: "projects", options: RequestOptions(query: [QueryParam("company_id", 8089)], companyId: 8089))
/// ```
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

/// How to walk a collection: the same names as in every other binding. Every field has a
/// default.
///
/// Example:
///
/// ```kotlin
/// val opts = PaginateOptions(query = query("company_id" to 8089), perPage = 100u, maxItems = 500uL)
/// client.items("projects", opts).collect { println(it) }
/// ```
///
/// ```swift
/// let opts = PaginateOptions(query: [QueryParam("company_id", 8089)], perPage: 100, maxItems: 500)
/// for try await project in client.items("projects", options: opts) { print(project) }
/// ```
#[derive(uniffi::Record, Clone, Debug, Default)]
pub struct PaginateOptions {
    /// Query parameters sent with every page (filters, `company_id`, ...).
    #[uniffi(default)]
    pub query: Vec<QueryParam>,
    /// Items per page requested from the server.
    #[uniffi(default)]
    pub per_page: Option<u32>,
    /// Stop after this many items in all.
    #[uniffi(default)]
    pub max_items: Option<u64>,
    /// `Procore-Company-Id` for every page, whatever the client's default.
    #[uniffi(default)]
    pub company_id: Option<u64>,
    /// Send no `Procore-Company-Id` header.
    #[uniffi(default)]
    pub without_company: Option<bool>,
    /// The API version of a relative path (`v2.0` for v2 collections).
    #[uniffi(default)]
    pub version: Option<String>,
    /// Per-attempt timeout of each page.
    #[uniffi(default)]
    pub timeout_ms: Option<u64>,
    /// Attempts in all for each page.
    #[uniffi(default)]
    pub max_attempts: Option<u32>,
    /// Overall deadline of each page, waits included.
    #[uniffi(default)]
    pub deadline_ms: Option<u64>,
}

impl From<PaginateOptions> for procore::PaginateOptions {
    fn from(o: PaginateOptions) -> Self {
        procore::PaginateOptions {
            call: RequestOptions {
                query: o.query,
                company_id: o.company_id,
                without_company: o.without_company,
                version: o.version,
                timeout_ms: o.timeout_ms,
                max_attempts: o.max_attempts,
                deadline_ms: o.deadline_ms,
                ..Default::default()
            }
            .into(),
            per_page: o.per_page.map(Into::into),
            max_items: o.max_items.map(Into::into),
        }
    }
}
