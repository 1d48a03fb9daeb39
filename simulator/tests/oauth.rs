//! The OAuth endpoints over real sockets: authorization code (with and without PKCE), refresh
//! rotation and reuse, client credentials, revocation, token info.

mod common;

use std::sync::Arc;

use base64::Engine as _;
use common::{config, json, start, Env};
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

const REDIRECT: &str = "http://127.0.0.1:8765/callback";
const INVALID_GRANT: &str = "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.";

fn client() -> [(&'static str, &'static str); 2] {
    [
        ("client_id", "sim-client-id"),
        ("client_secret", "sim-client-secret"),
    ]
}

async fn exchange(env: &Env, code: &str, verifier: Option<&str>) -> (u16, Value) {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
    ];
    form.extend(client());
    if let Some(v) = verifier {
        form.push(("code_verifier", v));
    }
    env.token(&form).await
}

async fn refresh(env: &Env, token: &str) -> (u16, Value) {
    let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", token)];
    form.extend(client());
    env.token(&form).await
}

async fn me_status(env: &Env, access: &str) -> u16 {
    env.http
        .get(env.url("/rest/v1.0/me"))
        .bearer_auth(access)
        .send()
        .await
        .expect("answered")
        .status()
        .as_u16()
}

fn s(v: &Value, k: &str) -> String {
    v[k].as_str()
        .unwrap_or_else(|| panic!("{k} missing in {v}"))
        .to_owned()
}

#[tokio::test]
async fn authorization_code_without_pkce() {
    let env = start(config()).await;
    let code = env.authorize(REDIRECT, None).await;
    let (status, body) = exchange(&env, &code, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 5400);
    assert!(body["created_at"].as_i64().expect("created_at") > 1_600_000_000);
    assert!(body["refresh_token"].is_string());
    assert_eq!(me_status(&env, &s(&body, "access_token")).await, 200);

    // Codes are single-use.
    let (status, body) = exchange(&env, &code, None).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");

    // The redirect_uri must match.
    let code = env.authorize(REDIRECT, None).await;
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", "http://127.0.0.1:8765/other"),
    ];
    form.extend(client());
    let (status, body) = env.token(&form).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");

    let c = env.sim.counters();
    assert_eq!(c.token_calls.authorization_code, 3);
    assert_eq!(c.token_errors, 2);
    assert_eq!(c.tokens_issued, 1);
}

#[tokio::test]
async fn authorization_code_with_pkce() {
    let env = start(config()).await;
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-extra-length-ok";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));

    let code = env.authorize(REDIRECT, Some(&challenge)).await;
    let (status, body) = exchange(&env, &code, Some(verifier)).await;
    assert_eq!(status, 200, "{body}");

    let code = env.authorize(REDIRECT, Some(&challenge)).await;
    let wrong = "x".repeat(50);
    let (status, body) = exchange(&env, &code, Some(&wrong)).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");

    let code = env.authorize(REDIRECT, Some(&challenge)).await;
    let (status, body) = exchange(&env, &code, None).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_request");

    // A verifier without a challenge is refused too.
    let code = env.authorize(REDIRECT, None).await;
    let (status, _) = exchange(&env, &code, Some(verifier)).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn authorize_oob_and_bad_requests() {
    let env = start(config()).await;
    let r = env
        .http
        .get(env.url("/oauth/authorize"))
        .query(&[
            ("response_type", "code"),
            ("client_id", "sim-client-id"),
            ("redirect_uri", "urn:ietf:wg:oauth:2.0:oob"),
        ])
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status(), 200);
    let page = r.text().await.expect("html");
    let start_tag = "<code id=\"authorization-code\">";
    let at = page.find(start_tag).expect("code element") + start_tag.len();
    let code = &page[at..at + page[at..].find('<').expect("end tag")];
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", "urn:ietf:wg:oauth:2.0:oob"),
    ];
    form.extend(client());
    let (status, _) = env.token(&form).await;
    assert_eq!(status, 200);

    for (client_id, redirect) in [
        ("wrong-client", REDIRECT),
        ("sim-client-id", "https://evil.example/cb"),
        ("sim-client-id", ""),
    ] {
        let r = env
            .http
            .get(env.url("/oauth/authorize"))
            .query(&[
                ("response_type", "code"),
                ("client_id", client_id),
                ("redirect_uri", redirect),
            ])
            .send()
            .await
            .expect("answered");
        assert_eq!(r.status(), 400);
        assert!(r.headers().get("location").is_none());
    }
}

#[tokio::test]
async fn refresh_rotates_and_reuse_is_invalid_grant() {
    let env = start(config()).await;
    let t1 = env.sim.issue_tokens(None);
    let r1 = t1.refresh_token.clone().expect("refresh token");
    let (status, t2) = refresh(&env, &r1).await;
    assert_eq!(status, 200, "{t2}");
    let r2 = s(&t2, "refresh_token");
    assert_ne!(r1, r2);
    // The replaced access token is revoked by default.
    assert_eq!(me_status(&env, &t1.access_token).await, 401);
    assert_eq!(me_status(&env, &s(&t2, "access_token")).await, 200);

    let (status, body) = refresh(&env, &r1).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"error": "invalid_grant", "error_description": INVALID_GRANT})
    );
    // The new refresh token still works.
    let (status, _) = refresh(&env, &r2).await;
    assert_eq!(status, 200);

    let c = env.sim.counters();
    assert_eq!(c.token_calls.refresh_token, 3);
    assert_eq!(c.token_calls.total, 3);
    assert_eq!(c.token_errors, 1);
}

#[tokio::test]
async fn refresh_keeps_old_access_when_configured() {
    let env = start(config().with_revoke_access_on_refresh(false)).await;
    let t1 = env.sim.issue_tokens(None);
    let (status, _) = refresh(&env, t1.refresh_token.as_deref().expect("rt")).await;
    assert_eq!(status, 200);
    assert_eq!(me_status(&env, &t1.access_token).await, 200);
}

#[tokio::test]
async fn token_endpoint_accepts_json_and_basic_auth() {
    let env = start(config()).await;
    let t = env.sim.issue_tokens(None);
    let r = env
        .http
        .post(env.url("/oauth/token"))
        .json(&json!({"grant_type": "refresh_token",
                      "refresh_token": t.refresh_token,
                      "client_id": "sim-client-id",
                      "client_secret": "sim-client-secret"}))
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let r = env
        .http
        .post(env.url("/oauth/token"))
        .basic_auth("sim-client-id", Some("sim-client-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn client_credentials_and_errors() {
    let env = start(config()).await;
    let mut form = vec![("grant_type", "client_credentials")];
    form.extend(client());
    let (status, body) = env.token(&form).await;
    assert_eq!(status, 200);
    assert!(body.get("refresh_token").is_none(), "{body}");
    assert_eq!(body["expires_in"], 5400);

    let (status, body) = env
        .token(&[
            ("grant_type", "client_credentials"),
            ("client_id", "sim-client-id"),
            ("client_secret", "wrong"),
        ])
        .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_client");

    let mut form = vec![("grant_type", "password")];
    form.extend(client());
    let (status, body) = env.token(&form).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "unsupported_grant_type");

    let (status, body) = env.token(&client()).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_request");

    let mut form = vec![("grant_type", "refresh_token")];
    form.extend(client());
    let (status, body) = env.token(&form).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_request");

    let c = env.sim.counters();
    assert_eq!(c.token_calls.client_credentials, 2);
    assert_eq!(c.token_calls.refresh_token, 1);
    assert_eq!(c.token_calls.total, 5);
    assert_eq!(c.token_errors, 4);
}

#[tokio::test]
async fn revoke_kills_the_whole_set() {
    let env = start(config()).await;
    for by_refresh in [false, true] {
        let t = env.sim.issue_tokens(None);
        let rt = t.refresh_token.clone().expect("rt");
        let which = if by_refresh { &rt } else { &t.access_token };
        let mut form = vec![("token", which.as_str())];
        form.extend(client());
        let r = env
            .http
            .post(env.url("/oauth/revoke"))
            .form(&form)
            .send()
            .await
            .expect("revoke");
        assert_eq!(r.status(), 200);
        assert_eq!(json(r).await, json!({}));
        assert_eq!(me_status(&env, &t.access_token).await, 401);
        let (status, body) = refresh(&env, &rt).await;
        assert_eq!(status, 400);
        assert_eq!(body["error"], "invalid_grant");
    }
    // Unknown tokens: still 200 for a valid client; a bad client gets 401.
    let mut form = vec![("token", "unknown")];
    form.extend(client());
    let r = env
        .http
        .post(env.url("/oauth/revoke"))
        .form(&form)
        .send()
        .await
        .expect("revoke");
    assert_eq!(r.status(), 200);
    let r = env
        .http
        .post(env.url("/oauth/revoke"))
        .form(&[
            ("token", "x"),
            ("client_id", "nope"),
            ("client_secret", "x"),
        ])
        .send()
        .await
        .expect("revoke");
    assert_eq!(r.status(), 401);
    assert_eq!(env.sim.counters().revocations, 3);
}

#[tokio::test]
async fn revoke_access_tokens_behind_the_clients_back() {
    let env = start(config()).await;
    let t = env.sim.issue_tokens(None);
    env.sim.revoke_access_tokens();
    assert_eq!(me_status(&env, &t.access_token).await, 401);
    let (status, t2) = refresh(&env, t.refresh_token.as_deref().expect("rt")).await;
    assert_eq!(status, 200);
    assert_eq!(me_status(&env, &s(&t2, "access_token")).await, 200);
    // The dev token is not an issued token and keeps working.
    assert_eq!(me_status(&env, common::DEV).await, 200);
}

#[tokio::test]
async fn token_info() {
    let env = start(config()).await;
    let t = env.sim.issue_tokens(None);
    let r = env
        .http
        .get(env.url("/oauth/token/info"))
        .bearer_auth(&t.access_token)
        .send()
        .await
        .expect("info");
    assert_eq!(r.status(), 200);
    let info = json(r).await;
    assert_eq!(info["resource_owner_id"], 5000000001u64);
    assert_eq!(info["scope"], json!([]));
    assert_eq!(info["application"]["uid"], "sim-client-id");
    assert_eq!(info["created_at"], t.created_at);
    let left = info["expires_in"].as_u64().expect("expires_in");
    assert!((5398..=5400).contains(&left), "{left}");

    let r = env
        .http
        .get(env.url("/oauth/token/info"))
        .bearer_auth("bogus")
        .send()
        .await
        .expect("info");
    assert_eq!(r.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_refreshes_with_one_token_only_one_wins() {
    let env = Arc::new(start(config()).await);
    let t = env.sim.issue_tokens(None);
    let rt = Arc::new(t.refresh_token.expect("rt"));
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let env = env.clone();
        let rt = rt.clone();
        tasks.push(tokio::spawn(async move { refresh(&env, &rt).await.0 }));
    }
    let mut ok = 0;
    for t in tasks {
        if t.await.expect("task") == 200 {
            ok += 1;
        }
    }
    assert_eq!(ok, 1);
    let c = env.sim.counters();
    assert_eq!(c.token_calls.refresh_token, 50);
    assert_eq!(c.token_errors, 49);
}
