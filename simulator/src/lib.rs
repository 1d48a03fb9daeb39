//! `procore-simulator`: a stateful local Procore API for tests, benchmarks and demos.
//!
//! One loopback HTTP server serves both the OAuth endpoints (the "login base") and the REST API
//! (the "API base"), with the behaviour that matters to a client: single-use rotating refresh
//! tokens, both rate-limit windows with real headers, the `Procore-Company-Id` rule,
//! disconnected apps, v1 and v2 pagination, writable RFIs, and injectable faults. See the
//! crate's README for the full behaviour.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use procore_simulator::{Simulator, SimulatorConfig};
//! let sim = Simulator::start(SimulatorConfig::default()).await?;
//! let tokens = sim.issue_tokens(None);
//! println!("{} {}", sim.base_url(), tokens.expires_in);
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod api;
mod config;
mod control;
mod counters;
mod data;
mod faults;
mod oauth;
mod pagination;
mod ratelimit;
mod recorder;
mod respond;
mod router;
mod server;
mod state;
mod tokens;
mod uploads;
mod util;
mod vendors;
mod webhooks;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::{ConfigError, ConfigPatch, ConfigView, SimulatorConfig};
pub use counters::{Counters, TokenCalls};
pub use faults::{Fault, FaultInfo};
pub use recorder::Recorded;
pub use tokens::TokenResponse;

use state::State;
use tokens::Principal;
use util::now_unix_f64;

/// Seed identities, for tests that assert on them.
pub mod seed {
    /// The user behind authorization-code tokens and the dev token.
    pub const USER_ID: u64 = crate::data::USER_ID;
    /// The service account behind client-credentials tokens.
    pub const SERVICE_ACCOUNT_ID: u64 = crate::data::SERVICE_ACCOUNT_ID;
    /// Small Builders: 3 projects.
    pub const SMALL_BUILDERS: u64 = crate::data::SMALL_BUILDERS;
    /// Big Build Co: 2,500 projects by default.
    pub const BIG_BUILD: u64 = crate::data::BIG_BUILD;
    /// Large Id Holdings: an id above 2^32.
    pub const LARGE_ID: u64 = crate::data::LARGE_ID;
    /// Disconnected Inc: every call gets 403 "App is not connected to this company".
    pub const DISCONNECTED: u64 = crate::data::DISCONNECTED;
    /// Mega Corp: 100,000 generated projects.
    pub const MEGA_CORP: u64 = crate::data::MEGA_CORP;
}

/// Handle to a running simulator. Dropping it stops the server (without waiting);
/// [`Simulator::shutdown`] stops it and waits for in-flight requests.
pub struct Simulator {
    state: Arc<State>,
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Simulator {
    /// Binds and starts serving on the current tokio runtime. Fails on an invalid
    /// configuration (`InvalidInput`) or when the address cannot be bound.
    pub async fn start(config: SimulatorConfig) -> io::Result<Simulator> {
        config
            .validate()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let listener = server::bind(SocketAddr::new(config.host, config.port))?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State::new(&config, format!("http://{addr}")));
        let (shutdown, rx) = watch::channel(false);
        let task = tokio::spawn(server::run(listener, state.clone(), rx));
        tracing::debug!(%addr, "procore-simulator listening");
        Ok(Simulator {
            state,
            addr,
            shutdown,
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT` (no trailing slash): both the API base and the login base.
    pub fn base_url(&self) -> String {
        self.state.base_url.clone()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The configured OAuth client id.
    pub fn client_id(&self) -> &str {
        &self.state.client_id
    }

    /// The configured OAuth client secret.
    pub fn client_secret(&self) -> &str {
        &self.state.client_secret
    }

    /// The dev token, if enabled.
    pub fn dev_token(&self) -> Option<&str> {
        self.state.dev_token.as_deref()
    }

    /// A snapshot of the counters (same as `GET /__simulator/counters`).
    pub fn counters(&self) -> Counters {
        self.state.counters.snapshot()
    }

    /// The last API requests received, oldest first (same as `GET /__simulator/requests`).
    pub fn recorded_requests(&self) -> Vec<Recorded> {
        self.state.recorder.list()
    }

    /// Every upload the simulator planned, oldest first, as JSON (same as
    /// `GET /__simulator/uploads`): flow, status, sizes, declared and stored SHA-256s per part
    /// and for the whole file.
    pub fn uploads(&self) -> Vec<serde_json::Value> {
        self.state.uploads.summaries()
    }

    /// Forgets the recorded requests.
    pub fn clear_recorded_requests(&self) {
        self.state.recorder.clear();
    }

    /// Zeroes the counters only.
    pub fn reset_counters(&self) {
        self.state.counters.reset();
    }

    /// Zeroes the counters, clears faults and forgets rate-limit usage
    /// (same as `POST /__simulator/reset`).
    pub fn reset(&self) {
        control::reset(&self.state);
    }

    /// Registers a fault (same as `POST /__simulator/faults`); returns its id.
    pub fn add_fault(&self, fault: Fault) -> u64 {
        self.state.faults.add(fault, now_unix_f64())
    }

    /// The registered faults and what is left of them.
    pub fn faults(&self) -> Vec<FaultInfo> {
        self.state.faults.list(now_unix_f64())
    }

    /// Removes every fault (same as `DELETE /__simulator/faults`).
    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

    /// A fresh token set for the user, as the authorization-code grant would give
    /// (same as `POST /__simulator/tokens`). `expires_in` overrides the configured lifetime.
    pub fn issue_tokens(&self, expires_in: Option<Duration>) -> TokenResponse {
        self.state.issue(Principal::User, expires_in)
    }

    /// A fresh client-credentials token (no refresh token).
    pub fn issue_client_credentials_token(&self) -> TokenResponse {
        self.state.issue(Principal::Client, None)
    }

    /// Revokes every live access token; refresh tokens stay valid
    /// (same as `POST /__simulator/revoke-access-tokens`).
    pub fn revoke_access_tokens(&self) {
        self.state.tokens.revoke_all_access();
    }

    /// Applies a runtime change (same as `PATCH /__simulator/config`) and returns the new
    /// configuration. Window lengths are rounded up to whole seconds, at least 1 s.
    pub fn update_config(&self, patch: ConfigPatch) -> ConfigView {
        self.state.update_config(&patch)
    }

    /// The current runtime configuration (same as `GET /__simulator/config`).
    pub fn config(&self) -> ConfigView {
        self.state.config_view()
    }

    /// Stops accepting, lets in-flight requests finish (up to 5 s), then returns.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}
