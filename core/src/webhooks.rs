//! Webhooks: the API helpers (hooks, triggers, deliveries) and the receiving side (check a
//! delivery's headers, read its payload in v2, v3 or v4, recognise a delivery seen before).
//!
//! Procore signs nothing: a hook's `destination_headers` (say `Authorization: Bearer x`) are
//! echoed on every delivery, and the receiver compares them ([`headers_match`], in constant
//! time). Deliveries are retried and sometimes duplicated: [`Event::dedupe_key`] (`ulid` in v2
//! and v3, `id` in v4) with a [`Dedupe`] of bounded memory recognises the repeats.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

use bytes::Bytes;
use http::Method;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::options::Num;
use crate::request::RequestSpec;

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

/// Whose hooks: a company's or a project's (exactly one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HookScope {
    /// The hooks of this company (`company_id=` and its `Procore-Company-Id`).
    Company(u64),
    /// The hooks of this project (`project_id=`).
    Project(u64),
}

impl HookScope {
    /// The scope of a call: `project_id`, else `company_id`, else the client's company.
    pub fn resolve(
        client: &Client,
        company_id: Option<Num>,
        project_id: Option<Num>,
    ) -> Result<Self> {
        match (company_id, project_id) {
            (Some(_), Some(_)) => Err(Error::config(
                "a hook belongs to a company or to a project: give company_id or project_id, not both",
            )),
            (_, Some(p)) => Ok(HookScope::Project(p.whole("project_id", 1, u64::MAX)?)),
            (Some(c), None) => Ok(HookScope::Company(crate::options::company_id(c)?)),
            (None, None) => client.company_id().map(HookScope::Company).ok_or_else(|| {
                Error::config("give company_id or project_id (or set a company on the client)")
            }),
        }
    }

    fn query(self) -> (String, String) {
        match self {
            HookScope::Company(c) => ("company_id".into(), c.to_string()),
            HookScope::Project(p) => ("project_id".into(), p.to_string()),
        }
    }
}

/// The fields of a hook to create or change, as bindings fill them (`None`: not sent).
#[derive(Clone, Debug, Default)]
pub struct HookOptions {
    /// A company-level hook of this company (else the client's company, unless `project_id`).
    pub company_id: Option<Num>,
    /// A project-level hook of this project; excludes `company_id`.
    pub project_id: Option<Num>,
    /// Where deliveries go (http or https).
    pub destination_url: Option<String>,
    /// Echoed on every delivery; the receiver checks them ([`Receiver`]).
    pub destination_headers: Option<Vec<(String, String)>>,
    /// The payload version: `v2`, `v3`, `v4.0`.
    pub api_version: Option<String>,
    /// Your app's namespace for its hooks.
    pub namespace: Option<String>,
}

impl HookOptions {
    fn hook_body(&self, creating: bool) -> Result<Value> {
        let mut h = Map::new();
        match &self.destination_url {
            Some(u) => {
                let parsed = url::Url::parse(u)
                    .ok()
                    .filter(|p| matches!(p.scheme(), "http" | "https"));
                if parsed.is_none() {
                    return Err(Error::config(format!(
                        "destination_url must be an http(s) URL, got {u:?}"
                    )));
                }
                h.insert("destination_url".into(), json!(u));
            }
            None if creating => return Err(Error::config("destination_url is required")),
            None => {}
        }
        if let Some(hs) = &self.destination_headers {
            let mut m = Map::new();
            for (k, v) in hs {
                if k.trim().is_empty() || !k.bytes().all(|b| b.is_ascii_graphic()) {
                    return Err(Error::config(format!("invalid header name {k:?}")));
                }
                m.insert(k.clone(), json!(v));
            }
            h.insert("destination_headers".into(), Value::Object(m));
        }
        if let Some(v) = &self.api_version {
            h.insert("api_version".into(), json!(v));
        }
        if let Some(n) = &self.namespace {
            h.insert("namespace".into(), json!(n));
        }
        Ok(json!({ "hook": h }))
    }
}

fn list_of(v: Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        Value::Object(mut m) => match m.remove("data") {
            Some(Value::Array(a)) => a,
            _ => vec![Value::Object(m)],
        },
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// The status filter of [`Client::list_deliveries`].
pub const DELIVERY_STATUSES: &[&str] = &["any", "successful", "failing", "discarded"];

impl Client {
    fn hook_call(
        &self,
        method: Method,
        path: String,
        scope: HookScope,
        body: Option<Value>,
    ) -> RequestSpec {
        let mut s = RequestSpec::new(method, format!("/rest/v1.0/webhooks/hooks{path}"));
        s.query.push(scope.query());
        if let HookScope::Company(c) = scope {
            s.company = crate::request::CompanyChoice::Id(c);
        }
        s.body = body.map(|b| Bytes::from(b.to_string()));
        s
    }

    /// `POST /webhooks/hooks`: a hook of a company or project; the created hook.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn demo(client: procore::Client) -> procore::Result<()> {
    /// use procore::webhooks::{HookOptions, HookScope};
    /// use procore::Num;
    ///
    /// let hook = client
    ///     .create_hook(&HookOptions {
    ///         project_id: Some(Num::Int(77)),
    ///         destination_url: Some("https://hooks.example.com/procore".into()),
    ///         destination_headers: Some(vec![(
    ///             "Authorization".into(),
    ///             "Bearer my-hook-secret".into(),
    ///         )]),
    ///         api_version: Some("v4.0".into()),
    ///         ..Default::default()
    ///     })
    ///     .await?;
    /// let hook_id = hook["id"].as_u64().expect("a hook id");
    /// client
    ///     .create_trigger(hook_id, HookScope::Project(77), "RFIs", "create")
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_hook(&self, o: &HookOptions) -> Result<Value> {
        let scope = HookScope::resolve(self, o.company_id, o.project_id)?;
        let body = o.hook_body(true)?;
        self.send(&self.hook_call(Method::POST, String::new(), scope, Some(body)))
            .await?
            .json_value()
    }

    /// `PATCH /webhooks/hooks/{id}`: changes the given fields; the hook.
    pub async fn update_hook(&self, hook_id: u64, o: &HookOptions) -> Result<Value> {
        let scope = HookScope::resolve(self, o.company_id, o.project_id)?;
        let body = o.hook_body(false)?;
        self.send(&self.hook_call(Method::PATCH, format!("/{hook_id}"), scope, Some(body)))
            .await?
            .json_value()
    }

    /// `GET /webhooks/hooks`: the hooks of a company or project.
    pub async fn list_hooks(&self, scope: HookScope) -> Result<Vec<Value>> {
        let r = self
            .send(&self.hook_call(Method::GET, String::new(), scope, None))
            .await?;
        Ok(list_of(r.json_value()?))
    }

    /// `DELETE /webhooks/hooks/{id}`.
    pub async fn delete_hook(&self, hook_id: u64, scope: HookScope) -> Result<()> {
        self.send(&self.hook_call(Method::DELETE, format!("/{hook_id}"), scope, None))
            .await
            .map(drop)
    }

    /// `POST /webhooks/hooks/{id}/triggers`: deliver `event_type` (`create`, `update`,
    /// `delete`) of `resource_name` (`RFIs`, `Submittals`, ...); the trigger.
    pub async fn create_trigger(
        &self,
        hook_id: u64,
        scope: HookScope,
        resource_name: &str,
        event_type: &str,
    ) -> Result<Value> {
        if resource_name.trim().is_empty() || event_type.trim().is_empty() {
            return Err(Error::config(
                "a trigger needs a resource_name and an event_type",
            ));
        }
        let body = json!({"trigger": {"resource_name": resource_name, "event_type": event_type}});
        self.send(&self.hook_call(
            Method::POST,
            format!("/{hook_id}/triggers"),
            scope,
            Some(body),
        ))
        .await?
        .json_value()
    }

    /// `GET /webhooks/hooks/{id}/triggers`.
    pub async fn list_triggers(&self, hook_id: u64, scope: HookScope) -> Result<Vec<Value>> {
        let r = self
            .send(&self.hook_call(Method::GET, format!("/{hook_id}/triggers"), scope, None))
            .await?;
        Ok(list_of(r.json_value()?))
    }

    /// `DELETE /webhooks/hooks/{id}/triggers/{trigger_id}`.
    pub async fn delete_trigger(
        &self,
        hook_id: u64,
        trigger_id: u64,
        scope: HookScope,
    ) -> Result<()> {
        let path = format!("/{hook_id}/triggers/{trigger_id}");
        self.send(&self.hook_call(Method::DELETE, path, scope, None))
            .await
            .map(drop)
    }

    /// `GET /webhooks/hooks/{id}/deliveries`, with `filter[status]` (one of
    /// [`DELIVERY_STATUSES`]; all when `None`).
    pub async fn list_deliveries(
        &self,
        hook_id: u64,
        scope: HookScope,
        status: Option<&str>,
    ) -> Result<Vec<Value>> {
        let mut s = self.hook_call(Method::GET, format!("/{hook_id}/deliveries"), scope, None);
        if let Some(st) = status {
            if !DELIVERY_STATUSES.contains(&st) {
                return Err(Error::config(format!(
                    "status must be one of {DELIVERY_STATUSES:?}, got {st:?}"
                )));
            }
            s.query.push(("filter[status]".into(), st.to_owned()));
        }
        Ok(list_of(self.send(&s).await?.json_value()?))
    }
}

/// The options of one webhook API call by name ([`Client::webhooks`]), as bindings fill them.
#[derive(Clone, Debug, Default)]
pub struct WebhookCallOptions {
    /// The hook's fields and its scope (`company_id` / `project_id`).
    pub hook: HookOptions,
    /// `delete_trigger`: the trigger.
    pub trigger_id: Option<Num>,
    /// `create_trigger`: `RFIs`, `Submittals`, ...
    pub resource_name: Option<String>,
    /// `create_trigger`: `create`, `update` or `delete`.
    pub event_type: Option<String>,
    /// `list_deliveries`: one of [`DELIVERY_STATUSES`].
    pub status: Option<String>,
}

/// The actions of [`Client::webhooks`].
pub const WEBHOOK_ACTIONS: &[&str] = &[
    "create_hook",
    "update_hook",
    "list_hooks",
    "delete_hook",
    "create_trigger",
    "list_triggers",
    "delete_trigger",
    "list_deliveries",
];

impl Client {
    /// One webhook API call by name (one of [`WEBHOOK_ACTIONS`]): the entry point every binding
    /// shares, so that the names, the checks and the answers are the same in each language.
    /// A created or changed hook or trigger is its JSON object, a list is a JSON array, a
    /// delete is `null`.
    pub async fn webhooks(
        &self,
        action: &str,
        hook_id: Option<Num>,
        o: WebhookCallOptions,
    ) -> Result<Value> {
        let needs_hook = !matches!(action, "create_hook" | "list_hooks");
        let hook_id = match (needs_hook, hook_id) {
            (true, Some(n)) => n.whole("hook_id", 1, u64::MAX)?,
            (true, None) => return Err(Error::config(format!("{action} needs a hook_id"))),
            (false, None) => 0,
            (false, Some(_)) => return Err(Error::config(format!("{action} takes no hook_id"))),
        };
        let scope = || HookScope::resolve(self, o.hook.company_id, o.hook.project_id);
        let text = |name: &str, v: &Option<String>| {
            v.clone()
                .ok_or_else(|| Error::config(format!("{action} needs {name}")))
        };
        let array = |v: Vec<Value>| Value::Array(v);
        match action {
            "create_hook" => self.create_hook(&o.hook).await,
            "update_hook" => self.update_hook(hook_id, &o.hook).await,
            "list_hooks" => self.list_hooks(scope()?).await.map(array),
            "delete_hook" => self
                .delete_hook(hook_id, scope()?)
                .await
                .map(|()| Value::Null),
            "create_trigger" => {
                let r = text("resource_name", &o.resource_name)?;
                let e = text("event_type", &o.event_type)?;
                self.create_trigger(hook_id, scope()?, &r, &e).await
            }
            "list_triggers" => self.list_triggers(hook_id, scope()?).await.map(array),
            "delete_trigger" => {
                let t = o
                    .trigger_id
                    .ok_or_else(|| Error::config("delete_trigger needs a trigger_id"))?
                    .whole("trigger_id", 1, u64::MAX)?;
                self.delete_trigger(hook_id, t, scope()?)
                    .await
                    .map(|()| Value::Null)
            }
            "list_deliveries" => self
                .list_deliveries(hook_id, scope()?, o.status.as_deref())
                .await
                .map(array),
            _ => Err(Error::config(format!(
                "unknown webhook action {action:?}; one of {WEBHOOK_ACTIONS:?}"
            ))),
        }
    }
}

/// What the receiver made of a delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Authentic and not seen before: process it (answer 200).
    Accepted,
    /// Authentic, but this event was delivered before: answer 200 and do nothing.
    Duplicate,
    /// The destination headers are missing or wrong: answer 401, ignore the body.
    Rejected,
}

impl Verdict {
    /// `accepted`, `duplicate`, `rejected`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Accepted => "accepted",
            Verdict::Duplicate => "duplicate",
            Verdict::Rejected => "rejected",
        }
    }

    /// The HTTP status to answer Procore with.
    pub fn status(self) -> u16 {
        match self {
            Verdict::Rejected => 401,
            _ => 200,
        }
    }
}

/// One delivery, judged.
#[derive(Clone, Debug)]
pub struct Delivery {
    /// What to do with it, and so which status to answer ([`Verdict::status`]).
    pub verdict: Verdict,
    /// The event (`None` for a rejected delivery: its body is not read).
    pub event: Option<Event>,
    /// The de-duplication key, when the payload has one.
    pub key: Option<String>,
}

impl Delivery {
    /// `{"verdict", "status", "key", "event"}` (the event as received), the form every binding
    /// returns.
    pub fn to_json(&self) -> Value {
        json!({
            "verdict": self.verdict.as_str(),
            "status": self.verdict.status(),
            "key": self.key,
            "event": self.event.as_ref().map(|e| e.raw.clone()),
        })
    }
}

enum Seen {
    Memory(Mutex<Dedupe>),
    #[cfg(feature = "redis")]
    Redis {
        link: Box<crate::redis_link::RedisLink>,
        prefix: String,
        ttl: std::time::Duration,
    },
}

/// The receiving side in one object: checks the destination headers (constant time), reads
/// the payload, and tells a repeat delivery from a new one, in memory (bounded) or in Redis
/// (shared by every receiver process, keys kept for a TTL).
///
/// # Examples
///
/// In the HTTP handler of the hook's `destination_url` (any server framework):
///
/// ```no_run
/// # async fn demo(headers: &http::HeaderMap, body: &[u8]) -> procore::Result<()> {
/// use procore::webhooks::{Receiver, Verdict, DEFAULT_REMEMBER};
///
/// let receiver = Receiver::new(
///     vec![("Authorization".into(), "Bearer my-hook-secret".into())],
///     DEFAULT_REMEMBER,
/// );
/// // Once per delivery:
/// let pairs: Vec<(&str, &[u8])> = headers
///     .iter()
///     .map(|(k, v)| (k.as_str(), v.as_bytes()))
///     .collect();
/// let delivery = receiver.receive(pairs, body).await?;
/// if delivery.verdict == Verdict::Accepted {
///     if let Some(event) = &delivery.event {
///         println!("{:?} {:?} {:?}", event.action(), event.resource(), event.resource_id);
///     }
/// }
/// let status = delivery.verdict.status(); // answer Procore with this
/// # let _ = status;
/// # Ok(()) }
/// ```
pub struct Receiver {
    expected: Vec<(String, String)>,
    seen: Seen,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The expected header values are secrets: only their names are shown.
        let names: Vec<&str> = self.expected.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("Receiver").field("headers", &names).finish()
    }
}

/// How a [`Receiver`] is made, as bindings fill it.
#[derive(Clone, Debug, Default)]
pub struct ReceiverOptions {
    /// The destination headers every authentic delivery carries.
    pub headers: Vec<(String, String)>,
    /// In memory: how many event keys to remember (default [`DEFAULT_REMEMBER`]).
    pub remember: Option<Num>,
    /// Remember the keys in this Redis instead (shared by every receiver process).
    pub redis_url: Option<String>,
    /// The Redis key prefix (default [`DEFAULT_DEDUPE_PREFIX`]).
    pub redis_prefix: Option<String>,
    /// How long Redis keeps a key (default a day: Procore stops retrying after 12 hours).
    pub ttl: Option<crate::options::Span>,
}

/// The Redis key prefix of the webhook dedupe unless told otherwise.
pub const DEFAULT_DEDUPE_PREFIX: &str = "procore:webhooks:seen:";
/// How long the Redis dedupe keeps a key unless told otherwise.
pub const DEFAULT_DEDUPE_TTL: std::time::Duration = std::time::Duration::from_secs(86_400);

/// Keys a receiver remembers in memory unless told otherwise.
pub const DEFAULT_REMEMBER: usize = 10_000;

impl Receiver {
    /// A receiver expecting `headers` on every delivery, remembering the last `remember` keys.
    pub fn new(headers: Vec<(String, String)>, remember: usize) -> Receiver {
        Receiver {
            expected: headers,
            seen: Seen::Memory(Mutex::new(Dedupe::new(remember))),
        }
    }

    /// A receiver whose keys live in Redis (`SET NX` with a TTL) under `prefix`, so that every
    /// receiver process sees each event once. Procore stops retrying after 12 hours, so a TTL
    /// of a day covers every repeat.
    #[cfg(feature = "redis")]
    pub fn with_redis(
        headers: Vec<(String, String)>,
        url: &str,
        prefix: &str,
        ttl: std::time::Duration,
    ) -> Result<Receiver> {
        if ttl.as_secs() == 0 {
            return Err(Error::config("the dedupe ttl must be at least one second"));
        }
        Ok(Receiver {
            expected: headers,
            seen: Seen::Redis {
                link: Box::new(crate::redis_link::RedisLink::open(
                    url,
                    "redis webhook dedupe",
                    std::time::Duration::from_secs(2),
                )?),
                prefix: prefix.to_owned(),
                ttl,
            },
        })
    }

    /// A receiver from the options bindings fill: in memory unless `redis_url` is given.
    pub fn from_options(o: ReceiverOptions) -> Result<Receiver> {
        for (k, _) in &o.headers {
            if k.trim().is_empty() || !k.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(Error::config(format!("invalid header name {k:?}")));
            }
        }
        if let Some(url) = o.redis_url {
            #[cfg(feature = "redis")]
            {
                let ttl = o
                    .ttl
                    .map(|t| t.resolve("ttl"))
                    .transpose()?
                    .unwrap_or(DEFAULT_DEDUPE_TTL);
                let prefix = o.redis_prefix.as_deref().unwrap_or(DEFAULT_DEDUPE_PREFIX);
                return Receiver::with_redis(o.headers, &url, prefix, ttl);
            }
            #[cfg(not(feature = "redis"))]
            {
                let _ = url;
                return Err(Error::config(
                    "a Redis dedupe needs the SDK built with the `redis` feature",
                ));
            }
        }
        let remember = o
            .remember
            .map(|n| n.whole("remember", 1, 100_000_000))
            .transpose()?
            .map_or(DEFAULT_REMEMBER, |n| n as usize);
        Ok(Receiver::new(o.headers, remember))
    }

    /// True when `key` was seen before; records it otherwise.
    pub async fn seen_before(&self, key: &str) -> Result<bool> {
        match &self.seen {
            Seen::Memory(d) => Ok(d
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_duplicate(key)),
            #[cfg(feature = "redis")]
            Seen::Redis { link, prefix, ttl } => {
                let k = format!("{prefix}{key}");
                let secs = ttl.as_secs();
                let set: Option<String> = link
                    .run("set", |mut c| {
                        let k = k.clone();
                        async move {
                            redis::cmd("SET")
                                .arg(&k)
                                .arg(1)
                                .arg("NX")
                                .arg("EX")
                                .arg(secs)
                                .query_async(&mut c)
                                .await
                        }
                    })
                    .await?;
                Ok(set.is_none())
            }
        }
    }

    /// Judges one delivery: its headers (any case), then its body. A body that is not a
    /// webhook payload is a `decode` error (answer 400).
    pub async fn receive<'a>(
        &self,
        headers: impl IntoIterator<Item = (&'a str, &'a [u8])> + Clone,
        body: &[u8],
    ) -> Result<Delivery> {
        if !headers_match(&self.expected, headers) {
            return Ok(Delivery {
                verdict: Verdict::Rejected,
                event: None,
                key: None,
            });
        }
        let event = Event::parse(body)?;
        let key = event.dedupe_key();
        let verdict = match &key {
            Some(k) if self.seen_before(k).await? => Verdict::Duplicate,
            _ => Verdict::Accepted,
        };
        Ok(Delivery {
            verdict,
            event: Some(event),
            key,
        })
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

    #[tokio::test]
    async fn the_receiver_rejects_forgeries_and_knows_repeats() {
        let r = Receiver::new(vec![("Authorization".into(), "Bearer s3cret".into())], 10);
        let body = br#"{"id": 1, "ulid": "01K", "event_type": "create", "resource_name": "RFIs"}"#;
        let good = [("authorization", &b"Bearer s3cret"[..])];
        let forged = [("authorization", &b"Bearer guess"[..])];
        let d = r.receive(forged.iter().copied(), body).await.unwrap();
        assert_eq!((d.verdict, d.verdict.status()), (Verdict::Rejected, 401));
        assert!(d.event.is_none());
        let d = r.receive(good.iter().copied(), body).await.unwrap();
        assert_eq!(d.verdict, Verdict::Accepted);
        assert_eq!(d.to_json()["event"]["ulid"], "01K");
        let d = r.receive(good.iter().copied(), body).await.unwrap();
        assert_eq!(d.verdict, Verdict::Duplicate);
        assert_eq!(
            r.receive(good.iter().copied(), b"<html>")
                .await
                .unwrap_err()
                .code(),
            "decode"
        );
        assert!(!format!("{r:?}").contains("s3cret"));
    }

    #[test]
    fn hook_bodies_are_checked() {
        let o = HookOptions {
            destination_url: Some("ftp://x".into()),
            ..Default::default()
        };
        assert!(o.hook_body(true).is_err());
        assert!(HookOptions::default().hook_body(true).is_err());
        let o = HookOptions {
            destination_headers: Some(vec![("X-Key".into(), "v".into())]),
            api_version: Some("v4.0".into()),
            ..Default::default()
        };
        let b = o.hook_body(false).unwrap();
        assert_eq!(b["hook"]["destination_headers"]["X-Key"], "v");
        assert!(b["hook"].get("destination_url").is_none());
        assert_eq!(list_of(json!({"data": [1, 2]})).len(), 2);
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
