//! `procore demo`: the SDK's main job against the embedded simulator, checked step by step.
//!
//! Every step prints what happened and whether it is what the SDK promises; the command exits
//! non-zero if any step did not behave.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use procore::{Client, Environment, MemoryTokenStore, TokenSet};
use procore_simulator::{Simulator, SimulatorConfig};

const BIG_COMPANY: u64 = 31337;
const DISCONNECTED_COMPANY: u64 = 666;

struct Steps {
    failed: Vec<String>,
    n: usize,
}

impl Steps {
    fn step(&mut self, title: &str) {
        self.n += 1;
        println!("\n{}. {title}", self.n);
    }

    fn check(&mut self, ok: bool, what: &str) {
        if ok {
            println!("   ok: {what}");
        } else {
            println!("   FAILED: {what}");
            self.failed.push(what.to_owned());
        }
    }
}

pub async fn run() -> Result<(), String> {
    let sim = Simulator::start(SimulatorConfig::default())
        .await
        .map_err(|e| format!("could not start the simulator: {e}"))?;
    let base = sim.base_url();
    println!("Procore simulator listening on {base} (no credentials needed)");
    let mut s = Steps {
        failed: Vec::new(),
        n: 0,
    };

    // A user's token set whose access token has just expired: the SDK must rotate it once,
    // however many calls want it at the same time.
    let issued = sim.issue_tokens(Some(Duration::from_secs(3600)));
    let tokens = TokenSet::new(
        issued.access_token.clone(),
        issued.refresh_token.clone(),
        Some(std::time::SystemTime::now() - Duration::from_secs(1)),
    );
    let store = Arc::new(MemoryTokenStore::new());
    let client = Client::builder()
        .environment(Environment::local(&base).map_err(|e| e.to_string())?)
        .tokens("sim-client-id", "sim-client-secret", tokens)
        .token_store(store)
        .user_agent("procore-demo")
        .build()
        .map_err(|e| e.to_string())?;

    s.step("Token rotation: 10 concurrent calls with an expired access token");
    let before = sim.counters().token_calls.refresh_token;
    let calls = (0..10).map(|_| {
        let c = client.clone();
        async move { c.get("/rest/v1.0/me").send().await }
    });
    let results = futures::future::join_all(calls).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let refreshes = sim.counters().token_calls.refresh_token - before;
    println!("   {ok}/10 calls succeeded; the token endpoint saw {refreshes} refresh call(s)");
    s.check(ok == 10, "every call succeeded");
    s.check(refreshes == 1, "exactly one refresh (single flight)");
    if let Some(Ok(me)) = results.first() {
        let me: serde_json::Value = me.json().unwrap_or_default();
        println!("   logged in as {} (id {})", me["name"], me["id"]);
    }

    s.step("List companies");
    match client.get("/rest/v1.0/companies").send().await {
        Ok(resp) => {
            let companies: Vec<serde_json::Value> = resp.json().unwrap_or_default();
            for c in &companies {
                println!("   {:>15}  {}", c["id"], c["name"].as_str().unwrap_or("?"));
            }
            s.check(
                companies
                    .iter()
                    .any(|c| c["id"].as_u64() == Some(BIG_COMPANY)),
                "the big company is listed",
            );
            s.check(
                companies.iter().any(|c| {
                    c["id"]
                        .as_u64()
                        .map(|id| id > u64::from(u32::MAX))
                        .unwrap_or(false)
                }),
                "ids above 2^32 come back exact",
            );
        }
        Err(e) => s.check(false, &format!("list companies: {e}")),
    }

    s.step("Stream every project of Big Build Co (v1 pagination, 500 per page, paced to the rate budget)");
    let started = Instant::now();
    let mut stream = client
        .paginate("/rest/v1.0/projects")
        .query("company_id", BIG_COMPANY)
        .company_id(BIG_COMPANY)
        .per_page(500)
        .items();
    let mut count = 0u64;
    let mut ids = std::collections::HashSet::new();
    let mut error = None;
    while let Some(item) = stream.next().await {
        match item {
            Ok(p) => {
                count += 1;
                if let Some(id) = p["id"].as_u64() {
                    ids.insert(id);
                }
                if count.is_multiple_of(500) {
                    progress(count, 2500);
                }
            }
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    if std::io::stderr().is_terminal() {
        eprintln!();
    }
    println!(
        "   {count} projects ({} distinct ids) in {:.2} s",
        ids.len(),
        started.elapsed().as_secs_f64()
    );
    if let Some(e) = error {
        s.check(false, &format!("pagination failed: {e}"));
    }
    s.check(
        count == 2500 && ids.len() == 2500,
        "all 2,500 projects, each once",
    );

    s.step("A validation error: create an RFI without a subject");
    let project = 100001;
    match client
        .post(&format!("/rest/v1.0/projects/{project}/rfis"))
        .company_id(BIG_COMPANY)
        .json(&serde_json::json!({"rfi": {"question": {"body": "Which rebar?"}}}))
        .send()
        .await
    {
        Err(e) => {
            println!("   {} -> {e}", e.code());
            let has_subject = e
                .validation_errors()
                .map(|m| m.contains_key("subject"))
                .unwrap_or(false);
            s.check(
                e.code() == "validation" && has_subject,
                "a `validation` error with errors[\"subject\"]",
            );
        }
        Ok(r) => s.check(false, &format!("expected 422, got {}", r.status())),
    }

    s.step("A disconnected app: call Disconnected Inc");
    match client
        .get("/rest/v1.0/projects")
        .query("company_id", DISCONNECTED_COMPANY)
        .company_id(DISCONNECTED_COMPANY)
        .send()
        .await
    {
        Err(e) => {
            println!("   {} -> {e}", e.code());
            s.check(
                e.code() == "app_not_connected",
                "an `app_not_connected` error, not a bare 403",
            );
        }
        Ok(r) => s.check(false, &format!("expected 403, got {}", r.status())),
    }

    s.step("The rate-limit snapshot of the last answer");
    match client.get("/rest/v1.0/me").send().await {
        Ok(resp) => match resp.rate_limit() {
            Some(rl) => {
                let secs = rl
                    .reset
                    .duration_since(std::time::SystemTime::now())
                    .map(|d| d.as_secs_f64())
                    .unwrap_or(0.0);
                println!(
                    "   {} of {} requests left in the window, which resets in {secs:.1} s (request id {})",
                    rl.remaining,
                    rl.limit,
                    resp.request_id().unwrap_or("-")
                );
                s.check(rl.remaining <= rl.limit, "a sane snapshot");
            }
            None => s.check(false, "the answer carried X-Rate-Limit-* headers"),
        },
        Err(e) => s.check(false, &format!("GET /me: {e}")),
    }

    let c = sim.counters();
    println!(
        "\nSimulator counters: {} requests, {} token calls, {} x 429 sent (the SDK paced itself)",
        c.requests_total, c.token_calls.total, c.rate_limited
    );
    sim.shutdown().await;
    if s.failed.is_empty() {
        println!("All {} steps behaved as expected.", s.n);
        Ok(())
    } else {
        Err(format!(
            "{} step(s) failed: {}",
            s.failed.len(),
            s.failed.join("; ")
        ))
    }
}

/// A progress bar on stderr when it is a terminal.
fn progress(done: u64, total: u64) {
    if !std::io::stderr().is_terminal() {
        return;
    }
    let width = 30;
    let filled = ((done.min(total) * width) / total.max(1)) as usize;
    let mut err = std::io::stderr().lock();
    let _ = write!(
        err,
        "\r   [{}{}] {done}/{total}",
        "#".repeat(filled),
        " ".repeat(width as usize - filled)
    );
    let _ = err.flush();
}
