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
    assert_eq!(
        out.status.code(),
        Some(4),
        "an authorization failure exits 4"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("app_not_connected"));
    // Piped stderr: no progress bar, only the items on stdout.
    let out = dev(&sim)
        .args([
            "get",
            "projects",
            "--all",
            "--company",
            "31337",
            "-q",
            "company_id=31337",
            "-q",
            "per_page=100",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("pages"),
        "no progress when piped"
    );
}

fn dev(sim: &Simulator) -> Command {
    let mut c = cli(sim);
    c.env("PROCORE_ACCESS_TOKEN", sim.dev_token().unwrap());
    c
}

fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const CREATE_RFI: &str = "RestV10ProjectsProjectIdRfisPost";
const RFI_ROUTE: &str = "POST /rest/v1.0/projects/{project_id}/rfis";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_put_patch_delete_with_data_from_arguments_files_and_stdin() {
    let sim = Simulator::start(SimulatorConfig::default().with_rate_limits(false))
        .await
        .unwrap();
    let rfis = "projects/100001/rfis";
    let created: serde_json::Value = serde_json::from_str(&ok(&dev(&sim)
        .args([
            "post",
            rfis,
            "--company",
            "31337",
            "--data",
            r#"{"rfi":{"subject":"Dowel spacing"}}"#,
        ])
        .output()
        .unwrap()))
    .unwrap();
    assert_eq!(created["subject"], "Dowel spacing");
    let one = format!("{rfis}/{}", created["id"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rfi.json");
    std::fs::write(&file, r#"{"rfi":{"subject":"From a file"}}"#).unwrap();
    let put: serde_json::Value = serde_json::from_str(&ok(&dev(&sim)
        .args([
            "put",
            &one,
            "--company",
            "31337",
            "--data",
            &format!("@{}", file.display()),
        ])
        .output()
        .unwrap()))
    .unwrap();
    assert_eq!(put["subject"], "From a file");
    let mut patch = dev(&sim)
        .args(["patch", &one, "--company", "31337", "--data", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    patch
        .stdin
        .take()
        .unwrap()
        .write_all(br#"{"rfi":{"subject":"From stdin"}}"#)
        .unwrap();
    let patched: serde_json::Value =
        serde_json::from_str(&ok(&patch.wait_with_output().unwrap())).unwrap();
    assert_eq!(patched["subject"], "From stdin");
    // A table of the list.
    let table = ok(&dev(&sim)
        .args(["get", rfis, "--company", "31337", "--output", "table"])
        .output()
        .unwrap());
    let header = table.lines().next().unwrap();
    assert!(header.starts_with("id "), "{table}");
    assert!(
        header.contains("subject") && table.contains("From stdin"),
        "{table}"
    );
    // Delete, then a 404 exits 5 with the code and the request id.
    ok(&dev(&sim)
        .args(["delete", &one, "--company", "31337"])
        .output()
        .unwrap());
    let gone = dev(&sim)
        .args(["get", &one, "--company", "31337"])
        .output()
        .unwrap();
    assert_eq!(gone.status.code(), Some(5));
    let err = String::from_utf8_lossy(&gone.stderr);
    assert!(
        err.contains("not_found") && err.contains("request id:"),
        "{err}"
    );
    // A 422 prints the field errors.
    let bad = dev(&sim)
        .args([
            "post",
            rfis,
            "--company",
            "31337",
            "--data",
            r#"{"rfi":{"subject":""}}"#,
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(5));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("validation") && err.contains("subject: can't be blank"),
        "{err}"
    );
    // Bad usage exits 2; no server listening exits 3.
    let usage = dev(&sim)
        .args(["post", rfis, "--data", "{not json"])
        .output()
        .unwrap();
    assert_eq!(usage.status.code(), Some(2));
    let mut nothing = Command::new(BIN);
    nothing
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PROCORE_API_BASE", "http://127.0.0.1:9")
        .env("PROCORE_ACCESS_TOKEN", "t");
    let net = nothing.args(["get", "me"]).output().unwrap();
    assert_eq!(
        net.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&net.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ops_search_show_and_a_checked_call() {
    let sim = Simulator::start(SimulatorConfig::default().with_rate_limits(false))
        .await
        .unwrap();
    let found = ok(&cli(&sim).args(["ops", "search", "rfi"]).output().unwrap());
    assert!(
        found.lines().next().unwrap().starts_with("METHOD"),
        "{found}"
    );
    assert!(found.contains(CREATE_RFI) && found.contains("/rest/v1.0/projects/{project_id}/rfis"));
    let json_lines = ok(&cli(&sim)
        .args(["ops", "search", "create", "rfi", "--output", "json"])
        .output()
        .unwrap());
    let ids: Vec<String> = json_lines
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(ids.contains(&CREATE_RFI.to_owned()), "{ids:?}");
    let shown = ok(&cli(&sim)
        .args(["ops", "show", CREATE_RFI])
        .output()
        .unwrap());
    for required in ["rfi.subject", "rfi.question.body", "rfi.rfi_manager_id"] {
        let line = shown
            .lines()
            .find(|l| l.split_whitespace().next() == Some(required))
            .unwrap_or_else(|| panic!("{required} missing from:\n{shown}"));
        assert!(
            line.trim_end().ends_with("yes"),
            "{required} is marked required: {line}"
        );
    }
    assert!(
        shown.contains("project_id")
            && shown.contains("POST /rest/v1.0/projects/{project_id}/rfis")
    );
    let unknown = cli(&sim)
        .args(["ops", "show", "NoSuchOp"])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));

    let before = sim.counters().route(RFI_ROUTE);
    // A missing path parameter and a missing required body field: invalid_call, exit 2,
    // and the simulator sees no request.
    let missing = dev(&sim)
        .args([
            "call",
            CREATE_RFI,
            "--company",
            "31337",
            "--data",
            r#"{"rfi":{"subject":"S"}}"#,
        ])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(err.contains("invalid_call"), "{err}");
    assert!(err.contains("path.project_id: is required"), "{err}");
    assert!(err.contains("body.rfi.question: is required"), "{err}");
    assert_eq!(sim.counters().route(RFI_ROUTE), before, "nothing was sent");
    let body = r#"{"rfi":{"subject":"S","question":{"body":"Q"},"rfi_manager_id":7}}"#;
    let made: serde_json::Value = serde_json::from_str(&ok(&dev(&sim)
        .args([
            "call",
            CREATE_RFI,
            "--path",
            "project_id=100001",
            "--company",
            "31337",
            "--data",
            body,
        ])
        .output()
        .unwrap()))
    .unwrap();
    assert_eq!(made["subject"], "S");
    assert_eq!(sim.counters().route(RFI_ROUTE), before + 1);
}

#[test]
fn completions_and_help() {
    let bash = Command::new(BIN)
        .args(["completions", "bash"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&bash.stdout);
    assert!(
        bash.status.success() && text.contains("procore") && text.contains("ops"),
        "{text}"
    );
    for verb in [
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "call",
        "login",
        "demo",
        "completions",
    ] {
        let help = Command::new(BIN).args([verb, "--help"]).output().unwrap();
        let text = String::from_utf8_lossy(&help.stdout);
        assert!(
            help.status.success() && text.contains("Example"),
            "{verb} --help: {text}"
        );
    }
    for sub in [["ops", "search"], ["ops", "show"]] {
        let help = Command::new(BIN)
            .args([sub[0], sub[1], "--help"])
            .output()
            .unwrap();
        assert!(String::from_utf8_lossy(&help.stdout).contains("Example"));
    }
    let top = Command::new(BIN).arg("--help").output().unwrap();
    assert!(String::from_utf8_lossy(&top.stdout).contains("Exit status"));
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_a_file_in_segments_and_from_stdin_and_a_damaged_one_fails_with_status_5() {
    use std::io::Write as _;
    let sim = Simulator::start(SimulatorConfig::default().with_rate_limits(false))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plans.pdf");
    let data: Vec<u8> = (0..12 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    std::fs::write(&file, &data).unwrap();
    let output = dev(&sim)
        .args([
            "upload",
            file.to_str().unwrap(),
            "--company",
            "31337",
            "--project",
            "100001",
        ])
        .args(["--segment-size", "5242881"])
        .output()
        .unwrap();
    let out = ok(&output);
    // The progress bar is for terminals: piped, stderr stays clean.
    assert!(!String::from_utf8_lossy(&output.stderr).contains('%'));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], "available");
    assert_eq!(v["segments"], 3);
    assert_eq!(v["file_name"], "plans.pdf");
    let stored = sim.uploads();
    let rec = stored.iter().find(|u| u["id"] == v["id"]).unwrap();
    assert_eq!(rec["stored_sha256"], v["sha256"]);

    // From standard input, v1.1 single part.
    let mut child = dev(&sim)
        .args([
            "upload",
            "-",
            "--name",
            "note.txt",
            "--company",
            "31337",
            "--flow",
            "v1.1",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"hello procore")
        .unwrap();
    let out = ok(&child.wait_with_output().unwrap());
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["status"].as_str(), v["size"].as_u64()),
        (Some("complete"), Some(13))
    );
    assert_eq!(v["content_type"], "text/plain");

    // Every body damaged: the upload error, exit status 5, the segment named.
    sim.add_fault(procore_simulator::Fault::corrupt(1).with_count(None));
    let out = dev(&sim)
        .args([
            "upload",
            file.to_str().unwrap(),
            "--company",
            "31337",
            "--segment-size",
            "5242881",
        ])
        .args(["--parallel", "1"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(
        err.contains("upload:") && err.contains("segment 1 of 3"),
        "{err}"
    );
    sim.clear_faults();
    let out = dev(&sim)
        .args(["upload", "-", "--company", "31337"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_sends_batches_from_ndjson_and_reports_refusals() {
    use std::io::Write as _;
    let sim = Simulator::start(SimulatorConfig::default().with_rate_limits(false))
        .await
        .unwrap();
    let lines: String = (0..2500)
        .map(|i| {
            let name = if i == 1234 {
                " ".to_owned()
            } else {
                format!("V {i}")
            };
            format!("{{\"origin_id\":\"cli-{i}\",\"name\":\"{name}\"}}\n")
        })
        .collect();
    let mut child = dev(&sim)
        .args(["sync", "vendors/sync", "--company", "31337", "--data", "-"])
        .args(["--body", "{\"company_id\":31337}"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(lines.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let v: serde_json::Value = serde_json::from_str(&ok(&output)).unwrap();
    assert_eq!(v["batches"], 3);
    assert_eq!(v["entities"].as_array().unwrap().len(), 2499);
    assert_eq!(v["errors"][0]["index"], 1234);
    assert!(String::from_utf8_lossy(&output.stderr).contains("1 of the updates were refused"));
    assert_eq!(sim.counters().route("PATCH /rest/v1.0/vendors/sync"), 3);
    let out = dev(&sim)
        .args([
            "sync",
            "vendors/sync",
            "--data",
            "[1]",
            "--company",
            "31337",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
