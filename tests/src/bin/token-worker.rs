//! A worker process for the cross-process tests.
//!
//! `token-worker calls BASE_URL TOKEN_FILE N`: N concurrent GET /me with the tokens of
//! TOKEN_FILE (shared with other workers), then prints `ok=X failed=Y` and exits 0 if all
//! succeeded.
//!
//! `token-worker rotate BASE_URL TOKEN_FILE [COUNT PAUSE_MS]`: forces refreshes in a loop,
//! forever (the test kills it with SIGKILL at random moments), or COUNT times with a pause
//! between. Prints `rotated N` after each.
//!
//! `token-worker loop BASE_URL TOKEN_FILE TASKS MS [REDIS_URL]`: TASKS concurrent tasks call
//! GET /me one after another for MS milliseconds (pacing against a rate budget shared in Redis
//! when REDIS_URL is given), then print `ok=X failed=Y`.
//!
//! `token-worker budget BASE_URL TOKEN TASKS END_UNIX REDIS_URL`: TASKS tasks call GET /me
//! with the access token TOKEN, pacing against a rate budget shared in Redis, until the Unix
//! time END_UNIX (seconds, fractional); prints `ok=X`.
//!
//! A TOKEN_FILE of the form `redis://host:port#prefix` uses a `RedisTokenStore` instead.

use std::sync::Arc;
use std::time::Duration;

use procore::{Client, Environment, FileTokenStore, RateLimitConfig, TokenStore};

fn store(file: &str) -> Result<Arc<dyn TokenStore>, String> {
    if let Some(rest) = file.strip_prefix("redis://") {
        let (addr, prefix) = rest.split_once('#').ok_or("redis://host:port#prefix")?;
        let store = procore::store::RedisTokenStore::new(&format!("redis://{addr}"), prefix)
            .map_err(|e| e.to_string())?;
        return Ok(Arc::new(store));
    }
    Ok(Arc::new(FileTokenStore::new(file)))
}

fn builder(base: &str, file: &str) -> Result<procore::ClientBuilder, String> {
    Ok(Client::builder()
        .environment(Environment::local(base).map_err(|e| e.to_string())?)
        .stored_tokens("sim-client-id", "sim-client-secret")
        .token_store(store(file)?)
        .refresh_skew(Duration::from_secs(300)))
}

fn client(base: &str, file: &str) -> Result<Client, String> {
    builder(base, file)?
        .rate_limit(RateLimitConfig::disabled())
        .build()
        .map_err(|e| e.to_string())
}

async fn calls(base: &str, file: &str, n: usize) -> Result<(), String> {
    let c = client(base, file)?;
    let all = (0..n).map(|_| {
        let c = c.clone();
        tokio::spawn(async move { c.get("me").send().await })
    });
    let results = futures::future::join_all(all).await;
    let ok = results.iter().filter(|r| matches!(r, Ok(Ok(_)))).count();
    let failed = n - ok;
    for r in results.iter().filter_map(|r| match r {
        Ok(Err(e)) => Some(e.to_string()),
        Err(e) => Some(e.to_string()),
        _ => None,
    }) {
        eprintln!("worker error: {r}");
    }
    println!("ok={ok} failed={failed}");
    if failed == 0 {
        Ok(())
    } else {
        Err(format!("{failed} calls failed"))
    }
}

async fn looping(
    base: &str,
    file: &str,
    tasks: usize,
    ms: u64,
    budget: Option<&str>,
) -> Result<(), String> {
    let c = match budget {
        None => client(base, file)?,
        Some(url) => builder(base, file)?
            .shared_rate_budget_url(url)
            .build()
            .map_err(|e| e.to_string())?,
    };
    let until = tokio::time::Instant::now() + Duration::from_millis(ms);
    let all = (0..tasks).map(|_| {
        let c = c.clone();
        tokio::spawn(async move {
            let (mut ok, mut failed) = (0u64, 0u64);
            while tokio::time::Instant::now() < until {
                match c.get("me").send().await {
                    Ok(_) => ok += 1,
                    Err(e) => {
                        eprintln!("worker error: {e}");
                        failed += 1;
                    }
                }
            }
            (ok, failed)
        })
    });
    let (mut ok, mut failed) = (0, 0);
    for r in futures::future::join_all(all).await {
        let (o, f) = r.map_err(|e| e.to_string())?;
        ok += o;
        failed += f;
    }
    println!("ok={ok} failed={failed}");
    if failed == 0 {
        Ok(())
    } else {
        Err(format!("{failed} calls failed"))
    }
}

async fn budget(
    base: &str,
    token: &str,
    tasks: usize,
    end: f64,
    redis: &str,
) -> Result<(), String> {
    let c = Client::builder()
        .environment(Environment::local(base).map_err(|e| e.to_string())?)
        .access_token(token)
        .shared_rate_budget_url(redis)
        // Behind a limiter that answers 429 without headers, a call may be refused a few
        // times while the shared rate is learned.
        .retry(procore::RetryConfig {
            max_attempts: 20,
            ..Default::default()
        })
        .build()
        .map_err(|e| e.to_string())?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs_f64();
    let until = tokio::time::Instant::now() + Duration::from_secs_f64((end - now).max(0.0));
    let all = (0..tasks).map(|_| {
        let c = c.clone();
        tokio::spawn(async move {
            let mut ok = 0u64;
            while tokio::time::Instant::now() < until {
                match tokio::time::timeout_at(until, c.get("me").send()).await {
                    Ok(Ok(_)) => ok += 1,
                    Ok(Err(e)) => return Err(e.to_string()),
                    Err(_) => break,
                }
            }
            Ok(ok)
        })
    });
    let mut ok = 0;
    for r in futures::future::join_all(all).await {
        ok += r.map_err(|e| e.to_string())??;
    }
    println!("ok={ok}");
    Ok(())
}

async fn rotate(base: &str, file: &str, count: Option<(u64, u64)>) -> Result<(), String> {
    let c = client(base, file)?;
    let mut n = 0u64;
    loop {
        if let Some((count, pause)) = count {
            if n == count {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(pause)).await;
        }
        let token = c.tokens().access_token().await.map_err(|e| e.to_string())?;
        c.tokens()
            .on_unauthorized(token.version())
            .await
            .map_err(|e| e.to_string())?;
        n += 1;
        println!("rotated {n}");
    }
}

fn main() -> std::process::ExitCode {
    // The SDK's warnings (a store or a shared budget unreachable) on stderr, for the tests.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("procore=warn"))
        .with_writer(std::io::stderr)
        .try_init();
    let args: Vec<String> = std::env::args().collect();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(async {
        match args.get(1).map(String::as_str) {
            Some("calls") if args.len() == 5 => {
                let n = args[4]
                    .parse()
                    .map_err(|_| "N must be a number".to_string())?;
                calls(&args[2], &args[3], n).await
            }
            Some("rotate") if args.len() == 4 => rotate(&args[2], &args[3], None).await,
            Some("rotate") if args.len() == 6 => {
                let count = args[4].parse().map_err(|_| "COUNT must be a number")?;
                let pause = args[5].parse().map_err(|_| "PAUSE_MS must be a number")?;
                rotate(&args[2], &args[3], Some((count, pause))).await
            }
            Some("budget") if args.len() == 7 => {
                let tasks = args[4].parse().map_err(|_| "TASKS must be a number")?;
                let end = args[5].parse().map_err(|_| "END_UNIX must be a number")?;
                budget(&args[2], &args[3], tasks, end, &args[6]).await
            }
            Some("loop") if args.len() == 6 || args.len() == 7 => {
                let tasks = args[4].parse().map_err(|_| "TASKS must be a number")?;
                let ms = args[5].parse().map_err(|_| "MS must be a number")?;
                looping(&args[2], &args[3], tasks, ms, args.get(6).map(String::as_str)).await
            }
            _ => Err(
                "usage: token-worker calls BASE FILE N | rotate BASE FILE [COUNT PAUSE_MS] | loop BASE FILE TASKS MS [REDIS_URL] | budget BASE TOKEN TASKS END_UNIX REDIS_URL"
                    .into(),
            ),
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("token-worker: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
