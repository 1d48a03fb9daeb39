//! Against a standards OAuth 2 server nobody here wrote: `oidc-provider` (npm), configured on
//! Procore's endpoint paths (`tests/interop/oidc/server.mjs`), with refresh tokens that rotate
//! on every use and reuse detection. The authorization code + PKCE, refresh, client-credentials
//! and revoke flows of the core must work there as they do against the simulator.
//!
//! `scripts/test` runs `npm install` in `tests/interop/oidc`; without it (or without node) this
//! test fails, unless `PROCORE_SKIP_OIDC=1` says to skip it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime};

use procore::{AppCredentials, Client, Environment, OAuthClient, RateLimitConfig, TokenSet};

const CLIENT_ID: &str = "interop-client";
const CLIENT_SECRET: &str = "interop-secret-7f3a";
const REDIRECT: &str = "http://127.0.0.1:9/callback";

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("interop/oidc")
}

fn start() -> Option<Server> {
    if !dir().join("node_modules/oidc-provider").exists() {
        if std::env::var("PROCORE_SKIP_OIDC").as_deref() == Ok("1") {
            eprintln!("skipped: oidc-provider not installed and PROCORE_SKIP_OIDC=1");
            return None;
        }
        panic!("run `npm install` in tests/interop/oidc (scripts/test does), or set PROCORE_SKIP_OIDC=1");
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new("node")
        .current_dir(dir())
        .args([
            "server.mjs",
            &port.to_string(),
            CLIENT_ID,
            CLIENT_SECRET,
            "3",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node starts");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert!(
        line.contains("listening on"),
        "oidc-provider did not start: {line}"
    );
    // Keep reading its output, so that a later line never meets a closed pipe.
    std::thread::spawn(move || {
        let mut sink = String::new();
        while out.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
            eprint!("oidc-provider: {sink}");
            sink.clear();
        }
    });
    Some(Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    })
}

fn raw() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// What the user's browser does: follows the authorization redirects (keeping the cookies) until
/// the redirect to our callback, and returns its `code` and `state`.
async fn browser_login(url: &str) -> (String, String) {
    let http = raw();
    let mut cookies: Vec<String> = Vec::new();
    let mut next = url::Url::parse(url).unwrap();
    for _ in 0..10 {
        if next.as_str().starts_with(REDIRECT) {
            let q: std::collections::HashMap<_, _> = next.query_pairs().into_owned().collect();
            return (q["code"].clone(), q["state"].clone());
        }
        let resp = http
            .get(next.clone())
            .header("cookie", cookies.join("; "))
            .send()
            .await
            .unwrap();
        for c in resp.headers().get_all("set-cookie") {
            let pair = c.to_str().unwrap().split(';').next().unwrap().to_owned();
            cookies.push(pair);
        }
        let location = resp
            .headers()
            .get("location")
            .unwrap_or_else(|| panic!("no redirect from {next} ({})", resp.status()))
            .to_str()
            .unwrap()
            .to_owned();
        next = next.join(&location).unwrap();
    }
    panic!("the login did not reach the callback");
}

async fn counts(s: &Server) -> serde_json::Value {
    raw()
        .get(format!("{}/__count", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn expired(set: &TokenSet) -> TokenSet {
    TokenSet::new(
        set.access_token(),
        set.refresh_token().map(str::to_owned),
        Some(SystemTime::now() - Duration::from_secs(1)),
    )
}

fn user_client(env: &Environment, tokens: TokenSet) -> Client {
    Client::builder()
        .environment(env.clone())
        .tokens(CLIENT_ID, CLIENT_SECRET, tokens)
        .refresh_skew(Duration::from_millis(500))
        .rate_limit(RateLimitConfig::disabled())
        .build()
        .unwrap()
}

async fn login(oauth: &OAuthClient) -> TokenSet {
    let req = oauth.authorize_url(REDIRECT, true).unwrap();
    assert!(req.url.as_str().contains("code_challenge_method=S256"));
    // An OpenID provider wants `scope=openid`; Procore takes none, so the SDK sends none.
    let (code, state) = browser_login(&format!("{}&scope=openid", req.url)).await;
    oauth.exchange_code(&req, &code, &state).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_oauth_flows_work_against_oidc_provider() {
    let Some(server) = start() else { return };
    let env = Environment::local(&server.base).unwrap();
    let oauth = OAuthClient::new(&env, AppCredentials::new(CLIENT_ID, CLIENT_SECRET)).unwrap();

    // Authorization code + PKCE (S256), and a forged state refused before any token call.
    let req = oauth.authorize_url(REDIRECT, true).unwrap();
    let (code, _) = browser_login(&format!("{}&scope=openid", req.url)).await;
    let before = counts(&server).await["token_calls"].as_u64().unwrap();
    let forged = oauth
        .exchange_code(&req, &code, "forged")
        .await
        .unwrap_err();
    assert_eq!(forged.code(), "state_mismatch");
    assert_eq!(
        counts(&server).await["token_calls"].as_u64().unwrap(),
        before
    );
    let first = login(&oauth).await;
    assert!(
        first.refresh_token().is_some(),
        "a refresh token was issued"
    );

    // Refresh with rotation: 16 callers at expiry make one refresh call, and get the new token.
    let client = user_client(&env, expired(&first));
    let refreshes_before = counts(&server).await["refresh_calls"].as_u64().unwrap();
    let tokens = futures::future::join_all((0..16).map(|_| {
        let c = client.clone();
        async move {
            c.tokens()
                .access_token()
                .await
                .map(|t| t.secret().to_owned())
        }
    }))
    .await;
    let tokens: Vec<String> = tokens.into_iter().map(Result::unwrap).collect();
    assert!(
        tokens.iter().all(|t| t == &tokens[0]),
        "one token for all callers"
    );
    assert_eq!(
        counts(&server).await["refresh_calls"].as_u64().unwrap(),
        refreshes_before + 1
    );
    let rotated = client.tokens().current_tokens().unwrap();
    assert_ne!(
        rotated.refresh_token(),
        first.refresh_token(),
        "the refresh token rotated"
    );
    assert_ne!(rotated.access_token(), first.access_token());

    // Reuse detection: the spent refresh token sent again revokes the grant, so the client's
    // next refresh is refused with invalid_grant: reauthorization_required, and no further
    // token call after it.
    let replay = raw()
        .post(format!("{}/oauth/token", server.base))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", first.refresh_token().unwrap()),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        replay.status(),
        400,
        "the provider refuses the replayed refresh token"
    );
    let version = rotated.version;
    let e = client.tokens().on_unauthorized(version).await.unwrap_err();
    assert_eq!(e.code(), "reauthorization_required", "{e}");
    let calls = counts(&server).await["token_calls"].as_u64().unwrap();
    let again = client.tokens().access_token().await.unwrap_err();
    assert_eq!(again.code(), "reauthorization_required");
    assert_eq!(
        counts(&server).await["token_calls"].as_u64().unwrap(),
        calls,
        "no retry with a dead token"
    );

    // Revocation: a revoked refresh token can no longer refresh.
    let second = login(&oauth).await;
    oauth.revoke(second.refresh_token().unwrap()).await.unwrap();
    let revoked = user_client(&env, expired(&second));
    let e = revoked.tokens().access_token().await.unwrap_err();
    assert_eq!(e.code(), "reauthorization_required", "{e}");

    // Client credentials, and a wrong secret: `oauth` with the OAuth error as data.
    let service = oauth.client_credentials().await.unwrap();
    assert!(!service.access_token().is_empty());
    let wrong = OAuthClient::new(&env, AppCredentials::new(CLIENT_ID, "wrong-secret-91x")).unwrap();
    let e = wrong.client_credentials().await.unwrap_err();
    assert_eq!(e.code(), "oauth");
    assert_eq!(e.oauth_error(), Some("invalid_client"));
    assert_eq!(e.status(), Some(401));
    assert!(!e.to_string().contains("wrong-secret-91x"), "{e}");
}
