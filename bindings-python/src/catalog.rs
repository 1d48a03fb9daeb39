//! The operation catalog (core `catalog.rs`): search and look up, as plain dicts.

use pyo3::prelude::*;

use crate::json::value_to_py;

/// The operations matching every word (in the id, path, summary or tag), best first.
#[pyfunction]
#[pyo3(signature = (words, limit=None))]
pub fn catalog_search<'py>(
    py: Python<'py>,
    words: &str,
    limit: Option<usize>,
) -> PyResult<Vec<Bound<'py, PyAny>>> {
    procore::catalog::search_json(words, limit)
        .iter()
        .map(|v| value_to_py(py, v))
        .collect()
}

/// The operation with this id, or None.
#[pyfunction]
pub fn catalog_operation<'py>(py: Python<'py>, id: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
    procore::catalog::operation_json(id)
        .map(|v| value_to_py(py, &v))
        .transpose()
}
