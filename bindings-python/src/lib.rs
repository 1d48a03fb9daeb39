//! `procore._procore`: the native half of the `procore` Python package.
//!
//! Thin by design (ARCHITECTURE.md, "How a binding is shaped"): every file converts arguments in and results out, and the
//! Rust core does the rest. One file per core concept:
//! - [`client`]: `NativeClient`, the half of `Client` / `AsyncClient` (core `client.rs`)
//! - [`options`]: keyword arguments -> the core's options (core `options.rs`)
//! - [`auth`]: `OAuthClient`, `AuthorizationRequest` (core `auth/`)
//! - [`catalog`]: the operation catalog's search and lookup (core `catalog.rs`)
//! - [`progress`]: upload progress callbacks, called off the runtime's threads
//! - [`webhooks`]: the `WebhookReceiver` class (core `webhooks.rs`)
//! - [`stores`]: memory, file and custom Python token stores (core `store/`)
//! - [`pagination`]: item iterators and pages (core `paginate.rs`)
//! - [`response`]: `Response`, `RateLimit` (core `response.rs`)
//! - [`errors`]: core errors -> `procore.ProcoreError` subclasses (core `error.rs`)
//! - [`runtime`]: the fork-safe tokio runtime, blocking waits, the asyncio bridge
//! - [`logging`]: core `tracing` events -> Python `logging`
//! - [`json`]: JSON <-> Python objects

use pyo3::prelude::*;

mod auth;
mod catalog;
mod client;
mod errors;
mod json;
mod logging;
mod options;
mod pagination;
mod progress;
mod response;
mod runtime;
mod stores;
mod webhooks;

/// Re-reads the level of the `procore` logger (done at every call; for long-lived iterators).
#[pyfunction]
fn _refresh_log_level(py: Python<'_>) {
    logging::refresh_level(py);
}

#[pymodule]
fn _procore(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", procore::SDK_VERSION)?;
    m.add("OOB_REDIRECT_URI", procore::auth::OOB_REDIRECT_URI)?;
    m.add("ERROR_CODES", procore::Error::CODES.to_vec())?;
    m.add_class::<client::NativeClient>()?;
    m.add_class::<response::Response>()?;
    m.add_class::<response::RateLimit>()?;
    m.add_class::<pagination::Page>()?;
    m.add_class::<pagination::PageIterator>()?;
    m.add_class::<pagination::AsyncPageIterator>()?;
    m.add_class::<pagination::Ready>()?;
    m.add_class::<stores::MemoryTokenStore>()?;
    m.add_class::<stores::FileTokenStore>()?;
    m.add_class::<stores::RedisTokenStore>()?;
    m.add_class::<webhooks::WebhookReceiver>()?;
    m.add_class::<auth::OAuthClient>()?;
    m.add_class::<auth::AuthorizationRequest>()?;
    m.add_function(wrap_pyfunction!(_refresh_log_level, m)?)?;
    m.add_function(wrap_pyfunction!(catalog::catalog_search, m)?)?;
    m.add_function(wrap_pyfunction!(catalog::catalog_operation, m)?)?;
    logging::install(py);
    Ok(())
}
