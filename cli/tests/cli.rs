//! The `procore` command end to end: the demo, `get`, and login -> token info -> logout
//! against the simulator.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use procore_simulator::{Simulator, SimulatorConfig};

const BIN: &str = env!("CARGO_BIN_EXE_procore");

#[test]
fn demo_exits_zero() {
    let out = Command::new(BIN).arg("demo").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "demo failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("All 6 steps behaved as expected."),
        "{stdout}"
    );
    assert!(!stdout.contains("FAILED"));
}

fn cli(sim: &Simulator) -> Command {
    let mut c = Command::new(BIN);
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PROCORE_API_BASE", sim.base_url());
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_prints_json_and_all_streams_lines() {
    let sim = Simulator::start(SimulatorConfig::default().with_rate_limits(false))
        .await
        .unwrap();
    let out = cli(&sim)
        .env("PROCORE_ACCESS_TOKEN", sim.dev_token().unwrap())
        .args(["get", "/rest/v1.0/me"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let me: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(me["id"].as_u64(), Some(procore_simulator::seed::USER_ID));

    let out = cli(&sim)
        .env("PROCORE_ACCESS_TOKEN", sim.dev_token().unwrap())
        .args([
            "get",
            "projects",
            "--all",
            "--company",
            "31337",
            "--query",
            "company_id=31337",
            "--query",
            "per_page=1000",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2500);

    // Errors are reported with their code and a non-zero exit.
    let out = cli(&sim)
        .env("PROCORE_ACCESS_TOKEN", sim.dev_token().unwrap())
        .args([
            "get",
            "projects",
            "--company",
            "666",
            "--query",
            "company_id=666",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("app_not_connected"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_token_info_logout() {
    let sim = Simulator::start(SimulatorConfig::default().with_rate_limits(false))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens.json");
    let app = |c: &mut Command| {
        c.env("PROCORE_CLIENT_ID", "sim-client-id")
            .env("PROCORE_CLIENT_SECRET", "sim-client-secret")
            .env("PROCORE_TOKEN_FILE", &file);
    };
    let mut login = cli(&sim);
    app(&mut login);
    let mut child = login
        .args(["login", "--timeout", "30"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().unwrap().unwrap();
        if line.starts_with("http") {
            break line;
        }
    };
    assert!(url.contains("code_challenge="), "PKCE is used: {url}");
    // The "browser": the simulator auto-approves and redirects to the CLI's loopback listener.
    let resp = reqwest::get(&url).await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.text().await.unwrap().contains("Logged in"));
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    assert!(child.wait().unwrap().success());
    assert!(rest.iter().any(|l| l.starts_with("Logged in.")), "{rest:?}");
    let stored = std::fs::read_to_string(&file).unwrap();
    let set = procore::TokenSet::from_json(&stored).unwrap();
    assert!(set.refresh_token().is_some());
    assert_eq!(sim.counters().token_calls.authorization_code, 1);

    let mut info = cli(&sim);
    app(&mut info);
    let out = info.args(["token", "info"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["resource_owner_id"].as_u64(),
        Some(procore_simulator::seed::USER_ID)
    );
    // No secret on the terminal.
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains(set.access_token()));

    let mut logout = cli(&sim);
    app(&mut logout);
    let out = logout.arg("logout").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!file.exists());
    assert_eq!(sim.counters().revocations, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_and_the_rate_budget_in_redis() {
    let sim = Simulator::start(SimulatorConfig::default()).await.unwrap();
    let redis = procore_e2e::Redis::start();
    let prefix =
        procore::store::RedisTokenStore::key_prefix(&sim.base_url(), "sim-client-id", "cli");
    let store = procore::store::RedisTokenStore::new(&redis.url(), &prefix).unwrap();
    let issued = sim.issue_tokens(Some(std::time::Duration::from_secs(3600)));
    let set = procore::TokenSet::new(
        issued.access_token,
        issued.refresh_token,
        Some(std::time::SystemTime::now() + std::time::Duration::from_secs(3600)),
    );
    procore::TokenStore::save(&store, &set).await.unwrap();
    let out = cli(&sim)
        .env("PROCORE_CLIENT_ID", "sim-client-id")
        .env("PROCORE_CLIENT_SECRET", "sim-client-secret")
        .args([
            "get",
            "me",
            "--token-store",
            &redis.url(),
            "--rate-budget",
            &redis.url(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let me: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(me["id"].as_u64(), Some(procore_simulator::seed::USER_ID));
    // The call went through the shared budget: its state is in Redis.
    let keys = Command::new("redis-cli")
        .args([
            "-p",
            &redis.port.to_string(),
            "--scan",
            "--pattern",
            "procore:budget:*",
        ])
        .output()
        .unwrap();
    let keys = String::from_utf8_lossy(&keys.stdout);
    assert!(keys.lines().any(|k| k.ends_with(":state")), "{keys}");
    assert!(!keys.contains(set.access_token()));
}
