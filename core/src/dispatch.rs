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

/// Maps a transport error to `timeout` or `network` (with whether it provably never left).
pub(crate) fn transport_error(e: reqwest::Error, elapsed: Duration) -> Error {
    if e.is_timeout() {
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
    let mut url = if path.starts_with("http://") || path.starts_with("https://") {
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
        if rel.split(['/', '?']).any(|seg| seg == ".." || seg == ".") {
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
        let mut base = api_base.clone();
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        base.join(&rel)
            .map_err(|e| Error::config(format!("invalid path {path:?}: {e}")))?
    };
    if !spec.query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (k, v) in &spec.query {
            pairs.append_pair(k, v);
        }
    }
    Ok(url)
}

struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
}

async fn send_once(
    http: &reqwest::Client,
    method: &Method,
    url: &Url,
    token: &str,
    company: Option<u64>,
    body: Option<&Bytes>,
    timeout: Duration,
) -> std::result::Result<Answer, reqwest::Error> {
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
    let mut resp = req.send().await?;
    let status = resp.status().as_u16();
    let headers = std::mem::take(resp.headers_mut());
    let body = resp.bytes().await?;
    Ok(Answer {
        status,
        headers,
        body,
    })
}

fn request_id_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
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
    let deadline = spec.deadline.or(inner.retry.deadline).map(|d| started + d);
    let max_attempts = spec.max_attempts.unwrap_or(inner.retry.max_attempts).max(1);
    let per_attempt = spec.timeout.unwrap_or(inner.http_config.request_timeout);
    let idempotent = is_idempotent(method);
    let mut attempts = 0u32;
    let mut waited = Duration::ZERO;
    let mut resent_after_401 = false;
    let past_deadline = |extra: Duration| {
        deadline
            .map(|d| Instant::now() + extra > d)
            .unwrap_or(false)
    };

    loop {
        attempts += 1;
        // Authorize
        let token = inner.tokens.access_token().await?;
        // Pace
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
        // Send
        let timeout = match deadline {
            Some(d) => per_attempt.min(
                d.saturating_duration_since(Instant::now())
                    .max(Duration::from_millis(1)),
            ),
            None => per_attempt,
        };
        let sent_at = Instant::now();
        tracing::debug!(method = %method, path = url.path(), attempt = attempts, "sending");
        let answer = send_once(
            &inner.http,
            method,
            &url,
            token.secret(),
            company,
            spec.body.as_ref(),
            timeout,
        )
        .await;
        // Classify
        let answer = match answer {
            Ok(a) => a,
            Err(e) => {
                drop(permit);
                let err = transport_error(e, sent_at.elapsed());
                let not_sent = matches!(err, Error::Network { not_sent: true, .. });
                tracing::debug!(method = %method, path = url.path(), attempt = attempts, error = %err, "transport error");
                // Recover: idempotent calls after any transport fault; others only if the
                // request never left.
                if attempts < max_attempts && (idempotent || not_sent) {
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
        let snapshot = RateLimitSnapshot::from_headers(&answer.headers);
        let retry_after = parse_retry_after(&answer.headers, SystemTime::now());
        inner
            .limiter
            .observe(permit, snapshot.as_ref(), answer.status, retry_after);
        let status = answer.status;
        tracing::debug!(method = %method, path = url.path(), status, attempt = attempts, "answer");
        if status < 400 {
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
        // Recover
        if status == 401 && !resent_after_401 {
            resent_after_401 = true;
            if inner
                .tokens
                .on_unauthorized(token.version())
                .await?
                .is_some()
            {
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
        if is_retryable_status(status) && idempotent && attempts < max_attempts {
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
                    .map(|d| SystemTime::now() + d)
                    .or_else(|| snapshot.map(|s| s.reset))
                    .or_else(|| inner.limiter.blocked_until());
                Error::RateLimited { retry_at, api }
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
        let proxied = Url::parse("https://proxy.example/procore").unwrap();
        assert_eq!(
            resolve_url(&proxied, "v1.0", &spec("me")).unwrap().as_str(),
            "https://proxy.example/procore/rest/v1.0/me"
        );
    }
}
