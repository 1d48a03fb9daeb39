//! `RedisTokenStore` against a real `redis-server` on a free loopback port (started here,
//! stopped after; `scripts/test` installs it with `apt-get install -y redis-server`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use procore::store::RedisTokenStore;
use procore::{Client, Environment, RateLimitConfig, TokenSet, TokenStore};
use procore_simulator::{Simulator, SimulatorConfig};

const WORKER: &str = env!("CARGO_BIN_EXE_token-worker");

struct Redis {
    child: Option<Child>,
    port: u16,
}

impl Redis {
    fn start_on(port: u16) -> Redis {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is installed (apt-get install -y redis-server)");
        let until = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < until, "redis-server did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        Redis {
            child: Some(child),
            port,
        }
    }

    fn start() -> Redis {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Redis::start_on(port)
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

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
