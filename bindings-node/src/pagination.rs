//! The page cursor: the core's [`procore::PageCursor`] behind a tokio mutex. `index.js` turns
//! it into an async iterator that only calls `nextPage()`; the walk itself (Link / Total
//! headers, v1 arrays and v2 envelopes, `max_items`) is the core's.

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use tokio::sync::Mutex;

use crate::client::{rate_limit, NativeRateLimit};
use crate::errors::{config_error, IntoJs};

/// One page. Items travel as one JSON array text (parsed by `JSON.parse` in JS).
#[napi(object)]
pub struct NativePage {
    pub items_json: String,
    pub count: u32,
    pub number: u32,
    pub total: Option<f64>,
    pub per_page: Option<u32>,
    pub has_next: bool,
    pub rate_limit: Option<NativeRateLimit>,
    pub request_id: Option<String>,
}

/// A walk over a collection, one page per `nextPage()`.
#[napi]
pub struct NativePageCursor {
    inner: Arc<Mutex<procore::PageCursor>>,
}

impl NativePageCursor {
    pub(crate) fn new(p: procore::Paginator) -> Self {
        NativePageCursor {
            inner: Arc::new(Mutex::new(p.into_cursor())),
        }
    }
}

#[napi]
impl NativePageCursor {
    /// The next page, or `null` at the end. A failed page may be asked for again.
    #[napi]
    pub async fn next_page(&self) -> Result<Option<NativePage>> {
        let mut cursor = self.inner.lock().await;
        let Some(page) = cursor.next_page().await.js()? else {
            return Ok(None);
        };
        let items_json = serde_json::to_string(&page.items)
            .map_err(|e| config_error(format!("could not serialize a page: {e}")))?;
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
        self.inner.try_lock().map(|c| c.is_done()).unwrap_or(false)
    }
}
