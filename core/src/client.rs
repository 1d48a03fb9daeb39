//! The [`Client`] and its per-call [`RequestBuilder`].

use std::fmt::Display;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::Method;
use serde::Serialize;
use url::Url;

use crate::auth::TokenManager;
use crate::config::{ClientBuilder, Environment, HttpConfig};
use crate::error::{Error, Result};
use crate::limit::Limiter;
use crate::paginate::Paginator;
use crate::response::Response;
use crate::retry::RetryConfig;

pub(crate) struct ClientInner {
    pub environment: Environment,
    pub api_base: Url,
    pub api_version: String,
    pub company_id: Option<u64>,
    pub http: reqwest::Client,
    #[allow(dead_code)]
    pub http_config: HttpConfig,
    pub tokens: TokenManager,
    pub limiter: Limiter,
    pub retry: RetryConfig,
}

/// A Procore API client. Cheap to clone; clones share the connection pool, the tokens and
/// the rate budget, so one client per app (per token set) is the right number.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<ClientInner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("api_base", &self.inner.api_base.as_str())
            .field("api_version", &self.inner.api_version)
            .field("company_id", &self.inner.company_id)
            .field("tokens", &self.inner.tokens)
            .finish()
    }
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    pub(crate) fn from_inner(inner: ClientInner) -> Self {
        Client {
            inner: Arc::new(inner),
        }
    }

    /// The environment this client talks to.
    pub fn environment(&self) -> &Environment {
        &self.inner.environment
    }

    /// The default company id.
    pub fn company_id(&self) -> Option<u64> {
        self.inner.company_id
    }

    /// The token manager (current tokens, revoke, the OAuth client).
    pub fn tokens(&self) -> &TokenManager {
        &self.inner.tokens
    }

    /// The rate limiter of this client's budget (shared with every client of the process that
    /// spends the same budget).
    pub fn limiter(&self) -> &Limiter {
        &self.inner.limiter
    }

    /// A request with any method.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        RequestBuilder {
            client: self.clone(),
            spec: Ok(RequestSpec::new(method, path)),
        }
    }

    /// `GET path`: `/rest/v1.0/projects`, or `projects` (relative to the API version).
    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(Method::GET, path)
    }

    /// `POST path`.
    pub fn post(&self, path: &str) -> RequestBuilder {
        self.request(Method::POST, path)
    }

    /// `PUT path`.
    pub fn put(&self, path: &str) -> RequestBuilder {
        self.request(Method::PUT, path)
    }

    /// `PATCH path`.
    pub fn patch(&self, path: &str) -> RequestBuilder {
        self.request(Method::PATCH, path)
    }

    /// `DELETE path`.
    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.request(Method::DELETE, path)
    }

    /// Walks a paginated collection (v1 arrays or v2 `{"data": [...]}`).
    pub fn paginate(&self, path: &str) -> Paginator {
        Paginator::new(self.clone(), RequestSpec::new(Method::GET, path))
    }

    /// Sends a prepared request.
    pub async fn send(&self, spec: &RequestSpec) -> Result<Response> {
        crate::dispatch::execute(&self.inner, spec).await
    }

    /// Revokes the tokens at the server and clears the token store (logout).
    pub async fn revoke(&self) -> Result<()> {
        self.inner.tokens.revoke().await
    }

    /// Introspects the current access token (`/oauth/token/info`).
    pub async fn token_info(&self) -> Result<serde_json::Value> {
        let token = self.inner.tokens.access_token().await?;
        let oauth = match self.inner.tokens.oauth() {
            Some(o) => o.clone(),
            None => crate::auth::OAuthClient::with_http(
                self.inner.http.clone(),
                self.inner.environment.login_base(),
                crate::auth::AppCredentials::new("-", "-"),
            ),
        };
        oauth.token_info(token.secret()).await
    }
}

/// Which company header a call sends.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum CompanyChoice {
    /// The client's default company id (if it has one).
    #[default]
    Default,
    /// This company.
    Id(u64),
    /// No `Procore-Company-Id` header.
    None,
}

/// Everything that describes one call, before it is sent. Bindings build these directly.
#[derive(Clone, Debug)]
pub struct RequestSpec {
    pub method: Method,
    /// A path (`/rest/v1.0/projects`, `projects`) or an absolute URL on the API host.
    pub path: String,
    pub query: Vec<(String, String)>,
    /// A JSON body, already serialized.
    pub body: Option<Bytes>,
    pub company: CompanyChoice,
    /// The API version for a relative path (client default otherwise).
    pub version: Option<String>,
    /// Per-attempt timeout (client default otherwise).
    pub timeout: Option<Duration>,
    /// Attempts in all (client default otherwise).
    pub max_attempts: Option<u32>,
    /// Overall deadline of the call, waits included (client default otherwise).
    pub deadline: Option<Duration>,
    /// Return 3xx answers as responses instead of `http` errors (redirects are never
    /// followed either way).
    pub raw: bool,
}

impl RequestSpec {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        RequestSpec {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            company: CompanyChoice::Default,
            version: None,
            timeout: None,
            max_attempts: None,
            deadline: None,
            raw: false,
        }
    }

    /// Parses a method name (`"get"`, `"POST"`, ...).
    pub fn parse_method(name: &str) -> Result<Method> {
        match name.to_ascii_uppercase().as_str() {
            "GET" => Ok(Method::GET),
            "POST" => Ok(Method::POST),
            "PUT" => Ok(Method::PUT),
            "PATCH" => Ok(Method::PATCH),
            "DELETE" => Ok(Method::DELETE),
            "HEAD" => Ok(Method::HEAD),
            "OPTIONS" => Ok(Method::OPTIONS),
            other => Err(Error::config(format!("unsupported HTTP method {other:?}"))),
        }
    }
}

/// Builds one call. Errors in arguments (a body that does not serialize) surface at `send`.
pub struct RequestBuilder {
    client: Client,
    spec: Result<RequestSpec>,
}

impl RequestBuilder {
    fn map(mut self, f: impl FnOnce(&mut RequestSpec) -> Result<()>) -> Self {
        if let Ok(spec) = &mut self.spec {
            if let Err(e) = f(spec) {
                self.spec = Err(e);
            }
        }
        self
    }

    /// Adds `key=value` to the query string.
    pub fn query(self, key: &str, value: impl Display) -> Self {
        let (k, v) = (key.to_owned(), value.to_string());
        self.map(|s| {
            s.query.push((k, v));
            Ok(())
        })
    }

    /// Adds `key[]=v` for each value (Rails-style arrays).
    pub fn query_list<V: Display>(self, key: &str, values: impl IntoIterator<Item = V>) -> Self {
        let k = array_key(key);
        let vals: Vec<String> = values.into_iter().map(|v| v.to_string()).collect();
        self.map(|s| {
            s.query.extend(vals.into_iter().map(|v| (k.clone(), v)));
            Ok(())
        })
    }

    /// Adds `filters[name]=value`.
    pub fn filter(self, name: &str, value: impl Display) -> Self {
        let key = format!("filters[{name}]");
        self.query(&key, value)
    }

    /// Adds `filters[name][]=v` for each value.
    pub fn filter_list<V: Display>(self, name: &str, values: impl IntoIterator<Item = V>) -> Self {
        let key = format!("filters[{name}]");
        self.query_list(&key, values)
    }

    /// Sets a JSON body.
    pub fn json<T: Serialize + ?Sized>(self, body: &T) -> Self {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::config(format!("the JSON body could not be serialized: {e}")));
        self.map(|s| {
            s.body = Some(Bytes::from(bytes?));
            Ok(())
        })
    }

    /// Sends `Procore-Company-Id: id` on this call, whatever the client's default.
    pub fn company_id(self, id: u64) -> Self {
        self.map(|s| {
            if id == 0 {
                return Err(Error::config("company id must be a positive integer"));
            }
            s.company = CompanyChoice::Id(id);
            Ok(())
        })
    }

    /// Sends no company header on this call.
    pub fn without_company(self) -> Self {
        self.map(|s| {
            s.company = CompanyChoice::None;
            Ok(())
        })
    }

    /// The API version for this call's relative path.
    pub fn version(self, version: &str) -> Self {
        let v = version.to_owned();
        self.map(|s| {
            crate::config::validate_version(&v)?;
            s.version = Some(v);
            Ok(())
        })
    }

    /// Per-attempt timeout for this call.
    pub fn timeout(self, d: Duration) -> Self {
        self.map(|s| {
            s.timeout = Some(d);
            Ok(())
        })
    }

    /// Attempts in all for this call.
    pub fn max_attempts(self, n: u32) -> Self {
        self.map(|s| {
            s.max_attempts = Some(n.max(1));
            Ok(())
        })
    }

    /// Overall deadline for this call, waits included.
    pub fn deadline(self, d: Duration) -> Self {
        self.map(|s| {
            s.deadline = Some(d);
            Ok(())
        })
    }

    /// Returns 3xx answers as responses instead of `http` errors. Redirects are never
    /// followed either way (they could carry the bearer token to another host).
    pub fn raw(self, raw: bool) -> Self {
        self.map(|s| {
            s.raw = raw;
            Ok(())
        })
    }

    /// The prepared call.
    pub fn build(self) -> Result<RequestSpec> {
        self.spec
    }

    /// Sends the call through the pipeline (authorize, pace, send, classify, recover).
    pub async fn send(self) -> Result<Response> {
        let spec = self.spec?;
        crate::dispatch::execute(&self.client.inner, &spec).await
    }

    /// Sends the call and decodes the JSON body as `T`.
    pub async fn send_json<T: serde::de::DeserializeOwned>(self) -> Result<T> {
        self.send().await?.json()
    }
}

fn array_key(key: &str) -> String {
    if key.ends_with("[]") {
        key.to_owned()
    } else {
        format!("{key}[]")
    }
}
