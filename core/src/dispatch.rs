//! The request pipeline: Build -> Pace -> Authorize -> Send -> Classify -> Recover -> Return.
//!
//! Each stage owns one concern (ARCHITECTURE.md); bindings never repeat any of it. The
//! recovery decision is the pure function [`recover`]; this file only runs it, with the
//! waits, the refresh and the deadline.

use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use crate::client::ClientInner;
use crate::error::{from_status, Error, Result};
use crate::limit::{parse_retry_after, RateLimitSnapshot};
use crate::request::{resolve_url, CompanyChoice, RequestSpec};
use crate::response::Response;
use crate::retry::{is_idempotent, is_retryable_status};
use crate::transport::{request_id_of, send_once, SendFailure};

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

/// How one attempt failed, as the recovery decision sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    /// An error status.
    Status {
        status: u16,
        /// The answer had a `Retry-After` the limiter is now waiting out.
        retry_after: bool,
        /// A 503 whose `Retry-After` is longer than `RetryConfig::max_retry_after`.
        beyond_max_retry_after: bool,
    },
    /// The connection failed; `not_sent` when the request provably never left.
    Network { not_sent: bool },
    /// The attempt timed out (the server may have acted on it).
    Timeout,
    /// The request could not be built (a CR/LF in a header): resending cannot help.
    Unsendable,
}

/// One failed attempt and where the call stands.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Attempt {
    pub fault: Fault,
    /// 1 for the first attempt.
    pub number: u32,
    pub max_attempts: u32,
    pub idempotent: bool,
    /// A 401 was already answered by a refresh and a resend in this call.
    pub resent_after_401: bool,
}

/// What the pipeline does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Next {
    /// Refresh the access token (unless another caller already did) and resend; the resend
    /// is not counted as a retry.
    RefreshAndResend,
    /// Wait for the rate budget (the limiter holds every caller until the reset), then resend.
    AwaitBudget,
    /// Resend now: the limiter already waits out the answer's `Retry-After`.
    Resend,
    /// Back off (`RetryConfig::backoff`), then resend.
    Backoff,
    /// Return the error.
    Fail,
}

/// The recovery decision, one row per case (the pipeline only checks the deadline):
///
/// | fault | next |
/// |---|---|
/// | 401, first in this call | `RefreshAndResend` |
/// | 429, attempts left | `AwaitBudget` (any method: a 429 was not acted on) |
/// | 503 with `Retry-After` beyond the maximum | `Fail` (`server` with `retry_at`) |
/// | 500/502/503/504, idempotent, attempts left | `Resend` after a 503 `Retry-After`, else `Backoff` |
/// | network, idempotent or not sent, attempts left | `Backoff` |
/// | timeout, idempotent, attempts left | `Backoff` |
/// | anything else | `Fail` |
pub(crate) fn recover(a: &Attempt) -> Next {
    let left = a.number < a.max_attempts;
    match a.fault {
        Fault::Status { status: 401, .. } if !a.resent_after_401 => Next::RefreshAndResend,
        Fault::Status { status: 429, .. } if left => Next::AwaitBudget,
        Fault::Status {
            beyond_max_retry_after: true,
            ..
        } => Next::Fail,
        Fault::Status {
            status,
            retry_after,
            ..
        } if is_retryable_status(status) && a.idempotent && left => {
            if retry_after && status == 503 {
                Next::Resend
            } else {
                Next::Backoff
            }
        }
        Fault::Network { not_sent } if (a.idempotent || not_sent) && left => Next::Backoff,
        Fault::Timeout if a.idempotent && left => Next::Backoff,
        _ => Next::Fail,
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
            token.bearer(),
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
                tracing::debug!(method = %method, path = url.path(), attempt = attempts, error = %err, "transport error");
                let fault = match &err {
                    Error::Network { not_sent, .. } => Fault::Network {
                        not_sent: *not_sent,
                    },
                    Error::Timeout { .. } => Fault::Timeout,
                    _ => Fault::Unsendable,
                };
                let next = recover(&Attempt {
                    fault,
                    number: attempts,
                    max_attempts,
                    idempotent,
                    resent_after_401,
                });
                if next == Next::Backoff {
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
        let next = recover(&Attempt {
            fault: Fault::Status {
                status,
                retry_after: retry_after.is_some(),
                beyond_max_retry_after: server_retry_at.is_some(),
            },
            number: attempts,
            max_attempts,
            idempotent,
            resent_after_401,
        });
        match next {
            Next::RefreshAndResend => {
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
            Next::AwaitBudget => {
                let wait = inner
                    .limiter
                    .blocked_until()
                    .and_then(|t| t.duration_since(SystemTime::now()).ok())
                    .unwrap_or_default();
                if !past_deadline(wait) {
                    continue; // the limiter holds every caller until the reset
                }
            }
            Next::Resend | Next::Backoff => {
                let pause = if next == Next::Resend {
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
            Next::Fail => {}
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

    fn at(fault: Fault, number: u32, idempotent: bool) -> Next {
        recover(&Attempt {
            fault,
            number,
            max_attempts: 3,
            idempotent,
            resent_after_401: false,
        })
    }

    fn status(status: u16) -> Fault {
        Fault::Status {
            status,
            retry_after: false,
            beyond_max_retry_after: false,
        }
    }

    #[test]
    fn a_401_refreshes_once() {
        assert_eq!(at(status(401), 1, false), Next::RefreshAndResend);
        let again = Attempt {
            fault: status(401),
            number: 1,
            max_attempts: 3,
            idempotent: true,
            resent_after_401: true,
        };
        assert_eq!(recover(&again), Next::Fail);
    }

    #[test]
    fn a_429_waits_for_the_budget_for_any_method_while_attempts_last() {
        assert_eq!(at(status(429), 1, false), Next::AwaitBudget);
        assert_eq!(at(status(429), 2, true), Next::AwaitBudget);
        assert_eq!(at(status(429), 3, true), Next::Fail);
    }

    #[test]
    fn server_errors_retry_only_idempotent_calls() {
        for s in [500, 502, 503, 504] {
            assert_eq!(at(status(s), 1, true), Next::Backoff, "{s}");
            assert_eq!(at(status(s), 1, false), Next::Fail, "{s}");
            assert_eq!(at(status(s), 3, true), Next::Fail, "{s}");
        }
        let with_retry_after = Fault::Status {
            status: 503,
            retry_after: true,
            beyond_max_retry_after: false,
        };
        assert_eq!(at(with_retry_after, 1, true), Next::Resend);
        let outage = Fault::Status {
            status: 503,
            retry_after: false,
            beyond_max_retry_after: true,
        };
        assert_eq!(at(outage, 1, true), Next::Fail);
    }

    #[test]
    fn client_errors_are_final() {
        for s in [400, 403, 404, 409, 422] {
            assert_eq!(at(status(s), 1, true), Next::Fail, "{s}");
        }
    }

    #[test]
    fn transport_faults_retry_when_safe() {
        assert_eq!(
            at(Fault::Network { not_sent: false }, 1, true),
            Next::Backoff
        );
        assert_eq!(at(Fault::Network { not_sent: false }, 1, false), Next::Fail);
        assert_eq!(
            at(Fault::Network { not_sent: true }, 1, false),
            Next::Backoff
        );
        assert_eq!(at(Fault::Network { not_sent: true }, 3, false), Next::Fail);
        assert_eq!(at(Fault::Timeout, 1, true), Next::Backoff);
        assert_eq!(at(Fault::Timeout, 1, false), Next::Fail);
        assert_eq!(at(Fault::Unsendable, 1, true), Next::Fail);
    }
}
