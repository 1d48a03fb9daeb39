//! Webhooks, the receiving side: check a delivery's headers, read its payload (v2, v3, v4),
//! and recognise a delivery seen before.
//!
//! Procore signs nothing: a hook's `destination_headers` (say `Authorization: Bearer x`) are
//! echoed on every delivery, and the receiver compares them ([`headers_match`], in constant
//! time). Deliveries are retried and sometimes duplicated: [`Event::dedupe_key`] (`ulid` in v2
//! and v3, `id` in v4) with a [`Dedupe`] of bounded memory recognises the repeats.

use std::collections::{HashSet, VecDeque};

use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};

/// An id as a payload sends it: a number (v2, v3) or a string (v4), kept as text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Id(pub String);

impl Id {
    /// The id as a number, when it is one.
    pub fn as_u64(&self) -> Option<u64> {
        self.0.parse().ok()
    }
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) => Ok(Id(s)),
            Value::Number(n) => Ok(Id(n.to_string())),
            other => Err(serde::de::Error::custom(format!(
                "an id must be a number or a string, not {other}"
            ))),
        }
    }
}

/// A resource related to the event (v3).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Related {
    /// Its id.
    pub id: Option<Id>,
    /// Its name.
    pub name: Option<String>,
}

/// One webhook event, in any payload version; fields a version does not send are `None`, and
/// fields this SDK does not know are kept in [`Event::raw`].
#[derive(Clone, Debug, Deserialize)]
pub struct Event {
    /// v2/v3: a number; v4: the event's ULID.
    pub id: Option<Id>,
    /// v2/v3: the event's ULID.
    pub ulid: Option<String>,
    /// When it happened (ISO 8601).
    pub timestamp: Option<String>,
    /// The payload version the hook asked for (`v2`, `v3`, `v4.0`), when sent.
    pub api_version: Option<String>,
    /// v2/v3: `create`, `update`, `delete`.
    pub event_type: Option<String>,
    /// v4: what happened (`create`, `update`, `delete`, `created`, `recycled`, ...).
    pub reason: Option<String>,
    /// v2/v3: `RFIs`, `Projects`, ...
    pub resource_name: Option<String>,
    /// v4: the resource's type.
    pub resource_type: Option<String>,
    /// The resource's id.
    pub resource_id: Option<Id>,
    /// The company.
    pub company_id: Option<Id>,
    /// The project (absent for company-level resources).
    pub project_id: Option<Id>,
    /// The user who caused it.
    pub user_id: Option<Id>,
    /// v3: related resources.
    #[serde(default)]
    pub related_resources: Vec<Related>,
    /// v2/v3: where it came from (`source_user_id`, `source_operation_id`, ...).
    pub metadata: Option<Value>,
    /// The whole payload as received.
    #[serde(skip)]
    pub raw: Value,
}

impl Event {
    /// Reads a delivery's body. A body that is not a JSON object of this shape is a `decode`
    /// error.
    pub fn parse(body: &[u8]) -> Result<Event> {
        let raw: Value = serde_json::from_slice(body).map_err(|e| decode(body, &e.to_string()))?;
        if !raw.is_object() {
            return Err(decode(body, "a webhook payload is a JSON object"));
        }
        let mut event: Event =
            serde_json::from_value(raw.clone()).map_err(|e| decode(body, &e.to_string()))?;
        event.raw = raw;
        Ok(event)
    }

    /// What identifies this event across its deliveries: the `ulid` (v2, v3) or the string
    /// `id` (v4); failing both, the numeric `id`.
    pub fn dedupe_key(&self) -> Option<String> {
        self.ulid
            .clone()
            .or_else(|| self.id.as_ref().map(|i| i.0.clone()))
    }

    /// What happened, in any version (`event_type` or `reason`).
    pub fn action(&self) -> Option<&str> {
        self.event_type.as_deref().or(self.reason.as_deref())
    }

    /// The resource's kind, in any version (`resource_name` or `resource_type`).
    pub fn resource(&self) -> Option<&str> {
        self.resource_name
            .as_deref()
            .or(self.resource_type.as_deref())
    }
}

fn decode(body: &[u8], message: &str) -> Error {
    let excerpt: String = String::from_utf8_lossy(&body[..body.len().min(120)]).into_owned();
    Error::Decode {
        status: 0,
        message: format!("not a webhook payload: {message}"),
        excerpt,
    }
}

/// True when every expected header is among `received` with exactly its value (names ignore
/// case). Values are compared in constant time, and every expected header is compared, so the
/// time taken tells nothing about which byte differs.
pub fn headers_match<'a>(
    expected: &[(String, String)],
    received: impl IntoIterator<Item = (&'a str, &'a [u8])> + Clone,
) -> bool {
    let mut ok = true;
    for (name, value) in expected {
        let mut found = false;
        for (n, v) in received.clone() {
            if n.eq_ignore_ascii_case(name) {
                found |= constant_time_eq(v, value.as_bytes());
            }
        }
        ok &= found;
    }
    ok
}

/// Compares two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = (a.len() ^ b.len()) as u8 | u8::from(a.len() != b.len());
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= x ^ y;
    }
    diff == 0
}

/// `Name: value` (as given on a command line or in a config) split into its parts.
pub fn parse_header(line: &str) -> Result<(String, String)> {
    let (name, value) = line
        .split_once(':')
        .ok_or_else(|| Error::Config(format!("a header is `Name: value`, not {line:?}")))?;
    let name = name.trim();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::Config(format!("invalid header name in {line:?}")));
    }
    Ok((name.to_owned(), value.trim().to_owned()))
}

/// Remembers the last `capacity` event keys: a delivery whose key is among them is a
/// duplicate. Memory stays bounded whatever the traffic.
#[derive(Debug)]
pub struct Dedupe {
    capacity: usize,
    seen: HashSet<String>,
    order: VecDeque<String>,
}

impl Dedupe {
    /// A de-duplicator remembering `capacity` keys (at least 1).
    pub fn new(capacity: usize) -> Dedupe {
        Dedupe {
            capacity: capacity.max(1),
            seen: HashSet::new(),
            order: VecDeque::new(),
        }
    }

    /// True when `key` was seen before (among the last `capacity`); records it otherwise.
    pub fn is_duplicate(&mut self, key: &str) -> bool {
        if self.seen.contains(key) {
            return true;
        }
        if self.order.len() == self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.seen.remove(&old);
            }
        }
        self.seen.insert(key.to_owned());
        self.order.push_back(key.to_owned());
        false
    }

    /// How many keys are remembered.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// True when nothing is remembered yet.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_v3_and_v4_payloads() {
        let v2 = br#"{"id": 9007199254740993, "ulid": "01H8", "timestamp": "2026-12-02T10:00:00Z",
            "metadata": {"source_user_id": 1}, "user_id": 5, "company_id": 8089, "project_id": 77,
            "api_version": "v2", "event_type": "create", "resource_name": "RFIs", "resource_id": 12,
            "something_new": true}"#;
        let e = Event::parse(v2).unwrap();
        assert_eq!(
            e.id.as_ref().unwrap().0,
            "9007199254740993",
            "a 64-bit id stays exact"
        );
        assert_eq!(e.dedupe_key().as_deref(), Some("01H8"));
        assert_eq!((e.action(), e.resource()), (Some("create"), Some("RFIs")));
        assert_eq!(e.raw["something_new"], true);
        let v3 = br#"{"id": 3, "ulid": "01H9", "event_type": "update", "resource_name": "RFIs",
            "resource_id": 12, "related_resources": [{"id": 4, "name": "Projects"}]}"#;
        let e = Event::parse(v3).unwrap();
        assert_eq!(e.related_resources[0].name.as_deref(), Some("Projects"));
        let v4 = br#"{"id": "01HA", "timestamp": "t", "reason": "recycled", "company_id": "8089",
            "project_id": "77", "user_id": "5", "resource_type": "Document Revision", "resource_id": "99"}"#;
        let e = Event::parse(v4).unwrap();
        assert_eq!(e.dedupe_key().as_deref(), Some("01HA"));
        assert_eq!(e.company_id.as_ref().unwrap().as_u64(), Some(8089));
        assert_eq!(
            (e.action(), e.resource()),
            (Some("recycled"), Some("Document Revision"))
        );
        assert_eq!(Event::parse(b"[1]").unwrap_err().code(), "decode");
        assert_eq!(Event::parse(b"{\"id\": [1]}").unwrap_err().code(), "decode");
        assert_eq!(Event::parse(b"nope").unwrap_err().code(), "decode");
    }

    #[test]
    fn headers_are_compared_exactly_names_ignoring_case() {
        let want = vec![("Authorization".to_string(), "Bearer s3cret".to_string())];
        let got = [
            ("authorization", &b"Bearer s3cret"[..]),
            ("x-other", &b"1"[..]),
        ];
        assert!(headers_match(&want, got.iter().copied()));
        let wrong = [("authorization", &b"Bearer s3cres"[..])];
        assert!(!headers_match(&want, wrong.iter().copied()));
        let longer = [("authorization", &b"Bearer s3cret "[..])];
        assert!(!headers_match(&want, longer.iter().copied()));
        assert!(!headers_match(&want, std::iter::empty()));
        assert!(headers_match(&[], std::iter::empty()));
        assert!(constant_time_eq(b"", b""));
        assert!(!constant_time_eq(b"a", b""));
        assert_eq!(
            parse_header("X-Key:  v a l ").unwrap(),
            ("X-Key".into(), "v a l".into())
        );
        assert_eq!(parse_header("nocolon").unwrap_err().code(), "config");
    }

    #[test]
    fn dedupe_remembers_a_bounded_number_of_keys() {
        let mut d = Dedupe::new(2);
        assert!(!d.is_duplicate("a"));
        assert!(d.is_duplicate("a"));
        assert!(!d.is_duplicate("b"));
        assert!(!d.is_duplicate("c")); // "a" is forgotten
        assert_eq!(d.len(), 2);
        assert!(!d.is_duplicate("a"));
        assert!(d.is_duplicate("c"));
    }
}
