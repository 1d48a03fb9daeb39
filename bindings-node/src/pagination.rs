//! The page cursor: the core's [`procore::PageCursor`] (items kept as JSON text) behind a tokio mutex. `index.js` turns
//! it into an async iterator that only calls `nextPage()`; the walk itself (Link / Total
//! headers, v1 arrays and v2 envelopes, `max_items`) is the core's.

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use tokio::sync::Mutex;

use crate::client::{rate_limit, NativeRateLimit};
use crate::errors::IntoJs;

/// One page. Items travel as JSON array texts of at most about [`CHUNK_BYTES`] each (parsed by
/// `JSON.parse` in JS and joined in order).
#[napi(object)]
pub struct NativePage {
    pub items_json: Vec<String>,
    pub count: u32,
    pub number: u32,
    pub total: Option<f64>,
    pub per_page: Option<u32>,
    pub has_next: bool,
    pub rate_limit: Option<NativeRateLimit>,
    pub request_id: Option<String>,
}

/// Each item's JSON text as the server sent it: the page reaches JS as one array text for
/// `JSON.parse`, without building (and re-serializing) a `serde_json::Value` per item.
type RawItem = Box<serde_json::value::RawValue>;

/// A walk over a collection, one page per `nextPage()`.
#[napi]
pub struct NativePageCursor {
    /// `None` once closed.
    inner: Arc<Mutex<Option<procore::PageCursor<RawItem>>>>,
}

impl NativePageCursor {
    pub(crate) fn new(p: procore::Paginator) -> Self {
        NativePageCursor {
            inner: Arc::new(Mutex::new(Some(p.into_cursor_as::<RawItem>()))),
        }
    }
}

/// The largest text a page is cut into for JS. V8 puts a string over about 128 KiB in its
/// large-object space, which only a full collection frees: one such string per page piled up
/// to about 20 MiB streaming 100,000 items at per_page 1000, where strings this size go with
/// the next young-generation collection.
const CHUNK_BYTES: usize = 48 * 1024;

/// `[item,item,...]` texts from the items' texts, each at most about `CHUNK_BYTES` (an item
/// larger than that has a text of its own).
fn json_arrays(items: &[RawItem]) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for item in items {
        let text = item.get();
        if !current.is_empty() && current.len() + text.len() + 2 > CHUNK_BYTES {
            current.push(']');
            out.push(std::mem::take(&mut current));
        }
        current.reserve(text.len() + 2);
        current.push(if current.is_empty() { '[' } else { ',' });
        current.push_str(text);
    }
    if !current.is_empty() {
        current.push(']');
        out.push(current);
    }
    out
}

#[napi]
impl NativePageCursor {
    /// The next page, or `null` at the end. A failed page may be asked for again.
    #[napi]
    pub async fn next_page(&self) -> Result<Option<NativePage>> {
        let mut guard = self.inner.lock().await;
        let Some(cursor) = guard.as_mut() else {
            return Ok(None);
        };
        let Some(page) = cursor.next_page().await.js()? else {
            return Ok(None);
        };
        let items_json = json_arrays(&page.items);
        Ok(Some(NativePage {
            items_json,
            count: u32::try_from(page.items.len()).unwrap_or(u32::MAX),
            number: page.number,
            total: page.total.map(|t| t as f64),
            per_page: page.per_page,
            has_next: page.has_next,
            rate_limit: rate_limit(page.rate_limit.as_ref()),
            request_id: page.request_id,
        }))
    }

    /// True when no page is left.
    #[napi(getter)]
    pub fn done(&self) -> bool {
        self.inner
            .try_lock()
            .map(|c| c.as_ref().is_none_or(|c| c.is_done()))
            .unwrap_or(false)
    }

    /// Ends the walk: a page being fetched ahead is stopped, and `nextPage()` gives `null`.
    #[napi]
    pub fn close(&self) {
        // Usually free at once; if a `nextPage()` holds the cursor, once it is done.
        if let Ok(mut c) = self.inner.try_lock() {
            *c = None;
            return;
        }
        let inner = self.inner.clone();
        napi::bindgen_prelude::spawn(async move {
            *inner.lock().await = None;
        });
    }
}
