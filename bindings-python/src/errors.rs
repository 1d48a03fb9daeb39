//! `procore::Error` -> the Python exception of its code.
//!
//! The exception classes live in Python (`procore/_errors.py`: `ProcoreError` and one subclass
//! per core code, found through `_BY_CODE`), so they are ordinary, picklable Python classes
//! that type checkers see. This file only fills their fields from the core error: `code`,
//! `status`, `request_id`, `body` (parsed JSON), and `errors` (validation) or `retry_at`
//! (rate limits). The message is the core's `Display`, which never holds a token or secret.

use std::time::UNIX_EPOCH;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyType};
use pyo3::IntoPyObjectExt;

use crate::json::value_to_py;

static BY_CODE: PyOnceLock<Py<PyDict>> = PyOnceLock::new();
static BASE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn classes(py: Python<'_>) -> PyResult<(&Bound<'_, PyDict>, &Bound<'_, PyType>)> {
    let by_code = BY_CODE.get_or_try_init(py, || -> PyResult<Py<PyDict>> {
        let m = py.import("procore._errors")?;
        Ok(m.getattr("_BY_CODE")?.cast_into::<PyDict>()?.unbind())
    })?;
    let base = BASE.get_or_try_init(py, || -> PyResult<Py<PyType>> {
        let m = py.import("procore._errors")?;
        Ok(m.getattr("ProcoreError")?.cast_into::<PyType>()?.unbind())
    })?;
    Ok((by_code.bind(py), base.bind(py)))
}

fn build(py: Python<'_>, e: &procore::Error) -> PyResult<PyErr> {
    let (by_code, base) = classes(py)?;
    let cls = match by_code.get_item(e.code())? {
        Some(c) => c,
        None => base.clone().into_any(),
    };
    let kwargs = PyDict::new(py);
    kwargs.set_item("code", e.code())?;
    kwargs.set_item("status", e.status())?;
    kwargs.set_item("request_id", e.request_id())?;
    match e.body() {
        Some(b) => kwargs.set_item("body", value_to_py(py, b)?)?,
        None => kwargs.set_item("body", py.None())?,
    }
    if let Some(errors) = e.validation_errors() {
        let d = PyDict::new(py);
        for (field, messages) in errors {
            d.set_item(field, messages.clone())?;
        }
        kwargs.set_item("errors", d)?;
    }
    if let procore::Error::Upload {
        upload_id,
        segment,
        segments,
        attempts,
        ..
    } = e
    {
        kwargs.set_item("upload_id", upload_id)?;
        kwargs.set_item("segment", segment)?;
        kwargs.set_item("segments", segments)?;
        kwargs.set_item("attempts", attempts)?;
    }
    if let Some(error) = e.oauth_error() {
        kwargs.set_item("oauth_error", error)?;
    }
    if e.code() == "rate_limited" || e.code() == "server" {
        let at = e
            .retry_at()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_secs_f64());
        kwargs.set_item("retry_at", at)?;
    }
    let exc = cls.call((e.to_string(),), Some(&kwargs))?;
    Ok(PyErr::from_value(exc))
}

/// The Python exception for a core error.
pub fn to_pyerr(py: Python<'_>, e: procore::Error) -> PyErr {
    build(py, &e).unwrap_or_else(|err| {
        PyRuntimeError::new_err(format!(
            "{e} (and the procore exception could not be built: {err})"
        ))
    })
}

/// A core error without a Python handle at hand: `config` errors raised from Rust helpers.
pub fn config(py: Python<'_>, msg: impl Into<String>) -> PyErr {
    to_pyerr(py, procore::Error::Config(msg.into()))
}

/// Extension to map core results with the GIL held.
pub trait IntoPyResult<T> {
    fn py(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for procore::Result<T> {
    fn py(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_pyerr(py, e))
    }
}

/// The result of an async call, converted to Python when the awaitable completes (with the
/// GIL held), so core errors become their exception classes there and not on a tokio worker.
pub enum Outcome<T> {
    Ok(T),
    Err(procore::Error),
    /// End of an async iteration.
    Stop,
}

impl<T> From<procore::Result<T>> for Outcome<T> {
    fn from(r: procore::Result<T>) -> Self {
        match r {
            Ok(v) => Outcome::Ok(v),
            Err(e) => Outcome::Err(e),
        }
    }
}

impl<'py, T> IntoPyObject<'py> for Outcome<T>
where
    T: IntoPyObject<'py>,
    T::Error: Into<PyErr>,
{
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        match self {
            Outcome::Ok(v) => v.into_bound_py_any(py),
            Outcome::Err(e) => Err(to_pyerr(py, e)),
            Outcome::Stop => Err(pyo3::exceptions::PyStopAsyncIteration::new_err(())),
        }
    }
}
