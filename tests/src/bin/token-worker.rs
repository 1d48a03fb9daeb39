//! A worker process for the cross-process tests.
//!
//! `token-worker calls BASE_URL TOKEN_FILE N`: N concurrent GET /me with the tokens of
//! TOKEN_FILE (shared with other workers), then prints `ok=X failed=Y` and exits 0 if all
//! succeeded.
//!
//! `token-worker rotate BASE_URL TOKEN_FILE`: forces refreshes in a loop, forever (the test
//! kills it with SIGKILL at random moments). Prints `rotated N` after each.
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

fn client(base: &str, file: &str) -> Result<Client, String> {
    Client::builder()
        .environment(Environment::local(base).map_err(|e| e.to_string())?)
        .stored_tokens("sim-client-id", "sim-client-secret")
        .token_store(store(file)?)
        .rate_limit(RateLimitConfig::disabled())
        .refresh_skew(Duration::from_secs(300))
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

async fn rotate(base: &str, file: &str) -> Result<(), String> {
    let c = client(base, file)?;
    let mut n = 0u64;
    loop {
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
            Some("rotate") if args.len() == 4 => rotate(&args[2], &args[3]).await,
            _ => Err("usage: token-worker calls BASE FILE N | rotate BASE FILE".into()),
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
