//! Rate limits and retries against the simulator: budget use, 429 storms, Retry-After,
//! which methods are resent, attempt limits and deadlines.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::*;
use procore::{Client, Environment, RateLimitConfig, RetryConfig};
use procore_simulator::seed::BIG_BUILD;
use procore_simulator::{Fault, SimulatorConfig};
use serde_json::json;

fn paced_client(sim: &procore_simulator::Simulator) -> Client {
    Client::builder()
        .environment(Environment::local(&sim.base_url()).unwrap())
        .access_token(sim.dev_token().unwrap())
        .rate_limit(RateLimitConfig::default())
        .build()
        .unwrap()
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// Requests the two windows allowed over [t0, t1]: per hourly window, the smaller of its
/// limit and the spike windows it holds inside the span.
fn allowed(t0: f64, t1: f64, hourly: (u64, u64), spike: (u64, u64)) -> u64 {
    let (h_limit, h_len) = hourly;
    let (s_limit, s_len) = spike;
    let mut total = 0;
    let first_h = (t0 as u64) / h_len;
    let last_h = (t1 as u64) / h_len;
    for h in first_h..=last_h {
        let (hs, he) = ((h * h_len) as f64, ((h + 1) * h_len) as f64);
        let (a, b) = (t0.max(hs), t1.min(he));
        if a >= b {
            continue;
        }
        let first_s = (a / s_len as f64).floor() as u64;
        let last_s = (b / s_len as f64).ceil() as u64 - 1;
        let spikes = last_s - first_s + 1;
        total += h_limit.min(spikes * s_limit);
    }
    total
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_budget_is_used_without_a_single_429() {
    let (hourly, spike) = ((300u64, 20u64), (25u64, 2u64));
    let sim = sim_with(
        SimulatorConfig::default()
            .with_rate_limits(true)
            .with_hourly(hourly.0 as u32, Duration::from_secs(hourly.1))
            .with_spike(spike.0 as u32, Duration::from_secs(spike.1)),
    )
    .await;
    let client = paced_client(&sim);
    // Two hourly windows' worth, ending on a spike-window boundary: a window cut short by the
    // end of the run could not be used in full, yet `allowed` would credit it.
    let t0 = unix_now();
    let end = ((t0 + (2 * hourly.1) as f64) / spike.1 as f64).floor() * spike.1 as f64;
    let deadline = Instant::now() + Duration::from_secs_f64(end - t0);
    let done = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (c, done) = (client.clone(), done.clone());
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    let r = tokio::time::timeout_at(deadline.into(), c.get("me").send()).await;
                    match r {
                        Ok(Ok(_)) => {
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(Err(e)) => panic!("call failed: {e}"),
                        Err(_) => break, // the run is over while waiting for the budget
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let t1 = unix_now().min(end);
    let completed = done.load(Ordering::Relaxed);
    let allowed = allowed(t0, t1, hourly, spike);
    let utilization = completed as f64 / allowed as f64;
    let c = sim.counters();
    println!(
        "budget: {completed} completed of {allowed} allowed in {:.1} s = {:.1}% utilization, {} x 429",
        t1 - t0,
        utilization * 100.0,
        c.rate_limited
    );
    assert_eq!(c.rate_limited, 0, "no 429 may be received");
    assert!(utilization >= 0.95, "utilization {utilization:.3} < 0.95");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_storm_does_not_become_a_retry_storm() {
    let sim = sim().await;
    let client = paced_client(&sim);
    let in_flight = Arc::new(AtomicUsize::new(0));
    let started = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let (c, in_flight, started) = (client.clone(), in_flight.clone(), started.clone());
            tokio::spawn(async move {
                for _ in 0..15 {
                    in_flight.fetch_add(1, Ordering::SeqCst);
                    started.fetch_add(1, Ordering::SeqCst);
                    let r = c.get("me").send().await;
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    r?;
                }
                Ok::<_, procore::Error>(())
            })
        })
        .collect();
    // Let the tasks get going, then start a 2-second storm.
    while started.load(Ordering::SeqCst) < 64 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let flying = in_flight.load(Ordering::SeqCst);
    sim.add_fault(Fault::rate_limit_storm(Duration::from_secs(2)));
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let c = sim.counters();
    println!(
        "storm: {} x 429 received, {flying} requests in flight when it began (32 tasks)",
        c.rate_limited
    );
    assert!(c.rate_limited >= 1, "the storm was seen");
    assert!(
        c.rate_limited <= 32,
        "at most one 429 per request in flight (32 tasks): got {}",
        c.rate_limited
    );
}

#[tokio::test]
async fn retry_after_on_503_is_honoured() {
    let sim = sim().await;
    let client = paced_client(&sim);
    sim.add_fault(Fault::unavailable(1, 2));
    let start = Instant::now();
    let r = client.get("me").send().await.unwrap();
    let elapsed = start.elapsed();
    assert_eq!(r.attempts(), 2);
    assert!(
        elapsed >= Duration::from_secs(2),
        "resent after {elapsed:?}"
    );
    assert!(
        r.waited() >= Duration::from_millis(1900),
        "waited {:?}",
        r.waited()
    );
    assert_eq!(sim.counters().service_unavailable, 1);
}

#[tokio::test]
async fn post_is_not_resent_after_a_500_but_get_is() {
    let sim = sim().await;
    let c = dev_client(&sim);
    let rfis = "/rest/v1.0/projects/100001/rfis";
    sim.add_fault(Fault::status(500, 1));
    let e = c
        .post(rfis)
        .company_id(BIG_BUILD)
        .json(&json!({"rfi": {"subject": "once"}}))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), "server");
    assert_eq!(
        sim.counters()
            .route("POST /rest/v1.0/projects/{project_id}/rfis"),
        1
    );

    sim.add_fault(Fault::status(502, 2));
    let r = c.get("me").send().await.unwrap();
    assert_eq!((r.status(), r.attempts(), r.retries()), (200, 3, 2));

    // A POST that never left (connection refused) is resent.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let refused = Client::builder()
        .environment(Environment::local(&format!("http://127.0.0.1:{port}")).unwrap())
        .access_token("x")
        .retry(RetryConfig {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            ..Default::default()
        })
        .build()
        .unwrap();
    let e = refused
        .post("rfis")
        .json(&json!({}))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(e, procore::Error::Network { not_sent: true, .. }),
        "{e}"
    );
}

#[tokio::test]
async fn attempts_never_exceed_the_limit_and_drops_are_retried_for_get() {
    let sim = sim().await;
    let c = builder(&sim)
        .access_token(sim.dev_token().unwrap())
        .retry(RetryConfig {
            max_attempts: 3,
            base_delay: Duration::from_millis(5),
            ..Default::default()
        })
        .build()
        .unwrap();
    sim.add_fault(Fault::status(503, 10));
    let e = c.get("me").send().await.unwrap_err();
    assert_eq!(e.code(), "server");
    assert_eq!(sim.counters().route("GET /rest/v1.0/me"), 3);
    sim.clear_faults();

    // A dropped connection on a GET is retried; on a POST it is not.
    sim.add_fault(Fault::drop_connection(1));
    let r = c.get("me").send().await.unwrap();
    assert_eq!(r.attempts(), 2);
    sim.add_fault(Fault::drop_connection(1));
    let e = c
        .post("/rest/v1.0/projects/100001/rfis")
        .company_id(BIG_BUILD)
        .json(&json!({"rfi": {"subject": "maybe"}}))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), "network", "{e}");
}

#[tokio::test]
async fn the_deadline_is_respected() {
    let sim = sim().await;
    let c = builder(&sim)
        .access_token(sim.dev_token().unwrap())
        .retry(RetryConfig {
            max_attempts: 10,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_millis(200),
            deadline: Some(Duration::from_millis(700)),
            ..Default::default()
        })
        .build()
        .unwrap();
    sim.add_fault(Fault::latency(Duration::from_millis(300), None));
    sim.add_fault(Fault::status(500, 100));
    let start = Instant::now();
    let e = c.get("me").send().await.unwrap_err();
    let elapsed = start.elapsed();
    assert!(matches!(e.code(), "server" | "timeout"), "{e}");
    assert!(
        elapsed < Duration::from_millis(1000),
        "took {elapsed:?} with a 700 ms deadline"
    );
    assert!(sim.counters().route("GET /rest/v1.0/me") < 10);
}

#[tokio::test]
async fn max_wait_fails_fast_with_the_retry_time() {
    let sim = sim().await;
    let c = Client::builder()
        .environment(Environment::local(&sim.base_url()).unwrap())
        .access_token(sim.dev_token().unwrap())
        .rate_limit(RateLimitConfig {
            max_wait: Some(Duration::from_millis(100)),
            ..Default::default()
        })
        .build()
        .unwrap();
    sim.add_fault(Fault::rate_limit_storm(Duration::from_secs(5)));
    let start = Instant::now();
    let e = c.get("me").send().await.unwrap_err();
    assert_eq!(e.code(), "rate_limited");
    let at = e.retry_at().unwrap();
    assert!(at > SystemTime::now() + Duration::from_secs(2));
    assert!(start.elapsed() < Duration::from_secs(1));
    assert_eq!(sim.counters().rate_limited, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_assumed_initial_window_is_dropped_at_the_first_answer() {
    // Before any answer the limiter assumes 25 requests / 10 s and spreads the second half of
    // it (about 0.8 s apart). A server that reports no limits must release the waiters at its
    // first answer, not after their spread-out slots.
    let sim = sim().await; // rate limits off: no X-Rate-Limit headers
    let client = paced_client(&sim);
    let calls = (0..50).map(|_| {
        let c = client.clone();
        tokio::spawn(async move { c.get("me").send().await.map(|r| r.waited()) })
    });
    let waits: Vec<Duration> = futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|r| r.unwrap().unwrap())
        .collect();
    let longest = waits.iter().max().copied().unwrap_or_default();
    assert!(
        longest < Duration::from_millis(400),
        "a caller waited {longest:?} for a budget the server never announced"
    );
}

#[tokio::test]
async fn clients_spending_one_budget_share_one_limiter() {
    let sim = sim().await;
    let a = paced_client(&sim);
    let b = paced_client(&sim);
    assert!(
        a.limiter().shares_budget_with(b.limiter()),
        "same host and token: one budget"
    );
    let other = builder(&sim).access_token("another-token").build().unwrap();
    assert!(
        !a.limiter().shares_budget_with(other.limiter()),
        "another token: another budget"
    );
    let cc1 = builder(&sim)
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .build()
        .unwrap();
    let cc2 = builder(&sim)
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .build()
        .unwrap();
    assert!(cc1.limiter().shares_budget_with(cc2.limiter()));
    // A 429 seen by one client holds the other too.
    sim.add_fault(Fault::rate_limit_storm(Duration::from_secs(1)));
    assert_eq!(
        a.get("me").max_attempts(1).send().await.unwrap_err().code(),
        "rate_limited"
    );
    assert!(b.limiter().blocked_until().is_some());
}

#[tokio::test]
async fn each_client_keeps_its_own_pacing_options_on_a_shared_budget() {
    let sim = sim().await;
    let patient = paced_client(&sim);
    let hasty = Client::builder()
        .environment(Environment::local(&sim.base_url()).unwrap())
        .access_token(sim.dev_token().unwrap())
        .rate_limit(RateLimitConfig {
            max_wait: Some(Duration::from_millis(50)),
            ..Default::default()
        })
        .build()
        .unwrap();
    assert!(patient.limiter().shares_budget_with(hasty.limiter()));
    sim.add_fault(Fault::rate_limit_storm(Duration::from_secs(2)));
    assert_eq!(
        patient
            .get("me")
            .max_attempts(1)
            .send()
            .await
            .unwrap_err()
            .code(),
        "rate_limited"
    );
    // The hasty client fails at once; the patient one waits the storm out and succeeds.
    let start = Instant::now();
    assert_eq!(
        hasty.get("me").send().await.unwrap_err().code(),
        "rate_limited"
    );
    assert!(start.elapsed() < Duration::from_millis(500));
    patient.get("me").send().await.unwrap();
}
