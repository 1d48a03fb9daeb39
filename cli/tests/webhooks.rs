//! `procore webhooks listen` and `procore webhooks relay` against real simulator deliveries.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use procore::{Client, Environment};
use procore_simulator::{ConfigPatch, Simulator, SimulatorConfig};
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_procore");
const BIG: u64 = 31337;
const PROJECT: u64 = 100001;

/// A running `procore webhooks ...`: its address, and its stdout and stderr lines as they come.
struct Running {
    child: Child,
    url: String,
    out: Receiver<String>,
    err: Receiver<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn lines(r: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for l in BufReader::new(r).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    rx
}

fn start(args: &[&str]) -> Running {
    let mut child = Command::new(BIN)
        .arg("webhooks")
        .args(args)
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = lines(child.stdout.take().unwrap());
    let err = lines(child.stderr.take().unwrap());
    let first = err.recv_timeout(Duration::from_secs(20)).unwrap();
    let url = first.strip_prefix("listening on ").unwrap().to_owned();
    Running {
        child,
        url,
        out,
        err,
    }
}

fn wait_for(rx: &Receiver<String>, what: &str, pred: impl Fn(&str) -> bool) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(l) if pred(&l) => return l,
            Ok(_) => {}
            Err(_) => panic!("no line {what} within 20 s"),
        }
    }
}

fn client(sim: &Simulator) -> Client {
    Client::builder()
        .environment(Environment::local(&sim.base_url()).unwrap())
        .access_token(sim.dev_token().unwrap())
        .company_id(BIG)
        .build()
        .unwrap()
}

/// A hook on the project with an RFI trigger for `event`, delivering to `url` with `headers`.
async fn hook(c: &Client, url: &str, headers: Value, event: &str) -> u64 {
    let body = json!({"project_id": PROJECT, "hook": {"api_version": "v2", "namespace": "test",
        "destination_url": url, "destination_headers": headers}});
    let h: Value = c
        .post("webhooks/hooks")
        .json(&body)
        .send_json()
        .await
        .unwrap();
    let id = h["id"].as_u64().unwrap();
    let t = json!({"trigger": {"resource_name": "RFIs", "event_type": event}});
    c.post(&format!("webhooks/hooks/{id}/triggers"))
        .json(&t)
        .send()
        .await
        .unwrap();
    id
}

async fn create_rfi(c: &Client, subject: &str) -> u64 {
    let body = json!({"rfi": {"subject": subject}});
    let rfi: Value = c
        .post(&format!("projects/{PROJECT}/rfis"))
        .json(&body)
        .send_json()
        .await
        .unwrap();
    rfi["id"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_receives_checks_and_deduplicates_simulator_deliveries() {
    let sim = Simulator::start(SimulatorConfig::default().with_rate_limits(false))
        .await
        .unwrap();
    let c = client(&sim);
    let listener = start(&["listen", "--header", "Authorization: Bearer s3cret"]);
    let hook_id = hook(
        &c,
        &listener.url,
        json!({"Authorization": "Bearer s3cret"}),
        "create",
    )
    .await;

    let rfi = create_rfi(&c, "Delivered").await;
    let line = tokio::task::block_in_place(|| wait_for(&listener.out, "with the event", |_| true));
    let event: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(event["resource_id"].as_u64(), Some(rfi));
    assert_eq!(event["event_type"], "create");
    assert_eq!(event["resource_name"], "RFIs");
    assert_eq!(event["project_id"].as_u64(), Some(PROJECT));

    // A forged delivery (no or a wrong header) is refused.
    let http = reqwest::Client::new();
    let forged = http
        .post(&listener.url)
        .header("authorization", "Bearer guess")
        .body(line.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 401);
    assert_eq!(
        http.post(&listener.url)
            .body(line.clone())
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );

    // Every event delivered twice: the listener prints it once and says it skipped the copy.
    sim.update_config(ConfigPatch {
        webhook_duplicates: Some(true),
        ..Default::default()
    });
    let twice = create_rfi(&c, "Twice").await;
    let line =
        tokio::task::block_in_place(|| wait_for(&listener.out, "with the second event", |_| true));
    let event: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(event["resource_id"].as_u64(), Some(twice));
    let key = event["ulid"].as_str().unwrap().to_owned();
    tokio::task::block_in_place(|| {
        wait_for(&listener.err, "about the duplicate", |l| {
            l.contains("duplicate") && l.contains(&key)
        })
    });
    // The listener logs the copy before it answers, and the simulator records a delivery
    // only once that answer arrives: poll the record for a bounded time.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let deliveries: Value = c
            .get(&format!("webhooks/hooks/{hook_id}/deliveries"))
            .query("filter[status]", "successful")
            .send_json()
            .await
            .unwrap();
        let of_twice = deliveries
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["event_id"] == key.as_str())
            .count();
        assert!(of_twice <= 2, "{deliveries}");
        if of_twice == 2 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "both copies were not recorded as successful: {deliveries}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// What the internal receiver answered, the body, and its `X-Key` header.
type Forwarded = (u16, String, Option<String>);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_forwards_and_retries_once_when_the_receiver_fails() {
    let sim = Simulator::start(SimulatorConfig::default().with_rate_limits(false))
        .await
        .unwrap();
    let c = client(&sim);
    // The internal receiver: fails its first request, then takes them.
    let got: Arc<Mutex<Vec<Forwarded>>> = Arc::default();
    let seen = got.clone();
    let app = axum::Router::new().fallback(move |headers: axum::http::HeaderMap, body: String| {
        let seen = seen.clone();
        async move {
            let mut all = seen.lock().unwrap();
            let status = if all.is_empty() { 500 } else { 204 };
            let key = headers.get("x-key").map(|v| v.to_str().unwrap().to_owned());
            all.push((status, body, key));
            axum::http::StatusCode::from_u16(status).unwrap()
        }
    });
    let inner = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let inner_url = format!("http://{}/in", inner.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(inner, app).await });

    let relay = start(&["relay", "--header", "X-Key: k1", "--to", &inner_url]);
    let hook_id = hook(&c, &relay.url, json!({"X-Key": "k1"}), "create").await;
    let rfi = create_rfi(&c, "Relayed").await;
    tokio::task::block_in_place(|| {
        wait_for(&relay.err, "about the forward", |l| {
            l.contains("forwarded") && l.contains("attempt 2")
        })
    });
    let all = got.lock().unwrap().clone();
    assert_eq!(all.len(), 2, "one failure, one retry: {all:?}");
    assert_eq!((all[0].0, all[1].0), (500, 204));
    assert_eq!(all[0].1, all[1].1, "the same body both times");
    let event: Value = serde_json::from_str(&all[1].1).unwrap();
    assert_eq!(event["resource_id"].as_u64(), Some(rfi));
    assert_eq!(
        all[1].2.as_deref(),
        Some("k1"),
        "the checked header goes along"
    );
    // The simulator saw its delivery accepted at once.
    let deliveries: Value = c
        .get(&format!("webhooks/hooks/{hook_id}/deliveries"))
        .send_json()
        .await
        .unwrap();
    assert_eq!(deliveries[0]["status"], "successful", "{deliveries}");
    assert_eq!(deliveries[0]["attempts"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_destination_is_retried_with_backoff_and_shows_in_deliveries() {
    let sim = Simulator::start(SimulatorConfig::default().with_rate_limits(false))
        .await
        .unwrap();
    let c = client(&sim);
    // Nothing listens there: every attempt fails.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/gone", dead.local_addr().unwrap());
    drop(dead);
    let hook_id = hook(&c, &url, json!({}), "create").await;
    create_rfi(&c, "Nobody home").await;
    let path = format!("webhooks/hooks/{hook_id}/deliveries");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let failing: Value = c
            .get(&path)
            .query("filter[status]", "failing")
            .send_json()
            .await
            .unwrap();
        let discarded: Value = c
            .get(&path)
            .query("filter[status]", "discarded")
            .send_json()
            .await
            .unwrap();
        if let Some(d) = discarded.as_array().unwrap().first() {
            assert_eq!(d["attempts"], 5);
            assert!(
                d["response_error"].as_str().unwrap().contains("connect"),
                "{d}"
            );
            break;
        }
        let attempts = failing[0]["attempts"].as_u64().unwrap_or(0);
        assert!(
            std::time::Instant::now() < deadline,
            "still failing after 30 s: {attempts} attempts"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
