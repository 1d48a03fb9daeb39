//! Procore's two fixed rate-limit windows (hourly and spike), per principal.
//!
//! Windows are aligned to multiples of their length in Unix time, so `X-Rate-Limit-Reset` is
//! exactly the end of the window. A served request counts in both windows; a 429 counts in
//! neither. Both windows are checked and bumped under one short per-principal lock, which
//! keeps the count exact under concurrency (a test can assert "exactly 25 served").

use std::sync::Mutex;

use crate::config::RuntimeConfig;
use crate::tokens::Principal;
use crate::util::{ceil_secs, LockExt};

/// The three `X-Rate-Limit-*` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RateHeaders {
    pub limit: u64,
    pub remaining: u64,
    /// Unix seconds.
    pub reset: u64,
}

/// What the limiter decided for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Served; headers for the window with fewer remaining requests (ties: hourly).
    Allowed(RateHeaders),
    /// 429; headers for the spent window, and the seconds until it resets (rounded up).
    Limited {
        headers: RateHeaders,
        retry_after: u64,
    },
}

#[derive(Default, Debug)]
struct Window {
    start: u64,
    count: u64,
}

impl Window {
    fn roll(&mut self, now: u64, len: u64) -> u64 {
        let start = now - now % len;
        if self.start != start {
            self.start = start;
            self.count = 0;
        }
        start + len
    }
}

#[derive(Default, Debug)]
struct Windows {
    hourly: Window,
    spike: Window,
}

/// One pair of windows per principal (there is one user and one client).
#[derive(Default)]
pub(crate) struct RateLimiter {
    user: Mutex<Windows>,
    client: Mutex<Windows>,
}

impl RateLimiter {
    /// Checks and, when allowed, counts one request. `None` when rate limiting is disabled.
    pub(crate) fn check(
        &self,
        principal: Principal,
        cfg: &RuntimeConfig,
        now: f64,
    ) -> Option<Decision> {
        if !cfg.rate_limits_enabled {
            return None;
        }
        let now_secs = now.max(0.0) as u64;
        let hl = u64::from(cfg.hourly_limit);
        let sl = u64::from(cfg.spike_limit);
        let mut w = self.slot(principal).lock_ok();
        let h_end = w.hourly.roll(now_secs, cfg.hourly_window_secs);
        let s_end = w.spike.roll(now_secs, cfg.spike_window_secs);
        let h_spent = w.hourly.count >= hl;
        let s_spent = w.spike.count >= sl;
        if h_spent || s_spent {
            let (limit, reset) = if h_spent { (hl, h_end) } else { (sl, s_end) };
            return Some(Decision::Limited {
                headers: RateHeaders {
                    limit,
                    remaining: 0,
                    reset,
                },
                retry_after: ceil_secs(reset as f64 - now).max(1),
            });
        }
        w.hourly.count += 1;
        w.spike.count += 1;
        let h_rem = hl - w.hourly.count;
        let s_rem = sl - w.spike.count;
        Some(Decision::Allowed(if s_rem < h_rem {
            RateHeaders {
                limit: sl,
                remaining: s_rem,
                reset: s_end,
            }
        } else {
            RateHeaders {
                limit: hl,
                remaining: h_rem,
                reset: h_end,
            }
        }))
    }

    /// Forgets all usage (part of `POST /__simulator/reset`).
    pub(crate) fn reset(&self) {
        *self.user.lock_ok() = Windows::default();
        *self.client.lock_ok() = Windows::default();
    }

    fn slot(&self, p: Principal) -> &Mutex<Windows> {
        match p {
            Principal::User => &self.user,
            Principal::Client => &self.client,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SimulatorConfig;
    use std::time::Duration;

    fn cfg(h: u32, hw: u64, s: u32, sw: u64) -> RuntimeConfig {
        SimulatorConfig::default()
            .with_hourly(h, Duration::from_secs(hw))
            .with_spike(s, Duration::from_secs(sw))
            .runtime()
    }

    #[test]
    fn spike_then_limited_then_next_window() {
        let rl = RateLimiter::default();
        let c = cfg(100, 3600, 3, 10);
        let t = 1_000_000.5; // window [1_000_000, 1_000_010)
        let d1 = rl.check(Principal::User, &c, t);
        assert_eq!(
            d1,
            Some(Decision::Allowed(RateHeaders {
                limit: 3,
                remaining: 2,
                reset: 1_000_010
            }))
        );
        rl.check(Principal::User, &c, t);
        rl.check(Principal::User, &c, t);
        match rl.check(Principal::User, &c, t + 1.0) {
            Some(Decision::Limited {
                headers,
                retry_after,
            }) => {
                assert_eq!(headers.remaining, 0);
                assert_eq!(headers.limit, 3);
                assert_eq!(headers.reset, 1_000_010);
                assert_eq!(retry_after, 9);
            }
            other => panic!("expected limited, got {other:?}"),
        }
        // The client has its own budget.
        assert!(matches!(
            rl.check(Principal::Client, &c, t),
            Some(Decision::Allowed(_))
        ));
        // Next spike window.
        assert!(matches!(
            rl.check(Principal::User, &c, 1_000_010.0),
            Some(Decision::Allowed(_))
        ));
    }

    #[test]
    fn ties_report_hourly() {
        let rl = RateLimiter::default();
        let c = cfg(5, 3600, 5, 10);
        match rl.check(Principal::User, &c, 7200.0) {
            Some(Decision::Allowed(h)) => {
                assert_eq!(h.reset, 10800);
                assert_eq!(h.remaining, 4);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn disabled() {
        let rl = RateLimiter::default();
        let mut c = cfg(1, 3600, 1, 10);
        c.rate_limits_enabled = false;
        assert_eq!(rl.check(Principal::User, &c, 1.0), None);
    }
}
