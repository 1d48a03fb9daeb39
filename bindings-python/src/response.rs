//! The answer of a call: `Response` and its `RateLimit` snapshot.

use std::time::UNIX_EPOCH;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::errors::IntoPyResult;
use crate::json;

/// One rate-limit window as reported by `X-Rate-Limit-*` (``Response.rate_limit``,
/// ``Page.rate_limit``).
///
/// Example::
///
///     rl = client.get("me").rate_limit
///     if rl is not None and rl.remaining < 10:
///         print(f"{rl.remaining}/{rl.limit} left until {rl.reset}")
#[pyclass(module = "procore", frozen, get_all)]
#[derive(Clone)]
pub struct RateLimit {
    /// Requests allowed in the window.
    pub limit: u64,
    /// Requests left in the window.
    pub remaining: u64,
    /// When the window resets, Unix seconds.
    ///
    /// Example::
    ///
    ///     datetime.fromtimestamp(rl.reset, tz=timezone.utc)
    pub reset: u64,
}

#[pymethods]
impl RateLimit {
    fn __repr__(&self) -> String {
        format!(
            "RateLimit(limit={}, remaining={}, reset={})",
            self.limit, self.remaining, self.reset
        )
    }
}

impl From<&procore::RateLimitSnapshot> for RateLimit {
    fn from(s: &procore::RateLimitSnapshot) -> Self {
        RateLimit {
            limit: s.limit,
            remaining: s.remaining,
            reset: s
                .reset
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        }
    }
}

/// A successful answer of a ``Client`` call (errors are raised as `ProcoreError` subclasses).
///
/// Example::
///
///     r = client.get("projects", params={"company_id": 8089})
///     print(r.status, r.request_id, r.attempts, r.waited)
///     for project in r.json():
///         print(project["name"])
#[pyclass(module = "procore", frozen)]
pub struct Response {
    inner: procore::Response,
}

impl From<procore::Response> for Response {
    fn from(inner: procore::Response) -> Self {
        Response { inner }
    }
}

#[pymethods]
impl Response {
    /// The HTTP status.
    ///
    /// Example::
    ///
    ///     assert client.get("me").status == 200
    #[getter]
    fn status(&self) -> u16 {
        self.inner.status()
    }

    /// The headers, names in lower case; repeated headers joined with ", ".
    ///
    /// Example::
    ///
    ///     total = r.headers.get("total")
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (name, value) in self.inner.header_pairs() {
            d.set_item(name, value)?;
        }
        Ok(d)
    }

    /// One header (any case), or None.
    ///
    /// Example::
    ///
    ///     content_type = r.header("Content-Type")  # any case; None when absent
    fn header(&self, name: &str) -> Option<String> {
        self.inner.header(name).map(str::to_owned)
    }

    /// The body decoded as JSON: dicts, lists, str, int, float, bool, None (empty body: None).
    /// Raises ``DecodeError`` when the body is not JSON.
    ///
    /// Example::
    ///
    ///     me = client.get("me").json()
    ///     print(me["id"], me["login"])
    fn json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match json::to_py(py, self.inner.bytes()) {
            Ok(v) => Ok(v),
            // Let the core describe the failure (a `decode` error with an excerpt).
            Err(_) => {
                let parsed = self.inner.json_value().py(py)?;
                json::value_to_py(py, &parsed)
            }
        }
    }

    /// The body as text.
    ///
    /// Example::
    ///
    ///     print(client.get("me").text)
    #[getter]
    fn text(&self) -> String {
        self.inner.text()
    }

    /// The raw body.
    ///
    /// Example::
    ///
    ///     open("export.csv", "wb").write(r.content)
    #[getter]
    fn content<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.bytes())
    }

    /// The rate-limit window this answer reported, if any.
    ///
    /// Example::
    ///
    ///     remaining = r.rate_limit.remaining if r.rate_limit else None
    #[getter]
    fn rate_limit(&self) -> Option<RateLimit> {
        self.inner.rate_limit().map(RateLimit::from)
    }

    /// `X-Request-Id`, for Procore support.
    ///
    /// Example::
    ///
    ///     log.info("procore request %s", r.request_id)
    #[getter]
    fn request_id(&self) -> Option<String> {
        self.inner.request_id().map(str::to_owned)
    }

    /// Attempts made (1 when nothing was retried).
    ///
    /// Example::
    ///
    ///     if r.attempts > 1:
    ///         log.info("retried %d times", r.attempts - 1)
    #[getter]
    fn attempts(&self) -> u32 {
        self.inner.attempts()
    }

    /// Seconds spent waiting for the rate budget and in backoff.
    ///
    /// Example::
    ///
    ///     print(f"waited {r.waited:.1f} s")
    #[getter]
    fn waited(&self) -> f64 {
        self.inner.waited().as_secs_f64()
    }

    fn __repr__(&self) -> String {
        format!("<Response [{}]>", self.inner.status())
    }
}
