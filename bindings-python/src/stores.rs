//! Token stores: the core's memory and file stores, and any Python object with `load()` and
//! `save(tokens)` (plain or `async def`) as a custom store.
//!
//! Python sees a token set as a dict `{"access_token", "refresh_token", "expires_at",
//! "created_at", "version"}` (times in Unix seconds), the same form the file store keeps.
//!
//! **How a custom store is called.** The core calls its store from tokio tasks; taking the GIL
//! there would stall the runtime (ARCHITECTURE.md, "Pitfalls"), so each call goes to tokio's blocking pool
//! (`spawn_blocking`), which takes the GIL and calls the method. When the method returns an
//! awaitable, `procore._stores._resolve` runs it: on the event loop of the `AsyncClient` that
//! made the call (captured at each async call; `asyncio.run_coroutine_threadsafe(...).result()`,
//! so loop-bound resources such as an asyncpg pool work), or, for the blocking `Client`, with
//! `asyncio.run` on a private loop in that pool thread. An optional `clear()` is called on
//! logout. An optional `lock()` returns an object whose `release()` ends it (both plain or
//! async): a store shared by several processes offers it, and the core then runs the lock
//! step of the rotation protocol (ARCHITECTURE.md, "Token rotation"). Without it the core's
//! single flight still holds within the process.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use procore::{TokenSet, TokenStore};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::errors::IntoPyResult;
use crate::json;
use crate::runtime::block_on;

/// A token set as the Python dict.
pub fn tokens_to_py<'py>(py: Python<'py>, t: &TokenSet) -> PyResult<Bound<'py, PyAny>> {
    let stored: serde_json::Value = serde_json::from_str(&t.to_json())
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    let d = json::value_to_py(py, &stored)?.cast_into::<PyDict>()?;
    for key in ["refresh_token", "expires_at", "created_at"] {
        if !d.contains(key)? {
            d.set_item(key, py.None())?;
        }
    }
    Ok(d.into_any())
}

/// A token set from a Python mapping (or its JSON text). `expires_at` may be an int, a float
/// or an aware `datetime`. Errors are `store` errors and never quote the input.
pub fn tokens_from_py(obj: &Bound<'_, PyAny>) -> procore::Result<TokenSet> {
    let store_err = |m: &str| procore::Error::Store(m.to_owned());
    if let Ok(text) = obj.cast::<PyString>() {
        let text = text
            .to_cow()
            .map_err(|_| store_err("token JSON is not valid text"))?;
        return TokenSet::from_json(&text);
    }
    let mapping = obj
        .call_method0("items")
        .map_err(|_| store_err("a token set must be a dict (or its JSON text)"))?;
    let d = PyDict::new(obj.py());
    let iter = mapping
        .try_iter()
        .map_err(|_| store_err("a token set must be a dict"))?;
    for item in iter {
        let (k, v): (String, Bound<'_, PyAny>) = item
            .and_then(|i| i.extract())
            .map_err(|_| store_err("a token set's keys must be str"))?;
        let v = match k.as_str() {
            "expires_at" | "created_at" if !v.is_none() => {
                let v = if v.hasattr("timestamp").unwrap_or(false) {
                    v.call_method0("timestamp")
                        .map_err(|_| store_err("bad expires_at"))?
                } else {
                    v
                };
                let secs: f64 = v
                    .extract()
                    .map_err(|_| store_err("expires_at must be Unix seconds or a datetime"))?;
                (secs.floor() as i64)
                    .into_pyobject(obj.py())
                    .map_err(|_| store_err("bad expires_at"))?
                    .into_any()
            }
            _ => v,
        };
        if !v.is_none() {
            d.set_item(k, v).map_err(|_| store_err("bad token set"))?;
        }
    }
    let bytes = json::to_vec(&d).map_err(|_| store_err("a token set holds only JSON values"))?;
    let text = String::from_utf8(bytes).map_err(|_| store_err("bad token set"))?;
    TokenSet::from_json(&text)
}

/// The event loop of the `AsyncClient` that last made a call (for async custom stores).
#[derive(Default)]
pub struct LoopSlot(Mutex<Option<Arc<Py<PyAny>>>>);

impl LoopSlot {
    pub fn set(&self, event_loop: Py<PyAny>) {
        let mut slot = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *slot = Some(Arc::new(event_loop));
    }
    fn get(&self) -> Option<Arc<Py<PyAny>>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// A Python object used as a `TokenStore`.
pub struct PyTokenStore {
    obj: Arc<Py<PyAny>>,
    event_loop: Arc<LoopSlot>,
}

impl PyTokenStore {
    /// Calls `target.method(arg?)` in tokio's blocking pool, awaiting its result when it is an
    /// awaitable; the result object (None for a missing optional method).
    async fn invoke(
        &self,
        target: Arc<Py<PyAny>>,
        method: &'static str,
        arg: Option<TokenSet>,
    ) -> procore::Result<Option<Py<PyAny>>> {
        let event_loop = self.event_loop.get();
        let task = tokio::task::spawn_blocking(move || {
            Python::attach(|py| -> PyResult<Option<Py<PyAny>>> {
                let obj = target.bind(py);
                if matches!(method, "clear" | "lock") && !obj.hasattr(method)? {
                    return Ok(None);
                }
                let result = match &arg {
                    Some(t) => obj.call_method1(method, (tokens_to_py(py, t)?,))?,
                    None => obj.call_method0(method)?,
                };
                let resolve = py.import("procore._stores")?.getattr("_resolve")?;
                let loop_obj = match &event_loop {
                    Some(l) => l.bind(py).clone(),
                    None => py.None().into_bound(py),
                };
                let result = resolve.call1((result, loop_obj))?;
                Ok((!result.is_none()).then(|| result.unbind()))
            })
        });
        match task.await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(procore::Error::Store(format!(
                "the custom token store's {method}() failed: {}",
                Python::attach(|py| describe(py, &e))
            ))),
            Err(e) => Err(procore::Error::Store(format!(
                "the custom token store's {method}() did not finish: {e}"
            ))),
        }
    }
}

/// The core's view of a [`PyTokenStore`].
pub struct PyStore(Arc<PyTokenStore>);

/// The object a custom store's `lock()` returned; its `release()` is called once.
struct PyStoreLock {
    store: Arc<PyTokenStore>,
    guard: Arc<Py<PyAny>>,
}

#[async_trait]
impl procore::store::StoreLock for PyStoreLock {
    async fn release(self: Box<Self>) -> procore::Result<()> {
        self.store
            .invoke(self.guard.clone(), "release", None)
            .await
            .map(|_| ())
    }
}

fn describe(py: Python<'_>, e: &PyErr) -> String {
    let name = e
        .get_type(py)
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "Exception".into());
    format!("{name}: {}", e.value(py))
}

#[async_trait]
impl TokenStore for PyStore {
    async fn load(&self) -> procore::Result<Option<TokenSet>> {
        let Some(result) = self.0.invoke(self.0.obj.clone(), "load", None).await? else {
            return Ok(None);
        };
        Python::attach(|py| tokens_from_py(result.bind(py)).map(Some))
    }
    async fn save(&self, tokens: &TokenSet) -> procore::Result<()> {
        self.0
            .invoke(self.0.obj.clone(), "save", Some(tokens.clone()))
            .await
            .map(|_| ())
    }
    async fn clear(&self) -> procore::Result<()> {
        self.0
            .invoke(self.0.obj.clone(), "clear", None)
            .await
            .map(|_| ())
    }
    async fn lock(&self) -> procore::Result<Option<Box<dyn procore::store::StoreLock>>> {
        let guard = self.0.invoke(self.0.obj.clone(), "lock", None).await?;
        Ok(guard.map(|g| {
            Box::new(PyStoreLock {
                store: self.0.clone(),
                guard: Arc::new(g),
            }) as Box<dyn procore::store::StoreLock>
        }))
    }
}

/// A store as the core sees it, and the loop slot when it is a Python object.
pub type StoreAndLoop = (Arc<dyn TokenStore>, Option<Arc<LoopSlot>>);

/// The core store for a `token_store=` argument.
pub fn store_from_py(obj: &Bound<'_, PyAny>) -> PyResult<StoreAndLoop> {
    if let Ok(m) = obj.cast::<MemoryTokenStore>() {
        return Ok((m.get().inner.clone(), None));
    }
    if let Ok(f) = obj.cast::<FileTokenStore>() {
        return Ok((f.get().inner.clone(), None));
    }
    if let Ok(r) = obj.cast::<RedisTokenStore>() {
        return Ok((r.get().inner.clone(), None));
    }
    if !(obj.hasattr("load")? && obj.hasattr("save")?) {
        return Err(pyo3::exceptions::PyTypeError::new_err(
            "token_store must be a MemoryTokenStore, a FileTokenStore, or an object with load() and save(tokens)",
        ));
    }
    let slot = Arc::new(LoopSlot::default());
    let store = Arc::new(PyTokenStore {
        obj: Arc::new(obj.clone().unbind()),
        event_loop: slot.clone(),
    });
    Ok((Arc::new(PyStore(store)), Some(slot)))
}

fn load_py(py: Python<'_>, store: Arc<dyn TokenStore>) -> PyResult<Py<PyAny>> {
    let loaded = block_on(py, async move { store.load().await })?.py(py)?;
    match loaded {
        Some(t) => Ok(tokens_to_py(py, &t)?.unbind()),
        None => Ok(py.None()),
    }
}

fn save_py(py: Python<'_>, store: Arc<dyn TokenStore>, tokens: &Bound<'_, PyAny>) -> PyResult<()> {
    let set = tokens_from_py(tokens).py(py)?;
    block_on(py, async move { store.save(&set).await })?.py(py)
}

fn clear_py(py: Python<'_>, store: Arc<dyn TokenStore>) -> PyResult<()> {
    block_on(py, async move { store.clear().await })?.py(py)
}

/// Keeps the token set in this process only (the default ``token_store``).
///
/// Example::
///
///     store = procore.MemoryTokenStore()
///     client = procore.Client(client_id="...", client_secret="...", refresh_token="...", token_store=store)
///     client.get("me")
///     print(store.load()["version"])
#[pyclass(module = "procore", frozen)]
pub struct MemoryTokenStore {
    inner: Arc<procore::MemoryTokenStore>,
}

#[pymethods]
impl MemoryTokenStore {
    #[new]
    fn new() -> Self {
        MemoryTokenStore {
            inner: Arc::new(procore::MemoryTokenStore::new()),
        }
    }

    /// The stored token set as a dict, or None.
    ///
    /// Example::
    ///
    ///     tokens = store.load()
    fn load(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        load_py(py, self.inner.clone())
    }

    /// Replaces the stored token set (a dict, or its JSON text).
    ///
    /// Example::
    ///
    ///     store.save({"access_token": "...", "refresh_token": "...", "expires_at": 1767225600})
    fn save(&self, py: Python<'_>, tokens: &Bound<'_, PyAny>) -> PyResult<()> {
        save_py(py, self.inner.clone(), tokens)
    }

    /// Empties the store.
    ///
    /// Example::
    ///
    ///     store.clear()
    ///     assert store.load() is None
    fn clear(&self, py: Python<'_>) -> PyResult<()> {
        clear_py(py, self.inner.clone())
    }

    fn __repr__(&self) -> String {
        "MemoryTokenStore()".into()
    }
}

/// Keeps the token set in a JSON file (mode 0600, atomic writes, an advisory lock shared by
/// every process using the same path): ``FileTokenStore(path)``.
///
/// Example::
///
///     store = procore.FileTokenStore(os.path.expanduser("~/.config/myapp/procore-tokens.json"))
///     client = procore.Client(client_id="...", client_secret="...", refresh_token="...", token_store=store)
#[pyclass(module = "procore", frozen)]
pub struct FileTokenStore {
    inner: Arc<procore::FileTokenStore>,
}

#[pymethods]
impl FileTokenStore {
    #[new]
    fn new(path: PathBuf) -> Self {
        FileTokenStore {
            inner: Arc::new(procore::FileTokenStore::new(path)),
        }
    }

    /// The token file's path.
    ///
    /// Example::
    ///
    ///     print(procore.FileTokenStore("tokens.json").path)
    #[getter]
    fn path(&self) -> PathBuf {
        self.inner.path().to_path_buf()
    }

    /// The stored token set as a dict, or None.
    ///
    /// Example::
    ///
    ///     tokens = store.load()
    fn load(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        load_py(py, self.inner.clone())
    }

    /// Replaces the stored token set (a dict, or its JSON text).
    ///
    /// Example::
    ///
    ///     store.save({"access_token": "...", "refresh_token": "...", "expires_at": 1767225600})
    fn save(&self, py: Python<'_>, tokens: &Bound<'_, PyAny>) -> PyResult<()> {
        save_py(py, self.inner.clone(), tokens)
    }

    /// Removes the stored token set.
    ///
    /// Example::
    ///
    ///     store.clear()  # what Client.revoke() does after revoking
    fn clear(&self, py: Python<'_>) -> PyResult<()> {
        clear_py(py, self.inner.clone())
    }

    fn __repr__(&self) -> String {
        format!("FileTokenStore({:?})", self.inner.path())
    }
}

/// Keeps the token set in Redis (`redis://` or `rediss://`), with a lease lock: share one
/// prefix among every process and machine using the same tokens
/// (`RedisTokenStore.key_prefix(environment, client_id, user)`). ``RedisTokenStore(url, prefix)``.
///
/// Example::
///
///     prefix = procore.RedisTokenStore.key_prefix("sandbox", CLIENT_ID, "user-42")
///     store = procore.RedisTokenStore("redis://localhost:6379/0", prefix)
///     client = procore.Client(client_id=CLIENT_ID, client_secret=SECRET, token_store=store, environment="sandbox")
#[pyclass(module = "procore", frozen)]
pub struct RedisTokenStore {
    inner: Arc<procore::store::RedisTokenStore>,
    prefix: String,
}

#[pymethods]
impl RedisTokenStore {
    #[new]
    fn new(py: Python<'_>, url: &str, prefix: &str) -> PyResult<Self> {
        Ok(RedisTokenStore {
            inner: Arc::new(procore::store::RedisTokenStore::new(url, prefix).py(py)?),
            prefix: prefix.to_owned(),
        })
    }

    /// A key prefix for an environment, an app and a user.
    ///
    /// Example::
    ///
    ///     prefix = procore.RedisTokenStore.key_prefix("production", CLIENT_ID, "user-42")
    #[staticmethod]
    fn key_prefix(environment: &str, client_id: &str, user: &str) -> String {
        procore::store::RedisTokenStore::key_prefix(environment, client_id, user)
    }

    /// The stored token set as a dict, or None.
    ///
    /// Example::
    ///
    ///     tokens = store.load()
    fn load(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        load_py(py, self.inner.clone())
    }

    /// Replaces the stored token set (refused when a newer one is stored).
    ///
    /// Example::
    ///
    ///     store.save({"access_token": "...", "refresh_token": "...", "version": 3})
    fn save(&self, py: Python<'_>, tokens: &Bound<'_, PyAny>) -> PyResult<()> {
        save_py(py, self.inner.clone(), tokens)
    }

    /// Removes the stored token set.
    ///
    /// Example::
    ///
    ///     store.clear()  # what Client.revoke() does after revoking
    fn clear(&self, py: Python<'_>) -> PyResult<()> {
        clear_py(py, self.inner.clone())
    }

    fn __repr__(&self) -> String {
        // Never the URL: it may hold a password.
        format!("RedisTokenStore(prefix={:?})", self.prefix)
    }
}
