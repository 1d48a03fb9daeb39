//! Company vendors and their sync action (`PATCH /rest/v1.0/vendors/sync`), the one sync
//! endpoint the simulator implements, with Procore's per-item answer: always 200, the written
//! items in `entities`, the refused ones in `errors` (each with its `id` / `origin_id` and
//! `errors: {field: [messages]}`).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use serde_json::{json, Map, Value};

use crate::util::{iso8601, now_unix, LockExt};

/// The most updates one sync call takes.
pub(crate) const MAX_SYNC: usize = 1000;

const FIRST_VENDOR_ID: u64 = 7_000_000_001;
/// Fields the server owns.
const PROTECTED: [&str; 4] = ["id", "company_id", "created_at", "updated_at"];

/// Vendors, per company, by id.
/// One company's vendors by id.
type CompanyVendors = BTreeMap<u64, Map<String, Value>>;

pub(crate) struct Vendors {
    next_id: AtomicU64,
    inner: Mutex<HashMap<u64, CompanyVendors>>,
}

impl Default for Vendors {
    fn default() -> Self {
        Vendors {
            next_id: AtomicU64::new(FIRST_VENDOR_ID),
            inner: Mutex::new(HashMap::new()),
        }
    }
}

/// Checks the fields of a vendor as it would be after the update.
fn validate(v: &Map<String, Value>) -> Map<String, Value> {
    let mut errors = Map::new();
    match v.get("name") {
        Some(Value::String(s)) if !s.trim().is_empty() => {}
        Some(Value::String(_)) | Some(Value::Null) | None => {
            errors.insert("name".into(), json!(["can't be blank"]));
        }
        Some(_) => {
            errors.insert("name".into(), json!(["is invalid"]));
        }
    }
    match v.get("email_address") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if s.contains('@') => {}
        Some(_) => {
            errors.insert("email_address".into(), json!(["is invalid"]));
        }
    }
    if let Some(a) = v.get("is_active") {
        if !a.is_boolean() {
            errors.insert("is_active".into(), json!(["is not a boolean"]));
        }
    }
    errors
}

/// The error record of a refused item: its keys as sent, and the messages.
fn refused(item: &Map<String, Value>, errors: Map<String, Value>) -> Value {
    let mut e = Map::new();
    for k in ["id", "origin_id"] {
        if let Some(v) = item.get(k) {
            e.insert(k.into(), v.clone());
        }
    }
    e.insert("errors".into(), Value::Object(errors));
    Value::Object(e)
}

impl Vendors {
    /// All vendors of a company, by id.
    pub(crate) fn list(&self, company_id: u64) -> Vec<Map<String, Value>> {
        let inner = self.inner.lock_ok();
        inner
            .get(&company_id)
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Applies one sync call: each update matched by `id`, else by `origin_id`, else created.
    /// Returns `(entities, errors)`.
    pub(crate) fn sync(&self, company_id: u64, updates: &[Value]) -> (Vec<Value>, Vec<Value>) {
        let mut inner = self.inner.lock_ok();
        let vendors = inner.entry(company_id).or_default();
        let mut entities = Vec::new();
        let mut errors = Vec::new();
        let now = iso8601(now_unix());
        for u in updates {
            let Value::Object(item) = u else {
                errors.push(json!({ "errors": { "base": ["must be an object"] } }));
                continue;
            };
            let existing = match item.get("id") {
                Some(Value::Null) | None => item
                    .get("origin_id")
                    .filter(|o| !o.is_null())
                    .and_then(|o| {
                        vendors
                            .iter()
                            .find(|(_, v)| v.get("origin_id") == Some(o))
                            .map(|(id, _)| *id)
                    }),
                Some(id) => match id.as_u64().filter(|id| vendors.contains_key(id)) {
                    Some(id) => Some(id),
                    None => {
                        errors.push(refused(
                            item,
                            Map::from_iter([("id".into(), json!(["not found"]))]),
                        ));
                        continue;
                    }
                },
            };
            let mut next = existing
                .and_then(|id| vendors.get(&id).cloned())
                .unwrap_or_default();
            for (k, v) in item {
                if !PROTECTED.contains(&k.as_str()) {
                    next.insert(k.clone(), v.clone());
                }
            }
            let problems = validate(&next);
            if !problems.is_empty() {
                errors.push(refused(item, problems));
                continue;
            }
            let id = existing.unwrap_or_else(|| self.next_id.fetch_add(1, Ordering::Relaxed));
            next.insert("id".into(), id.into());
            next.insert("company_id".into(), company_id.into());
            next.entry("created_at")
                .or_insert_with(|| now.clone().into());
            next.entry("is_active").or_insert(Value::Bool(true));
            next.insert("updated_at".into(), now.clone().into());
            vendors.insert(id, next.clone());
            entities.push(Value::Object(next));
        }
        (entities, errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_updates_by_id_or_origin_id_and_refuses_per_item() {
        let v = Vendors::default();
        let (made, errs) = v.sync(
            1,
            &[
                json!({"origin_id": "a", "name": "Acme"}),
                json!({"origin_id": "b", "name": " "}),
                json!({"origin_id": "c", "name": "Cee", "email_address": "nope"}),
            ],
        );
        assert_eq!(made.len(), 1);
        assert_eq!(errs.len(), 2);
        assert_eq!(errs[0]["origin_id"], "b");
        assert_eq!(errs[0]["errors"]["name"][0], "can't be blank");
        assert_eq!(errs[1]["errors"]["email_address"][0], "is invalid");
        let id = made[0]["id"].as_u64().unwrap();
        let (again, errs) = v.sync(
            1,
            &[
                json!({"origin_id": "a", "city": "Austin"}),
                json!({"id": id, "zip": "78701"}),
                json!({"id": 42, "name": "Ghost"}),
            ],
        );
        assert_eq!(again.len(), 2);
        assert_eq!(again[0]["id"].as_u64(), Some(id));
        assert_eq!(errs[0]["id"], 42);
        let all = v.list(1);
        assert_eq!(all.len(), 1);
        assert_eq!(
            (all[0]["city"].as_str(), all[0]["zip"].as_str()),
            (Some("Austin"), Some("78701"))
        );
        assert!(v.list(2).is_empty());
    }
}
