//! Pagination: `PageIterator` (a blocking iterator of items) and `AsyncPageIterator` (an async
//! iterator), both over the core's `PageCursor`. Only the current page is held (as parsed
//! JSON) and items are turned into Python objects one by one, so memory stays flat however
//! long the collection is. `next_page()` gives whole `Page`s instead.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use procore::PageCursor;
use pyo3::exceptions::PyStopIteration;
use pyo3::prelude::*;
use pyo3::types::PyList;
use serde_json::Value;

use crate::errors::{IntoPyResult, Outcome};
use crate::json::value_to_py;
use crate::response::RateLimit;
use crate::runtime::{block_on, future_into_py};

/// A parsed JSON value, turned into Python objects when it reaches Python.
pub struct JsonValue(pub Value);

impl<'py> IntoPyObject<'py> for JsonValue {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;
    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        value_to_py(py, &self.0)
    }
}

/// One page of a collection, from ``PageIterator.next_page()`` (``len(page)`` is its item
/// count).
///
/// Example::
///
///     pages = client.paginate("projects", params={"company_id": 8089}, per_page=100)
///     while (page := pages.next_page()) is not None:
///         print(f"page {page.number}: {len(page)} of {page.total} items, more: {page.has_next}")
#[pyclass(module = "procore", frozen, get_all)]
pub struct Page {
    /// The page's items, in server order.
    pub items: Py<PyList>,
    /// The 1-based page number.
    pub number: u32,
    /// Items in the whole collection (`Total` header), if known.
    pub total: Option<u64>,
    /// Items per page (`Per-Page` header), if known.
    pub per_page: Option<u32>,
    /// True when another page follows.
    pub has_next: bool,
    /// The rate-limit window this page's answer reported.
    pub rate_limit: Option<RateLimit>,
    /// `X-Request-Id` of this page's answer.
    pub request_id: Option<String>,
}

#[pymethods]
impl Page {
    fn __len__(&self, py: Python<'_>) -> usize {
        self.items.bind(py).len()
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "<Page {} ({} items, has_next={})>",
            self.number,
            self.items.bind(py).len(),
            self.has_next
        )
    }
}

struct PageData(procore::Page);

impl<'py> IntoPyObject<'py> for PageData {
    type Target = Page;
    type Output = Bound<'py, Page>;
    type Error = PyErr;
    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        let p = self.0;
        let items = PyList::empty(py);
        for item in &p.items {
            items.append(value_to_py(py, item)?)?;
        }
        Bound::new(
            py,
            Page {
                items: items.unbind(),
                number: p.number,
                total: p.total,
                per_page: p.per_page,
                has_next: p.has_next,
                rate_limit: p.rate_limit.as_ref().map(RateLimit::from),
                request_id: p.request_id,
            },
        )
    }
}

/// The cursor plus the items of the current page not yet handed out.
struct State {
    cursor: tokio::sync::Mutex<PageCursor>,
    buffer: Mutex<VecDeque<Value>>,
    done: AtomicBool,
}

impl State {
    fn new(cursor: PageCursor) -> Arc<State> {
        Arc::new(State {
            cursor: tokio::sync::Mutex::new(cursor),
            buffer: Mutex::new(VecDeque::new()),
            done: AtomicBool::new(false),
        })
    }

    fn pop(&self) -> Option<Value> {
        self.buffer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front()
    }

    /// Fetches pages until one has items (true) or the collection ends (false).
    async fn fill(&self) -> procore::Result<bool> {
        let mut cursor = self.cursor.lock().await;
        // Another caller may have filled the buffer while we waited for the cursor.
        if !self
            .buffer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
        {
            return Ok(true);
        }
        loop {
            match cursor.next_page().await? {
                Some(page) if page.items.is_empty() => continue,
                Some(page) => {
                    self.buffer
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .extend(page.items);
                    return Ok(true);
                }
                None => {
                    self.done.store(true, Ordering::Release);
                    return Ok(false);
                }
            }
        }
    }

    async fn next_page(&self) -> procore::Result<Option<procore::Page>> {
        self.cursor.lock().await.next_page().await
    }
}

/// Items of a paginated collection, fetched page by page (blocking): what ``Client.paginate``
/// returns. Iterate it for the items, or call ``next_page()`` for whole pages (not both).
///
/// Example::
///
///     for project in client.paginate("projects", params={"company_id": 8089}):
///         print(project["id"], project["name"])
#[pyclass(module = "procore", frozen)]
pub struct PageIterator {
    state: Arc<State>,
}

impl PageIterator {
    pub fn new(cursor: PageCursor) -> Self {
        PageIterator {
            state: State::new(cursor),
        }
    }
}

#[pymethods]
impl PageIterator {
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        loop {
            if let Some(v) = self.state.pop() {
                return value_to_py(py, &v).map(Some);
            }
            if self.state.done.load(Ordering::Acquire) {
                return Ok(None);
            }
            let state = self.state.clone();
            if !block_on(py, async move { state.fill().await })?.py(py)? {
                return Ok(None);
            }
        }
    }

    /// The next whole page, or None at the end (do not mix with item iteration).
    ///
    /// Example::
    ///
    ///     first = client.paginate("projects", params={"company_id": 8089}).next_page()
    fn next_page<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, Page>>> {
        let state = self.state.clone();
        let page = block_on(py, async move { state.next_page().await })?.py(py)?;
        page.map(|p| PageData(p).into_pyobject(py)).transpose()
    }
}

/// Items of a paginated collection, fetched page by page (`async for`): what
/// ``AsyncClient.paginate`` returns. Iterate it for the items, or await ``next_page()`` for
/// whole pages (not both).
///
/// Example::
///
///     async for project in client.paginate("projects", params={"company_id": 8089}):
///         print(project["id"], project["name"])
#[pyclass(module = "procore", frozen)]
pub struct AsyncPageIterator {
    state: Arc<State>,
}

impl AsyncPageIterator {
    pub fn new(cursor: PageCursor) -> Self {
        AsyncPageIterator {
            state: State::new(cursor),
        }
    }
}

#[pymethods]
impl AsyncPageIterator {
    fn __aiter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if let Some(v) = self.state.pop() {
            // Buffered: an already-finished awaitable, no trip through the runtime.
            let item = value_to_py(py, &v)?.unbind();
            return Ok(Bound::new(py, Ready::new(item))?.into_any());
        }
        if self.state.done.load(Ordering::Acquire) {
            return Err(pyo3::exceptions::PyStopAsyncIteration::new_err(()));
        }
        let state = self.state.clone();
        future_into_py(py, async move {
            loop {
                if let Some(v) = state.pop() {
                    return Ok(Outcome::Ok(JsonValue(v)));
                }
                match state.fill().await {
                    Ok(true) => continue,
                    Ok(false) => return Ok(Outcome::Stop),
                    Err(e) => return Ok(Outcome::Err(e)),
                }
            }
        })
    }

    /// Awaitable: the next whole page, or None at the end (do not mix with item iteration).
    ///
    /// Example::
    ///
    ///     pages = client.paginate("projects", params={"company_id": 8089})
    ///     while (page := await pages.next_page()) is not None:
    ///         print(page.number, len(page.items))
    fn next_page<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let state = self.state.clone();
        future_into_py(py, async move {
            Ok(Outcome::from(
                state.next_page().await.map(|p| p.map(PageData)),
            ))
        })
    }
}

/// An awaitable whose value is already known (`await` returns it at once).
#[pyclass(module = "procore")]
pub struct Ready {
    value: Option<Py<PyAny>>,
}

impl Ready {
    pub fn new(value: Py<PyAny>) -> Self {
        Ready { value: Some(value) }
    }
}

#[pymethods]
impl Ready {
    fn __await__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<()> {
        let v = self.value.take().unwrap_or_else(|| py.None());
        Err(PyStopIteration::new_err((v,)))
    }
}
