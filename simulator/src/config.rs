//! Configuration: the start-up [`SimulatorConfig`], the runtime-patchable subset
//! ([`ConfigPatch`], applied by `PATCH /__simulator/config` and [`crate::Simulator::update_config`])
//! and the JSON view of it ([`ConfigView`]).
//!
//! Window lengths are whole seconds because the rate-limit windows are aligned to multiples of
//! their length in Unix time, which is what makes `X-Rate-Limit-Reset` exact.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Everything the simulator needs to start. `Default` gives the documented identities and the
/// Procore-like limits (3600/h, 25/10 s).
#[derive(Clone, Debug, PartialEq)]
pub struct SimulatorConfig {
    /// Address to bind (default `127.0.0.1`).
    pub host: IpAddr,
    /// Port to bind; `0` picks a free one.
    pub port: u16,
    /// The only OAuth client the simulator knows.
    pub client_id: String,
    /// Its secret.
    pub client_secret: String,
    /// A bearer token for the user that never expires (`None` disables it).
    pub dev_token: Option<String>,
    /// Lifetime of issued access tokens.
    pub access_token_ttl: Duration,
    /// When false: no rate-limit headers and no 429s (storm faults still apply).
    pub rate_limits_enabled: bool,
    /// Requests per hourly window.
    pub hourly_limit: u32,
    /// Length of the "hourly" window (whole seconds, >= 1 s).
    pub hourly_window: Duration,
    /// Requests per spike window.
    pub spike_limit: u32,
    /// Length of the spike window (whole seconds, >= 1 s).
    pub spike_window: Duration,
    /// Send `Retry-After` with 429s.
    pub retry_after_on_429: bool,
    /// A successful refresh revokes the access token of the set it replaced.
    pub revoke_access_on_refresh: bool,
    /// Deliver every webhook event twice (as Procore occasionally does).
    pub webhook_duplicates: bool,
    /// Delay added before answering every `/rest/` and `/oauth/` request.
    pub latency: Duration,
    /// How many projects "Big Build Co" (31337) has (ids from 100001).
    pub big_company_projects: u32,
}

impl Default for SimulatorConfig {
    fn default() -> Self {
        SimulatorConfig {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            client_id: "sim-client-id".to_owned(),
            client_secret: "sim-client-secret".to_owned(),
            dev_token: Some("sim-dev-token".to_owned()),
            access_token_ttl: Duration::from_secs(5400),
            rate_limits_enabled: true,
            hourly_limit: 3600,
            hourly_window: Duration::from_secs(3600),
            spike_limit: 25,
            spike_window: Duration::from_secs(10),
            retry_after_on_429: false,
            revoke_access_on_refresh: true,
            webhook_duplicates: false,
            latency: Duration::ZERO,
            big_company_projects: 2500,
        }
    }
}

impl SimulatorConfig {
    /// Bind to this address.
    pub fn with_host(mut self, host: IpAddr) -> Self {
        self.host = host;
        self
    }
    /// Bind to this port (0 = ephemeral).
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }
    /// Use these OAuth client credentials.
    pub fn with_client(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.client_id = id.into();
        self.client_secret = secret.into();
        self
    }
    /// Set (or disable with `None`) the never-expiring dev token.
    pub fn with_dev_token(mut self, token: Option<String>) -> Self {
        self.dev_token = token;
        self
    }
    /// Lifetime of issued access tokens.
    pub fn with_access_token_ttl(mut self, ttl: Duration) -> Self {
        self.access_token_ttl = ttl;
        self
    }
    /// Turn rate limiting on or off.
    pub fn with_rate_limits(mut self, enabled: bool) -> Self {
        self.rate_limits_enabled = enabled;
        self
    }
    /// The hourly window: `limit` requests per `window`.
    pub fn with_hourly(mut self, limit: u32, window: Duration) -> Self {
        self.hourly_limit = limit;
        self.hourly_window = window;
        self
    }
    /// The spike window: `limit` requests per `window`.
    pub fn with_spike(mut self, limit: u32, window: Duration) -> Self {
        self.spike_limit = limit;
        self.spike_window = window;
        self
    }
    /// Send `Retry-After` with 429s.
    pub fn with_retry_after_on_429(mut self, on: bool) -> Self {
        self.retry_after_on_429 = on;
        self
    }
    /// Deliver every webhook event twice (as Procore occasionally does).
    pub fn with_webhook_duplicates(mut self, on: bool) -> Self {
        self.webhook_duplicates = on;
        self
    }

    /// Revoke the replaced access token on refresh (default true).
    pub fn with_revoke_access_on_refresh(mut self, on: bool) -> Self {
        self.revoke_access_on_refresh = on;
        self
    }
    /// Delay every `/rest/` and `/oauth/` answer.
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }
    /// Number of projects in Big Build Co.
    pub fn with_big_company_projects(mut self, n: u32) -> Self {
        self.big_company_projects = n;
        self
    }

    /// Checks what cannot be served: windows must be whole seconds and at least 1 s.
    pub fn validate(&self) -> Result<(), ConfigError> {
        whole_secs("hourly_window", self.hourly_window)?;
        whole_secs("spike_window", self.spike_window)?;
        if self.client_id.is_empty() || self.client_secret.is_empty() {
            return Err(ConfigError::Invalid(
                "client_id and client_secret must not be empty".into(),
            ));
        }
        if self.dev_token.as_deref() == Some("") {
            return Err(ConfigError::Invalid(
                "dev_token must not be empty (use None to disable)".into(),
            ));
        }
        Ok(())
    }

    pub(crate) fn runtime(&self) -> RuntimeConfig {
        RuntimeConfig {
            access_token_ttl: self.access_token_ttl,
            rate_limits_enabled: self.rate_limits_enabled,
            hourly_limit: self.hourly_limit,
            hourly_window_secs: self.hourly_window.as_secs().max(1),
            spike_limit: self.spike_limit,
            spike_window_secs: self.spike_window.as_secs().max(1),
            retry_after_on_429: self.retry_after_on_429,
            revoke_access_on_refresh: self.revoke_access_on_refresh,
            webhook_duplicates: self.webhook_duplicates,
            latency: self.latency,
        }
    }
}

fn whole_secs(name: &str, d: Duration) -> Result<u64, ConfigError> {
    if d.subsec_nanos() != 0 || d.as_secs() == 0 {
        return Err(ConfigError::Invalid(format!(
            "{name} must be a whole number of seconds, at least 1 (got {d:?})"
        )));
    }
    Ok(d.as_secs())
}

/// A configuration that cannot be served.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Explains which value is wrong.
    #[error("invalid simulator configuration: {0}")]
    Invalid(String),
}

/// The part of the configuration that can change while the server runs. `Copy`, so the hot
/// path reads it under a read lock and releases it at once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct RuntimeConfig {
    pub access_token_ttl: Duration,
    pub rate_limits_enabled: bool,
    pub hourly_limit: u32,
    pub hourly_window_secs: u64,
    pub spike_limit: u32,
    pub spike_window_secs: u64,
    pub retry_after_on_429: bool,
    pub revoke_access_on_refresh: bool,
    pub webhook_duplicates: bool,
    pub latency: Duration,
}

impl RuntimeConfig {
    /// Applies a patch. Window lengths are rounded up to whole seconds, at least 1 s (the HTTP
    /// API rejects 0 before getting here; the Rust API normalises instead of failing).
    pub(crate) fn apply(&mut self, patch: &ConfigPatch) {
        let secs = |d: Duration| {
            let s = d.as_secs() + u64::from(d.subsec_nanos() > 0);
            s.max(1)
        };
        if let Some(v) = patch.access_token_ttl {
            self.access_token_ttl = v;
        }
        if let Some(v) = patch.rate_limits_enabled {
            self.rate_limits_enabled = v;
        }
        if let Some(v) = patch.hourly_limit {
            self.hourly_limit = v;
        }
        if let Some(v) = patch.hourly_window {
            self.hourly_window_secs = secs(v);
        }
        if let Some(v) = patch.spike_limit {
            self.spike_limit = v;
        }
        if let Some(v) = patch.spike_window {
            self.spike_window_secs = secs(v);
        }
        if let Some(v) = patch.retry_after_on_429 {
            self.retry_after_on_429 = v;
        }
        if let Some(v) = patch.revoke_access_on_refresh {
            self.revoke_access_on_refresh = v;
        }
        if let Some(v) = patch.webhook_duplicates {
            self.webhook_duplicates = v;
        }
        if let Some(v) = patch.latency {
            self.latency = v;
        }
    }

    pub(crate) fn view(&self, client_id: &str, dev_token_enabled: bool) -> ConfigView {
        ConfigView {
            client_id: client_id.to_owned(),
            dev_token_enabled,
            access_token_ttl: self.access_token_ttl.as_secs(),
            rate_limits_enabled: self.rate_limits_enabled,
            hourly_limit: self.hourly_limit,
            hourly_window: self.hourly_window_secs,
            spike_limit: self.spike_limit,
            spike_window: self.spike_window_secs,
            retry_after_on_429: self.retry_after_on_429,
            revoke_access_on_refresh: self.revoke_access_on_refresh,
            webhook_duplicates: self.webhook_duplicates,
            latency_ms: u64::try_from(self.latency.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// A runtime change: every `Some` field is applied, the rest stay. JSON field names and units
/// are those of `PATCH /__simulator/config` (durations in seconds, `latency_ms` in ms).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigPatch {
    /// Lifetime of access tokens issued from now on.
    #[serde(default, with = "opt_secs", skip_serializing_if = "Option::is_none")]
    pub access_token_ttl: Option<Duration>,
    /// Rate limiting on or off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limits_enabled: Option<bool>,
    /// Requests per hourly window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hourly_limit: Option<u32>,
    /// Hourly window length.
    #[serde(default, with = "opt_secs", skip_serializing_if = "Option::is_none")]
    pub hourly_window: Option<Duration>,
    /// Requests per spike window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spike_limit: Option<u32>,
    /// Spike window length.
    #[serde(default, with = "opt_secs", skip_serializing_if = "Option::is_none")]
    pub spike_window: Option<Duration>,
    /// `Retry-After` on 429s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_on_429: Option<bool>,
    /// Revoke the replaced access token on refresh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoke_access_on_refresh: Option<bool>,
    /// Deliver every webhook event twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_duplicates: Option<bool>,
    /// Added latency (`latency_ms` in JSON).
    #[serde(
        default,
        rename = "latency_ms",
        with = "opt_ms",
        skip_serializing_if = "Option::is_none"
    )]
    pub latency: Option<Duration>,
}

impl ConfigPatch {
    /// Rejects what the HTTP API must refuse: windows of 0 s.
    pub(crate) fn validate(&self) -> Result<(), String> {
        for (name, w) in [
            ("hourly_window", self.hourly_window),
            ("spike_window", self.spike_window),
        ] {
            if w == Some(Duration::ZERO) {
                return Err(format!("{name} must be at least 1 second"));
            }
        }
        Ok(())
    }
}

/// The current runtime configuration, as `GET /__simulator/config` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigView {
    /// The OAuth client id (read-only).
    pub client_id: String,
    /// Whether a dev token is configured (read-only; its value is never shown).
    pub dev_token_enabled: bool,
    /// Seconds.
    pub access_token_ttl: u64,
    /// Rate limiting on or off.
    pub rate_limits_enabled: bool,
    /// Requests per hourly window.
    pub hourly_limit: u32,
    /// Seconds.
    pub hourly_window: u64,
    /// Requests per spike window.
    pub spike_limit: u32,
    /// Seconds.
    pub spike_window: u64,
    /// `Retry-After` on 429s.
    pub retry_after_on_429: bool,
    /// Revoke the replaced access token on refresh.
    pub revoke_access_on_refresh: bool,
    /// Deliver every webhook event twice.
    pub webhook_duplicates: bool,
    /// Milliseconds.
    pub latency_ms: u64,
}

mod opt_secs {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(v: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => s.serialize_u64(d.as_secs()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<u64>::deserialize(d)?.map(Duration::from_secs))
    }
}

mod opt_ms {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(v: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<u64>::deserialize(d)?.map(Duration::from_millis))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid() {
        assert!(SimulatorConfig::default().validate().is_ok());
    }

    #[test]
    fn windows_must_be_whole_seconds() {
        let c = SimulatorConfig::default().with_spike(5, Duration::from_millis(1500));
        assert!(c.validate().is_err());
        let c = SimulatorConfig::default().with_hourly(5, Duration::ZERO);
        assert!(c.validate().is_err());
    }

    #[test]
    fn patch_json_roundtrip() {
        let p: ConfigPatch =
            serde_json::from_str(r#"{"spike_window":2,"latency_ms":15,"hourly_limit":9}"#)
                .expect("valid patch");
        assert_eq!(p.spike_window, Some(Duration::from_secs(2)));
        assert_eq!(p.latency, Some(Duration::from_millis(15)));
        assert_eq!(p.hourly_limit, Some(9));
        assert!(serde_json::from_str::<ConfigPatch>(r#"{"nope":1}"#).is_err());
        let mut rt = SimulatorConfig::default().runtime();
        rt.apply(&ConfigPatch {
            spike_window: Some(Duration::from_millis(1200)),
            ..Default::default()
        });
        assert_eq!(rt.spike_window_secs, 2);
    }
}
