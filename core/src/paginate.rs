//! Page walking for v1 collections (JSON arrays, `page`/`per_page`, `Link` and `Total`
//! headers) and v2 collections (`{"data": [...]}` envelopes, same headers).
//!
//! One page is held at a time, so memory stays flat however many pages pass. The next page
//! comes from `Link: <...>; rel="next"` when the server sends it (checked to be on the API
//! host), otherwise from `Total` (page + 1 while fewer than `Total` items were seen). A
//! collection with neither header is one page.

use std::collections::VecDeque;

use futures::stream::{self, BoxStream, StreamExt};
use http::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::limit::RateLimitSnapshot;
use crate::request::{CompanyChoice, RequestSpec};
use crate::response::Response;

/// The largest `per_page` sent for v1 collections (Procore's documented maximum is 2000;
/// endpoints vary).
pub const MAX_PER_PAGE_V1: u32 = 1000;

/// Configures a walk over a collection. From [`Client::paginate`].
pub struct Paginator {
    client: Client,
    spec: RequestSpec,
    per_page: Option<u32>,
    max_items: Option<u64>,
    /// Fetch the next page while the caller works through this one (default true).
    prefetch: bool,
    /// A bad argument given to a builder method, returned by the first page.
    invalid: Option<Error>,
}

/// One page of a collection.
#[derive(Clone, Debug)]
pub struct Page<T = Value> {
    /// The page's items, in server order.
    pub items: Vec<T>,
    /// The 1-based page number.
    pub number: u32,
    /// `Total` header: items in the whole collection, if the server said.
    pub total: Option<u64>,
    /// `Per-Page` header, if the server said.
    pub per_page: Option<u32>,
    /// True when another page follows.
    pub has_next: bool,
    /// The rate-limit window this page's answer reported.
    pub rate_limit: Option<RateLimitSnapshot>,
    /// `X-Request-Id` of this page's answer.
    pub request_id: Option<String>,
}

impl Paginator {
    pub(crate) fn new(client: Client, spec: RequestSpec) -> Self {
        Paginator {
            client,
            spec,
            per_page: None,
            max_items: None,
            prefetch: true,
            invalid: None,
        }
    }

    /// A walk from resolved binding options ([`crate::options::PaginateSpec`]).
    pub fn from_spec(client: Client, p: crate::options::PaginateSpec) -> Self {
        Paginator {
            client,
            spec: p.spec,
            per_page: p.per_page,
            max_items: p.max_items,
            prefetch: true,
            invalid: None,
        }
    }

    /// Adds `key=value` to every page's query.
    pub fn query(mut self, key: &str, value: impl std::fmt::Display) -> Self {
        self.spec.query.push((key.to_owned(), value.to_string()));
        self
    }

    /// Adds the query pairs of a prepared request.
    pub fn query_pairs(mut self, pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        self.spec.query.extend(pairs);
        self
    }

    /// Adds `filters[name]=value`.
    pub fn filter(self, name: &str, value: impl std::fmt::Display) -> Self {
        let key = format!("filters[{name}]");
        self.query(&key, value)
    }

    /// Items per page requested from the server.
    pub fn per_page(mut self, n: u32) -> Self {
        self.per_page = Some(n.max(1));
        self
    }

    /// Stops after this many items in all.
    pub fn max_items(mut self, n: u64) -> Self {
        self.max_items = Some(n);
        self
    }

    /// Whether to fetch (and decode) the next page in the background as soon as a page is
    /// handed out, so that the network and the server's time overlap with the caller's work
    /// on the page it has (default true: `PageCursor::next_page`, `pages`, `items`,
    /// `items_as` and every binding). At most two pages are then held, and a walk given up
    /// before its end may have asked for one page it never hands out. Off, each page is
    /// fetched only when asked for.
    pub fn prefetch(mut self, on: bool) -> Self {
        self.prefetch = on;
        self
    }

    /// The company header for every page.
    pub fn company_id(mut self, id: u64) -> Self {
        if id == 0 {
            self.invalid
                .get_or_insert(Error::config("company id must be a positive integer"));
        }
        self.spec.company = CompanyChoice::Id(id);
        self
    }

    /// The API version for a relative path.
    pub fn version(mut self, v: &str) -> Self {
        if let Err(e) = crate::config::validate_version(v) {
            self.invalid.get_or_insert(e);
        }
        self.spec.version = Some(v.to_owned());
        self
    }

    /// A cursor that fetches one page per call (what the bindings wrap).
    pub fn into_cursor(self) -> PageCursor {
        self.into_cursor_as::<Value>()
    }

    /// A cursor whose pages' items are decoded as `T` (prefetched pages too): any type serde
    /// decodes, or [`RawItem`] to pass each item's JSON text on untouched and uncopied.
    pub fn into_cursor_as<T>(self) -> PageCursor<T> {
        let mut spec = self.spec;
        spec.method = Method::GET;
        let has_page = spec.query.iter().any(|(k, _)| k == "page");
        let start_page = spec
            .query
            .iter()
            .find(|(k, _)| k == "page")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(1);
        if let Some(n) = self.per_page {
            spec.query.retain(|(k, _)| k != "per_page");
            spec.query
                .push(("per_page".into(), n.min(MAX_PER_PAGE_V1).to_string()));
        }
        if !has_page {
            spec.query.push(("page".into(), "1".into()));
        }
        PageCursor {
            client: self.client,
            spec,
            next: Some(Next::Page(start_page)),
            seen: 0,
            visited: std::collections::HashSet::new(),
            max_items: self.max_items,
            invalid: self.invalid,
            prefetch: self.prefetch,
            ahead: None,
        }
    }

    /// The collection as a stream of pages.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn demo(client: procore::Client) -> procore::Result<()> {
    /// use futures::TryStreamExt as _;
    ///
    /// let mut pages = client.paginate("projects/77/rfis").per_page(100).pages();
    /// while let Some(page) = pages.try_next().await? {
    ///     println!("page {}: {} of {:?} items", page.number, page.items.len(), page.total);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn pages(self) -> BoxStream<'static, Result<Page>> {
        let cursor = self.into_cursor();
        stream::try_unfold(cursor, |mut c| async move {
            Ok(c.next_page().await?.map(|page| (page, c)))
        })
        .boxed()
    }

    /// The collection as a stream of JSON items.
    pub fn items(self) -> BoxStream<'static, Result<Value>> {
        self.items_as::<Value>()
    }

    /// The collection as a stream of items decoded as `T`.
    pub fn items_as<T: DeserializeOwned + Send + 'static>(self) -> BoxStream<'static, Result<T>> {
        let cursor = self.into_cursor_as::<T>();
        let state = (cursor, VecDeque::<T>::new(), false);
        stream::try_unfold(state, |(mut cursor, mut buf, mut done)| async move {
            loop {
                if let Some(item) = buf.pop_front() {
                    return Ok(Some((item, (cursor, buf, done))));
                }
                if done {
                    return Ok(None);
                }
                match cursor.next_page().await? {
                    Some(page) => buf.extend(page.items),
                    None => done = true,
                }
            }
        })
        .boxed()
    }
}

enum Next {
    Page(u32),
    Url(String, u32),
}

/// Fetches a collection one page per call. Holds no item between calls.
///
/// # Examples
///
/// ```no_run
/// # async fn demo(client: procore::Client) -> procore::Result<()> {
/// let mut cursor = client
///     .paginate("projects")
///     .query("company_id", 8089)
///     .max_items(500)
///     .into_cursor();
/// while let Some(page) = cursor.next_page().await? {
///     for project in &page.items {
///         println!("{}", project["name"]);
///     }
/// }
/// assert!(cursor.is_done());
/// # Ok(()) }
/// ```
pub struct PageCursor<T = Value> {
    client: Client,
    spec: RequestSpec,
    next: Option<Next>,
    seen: u64,
    /// Digests of the page URLs fetched so far, to end a `Link` that points back.
    visited: std::collections::HashSet<u64>,
    max_items: Option<u64>,
    invalid: Option<Error>,
    prefetch: bool,
    /// The next page, being fetched and decoded in the background.
    ahead: Option<Ahead<T>>,
}

/// A page requested ahead: the request (to leave the cursor where it was if it fails) and the
/// task fetching and decoding it.
struct Ahead<T> {
    request: PageRequest,
    task: tokio::task::JoinHandle<Result<(Response, Result<Vec<T>>)>>,
}

/// One page's request, with what the walk noted when it was made.
struct PageRequest {
    spec: RequestSpec,
    number: u32,
    key: u64,
}

impl<T> Drop for PageCursor<T> {
    // A walk given up stops its page in flight.
    fn drop(&mut self) {
        if let Some(a) = &self.ahead {
            a.task.abort();
        }
    }
}

/// The items of a page's body, v1 or v2.
fn page_items<T: DeserializeOwned>(resp: &Response) -> Result<Vec<T>> {
    Ok(match resp.json::<Envelope<T>>()? {
        Envelope::V1(items) => items,
        Envelope::V2 { data } => data,
    })
}

/// What a page's items are decoded into: any type serde can decode (a [`Value`], a struct of
/// yours), or a [`RawItem`].
pub trait PageItem: Sized + Send + 'static {
    /// The items of a page's answer (a v1 array or a v2 `{"data": [...]}`), in order.
    fn from_page(resp: &Response) -> Result<Vec<Self>>;
}

impl<T: DeserializeOwned + Send + 'static> PageItem for T {
    fn from_page(resp: &Response) -> Result<Vec<Self>> {
        page_items(resp)
    }
}

/// One item's JSON text exactly as the server sent it, without a copy: a slice of the page's
/// body (which lives as long as any of its items). For passing items on to another JSON
/// parser (the Node binding hands them to `JSON.parse`) without decoding them here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawItem(bytes::Bytes);

impl RawItem {
    /// The item's JSON text, as bytes (valid UTF-8: checked when the page was decoded).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for RawItem {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl PageItem for RawItem {
    fn from_page(resp: &Response) -> Result<Vec<Self>> {
        use serde_json::value::RawValue;
        let body = resp.bytes();
        let page: Envelope<&RawValue> = serde_json::from_slice(body)
            .map_err(|e| crate::error::decode_error(resp.status(), body, &e))?;
        let items = match page {
            Envelope::V1(items) => items,
            Envelope::V2 { data } => data,
        };
        // Each raw value borrows from `body`: its bytes are a part of the body's.
        Ok(items
            .into_iter()
            .map(|raw| RawItem(body.slice_ref(raw.get().as_bytes())))
            .collect())
    }
}

/// The most pages one walk fetches (10 million items at 100 a page); past it the walk ends
/// in a `decode` error rather than running forever.
pub const MAX_PAGES: usize = 100_000;

/// A digest of a page's URL with its query pairs in sorted order, so that the same page
/// reached through `page=N` or through a `Link` is recognised.
fn page_key(url: &url::Url) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    pairs.sort();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    url.path().hash(&mut h);
    pairs.hash(&mut h);
    h.finish()
}

impl<T: PageItem> PageCursor<T> {
    /// True when no page is left.
    pub fn is_done(&self) -> bool {
        self.next.is_none() && self.ahead.is_none()
    }

    /// The next page, or `None` at the end. With prefetch on (the default), the page after it
    /// is requested before this one is returned.
    pub async fn next_page(&mut self) -> Result<Option<Page<T>>> {
        let Some((request, resp, decoded)) = self.fetch().await? else {
            return Ok(None);
        };
        let items = match decoded {
            Some(items) => items?,
            None => T::from_page(&resp)?,
        };
        let page = self.finish(request.number, &resp, items);
        if self.prefetch {
            // The page after is the next call's business: a check it fails (a loop, too many
            // pages) comes with that call, as without prefetch, and this page is handed out.
            if let Err(e) = self.start_ahead() {
                self.invalid = Some(e);
            }
        }
        Ok(Some(page))
    }

    /// The next page with items decoded as `U` (never prefetched).
    pub async fn next_page_as<U: DeserializeOwned>(&mut self) -> Result<Option<Page<U>>> {
        let Some((request, resp, _)) = self.fetch().await? else {
            return Ok(None);
        };
        // A page prefetched as T is decoded again from its body, as U.
        let items = page_items::<U>(&resp)?;
        Ok(Some(self.finish(request.number, &resp, items)))
    }

    /// The next page's answer: the one fetched ahead, or one fetched now. On a failure the
    /// cursor stays where it was, so the caller may ask for the page again.
    async fn fetch(&mut self) -> Result<Option<(PageRequest, Response, Option<Result<Vec<T>>>)>> {
        if let Some(Ahead { request, task }) = self.ahead.take() {
            let outcome = match task.await {
                Ok(outcome) => outcome,
                // As if fetched inline: a panic there reaches the caller.
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(_) => Err(Error::Network {
                    message: "the page fetched ahead was cancelled (the runtime is shutting down)"
                        .into(),
                    not_sent: false,
                }),
            };
            return match outcome {
                Ok((resp, items)) => Ok(Some((request, resp, Some(items)))),
                Err(e) => {
                    self.restore(request);
                    Err(e)
                }
            };
        }
        let Some(request) = self.prepare()? else {
            return Ok(None);
        };
        match self.client.send(&request.spec).await {
            Ok(resp) => Ok(Some((request, resp, None))),
            Err(e) => {
                self.restore(request);
                Err(e)
            }
        }
    }

    /// Requests the next page in the background, if there is one and a runtime to run it.
    fn start_ahead(&mut self) -> Result<()> {
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return Ok(());
        };
        let Some(request) = self.prepare()? else {
            return Ok(());
        };
        let (client, spec) = (self.client.clone(), request.spec.clone());
        let task = rt.spawn(async move {
            let resp = client.send(&spec).await?;
            let items = T::from_page(&resp);
            Ok((resp, items))
        });
        self.ahead = Some(Ahead { request, task });
        Ok(())
    }

    /// The next page's request, with the walk's checks done (`None` at the end).
    fn prepare(&mut self) -> Result<Option<PageRequest>> {
        if let Some(e) = self.invalid.take() {
            self.next = None;
            return Err(e);
        }
        if let Some(max) = self.max_items {
            if self.seen >= max {
                self.next = None;
                return Ok(None);
            }
        }
        let Some(next) = self.next.take() else {
            return Ok(None);
        };
        let (spec, number) = match next {
            Next::Page(n) => {
                let mut spec = self.spec.clone();
                for (k, v) in spec.query.iter_mut() {
                    if k == "page" {
                        *v = n.to_string();
                    }
                }
                (spec, n)
            }
            Next::Url(url, n) => {
                let mut spec = self.spec.clone();
                spec.path = url;
                spec.query.clear();
                (spec, n)
            }
        };
        let inner = &self.client.inner;
        let key = page_key(&crate::request::resolve_url(
            &inner.api_base,
            &inner.api_version,
            &spec,
        )?);
        if self.visited.len() >= MAX_PAGES {
            return Err(Error::Decode {
                status: 200,
                message: format!("pagination stopped after {MAX_PAGES} pages"),
                excerpt: String::new(),
            });
        }
        if !self.visited.insert(key) {
            return Err(Error::Decode {
                status: 200,
                message: format!(
                    "pagination loop: the server's next link for page {number} points to a page already fetched"
                ),
                excerpt: String::new(),
            });
        }
        Ok(Some(PageRequest { spec, number, key }))
    }

    /// Leaves the cursor where it was before `request`, so the page may be asked for again.
    fn restore(&mut self, request: PageRequest) {
        let PageRequest { spec, number, key } = request;
        self.visited.remove(&key);
        self.next = Some(match spec.query.is_empty() {
            true => Next::Url(spec.path, number),
            false => Next::Page(number),
        });
    }

    /// The page from its answer and items; notes where the walk goes next.
    fn finish<U>(&mut self, number: u32, resp: &Response, mut items: Vec<U>) -> Page<U> {
        let total = resp
            .header("total")
            .and_then(|v| v.trim().parse::<u64>().ok());
        let per_page = resp
            .header("per-page")
            .and_then(|v| v.trim().parse::<u32>().ok());
        let fetched = items.len() as u64;
        if let Some(max) = self.max_items {
            let allowed = max.saturating_sub(self.seen);
            items.truncate(usize::try_from(allowed).unwrap_or(usize::MAX));
        }
        self.seen += items.len() as u64;
        let link_next = resp.header("link").and_then(|l| link_rel(l, "next"));
        let reached_max = self.max_items.map(|m| self.seen >= m).unwrap_or(false);
        self.next = if reached_max || fetched == 0 {
            None
        } else if let Some(url) = link_next {
            Some(Next::Url(url, number + 1))
        } else if resp.header("link").is_some() {
            None // a Link header without rel="next": this is the last page
        } else {
            match total {
                Some(t) if self.seen < t => Some(Next::Page(number + 1)),
                _ => None,
            }
        };
        Page {
            items,
            number,
            total,
            per_page,
            has_next: self.next.is_some(),
            rate_limit: resp.rate_limit().copied(),
            request_id: resp.request_id().map(str::to_owned),
        }
    }
}

/// A v1 page is a JSON array; a v2 page is `{"data": [...]}` (other keys ignored).
///
/// Decoded by hand in one pass: serde's `untagged` would first copy the whole page into its
/// own buffered form and then decode that again, doubling the work for every item.
enum Envelope<T> {
    V1(Vec<T>),
    V2 { data: Vec<T> },
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Envelope<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visit<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Visit<T> {
            type Value = Envelope<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a page: a JSON array (v1) or an object with a \"data\" array (v2)")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Envelope::V1(items))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut data = None;
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    if key == "data" && data.is_none() {
                        data = Some(map.next_value::<Vec<T>>()?);
                    } else {
                        map.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
                data.map(|data| Envelope::V2 { data })
                    .ok_or_else(|| serde::de::Error::missing_field("data"))
            }
        }
        d.deserialize_any(Visit(std::marker::PhantomData))
    }
}

/// The URL of the link with relation `rel` in a `Link` header (RFC 8288), if any.
pub fn link_rel(header: &str, rel: &str) -> Option<String> {
    let mut rest = header;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let end = after.find('>')?;
        let url = &after[..end];
        let params_and_more = &after[end + 1..];
        // Parameters run until the next link (a ',' followed by '<').
        let params_end = params_and_more
            .find(",")
            .filter(|i| params_and_more[i + 1..].trim_start().starts_with('<'))
            .unwrap_or(params_and_more.len());
        let params = &params_and_more[..params_end];
        let matches = params.split(';').any(|p| {
            let p = p.trim();
            let Some(v) = p.strip_prefix("rel=") else {
                return false;
            };
            v.trim_matches('"')
                .split_ascii_whitespace()
                .any(|r| r.eq_ignore_ascii_case(rel))
        });
        if matches {
            return Some(url.to_owned());
        }
        rest = &params_and_more[params_end..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_of_both_shapes_decode_in_one_pass() {
        let v1: Envelope<u32> = serde_json::from_str("[1, 2, 3]").unwrap();
        assert!(matches!(v1, Envelope::V1(ref v) if v == &[1, 2, 3]));
        let v2: Envelope<u32> =
            serde_json::from_str(r#"{"meta": {"x": [1]}, "data": [4, 5], "links": null}"#).unwrap();
        assert!(matches!(v2, Envelope::V2 { ref data } if data == &[4, 5]));
        let empty: Envelope<u32> = serde_json::from_str("[]").unwrap();
        assert!(matches!(empty, Envelope::V1(ref v) if v.is_empty()));
        for bad in [
            r#"{"items": [1]}"#,
            "3",
            r#""x""#,
            r#"{"data": 1}"#,
            "[1, \"a\"]",
        ] {
            assert!(serde_json::from_str::<Envelope<u32>>(bad).is_err(), "{bad}");
        }
    }

    fn answer(body: &'static str) -> Response {
        Response {
            status: 200,
            headers: http::HeaderMap::new(),
            body: bytes::Bytes::from_static(body.as_bytes()),
            rate_limit: None,
            attempts: 1,
            waited: std::time::Duration::ZERO,
        }
    }

    #[test]
    fn raw_items_are_the_bodys_own_bytes() {
        let v1 = answer(r#"[ {"id": 1, "name": "a\u00e9"} ,{"id":2}]"#);
        let items = RawItem::from_page(&v1).unwrap();
        let texts: Vec<&[u8]> = items.iter().map(RawItem::as_bytes).collect();
        assert_eq!(
            texts,
            [&br#"{"id": 1, "name": "a\u00e9"}"#[..], &br#"{"id":2}"#[..]]
        );
        // Slices of the body, not copies.
        let body = v1.bytes().as_ptr_range();
        assert!(items.iter().all(|i| body.contains(&i.as_bytes().as_ptr())));
        let v2 = answer(r#"{"data": [1, "x", null], "meta": {}}"#);
        let items = RawItem::from_page(&v2).unwrap();
        let texts: Vec<&[u8]> = items.iter().map(RawItem::as_bytes).collect();
        assert_eq!(texts, [&b"1"[..], &br#""x""#[..], &b"null"[..]]);
        for bad in ["", "{", r#"{"items": []}"#, "3"] {
            let e = RawItem::from_page(&answer(bad)).unwrap_err();
            assert_eq!(e.code(), "decode", "{bad}: {e}");
        }
    }

    #[test]
    fn link_header_parsing() {
        let h = r#"<https://api.procore.com/rest/v1.0/projects?page=1&per_page=100>; rel="first", <https://api.procore.com/rest/v1.0/projects?page=3&per_page=100>; rel="next", <https://api.procore.com/rest/v1.0/projects?page=25&per_page=100>; rel="last""#;
        assert_eq!(
            link_rel(h, "next").as_deref(),
            Some("https://api.procore.com/rest/v1.0/projects?page=3&per_page=100")
        );
        assert!(link_rel(h, "last").unwrap().contains("page=25"));
        assert_eq!(link_rel(h, "prev"), None);
        assert_eq!(link_rel("", "next"), None);
        assert_eq!(link_rel("garbage <unterminated", "next"), None);
        // Commas inside a URL do not split links.
        let h = r#"<https://x/p?ids=1,2&page=2>; rel=next"#;
        assert_eq!(
            link_rel(h, "next").as_deref(),
            Some("https://x/p?ids=1,2&page=2")
        );
    }
}
