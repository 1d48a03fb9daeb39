//! `procore-bench`: the Rust side of the benchmark harness (`bench/run`).
//!
//! Every figure is measured side by side in one run against a simulator process started by
//! the harness, repeated `--runs` times (min / median / max printed), with the simulator's own
//! CPU use next to it so that a bottleneck in the simulator is visible. Nothing is asserted.
//!
//! Subcommands:
//! - `throughput`: `procore::Client` vs plain `reqwest` (same pool, same headers, same JSON
//!   parsing) at several concurrencies.
//! - `stream`: 100,000 paginated items, items/s and peak RSS of this process.
//! - `budget`: budget utilization and 429s against a simulator with rate limits on.
//! - `storm`: P processes x T tasks at token expiry sharing one token file; token calls counted.
//! - `headerless`: behind a limiter that answers 429 without rate-limit headers (nginx
//!   `limit_req`, started by the harness), the rate achieved and the share of requests refused,
//!   with the adaptive rate on and off; each in its own process (a budget is per process).
//! - `upload-rss`: the peak RSS above the baseline of a v2.1 upload of a large file, streamed
//!   from the file by the SDK, next to the same upload of the file read into memory first (what
//!   hand-written integrations do); each in its own process.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use procore::{Client, Environment, FileTokenStore, RateLimitConfig, TokenSet, TokenStore};

const COMPANY: u64 = 8089;
const PATH: &str = "/rest/v1.0/companies/8089/projects";
const MEGA: u64 = 77777;

type Res<T> = Result<T, String>;

struct Args(Vec<String>);

impl Args {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .position(|a| a == name)
            .and_then(|i| self.0.get(i + 1))
            .map(String::as_str)
    }
    fn req(&self, name: &str) -> Res<String> {
        self.get(name)
            .map(str::to_owned)
            .ok_or_else(|| format!("missing {name}"))
    }
    fn num<T: std::str::FromStr>(&self, name: &str, default: T) -> Res<T> {
        match self.get(name) {
            Some(v) => v.parse().map_err(|_| format!("{name} must be a number")),
            None => Ok(default),
        }
    }
}

fn stats(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n == 0 {
        return (0.0, 0.0, 0.0);
    }
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    (v[0], median, v[n - 1])
}

/// CPU seconds used so far by a process (utime + stime from /proc).
fn cpu_seconds(pid: Option<u32>) -> Option<f64> {
    let pid = pid?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn peak_rss_mib() -> f64 {
    status_mib("VmHWM:")
}

/// The resident set now, MiB.
fn rss_mib() -> f64 {
    status_mib("VmRSS:")
}

fn status_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with(field)).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn sdk_client(base: &str, token: &str) -> Res<Client> {
    Client::builder()
        .environment(Environment::local(base).map_err(|e| e.to_string())?)
        .access_token(token)
        .company_id(COMPANY)
        .build()
        .map_err(|e| e.to_string())
}

/// Runs `concurrency` loops of `one` for `secs`; returns completed requests per second.
async fn drive<F, Fut>(concurrency: usize, secs: f64, one: F) -> Res<f64>
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Res<()>> + Send,
{
    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let until = start + Duration::from_secs_f64(secs);
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (one, done) = (one.clone(), done.clone());
            tokio::spawn(async move {
                while Instant::now() < until {
                    one().await?;
                    done.fetch_add(1, Ordering::Relaxed);
                }
                Ok::<_, String>(())
            })
        })
        .collect();
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    let done = done.load(Ordering::Relaxed);
    DRIVEN.fetch_add(done, Ordering::Relaxed);
    Ok(done as f64 / start.elapsed().as_secs_f64())
}

/// Requests completed by every `drive` so far (printed with `--only`, to divide a profile by).
static DRIVEN: AtomicU64 = AtomicU64::new(0);

async fn throughput(a: &Args) -> Res<()> {
    let base = a.req("--base")?;
    let token = a.req("--token")?;
    let secs: f64 = a.num("--seconds", 3.0)?;
    let runs: usize = a.num("--runs", 3)?;
    let sim_pid: Option<u32> = a.get("--sim-pid").and_then(|p| p.parse().ok());
    let levels: Vec<usize> = a
        .get("--concurrency")
        .unwrap_or("1,64")
        .split(',')
        .filter_map(|c| c.parse().ok())
        .collect();
    // For profiling one contender alone (perf stat, perf record): procore, reqwest or
    // reqwest-headers; the others then print 0.
    let only = a.get("--only").map(str::to_owned);
    let runs_this = |name: &str| only.as_deref().is_none_or(|o| o == name);
    let sdk = sdk_client(&base, &token)?;
    // Plain reqwest as a careful user would set it up: the SDK's pool settings, timeouts and a
    // User-Agent (Procore requires one).
    let plain = reqwest::Client::builder()
        .user_agent("my-integration/1.0")
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .tcp_nodelay(true)
        .pool_idle_timeout(Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let url = format!("{base}{PATH}");
    println!("## Rust: procore::Client (auth, pacing, retries on) vs plain reqwest (GET {PATH}, JSON parsed, {secs} s x {runs} runs each, interleaved; medians)");
    println!(
        "cores: {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );
    for &c in &levels {
        let (mut ours, mut theirs, mut theirs_same, mut sim_cpu) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..runs {
            let s = sdk.clone();
            let cpu0 = cpu_seconds(sim_pid);
            let t0 = Instant::now();
            if runs_this("procore") {
                ours.push(
                    drive(c, secs, move || {
                        let s = s.clone();
                        async move {
                            let r = s.get(PATH).send().await.map_err(|e| e.to_string())?;
                            r.json::<serde_json::Value>().map_err(|e| e.to_string())?;
                            Ok(())
                        }
                    })
                    .await?,
                );
            }
            if let (Some(c0), Some(c1)) = (cpu0, cpu_seconds(sim_pid)) {
                sim_cpu.push((c1 - c0) / t0.elapsed().as_secs_f64() * 100.0);
            }
            for (headers, out) in [(false, &mut theirs), (true, &mut theirs_same)] {
                if !runs_this(if headers {
                    "reqwest-headers"
                } else {
                    "reqwest"
                }) {
                    continue;
                }
                let (p, u, t) = (plain.clone(), url.clone(), token.clone());
                out.push(
                    drive(c, secs, move || {
                        let (p, u, t) = (p.clone(), u.clone(), t.clone());
                        async move {
                            let mut req = p
                                .get(&u)
                                .bearer_auth(&t)
                                .header("procore-company-id", COMPANY);
                            if headers {
                                // The headers the SDK sends on every call.
                                req = req
                                    .header("procore-sdk-version", procore::SDK_VERSION)
                                    .header("procore-sdk-language", "rust")
                                    .header("accept", "application/json");
                            }
                            let r = req.send().await.map_err(|e| e.to_string())?;
                            let b = r.bytes().await.map_err(|e| e.to_string())?;
                            serde_json::from_slice::<serde_json::Value>(&b)
                                .map_err(|e| e.to_string())?;
                            Ok(())
                        }
                    })
                    .await?,
                );
            }
        }
        let (o, t, ts) = (stats(ours), stats(theirs), stats(theirs_same));
        let cpu = stats(sim_cpu);
        println!(
            "concurrency {c:>3}: procore {:>6.0} req/s (min {:.0} max {:.0}) | reqwest {:>6.0} (min {:.0} max {:.0}) ratio {:.3}x | reqwest with the SDK's headers {:>6.0} (min {:.0} max {:.0}) ratio {:.3}x | simulator CPU {:.0}% of one core",
            o.1, o.0, o.2, t.1, t.0, t.2, o.1 / t.1, ts.1, ts.0, ts.2, o.1 / ts.1, cpu.1
        );
    }
    if let Some(o) = &only {
        println!("only {o}: {} requests", DRIVEN.load(Ordering::Relaxed));
    }
    Ok(())
}

async fn stream(a: &Args) -> Res<()> {
    use futures::StreamExt;
    let base = a.req("--base")?;
    let token = a.req("--token")?;
    let items: u64 = a.num("--items", 100_000)?;
    let c = sdk_client(&base, &token)?;
    let start = Instant::now();
    let mut s = c
        .paginate("projects")
        .query("company_id", MEGA)
        .company_id(MEGA)
        .per_page(1000)
        .max_items(items)
        .items();
    let mut n = 0u64;
    while let Some(item) = s.next().await {
        item.map_err(|e| e.to_string())?;
        n += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "Rust stream: {n} items in {secs:.2} s ({:.0} items/s), peak RSS {:.1} MiB",
        n as f64 / secs,
        peak_rss_mib()
    );
    Ok(())
}

async fn control_json(
    base: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> Res<serde_json::Value> {
    let http = reqwest::Client::new();
    let mut req = http.request(method, format!("{base}/__simulator/{path}"));
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())
}

async fn budget(a: &Args) -> Res<()> {
    let base = a.req("--base")?;
    let token = a.req("--token")?;
    let secs: f64 = a.num("--seconds", 40.0)?;
    let tasks: usize = a.num("--tasks", 16)?;
    let cfg = control_json(&base, reqwest::Method::GET, "config", None).await?;
    let num = |k: &str| cfg.get(k).and_then(|v| v.as_f64()).unwrap_or(0.0);
    let (h_limit, h_len, s_limit, s_len) = (
        num("hourly_limit"),
        num("hourly_window"),
        num("spike_limit"),
        num("spike_window"),
    );
    if h_len <= 0.0 || s_len <= 0.0 {
        return Err(format!("the simulator config has no windows: {cfg}"));
    }
    let before = control_json(&base, reqwest::Method::GET, "counters", None).await?;
    let c = Client::builder()
        .environment(Environment::local(&base).map_err(|e| e.to_string())?)
        .access_token(&token)
        .company_id(COMPANY)
        .rate_limit(RateLimitConfig::default())
        .build()
        .map_err(|e| e.to_string())?;
    let unix = || {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0)
    };
    // Start, and end, on a spike-window boundary: a window cut short by the start or the end
    // of the run could not be used in full (before its first answer the client does not know
    // how much of the window is left), yet the allowed count would credit it. Starting in the
    // last tenth of a window gave 98% (15 of its 25 sent) where the whole windows after it were
    // used to the last request.
    let now = unix();
    let first = (now / s_len).ceil() * s_len;
    tokio::time::sleep(Duration::from_secs_f64((first - now).max(0.0))).await;
    let t0 = unix();
    // End on a spike-window boundary too.
    let end = ((t0 + secs) / s_len).floor() * s_len;
    let until = Instant::now() + Duration::from_secs_f64((end - t0).max(s_len));
    let done = Arc::new(AtomicU64::new(0));
    let stamps = Arc::new(std::sync::Mutex::new(Vec::<f64>::new()));
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let (c, done, stamps) = (c.clone(), done.clone(), stamps.clone());
            tokio::spawn(async move {
                while Instant::now() < until {
                    let sent = unix();
                    match tokio::time::timeout_at(until.into(), c.get(PATH).send()).await {
                        Ok(Ok(r)) => {
                            done.fetch_add(1, Ordering::Relaxed);
                            if let Ok(mut s) = stamps.lock() {
                                // When it left: the call's start plus its wait for the budget.
                                s.push(sent + r.waited().as_secs_f64());
                            }
                        }
                        Ok(Err(e)) => return Err(e.to_string()),
                        Err(_) => break,
                    }
                }
                Ok(())
            })
        })
        .collect();
    for h in handles {
        h.await.map_err(|e| e.to_string())??;
    }
    let t1 = unix().min(end.max(t0 + s_len));
    // What the two windows allowed over [t0, t1] (the same count as the tests').
    let allowed = procore_e2e::allowed_requests(t0, t1, (h_limit, h_len), (s_limit, s_len));
    let after = control_json(&base, reqwest::Method::GET, "counters", None).await?;
    let r429 =
        after["rate_limited"].as_u64().unwrap_or(0) - before["rate_limited"].as_u64().unwrap_or(0);
    let completed = done.load(Ordering::Relaxed) as f64;
    // Requests per spike window (by the time each left, after its wait for the budget), to
    // show where budget was left unused.
    let mut per_window = std::collections::BTreeMap::<u64, u64>::new();
    for t in stamps.lock().map(|s| s.clone()).unwrap_or_default() {
        *per_window.entry((t / s_len) as u64).or_default() += 1;
    }
    let counts: Vec<String> = per_window.values().map(|n| n.to_string()).collect();
    println!(
        "requests sent per {s_len} s spike window: {}",
        counts.join(" ")
    );
    println!(
        "budget (1 process, {tasks} tasks, hourly {h_limit}/{h_len}s, spike {s_limit}/{s_len}s, {:.0} s): {completed} completed of {allowed} allowed = {:.1}% utilization, {r429} x 429",
        t1 - t0,
        completed / allowed * 100.0
    );
    Ok(())
}

async fn storm(a: &Args) -> Res<()> {
    let base = a.req("--base")?;
    let procs: usize = a.num("--procs", 4)?;
    let tasks: usize = a.num("--tasks", 50)?;
    let dir = std::env::temp_dir().join(format!("procore-bench-storm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let file = dir.join("tokens.json");
    let issued = control_json(
        &base,
        reqwest::Method::POST,
        "tokens",
        Some(serde_json::json!({"expires_in": 3600})),
    )
    .await?;
    let set = TokenSet::new(
        issued["access_token"].as_str().unwrap_or_default(),
        issued["refresh_token"].as_str().map(str::to_owned),
        Some(SystemTime::now() - Duration::from_secs(1)),
    );
    FileTokenStore::new(&file)
        .save(&set)
        .await
        .map_err(|e| e.to_string())?;
    let before = control_json(&base, reqwest::Method::GET, "counters", None).await?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let start = Instant::now();
    // Start every process first, then wait for all of them: they must overlap.
    let children: Vec<_> = (0..procs)
        .map(|_| {
            std::process::Command::new(&exe)
                .args([
                    "storm-worker",
                    "--base",
                    &base,
                    "--file",
                    &file.to_string_lossy(),
                    "--tasks",
                    &tasks.to_string(),
                ])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
        })
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let mut ok = 0;
    for c in children {
        let out = c.wait_with_output().map_err(|e| e.to_string())?;
        if out.status.success() {
            ok += 1;
        } else {
            eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        }
    }
    let after = control_json(&base, reqwest::Method::GET, "counters", None).await?;
    let refreshes = after["token_calls"]["refresh_token"].as_u64().unwrap_or(0)
        - before["token_calls"]["refresh_token"].as_u64().unwrap_or(0);
    println!(
        "refresh storm: {procs} processes x {tasks} tasks at expiry on one token file: {ok}/{procs} processes all-successful, {refreshes} refresh call(s) in {:.2} s",
        start.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

async fn storm_worker(a: &Args) -> Res<()> {
    let base = a.req("--base")?;
    let file = a.req("--file")?;
    let tasks: usize = a.num("--tasks", 50)?;
    let c = Client::builder()
        .environment(Environment::local(&base).map_err(|e| e.to_string())?)
        .stored_tokens("sim-client-id", "sim-client-secret")
        .token_store(Arc::new(FileTokenStore::new(file)))
        .company_id(COMPANY)
        .build()
        .map_err(|e| e.to_string())?;
    let calls = (0..tasks).map(|_| {
        let c = c.clone();
        tokio::spawn(async move { c.get(PATH).send().await.map(|_| ()) })
    });
    for r in futures::future::join_all(calls).await {
        r.map_err(|e| e.to_string())?.map_err(|e| e.to_string())?;
    }
    Ok(())
}

async fn headerless(a: &Args) -> Res<()> {
    let base = a.req("--base")?;
    let secs: f64 = a.num("--seconds", 20.0)?;
    let tasks: usize = a.num("--tasks", 8)?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut runs = Vec::new();
    let mut timelines = Vec::new();
    for adaptive in ["on", "off"] {
        // Let the limiter's bucket drain between the two runs.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let out = std::process::Command::new(&exe)
            .args(["headerless-worker", "--base", &base, "--adaptive", adaptive])
            .args([
                "--seconds",
                &secs.to_string(),
                "--tasks",
                &tasks.to_string(),
            ])
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "the worker failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (figures, timeline) = text.split_once('\n').unwrap_or((&text, ""));
        timelines.push(timeline.trim().to_string());
        let n: Vec<f64> = figures
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        if n.len() != 4 {
            return Err(format!("unexpected worker output {text:?}"));
        }
        runs.push(n);
    }
    let line = |n: &[f64]| {
        let (calls, attempts, failed, elapsed) = (n[0], n[1], n[2], n[3]);
        format!(
            "{:.1} r/s, {:.1}% of requests answered 429, {failed:.0} calls failed",
            (calls - failed) / elapsed,
            (attempts - calls + failed) / attempts.max(1.0) * 100.0
        )
    };
    println!(
        "behind nginx limit_req 10 r/s burst 5 (no rate-limit headers), {tasks} tasks, {secs:.0} s: adaptive {} | fixed pause (adaptive off) {} (goal >= 9 r/s, <= 5%)",
        line(&runs[0]),
        line(&runs[1])
    );
    println!("  adaptive {} | fixed pause {}", timelines[0], timelines[1]);
    Ok(())
}

async fn headerless_worker(a: &Args) -> Res<()> {
    let base = a.req("--base")?;
    let secs: f64 = a.num("--seconds", 20.0)?;
    let tasks: usize = a.num("--tasks", 8)?;
    let adaptive = a.get("--adaptive") != Some("off");
    let c = Client::builder()
        .environment(Environment::local(&base).map_err(|e| e.to_string())?)
        .access_token("sim-dev-token")
        .company_id(COMPANY)
        .rate_limit(RateLimitConfig {
            adaptive,
            ..Default::default()
        })
        .retry(procore::RetryConfig {
            max_attempts: 50,
            deadline: Some(Duration::from_secs(120)),
            ..Default::default()
        })
        .build()
        .map_err(|e| e.to_string())?;
    let until = Instant::now() + Duration::from_secs_f64(secs);
    let start = Instant::now();
    // 429s by the 5 s slice in which their call ended (where in the run they fall).
    let slices = (secs / 5.0).ceil().max(1.0) as usize + 1;
    let refused_by_slice = Arc::new((0..slices).map(|_| AtomicU64::new(0)).collect::<Vec<_>>());
    let workers = (0..tasks).map(|_| {
        let c = c.clone();
        let refused_by_slice = refused_by_slice.clone();
        tokio::spawn(async move {
            let (mut calls, mut attempts, mut failed) = (0u64, 0u64, 0u64);
            while Instant::now() < until {
                calls += 1;
                let refused = match c.get("me").send().await {
                    Ok(r) => {
                        attempts += u64::from(r.attempts());
                        u64::from(r.attempts()) - 1
                    }
                    Err(_) => {
                        failed += 1;
                        attempts += 1;
                        1
                    }
                };
                let slice = (start.elapsed().as_secs_f64() / 5.0) as usize;
                refused_by_slice[slice.min(slices - 1)].fetch_add(refused, Ordering::Relaxed);
            }
            (calls, attempts, failed)
        })
    });
    let (mut calls, mut attempts, mut failed) = (0, 0, 0);
    for w in futures::future::join_all(workers).await {
        let (c1, a1, f1) = w.map_err(|e| e.to_string())?;
        calls += c1;
        attempts += a1;
        failed += f1;
    }
    let timeline: Vec<String> = refused_by_slice
        .iter()
        .map(|n| n.load(Ordering::Relaxed).to_string())
        .collect();
    println!(
        "{calls} {attempts} {failed} {:.3}",
        start.elapsed().as_secs_f64()
    );
    println!("429s by 5 s slice: {}", timeline.join(" "));
    Ok(())
}

async fn upload_rss(a: &Args) -> Res<()> {
    let base = a.req("--base")?;
    let mib: u64 = a.num("--mib", 300)?;
    let dir = std::env::temp_dir().join(format!("procore-bench-upload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let file = dir.join("big.bin");
    {
        use std::io::Write as _;
        let mut f =
            std::io::BufWriter::new(std::fs::File::create(&file).map_err(|e| e.to_string())?);
        let mut block = vec![0u8; 1024 * 1024];
        for i in 0..mib {
            for (j, b) in block.iter_mut().enumerate() {
                *b = (i as usize)
                    .wrapping_mul(31)
                    .wrapping_add(j.wrapping_mul(7)) as u8;
            }
            f.write_all(&block).map_err(|e| e.to_string())?;
        }
        f.flush().map_err(|e| e.to_string())?;
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut figures = Vec::new();
    for mode in ["path", "bytes"] {
        let out = std::process::Command::new(&exe)
            .args(["upload-rss-worker", "--base", &base, "--mode", mode])
            .arg("--file")
            .arg(&file)
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(format!(
                "the {mode} worker failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let nums: Vec<f64> = text
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        if nums.len() != 3 {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(format!("unexpected worker output {text:?}"));
        }
        figures.push((nums[1] - nums[0], nums[2]));
    }
    let _ = std::fs::remove_dir_all(&dir);
    let (streamed, t1) = figures[0];
    let (read_first, t2) = figures[1];
    println!(
        "upload {mib} MiB (v2.1, 16 MiB segments, 4 in flight): peak RSS +{streamed:.1} MiB above the baseline streamed from the file (target < 64 MiB) in {t1:.2} s; +{read_first:.1} MiB reading the file into memory first in {t2:.2} s: {:.1}x less memory",
        read_first / streamed.max(0.1)
    );
    Ok(())
}

async fn upload_rss_worker(a: &Args) -> Res<()> {
    let base = a.req("--base")?;
    let file = a.req("--file")?;
    let mode = a.req("--mode")?;
    let c = Client::builder()
        .environment(Environment::local(&base).map_err(|e| e.to_string())?)
        .access_token("sim-dev-token")
        .company_id(31337)
        .build()
        .map_err(|e| e.to_string())?;
    let spec = procore::UploadSpec::from_options(procore::UploadOptions::default())
        .map_err(|e| e.to_string())?;
    let baseline = rss_mib();
    let start = Instant::now();
    let source = match mode.as_str() {
        "path" => procore::UploadSource::Path(file.into()),
        _ => procore::UploadSource::Bytes(std::fs::read(&file).map_err(|e| e.to_string())?.into()),
    };
    let mut spec = spec;
    spec.file_name = Some("big.bin".into());
    let out = c
        .upload(&spec, source, None)
        .await
        .map_err(|e| e.to_string())?;
    if out.status != "available" {
        return Err(format!("the upload ended {}", out.status));
    }
    println!(
        "{baseline:.1} {:.1} {:.2}",
        peak_rss_mib(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn main() -> std::process::ExitCode {
    let args = Args(std::env::args().collect());
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let cmd = args.0.get(1).cloned().unwrap_or_default();
    let result = rt.block_on(async {
        match cmd.as_str() {
            "throughput" => throughput(&args).await,
            "stream" => stream(&args).await,
            "budget" => budget(&args).await,
            "storm" => storm(&args).await,
            "storm-worker" => storm_worker(&args).await,
            "upload-rss" => upload_rss(&args).await,
            "headerless" => headerless(&args).await,
            "headerless-worker" => headerless_worker(&args).await,
            "upload-rss-worker" => upload_rss_worker(&args).await,
            _ => Err(
                "usage: procore-bench throughput|stream|budget|storm|upload-rss|headerless --base URL [--token T] ..."
                    .into(),
            ),
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("procore-bench {cmd}: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
