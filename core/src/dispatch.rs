//! The request pipeline: Build -> Authorize -> Pace -> Send -> Classify -> Recover -> Return.
//!
//! Each stage owns one concern (design.md); bindings never repeat any of it.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method};
use tokio::time::Instant;
use url::Url;

use crate::auth::oauth::describe;
use crate::client::{ClientInner, CompanyChoice, RequestSpec};
use crate::config::{HttpConfig, SDK_VERSION};
use crate::error::{from_status, Error, Result};
use crate::limit::{parse_retry_after, RateLimitSnapshot};
use crate::response::Response;
use crate::retry::{is_idempotent, is_retryable_status};

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

/// Resolves a call's path against the API base: absolute `/rest/...` paths as they are,
/// relative paths under `/rest/{version}/`, absolute URLs only on the API's own origin.
pub(crate) fn resolve_url(
    api_base: &Url,
    default_version: &str,
    spec: &RequestSpec,
) -> Result<Url> {
    let path = spec.path.trim();
    if path.is_empty() {
        return Err(Error::config("the path is empty"));
    }
    let raw_path = path.split(['?', '#']).next().unwrap_or_default();
    if raw_path.contains('\\') {
        return Err(Error::config(format!(
            "the path {path:?} may not contain backslashes"
        )));
    }
    if path.chars().any(|c| c.is_control()) {
        return Err(Error::config("the path may not contain control characters"));
    }
    let mut base = api_base.clone();
    if !base.path().ends_with('/') {
        let p = format!("{}/", base.path());
        base.set_path(&p);
    }
    let url = if path.starts_with("http://") || path.starts_with("https://") {
        let url =
            Url::parse(path).map_err(|e| Error::config(format!("invalid URL {path:?}: {e}")))?;
        if url.origin() != api_base.origin() {
            return Err(Error::config(format!(
                "refusing to send credentials to {}: not the API host {}",
                url.origin().ascii_serialization(),
                api_base.origin().ascii_serialization()
            )));
        }
        url
    } else {
        let rel = path.trim_start_matches('/');
        if has_dot_segment(rel.split(['?', '#']).next().unwrap_or_default()) {
            return Err(Error::config(format!(
                "the path {path:?} may not contain . or .. segments"
            )));
        }
        let rel = if rel.starts_with("rest/") {
            rel.to_owned()
        } else {
            let v = spec.version.as_deref().unwrap_or(default_version);
            format!("rest/{v}/{rel}")
        };
        base.join(&rel)
            .map_err(|e| Error::config(format!("invalid path {path:?}: {e}")))?
    };
    // Checked again on the URL as the URL library normalised it: `%2e%2e`, `.%2e` and the
    // like are dot segments too, and the bearer token must stay under the API's base.
    let under_api = format!("{}rest/", base.path());
    if !url.path().starts_with(&under_api) || has_dot_segment(url.path()) {
        return Err(Error::config(format!(
            "the path {path:?} leads outside the API ({under_api}...)"
        )));
    }
    let mut url = url;
    if !spec.query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (k, v) in &spec.query {
            pairs.append_pair(k, v);
        }
    }
    Ok(url)
}

/// True when a segment of `path` is `.` or `..`, also when percent-encoded (`%2e`, `.%2E`).
fn has_dot_segment(path: &str) -> bool {
    path.split('/').any(|seg| {
        let decoded = seg.to_ascii_lowercase().replace("%2e", ".");
        decoded == "." || decoded == ".."
    })
}

struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
}

/// How one attempt failed before an answer was complete.
enum SendFailure {
    /// A transport fault, classified (`network`, `timeout` or `config`).
    Transport(Error),
    /// A final error that no retry can help (a body over the limit).
    Final(Error),
}

#[allow(clippy::too_many_arguments)]
async fn send_once(
    http: &reqwest::Client,
    method: &Method,
    url: &Url,
    token: &str,
    company: Option<u64>,
    body: Option<&Bytes>,
    timeout: Duration,
    max_body: usize,
) -> std::result::Result<Answer, SendFailure> {
    let sent_at = Instant::now();
    let transport = |e| SendFailure::Transport(transport_error(e, sent_at.elapsed()));
    let mut req = http
        .request(method.clone(), url.clone())
        .bearer_auth(token)
        .timeout(timeout);
    if let Some(id) = company {
        req = req.header("procore-company-id", id);
    }
    if let Some(b) = body {
        req = req
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(b.clone());
    }
    let mut resp = req.send().await.map_err(transport)?;
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

pub(crate) fn request_id_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Waits for `fut` until `deadline` (if any); past it, a `timeout` error that says what was
/// being waited for. The work behind `fut` must be cancel-safe: token refreshes run in their
/// own task and finish (and persist) on their own.
async fn within<T>(
    deadline: Option<Instant>,
    started: Instant,
    what: &str,
    fut: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    match deadline {
        Some(d) => match tokio::time::timeout_at(d, fut).await {
            Ok(r) => r,
            Err(_) => Err(Error::Timeout {
                elapsed: started.elapsed(),
                message: format!("the call's deadline passed while {what}"),
            }),
        },
        None => fut.await,
    }
}

/// Runs one call through every stage.
pub(crate) async fn execute(inner: &ClientInner, spec: &RequestSpec) -> Result<Response> {
    // Build
    let url = resolve_url(&inner.api_base, &inner.api_version, spec)?;
    let company = match spec.company {
        CompanyChoice::Default => inner.company_id,
        CompanyChoice::Id(id) => Some(id),
        CompanyChoice::None => None,
    };
    let method = &spec.method;
    let started = Instant::now();
    // A deadline too far off to represent is no deadline at all.
    let deadline = spec
        .deadline
        .or(inner.retry.deadline)
        .and_then(|d| started.checked_add(d));
    let max_attempts = spec.max_attempts.unwrap_or(inner.retry.max_attempts).max(1);
    let per_attempt = spec.timeout.unwrap_or(inner.http_config.request_timeout);
    let max_body = inner.http_config.max_body_bytes;
    let idempotent = is_idempotent(method);
    let mut attempts = 0u32;
    let mut waited = Duration::ZERO;
    let mut resent_after_401 = false;
    let past_deadline = |extra: Duration| match deadline {
        Some(d) => Instant::now().checked_add(extra).is_none_or(|t| t > d),
        None => false,
    };

    loop {
        attempts += 1;
        // Pace: first, because the wait may outlast the access token.
        let pace_start = Instant::now();
        let permit = match deadline {
            Some(d) => match tokio::time::timeout_at(d, inner.limiter.acquire()).await {
                Ok(p) => p?,
                Err(_) => {
                    return Err(Error::RateLimited {
                        retry_at: inner.limiter.blocked_until(),
                        api: None,
                    })
                }
            },
            None => inner.limiter.acquire().await?,
        };
        waited += pace_start.elapsed();
        // Authorize: after any wait, so the token is checked (and refreshed) as of now. A
        // refresh is bounded by the call's deadline too; it goes on in its own task.
        let token = within(
            deadline,
            started,
            "waiting for an access token",
            inner.tokens.access_token(),
        )
        .await?;
        // Send
        let timeout = match deadline {
            Some(d) => per_attempt.min(
                d.saturating_duration_since(Instant::now())
                    .max(Duration::from_millis(1)),
            ),
            None => per_attempt,
        };
        tracing::debug!(method = %method, path = url.path(), attempt = attempts, "sending");
        let answer = send_once(
            &inner.http,
            method,
            &url,
            token.secret(),
            company,
            spec.body.as_ref(),
            timeout,
            max_body,
        )
        .await;
        // Classify
        let answer = match answer {
            Ok(a) => a,
            Err(SendFailure::Final(err)) => return Err(err),
            Err(SendFailure::Transport(err)) => {
                drop(permit);
                let retryable = match &err {
                    // Idempotent calls after any transport fault; others only if the
                    // request never left.
                    Error::Network { not_sent, .. } => idempotent || *not_sent,
                    Error::Timeout { .. } => idempotent,
                    _ => false, // a request that cannot be built stays unbuildable
                };
                tracing::debug!(method = %method, path = url.path(), attempt = attempts, error = %err, "transport error");
                if retryable && attempts < max_attempts {
                    let pause = inner.retry.backoff(attempts);
                    if !past_deadline(pause) {
                        tokio::time::sleep(pause).await;
                        waited += pause;
                        continue;
                    }
                }
                return Err(err);
            }
        };
        let status = answer.status;
        let snapshot = RateLimitSnapshot::from_headers(&answer.headers);
        let mut retry_after = parse_retry_after(&answer.headers, SystemTime::now());
        // A 503 whose Retry-After is further off than we are willing to wait is a server
        // outage, not a rate limit: nobody is held for it, and the caller learns when to come
        // back.
        let mut server_retry_at = None;
        if status == 503 {
            if let Some(ra) = retry_after.filter(|ra| *ra > inner.retry.max_retry_after) {
                server_retry_at = SystemTime::now().checked_add(ra);
                retry_after = None;
            }
        }
        inner
            .limiter
            .observe(permit, snapshot.as_ref(), status, retry_after);
        tracing::debug!(method = %method, path = url.path(), status, attempt = attempts, "answer");
        if status < 300 || (status < 400 && spec.raw) {
            // Return
            return Ok(Response {
                status,
                request_id: request_id_of(&answer.headers),
                headers: answer.headers,
                body: answer.body,
                rate_limit: snapshot,
                attempts,
                waited,
            });
        }
        if status < 400 {
            // Redirects are never followed (they could carry the token elsewhere) and are
            // not a success either.
            let mut err = from_status(status, request_id_of(&answer.headers), &answer.body);
            if let Error::Http(api) = &mut err {
                api.location = answer
                    .headers
                    .get(http::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
            }
            return Err(err);
        }
        // Recover
        if status == 401 && !resent_after_401 {
            resent_after_401 = true;
            let renewed = within(
                deadline,
                started,
                "refreshing the access token after a 401",
                inner.tokens.on_unauthorized(token.version()),
            )
            .await?;
            if renewed.is_some() {
                attempts -= 1; // the resend after a refresh is not a retry
                continue;
            }
        }
        if status == 429 && attempts < max_attempts {
            let wait = inner
                .limiter
                .blocked_until()
                .and_then(|t| t.duration_since(SystemTime::now()).ok())
                .unwrap_or_default();
            if !past_deadline(wait) {
                continue; // the limiter holds every caller until the reset
            }
        }
        if is_retryable_status(status)
            && idempotent
            && attempts < max_attempts
            && server_retry_at.is_none()
        {
            // A 503 with Retry-After already paused the limiter; otherwise back off.
            let pause = if retry_after.is_some() && status == 503 {
                Duration::ZERO
            } else {
                inner.retry.backoff(attempts)
            };
            if !past_deadline(pause) {
                tokio::time::sleep(pause).await;
                waited += pause;
                continue;
            }
        }
        let err = from_status(status, request_id_of(&answer.headers), &answer.body);
        return Err(match err {
            Error::RateLimited { api, .. } => {
                let retry_at = retry_after
                    .and_then(|d| SystemTime::now().checked_add(d))
                    .or_else(|| snapshot.map(|s| s.reset))
                    .or_else(|| inner.limiter.blocked_until());
                Error::RateLimited { retry_at, api }
            }
            Error::Server(mut api) => {
                api.retry_at = server_retry_at
                    .or_else(|| retry_after.and_then(|d| SystemTime::now().checked_add(d)));
                Error::Server(api)
            }
            e => e,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(path: &str) -> RequestSpec {
        RequestSpec::new(Method::GET, path)
    }

    #[test]
    fn paths_resolve() {
        let base = Url::parse("https://api.procore.com").unwrap();
        let r = |s: &RequestSpec| resolve_url(&base, "v1.0", s).map(|u| u.to_string());
        assert_eq!(
            r(&spec("/rest/v1.0/projects")).unwrap(),
            "https://api.procore.com/rest/v1.0/projects"
        );
        assert_eq!(
            r(&spec("projects")).unwrap(),
            "https://api.procore.com/rest/v1.0/projects"
        );
        assert_eq!(
            r(&spec("/projects/5/rfis")).unwrap(),
            "https://api.procore.com/rest/v1.0/projects/5/rfis"
        );
        let mut s = spec("companies/1/projects");
        s.version = Some("v1.1".into());
        s.query = vec![
            ("filters[id][]".into(), "1".into()),
            ("filters[id][]".into(), "2".into()),
        ];
        assert_eq!(
            r(&s).unwrap(),
            "https://api.procore.com/rest/v1.1/companies/1/projects?filters%5Bid%5D%5B%5D=1&filters%5Bid%5D%5B%5D=2"
        );
        assert_eq!(
            r(&spec("https://evil.example/rest/v1.0/me"))
                .unwrap_err()
                .code(),
            "config"
        );
        assert_eq!(r(&spec("../../etc")).unwrap_err().code(), "config");
        assert_eq!(r(&spec("")).unwrap_err().code(), "config");
        // Dot segments however written, and backslashes, never get through (the URL library
        // would normalise them and the token would reach paths outside the API).
        for bad in [
            "%2e%2e/%2e%2e/oauth/token",
            ".%2e/.%2E/admin",
            "%2E%2e/x",
            "projects/%2e/x",
            "projects\\..\\..\\admin",
            "rest/v1.0/%2e%2e/%2e%2e/x",
            "https://api.procore.com/rest/v1.0/../../admin",
            "https://api.procore.com/rest/v1.0/%2e%2e/%2e%2e/admin",
            "https://api.procore.com/oauth/token",
            "projects\r\nHost: evil",
        ] {
            assert_eq!(r(&spec(bad)).unwrap_err().code(), "config", "{bad}");
        }
        assert_eq!(
            r(&spec("projects/a%2eb")).unwrap(),
            "https://api.procore.com/rest/v1.0/projects/a%2eb"
        );
        let proxied = Url::parse("https://proxy.example/procore").unwrap();
        assert_eq!(
            resolve_url(
                &proxied,
                "v1.0",
                &spec("https://proxy.example/other/rest/v1.0/me")
            )
            .unwrap_err()
            .code(),
            "config"
        );
        assert_eq!(
            resolve_url(&proxied, "v1.0", &spec("me")).unwrap().as_str(),
            "https://proxy.example/procore/rest/v1.0/me"
        );
    }
}
