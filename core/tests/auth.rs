//! Token rotation against the simulator: single flight, lost answers, invalid grants, revoked
//! tokens, client credentials and the authorization-code login.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::*;
use procore::auth::{AppCredentials, OAuthClient};
use procore::{Environment, FileTokenStore, MemoryTokenStore, TokenSet, TokenStore};
use procore_simulator::seed::BIG_BUILD;
use procore_simulator::{ConfigPatch, Fault};

#[tokio::test]
async fn two_hundred_concurrent_calls_at_expiry_refresh_once() {
    let sim = sim().await;
    let store = Arc::new(MemoryTokenStore::new());
    let client = user_client(&sim, expired_tokens(&sim), store.clone());
    let calls = (0..200).map(|_| {
        let c = client.clone();
        tokio::spawn(async move { c.get("me").send().await })
    });
    let results = futures::future::join_all(calls).await;
    let ok = results
        .into_iter()
        .filter(|r| matches!(r, Ok(Ok(_))))
        .count();
    assert_eq!(ok, 200);
    let counters = sim.counters();
    assert_eq!(counters.token_calls.refresh_token, 1);
    assert_eq!(counters.token_calls.total, 1);
    // The new set was persisted (version 1).
    let stored = store.load().await.unwrap().unwrap();
    assert_eq!(stored.version, 1);
    assert_eq!(
        stored.access_token(),
        client.tokens().current_tokens().unwrap().access_token()
    );
}

#[tokio::test]
async fn server_side_expiry_401s_refresh_once_and_resend() {
    // The client believes its token is valid for an hour; the server expires it in 1 s. Every
    // in-flight caller gets a 401; one refreshes, the others resend with the new token.
    let sim = sim().await;
    let issued = sim.issue_tokens(Some(Duration::from_secs(1)));
    let tokens = TokenSet::new(
        issued.access_token,
        issued.refresh_token,
        Some(SystemTime::now() + Duration::from_secs(3600)),
    );
    let client = user_client(&sim, tokens, Arc::new(MemoryTokenStore::new()));
    client.get("me").send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let calls = (0..50).map(|_| {
        let c = client.clone();
        tokio::spawn(async move { c.get("me").send().await })
    });
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(|r| matches!(r, Ok(Ok(_)))));
    assert_eq!(sim.counters().token_calls.refresh_token, 1);
    assert!(sim.counters().status(401) >= 1, "the server did answer 401");
}

#[tokio::test]
async fn revoked_access_token_gets_one_refresh() {
    let sim = sim().await;
    let client = user_client(
        &sim,
        fresh_tokens(&sim, Duration::from_secs(3600)),
        Arc::new(MemoryTokenStore::new()),
    );
    client.get("me").send().await.unwrap();
    sim.revoke_access_tokens();
    let r = client.get("me").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.attempts(), 1, "the resend after a refresh is not a retry");
    assert_eq!(sim.counters().token_calls.refresh_token, 1);
    assert_eq!(sim.counters().status(401), 1);
}

#[tokio::test]
async fn lost_refresh_answer_means_reauthorization_and_one_call() {
    let sim = sim().await;
    let tokens = expired_tokens(&sim);
    let store = Arc::new(MemoryTokenStore::with_tokens(tokens.clone()));
    let client = user_client(&sim, tokens.clone(), store.clone());
    sim.add_fault(Fault::drop_after_commit(1).with_path_prefix("/oauth/token"));
    let e = client.get("me").send().await.unwrap_err();
    assert_eq!(e.code(), "reauthorization_required", "{e}");
    assert_eq!(sim.counters().token_calls.total, 1);
    assert_eq!(sim.counters().dropped_connections, 1);
    // No retry loop: further calls fail at once without another token call.
    for _ in 0..3 {
        assert_eq!(
            client.get("me").send().await.unwrap_err().code(),
            "reauthorization_required"
        );
    }
    assert_eq!(sim.counters().token_calls.total, 1);
    // The store was left as it was, for inspection.
    assert!(store.load().await.unwrap().unwrap().same_set(&tokens));
}

#[tokio::test]
async fn invalid_grant_means_reauthorization_and_one_call() {
    let sim = sim().await;
    let tokens = expired_tokens(&sim);
    // A first holder rotates the set ...
    let first = user_client(&sim, tokens.clone(), Arc::new(MemoryTokenStore::new()));
    first.get("me").send().await.unwrap();
    assert_eq!(sim.counters().token_calls.refresh_token, 1);
    // ... so a second holder with the old (burned) refresh token and its own store is refused.
    let store = Arc::new(MemoryTokenStore::new());
    let second = user_client(&sim, tokens.clone(), store.clone());
    let e = second.get("me").send().await.unwrap_err();
    assert_eq!(e.code(), "reauthorization_required");
    assert!(e.to_string().contains("invalid_grant"), "{e}");
    assert_eq!(sim.counters().token_calls.refresh_token, 2);
    assert_eq!(
        second.get("me").send().await.unwrap_err().code(),
        "reauthorization_required"
    );
    assert_eq!(sim.counters().token_calls.refresh_token, 2);
    assert!(store.load().await.unwrap().unwrap().same_set(&tokens));
    // The first holder is unaffected.
    first.get("me").send().await.unwrap();
}

#[tokio::test]
async fn a_store_rotated_by_someone_else_is_adopted_without_a_token_call() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.json");
    let a = user_client(
        &sim,
        expired_tokens(&sim),
        Arc::new(FileTokenStore::new(&path)),
    );
    a.get("me").send().await.unwrap();
    assert_eq!(sim.counters().token_calls.refresh_token, 1);
    // A second client on the same file starts from the stored set.
    let b = builder(&sim)
        .stored_tokens(CLIENT_ID, CLIENT_SECRET)
        .token_store(Arc::new(FileTokenStore::new(&path)))
        .build()
        .unwrap();
    b.get("me").send().await.unwrap();
    assert_eq!(sim.counters().token_calls.refresh_token, 1);
}

#[tokio::test]
async fn refresh_token_credentials_start_with_a_refresh() {
    let sim = sim().await;
    let issued = sim.issue_tokens(None);
    let client = builder(&sim)
        .refresh_token(CLIENT_ID, CLIENT_SECRET, issued.refresh_token.unwrap())
        .build()
        .unwrap();
    client.get("me").send().await.unwrap();
    client.get("me").send().await.unwrap();
    assert_eq!(sim.counters().token_calls.refresh_token, 1);
}

/// A simulator issuing access tokens that live `ttl`, and a service-account client on it.
async fn service_account_with_ttl(
    ttl: Duration,
) -> (procore_simulator::Simulator, procore::Client) {
    let sim = sim().await;
    sim.update_config(ConfigPatch {
        access_token_ttl: Some(ttl),
        ..Default::default()
    });
    let client = builder(&sim)
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .company_id(BIG_BUILD)
        .build()
        .unwrap();
    (sim, client)
}

#[tokio::test]
async fn client_credentials_fetch_again_at_expiry() {
    let (sim, client) = service_account_with_ttl(Duration::from_secs(2)).await;
    client.get("me").send().await.unwrap();
    assert_eq!(sim.counters().token_calls.client_credentials, 1);
    // A quarter of the 2 s lifetime before expiry, the next call fetches a new token.
    tokio::time::sleep(Duration::from_millis(1700)).await;
    client.get("me").send().await.unwrap();
    assert_eq!(sim.counters().token_calls.client_credentials, 2);
    assert_eq!(
        sim.counters().status(401),
        0,
        "refreshed ahead of expiry, never a 401"
    );
    // Client-credentials tokens need the company header even on /me.
    let e = client.get("me").without_company().send().await.unwrap_err();
    assert_eq!(e.code(), "bad_request");
}

#[tokio::test]
async fn short_lived_tokens_are_not_refreshed_on_every_call() {
    // A 60 s token with the default 5-minute skew: the skew is capped at 15 s.
    let (sim, client) = service_account_with_ttl(Duration::from_secs(60)).await;
    for _ in 0..20 {
        client.get("me").send().await.unwrap();
    }
    assert_eq!(sim.counters().token_calls.client_credentials, 1);
}

#[tokio::test]
async fn static_token_401_is_final_and_bad_credentials_are_config_errors() {
    let sim = sim().await;
    let c = builder(&sim)
        .access_token("expired-or-wrong")
        .build()
        .unwrap();
    assert_eq!(c.get("me").send().await.unwrap_err().code(), "unauthorized");
    assert_eq!(sim.counters().token_calls.total, 0);
    assert_eq!(
        builder(&sim).access_token("").build().unwrap_err().code(),
        "config"
    );
    assert_eq!(
        builder(&sim)
            .client_credentials("", "x")
            .build()
            .unwrap_err()
            .code(),
        "config"
    );
    assert_eq!(builder(&sim).build().unwrap_err().code(), "config");
    // Wrong client secret: the grant is refused with a typed OAuth error.
    let c = builder(&sim)
        .client_credentials(CLIENT_ID, "wrong")
        .build()
        .unwrap();
    let e = c.get("me").send().await.unwrap_err();
    assert_eq!(e.code(), "oauth", "{e}");
    assert!(e.to_string().contains("invalid_client"), "{e}");
}

/// Follows the simulator's auto-approving authorize page and returns the redirect's query.
async fn authorize(url: &url::Url) -> std::collections::HashMap<String, String> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = http.get(url.clone()).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 302);
    let location = resp.headers()["location"].to_str().unwrap();
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

#[tokio::test]
async fn authorization_code_login_end_to_end() {
    let sim = sim().await;
    let env = Environment::local(&sim.base_url()).unwrap();
    let oauth = OAuthClient::new(&env, AppCredentials::new(CLIENT_ID, CLIENT_SECRET)).unwrap();
    let redirect = "http://127.0.0.1:8765/callback";

    // A wrong state is refused before any token call.
    let req = oauth.authorize_url(redirect, true).unwrap();
    let q = authorize(&req.url).await;
    assert_eq!(q["state"], req.state);
    let e = oauth
        .exchange_code(&req, &q["code"], "forged-state")
        .await
        .unwrap_err();
    assert_eq!(e.code(), "state_mismatch");
    assert_eq!(sim.counters().token_calls.total, 0);

    // The right state: tokens, which then work for API calls.
    let tokens = oauth
        .exchange_code(&req, &q["code"], &q["state"])
        .await
        .unwrap();
    assert!(tokens.refresh_token().is_some());
    assert!(tokens.expires_at.unwrap() > SystemTime::now());
    let store = Arc::new(MemoryTokenStore::new());
    let client = user_client(&sim, tokens, store.clone());
    let me: serde_json::Value = client.get("me").send_json().await.unwrap();
    assert_eq!(me["id"].as_u64(), Some(procore_simulator::seed::USER_ID));
    assert!(
        store.load().await.unwrap().is_some(),
        "the login's set was saved"
    );

    // Codes are single-use.
    let e = oauth
        .exchange_code(&req, &q["code"], &q["state"])
        .await
        .unwrap_err();
    assert_eq!(e.code(), "oauth");
    assert!(e.to_string().contains("invalid_grant"));

    // Without PKCE it works too; a PKCE request exchanged without its verifier does not.
    let plain = oauth.authorize_url(redirect, false).unwrap();
    let q = authorize(&plain.url).await;
    oauth
        .exchange_code(&plain, &q["code"], &q["state"])
        .await
        .unwrap();
    let pkce = oauth.authorize_url(redirect, true).unwrap();
    let q = authorize(&pkce.url).await;
    let stripped = procore::AuthorizationRequest::from_parts(
        pkce.url.clone(),
        pkce.state.clone(),
        redirect.into(),
        None,
    );
    assert_eq!(
        oauth
            .exchange_code(&stripped, &q["code"], &q["state"])
            .await
            .unwrap_err()
            .code(),
        "oauth"
    );

    // Token info and revoke.
    let info = client.token_info().await.unwrap();
    assert_eq!(
        info["resource_owner_id"].as_u64(),
        Some(procore_simulator::seed::USER_ID)
    );
    client.revoke().await.unwrap();
    assert!(store.load().await.unwrap().is_none());
    assert_eq!(sim.counters().revocations, 1);
    assert_eq!(
        client.get("me").send().await.unwrap_err().code(),
        "reauthorization_required"
    );
}

#[tokio::test]
async fn a_cancelled_caller_does_not_lose_the_rotation() {
    // The caller that triggered the refresh is dropped while the token endpoint is slow; the
    // refresh still completes and is saved, and the next caller uses it without a new call.
    let sim = sim().await;
    let store = Arc::new(MemoryTokenStore::new());
    let client = user_client(&sim, expired_tokens(&sim), store.clone());
    sim.add_fault(
        Fault::latency(Duration::from_millis(300), Some(1)).with_path_prefix("/oauth/token"),
    );
    let c = client.clone();
    let call = tokio::spawn(async move { c.get("me").send().await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    call.abort();
    assert!(call.await.unwrap_err().is_cancelled());
    client.get("me").send().await.unwrap();
    assert_eq!(sim.counters().token_calls.refresh_token, 1);
    assert_eq!(store.load().await.unwrap().unwrap().version, 1);
}

#[test]
fn a_saved_authorization_request_is_rebuilt_from_its_text_or_refused() {
    let url = "https://login.procore.com/oauth/authorize?response_type=code&client_id=a&state=s1";
    let req = procore::AuthorizationRequest::from_saved(
        url,
        "s1".into(),
        "urn:ietf:wg:oauth:2.0:oob".into(),
        Some("verifier-secret".into()),
    )
    .unwrap();
    assert_eq!(req.url.as_str(), url);
    assert_eq!(req.state, "s1");
    let e = procore::AuthorizationRequest::from_saved(
        "not a url",
        "s1".into(),
        "urn:ietf:wg:oauth:2.0:oob".into(),
        Some("verifier-secret".into()),
    )
    .unwrap_err();
    assert_eq!(e.code(), "config");
    assert!(e.to_string().contains("invalid authorization URL"), "{e}");
    assert!(!e.to_string().contains("verifier-secret"), "{e}");
}
