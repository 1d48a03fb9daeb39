//! The operation catalog (core `catalog.rs`): search and look up, as JSON text for
//! `lib/catalog.js`.

use napi_derive::napi;

/// The operations matching every word, best first, as a JSON array.
#[napi]
pub fn catalog_search(words: String, limit: Option<u32>) -> String {
    let hits = procore::catalog::search_json(&words, limit.map(|n| n as usize));
    serde_json::Value::Array(hits).to_string()
}

/// The operation with this id as JSON, or null.
#[napi]
pub fn catalog_operation(id: String) -> Option<String> {
    procore::catalog::operation_json(&id).map(|v| v.to_string())
}
