//! Rate-limit pacing: spend the whole budget, never run into a 429 storm.
//!
//! Procore counts requests in two windows (hourly and a 10-second spike window) and reports,
//! on every response, the window the caller is likelier to hit first. The [`Limiter`] learns
//! each window it sees (keyed by its limit) and the window lengths from consecutive resets.
//!
//! What is left is the smallest `Remaining` reported for the current window minus the requests
//! still in flight (some of which the server may already have counted: the estimate errs on the
//! safe side, and each answer that comes back wakes the waiters to plan again, so the slack is
//! recovered as soon as it is known). While more than half of a window is left, calls go at
//! once; below that, the rest is spread evenly over the time left until the reset. After a 429 (or a 503 with `Retry-After`) every caller sharing the
//! budget waits until the reset, then resumes with jitter so that the waiters do not stampede.
//!
//! One budget's state is shared by every client of the process that spends it (same API host,
//! same credentials); each client keeps its own pacing options (on/off, maximum wait).
//!
//! With a [`SharedBudget`] (Redis), the same rules run on the shared state of every process
//! spending the budget (`shared.rs`); this process's own state is kept warm beside it and
//! takes over, with a conservative share, while the shared budget is unreachable.
//!
//! All waiting uses tokio's clock, so tests can pause time.

pub mod headers;
pub mod shared;

pub use headers::{parse_retry_after, RateLimitSnapshot, MAX_HEADER_WAIT};
pub use shared::SharedBudget;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use crate::error::{Error, Result};

/// How the client paces itself.
///
/// # Examples
///
/// A batch job that would rather fail fast than wait out an hourly window, and spreads its
/// requests from the start:
///
/// ```no_run
/// # fn demo() -> procore::Result<()> {
/// use std::time::Duration;
/// use procore::{Client, RateLimitConfig};
///
/// let client = Client::builder()
///     .client_credentials("my-client-id", "my-client-secret")
///     .rate_limit(RateLimitConfig {
///         max_wait: Some(Duration::from_secs(60)),
///         burst_fraction: 1.0,
///         ..RateLimitConfig::default()
///     })
///     .build()?;
/// # let _ = client;
/// # Ok(()) }
/// ```
///
/// A call that would have to wait longer than `max_wait` fails with `rate_limited`, saying
/// when to come back:
///
/// ```no_run
/// # async fn demo(client: procore::Client) -> procore::Result<()> {
/// match client.get("projects").query("company_id", 8089).send().await {
///     Err(e) if e.code() == "rate_limited" => println!("budget back at {:?}", e.retry_at()),
///     other => println!("{}", other?.status()),
/// }
/// for w in client.limiter().windows() {
///     println!("{}/{} left, resets at {}", w.remaining, w.limit, w.reset_unix);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct RateLimitConfig {
    /// Pace requests from the rate-limit headers (default true). When false, nothing is spread
    /// ahead of time, but a 429 still holds the calls until the server's reset.
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
    /// the rest is spread evenly over the time left (default 0.5). 1 spreads always, 0 never.
    pub burst_fraction: f64,
    /// Behind a server that answers 429 without any rate-limit header (a proxy's limiter),
    /// learn a rate instead of pausing a fixed time: cut it on each 429, raise it slowly while
    /// answers succeed (default true). Has no effect once any rate-limit header was seen.
    pub adaptive: bool,
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
            adaptive: true,
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

/// One rate-limit window as the limiter knows it ([`Limiter::windows`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowView {
    /// Requests allowed in the window.
    pub limit: u64,
    /// Requests left, as far as the limiter knows.
    pub remaining: u64,
    /// When the server renews it (Unix seconds).
    pub reset_unix: u64,
    /// Its length, once learned from two consecutive resets.
    pub length_secs: Option<u64>,
}

#[derive(Clone, Debug)]
struct Window {
    limit: u64,
    /// The smallest `Remaining` reported for this window (less the requests counted since in
    /// windows that were not the one reported).
    remaining: u64,
    /// When the window renews (server reset + margin), on tokio's clock.
    reset: Instant,
    /// The server's reset, to compare snapshots exactly.
    reset_unix: u64,
    /// Learned from two consecutive resets.
    length: Option<Duration>,
    /// When this window was first reported: while its length is unknown, the time from then
    /// to its reset is the least it can be.
    seen: Instant,
}

#[derive(Debug)]
struct State {
    windows: Vec<Window>,
    /// Permits handed out whose response has not been observed yet.
    in_flight: u64,
    /// Callers currently waiting in `acquire` (answers wake them only when there are some).
    waiting: u64,
    /// Nobody goes before this (after a 429 or a 503 with Retry-After).
    blocked_until: Option<Instant>,
    /// The earliest time the next paced permit may go.
    next_slot: Instant,
    /// True once a response has been seen (the initial window is then dropped).
    learned: bool,
    /// True once any response carried rate-limit headers: the adaptive rate is then off.
    headers_seen: bool,
    /// The rate learned from header-less 429s, if one came.
    adaptive: Option<Adaptive>,
    /// Permits handed out in the current and the previous second (header-less servers only),
    /// to know the rate that ran into the first 429.
    sent: RateCounter,
}

/// Additive increase, multiplicative decrease of a request rate, for servers that limit without
/// saying how much (nginx `limit_req`, an API gateway): on a 429 the rate is cut to
/// [`AIMD_DECREASE`] of itself, once per cut: 429s to requests sent before the last cut (answers
/// already on their way) cut no more; each success raises it by [`AIMD_INCREASE`] requests per
/// second for every second since the last change. The first guess is the rate that ran into the
/// first 429 (counted over at least a second, so a burst the server let through does not
/// inflate it) times [`AIMD_DECREASE`]; until the first cut after it, the rate grows by
/// [`AIMD_PROBE_GROWTH`] of itself a second instead (a slow start), so a low guess does not take
/// minutes of additive steps to reach the server's rate.
#[derive(Clone, Copy, Debug)]
struct Adaptive {
    /// Requests per second.
    rate: f64,
    changed: Instant,
    cut: Instant,
    /// Until the first cut after the rate was first guessed, the rate grows by a share of
    /// itself ([`AIMD_PROBE_GROWTH`]), not by a constant: the guess from the requests sent before
    /// the first 429 says little, so it is a low one, raised fast to where the server refuses.
    probing: bool,
}

/// The multiplicative decrease on a header-less 429.
pub const AIMD_DECREASE: f64 = 0.85;
/// The additive increase, requests per second per second of success.
pub const AIMD_INCREASE: f64 = 0.15;
/// While probing (before the first cut after the guess), the rate grows by this share of itself
/// per second of success.
pub const AIMD_PROBE_GROWTH: f64 = 0.1;
/// The adaptive rate never goes below this (requests per second).
pub const AIMD_MIN_RATE: f64 = 0.2;

/// Counts events in whole seconds: this second's and the last one's.
#[derive(Clone, Copy, Debug)]
struct RateCounter {
    start: Instant,
    now: u32,
    last: u32,
}

impl RateCounter {
    fn new(at: Instant) -> Self {
        RateCounter {
            start: at,
            now: 0,
            last: 0,
        }
    }

    fn roll(&mut self, at: Instant) {
        let elapsed = at.saturating_duration_since(self.start);
        if elapsed >= Duration::from_secs(2) {
            self.last = 0;
            self.now = 0;
            self.start = at;
        } else if elapsed >= Duration::from_secs(1) {
            self.last = self.now;
            self.now = 0;
            self.start += Duration::from_secs(1);
        }
    }

    fn add(&mut self, at: Instant) {
        self.roll(at);
        self.now = self.now.saturating_add(1);
    }

    /// Events per second lately: the fuller of the last second and this one (scaled).
    fn rate(&mut self, at: Instant) -> f64 {
        self.roll(at);
        let part = at
            .saturating_duration_since(self.start)
            .as_secs_f64()
            .max(1.0);
        f64::from(self.last).max(f64::from(self.now) / part)
    }
}

/// One budget's state, shared by every client spending it.
#[derive(Debug)]
struct Budget {
    state: Mutex<State>,
    /// Wakes waiters when what they wait for may have changed (the first answer replaced the
    /// assumed initial window), so nobody sleeps on a stale plan.
    changed: tokio::sync::Notify,
}

/// Every live budget of this process, by key, so that two clients spending the same budget
/// (same API host, same credentials) share it instead of each assuming it owns all of it.
fn registry() -> &'static Mutex<HashMap<String, Weak<Budget>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, Weak<Budget>>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// One client's pacing over a (possibly shared) budget.
#[derive(Debug)]
pub struct Limiter {
    config: RateLimitConfig,
    budget: Arc<Budget>,
    shared: Option<Shared>,
}

/// A budget shared with other processes, and how reachable it is.
#[derive(Debug)]
struct Shared {
    budget: Arc<dyn SharedBudget>,
    health: Mutex<Health>,
}

#[derive(Debug)]
struct Health {
    /// While unreachable: the local budget decides until then.
    down_until: Option<Instant>,
    /// A warning was logged for the current outage.
    warned: bool,
    /// Processes seen sharing at the last take: the local share is one over this.
    sharing: u64,
}

/// How long a shared take may take before this process goes on alone.
const SHARED_TIMEOUT: Duration = Duration::from_secs(1);
/// How long the local budget decides after the shared one failed.
const SHARED_RETRY: Duration = Duration::from_secs(1);

/// The right to send one request. Hand it back through [`Limiter::observe`]; dropping it
/// unobserved (a transport error, a cancelled call) just frees its place.
#[derive(Debug)]
pub struct Permit<'a> {
    limiter: &'a Limiter,
    done: bool,
    /// Its id in the shared budget, when it came from there.
    shared: Option<u64>,
    /// When it was handed out: a header-less 429 to a request sent before the adaptive rate's
    /// last cut says nothing about the rate since.
    issued: Instant,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.done {
            let mut st = self.limiter.lock();
            st.in_flight = st.in_flight.saturating_sub(1);
            drop(st);
            if let (Some(id), Some(shared)) = (self.shared, &self.limiter.shared) {
                let budget = shared.budget.clone();
                if let Ok(rt) = tokio::runtime::Handle::try_current() {
                    rt.spawn(async move {
                        let _ = budget.release(id).await;
                    });
                }
            }
        }
    }
}

/// Counts a caller as waiting for as long as it lives (also when its call is cancelled).
struct Waiting<'a>(&'a Limiter);

impl<'a> Waiting<'a> {
    fn new(limiter: &'a Limiter) -> Self {
        limiter.lock().waiting += 1;
        Waiting(limiter)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let mut st = self.0.lock();
        st.waiting = st.waiting.saturating_sub(1);
    }
}

enum Plan {
    Go,
    /// Go, on the shared budget's permit of this id.
    Shared(u64),
    Wait(Instant),
}

impl Limiter {
    /// A limiter on the process-wide budget `key` (created from `config` if no client holds
    /// it yet), with this client's own pacing options.
    pub fn shared(key: &str, config: RateLimitConfig) -> Limiter {
        let mut map = registry().lock().unwrap_or_else(|p| p.into_inner());
        let budget = match map.get(key).and_then(Weak::upgrade) {
            Some(b) => b,
            None => {
                map.retain(|_, w| w.strong_count() > 0);
                let b = Arc::new(Budget::new(&config));
                map.insert(key.to_owned(), Arc::downgrade(&b));
                b
            }
        };
        Limiter {
            config,
            budget,
            shared: None,
        }
    }

    /// A limiter with a budget of its own.
    pub fn new(config: RateLimitConfig) -> Self {
        let budget = Arc::new(Budget::new(&config));
        Limiter {
            config,
            budget,
            shared: None,
        }
    }

    /// The same limiter, pacing against `budget`, shared with other processes.
    pub fn with_shared(mut self, budget: Arc<dyn SharedBudget>) -> Self {
        self.shared = Some(Shared {
            budget,
            health: Mutex::new(Health {
                down_until: None,
                warned: false,
                sharing: 1,
            }),
        });
        self
    }

    /// Asks the shared budget, if there is one and it is reachable: `None` means the local
    /// budget decides (with [`Limiter::local_share`]).
    async fn take_shared(&self, jitter: &mut Option<Duration>) -> Option<Plan> {
        let shared = self.shared.as_ref()?;
        {
            let h = shared.health.lock().unwrap_or_else(|p| p.into_inner());
            if h.down_until.is_some_and(|u| Instant::now() < u) {
                return None;
            }
        }
        let permit = rand::random::<u64>();
        let args = shared::TakeArgs {
            enabled: self.config.enabled,
            burst_fraction: self.config.burst_fraction,
            initial_window: self.config.initial_window,
            permit,
        };
        let answer = tokio::time::timeout(SHARED_TIMEOUT, shared.budget.take(&args)).await;
        let mut h = shared.health.lock().unwrap_or_else(|p| p.into_inner());
        let take = match answer {
            Ok(Ok(t)) => {
                h.down_until = None;
                if h.warned {
                    h.warned = false;
                    tracing::warn!("the shared rate budget is reachable again");
                }
                t
            }
            Ok(Err(e)) => return self.shared_down(&mut h, e.to_string()),
            Err(_) => {
                return self.shared_down(&mut h, format!("no answer within {SHARED_TIMEOUT:?}"))
            }
        };
        let now = Instant::now();
        Some(match take {
            shared::Take::Go { sharing } => {
                h.sharing = sharing.max(1);
                drop(h);
                self.lock().in_flight += 1;
                Plan::Shared(permit)
            }
            shared::Take::Pace(d) => Plan::Wait(now + d),
            shared::Take::Blocked(d) => {
                let j = *jitter.get_or_insert_with(|| {
                    self.config.resume_jitter.mul_f64(rand::random::<f64>())
                });
                Plan::Wait(now + d + j)
            }
        })
    }

    fn shared_down(&self, h: &mut Health, why: String) -> Option<Plan> {
        h.down_until = Some(Instant::now() + SHARED_RETRY);
        if !h.warned {
            h.warned = true;
            tracing::warn!(
                error = %why,
                "the shared rate budget is unreachable; pacing alone on a 1/{} share until it is back",
                h.sharing
            );
        }
        None
    }

    /// One over the processes last seen sharing, while the shared budget is unreachable.
    fn local_share(&self) -> f64 {
        match &self.shared {
            Some(s) => {
                let h = s.health.lock().unwrap_or_else(|p| p.into_inner());
                1.0 / h.sharing.max(1) as f64
            }
            None => 1.0,
        }
    }

    /// True when `other` spends the same budget.
    pub fn shares_budget_with(&self, other: &Limiter) -> bool {
        Arc::ptr_eq(&self.budget, &other.budget)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.budget.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for the budget to allow one more request. Fails with `rate_limited` when the wait
    /// would exceed `max_wait`.
    pub async fn acquire(&self) -> Result<Permit<'_>> {
        let mut jitter = None;
        loop {
            let plan = match self.take_shared(&mut jitter).await {
                Some(p) => p,
                None => self.plan(Instant::now(), &mut jitter, self.local_share()),
            };
            match plan {
                Plan::Go => {
                    return Ok(Permit {
                        limiter: self,
                        done: false,
                        shared: None,
                        issued: Instant::now(),
                    })
                }
                Plan::Shared(id) => {
                    return Ok(Permit {
                        limiter: self,
                        done: false,
                        shared: Some(id),
                        issued: Instant::now(),
                    })
                }
                Plan::Wait(until) => {
                    let wait = until.saturating_duration_since(Instant::now());
                    if let Some(max) = self.config.max_wait {
                        if wait > max {
                            return Err(Error::RateLimited {
                                retry_at: Some(SystemTime::now() + wait),
                                api: None,
                            });
                        }
                    }
                    let changed = self.budget.changed.notified();
                    let _waiting = Waiting::new(self);
                    tokio::select! {
                        _ = tokio::time::sleep_until(until) => {}
                        _ = changed => {}
                    }
                }
            }
        }
    }

    /// The local decision, on `share` of each window (1 unless the shared budget is down).
    fn plan(&self, now: Instant, jitter: &mut Option<Duration>, share: f64) -> Plan {
        let mut st = self.lock();
        if let Some(until) = st.blocked_until {
            if now < until {
                let j = *jitter.get_or_insert_with(|| {
                    self.config.resume_jitter.mul_f64(rand::random::<f64>())
                });
                return Plan::Wait(until + j);
            }
            st.blocked_until = None;
        }
        if self.config.enabled {
            let State {
                windows,
                in_flight,
                next_slot,
                adaptive,
                ..
            } = &mut *st;
            // Renew windows whose reset has passed.
            for w in windows.iter_mut().filter(|w| now >= w.reset) {
                match w.length {
                    Some(len) if !len.is_zero() => {
                        while w.reset <= now {
                            w.reset += len;
                            w.reset_unix += len.as_secs();
                        }
                    }
                    _ => {
                        // A fixed window renews to its limit at its reset, whatever its length:
                        // until an answer tells the next reset, allow the limit over at least
                        // as long as this window was seen (reset_unix stays, so that answer is
                        // taken as news and teaches the length).
                        let at_least = w
                            .reset
                            .saturating_duration_since(w.seen)
                            .max(Duration::from_secs(1));
                        while w.reset <= now {
                            w.reset += at_least;
                        }
                    }
                }
                w.remaining = w.limit;
            }
            let mut interval = Duration::ZERO;
            for w in windows.iter() {
                let mine = (w.remaining as f64 * share).floor() as u64;
                let left_now = mine.saturating_sub(*in_flight);
                if left_now == 0 {
                    // With requests in flight, their answers may show that some of them were
                    // already counted: the waiters are woken to plan again at each answer.
                    return Plan::Wait(w.reset);
                }
                if left_now as f64 > w.limit as f64 * share * self.config.burst_fraction {
                    continue; // plenty left: no need to spread yet
                }
                let time_left = w.reset.saturating_duration_since(now);
                interval = interval.max(time_left / u32::try_from(left_now).unwrap_or(u32::MAX));
            }
            if let Some(a) = adaptive {
                interval = interval.max(Duration::from_secs_f64(1.0 / a.rate));
            }
            if now < *next_slot {
                return Plan::Wait(*next_slot);
            }
            *next_slot = now + interval;
        }
        if !st.headers_seen {
            st.sent.add(now);
        }
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
        if let (Some(id), Some(shared)) = (permit.shared, &self.shared) {
            let feed = shared::Feed {
                permit: id,
                snapshot: snapshot.copied(),
                status,
                retry_after,
                reset_margin: self.config.reset_margin,
                adaptive: self.config.adaptive,
            };
            let budget = shared.budget.clone();
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(async move {
                    if let Err(e) = budget.feed(&feed).await {
                        tracing::debug!(error = %e, "could not feed the shared rate budget");
                    }
                });
            }
        }
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
            // A 429 means nothing is left, whatever the header says.
            let remaining = if status == 429 { 0 } else { s.remaining };
            match st.windows.iter_mut().find(|w| w.limit == s.limit) {
                Some(w) => {
                    if reset_unix > w.reset_unix {
                        if w.reset_unix > 0 {
                            let len = Duration::from_secs(reset_unix - w.reset_unix);
                            w.length = Some(w.length.map_or(len, |l| l.min(len)));
                        }
                        w.reset_unix = reset_unix;
                        w.reset = to_instant(s.reset);
                        w.remaining = remaining;
                    } else if reset_unix == w.reset_unix {
                        w.remaining = w.remaining.min(remaining);
                    }
                }
                None => st.windows.push(Window {
                    limit: s.limit,
                    remaining,
                    reset: to_instant(s.reset),
                    reset_unix,
                    length: None,
                    seen: now,
                }),
            }
            if status != 429 {
                // The request counted in the windows not reported too.
                for w in st.windows.iter_mut().filter(|w| w.limit != s.limit) {
                    w.remaining = w.remaining.saturating_sub(1);
                }
            }
        }
        if snapshot.is_some() {
            st.headers_seen = true;
            st.adaptive = None;
        }
        let learn = self.config.adaptive && !st.headers_seen && retry_after.is_none();
        if learn && status == 429 {
            let recent = st.sent.rate(now);
            match &mut st.adaptive {
                // Sent before the last cut: the cut already answered it.
                Some(a) if permit.issued <= a.cut => {}
                Some(a) => {
                    a.rate = (a.rate * AIMD_DECREASE).max(AIMD_MIN_RATE);
                    a.cut = now;
                    a.changed = now;
                    a.probing = false;
                }
                None => {
                    let rate = (recent.max(1.0) * AIMD_DECREASE).max(AIMD_MIN_RATE);
                    tracing::debug!(rate, "429 without rate-limit headers: pacing adaptively");
                    st.adaptive = Some(Adaptive {
                        rate,
                        changed: now,
                        cut: now,
                        probing: true,
                    });
                }
            }
        } else if learn && status < 400 {
            if let Some(a) = &mut st.adaptive {
                let secs = now.saturating_duration_since(a.changed).as_secs_f64();
                let growth = if a.probing {
                    a.rate * AIMD_PROBE_GROWTH * secs
                } else {
                    AIMD_INCREASE * secs
                };
                a.rate = (a.rate + growth).min(10_000.0);
                a.changed = now;
            }
        }
        let block = match (status, retry_after) {
            (_, Some(ra)) if status == 429 || status == 503 => Some(now + ra.min(MAX_HEADER_WAIT)),
            (429, None) => Some(match (snapshot, st.adaptive) {
                (Some(s), _) => to_instant(s.reset),
                // Learning the rate: wait one interval of it, not a fixed second.
                (None, Some(a)) if learn => now + Duration::from_secs_f64(1.0 / a.rate),
                (None, _) => now + Duration::from_secs(1),
            }),
            _ => None,
        };
        if let Some(until) = block {
            st.blocked_until = Some(st.blocked_until.map_or(until, |b| b.max(until)));
            tracing::debug!(
                wait_ms = until.saturating_duration_since(now).as_millis() as u64,
                status,
                "rate budget paused"
            );
        }
        let wake = first_answer || st.waiting > 0;
        drop(st);
        if wake {
            self.budget.changed.notify_waiters();
        }
    }

    /// The windows learned from the server's answers (none before the first answer), for
    /// display: a gauge of the hourly and spike budgets.
    pub fn windows(&self) -> Vec<WindowView> {
        let st = self.lock();
        st.windows
            .iter()
            .filter(|w| w.reset_unix != 0)
            .map(|w| WindowView {
                limit: w.limit,
                remaining: w.remaining,
                reset_unix: w.reset_unix,
                length_secs: w.length.map(|l| l.as_secs()),
            })
            .collect()
    }

    /// The rate learned from header-less 429s (requests per second), if any.
    pub fn adaptive_rate(&self) -> Option<f64> {
        self.lock().adaptive.map(|a| a.rate)
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

impl Budget {
    fn new(config: &RateLimitConfig) -> Budget {
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
                seen: now,
            })
            .into_iter()
            .collect();
        Budget {
            state: Mutex::new(State {
                windows,
                in_flight: 0,
                waiting: 0,
                blocked_until: None,
                next_slot: now,
                learned: false,
                headers_seen: false,
                adaptive: None,
                sent: RateCounter::new(now),
            }),
            changed: tokio::sync::Notify::new(),
        }
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

    /// nginx `limit_req` (rate r/s, `burst`, `nodelay`) as a leaky bucket, on tokio's clock.
    struct LeakyBucket {
        rate: f64,
        burst: f64,
        level: f64,
        at: Instant,
    }

    impl LeakyBucket {
        fn admit(&mut self) -> bool {
            let now = Instant::now();
            self.level = (self.level - self.rate * (now - self.at).as_secs_f64()).max(0.0);
            self.at = now;
            if self.level + 1.0 > self.burst + 1.0 {
                return false;
            }
            self.level += 1.0;
            true
        }
    }

    /// 8 tasks for `secs` of virtual time behind a header-less 10 r/s bucket: (2xx, 429).
    async fn behind_a_bucket(config: RateLimitConfig, secs: u64) -> (u64, u64) {
        let l = Arc::new(Limiter::new(config));
        let bucket = Arc::new(Mutex::new(LeakyBucket {
            rate: 10.0,
            burst: 5.0,
            level: 0.0,
            at: Instant::now(),
        }));
        let until = Instant::now() + Duration::from_secs(secs);
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (l, bucket) = (l.clone(), bucket.clone());
                tokio::spawn(async move {
                    let (mut ok, mut refused) = (0u64, 0u64);
                    while Instant::now() < until {
                        let p = l.acquire().await.unwrap();
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        if bucket.lock().unwrap().admit() {
                            ok += 1;
                            l.observe(p, None, 200, None);
                        } else {
                            refused += 1;
                            l.observe(p, None, 429, None);
                        }
                    }
                    (ok, refused)
                })
            })
            .collect();
        let mut total = (0, 0);
        for t in tasks {
            let (a, b) = t.await.unwrap();
            total = (total.0 + a, total.1 + b);
        }
        total
    }

    #[tokio::test(start_paused = true)]
    async fn header_less_429s_teach_a_rate_close_to_the_limit() {
        let config = RateLimitConfig {
            initial_window: None,
            ..Default::default()
        };
        let (ok, refused) = behind_a_bucket(config.clone(), 120).await;
        let rate = ok as f64 / 120.0;
        let share = refused as f64 / (ok + refused) as f64;
        // A property of the rule in virtual time (the real figure is bench/run's): it settles
        // just under the bucket's rate and runs into it rarely.
        assert!(rate > 8.0 && rate <= 10.6, "{rate} r/s");
        assert!(share < 0.08, "{:.1}% of requests refused", share * 100.0);
        // The fixed pause it replaces: more refusals for less throughput.
        let (ok0, refused0) = behind_a_bucket(
            RateLimitConfig {
                adaptive: false,
                ..config
            },
            120,
        )
        .await;
        let share0 = refused0 as f64 / (ok0 + refused0) as f64;
        eprintln!(
            "virtual 120 s behind 10 r/s burst 5: adaptive {rate:.2} r/s {:.1}% refused; fixed pause {:.2} r/s {:.1}% refused",
            share * 100.0,
            ok0 as f64 / 120.0,
            share0 * 100.0
        );
        assert!(share0 > share, "{share0} vs {share}");
    }

    /// A limiter with no headers seen that has had 20 requests answered 200 at once.
    async fn twenty_answered_without_headers() -> Limiter {
        let l = Limiter::new(RateLimitConfig {
            initial_window: None,
            resume_jitter: Duration::ZERO,
            ..Default::default()
        });
        for _ in 0..20 {
            let p = l.acquire().await.unwrap();
            l.observe(p, None, 200, None);
        }
        l
    }

    #[tokio::test(start_paused = true)]
    async fn headers_turn_the_adaptive_rate_off() {
        let l = twenty_answered_without_headers().await;
        let p = l.acquire().await.unwrap();
        let in_flight = l.acquire().await.unwrap();
        l.observe(p, None, 429, None);
        let learned = l.adaptive_rate().unwrap();
        assert!(learned >= AIMD_MIN_RATE, "{learned}");
        // A 429 to a request sent before that cut (already in flight, however late its answer)
        // cuts no more.
        tokio::time::advance(Duration::from_secs(1)).await;
        l.observe(in_flight, None, 429, None);
        assert_eq!(l.adaptive_rate(), Some(learned));
        // One sent after the cut does: the rate is still too high.
        let p = l.acquire().await.unwrap();
        l.observe(p, None, 429, None);
        let first = learned;
        let learned = l.adaptive_rate().unwrap();
        assert!(
            learned < first && learned >= AIMD_MIN_RATE,
            "{learned} after {first}"
        );
        // Successes raise it with time.
        tokio::time::advance(Duration::from_secs(4)).await;
        let p = l.acquire().await.unwrap();
        l.observe(p, None, 200, None);
        assert!(l.adaptive_rate().unwrap() > learned);
        // The first rate-limit header ends it: the server says how much, nothing to guess.
        let p = l.acquire().await.unwrap();
        l.observe(p, Some(&snap(100, 90, 60)), 200, None);
        assert_eq!(l.adaptive_rate(), None);
        let p = l.acquire().await.unwrap();
        l.observe(p, None, 429, None);
        assert_eq!(l.adaptive_rate(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_guess_grows_by_a_share_of_itself_until_the_first_cut() {
        // 20 answered at once, then a 429: the guess counts them over a whole second, not over
        // the few milliseconds they took (which would guess thousands a second).
        let l = twenty_answered_without_headers().await;
        let p = l.acquire().await.unwrap();
        l.observe(p, None, 429, None);
        let guess = l.adaptive_rate().unwrap();
        assert!(guess <= 21.0 * AIMD_DECREASE + 1e-9, "{guess}");
        // Probing: 4 s of success raise it by a share of itself, above the additive step.
        tokio::time::advance(Duration::from_secs(4)).await;
        let p = l.acquire().await.unwrap();
        l.observe(p, None, 200, None);
        let probed = l.adaptive_rate().unwrap();
        let expected = guess * (1.0 + AIMD_PROBE_GROWTH * 4.0);
        assert!((probed - expected).abs() < 0.05, "{probed} vs {expected}");
        assert!(
            probed - guess > AIMD_INCREASE * 4.0 * 2.0,
            "{probed} from {guess}"
        );
        // The first cut ends probing: from then on the increase is additive.
        let p = l.acquire().await.unwrap();
        l.observe(p, None, 429, None);
        let cut = l.adaptive_rate().unwrap();
        assert!((cut - probed * AIMD_DECREASE).abs() < 1e-9, "{cut}");
        tokio::time::advance(Duration::from_secs(4)).await;
        let p = l.acquire().await.unwrap();
        l.observe(p, None, 200, None);
        let after = l.adaptive_rate().unwrap();
        assert!(
            (after - (cut + AIMD_INCREASE * 4.0)).abs() < 0.05,
            "{after} from {cut}"
        );
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

    #[tokio::test(start_paused = true)]
    async fn a_window_of_unknown_length_renews_to_its_limit_not_to_no_limit() {
        let l = Limiter::new(RateLimitConfig {
            initial_window: None,
            burst_fraction: 0.0,
            ..Default::default()
        });
        let p = l.acquire().await.unwrap();
        // One window seen, spent, resetting in 5 s; its length is not known yet.
        l.observe(p, Some(&snap(10, 0, 5)), 200, None);
        tokio::time::advance(Duration::from_secs(6)).await;
        // Past the reset, before any answer of the new window: its limit, and no more.
        let mut held = Vec::new();
        for _ in 0..10 {
            held.push(l.acquire().await.unwrap());
        }
        let eleventh = tokio::time::timeout(Duration::from_secs(1), l.acquire()).await;
        assert!(
            eleventh.is_err(),
            "the 11th request must wait for an answer or the next reset"
        );
    }

    /// Answers Go (4 processes sharing) once, then fails as an unreachable server would.
    #[derive(Debug, Default)]
    struct FlakyShared {
        takes: std::sync::atomic::AtomicU32,
    }

    #[async_trait::async_trait]
    impl SharedBudget for FlakyShared {
        async fn take(&self, _: &shared::TakeArgs) -> Result<shared::Take> {
            match self.takes.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
                0 => Ok(shared::Take::Go { sharing: 4 }),
                _ => Err(Error::Store("connection refused".into())),
            }
        }
        async fn feed(&self, _: &shared::Feed) -> Result<()> {
            Err(Error::Store("connection refused".into()))
        }
        async fn release(&self, _: u64) -> Result<()> {
            Ok(())
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_unreachable_shared_budget_leaves_a_quarter_share_to_each_of_four() {
        let shared = Arc::new(FlakyShared::default());
        let l = Limiter::new(RateLimitConfig {
            initial_window: None,
            burst_fraction: 1.0,
            ..Default::default()
        })
        .with_shared(shared.clone());
        let p = l.acquire().await.unwrap();
        assert!(
            p.shared.is_some(),
            "the first permit came from the shared budget"
        );
        // 40 of 100 left for 60 s, across 4 processes: this one may send 10 in that time.
        l.observe(p, Some(&snap(100, 40, 60)), 200, None);
        let start = Instant::now();
        for _ in 0..5 {
            let p = l.acquire().await.unwrap();
            assert!(
                p.shared.is_none(),
                "the local budget decides while shared is down"
            );
            l.observe(p, None, 200, None);
        }
        // 10 (not 40) left over the 60 s: each call waits a tenth of the time left (6 s, then
        // 5.4 s, ...: over 20 s for 5), where the whole budget would wait a fortieth (under 6 s).
        let spent = Instant::now() - start;
        assert!(spent >= Duration::from_secs(18), "{spent:?}");
        assert!(shared.takes.load(std::sync::atomic::Ordering::SeqCst) >= 2);
    }
}
