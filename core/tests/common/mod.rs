//! Shared helpers: a simulator on loopback and clients pointed at it.
#![allow(dead_code, clippy::unwrap_used)]

pub mod peer;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use procore::{Client, ClientBuilder, Environment, RateLimitConfig, TokenSet, TokenStore};
use procore_simulator::{Simulator, SimulatorConfig};

pub const CLIENT_ID: &str = "sim-client-id";
pub const CLIENT_SECRET: &str = "sim-client-secret";

/// A simulator with rate limits off (tests that need them turn them on).
pub async fn sim() -> Simulator {
    Simulator::start(SimulatorConfig::default().with_rate_limits(false))
        .await
        .expect("simulator starts")
}

pub async fn sim_with(config: SimulatorConfig) -> Simulator {
    Simulator::start(config).await.expect("simulator starts")
}

/// A builder pointed at the simulator, with fast retries and no pacing.
pub fn builder(sim: &Simulator) -> ClientBuilder {
    Client::builder()
        .environment(Environment::local(&sim.base_url()).unwrap())
        .rate_limit(RateLimitConfig::disabled())
        .retry(procore::RetryConfig {
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
            ..Default::default()
        })
}

/// A client on the simulator's dev token.
pub fn dev_client(sim: &Simulator) -> Client {
    builder(sim)
        .access_token(sim.dev_token().unwrap())
        .build()
        .unwrap()
}

/// A user's token set from the simulator whose access token we treat as expired now.
pub fn expired_tokens(sim: &Simulator) -> TokenSet {
    let issued = sim.issue_tokens(Some(Duration::from_secs(3600)));
    TokenSet::new(
        issued.access_token,
        issued.refresh_token,
        Some(SystemTime::now() - Duration::from_secs(1)),
    )
}

/// A fresh user's token set, valid for `ttl`.
pub fn fresh_tokens(sim: &Simulator, ttl: Duration) -> TokenSet {
    let issued = sim.issue_tokens(Some(ttl));
    TokenSet::new(
        issued.access_token,
        issued.refresh_token,
        Some(SystemTime::now() + ttl),
    )
}

pub fn user_client(sim: &Simulator, tokens: TokenSet, store: Arc<dyn TokenStore>) -> Client {
    builder(sim)
        .tokens(CLIENT_ID, CLIENT_SECRET, tokens)
        .token_store(store)
        .build()
        .unwrap()
}
