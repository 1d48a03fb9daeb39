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
///
/// Example:
///
/// ```kotlin
/// val opts = SyncOptions(batchSize = 500u, request = RequestOptions(bodyJson = """{"company_id": 8089}"""))
/// ```
///
/// ```swift
/// let opts = SyncOptions(batchSize: 500, request: RequestOptions(bodyJson: #"{"company_id": 8089}"#))
/// ```
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
///
/// Example:
///
/// ```kotlin
/// result.errors.forEach { println("update #${it.index}: ${it.errorJson}") }
/// ```
///
/// ```swift
/// for e in result.errors { print(e.index ?? 0, e.errorJson) }
/// ```
#[derive(uniffi::Record, Clone, Debug)]
pub struct SyncItemError {
    /// The refused update's position in the input, when the error names it.
    pub index: Option<u64>,
    /// Procore's error record, as JSON text.
    pub error_json: String,
}

/// All batches of a sync merged.
///
/// Example:
///
/// ```kotlin
/// val result = client.sync("vendors/sync", """[{"id": 1, "name": "Acme"}]""")
/// println("${result.entitiesJson.size} written in ${result.batches} batches")
/// ```
///
/// ```swift
/// let result = try await client.sync(path: "vendors/sync", updatesJson: #"[{"id": 1, "name": "Acme"}]"#)
/// print(result.entitiesJson.count, result.batches)
/// ```
#[derive(uniffi::Record, Clone, Debug)]
pub struct SyncResult {
    /// Every entity written, each as JSON text, in batch order.
    pub entities_json: Vec<String>,
    /// Every refused update.
    pub errors: Vec<SyncItemError>,
    /// Calls made.
    pub batches: u32,
}

/// How an upload is made. Every field has a default.
///
/// Example:
///
/// ```kotlin
/// val opts = UploadOptions(fileName = "plans.pdf", projectId = 5uL, parallelism = 2u)
/// ```
///
/// ```swift
/// let opts = UploadOptions(fileName: "plans.pdf", projectId: 5, parallelism: 2)
/// ```
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
    /// Upload into this company (one of `company_id`, `project_id`).
    #[uniffi(default)]
    pub company_id: Option<u64>,
    /// Upload into this project.
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
///
/// Example:
///
/// ```kotlin
/// client.uploadFile("site.mp4", UploadOptions(projectId = 5uL)) { p -> println("${p.sent}/${p.total} bytes") }
/// ```
///
/// ```swift
/// _ = try await client.uploadFile("site.mp4", options: UploadOptions(projectId: 5)) { p in print(p.sent, p.total) }
/// ```
#[derive(uniffi::Record, Clone, Copy, Debug)]
pub struct UploadProgress {
    /// Bytes stored so far.
    pub sent: u64,
    /// Bytes in all.
    pub total: u64,
    /// Segments stored so far.
    pub segments_done: u32,
    /// Segments in all.
    pub segments: u32,
}

/// Sees an upload's progress: once before the first byte, then after each stored segment.
/// Called on a plain thread of the SDK (never a runtime thread), one call at a time, in order;
/// every call has returned when the upload does.
///
/// Example:
///
/// ```kotlin
/// val listener = object : UploadListener { override fun onProgress(progress: UploadProgress) = println("${progress.segmentsDone}/${progress.segments}") }
/// ```
///
/// ```swift
/// final class Bar: UploadListener { func onProgress(progress: UploadProgress) { print(progress.segmentsDone, progress.segments) } }
/// ```
#[uniffi::export(foreign)]
pub trait UploadListener: Send + Sync {
    /// Called with the upload's progress so far.
    fn on_progress(&self, progress: UploadProgress);
}

/// A finished upload.
///
/// Example:
///
/// ```kotlin
/// val up = client.uploadFile("plans.pdf", UploadOptions(projectId = 5uL))
/// client.post("files", """{"file": {"name": "${up.fileName}", "upload_uuid": "${up.id}"}}""", RequestOptions(query = query("project_id" to 5)))
/// ```
///
/// ```swift
/// let up = try await client.uploadFile(path: "plans.pdf", options: UploadOptions(projectId: 5))
/// print(up.id, up.sha256)
/// ```
#[derive(uniffi::Record, Clone, Debug)]
pub struct UploadResult {
    /// What a resource is attached with.
    pub id: String,
    /// The upload's status at the end (`available` once processed).
    pub status: String,
    /// The flow used.
    pub flow: String,
    /// The name Procore keeps.
    pub file_name: String,
    /// The content type sent.
    pub content_type: String,
    /// Bytes uploaded.
    pub size: u64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// Segments uploaded.
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
///
/// Example:
///
/// ```kotlin
/// val headers = mapOf("Authorization" to "Bearer s3cret")
/// val hook = client.createHook(WebhookOptions(projectId = 5uL, destinationUrl = "https://example.com/procore", destinationHeaders = headers))
/// ```
///
/// ```swift
/// let hook = try await client.createHook(WebhookOptions(projectId: 5, destinationUrl: "https://example.com/procore"))
/// ```
#[derive(uniffi::Record, Clone, Debug, Default)]
pub struct WebhookOptions {
    /// A company's hooks.
    #[uniffi(default)]
    pub company_id: Option<u64>,
    /// A project's hooks.
    #[uniffi(default)]
    pub project_id: Option<u64>,
    /// Where Procore delivers events.
    #[uniffi(default)]
    pub destination_url: Option<String>,
    /// Echoed on every delivery; the receiver checks them.
    #[uniffi(default)]
    pub destination_headers: Option<HashMap<String, String>>,
    /// `v2`, `v3`, `v4.0`.
    #[uniffi(default)]
    pub api_version: Option<String>,
    /// Your app's namespace for the hook.
    #[uniffi(default)]
    pub namespace: Option<String>,
    /// The trigger of `delete_trigger`.
    #[uniffi(default)]
    pub trigger_id: Option<u64>,
    /// The resource of `create_trigger` (`RFIs`, ...).
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
                destination_headers: o.destination_headers.map(|m| m.into_iter().collect()),
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
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val options = SyncOptions(request = RequestOptions(bodyJson = """{"company_id": 8089}"""))
    /// val result = client.sync("vendors/sync", """[{"id": 1, "name": "Acme"}]""", options)
    /// ```
    ///
    /// ```swift
    /// let result = try await client.sync(path: "vendors/sync", updatesJson: #"[{"id": 1, "name": "Acme"}]"#)
    /// ```
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
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val up = client.uploadBytes(csv.toByteArray(), UploadOptions(fileName = "export.csv", companyId = 8089uL))
    /// ```
    ///
    /// ```swift
    /// let up = try await client.uploadBytes(data: Data(csv.utf8), options: UploadOptions(fileName: "export.csv", companyId: 8089))
    /// ```
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
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val up = client.uploadFile("site.mp4", UploadOptions(projectId = 5uL)) { println(it.sent) }
    /// ```
    ///
    /// ```swift
    /// let up = try await client.uploadFile(path: "site.mp4", options: UploadOptions(projectId: 5))
    /// ```
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
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val hooks = client.listHooks(WebhookOptions(projectId = 5uL))  // the Kotlin helpers call this
    /// ```
    ///
    /// ```swift
    /// let json = try await client.webhooks(action: "list_hooks", options: WebhookOptions(projectId: 5))
    /// ```
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
///
/// Example:
///
/// ```kotlin
/// val opts = ReceiverOptions(headers = mapOf("Authorization" to "Bearer s3cret"), redisUrl = "redis://localhost:6379")
/// ```
///
/// ```swift
/// let opts = ReceiverOptions(headers: ["Authorization": "Bearer s3cret"], remember: 50_000)
/// ```
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
    /// The Redis key prefix of the remembered keys.
    #[uniffi(default)]
    pub redis_prefix: Option<String>,
    /// How long Redis keeps a key (default a day).
    #[uniffi(default)]
    pub ttl_ms: Option<u64>,
}

/// One received header.
///
/// Example:
///
/// ```kotlin
/// val headers = request.headerNames().toList().map { Header(it, request.getHeader(it)) }
/// ```
///
/// ```swift
/// let headers = request.allHTTPHeaderFields!.map { Header(name: $0.key, value: $0.value) }
/// ```
#[derive(uniffi::Record, Clone, Debug)]
pub struct Header {
    /// The name, any case.
    pub name: String,
    /// The value.
    pub value: String,
}

/// A judged delivery: answer Procore with `status`; process `event_json` only when `verdict`
/// is `accepted`.
///
/// Example:
///
/// ```kotlin
/// val d = receiver.receive(headers, body)
/// if (d.verdict == "accepted") handle(parseJson(d.eventJson!!))
/// response.status = d.status.toInt()
/// ```
///
/// ```swift
/// let d = try await receiver.receive(headers: headers, body: body)
/// if d.verdict == "accepted", let event = d.eventJson { handle(event) }
/// ```
#[derive(uniffi::Record, Clone, Debug)]
pub struct Delivery {
    /// `accepted`, `duplicate` or `rejected`.
    pub verdict: String,
    /// The status to answer Procore with (200, or 401 for a forgery).
    pub status: u16,
    /// The delivery's dedupe key.
    pub key: Option<String>,
    /// The event payload as JSON text, when it could be read.
    pub event_json: Option<String>,
}

/// Judges webhook deliveries: the destination headers (constant time), the payload, repeats.
///
/// Example:
///
/// ```kotlin
/// val receiver = WebhookReceiver(ReceiverOptions(headers = mapOf("Authorization" to "Bearer s3cret")))
/// val d = receiver.receive(listOf(Header("authorization", "Bearer s3cret")), body)
/// ```
///
/// ```swift
/// let receiver = try WebhookReceiver(options: ReceiverOptions(headers: ["Authorization": "Bearer s3cret"]))
/// let d = try await receiver.receive(headers: [Header(name: "authorization", value: "Bearer s3cret")], body: body)
/// ```
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
    /// A receiver; a `CONFIG` error for an invalid header name, a bad `remember` or a bad Redis URL.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val receiver = WebhookReceiver(ReceiverOptions(headers = mapOf("Authorization" to "Bearer s3cret")))
    /// ```
    ///
    /// ```swift
    /// let receiver = try WebhookReceiver(options: ReceiverOptions(headers: ["Authorization": "Bearer s3cret"]))
    /// ```
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
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val d = receiver.receive(listOf(Header("authorization", call.request.header("Authorization") ?: "")), call.receive<ByteArray>())
    /// ```
    ///
    /// ```swift
    /// let d = try await receiver.receive(headers: headers, body: body)
    /// ```
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
