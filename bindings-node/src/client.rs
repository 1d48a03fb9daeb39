//! The client: configuration in, requests out. Every call goes through the core's pipeline
//! (`procore::Client::send`); nothing here retries, refreshes or paces.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use procore::{ClientBuilder, RateLimitSnapshot, RequestSpec};

use crate::errors::{config_error, IntoJs};
use crate::options;
use crate::pagination::NativePageCursor;
use crate::stores::{JsTokenStore, NativeTokenStore};

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
    /// The headers as one text, `\0` after each name and each value (lower-case names, in order
    /// of first appearance; repeated headers joined with `", "`): `index.js` builds the object
    /// only when asked (no HTTP header name or value holds a NUL byte).
    pub header_text: String,
    pub text: String,
    pub rate_limit: Option<NativeRateLimit>,
    pub request_id: Option<String>,
    pub attempts: u32,
    pub waited_ms: f64,
    /// False when the body is not valid UTF-8 (`text` then holds U+FFFD replacements and
    /// `json()` refuses it).
    pub utf8: bool,
}

impl From<procore::Response> for NativeResponse {
    fn from(r: procore::Response) -> Self {
        let mut header_text = String::new();
        for (name, value) in r.header_pairs() {
            for part in [name, value] {
                header_text.push_str(&part);
                header_text.push('\0');
            }
        }
        // One pass over the body: valid UTF-8 (the usual case) is copied as it is.
        let (text, utf8) = match std::str::from_utf8(r.bytes()) {
            Ok(t) => (t.to_owned(), true),
            Err(_) => (r.text(), false),
        };
        NativeResponse {
            status: u32::from(r.status()),
            header_text,
            utf8,
            text,
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
    /// Builds a client from its options (JSON text, see options.rs); `store` defaults to
    /// memory. Connects to nothing yet.
    #[napi(factory)]
    pub fn create(options_json: Option<String>, store: Option<&NativeTokenStore>) -> Result<Self> {
        let mut o = options::client(options_json.as_deref()).js()?;
        o.store = store.map(|s| s.store.clone());
        Ok(NativeClient {
            inner: ClientBuilder::from_options(o)
                .and_then(|b| b.build())
                .js()?,
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
        options_json: Option<String>,
        body_json: Option<String>,
    ) -> Result<NativeResponse> {
        let o = options::call(options_json.as_deref(), body_json).js()?;
        let spec = RequestSpec::from_options(&method, path, o).js()?;
        let resp = self.client()?.send(&spec).await.js()?;
        Ok(resp.into())
    }

    /// Sends one call of a catalog operation, checked against the catalog first.
    #[napi]
    pub async fn call(
        &self,
        operation: String,
        path_json: Option<String>,
        options_json: Option<String>,
        body_json: Option<String>,
    ) -> Result<NativeResponse> {
        let path = options::path_params(path_json.as_deref()).js()?;
        let o = options::call(options_json.as_deref(), body_json).js()?;
        let spec = RequestSpec::for_operation(&operation, path.as_ref(), o).js()?;
        let resp = self.client()?.send(&spec).await.js()?;
        Ok(resp.into())
    }

    /// A cursor over a paginated collection (one page per `nextPage()`).
    #[napi]
    pub fn page_cursor(
        &self,
        path: String,
        options_json: Option<String>,
    ) -> Result<NativePageCursor> {
        let o = options::paginate(options_json.as_deref()).js()?;
        let spec = procore::PaginateSpec::from_options(path, o).js()?;
        Ok(NativePageCursor::new(procore::Paginator::from_spec(
            self.client()?.clone(),
            spec,
        )))
    }

    /// Updates for a `.../sync` endpoint in batches of at most 1000, merged (JSON text).
    #[napi]
    pub async fn sync(
        &self,
        path: String,
        updates_json: String,
        options_json: Option<String>,
        body_json: Option<String>,
    ) -> Result<String> {
        let o = options::sync(options_json.as_deref(), body_json).js()?;
        let spec = procore::SyncSpec::from_options(path, updates_json.as_bytes(), o).js()?;
        let out = self.client()?.sync(&spec).await.js()?;
        Ok(out.to_json().to_string())
    }

    /// A direct upload of `data` (bytes) or the file at `path`; `progress` is called with
    /// each progress record's JSON text, and every call has been made when this resolves.
    #[napi]
    pub async fn upload(
        &self,
        data: Option<Buffer>,
        path: Option<String>,
        options_json: Option<String>,
        progress: Option<crate::progress::JsProgress>,
    ) -> Result<String> {
        let source = match (data, path) {
            (Some(d), None) => procore::UploadSource::Bytes(d.to_vec().into()),
            (None, Some(p)) => procore::UploadSource::Path(p.into()),
            _ => return Err(config_error("upload needs a Buffer or a file path")),
        };
        let spec =
            procore::UploadSpec::from_options(options::upload(options_json.as_deref()).js()?)
                .js()?;
        let client = self.client()?.clone();
        let (relay, drain) = crate::progress::relay(progress);
        let r = client.upload(&spec, source, relay).await;
        crate::progress::finish(drain).await;
        Ok(r.js()?.to_json().to_string())
    }

    /// One webhook API call by name (`createHook` is `create_hook`, ...), as JSON text.
    #[napi]
    pub async fn webhooks(
        &self,
        action: String,
        hook_id: Option<f64>,
        options_json: Option<String>,
    ) -> Result<String> {
        let o = options::webhook(options_json.as_deref()).js()?;
        let v = self
            .client()?
            .webhooks(&action, hook_id.map(procore::Num::Float), o)
            .await
            .js()?;
        Ok(v.to_string())
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
