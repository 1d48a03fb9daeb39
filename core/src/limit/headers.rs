//! Defensive parsing of `X-Rate-Limit-*` and `Retry-After`.
//!
//! Missing, negative, non-numeric, absurd or past values never panic and never make anyone
//! sleep for an absurd time: they are ignored (the limiter falls back to what it knew) or
//! capped.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderName};

// Static names: a lookup by `&str` parses and validates the name on every call.
const LIMIT: HeaderName = HeaderName::from_static("x-rate-limit-limit");
const REMAINING: HeaderName = HeaderName::from_static("x-rate-limit-remaining");
const RESET: HeaderName = HeaderName::from_static("x-rate-limit-reset");

/// The longest wait any header can impose (one hour and a bit: the hourly window).
pub const MAX_HEADER_WAIT: Duration = Duration::from_secs(3700);

/// One window as reported by `X-Rate-Limit-Limit/Remaining/Reset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimitSnapshot {
    /// Requests allowed in the window.
    pub limit: u64,
    /// Requests left in the window.
    pub remaining: u64,
    /// When the window resets (the header's Unix seconds).
    pub reset: SystemTime,
}

impl RateLimitSnapshot {
    /// The reset as Unix seconds.
    pub fn reset_unix(&self) -> u64 {
        self.reset
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }

    /// Parses the three headers; `None` unless all three are present and sane.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let num = |name: HeaderName| -> Option<u64> {
            let v = headers.get(name)?.to_str().ok()?.trim();
            if v.is_empty() || v.len() > 20 || !v.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            v.parse::<u64>().ok()
        };
        let limit = num(LIMIT)?;
        let remaining = num(REMAINING)?;
        let reset = num(RESET)?;
        if limit == 0 || remaining > limit {
            return None;
        }
        // A reset beyond year 2200 is junk, not a time.
        if reset > 7_258_118_400 {
            return None;
        }
        Some(RateLimitSnapshot {
            limit,
            remaining,
            reset: UNIX_EPOCH + Duration::from_secs(reset),
        })
    }
}

/// Parses `Retry-After` (delta seconds or an HTTP date) into a wait from `now`, capped at
/// [`MAX_HEADER_WAIT`]. A date in the past means "now" (zero).
pub fn parse_retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let v = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if v.is_empty() {
        return None;
    }
    if v.bytes().all(|b| b.is_ascii_digit()) {
        if v.len() > 12 {
            return Some(MAX_HEADER_WAIT);
        }
        let secs: u64 = v.parse().ok()?;
        return Some(Duration::from_secs(secs).min(MAX_HEADER_WAIT));
    }
    // Fractional seconds are not in the RFC, but are seen in the wild.
    if let Ok(f) = v.parse::<f64>() {
        if f.is_finite() && f >= 0.0 {
            return Some(Duration::from_secs_f64(
                f.min(MAX_HEADER_WAIT.as_secs_f64()),
            ));
        }
        return None;
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(
        at.duration_since(now)
            .unwrap_or(Duration::ZERO)
            .min(MAX_HEADER_WAIT),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                http::HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn parses_the_documented_examples() {
        let h = headers(&[
            ("X-Rate-Limit-Limit", "600"),
            ("X-Rate-Limit-Remaining", "589"),
            ("X-Rate-Limit-Reset", "1466182244"),
        ]);
        let s = RateLimitSnapshot::from_headers(&h).unwrap();
        assert_eq!(
            (s.limit, s.remaining, s.reset_unix()),
            (600, 589, 1466182244)
        );
    }

    #[test]
    fn rejects_junk() {
        for (l, r, t) in [
            ("600", "-1", "1466182244"),
            ("abc", "1", "1466182244"),
            ("600", "700", "1466182244"),
            ("0", "0", "1466182244"),
            ("600", "5", "99999999999999999999999"),
            ("600", "5", "1.5"),
            ("600", "5", ""),
        ] {
            let h = headers(&[
                ("X-Rate-Limit-Limit", l),
                ("X-Rate-Limit-Remaining", r),
                ("X-Rate-Limit-Reset", t),
            ]);
            assert_eq!(RateLimitSnapshot::from_headers(&h), None, "{l} {r} {t}");
        }
        assert_eq!(RateLimitSnapshot::from_headers(&HeaderMap::new()), None);
    }

    #[test]
    fn retry_after_both_forms() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            parse_retry_after(&headers(&[("Retry-After", "2")]), now),
            Some(Duration::from_secs(2))
        );
        let date = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(&headers(&[("Retry-After", &date)]), now),
            Some(Duration::from_secs(30))
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(&headers(&[("Retry-After", &past)]), now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after(&headers(&[("Retry-After", "soon")]), now),
            None
        );
        assert_eq!(
            parse_retry_after(&headers(&[("Retry-After", "-3")]), now),
            None
        );
        assert_eq!(
            parse_retry_after(&headers(&[("Retry-After", "999999999999999")]), now),
            Some(MAX_HEADER_WAIT)
        );
    }

    proptest! {
        #[test]
        fn never_panics_and_never_waits_absurdly(l in "\\PC{0,30}", r in "\\PC{0,30}", t in "\\PC{0,30}", ra in "\\PC{0,40}") {
            let mut h = HeaderMap::new();
            for (k, v) in [("x-rate-limit-limit", &l), ("x-rate-limit-remaining", &r), ("x-rate-limit-reset", &t), ("retry-after", &ra)] {
                if let Ok(v) = http::HeaderValue::from_str(v) { h.insert(k, v); }
            }
            if let Some(s) = RateLimitSnapshot::from_headers(&h) {
                prop_assert!(s.remaining <= s.limit);
            }
            if let Some(d) = parse_retry_after(&h, SystemTime::now()) {
                prop_assert!(d <= MAX_HEADER_WAIT);
            }
        }

        #[test]
        fn numeric_headers_round_trip(limit in 1u64..1_000_000, rem_frac in 0.0f64..=1.0, reset in 0u64..5_000_000_000) {
            let remaining = ((limit as f64) * rem_frac) as u64;
            let h = headers(&[
                ("X-Rate-Limit-Limit", &limit.to_string()),
                ("X-Rate-Limit-Remaining", &remaining.to_string()),
                ("X-Rate-Limit-Reset", &reset.to_string()),
            ]);
            let s = RateLimitSnapshot::from_headers(&h).unwrap();
            prop_assert_eq!((s.limit, s.remaining, s.reset_unix()), (limit, remaining, reset));
        }
    }
}
