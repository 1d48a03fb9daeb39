//! Many processes sharing one `FileTokenStore`: one refresh among all of them, and a process
//! killed with SIGKILL mid-refresh never leaves a torn token file.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use procore::{FileTokenStore, TokenSet, TokenStore};
use procore_simulator::{Fault, Simulator, SimulatorConfig};

const WORKER: &str = env!("CARGO_BIN_EXE_token-worker");

/// The multi-process tests run one at a time: each counts 401s or 429s that depend on when
/// its processes get the CPU, and two of them at once on 2 cores starve each other.
static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn sim() -> Simulator {
    Simulator::start(SimulatorConfig::default().with_rate_limits(false))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_processes_at_expiry_refresh_once() {
    let _one_at_a_time = HEAVY.lock().await;
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.json");
    let issued = sim.issue_tokens(Some(Duration::from_secs(3600)));
    let expired = TokenSet::new(
        issued.access_token,
        issued.refresh_token,
        Some(SystemTime::now() - Duration::from_secs(1)),
    );
    FileTokenStore::new(&path).save(&expired).await.unwrap();

    let (base, store) = (sim.base_url(), path.to_str().unwrap().to_owned());
    tokio::task::spawn_blocking(move || {
        procore_e2e::run_call_workers(WORKER, &base, &store, 8, 50)
    })
    .await
    .unwrap();
    let c = sim.counters();
    assert_eq!(
        c.token_calls.refresh_token, 1,
        "exactly one refresh among 8 processes"
    );
    assert_eq!(c.route("GET /rest/v1.0/me"), 400);
    // The store ends with the newest set, and that set works.
    let stored = FileTokenStore::new(&path).load().await.unwrap().unwrap();
    assert_eq!(stored.version, 1);
    assert_ne!(stored.refresh_token(), expired.refresh_token());
    let me = reqwest_get_me(&sim.base_url(), stored.access_token()).await;
    assert_eq!(me, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_processes_adopt_ten_sibling_rotations_without_a_401() {
    let _one_at_a_time = HEAVY.lock().await;
    // The simulator revokes the old access token at each refresh (as a strict server may): a
    // process that sent its cached token after a sibling rotated would get a 401.
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.json");
    let issued = sim.issue_tokens(Some(Duration::from_secs(3600)));
    let fresh = TokenSet::new(
        issued.access_token,
        issued.refresh_token,
        Some(SystemTime::now() + Duration::from_secs(3600)),
    );
    FileTokenStore::new(&path).save(&fresh).await.unwrap();
    sim.reset_counters();
    let (base, store) = (sim.base_url(), path.to_str().unwrap().to_owned());
    let calls = tokio::task::spawn_blocking(move || {
        procore_e2e::run_loops_with_rotations(WORKER, &base, &store, 8, 2500, 10)
    })
    .await
    .unwrap();
    let c = sim.counters();
    assert_eq!(
        c.token_calls.refresh_token, 10,
        "the sibling rotated 10 times"
    );
    assert_eq!(
        c.responses_by_status.get("401").copied().unwrap_or(0),
        0,
        "zero 401s among {calls} calls"
    );
    assert!(
        calls > 1000,
        "the workers kept calling through the rotations ({calls})"
    );
    eprintln!("file store: {calls} calls by 8 processes across 10 sibling rotations, 0 x 401");
    let stored = FileTokenStore::new(&path).load().await.unwrap().unwrap();
    assert_eq!(stored.version, 10);
}

async fn reqwest_get_me(base: &str, token: &str) -> u16 {
    let client = procore::Client::builder()
        .environment(procore::Environment::local(base).unwrap())
        .access_token(token)
        .build()
        .unwrap();
    client
        .get("me")
        .send()
        .await
        .map(|r| r.status())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_refresh_never_tears_the_file() {
    let _one_at_a_time = HEAVY.lock().await;
    let sim = sim().await;
    // A slow token endpoint keeps the worker inside the refresh most of the time.
    sim.add_fault(Fault::latency(Duration::from_millis(15), None).with_path_prefix("/oauth/token"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.json");
    let store = FileTokenStore::new(&path);
    let mut kills = 0;
    let mut last_version = 0;
    for round in 0..10u64 {
        // Seed a fresh, valid set (a kill between rotation and save may leave a burned one).
        let issued = sim.issue_tokens(None);
        let seeded = TokenSet::new(
            issued.access_token,
            issued.refresh_token,
            Some(SystemTime::now() + Duration::from_secs(3600)),
        )
        .with_version(last_version + 1);
        store.save(&seeded).await.unwrap();
        let mut child = Command::new(WORKER)
            .args(["rotate", &sim.base_url(), path.to_str().unwrap()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        // Wait for the first completed rotation, then kill at a varying moment of a later one.
        let waited = tokio::task::spawn_blocking(move || {
            let mut lines = BufReader::new(stdout).lines();
            lines.next().map(|l| l.is_ok()).unwrap_or(false)
        })
        .await
        .unwrap();
        assert!(waited, "round {round}: the worker rotated at least once");
        tokio::time::sleep(Duration::from_millis(3 + (round * 7) % 40)).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        kills += 1;

        let text = std::fs::read_to_string(&path).unwrap();
        let set = TokenSet::from_json(&text)
            .unwrap_or_else(|e| panic!("round {round}: torn token file: {e}"));
        assert!(
            set.version > seeded.version,
            "round {round}: the worker had saved a rotation"
        );
        assert!(!set.access_token().is_empty());
        last_version = set.version;
    }
    assert_eq!(kills, 10);
    // Temp files of killed writers are cleaned up by the next successful save.
    store
        .save(&TokenSet::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap())
        .await
        .unwrap();
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        vec!["tokens.json".to_string(), "tokens.json.lock".to_string()],
        "{kills} kills left {names:?}"
    );
}
