//! Webhooks end to end: a hook and a trigger made with the SDK's helpers, an RFI created in
//! the simulator, its deliveries (the simulator sends each twice) received by a local HTTP
//! receiver that judges them with `procore::webhooks::Receiver`; a forged delivery refused; and
//! the Redis dedupe shared by two receivers (as two receiver processes would).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use procore::webhooks::{HookOptions, HookScope, Receiver, Verdict};
use procore::{Client, Environment, RateLimitConfig};
use procore_e2e::Redis;
use procore_simulator::{Simulator, SimulatorConfig};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// The first project of the simulator's Big Build company.
const PROJECT: u64 = 100_001;
const SECRET: &str = "Bearer hook-s3cret";

/// A local receiver: every request is judged by `receiver`, answered with its status, and its
/// verdict and event sent on the channel.
async fn serve(receiver: Arc<Receiver>) -> (String, mpsc::UnboundedReceiver<(Verdict, Value)>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let (receiver, tx) = (receiver.clone(), tx.clone());
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 8192];
                let head_end = loop {
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                };
                let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
                let headers: Vec<(String, Vec<u8>)> = head
                    .lines()
                    .skip(1)
                    .filter_map(|l| l.split_once(':'))
                    .map(|(k, v)| (k.trim().to_owned(), v.trim().as_bytes().to_vec()))
                    .collect();
                let len: usize = headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, v)| std::str::from_utf8(v).ok()?.parse().ok())
                    .unwrap_or(0);
                while buf.len() < head_end + len {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let pairs = headers.iter().map(|(k, v)| (k.as_str(), v.as_slice()));
                let d = receiver
                    .receive(pairs, &buf[head_end..head_end + len])
                    .await
                    .unwrap();
                let status = d.verdict.status();
                let _ = sock
                    .write_all(
                        format!(
                            "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                        )
                        .as_bytes(),
                    )
                    .await;
                let _ = tx.send((d.verdict, d.to_json()["event"].clone()));
            });
        }
    });
    (url, rx)
}

async fn next(rx: &mut mpsc::UnboundedReceiver<(Verdict, Value)>) -> (Verdict, Value) {
    tokio::time::timeout(Duration::from_secs(15), rx.recv())
        .await
        .expect("a delivery within 15 s")
        .unwrap()
}

fn client(sim: &Simulator) -> Client {
    Client::builder()
        .environment(Environment::local(&sim.base_url()).unwrap())
        .rate_limit(RateLimitConfig::disabled())
        .access_token(sim.dev_token().unwrap())
        .company_id(31337)
        .build()
        .unwrap()
}

async fn hook_with_trigger(c: &Client, url: &str) -> u64 {
    let hook = c
        .create_hook(&HookOptions {
            project_id: Some(PROJECT.into()),
            destination_url: Some(url.to_owned()),
            destination_headers: Some(vec![("Authorization".into(), SECRET.into())]),
            api_version: Some("v2".into()),
            namespace: Some("sdk-test".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let id = hook["id"].as_u64().unwrap();
    let scope = HookScope::Project(PROJECT);
    let t = c.create_trigger(id, scope, "RFIs", "create").await.unwrap();
    assert_eq!(t["event_type"], "create");
    assert_eq!(c.list_triggers(id, scope).await.unwrap().len(), 1);
    id
}

async fn create_rfi(c: &Client) -> u64 {
    let rfi: Value = c
        .post(&format!("projects/{PROJECT}/rfis"))
        .json(&json!({"rfi": {"subject": "Beam size at grid C4?"}}))
        .send_json()
        .await
        .unwrap();
    rfi["id"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_rfi_event_arrives_forgeries_are_refused_and_repeats_are_known() {
    let sim = Simulator::start(
        SimulatorConfig::default()
            .with_rate_limits(false)
            .with_webhook_duplicates(true),
    )
    .await
    .unwrap();
    let c = client(&sim);
    let receiver = Arc::new(Receiver::new(
        vec![("Authorization".into(), SECRET.into())],
        100,
    ));
    let (url, mut rx) = serve(receiver).await;
    let hook = hook_with_trigger(&c, &url).await;
    let rfi = create_rfi(&c).await;

    // The simulator delivers the event twice: once new, once a duplicate.
    // The two copies may be judged in either order (a task per connection).
    let mut both = [next(&mut rx).await, next(&mut rx).await];
    both.sort_by_key(|(v, _)| *v != Verdict::Accepted);
    let [(v1, e1), (v2, e2)] = both;
    assert_eq!((v1, v2), (Verdict::Accepted, Verdict::Duplicate));
    assert_eq!(e1["ulid"], e2["ulid"]);
    assert_eq!(e1["resource_name"], "RFIs");
    assert_eq!(e1["event_type"], "create");
    assert_eq!(e1["resource_id"], rfi);
    assert_eq!(e1["project_id"], PROJECT);

    // A forged delivery (no secret, or a wrong one) is refused with 401, body unread.
    let http = reqwest::Client::new();
    for auth in [None, Some("Bearer guess")] {
        let mut req = http.post(&url).body(e1.to_string());
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        assert_eq!(req.send().await.unwrap().status(), 401);
        let (v, e) = next(&mut rx).await;
        assert_eq!((v, e), (Verdict::Rejected, Value::Null));
    }

    // Both deliveries were answered 200, as the deliveries list shows.
    let scope = HookScope::Project(PROJECT);
    let ok = c
        .list_deliveries(hook, scope, Some("successful"))
        .await
        .unwrap();
    assert_eq!(ok.len(), 2, "{ok:?}");
    assert!(c.list_deliveries(hook, scope, Some("bogus")).await.is_err());

    // Update and delete through the helpers.
    let changed = c
        .update_hook(
            hook,
            &HookOptions {
                project_id: Some(PROJECT.into()),
                namespace: Some("renamed".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(changed["namespace"], "renamed");
    assert_eq!(c.list_hooks(scope).await.unwrap().len(), 1);
    c.delete_hook(hook, scope).await.unwrap();
    assert!(c.list_hooks(scope).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_redis_dedupe_is_shared_by_receivers() {
    let redis = Redis::start();
    let headers = vec![("X-Key".to_owned(), "k".to_owned())];
    let a = Receiver::with_redis(
        headers.clone(),
        &redis.url(),
        "test:hooks:",
        Duration::from_secs(60),
    )
    .unwrap();
    let b = Receiver::with_redis(
        headers,
        &redis.url(),
        "test:hooks:",
        Duration::from_secs(60),
    )
    .unwrap();
    let body =
        br#"{"id": "01HZX", "reason": "create", "resource_type": "RFIs", "resource_id": "5"}"#;
    let h = [("x-key", &b"k"[..])];
    let first = a.receive(h.iter().copied(), body).await.unwrap();
    let second = b.receive(h.iter().copied(), body).await.unwrap();
    assert_eq!(
        (first.verdict, second.verdict),
        (Verdict::Accepted, Verdict::Duplicate)
    );
    assert_eq!(second.key.as_deref(), Some("01HZX"));
    let other = br#"{"id": "01HZY", "reason": "create"}"#;
    assert_eq!(
        b.receive(h.iter().copied(), other).await.unwrap().verdict,
        Verdict::Accepted
    );
    assert!(Receiver::with_redis(vec![], "nope://", "p", Duration::from_secs(1)).is_err());
}
