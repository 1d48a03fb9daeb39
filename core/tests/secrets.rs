//! With every crate logging at TRACE, no token and no client secret appears in any log line,
//! `Debug` output or error message. The log is captured and searched.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use procore::auth::{AppCredentials, OAuthClient};
use procore::{Environment, FileTokenStore, MemoryTokenStore, TokenStore};
use procore_simulator::Fault;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_secret_in_logs_debug_or_errors() {
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let sim = sim().await;
    let mut secrets: Vec<String> = vec![
        CLIENT_SECRET.to_owned(),
        sim.dev_token().unwrap().to_owned(),
    ];
    let mut shown: Vec<String> = Vec::new();

    // Login by authorization code.
    let env = Environment::local(&sim.base_url()).unwrap();
    let oauth = OAuthClient::new(&env, AppCredentials::new(CLIENT_ID, CLIENT_SECRET)).unwrap();
    shown.push(format!("{oauth:?}"));
    let req = oauth.authorize_url("http://127.0.0.1:9/cb", true).unwrap();
    secrets.push(req.pkce_verifier().unwrap().to_owned());
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let loc = http.get(req.url.clone()).send().await.unwrap().headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    let q: std::collections::HashMap<String, String> = url::Url::parse(&loc)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    secrets.push(q["code"].clone());
    let tokens = oauth
        .exchange_code(&req, &q["code"], &q["state"])
        .await
        .unwrap();
    secrets.push(tokens.access_token().to_owned());
    secrets.push(tokens.refresh_token().unwrap().to_owned());
    shown.push(format!("{tokens:?}"));

    // Calls, a forced refresh, a file store, then failures of every kind.
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(FileTokenStore::new(dir.path().join("t.json")));
    let client = user_client(&sim, tokens, store.clone());
    client.get("me").send().await.unwrap();
    sim.revoke_access_tokens();
    client.get("me").send().await.unwrap();
    let rotated = store.load().await.unwrap().unwrap();
    secrets.push(rotated.access_token().to_owned());
    secrets.push(rotated.refresh_token().unwrap().to_owned());
    shown.push(format!("{client:?}"));
    shown.push(format!("{:?}", client.tokens()));
    shown.push(format!("{:?}", client.tokens().current_tokens()));
    shown.push(format!(
        "{:?}",
        procore::Credentials::AccessToken(rotated.access_token().to_owned().into())
    ));
    shown.push(format!(
        "{:?}",
        AppCredentials::new(CLIENT_ID, CLIENT_SECRET)
    ));

    let mut errors = Vec::new();
    errors.push(
        builder(&sim)
            .access_token("wrong-token-value")
            .build()
            .unwrap()
            .get("me")
            .send()
            .await
            .unwrap_err(),
    );
    secrets.push("wrong-token-value".into());
    errors.push(
        builder(&sim)
            .client_credentials(CLIENT_ID, "wrong-secret-value")
            .build()
            .unwrap()
            .get("me")
            .send()
            .await
            .unwrap_err(),
    );
    secrets.push("wrong-secret-value".into());
    // A lost refresh answer.
    sim.revoke_access_tokens();
    sim.add_fault(Fault::drop_after_commit(1).with_path_prefix("/oauth/token"));
    errors.push(client.get("me").send().await.unwrap_err());
    // A corrupt token file.
    std::fs::write(
        store.path(),
        format!(
            "{{\"access_token\": \"{}\", \"version\": \"x\"}}",
            rotated.access_token()
        ),
    )
    .unwrap();
    errors.push(store.load().await.unwrap_err());
    let mem = MemoryTokenStore::with_tokens(rotated.clone());
    shown.push(format!("{mem:?}"));
    for e in &errors {
        shown.push(format!("{e}"));
        shown.push(format!("{e:?}"));
    }
    tokio::time::sleep(Duration::from_millis(50)).await;

    let log = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("refresh"),
        "TRACE logging was captured: {} bytes",
        log.len()
    );
    for s in &secrets {
        assert!(s.len() >= 8, "secret too short to search for");
        assert!(!log.contains(s.as_str()), "a secret leaked into the log");
        for (i, text) in shown.iter().enumerate() {
            assert!(
                !text.contains(s.as_str()),
                "a secret leaked into output #{i}: {text}"
            );
        }
    }
    let _ = std::io::stderr().flush();
}
