//! The operation catalog (feature `catalog`): every operation of Procore's public REST API
//! description (2,636 of them), to look up by id, search by words, and check a call against
//! before it leaves.
//!
//! The catalog is `core/catalog/operations.json`, derived from Procore's description
//! (`core/catalog/procore-operations.json.gz`) by `scripts/gen-catalog` and embedded here
//! compressed; it is parsed once, on first use.
//!
//! [`Operation::check`] finds what would make a call fail for sure: a path parameter missing,
//! a required query parameter missing, a required body field missing or of the wrong JSON
//! type. It is an [`Error::InvalidCall`] naming each problem, before any network use. Unknown
//! query parameters and body fields are let through: the description is not complete, and the
//! server ignores what it does not know.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result, ValidationErrors};
use crate::options::{CallOptions, QueryValue};
use crate::request::RequestSpec;

static COMPRESSED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/operations.json.gz"));

/// Where a parameter goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Location {
    /// In the URL path (`{project_id}`).
    Path,
    /// In the query string.
    Query,
    /// In a header.
    Header,
}

impl Location {
    /// `path`, `query` or `header`.
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
        }
    }
}

/// The JSON shape of a value, as far as the description says.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Schema {
    /// `string`, `integer`, `number`, `boolean`, `array`, `object`, or none (anything).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub ty: Option<String>,
    /// The allowed values, when the description lists them.
    #[serde(rename = "enum", default, skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<Value>,
    /// An object's fields.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, Schema>,
    /// An object's required fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required: Vec<String>,
    /// An array's items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Box<Schema>>,
}

impl Schema {
    /// The type in words: `integer`, `array of integer`, `string (open|closed)`, `any`.
    pub fn describe(&self) -> String {
        let base = match (self.ty.as_deref(), &self.items) {
            (Some("array"), Some(items)) => {
                format!("array of {}", items.ty.as_deref().unwrap_or("any"))
            }
            (Some(t), _) => t.to_owned(),
            (None, _) => "any".to_owned(),
        };
        if self.allowed.is_empty() {
            base
        } else {
            let values: Vec<String> = self.allowed.iter().map(|v| v.to_string()).collect();
            format!("{base} ({})", values.join("|"))
        }
    }
}

/// One field of a body, flattened (`rfi.question.body`, items of arrays as `name[]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BodyField {
    /// Where it is.
    pub path: String,
    /// Its type in words ([`Schema::describe`]).
    #[serde(rename = "type")]
    pub ty: String,
    /// Whether the body must have it (it and every object above it required).
    pub required: bool,
}

fn flatten(s: &Schema, at: &str, required: bool, out: &mut Vec<BodyField>) {
    for (name, sub) in &s.properties {
        let path = if at.is_empty() {
            name.clone()
        } else {
            format!("{at}.{name}")
        };
        let req = required && s.required.contains(name);
        out.push(BodyField {
            path: path.clone(),
            ty: sub.describe(),
            required: req,
        });
        flatten(sub, &path, req, out);
        if let Some(items) = &sub.items {
            flatten(items, &format!("{path}[]"), req, out);
        }
    }
}

/// One parameter of an operation.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Param {
    /// Its name.
    pub name: String,
    /// Where it goes.
    #[serde(rename = "in")]
    pub location: Location,
    /// Whether the operation needs it.
    pub required: bool,
    /// Its type.
    #[serde(default)]
    pub schema: Schema,
}

/// An operation's request body.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Body {
    /// The content type the description names (the SDK sends JSON, which Procore accepts for
    /// its `multipart/form-data` operations without files too).
    pub content_type: String,
    /// Whether the operation needs a body.
    pub required: bool,
    /// Its shape.
    pub schema: Schema,
}

/// One operation of the API.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Operation {
    /// The operation id (`RestV10ProjectsProjectIdRfisPost`).
    pub id: String,
    /// `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
    pub method: String,
    /// The path template (`/rest/v1.0/projects/{project_id}/rfis`).
    pub path: String,
    /// The API version in the path (`v1.0`), empty for paths outside `/rest/`.
    pub version: String,
    /// The group in Procore's reference (`Project Management/RFI/rfis`).
    pub tag: String,
    /// One line on what it does (`Create RFI`).
    pub summary: String,
    /// Its parameters.
    #[serde(default)]
    pub params: Vec<Param>,
    /// Its body, if it takes one.
    #[serde(default)]
    pub body: Option<Body>,
}

impl Operation {
    /// The operation as JSON (what bindings hand to their language): `id`, `method`, `path`,
    /// `version`, `tag`, `summary`, `params` (`name`, `in`, `required`, `schema`), `body`
    /// (`content_type`, `required`, `schema`).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// The operations matching `words` as JSON ([`Operation::to_json`]), best first, at most
/// `limit` (bindings' `catalog.search`).
pub fn search_json(words: &str, limit: Option<usize>) -> Vec<Value> {
    Catalog::get()
        .search_top(words, limit)
        .into_iter()
        .map(Operation::to_json)
        .collect()
}

/// The operation `id` as JSON, or `None` (bindings' `catalog.operation`).
pub fn operation_json(id: &str) -> Option<Value> {
    Catalog::get().operation(id).map(Operation::to_json)
}

/// Every operation, sorted by id.
#[derive(Debug, Deserialize)]
pub struct Catalog {
    /// Where the description came from.
    pub source: String,
    operations: Vec<Operation>,
}

impl Catalog {
    /// The embedded catalog (parsed on first use).
    pub fn get() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            let mut text = String::new();
            flate2::read::GzDecoder::new(COMPRESSED)
                .read_to_string(&mut text)
                .expect("the embedded catalog decompresses (checked by its tests)");
            let mut c: Catalog = serde_json::from_str(&text)
                .expect("the embedded catalog parses (checked by its tests)");
            c.operations.sort_by(|a, b| a.id.cmp(&b.id));
            c
        })
    }

    /// Every operation, sorted by id.
    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    /// The operation with this id (exact; else ignoring case).
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        match self.operations.binary_search_by(|o| o.id.as_str().cmp(id)) {
            Ok(i) => self.operations.get(i),
            Err(_) => self
                .operations
                .iter()
                .find(|o| o.id.eq_ignore_ascii_case(id)),
        }
    }

    /// The operation with this id, or a `config` error that suggests close ids.
    pub fn require(&self, id: &str) -> Result<&Operation> {
        self.operation(id).ok_or_else(|| {
            let near: Vec<&str> = self
                .search(id)
                .into_iter()
                .take(3)
                .map(|o| o.id.as_str())
                .collect();
            let hint = if near.is_empty() {
                String::new()
            } else {
                format!(" (did you mean {}?)", near.join(", "))
            };
            Error::Config(format!("no operation {id:?} in the catalog{hint}"))
        })
    }

    /// [`Catalog::search`], the first `limit` (all when `None`): what every binding's search
    /// returns.
    pub fn search_top(&self, words: &str, limit: Option<usize>) -> Vec<&Operation> {
        let mut hits = self.search(words);
        hits.truncate(limit.unwrap_or(usize::MAX));
        hits
    }

    /// The operations whose id, path, summary or tag contain every word (ignoring case), best
    /// first: words in the summary count most, then in the path, then the tag and the id.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use procore::catalog::Catalog;
    ///
    /// for op in Catalog::get().search("create rfi").into_iter().take(3) {
    ///     println!("{} {} {} ({})", op.id, op.method, op.path, op.summary);
    /// }
    /// ```
    pub fn search(&self, words: &str) -> Vec<&Operation> {
        let words: Vec<String> = words
            .split_whitespace()
            .map(str::to_lowercase)
            .filter(|w| !w.is_empty())
            .collect();
        if words.is_empty() {
            return Vec::new();
        }
        let mut hits: Vec<(u32, &Operation)> = self
            .operations
            .iter()
            .filter_map(|o| {
                let (summary, path) = (o.summary.to_lowercase(), o.path.to_lowercase());
                let (tag, id) = (o.tag.to_lowercase(), o.id.to_lowercase());
                let mut score = 0;
                for w in &words {
                    let s = 8 * u32::from(summary.contains(w.as_str()))
                        + 4 * u32::from(path.contains(w.as_str()))
                        + 2 * u32::from(tag.contains(w.as_str()))
                        + u32::from(id.contains(w.as_str()));
                    if s == 0 {
                        return None;
                    }
                    score += s;
                }
                Some((score, o))
            })
            .collect();
        hits.sort_by(|(a, x), (b, y)| {
            b.cmp(a)
                .then_with(|| x.path.len().cmp(&y.path.len()))
                .then_with(|| x.path.cmp(&y.path))
                .then_with(|| method_rank(&x.method).cmp(&method_rank(&y.method)))
        });
        hits.into_iter().map(|(_, o)| o).collect()
    }
}

fn method_rank(m: &str) -> u8 {
    match m {
        "GET" => 0,
        "POST" => 1,
        "PUT" => 2,
        "PATCH" => 3,
        _ => 4,
    }
}

impl Operation {
    /// The body's fields, flattened, in order (empty without a body).
    pub fn body_fields(&self) -> Vec<BodyField> {
        let mut out = Vec::new();
        if let Some(b) = &self.body {
            flatten(&b.schema, "", true, &mut out);
        }
        out
    }

    /// The parameters that go in `location`.
    pub fn params_in(&self, location: Location) -> impl Iterator<Item = &Param> {
        self.params.iter().filter(move |p| p.location == location)
    }

    /// The path with `path` filled in (each value percent-encoded as one segment), after
    /// [`Operation::check`]'s path rules.
    pub fn fill_path(&self, path: &[(String, String)]) -> Result<String> {
        let mut problems = ValidationErrors::new();
        self.check_path(path, &mut problems);
        self.fail_on(problems)?;
        Ok(self.fill(path))
    }

    fn fill(&self, path: &[(String, String)]) -> String {
        let mut out = self.path.clone();
        for (k, v) in path {
            let seg: String = url::form_urlencoded::byte_serialize(v.as_bytes()).collect();
            out = out.replace(&format!("{{{k}}}"), &seg.replace('+', "%20"));
        }
        out
    }

    /// Checks a call: `path` and `query` as they would be sent (strings; a list or a nested
    /// filter as `key[]` / `key[sub]`), `body` as JSON. One `invalid_call` error names every
    /// problem (`path.project_id`, `query.filters`, `body.rfi.subject`).
    pub fn check(
        &self,
        path: &[(String, String)],
        query: &[(String, String)],
        body: Option<&Value>,
    ) -> Result<()> {
        let mut problems = ValidationErrors::new();
        self.check_path(path, &mut problems);
        for p in self.params_in(Location::Query).filter(|p| p.required) {
            let sent = query.iter().any(|(k, _)| {
                k == &p.name
                    || k.strip_prefix(p.name.as_str())
                        .is_some_and(|rest| rest.starts_with('['))
            });
            if !sent {
                add(&mut problems, format!("query.{}", p.name), "is required");
            }
        }
        for p in self.params_in(Location::Query) {
            for (_, v) in query.iter().filter(|(k, _)| k == &p.name) {
                if let Some(why) = text_mismatch(&p.schema, v) {
                    add(&mut problems, format!("query.{}", p.name), &why);
                }
            }
        }
        match (&self.body, body) {
            (Some(b), None) if b.required => add(&mut problems, "body".into(), "is required"),
            (Some(b), Some(v)) => check_value(&b.schema, v, "body", &mut problems),
            _ => {}
        }
        self.fail_on(problems)
    }

    fn check_path(&self, path: &[(String, String)], problems: &mut ValidationErrors) {
        for p in self.params_in(Location::Path) {
            match path.iter().find(|(k, _)| k == &p.name) {
                None => add(problems, format!("path.{}", p.name), "is required"),
                Some((_, v)) if v.is_empty() => {
                    add(problems, format!("path.{}", p.name), "must not be empty")
                }
                Some((_, v)) => {
                    if let Some(why) = text_mismatch(&p.schema, v) {
                        add(problems, format!("path.{}", p.name), &why);
                    }
                }
            }
        }
        for (k, _) in path {
            if !self.params_in(Location::Path).any(|p| &p.name == k) {
                add(
                    problems,
                    format!("path.{k}"),
                    "is not a path parameter of this operation",
                );
            }
        }
    }

    fn fail_on(&self, problems: ValidationErrors) -> Result<()> {
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidCall {
                operation: self.id.clone(),
                problems,
            })
        }
    }
}

fn add(problems: &mut ValidationErrors, key: String, message: &str) {
    problems.entry(key).or_default().push(message.to_owned());
}

/// A path or query value is text: does it read as the schema's type?
fn text_mismatch(schema: &Schema, v: &str) -> Option<String> {
    let ok = match schema.ty.as_deref() {
        Some("integer") => {
            let digits = v.strip_prefix('-').unwrap_or(v);
            !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
        }
        Some("number") => v.parse::<f64>().is_ok_and(f64::is_finite),
        Some("boolean") => v == "true" || v == "false",
        _ => true,
    };
    if !ok {
        return Some(format!(
            "must be {}, got {v:?}",
            article(schema.ty.as_deref().unwrap_or(""))
        ));
    }
    if !schema.allowed.is_empty() && schema.ty.as_deref() == Some("string") {
        let listed = schema
            .allowed
            .iter()
            .any(|a| a.as_str().is_some_and(|s| s == v));
        if !listed {
            return Some(format!("must be one of {}", list(&schema.allowed)));
        }
    }
    None
}

fn article(ty: &str) -> String {
    match ty {
        "integer" | "array" | "object" => format!("an {ty}"),
        "" => "a value".into(),
        _ => format!("a {ty}"),
    }
}

fn list(values: &[Value]) -> String {
    values
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A JSON body value against its schema: required fields present (null counts as missing),
/// each value of the right JSON type, recursively; fields the schema does not name pass.
fn check_value(schema: &Schema, v: &Value, at: &str, problems: &mut ValidationErrors) {
    if v.is_null() {
        return; // Procore takes null to clear a field.
    }
    let ok = match schema.ty.as_deref() {
        Some("integer") => v.as_i64().is_some() || v.as_u64().is_some(),
        Some("number") => v.is_number(),
        Some("string") => v.is_string(),
        Some("boolean") => v.is_boolean(),
        Some("array") => v.is_array(),
        Some("object") => v.is_object(),
        _ => true,
    };
    if !ok {
        let want = article(schema.ty.as_deref().unwrap_or(""));
        add(
            problems,
            at.into(),
            &format!("must be {want}, not {}", kind_of(v)),
        );
        return;
    }
    if !schema.allowed.is_empty() && !schema.allowed.contains(v) {
        add(
            problems,
            at.into(),
            &format!("must be one of {}", list(&schema.allowed)),
        );
    }
    match v {
        Value::Object(map) => {
            for r in &schema.required {
                if map.get(r).is_none_or(Value::is_null) {
                    add(problems, format!("{at}.{r}"), "is required");
                }
            }
            for (k, sub) in map {
                if let Some(s) = schema.properties.get(k) {
                    check_value(s, sub, &format!("{at}.{k}"), problems);
                }
            }
        }
        Value::Array(items) => {
            if let Some(s) = &schema.items {
                for (i, item) in items.iter().enumerate() {
                    check_value(s, item, &format!("{at}[{i}]"), problems);
                }
            }
        }
        _ => {}
    }
}

/// The text of a path parameter's value.
fn path_text(name: &str, v: &QueryValue) -> Result<String> {
    match v {
        QueryValue::Str(s) => Ok(s.clone()),
        QueryValue::Int(i) => Ok(i.to_string()),
        QueryValue::Bool(b) => Ok(b.to_string()),
        QueryValue::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.007e15 => {
            Ok(format!("{}", *f as i64))
        }
        _ => Err(Error::Config(format!(
            "path parameter {name} must be a string or a whole number"
        ))),
    }
}

impl RequestSpec {
    /// A call of the catalog's operation `operation_id`: `path` fills the path template (a
    /// mapping), `o` carries the query, the body and the rest as for any call. Checked first
    /// ([`Operation::check`]): a call that cannot succeed fails with `invalid_call` and sends
    /// nothing.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn demo(client: procore::Client) -> procore::Result<()> {
    /// use procore::{CallOptions, QueryValue, RequestSpec};
    /// use serde_json::json;
    ///
    /// let spec = RequestSpec::for_operation(
    ///     "RestV10ProjectsProjectIdRfisPost",
    ///     Some(&QueryValue::from_json(r#"{"project_id": 77}"#)?),
    ///     CallOptions {
    ///         json: Some(json!({ "rfi": { "subject": "Door hardware" } }).to_string().into()),
    ///         ..Default::default()
    ///     },
    /// )?;
    /// let rfi = client.send(&spec).await?.json_value()?;
    /// # let _ = rfi;
    /// # Ok(()) }
    /// ```
    pub fn for_operation(
        operation_id: &str,
        path: Option<&QueryValue>,
        o: CallOptions,
    ) -> Result<RequestSpec> {
        let op = Catalog::get().require(operation_id)?;
        let path_params: Vec<(String, String)> = match path {
            None | Some(QueryValue::Null) => Vec::new(),
            Some(QueryValue::Map(pairs)) => pairs
                .iter()
                .filter(|(_, v)| !matches!(v, QueryValue::Null))
                .map(|(k, v)| Ok((k.clone(), path_text(k, v)?)))
                .collect::<Result<_>>()?,
            Some(_) => {
                return Err(Error::config(
                    "the path parameters must be a mapping of names to values",
                ))
            }
        };
        let body: Option<Value> = match &o.json {
            Some(b) => Some(
                serde_json::from_slice(b)
                    .map_err(|e| Error::config(format!("the body is not valid JSON: {e}")))?,
            ),
            None => None,
        };
        if o.version.is_some() {
            return Err(Error::config(
                "an operation has its own API version: leave version unset",
            ));
        }
        // The whole call checked as it would go (path problems included), then the path filled.
        let mut spec = RequestSpec::from_options(&op.method, op.path.clone(), o)?;
        op.check(&path_params, &spec.query, body.as_ref())?;
        spec.path = op.fill(&path_params);
        Ok(spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREATE_RFI: &str = "RestV10ProjectsProjectIdRfisPost";

    #[test]
    fn the_embedded_catalog_has_every_operation() {
        let c = Catalog::get();
        assert_eq!(c.operations().len(), 2636);
        let op = c.operation(CREATE_RFI).unwrap();
        assert_eq!(op.method, "POST");
        assert_eq!(op.path, "/rest/v1.0/projects/{project_id}/rfis");
        assert_eq!(op.version, "v1.0");
        assert!(c.operation(&CREATE_RFI.to_lowercase()).is_some());
        assert!(c.operation("NoSuchOperation").is_none());
        assert_eq!(c.require("NoSuch").unwrap_err().code(), "config");
    }

    #[test]
    fn search_finds_rfi_operations_first() {
        let hits = Catalog::get().search("rfi");
        assert!(hits.len() > 10, "{}", hits.len());
        assert!(hits.iter().any(|o| o.id == CREATE_RFI));
        assert!(hits[0].summary.to_lowercase().contains("rfi"));
        assert!(Catalog::get()
            .search("create rfi")
            .iter()
            .any(|o| o.id == CREATE_RFI));
        assert!(Catalog::get().search("   ").is_empty());
        assert!(Catalog::get().search("zzzqqq").is_empty());
    }

    fn problems(e: Error) -> ValidationErrors {
        match e {
            Error::InvalidCall { problems, .. } => problems,
            other => panic!("not invalid_call: {other:?}"),
        }
    }

    #[test]
    fn check_names_every_problem() {
        let op = Catalog::get().operation(CREATE_RFI).unwrap();
        let body = serde_json::json!({"rfi": {"subject": 5, "question": {}}});
        let p = problems(op.check(&[], &[], Some(&body)).unwrap_err());
        assert_eq!(p["path.project_id"], ["is required"]);
        assert_eq!(p["body.rfi.subject"], ["must be a string, not an integer"]);
        assert_eq!(p["body.rfi.question.body"], ["is required"]);
        assert_eq!(p["body.rfi.rfi_manager_id"], ["is required"]);
        let path = [("project_id".to_string(), "abc".to_string())];
        let p = problems(op.check(&path, &[], None).unwrap_err());
        assert_eq!(p["path.project_id"], [r#"must be an integer, got "abc""#]);
        assert_eq!(p["body"], ["is required"]);
        let good = serde_json::json!({"rfi": {"subject": "S", "question": {"body": "Q"}, "rfi_manager_id": 7, "extra": [1]}});
        let path = [("project_id".to_string(), "5".to_string())];
        op.check(&path, &[], Some(&good)).unwrap();
        // Nulls clear fields: not a type error (but a required one must be there).
        let nulls = serde_json::json!({"rfi": {"subject": "S", "question": {"body": "Q"}, "rfi_manager_id": 7, "due_date": null}});
        op.check(&path, &[], Some(&nulls)).unwrap();
    }

    #[test]
    fn for_operation_fills_the_path_and_checks_the_query() {
        let path = QueryValue::Map(vec![("project_id".into(), QueryValue::Int(5))]);
        let body = serde_json::json!({"rfi": {"subject": "S", "question": {"body": "Q"}, "rfi_manager_id": 7}});
        let spec = RequestSpec::for_operation(
            CREATE_RFI,
            Some(&path),
            CallOptions {
                json: Some(serde_json::to_vec(&body).unwrap().into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(spec.path, "/rest/v1.0/projects/5/rfis");
        assert_eq!(spec.method, http::Method::POST);
        let e = RequestSpec::for_operation(CREATE_RFI, None, CallOptions::default()).unwrap_err();
        assert_eq!(e.code(), "invalid_call");
        let p = problems(e);
        assert!(
            p.contains_key("path.project_id") && p.contains_key("body"),
            "{p:?}"
        );
        let odd = QueryValue::Map(vec![("project_id".into(), QueryValue::Str("a/b".into()))]);
        let op = Catalog::get().operation(CREATE_RFI).unwrap();
        let filled = op.fill_path(&[("project_id".into(), "12".into())]).unwrap();
        assert_eq!(filled, "/rest/v1.0/projects/12/rfis");
        assert!(
            RequestSpec::for_operation(CREATE_RFI, Some(&odd), CallOptions::default()).is_err()
        );
    }

    #[test]
    fn a_required_query_parameter_is_checked() {
        let c = Catalog::get();
        let op = c
            .operations()
            .iter()
            .find(|o| {
                o.params_in(Location::Query).any(|p| p.required)
                    && o.params_in(Location::Path).count() == 0
            })
            .expect("an operation with a required query parameter");
        let name = op
            .params_in(Location::Query)
            .find(|p| p.required)
            .unwrap()
            .name
            .clone();
        let p = problems(op.check(&[], &[], None).unwrap_err());
        assert_eq!(p[&format!("query.{name}")], ["is required"]);
        let sent = [(format!("{name}[]"), "1".to_string())];
        let p = op
            .check(&[], &sent, None)
            .err()
            .map(problems)
            .unwrap_or_default();
        assert!(!p.contains_key(&format!("query.{name}")), "{p:?}");
    }
}
