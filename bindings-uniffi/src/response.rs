//! The `Response` and `RateLimit` records, mirroring core `response.rs`.

use std::collections::HashMap;

use crate::auth::unix_secs;

/// The rate-limit window an answer reported.
///
/// Example:
///
/// ```kotlin
/// client.get("me").rateLimit?.let { println("${it.remaining}/${it.limit} until ${it.resetUnix}") }
/// ```
///
/// ```swift
/// if let rl = try await client.get(path: "me").rateLimit { print(rl.remaining, rl.limit, rl.resetUnix) }
/// ```
#[derive(uniffi::Record, Clone, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed in the window.
    pub limit: u64,
    /// Requests left in the window.
    pub remaining: u64,
    /// When the window resets (Unix seconds).
    pub reset_unix: i64,
}

impl From<&procore::RateLimitSnapshot> for RateLimit {
    fn from(s: &procore::RateLimitSnapshot) -> Self {
        RateLimit {
            limit: s.limit,
            remaining: s.remaining,
            reset_unix: unix_secs(s.reset),
        }
    }
}

/// A successful answer (a failure throws `ProcoreException` in Kotlin, `ProcoreError` in Swift).
///
/// Example:
///
/// ```kotlin
/// val r = client.get("projects", RequestOptions(query = query("company_id" to 8089)))
/// println("${r.statusCode} ${r.requestId} ${r.attempts} ${r.waitedMs}")
/// val projects = r.json().jsonArray
/// ```
///
/// ```swift
/// let r = try await client.get(path: "projects", options: RequestOptions(query: [QueryParam("company_id", 8089)]))
/// print(r.status, r.requestId ?? "-", r.headers["total"] ?? "?")
/// let projects = try r.jsonObject()
/// ```
#[derive(uniffi::Record, Clone, Debug)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// Headers, names in lower case (repeated headers joined with `, `).
    pub headers: HashMap<String, String>,
    /// The body as text: JSON for Procore (empty for a 204).
    pub body: String,
    /// The rate-limit window this answer reported, if it did.
    pub rate_limit: Option<RateLimit>,
    /// `X-Request-Id`, for Procore support.
    pub request_id: Option<String>,
    /// Attempts made for this call (1 when nothing was retried).
    pub attempts: u32,
    /// Time spent waiting for the rate budget and in backoff (ms).
    pub waited_ms: u64,
}

impl From<procore::Response> for Response {
    fn from(r: procore::Response) -> Self {
        Response {
            status: r.status(),
            headers: r.header_pairs().into_iter().collect(),
            body: r.text(),
            rate_limit: r.rate_limit().map(RateLimit::from),
            request_id: r.request_id().map(str::to_owned),
            attempts: r.attempts(),
            waited_ms: u64::try_from(r.waited().as_millis()).unwrap_or(u64::MAX),
        }
    }
}
