//! Sync (batch) actions: any number of updates for a `.../sync` endpoint, sent in batches of at
//! most [`MAX_BATCH`], with the `entities` and `errors` of all batches merged.
//!
//! Procore answers a sync call with 200 even when items fail: `{"entities": [...], "errors":
//! [{"id": 5, "errors": {"name": ["can't be blank"]}}, ...]}`. Each error names its item by
//! `id` or `origin_id` (the keys a sync matches on), so [`SyncOutcome::errors`] keeps the index
//! of the input it belongs to, over all batches.
//!
//! Batches are sent one after the other, each through the whole pipeline (pacing, refresh,
//! retries of an idempotent `PATCH`). When a batch fails outright (a 4xx, a dead token, the
//! deadline) the call stops with that error: the batches before it are applied, and since a
//! sync is an upsert keyed by `id` or `origin_id`, sending the same updates again is safe.

use std::collections::HashMap;

use bytes::Bytes;
use serde_json::{Map, Value};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::options::{CallOptions, Num};
use crate::request::RequestSpec;

/// The most updates Procore takes in one sync call.
pub const MAX_BATCH: usize = 1000;

/// One item Procore refused, and which input it was.
#[derive(Clone, Debug, PartialEq)]
pub struct SyncItemError {
    /// The position of the update in the input (over all batches), when the error names its
    /// item by an `id` or `origin_id` that was sent.
    pub index: Option<usize>,
    /// The error record as Procore sent it (the item's keys and `errors`).
    pub error: Value,
}

/// All batches merged.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SyncOutcome {
    /// Every entity written, in batch order.
    pub entities: Vec<Value>,
    /// Every item refused, in batch order.
    pub errors: Vec<SyncItemError>,
    /// How many calls were made.
    pub batches: usize,
}

impl SyncOutcome {
    /// The outcome as JSON: `{"entities": [...], "errors": [{"index": n|null, "error": {...}}],
    /// "batches": n}`, the form every binding returns.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "entities": self.entities,
            "errors": self.errors.iter().map(|e| serde_json::json!({
                "index": e.index,
                "error": e.error,
            })).collect::<Vec<_>>(),
            "batches": self.batches,
        })
    }
}

/// A resolved sync call: the request every batch starts from, the updates and the batch size.
#[derive(Clone, Debug)]
pub struct SyncSpec {
    /// Method, path, query, company and limits of every batch; its body (an object, or none)
    /// holds the fields sent beside `updates` (e.g. `company_id`).
    pub spec: RequestSpec,
    /// The updates, each a JSON object keyed by `id` or `origin_id`, in input order.
    pub updates: Vec<Value>,
    /// Updates per call, 1 to [`MAX_BATCH`].
    pub batch_size: usize,
}

/// Options of a sync call, as bindings fill them.
#[derive(Clone, Debug, Default)]
pub struct SyncOptions {
    /// The request (its `json` is the object of extra body fields).
    pub call: CallOptions,
    /// `PATCH` unless given (a few endpoints take `POST`).
    pub method: Option<String>,
    /// Updates per call, 1 to [`MAX_BATCH`] (default [`MAX_BATCH`]).
    pub batch_size: Option<Num>,
}

impl SyncSpec {
    /// Resolves a sync call of `path` with `updates` (a JSON array of objects, serialized).
    pub fn from_options(path: impl Into<String>, updates: &[u8], o: SyncOptions) -> Result<Self> {
        let updates: Value = serde_json::from_slice(updates)
            .map_err(|e| Error::config(format!("the updates are not valid JSON: {e}")))?;
        let Value::Array(updates) = updates else {
            return Err(Error::config("the updates must be a list of objects"));
        };
        let method = o.method.unwrap_or_else(|| "PATCH".to_owned());
        let spec = RequestSpec::from_options(&method, path, o.call)?;
        let batch_size = o
            .batch_size
            .map(|n| n.whole("batch_size", 1, MAX_BATCH as u64))
            .transpose()?
            .map_or(MAX_BATCH, |n| n as usize);
        SyncSpec::new(spec, updates, batch_size)
    }

    /// Checks the parts: every update an object, the extra body an object without `updates`.
    pub fn new(spec: RequestSpec, updates: Vec<Value>, batch_size: usize) -> Result<Self> {
        if batch_size == 0 || batch_size > MAX_BATCH {
            return Err(Error::config(format!(
                "batch_size must be a whole number from 1 to {MAX_BATCH}, got {batch_size}"
            )));
        }
        if let Some(i) = updates.iter().position(|u| !u.is_object()) {
            return Err(Error::config(format!(
                "update {i} is not an object (each update is a JSON object with an id or origin_id)"
            )));
        }
        extra_fields(&spec)?;
        Ok(SyncSpec {
            spec,
            updates,
            batch_size,
        })
    }
}

fn extra_fields(spec: &RequestSpec) -> Result<Map<String, Value>> {
    let Some(body) = &spec.body else {
        return Ok(Map::new());
    };
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) if !m.contains_key("updates") => Ok(m),
        Ok(Value::Object(_)) => Err(Error::config(
            "the body beside the updates must not hold `updates` itself",
        )),
        _ => Err(Error::config(
            "the body beside the updates must be an object (e.g. {\"company_id\": 5})",
        )),
    }
}

/// The key an error or an update names its item by.
#[derive(Hash, PartialEq, Eq)]
enum ItemKey {
    Id(String),
    Origin(String),
}

fn key_text(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

fn keys_of(item: &Value) -> impl Iterator<Item = ItemKey> + '_ {
    let id = item.get("id").and_then(key_text).map(ItemKey::Id);
    let origin = item
        .get("origin_id")
        .and_then(key_text)
        .map(ItemKey::Origin);
    id.into_iter().chain(origin)
}

fn array_field(body: &mut Map<String, Value>, name: &str, status: u16) -> Result<Vec<Value>> {
    match body.remove(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(Error::Decode {
            status,
            message: format!("the sync answer's `{name}` is not a list"),
            excerpt: String::new(),
        }),
    }
}

impl Client {
    /// Sends the updates in batches and merges the answers (see the module docs).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn demo(client: procore::Client) -> procore::Result<()> {
    /// use procore::{CallOptions, SyncOptions, SyncSpec};
    /// use serde_json::json;
    ///
    /// // 2,500 vendors: three PATCH calls of at most 1,000 updates each.
    /// let updates: Vec<serde_json::Value> = (0..2500)
    ///     .map(|i| json!({ "origin_id": format!("erp-{i}"), "name": format!("Vendor {i}") }))
    ///     .collect();
    /// let spec = SyncSpec::from_options(
    ///     "/rest/v1.0/vendors/sync",
    ///     &serde_json::to_vec(&updates).expect("JSON"),
    ///     SyncOptions {
    ///         call: CallOptions {
    ///             json: Some(json!({ "company_id": 8089 }).to_string().into()),
    ///             ..Default::default()
    ///         },
    ///         ..Default::default()
    ///     },
    /// )?;
    /// let outcome = client.sync(&spec).await?;
    /// println!("{} written in {} calls", outcome.entities.len(), outcome.batches);
    /// for e in &outcome.errors {
    ///     println!("update {:?} refused: {}", e.index, e.error["errors"]);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn sync(&self, s: &SyncSpec) -> Result<SyncOutcome> {
        let extra = extra_fields(&s.spec)?;
        let mut out = SyncOutcome::default();
        for (b, batch) in s.updates.chunks(s.batch_size).enumerate() {
            let offset = b * s.batch_size;
            let mut body = extra.clone();
            body.insert("updates".into(), Value::Array(batch.to_vec()));
            let mut spec = s.spec.clone();
            spec.body = Some(Bytes::from(
                serde_json::to_vec(&body).map_err(|e| Error::config(e.to_string()))?,
            ));
            let r = self.send(&spec).await?;
            out.batches += 1;
            let mut answer = match r.json_value()? {
                Value::Object(m) => m,
                _ => {
                    return Err(Error::Decode {
                        status: r.status(),
                        message: "the sync answer is not an object".into(),
                        excerpt: crate::error::excerpt(r.bytes()),
                    })
                }
            };
            out.entities
                .extend(array_field(&mut answer, "entities", r.status())?);
            let errors = array_field(&mut answer, "errors", r.status())?;
            if errors.is_empty() {
                continue;
            }
            // Every key of this batch, to its input index (the first one wins a repeat).
            let mut index: HashMap<ItemKey, usize> = HashMap::new();
            for (i, u) in batch.iter().enumerate() {
                for k in keys_of(u) {
                    index.entry(k).or_insert(offset + i);
                }
            }
            out.errors.extend(errors.into_iter().map(|error| {
                let found = keys_of(&error).find_map(|k| index.get(&k).copied());
                SyncItemError {
                    index: found,
                    error,
                }
            }));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(body: Option<Value>) -> RequestSpec {
        let mut s = RequestSpec::new(http::Method::PATCH, "vendors/sync");
        s.body = body.map(|b| Bytes::from(serde_json::to_vec(&b).unwrap()));
        s
    }

    #[test]
    fn checks_the_parts() {
        assert!(SyncSpec::new(spec(None), vec![json!({"id": 1})], 1000).is_ok());
        assert!(SyncSpec::new(spec(None), vec![json!({"id": 1})], 0).is_err());
        assert!(SyncSpec::new(spec(None), vec![json!({"id": 1})], 1001).is_err());
        let e = SyncSpec::new(spec(None), vec![json!({"id": 1}), json!(3)], 10).unwrap_err();
        assert!(e.to_string().contains("update 1"), "{e}");
        assert!(SyncSpec::new(spec(Some(json!([1]))), vec![], 10).is_err());
        assert!(SyncSpec::new(spec(Some(json!({"updates": []}))), vec![], 10).is_err());
        assert!(SyncSpec::new(spec(Some(json!({"company_id": 5}))), vec![], 10).is_ok());
    }

    #[test]
    fn options_resolve() {
        let s = SyncSpec::from_options(
            "vendors/sync",
            br#"[{"id": 1}, {"origin_id": "a"}]"#,
            SyncOptions {
                batch_size: Some(Num::Float(2.0)),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(s.spec.method, http::Method::PATCH);
        assert_eq!((s.updates.len(), s.batch_size), (2, 2));
        let bad = SyncSpec::from_options("x/sync", b"{}", SyncOptions::default()).unwrap_err();
        assert_eq!(bad.kind(), crate::ErrorCode::Config);
        let bad = SyncSpec::from_options(
            "x/sync",
            b"[]",
            SyncOptions {
                batch_size: Some(Num::Float(1.5)),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(bad.to_string().contains("batch_size"), "{bad}");
    }

    #[test]
    fn keys_match_ids_and_origin_ids_as_numbers_or_text() {
        let k: Vec<_> = keys_of(&json!({"id": 5, "origin_id": "x"})).collect();
        assert!(k.contains(&ItemKey::Id("5".into())));
        assert!(k.contains(&ItemKey::Origin("x".into())));
        assert!(keys_of(&json!({"id": null, "origin_id": ""}))
            .next()
            .is_none());
    }
}
