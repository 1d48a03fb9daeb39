//! The OAuth endpoints of the "login base": authorize (auto-approved), token (authorization
//! code with optional PKCE, single-use rotating refresh tokens, client credentials), revoke and
//! token info. Error bodies follow RFC 6749 (`{"error","error_description"}`).

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use base64::Engine as _;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::api::{bearer, unauthorized};
use crate::counters::GrantKind;
use crate::data::{SERVICE_ACCOUNT_ID, USER_ID};
use crate::respond::{html, json, Resp};
use crate::router::Route;
use crate::server::Ctx;
use crate::state::{AuthCode, State};
use crate::tokens::Principal;
use crate::util::{random_token, LockExt};

const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";
const CODE_TTL: Duration = Duration::from_secs(600);
const INVALID_GRANT: &str = "The provided authorization grant is invalid, expired, revoked, does \
    not match the redirection URI used in the authorization request, or was issued to another \
    client.";
const INVALID_CLIENT: &str = "Client authentication failed due to unknown client, no client \
    authentication included, or unsupported authentication method.";

/// Serves one `/oauth/` request.
pub(crate) fn handle(state: &State, ctx: &Ctx<'_>, route: Route) -> Resp {
    match route {
        Route::Authorize => authorize(state, ctx),
        Route::Token => token(state, ctx),
        Route::Revoke => revoke(state, ctx),
        Route::TokenInfo => token_info(state, ctx),
        _ => crate::respond::not_found(),
    }
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Resp {
    let mut r = json(
        status,
        &serde_json::json!({ "error": error, "error_description": description }),
    );
    no_store(&mut r);
    r
}

fn no_store(r: &mut Resp) {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r.headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

/// Accepted redirect URIs: loopback http (any port, any path) and the out-of-band URN.
fn redirect_ok(uri: &str) -> bool {
    if uri == OOB {
        return true;
    }
    match url::Url::parse(uri) {
        Ok(u) => {
            u.scheme() == "http"
                && matches!(u.host_str(), Some("127.0.0.1") | Some("localhost"))
                && u.fragment().is_none()
        }
        Err(_) => false,
    }
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn bad_authorize(reason: &str) -> Resp {
    html(
        StatusCode::BAD_REQUEST,
        format!(
            "<!doctype html><html><head><title>Authorization error</title></head><body>\
             <h1>Authorization error</h1><p id=\"error\">{}</p></body></html>",
            escape_html(reason)
        ),
    )
}

fn redirect_to(uri: &str, params: &[(&str, &str)]) -> Resp {
    let location = match url::Url::parse(uri) {
        Ok(mut u) => {
            {
                let mut q = u.query_pairs_mut();
                for (k, v) in params {
                    q.append_pair(k, v);
                }
            }
            u.to_string()
        }
        Err(_) => return bad_authorize("invalid redirect_uri"),
    };
    let mut r = crate::respond::empty(StatusCode::FOUND);
    match HeaderValue::from_str(&location) {
        Ok(v) => {
            r.headers_mut().insert(header::LOCATION, v);
            r
        }
        Err(_) => bad_authorize("invalid redirect_uri"),
    }
}

fn authorize(state: &State, ctx: &Ctx<'_>) -> Resp {
    let q: HashMap<String, String> =
        url::form_urlencoded::parse(ctx.query.unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let get = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
    if get("client_id") != Some(state.client_id.as_str()) {
        return bad_authorize("unknown or missing client_id");
    }
    let Some(redirect_uri) = get("redirect_uri").filter(|u| redirect_ok(u)) else {
        return bad_authorize("missing or unregistered redirect_uri");
    };
    let st = get("state");
    let fail = |error: &str| {
        if redirect_uri == OOB {
            return bad_authorize(error);
        }
        let mut p = vec![("error", error)];
        if let Some(s) = st {
            p.push(("state", s));
        }
        redirect_to(redirect_uri, &p)
    };
    if get("response_type") != Some("code") {
        return fail("unsupported_response_type");
    }
    let challenge = match (get("code_challenge"), get("code_challenge_method")) {
        (None, None) => None,
        (None, Some(_)) => return fail("invalid_request"),
        (Some(c), m) => {
            let m = m.unwrap_or("plain");
            if m != "S256" && m != "plain" {
                return fail("invalid_request");
            }
            Some((c.to_owned(), m.to_owned()))
        }
    };
    let code = random_token();
    {
        let mut codes = state.codes.lock_ok();
        let now = SystemTime::now();
        if codes.len() > 10_000 {
            codes.retain(|_, c| c.expires_at > now);
        }
        codes.insert(
            code.clone(),
            AuthCode {
                redirect_uri: redirect_uri.to_owned(),
                challenge,
                expires_at: now + CODE_TTL,
            },
        );
    }
    if redirect_uri == OOB {
        return html(
            StatusCode::OK,
            format!(
                "<!doctype html><html><head><title>Authorization code</title></head><body>\
                 <h1>Authorization code</h1><p>Copy this code into your application:</p>\
                 <code id=\"authorization-code\">{code}</code></body></html>"
            ),
        );
    }
    let mut p = vec![("code", code.as_str())];
    if let Some(s) = st {
        p.push(("state", s));
    }
    redirect_to(redirect_uri, &p)
}

/// Parameters of a token or revoke call: JSON or form body, plus HTTP Basic client auth.
fn params(ctx: &Ctx<'_>) -> Option<HashMap<String, String>> {
    let ct = ctx
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let trimmed = ctx.body.iter().find(|b| !b.is_ascii_whitespace());
    let is_json = ct.starts_with("application/json") || (ct.is_empty() && trimmed == Some(&b'{'));
    let mut out: HashMap<String, String> = if is_json {
        if ctx.body.iter().all(u8::is_ascii_whitespace) {
            HashMap::new()
        } else {
            match serde_json::from_slice::<Value>(&ctx.body).ok()? {
                Value::Object(o) => o
                    .into_iter()
                    .filter_map(|(k, v)| match v {
                        Value::String(s) => Some((k, s)),
                        Value::Number(n) => Some((k, n.to_string())),
                        Value::Bool(b) => Some((k, b.to_string())),
                        _ => None,
                    })
                    .collect(),
                _ => return None,
            }
        }
    } else {
        url::form_urlencoded::parse(&ctx.body)
            .into_owned()
            .collect()
    };
    if let Some((id, secret)) = basic_auth(ctx.headers) {
        out.entry("client_id".into()).or_insert(id);
        out.entry("client_secret".into()).or_insert(secret);
    }
    Some(out)
}

fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, b64) = v.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let s = String::from_utf8(raw).ok()?;
    let (id, secret) = s.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

fn token(state: &State, ctx: &Ctx<'_>) -> Resp {
    let params = params(ctx);
    let grant = params
        .as_ref()
        .and_then(|p| p.get("grant_type"))
        .map(String::as_str);
    state.counters.token_call(match grant {
        Some("authorization_code") => GrantKind::AuthorizationCode,
        Some("refresh_token") => GrantKind::RefreshToken,
        Some("client_credentials") => GrantKind::ClientCredentials,
        _ => GrantKind::Other,
    });
    let r = token_inner(state, params.as_ref());
    if !r.status().is_success() {
        state.counters.token_error();
    }
    r
}

fn token_inner(state: &State, params: Option<&HashMap<String, String>>) -> Resp {
    let Some(p) = params else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The request body could not be parsed.",
        );
    };
    let get = |k: &str| p.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let Some(grant) = get("grant_type") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: grant_type.",
        );
    };
    if !matches!(
        grant,
        "authorization_code" | "refresh_token" | "client_credentials"
    ) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server.",
        );
    }
    match (get("client_id"), get("client_secret")) {
        (Some(id), Some(secret)) if state.client_ok(id, secret) => {}
        _ => return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", INVALID_CLIENT),
    }
    let invalid_grant = || oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", INVALID_GRANT);
    let missing = |what: &str| {
        oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!("Missing required parameter: {what}."),
        )
    };
    let cfg = state.config();
    let issued = match grant {
        "authorization_code" => {
            let (Some(code), Some(redirect_uri)) = (get("code"), get("redirect_uri")) else {
                return missing(if get("code").is_none() {
                    "code"
                } else {
                    "redirect_uri"
                });
            };
            // Single use: any attempt by the valid client burns the code.
            let Some(entry) = state.codes.lock_ok().remove(code) else {
                return invalid_grant();
            };
            if entry.expires_at <= SystemTime::now() || entry.redirect_uri != redirect_uri {
                return invalid_grant();
            }
            match (&entry.challenge, get("code_verifier")) {
                (None, None) => {}
                (None, Some(_)) => return invalid_grant(),
                (Some(_), None) => return missing("code_verifier"),
                (Some((challenge, method)), Some(verifier)) => {
                    if !pkce_ok(challenge, method, verifier) {
                        return invalid_grant();
                    }
                }
            }
            state.issue(Principal::User, None)
        }
        "refresh_token" => {
            let Some(rt) = get("refresh_token") else {
                return missing("refresh_token");
            };
            match state
                .tokens
                .refresh(rt, cfg.access_token_ttl, cfg.revoke_access_on_refresh)
            {
                Some(t) => {
                    state.counters.token_issued();
                    t
                }
                None => return invalid_grant(),
            }
        }
        _ => state.issue(Principal::Client, None),
    };
    let mut r = json(StatusCode::OK, &issued);
    no_store(&mut r);
    r
}

fn pkce_ok(challenge: &str, method: &str, verifier: &str) -> bool {
    if !(43..=128).contains(&verifier.len()) {
        return false;
    }
    if method == "plain" {
        return verifier == challenge;
    }
    let digest = Sha256::digest(verifier.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest) == challenge
}

fn revoke(state: &State, ctx: &Ctx<'_>) -> Resp {
    let Some(p) = params(ctx) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The request body could not be parsed.",
        );
    };
    let get = |k: &str| p.get(k).map(String::as_str).filter(|v| !v.is_empty());
    match (get("client_id"), get("client_secret")) {
        (Some(id), Some(secret)) if state.client_ok(id, secret) => {}
        _ => return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", INVALID_CLIENT),
    }
    if let Some(t) = get("token") {
        state.tokens.revoke(t);
    }
    state.counters.revocation();
    json(StatusCode::OK, &serde_json::json!({}))
}

#[derive(Serialize)]
struct TokenInfo<'a> {
    resource_owner_id: u64,
    scope: [&'a str; 0],
    expires_in: Option<u64>,
    application: App<'a>,
    created_at: i64,
}

#[derive(Serialize)]
struct App<'a> {
    uid: &'a str,
}

fn token_info(state: &State, ctx: &Ctx<'_>) -> Resp {
    let Some(info) = bearer(ctx.headers).and_then(|t| state.authenticate(t)) else {
        let mut r = oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "The access token is invalid",
        );
        if let Some(v) = unauthorized().headers().get(header::WWW_AUTHENTICATE) {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, v.clone());
        }
        return r;
    };
    let expires_in = info.expires_at.map(|e| {
        e.duration_since(SystemTime::now())
            .map(|d| d.as_secs())
            .unwrap_or(0)
    });
    json(
        StatusCode::OK,
        &TokenInfo {
            resource_owner_id: match info.principal {
                Principal::User => USER_ID,
                Principal::Client => SERVICE_ACCOUNT_ID,
            },
            scope: [],
            expires_in,
            application: App {
                uid: &state.client_id,
            },
            created_at: info.created_at,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects() {
        assert!(redirect_ok("http://127.0.0.1:8765/callback"));
        assert!(redirect_ok("http://localhost/cb?x=1"));
        assert!(redirect_ok(OOB));
        assert!(!redirect_ok("https://127.0.0.1:8765/callback"));
        assert!(!redirect_ok("http://evil.example/cb"));
        assert!(!redirect_ok("http://127.0.0.1.evil.example/cb"));
    }

    #[test]
    fn pkce() {
        // RFC 7636 appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_ok(challenge, "S256", verifier));
        assert!(!pkce_ok(challenge, "S256", &verifier.replace('d', "e")));
        assert!(pkce_ok(verifier, "plain", verifier));
    }
}
