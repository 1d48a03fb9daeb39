//! Direct file uploads and the object store behind their presigned URLs.
//!
//! - v2.1 unified: `POST /rest/v2.1/companies/{c}[/projects/{p}]/uploads` plans the segments and
//!   answers presigned `PUT` URLs with the headers to send; `PATCH .../uploads/{id}` with
//!   `part_etags` completes it; `GET .../uploads/{id}` shows its status, which moves
//!   `ready -> receiving -> complete -> available` (available a short while after complete).
//! - v1.1: `POST /rest/v1.1/{companies|projects}/{id}/uploads` either for one part (a form
//!   `POST` of the returned `fields` plus `file` to `url`) or with `segments` (presigned `PUT`s,
//!   then `PATCH .../uploads/{uuid}` with the ETags in order).
//!
//! The storage under `/_storage/` checks what S3 would: the URL's signature and expiry, no
//! `Authorization` header (a bearer token sent to storage is refused, it would leak), exactly
//! the planned headers, the planned size and the SHA-256 of each part. It answers an ETag per
//! part. On completion the whole file's SHA-256 is checked against the one declared, then the
//! bytes are dropped (only sizes and digests are kept), so the store's memory is bounded by
//! the uploads in flight.

// Handlers return the error response itself as `Err` (as in `api.rs`).
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use rand::Rng as _;
use serde::Serialize;
use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256};

use crate::api::{company, path_id, Result};
use crate::data::Company;
use crate::respond::{empty, json, message, raw, Resp};
use crate::router::{Matched, Route};
use crate::server::Ctx;
use crate::state::State;
use crate::util::{iso8601, now_unix, LockExt};

/// The largest body the storage takes (a 100 MiB part and some slack for a form).
pub(crate) const STORAGE_BODY_LIMIT: usize = 100 * 1024 * 1024 + 64 * 1024;
/// v2.1: every part but the last is over 5 MiB.
const UNIFIED_MIN_PART: u64 = 5 * 1024 * 1024 + 1;
/// v2.1: no part over 100 MiB.
const UNIFIED_MAX_PART: u64 = 100 * 1024 * 1024;
/// v1.1: every part but the last is at least 5 MiB and at most 5 GiB.
const LEGACY_MIN_PART: u64 = 5 * 1024 * 1024;
const LEGACY_MAX_PART: u64 = 5 * 1024 * 1024 * 1024;
/// How long presigned URLs live.
const URL_TTL: Duration = Duration::from_secs(3600);
/// How long after completion an upload becomes `available`.
const PROCESSING: Duration = Duration::from_millis(150);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Flow {
    Unified,
    LegacySingle,
    LegacySegmented,
}

#[derive(Debug)]
struct Part {
    size: u64,
    /// Hex SHA-256 the client declared (None for a v1.1 single part: the form carries none).
    sha256: Option<String>,
    /// What was stored: bytes (until completion), ETag, digest.
    etag: Option<String>,
    bytes: Option<Bytes>,
    stored_sha256: Option<String>,
    headers: Vec<(String, String)>,
}

#[derive(Debug)]
struct Upload {
    id: String,
    flow: Flow,
    /// `companies/{c}` or `companies/{c}/projects/{p}` (v2.1), `{scope}/{id}` (v1.1).
    scope: String,
    file_name: String,
    content_type: String,
    file_size: Option<u64>,
    sha256: Option<String>,
    parts: Vec<Part>,
    signature: String,
    created: Instant,
    expires_at: i64,
    completed: Option<Instant>,
    /// The whole file's SHA-256, computed at completion.
    stored_sha256: Option<String>,
    stored_size: u64,
    /// The v1.1 form fields.
    fields: Vec<(String, String)>,
}

impl Upload {
    fn status(&self) -> &'static str {
        match self.completed {
            Some(t) if t.elapsed() >= PROCESSING => "available",
            Some(_) => "complete",
            None if self.parts.iter().any(|p| p.etag.is_some()) => "receiving",
            None => "ready",
        }
    }

    fn part_url(&self, origin: &str, n: usize) -> String {
        format!(
            "{origin}/_storage/{}/{n}?X-Amz-Expires={}&X-Amz-Signature={}",
            self.id,
            URL_TTL.as_secs(),
            self.signature
        )
    }

    fn summary(&self) -> Value {
        json!({
            "id": self.id,
            "flow": self.flow,
            "scope": self.scope,
            "status": self.status(),
            "file_name": self.file_name,
            "content_type": self.content_type,
            "file_size": self.file_size,
            "sha256": self.sha256,
            "stored_size": self.stored_size,
            "stored_sha256": self.stored_sha256,
            "parts": self.parts.iter().map(|p| json!({
                "size": p.size,
                "sha256": p.sha256,
                "etag": p.etag,
                "stored_sha256": p.stored_sha256,
            })).collect::<Vec<_>>(),
        })
    }
}

/// Every upload, by id.
#[derive(Default)]
pub(crate) struct Uploads {
    inner: Mutex<HashMap<String, Upload>>,
}

impl Uploads {
    /// Every upload, oldest first (for the control API and tests).
    pub(crate) fn summaries(&self) -> Vec<Value> {
        let inner = self.inner.lock_ok();
        let mut all: Vec<&Upload> = inner.values().collect();
        all.sort_by_key(|u| u.created);
        all.into_iter().map(Upload::summary).collect()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn random_hex(n: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..n)
        .map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap_or('0'))
        .collect()
}

fn new_uuid() -> String {
    let h = random_hex(32);
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

fn invalid(errors: Map<String, Value>) -> Resp {
    json(
        StatusCode::UNPROCESSABLE_ENTITY,
        &json!({ "errors": Value::Object(errors) }),
    )
}

fn one_error(field: &str, msg: &str) -> Resp {
    let mut m = Map::new();
    m.insert(field.into(), json!([msg]));
    invalid(m)
}

fn body_object(ctx: &Ctx<'_>) -> Result<Map<String, Value>> {
    match serde_json::from_slice::<Value>(&ctx.body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(message(StatusCode::BAD_REQUEST, "Invalid JSON body")),
    }
}

/// The planned segments of a create body: `(size, sha256)` each, checked against the limits.
fn planned_segments(body: &Map<String, Value>, min: u64, max: u64) -> Result<Vec<(u64, String)>> {
    let Some(Value::Array(segs)) = body.get("segments") else {
        return Err(one_error("segments", "can't be blank"));
    };
    if segs.is_empty() {
        return Err(one_error("segments", "can't be blank"));
    }
    let mut out = Vec::with_capacity(segs.len());
    let mut errors = Map::new();
    for (i, s) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        let size = s.get("size").and_then(Value::as_u64);
        let sha = s.get("sha256").and_then(Value::as_str);
        match (size, sha) {
            (Some(size), Some(sha)) if is_sha256_hex(sha) => {
                if size == 0 || size > max || (!last && size < min) {
                    errors.insert(
                        format!("segments[{i}].size"),
                        json!([format!(
                            "must be from {min} to {max} bytes (the last one may be smaller), got {size}"
                        )]),
                    );
                }
                out.push((size, sha.to_ascii_lowercase()));
            }
            (None, _) => {
                errors.insert(format!("segments[{i}].size"), json!(["is not a number"]));
            }
            _ => {
                errors.insert(
                    format!("segments[{i}].sha256"),
                    json!(["must be a hex SHA-256"]),
                );
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(invalid(errors))
    }
}

fn part_headers(sha: &str, content_type: &str) -> Vec<(String, String)> {
    use base64::Engine as _;
    let digest: Vec<u8> = (0..32)
        .filter_map(|i| u8::from_str_radix(sha.get(2 * i..2 * i + 2)?, 16).ok())
        .collect();
    vec![
        ("Content-Type".into(), content_type.to_owned()),
        (
            "x-amz-checksum-sha256".into(),
            base64::engine::general_purpose::STANDARD.encode(digest),
        ),
        ("x-amz-server-side-encryption".into(), "AES256".into()),
    ]
}

fn headers_json(h: &[(String, String)]) -> Value {
    Value::Object(
        h.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// The upload API under `/rest/` (authenticated by the caller).
pub(crate) fn api(
    state: &State,
    ctx: &Ctx<'_>,
    m: Matched<'_>,
    header_company: Option<&Company>,
) -> Result<Resp> {
    match m.route {
        Route::UploadCreate | Route::UploadShow | Route::UploadComplete => {
            let c = company(state, path_id(m.first)?)?;
            if !m.second.is_empty() && c.project(path_id(m.second)?).is_none() {
                return Err(message(StatusCode::NOT_FOUND, "Project not found"));
            }
            let scope = if m.second.is_empty() {
                format!("companies/{}", c.id)
            } else {
                format!("companies/{}/projects/{}", c.id, m.second)
            };
            match m.route {
                Route::UploadCreate => unified_create(state, ctx, scope),
                Route::UploadShow => show(state, &scope, m.third),
                _ => unified_complete(state, ctx, &scope, m.third),
            }
        }
        Route::LegacyUploadCreate | Route::LegacyUploadComplete => {
            let id = path_id(m.second)?;
            if m.first == "projects" {
                // The project must belong to the company named in the header.
                header_company
                    .filter(|c| c.project(id).is_some())
                    .ok_or_else(|| message(StatusCode::NOT_FOUND, "Project not found"))?;
            } else {
                company(state, id)?;
            }
            let scope = format!("{}/{id}", m.first);
            if m.route == Route::LegacyUploadCreate {
                legacy_create(state, ctx, scope)
            } else {
                legacy_complete(state, ctx, &scope, m.third)
            }
        }
        _ => Err(crate::respond::not_found()),
    }
}

fn unified_create(state: &State, ctx: &Ctx<'_>, scope: String) -> Result<Resp> {
    let body = body_object(ctx)?;
    let mut errors = Map::new();
    let file_name = body
        .get("file_name")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty());
    if file_name.is_none() {
        errors.insert("file_name".into(), json!(["can't be blank"]));
    }
    let content_type = body
        .get("content_type")
        .and_then(Value::as_str)
        .unwrap_or("application/octet-stream")
        .to_owned();
    let sha = body.get("sha256").and_then(Value::as_str);
    if !sha.is_some_and(is_sha256_hex) {
        errors.insert("sha256".into(), json!(["must be a hex SHA-256"]));
    }
    let file_size = body.get("file_size").and_then(Value::as_u64);
    if file_size.is_none() {
        errors.insert("file_size".into(), json!(["is not a number"]));
    }
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    let segs = planned_segments(&body, UNIFIED_MIN_PART, UNIFIED_MAX_PART)?;
    let total: u64 = segs.iter().map(|s| s.0).sum();
    if Some(total) != file_size {
        return Err(one_error(
            "file_size",
            &format!("is not the sum of the segment sizes ({total})"),
        ));
    }
    let upload = Upload {
        id: format!("01{}", random_hex(24).to_ascii_uppercase()),
        flow: Flow::Unified,
        scope,
        file_name: file_name.unwrap_or_default().to_owned(),
        content_type: content_type.clone(),
        file_size,
        sha256: sha.map(str::to_ascii_lowercase),
        parts: segs
            .into_iter()
            .map(|(size, sha)| Part {
                size,
                headers: part_headers(&sha, "application/octet-stream"),
                sha256: Some(sha),
                etag: None,
                bytes: None,
                stored_sha256: None,
            })
            .collect(),
        signature: random_hex(40),
        created: Instant::now(),
        expires_at: now_unix() + 7 * 86_400,
        completed: None,
        stored_sha256: None,
        stored_size: 0,
        fields: Vec::new(),
    };
    let origin = ctx.origin(state);
    let url_expires = iso8601(now_unix() + URL_TTL.as_secs() as i64);
    let data = json!({
        "upload_id": upload.id,
        "upload_expires_at": iso8601(upload.expires_at),
        "status": "ready",
        "segments": upload.parts.iter().enumerate().map(|(i, p)| json!({
            "url": upload.part_url(&origin, i + 1),
            "url_expires_at": url_expires,
            "headers": headers_json(&p.headers),
        })).collect::<Vec<_>>(),
    });
    state
        .uploads
        .inner
        .lock_ok()
        .insert(upload.id.clone(), upload);
    Ok(json(StatusCode::CREATED, &json!({ "data": data })))
}

/// The upload `id` of this scope and flow, or a 404.
fn find_upload<'a>(
    uploads: &'a mut HashMap<String, Upload>,
    id: &str,
    scope: &str,
    flow: Flow,
) -> Result<&'a mut Upload> {
    uploads
        .get_mut(id)
        .filter(|u| u.scope == scope && u.flow == flow)
        .ok_or_else(|| message(StatusCode::NOT_FOUND, "Upload not found"))
}

fn show(state: &State, scope: &str, id: &str) -> Result<Resp> {
    let mut inner = state.uploads.inner.lock_ok();
    let u = find_upload(&mut inner, id, scope, Flow::Unified)?;
    Ok(json(
        StatusCode::OK,
        &json!({ "data": {
            "upload_id": u.id,
            "status": u.status(),
            "file_name": u.file_name,
            "file_size": u.file_size,
            "content_type": u.content_type,
            "sha256": u.sha256,
            "upload_expires_at": iso8601(u.expires_at),
        }}),
    ))
}

fn strip_quotes(s: &str) -> &str {
    s.trim().trim_matches('"')
}

/// Checks the ETags sent (in order) against the stored parts, then the whole digest, and
/// completes the upload (dropping its bytes).
fn complete(u: &mut Upload, etags: &[&str]) -> std::result::Result<(), Resp> {
    if u.completed.is_some() {
        return Ok(());
    }
    if etags.len() != u.parts.len() {
        return Err(one_error(
            "part_etags",
            &format!("expected {} ETags, got {}", u.parts.len(), etags.len()),
        ));
    }
    for (i, (p, e)) in u.parts.iter().zip(etags).enumerate() {
        match &p.etag {
            None => {
                return Err(one_error(
                    "part_etags",
                    &format!("part {} was never uploaded", i + 1),
                ))
            }
            Some(stored) if strip_quotes(stored) != strip_quotes(e) => {
                return Err(one_error(
                    "part_etags",
                    &format!("ETag {} does not match part {}", i + 1, i + 1),
                ))
            }
            Some(_) => {}
        }
    }
    let mut whole = Sha256::new();
    let mut size = 0;
    for p in &u.parts {
        if let Some(b) = &p.bytes {
            whole.update(b);
            size += b.len() as u64;
        }
    }
    let digest = hex(&whole.finalize());
    if let Some(declared) = &u.sha256 {
        if *declared != digest {
            return Err(one_error(
                "sha256",
                "does not match the SHA-256 of the uploaded content",
            ));
        }
    }
    for p in &mut u.parts {
        p.bytes = None;
    }
    u.stored_sha256 = Some(digest);
    u.stored_size = size;
    u.completed = Some(Instant::now());
    Ok(())
}

fn unified_complete(state: &State, ctx: &Ctx<'_>, scope: &str, id: &str) -> Result<Resp> {
    let body = body_object(ctx)?;
    let Some(Value::Array(etags)) = body.get("part_etags") else {
        return Err(one_error("part_etags", "can't be blank"));
    };
    let etags: Vec<&str> = etags.iter().filter_map(Value::as_str).collect();
    let mut inner = state.uploads.inner.lock_ok();
    let u = find_upload(&mut inner, id, scope, Flow::Unified)?;
    complete(u, &etags)?;
    Ok(json(
        StatusCode::OK,
        &json!({ "data": { "upload_id": u.id, "status": u.status() } }),
    ))
}

fn legacy_create(state: &State, ctx: &Ctx<'_>, scope: String) -> Result<Resp> {
    let body = body_object(ctx)?;
    let file_name = body
        .get("response_filename")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| one_error("response_filename", "can't be blank"))?
        .to_owned();
    let content_type = body
        .get("response_content_type")
        .and_then(Value::as_str)
        .unwrap_or("application/octet-stream")
        .to_owned();
    let segmented = body.contains_key("segments");
    let segs = if segmented {
        planned_segments(&body, LEGACY_MIN_PART, LEGACY_MAX_PART)?
    } else {
        Vec::new()
    };
    let id = new_uuid();
    let signature = random_hex(40);
    let fields = if segmented {
        Vec::new()
    } else {
        vec![
            ("key".to_owned(), format!("uploads/{id}/{file_name}")),
            ("Content-Type".to_owned(), content_type.clone()),
            (
                "Content-Disposition".to_owned(),
                format!("inline; filename=\"{file_name}\""),
            ),
            ("policy".to_owned(), random_hex(48)),
            (
                "x-amz-credential".to_owned(),
                "SIMULATOR/20260101/us-east-1/s3/aws4_request".to_owned(),
            ),
            ("x-amz-algorithm".to_owned(), "AWS4-HMAC-SHA256".to_owned()),
            ("x-amz-date".to_owned(), "20260101T000000Z".to_owned()),
            ("success_action_status".to_owned(), "201".to_owned()),
            ("x-amz-signature".to_owned(), signature.clone()),
        ]
    };
    let upload = Upload {
        id: id.clone(),
        flow: if segmented {
            Flow::LegacySegmented
        } else {
            Flow::LegacySingle
        },
        scope,
        file_name,
        content_type: content_type.clone(),
        file_size: segmented.then(|| segs.iter().map(|s| s.0).sum()),
        sha256: None,
        parts: segs
            .into_iter()
            .map(|(size, sha)| Part {
                size,
                headers: part_headers(&sha, &content_type),
                sha256: Some(sha),
                etag: None,
                bytes: None,
                stored_sha256: None,
            })
            .collect(),
        signature,
        created: Instant::now(),
        expires_at: now_unix() + 3600,
        completed: None,
        stored_sha256: None,
        stored_size: 0,
        fields,
    };
    let origin = ctx.origin(state);
    let answer = if segmented {
        json!({
            "uuid": id,
            "status": "ready",
            "segments": upload.parts.iter().enumerate().map(|(i, p)| json!({
                "url": upload.part_url(&origin, i + 1),
                "headers": headers_json(&p.headers),
            })).collect::<Vec<_>>(),
        })
    } else {
        json!({
            "uuid": id,
            "url": format!("{origin}/_storage/{id}"),
            "fields": headers_json(&upload.fields),
        })
    };
    state.uploads.inner.lock_ok().insert(id, upload);
    Ok(json(StatusCode::CREATED, &answer))
}

fn legacy_complete(state: &State, ctx: &Ctx<'_>, scope: &str, uuid: &str) -> Result<Resp> {
    let body = body_object(ctx)?;
    let Some(Value::Array(segs)) = body.get("segments") else {
        return Err(one_error("segments", "can't be blank"));
    };
    let etags: Vec<&str> = segs
        .iter()
        .filter_map(|s| s.get("etag").and_then(Value::as_str))
        .collect();
    let mut inner = state.uploads.inner.lock_ok();
    let u = find_upload(&mut inner, uuid, scope, Flow::LegacySegmented)?;
    complete(u, &etags)?;
    Ok(json(
        StatusCode::OK,
        &json!({ "uuid": u.id, "status": "complete", "size": u.stored_size }),
    ))
}

/// An S3-style error answer.
fn s3_error(status: StatusCode, code: &str, msg: &str) -> Resp {
    raw(
        status,
        HeaderValue::from_static("application/xml"),
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{msg}</Message></Error>"),
    )
}

fn query_param(query: Option<&str>, key: &str) -> Option<String> {
    crate::api::query_value(query, key)
}

/// The object store: `PUT /_storage/{id}/{n}` (a part) and `POST /_storage/{id}` (a form).
pub(crate) fn storage(state: &State, ctx: &Ctx<'_>, m: Matched<'_>) -> Resp {
    if ctx.headers.contains_key(header::AUTHORIZATION) {
        return s3_error(
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            "Only one auth mechanism allowed; an Authorization header must not be sent with a presigned request",
        );
    }
    let mut inner = state.uploads.inner.lock_ok();
    let Some(u) = inner.get_mut(m.first) else {
        return s3_error(
            StatusCode::NOT_FOUND,
            "NoSuchUpload",
            "The upload does not exist",
        );
    };
    if u.completed.is_some() {
        return s3_error(
            StatusCode::NOT_FOUND,
            "NoSuchUpload",
            "The upload is already complete",
        );
    }
    if *ctx.method == Method::POST {
        return form_post(u, ctx);
    }
    if query_param(ctx.query, "X-Amz-Signature").as_deref() != Some(u.signature.as_str()) {
        return s3_error(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature does not match",
        );
    }
    if u.created.elapsed() > URL_TTL {
        return s3_error(StatusCode::FORBIDDEN, "AccessDenied", "Request has expired");
    }
    let Some(n) = m
        .second
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=u.parts.len()).contains(n))
    else {
        return s3_error(
            StatusCode::BAD_REQUEST,
            "InvalidPart",
            "No such part number",
        );
    };
    let part = &mut u.parts[n - 1];
    // S3 takes no chunked part upload: the length is declared up front.
    if !ctx.headers.contains_key(header::CONTENT_LENGTH) {
        return s3_error(
            StatusCode::LENGTH_REQUIRED,
            "MissingContentLength",
            "You must provide the Content-Length HTTP header.",
        );
    }
    for (k, v) in &part.headers {
        if ctx.headers.get(k.as_str()).and_then(|h| h.to_str().ok()) != Some(v.as_str()) {
            return s3_error(
                StatusCode::FORBIDDEN,
                "SignatureDoesNotMatch",
                &format!("the signed header {k} is missing or differs"),
            );
        }
    }
    if ctx.body.len() as u64 != part.size {
        return s3_error(
            StatusCode::BAD_REQUEST,
            "IncompleteBody",
            &format!(
                "part {n} has {} bytes, {} were planned",
                ctx.body.len(),
                part.size
            ),
        );
    }
    let digest = sha256_hex(&ctx.body);
    if part.sha256.as_deref() != Some(digest.as_str()) {
        return s3_error(
            StatusCode::BAD_REQUEST,
            "BadDigest",
            &format!("The SHA-256 of part {n} does not match the one it was planned with"),
        );
    }
    let etag = format!("\"{}\"", &digest[..32]);
    part.etag = Some(etag.clone());
    part.bytes = Some(ctx.body.clone());
    part.stored_sha256 = Some(digest);
    let mut r = empty(StatusCode::OK);
    if let Ok(v) = HeaderValue::from_str(&etag) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r
}

/// One form part: its name, file name and content.
struct FormPart<'a> {
    name: String,
    filename: Option<String>,
    content: &'a [u8],
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    let first = needle[0];
    let mut i = from;
    while i + needle.len() <= hay.len() {
        match hay[i..].iter().position(|&b| b == first) {
            None => return None,
            Some(off) => {
                i += off;
                if i + needle.len() <= hay.len() && &hay[i..i + needle.len()] == needle {
                    return Some(i);
                }
                i += 1;
            }
        }
    }
    None
}

fn disposition_param(disposition: &str, key: &str) -> Option<String> {
    disposition.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        (k.eq_ignore_ascii_case(key)).then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// Splits a `multipart/form-data` body.
fn parse_form<'a>(headers: &HeaderMap, body: &'a [u8]) -> Option<Vec<FormPart<'a>>> {
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    if !ct
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        return None;
    }
    let boundary = disposition_param(ct, "boundary")?;
    let delim = format!("--{boundary}");
    let mut pos = find(body, delim.as_bytes(), 0)? + delim.len();
    let mut parts = Vec::new();
    loop {
        if body.get(pos..pos + 2) == Some(b"--") {
            return Some(parts);
        }
        if body.get(pos..pos + 2) != Some(b"\r\n") {
            return None;
        }
        pos += 2;
        let head_end = find(body, b"\r\n\r\n", pos)?;
        let head = std::str::from_utf8(&body[pos..head_end]).ok()?;
        let disposition = head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-disposition")
                .then(|| v.trim().to_owned())
        })?;
        let start = head_end + 4;
        let next = find(body, format!("\r\n{delim}").as_bytes(), start)?;
        parts.push(FormPart {
            name: disposition_param(&disposition, "name")?,
            filename: disposition_param(&disposition, "filename"),
            content: &body[start..next],
        });
        pos = next + 2 + delim.len();
    }
}

/// The v1.1 single-part form: every field as issued, then `file` last.
fn form_post(u: &mut Upload, ctx: &Ctx<'_>) -> Resp {
    if u.flow != Flow::LegacySingle {
        return s3_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "This upload takes PUTs of its parts",
        );
    }
    let Some(parts) = parse_form(ctx.headers, &ctx.body) else {
        return s3_error(
            StatusCode::BAD_REQUEST,
            "MalformedPOSTRequest",
            "The body is not multipart/form-data",
        );
    };
    for (k, v) in &u.fields {
        let sent = parts
            .iter()
            .find(|p| p.name == *k && p.filename.is_none())
            .map(|p| p.content);
        if sent != Some(v.as_bytes()) {
            return s3_error(
                StatusCode::FORBIDDEN,
                "AccessDenied",
                &format!("the form field {k} is missing or differs from the one issued"),
            );
        }
    }
    let Some(idx) = parts.iter().position(|p| p.name == "file") else {
        return s3_error(
            StatusCode::BAD_REQUEST,
            "MalformedPOSTRequest",
            "The form has no file",
        );
    };
    if idx + 1 != parts.len() {
        return s3_error(
            StatusCode::BAD_REQUEST,
            "MalformedPOSTRequest",
            "Fields after the file are ignored by S3: the file must be the last part",
        );
    }
    let content = parts[idx].content;
    let digest = sha256_hex(content);
    u.parts = vec![Part {
        size: content.len() as u64,
        sha256: None,
        etag: Some(format!("\"{}\"", &digest[..32])),
        bytes: None,
        stored_sha256: Some(digest.clone()),
        headers: Vec::new(),
    }];
    u.file_size = Some(content.len() as u64);
    u.stored_size = content.len() as u64;
    u.stored_sha256 = Some(digest);
    u.completed = Some(Instant::now());
    json(
        StatusCode::CREATED,
        &json!({ "key": format!("uploads/{}/{}", u.id, u.file_name) }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_split() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("multipart/form-data; boundary=XyZ"),
        );
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nuploads/1\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n--X\x00\xff\r\n--XyZ--\r\n";
        let parts = parse_form(&h, body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(
            (parts[0].name.as_str(), parts[0].content),
            ("key", &b"uploads/1"[..])
        );
        assert_eq!(parts[1].filename.as_deref(), Some("a.bin"));
        assert_eq!(parts[1].content, b"\r\n--X\x00\xff");
        assert!(parse_form(&h, b"garbage").is_none());
    }

    #[test]
    fn segment_limits() {
        let sha = "a".repeat(64);
        let body = |sizes: &[u64]| {
            let segs: Vec<Value> = sizes
                .iter()
                .map(|s| json!({"size": s, "sha256": sha}))
                .collect();
            json!({ "segments": segs }).as_object().cloned().unwrap()
        };
        assert!(planned_segments(
            &body(&[UNIFIED_MIN_PART, 1]),
            UNIFIED_MIN_PART,
            UNIFIED_MAX_PART
        )
        .is_ok());
        assert!(planned_segments(
            &body(&[UNIFIED_MIN_PART - 1, 1]),
            UNIFIED_MIN_PART,
            UNIFIED_MAX_PART
        )
        .is_err());
        assert!(planned_segments(
            &body(&[UNIFIED_MAX_PART + 1]),
            UNIFIED_MIN_PART,
            UNIFIED_MAX_PART
        )
        .is_err());
        assert!(planned_segments(&body(&[]), UNIFIED_MIN_PART, UNIFIED_MAX_PART).is_err());
    }

    #[test]
    fn uuids_look_like_uuids() {
        let u = new_uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(u.matches('-').count(), 4);
    }
}
