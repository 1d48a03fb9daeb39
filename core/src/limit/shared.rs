//! A rate budget kept outside the process, so that every process and machine spending one
//! app's budget paces against the same windows ([`RedisRateBudget`] with feature `redis`).
//!
//! The shared state is the local [`super::Limiter`]'s, moved to the server: the windows learned
//! from the headers, the requests in flight (each with an expiry, so a process that dies frees
//! its places), the next paced slot, the "blocked until" after a 429 and, behind a server that
//! limits without rate-limit headers, the adaptive rate learned from its 429s (so a process that
//! joins paces at the rate the others learned instead of bursting into the limiter again).
//! [`SharedBudget::take`] and [`SharedBudget::feed`] are each one atomic step there.
//!
//! When the shared budget cannot be reached, the limiter goes on alone with a conservative
//! share of what it learned locally (one over the number of processes last seen sharing),
//! logs a warning once per outage, and tries the shared budget again a second later.

use std::time::Duration;

use async_trait::async_trait;

use super::RateLimitSnapshot;
use crate::error::Result;

#[cfg(feature = "redis")]
mod redis_budget;
#[cfg(feature = "redis")]
pub use redis_budget::RedisRateBudget;

/// What a take asks for (this client's pacing options).
#[derive(Clone, Debug)]
pub struct TakeArgs {
    /// Pace from the windows (false: only a 429's block holds the call).
    pub enabled: bool,
    /// See [`super::RateLimitConfig::burst_fraction`].
    pub burst_fraction: f64,
    /// The window assumed before any answer: `(requests, length)`.
    pub initial_window: Option<(u64, Duration)>,
    /// This permit's id (unique in the process).
    pub permit: u64,
}

/// The answer to a take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Take {
    /// Send now (the permit is counted in flight until fed back or released).
    Go {
        /// Processes seen sharing the budget in the last minute (this one included).
        sharing: u64,
    },
    /// Ask again after this long: the budget is spread or spent.
    Pace(Duration),
    /// Everyone is held after a 429 for this long.
    Blocked(Duration),
}

/// One answer, fed back.
#[derive(Clone, Debug)]
pub struct Feed {
    /// The permit it answers.
    pub permit: u64,
    /// The answer's rate-limit window, if it had the headers.
    pub snapshot: Option<RateLimitSnapshot>,
    /// Its status.
    pub status: u16,
    /// Its `Retry-After`.
    pub retry_after: Option<Duration>,
    /// See [`super::RateLimitConfig::reset_margin`].
    pub reset_margin: Duration,
    /// See [`super::RateLimitConfig::adaptive`]: a header-less 429 teaches the shared budget a
    /// rate (additive increase, multiplicative decrease) that every process sharing it paces to.
    pub adaptive: bool,
}

/// A rate budget shared by processes. Implemented by [`RedisRateBudget`]; implement it to
/// keep the budget elsewhere. Each method is one atomic step on the shared state.
#[async_trait]
pub trait SharedBudget: Send + Sync + std::fmt::Debug {
    /// Asks to send one request.
    async fn take(&self, args: &TakeArgs) -> Result<Take>;
    /// Feeds an answer back (and ends its permit).
    async fn feed(&self, feed: &Feed) -> Result<()>;
    /// Ends a permit whose request got no answer.
    async fn release(&self, permit: u64) -> Result<()>;
}
