//! One error type for the whole SDK.
//!
//! Every variant has a stable string [`Error::code`] that the bindings expose unchanged
//! (`e.code == "app_not_connected"` in Python, `err.code` in TypeScript, the Kotlin exception's
//! `code`), so callers can branch on what they can act on without parsing messages.
//!
//! No variant ever carries a token or a client secret: the only server text kept is the
//! response body, which Procore never fills with credentials.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, SystemTime};

/// The parts of an HTTP error answer that are worth keeping.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ApiError {
    /// HTTP status of the answer.
    pub status: u16,
    /// A human-readable message taken from the body (`message`, `errors`, `error.message`, ...),
    /// or the status's reason phrase.
    pub message: String,
    /// `X-Request-Id` of the answer, for Procore support.
    pub request_id: Option<String>,
    /// The parsed JSON body, when the body was JSON.
    pub body: Option<serde_json::Value>,
    /// When the server said to try again (`Retry-After` of a 503 that was too far off to wait for).
    pub retry_at: Option<SystemTime>,
    /// The `Location` of a 3xx answer (redirects are never followed: they could carry the
    /// bearer token to another host).
    pub location: Option<String>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}: {}", self.status, self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

/// Field -> messages, as in a Procore 422 body `{"errors": {"subject": ["can't be blank"]}}`.
/// A plain string error is kept under the key `"base"`.
pub type ValidationErrors = BTreeMap<String, Vec<String>>;

/// Every way a call can fail.
///
/// # Examples
///
/// Branch on what can be acted on; [`Error::code`] is the same string in every binding:
///
/// ```no_run
/// # async fn demo(client: procore::Client) -> procore::Result<()> {
/// use procore::Error;
/// use serde_json::json;
///
/// let sent = client
///     .post("projects/77/rfis")
///     .json(&json!({ "rfi": { "subject": "" } }))
///     .send()
///     .await;
/// match sent {
///     Ok(r) => println!("created: {}", r.text()),
///     Err(Error::Validation { errors, .. }) => {
///         for (field, messages) in &errors {
///             println!("{field}: {}", messages.join(", "));
///         }
///     }
///     Err(Error::AppNotConnected(api)) => {
///         println!("connect the app in App Management (request {:?})", api.request_id)
///     }
///     Err(e @ Error::ReauthorizationRequired { .. }) => println!("log in again: {e}"),
///     Err(e) => return Err(e),
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// 401 that a refresh could not cure (or a credential that cannot refresh).
    #[error("unauthorized: {0}")]
    Unauthorized(Box<ApiError>),

    /// The refresh token is gone (used, revoked, or its answer was lost): the user must
    /// authorize the app again. The token store was left as it was.
    #[error("reauthorization required: {reason}")]
    ReauthorizationRequired {
        /// Why the token set cannot be used any more (e.g. the refresh token was refused,
        /// or the store is empty).
        reason: String,
    },

    /// 403 other than a disconnected app: no permission, tool disabled, out of scope.
    #[error("forbidden: {0}")]
    Forbidden(Box<ApiError>),

    /// 403 "App is not connected to this company": reconnect the app in App Management.
    #[error("app not connected to this company: {0}")]
    AppNotConnected(Box<ApiError>),

    /// 404: not found, or not visible to this user.
    #[error("not found: {0}")]
    NotFound(Box<ApiError>),

    /// 422: the body did not validate. `errors` maps fields to messages.
    #[error("validation failed: {api}")]
    Validation {
        /// The 422 answer itself.
        api: Box<ApiError>,
        /// The messages of the body's `errors`, by field.
        errors: ValidationErrors,
    },

    /// 400: the request itself was malformed (e.g. a missing `Procore-Company-Id`).
    #[error("bad request: {0}")]
    BadRequest(Box<ApiError>),

    /// 429, or a wait for the rate budget longer than the configured maximum.
    /// `retry_at` is when the budget is expected back.
    #[error("rate limited{}", retry_at.map(|t| format!(" until {}", httpdate::fmt_http_date(t))).unwrap_or_default())]
    RateLimited {
        /// When the rate budget is expected back, if the server or the limiter knows.
        retry_at: Option<SystemTime>,
        /// The 429 answer, or `None` when the limiter refused to wait before sending.
        api: Option<Box<ApiError>>,
    },

    /// 5xx that outlasted the retries (or was not retryable for this method).
    #[error("server error: {0}")]
    Server(Box<ApiError>),

    /// Any other HTTP error status (405, 406, 409, ...).
    #[error("http error: {0}")]
    Http(Box<ApiError>),

    /// The request (or the call's overall deadline) timed out.
    #[error("timed out after {elapsed:?}: {message}")]
    Timeout {
        /// How long the attempt (or the whole call, for a deadline) had run.
        elapsed: Duration,
        /// What timed out (the transport's description, or what the call was waiting for).
        message: String,
    },

    /// The connection failed: refused, reset, DNS, TLS.
    #[error("network error: {message}")]
    Network {
        /// The transport's description of the failure.
        message: String,
        /// True when the request provably never left (connection refused / not connected).
        not_sent: bool,
    },

    /// The SDK was configured or called wrongly (bad URL, bad argument).
    #[error("configuration error: {0}")]
    Config(String),

    /// An answer that could not be decoded: invalid or truncated JSON, HTML from a proxy.
    #[error("could not decode the answer (HTTP {status}): {message}; body starts: {excerpt:?}")]
    Decode {
        /// The HTTP status of the answer (0 when the bytes did not come from an HTTP answer,
        /// such as a webhook body).
        status: u16,
        /// What was wrong: empty, truncated or invalid JSON, HTML, or an unexpected shape.
        message: String,
        /// The start of the body, to show what arrived instead.
        excerpt: String,
    },

    /// The OAuth server refused a grant for a reason other than a dead refresh token
    /// (`invalid_client`, `invalid_request`, `unsupported_grant_type`, a bad code, ...).
    #[error("oauth error {error}: {description}")]
    OAuth {
        /// The HTTP status of the token endpoint's answer.
        status: u16,
        /// The OAuth `error` code (`invalid_client`, `invalid_request`, ...).
        error: String,
        /// The server's `error_description`, if any.
        description: String,
    },

    /// The token store could not be read or written (corrupt file, permissions, I/O).
    #[error("token store error: {0}")]
    Store(String),

    /// The OAuth `state` returned to the redirect did not match the one sent.
    #[error("the OAuth state did not match: possible CSRF, the login was refused")]
    StateMismatch,

    /// A call of a catalog operation that cannot succeed (a path parameter, a required query
    /// parameter or a required body field missing, or a value of the wrong JSON type),
    /// refused before anything was sent. `problems` maps each place (`path.project_id`,
    /// `body.rfi.subject`) to what is wrong there.
    #[error("invalid call of {operation}: {}", describe_problems(problems))]
    InvalidCall {
        /// The catalog id of the operation that was called.
        operation: String,
        /// What is wrong, by place (`path.project_id`, `query.x`, `body.rfi.subject`).
        problems: ValidationErrors,
    },

    /// A file upload failed: a segment the object store still refused after its resends (named
    /// by `segment`, 1-based, of `segments`), or an upload Procore did not make available.
    #[error("upload failed{}: {message}", describe_upload(upload_id.as_deref(), *segment, *segments, *attempts))]
    Upload {
        /// The id Procore gave the upload (`upload_id` or `uuid`), when it was created.
        upload_id: Option<String>,
        /// The segment that failed, 1-based; `None` when the upload as a whole failed (it
        /// never became `available`).
        segment: Option<usize>,
        /// How many segments the upload has (0 when no segment failed).
        segments: usize,
        /// How many times the failed segment was sent, the first time included.
        attempts: u32,
        /// The object store's HTTP status for the last attempt, when it answered.
        status: Option<u16>,
        /// What went wrong (the store's error text, a transport fault, or the upload's status).
        message: String,
    },
}

fn describe_upload(
    id: Option<&str>,
    segment: Option<usize>,
    segments: usize,
    attempts: u32,
) -> String {
    let mut s = String::new();
    if let Some(n) = segment {
        s.push_str(&format!(" at segment {n} of {segments}"));
        s.push_str(&format!(
            " after {attempts} attempt{}",
            if attempts == 1 { "" } else { "s" }
        ));
    }
    if let Some(id) = id {
        s.push_str(&format!(" (upload {id})"));
    }
    s
}

fn describe_problems(problems: &ValidationErrors) -> String {
    problems
        .iter()
        .map(|(k, v)| format!("{k} {}", v.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Declares [`ErrorCode`], [`Error::kind`] and [`Error::CODES`] from one list, so that the
/// codes every binding exports cannot drift from the variants.
macro_rules! error_codes {
    ($( $(#[$doc:meta])* $kind:ident = $code:literal <= $pat:pat ),+ $(,)?) => {
        /// The stable kind of an [`Error`]; [`ErrorCode::as_str`] is the string code every
        /// binding shares (`not_found`, `validation`, ...).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $( $(#[$doc])* $kind, )+
        }

        impl ErrorCode {
            /// Every kind, in a fixed order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$kind),+];

            /// The string code.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$kind => $code,)+
                }
            }

            /// The kind of a string code.
            pub fn from_code(code: &str) -> Option<ErrorCode> {
                match code {
                    $($code => Some(ErrorCode::$kind),)+
                    _ => None,
                }
            }
        }

        impl Error {
            /// The kind of this error.
            pub fn kind(&self) -> ErrorCode {
                match self {
                    $($pat => ErrorCode::$kind,)+
                }
            }

            /// Every code [`Error::code`] can return, for bindings that generate one class per
            /// code.
            pub const CODES: &'static [&'static str] = &[$($code),+];
        }
    };
}

error_codes! {
    /// 401 that a refresh could not cure.
    Unauthorized = "unauthorized" <= Error::Unauthorized(_),
    /// The refresh token is gone: the user must authorize the app again.
    ReauthorizationRequired = "reauthorization_required" <= Error::ReauthorizationRequired { .. },
    /// 403 other than a disconnected app.
    Forbidden = "forbidden" <= Error::Forbidden(_),
    /// 403 "App is not connected to this company".
    AppNotConnected = "app_not_connected" <= Error::AppNotConnected(_),
    /// 404.
    NotFound = "not_found" <= Error::NotFound(_),
    /// 422.
    Validation = "validation" <= Error::Validation { .. },
    /// 400.
    BadRequest = "bad_request" <= Error::BadRequest(_),
    /// 429, or a wait for the budget longer than allowed.
    RateLimited = "rate_limited" <= Error::RateLimited { .. },
    /// 5xx that outlasted the retries.
    Server = "server" <= Error::Server(_),
    /// Any other HTTP error status.
    Http = "http" <= Error::Http(_),
    /// The request or the call's deadline timed out.
    Timeout = "timeout" <= Error::Timeout { .. },
    /// The connection failed.
    Network = "network" <= Error::Network { .. },
    /// The SDK was configured or called wrongly.
    Config = "config" <= Error::Config(_),
    /// An answer that could not be decoded.
    Decode = "decode" <= Error::Decode { .. },
    /// The OAuth server refused a grant.
    Oauth = "oauth" <= Error::OAuth { .. },
    /// The token store failed.
    Store = "store" <= Error::Store(_),
    /// The OAuth `state` did not match.
    StateMismatch = "state_mismatch" <= Error::StateMismatch,
    /// A catalog operation called without what it needs (nothing was sent).
    InvalidCall = "invalid_call" <= Error::InvalidCall { .. },
    /// A file upload failed (a segment refused after its resends, or never available).
    Upload = "upload" <= Error::Upload { .. },
}

impl Error {
    /// The stable string code of this error, shared by every language binding.
    pub fn code(&self) -> &'static str {
        self.kind().as_str()
    }

    /// The HTTP status behind this error, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Decode { status, .. } | Error::OAuth { status, .. } => Some(*status),
            Error::Upload { status, .. } => *status,
            Error::RateLimited { api, .. } => api.as_ref().map(|a| a.status).or(Some(429)),
            _ => self.api().map(|a| a.status),
        }
    }

    /// The HTTP answer behind this error, when there was one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Unauthorized(a)
            | Error::Forbidden(a)
            | Error::AppNotConnected(a)
            | Error::NotFound(a)
            | Error::BadRequest(a)
            | Error::Server(a)
            | Error::Http(a) => Some(a),
            Error::Validation { api, .. } => Some(api),
            Error::RateLimited { api, .. } => api.as_deref(),
            _ => None,
        }
    }

    /// `X-Request-Id` of the answer behind this error.
    pub fn request_id(&self) -> Option<&str> {
        self.api().and_then(|a| a.request_id.as_deref())
    }

    /// The parsed JSON body of the answer behind this error.
    pub fn body(&self) -> Option<&serde_json::Value> {
        self.api().and_then(|a| a.body.as_ref())
    }

    /// For `validation` errors: field -> messages; for `invalid_call`: place -> problems.
    pub fn validation_errors(&self) -> Option<&ValidationErrors> {
        match self {
            Error::Validation { errors, .. } => Some(errors),
            Error::InvalidCall { problems, .. } => Some(problems),
            _ => None,
        }
    }

    /// For `rate_limited` errors: when the budget is expected back; for `server` errors: when
    /// the server's `Retry-After` said to come back, if it said.
    pub fn retry_at(&self) -> Option<SystemTime> {
        match self {
            Error::RateLimited { retry_at, .. } => *retry_at,
            _ => self.api().and_then(|a| a.retry_at),
        }
    }

    /// For `oauth` errors: the OAuth error code the token endpoint sent (`invalid_client`,
    /// `invalid_request`, ...), or `http_{status}` when it sent none.
    pub fn oauth_error(&self) -> Option<&str> {
        match self {
            Error::OAuth { error, .. } => Some(error),
            _ => None,
        }
    }

    pub(crate) fn config(msg: impl Into<String>) -> Self {
        Error::Config(msg.into())
    }
}

/// Result alias used throughout the SDK.
pub type Result<T, E = Error> = std::result::Result<T, E>;

const NOT_CONNECTED: &str = "app is not connected to this company";

/// Turns an HTTP error answer into the matching [`Error`].
/// The body is parsed leniently: a non-JSON body still yields a useful error.
pub(crate) fn from_status(status: u16, request_id: Option<String>, body: &[u8]) -> Error {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let message = parsed
        .as_ref()
        .and_then(message_of)
        .unwrap_or_else(|| fallback_message(status, body));
    let api = Box::new(ApiError {
        status,
        message,
        request_id,
        body: parsed,
        retry_at: None,
        location: None,
    });
    match status {
        400 => Error::BadRequest(api),
        401 => Error::Unauthorized(api),
        403 if is_not_connected(&api) => Error::AppNotConnected(api),
        403 => Error::Forbidden(api),
        404 => Error::NotFound(api),
        422 => {
            let errors = api
                .body
                .as_ref()
                .map(validation_errors_of)
                .unwrap_or_default();
            Error::Validation { api, errors }
        }
        429 => Error::RateLimited {
            retry_at: None,
            api: Some(api),
        },
        500..=599 => Error::Server(api),
        _ => Error::Http(api),
    }
}

fn is_not_connected(api: &ApiError) -> bool {
    if api.message.to_ascii_lowercase().contains(NOT_CONNECTED) {
        return true;
    }
    api.body
        .as_ref()
        .map(|b| b.to_string().to_ascii_lowercase().contains(NOT_CONNECTED))
        .unwrap_or(false)
}

/// The most useful message in a Procore error body, whatever its style.
fn message_of(body: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    let obj = body.as_object()?;
    let text = |v: &Value| v.as_str().map(str::to_owned).filter(|s| !s.is_empty());
    if let Some(m) = obj.get("message").and_then(text) {
        return Some(m);
    }
    match obj.get("error") {
        // REST v2 style: {"error": {"code", "message", "details"}}
        Some(Value::Object(e)) => {
            if let Some(m) = e.get("message").and_then(text) {
                return Some(m);
            }
        }
        // OAuth style: {"error": "invalid_grant", "error_description": "..."}
        Some(Value::String(e)) => {
            return Some(
                obj.get("error_description")
                    .and_then(text)
                    .map(|d| format!("{e}: {d}"))
                    .unwrap_or_else(|| e.clone()),
            );
        }
        _ => {}
    }
    match obj.get("errors") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Object(map)) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k} {}", join_messages(v)))
                .collect();
            (!parts.is_empty()).then(|| parts.join("; "))
        }
        Some(Value::Array(a)) => {
            let parts: Vec<String> = a.iter().map(join_messages).collect();
            (!parts.is_empty()).then(|| parts.join("; "))
        }
        _ => None,
    }
}

fn join_messages(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(a) => a.iter().map(join_messages).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

fn validation_errors_of(body: &serde_json::Value) -> ValidationErrors {
    use serde_json::Value;
    let mut out = ValidationErrors::new();
    let as_list = |v: &Value| -> Vec<String> {
        match v {
            Value::Array(a) => a.iter().map(join_messages).collect(),
            other => vec![join_messages(other)],
        }
    };
    match body.get("errors") {
        Some(Value::Object(map)) => {
            for (k, v) in map {
                out.insert(k.clone(), as_list(v));
            }
        }
        Some(Value::String(s)) => {
            out.insert("base".into(), vec![s.clone()]);
        }
        Some(Value::Array(a)) => {
            out.insert("base".into(), a.iter().map(join_messages).collect());
        }
        _ => {
            if let Some(m) = body.get("message").and_then(Value::as_str) {
                out.insert("base".into(), vec![m.to_owned()]);
            }
        }
    }
    out
}

fn fallback_message(status: u16, body: &[u8]) -> String {
    let reason = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("unexpected status");
    let ex = excerpt(body);
    if ex.is_empty() {
        reason.to_owned()
    } else {
        format!("{reason} (body starts: {ex:?})")
    }
}

/// The first characters of a body, made safe for a one-line message.
pub(crate) fn excerpt(body: &[u8]) -> String {
    const MAX: usize = 120;
    let text = String::from_utf8_lossy(&body[..body.len().min(MAX * 4)]);
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX)
        .collect();
    if text.chars().count() > MAX {
        out.push('…');
    }
    out.trim().to_owned()
}

/// A `decode` error for a body that should have been JSON.
pub(crate) fn decode_error(status: u16, body: &[u8], err: &serde_json::Error) -> Error {
    let message = if body.is_empty() {
        "empty body where JSON was expected".to_owned()
    } else if err.is_eof() {
        format!("truncated JSON ({err})")
    } else if body.first().map(|b| *b == b'<').unwrap_or(false) {
        "HTML where JSON was expected (a proxy or error page?)".to_owned()
    } else {
        format!("invalid JSON ({err})")
    };
    Error::Decode {
        status,
        message,
        excerpt: excerpt(body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_connected_is_its_own_code() {
        let e = from_status(
            403,
            Some("r1".into()),
            br#"{"errors":"App is not connected to this company"}"#,
        );
        assert_eq!(e.code(), "app_not_connected");
        assert_eq!(e.request_id(), Some("r1"));
        let e = from_status(403, None, br#"{"message":"You do not have access"}"#);
        assert_eq!(e.code(), "forbidden");
    }

    #[test]
    fn validation_map_is_parsed() {
        let e = from_status(
            422,
            None,
            br#"{"errors":{"subject":["can't be blank"],"due":"bad"}}"#,
        );
        let errs = e.validation_errors().expect("validation");
        assert_eq!(errs["subject"], vec!["can't be blank".to_string()]);
        assert_eq!(errs["due"], vec!["bad".to_string()]);
        assert!(e.to_string().contains("subject can't be blank"));
    }

    #[test]
    fn html_body_still_gives_message() {
        let e = from_status(502, None, b"<html><body>Bad gateway</body></html>");
        assert_eq!(e.code(), "server");
        assert!(e.to_string().contains("Bad Gateway"));
    }

    #[test]
    fn every_code_is_listed() {
        let e = from_status(409, None, b"");
        assert!(Error::CODES.contains(&e.code()));
    }
}
