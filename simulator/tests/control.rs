//! Rate limits, counters, faults, the control API, runtime config, concurrency, shutdown and
//! the binary, over real sockets.

mod common;

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{config, header, json, start, Env};
use procore_simulator::{ConfigPatch, Fault};
use serde_json::json;

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

fn num(r: &reqwest::Response, name: &str) -> u64 {
    header(r, name).parse().expect("numeric header")
}

async fn me(env: &Env) -> reqwest::Response {
    env.get("/rest/v1.0/me").send().await.expect("answered")
}

#[tokio::test]
async fn spike_window_spent_gives_429_with_headers() {
    // A day-long "spike" window so the test never straddles a window boundary.
    let cfg = config()
        .with_rate_limits(true)
        .with_spike(3, Duration::from_secs(86_400))
        .with_hourly(1000, Duration::from_secs(86_400 * 2));
    let env = start(cfg).await;
    let day_end = (unix_now() / 86_400 + 1) * 86_400;
    for remaining in [2, 1, 0] {
        let r = me(&env).await;
        assert_eq!(r.status(), 200);
        assert_eq!(num(&r, "x-rate-limit-limit"), 3);
        assert_eq!(num(&r, "x-rate-limit-remaining"), remaining);
        assert_eq!(num(&r, "x-rate-limit-reset"), day_end);
    }
    let r = me(&env).await;
    assert_eq!(r.status(), 429);
    assert_eq!(num(&r, "x-rate-limit-remaining"), 0);
    assert_eq!(num(&r, "x-rate-limit-limit"), 3);
    assert_eq!(num(&r, "x-rate-limit-reset"), day_end);
    assert!(r.headers().get("retry-after").is_none());
    assert_eq!(json(r).await, json!({"message": "Rate limit exceeded"}));

    env.sim.update_config(ConfigPatch {
        retry_after_on_429: Some(true),
        ..Default::default()
    });
    let r = me(&env).await;
    assert_eq!(r.status(), 429);
    let retry = num(&r, "retry-after");
    assert!(retry >= 1 && retry <= day_end - unix_now() + 1, "{retry}");

    // 429s are counted as such and did not use the budget.
    let c = env.sim.counters();
    assert_eq!(c.rate_limited, 2);
    assert_eq!(c.status(200), 3);

    // The client's budget is separate from the user's.
    let cc = env.sim.issue_client_credentials_token();
    let r = env
        .http
        .get(env.url("/rest/v1.0/companies"))
        .bearer_auth(&cc.access_token)
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status(), 400, "missing company header, but served");
    assert_eq!(num(&r, "x-rate-limit-remaining"), 2);

    // POST /__simulator/reset forgets usage.
    let r = env
        .http
        .post(env.url("/__simulator/reset"))
        .send()
        .await
        .expect("reset");
    assert_eq!(r.status(), 200);
    assert_eq!(me(&env).await.status(), 200);
}

#[tokio::test]
async fn hourly_window_reported_when_it_has_fewer_left() {
    let cfg = config()
        .with_rate_limits(true)
        .with_spike(25, Duration::from_secs(86_400))
        .with_hourly(5, Duration::from_secs(86_400 * 2));
    let env = start(cfg).await;
    let r = me(&env).await;
    assert_eq!(num(&r, "x-rate-limit-limit"), 5);
    assert_eq!(num(&r, "x-rate-limit-remaining"), 4);
    assert_eq!(num(&r, "x-rate-limit-reset") % (86_400 * 2), 0);
}

#[tokio::test]
async fn short_spike_window_resets() {
    let cfg = config()
        .with_rate_limits(true)
        .with_spike(2, Duration::from_secs(1));
    let env = start(cfg).await;
    let mut saw_429 = false;
    // Within one 1-second window at most 2 requests are served.
    for _ in 0..3 {
        let r = me(&env).await;
        if r.status() == 429 {
            saw_429 = true;
            let reset = num(&r, "x-rate-limit-reset");
            let wait = (reset as f64)
                - SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .expect("time")
                    .as_secs_f64();
            tokio::time::sleep(Duration::from_secs_f64(wait.max(0.0) + 0.05)).await;
            assert_eq!(me(&env).await.status(), 200);
            break;
        }
    }
    // Three requests can straddle a boundary; the fourth round must see a 429 then.
    if !saw_429 {
        let mut any = false;
        for _ in 0..3 {
            any |= me(&env).await.status() == 429;
        }
        assert!(any);
    }
}

#[tokio::test]
async fn rate_limits_disabled_means_no_headers() {
    let env = start(config()).await;
    for _ in 0..30 {
        let r = me(&env).await;
        assert_eq!(r.status(), 200);
        assert!(r.headers().get("x-rate-limit-limit").is_none());
    }
}

#[tokio::test]
async fn counters_use_route_templates_and_reset() {
    let env = start(config()).await;
    env.get_in(31337, "/rest/v1.0/projects/100001/rfis")
        .send()
        .await
        .expect("list");
    env.get_in(31337, "/rest/v1.0/projects/100002/rfis")
        .send()
        .await
        .expect("list");
    env.get_in(31337, "/rest/v1.0/projects/100001")
        .send()
        .await
        .expect("show");
    env.get("/rest/v1.0/zzz").send().await.expect("404");
    let r = env
        .http
        .get(env.url("/__simulator/counters"))
        .send()
        .await
        .expect("counters");
    let c = json(r).await;
    assert_eq!(c["requests_total"], 4);
    assert_eq!(
        c["requests_by_route"]["GET /rest/v1.0/projects/{project_id}/rfis"],
        2
    );
    assert_eq!(c["requests_by_route"]["GET /rest/v1.0/projects/{id}"], 1);
    assert_eq!(c["responses_by_status"]["200"], 3);
    assert_eq!(c["responses_by_status"]["404"], 1);
    for key in [
        "rate_limited",
        "service_unavailable",
        "dropped_connections",
        "token_errors",
        "tokens_issued",
        "revocations",
    ] {
        assert_eq!(c[key], 0, "{key}");
    }
    assert_eq!(c["token_calls"]["total"], 0);
    // Same shape as the Rust snapshot.
    let typed: procore_simulator::Counters = serde_json::from_value(c).expect("same shape");
    assert_eq!(typed.requests_total, 4);

    env.sim.issue_tokens(None);
    assert_eq!(env.sim.counters().tokens_issued, 1);
    env.sim.reset_counters();
    assert_eq!(env.sim.counters(), procore_simulator::Counters::default());
}

#[tokio::test]
async fn status_fault_then_normal() {
    let env = start(config()).await;
    let r = env
        .http
        .post(env.url("/__simulator/faults"))
        .json(&json!({"kind": "status", "status": 503, "count": 2, "retry_after": 2}))
        .send()
        .await
        .expect("add fault");
    assert_eq!(r.status(), 200);
    assert!(json(r).await["id"].as_u64().is_some());
    for _ in 0..2 {
        let r = me(&env).await;
        assert_eq!(r.status(), 503);
        assert_eq!(header(&r, "retry-after"), "2");
    }
    assert_eq!(me(&env).await.status(), 200);
    assert_eq!(env.sim.counters().service_unavailable, 2);

    // A raw body, and a fault that does not match the path prefix.
    env.sim.add_fault(Fault::Status {
        status: 500,
        count: Some(1),
        retry_after: None,
        body: Some("oops".into()),
        path_prefix: Some("/rest/v1.0/companies".into()),
    });
    assert_eq!(me(&env).await.status(), 200);
    let r = env.get("/rest/v1.0/companies").send().await.expect("500");
    assert_eq!(r.status(), 500);
    assert_eq!(r.text().await.expect("body"), "oops");
}

#[tokio::test]
async fn latency_fault_delays() {
    let env = start(config()).await;
    env.sim
        .add_fault(Fault::latency(Duration::from_millis(300), Some(1)));
    let t = Instant::now();
    assert_eq!(me(&env).await.status(), 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
    let t = Instant::now();
    assert_eq!(me(&env).await.status(), 200);
    assert!(t.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn drop_fault_closes_without_response() {
    let env = start(config()).await;
    let id = env.sim.add_fault(Fault::drop_connection(1));
    assert!(id > 0);
    let err = env
        .get("/rest/v1.0/me")
        .send()
        .await
        .expect_err("the connection is dropped, no status");
    assert!(err.status().is_none());
    assert!(err.is_request() || err.is_connect(), "{err:?}");
    assert_eq!(me(&env).await.status(), 200);
    let c = env.sim.counters();
    assert_eq!(c.dropped_connections, 1);
    assert_eq!(c.requests_total, 2);
    assert_eq!(c.status(200), 1);
}

#[tokio::test]
async fn malformed_fault_sends_garbage() {
    let env = start(config()).await;
    env.sim.add_fault(Fault::malformed(
        200,
        "text/html",
        "<html>maintenance</html>",
    ));
    let r = me(&env).await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type"), "text/html");
    assert_eq!(r.text().await.expect("body"), "<html>maintenance</html>");
    // Default: truncated JSON.
    env.http
        .post(env.url("/__simulator/faults"))
        .json(&json!({"kind": "malformed"}))
        .send()
        .await
        .expect("add");
    let r = me(&env).await;
    assert!(r.json::<serde_json::Value>().await.is_err());
}

#[tokio::test]
async fn drop_after_commit_rotates_then_drops() {
    let env = start(config()).await;
    let t = env.sim.issue_tokens(None);
    let rt = t.refresh_token.expect("rt");
    env.http
        .post(env.url("/__simulator/faults"))
        .json(&json!({"kind": "drop_after_commit", "count": 1, "path_prefix": "/oauth/token"}))
        .send()
        .await
        .expect("add fault");
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", rt.as_str()),
        ("client_id", "sim-client-id"),
        ("client_secret", "sim-client-secret"),
    ];
    let err = env
        .http
        .post(env.url("/oauth/token"))
        .form(&form)
        .send()
        .await
        .expect_err("answer lost");
    assert!(err.status().is_none());
    // The refresh was committed: the token is burnt and the old access token revoked.
    let (status, body) = env.token(&form).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    let r = env
        .http
        .get(env.url("/rest/v1.0/me"))
        .bearer_auth(&t.access_token)
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status(), 401);
    let c = env.sim.counters();
    assert_eq!(c.token_calls.refresh_token, 2);
    assert_eq!(c.dropped_connections, 1);
    assert_eq!(c.tokens_issued, 2, "one from the test, one rotated");
}

#[tokio::test]
async fn rate_limit_storm() {
    let env = start(config()).await;
    let r = env
        .http
        .post(env.url("/__simulator/faults"))
        .json(&json!({"kind": "rate_limit_storm", "seconds": 1}))
        .send()
        .await
        .expect("add");
    assert_eq!(r.status(), 200);
    let end = unix_now() + 1;
    let r = me(&env).await;
    assert_eq!(r.status(), 429);
    assert_eq!(num(&r, "x-rate-limit-remaining"), 0);
    let reset = num(&r, "x-rate-limit-reset");
    assert!(reset == end || reset == end + 1, "{reset} vs {end}");
    // OAuth is not affected.
    let r = env
        .http
        .post(env.url("/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "sim-client-id"),
            ("client_secret", "sim-client-secret"),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(r.status(), 200);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(me(&env).await.status(), 200);
    assert_eq!(env.sim.counters().rate_limited, 1);
}

#[tokio::test]
async fn faults_list_clear_and_validation() {
    let env = start(config()).await;
    env.sim.add_fault(Fault::status(502, 5));
    let r = env
        .http
        .get(env.url("/__simulator/faults"))
        .send()
        .await
        .expect("list");
    let list = json(r).await;
    assert_eq!(list[0]["remaining"], 5);
    assert_eq!(list[0]["path_prefix"], "/rest/");
    assert_eq!(list[0]["fault"]["kind"], "status");
    let r = env
        .http
        .delete(env.url("/__simulator/faults"))
        .send()
        .await
        .expect("clear");
    assert_eq!(r.status(), 200);
    assert!(env.sim.faults().is_empty());
    assert_eq!(me(&env).await.status(), 200);
    for bad in [
        json!({"kind": "nope"}),
        json!({"kind": "status"}),
        json!({"kind": "status", "status": 42}),
    ] {
        let r = env
            .http
            .post(env.url("/__simulator/faults"))
            .json(&bad)
            .send()
            .await
            .expect("add");
        assert_eq!(r.status(), 400, "{bad}");
    }
    // Until cleared.
    env.sim.add_fault(Fault::status(503, 1).with_count(None));
    for _ in 0..3 {
        assert_eq!(me(&env).await.status(), 503);
    }
    env.sim.clear_faults();
    assert_eq!(me(&env).await.status(), 200);
}

#[tokio::test]
async fn control_tokens_and_config() {
    let env = start(config()).await;
    let r = env
        .http
        .post(env.url("/__simulator/tokens"))
        .send()
        .await
        .expect("tokens");
    let t = json(r).await;
    assert_eq!(t["token_type"], "bearer");
    assert!(t["refresh_token"].is_string());
    let r = env
        .http
        .post(env.url("/__simulator/tokens"))
        .json(&json!({"expires_in": 60, "grant": "client_credentials"}))
        .send()
        .await
        .expect("tokens");
    let t = json(r).await;
    assert_eq!(t["expires_in"], 60);
    assert!(t.get("refresh_token").is_none());
    let c = env.sim.counters();
    assert_eq!(c.tokens_issued, 2);
    assert_eq!(c.token_calls.total, 0);

    let r = env
        .http
        .post(env.url("/__simulator/revoke-access-tokens"))
        .send()
        .await
        .expect("revoke all");
    assert_eq!(json(r).await["revoked"], 2);

    let r = env
        .http
        .get(env.url("/__simulator/config"))
        .send()
        .await
        .expect("config");
    let cfg = json(r).await;
    assert_eq!(cfg["access_token_ttl"], 5400);
    assert_eq!(cfg["spike_limit"], 25);
    assert_eq!(cfg["rate_limits_enabled"], false);

    let r = env
        .http
        .patch(env.url("/__simulator/config"))
        .json(
            &json!({"access_token_ttl": 120, "spike_limit": 7, "spike_window": 2,
                      "latency_ms": 50, "rate_limits_enabled": true}),
        )
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 200);
    let cfg = json(r).await;
    assert_eq!(cfg["access_token_ttl"], 120);
    assert_eq!(cfg["spike_limit"], 7);
    assert_eq!(cfg["spike_window"], 2);
    assert_eq!(cfg["latency_ms"], 50);
    assert_eq!(env.sim.issue_tokens(None).expires_in, 120);
    let t = Instant::now();
    let r = me(&env).await;
    assert!(t.elapsed() >= Duration::from_millis(50));
    assert_eq!(num(&r, "x-rate-limit-limit"), 7);

    for bad in [
        json!({"spike_window": 0}),
        json!({"nope": 1}),
        json!({"hourly_limit": "x"}),
    ] {
        let r = env
            .http
            .patch(env.url("/__simulator/config"))
            .json(&bad)
            .send()
            .await
            .expect("patch");
        assert_eq!(r.status(), 400, "{bad}");
    }
    let v = env.sim.update_config(ConfigPatch {
        latency: Some(Duration::ZERO),
        hourly_window: Some(Duration::from_millis(1500)),
        ..Default::default()
    });
    assert_eq!(v.latency_ms, 0);
    assert_eq!(v.hourly_window, 2);
    assert_eq!(env.sim.config(), v);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_concurrent_connections_are_counted_exactly() {
    let env = Arc::new(start(config()).await);
    let mut tasks = Vec::new();
    for i in 0..300 {
        let env = env.clone();
        tasks.push(tokio::spawn(async move {
            // A fresh client per task: a separate connection each.
            let c = reqwest::Client::new();
            let mut ok = 0;
            for _ in 0..5 {
                let r = c
                    .get(env.url("/rest/v1.0/companies/8089/projects"))
                    .bearer_auth(common::DEV)
                    .header("Procore-Company-Id", "8089")
                    .header("X-Task", i.to_string())
                    .send()
                    .await
                    .expect("answered");
                if r.status() == 200 {
                    ok += 1;
                }
            }
            ok
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.expect("task");
    }
    assert_eq!(total, 1500);
    let c = env.sim.counters();
    assert_eq!(c.requests_total, 1500);
    assert_eq!(
        c.route("GET /rest/v1.0/companies/{company_id}/projects"),
        1500
    );
    assert_eq!(c.status(200), 1500);
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let env = start(config()).await;
    assert_eq!(me(&env).await.status(), 200);
    let Env { sim, base, .. } = env;
    sim.shutdown().await;
    let err = reqwest::Client::new()
        .get(format!("{base}/rest/v1.0/me"))
        .send()
        .await
        .expect_err("server is gone");
    assert!(err.is_connect() || err.is_request(), "{err:?}");
}

#[tokio::test]
async fn invalid_config_is_refused() {
    let err =
        procore_simulator::Simulator::start(config().with_spike(5, Duration::from_millis(500)))
            .await
            .expect_err("sub-second window");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

fn spawn_binary(extra: &[&str]) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_procore-simulator"))
        .args(["--port", "0"])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("listening line");
    let url = line
        .trim()
        .strip_prefix("procore-simulator listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    (child, url)
}

fn wait_exit(child: &mut std::process::Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        assert!(Instant::now() < deadline, "binary did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn binary_serves_and_exits_on_stdin_eof() {
    let (mut child, url) = spawn_binary(&[
        "--exit-on-stdin-eof",
        "--spike-limit",
        "7",
        "--spike-window",
        "86400",
        "--retry-after-on-429",
    ]);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let r = reqwest::Client::new()
        .get(format!("{url}/rest/v1.0/me"))
        .bearer_auth(common::DEV)
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status(), 200);
    assert_eq!(num(&r, "x-rate-limit-limit"), 7);
    let cfg: serde_json::Value = reqwest::get(format!("{url}/__simulator/config"))
        .await
        .expect("config")
        .json()
        .await
        .expect("json");
    assert_eq!(cfg["retry_after_on_429"], true);
    drop(child.stdin.take());
    assert!(wait_exit(&mut child).success());
}

#[tokio::test]
async fn binary_exits_cleanly_on_sigterm() {
    let (mut child, url) = spawn_binary(&["--no-rate-limit"]);
    let r = reqwest::get(format!("{url}/__simulator/health"))
        .await
        .expect("health");
    assert_eq!(r.status(), 200);
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    assert!(wait_exit(&mut child).success());
}
