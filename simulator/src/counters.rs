//! Counters that tests and benchmarks assert on ("exactly one refresh out of 200 concurrent
//! requests"). Every counter is an atomic, incremented before the response leaves, so a
//! client that has its answer sees it counted; nothing on the hot path takes a lock.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use serde::{Deserialize, Serialize};

use crate::router::Route;

/// A snapshot of the counters, same shape as `GET /__simulator/counters`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Every request to `/rest/`, `/oauth/` and other non-control paths (control calls under
    /// `/__simulator/` are not counted).
    pub requests_total: u64,
    /// Requests per route template, e.g. `"GET /rest/v1.0/projects/{id}"`; only non-zero entries.
    pub requests_by_route: BTreeMap<String, u64>,
    /// Responses sent, by status code (`"200"`); dropped connections are not responses.
    pub responses_by_status: BTreeMap<String, u64>,
    /// 429 responses sent (rate limits, storms, and status faults with 429).
    pub rate_limited: u64,
    /// 503 responses sent.
    pub service_unavailable: u64,
    /// Connections closed without an answer (`drop` and `drop_after_commit` faults).
    pub dropped_connections: u64,
    /// `POST /oauth/token` calls that reached the handler.
    pub token_calls: TokenCalls,
    /// `/oauth/token` calls answered with an error.
    pub token_errors: u64,
    /// Token sets issued (by `/oauth/token` and by `POST /__simulator/tokens`).
    pub tokens_issued: u64,
    /// `POST /oauth/revoke` calls from a valid client.
    pub revocations: u64,
}

impl Counters {
    /// Requests counted for a route template (0 if none).
    pub fn route(&self, name: &str) -> u64 {
        self.requests_by_route.get(name).copied().unwrap_or(0)
    }

    /// Responses counted with this status (0 if none).
    pub fn status(&self, status: u16) -> u64 {
        self.responses_by_status
            .get(&status.to_string())
            .copied()
            .unwrap_or(0)
    }
}

/// `POST /oauth/token` calls by grant type; `total` also counts missing or unknown grants.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenCalls {
    /// `grant_type=authorization_code`.
    pub authorization_code: u64,
    /// `grant_type=refresh_token`.
    pub refresh_token: u64,
    /// `grant_type=client_credentials`.
    pub client_credentials: u64,
    /// All of them.
    pub total: u64,
}

const STATUS_MIN: usize = 100;
const STATUS_SLOTS: usize = 500; // 100..=599

/// The live, lock-free counters.
pub(crate) struct LiveCounters {
    requests_total: AtomicU64,
    by_route: [AtomicU64; Route::COUNT],
    by_status: Box<[AtomicU64]>,
    rate_limited: AtomicU64,
    service_unavailable: AtomicU64,
    dropped: AtomicU64,
    token_auth_code: AtomicU64,
    token_refresh: AtomicU64,
    token_client_credentials: AtomicU64,
    token_total: AtomicU64,
    token_errors: AtomicU64,
    tokens_issued: AtomicU64,
    revocations: AtomicU64,
}

/// Which grant a token call asked for, for counting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GrantKind {
    AuthorizationCode,
    RefreshToken,
    ClientCredentials,
    Other,
}

impl LiveCounters {
    pub(crate) fn new() -> Self {
        LiveCounters {
            requests_total: AtomicU64::new(0),
            by_route: std::array::from_fn(|_| AtomicU64::new(0)),
            by_status: (0..STATUS_SLOTS).map(|_| AtomicU64::new(0)).collect(),
            rate_limited: AtomicU64::new(0),
            service_unavailable: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            token_auth_code: AtomicU64::new(0),
            token_refresh: AtomicU64::new(0),
            token_client_credentials: AtomicU64::new(0),
            token_total: AtomicU64::new(0),
            token_errors: AtomicU64::new(0),
            tokens_issued: AtomicU64::new(0),
            revocations: AtomicU64::new(0),
        }
    }

    pub(crate) fn request(&self, route: Route) {
        self.requests_total.fetch_add(1, Relaxed);
        self.by_route[route.index()].fetch_add(1, Relaxed);
    }

    pub(crate) fn response(&self, status: u16) {
        let slot = usize::from(status).wrapping_sub(STATUS_MIN);
        if let Some(c) = self.by_status.get(slot) {
            c.fetch_add(1, Relaxed);
        }
        match status {
            429 => {
                self.rate_limited.fetch_add(1, Relaxed);
            }
            503 => {
                self.service_unavailable.fetch_add(1, Relaxed);
            }
            _ => {}
        }
    }

    pub(crate) fn dropped(&self) {
        self.dropped.fetch_add(1, Relaxed);
    }

    pub(crate) fn token_call(&self, grant: GrantKind) {
        self.token_total.fetch_add(1, Relaxed);
        let c = match grant {
            GrantKind::AuthorizationCode => &self.token_auth_code,
            GrantKind::RefreshToken => &self.token_refresh,
            GrantKind::ClientCredentials => &self.token_client_credentials,
            GrantKind::Other => return,
        };
        c.fetch_add(1, Relaxed);
    }

    pub(crate) fn token_error(&self) {
        self.token_errors.fetch_add(1, Relaxed);
    }

    pub(crate) fn token_issued(&self) {
        self.tokens_issued.fetch_add(1, Relaxed);
    }

    pub(crate) fn revocation(&self) {
        self.revocations.fetch_add(1, Relaxed);
    }

    pub(crate) fn snapshot(&self) -> Counters {
        let requests_by_route = Route::ALL
            .iter()
            .filter_map(|r| {
                let n = self.by_route[r.index()].load(Relaxed);
                (n > 0).then(|| (r.name().to_owned(), n))
            })
            .collect();
        let responses_by_status = self
            .by_status
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let n = c.load(Relaxed);
                (n > 0).then(|| ((i + STATUS_MIN).to_string(), n))
            })
            .collect();
        Counters {
            requests_total: self.requests_total.load(Relaxed),
            requests_by_route,
            responses_by_status,
            rate_limited: self.rate_limited.load(Relaxed),
            service_unavailable: self.service_unavailable.load(Relaxed),
            dropped_connections: self.dropped.load(Relaxed),
            token_calls: TokenCalls {
                authorization_code: self.token_auth_code.load(Relaxed),
                refresh_token: self.token_refresh.load(Relaxed),
                client_credentials: self.token_client_credentials.load(Relaxed),
                total: self.token_total.load(Relaxed),
            },
            token_errors: self.token_errors.load(Relaxed),
            tokens_issued: self.tokens_issued.load(Relaxed),
            revocations: self.revocations.load(Relaxed),
        }
    }

    pub(crate) fn reset(&self) {
        let all = [
            &self.requests_total,
            &self.rate_limited,
            &self.service_unavailable,
            &self.dropped,
            &self.token_auth_code,
            &self.token_refresh,
            &self.token_client_credentials,
            &self.token_total,
            &self.token_errors,
            &self.tokens_issued,
            &self.revocations,
        ];
        for c in all
            .into_iter()
            .chain(self.by_route.iter())
            .chain(self.by_status.iter())
        {
            c.store(0, Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_and_reset() {
        let c = LiveCounters::new();
        c.request(Route::Me);
        c.response(200);
        c.response(429);
        c.response(503);
        c.response(42); // out of range: ignored
        c.token_call(GrantKind::RefreshToken);
        c.token_call(GrantKind::Other);
        let s = c.snapshot();
        assert_eq!(s.requests_total, 1);
        assert_eq!(s.route("GET /rest/v1.0/me"), 1);
        assert_eq!(s.status(200), 1);
        assert_eq!(s.rate_limited, 1);
        assert_eq!(s.service_unavailable, 1);
        assert_eq!(s.token_calls.refresh_token, 1);
        assert_eq!(s.token_calls.total, 2);
        c.reset();
        assert_eq!(c.snapshot(), Counters::default());
    }
}
