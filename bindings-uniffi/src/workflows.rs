//! Sync batches, direct uploads and webhooks (core `sync.rs`, `uploads.rs`, `webhooks.rs`) on
//! `NativeClient`, and the `WebhookReceiver` object. Records in, records or JSON text out; the
//! core does every step (batching, merging, hashing, parallel segments, resends, polling,
//! header checks, dedupe).

use std::collections::HashMap;
use std::sync::Arc;

use crate::client::NativeClient;
use crate::errors::{Core, Result};
use crate::options::RequestOptions;

/// How a sync is sent. Every field has a default.
#[derive(uniffi::Record, Clone, Debug, Default)]
pub struct SyncOptions {
    /// `PATCH` unless given.
    #[uniffi(default)]
    pub method: Option<String>,
    /// Updates per call, 1 to 1000 (default 1000).
    #[uniffi(default)]
    pub batch_size: Option<u32>,
    /// The request of every batch; its `body_json` (an object) holds the fields sent beside
    /// `updates` (e.g. `{"company_id": 5}`).
    #[uniffi(default)]
    pub request: Option<RequestOptions>,
}

/// One refused item: its input position (when the error names it) and Procore's record.
#[derive(uniffi::Record, Clone, Debug)]
pub struct SyncItemError {
    pub index: Option<u64>,
    pub error_json: String,
}

/// All batches merged.
#[derive(uniffi::Record, Clone, Debug)]
pub struct SyncResult {
    /// Every entity written, each as JSON text, in batch order.
    pub entities_json: Vec<String>,
    pub errors: Vec<SyncItemError>,
    pub batches: u32,
}

/// How an upload is made. Every field has a default.
#[derive(uniffi::Record, Clone, Debug, Default)]
pub struct UploadOptions {
    /// The name Procore keeps (required for bytes; the file's name otherwise).
    #[uniffi(default)]
    pub file_name: Option<String>,
    /// Guessed from the name's extension unless given.
    #[uniffi(default)]
    pub content_type: Option<String>,
    /// `v2.1` (default), `v1.1` or `v1.1-segmented`.
    #[uniffi(default)]
    pub flow: Option<String>,
    /// Bytes per segment (default 16 MiB).
    #[uniffi(default)]
    pub segment_size: Option<u64>,
    /// Segments in flight at once (default 4).
    #[uniffi(default)]
    pub parallelism: Option<u32>,
    /// Resends of a failed segment (default 3).
    #[uniffi(default)]
    pub retries: Option<u32>,
    /// How long to wait for `available` (default 120 s; 0: do not wait).
    #[uniffi(default)]
    pub wait_ms: Option<u64>,
    #[uniffi(default)]
    pub company_id: Option<u64>,
    #[uniffi(default)]
    pub project_id: Option<u64>,
}

impl UploadOptions {
    fn into_spec(self) -> procore::Result<procore::UploadSpec> {
        procore::UploadSpec::from_options(procore::UploadOptions {
            project_id: self.project_id.map(Into::into),
            company_id: self.company_id.map(Into::into),
            file_name: self.file_name,
            content_type: self.content_type,
            flow: self.flow,
            segment_size: self.segment_size.map(Into::into),
            parallelism: self.parallelism.map(Into::into),
            retries: self.retries.map(Into::into),
            wait: self.wait_ms.map(|m| procore::Span::Millis(m as f64)),
        })
    }
}

/// How far an upload is.
#[derive(uniffi::Record, Clone, Copy, Debug)]
pub struct UploadProgress {
    pub sent: u64,
    pub total: u64,
    pub segments_done: u32,
    pub segments: u32,
}

/// Sees an upload's progress: once before the first byte, then after each stored segment.
/// Called on a plain thread of the SDK (never a runtime thread), one call at a time, in order;
/// every call has returned when the upload does.
#[uniffi::export(foreign)]
pub trait UploadListener: Send + Sync {
    fn on_progress(&self, progress: UploadProgress);
}

/// A finished upload.
#[derive(uniffi::Record, Clone, Debug)]
pub struct UploadResult {
    /// What a resource is attached with.
    pub id: String,
    pub status: String,
    pub flow: String,
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
    pub segments: u32,
}

impl From<procore::UploadOutcome> for UploadResult {
    fn from(o: procore::UploadOutcome) -> Self {
        UploadResult {
            id: o.id,
            status: o.status,
            flow: o.flow.as_str().to_owned(),
            file_name: o.file_name,
            content_type: o.content_type,
            size: o.size,
            sha256: o.sha256,
            segments: u32::try_from(o.segments).unwrap_or(u32::MAX),
        }
    }
}

/// A webhook API call's fields (which ones matter depends on the action).
#[derive(uniffi::Record, Clone, Debug, Default)]
pub struct WebhookOptions {
    #[uniffi(default)]
    pub company_id: Option<u64>,
    #[uniffi(default)]
    pub project_id: Option<u64>,
    #[uniffi(default)]
    pub destination_url: Option<String>,
    /// Echoed on every delivery; the receiver checks them.
    #[uniffi(default)]
    pub destination_headers: Option<HashMap<String, String>>,
    /// `v2`, `v3`, `v4.0`.
    #[uniffi(default)]
    pub api_version: Option<String>,
    #[uniffi(default)]
    pub namespace: Option<String>,
    #[uniffi(default)]
    pub trigger_id: Option<u64>,
    #[uniffi(default)]
    pub resource_name: Option<String>,
    /// `create`, `update`, `delete`.
    #[uniffi(default)]
    pub event_type: Option<String>,
    /// Deliveries: `any`, `successful`, `failing`, `discarded`.
    #[uniffi(default)]
    pub status: Option<String>,
}

impl From<WebhookOptions> for procore::webhooks::WebhookCallOptions {
    fn from(o: WebhookOptions) -> Self {
        procore::webhooks::WebhookCallOptions {
            hook: procore::webhooks::HookOptions {
                company_id: o.company_id.map(Into::into),
                project_id: o.project_id.map(Into::into),
                destination_url: o.destination_url,
                destination_headers: o.destination_headers.map(|m| {
                    let mut v: Vec<_> = m.into_iter().collect();
                    v.sort();
                    v
                }),
                api_version: o.api_version,
                namespace: o.namespace,
            },
            trigger_id: o.trigger_id.map(Into::into),
            resource_name: o.resource_name,
            event_type: o.event_type,
            status: o.status,
        }
    }
}

/// A progress relay drained on a plain thread, for a foreign listener (or none).
fn relay(
    listener: Option<Arc<dyn UploadListener>>,
) -> (
    Option<procore::uploads::ProgressFn>,
    Option<std::thread::JoinHandle<()>>,
) {
    let Some(listener) = listener else {
        return (None, None);
    };
    let (f, rx) = procore::uploads::progress_relay();
    let drain = std::thread::spawn(move || {
        for p in rx {
            listener.on_progress(UploadProgress {
                sent: p.sent,
                total: p.total,
                segments_done: u32::try_from(p.segments_done).unwrap_or(u32::MAX),
                segments: u32::try_from(p.segments).unwrap_or(u32::MAX),
            });
        }
    });
    (Some(f), Some(drain))
}

impl NativeClient {
    async fn upload_from(
        &self,
        source: procore::UploadSource,
        options: Option<UploadOptions>,
        listener: Option<Arc<dyn UploadListener>>,
    ) -> Result<UploadResult> {
        let spec = options.unwrap_or_default().into_spec().ffi()?;
        let client = self.core()?.clone();
        let (f, drain) = relay(listener);
        let r = client.upload(&spec, source, f).await;
        if let Some(d) = drain {
            let _ = tokio::task::spawn_blocking(move || d.join()).await;
        }
        Ok(r.ffi()?.into())
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl NativeClient {
    /// Any number of updates (a JSON array of objects) for a `.../sync` endpoint, sent in
    /// batches of at most 1000, merged, each refusal kept with its input index.
    #[uniffi::method(default(options = None))]
    pub async fn sync(
        &self,
        path: String,
        updates_json: String,
        options: Option<SyncOptions>,
    ) -> Result<SyncResult> {
        let o = options.unwrap_or_default();
        let core = procore::SyncOptions {
            call: o.request.unwrap_or_default().into(),
            method: o.method,
            batch_size: o.batch_size.map(Into::into),
        };
        let spec = procore::SyncSpec::from_options(path, updates_json.as_bytes(), core).ffi()?;
        let out = self.core()?.sync(&spec).await.ffi()?;
        Ok(SyncResult {
            entities_json: out.entities.iter().map(|e| e.to_string()).collect(),
            errors: out
                .errors
                .iter()
                .map(|e| SyncItemError {
                    index: e.index.map(|i| i as u64),
                    error_json: e.error.to_string(),
                })
                .collect(),
            batches: u32::try_from(out.batches).unwrap_or(u32::MAX),
        })
    }

    /// Uploads bytes (v2.1 unless `options.flow` says otherwise).
    #[uniffi::method(default(options = None, listener = None))]
    pub async fn upload_bytes(
        &self,
        data: Vec<u8>,
        options: Option<UploadOptions>,
        listener: Option<Arc<dyn UploadListener>>,
    ) -> Result<UploadResult> {
        self.upload_from(procore::UploadSource::Bytes(data.into()), options, listener)
            .await
    }

    /// Uploads the file at `path`, read in chunks (never held in memory).
    #[uniffi::method(default(options = None, listener = None))]
    pub async fn upload_file(
        &self,
        path: String,
        options: Option<UploadOptions>,
        listener: Option<Arc<dyn UploadListener>>,
    ) -> Result<UploadResult> {
        self.upload_from(procore::UploadSource::Path(path.into()), options, listener)
            .await
    }

    /// One webhook API call by name (`create_hook`, `update_hook`, `list_hooks`,
    /// `delete_hook`, `create_trigger`, `list_triggers`, `delete_trigger`,
    /// `list_deliveries`); the answer as JSON text (`null` for a delete).
    #[uniffi::method(default(hook_id = None, options = None))]
    pub async fn webhooks(
        &self,
        action: String,
        hook_id: Option<u64>,
        options: Option<WebhookOptions>,
    ) -> Result<String> {
        let v = self
            .core()?
            .webhooks(
                &action,
                hook_id.map(Into::into),
                options.unwrap_or_default().into(),
            )
            .await
            .ffi()?;
        Ok(v.to_string())
    }
}

/// How a receiver is made.
#[derive(uniffi::Record, Clone, Debug, Default)]
pub struct ReceiverOptions {
    /// The destination headers every authentic delivery carries.
    pub headers: HashMap<String, String>,
    /// Keys remembered in memory (default 10000).
    #[uniffi(default)]
    pub remember: Option<u64>,
    /// Remember keys in this Redis instead, shared by every receiver process.
    #[uniffi(default)]
    pub redis_url: Option<String>,
    #[uniffi(default)]
    pub redis_prefix: Option<String>,
    /// How long Redis keeps a key (default a day).
    #[uniffi(default)]
    pub ttl_ms: Option<u64>,
}

/// One received header.
#[derive(uniffi::Record, Clone, Debug)]
pub struct Header {
    pub name: String,
    pub value: String,
}

/// A judged delivery: answer Procore with `status`; process `event_json` only when `verdict`
/// is `accepted`.
#[derive(uniffi::Record, Clone, Debug)]
pub struct Delivery {
    /// `accepted`, `duplicate` or `rejected`.
    pub verdict: String,
    pub status: u16,
    pub key: Option<String>,
    pub event_json: Option<String>,
}

/// Judges webhook deliveries: the destination headers (constant time), the payload, repeats.
#[derive(uniffi::Object)]
pub struct WebhookReceiver {
    inner: procore::webhooks::Receiver,
}

impl std::fmt::Debug for WebhookReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl WebhookReceiver {
    #[uniffi::constructor]
    pub fn new(options: ReceiverOptions) -> Result<Arc<Self>> {
        let mut headers: Vec<_> = options.headers.into_iter().collect();
        headers.sort();
        let inner = procore::webhooks::Receiver::from_options(procore::webhooks::ReceiverOptions {
            headers,
            remember: options.remember.map(Into::into),
            redis_url: options.redis_url,
            redis_prefix: options.redis_prefix,
            ttl: options.ttl_ms.map(|m| procore::Span::Millis(m as f64)),
        })
        .ffi()?;
        Ok(Arc::new(WebhookReceiver { inner }))
    }

    /// Judges one delivery (its headers, any case, and its raw body).
    pub async fn receive(&self, headers: Vec<Header>, body: Vec<u8>) -> Result<Delivery> {
        let it = headers
            .iter()
            .map(|h| (h.name.as_str(), h.value.as_bytes()));
        let d = self.inner.receive(it, &body).await.ffi()?;
        Ok(Delivery {
            verdict: d.verdict.as_str().to_owned(),
            status: d.verdict.status(),
            key: d.key,
            event_json: d.event.map(|e| e.raw.to_string()),
        })
    }
}
