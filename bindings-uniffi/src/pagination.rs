//! The page cursor, mirroring core `paginate.rs`: the core walks the pages (Link / Total
//! headers, v1 arrays, v2 envelopes); this only hands its pages across one at a time.

use std::sync::Arc;

use crate::errors::{Core, Result};
use crate::options::PaginateOptions;
use crate::response::RateLimit;

/// One page of a collection.
///
/// Example:
///
/// ```kotlin
/// client.pages("projects").collect { page -> println("page ${page.number}: ${page.items.size} of ${page.total}, more: ${page.hasNext}") }
/// ```
///
/// ```swift
/// for try await page in client.pages("projects") { print(page.number, page.items.count, page.total ?? 0, page.hasNext) }
/// ```
#[derive(uniffi::Record, Clone, Debug)]
pub struct Page {
    /// The page's items, each as JSON text, in server order.
    pub items: Vec<String>,
    /// The 1-based page number.
    pub number: u32,
    /// Items in the whole collection, if the server said (`Total`).
    pub total: Option<u64>,
    /// The effective page size, if the server said (`Per-Page`).
    pub per_page: Option<u32>,
    /// True when another page follows.
    pub has_next: bool,
    /// The rate-limit window this page's answer reported.
    pub rate_limit: Option<RateLimit>,
    /// `X-Request-Id` of this page's answer.
    pub request_id: Option<String>,
}

/// Fetches a collection one page per `nextPage()` call; holds no item between calls. Calls
/// on one cursor run one at a time. After an error the same page may be asked for again.
///
/// Example:
///
/// ```kotlin
/// client.paginate("projects").use { cursor -> cursor.pages().collect { println(it.number) } }
/// ```
///
/// ```swift
/// let cursor = try client.paginate(path: "projects")
/// for try await page in cursor.pages { print(page.number) }
/// ```
#[derive(uniffi::Object)]
pub struct PageCursor {
    inner: tokio::sync::Mutex<procore::PageCursor>,
}

impl std::fmt::Debug for PageCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PageCursor")
    }
}

impl PageCursor {
    pub(crate) fn new(
        client: &procore::Client,
        path: String,
        o: PaginateOptions,
    ) -> Result<Arc<Self>> {
        let spec = procore::PaginateSpec::from_options(path, o.into()).ffi()?;
        let p = procore::Paginator::from_spec(client.clone(), spec);
        Ok(Arc::new(PageCursor {
            inner: tokio::sync::Mutex::new(p.into_cursor()),
        }))
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl PageCursor {
    /// The next page, or none at the end.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val first = cursor.nextPage()
    /// ```
    ///
    /// ```swift
    /// let first = try await cursor.nextPage()
    /// ```
    pub async fn next_page(&self) -> Result<Option<Page>> {
        let mut cursor = self.inner.lock().await;
        let Some(page) = cursor.next_page().await.ffi()? else {
            return Ok(None);
        };
        Ok(Some(Page {
            items: page.items.iter().map(|v| v.to_string()).collect(),
            number: page.number,
            total: page.total,
            per_page: page.per_page,
            has_next: page.has_next,
            rate_limit: page.rate_limit.as_ref().map(RateLimit::from),
            request_id: page.request_id,
        }))
    }

    /// True when no page is left (false while a page is being fetched).
    ///
    /// Example:
    ///
    /// ```kotlin
    /// while (!cursor.isDone()) cursor.nextPage()?.let { println(it.items.size) }
    /// ```
    ///
    /// ```swift
    /// while !cursor.isDone() { if let page = try await cursor.nextPage() { print(page.items.count) } }
    /// ```
    pub fn is_done(&self) -> bool {
        self.inner.try_lock().map(|c| c.is_done()).unwrap_or(false)
    }
}
