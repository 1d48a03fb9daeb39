//! Faults and hostile answers: each ends in the right typed error, on time, with nothing
//! lost. Against the simulator where it can play the fault, and a raw TCP peer otherwise.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use common::peer::{self, Reply};
use common::*;
use procore::{
    Client, Environment, MemoryTokenStore, RateLimitConfig, RetryConfig, TokenSet, TokenStore,
};
use procore_simulator::Fault;

fn token_fault(status: u16, body: &str) -> Fault {
    Fault::Status {
        status,
        count: Some(1),
        retry_after: None,
        body: Some(body.into()),
        path_prefix: Some("/oauth/token".into()),
    }
}

/// Polls `check` every 20 ms until it holds, failing after `limit`.
async fn eventually<F: std::future::Future<Output = bool>>(limit: Duration, check: impl Fn() -> F) {
    let start = Instant::now();
    while !check().await {
        assert!(
            start.elapsed() < limit,
            "condition not reached within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn peer_client(peer: &peer::Peer) -> Client {
    Client::builder()
        .environment(Environment::local(&peer.base).unwrap())
        .access_token("peer-token")
        .rate_limit(RateLimitConfig::disabled())
        .retry(RetryConfig {
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            deadline: Some(Duration::from_secs(10)),
            ..Default::default()
        })
        .build()
        .unwrap()
}

// Defect 1: the token must be taken after the rate-limit wait, not before it.
#[tokio::test]
async fn the_token_is_checked_after_a_rate_limit_wait() {
    let sim = sim().await;
    let client = builder(&sim)
        .tokens(
            CLIENT_ID,
            CLIENT_SECRET,
            fresh_tokens(&sim, Duration::from_secs(2)),
        )
        .refresh_skew(Duration::ZERO)
        .rate_limit(RateLimitConfig::default())
        .build()
        .unwrap();
    // A 429 whose Retry-After outlasts the access token's life.
    sim.add_fault(Fault::Status {
        status: 429,
        count: Some(1),
        retry_after: Some(3),
        body: None,
        path_prefix: None,
    });
    client.get("me").send().await.unwrap();
    let c = sim.counters();
    assert_eq!(c.status(401), 0, "an expired token was sent after the wait");
    assert_eq!(c.token_calls.refresh_token, 1);
}

// Defect 2: the deadline bounds the refresh; the refresh goes on and persists by itself.
#[tokio::test]
async fn the_deadline_bounds_a_stalled_refresh_which_still_persists() {
    let sim = sim().await;
    let store = Arc::new(MemoryTokenStore::new());
    let client = user_client(&sim, expired_tokens(&sim), store.clone());
    sim.add_fault(
        Fault::latency(Duration::from_millis(2500), Some(1)).with_path_prefix("/oauth/token"),
    );
    let start = Instant::now();
    let e = client
        .get("me")
        .deadline(Duration::from_millis(800))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), "timeout", "{e}");
    assert!(
        start.elapsed() < Duration::from_millis(2000),
        "{:?}",
        start.elapsed()
    );
    eventually(Duration::from_secs(10), || async {
        matches!(store.load().await, Ok(Some(s)) if s.version == 1)
    })
    .await;
    client.get("me").send().await.unwrap();
    assert_eq!(sim.counters().token_calls.refresh_token, 1);
}

// Defect 2 (stores): a store call that never ends is inside the deadline too.
#[tokio::test]
async fn a_hanging_store_is_inside_the_deadline() {
    struct Hanging;
    #[async_trait::async_trait]
    impl TokenStore for Hanging {
        async fn load(&self) -> procore::Result<Option<TokenSet>> {
            std::future::pending().await
        }
        async fn save(&self, _: &TokenSet) -> procore::Result<()> {
            std::future::pending().await
        }
        async fn clear(&self) -> procore::Result<()> {
            Ok(())
        }
    }
    let sim = sim().await;
    let client = user_client(&sim, expired_tokens(&sim), Arc::new(Hanging));
    let start = Instant::now();
    let e = client
        .get("me")
        .deadline(Duration::from_millis(500))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), "timeout");
    assert!(start.elapsed() < Duration::from_secs(2));
}

// Defect 3: what a failed refresh means for the set (see auth::verdict for the table).
#[tokio::test]
async fn a_refresh_refused_for_the_client_keeps_the_token_set() {
    let sim = sim().await;
    let store = Arc::new(MemoryTokenStore::new());
    let tokens = expired_tokens(&sim);
    let client = user_client(&sim, tokens.clone(), store.clone());
    let cases = [
        (
            401,
            r#"{"error":"invalid_client","error_description":"Client authentication failed"}"#,
            "oauth",
            Some("invalid_client"),
        ),
        (
            400,
            r#"{"error":"invalid_request"}"#,
            "oauth",
            Some("invalid_request"),
        ),
        (
            503,
            "<html><body>Down for maintenance</body></html>",
            "server",
            None,
        ),
        (502, "", "server", None),
        (500, r#"{"error":"server_error"}"#, "server", None),
    ];
    for (status, body, code, oauth_error) in cases {
        sim.add_fault(token_fault(status, body));
        let e = client.get("me").send().await.unwrap_err();
        assert_eq!(e.code(), code, "{status} {body}: {e}");
        assert_eq!(e.status(), Some(status));
        assert_eq!(e.oauth_error(), oauth_error);
        assert!(store.load().await.unwrap().unwrap().same_set(&tokens));
    }
    // The refresh token was never consumed: the next call refreshes and works.
    client.get("me").send().await.unwrap();
    assert_eq!(store.load().await.unwrap().unwrap().version, 1);
}

#[tokio::test]
async fn a_wrong_client_secret_is_an_oauth_error_and_burns_nothing() {
    let sim = sim().await;
    let tokens = expired_tokens(&sim);
    let wrong = builder(&sim)
        .tokens(CLIENT_ID, "not-the-secret", tokens.clone())
        .build()
        .unwrap();
    let e = wrong.get("me").send().await.unwrap_err();
    assert_eq!(e.code(), "oauth", "{e}");
    assert!(!e.to_string().contains("not-the-secret"));
    // The same refresh token still works with the right secret.
    let right = user_client(&sim, tokens, Arc::new(MemoryTokenStore::new()));
    right.get("me").send().await.unwrap();
}

// Defect 4: bodies are capped.
#[tokio::test]
async fn bodies_over_the_cap_are_refused() {
    let declared = peer::start(|_, _| {
        Reply::Raw(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1073741824\r\n\r\n[1"
                .to_vec(),
        )
    })
    .await;
    let start = Instant::now();
    let e = peer_client(&declared)
        .get("projects")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), "decode");
    assert!(e.to_string().contains("max_body_bytes"), "{e}");
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(declared.count(), 1, "not retried");

    let endless = peer::start(|_, _| {
        Reply::Endless(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n".into(),
        )
    })
    .await;
    let client = Client::builder()
        .environment(Environment::local(&endless.base).unwrap())
        .access_token("t")
        .rate_limit(RateLimitConfig::disabled())
        .max_body_bytes(1 << 20)
        .build()
        .unwrap();
    let start = Instant::now();
    let e = client.get("projects").send().await.unwrap_err();
    assert_eq!(e.code(), "decode");
    assert!(e.to_string().contains("1048576"), "{e}");
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn an_endless_token_answer_is_cut_off() {
    let peer = peer::start(|_, _| {
        Reply::Endless(
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n".into(),
        )
    })
    .await;
    let client = Client::builder()
        .environment(Environment::local(&peer.base).unwrap())
        .client_credentials("id", "secret")
        .rate_limit(RateLimitConfig::disabled())
        .build()
        .unwrap();
    let start = Instant::now();
    let e = client.get("me").send().await.unwrap_err();
    assert_eq!(e.code(), "decode", "{e}");
    assert!(start.elapsed() < Duration::from_secs(5));
}

// Defect 5: no input panics.
#[tokio::test]
async fn huge_durations_do_not_panic() {
    let sim = sim().await;
    let client = builder(&sim)
        .access_token(sim.dev_token().unwrap())
        .connect_timeout(Duration::MAX)
        .request_timeout(Duration::MAX)
        .refresh_skew(Duration::MAX)
        .retry(RetryConfig {
            deadline: Some(Duration::MAX),
            max_delay: Duration::MAX,
            base_delay: Duration::MAX,
            max_retry_after: Duration::MAX,
            ..Default::default()
        })
        .build()
        .unwrap();
    client
        .get("me")
        .deadline(Duration::MAX)
        .timeout(Duration::MAX)
        .send()
        .await
        .unwrap();
    let user = builder(&sim)
        .tokens(CLIENT_ID, CLIENT_SECRET, expired_tokens(&sim))
        .refresh_skew(Duration::MAX)
        .build()
        .unwrap();
    user.get("me").send().await.unwrap();
    for secs in [f64::NAN, -1.0, f64::INFINITY] {
        assert_eq!(
            procore::config::duration_from_secs_f64("timeout", secs)
                .unwrap_err()
                .code(),
            "config"
        );
    }
    assert!(procore::config::duration_from_secs_f64("timeout", 1e300).is_ok());
    assert!(procore::config::duration_from_millis_f64("timeoutMs", 1e19).is_ok());
}

#[tokio::test]
async fn a_maximal_token_version_is_a_store_error_not_a_wrap() {
    let sim = sim().await;
    let store = Arc::new(MemoryTokenStore::new());
    let tokens = expired_tokens(&sim).with_version(u64::MAX);
    let client = user_client(&sim, tokens.clone(), store.clone());
    let e = client.get("me").send().await.unwrap_err();
    assert_eq!(e.code(), "store", "{e}");
    assert_eq!(sim.counters().token_calls.refresh_token, 0);
    assert!(store.load().await.unwrap().unwrap().same_set(&tokens));
}

// Defect 7: a Link that points back ends in a typed error.
#[tokio::test]
async fn pagination_loops_end() {
    use futures::StreamExt;
    fn target(head: &str) -> String {
        head.split_whitespace().nth(1).unwrap_or("/").to_owned()
    }
    // A self-loop.
    let selfloop = peer::start(|head, _| {
        let link = format!("link: <{}>; rel=\"next\"\r\n", target(head));
        peer::json(200, &link, r#"[{"id":1}]"#)
    })
    .await;
    let items: Vec<_> = peer_client(&selfloop)
        .paginate("projects")
        .items()
        .collect()
        .await;
    let err = items.last().unwrap().as_ref().unwrap_err();
    assert_eq!(err.code(), "decode");
    assert!(err.to_string().contains("loop"), "{err}");
    assert_eq!(selfloop.count(), 1);
    // 1 -> 2 -> 1.
    let cycle = peer::start(|head, _| {
        let t = target(head);
        let next = if t.contains("page=2") {
            t.replace("page=2", "page=1")
        } else {
            t.replace("page=1", "page=2")
        };
        peer::json(
            200,
            &format!("link: <{next}>; rel=\"next\"\r\n"),
            r#"[{"id":1}]"#,
        )
    })
    .await;
    let items: Vec<_> = peer_client(&cycle)
        .paginate("projects")
        .items()
        .collect()
        .await;
    assert_eq!(items.iter().filter(|i| i.is_ok()).count(), 2);
    assert_eq!(items.last().unwrap().as_ref().unwrap_err().code(), "decode");
    assert_eq!(cycle.count(), 2);
}

// Defect 9: wrong codes.
#[tokio::test]
async fn a_line_break_in_a_token_is_config_at_once() {
    let sim = sim().await;
    let client = builder(&sim)
        .access_token("abc\r\nX-Injected: 1")
        .build()
        .unwrap();
    let e = client.get("me").send().await.unwrap_err();
    assert_eq!(e.code(), "config", "{e}");
    assert!(!e.to_string().contains("Injected"), "{e}");
    assert_eq!(sim.counters().requests_total, 0);
}

#[tokio::test]
async fn a_503_with_an_absurd_retry_after_is_server_at_once() {
    let sim = sim().await;
    let client = builder(&sim)
        .access_token(sim.dev_token().unwrap())
        .rate_limit(RateLimitConfig::default())
        .build()
        .unwrap();
    sim.add_fault(Fault::unavailable(1, 1_000_000));
    let start = Instant::now();
    let e = client
        .get("me")
        .deadline(Duration::from_secs(5))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), "server", "{e}");
    let retry_at = e.retry_at().expect("retry_at");
    assert!(retry_at > SystemTime::now() + Duration::from_secs(3000));
    assert!(start.elapsed() < Duration::from_secs(2));
    // Nobody else is held for it.
    let start = Instant::now();
    client.get("me").send().await.unwrap();
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn a_redirect_is_an_http_error_with_its_location() {
    let peer = peer::start(|_, _| {
        Reply::Raw(
            b"HTTP/1.1 302 Found\r\nlocation: https://elsewhere.example/steal\r\ncontent-length: 0\r\n\r\n"
                .to_vec(),
        )
    })
    .await;
    let client = peer_client(&peer);
    let e = client.get("me").send().await.unwrap_err();
    assert_eq!(e.code(), "http");
    assert_eq!(e.status(), Some(302));
    assert_eq!(
        e.api().unwrap().location.as_deref(),
        Some("https://elsewhere.example/steal")
    );
    assert_eq!(peer.count(), 1);
    let r = client.get("me").raw(true).send().await.unwrap();
    assert_eq!(r.status(), 302);
}
