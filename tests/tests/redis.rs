//! `RedisTokenStore` against a real `redis-server` on a free loopback port (started here,
//! stopped after; `scripts/test` installs it with `apt-get install -y redis-server`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use procore::store::RedisTokenStore;
use procore::{Client, Environment, RateLimitConfig, TokenSet, TokenStore};
use procore_e2e::Redis;
use procore_simulator::{Simulator, SimulatorConfig};

const WORKER: &str = env!("CARGO_BIN_EXE_token-worker");

/// The multi-process tests run one at a time: each counts 401s or 429s that depend on when
/// its processes get the CPU, and two of them at once on 2 cores starve each other.
static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn set(version: u64, access: &str) -> TokenSet {
    TokenSet::new(
        access,
        Some(format!("rt-{access}")),
        Some(SystemTime::now() + Duration::from_secs(3600)),
    )
    .with_version(version)
}

#[tokio::test]
async fn save_load_clear_and_a_bad_url() {
    let redis = Redis::start();
    let store = RedisTokenStore::new(&redis.url(), "procore:test:basic").unwrap();
    assert!(store.load().await.unwrap().is_none());
    store.save(&set(1, "a1")).await.unwrap();
    let back = store.load().await.unwrap().unwrap();
    assert_eq!(back.access_token(), "a1");
    assert_eq!(back.version, 1);
    store.clear().await.unwrap();
    assert!(store.load().await.unwrap().is_none());
    let e = RedisTokenStore::new("http://user:hunter2@x", "p").unwrap_err();
    assert_eq!(e.code(), "config");
    assert!(!e.to_string().contains("hunter2"), "{e}");
    assert!(
        !format!("{store:?}").contains("127.0.0.1"),
        "Debug shows no URL"
    );
}

#[tokio::test]
async fn an_older_set_never_overwrites_a_newer_one() {
    let redis = Redis::start();
    let store = RedisTokenStore::new(&redis.url(), "procore:test:cas").unwrap();
    store.save(&set(5, "new")).await.unwrap();
    let e = store.save(&set(4, "old")).await.unwrap_err();
    assert_eq!(e.code(), "store");
    assert_eq!(store.load().await.unwrap().unwrap().access_token(), "new");
    store.save(&set(5, "same-version")).await.unwrap();
    store.save(&set(6, "newer")).await.unwrap();
    assert_eq!(store.load().await.unwrap().unwrap().version, 6);
}

#[tokio::test]
async fn the_lease_excludes_others_and_an_expired_holder_cannot_undo_the_next() {
    let redis = Redis::start();
    let a = RedisTokenStore::new(&redis.url(), "procore:test:lease")
        .unwrap()
        .lease_ttl(Duration::from_millis(300));
    let b = RedisTokenStore::new(&redis.url(), "procore:test:lease")
        .unwrap()
        .lock_wait(Duration::from_millis(100));
    a.save(&set(1, "v1")).await.unwrap();
    let held = a.lock().await.unwrap().unwrap();
    // While A holds it, B waits and gives up with a store error.
    assert_eq!(b.lock().await.err().unwrap().code(), "store");
    // A stalls past its lease; B takes the lease, rotates, saves version 2.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let b = b.lock_wait(Duration::from_secs(5));
    let b_lease = b.lock().await.unwrap().unwrap();
    b.save(&set(2, "v2")).await.unwrap();
    // A wakes up: its save of an older set is refused, its release leaves B's lease alone.
    assert_eq!(
        a.save(&set(1, "v1-again")).await.unwrap_err().code(),
        "store"
    );
    held.release().await.unwrap();
    let c = RedisTokenStore::new(&redis.url(), "procore:test:lease")
        .unwrap()
        .lock_wait(Duration::from_millis(100));
    assert_eq!(
        c.lock().await.err().unwrap().code(),
        "store",
        "B still holds the lease"
    );
    b_lease.release().await.unwrap();
    assert!(c
        .lock_wait(Duration::from_secs(1))
        .lock()
        .await
        .unwrap()
        .is_some());
    assert_eq!(a.load().await.unwrap().unwrap().access_token(), "v2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_processes_at_expiry_refresh_once_through_redis() {
    let _one_at_a_time = HEAVY.lock().await;
    let sim = Simulator::start(SimulatorConfig::default().with_rate_limits(false))
        .await
        .unwrap();
    let redis = Redis::start();
    let prefix = RedisTokenStore::key_prefix("local", "sim-client-id", "user-1");
    let store = RedisTokenStore::new(&redis.url(), &prefix).unwrap();
    let issued = sim.issue_tokens(Some(Duration::from_secs(3600)));
    let expired = TokenSet::new(
        issued.access_token,
        issued.refresh_token,
        Some(SystemTime::now() - Duration::from_secs(1)),
    );
    store.save(&expired).await.unwrap();
    sim.reset_counters();
    let target = format!("redis://127.0.0.1:{}#{prefix}", redis.port);
    let base = sim.base_url();
    tokio::task::spawn_blocking(move || {
        procore_e2e::run_call_workers(WORKER, &base, &target, 8, 32)
    })
    .await
    .unwrap();
    let c = sim.counters();
    assert_eq!(
        c.token_calls.refresh_token, 1,
        "one refresh among 8 processes x 32 tasks"
    );
    assert_eq!(
        c.responses_by_status.get("401").copied().unwrap_or(0),
        0,
        "zero 401s"
    );
    assert_eq!(store.load().await.unwrap().unwrap().version, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_processes_adopt_ten_sibling_rotations_through_redis_without_a_401() {
    let _one_at_a_time = HEAVY.lock().await;
    let sim = Simulator::start(SimulatorConfig::default().with_rate_limits(false))
        .await
        .unwrap();
    let redis = Redis::start();
    let prefix = RedisTokenStore::key_prefix("local", "sim-client-id", "rotations");
    let store = RedisTokenStore::new(&redis.url(), &prefix).unwrap();
    let issued = sim.issue_tokens(Some(Duration::from_secs(3600)));
    store
        .save(&TokenSet::new(
            issued.access_token,
            issued.refresh_token,
            Some(SystemTime::now() + Duration::from_secs(3600)),
        ))
        .await
        .unwrap();
    sim.reset_counters();
    let target = format!("redis://127.0.0.1:{}#{prefix}", redis.port);
    let base = sim.base_url();
    let calls = tokio::task::spawn_blocking(move || {
        procore_e2e::run_loops_with_rotations(WORKER, &base, &target, 8, 2500, 10)
    })
    .await
    .unwrap();
    let c = sim.counters();
    assert_eq!(c.token_calls.refresh_token, 10);
    assert_eq!(
        c.responses_by_status.get("401").copied().unwrap_or(0),
        0,
        "zero 401s among {calls} calls"
    );
    assert!(calls > 1000, "{calls} calls");
    assert_eq!(store.load().await.unwrap().unwrap().version, 10);
    eprintln!("redis store: {calls} calls by 8 processes across 10 sibling rotations, 0 x 401");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_share_one_rate_budget_without_a_429() {
    let _one_at_a_time = HEAVY.lock().await;
    let sim = Simulator::start(SimulatorConfig {
        hourly_limit: 300,
        hourly_window: Duration::from_secs(20),
        spike_limit: 25,
        spike_window: Duration::from_secs(2),
        ..Default::default()
    })
    .await
    .unwrap();
    let redis = Redis::start();
    let token = sim
        .issue_tokens(Some(Duration::from_secs(3600)))
        .access_token;
    let unix = || {
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64()
    };
    // Two "hourly" windows, ending on a spike-window boundary (a window cut short by the end
    // of the run could not be used in full, yet the allowed count would credit it).
    let t0 = unix();
    let end = ((t0 + 40.0) / 2.0).floor() * 2.0;
    let before = sim.counters();
    let (base, url, end_text) = (sim.base_url(), redis.url(), end.to_string());
    let completed: u64 = tokio::task::spawn_blocking(move || {
        let children: Vec<_> = (0..4)
            .map(|_| {
                Command::new(WORKER)
                    .args(["budget", &base, &token, "8", &end_text, &url])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        children
            .into_iter()
            .map(|c| {
                let out = c.wait_with_output().unwrap();
                let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert!(out.status.success(), "{stdout} {stderr}");
                if !stderr.trim().is_empty() {
                    eprintln!("worker: {}", stderr.trim());
                }
                stdout
                    .trim()
                    .strip_prefix("ok=")
                    .unwrap()
                    .parse::<u64>()
                    .unwrap()
            })
            .sum()
    })
    .await
    .unwrap();
    let after = sim.counters();
    let r429 = after.rate_limited - before.rate_limited;
    let allowed = procore_e2e::allowed_requests(t0, end, (300.0, 20.0), (25.0, 2.0));
    let share = completed as f64 / allowed * 100.0;
    eprintln!(
        "shared budget (4 processes x 8 tasks, hourly 300/20s, spike 25/2s, {:.0} s): {completed} completed of {allowed} allowed = {share:.1}% utilization, {r429} x 429",
        end - t0
    );
    assert_eq!(r429, 0, "zero 429s");
    assert!(
        share >= 97.0,
        "{share:.1}% of the allowed requests completed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_stopped_mid_run_under_four_processes() {
    let _one_at_a_time = HEAVY.lock().await;
    let sim = Simulator::start(SimulatorConfig::default().with_rate_limits(false))
        .await
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut redis = Redis::start_with(port, Some(data.path()));
    let prefix = RedisTokenStore::key_prefix("local", "sim-client-id", "outage");
    let store = Arc::new(RedisTokenStore::new(&redis.url(), &prefix).unwrap());
    let issued = sim.issue_tokens(Some(Duration::from_secs(3600)));
    let fresh = TokenSet::new(
        issued.access_token,
        issued.refresh_token,
        Some(SystemTime::now() + Duration::from_secs(3600)),
    );
    store.save(&fresh).await.unwrap();
    sim.reset_counters();
    // Four processes calling for 6 s through the Redis store and a Redis-shared budget.
    let target = format!("redis://127.0.0.1:{port}#{prefix}");
    let (base, url) = (sim.base_url(), redis.url());
    let workers: Vec<_> = (0..4)
        .map(|_| {
            Command::new(WORKER)
                .args(["loop", &base, &target, "4", "6000", &url])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    redis.stop();
    let during = sim.counters().route("GET /rest/v1.0/me");
    // What needs Redis fails with a typed error.
    assert_eq!(store.load().await.unwrap_err().code(), "store");
    assert_eq!(store.lock().await.err().unwrap().code(), "store");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let outage_calls = sim.counters().route("GET /rest/v1.0/me") - during;
    let _redis = Redis::start_with(port, Some(data.path()));
    // The stored set is intact.
    let back = store.load().await.unwrap().unwrap();
    assert!(back.same_set(&fresh), "the stored set survived the outage");
    // A rotation after the outage: the same processes must read Redis again to adopt it.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rotator = Client::builder()
        .environment(Environment::local(&sim.base_url()).unwrap())
        .stored_tokens("sim-client-id", "sim-client-secret")
        .token_store(store.clone())
        .build()
        .unwrap();
    let used = rotator.tokens().access_token().await.unwrap().version();
    rotator.tokens().on_unauthorized(used).await.unwrap();
    let calls: u64 = tokio::task::spawn_blocking(move || {
        workers
            .into_iter()
            .map(|w| {
                let out = w.wait_with_output().unwrap();
                let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
                assert!(
                    out.status.success(),
                    "{stdout} {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let ok = stdout.trim().strip_prefix("ok=").unwrap();
                ok.strip_suffix(" failed=0")
                    .unwrap()
                    .parse::<u64>()
                    .unwrap()
            })
            .sum()
    })
    .await
    .unwrap();
    let c = sim.counters();
    assert!(
        outage_calls > 100,
        "calls went on while Redis was down ({outage_calls})"
    );
    assert_eq!(c.token_calls.refresh_token, 1);
    assert_eq!(
        c.status(401),
        0,
        "the rotation after the outage was adopted"
    );
    assert_eq!(store.load().await.unwrap().unwrap().version, 1);
    eprintln!("redis outage: {calls} calls by 4 processes, {outage_calls} while Redis was down, 0 failed, 0 x 401");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_and_back_up() {
    let sim = Simulator::start(SimulatorConfig::default().with_rate_limits(false))
        .await
        .unwrap();
    let mut redis = Redis::start();
    let port = redis.port;
    let store = Arc::new(RedisTokenStore::new(&redis.url(), "procore:test:outage").unwrap());
    let issued = sim.issue_tokens(Some(Duration::from_secs(3600)));
    let fresh = TokenSet::new(
        issued.access_token,
        issued.refresh_token,
        Some(SystemTime::now() + Duration::from_secs(3600)),
    );
    store.save(&fresh).await.unwrap();
    let client = Client::builder()
        .environment(Environment::local(&sim.base_url()).unwrap())
        .stored_tokens("sim-client-id", "sim-client-secret")
        .token_store(store.clone())
        .rate_limit(RateLimitConfig::disabled())
        .build()
        .unwrap();
    assert_eq!(client.get("me").send().await.unwrap().status(), 200);

    redis.stop();
    // A valid cached access token goes on working without Redis.
    assert_eq!(client.get("me").send().await.unwrap().status(), 200);
    // What needs Redis fails with a typed error, on time.
    let started = Instant::now();
    let e = client.tokens().on_unauthorized(0).await.unwrap_err();
    assert_eq!(e.code(), "store", "{e}");
    assert!(started.elapsed() < Duration::from_secs(15));

    // Redis back (empty: it kept nothing on disk): the store reconnects by itself.
    let _redis = Redis::start_on(port);
    store.save(&fresh.clone().with_version(0)).await.unwrap();
    assert_eq!(
        store.load().await.unwrap().unwrap().access_token(),
        fresh.access_token()
    );
    assert_eq!(client.get("me").send().await.unwrap().status(), 200);
}
