//! The one error enum of the bindings, mirroring `procore::Error` (core `error.rs`).
//!
//! Kotlin sees a sealed `ProcoreException` with one subclass per stable code
//! (`ProcoreException.NotFound`, ...), Swift an `enum ProcoreError`. Every variant carries the
//! same fields, so the foreign layers can read `code`, `status` and `requestId` from any of
//! them without knowing which one it is. No field ever holds a token or a client secret: the
//! core never puts one in an error.

use std::collections::HashMap;
use std::time::UNIX_EPOCH;

macro_rules! procore_error {
    ($( $(#[$doc:meta])* $variant:ident => $code:literal ),+ $(,)?) => {
        /// Every way a call can fail; `code` is the core's stable string code.
        #[derive(Debug, thiserror::Error, uniffi::Error)]
        pub enum ProcoreError {
            $(
                $(#[$doc])*
                #[error("{code}: {reason}")]
                $variant {
                    /// The stable code (`not_found`, `validation`, ...), shared by every binding.
                    code: String,
                    /// A human-readable message (never contains a secret).
                    reason: String,
                    /// The HTTP status behind the error, when there was an answer.
                    status: Option<u16>,
                    /// `X-Request-Id` of the answer, for Procore support.
                    request_id: Option<String>,
                    /// The answer's body as JSON text, when it was JSON.
                    body: Option<String>,
                    /// For `validation`: field -> messages.
                    validation_errors: HashMap<String, Vec<String>>,
                    /// For `rate_limited`: when the budget is expected back (Unix seconds).
                    retry_at_unix: Option<i64>,
                },
            )+
        }

        impl ProcoreError {
            /// Every code, in the core's order (a Rust test checks it matches `Error::CODES`).
            pub const CODES: &'static [&'static str] = &[$($code),+];

            /// The stable string code.
            pub fn code(&self) -> &str {
                match self {
                    $(ProcoreError::$variant { code, .. } => code,)+
                }
            }

            /// The message.
            pub fn reason(&self) -> &str {
                match self {
                    $(ProcoreError::$variant { reason, .. } => reason,)+
                }
            }

            /// Builds the variant of `code` (unknown codes become `http`, which cannot happen
            /// while the test on `CODES` passes).
            fn build(code: &str, d: Details) -> Self {
                match code {
                    $($code => ProcoreError::$variant {
                        code: $code.to_owned(),
                        reason: d.reason,
                        status: d.status,
                        request_id: d.request_id,
                        body: d.body,
                        validation_errors: d.validation_errors,
                        retry_at_unix: d.retry_at_unix,
                    },)+
                    _ => ProcoreError::Http {
                        code: "http".to_owned(),
                        reason: d.reason,
                        status: d.status,
                        request_id: d.request_id,
                        body: d.body,
                        validation_errors: d.validation_errors,
                        retry_at_unix: d.retry_at_unix,
                    },
                }
            }
        }
    };
}

procore_error! {
    /// 401 that a refresh could not cure (or credentials that cannot refresh).
    Unauthorized => "unauthorized",
    /// The refresh token is gone: the user must authorize the app again.
    ReauthorizationRequired => "reauthorization_required",
    /// 403 other than a disconnected app.
    Forbidden => "forbidden",
    /// 403 "App is not connected to this company".
    AppNotConnected => "app_not_connected",
    /// 404.
    NotFound => "not_found",
    /// 422: see `validation_errors`.
    Validation => "validation",
    /// 400: the request itself was malformed.
    BadRequest => "bad_request",
    /// 429, or a wait for the budget longer than allowed: see `retry_at_unix`.
    RateLimited => "rate_limited",
    /// 5xx that outlasted the retries.
    Server => "server",
    /// Any other HTTP error status.
    Http => "http",
    /// The request or the call's deadline timed out.
    Timeout => "timeout",
    /// The connection failed.
    Network => "network",
    /// The SDK was configured or called wrongly.
    Config => "config",
    /// An answer that could not be decoded.
    Decode => "decode",
    /// The OAuth server refused a grant (other than a dead refresh token).
    OAuth => "oauth",
    /// The token store failed (a custom store's callback included).
    Store => "store",
    /// The OAuth `state` returned to the redirect did not match.
    StateMismatch => "state_mismatch",
}

#[derive(Default)]
struct Details {
    reason: String,
    status: Option<u16>,
    request_id: Option<String>,
    body: Option<String>,
    validation_errors: HashMap<String, Vec<String>>,
    retry_at_unix: Option<i64>,
}

impl ProcoreError {
    /// A `config` error with this message.
    pub fn config(reason: impl Into<String>) -> Self {
        Self::build(
            "config",
            Details {
                reason: reason.into(),
                ..Details::default()
            },
        )
    }

    /// A `store` error with this message.
    pub fn store(reason: impl Into<String>) -> Self {
        Self::build(
            "store",
            Details {
                reason: reason.into(),
                ..Details::default()
            },
        )
    }
}

impl From<procore::Error> for ProcoreError {
    fn from(e: procore::Error) -> Self {
        let details = Details {
            reason: e.to_string(),
            status: e.status(),
            request_id: e.request_id().map(str::to_owned),
            body: e.body().map(|b| b.to_string()),
            validation_errors: e
                .validation_errors()
                .map(|v| v.iter().map(|(k, m)| (k.clone(), m.clone())).collect())
                .unwrap_or_default(),
            retry_at_unix: e.retry_at().map(|t| match t.duration_since(UNIX_EPOCH) {
                Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
                Err(_) => 0,
            }),
        };
        Self::build(e.code(), details)
    }
}

/// A foreign callback (a Kotlin or Swift `TokenStore`) threw something that is not a
/// `ProcoreException`: report it as a `store` error instead of panicking.
impl From<uniffi::UnexpectedUniFFICallbackError> for ProcoreError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        ProcoreError::store(format!("the custom token store failed: {}", e.reason))
    }
}

/// Result alias of the bindings.
pub type Result<T, E = ProcoreError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_the_core() {
        assert_eq!(ProcoreError::CODES, procore::Error::CODES);
        for code in procore::Error::CODES {
            let e = ProcoreError::build(code, Details::default());
            assert_eq!(e.code(), *code);
        }
    }

    #[test]
    fn core_errors_keep_their_code() {
        let e: ProcoreError = procore::Error::StateMismatch.into();
        assert_eq!(e.code(), "state_mismatch");
        assert!(matches!(e, ProcoreError::StateMismatch { .. }));
        let e: ProcoreError = procore::Error::Config("bad".into()).into();
        assert!(matches!(e, ProcoreError::Config { .. }));
        assert!(e.reason().contains("bad"));
    }
}
