//! The operation catalog (core `catalog.rs`) for Kotlin and Swift: search and look up, as
//! records; call an operation with `NativeClient.call` (client.rs).

/// One parameter of an operation.
#[derive(uniffi::Record, Clone, Debug)]
pub struct CatalogParam {
    pub name: String,
    /// `path`, `query` or `header`.
    pub location: String,
    pub required: bool,
    /// The type in words (`integer`, `array of integer`, `string (open|closed)`).
    pub type_name: String,
}

/// One field of an operation's body, flattened (`rfi.question.body`).
#[derive(uniffi::Record, Clone, Debug)]
pub struct CatalogField {
    pub path: String,
    pub type_name: String,
    pub required: bool,
}

/// One operation of Procore's REST API description.
#[derive(uniffi::Record, Clone, Debug)]
pub struct CatalogOperation {
    pub id: String,
    pub method: String,
    /// The path template (`/rest/v1.0/projects/{project_id}/rfis`).
    pub path: String,
    pub version: String,
    pub tag: String,
    pub summary: String,
    pub params: Vec<CatalogParam>,
    /// The body's content type, when the operation takes a body.
    pub body_content_type: Option<String>,
    pub body_required: bool,
    pub body_fields: Vec<CatalogField>,
}

impl From<&procore::catalog::Operation> for CatalogOperation {
    fn from(o: &procore::catalog::Operation) -> Self {
        CatalogOperation {
            id: o.id.clone(),
            method: o.method.clone(),
            path: o.path.clone(),
            version: o.version.clone(),
            tag: o.tag.clone(),
            summary: o.summary.clone(),
            params: o
                .params
                .iter()
                .map(|p| CatalogParam {
                    name: p.name.clone(),
                    location: p.location.as_str().to_owned(),
                    required: p.required,
                    type_name: p.schema.describe(),
                })
                .collect(),
            body_content_type: o.body.as_ref().map(|b| b.content_type.clone()),
            body_required: o.body.as_ref().is_some_and(|b| b.required),
            body_fields: o
                .body_fields()
                .into_iter()
                .map(|f| CatalogField {
                    path: f.path,
                    type_name: f.ty,
                    required: f.required,
                })
                .collect(),
        }
    }
}

/// The operations whose id, path, summary or tag contain every word, best first.
#[uniffi::export(default(limit = None))]
pub fn catalog_search(words: String, limit: Option<u32>) -> Vec<CatalogOperation> {
    procore::catalog::Catalog::get()
        .search_top(&words, limit.map(|n| n as usize))
        .into_iter()
        .map(CatalogOperation::from)
        .collect()
}

/// The operation with this id (or, failing that, this id ignoring case).
#[uniffi::export]
pub fn catalog_operation(id: String) -> Option<CatalogOperation> {
    procore::catalog::Catalog::get()
        .operation(&id)
        .map(CatalogOperation::from)
}
