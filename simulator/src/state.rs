//! The one shared state behind every connection. Each part has its own lock (or none), so
//! requests of different kinds never wait for each other.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, SystemTime};

use rand::Rng as _;

use crate::config::{ConfigPatch, ConfigView, RuntimeConfig, SimulatorConfig};
use crate::counters::LiveCounters;
use crate::data::Data;
use crate::faults::FaultQueue;
use crate::ratelimit::RateLimiter;
use crate::tokens::{AccessInfo, Principal, TokenResponse, TokenStore};
use crate::util::{now_unix, RwLockExt};

/// A pending authorization code.
pub(crate) struct AuthCode {
    pub redirect_uri: String,
    /// `(challenge, method)`, method `S256` or `plain`.
    pub challenge: Option<(String, String)>,
    pub expires_at: SystemTime,
}

pub(crate) struct State {
    pub client_id: String,
    pub client_secret: String,
    pub dev_token: Option<String>,
    /// When the simulator started (the dev token's `created_at`).
    pub started_at: i64,
    /// `http://ip:port`, used when a request has no `Host`.
    pub base_url: String,
    config: RwLock<RuntimeConfig>,
    pub tokens: TokenStore,
    pub codes: Mutex<HashMap<String, AuthCode>>,
    pub limiter: RateLimiter,
    pub faults: FaultQueue,
    pub counters: LiveCounters,
    pub data: Data,
    pub recorder: crate::recorder::Recorder,
    pub webhooks: std::sync::Arc<crate::webhooks::Webhooks>,
    pub vendors: crate::vendors::Vendors,
    pub uploads: crate::uploads::Uploads,
    request_prefix: String,
    request_seq: AtomicU64,
}

impl State {
    pub(crate) fn new(config: &SimulatorConfig, base_url: String) -> Self {
        State {
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
            dev_token: config.dev_token.clone(),
            started_at: now_unix(),
            base_url,
            config: RwLock::new(config.runtime()),
            tokens: TokenStore::default(),
            codes: Mutex::new(HashMap::new()),
            recorder: Default::default(),
            webhooks: Default::default(),
            vendors: Default::default(),
            uploads: Default::default(),
            limiter: RateLimiter::default(),
            faults: FaultQueue::new(),
            counters: LiveCounters::new(),
            data: Data::new(config.big_company_projects),
            request_prefix: format!("{:08x}", rand::thread_rng().gen::<u32>()),
            request_seq: AtomicU64::new(0),
        }
    }

    /// A copy of the runtime configuration (read lock held only for the copy).
    pub(crate) fn config(&self) -> RuntimeConfig {
        *self.config.read_ok()
    }

    pub(crate) fn update_config(&self, patch: &ConfigPatch) -> ConfigView {
        let mut c = self.config.write_ok();
        c.apply(patch);
        c.view(&self.client_id, self.dev_token.is_some())
    }

    pub(crate) fn config_view(&self) -> ConfigView {
        self.config()
            .view(&self.client_id, self.dev_token.is_some())
    }

    /// A unique request id: a random per-process prefix and a sequence number.
    pub(crate) fn next_request_id(&self) -> String {
        let n = self.request_seq.fetch_add(1, Ordering::Relaxed);
        format!("sim-{}-{n:x}", self.request_prefix)
    }

    /// The principal behind a bearer token, if the token is live.
    pub(crate) fn authenticate(&self, token: &str) -> Option<AccessInfo> {
        if self.dev_token.as_deref() == Some(token) {
            return Some(AccessInfo {
                principal: Principal::User,
                created_at: self.started_at,
                expires_at: None,
            });
        }
        self.tokens.lookup(token)
    }

    /// Issues a token set, as the token endpoint would, and counts it.
    pub(crate) fn issue(&self, principal: Principal, ttl: Option<Duration>) -> TokenResponse {
        let ttl = ttl.unwrap_or_else(|| self.config().access_token_ttl);
        let t = self
            .tokens
            .issue(principal, ttl, principal == Principal::User);
        self.counters.token_issued();
        t
    }

    pub(crate) fn client_ok(&self, id: &str, secret: &str) -> bool {
        id == self.client_id && secret == self.client_secret
    }
}
