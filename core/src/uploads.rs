//! Direct file uploads: the v2.1 unified flow (the default) and the two v1.1 flows.
//!
//! - **v2.1** (`"v2.1"`): one pass over the source computes the SHA-256 of every segment and of
//!   the whole file; `POST /rest/v2.1/companies/{c}[/projects/{p}]/uploads` plans the segments
//!   and answers one presigned URL (with its headers) per segment; the segments are `PUT` in
//!   parallel; `PATCH .../uploads/{id}` sends the `part_etags` in order; `GET .../uploads/{id}`
//!   is polled until the status is `available`.
//! - **v1.1 single part** (`"v1.1"`): `POST /rest/v1.1/{companies|projects}/{id}/uploads`
//!   answers a `url` and form `fields`; one multipart `POST` of every field, then `file`.
//! - **v1.1 segmented** (`"v1.1-segmented"`): the same create with `segments`, presigned `PUT`s,
//!   then `PATCH .../uploads/{uuid}` with the ETags in order.
//!
//! The API calls go through the whole pipeline (pacing, refresh, retries). The object-store
//! requests do not: they go through a plain HTTP client with no default headers, carry exactly
//! the headers the plan returned, and never the bearer token (a presigned URL is its own
//! credential, and a token sent to storage would leak). Presigned URLs are never logged or put
//! in an error, for the same reason.
//!
//! A segment whose `PUT` fails (a transport fault, a 5xx, a checksum the store refuses) is sent
//! again up to [`UploadSpec::retries`] times with backoff; then the upload stops with an
//! [`Error::Upload`] that names the segment. Segments are streamed from the source in chunks, so
//! memory stays bounded by the parallelism times the chunk size, whatever the file size.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::{StreamExt as _, TryStreamExt as _};
use http::Method;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncSeekExt as _, AsyncWriteExt as _};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::options::{company_id, Num, Span};
use crate::request::{CompanyChoice, RequestSpec};

/// v2.1: every segment but the last is over 5 MiB.
pub const UNIFIED_MIN_SEGMENT: u64 = 5 * 1024 * 1024 + 1;
/// v2.1: no segment over 100 MiB.
pub const UNIFIED_MAX_SEGMENT: u64 = 100 * 1024 * 1024;
/// v1.1 segmented: every segment but the last is at least 5 MiB.
pub const LEGACY_MIN_SEGMENT: u64 = 5 * 1024 * 1024;
/// v1.1 segmented: no segment over 5 GiB.
pub const LEGACY_MAX_SEGMENT: u64 = 5 * 1024 * 1024 * 1024;
/// The segment size unless one is given.
pub const DEFAULT_SEGMENT: u64 = 16 * 1024 * 1024;
/// Segments in flight at once unless told otherwise.
pub const DEFAULT_PARALLELISM: usize = 4;
/// Resends of a failed segment unless told otherwise.
pub const DEFAULT_RETRIES: u32 = 3;
/// How long to wait for `available` unless told otherwise.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(120);
/// The most segments in flight a call may ask for.
pub const MAX_PARALLELISM: u64 = 32;
/// How much of a segment is read from the source at a time.
const CHUNK: usize = 256 * 1024;

/// Which upload protocol to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadFlow {
    /// `v2.1` unified uploads (the default).
    Unified,
    /// `v1.1` single-part: one form `POST`.
    LegacySingle,
    /// `v1.1` segmented: presigned `PUT`s and an ETag `PATCH`.
    LegacySegmented,
}

impl UploadFlow {
    /// The name bindings and the CLI use: `v2.1`, `v1.1`, `v1.1-segmented`.
    pub fn as_str(self) -> &'static str {
        match self {
            UploadFlow::Unified => "v2.1",
            UploadFlow::LegacySingle => "v1.1",
            UploadFlow::LegacySegmented => "v1.1-segmented",
        }
    }

    /// The flow of a name (see [`UploadFlow::as_str`]).
    pub fn parse(s: &str) -> Result<UploadFlow> {
        match s.trim().to_ascii_lowercase().as_str() {
            "v2.1" | "unified" => Ok(UploadFlow::Unified),
            "v1.1" | "single" | "v1.1-single" => Ok(UploadFlow::LegacySingle),
            "v1.1-segmented" | "segmented" => Ok(UploadFlow::LegacySegmented),
            _ => Err(Error::config(format!(
                "flow must be \"v2.1\", \"v1.1\" or \"v1.1-segmented\", got {s:?}"
            ))),
        }
    }

    fn segment_limits(self) -> (u64, u64) {
        match self {
            UploadFlow::Unified => (UNIFIED_MIN_SEGMENT, UNIFIED_MAX_SEGMENT),
            _ => (LEGACY_MIN_SEGMENT, LEGACY_MAX_SEGMENT),
        }
    }
}

/// What to upload.
pub enum UploadSource {
    /// A file, read twice (a hashing pass, then the segments), never held in memory.
    Path(PathBuf),
    /// Bytes already in memory (segments are slices of them, not copies).
    Bytes(Bytes),
    /// A stream of unknown length: spooled to a temporary file first (every segment's SHA-256
    /// is needed before the first byte is sent), which is removed afterwards.
    Reader(Box<dyn AsyncRead + Send + Unpin>),
}

impl std::fmt::Debug for UploadSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UploadSource::Path(p) => f.debug_tuple("Path").field(p).finish(),
            UploadSource::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            UploadSource::Reader(_) => f.write_str("Reader"),
        }
    }
}

/// Options of an upload, as bindings fill them.
#[derive(Clone, Debug, Default)]
pub struct UploadOptions {
    /// Upload into this project (company scope otherwise).
    pub project_id: Option<Num>,
    /// The company (the client's default otherwise); v2.1 and company-scoped v1.1 need one.
    pub company_id: Option<Num>,
    /// The file name Procore keeps (the path's file name otherwise; required for bytes).
    pub file_name: Option<String>,
    /// The content type (guessed from the file name's extension otherwise).
    pub content_type: Option<String>,
    /// `v2.1` (default), `v1.1` or `v1.1-segmented`.
    pub flow: Option<String>,
    /// Bytes per segment (default 16 MiB; v2.1: over 5 MiB and at most 100 MiB).
    pub segment_size: Option<Num>,
    /// Segments in flight at once (default 4).
    pub parallelism: Option<Num>,
    /// Resends of a failed segment (default 3).
    pub retries: Option<Num>,
    /// How long to wait for `available` after completion (default 120 s; 0: do not wait).
    pub wait: Option<Span>,
}

/// A resolved upload call.
#[derive(Clone, Debug)]
pub struct UploadSpec {
    /// The upload protocol.
    pub flow: UploadFlow,
    /// Upload into this project; `None` uploads at company scope.
    pub project_id: Option<u64>,
    /// The company of the upload; `None` takes the client's default (v2.1 and company-scoped
    /// v1.1 uploads fail without one).
    pub company_id: Option<u64>,
    /// The file name Procore keeps; `None` takes the path's file name (required for bytes and
    /// streams).
    pub file_name: Option<String>,
    /// The content type; `None` guesses it from the file name ([`guess_content_type`]).
    pub content_type: Option<String>,
    /// Bytes per segment, within the flow's limits (not used by the v1.1 single-part flow).
    pub segment_size: u64,
    /// Segments sent at once.
    pub parallelism: usize,
    /// Resends of a failed segment before the upload fails.
    pub retries: u32,
    /// How long to poll a v2.1 upload for `available` after completing it (zero: one look).
    pub wait: Duration,
}

impl UploadSpec {
    /// Resolves and checks the options.
    pub fn from_options(o: UploadOptions) -> Result<UploadSpec> {
        let flow = o
            .flow
            .as_deref()
            .map(UploadFlow::parse)
            .transpose()?
            .unwrap_or(UploadFlow::Unified);
        let (min, max) = flow.segment_limits();
        let segment_size = match o.segment_size {
            Some(n) => n.whole("segment_size", min, max)?,
            None => DEFAULT_SEGMENT.clamp(min, max),
        };
        let parallelism = o
            .parallelism
            .map(|n| n.whole("parallelism", 1, MAX_PARALLELISM))
            .transpose()?
            .map_or(DEFAULT_PARALLELISM, |n| n as usize);
        let retries = o
            .retries
            .map(|n| n.whole("retries", 0, 20))
            .transpose()?
            .map_or(DEFAULT_RETRIES, |n| n as u32);
        let project_id = o
            .project_id
            .map(|n| n.whole("project_id", 1, u64::MAX))
            .transpose()?;
        let company_id = o.company_id.map(company_id).transpose()?;
        let wait = o.wait.map(|s| s.resolve("wait")).transpose()?;
        for (name, v) in [
            ("file_name", &o.file_name),
            ("content_type", &o.content_type),
        ] {
            if v.as_deref().is_some_and(|s| s.trim().is_empty()) {
                return Err(Error::config(format!("{name} must not be empty")));
            }
        }
        Ok(UploadSpec {
            flow,
            project_id,
            company_id,
            file_name: o.file_name,
            content_type: o.content_type,
            segment_size,
            parallelism,
            retries,
            wait: wait.unwrap_or(DEFAULT_WAIT),
        })
    }
}

/// How far an upload is, as the progress callback sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UploadProgress {
    /// Bytes of the segments stored so far.
    pub sent: u64,
    /// The file's size.
    pub total: u64,
    /// Segments stored so far.
    pub segments_done: usize,
    /// Segments in all.
    pub segments: usize,
}

/// A progress callback: called once before the first byte (`sent` 0) and after each stored
/// segment, with `sent` never going back; the last call has `sent == total`.
pub type ProgressFn = Arc<dyn Fn(UploadProgress) + Send + Sync>;

/// A progress callback that only queues, and the queue: for bindings whose callbacks must not
/// run on a runtime thread (Python's GIL, a JVM attach). The binding drains the queue on a
/// thread that may block; the queue ends when the upload is over and the callback dropped.
pub fn progress_relay() -> (ProgressFn, std::sync::mpsc::Receiver<UploadProgress>) {
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let f: ProgressFn = Arc::new(move |p| {
        let _ = tx.lock().unwrap_or_else(|e| e.into_inner()).send(p);
    });
    (f, rx)
}

impl UploadProgress {
    /// `{"sent", "total", "segments_done", "segments"}`.
    pub fn to_json(&self) -> Value {
        json!({
            "sent": self.sent,
            "total": self.total,
            "segments_done": self.segments_done,
            "segments": self.segments,
        })
    }
}

/// A finished upload.
#[derive(Clone, Debug, PartialEq)]
pub struct UploadOutcome {
    /// The id to attach to a resource (`upload_id` in v2.1, `uuid` in v1.1).
    pub id: String,
    /// The last status seen: `available` (v2.1 waited for), `complete`.
    pub status: String,
    /// The protocol that was used.
    pub flow: UploadFlow,
    /// The file name sent to Procore.
    pub file_name: String,
    /// The content type sent to Procore (given or guessed).
    pub content_type: String,
    /// The file's size in bytes.
    pub size: u64,
    /// The whole file's SHA-256, lowercase hex.
    pub sha256: String,
    /// How many segments were stored (1 for the v1.1 single-part flow).
    pub segments: usize,
}

impl UploadOutcome {
    /// The outcome as JSON, the form every binding returns.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "status": self.status,
            "flow": self.flow.as_str(),
            "file_name": self.file_name,
            "content_type": self.content_type,
            "size": self.size,
            "sha256": self.sha256,
            "segments": self.segments,
        })
    }
}

/// A content type for a file name, from its extension.
pub fn guess_content_type(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "tif" | "tiff" => "image/tiff",
        "heic" => "image/heic",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "json" => "application/json",
        "xml" => "application/xml",
        "zip" => "application/zip",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "dwg" => "image/vnd.dwg",
        "mp4" => "video/mp4",
        _ => "application/octet-stream",
    }
}

/// The bytes to send, and where they come from.
enum Data {
    File {
        path: PathBuf,
        _spool: Option<Spool>,
    },
    Memory(Bytes),
}

/// A temporary file removed when dropped.
struct Spool(PathBuf);

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// One planned segment.
#[derive(Clone, Debug)]
struct Segment {
    offset: u64,
    size: u64,
    sha256: String,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::config(format!("could not {what} {}: {e}", path.display()))
}

/// Splits `total` bytes into segments of `size` (the last one shorter), at least one.
fn split(total: u64, size: u64) -> Vec<(u64, u64)> {
    if total == 0 {
        return vec![(0, 0)];
    }
    (0..total.div_ceil(size))
        .map(|i| {
            let offset = i * size;
            (offset, size.min(total - offset))
        })
        .collect()
}

/// One pass over the data: each segment's digest and the whole file's.
async fn plan(data: &Data, total: u64, segment_size: u64) -> Result<(Vec<Segment>, String)> {
    let bounds = split(total, segment_size);
    let mut whole = Sha256::new();
    let mut segments = Vec::with_capacity(bounds.len());
    match data {
        Data::Memory(b) => {
            for (offset, size) in bounds {
                let part = &b[offset as usize..(offset + size) as usize];
                whole.update(part);
                segments.push(Segment {
                    offset,
                    size,
                    sha256: hex(&Sha256::digest(part)),
                });
            }
        }
        Data::File { path, .. } => {
            let mut f = tokio::fs::File::open(path)
                .await
                .map_err(|e| io_error("open", path, e))?;
            let mut buf = vec![0u8; CHUNK];
            for (offset, size) in bounds {
                let mut seg = Sha256::new();
                let mut left = size;
                while left > 0 {
                    let want = (left as usize).min(CHUNK);
                    let n = f
                        .read(&mut buf[..want])
                        .await
                        .map_err(|e| io_error("read", path, e))?;
                    if n == 0 {
                        return Err(Error::config(format!(
                            "{} became shorter while it was read",
                            path.display()
                        )));
                    }
                    seg.update(&buf[..n]);
                    whole.update(&buf[..n]);
                    left -= n as u64;
                }
                segments.push(Segment {
                    offset,
                    size,
                    sha256: hex(&seg.finalize()),
                });
            }
        }
    }
    Ok((segments, hex(&whole.finalize())))
}

/// A segment's bytes as a request body: a slice of memory, or a stream read from the file in
/// chunks (so a segment is never held whole).
async fn body_of(data: &Data, seg: &Segment) -> Result<reqwest::Body> {
    match data {
        Data::Memory(b) => Ok(reqwest::Body::from(
            b.slice(seg.offset as usize..(seg.offset + seg.size) as usize),
        )),
        Data::File { path, .. } => {
            let mut f = tokio::fs::File::open(path)
                .await
                .map_err(|e| io_error("open", path, e))?;
            f.seek(std::io::SeekFrom::Start(seg.offset))
                .await
                .map_err(|e| io_error("read", path, e))?;
            let stream = futures::stream::try_unfold((f, seg.size), |(mut f, left)| async move {
                if left == 0 {
                    return Ok(None);
                }
                let mut buf = vec![0u8; (left as usize).min(CHUNK)];
                let n = f.read(&mut buf).await?;
                if n == 0 {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the file became shorter while it was uploaded",
                    ));
                }
                buf.truncate(n);
                Ok(Some((Bytes::from(buf), (f, left - n as u64))))
            });
            Ok(reqwest::Body::wrap_stream(stream))
        }
    }
}

/// Why one storage request failed.
struct Failure {
    status: Option<u16>,
    message: String,
    /// Whether sending again can help.
    retry: bool,
}

/// The `<Code>` and `<Message>` of an S3-style XML error, or the start of the body.
fn storage_message(status: u16, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let tag = |t: &str| -> Option<String> {
        let open = format!("<{t}>");
        let start = text.find(&open)? + open.len();
        let end = text[start..].find(&format!("</{t}>"))? + start;
        Some(text[start..end].trim().to_owned())
    };
    match (tag("Code"), tag("Message")) {
        (Some(c), Some(m)) => format!("HTTP {status} {c}: {m}"),
        (Some(c), None) => format!("HTTP {status} {c}"),
        _ => format!("HTTP {status}: {}", crate::error::excerpt(body)),
    }
}

/// Whether a storage answer with this status is worth sending again: a server fault, a
/// throttle, or a body the store saw damaged (a digest or length mismatch).
fn retryable(status: u16, body: &[u8]) -> bool {
    if status >= 500 || status == 408 || status == 429 {
        return true;
    }
    let text = String::from_utf8_lossy(body);
    status == 400
        && [
            "BadDigest",
            "IncompleteBody",
            "InvalidDigest",
            "RequestTimeout",
        ]
        .iter()
        .any(|c| text.contains(c))
}

fn header_pairs(v: Option<&Value>) -> Result<Vec<(String, String)>> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                Value::Number(n) => Ok((k.clone(), n.to_string())),
                _ => Err(plan_error(format!(
                    "the header {k} of a segment is not text"
                ))),
            })
            .collect(),
        Some(_) => Err(plan_error("a segment's headers are not an object")),
    }
}

fn plan_error(message: impl Into<String>) -> Error {
    Error::Decode {
        status: 200,
        message: format!("the upload plan is not as expected: {}", message.into()),
        excerpt: String::new(),
    }
}

/// Where one segment goes.
struct Target {
    url: url::Url,
    headers: Vec<(String, String)>,
}

fn targets(segments: Option<&Value>, expected: usize) -> Result<Vec<Target>> {
    let Some(Value::Array(list)) = segments else {
        return Err(plan_error("no `segments` list"));
    };
    if list.len() != expected {
        return Err(plan_error(format!(
            "{} segments were planned, {expected} were asked for",
            list.len()
        )));
    }
    list.iter()
        .map(|s| {
            let url = s
                .get("url")
                .and_then(Value::as_str)
                .and_then(|u| url::Url::parse(u).ok())
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .ok_or_else(|| plan_error("a segment has no valid `url`"))?;
            Ok(Target {
                url,
                headers: header_pairs(s.get("headers"))?,
            })
        })
        .collect()
}

/// The backoff before resend `attempt` (1-based): 200 ms doubling, at most 5 s, full jitter
/// in its upper half.
fn backoff(attempt: u32) -> Duration {
    use rand::Rng as _;
    let base = 200u64.saturating_mul(1 << attempt.min(5)).min(5000);
    Duration::from_millis(rand::thread_rng().gen_range(base / 2..=base))
}

/// The plain HTTP client for the object store: no default headers, no token, no redirects.
fn storage_http(client: &Client) -> Result<reqwest::Client> {
    let c = &client.inner.http_config;
    reqwest::Client::builder()
        .user_agent(c.user_agent.clone())
        .connect_timeout(c.connect_timeout)
        .read_timeout(c.request_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .tcp_nodelay(true)
        .build()
        .map_err(|e| {
            Error::config(format!(
                "could not build the storage HTTP client: {}",
                crate::transport::describe(e)
            ))
        })
}

/// The state shared by the segment tasks of one upload (owned, so that the upload's future is
/// `Send` for every binding's executor).
struct Run {
    http: reqwest::Client,
    data: Arc<Data>,
    retries: u32,
    parallelism: usize,
    progress: Option<ProgressFn>,
    total: u64,
    segments: usize,
    done: std::sync::Mutex<(u64, usize)>,
    upload_id: String,
}

impl Run {
    fn report(&self, size: u64) {
        let mut d = self.done.lock().unwrap_or_else(|p| p.into_inner());
        d.0 += size;
        d.1 += 1;
        let p = UploadProgress {
            sent: d.0,
            total: self.total,
            segments_done: d.1,
            segments: self.segments,
        };
        // Called under the lock, so that calls arrive in order with `sent` growing.
        if let Some(f) = &self.progress {
            f(p);
        }
    }

    fn start(&self) {
        if let Some(f) = &self.progress {
            f(UploadProgress {
                sent: 0,
                total: self.total,
                segments_done: 0,
                segments: self.segments,
            });
        }
    }

    /// One attempt at one segment: the ETag, or why not.
    async fn put(&self, seg: &Segment, target: &Target) -> std::result::Result<String, Failure> {
        let body = body_of(&self.data, seg).await.map_err(|e| Failure {
            status: None,
            message: e.to_string(),
            retry: false,
        })?;
        let mut req = self
            .http
            .put(target.url.clone())
            .header(http::header::CONTENT_LENGTH, seg.size);
        for (k, v) in &target.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let resp = req.body(body).send().await.map_err(|e| Failure {
            status: None,
            message: crate::transport::describe(e),
            retry: true,
        })?;
        let status = resp.status().as_u16();
        let etag = resp
            .headers()
            .get(http::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = resp.bytes().await.unwrap_or_default();
        if !(200..300).contains(&status) {
            return Err(Failure {
                status: Some(status),
                message: storage_message(status, &body),
                retry: retryable(status, &body),
            });
        }
        etag.ok_or_else(|| Failure {
            status: Some(status),
            message: "the store answered no ETag".into(),
            retry: false,
        })
    }

    /// One segment with its resends.
    async fn segment(&self, index: usize, seg: &Segment, target: &Target) -> Result<String> {
        self.with_resends(index, seg, || self.put(seg, target))
            .await
    }

    /// Runs `attempt` until it succeeds, resending what can help up to `retries` times with
    /// backoff; then the `upload` error naming segment `index`. A success is reported.
    async fn with_resends<T, F, Fut>(&self, index: usize, seg: &Segment, attempt: F) -> Result<T>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = std::result::Result<T, Failure>>,
    {
        let mut n = 0;
        loop {
            n += 1;
            match attempt().await {
                Ok(v) => {
                    self.report(seg.size);
                    return Ok(v);
                }
                Err(f) if f.retry && n <= self.retries => {
                    tracing::debug!(
                        segment = index + 1,
                        attempt = n,
                        status = ?f.status,
                        "upload segment failed, sending it again: {}",
                        f.message
                    );
                    tokio::time::sleep(backoff(n)).await;
                }
                Err(f) => {
                    return Err(Error::Upload {
                        upload_id: Some(self.upload_id.clone()),
                        segment: Some(index + 1),
                        segments: self.segments,
                        attempts: n,
                        status: f.status,
                        message: f.message,
                    })
                }
            }
        }
    }

    /// Every segment, at most `parallelism` at once; the ETags in segment order.
    async fn all(
        self: &Arc<Self>,
        segments: &Arc<Vec<Segment>>,
        targets: Vec<Target>,
    ) -> Result<Vec<String>> {
        let targets = Arc::new(targets);
        let n = segments.len();
        futures::stream::iter(0..n)
            .map(|i| {
                let (run, segs, targets) = (self.clone(), segments.clone(), targets.clone());
                async move { run.segment(i, &segs[i], &targets[i]).await.map(|e| (i, e)) }
            })
            .buffer_unordered(self.parallelism)
            .try_fold(vec![String::new(); n], |mut acc, (i, e)| async move {
                acc[i] = e;
                Ok(acc)
            })
            .await
    }
}

impl Client {
    /// Uploads `source` (see the module docs); `progress` sees every stored segment.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn demo(client: procore::Client) -> procore::Result<()> {
    /// use std::sync::Arc;
    /// use procore::uploads::ProgressFn;
    /// use procore::{Num, UploadOptions, UploadSource, UploadSpec};
    ///
    /// let spec = UploadSpec::from_options(UploadOptions {
    ///     company_id: Some(Num::Int(8089)),
    ///     project_id: Some(Num::Int(77)),
    ///     parallelism: Some(Num::Int(8)),
    ///     ..Default::default()
    /// })?;
    /// let progress: ProgressFn = Arc::new(|p| println!("{} / {} bytes", p.sent, p.total));
    /// let done = client
    ///     .upload(&spec, UploadSource::Path("drawings/A-101.pdf".into()), Some(progress))
    ///     .await?;
    /// // Attach `done.id` to a document, an RFI, ...
    /// println!("upload {} is {} ({} segments)", done.id, done.status, done.segments);
    /// # Ok(()) }
    /// ```
    pub async fn upload(
        &self,
        spec: &UploadSpec,
        source: UploadSource,
        progress: Option<ProgressFn>,
    ) -> Result<UploadOutcome> {
        let (data, default_name) = match source {
            UploadSource::Path(path) => {
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
                (Data::File { path, _spool: None }, name)
            }
            UploadSource::Bytes(b) => (Data::Memory(b), None),
            UploadSource::Reader(r) => {
                let spool = spool(r).await?;
                (
                    Data::File {
                        path: spool.0.clone(),
                        _spool: Some(spool),
                    },
                    None,
                )
            }
        };
        let file_name = spec.file_name.clone().or(default_name).ok_or_else(|| {
            Error::config("file_name is required when uploading bytes or a stream")
        })?;
        let content_type = spec
            .content_type
            .clone()
            .unwrap_or_else(|| guess_content_type(&file_name).to_owned());
        let total = match &data {
            Data::Memory(b) => b.len() as u64,
            Data::File { path, .. } => tokio::fs::metadata(path)
                .await
                .map_err(|e| io_error("read", path, e))?
                .len(),
        };
        if total == 0 && spec.flow != UploadFlow::LegacySingle {
            return Err(Error::config(
                "an empty file cannot be sent in segments; use flow \"v1.1\"",
            ));
        }
        let segment_size = if spec.flow == UploadFlow::LegacySingle {
            total.max(1)
        } else {
            spec.segment_size
        };
        let (segments, sha256) = plan(&data, total, segment_size).await?;
        let segments = Arc::new(segments);
        let company = spec.company_id.or(self.company_id());
        let scope = Scope::new(spec.flow, company, spec.project_id)?;
        let http = storage_http(self)?;
        let data = Arc::new(data);
        let new_run = |upload_id: String| {
            Arc::new(Run {
                http: http.clone(),
                data: data.clone(),
                retries: spec.retries,
                parallelism: spec.parallelism,
                progress: progress.clone(),
                total,
                segments: segments.len(),
                done: std::sync::Mutex::new((0, 0)),
                upload_id,
            })
        };
        let header_company = match company {
            Some(c) => CompanyChoice::Id(c),
            None => CompanyChoice::Default,
        };
        let call = |method: Method, path: String, body: Option<Value>| {
            let mut s = RequestSpec::new(method, path);
            s.company = header_company.clone();
            s.body = body.map(|b| Bytes::from(b.to_string()));
            s
        };
        let base = scope.base();
        let (id, status) = match spec.flow {
            UploadFlow::Unified => {
                let created = self
                    .send(&call(
                        Method::POST,
                        base.clone(),
                        Some(json!({
                            "file_name": file_name,
                            "file_size": total,
                            "content_type": content_type,
                            "sha256": sha256,
                            "segments": planned(&segments),
                        })),
                    ))
                    .await?
                    .json_value()?;
                let data = created.get("data").unwrap_or(&created);
                let id = id_of(data, "upload_id")?;
                let targets = targets(data.get("segments"), segments.len())?;
                let run = new_run(id.clone());
                run.start();
                let etags = run.all(&segments, targets).await?;
                let path = format!("{base}/{id}");
                self.send(&call(
                    Method::PATCH,
                    path.clone(),
                    Some(json!({ "part_etags": etags })),
                ))
                .await?;
                let status = self
                    .await_available(&call(Method::GET, path, None), spec.wait)
                    .await?;
                (id, status)
            }
            UploadFlow::LegacySegmented => {
                let created = self
                    .send(&call(
                        Method::POST,
                        base.clone(),
                        Some(json!({
                            "response_filename": file_name,
                            "response_content_type": content_type,
                            "segments": planned(&segments),
                        })),
                    ))
                    .await?
                    .json_value()?;
                let id = id_of(&created, "uuid")?;
                let targets = targets(created.get("segments"), segments.len())?;
                let run = new_run(id.clone());
                run.start();
                let etags = run.all(&segments, targets).await?;
                self.send(&call(
                    Method::PATCH,
                    format!("{base}/{id}"),
                    Some(json!({
                        "segments": etags.iter().map(|e| json!({ "etag": e })).collect::<Vec<_>>(),
                    })),
                ))
                .await?;
                (id, "complete".to_owned())
            }
            UploadFlow::LegacySingle => {
                let created = self
                    .send(&call(
                        Method::POST,
                        base.clone(),
                        Some(json!({
                            "response_filename": file_name,
                            "response_content_type": content_type,
                        })),
                    ))
                    .await?
                    .json_value()?;
                let id = id_of(&created, "uuid")?;
                let url = created
                    .get("url")
                    .and_then(Value::as_str)
                    .and_then(|u| url::Url::parse(u).ok())
                    .ok_or_else(|| plan_error("no valid `url`"))?;
                let fields = header_pairs(created.get("fields"))?;
                let run = new_run(id.clone());
                run.start();
                run.form(&segments[0], &url, &fields, &file_name, &content_type)
                    .await?;
                (id, "complete".to_owned())
            }
        };
        Ok(UploadOutcome {
            id,
            status,
            flow: spec.flow,
            file_name,
            content_type,
            size: total,
            sha256,
            segments: segments.len(),
        })
    }

    /// Polls an upload until it is `available`, for at most `wait` (0: one look, no wait).
    async fn await_available(&self, get: &RequestSpec, wait: Duration) -> Result<String> {
        let started = tokio::time::Instant::now();
        let mut pause = Duration::from_millis(100);
        loop {
            let v = self.send(get).await?.json_value()?;
            let status = v
                .get("data")
                .unwrap_or(&v)
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            match status.as_str() {
                "available" => return Ok(status),
                "failed" | "error" | "rejected" => {
                    return Err(Error::Upload {
                        upload_id: get.path.rsplit('/').next().map(str::to_owned),
                        segment: None,
                        segments: 0,
                        attempts: 1,
                        status: None,
                        message: format!("Procore marked the upload {status}"),
                    })
                }
                _ if wait.is_zero() => return Ok(status),
                _ if started.elapsed() + pause > wait => {
                    return Err(Error::Upload {
                        upload_id: get.path.rsplit('/').next().map(str::to_owned),
                        segment: None,
                        segments: 0,
                        attempts: 1,
                        status: None,
                        message: format!(
                            "the upload was still {status:?} after {:.0?} (raise wait, or pass 0 not to wait)",
                            wait
                        ),
                    })
                }
                _ => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(2));
                }
            }
        }
    }
}

impl Run {
    /// The v1.1 single-part form `POST`: every field, then `file`, with its resends.
    async fn form(
        &self,
        seg: &Segment,
        url: &url::Url,
        fields: &[(String, String)],
        file_name: &str,
        content_type: &str,
    ) -> Result<()> {
        self.with_resends(0, seg, || async {
            let body = body_of(&self.data, seg).await.map_err(|e| Failure {
                status: None,
                message: e.to_string(),
                retry: false,
            })?;
            let mut form = reqwest::multipart::Form::new();
            for (k, v) in fields {
                form = form.text(k.clone(), v.clone());
            }
            let part = reqwest::multipart::Part::stream_with_length(body, seg.size)
                .file_name(file_name.to_owned())
                .mime_str(content_type)
                .map_err(|_| Failure {
                    status: None,
                    message: format!("{content_type:?} is not a valid content type"),
                    retry: false,
                })?;
            form = form.part("file", part);
            let resp = self
                .http
                .post(url.clone())
                .multipart(form)
                .send()
                .await
                .map_err(|e| Failure {
                    status: None,
                    message: crate::transport::describe(e),
                    retry: true,
                })?;
            let status = resp.status().as_u16();
            let body = resp.bytes().await.unwrap_or_default();
            if (200..300).contains(&status) {
                Ok(())
            } else {
                Err(Failure {
                    status: Some(status),
                    message: storage_message(status, &body),
                    retry: retryable(status, &body),
                })
            }
        })
        .await
    }
}

/// The segments as a create body lists them: `[{size, sha256}]`.
fn planned(segments: &[Segment]) -> Vec<Value> {
    segments
        .iter()
        .map(|s| json!({ "size": s.size, "sha256": s.sha256 }))
        .collect()
}

fn id_of(v: &Value, key: &str) -> Result<String> {
    match v.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(plan_error(format!("no `{key}`"))),
    }
}

/// Where the upload API of a flow and scope lives.
struct Scope {
    flow: UploadFlow,
    company: Option<u64>,
    project: Option<u64>,
}

impl Scope {
    fn new(flow: UploadFlow, company: Option<u64>, project: Option<u64>) -> Result<Scope> {
        let needs_company = flow == UploadFlow::Unified || project.is_none();
        if needs_company && company.is_none() {
            return Err(Error::config(
                "an upload needs a company: give company_id, or set one on the client",
            ));
        }
        Ok(Scope {
            flow,
            company,
            project,
        })
    }

    fn base(&self) -> String {
        let c = self.company.unwrap_or_default();
        match (self.flow, self.project) {
            (UploadFlow::Unified, Some(p)) => {
                format!("/rest/v2.1/companies/{c}/projects/{p}/uploads")
            }
            (UploadFlow::Unified, None) => format!("/rest/v2.1/companies/{c}/uploads"),
            (_, Some(p)) => format!("/rest/v1.1/projects/{p}/uploads"),
            (_, None) => format!("/rest/v1.1/companies/{c}/uploads"),
        }
    }
}

/// Copies a stream into a new temporary file (created exclusively, owner-only).
async fn spool(mut r: Box<dyn AsyncRead + Send + Unpin>) -> Result<Spool> {
    use rand::Rng as _;
    let name = format!("procore-upload-{:016x}", rand::thread_rng().gen::<u64>());
    let path = std::env::temp_dir().join(name);
    let mut opts = tokio::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    opts.mode(0o600);
    let mut f = opts
        .open(&path)
        .await
        .map_err(|e| io_error("create", &path, e))?;
    let spool = Spool(path);
    tokio::io::copy(&mut r, &mut f)
        .await
        .map_err(|e| Error::config(format!("could not read the stream to upload: {e}")))?;
    f.flush()
        .await
        .map_err(|e| io_error("write", &spool.0, e))?;
    Ok(spool)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every binding spawns the upload on a multi-threaded runtime: its future must be `Send`
    /// and `'static` once its arguments are owned.
    #[allow(dead_code)]
    fn the_upload_future_is_send(c: Client, s: UploadSpec, src: UploadSource) {
        fn send<T: Send + 'static>(_: T) {}
        send(async move { c.upload(&s, src, None).await });
    }

    #[test]
    fn splits_into_segments() {
        assert_eq!(split(10, 4), vec![(0, 4), (4, 4), (8, 2)]);
        assert_eq!(split(8, 4), vec![(0, 4), (4, 4)]);
        assert_eq!(split(3, 4), vec![(0, 3)]);
        assert_eq!(split(0, 4), vec![(0, 0)]);
        let twelve = 12 * 1024 * 1024;
        assert_eq!(split(twelve, UNIFIED_MIN_SEGMENT).len(), 3);
    }

    #[test]
    fn options_resolve_and_refuse() {
        let s = UploadSpec::from_options(UploadOptions::default()).unwrap();
        assert_eq!(s.flow, UploadFlow::Unified);
        assert_eq!(s.segment_size, DEFAULT_SEGMENT);
        assert_eq!((s.parallelism, s.retries), (4, 3));
        let small = UploadSpec::from_options(UploadOptions {
            segment_size: Some(Num::Int(5 * 1024 * 1024)),
            ..Default::default()
        })
        .unwrap_err();
        assert!(small.to_string().contains("segment_size"), "{small}");
        let legacy = UploadSpec::from_options(UploadOptions {
            flow: Some("v1.1-segmented".into()),
            segment_size: Some(Num::Int(5 * 1024 * 1024)),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(legacy.flow, UploadFlow::LegacySegmented);
        let bad = UploadSpec::from_options(UploadOptions {
            flow: Some("v3".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(bad.kind(), crate::ErrorCode::Config);
        assert!(UploadSpec::from_options(UploadOptions {
            parallelism: Some(Num::Int(0)),
            ..Default::default()
        })
        .is_err());
        assert!(UploadSpec::from_options(UploadOptions {
            file_name: Some(" ".into()),
            ..Default::default()
        })
        .is_err());
    }

    #[test]
    fn scopes_and_bases() {
        let u = Scope::new(UploadFlow::Unified, Some(5), Some(7)).unwrap();
        assert_eq!(u.base(), "/rest/v2.1/companies/5/projects/7/uploads");
        assert!(Scope::new(UploadFlow::Unified, None, Some(7)).is_err());
        let l = Scope::new(UploadFlow::LegacySingle, None, Some(7)).unwrap();
        assert_eq!(l.base(), "/rest/v1.1/projects/7/uploads");
        let l = Scope::new(UploadFlow::LegacySegmented, Some(5), None).unwrap();
        assert_eq!(l.base(), "/rest/v1.1/companies/5/uploads");
    }

    #[test]
    fn storage_errors_read_well_and_classify() {
        let xml = b"<?xml version=\"1.0\"?><Error><Code>BadDigest</Code><Message>no match</Message></Error>";
        assert_eq!(storage_message(400, xml), "HTTP 400 BadDigest: no match");
        assert!(retryable(400, xml));
        assert!(retryable(503, b""));
        assert!(!retryable(403, b"<Code>SignatureDoesNotMatch</Code>"));
    }

    #[test]
    fn content_types_from_names() {
        assert_eq!(guess_content_type("Plan.PDF"), "application/pdf");
        assert_eq!(guess_content_type("noext"), "application/octet-stream");
    }

    #[tokio::test]
    async fn plans_digest_memory_and_files_alike() {
        let bytes: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bin");
        std::fs::write(&path, &bytes).unwrap();
        let mem = plan(&Data::Memory(Bytes::from(bytes.clone())), 10_000, 4096)
            .await
            .unwrap();
        let file = plan(&Data::File { path, _spool: None }, 10_000, 4096)
            .await
            .unwrap();
        assert_eq!(mem.1, file.1);
        assert_eq!(mem.1, hex(&Sha256::digest(&bytes)));
        assert_eq!(mem.0.len(), 3);
        assert_eq!(file.0[2].sha256, hex(&Sha256::digest(&bytes[8192..])));
    }
}
