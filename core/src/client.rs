//! The [`Client`] and its per-call [`RequestBuilder`].

use std::sync::Arc;

use http::Method;
use url::Url;

use crate::auth::TokenManager;
use crate::config::{ClientBuilder, Environment, HttpConfig};
use crate::error::Result;
use crate::limit::Limiter;
use crate::paginate::Paginator;
use crate::request::{RequestBuilder, RequestSpec};
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
///
/// # Examples
///
/// ```no_run
/// # async fn demo() -> procore::Result<()> {
/// use procore::{Client, Environment};
///
/// let client = Client::builder()
///     .environment(Environment::Sandbox)
///     .client_credentials("my-client-id", "my-client-secret")
///     .company_id(8089)
///     .build()?;
///
/// // Clones are cheap and share tokens and rate budget: hand one to each task.
/// let worker = client.clone();
/// let projects = tokio::spawn(async move {
///     worker
///         .get("projects")
///         .query("company_id", 8089)
///         .send_json::<serde_json::Value>()
///         .await
/// });
/// let me: serde_json::Value = client.get("/rest/v1.0/me").send_json().await?;
/// println!("{me} {}", projects.await.expect("task")?);
/// # Ok(()) }
/// ```
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
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn demo(client: procore::Client) -> procore::Result<()> {
    /// use procore::Method;
    ///
    /// let r = client.request(Method::HEAD, "me").send().await?;
    /// println!("{} after {} attempt(s)", r.status(), r.attempts());
    /// # Ok(()) }
    /// ```
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        RequestBuilder::new(self.clone(), RequestSpec::new(method, path))
    }

    /// `GET path`: `/rest/v1.0/projects`, or `projects` (relative to the API version).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn demo(client: procore::Client) -> procore::Result<()> {
    /// // GET /rest/v1.0/projects/77/rfis?filters[status]=open&per_page=50
    /// let response = client
    ///     .get("projects/77/rfis")
    ///     .filter("status", "open")
    ///     .query("per_page", 50)
    ///     .send()
    ///     .await?;
    /// let rfis: Vec<serde_json::Value> = response.json()?;
    /// if let Some(window) = response.rate_limit() {
    ///     println!("{} RFIs, {} of {} requests left", rfis.len(), window.remaining, window.limit);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(Method::GET, path)
    }

    /// `POST path`.
    ///
    /// A `POST` is resent only when it provably never left (connection refused), so a lost
    /// answer never creates a second record.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn demo(client: procore::Client) -> procore::Result<()> {
    /// use serde_json::json;
    ///
    /// let rfi: serde_json::Value = client
    ///     .post("projects/77/rfis")
    ///     .company_id(8089)
    ///     .json(&json!({ "rfi": { "subject": "Door hardware", "assignee_id": 5 } }))
    ///     .send_json()
    ///     .await?;
    /// println!("created RFI {}", rfi["id"]);
    /// # Ok(()) }
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn demo(client: procore::Client) -> procore::Result<()> {
    /// use futures::TryStreamExt as _;
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Project {
    ///     id: u64,
    ///     name: String,
    /// }
    ///
    /// // One page in memory at a time, however large the collection.
    /// let mut projects = client
    ///     .paginate("projects")
    ///     .query("company_id", 8089)
    ///     .per_page(300)
    ///     .items_as::<Project>();
    /// while let Some(p) = projects.try_next().await? {
    ///     println!("{} {}", p.id, p.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn paginate(&self, path: &str) -> Paginator {
        Paginator::new(self.clone(), RequestSpec::new(Method::GET, path))
    }

    /// Sends a prepared request.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn demo(client: procore::Client) -> procore::Result<()> {
    /// use procore::{CallOptions, Num, QueryValue, RequestSpec};
    ///
    /// // The form the bindings use: a method name, a path and options, checked once.
    /// let query = QueryValue::from_json(r#"{"company_id": 8089, "filters": {"id": [1, 2]}}"#)?;
    /// let spec = RequestSpec::from_options(
    ///     "get",
    ///     "projects",
    ///     CallOptions {
    ///         query: Some(query),
    ///         max_attempts: Some(Num::Int(2)),
    ///         ..Default::default()
    ///     },
    /// )?;
    /// let projects = client.send(&spec).await?.json_value()?;
    /// # let _ = projects;
    /// # Ok(()) }
    /// ```
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
