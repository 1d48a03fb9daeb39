//! The control API under `/__simulator/` (no auth): counters, faults, quick tokens, config.
//! It lets tests in any language drive the simulator the way the Rust handle does; control
//! calls are neither counted nor subject to faults or latency, so they never disturb what a
//! test measures.

// Handlers return the error response itself as `Err`: it is built once per request and
// returned straight away, so boxing it would only add an allocation.
#![allow(clippy::result_large_err)]

use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde::Deserialize;

use crate::config::ConfigPatch;
use crate::faults::Fault;
use crate::respond::{json, message, Resp};
use crate::server::Ctx;
use crate::state::State;
use crate::tokens::Principal;
use crate::util::now_unix_f64;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    grant: Option<String>,
}

fn body_json<'a, T: Deserialize<'a> + Default>(ctx: &'a Ctx<'_>) -> Result<T, Resp> {
    if ctx.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(&ctx.body)
        .map_err(|e| message(StatusCode::BAD_REQUEST, &format!("Invalid JSON body: {e}")))
}

/// Resets counters, faults and rate-limit usage (data and tokens stay).
pub(crate) fn reset(state: &State) {
    state.counters.reset();
    state.faults.clear();
    state.limiter.reset();
    state.recorder.clear();
    state.webhooks.reset();
}

/// Serves one `/__simulator/...` request.
pub(crate) fn handle(state: &State, ctx: &Ctx<'_>) -> Resp {
    let sub = ctx
        .path
        .trim_start_matches("/__simulator")
        .trim_matches('/');
    match (ctx.method, sub) {
        (&Method::GET, "health") => json(StatusCode::OK, &serde_json::json!({ "ok": true })),
        (&Method::GET, "counters") => json(StatusCode::OK, &state.counters.snapshot()),
        (&Method::GET, "uploads") => json(StatusCode::OK, &state.uploads.summaries()),
        (&Method::POST, "reset") => {
            reset(state);
            json(StatusCode::OK, &serde_json::json!({}))
        }
        (&Method::GET, "requests") => json(StatusCode::OK, &state.recorder.list()),
        (&Method::DELETE, "requests") => {
            state.recorder.clear();
            json(StatusCode::OK, &serde_json::json!({}))
        }
        (&Method::GET, "faults") => json(StatusCode::OK, &state.faults.list(now_unix_f64())),
        (&Method::POST, "faults") => {
            let fault: Fault = match serde_json::from_slice(&ctx.body) {
                Ok(f) => f,
                Err(e) => {
                    return message(StatusCode::BAD_REQUEST, &format!("Invalid fault: {e}"));
                }
            };
            if let Err(e) = fault.validate() {
                return message(StatusCode::BAD_REQUEST, &format!("Invalid fault: {e}"));
            }
            let id = state.faults.add(fault, now_unix_f64());
            json(StatusCode::OK, &serde_json::json!({ "id": id }))
        }
        (&Method::DELETE, "faults") => {
            state.faults.clear();
            json(StatusCode::OK, &serde_json::json!({}))
        }
        (&Method::POST, "tokens") => {
            let req: TokenRequest = match body_json(ctx) {
                Ok(r) => r,
                Err(r) => return r,
            };
            let principal = match req.grant.as_deref() {
                None | Some("authorization_code") => Principal::User,
                Some("client_credentials") => Principal::Client,
                Some(_) => {
                    return message(
                        StatusCode::BAD_REQUEST,
                        "grant must be authorization_code or client_credentials",
                    )
                }
            };
            let t = state.issue(principal, req.expires_in.map(Duration::from_secs));
            json(StatusCode::OK, &t)
        }
        (&Method::POST, "revoke-access-tokens") => {
            let n = state.tokens.revoke_all_access();
            json(StatusCode::OK, &serde_json::json!({ "revoked": n }))
        }
        (&Method::GET, "config") => json(StatusCode::OK, &state.config_view()),
        (&Method::PATCH, "config") => {
            let patch: ConfigPatch = match body_json(ctx) {
                Ok(p) => p,
                Err(r) => return r,
            };
            if let Err(e) = patch.validate() {
                return message(StatusCode::BAD_REQUEST, &e);
            }
            json(StatusCode::OK, &state.update_config(&patch))
        }
        _ => crate::respond::not_found(),
    }
}
