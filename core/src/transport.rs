//! One HTTP exchange, for the API pipeline and the OAuth client alike: the HTTP client
//! (pool, timeouts, rustls, no redirects), sending one request, reading a capped body, and
//! mapping transport failures to typed errors. No retry, no token, no pacing here.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method};
use tokio::time::Instant;
use url::Url;

use crate::config::{HttpConfig, SDK_VERSION};
use crate::error::{Error, Result};

/// Sent on every call to a company's resources (a static name: not parsed per call).
const COMPANY_HEADER: http::HeaderName = http::HeaderName::from_static("procore-company-id");

/// The one HTTP client: a pool, timeouts, rustls, and no redirects (a redirect must never
/// carry the bearer token to another host).
pub(crate) fn build_http(config: &HttpConfig) -> Result<reqwest::Client> {
    let mut headers = HeaderMap::new();
    headers.insert("procore-sdk-version", HeaderValue::from_static(SDK_VERSION));
    headers.insert(
        "procore-sdk-language",
        HeaderValue::from_str(&config.sdk_language)
            .map_err(|_| Error::config("the SDK language must be plain text"))?,
    );
    headers.insert(
        http::header::ACCEPT,
        HeaderValue::from_static("application/json"),
    );
    reqwest::Client::builder()
        .user_agent(config.user_agent.clone())
        .default_headers(headers)
        .connect_timeout(config.connect_timeout)
        .timeout(config.request_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .tcp_nodelay(true)
        .pool_idle_timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| Error::config(format!("could not build the HTTP client: {}", describe(e))))
}

/// Maps a transport error to `config` (a request that could not even be built, such as a
/// CR/LF in a header value: resending cannot help), `timeout` or `network` (with whether it
/// provably never left).
pub(crate) fn transport_error(e: reqwest::Error, elapsed: Duration) -> Error {
    if e.is_builder() {
        Error::config(format!(
            "the request could not be built (a header value with a line break or a control character?): {}",
            describe(e)
        ))
    } else if e.is_timeout() {
        Error::Timeout {
            elapsed,
            message: describe(e),
        }
    } else {
        let not_sent = e.is_connect();
        Error::Network {
            message: describe(e),
            not_sent,
        }
    }
}

/// The error for a body larger than the configured maximum.
pub(crate) fn too_large(status: u16, limit: usize, declared: Option<u64>) -> Error {
    let message = match declared {
        Some(n) => format!(
            "the answer declares {n} bytes, more than the limit of {limit} bytes (max_body_bytes)"
        ),
        None => format!("the answer is larger than the limit of {limit} bytes (max_body_bytes)"),
    };
    Error::Decode {
        status,
        message,
        excerpt: String::new(),
    }
}

/// Reads a body of at most `limit` bytes: a declared `Content-Length` above it is refused
/// before any byte is read, and a body that grows past it is cut off there.
pub(crate) async fn read_body_capped(
    resp: &mut reqwest::Response,
    limit: usize,
) -> std::result::Result<Bytes, BodyError> {
    let status = resp.status().as_u16();
    if let Some(len) = resp.content_length() {
        if len > limit as u64 {
            return Err(BodyError::TooLarge(too_large(status, limit, Some(len))));
        }
    }
    let first = resp.chunk().await.map_err(BodyError::Transport)?;
    let Some(first) = first else {
        return Ok(Bytes::new());
    };
    let second = resp.chunk().await.map_err(BodyError::Transport)?;
    let Some(second) = second else {
        if first.len() > limit {
            return Err(BodyError::TooLarge(too_large(status, limit, None)));
        }
        return Ok(first); // the common case: one chunk, no copy
    };
    let hint = resp
        .content_length()
        .map(|n| n as usize)
        .unwrap_or(0)
        .min(limit)
        .max(first.len() + second.len());
    let mut buf = bytes::BytesMut::with_capacity(hint);
    for chunk in [first, second] {
        if buf.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge(too_large(status, limit, None)));
        }
        buf.extend_from_slice(&chunk);
    }
    while let Some(chunk) = resp.chunk().await.map_err(BodyError::Transport)? {
        if buf.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge(too_large(status, limit, None)));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

/// Why a body could not be read.
pub(crate) enum BodyError {
    /// The connection failed while the body was coming in.
    Transport(reqwest::Error),
    /// The body was over the limit (a `decode` error).
    TooLarge(Error),
}

pub(crate) struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// How one attempt failed before an answer was complete.
pub(crate) enum SendFailure {
    /// A transport fault, classified (`network`, `timeout` or `config`).
    Transport(Error),
    /// A final error that no retry can help (a body over the limit).
    Final(Error),
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn send_once(
    http: &reqwest::Client,
    method: &Method,
    url: &Url,
    bearer: Option<&HeaderValue>,
    company: Option<u64>,
    body: Option<&Bytes>,
    timeout: Duration,
    max_body: usize,
) -> std::result::Result<Answer, SendFailure> {
    let sent_at = Instant::now();
    let transport = |e| SendFailure::Transport(transport_error(e, sent_at.elapsed()));
    // The request built whole (rather than through reqwest's builder, which parses and
    // validates each header again). Its header map is left to size itself: with no body, the
    // six headers of a call (four client defaults, the token and the company) fit the first
    // allocation (8 slots); a reserve for more asked for a block over glibc's 1 KiB small-bin
    // limit, which made malloc consolidate its free lists on every call (about 3,700
    // instructions a request under callgrind).
    let mut req = reqwest::Request::new(method.clone(), url.clone());
    *req.timeout_mut() = Some(timeout);
    let headers = req.headers_mut();
    let auth = bearer.cloned().ok_or_else(|| {
        SendFailure::Final(Error::config(
            "the access token is not valid in a header (a line break or a control character?)",
        ))
    })?;
    headers.insert(http::header::AUTHORIZATION, auth);
    if let Some(id) = company {
        headers.insert(COMPANY_HEADER, HeaderValue::from(id));
    }
    if let Some(b) = body {
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        *req.body_mut() = Some(b.clone().into());
    }
    let mut resp = http.execute(req).await.map_err(transport)?;
    let status = resp.status().as_u16();
    let headers = std::mem::take(resp.headers_mut());
    let body = read_body_capped(&mut resp, max_body)
        .await
        .map_err(|e| match e {
            BodyError::Transport(e) => transport(e),
            BodyError::TooLarge(e) => SendFailure::Final(e),
        })?;
    Ok(Answer {
        status,
        headers,
        body,
    })
}

/// `X-Request-Id` (a static name: looked up without parsing and validating it each time).
const REQUEST_ID_HEADER: http::HeaderName = http::HeaderName::from_static("x-request-id");

/// `X-Request-Id` of an answer.
pub(crate) fn request_id_of(headers: &HeaderMap) -> Option<String> {
    request_id_in(headers).map(str::to_owned)
}

/// `X-Request-Id` of an answer, borrowed.
pub(crate) fn request_id_in(headers: &HeaderMap) -> Option<&str> {
    headers.get(REQUEST_ID_HEADER).and_then(|v| v.to_str().ok())
}

/// A transport error's description with its causes, without its URL.
pub(crate) fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}
