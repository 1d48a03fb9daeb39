//! The page cursor: the core's [`procore::PageCursor`] (items kept as JSON text) behind a tokio
//! mutex. `index.js` turns it into an async iterator that calls `nextPage()` for each page and
//! `nextChunk()` for its items; the walk itself (Link / Total headers, v1 arrays and v2
//! envelopes, `max_items`) is the core's.

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use tokio::sync::Mutex;

use crate::client::{rate_limit, NativeRateLimit};
use crate::errors::IntoJs;

/// One page's metadata. Its items are taken with `nextChunk()` as JSON array texts of at most
/// about [`CHUNK_BYTES`] each (parsed by `JSON.parse` in JS, in order).
#[napi(object)]
pub struct NativePage {
    pub count: u32,
    pub number: u32,
    pub total: Option<f64>,
    pub per_page: Option<u32>,
    pub has_next: bool,
    pub rate_limit: Option<NativeRateLimit>,
    pub request_id: Option<String>,
}

/// Each item's JSON text as the server sent it, a slice of the page's body: the items reach JS
/// as array texts for `JSON.parse`, without building (and re-serializing) a
/// `serde_json::Value` per item, or copying each item out of the body.
use procore::RawItem;

/// A walk over a collection, one page per `nextPage()`.
#[napi]
pub struct NativePageCursor {
    /// `None` once closed.
    inner: Arc<Mutex<Option<procore::PageCursor<RawItem>>>>,
    /// The items of the last page not yet handed to JS, and where the next chunk starts.
    pending: std::sync::Mutex<(Vec<RawItem>, usize)>,
}

impl NativePageCursor {
    pub(crate) fn new(p: procore::Paginator) -> Self {
        NativePageCursor {
            inner: Arc::new(Mutex::new(Some(p.into_cursor_as::<RawItem>()))),
            pending: std::sync::Mutex::new((Vec::new(), 0)),
        }
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, (Vec<RawItem>, usize)> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The largest text a page is cut into for JS. A chunk goes to JS only when the one before is
/// used up, so V8 holds one chunk and its parsed items at a time: what survives each
/// young-generation collection stays small, and V8 keeps its young generation at its smallest.
/// Streaming 100,000 items at per_page 1000 (Node 20): a whole page handed over at once as
/// 48 KiB texts peaked at about 68 MiB; one chunk at a time, 16 or 48 KiB chunks still often
/// let the heap grow from 7.7 to 9.7 MiB (64.5-65 MiB peak), 4 and 8 KiB chunks never did
/// (about 63 MiB), at the same items/s. A string over about 128 KiB would go to V8's
/// large-object space, which only a full collection frees.
const CHUNK_BYTES: usize = 8 * 1024;

/// The next `[item,item,...]` text from `items[*from..]`, at most about `CHUNK_BYTES` (an item
/// larger than that has a text of its own); `None` when every item was handed out.
fn next_json_array<I: AsRef<[u8]>>(items: &[I], from: &mut usize) -> Option<String> {
    let rest = items.get(*from..).filter(|r| !r.is_empty())?;
    let mut out = Vec::with_capacity(CHUNK_BYTES);
    for item in rest {
        let text = item.as_ref();
        if !out.is_empty() && out.len() + text.len() + 2 > CHUNK_BYTES {
            break;
        }
        out.push(if out.is_empty() { b'[' } else { b',' });
        out.extend_from_slice(text);
        *from += 1;
    }
    out.push(b']');
    // Each item was checked to be UTF-8 when its page was decoded; should one not be, its
    // bytes are replaced (U+FFFD) rather than lost.
    Some(
        String::from_utf8(out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
    )
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
        let count = page.items.len();
        *self.pending() = (page.items, 0);
        Ok(Some(NativePage {
            count: u32::try_from(count).unwrap_or(u32::MAX),
            number: page.number,
            total: page.total.map(|t| t as f64),
            per_page: page.per_page,
            has_next: page.has_next,
            rate_limit: rate_limit(page.rate_limit.as_ref()),
            request_id: page.request_id,
        }))
    }

    /// The next JSON array text of the last page's items, or `null` when all were taken.
    #[napi]
    pub fn next_chunk(&self) -> Option<String> {
        let mut pending = self.pending();
        let (items, from) = &mut *pending;
        let chunk = next_json_array(items, from);
        if chunk.is_none() {
            *pending = (Vec::new(), 0);
        }
        chunk
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
        *self.pending() = (Vec::new(), 0);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every chunk is a JSON array of whole items, in order, at most `CHUNK_BYTES` unless one
    /// item alone is larger; together they hold every item once.
    #[test]
    fn chunks_cut_a_page_into_arrays_of_whole_items() {
        let small = r#"{"id":1,"name":"x"}"#.to_string();
        let big = format!(r#"{{"id":2,"notes":"{}"}}"#, "y".repeat(CHUNK_BYTES * 2));
        let mut items: Vec<String> = vec![small.clone(); 1000];
        items.insert(500, big.clone());
        let mut from = 0;
        let mut seen: Vec<serde_json::Value> = Vec::new();
        while let Some(chunk) = next_json_array(&items, &mut from) {
            let arr: Vec<serde_json::Value> = serde_json::from_str(&chunk).unwrap();
            assert!(!arr.is_empty());
            assert!(
                chunk.len() <= CHUNK_BYTES || arr.len() == 1,
                "{} bytes",
                chunk.len()
            );
            seen.extend(arr);
        }
        assert_eq!(from, items.len());
        let want: Vec<serde_json::Value> = items
            .iter()
            .map(|i| serde_json::from_str(i).unwrap())
            .collect();
        assert_eq!(seen, want);
        let none: [&str; 0] = [];
        assert_eq!(next_json_array(&none, &mut 0), None);
    }
}
