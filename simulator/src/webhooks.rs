//! Webhooks (`/rest/v1.0/webhooks/hooks...`): hooks with destination headers, triggers, and
//! real deliveries. Creating, updating or deleting an RFI posts a v2 event (or v4, for a hook
//! created with `api_version` `v4.0`) to each matching hook's destination URL with its
//! destination headers. A delivery that gets no 2xx within 5 s is retried with backoff
//! (0.5 s, 1 s, 2 s, 4 s, then discarded after 5 attempts) and every attempt shows in the
//! hook's deliveries (`filter[status]`: any, successful, failing, discarded). With
//! `webhook_duplicates` on, each event is delivered twice.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Map, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::util::LockExt;

/// Attempts per delivery before it is discarded.
pub(crate) const MAX_ATTEMPTS: u32 = 5;
/// The receiver's time to answer.
const ANSWER_WITHIN: Duration = Duration::from_secs(5);

#[derive(Clone, Debug)]
struct Hook {
    id: u64,
    company_id: Option<u64>,
    project_id: Option<u64>,
    api_version: String,
    namespace: String,
    destination_url: String,
    destination_headers: Vec<(String, String)>,
    triggers: Vec<Trigger>,
}

#[derive(Clone, Debug)]
struct Trigger {
    id: u64,
    resource_name: String,
    event_type: String,
}

#[derive(Clone, Debug)]
struct Delivery {
    id: u64,
    hook_id: u64,
    event_key: String,
    status: &'static str,
    attempts: u32,
    response_status: Option<u16>,
    error: Option<String>,
    payload: Value,
}

/// Every hook and delivery of the simulator.
#[derive(Default)]
pub(crate) struct Webhooks {
    hooks: Mutex<Vec<Hook>>,
    deliveries: Mutex<Vec<Delivery>>,
    next_id: AtomicU64,
    event_seq: AtomicU64,
}

/// A webhook route's answer: status and JSON (or an error message).
pub(crate) type Answer = Result<(u16, Value), (u16, String)>;

fn bad(msg: &str) -> (u16, String) {
    (400, msg.to_owned())
}

fn headers_of(v: Option<&Value>) -> Result<Vec<(String, String)>, (u16, String)> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                _ => Err(bad("destination_headers values must be strings")),
            })
            .collect(),
        Some(_) => Err(bad("destination_headers must be an object")),
    }
}

impl Hook {
    fn view(&self) -> Value {
        let headers: Map<String, Value> = self
            .destination_headers
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        json!({
            "id": self.id,
            "company_id": self.company_id,
            "project_id": self.project_id,
            "api_version": self.api_version,
            "namespace": self.namespace,
            "destination_url": self.destination_url,
            "destination_headers": headers,
            "triggers": self.triggers.iter().map(Trigger::view).collect::<Vec<_>>(),
        })
    }
}

impl Trigger {
    fn view(&self) -> Value {
        json!({"id": self.id, "resource_name": self.resource_name, "event_type": self.event_type})
    }
}

impl Delivery {
    fn view(&self) -> Value {
        json!({
            "id": self.id,
            "hook_id": self.hook_id,
            "event_id": self.event_key,
            "status": self.status,
            "attempts": self.attempts,
            "response_status": self.response_status,
            "response_error": self.error,
            "payload": self.payload,
        })
    }
}

impl Webhooks {
    fn id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// `POST /webhooks/hooks` with `{hook: {...}}` and `company_id` or `project_id` (in the
    /// query or the body).
    pub(crate) fn create_hook(&self, scope: (Option<u64>, Option<u64>), body: &Value) -> Answer {
        let (company_id, project_id) = scope;
        if company_id.is_none() && project_id.is_none() {
            return Err(bad("company_id or project_id is required"));
        }
        let h = body
            .get("hook")
            .ok_or_else(|| bad("param is missing: hook"))?;
        let url = h
            .get("destination_url")
            .and_then(Value::as_str)
            .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
            .ok_or_else(|| bad("hook.destination_url must be an http(s) URL"))?;
        let hook = Hook {
            id: self.id(),
            company_id,
            project_id,
            api_version: h
                .get("api_version")
                .or_else(|| h.get("payload_version"))
                .and_then(Value::as_str)
                .unwrap_or("v2")
                .to_owned(),
            namespace: h
                .get("namespace")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            destination_url: url.to_owned(),
            destination_headers: headers_of(h.get("destination_headers"))?,
            triggers: Vec::new(),
        };
        let view = hook.view();
        self.hooks.lock_ok().push(hook);
        Ok((201, view))
    }

    /// `GET /webhooks/hooks` for a company or project.
    pub(crate) fn list_hooks(&self, scope: (Option<u64>, Option<u64>)) -> Answer {
        let hooks = self.hooks.lock_ok();
        let list: Vec<Value> = hooks
            .iter()
            .filter(|h| {
                (scope.0.is_some() && h.company_id == scope.0)
                    || (scope.1.is_some() && h.project_id == scope.1)
            })
            .map(Hook::view)
            .collect();
        Ok((200, Value::Array(list)))
    }

    /// `PATCH /webhooks/hooks/{id}`.
    pub(crate) fn update_hook(&self, id: u64, body: &Value) -> Answer {
        let mut hooks = self.hooks.lock_ok();
        let hook = hooks
            .iter_mut()
            .find(|h| h.id == id)
            .ok_or((404, "Hook not found".to_owned()))?;
        let h = body
            .get("hook")
            .ok_or_else(|| bad("param is missing: hook"))?;
        if let Some(url) = h.get("destination_url").and_then(Value::as_str) {
            hook.destination_url = url.to_owned();
        }
        if h.get("destination_headers").is_some() {
            hook.destination_headers = headers_of(h.get("destination_headers"))?;
        }
        if let Some(v) = h.get("api_version").and_then(Value::as_str) {
            hook.api_version = v.to_owned();
        }
        if let Some(n) = h.get("namespace").and_then(Value::as_str) {
            hook.namespace = n.to_owned();
        }
        Ok((200, hook.view()))
    }

    /// `DELETE /webhooks/hooks/{id}`.
    pub(crate) fn delete_hook(&self, id: u64) -> Answer {
        let mut hooks = self.hooks.lock_ok();
        let before = hooks.len();
        hooks.retain(|h| h.id != id);
        if hooks.len() == before {
            return Err((404, "Hook not found".to_owned()));
        }
        Ok((204, Value::Null))
    }

    /// `POST /webhooks/hooks/{id}/triggers` with `{trigger: {resource_name, event_type}}`.
    pub(crate) fn create_trigger(&self, hook_id: u64, body: &Value) -> Answer {
        let t = body
            .get("trigger")
            .ok_or_else(|| bad("param is missing: trigger"))?;
        let field = |k: &str| {
            t.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| bad(&format!("trigger.{k} is required")))
        };
        let (resource_name, event_type) = (field("resource_name")?, field("event_type")?);
        if !matches!(event_type.as_str(), "create" | "update" | "delete") {
            return Err(bad("trigger.event_type must be create, update or delete"));
        }
        let trigger = Trigger {
            id: self.id(),
            resource_name,
            event_type,
        };
        let view = trigger.view();
        let mut hooks = self.hooks.lock_ok();
        let hook = hooks
            .iter_mut()
            .find(|h| h.id == hook_id)
            .ok_or((404, "Hook not found".to_owned()))?;
        hook.triggers.push(trigger);
        Ok((201, view))
    }

    /// `GET /webhooks/hooks/{id}/triggers`.
    pub(crate) fn list_triggers(&self, hook_id: u64) -> Answer {
        let hooks = self.hooks.lock_ok();
        let hook = hooks
            .iter()
            .find(|h| h.id == hook_id)
            .ok_or((404, "Hook not found".to_owned()))?;
        Ok((
            200,
            Value::Array(hook.triggers.iter().map(Trigger::view).collect()),
        ))
    }

    /// `DELETE /webhooks/hooks/{id}/triggers/{trigger_id}`.
    pub(crate) fn delete_trigger(&self, hook_id: u64, trigger_id: u64) -> Answer {
        let mut hooks = self.hooks.lock_ok();
        let hook = hooks
            .iter_mut()
            .find(|h| h.id == hook_id)
            .ok_or((404, "Hook not found".to_owned()))?;
        let before = hook.triggers.len();
        hook.triggers.retain(|t| t.id != trigger_id);
        if hook.triggers.len() == before {
            return Err((404, "Trigger not found".to_owned()));
        }
        Ok((204, Value::Null))
    }

    /// `GET /webhooks/hooks/{id}/deliveries` (`filter[status]`).
    pub(crate) fn list_deliveries(&self, hook_id: u64, status: Option<&str>) -> Answer {
        if !self.hooks.lock_ok().iter().any(|h| h.id == hook_id) {
            return Err((404, "Hook not found".to_owned()));
        }
        let wanted = status.filter(|s| *s != "any");
        if let Some(s) = wanted {
            if !matches!(s, "successful" | "failing" | "discarded") {
                return Err(bad(
                    "filter[status] must be any, successful, failing or discarded",
                ));
            }
        }
        let all = self.deliveries.lock_ok();
        let list: Vec<Value> = all
            .iter()
            .filter(|d| d.hook_id == hook_id && wanted.is_none_or(|s| d.status == s))
            .map(Delivery::view)
            .collect();
        Ok((200, Value::Array(list)))
    }

    /// An RFI of `project_id` (company `company_id`) was created, updated or deleted: posts an
    /// event to every hook whose scope and triggers match (`times` deliveries of each).
    pub(crate) fn rfi_event(
        self: &Arc<Self>,
        company_id: u64,
        project_id: u64,
        rfi_id: u64,
        event_type: &str,
        user_id: u64,
        times: u32,
    ) {
        let hooks: Vec<Hook> = self
            .hooks
            .lock_ok()
            .iter()
            .filter(|h| h.project_id == Some(project_id) || h.company_id == Some(company_id))
            .filter(|h| {
                h.triggers
                    .iter()
                    .any(|t| t.resource_name == "RFIs" && t.event_type == event_type)
            })
            .cloned()
            .collect();
        for hook in hooks {
            let seq = self.event_seq.fetch_add(1, Ordering::Relaxed) + 1;
            let ulid = ulid_like(seq);
            let now = crate::util::now_unix();
            let payload = if hook.api_version.starts_with("v4") {
                json!({
                    "id": ulid, "timestamp": iso(now), "reason": event_type,
                    "company_id": company_id.to_string(), "project_id": project_id.to_string(),
                    "user_id": user_id.to_string(), "resource_type": "RFIs",
                    "resource_id": rfi_id.to_string(),
                })
            } else {
                json!({
                    "id": seq, "ulid": ulid, "timestamp": iso(now),
                    "metadata": {"source_user_id": user_id, "source_project_id": project_id,
                                 "source_company_id": company_id, "source_operation_id": null,
                                 "source_application_id": null},
                    "user_id": user_id, "company_id": company_id, "project_id": project_id,
                    "api_version": hook.api_version, "event_type": event_type,
                    "resource_name": "RFIs", "resource_id": rfi_id,
                })
            };
            for _ in 0..times.max(1) {
                let id = self.id();
                self.deliveries.lock_ok().push(Delivery {
                    id,
                    hook_id: hook.id,
                    event_key: ulid.clone(),
                    status: "failing",
                    attempts: 0,
                    response_status: None,
                    error: None,
                    payload: payload.clone(),
                });
                let (this, hook) = (self.clone(), hook.clone());
                if let Ok(rt) = tokio::runtime::Handle::try_current() {
                    rt.spawn(async move { this.deliver(id, hook).await });
                }
            }
        }
    }

    async fn deliver(self: Arc<Self>, delivery_id: u64, hook: Hook) {
        let payload = {
            let all = self.deliveries.lock_ok();
            match all.iter().find(|d| d.id == delivery_id) {
                Some(d) => d.payload.to_string(),
                None => return,
            }
        };
        let mut pause = Duration::from_millis(500);
        for attempt in 1..=MAX_ATTEMPTS {
            let outcome = tokio::time::timeout(
                ANSWER_WITHIN,
                post(&hook.destination_url, &hook.destination_headers, &payload),
            )
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {ANSWER_WITHIN:?}")));
            let done = {
                let mut all = self.deliveries.lock_ok();
                let Some(d) = all.iter_mut().find(|d| d.id == delivery_id) else {
                    return;
                };
                d.attempts = attempt;
                match outcome {
                    Ok(status) if (200..300).contains(&status) => {
                        d.status = "successful";
                        d.response_status = Some(status);
                        d.error = None;
                        true
                    }
                    Ok(status) => {
                        d.response_status = Some(status);
                        d.error = Some(format!("HTTP {status}"));
                        false
                    }
                    Err(e) => {
                        d.response_status = None;
                        d.error = Some(e);
                        false
                    }
                }
            };
            if done {
                return;
            }
            if attempt == MAX_ATTEMPTS {
                break;
            }
            tokio::time::sleep(pause).await;
            pause *= 2;
        }
        let mut all = self.deliveries.lock_ok();
        if let Some(d) = all.iter_mut().find(|d| d.id == delivery_id) {
            d.status = "discarded";
        }
    }

    /// Forgets every hook and delivery.
    pub(crate) fn reset(&self) {
        self.hooks.lock_ok().clear();
        self.deliveries.lock_ok().clear();
    }
}

/// A ULID-shaped id (26 Crockford base-32 characters) that sorts by sequence.
fn ulid_like(seq: u64) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut n = (u128::from(crate::util::now_unix().max(0) as u64) << 64) | u128::from(seq);
    let mut out = [b'0'; 26];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n & 31) as usize];
        n >>= 5;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn iso(unix: i64) -> String {
    crate::util::iso8601(unix)
}

/// One HTTP/1.1 POST of `body` (JSON) to an `http://` URL with `headers`: the answer's status.
async fn post(url: &str, headers: &[(String, String)], body: &str) -> Result<u16, String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("bad destination URL: {e}"))?;
    if parsed.scheme() != "http" {
        return Err("the simulator delivers to http:// destinations only".into());
    }
    let host = parsed.host_str().ok_or("no host")?.to_owned();
    let port = parsed.port_or_known_default().unwrap_or(80);
    let mut path = parsed.path().to_owned();
    if let Some(q) = parsed.query() {
        path.push('?');
        path.push_str(q);
    }
    let mut stream = tokio::net::TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\nUser-Agent: procore-simulator-webhooks\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        if k.contains(['\r', '\n']) || v.contains(['\r', '\n']) {
            return Err("a destination header holds a line break".into());
        }
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    stream
        .write_all(req.as_bytes())
        .await
        .map_err(|e| format!("send: {e}"))?;
    let mut buf = Vec::with_capacity(256);
    let mut chunk = [0u8; 256];
    while !buf.windows(2).any(|w| w == b"\r\n") {
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err("the receiver closed the connection without an answer".into());
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.len() > 8192 {
            return Err("the answer's status line is too long".into());
        }
    }
    let line = String::from_utf8_lossy(&buf);
    line.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| format!("not an HTTP answer: {:?}", line.lines().next()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_dates() {
        assert_eq!(ulid_like(1).len(), 26);
        assert!(ulid_like(1) < ulid_like(2));
        assert!(iso(0).starts_with("1970-01-01T00:00:00"));
    }

    #[test]
    fn hooks_and_triggers_are_checked() {
        let w = Webhooks::default();
        assert_eq!(w.create_hook((None, None), &json!({})).unwrap_err().0, 400);
        let bad_url = json!({"hook": {"destination_url": "ftp://x"}});
        assert_eq!(w.create_hook((Some(1), None), &bad_url).unwrap_err().0, 400);
        let (status, hook) = w
            .create_hook(
                (None, Some(7)),
                &json!({"hook": {"api_version": "v2", "destination_url": "http://127.0.0.1:9/h",
                                 "destination_headers": {"Authorization": "Bearer x"}}}),
            )
            .unwrap();
        assert_eq!(status, 201);
        let id = hook["id"].as_u64().unwrap();
        let t = json!({"trigger": {"resource_name": "RFIs", "event_type": "explode"}});
        assert_eq!(w.create_trigger(id, &t).unwrap_err().0, 400);
        let t = json!({"trigger": {"resource_name": "RFIs", "event_type": "create"}});
        assert_eq!(w.create_trigger(id, &t).unwrap().0, 201);
        assert_eq!(w.list_triggers(id).unwrap().1.as_array().unwrap().len(), 1);
        assert_eq!(
            w.list_hooks((None, Some(7))).unwrap().1[0]["destination_headers"]["Authorization"],
            "Bearer x"
        );
        assert_eq!(w.list_deliveries(id, Some("nope")).unwrap_err().0, 400);
        assert_eq!(w.delete_hook(id).unwrap().0, 204);
        assert_eq!(w.delete_hook(id).unwrap_err().0, 404);
    }
}
