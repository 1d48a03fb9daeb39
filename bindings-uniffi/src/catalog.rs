//! The operation catalog (core `catalog.rs`) for Kotlin and Swift: search and look up, as
//! records; call an operation with `NativeClient.call` (client.rs).

/// One parameter of an operation.
///
/// Example:
///
/// ```kotlin
/// val required = op.params.filter { it.required }.map { "${it.location}.${it.name}: ${it.typeName}" }
/// ```
///
/// ```swift
/// let required = op.params.filter { $0.required }.map { $0.name }
/// ```
#[derive(uniffi::Record, Clone, Debug)]
pub struct CatalogParam {
    /// The parameter's name.
    pub name: String,
    /// `path`, `query` or `header`.
    pub location: String,
    /// True when the call must give it.
    pub required: bool,
    /// The type in words (`integer`, `array of integer`, `string (open|closed)`).
    pub type_name: String,
}

/// One field of an operation's body, flattened (`rfi.question.body`).
///
/// Example:
///
/// ```kotlin
/// op.bodyFields.filter { it.required }.forEach { println("${it.path}: ${it.typeName}") }
/// ```
///
/// ```swift
/// for field in op.bodyFields where field.required { print(field.path, field.typeName) }
/// ```
#[derive(uniffi::Record, Clone, Debug)]
pub struct CatalogField {
    /// The field's dotted path in the body.
    pub path: String,
    /// The type in words.
    pub type_name: String,
    /// True when the body must have it.
    pub required: bool,
}

/// One operation of Procore's REST API description.
///
/// Example:
///
/// ```kotlin
/// val op = catalogOperation("RestV10ProjectsProjectIdRfisPost")!!
/// println("${op.method} ${op.path}: ${op.summary}")
/// ```
///
/// ```swift
/// if let op = catalogOperation(id: "RestV10ProjectsProjectIdRfisPost") { print(op.method, op.path, op.summary) }
/// ```
#[derive(uniffi::Record, Clone, Debug)]
pub struct CatalogOperation {
    /// The operation id (`RestV10ProjectsProjectIdRfisPost`), what `call` takes.
    pub id: String,
    /// The HTTP method.
    pub method: String,
    /// The path template (`/rest/v1.0/projects/{project_id}/rfis`).
    pub path: String,
    /// The API version (`v1.0`, `v2.0`, ...).
    pub version: String,
    /// The description's tag (the tool or resource).
    pub tag: String,
    /// One line on what the operation does.
    pub summary: String,
    /// The path, query and header parameters.
    pub params: Vec<CatalogParam>,
    /// The body's content type, when the operation takes a body.
    pub body_content_type: Option<String>,
    /// True when the operation needs a body.
    pub body_required: bool,
    /// The body's fields, flattened.
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
///
/// Example:
///
/// ```kotlin
/// catalogSearch("create rfi", 3u).forEach { println("${it.id} ${it.method} ${it.path}") }
/// ```
///
/// ```swift
/// for op in catalogSearch(words: "create rfi", limit: 3) { print(op.id, op.method, op.path) }
/// ```
#[uniffi::export(default(limit = None))]
pub fn catalog_search(words: String, limit: Option<u32>) -> Vec<CatalogOperation> {
    procore::catalog::Catalog::get()
        .search_top(&words, limit.map(|n| n as usize))
        .into_iter()
        .map(CatalogOperation::from)
        .collect()
}

/// The operation with this id (or, failing that, this id ignoring case), or none.
///
/// Example:
///
/// ```kotlin
/// val op = catalogOperation("RestV10ProjectsGet")
/// ```
///
/// ```swift
/// let op = catalogOperation(id: "RestV10ProjectsGet")
/// ```
#[uniffi::export]
pub fn catalog_operation(id: String) -> Option<CatalogOperation> {
    procore::catalog::Catalog::get()
        .operation(&id)
        .map(CatalogOperation::from)
}
