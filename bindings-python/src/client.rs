//! `NativeClient`: the native half of `procore.Client` and `procore.AsyncClient` (both in
//! `python/procore/_client.py`). One object per client; each operation comes twice, blocking
//! (`request`) and awaitable (`request_async`), the one sync/async pattern of every class.
//!
//! Arguments are converted by [`crate::options`] into the core's options, which the core
//! checks and resolves; everything else (auth, refresh, pacing, retries, errors) is the
//! core's. After `os.fork()` the child rebuilds its core client on first use (a fresh
//! connection pool on the child's runtime), carrying over the current token set; see
//! runtime.rs for the runtime side.

use std::sync::{Arc, Mutex};

use procore::{ClientBuilder, ClientOptions, PaginateSpec, Paginator, RequestSpec, TokenSet};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::{config, IntoPyResult, Outcome};
use crate::json as pyjson;
use crate::logging;
use crate::options;
use crate::pagination::{AsyncPageIterator, JsonValue, PageIterator, Ready};
use crate::response::Response;
use crate::runtime::{block_on, future_into_py};
use crate::stores::{tokens_to_py, LoopSlot};

/// Builds a core client; `current` (after a fork) replaces the initial user tokens.
fn build(opts: &ClientOptions, current: Option<TokenSet>) -> procore::Result<procore::Client> {
    let mut opts = opts.clone();
    let a = &mut opts.auth;
    if let (Some(tokens), true) = (current, a.access_token.is_none()) {
        if a.refresh_token.is_some() || a.tokens.is_some() || opts.store.is_some() {
            a.refresh_token = None;
            a.stored = None;
            a.tokens = Some(tokens);
        }
    }
    ClientBuilder::from_options(opts)?.build()
}

struct Slot {
    /// [`crate::runtime::process_key`] of the process the client was built in.
    process: u64,
    client: Option<procore::Client>,
}

/// The options, and the core client of this process.
#[pyclass(module = "procore._procore", frozen)]
pub struct NativeClient {
    opts: ClientOptions,
    loop_slot: Option<Arc<LoopSlot>>,
    slot: Mutex<Slot>,
}

impl NativeClient {
    /// The core client of this process (rebuilt after a fork); an error once closed.
    fn client(&self, py: Python<'_>) -> PyResult<procore::Client> {
        logging::refresh_level(py);
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        let Some(client) = slot.client.clone() else {
            return Err(config(py, "the client is closed"));
        };
        let process = crate::runtime::process_key();
        if slot.process == process {
            return Ok(client);
        }
        let fresh = build(&self.opts, client.tokens().current_tokens()).py(py)?;
        slot.process = process;
        slot.client = Some(fresh.clone());
        Ok(fresh)
    }

    /// For async custom stores: remember the running loop of this call.
    fn note_loop(&self, py: Python<'_>) -> PyResult<()> {
        if let Some(slot) = &self.loop_slot {
            slot.set(pyo3_async_runtimes::get_running_loop(py)?.unbind());
        }
        Ok(())
    }

    fn prepare(
        &self,
        py: Python<'_>,
        method: &str,
        path: &str,
        json: Option<&Bound<'_, PyAny>>,
        kw: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<(procore::Client, RequestSpec)> {
        let spec = RequestSpec::from_options(method, path, options::call(json, kw)?).py(py)?;
        Ok((self.client(py)?, spec))
    }

    fn prepare_operation(
        &self,
        py: Python<'_>,
        operation: &str,
        path: Option<&Bound<'_, PyAny>>,
        json: Option<&Bound<'_, PyAny>>,
        kw: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<(procore::Client, RequestSpec)> {
        let path = path.map(options::query_value).transpose()?;
        let call = options::call(json, kw)?;
        let spec = RequestSpec::for_operation(operation, path.as_ref(), call).py(py)?;
        Ok((self.client(py)?, spec))
    }

    fn prepare_sync(
        &self,
        py: Python<'_>,
        path: &str,
        updates: &Bound<'_, PyAny>,
        kw: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<(procore::Client, procore::SyncSpec)> {
        let updates = pyjson::to_vec(updates)?;
        let spec = procore::SyncSpec::from_options(path, &updates, options::sync(kw)?).py(py)?;
        Ok((self.client(py)?, spec))
    }

    /// The upload as one future: the call, then the end of its progress callbacks.
    fn prepare_upload(
        &self,
        py: Python<'_>,
        source: &Bound<'_, PyAny>,
        kw: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<
        impl std::future::Future<Output = procore::Result<serde_json::Value>> + Send + 'static,
    > {
        let source = options::upload_source(source)?;
        let (o, progress) = options::upload(kw)?;
        let spec = procore::UploadSpec::from_options(o).py(py)?;
        let client = self.client(py)?;
        let (relay, drain) = crate::progress::relay(progress);
        Ok(async move {
            let r = client.upload(&spec, source, relay).await;
            crate::progress::finish(drain).await;
            r.map(|o| o.to_json())
        })
    }

    fn prepare_webhooks(
        &self,
        py: Python<'_>,
        hook_id: Option<&Bound<'_, PyAny>>,
        kw: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<(
        procore::Client,
        Option<procore::Num>,
        procore::webhooks::WebhookCallOptions,
    )> {
        let id = hook_id
            .map(options::number("hook_id"))
            .transpose()?
            .flatten();
        Ok((self.client(py)?, id, options::webhook(kw)?))
    }

    fn cursor(
        &self,
        py: Python<'_>,
        path: &str,
        kw: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<procore::PageCursor> {
        let spec = PaginateSpec::from_options(path, options::paginate(kw)?).py(py)?;
        Ok(Paginator::from_spec(self.client(py)?, spec).into_cursor())
    }
}

#[pymethods]
impl NativeClient {
    #[new]
    #[pyo3(signature = (access_token=None, **options))]
    fn new(
        py: Python<'_>,
        access_token: Option<&Bound<'_, PyAny>>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let (opts, loop_slot) = options::client(py, access_token, options)?;
        let client = build(&opts, None).py(py)?;
        logging::refresh_level(py);
        Ok(NativeClient {
            opts,
            loop_slot,
            slot: Mutex::new(Slot {
                process: crate::runtime::process_key(),
                client: Some(client),
            }),
        })
    }

    /// The API base URL.
    #[getter]
    fn api_base(&self, py: Python<'_>) -> PyResult<String> {
        Ok(self.opts.environment().py(py)?.api_base().to_string())
    }

    /// The default company id.
    #[getter]
    fn company_id(&self) -> Option<u64> {
        let slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        slot.client.as_ref().and_then(|c| c.company_id())
    }

    /// One call, blocking.
    #[pyo3(signature = (method, path, json=None, **options))]
    fn request(
        &self,
        py: Python<'_>,
        method: &str,
        path: &str,
        json: Option<&Bound<'_, PyAny>>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Response> {
        let (client, spec) = self.prepare(py, method, path, json, options)?;
        let r = block_on(py, async move { client.send(&spec).await })?.py(py)?;
        Ok(Response::from(r))
    }

    /// One call, awaitable.
    #[pyo3(signature = (method, path, json=None, **options))]
    fn request_async<'py>(
        &self,
        py: Python<'py>,
        method: &str,
        path: &str,
        json: Option<&Bound<'_, PyAny>>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (client, spec) = self.prepare(py, method, path, json, options)?;
        self.note_loop(py)?;
        future_into_py(py, async move {
            Ok(Outcome::from(client.send(&spec).await.map(Response::from)))
        })
    }

    /// One call of a catalog operation (checked before it is sent), blocking.
    #[pyo3(signature = (operation, path=None, json=None, **options))]
    fn call(
        &self,
        py: Python<'_>,
        operation: &str,
        path: Option<&Bound<'_, PyAny>>,
        json: Option<&Bound<'_, PyAny>>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Response> {
        let (client, spec) = self.prepare_operation(py, operation, path, json, options)?;
        let r = block_on(py, async move { client.send(&spec).await })?.py(py)?;
        Ok(Response::from(r))
    }

    /// One call of a catalog operation (checked before it is sent), awaitable.
    #[pyo3(signature = (operation, path=None, json=None, **options))]
    fn call_async<'py>(
        &self,
        py: Python<'py>,
        operation: &str,
        path: Option<&Bound<'_, PyAny>>,
        json: Option<&Bound<'_, PyAny>>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (client, spec) = self.prepare_operation(py, operation, path, json, options)?;
        self.note_loop(py)?;
        future_into_py(py, async move {
            Ok(Outcome::from(client.send(&spec).await.map(Response::from)))
        })
    }

    /// The items of a collection, one page in memory at a time (blocking iterator).
    #[pyo3(signature = (path, **options))]
    fn paginate(
        &self,
        py: Python<'_>,
        path: &str,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PageIterator> {
        Ok(PageIterator::new(self.cursor(py, path, options)?))
    }

    /// The items of a collection (`async for`).
    #[pyo3(signature = (path, **options))]
    fn paginate_async(
        &self,
        py: Python<'_>,
        path: &str,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<AsyncPageIterator> {
        Ok(AsyncPageIterator::new(self.cursor(py, path, options)?))
    }

    /// Updates for a `.../sync` endpoint in batches of at most 1000, merged, blocking.
    #[pyo3(signature = (path, updates, **options))]
    fn sync<'py>(
        &self,
        py: Python<'py>,
        path: &str,
        updates: &Bound<'_, PyAny>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (client, spec) = self.prepare_sync(py, path, updates, options)?;
        let v = block_on(
            py,
            async move { client.sync(&spec).await.map(|o| o.to_json()) },
        )?
        .py(py)?;
        pyjson::value_to_py(py, &v)
    }

    /// Awaitable `sync`.
    #[pyo3(signature = (path, updates, **options))]
    fn sync_async<'py>(
        &self,
        py: Python<'py>,
        path: &str,
        updates: &Bound<'_, PyAny>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (client, spec) = self.prepare_sync(py, path, updates, options)?;
        self.note_loop(py)?;
        future_into_py(py, async move {
            Ok(Outcome::from(
                client.sync(&spec).await.map(|o| JsonValue(o.to_json())),
            ))
        })
    }

    /// A direct file upload (v2.1 unless `flow` says otherwise), blocking.
    #[pyo3(signature = (source, **options))]
    fn upload<'py>(
        &self,
        py: Python<'py>,
        source: &Bound<'_, PyAny>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let job = self.prepare_upload(py, source, options)?;
        let v = block_on(py, job)?.py(py)?;
        pyjson::value_to_py(py, &v)
    }

    /// Awaitable `upload`.
    #[pyo3(signature = (source, **options))]
    fn upload_async<'py>(
        &self,
        py: Python<'py>,
        source: &Bound<'_, PyAny>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let job = self.prepare_upload(py, source, options)?;
        self.note_loop(py)?;
        future_into_py(
            py,
            async move { Ok(Outcome::from(job.await.map(JsonValue))) },
        )
    }

    /// One webhook API call by name (`create_hook`, `list_deliveries`, ...), blocking.
    #[pyo3(signature = (action, hook_id=None, **options))]
    fn webhooks<'py>(
        &self,
        py: Python<'py>,
        action: String,
        hook_id: Option<&Bound<'_, PyAny>>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (client, id, o) = self.prepare_webhooks(py, hook_id, options)?;
        let v = block_on(py, async move { client.webhooks(&action, id, o).await })?.py(py)?;
        pyjson::value_to_py(py, &v)
    }

    /// Awaitable `webhooks`.
    #[pyo3(signature = (action, hook_id=None, **options))]
    fn webhooks_async<'py>(
        &self,
        py: Python<'py>,
        action: String,
        hook_id: Option<&Bound<'_, PyAny>>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (client, id, o) = self.prepare_webhooks(py, hook_id, options)?;
        self.note_loop(py)?;
        future_into_py(py, async move {
            Ok(Outcome::from(
                client.webhooks(&action, id, o).await.map(JsonValue),
            ))
        })
    }

    /// The current token set as a dict (None before the first call for stored tokens).
    fn current_tokens<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let client = self.client(py)?;
        client
            .tokens()
            .current_tokens()
            .map(|t| tokens_to_py(py, &t))
            .transpose()
    }

    /// Introspects the access token (`/oauth/token/info`), blocking.
    fn token_info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let client = self.client(py)?;
        let v = block_on(py, async move { client.token_info().await })?.py(py)?;
        pyjson::value_to_py(py, &v)
    }

    /// Awaitable `token_info`.
    fn token_info_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let client = self.client(py)?;
        self.note_loop(py)?;
        future_into_py(py, async move {
            Ok(Outcome::from(
                client.token_info().await.map(crate::pagination::JsonValue),
            ))
        })
    }

    /// Revokes the tokens at the server and clears the token store (logout), blocking.
    fn revoke(&self, py: Python<'_>) -> PyResult<()> {
        let client = self.client(py)?;
        block_on(py, async move { client.revoke().await })?.py(py)
    }

    /// Awaitable `revoke`.
    fn revoke_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let client = self.client(py)?;
        self.note_loop(py)?;
        future_into_py(py, async move { Ok(Outcome::from(client.revoke().await)) })
    }

    /// Releases the connection pool; later calls raise `ConfigError`. Idempotent.
    fn close(&self) {
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        slot.client = None;
    }

    /// An awaitable that is already done (for `__aenter__`/`__aexit__`).
    #[staticmethod]
    fn ready(value: Py<PyAny>) -> Ready {
        Ready::new(value)
    }
}
