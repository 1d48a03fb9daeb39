//! Injected faults: the bad days of a real API (5xx bursts, latency, dropped connections,
//! garbage bodies, a refresh whose answer is lost after it was committed, 429 storms).
//!
//! Faults apply in order of arrival to the next `count` requests whose path starts with their
//! `path_prefix`. Latency faults stack (each matching one delays the request and uses one of
//! its count); then the first matching non-latency fault decides the outcome. When no fault is
//! registered the hot path reads one atomic flag and takes no lock.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::util::{ceil_secs, LockExt};

fn one() -> Option<u32> {
    Some(1)
}

/// A fault, as posted to `POST /__simulator/faults` (tagged by `"kind"`).
///
/// `count`: how many matching requests it applies to; absent means 1, `null` means until
/// cleared. `path_prefix`: absent means `/rest/`, except `drop_after_commit` (`/oauth/token`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// Answer with this status (e.g. 503), optional `Retry-After` seconds and raw body.
    Status {
        /// HTTP status to send.
        status: u16,
        /// Matching requests affected (`None`: until cleared).
        #[serde(default = "one")]
        count: Option<u32>,
        /// `Retry-After` seconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
        /// Raw body (default `{"message":"<reason>"}`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<String>,
        /// Path prefix (default `/rest/`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path_prefix: Option<String>,
    },
    /// Delay, then answer normally.
    Latency {
        /// Delay in milliseconds.
        ms: u64,
        /// Matching requests affected (`None`: until cleared).
        #[serde(default = "one")]
        count: Option<u32>,
        /// Path prefix (default `/rest/`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path_prefix: Option<String>,
    },
    /// Close the connection without any response, before processing.
    Drop {
        /// Matching requests affected (`None`: until cleared).
        #[serde(default = "one")]
        count: Option<u32>,
        /// Path prefix (default `/rest/`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path_prefix: Option<String>,
    },
    /// Answer with an arbitrary status, content type and body (HTML, truncated JSON, ...).
    Malformed {
        /// Status (default 200).
        #[serde(default = "default_malformed_status")]
        status: u16,
        /// Content type (default `application/json; charset=utf-8`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content_type: Option<String>,
        /// Body (default a truncated JSON document).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<String>,
        /// Matching requests affected (`None`: until cleared).
        #[serde(default = "one")]
        count: Option<u32>,
        /// Path prefix (default `/rest/`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path_prefix: Option<String>,
    },
    /// Process the request fully (e.g. rotate the refresh token), then close the connection
    /// without answering.
    DropAfterCommit {
        /// Matching requests affected (`None`: until cleared).
        #[serde(default = "one")]
        count: Option<u32>,
        /// Path prefix (default `/oauth/token`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path_prefix: Option<String>,
    },
    /// For `seconds` from now, every matching request gets 429 with `Remaining: 0` and
    /// `Reset` at the storm's end.
    RateLimitStorm {
        /// Storm length.
        seconds: u64,
        /// Path prefix (default `/rest/`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path_prefix: Option<String>,
    },
    /// Flip the middle byte of the next `count` bodies sent to the upload storage (the
    /// server then sees a checksum mismatch).
    Corrupt {
        /// Matching requests affected (`None`: until cleared).
        #[serde(default = "one")]
        count: Option<u32>,
        /// Path prefix (default `/_storage/`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path_prefix: Option<String>,
    },
}

fn default_malformed_status() -> u16 {
    200
}

impl Fault {
    /// `status` for the next `count` `/rest/` requests.
    pub fn status(status: u16, count: u32) -> Fault {
        Fault::Status {
            status,
            count: Some(count),
            retry_after: None,
            body: None,
            path_prefix: None,
        }
    }
    /// 503 with `Retry-After` for the next `count` `/rest/` requests.
    pub fn unavailable(count: u32, retry_after: u64) -> Fault {
        Fault::Status {
            status: 503,
            count: Some(count),
            retry_after: Some(retry_after),
            body: None,
            path_prefix: None,
        }
    }
    /// Delay the next `count` `/rest/` requests.
    pub fn latency(delay: Duration, count: Option<u32>) -> Fault {
        Fault::Latency {
            ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            count,
            path_prefix: None,
        }
    }
    /// Drop the next `count` `/rest/` connections unanswered.
    pub fn drop_connection(count: u32) -> Fault {
        Fault::Drop {
            count: Some(count),
            path_prefix: None,
        }
    }
    /// Answer the next `/rest/` request with this raw body.
    pub fn malformed(status: u16, content_type: &str, body: &str) -> Fault {
        Fault::Malformed {
            status,
            content_type: Some(content_type.to_owned()),
            body: Some(body.to_owned()),
            count: Some(1),
            path_prefix: None,
        }
    }
    /// Process the next `count` `/oauth/token` calls, then drop the connection.
    pub fn drop_after_commit(count: u32) -> Fault {
        Fault::DropAfterCommit {
            count: Some(count),
            path_prefix: None,
        }
    }
    /// Flip a byte of the next `count` bodies sent to the upload storage.
    pub fn corrupt(count: u32) -> Fault {
        Fault::Corrupt {
            count: Some(count),
            path_prefix: None,
        }
    }
    /// A 429 storm on `/rest/` for this long (rounded up to whole seconds).
    pub fn rate_limit_storm(length: Duration) -> Fault {
        Fault::RateLimitStorm {
            seconds: ceil_secs(length.as_secs_f64()),
            path_prefix: None,
        }
    }
    /// The same fault for another path prefix.
    pub fn with_path_prefix(mut self, prefix: impl Into<String>) -> Fault {
        let p = Some(prefix.into());
        match &mut self {
            Fault::Status { path_prefix, .. }
            | Fault::Latency { path_prefix, .. }
            | Fault::Drop { path_prefix, .. }
            | Fault::Malformed { path_prefix, .. }
            | Fault::DropAfterCommit { path_prefix, .. }
            | Fault::Corrupt { path_prefix, .. }
            | Fault::RateLimitStorm { path_prefix, .. } => *path_prefix = p,
        }
        self
    }
    /// The same fault for `count` requests (`None`: until cleared). No effect on storms.
    pub fn with_count(mut self, n: Option<u32>) -> Fault {
        match &mut self {
            Fault::Status { count, .. }
            | Fault::Latency { count, .. }
            | Fault::Drop { count, .. }
            | Fault::Malformed { count, .. }
            | Fault::DropAfterCommit { count, .. }
            | Fault::Corrupt { count, .. } => *count = n,
            Fault::RateLimitStorm { .. } => {}
        }
        self
    }

    fn prefix(&self) -> String {
        let (given, default) = match self {
            Fault::Status { path_prefix, .. }
            | Fault::Latency { path_prefix, .. }
            | Fault::Drop { path_prefix, .. }
            | Fault::Malformed { path_prefix, .. }
            | Fault::RateLimitStorm { path_prefix, .. } => (path_prefix, "/rest/"),
            Fault::DropAfterCommit { path_prefix, .. } => (path_prefix, "/oauth/token"),
            Fault::Corrupt { path_prefix, .. } => (path_prefix, "/_storage/"),
        };
        given.clone().unwrap_or_else(|| default.to_owned())
    }

    fn count(&self) -> Option<u32> {
        match self {
            Fault::Status { count, .. }
            | Fault::Latency { count, .. }
            | Fault::Drop { count, .. }
            | Fault::Malformed { count, .. }
            | Fault::DropAfterCommit { count, .. }
            | Fault::Corrupt { count, .. } => *count,
            Fault::RateLimitStorm { .. } => None,
        }
    }

    /// Rejects faults that cannot be served.
    pub(crate) fn validate(&self) -> Result<(), String> {
        match self {
            Fault::Status { status, .. } | Fault::Malformed { status, .. }
                if !(100..=999).contains(status) =>
            {
                Err(format!("invalid status {status}"))
            }
            Fault::Malformed {
                content_type: Some(ct),
                ..
            } if axum::http::HeaderValue::from_str(ct).is_err() => {
                Err("invalid content_type".to_owned())
            }
            _ => Ok(()),
        }
    }
}

/// A registered fault with what is left of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultInfo {
    /// Id returned when it was added.
    pub id: u64,
    /// Matching requests it still applies to (`None`: until cleared / storm end).
    pub remaining: Option<u32>,
    /// Effective path prefix.
    pub path_prefix: String,
    /// The fault as posted.
    pub fault: Fault,
}

/// What the fault queue decided for one request.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    pub delay: Duration,
    pub action: Option<Action>,
}

#[derive(Debug, Clone)]
pub(crate) enum Action {
    Status {
        status: u16,
        retry_after: Option<u64>,
        body: Option<String>,
    },
    Drop,
    Malformed {
        status: u16,
        content_type: Option<String>,
        body: Option<String>,
    },
    DropAfterCommit,
    Corrupt,
    Storm {
        /// Unix seconds (rounded up) when the storm ends.
        reset: u64,
        /// Seconds left, rounded up.
        retry_after: u64,
    },
}

struct Active {
    id: u64,
    fault: Fault,
    remaining: Option<u32>,
    prefix: String,
    /// Storm end, Unix seconds.
    until: Option<f64>,
}

/// The ordered list of registered faults.
pub(crate) struct FaultQueue {
    nonempty: AtomicBool,
    next_id: AtomicU64,
    inner: Mutex<Vec<Active>>,
}

impl FaultQueue {
    pub(crate) fn new() -> Self {
        FaultQueue {
            nonempty: AtomicBool::new(false),
            next_id: AtomicU64::new(1),
            inner: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn add(&self, fault: Fault, now: f64) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let until = match &fault {
            Fault::RateLimitStorm { seconds, .. } => Some(now + *seconds as f64),
            _ => None,
        };
        let entry = Active {
            id,
            remaining: fault.count(),
            prefix: fault.prefix(),
            until,
            fault,
        };
        let mut v = self.inner.lock_ok();
        if entry.remaining != Some(0) {
            v.push(entry);
        }
        self.nonempty.store(!v.is_empty(), Ordering::Release);
        id
    }

    pub(crate) fn clear(&self) {
        let mut v = self.inner.lock_ok();
        v.clear();
        self.nonempty.store(false, Ordering::Release);
    }

    pub(crate) fn list(&self, now: f64) -> Vec<FaultInfo> {
        let v = self.inner.lock_ok();
        v.iter()
            .filter(|a| a.until.is_none_or(|u| u > now))
            .map(|a| FaultInfo {
                id: a.id,
                remaining: a.remaining,
                path_prefix: a.prefix.clone(),
                fault: a.fault.clone(),
            })
            .collect()
    }

    /// Decides (and consumes) the faults for one request to `path`.
    pub(crate) fn take(&self, path: &str, now: f64) -> Applied {
        let mut applied = Applied::default();
        if !self.nonempty.load(Ordering::Acquire) {
            return applied;
        }
        let mut v = self.inner.lock_ok();
        v.retain(|a| a.until.is_none_or(|u| u > now));
        for a in v.iter_mut() {
            if !path.starts_with(&a.prefix) {
                continue;
            }
            let action = match &a.fault {
                Fault::Latency { ms, .. } => {
                    applied.delay += Duration::from_millis(*ms);
                    None
                }
                Fault::Status {
                    status,
                    retry_after,
                    body,
                    ..
                } => Some(Action::Status {
                    status: *status,
                    retry_after: *retry_after,
                    body: body.clone(),
                }),
                Fault::Drop { .. } => Some(Action::Drop),
                Fault::Malformed {
                    status,
                    content_type,
                    body,
                    ..
                } => Some(Action::Malformed {
                    status: *status,
                    content_type: content_type.clone(),
                    body: body.clone(),
                }),
                Fault::DropAfterCommit { .. } => Some(Action::DropAfterCommit),
                Fault::Corrupt { .. } => Some(Action::Corrupt),
                Fault::RateLimitStorm { .. } => {
                    let until = a.until.unwrap_or(now);
                    Some(Action::Storm {
                        reset: ceil_secs(until),
                        retry_after: ceil_secs(until - now).max(1),
                    })
                }
            };
            if let Some(r) = a.remaining.as_mut() {
                *r = r.saturating_sub(1);
            }
            if action.is_some() {
                applied.action = action;
                break;
            }
        }
        v.retain(|a| a.remaining != Some(0));
        self.nonempty.store(!v.is_empty(), Ordering::Release);
        applied
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shapes() {
        let f: Fault =
            serde_json::from_str(r#"{"kind":"status","status":503,"count":3,"retry_after":2}"#)
                .expect("status fault");
        assert_eq!(
            f,
            Fault::Status {
                status: 503,
                count: Some(3),
                retry_after: Some(2),
                body: None,
                path_prefix: None
            }
        );
        let f: Fault =
            serde_json::from_str(r#"{"kind":"latency","ms":500,"count":null}"#).expect("latency");
        assert_eq!(f, Fault::latency(Duration::from_millis(500), None));
        let f: Fault = serde_json::from_str(r#"{"kind":"drop"}"#).expect("drop");
        assert_eq!(f, Fault::drop_connection(1));
        let f: Fault =
            serde_json::from_str(r#"{"kind":"rate_limit_storm","seconds":2}"#).expect("storm");
        assert_eq!(f, Fault::rate_limit_storm(Duration::from_secs(2)));
        assert!(serde_json::from_str::<Fault>(r#"{"kind":"nope"}"#).is_err());
        assert!(serde_json::from_str::<Fault>(r#"{"kind":"drop","cout":2}"#).is_err());
        let back: Fault = serde_json::from_str(
            &serde_json::to_string(&Fault::drop_after_commit(1)).expect("ser"),
        )
        .expect("de");
        assert_eq!(back, Fault::drop_after_commit(1));
    }

    #[test]
    fn order_count_and_prefix() {
        let q = FaultQueue::new();
        q.add(Fault::status(503, 2), 0.0);
        q.add(Fault::drop_after_commit(1), 0.0);
        assert!(matches!(
            q.take("/oauth/token", 0.0).action,
            Some(Action::DropAfterCommit)
        ));
        assert!(q.take("/oauth/token", 0.0).action.is_none());
        assert!(matches!(
            q.take("/rest/v1.0/me", 0.0).action,
            Some(Action::Status { status: 503, .. })
        ));
        assert!(q.take("/rest/v1.0/me", 0.0).action.is_some());
        assert!(q.take("/rest/v1.0/me", 0.0).action.is_none());
        assert!(q.list(0.0).is_empty());
    }

    #[test]
    fn latency_stacks_with_others() {
        let q = FaultQueue::new();
        q.add(Fault::latency(Duration::from_millis(5), None), 0.0);
        q.add(Fault::status(500, 1), 0.0);
        let a = q.take("/rest/x", 0.0);
        assert_eq!(a.delay, Duration::from_millis(5));
        assert!(a.action.is_some());
        let a = q.take("/rest/x", 0.0);
        assert_eq!(a.delay, Duration::from_millis(5));
        assert!(a.action.is_none());
        q.clear();
        assert_eq!(q.take("/rest/x", 0.0).delay, Duration::ZERO);
    }

    #[test]
    fn storm_ends() {
        let q = FaultQueue::new();
        q.add(Fault::rate_limit_storm(Duration::from_secs(2)), 100.0);
        match q.take("/rest/x", 100.5).action {
            Some(Action::Storm { reset, retry_after }) => {
                assert_eq!(reset, 102);
                assert_eq!(retry_after, 2);
            }
            other => panic!("{other:?}"),
        }
        assert!(q.take("/rest/x", 102.0).action.is_none());
    }
}
