//! `Client` (blocking) and `AsyncClient` (asyncio): thin wrappers over one `procore::Client`.
//!
//! Both convert keyword arguments into the core's builder once ([`Options`]), and each call's
//! arguments into a `RequestSpec`; everything else (auth, refresh, pacing, retries, errors)
//! is the core's. After `os.fork()` the child rebuilds its core client on first use (a fresh
//! connection pool on the child's runtime), carrying over the current token set; see
//! runtime.rs for the runtime side.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use procore::auth::Credentials;
use procore::{
    AppCredentials, ClientBuilder, Environment, RateLimitConfig, RequestSpec, RetryConfig,
    TokenSet, TokenStore,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyList, PyString, PyTuple};

use crate::errors::{config, IntoPyResult, Outcome};
use crate::json as pyjson;
use crate::logging;
use crate::pagination::{AsyncPageIterator, PageIterator};
use crate::response::Response;
use crate::runtime::{block_on, future_into_py};
use crate::stores::{store_from_py, tokens_from_py, tokens_to_py, LoopSlot};

/// Where to connect: a name, a URL (one origin for OAuth and the API), or two URLs.
pub fn environment(
    py: Python<'_>,
    name: &str,
    api_base: Option<&str>,
    login_base: Option<&str>,
) -> PyResult<Environment> {
    let env = match (api_base, login_base) {
        (Some(api), login) => Environment::custom(api, login.unwrap_or(api)),
        (None, Some(_)) => {
            return Err(config(py, "login_base needs api_base as well"));
        }
        (None, None) if name.contains("://") => Environment::local(name),
        (None, None) => Environment::from_name(name),
    };
    env.py(py)
}

fn secs(py: Python<'_>, name: &str, v: Option<f64>) -> PyResult<Option<Duration>> {
    match v {
        None => Ok(None),
        Some(s) if s.is_finite() && s >= 0.0 => Ok(Some(Duration::from_secs_f64(s))),
        Some(_) => Err(config(
            py,
            format!("{name} must be a non-negative number of seconds"),
        )),
    }
}

/// The constructor's keyword arguments, checked once.
pub struct Options {
    env: Environment,
    creds: Credentials,
    store: Option<Arc<dyn TokenStore>>,
    loop_slot: Option<Arc<LoopSlot>>,
    company_id: Option<u64>,
    api_version: Option<String>,
    user_agent: Option<String>,
    connect_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
    refresh_skew: Option<Duration>,
    retry: RetryConfig,
    rate_limit: RateLimitConfig,
}

/// The raw constructor arguments (shared by `Client` and `AsyncClient`).
pub struct RawOptions<'a, 'py> {
    pub access_token: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub refresh_token: Option<String>,
    pub tokens: Option<&'a Bound<'py, PyAny>>,
    pub token_store: Option<&'a Bound<'py, PyAny>>,
    pub environment: &'a str,
    pub api_base: Option<&'a str>,
    pub login_base: Option<&'a str>,
    pub company_id: Option<u64>,
    pub api_version: Option<String>,
    pub user_agent: Option<String>,
    pub connect_timeout: Option<f64>,
    pub request_timeout: Option<f64>,
    pub refresh_skew: Option<f64>,
    pub max_attempts: Option<u32>,
    pub retry_base_delay: Option<f64>,
    pub retry_max_delay: Option<f64>,
    pub deadline: Option<f64>,
    pub rate_limit: bool,
    pub rate_limit_max_wait: Option<f64>,
}

impl Options {
    pub fn parse(py: Python<'_>, raw: RawOptions<'_, '_>) -> PyResult<Options> {
        let env = environment(py, raw.environment, raw.api_base, raw.login_base)?;
        let (store, loop_slot) = match raw.token_store {
            Some(s) => {
                let (store, slot) = store_from_py(s)?;
                (Some(store), slot)
            }
            None => (None, None),
        };
        let creds = match (raw.access_token, raw.client_id, raw.client_secret) {
            (Some(token), _, _) => Credentials::AccessToken(token.into()),
            (None, Some(id), Some(secret)) => {
                let app = AppCredentials::new(id, secret);
                if let Some(rt) = raw.refresh_token {
                    Credentials::RefreshToken {
                        app,
                        refresh_token: rt.into(),
                    }
                } else if let Some(t) = raw.tokens {
                    Credentials::Tokens {
                        app,
                        tokens: tokens_from_py(t).py(py)?,
                    }
                } else if store.is_some() {
                    Credentials::Stored(app)
                } else {
                    Credentials::ClientCredentials(app)
                }
            }
            (None, _, _) => {
                return Err(config(
                    py,
                    "no credentials: pass access_token=, or client_id= and client_secret= \
                     (with refresh_token=, tokens= or token_store= for a user's tokens)",
                ))
            }
        };
        let mut retry = RetryConfig::default();
        if let Some(n) = raw.max_attempts {
            retry.max_attempts = n.max(1);
        }
        if let Some(d) = secs(py, "retry_base_delay", raw.retry_base_delay)? {
            retry.base_delay = d;
        }
        if let Some(d) = secs(py, "retry_max_delay", raw.retry_max_delay)? {
            retry.max_delay = d;
        }
        if let Some(d) = secs(py, "deadline", raw.deadline)? {
            retry.deadline = Some(d);
        }
        let mut rate_limit = if raw.rate_limit {
            RateLimitConfig::default()
        } else {
            RateLimitConfig::disabled()
        };
        rate_limit.max_wait = secs(py, "rate_limit_max_wait", raw.rate_limit_max_wait)?;
        Ok(Options {
            env,
            creds,
            store,
            loop_slot,
            company_id: raw.company_id,
            api_version: raw.api_version,
            user_agent: raw.user_agent,
            connect_timeout: secs(py, "connect_timeout", raw.connect_timeout)?,
            request_timeout: secs(py, "request_timeout", raw.request_timeout)?,
            refresh_skew: secs(py, "refresh_skew", raw.refresh_skew)?,
            retry,
            rate_limit,
        })
    }

    /// Builds a core client; `current` (after a fork) replaces the initial user tokens.
    fn build(&self, current: Option<TokenSet>) -> procore::Result<procore::Client> {
        let creds = match (&self.creds, current) {
            (
                Credentials::RefreshToken { app, .. }
                | Credentials::Tokens { app, .. }
                | Credentials::Stored(app),
                Some(tokens),
            ) => Credentials::Tokens {
                app: app.clone(),
                tokens,
            },
            (c, _) => c.clone(),
        };
        let mut b: ClientBuilder = procore::Client::builder()
            .environment(self.env.clone())
            .credentials(creds)
            .sdk_language("python")
            .retry(self.retry.clone())
            .rate_limit(self.rate_limit.clone());
        if let Some(s) = &self.store {
            b = b.token_store(s.clone());
        }
        if let Some(id) = self.company_id {
            b = b.company_id(id);
        }
        if let Some(v) = &self.api_version {
            b = b.api_version(v.clone());
        }
        if let Some(ua) = &self.user_agent {
            b = b.user_agent(ua.clone());
        }
        if let Some(d) = self.connect_timeout {
            b = b.connect_timeout(d);
        }
        if let Some(d) = self.request_timeout {
            b = b.request_timeout(d);
        }
        if let Some(d) = self.refresh_skew {
            b = b.refresh_skew(d);
        }
        b.build()
    }
}

struct Slot {
    pid: u32,
    client: Option<procore::Client>,
}

/// What `Client` and `AsyncClient` share: the options and the current core client.
pub struct Shared {
    opts: Options,
    slot: Mutex<Slot>,
}

impl Shared {
    pub fn new(py: Python<'_>, opts: Options) -> PyResult<Shared> {
        let client = opts.build(None).py(py)?;
        logging::refresh_level(py);
        Ok(Shared {
            opts,
            slot: Mutex::new(Slot {
                pid: std::process::id(),
                client: Some(client),
            }),
        })
    }

    /// The core client of this process (rebuilt after a fork); an error once closed.
    pub fn client(&self, py: Python<'_>) -> PyResult<procore::Client> {
        logging::refresh_level(py);
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        let Some(client) = slot.client.clone() else {
            return Err(config(py, "the client is closed"));
        };
        let pid = std::process::id();
        if slot.pid == pid {
            return Ok(client);
        }
        let fresh = self.opts.build(client.tokens().current_tokens()).py(py)?;
        slot.pid = pid;
        slot.client = Some(fresh.clone());
        Ok(fresh)
    }

    fn close(&self) {
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        slot.client = None;
    }

    /// For async custom stores: remember the running loop of this call.
    fn note_loop(&self, py: Python<'_>) -> PyResult<()> {
        if let Some(slot) = &self.opts.loop_slot {
            slot.set(pyo3_async_runtimes::get_running_loop(py)?.unbind());
        }
        Ok(())
    }

    fn api_base(&self) -> String {
        self.opts.env.api_base().to_string()
    }

    fn company_id(&self) -> Option<u64> {
        self.opts.company_id
    }
}

/// One value of a query parameter as Procore expects it (`true`, not `True`).
fn param_text(v: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(b) = v.cast::<PyBool>() {
        return Ok(if b.is_true() { "true" } else { "false" }.into());
    }
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(s.to_cow()?.into_owned());
    }
    Ok(v.str()?.to_cow()?.into_owned())
}

/// `params=`: a mapping (list/tuple values repeat the key) or a sequence of pairs.
pub fn query_pairs(params: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    let Some(params) = params else {
        return Ok(out);
    };
    let pairs = if params.hasattr("items")? {
        params.call_method0("items")?
    } else {
        params.clone()
    };
    for pair in pairs.try_iter()? {
        let pair = pair?;
        let (k, v): (String, Bound<'_, PyAny>) = pair.extract().map_err(|_| {
            PyTypeError::new_err("params must be a mapping or a sequence of (key, value) pairs")
        })?;
        if v.is_none() {
            continue;
        }
        if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
            for item in v.try_iter()? {
                out.push((k.clone(), param_text(&item?)?));
            }
        } else {
            out.push((k, param_text(&v)?));
        }
    }
    Ok(out)
}

/// The per-call keyword arguments.
pub struct CallArgs<'a, 'py> {
    pub params: Option<&'a Bound<'py, PyAny>>,
    pub json: Option<&'a Bound<'py, PyAny>>,
    pub company_id: Option<u64>,
    pub without_company: bool,
    pub version: Option<&'a str>,
    pub timeout: Option<f64>,
    pub max_attempts: Option<u32>,
    pub deadline: Option<f64>,
}

fn spec(
    py: Python<'_>,
    client: &procore::Client,
    method: &str,
    path: &str,
    a: CallArgs<'_, '_>,
) -> PyResult<RequestSpec> {
    let method = RequestSpec::parse_method(method).py(py)?;
    let mut b = client.request(method, path);
    for (k, v) in query_pairs(a.params)? {
        b = b.query(&k, v);
    }
    if let Some(id) = a.company_id {
        b = b.company_id(id);
    }
    if a.without_company {
        b = b.without_company();
    }
    if let Some(v) = a.version {
        b = b.version(v);
    }
    if let Some(t) = secs(py, "timeout", a.timeout)? {
        b = b.timeout(t);
    }
    if let Some(n) = a.max_attempts {
        b = b.max_attempts(n);
    }
    if let Some(d) = secs(py, "deadline", a.deadline)? {
        b = b.deadline(d);
    }
    let mut spec = b.build().py(py)?;
    if let Some(body) = a.json {
        spec.body = Some(bytes::Bytes::from(pyjson::to_vec(body)?));
    }
    Ok(spec)
}

#[allow(clippy::too_many_arguments)]
fn pager(
    py: Python<'_>,
    client: &procore::Client,
    path: &str,
    params: Option<&Bound<'_, PyAny>>,
    per_page: Option<u32>,
    max_items: Option<u64>,
    company_id: Option<u64>,
    version: Option<&str>,
) -> PyResult<procore::PageCursor> {
    let mut p = client.paginate(path).query_pairs(query_pairs(params)?);
    if let Some(n) = per_page {
        p = p.per_page(n);
    }
    if let Some(n) = max_items {
        p = p.max_items(n);
    }
    if let Some(id) = company_id {
        if id == 0 {
            return Err(config(py, "company id must be a positive integer"));
        }
        p = p.company_id(id);
    }
    if let Some(v) = version {
        p = p.version(v);
    }
    Ok(p.into_cursor())
}

macro_rules! call_args {
    ($params:ident, $json:expr, $company_id:ident, $without_company:ident, $version:ident, $timeout:ident, $max_attempts:ident, $deadline:ident) => {
        CallArgs {
            params: $params,
            json: $json,
            company_id: $company_id,
            without_company: $without_company,
            version: $version,
            timeout: $timeout,
            max_attempts: $max_attempts,
            deadline: $deadline,
        }
    };
}

/// The blocking client. Thread-safe: share one per token set.
#[pyclass(module = "procore", frozen)]
pub struct Client {
    shared: Shared,
}

impl Client {
    fn send(
        &self,
        py: Python<'_>,
        method: &str,
        path: &str,
        a: CallArgs<'_, '_>,
    ) -> PyResult<Response> {
        let client = self.shared.client(py)?;
        let spec = spec(py, &client, method, path, a)?;
        let r = block_on(py, async move { client.send(&spec).await })?.py(py)?;
        Ok(Response::from(r))
    }
}

#[pymethods]
impl Client {
    #[new]
    #[pyo3(signature = (access_token=None, *, client_id=None, client_secret=None, refresh_token=None, tokens=None, token_store=None, environment="production", api_base=None, login_base=None, company_id=None, api_version=None, user_agent=None, connect_timeout=None, request_timeout=None, refresh_skew=None, max_attempts=None, retry_base_delay=None, retry_max_delay=None, deadline=None, rate_limit=true, rate_limit_max_wait=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        access_token: Option<String>,
        client_id: Option<String>,
        client_secret: Option<String>,
        refresh_token: Option<String>,
        tokens: Option<&Bound<'_, PyAny>>,
        token_store: Option<&Bound<'_, PyAny>>,
        environment: &str,
        api_base: Option<&str>,
        login_base: Option<&str>,
        company_id: Option<u64>,
        api_version: Option<String>,
        user_agent: Option<String>,
        connect_timeout: Option<f64>,
        request_timeout: Option<f64>,
        refresh_skew: Option<f64>,
        max_attempts: Option<u32>,
        retry_base_delay: Option<f64>,
        retry_max_delay: Option<f64>,
        deadline: Option<f64>,
        rate_limit: bool,
        rate_limit_max_wait: Option<f64>,
    ) -> PyResult<Self> {
        let opts = Options::parse(
            py,
            RawOptions {
                access_token,
                client_id,
                client_secret,
                refresh_token,
                tokens,
                token_store,
                environment,
                api_base,
                login_base,
                company_id,
                api_version,
                user_agent,
                connect_timeout,
                request_timeout,
                refresh_skew,
                max_attempts,
                retry_base_delay,
                retry_max_delay,
                deadline,
                rate_limit,
                rate_limit_max_wait,
            },
        )?;
        Ok(Client {
            shared: Shared::new(py, opts)?,
        })
    }

    /// The API base URL.
    #[getter]
    fn api_base(&self) -> String {
        self.shared.api_base()
    }

    /// The default company id.
    #[getter]
    fn company_id(&self) -> Option<u64> {
        self.shared.company_id()
    }

    /// Any method.
    #[pyo3(signature = (method, path, json=None, *, params=None, company_id=None, without_company=false, version=None, timeout=None, max_attempts=None, deadline=None))]
    #[allow(clippy::too_many_arguments)]
    fn request(
        &self,
        py: Python<'_>,
        method: &str,
        path: &str,
        json: Option<&Bound<'_, PyAny>>,
        params: Option<&Bound<'_, PyAny>>,
        company_id: Option<u64>,
        without_company: bool,
        version: Option<&str>,
        timeout: Option<f64>,
        max_attempts: Option<u32>,
        deadline: Option<f64>,
    ) -> PyResult<Response> {
        let a = call_args!(
            params,
            json,
            company_id,
            without_company,
            version,
            timeout,
            max_attempts,
            deadline
        );
        self.send(py, method, path, a)
    }

    /// `GET path`.
    #[pyo3(signature = (path, *, params=None, company_id=None, without_company=false, version=None, timeout=None, max_attempts=None, deadline=None))]
    #[allow(clippy::too_many_arguments)]
    fn get(
        &self,
        py: Python<'_>,
        path: &str,
        params: Option<&Bound<'_, PyAny>>,
        company_id: Option<u64>,
        without_company: bool,
        version: Option<&str>,
        timeout: Option<f64>,
        max_attempts: Option<u32>,
        deadline: Option<f64>,
    ) -> PyResult<Response> {
        let a = call_args!(
            params,
            None,
            company_id,
            without_company,
            version,
            timeout,
            max_attempts,
            deadline
        );
        self.send(py, "GET", path, a)
    }

    /// `POST path` with an optional JSON body.
    #[pyo3(signature = (path, json=None, *, params=None, company_id=None, without_company=false, version=None, timeout=None, max_attempts=None, deadline=None))]
    #[allow(clippy::too_many_arguments)]
    fn post(
        &self,
        py: Python<'_>,
        path: &str,
        json: Option<&Bound<'_, PyAny>>,
        params: Option<&Bound<'_, PyAny>>,
        company_id: Option<u64>,
        without_company: bool,
        version: Option<&str>,
        timeout: Option<f64>,
        max_attempts: Option<u32>,
        deadline: Option<f64>,
    ) -> PyResult<Response> {
        let a = call_args!(
            params,
            json,
            company_id,
            without_company,
            version,
            timeout,
            max_attempts,
            deadline
        );
        self.send(py, "POST", path, a)
    }

    /// `PUT path` with an optional JSON body.
    #[pyo3(signature = (path, json=None, *, params=None, company_id=None, without_company=false, version=None, timeout=None, max_attempts=None, deadline=None))]
    #[allow(clippy::too_many_arguments)]
    fn put(
        &self,
        py: Python<'_>,
        path: &str,
        json: Option<&Bound<'_, PyAny>>,
        params: Option<&Bound<'_, PyAny>>,
        company_id: Option<u64>,
        without_company: bool,
        version: Option<&str>,
        timeout: Option<f64>,
        max_attempts: Option<u32>,
        deadline: Option<f64>,
    ) -> PyResult<Response> {
        let a = call_args!(
            params,
            json,
            company_id,
            without_company,
            version,
            timeout,
            max_attempts,
            deadline
        );
        self.send(py, "PUT", path, a)
    }

    /// `PATCH path` with an optional JSON body.
    #[pyo3(signature = (path, json=None, *, params=None, company_id=None, without_company=false, version=None, timeout=None, max_attempts=None, deadline=None))]
    #[allow(clippy::too_many_arguments)]
    fn patch(
        &self,
        py: Python<'_>,
        path: &str,
        json: Option<&Bound<'_, PyAny>>,
        params: Option<&Bound<'_, PyAny>>,
        company_id: Option<u64>,
        without_company: bool,
        version: Option<&str>,
        timeout: Option<f64>,
        max_attempts: Option<u32>,
        deadline: Option<f64>,
    ) -> PyResult<Response> {
        let a = call_args!(
            params,
            json,
            company_id,
            without_company,
            version,
            timeout,
            max_attempts,
            deadline
        );
        self.send(py, "PATCH", path, a)
    }

    /// `DELETE path`.
    #[pyo3(signature = (path, *, params=None, company_id=None, without_company=false, version=None, timeout=None, max_attempts=None, deadline=None))]
    #[allow(clippy::too_many_arguments)]
    fn delete(
        &self,
        py: Python<'_>,
        path: &str,
        params: Option<&Bound<'_, PyAny>>,
        company_id: Option<u64>,
        without_company: bool,
        version: Option<&str>,
        timeout: Option<f64>,
        max_attempts: Option<u32>,
        deadline: Option<f64>,
    ) -> PyResult<Response> {
        let a = call_args!(
            params,
            None,
            company_id,
            without_company,
            version,
            timeout,
            max_attempts,
            deadline
        );
        self.send(py, "DELETE", path, a)
    }

    /// Iterates the items of a paginated collection (v1 arrays or v2 `{"data": [...]}`),
    /// one page in memory at a time.
    #[pyo3(signature = (path, *, params=None, per_page=None, max_items=None, company_id=None, version=None))]
    #[allow(clippy::too_many_arguments)]
    fn paginate(
        &self,
        py: Python<'_>,
        path: &str,
        params: Option<&Bound<'_, PyAny>>,
        per_page: Option<u32>,
        max_items: Option<u64>,
        company_id: Option<u64>,
        version: Option<&str>,
    ) -> PyResult<PageIterator> {
        let client = self.shared.client(py)?;
        let cursor = pager(
            py, &client, path, params, per_page, max_items, company_id, version,
        )?;
        Ok(PageIterator::new(cursor))
    }

    /// The current token set as a dict (None before the first call for stored tokens).
    fn current_tokens<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let client = self.shared.client(py)?;
        client
            .tokens()
            .current_tokens()
            .map(|t| tokens_to_py(py, &t))
            .transpose()
    }

    /// Introspects the access token (`/oauth/token/info`).
    fn token_info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let client = self.shared.client(py)?;
        let v = block_on(py, async move { client.token_info().await })?.py(py)?;
        pyjson::value_to_py(py, &v)
    }

    /// Revokes the tokens at the server and clears the token store (logout).
    fn revoke(&self, py: Python<'_>) -> PyResult<()> {
        let client = self.shared.client(py)?;
        block_on(py, async move { client.revoke().await })?.py(py)
    }

    /// Releases the connection pool; later calls raise `ConfigError`.
    fn close(&self) {
        self.shared.close();
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, PyTuple>) -> bool {
        self.shared.close();
        false
    }

    fn __repr__(&self) -> String {
        format!("<procore.Client {}>", self.shared.api_base())
    }
}

/// The asyncio client. Its methods return awaitables; share one per token set.
#[pyclass(module = "procore", frozen)]
pub struct AsyncClient {
    shared: Shared,
}

impl AsyncClient {
    fn send<'py>(
        &self,
        py: Python<'py>,
        method: &str,
        path: &str,
        a: CallArgs<'_, '_>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let client = self.shared.client(py)?;
        let spec = spec(py, &client, method, path, a)?;
        self.shared.note_loop(py)?;
        future_into_py(py, async move {
            Ok(Outcome::from(client.send(&spec).await.map(Response::from)))
        })
    }
}

#[pymethods]
impl AsyncClient {
    #[new]
    #[pyo3(signature = (access_token=None, *, client_id=None, client_secret=None, refresh_token=None, tokens=None, token_store=None, environment="production", api_base=None, login_base=None, company_id=None, api_version=None, user_agent=None, connect_timeout=None, request_timeout=None, refresh_skew=None, max_attempts=None, retry_base_delay=None, retry_max_delay=None, deadline=None, rate_limit=true, rate_limit_max_wait=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        access_token: Option<String>,
        client_id: Option<String>,
        client_secret: Option<String>,
        refresh_token: Option<String>,
        tokens: Option<&Bound<'_, PyAny>>,
        token_store: Option<&Bound<'_, PyAny>>,
        environment: &str,
        api_base: Option<&str>,
        login_base: Option<&str>,
        company_id: Option<u64>,
        api_version: Option<String>,
        user_agent: Option<String>,
        connect_timeout: Option<f64>,
        request_timeout: Option<f64>,
        refresh_skew: Option<f64>,
        max_attempts: Option<u32>,
        retry_base_delay: Option<f64>,
        retry_max_delay: Option<f64>,
        deadline: Option<f64>,
        rate_limit: bool,
        rate_limit_max_wait: Option<f64>,
    ) -> PyResult<Self> {
        let opts = Options::parse(
            py,
            RawOptions {
                access_token,
                client_id,
                client_secret,
                refresh_token,
                tokens,
                token_store,
                environment,
                api_base,
                login_base,
                company_id,
                api_version,
                user_agent,
                connect_timeout,
                request_timeout,
                refresh_skew,
                max_attempts,
                retry_base_delay,
                retry_max_delay,
                deadline,
                rate_limit,
                rate_limit_max_wait,
            },
        )?;
        Ok(AsyncClient {
            shared: Shared::new(py, opts)?,
        })
    }

    /// The API base URL.
    #[getter]
    fn api_base(&self) -> String {
        self.shared.api_base()
    }

    /// The default company id.
    #[getter]
    fn company_id(&self) -> Option<u64> {
        self.shared.company_id()
    }

    /// Any method.
    #[pyo3(signature = (method, path, json=None, *, params=None, company_id=None, without_company=false, version=None, timeout=None, max_attempts=None, deadline=None))]
    #[allow(clippy::too_many_arguments)]
    fn request<'py>(
        &self,
        py: Python<'py>,
        method: &str,
        path: &str,
        json: Option<&Bound<'py, PyAny>>,
        params: Option<&Bound<'py, PyAny>>,
        company_id: Option<u64>,
        without_company: bool,
        version: Option<&str>,
        timeout: Option<f64>,
        max_attempts: Option<u32>,
        deadline: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let a = call_args!(
            params,
            json,
            company_id,
            without_company,
            version,
            timeout,
            max_attempts,
            deadline
        );
        self.send(py, method, path, a)
    }

    /// `GET path`.
    #[pyo3(signature = (path, *, params=None, company_id=None, without_company=false, version=None, timeout=None, max_attempts=None, deadline=None))]
    #[allow(clippy::too_many_arguments)]
    fn get<'py>(
        &self,
        py: Python<'py>,
        path: &str,
        params: Option<&Bound<'py, PyAny>>,
        company_id: Option<u64>,
        without_company: bool,
        version: Option<&str>,
        timeout: Option<f64>,
        max_attempts: Option<u32>,
        deadline: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let a = call_args!(
            params,
            None,
            company_id,
            without_company,
            version,
            timeout,
            max_attempts,
            deadline
        );
        self.send(py, "GET", path, a)
    }

    /// `POST path` with an optional JSON body.
    #[pyo3(signature = (path, json=None, *, params=None, company_id=None, without_company=false, version=None, timeout=None, max_attempts=None, deadline=None))]
    #[allow(clippy::too_many_arguments)]
    fn post<'py>(
        &self,
        py: Python<'py>,
        path: &str,
        json: Option<&Bound<'py, PyAny>>,
        params: Option<&Bound<'py, PyAny>>,
        company_id: Option<u64>,
        without_company: bool,
        version: Option<&str>,
        timeout: Option<f64>,
        max_attempts: Option<u32>,
        deadline: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let a = call_args!(
            params,
            json,
            company_id,
            without_company,
            version,
            timeout,
            max_attempts,
            deadline
        );
        self.send(py, "POST", path, a)
    }

    /// `PUT path` with an optional JSON body.
    #[pyo3(signature = (path, json=None, *, params=None, company_id=None, without_company=false, version=None, timeout=None, max_attempts=None, deadline=None))]
    #[allow(clippy::too_many_arguments)]
    fn put<'py>(
        &self,
        py: Python<'py>,
        path: &str,
        json: Option<&Bound<'py, PyAny>>,
        params: Option<&Bound<'py, PyAny>>,
        company_id: Option<u64>,
        without_company: bool,
        version: Option<&str>,
        timeout: Option<f64>,
        max_attempts: Option<u32>,
        deadline: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let a = call_args!(
            params,
            json,
            company_id,
            without_company,
            version,
            timeout,
            max_attempts,
            deadline
        );
        self.send(py, "PUT", path, a)
    }

    /// `PATCH path` with an optional JSON body.
    #[pyo3(signature = (path, json=None, *, params=None, company_id=None, without_company=false, version=None, timeout=None, max_attempts=None, deadline=None))]
    #[allow(clippy::too_many_arguments)]
    fn patch<'py>(
        &self,
        py: Python<'py>,
        path: &str,
        json: Option<&Bound<'py, PyAny>>,
        params: Option<&Bound<'py, PyAny>>,
        company_id: Option<u64>,
        without_company: bool,
        version: Option<&str>,
        timeout: Option<f64>,
        max_attempts: Option<u32>,
        deadline: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let a = call_args!(
            params,
            json,
            company_id,
            without_company,
            version,
            timeout,
            max_attempts,
            deadline
        );
        self.send(py, "PATCH", path, a)
    }

    /// `DELETE path`.
    #[pyo3(signature = (path, *, params=None, company_id=None, without_company=false, version=None, timeout=None, max_attempts=None, deadline=None))]
    #[allow(clippy::too_many_arguments)]
    fn delete<'py>(
        &self,
        py: Python<'py>,
        path: &str,
        params: Option<&Bound<'py, PyAny>>,
        company_id: Option<u64>,
        without_company: bool,
        version: Option<&str>,
        timeout: Option<f64>,
        max_attempts: Option<u32>,
        deadline: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let a = call_args!(
            params,
            None,
            company_id,
            without_company,
            version,
            timeout,
            max_attempts,
            deadline
        );
        self.send(py, "DELETE", path, a)
    }

    /// Iterates (`async for`) the items of a paginated collection, one page in memory at a time.
    #[pyo3(signature = (path, *, params=None, per_page=None, max_items=None, company_id=None, version=None))]
    #[allow(clippy::too_many_arguments)]
    fn paginate(
        &self,
        py: Python<'_>,
        path: &str,
        params: Option<&Bound<'_, PyAny>>,
        per_page: Option<u32>,
        max_items: Option<u64>,
        company_id: Option<u64>,
        version: Option<&str>,
    ) -> PyResult<AsyncPageIterator> {
        let client = self.shared.client(py)?;
        let cursor = pager(
            py, &client, path, params, per_page, max_items, company_id, version,
        )?;
        Ok(AsyncPageIterator::new(cursor))
    }

    /// The current token set as a dict (None before the first call for stored tokens).
    fn current_tokens<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let client = self.shared.client(py)?;
        client
            .tokens()
            .current_tokens()
            .map(|t| tokens_to_py(py, &t))
            .transpose()
    }

    /// Introspects the access token (`/oauth/token/info`).
    fn token_info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let client = self.shared.client(py)?;
        self.shared.note_loop(py)?;
        future_into_py(py, async move {
            Ok(Outcome::from(
                client.token_info().await.map(crate::pagination::JsonValue),
            ))
        })
    }

    /// Revokes the tokens at the server and clears the token store (logout).
    fn revoke<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let client = self.shared.client(py)?;
        self.shared.note_loop(py)?;
        future_into_py(py, async move { Ok(Outcome::from(client.revoke().await)) })
    }

    /// Releases the connection pool; later calls raise `ConfigError`.
    fn close(&self) {
        self.shared.close();
    }

    fn __aenter__(slf: Py<Self>) -> crate::pagination::Ready {
        crate::pagination::Ready::new(slf.into_any())
    }

    #[pyo3(signature = (*_args))]
    fn __aexit__(&self, py: Python<'_>, _args: &Bound<'_, PyTuple>) -> crate::pagination::Ready {
        self.shared.close();
        crate::pagination::Ready::new(PyBool::new(py, false).to_owned().into_any().unbind())
    }

    fn __repr__(&self) -> String {
        format!("<procore.AsyncClient {}>", self.shared.api_base())
    }
}
