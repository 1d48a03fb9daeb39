//! Error conversion: a core [`procore::Error`] becomes a JavaScript `Error` whose message is a
//! tagged JSON payload (code, message, status, request id, body, validation errors, retry
//! time). `index.js` turns that payload into the matching `ProcoreError` subclass, so every
//! field of the core error reaches TypeScript without a second classification in JS.
//!
//! The payload only holds what the core error exposes, and the core never puts a token or a
//! client secret in an error.

use std::time::UNIX_EPOCH;

use napi::{Error, Status};
use serde_json::{json, Value};

/// The prefix `index.js` recognises. Anything else thrown by the native layer is a bug and is
/// re-thrown unchanged.
pub const PAYLOAD_PREFIX: &str = "__procore_error__:";

/// The payload of an error, as JSON.
pub fn payload(e: &procore::Error) -> Value {
    let retry_at_ms = e
        .retry_at()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_millis() as f64);
    let upload = match e {
        procore::Error::Upload {
            upload_id,
            segment,
            segments,
            attempts,
            ..
        } => json!({
            "uploadId": upload_id,
            "segment": segment,
            "segments": segments,
            "attempts": attempts,
        }),
        _ => Value::Null,
    };
    let oauth_error = match e {
        procore::Error::OAuth { error, .. } => Some(error.clone()),
        _ => None,
    };
    json!({
        "code": e.code(),
        "message": e.to_string(),
        "status": e.status(),
        "requestId": e.request_id(),
        "body": e.body(),
        "validationErrors": e.validation_errors(),
        "retryAtMs": retry_at_ms,
        "oauthError": oauth_error,
        "upload": upload,
    })
}

/// A core error as a native error for JavaScript.
pub fn to_napi(e: procore::Error) -> Error {
    Error::new(
        Status::GenericFailure,
        format!("{PAYLOAD_PREFIX}{}", payload(&e)),
    )
}

/// A `config` error for a bad argument given from JavaScript.
pub fn config_error(message: impl Into<String>) -> Error {
    to_napi(config(message))
}

/// A core `config` error (bad argument). The core's constructor is crate-private, so the
/// variant is built directly.
pub fn config(message: impl Into<String>) -> procore::Error {
    procore::Error::Config(message.into())
}

/// Extension: `result.js()?` converts a core result for JavaScript.
pub trait IntoJs<T> {
    fn js(self) -> napi::Result<T>;
}

impl<T> IntoJs<T> for procore::Result<T> {
    fn js(self) -> napi::Result<T> {
        self.map_err(to_napi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_keeps_the_code_and_the_message() {
        let p = payload(&config("bad thing"));
        assert_eq!(p["code"], "config");
        assert!(p["message"].as_str().unwrap_or("").contains("bad thing"));
        assert!(p["status"].is_null());
    }
}
