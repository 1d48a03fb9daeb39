//! The one error of the bindings, mirroring `procore::Error` (core `error.rs`).
//!
//! `ProcoreError` is an object thrown as an error: Kotlin sees one `ProcoreException` class
//! (usable from Java) and Swift one `ProcoreError` class, each with `code()` (the core's
//! [`procore::ErrorCode`], an enum generated from the core's own list), `status()`,
//! `requestId()` and the other details as methods on the class itself. So no foreign code
//! switches over 17 subclasses to read a field. No detail ever holds a token or a client
//! secret: the core never puts one in an error.
//!
//! A custom token store written in Kotlin or Swift reports its failures with the small
//! [`StoreError`] error instead (see stores.rs).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::UNIX_EPOCH;

pub use procore::ErrorCode;

/// The core's error kinds, exported as they are (a variant added in the core and not here is
/// a compile error). `ProcoreError.code()` returns one; `codeName()` its stable string.
///
/// Example:
///
/// ```kotlin
/// val project = try { client.get("projects/1") } catch (e: ProcoreException) { if (e.code() == ErrorCode.NOT_FOUND) null else throw e }
/// ```
///
/// ```swift
/// switch error.code() {
/// case .notFound: return nil
/// case .reauthorizationRequired: showLogin()
/// default: throw error
/// }
/// ```
#[uniffi::remote(Enum)]
pub enum ErrorCode {
    /// 401 that a refresh could not cure (or a credential that cannot refresh).
    Unauthorized,
    /// The refresh token is gone: the user must authorize the app again.
    ReauthorizationRequired,
    /// 403: no permission, tool disabled, out of scope.
    Forbidden,
    /// 403 "App is not connected to this company": reconnect it in App Management.
    AppNotConnected,
    /// 404: not found, or not visible to this user.
    NotFound,
    /// 422: the body did not validate (`validationErrors()`).
    Validation,
    /// 400: the request was malformed (e.g. a missing company id).
    BadRequest,
    /// 429, or a wait for the rate budget longer than allowed (`retryAtUnix()`).
    RateLimited,
    /// 5xx that outlasted the retries.
    Server,
    /// Any other HTTP error status (405, 409, ...).
    Http,
    /// The request, or the call's overall deadline, timed out.
    Timeout,
    /// The connection failed: refused, reset, DNS, TLS.
    Network,
    /// The SDK was configured or called wrongly (a closed client too).
    Config,
    /// An answer that could not be decoded (invalid JSON, an HTML page).
    Decode,
    /// The OAuth server refused a grant (`oauthError()`).
    Oauth,
    /// The token store could not be read or written.
    Store,
    /// The OAuth `state` that came back did not match the one sent.
    StateMismatch,
    /// A catalog operation called without what it needs (nothing was sent).
    InvalidCall,
    /// A file upload failed (`uploadFailure()`).
    Upload,
}

/// Why a call failed: a stable [`ErrorCode`] and the details of the answer behind it. Thrown
/// as `ProcoreException` in Kotlin and `ProcoreError` in Swift, by every call of the SDK.
///
/// Example:
///
/// ```kotlin
/// try { client.get("projects/1") } catch (e: ProcoreException) { println("${e.codeName()} ${e.status()} ${e.requestId()}: ${e.reason()}") }
/// ```
///
/// ```swift
/// do { _ = try await client.get(path: "projects/1") } catch let error as ProcoreError { print(error.codeName(), error.requestId() ?? "-", error.reason()) }
/// ```
#[derive(Debug, thiserror::Error, uniffi::Object)]
#[error("{reason}")]
#[uniffi::export(Debug, Display)]
pub struct ProcoreError {
    kind: ErrorCode,
    reason: String,
    status: Option<u16>,
    request_id: Option<String>,
    body: Option<String>,
    validation_errors: HashMap<String, Vec<String>>,
    retry_at_unix: Option<i64>,
    oauth_error: Option<String>,
    upload: Option<UploadFailure>,
}

/// Where an upload failed (for `UPLOAD`).
///
/// Example:
///
/// ```kotlin
/// e.uploadFailure()?.let { println("segment ${it.segment} of ${it.segments} after ${it.attempts} tries") }
/// ```
///
/// ```swift
/// if let f = error.uploadFailure() { print(f.uploadId ?? "-", f.segment ?? 0, f.segments, f.attempts) }
/// ```
#[derive(uniffi::Record, Clone, Debug)]
pub struct UploadFailure {
    /// The upload's id, when one was created.
    pub upload_id: Option<String>,
    /// The 1-based segment the object store still refused after its resends.
    pub segment: Option<u32>,
    /// Segments in all.
    pub segments: u32,
    /// Tries made for that segment.
    pub attempts: u32,
}

#[uniffi::export]
impl ProcoreError {
    /// The stable kind (`NOT_FOUND`, `VALIDATION`, ...).
    ///
    /// Example:
    ///
    /// ```kotlin
    /// if (e.code() == ErrorCode.RATE_LIMITED) retryLater()
    /// ```
    ///
    /// ```swift
    /// if error.code() == .rateLimited { retryLater() }
    /// ```
    pub fn code(&self) -> ErrorCode {
        self.kind
    }

    /// The stable string code (`not_found`, `validation`, ...), shared by every binding.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// metrics.increment("procore.error.${e.codeName()}")
    /// ```
    ///
    /// ```swift
    /// log("procore error \(error.codeName())")
    /// ```
    pub fn code_name(&self) -> String {
        self.kind.as_str().to_owned()
    }

    /// A human-readable message (never contains a secret).
    ///
    /// Example:
    ///
    /// ```kotlin
    /// log.warn(e.reason())
    /// ```
    ///
    /// ```swift
    /// print(error.reason())
    /// ```
    pub fn reason(&self) -> String {
        self.reason.clone()
    }

    /// The HTTP status behind the error, when there was an answer.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val status: UShort? = e.status()
    /// ```
    ///
    /// ```swift
    /// let status: UInt16? = error.status()
    /// ```
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// `X-Request-Id` of the answer, for Procore support.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// log.warn("procore request ${e.requestId()}")
    /// ```
    ///
    /// ```swift
    /// print("procore request", error.requestId() ?? "-")
    /// ```
    pub fn request_id(&self) -> Option<String> {
        self.request_id.clone()
    }

    /// The answer's body as JSON text, when it was JSON.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val body = e.body()?.let { parseJson(it) }
    /// ```
    ///
    /// ```swift
    /// let body = error.body()
    /// ```
    pub fn body(&self) -> Option<String> {
        self.body.clone()
    }

    /// For `VALIDATION`: field -> messages.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// e.validationErrors().forEach { (field, messages) -> println("$field: ${messages.joinToString()}") }
    /// ```
    ///
    /// ```swift
    /// for (field, messages) in error.validationErrors() { print(field, messages) }
    /// ```
    pub fn validation_errors(&self) -> HashMap<String, Vec<String>> {
        self.validation_errors.clone()
    }

    /// For `RATE_LIMITED` (and a 503 with a long `Retry-After`): when to try again, Unix seconds.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// e.retryAtUnix()?.let { delay(it * 1000 - System.currentTimeMillis()) }
    /// ```
    ///
    /// ```swift
    /// if let at = error.retryAtUnix() { print("retry at", Date(timeIntervalSince1970: TimeInterval(at))) }
    /// ```
    pub fn retry_at_unix(&self) -> Option<i64> {
        self.retry_at_unix
    }

    /// For `OAUTH`: the OAuth `error` value (`invalid_client`, ...).
    ///
    /// Example:
    ///
    /// ```kotlin
    /// if (e.oauthError() == "invalid_grant") showLogin()
    /// ```
    ///
    /// ```swift
    /// if error.oauthError() == "invalid_grant" { showLogin() }
    /// ```
    pub fn oauth_error(&self) -> Option<String> {
        self.oauth_error.clone()
    }

    /// For `UPLOAD`: the upload, the segment refused and the attempts made.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val failure = e.uploadFailure()
    /// ```
    ///
    /// ```swift
    /// let failure = error.uploadFailure()
    /// ```
    pub fn upload_failure(&self) -> Option<UploadFailure> {
        self.upload.clone()
    }
}

impl ProcoreError {
    fn bare(kind: ErrorCode, reason: String) -> Arc<Self> {
        Arc::new(ProcoreError {
            kind,
            reason,
            status: None,
            request_id: None,
            body: None,
            validation_errors: HashMap::new(),
            retry_at_unix: None,
            oauth_error: None,
            upload: None,
        })
    }

    /// A `config` error with this message.
    pub fn config(reason: impl Into<String>) -> Arc<Self> {
        Self::bare(
            ErrorCode::Config,
            format!("configuration error: {}", reason.into()),
        )
    }

    /// The error of a core failure.
    pub fn from_core(e: procore::Error) -> Arc<Self> {
        Arc::new(ProcoreError {
            kind: e.kind(),
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
            oauth_error: e.oauth_error().map(str::to_owned),
            upload: match &e {
                procore::Error::Upload {
                    upload_id,
                    segment,
                    segments,
                    attempts,
                    ..
                } => Some(UploadFailure {
                    upload_id: upload_id.clone(),
                    segment: segment.map(|s| u32::try_from(s).unwrap_or(u32::MAX)),
                    segments: u32::try_from(*segments).unwrap_or(u32::MAX),
                    attempts: *attempts,
                }),
                _ => None,
            },
        })
    }
}

/// A failure reported by a custom token store (Kotlin `StoreException.Failed`, Swift `StoreError.Failed`).
///
/// Example:
///
/// ```kotlin
/// override suspend fun save(tokens: TokenSet) { if (!prefs.commit("procore", tokens.toJson())) throw StoreException.Failed("keystore write failed") }
/// ```
///
/// ```swift
/// func save(tokens: TokenSet) async throws { guard keychain.set(tokens.toJson(), key: "procore") else { throw StoreError.Failed(reason: "keychain write failed") } }
/// ```
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum StoreError {
    /// The store could not be read or written.
    #[error("{reason}")]
    Failed {
        /// What went wrong (never put a token in it).
        reason: String,
    },
}

/// A foreign store threw something that is not a `StoreException`: a `store` error, never
/// a panic.
impl From<uniffi::UnexpectedUniFFICallbackError> for StoreError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        StoreError::Failed {
            reason: format!("the custom token store failed: {}", e.reason),
        }
    }
}

/// The result of every fallible call of the bindings.
pub type Result<T, E = Arc<ProcoreError>> = std::result::Result<T, E>;

/// `?` on a core result.
pub(crate) trait Core<T> {
    fn ffi(self) -> Result<T>;
}

impl<T> Core<T> for procore::Result<T> {
    fn ffi(self) -> Result<T> {
        self.map_err(ProcoreError::from_core)
    }
}

/// The error of a call on a closed client (`CONFIG`), for the Kotlin `Client` wrapper.
///
/// Example:
///
/// ```kotlin
/// if (closed.get()) throw closedClientError()
/// ```
///
/// ```swift
/// let error = closedClientError()  // error.code() == .config
/// ```
#[uniffi::export]
pub fn closed_client_error() -> Arc<ProcoreError> {
    ProcoreError::config("the client is closed")
}

/// Every stable error code, in the core's order.
///
/// Example:
///
/// ```kotlin
/// check(ErrorCode.NOT_FOUND in errorCodes())
/// ```
///
/// ```swift
/// print(errorCodes().count)
/// ```
#[uniffi::export]
pub fn error_codes() -> Vec<ErrorCode> {
    ErrorCode::ALL.to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_errors_keep_their_code_and_details() {
        let e = ProcoreError::from_core(procore::Error::StateMismatch);
        assert_eq!(e.code(), ErrorCode::StateMismatch);
        assert_eq!(e.code_name(), "state_mismatch");
        let e = ProcoreError::from_core(procore::Error::Config("bad".into()));
        assert_eq!(e.code(), ErrorCode::Config);
        assert!(e.reason().contains("bad"));
        assert_eq!(error_codes().len(), procore::Error::CODES.len());
    }
}
