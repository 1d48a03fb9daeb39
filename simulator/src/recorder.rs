//! The last API requests as they arrived, for tests that check what a client put on the wire
//! (the conformance vectors): `GET /__simulator/requests` lists them oldest first,
//! `DELETE /__simulator/requests` (or a reset) forgets them.
//!
//! Only `/rest/` requests are kept (never the OAuth endpoints, whose bodies hold secrets), at
//! most [`CAPACITY`] of them, and the `Authorization` value is replaced by its scheme.

use std::collections::VecDeque;
use std::sync::Mutex;

use axum::http::{HeaderMap, Method};
use serde::Serialize;

/// How many requests are kept (older ones are dropped first).
pub const CAPACITY: usize = 256;

/// One request as received.
#[derive(Clone, Debug, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Recorded {
    /// The HTTP method, upper case (`GET`, `POST`, ...).
    pub method: String,
    /// The URL path without the query (`/rest/v1.0/me`; `/_storage/...` for object-store
    /// uploads, recorded without their body).
    pub path: String,
    /// The raw query string, byte for byte (`None` when the URL had no `?`).
    pub query: Option<String>,
    /// Lower-case names in arrival order; repeated headers appear once per value.
    pub headers: Vec<(String, String)>,
    /// The body as text (lossy UTF-8), `None` when empty.
    pub body: Option<String>,
}

#[derive(Default)]
pub(crate) struct Recorder {
    requests: Mutex<VecDeque<Recorded>>,
}

fn lock(m: &Mutex<VecDeque<Recorded>>) -> std::sync::MutexGuard<'_, VecDeque<Recorded>> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Recorder {
    pub fn record(
        &self,
        method: &Method,
        path: &str,
        query: Option<&str>,
        headers: &HeaderMap,
        body: &[u8],
    ) {
        let headers = headers
            .iter()
            .map(|(name, value)| {
                let v = String::from_utf8_lossy(value.as_bytes()).into_owned();
                let v = if name == axum::http::header::AUTHORIZATION {
                    v.split(' ').next().unwrap_or("").to_owned()
                } else {
                    v
                };
                (name.as_str().to_owned(), v)
            })
            .collect();
        let entry = Recorded {
            method: method.as_str().to_owned(),
            path: path.to_owned(),
            query: query.map(str::to_owned),
            headers,
            body: (!body.is_empty()).then(|| String::from_utf8_lossy(body).into_owned()),
        };
        let mut q = lock(&self.requests);
        if q.len() == CAPACITY {
            q.pop_front();
        }
        q.push_back(entry);
    }

    pub fn list(&self) -> Vec<Recorded> {
        lock(&self.requests).iter().cloned().collect()
    }

    pub fn clear(&self) {
        lock(&self.requests).clear();
    }
}
