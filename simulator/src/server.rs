//! The HTTP server: a hyper HTTP/1.1 (keep-alive) connection per accepted socket, and the
//! per-request pipeline (count, latency, faults, route, answer).
//!
//! hyper is used directly rather than through a framework because the `drop` and
//! `drop_after_commit` faults must close the connection without any response: the service
//! returns an error, and hyper then aborts the connection without writing a byte.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{mpsc, watch};

use crate::api;
use crate::control;
use crate::faults::Action;
use crate::oauth;
use crate::respond::{message, not_found, raw, set_num, Resp, JSON_CT, X_REQUEST_ID};
use crate::router::{self, Route};
use crate::state::State;
use crate::util::now_unix_f64;

/// Largest request body accepted.
const BODY_LIMIT: usize = 4 * 1024 * 1024;
/// How long a graceful shutdown waits for in-flight requests.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// Returned by the service to make hyper close the connection without answering.
#[derive(Debug)]
pub(crate) struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by a simulator fault")
    }
}

impl std::error::Error for DropConnection {}

/// What a handler sees of a request.
pub(crate) struct Ctx<'a> {
    pub method: &'a Method,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: Bytes,
}

impl Ctx<'_> {
    /// `http://host[:port]` as the client addressed us (for absolute `Link` URLs).
    pub(crate) fn origin(&self, state: &State) -> String {
        let host = self
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| {
                !h.is_empty()
                    && h.chars()
                        .all(|c| c.is_ascii_alphanumeric() || ".-:[]_".contains(c))
            });
        match host {
            Some(h) => format!("http://{h}"),
            None => state.base_url.clone(),
        }
    }
}

/// Binds a listener with a large backlog (hundreds of clients may connect at once).
pub(crate) fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(4096)
}

/// Accepts connections until `shutdown` turns true, then drains them gracefully.
pub(crate) async fn run(
    listener: TcpListener,
    state: Arc<State>,
    mut shutdown: watch::Receiver<bool>,
) {
    // Every connection task holds a clone of `alive`; `drained` yields None once all are gone.
    let (alive, mut drained) = mpsc::channel::<()>(1);
    if !*shutdown.borrow_and_update() {
        loop {
            tokio::select! {
                _ = shutdown.changed() => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _peer)) => {
                        tokio::spawn(connection(
                            stream,
                            state.clone(),
                            shutdown.clone(),
                            alive.clone(),
                        ));
                    }
                    Err(e) => {
                        // EMFILE and friends: back off briefly instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                },
            }
        }
    }
    drop(listener);
    drop(alive);
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, drained.recv()).await;
}

async fn connection(
    stream: TcpStream,
    state: Arc<State>,
    mut shutdown: watch::Receiver<bool>,
    _alive: mpsc::Sender<()>,
) {
    let _ = stream.set_nodelay(true);
    let service = service_fn(move |req| dispatch(state.clone(), req));
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .keep_alive(true)
        // Idle keep-alive connections stay open as long as the client wants them: closing
        // them server-side races with clients reusing them.
        .header_read_timeout(None);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        res = conn.as_mut() => {
            if let Err(e) = res {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        }
        _ = shutdown.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

async fn read_body(body: Incoming) -> Result<Bytes, Resp> {
    read_body_up_to(body, BODY_LIMIT).await
}

async fn read_body_up_to(body: Incoming, limit: usize) -> Result<Bytes, Resp> {
    axum::body::to_bytes(Body::new(body), limit)
        .await
        .map_err(|_| {
            message(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Request body too large or unreadable",
            )
        })
}

fn with_body(method: &Method) -> bool {
    matches!(*method, Method::POST | Method::PUT | Method::PATCH)
}

/// One request, start to finish.
async fn dispatch(state: Arc<State>, req: Request<Incoming>) -> Result<Resp, DropConnection> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path();
    let query = parts.uri.query();

    if path == "/__simulator" || path.starts_with("/__simulator/") {
        let mut resp = match read_body(body).await {
            Ok(body) => control::handle(
                &state,
                &Ctx {
                    method: &parts.method,
                    path,
                    query,
                    headers: &parts.headers,
                    body,
                },
            ),
            Err(r) => r,
        };
        set_request_id(&state, &mut resp);
        return Ok(resp);
    }

    let m = router::route(&parts.method, path);
    state.counters.request(m.route);
    tracing::debug!(method = %parts.method, route = m.route.name(), "request");

    let latency = state.config().latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let applied = state.faults.take(path, now_unix_f64());
    if !applied.delay.is_zero() {
        tokio::time::sleep(applied.delay).await;
    }
    let mut drop_after_commit = false;
    let mut corrupt = false;
    let faulted = match applied.action {
        None => None,
        Some(Action::Corrupt) => {
            corrupt = true;
            None
        }
        Some(Action::Drop) => {
            state.counters.dropped();
            return Err(DropConnection);
        }
        Some(Action::DropAfterCommit) => {
            drop_after_commit = true;
            None
        }
        Some(Action::Status {
            status,
            retry_after,
            body,
        }) => Some(status_fault(status, retry_after, body)),
        Some(Action::Malformed {
            status,
            content_type,
            body,
        }) => Some(malformed(status, content_type, body)),
        Some(Action::Storm { reset, retry_after }) => {
            let cfg = state.config();
            Some(api::too_many(
                crate::ratelimit::RateHeaders {
                    limit: u64::from(cfg.spike_limit),
                    remaining: 0,
                    reset,
                },
                cfg.retry_after_on_429.then_some(retry_after),
            ))
        }
    };

    let mut resp = match faulted {
        Some(r) => r,
        None => {
            let limit = if path.starts_with("/_storage/") {
                crate::uploads::STORAGE_BODY_LIMIT
            } else {
                BODY_LIMIT
            };
            let body = if with_body(&parts.method) {
                read_body_up_to(body, limit).await.map(|b| {
                    if corrupt && !b.is_empty() {
                        let mut v = b.to_vec();
                        let mid = v.len() / 2;
                        v[mid] ^= 0x5a;
                        Bytes::from(v)
                    } else {
                        b
                    }
                })
            } else {
                Ok(Bytes::new())
            };
            match body {
                Err(r) => r,
                Ok(body) => {
                    if path.starts_with("/rest/") {
                        state
                            .recorder
                            .record(&parts.method, path, query, &parts.headers, &body);
                    } else if path.starts_with("/_storage/") {
                        // What reached the store, without the bytes (parts are large).
                        state.recorder.record(
                            &parts.method,
                            path,
                            query,
                            &parts.headers,
                            &Bytes::new(),
                        );
                    }
                    let ctx = Ctx {
                        method: &parts.method,
                        path,
                        query,
                        headers: &parts.headers,
                        body,
                    };
                    match m.route {
                        Route::Authorize | Route::Token | Route::Revoke | Route::TokenInfo => {
                            oauth::handle(&state, &ctx, m.route)
                        }
                        _ if path.starts_with("/rest/") => api::handle(&state, &ctx, m),
                        Route::StoragePart | Route::StorageForm => {
                            crate::uploads::storage(&state, &ctx, m)
                        }
                        _ => not_found(),
                    }
                }
            }
        }
    };

    if drop_after_commit {
        state.counters.dropped();
        return Err(DropConnection);
    }
    state.counters.response(resp.status().as_u16());
    set_request_id(&state, &mut resp);
    Ok(resp)
}

fn set_request_id(state: &State, resp: &mut Resp) {
    if let Ok(v) = HeaderValue::from_str(&state.next_request_id()) {
        resp.headers_mut().insert(X_REQUEST_ID, v);
    }
}

fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn status_fault(status: u16, retry_after: Option<u64>, body: Option<String>) -> Resp {
    let code = status_code(status);
    let mut r = match body {
        None => message(code, code.canonical_reason().unwrap_or("Error")),
        Some(b) => {
            let ct = if serde_json::from_str::<serde_json::Value>(&b).is_ok() {
                JSON_CT
            } else {
                HeaderValue::from_static("text/plain; charset=utf-8")
            };
            raw(code, ct, b)
        }
    };
    if let Some(s) = retry_after {
        set_num(&mut r, header::RETRY_AFTER, s);
    }
    r
}

fn malformed(status: u16, content_type: Option<String>, body: Option<String>) -> Resp {
    let ct = content_type
        .and_then(|c| HeaderValue::from_str(&c).ok())
        .unwrap_or(JSON_CT);
    let body = body.unwrap_or_else(|| "{\"data\": [{\"id\": 1, \"name\": \"trunc".to_owned());
    raw(status_code(status), ct, body)
}
