//! One call before it is sent: [`RequestSpec`] (what bindings fill, through
//! `crate::options`), the [`RequestBuilder`] of Rust callers, and the resolution of a path to a
//! URL on the API host (the bearer token never leaves it).

use std::fmt::Display;
use std::time::Duration;

use bytes::Bytes;
use http::Method;
use serde::Serialize;
use url::Url;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::response::Response;

/// Which company header a call sends.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum CompanyChoice {
    /// The client's default company id (if it has one).
    #[default]
    Default,
    /// This company.
    Id(u64),
    /// No `Procore-Company-Id` header.
    None,
}

/// Everything that describes one call, before it is sent. Bindings build these directly.
#[derive(Clone, Debug)]
pub struct RequestSpec {
    /// The HTTP method; it decides what may be retried (POST and PATCH only when the request
    /// provably never left).
    pub method: Method,
    /// A path (`/rest/v1.0/projects`, `projects`) or an absolute URL on the API host.
    pub path: String,
    /// Query pairs in the order sent, already encoded as text (repeat a key for arrays).
    pub query: Vec<(String, String)>,
    /// A JSON body, already serialized.
    pub body: Option<Bytes>,
    /// Which `Procore-Company-Id` header the call sends.
    pub company: CompanyChoice,
    /// The API version for a relative path (client default otherwise).
    pub version: Option<String>,
    /// Per-attempt timeout (client default otherwise).
    pub timeout: Option<Duration>,
    /// Attempts in all (client default otherwise).
    pub max_attempts: Option<u32>,
    /// Overall deadline of the call, waits included (client default otherwise).
    pub deadline: Option<Duration>,
    /// Return 3xx answers as responses instead of `http` errors (redirects are never
    /// followed either way).
    pub raw: bool,
}

impl RequestSpec {
    /// A call of `method` on `path` with no query or body, the client's company and the
    /// client's defaults for everything else.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        RequestSpec {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            company: CompanyChoice::Default,
            version: None,
            timeout: None,
            max_attempts: None,
            deadline: None,
            raw: false,
        }
    }

    /// Parses a method name (`"get"`, `"POST"`, ...).
    pub fn parse_method(name: &str) -> Result<Method> {
        match name.to_ascii_uppercase().as_str() {
            "GET" => Ok(Method::GET),
            "POST" => Ok(Method::POST),
            "PUT" => Ok(Method::PUT),
            "PATCH" => Ok(Method::PATCH),
            "DELETE" => Ok(Method::DELETE),
            "HEAD" => Ok(Method::HEAD),
            "OPTIONS" => Ok(Method::OPTIONS),
            other => Err(Error::config(format!("unsupported HTTP method {other:?}"))),
        }
    }
}

/// Builds one call. Errors in arguments (a body that does not serialize) surface at `send`.
///
/// # Examples
///
/// ```no_run
/// # async fn demo(client: procore::Client) -> procore::Result<()> {
/// use std::time::Duration;
/// use serde_json::json;
///
/// // PATCH /rest/v1.1/projects/77/rfis/12 with a tighter time budget than the client's.
/// let updated: serde_json::Value = client
///     .patch("projects/77/rfis/12")
///     .version("v1.1")
///     .json(&json!({ "rfi": { "subject": "Door hardware, level 2" } }))
///     .timeout(Duration::from_secs(10))
///     .deadline(Duration::from_secs(30))
///     .send_json()
///     .await?;
///
/// // A call that must not carry the client's `Procore-Company-Id`.
/// let companies = client.get("companies").without_company().send().await?;
/// # let _ = (updated, companies);
/// # Ok(()) }
/// ```
pub struct RequestBuilder {
    client: Client,
    spec: Result<RequestSpec>,
}

impl RequestBuilder {
    pub(crate) fn new(client: Client, spec: RequestSpec) -> Self {
        RequestBuilder {
            client,
            spec: Ok(spec),
        }
    }

    fn map(mut self, f: impl FnOnce(&mut RequestSpec) -> Result<()>) -> Self {
        if let Ok(spec) = &mut self.spec {
            if let Err(e) = f(spec) {
                self.spec = Err(e);
            }
        }
        self
    }

    /// Adds `key=value` to the query string.
    pub fn query(self, key: &str, value: impl Display) -> Self {
        let (k, v) = (key.to_owned(), value.to_string());
        self.map(|s| {
            s.query.push((k, v));
            Ok(())
        })
    }

    /// Adds `key[]=v` for each value (Rails-style arrays).
    pub fn query_list<V: Display>(self, key: &str, values: impl IntoIterator<Item = V>) -> Self {
        let k = array_key(key);
        let vals: Vec<String> = values.into_iter().map(|v| v.to_string()).collect();
        self.map(|s| {
            s.query.extend(vals.into_iter().map(|v| (k.clone(), v)));
            Ok(())
        })
    }

    /// Adds `filters[name]=value`.
    pub fn filter(self, name: &str, value: impl Display) -> Self {
        let key = format!("filters[{name}]");
        self.query(&key, value)
    }

    /// Adds `filters[name][]=v` for each value.
    pub fn filter_list<V: Display>(self, name: &str, values: impl IntoIterator<Item = V>) -> Self {
        let key = format!("filters[{name}]");
        self.query_list(&key, values)
    }

    /// Sets a JSON body.
    pub fn json<T: Serialize + ?Sized>(self, body: &T) -> Self {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::config(format!("the JSON body could not be serialized: {e}")));
        self.map(|s| {
            s.body = Some(Bytes::from(bytes?));
            Ok(())
        })
    }

    /// Sends `Procore-Company-Id: id` on this call, whatever the client's default.
    pub fn company_id(self, id: u64) -> Self {
        self.map(|s| {
            if id == 0 {
                return Err(Error::config("company id must be a positive integer"));
            }
            s.company = CompanyChoice::Id(id);
            Ok(())
        })
    }

    /// Sends no company header on this call.
    pub fn without_company(self) -> Self {
        self.map(|s| {
            s.company = CompanyChoice::None;
            Ok(())
        })
    }

    /// The API version for this call's relative path.
    pub fn version(self, version: &str) -> Self {
        let v = version.to_owned();
        self.map(|s| {
            crate::config::validate_version(&v)?;
            s.version = Some(v);
            Ok(())
        })
    }

    /// Per-attempt timeout for this call.
    pub fn timeout(self, d: Duration) -> Self {
        self.map(|s| {
            s.timeout = Some(d);
            Ok(())
        })
    }

    /// Attempts in all for this call.
    pub fn max_attempts(self, n: u32) -> Self {
        self.map(|s| {
            s.max_attempts = Some(n.max(1));
            Ok(())
        })
    }

    /// Overall deadline for this call, waits included.
    pub fn deadline(self, d: Duration) -> Self {
        self.map(|s| {
            s.deadline = Some(d);
            Ok(())
        })
    }

    /// Returns 3xx answers as responses instead of `http` errors. Redirects are never
    /// followed either way (they could carry the bearer token to another host).
    pub fn raw(self, raw: bool) -> Self {
        self.map(|s| {
            s.raw = raw;
            Ok(())
        })
    }

    /// The prepared call.
    pub fn build(self) -> Result<RequestSpec> {
        self.spec
    }

    /// Sends the call through the pipeline (authorize, pace, send, classify, recover).
    pub async fn send(self) -> Result<Response> {
        let spec = self.spec?;
        crate::dispatch::execute(&self.client.inner, &spec).await
    }

    /// Sends the call and decodes the JSON body as `T`.
    pub async fn send_json<T: serde::de::DeserializeOwned>(self) -> Result<T> {
        self.send().await?.json()
    }
}

fn array_key(key: &str) -> String {
    if key.ends_with("[]") {
        key.to_owned()
    } else {
        format!("{key}[]")
    }
}

/// Resolves a call's path against the API base: absolute `/rest/...` paths as they are,
/// relative paths under `/rest/{version}/`, absolute URLs only on the API's own origin.
pub(crate) fn resolve_url(
    api_base: &Url,
    default_version: &str,
    spec: &RequestSpec,
) -> Result<Url> {
    let path = spec.path.trim();
    if path.is_empty() {
        return Err(Error::config("the path is empty"));
    }
    let raw_path = path.split(['?', '#']).next().unwrap_or_default();
    if raw_path.contains('\\') {
        return Err(Error::config(format!(
            "the path {path:?} may not contain backslashes"
        )));
    }
    if path.chars().any(|c| c.is_control()) {
        return Err(Error::config("the path may not contain control characters"));
    }
    let mut base = api_base.clone();
    if !base.path().ends_with('/') {
        let p = format!("{}/", base.path());
        base.set_path(&p);
    }
    let url = if path.starts_with("http://") || path.starts_with("https://") {
        let url =
            Url::parse(path).map_err(|e| Error::config(format!("invalid URL {path:?}: {e}")))?;
        if url.origin() != api_base.origin() {
            return Err(Error::config(format!(
                "refusing to send credentials to {}: not the API host {}",
                url.origin().ascii_serialization(),
                api_base.origin().ascii_serialization()
            )));
        }
        url
    } else {
        let rel = path.trim_start_matches('/');
        if has_dot_segment(rel.split(['?', '#']).next().unwrap_or_default()) {
            return Err(Error::config(format!(
                "the path {path:?} may not contain . or .. segments"
            )));
        }
        let rel = if rel.starts_with("rest/") {
            rel.to_owned()
        } else {
            let v = spec.version.as_deref().unwrap_or(default_version);
            format!("rest/{v}/{rel}")
        };
        base.join(&rel)
            .map_err(|e| Error::config(format!("invalid path {path:?}: {e}")))?
    };
    // Checked again on the URL as the URL library normalised it: `%2e%2e`, `.%2e` and the
    // like are dot segments too, and the bearer token must stay under the API's base.
    let under_api = url
        .path()
        .strip_prefix(base.path())
        .is_some_and(|rest| rest.starts_with("rest/"));
    if !under_api || has_dot_segment(url.path()) {
        return Err(Error::config(format!(
            "the path {path:?} leads outside the API ({}rest/...)",
            base.path()
        )));
    }
    let mut url = url;
    if !spec.query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (k, v) in &spec.query {
            pairs.append_pair(k, v);
        }
    }
    Ok(url)
}

/// True when a segment of `path` is `.` or `..`, also when percent-encoded (`%2e`, `.%2E`).
/// One pass over the bytes, without allocating: it runs twice on every call, and only a
/// segment that starts with `.` or `%` needs a closer look.
fn has_dot_segment(path: &str) -> bool {
    path.as_bytes()
        .split(|&b| b == b'/')
        .any(|seg| matches!(seg.first(), Some(b'.' | b'%')) && is_dot_segment(seg))
}

/// `.` or `..`, each dot possibly written `%2e` or `%2E`.
fn is_dot_segment(mut seg: &[u8]) -> bool {
    let mut dots = 0;
    while !seg.is_empty() {
        seg = match seg {
            [b'.', tail @ ..] => tail,
            [b'%', b'2', b'e' | b'E', tail @ ..] => tail,
            _ => return false,
        };
        dots += 1;
    }
    dots == 1 || dots == 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(path: &str) -> RequestSpec {
        RequestSpec::new(Method::GET, path)
    }

    #[test]
    fn dot_segments_plain_and_encoded() {
        for p in [
            ".", "..", "a/./b", "a/../b", "%2e", "%2E", "%2e%2E", ".%2e", "%2e.", "a/%2E%2e",
        ] {
            assert!(has_dot_segment(p), "{p}");
        }
        for p in [
            "",
            "/",
            "a/b",
            "...",
            "%2e%2e%2e",
            "a.",
            ".a",
            "a%2e",
            "%2",
            "%2f",
            "%",
            "%2e%",
            "v1.0",
            "a//b",
        ] {
            assert!(!has_dot_segment(p), "{p}");
        }
    }

    #[test]
    fn paths_resolve() {
        let base = Url::parse("https://api.procore.com").unwrap();
        let r = |s: &RequestSpec| resolve_url(&base, "v1.0", s).map(|u| u.to_string());
        assert_eq!(
            r(&spec("/rest/v1.0/projects")).unwrap(),
            "https://api.procore.com/rest/v1.0/projects"
        );
        assert_eq!(
            r(&spec("projects")).unwrap(),
            "https://api.procore.com/rest/v1.0/projects"
        );
        assert_eq!(
            r(&spec("/projects/5/rfis")).unwrap(),
            "https://api.procore.com/rest/v1.0/projects/5/rfis"
        );
        let mut s = spec("companies/1/projects");
        s.version = Some("v1.1".into());
        s.query = vec![
            ("filters[id][]".into(), "1".into()),
            ("filters[id][]".into(), "2".into()),
        ];
        assert_eq!(
            r(&s).unwrap(),
            "https://api.procore.com/rest/v1.1/companies/1/projects?filters%5Bid%5D%5B%5D=1&filters%5Bid%5D%5B%5D=2"
        );
        assert_eq!(
            r(&spec("https://evil.example/rest/v1.0/me"))
                .unwrap_err()
                .code(),
            "config"
        );
        assert_eq!(r(&spec("../../etc")).unwrap_err().code(), "config");
        assert_eq!(r(&spec("")).unwrap_err().code(), "config");
        // Dot segments however written, and backslashes, never get through (the URL library
        // would normalise them and the token would reach paths outside the API).
        for bad in [
            "%2e%2e/%2e%2e/oauth/token",
            ".%2e/.%2E/admin",
            "%2E%2e/x",
            "projects/%2e/x",
            "projects\\..\\..\\admin",
            "rest/v1.0/%2e%2e/%2e%2e/x",
            "https://api.procore.com/rest/v1.0/../../admin",
            "https://api.procore.com/rest/v1.0/%2e%2e/%2e%2e/admin",
            "https://api.procore.com/oauth/token",
            "projects\r\nHost: evil",
        ] {
            assert_eq!(r(&spec(bad)).unwrap_err().code(), "config", "{bad}");
        }
        assert_eq!(
            r(&spec("projects/a%2eb")).unwrap(),
            "https://api.procore.com/rest/v1.0/projects/a%2eb"
        );
        let proxied = Url::parse("https://proxy.example/procore").unwrap();
        assert_eq!(
            resolve_url(
                &proxied,
                "v1.0",
                &spec("https://proxy.example/other/rest/v1.0/me")
            )
            .unwrap_err()
            .code(),
            "config"
        );
        assert_eq!(
            resolve_url(&proxied, "v1.0", &spec("me")).unwrap().as_str(),
            "https://proxy.example/procore/rest/v1.0/me"
        );
    }
}
