//! `procore webhooks listen` (a local receiver that checks the destination headers,
//! de-duplicates and prints each event) and `procore webhooks relay` (the DMZ relay Procore's
//! FAQ suggests for networks that cannot allow Procore's addresses: receive, check, forward,
//! retry).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use clap::{Args, Subcommand};
use procore::webhooks::{headers_match, parse_header, Event, Receiver as Judge, Verdict};

use crate::fail::Failure;

#[derive(Subcommand)]
pub enum WebhooksCommand {
    /// Receive deliveries: check the destination headers, drop duplicates, print each event
    /// as one JSON line.
    #[command(
        after_help = "Example:\n  procore webhooks listen --port 8443 --header 'Authorization: Bearer s3cret'"
    )]
    Listen(ListenArgs),
    /// Receive deliveries, check them, and forward each to another URL (retrying on failure).
    #[command(
        after_help = "Example:\n  procore webhooks relay --port 8443 --header 'Authorization: Bearer s3cret' --to http://10.0.0.5:9000/hooks"
    )]
    Relay(RelayArgs),
}

#[derive(Args)]
pub struct Receiver {
    /// The port to listen on (0: any free port; the address is printed on stderr).
    #[arg(long, default_value_t = 8443)]
    port: u16,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
    /// A destination header every delivery must carry, `Name: value` (repeatable).
    #[arg(long = "header", value_name = "NAME: VALUE")]
    headers: Vec<String>,
}

#[derive(Args)]
pub struct ListenArgs {
    #[command(flatten)]
    receiver: Receiver,
    /// How many event ids to remember for de-duplication.
    #[arg(long, default_value_t = 10_000)]
    remember: usize,
}

#[derive(Args)]
pub struct RelayArgs {
    #[command(flatten)]
    receiver: Receiver,
    /// Where to forward each delivery (its body, content type and checked headers).
    #[arg(long)]
    to: String,
    /// Attempts per forward (with backoff from 0.5 s, doubling).
    #[arg(long, default_value_t = 5)]
    attempts: u32,
}

pub async fn run(command: WebhooksCommand) -> Result<(), Failure> {
    match command {
        WebhooksCommand::Listen(a) => listen(a).await,
        WebhooksCommand::Relay(a) => relay(a).await,
    }
}

fn expected(r: &Receiver) -> Result<Vec<(String, String)>, Failure> {
    r.headers
        .iter()
        .map(|h| parse_header(h).map_err(Failure::from))
        .collect()
}

fn pairs(headers: &HeaderMap) -> Vec<(&str, &[u8])> {
    headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_bytes()))
        .collect()
}

async fn serve(r: &Receiver, app: axum::Router) -> Result<(), Failure> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(r.bind, r.port))
        .await
        .map_err(|e| Failure::usage(format!("cannot listen on {}:{}: {e}", r.bind, r.port)))?;
    let addr = listener.local_addr()?;
    eprintln!("listening on http://{addr}");
    axum::serve(listener, app).await?;
    Ok(())
}

/// Checks a delivery: its headers, then its payload.
fn check(
    expected: &[(String, String)],
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Event, StatusCode> {
    if !headers_match(expected, pairs(headers)) {
        eprintln!("rejected a delivery: its headers do not match");
        return Err(StatusCode::UNAUTHORIZED);
    }
    Event::parse(body).map_err(|e| {
        eprintln!("rejected a delivery: {e}");
        StatusCode::BAD_REQUEST
    })
}

async fn listen(a: ListenArgs) -> Result<(), Failure> {
    // The core's receiver: the headers in constant time, the payload, and repeats.
    let receiver = Arc::new(Judge::new(expected(&a.receiver)?, a.remember));
    let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
        let receiver = receiver.clone();
        async move {
            let d = match receiver.receive(pairs(&headers), &body).await {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("rejected a delivery: {e}");
                    return StatusCode::BAD_REQUEST;
                }
            };
            match (d.verdict, d.event) {
                (Verdict::Rejected, _) => {
                    eprintln!("rejected a delivery: its headers do not match");
                    StatusCode::UNAUTHORIZED
                }
                (Verdict::Duplicate, _) => {
                    eprintln!(
                        "duplicate delivery of event {}: skipped",
                        d.key.unwrap_or_default()
                    );
                    StatusCode::NO_CONTENT
                }
                (Verdict::Accepted, Some(event)) => {
                    println!("{}", event.raw);
                    StatusCode::NO_CONTENT
                }
                (Verdict::Accepted, None) => StatusCode::NO_CONTENT,
            }
        }
    });
    serve(&a.receiver, app).await
}

async fn relay(a: RelayArgs) -> Result<(), Failure> {
    let want = Arc::new(expected(&a.receiver)?);
    url::Url::parse(&a.to).map_err(|e| Failure::usage(format!("--to {:?}: {e}", a.to)))?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| Failure::other(e.to_string()))?;
    let (to, attempts) = (Arc::new(a.to.clone()), a.attempts.max(1));
    let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
        let (want, to, http) = (want.clone(), to.clone(), http.clone());
        async move {
            let event = match check(&want, &headers, &body) {
                Ok(e) => e,
                Err(status) => return status,
            };
            // Procore wants an answer within 5 s: accept now, forward in the background.
            let forward: Vec<(String, String)> = want.to_vec();
            tokio::spawn(async move {
                let key = event.dedupe_key().unwrap_or_default();
                let mut pause = Duration::from_millis(500);
                for attempt in 1..=attempts {
                    let mut req = http
                        .post(to.as_str())
                        .header("content-type", "application/json")
                        .body(body.clone());
                    for (k, v) in &forward {
                        req = req.header(k.as_str(), v.as_str());
                    }
                    match req.send().await {
                        Ok(r) if r.status().is_success() => {
                            eprintln!(
                                "forwarded event {key} (attempt {attempt}): HTTP {}",
                                r.status().as_u16()
                            );
                            return;
                        }
                        Ok(r) => eprintln!(
                            "forward of event {key} failed (attempt {attempt}): HTTP {}",
                            r.status().as_u16()
                        ),
                        Err(e) => {
                            eprintln!("forward of event {key} failed (attempt {attempt}): {e}")
                        }
                    }
                    if attempt < attempts {
                        tokio::time::sleep(pause).await;
                        pause *= 2;
                    }
                }
                eprintln!("gave up forwarding event {key} after {attempts} attempts");
            });
            StatusCode::ACCEPTED
        }
    });
    serve(&a.receiver, app).await
}
