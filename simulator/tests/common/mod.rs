//! Shared helpers for the integration tests: a simulator on an ephemeral port and a reqwest
//! client that talks to it over real loopback sockets.
#![allow(dead_code)]

use procore_simulator::{Simulator, SimulatorConfig};
use reqwest::{Client, RequestBuilder, Response};
use serde_json::Value;

pub const DEV: &str = "sim-dev-token";

pub struct Env {
    pub sim: Simulator,
    pub http: Client,
    pub base: String,
}

/// Default config, but without rate limits unless a test wants them.
pub fn config() -> SimulatorConfig {
    SimulatorConfig::default().with_rate_limits(false)
}

pub async fn start(config: SimulatorConfig) -> Env {
    let sim = Simulator::start(config).await.expect("simulator starts");
    let base = sim.base_url();
    let http = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    Env { sim, http, base }
}

impl Env {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// GET with the dev token and no company header.
    pub fn get(&self, path: &str) -> RequestBuilder {
        self.http.get(self.url(path)).bearer_auth(DEV)
    }

    /// GET with the dev token and a company header.
    pub fn get_in(&self, company: u64, path: &str) -> RequestBuilder {
        self.get(path)
            .header("Procore-Company-Id", company.to_string())
    }

    pub async fn token(&self, form: &[(&str, &str)]) -> (u16, Value) {
        let r = self
            .http
            .post(self.url("/oauth/token"))
            .form(form)
            .send()
            .await
            .expect("token call answered");
        let status = r.status().as_u16();
        (status, r.json().await.expect("json token answer"))
    }

    /// Runs the authorize step and returns the code from the redirect.
    pub async fn authorize(&self, redirect: &str, challenge: Option<&str>) -> String {
        let mut q = vec![
            ("response_type", "code"),
            ("client_id", "sim-client-id"),
            ("redirect_uri", redirect),
            ("state", "st4te"),
        ];
        if let Some(c) = challenge {
            q.push(("code_challenge", c));
            q.push(("code_challenge_method", "S256"));
        }
        let r = self
            .http
            .get(self.url("/oauth/authorize"))
            .query(&q)
            .send()
            .await
            .expect("authorize answered");
        assert_eq!(r.status(), 302);
        let loc = r.headers()["location"].to_str().expect("ascii").to_owned();
        let u = url::Url::parse(&loc).expect("absolute location");
        let pairs: std::collections::HashMap<_, _> = u.query_pairs().into_owned().collect();
        assert_eq!(pairs.get("state").map(String::as_str), Some("st4te"));
        assert!(loc.starts_with(redirect));
        pairs["code"].clone()
    }
}

pub async fn json(r: Response) -> Value {
    r.json().await.expect("json body")
}

pub fn header<'a>(r: &'a Response, name: &str) -> &'a str {
    r.headers()
        .get(name)
        .unwrap_or_else(|| panic!("header {name} missing"))
        .to_str()
        .expect("ascii header")
}
