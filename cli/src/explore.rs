//! `procore explore`: a local web page to browse and try every operation of the catalog.
//!
//! One server on loopback holds the client (the stored login, or the embedded simulator with
//! `--simulator`): the page asks it to send a call, so the page never sees a token or the
//! client secret, and every call goes through the core (refresh, pacing, retries, the company
//! header, the catalog check). The page, its script and its style are compiled into the binary.
//!
//! Who may drive it: the URL printed at start carries a random per-run token; every API
//! route refuses a request without it (403), compared in constant time. Requests whose `Host`
//! is not this loopback address are refused (a DNS-rebinding page cannot reach the API), and
//! the one route that acts (`POST /api/send`) takes JSON only, with the token in a header, and
//! checks `Origin` when present, so no cross-site form or plain GET can make it send anything.

// The checks return the refusal itself as `Err` (as the simulator's handlers do).
#![allow(clippy::result_large_err)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use clap::Args;
use procore::catalog::Catalog;
use procore::{Client, RequestSpec};
use serde_json::{json, Map, Value};

use crate::fail::Failure;
use crate::EnvArgs;

const PAGE: &str = include_str!("../assets/explore.html");
const SCRIPT: &str = include_str!("../assets/explore.js");
const STYLE: &str = include_str!("../assets/explore.css");
/// Calls kept in the page's log.
const LOG_LEN: usize = 50;

/// `procore explore`'s arguments.
#[derive(Args, Clone)]
pub struct ExploreArgs {
    /// The loopback port (0: any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Start an embedded simulator and explore it (no credentials needed).
    #[arg(long)]
    pub simulator: bool,
    /// The default Procore-Company-Id.
    #[arg(long = "company", env = "PROCORE_COMPANY_ID")]
    pub company: Option<u64>,
    #[command(flatten)]
    pub env: EnvArgs,
}

struct Call {
    method: String,
    path: String,
    status: Option<u16>,
    code: Option<&'static str>,
    elapsed_ms: f64,
    at: u64,
}

struct Explorer {
    client: Client,
    token: String,
    /// `127.0.0.1:PORT` and `localhost:PORT`: the only `Host` values accepted.
    hosts: [String; 2],
    origins: [String; 2],
    log: Mutex<VecDeque<Call>>,
    simulator: bool,
}

type Shared = Arc<Explorer>;

fn random_token() -> String {
    use rand::Rng as _;
    let bytes: [u8; 24] = rand::thread_rng().gen();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The security headers of every answer: nothing framed, nothing cached, no referrer (the URL
/// holds the token), scripts and styles from this origin only.
fn secure(mut r: Response) -> Response {
    let h = r.headers_mut();
    let set = |h: &mut HeaderMap, k: header::HeaderName, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(h, header::CACHE_CONTROL, "no-store");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    r
}

fn refuse(status: StatusCode, message: &str) -> Response {
    secure(
        (
            status,
            axum::Json(json!({ "ok": false, "code": "refused", "message": message })),
        )
            .into_response(),
    )
}

impl Explorer {
    /// Refuses a foreign `Host` (DNS rebinding) and a missing or wrong per-run token.
    fn admit(&self, headers: &HeaderMap, token: Option<&str>) -> Result<(), Response> {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !self.hosts.iter().any(|h| h == host) {
            return Err(refuse(
                StatusCode::FORBIDDEN,
                "this server answers on its loopback address only",
            ));
        }
        let given = token.unwrap_or("");
        if !procore::webhooks::constant_time_eq(given.as_bytes(), self.token.as_bytes()) {
            return Err(refuse(
                StatusCode::FORBIDDEN,
                "wrong or missing token: open the URL `procore explore` printed",
            ));
        }
        Ok(())
    }

    fn note(&self, c: Call) {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        if log.len() == LOG_LEN {
            log.pop_front();
        }
        log.push_back(c);
    }
}

type Params = Query<std::collections::HashMap<String, String>>;

async fn page(State(x): State<Shared>, headers: HeaderMap, q: Params) -> Response {
    if let Err(r) = x.admit(&headers, q.get("t").map(String::as_str)) {
        return r;
    }
    secure(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE).into_response())
}

async fn script() -> Response {
    secure(
        (
            [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
            SCRIPT,
        )
            .into_response(),
    )
}

async fn style() -> Response {
    secure(([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response())
}

/// Every operation, without its parameters (the list of the page).
async fn catalog(State(x): State<Shared>, headers: HeaderMap, q: Params) -> Response {
    if let Err(r) = x.admit(&headers, q.get("t").map(String::as_str)) {
        return r;
    }
    let ops: Vec<Value> = Catalog::get()
        .operations()
        .iter()
        .map(|o| json!({"id": o.id, "method": o.method, "path": o.path, "version": o.version, "tag": o.tag, "summary": o.summary}))
        .collect();
    secure(axum::Json(ops).into_response())
}

/// One operation with its parameters and its body fields flattened (`rfi.subject`).
async fn operation(State(x): State<Shared>, headers: HeaderMap, q: Params) -> Response {
    if let Err(r) = x.admit(&headers, q.get("t").map(String::as_str)) {
        return r;
    }
    let Some(op) = q.get("id").and_then(|id| Catalog::get().operation(id)) else {
        return refuse(StatusCode::NOT_FOUND, "no such operation");
    };
    let mut v = op.to_json();
    v["body_fields"] = serde_json::to_value(op.body_fields()).unwrap_or(Value::Null);
    secure(axum::Json(v).into_response())
}

/// The budget the client learned (both windows) and the recent calls.
async fn status(State(x): State<Shared>, headers: HeaderMap, q: Params) -> Response {
    if let Err(r) = x.admit(&headers, q.get("t").map(String::as_str)) {
        return r;
    }
    let mut budget = Map::new();
    for w in x.client.limiter().windows() {
        let name = if w.length_secs.is_some_and(|l| l <= 60)
            || w.reset_unix.saturating_sub(now_unix()) <= 10
        {
            "spike"
        } else {
            "hourly"
        };
        budget
            .entry(name)
            .or_insert(json!({"limit": w.limit, "remaining": w.remaining, "reset": w.reset_unix}));
    }
    let log: Vec<Value> = x
        .log
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .map(|c| json!({"method": c.method, "path": c.path, "status": c.status, "code": c.code, "elapsed_ms": c.elapsed_ms, "at": c.at}))
        .collect();
    secure(
        axum::Json(json!({
            "api_base": x.client.environment().api_base().as_str(),
            "company_id": x.client.company_id(),
            "simulator": x.simulator,
            "budget": budget,
            "log": log,
        }))
        .into_response(),
    )
}

/// The query of a call as the core takes it: `{name: value}` in the page's order.
fn query_of(v: Option<&Value>) -> Option<procore::QueryValue> {
    let Value::Object(m) = v? else { return None };
    if m.is_empty() {
        return None;
    }
    serde_json::from_value(Value::Object(m.clone())).ok()
}

/// `POST /api/send` `{operation, path, query, body, company_id}`: the call through the core.
async fn send(State(x): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let token = headers.get("x-explore-token").and_then(|v| v.to_str().ok());
    if let Err(r) = x.admit(&headers, token) {
        return r;
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        if !x.origins.iter().any(|o| o == origin) {
            return refuse(StatusCode::FORBIDDEN, "a call from another origin");
        }
    }
    let json_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if !json_type {
        return refuse(StatusCode::UNSUPPORTED_MEDIA_TYPE, "send JSON");
    }
    let Ok(Value::Object(call)) = serde_json::from_slice::<Value>(&body) else {
        return refuse(StatusCode::BAD_REQUEST, "the call must be a JSON object");
    };
    let op_id = call
        .get("operation")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let path = query_of(call.get("path"));
    let o = procore::CallOptions {
        query: query_of(call.get("query")),
        json: call
            .get("body")
            .filter(|b| !b.is_null())
            .map(|b| Bytes::from(b.to_string())),
        company_id: call
            .get("company_id")
            .and_then(Value::as_u64)
            .map(procore::Num::from),
        ..Default::default()
    };
    let started = Instant::now();
    let method = Catalog::get()
        .operation(&op_id)
        .map(|o| o.method.clone())
        .unwrap_or_default();
    let result = match RequestSpec::for_operation(&op_id, path.as_ref(), o) {
        Ok(spec) => {
            let shown = spec.path.clone();
            (shown, x.client.send(&spec).await)
        }
        Err(e) => (op_id.clone(), Err(e)),
    };
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    let (shown, outcome) = result;
    let answer = match outcome {
        Ok(r) => {
            x.note(Call {
                method,
                path: shown,
                status: Some(r.status()),
                code: None,
                elapsed_ms,
                at: now_unix(),
            });
            let body = r.json_value().unwrap_or_else(|_| Value::String(r.text()));
            json!({
                "ok": true,
                "status": r.status(),
                "elapsed_ms": elapsed_ms,
                "request_id": r.request_id(),
                "attempts": r.attempts(),
                "rate_limit": r.rate_limit().map(|l| json!({"limit": l.limit, "remaining": l.remaining, "reset": l.reset_unix()})),
                "body": body,
            })
        }
        Err(e) => {
            x.note(Call {
                method,
                path: shown,
                status: e.status(),
                code: Some(e.code()),
                elapsed_ms,
                at: now_unix(),
            });
            let fields: Map<String, Value> = match &e {
                procore::Error::InvalidCall { problems, .. } => problems
                    .iter()
                    .map(|(k, v)| (k.clone(), json!(v)))
                    .collect(),
                _ => e
                    .validation_errors()
                    .map(|v| {
                        v.iter()
                            .map(|(k, m)| (format!("body.{k}"), json!(m)))
                            .collect()
                    })
                    .unwrap_or_default(),
            };
            json!({
                "ok": false,
                "code": e.code(),
                "message": e.to_string(),
                "status": e.status(),
                "elapsed_ms": elapsed_ms,
                "request_id": e.request_id(),
                "fields": fields,
                "body": e.body(),
            })
        }
    };
    secure(axum::Json(answer).into_response())
}

fn router(x: Shared) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/explore.js", get(script))
        .route("/explore.css", get(style))
        .route("/api/catalog", get(catalog))
        .route("/api/operation", get(operation))
        .route("/api/status", get(status))
        .route("/api/send", post(send))
        .with_state(x)
}

/// `procore explore`.
pub async fn run(a: ExploreArgs) -> Result<(), Failure> {
    let mut _sim = None;
    let client = if a.simulator {
        let sim =
            procore_simulator::Simulator::start(procore_simulator::SimulatorConfig::default())
                .await
                .map_err(|e| Failure::other(format!("cannot start the simulator: {e}")))?;
        let token = sim.dev_token().unwrap_or_default().to_owned();
        let c = Client::builder()
            .environment(procore::Environment::local(&sim.base_url())?)
            .access_token(token)
            .company_id(a.company.unwrap_or(31337))
            .user_agent("procore-explore")
            .build()?;
        _sim = Some(sim);
        c
    } else {
        a.env.client(a.company, None)?
    };
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], a.port)))
        .await
        .map_err(|e| Failure::other(format!("cannot listen on 127.0.0.1:{}: {e}", a.port)))?;
    let port = listener
        .local_addr()
        .map_err(|e| Failure::other(e.to_string()))?
        .port();
    let token = random_token();
    let x = Arc::new(Explorer {
        client,
        hosts: [format!("127.0.0.1:{port}"), format!("localhost:{port}")],
        origins: [
            format!("http://127.0.0.1:{port}"),
            format!("http://localhost:{port}"),
        ],
        token: token.clone(),
        log: Mutex::new(VecDeque::new()),
        simulator: a.simulator,
    });
    println!("procore explore listening on http://127.0.0.1:{port}/?t={token}");
    eprintln!("open that URL in a browser (it holds this run's token); Ctrl-C stops");
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    axum::serve(listener, router(x))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| Failure::other(e.to_string()))?;
    Ok(())
}
