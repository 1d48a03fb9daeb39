//! A successful answer: status, headers, the raw body (parsed on demand), the rate-limit
//! snapshot and the request id, plus what the pipeline did to get it.

use std::time::Duration;

use bytes::Bytes;
use http::HeaderMap;
use serde::de::DeserializeOwned;

use crate::error::{decode_error, Result};
use crate::limit::RateLimitSnapshot;

/// A 2xx/3xx answer. The body is kept as bytes and parsed when asked, so large ids stay exact
/// (`serde_json` keeps integers as `u64`/`i64`) and unused bodies cost nothing.
#[derive(Clone, Debug)]
pub struct Response {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) rate_limit: Option<RateLimitSnapshot>,
    pub(crate) attempts: u32,
    pub(crate) waited: Duration,
}

impl Response {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// All response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The headers as text, the one form every binding shows: names in lower case, in the
    /// order of first appearance; a repeated header's values joined with `", "`; bytes that
    /// are not UTF-8 replaced (U+FFFD) rather than dropped.
    pub fn header_pairs(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::with_capacity(self.headers.keys_len());
        for name in self.headers.keys() {
            let joined = self
                .headers
                .get_all(name)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()))
                .collect::<Vec<_>>()
                .join(", ");
            out.push((name.as_str().to_owned(), joined));
        }
        out
    }

    /// One header as text, if present and valid text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The raw body.
    pub fn bytes(&self) -> &Bytes {
        &self.body
    }

    /// The body as text (lossy for invalid UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body decoded as `T`; a `decode` error with an excerpt when it is not valid JSON of
    /// that shape. An empty body (204) decodes as JSON `null`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        let body: &[u8] = if self.body.iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            &self.body
        };
        serde_json::from_slice(body).map_err(|e| decode_error(self.status, &self.body, &e))
    }

    /// The body as a JSON value.
    pub fn json_value(&self) -> Result<serde_json::Value> {
        self.json()
    }

    /// The rate-limit window this answer reported, if it did.
    pub fn rate_limit(&self) -> Option<&RateLimitSnapshot> {
        self.rate_limit.as_ref()
    }

    /// `X-Request-Id`, for Procore support (read from the headers when asked).
    pub fn request_id(&self) -> Option<&str> {
        crate::transport::request_id_in(&self.headers)
    }

    /// Attempts made for this call (1 when nothing was retried).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Retries made for this call.
    pub fn retries(&self) -> u32 {
        self.attempts.saturating_sub(1)
    }

    /// Time spent waiting for the rate budget and in backoff.
    pub fn waited(&self) -> Duration {
        self.waited
    }

    /// `Deprecation`, `Sunset` or `Warning` headers, should Procore ever send them.
    pub fn deprecation_notice(&self) -> Option<String> {
        let parts: Vec<String> = ["deprecation", "sunset", "warning"]
            .iter()
            .filter_map(|h| self.header(h).map(|v| format!("{h}: {v}")))
            .collect();
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}
