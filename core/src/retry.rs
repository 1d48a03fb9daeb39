//! What is retried, and how long to wait.
//!
//! - 500, 502, 503, 504, timeouts and connection resets are retried for idempotent methods
//!   (GET, HEAD, PUT, DELETE, OPTIONS).
//! - POST and PATCH are retried only when the request provably never left (connection
//!   refused): resending a POST whose answer was lost could create a second RFI.
//! - 429 (and 503 with `Retry-After`) wait for the server's time through the limiter, for
//!   every method: the server refused the request without acting on it.
//! - Backoff is exponential with full jitter, bounded by `max_attempts` and an overall
//!   deadline per call. The token endpoint never comes here (see `auth::manager`).

use std::time::Duration;

use http::Method;

/// Retry policy.
///
/// # Examples
///
/// ```no_run
/// # fn demo() -> procore::Result<()> {
/// use std::time::Duration;
/// use procore::{Client, RetryConfig};
///
/// let client = Client::builder()
///     .access_token("a-token")
///     .retry(RetryConfig {
///         max_attempts: 6,
///         max_delay: Duration::from_secs(5),
///         deadline: Some(Duration::from_secs(45)),
///         ..RetryConfig::default()
///     })
///     .build()?;
/// // Or per call: `client.get("me").max_attempts(1)` never retries.
/// # let _ = client;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct RetryConfig {
    /// Attempts in all, the first included (default 4). 1 disables retries.
    pub max_attempts: u32,
    /// The first backoff's upper bound (default 250 ms); doubles each attempt.
    pub base_delay: Duration,
    /// The largest backoff (default 20 s).
    pub max_delay: Duration,
    /// The whole call, waits included, must end within this (default 2 minutes).
    pub deadline: Option<Duration>,
    /// The longest `Retry-After` of a 503 that is waited for (default 60 s); a longer one ends
    /// the call at once as `server`, with the server's time in `retry_at`.
    pub max_retry_after: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(20),
            deadline: Some(Duration::from_secs(120)),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryConfig {
    /// No retries at all.
    pub fn none() -> Self {
        RetryConfig {
            max_attempts: 1,
            ..Default::default()
        }
    }

    /// The backoff before attempt `attempt + 1` (attempt counts from 1): full jitter,
    /// uniform in `[0, min(max_delay, base * 2^(attempt-1))]`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(20);
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        ceiling.mul_f64(rand::random::<f64>())
    }
}

/// Methods that may be sent twice with the same effect.
pub fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
    )
}

/// Statuses worth another try of an idempotent request.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 500 | 502 | 503 | 504)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded_and_grows() {
        let c = RetryConfig::default();
        for attempt in 1..30 {
            let d = c.backoff(attempt);
            assert!(d <= c.max_delay);
            let ceiling = c
                .base_delay
                .saturating_mul(1 << (attempt - 1).min(20))
                .min(c.max_delay);
            assert!(d <= ceiling, "{attempt}: {d:?} > {ceiling:?}");
        }
    }

    #[test]
    fn idempotency() {
        assert!(is_idempotent(&Method::GET));
        assert!(is_idempotent(&Method::DELETE));
        assert!(is_idempotent(&Method::PUT));
        assert!(!is_idempotent(&Method::POST));
        assert!(!is_idempotent(&Method::PATCH));
    }
}
