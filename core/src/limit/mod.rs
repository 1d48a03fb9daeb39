//! Rate-limit pacing: spend the whole budget, never run into a 429 storm.
//!
//! Procore counts requests in two windows (hourly and a 10-second spike window) and reports,
//! on every response, the window the caller is likelier to hit first. The [`Limiter`] learns
//! each window it sees (keyed by its limit), remembers the window lengths from consecutive
//! resets, and once less than half of a window is left, spreads the remaining requests over
//! the time left until it resets, counting requests still in flight as already spent (while
//! plenty is left, calls go at once: a short script should not crawl). After a 429 (or a 503 with
//! `Retry-After`) every caller sharing the budget waits until the reset, then resumes with
//! jitter so that the waiters do not stampede.
//!
//! All waiting uses tokio's clock, so tests can pause time.

pub mod headers;

pub use headers::{parse_retry_after, RateLimitSnapshot, MAX_HEADER_WAIT};

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use crate::error::{Error, Result};

/// How the client paces itself.
#[derive(Clone, Debug)]
pub struct RateLimitConfig {
    /// Pace requests from the rate-limit headers (default true). When false, 429s are still
    /// waited out by the retry layer, but nothing is spread ahead of time.
    pub enabled: bool,
    /// Fail with `rate_limited` (carrying the retry time) instead of waiting longer than this.
    /// `None`: wait as long as the server says (capped at an hour).
    pub max_wait: Option<Duration>,
    /// The budget assumed before the first response arrives: `(requests, window length)`.
    /// Default: 25 requests per 10 s, Procore's documented spike window.
    pub initial_window: Option<(u64, Duration)>,
    /// Waiters released after a 429 spread themselves over up to this long (default 500 ms).
    pub resume_jitter: Duration,
    /// Extra wait past a window's reset before it is taken as renewed, for clock skew
    /// between the server and this machine (default 100 ms).
    pub reset_margin: Duration,
    /// While more than this fraction of a window's limit is left, calls go at once; below it,
    /// the rest is spread evenly over the time left (default 0.5). 0 spreads always.
    pub burst_fraction: f64,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            enabled: true,
            max_wait: None,
            initial_window: Some((25, Duration::from_secs(10))),
            resume_jitter: Duration::from_millis(500),
            reset_margin: Duration::from_millis(100),
            burst_fraction: 0.5,
        }
    }
}

impl RateLimitConfig {
    /// No pacing at all.
    pub fn disabled() -> Self {
        RateLimitConfig {
            enabled: false,
            ..Default::default()
        }
    }
}

#[derive(Clone, Debug)]
struct Window {
    limit: u64,
    remaining: u64,
    /// When the window renews (server reset + margin), on tokio's clock.
    reset: Instant,
    /// The server's reset, to compare snapshots exactly.
    reset_unix: u64,
    /// Learned from two consecutive resets.
    length: Option<Duration>,
}

#[derive(Debug)]
struct State {
    windows: Vec<Window>,
    /// Permits handed out whose response has not been observed yet.
    in_flight: u64,
    /// Nobody goes before this (after a 429 or a 503 with Retry-After).
    blocked_until: Option<Instant>,
    /// The earliest time the next paced permit may go.
    next_slot: Instant,
    /// True once a response has been seen (the initial window is then dropped).
    learned: bool,
}

/// One budget's pacing, shared by every caller of a client (clones share it).
#[derive(Debug)]
pub struct Limiter {
    config: RateLimitConfig,
    state: Mutex<State>,
    /// Wakes waiters when what they wait for may have changed (the first answer replaced the
    /// assumed initial window), so nobody sleeps on a stale plan.
    changed: tokio::sync::Notify,
}

/// The right to send one request. Hand it back through [`Limiter::observe`]; dropping it
/// unobserved (a transport error, a cancelled call) just frees its place.
#[derive(Debug)]
pub struct Permit<'a> {
    limiter: &'a Limiter,
    done: bool,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.done {
            let mut st = self.limiter.lock();
            st.in_flight = st.in_flight.saturating_sub(1);
        }
    }
}

enum Plan {
    Go,
    Wait(Instant),
}

/// Every live limiter of this process, by budget key, so that two clients spending the same
/// budget (same API host, same credentials) share one limiter instead of each assuming it owns
/// the whole budget.
fn registry() -> &'static Mutex<HashMap<String, Weak<Limiter>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, Weak<Limiter>>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

impl Limiter {
    /// The process-wide limiter of the budget `key`, created with `config` if none is alive.
    /// (The first client's configuration wins for as long as any client holds the budget.)
    pub fn shared(key: &str, config: RateLimitConfig) -> Arc<Limiter> {
        let mut map = registry().lock().unwrap_or_else(|p| p.into_inner());
        if let Some(l) = map.get(key).and_then(Weak::upgrade) {
            return l;
        }
        map.retain(|_, w| w.strong_count() > 0);
        let l = Arc::new(Limiter::new(config));
        map.insert(key.to_owned(), Arc::downgrade(&l));
        l
    }

    pub fn new(config: RateLimitConfig) -> Self {
        let now = Instant::now();
        let windows = config
            .initial_window
            .filter(|(limit, len)| *limit > 0 && !len.is_zero())
            .map(|(limit, length)| Window {
                limit,
                remaining: limit,
                reset: now + length,
                reset_unix: 0,
                length: Some(length),
            })
            .into_iter()
            .collect();
        Limiter {
            config,
            state: Mutex::new(State {
                windows,
                in_flight: 0,
                blocked_until: None,
                next_slot: now,
                learned: false,
            }),
            changed: tokio::sync::Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for the budget to allow one more request. Fails with `rate_limited` when the wait
    /// would exceed `max_wait`.
    pub async fn acquire(&self) -> Result<Permit<'_>> {
        let jitter = self.jitter();
        loop {
            let plan = self.plan(Instant::now(), jitter);
            match plan {
                Plan::Go => {
                    return Ok(Permit {
                        limiter: self,
                        done: false,
                    })
                }
                Plan::Wait(until) => {
                    let now = Instant::now();
                    let wait = until.saturating_duration_since(now);
                    if let Some(max) = self.config.max_wait {
                        if wait > max {
                            return Err(Error::RateLimited {
                                retry_at: Some(SystemTime::now() + wait),
                                api: None,
                            });
                        }
                    }
                    let changed = self.changed.notified();
                    tokio::select! {
                        _ = tokio::time::sleep_until(until) => {}
                        _ = changed => {}
                    }
                }
            }
        }
    }

    fn jitter(&self) -> Duration {
        self.config.resume_jitter.mul_f64(rand::random::<f64>())
    }

    fn plan(&self, now: Instant, jitter: Duration) -> Plan {
        let mut st = self.lock();
        if let Some(until) = st.blocked_until {
            if now < until {
                return Plan::Wait(until + jitter);
            }
            st.blocked_until = None;
        }
        if !self.config.enabled {
            st.in_flight += 1;
            return Plan::Go;
        }
        // Renew windows whose reset has passed.
        let in_flight = st.in_flight;
        st.windows.retain_mut(|w| {
            if now < w.reset {
                return true;
            }
            match w.length {
                Some(len) if !len.is_zero() => {
                    while w.reset <= now {
                        w.reset += len;
                        w.reset_unix += len.as_secs();
                    }
                    w.remaining = w.limit;
                    true
                }
                // Unknown length: forget it until the next response describes it again.
                _ => false,
            }
        });
        let mut interval = Duration::ZERO;
        for w in &st.windows {
            let effective = w.remaining.saturating_sub(in_flight);
            if effective == 0 {
                return Plan::Wait(w.reset);
            }
            if effective as f64 > w.limit as f64 * self.config.burst_fraction {
                continue; // plenty left: no need to spread yet
            }
            let left = w.reset.saturating_duration_since(now);
            interval = interval.max(left / u32::try_from(effective).unwrap_or(u32::MAX));
        }
        if now < st.next_slot {
            return Plan::Wait(st.next_slot);
        }
        st.next_slot = now + interval;
        st.in_flight += 1;
        Plan::Go
    }

    /// Feeds a response back: its rate-limit snapshot, status and `Retry-After`.
    pub fn observe(
        &self,
        mut permit: Permit<'_>,
        snapshot: Option<&RateLimitSnapshot>,
        status: u16,
        retry_after: Option<Duration>,
    ) {
        permit.done = true;
        let now = Instant::now();
        let wall = SystemTime::now();
        let margin = self.config.reset_margin;
        let mut st = self.lock();
        st.in_flight = st.in_flight.saturating_sub(1);
        let first_answer = !st.learned;
        if first_answer {
            st.learned = true;
            st.windows.clear();
            st.next_slot = now;
        }
        let to_instant = |unix_reset: SystemTime| -> Instant {
            let ahead = unix_reset
                .duration_since(wall)
                .unwrap_or(Duration::ZERO)
                .min(MAX_HEADER_WAIT);
            now + ahead + margin
        };
        if let Some(s) = snapshot {
            let reset_unix = s.reset_unix();
            match st.windows.iter_mut().find(|w| w.limit == s.limit) {
                Some(w) => {
                    if reset_unix > w.reset_unix {
                        if w.reset_unix > 0 {
                            let len = Duration::from_secs(reset_unix - w.reset_unix);
                            w.length = Some(w.length.map_or(len, |l| l.min(len)));
                        }
                        w.reset_unix = reset_unix;
                        w.reset = to_instant(s.reset);
                        w.remaining = s.remaining;
                    } else if reset_unix == w.reset_unix {
                        w.remaining = w.remaining.min(s.remaining);
                    }
                }
                None => st.windows.push(Window {
                    limit: s.limit,
                    remaining: s.remaining,
                    reset: to_instant(s.reset),
                    reset_unix,
                    length: None,
                }),
            }
            if status != 429 {
                // The request counted in the windows not reported too.
                for w in st.windows.iter_mut().filter(|w| w.limit != s.limit) {
                    w.remaining = w.remaining.saturating_sub(1);
                }
            }
        }
        let block = match (status, retry_after) {
            (_, Some(ra)) if status == 429 || status == 503 => Some(now + ra.min(MAX_HEADER_WAIT)),
            (429, None) => Some(match snapshot {
                Some(s) => to_instant(s.reset),
                None => now + Duration::from_secs(1),
            }),
            _ => None,
        };
        if status == 429 {
            if let Some(s) = snapshot {
                if let Some(w) = st.windows.iter_mut().find(|w| w.limit == s.limit) {
                    w.remaining = 0;
                }
            }
        }
        if let Some(until) = block {
            st.blocked_until = Some(st.blocked_until.map_or(until, |b| b.max(until)));
            tracing::debug!(
                wait_ms = until.saturating_duration_since(now).as_millis() as u64,
                status,
                "rate budget paused"
            );
        }
        drop(st);
        if first_answer {
            self.changed.notify_waiters();
        }
    }

    /// When the budget is expected back, if callers are currently held.
    pub fn blocked_until(&self) -> Option<SystemTime> {
        let st = self.lock();
        let now = Instant::now();
        st.blocked_until
            .filter(|b| *b > now)
            .map(|b| SystemTime::now() + (b - now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(limit: u64, remaining: u64, reset_in: u64) -> RateLimitSnapshot {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        RateLimitSnapshot {
            limit,
            remaining,
            reset: SystemTime::UNIX_EPOCH + Duration::from_secs(now + reset_in),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_holds_every_caller_until_reset() {
        let l = Limiter::new(RateLimitConfig {
            resume_jitter: Duration::ZERO,
            reset_margin: Duration::ZERO,
            ..Default::default()
        });
        let p = l.acquire().await.unwrap();
        l.observe(p, None, 429, Some(Duration::from_secs(3)));
        let start = Instant::now();
        let _p = l.acquire().await.unwrap();
        assert!(Instant::now() - start >= Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn max_wait_turns_into_rate_limited() {
        let l = Limiter::new(RateLimitConfig {
            max_wait: Some(Duration::from_secs(1)),
            ..Default::default()
        });
        let p = l.acquire().await.unwrap();
        l.observe(p, None, 429, Some(Duration::from_secs(30)));
        let e = l.acquire().await.unwrap_err();
        assert_eq!(e.code(), "rate_limited");
        assert!(e.retry_at().is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn spreads_remaining_over_time_left() {
        let l = Limiter::new(RateLimitConfig {
            initial_window: None,
            ..Default::default()
        });
        let p = l.acquire().await.unwrap();
        // 10 of 100 left for ~5 s: about one every half second.
        l.observe(p, Some(&snap(100, 10, 5)), 200, None);
        let start = Instant::now();
        for _ in 0..4 {
            let p = l.acquire().await.unwrap();
            l.observe(p, None, 200, None);
        }
        let spent = Instant::now() - start;
        assert!(spent >= Duration::from_millis(1000), "{spent:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn in_flight_counts_against_remaining() {
        let l = Limiter::new(RateLimitConfig {
            initial_window: None,
            ..Default::default()
        });
        let p = l.acquire().await.unwrap();
        l.observe(p, Some(&snap(10, 2, 60)), 200, None);
        let _a = l.acquire().await.unwrap();
        tokio::time::advance(Duration::from_secs(30)).await;
        let _b = l.acquire().await.unwrap();
        // Two in flight, two remaining: the third must wait for the reset.
        let third = tokio::time::timeout(Duration::from_secs(20), l.acquire()).await;
        assert!(
            third.is_err(),
            "a third permit must wait for the window to reset"
        );
    }
}
