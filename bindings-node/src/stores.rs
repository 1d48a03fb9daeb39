//! Token stores: the core's memory and file stores, and a store backed by a JavaScript object
//! with `load()` / `save(tokens)` / `clear()` returning promises, and optionally `lock()`
//! (a store shared by several processes) resolving to an object with `release()`.
//!
//! A JavaScript store is reached through *weak* threadsafe functions (unref'd: they never keep
//! the event loop alive) and they are released on `close()`, as ARCHITECTURE.md ("Pitfalls") asks. The core
//! still runs the whole rotation protocol (single flight, re-read before refresh, save before
//! use); the JavaScript object only keeps the data. Tokens cross the boundary as the core's
//! store JSON (`{access_token, refresh_token, expires_at, created_at, version}`).

use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use napi::bindgen_prelude::*;
use napi::threadsafe_function::ThreadsafeFunction;
use napi_derive::napi;
use procore::{FileTokenStore, MemoryTokenStore, TokenSet, TokenStore};

use crate::errors::IntoJs;

/// A JavaScript callback returning `Promise<string | null>`; weak, errors not callee-handled.
type JsCallback<Arg> = ThreadsafeFunction<Arg, Promise<Option<String>>, Arg, Status, false, true>;

struct JsFns {
    load: Arc<JsCallback<()>>,
    save: Arc<JsCallback<String>>,
    clear: Arc<JsCallback<()>>,
    /// Resolves to a lease id, or null when the store offers no lock.
    lock: Arc<JsCallback<()>>,
    /// Releases the lease of this id.
    release: Arc<JsCallback<String>>,
}

/// A [`TokenStore`] over JavaScript functions.
pub(crate) struct JsTokenStore {
    fns: RwLock<Option<JsFns>>,
}

impl JsTokenStore {
    fn with<T>(&self, f: impl FnOnce(&JsFns) -> T) -> procore::Result<T> {
        let guard = self.fns.read().unwrap_or_else(|p| p.into_inner());
        match guard.as_ref() {
            Some(fns) => Ok(f(fns)),
            None => Err(procore::Error::Store(
                "the custom token store was released (the client is closed)".into(),
            )),
        }
    }

    /// Drops the threadsafe functions (releases them); later calls fail with `store`.
    pub(crate) fn release(&self) {
        let mut guard = self.fns.write().unwrap_or_else(|p| p.into_inner());
        *guard = None;
    }
}

fn js_failure(what: &str, e: napi::Error) -> procore::Error {
    procore::Error::Store(format!("custom token store {what} failed: {}", e.reason))
}

async fn call<Arg: 'static + ToNapiValue>(
    f: Arc<JsCallback<Arg>>,
    arg: Arg,
    what: &str,
) -> procore::Result<Option<String>> {
    let promise = f
        .call_async_catch(arg)
        .await
        .map_err(|e| js_failure(what, e))?;
    promise.await.map_err(|e| js_failure(what, e))
}

#[async_trait]
impl TokenStore for JsTokenStore {
    async fn load(&self) -> procore::Result<Option<TokenSet>> {
        let f = self.with(|fns| fns.load.clone())?;
        match call(f, (), "load()").await? {
            Some(json) => TokenSet::from_json(&json).map(Some),
            None => Ok(None),
        }
    }

    async fn save(&self, tokens: &TokenSet) -> procore::Result<()> {
        let f = self.with(|fns| fns.save.clone())?;
        call(f, tokens.to_json(), "save()").await.map(|_| ())
    }

    async fn clear(&self) -> procore::Result<()> {
        let f = self.with(|fns| fns.clear.clone())?;
        call(f, (), "clear()").await.map(|_| ())
    }

    async fn lock(&self) -> procore::Result<Option<Box<dyn procore::store::StoreLock>>> {
        let (lock, release) = self.with(|fns| (fns.lock.clone(), fns.release.clone()))?;
        Ok(call(lock, (), "lock()")
            .await?
            .map(|id| Box::new(JsStoreLock { release, id }) as Box<dyn procore::store::StoreLock>))
    }
}

/// A lease a JavaScript store's `lock()` handed out; released through `release(id)`.
struct JsStoreLock {
    release: Arc<JsCallback<String>>,
    id: String,
}

#[async_trait]
impl procore::store::StoreLock for JsStoreLock {
    async fn release(self: Box<Self>) -> procore::Result<()> {
        call(self.release.clone(), self.id.clone(), "lock().release()")
            .await
            .map(|_| ())
    }
}

/// A token store handed to a client: the core's memory or file store, or a JavaScript one.
#[napi]
pub struct NativeTokenStore {
    pub(crate) store: Arc<dyn TokenStore>,
    pub(crate) js: Option<Arc<JsTokenStore>>,
}

#[napi]
impl NativeTokenStore {
    /// The in-process store (the default).
    #[napi(factory)]
    pub fn memory() -> Self {
        NativeTokenStore {
            store: Arc::new(MemoryTokenStore::new()),
            js: None,
        }
    }

    /// A JSON file (mode 0600, atomic writes, `flock` across processes).
    #[napi(factory)]
    pub fn file(path: String) -> Self {
        NativeTokenStore {
            store: Arc::new(FileTokenStore::new(path)),
            js: None,
        }
    }

    /// Redis (`redis://`, `rediss://`): the set and a lease lock shared by processes and
    /// machines, under `prefix`.
    #[napi(factory)]
    pub fn redis(url: String, prefix: String) -> Result<Self> {
        let store = procore::store::RedisTokenStore::new(&url, &prefix).js()?;
        Ok(NativeTokenStore {
            store: Arc::new(store),
            js: None,
        })
    }

    /// A key prefix for an environment, an app and a user.
    #[napi]
    pub fn redis_key_prefix(environment: String, client_id: String, user: String) -> String {
        procore::store::RedisTokenStore::key_prefix(&environment, &client_id, &user)
    }

    /// A store over JavaScript functions that return `Promise<string | null>` (token JSON;
    /// for `lock`, a lease id that `release` ends).
    #[napi(factory)]
    pub fn custom(
        load: JsCallback<()>,
        save: JsCallback<String>,
        clear: JsCallback<()>,
        lock: JsCallback<()>,
        release: JsCallback<String>,
    ) -> Self {
        let js = Arc::new(JsTokenStore {
            fns: RwLock::new(Some(JsFns {
                load: Arc::new(load),
                save: Arc::new(save),
                clear: Arc::new(clear),
                lock: Arc::new(lock),
                release: Arc::new(release),
            })),
        });
        NativeTokenStore {
            store: js.clone(),
            js: Some(js),
        }
    }

    /// The stored token set as JSON, or `null`.
    #[napi]
    pub async fn load(&self) -> Result<Option<String>> {
        let tokens = self.store.load().await.js()?;
        Ok(tokens.map(|t| t.to_json()))
    }

    /// Replaces the stored token set (JSON in the store form).
    #[napi]
    pub async fn save(&self, tokens_json: String) -> Result<()> {
        let tokens = TokenSet::from_json(&tokens_json).js()?;
        self.store.save(&tokens).await.js()
    }

    /// Empties the store.
    #[napi]
    pub async fn clear(&self) -> Result<()> {
        self.store.clear().await.js()
    }

    /// Releases the JavaScript callbacks of a custom store (no-op for the others).
    #[napi]
    pub fn close(&self) {
        if let Some(js) = &self.js {
            js.release();
        }
    }
}
