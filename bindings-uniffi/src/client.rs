//! The `NativeClient` object (`Client` in Kotlin and Swift), mirroring core `client.rs`.
//!
//! Thin on purpose: options are converted into the core's (`options.rs` here, then
//! `procore::options`, which checks and resolves them); the core's pipeline (pace, authorize,
//! send, classify, recover) runs, and its answer is converted back (`response.rs`). Nothing
//! here retries, refreshes, paces or paginates.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::auth::{Secret, TokenSet};
use crate::errors::{Core, ProcoreError, Result};
use crate::options::{ClientOptions, PaginateOptions, RequestOptions};
use crate::pagination::PageCursor;
use crate::response::Response;
use crate::stores::{ForeignStore, TokenStore};

/// A Procore API client. One per app (per token set): calls share its connection pool, its
/// tokens and its rate budget, from any number of coroutines or tasks at once.
///
/// Swift uses it as `Client` (a type alias); Kotlin through the hand-written `Client` of
/// `Procore.kt`, whose `close()` makes later calls fail with the SDK's `CONFIG` error (the
/// generated `close()` frees the object, after which generated code can only throw
/// `IllegalStateException`).
///
/// Example:
///
/// ```kotlin
/// val client = Client.withAccessToken(ClientOptions(environment = "sandbox", companyId = 8089uL), token)
/// val me = client.get("me").json()
/// client.items("projects", PaginateOptions(query = query("company_id" to 8089))).collect { println(it) }
/// client.close()
/// ```
///
/// ```swift
/// let client = try Client.withAccessToken(options: ClientOptions(environment: "sandbox", companyId: 8089), accessToken: token)
/// let me = try await client.get(path: "me")
/// for try await project in client.items("projects", options: PaginateOptions(query: [QueryParam("company_id", 8089)])) { print(project) }
/// ```
#[derive(uniffi::Object)]
pub struct NativeClient {
    inner: procore::Client,
    closed: AtomicBool,
}

impl std::fmt::Debug for NativeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl NativeClient {
    fn build(options: ClientOptions, store: Option<Arc<dyn TokenStore>>) -> Result<Arc<Self>> {
        let mut o = options.to_core();
        o.store = store.map(ForeignStore::core);
        let inner = procore::ClientBuilder::from_options(o)
            .and_then(|b| b.build())
            .ffi()?;
        Ok(Arc::new(NativeClient {
            inner,
            closed: AtomicBool::new(false),
        }))
    }

    /// The core client, or `CONFIG` once shut down.
    pub(crate) fn core(&self) -> Result<&procore::Client> {
        self.client()
    }

    fn client(&self) -> Result<&procore::Client> {
        if self.closed.load(Ordering::Acquire) {
            return Err(ProcoreError::config("the client is closed"));
        }
        Ok(&self.inner)
    }

    async fn run(&self, method: &str, path: String, options: RequestOptions) -> Result<Response> {
        let client = self.client()?;
        let spec = procore::RequestSpec::from_options(method, path, options.into()).ffi()?;
        Ok(client.send(&spec).await.ffi()?.into())
    }
}

fn with_body(options: Option<RequestOptions>, body_json: String) -> RequestOptions {
    RequestOptions {
        body_json: Some(body_json),
        ..options.unwrap_or_default()
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl NativeClient {
    /// A client from its options (credentials included); `store` keeps the tokens (default:
    /// memory). The `with...` constructors below are shorthands for it.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val client = Client(ClientOptions(clientId = id, clientSecret = Secret(secret), refreshToken = Secret(refresh)), FileTokenStore("tokens.json"))
    /// ```
    ///
    /// ```swift
    /// let client = try Client(options: ClientOptions(accessToken: Secret(value: token), environment: "sandbox"))
    /// ```
    #[uniffi::constructor(default(store = None))]
    pub fn new(options: ClientOptions, store: Option<Arc<dyn TokenStore>>) -> Result<Arc<Self>> {
        Self::build(options, store)
    }

    /// A client on a fixed access token (never refreshed; a 401 is final).
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val client = Client.withAccessToken(ClientOptions(environment = "sandbox"), token)
    /// ```
    ///
    /// ```swift
    /// let client = try Client.withAccessToken(options: ClientOptions(environment: "sandbox"), accessToken: token)
    /// ```
    #[uniffi::constructor]
    pub fn with_access_token(options: ClientOptions, access_token: String) -> Result<Arc<Self>> {
        Self::build(
            ClientOptions {
                access_token: Some(Secret::new(access_token)),
                ..options
            },
            None,
        )
    }

    /// A service account: the client-credentials grant, fetched again at expiry.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val client = Client.withClientCredentials(ClientOptions(companyId = 8089uL), clientId, clientSecret)
    /// ```
    ///
    /// ```swift
    /// let client = try Client.withClientCredentials(options: ClientOptions(companyId: 8089), clientId: id, clientSecret: secret)
    /// ```
    #[uniffi::constructor]
    pub fn with_client_credentials(
        options: ClientOptions,
        client_id: String,
        client_secret: String,
    ) -> Result<Arc<Self>> {
        Self::build(
            ClientOptions {
                client_id: Some(client_id),
                client_secret: Some(Secret::new(client_secret)),
                ..options
            },
            None,
        )
    }

    /// A user's refresh token. If `store` already holds a set, the stored set wins (it is
    /// newer: refresh tokens rotate). The first call refreshes.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val client = Client.withRefreshToken(ClientOptions(), clientId, clientSecret, refreshToken, FileTokenStore("tokens.json"))
    /// ```
    ///
    /// ```swift
    /// let client = try Client.withRefreshToken(options: ClientOptions(), clientId: id, clientSecret: secret, refreshToken: refresh, store: fileTokenStore(path: path))
    /// ```
    #[uniffi::constructor(default(store = None))]
    pub fn with_refresh_token(
        options: ClientOptions,
        client_id: String,
        client_secret: String,
        refresh_token: String,
        store: Option<Arc<dyn TokenStore>>,
    ) -> Result<Arc<Self>> {
        Self::build(
            ClientOptions {
                client_id: Some(client_id),
                client_secret: Some(Secret::new(client_secret)),
                refresh_token: Some(Secret::new(refresh_token)),
                ..options
            },
            store,
        )
    }

    /// A user's full token set (from `OAuthClient.exchangeCode`, or saved earlier). If
    /// `store` holds a newer set, that one wins.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val tokens = oauth.exchangeCode(request, code, state)
    /// val client = Client.withTokens(ClientOptions(environment = "sandbox"), clientId, clientSecret, tokens, store)
    /// ```
    ///
    /// ```swift
    /// let tokens = try await oauth.exchangeCode(request: request, code: code, returnedState: state)
    /// let client = try Client.withTokens(options: ClientOptions(environment: "sandbox"), clientId: id, clientSecret: secret, tokens: tokens, store: store)
    /// ```
    #[uniffi::constructor(default(store = None))]
    pub fn with_tokens(
        options: ClientOptions,
        client_id: String,
        client_secret: String,
        tokens: Arc<TokenSet>,
        store: Option<Arc<dyn TokenStore>>,
    ) -> Result<Arc<Self>> {
        Self::build(
            ClientOptions {
                client_id: Some(client_id),
                client_secret: Some(Secret::new(client_secret)),
                tokens: Some(tokens),
                ..options
            },
            store,
        )
    }

    /// Tokens that live only in `store` (saved by an earlier run or login).
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val client = Client.withStoredTokens(ClientOptions(), clientId, clientSecret, KeystoreTokenStore(prefs))
    /// ```
    ///
    /// ```swift
    /// let client = try Client.withStoredTokens(options: ClientOptions(), clientId: id, clientSecret: secret, store: KeychainTokenStore())
    /// ```
    #[uniffi::constructor]
    pub fn with_stored_tokens(
        options: ClientOptions,
        client_id: String,
        client_secret: String,
        store: Arc<dyn TokenStore>,
    ) -> Result<Arc<Self>> {
        Self::build(
            ClientOptions {
                client_id: Some(client_id),
                client_secret: Some(Secret::new(client_secret)),
                stored: Some(true),
                ..options
            },
            Some(store),
        )
    }

    /// The default company id (sent as `Procore-Company-Id` when a call names none), if set.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val company: ULong? = client.companyId()
    /// ```
    ///
    /// ```swift
    /// let company: UInt64? = client.companyId()
    /// ```
    pub fn company_id(&self) -> Option<u64> {
        self.inner.company_id()
    }

    /// A copy of the current token set, if one was loaded or fetched yet.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// client.currentTokens()?.let { println("expires at ${it.expiresAtUnix()}") }
    /// ```
    ///
    /// ```swift
    /// if let tokens = client.currentTokens() { print(tokens.expiresAtUnix() ?? 0) }
    /// ```
    pub fn current_tokens(&self) -> Option<Arc<TokenSet>> {
        self.inner.tokens().current_tokens().map(TokenSet::wrap)
    }

    /// Any call: `method` is `get`, `post`, `put`, `patch`, `delete`, `head` or `options`;
    /// `path` is `/rest/v1.0/projects`, or `projects` (relative to the API version).
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val r = client.request("GET", "projects", RequestOptions(query = query("company_id" to 8089)))
    /// ```
    ///
    /// ```swift
    /// let r = try await client.request(method: "GET", path: "projects", options: RequestOptions(query: [QueryParam("company_id", 8089)]))
    /// ```
    #[uniffi::method(default(options = None))]
    pub async fn request(
        &self,
        method: String,
        path: String,
        options: Option<RequestOptions>,
    ) -> Result<Response> {
        self.run(&method, path, options.unwrap_or_default()).await
    }

    /// A catalog operation by id (`procore.catalog`), its path parameters filling the path
    /// template; checked first: an `INVALID_CALL` error names what is missing (a path
    /// parameter, a required query parameter or body field) and nothing is sent.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val body = """{"rfi": {"subject": "Door height"}}"""
    /// val r = client.call("RestV10ProjectsProjectIdRfisPost", query("project_id" to 5), RequestOptions(bodyJson = body))
    /// ```
    ///
    /// ```swift
    /// let body = #"{"rfi": {"subject": "Door height"}}"#
    /// let r = try await client.call(operation: "RestV10ProjectsProjectIdRfisPost", path: [QueryParam("project_id", 5)], options: RequestOptions(bodyJson: body))
    /// ```
    #[uniffi::method(default(path = [], options = None))]
    pub async fn call(
        &self,
        operation: String,
        path: Vec<crate::options::QueryParam>,
        options: Option<RequestOptions>,
    ) -> Result<Response> {
        let client = self.client()?;
        let path =
            procore::QueryValue::Map(path.into_iter().map(|p| (p.name, p.value.into())).collect());
        let spec = procore::RequestSpec::for_operation(
            &operation,
            Some(&path),
            options.unwrap_or_default().into(),
        )
        .ffi()?;
        Ok(client.send(&spec).await.ffi()?.into())
    }

    /// `GET path`.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val me = client.get("me").json()
    /// ```
    ///
    /// ```swift
    /// let me = try await client.get(path: "me").jsonObject()
    /// ```
    #[uniffi::method(default(options = None))]
    pub async fn get(&self, path: String, options: Option<RequestOptions>) -> Result<Response> {
        self.run("GET", path, options.unwrap_or_default()).await
    }

    /// `POST path` with a JSON body (text).
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val r = client.post("projects/5/rfis", """{"rfi": {"subject": "Door height"}}""")
    /// ```
    ///
    /// ```swift
    /// let r = try await client.post(path: "projects/5/rfis", bodyJson: #"{"rfi": {"subject": "Door height"}}"#)
    /// ```
    #[uniffi::method(default(options = None))]
    pub async fn post(
        &self,
        path: String,
        body_json: String,
        options: Option<RequestOptions>,
    ) -> Result<Response> {
        self.run("POST", path, with_body(options, body_json)).await
    }

    /// `PUT path` with a JSON body (text).
    ///
    /// Example:
    ///
    /// ```kotlin
    /// client.put("projects/5/rfis/7", """{"rfi": {"subject": "Door height (rev. B)"}}""")
    /// ```
    ///
    /// ```swift
    /// _ = try await client.put(path: "projects/5/rfis/7", bodyJson: #"{"rfi": {"subject": "Door height (rev. B)"}}"#)
    /// ```
    #[uniffi::method(default(options = None))]
    pub async fn put(
        &self,
        path: String,
        body_json: String,
        options: Option<RequestOptions>,
    ) -> Result<Response> {
        self.run("PUT", path, with_body(options, body_json)).await
    }

    /// `PATCH path` with a JSON body (text).
    ///
    /// Example:
    ///
    /// ```kotlin
    /// client.patch("projects/5", """{"project": {"active": false}}""", RequestOptions(companyId = 8089uL))
    /// ```
    ///
    /// ```swift
    /// _ = try await client.patch(path: "projects/5", bodyJson: #"{"project": {"active": false}}"#)
    /// ```
    #[uniffi::method(default(options = None))]
    pub async fn patch(
        &self,
        path: String,
        body_json: String,
        options: Option<RequestOptions>,
    ) -> Result<Response> {
        self.run("PATCH", path, with_body(options, body_json)).await
    }

    /// `DELETE path`.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// client.delete("projects/5/rfis/7")
    /// ```
    ///
    /// ```swift
    /// _ = try await client.delete(path: "projects/5/rfis/7")
    /// ```
    #[uniffi::method(default(options = None))]
    pub async fn delete(&self, path: String, options: Option<RequestOptions>) -> Result<Response> {
        self.run("DELETE", path, options.unwrap_or_default()).await
    }

    /// A cursor over a paginated collection (v1 arrays or v2 `{"data": [...]}`), one page per
    /// `nextPage()` call. The Kotlin `pages()`/`items()` flows and the Swift `AsyncSequence`
    /// wrap it.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val cursor = client.paginate("projects", PaginateOptions(query = query("company_id" to 8089)))
    /// while (true) { val page = cursor.nextPage() ?: break; println("page ${page.number}: ${page.items.size} items") }
    /// cursor.close()
    /// ```
    ///
    /// ```swift
    /// let cursor = try client.paginate(path: "projects", options: PaginateOptions(query: [QueryParam("company_id", 8089)]))
    /// while let page = try await cursor.nextPage() { print(page.number, page.items.count) }
    /// ```
    #[uniffi::method(default(options = None))]
    pub fn paginate(
        &self,
        path: String,
        options: Option<PaginateOptions>,
    ) -> Result<Arc<PageCursor>> {
        PageCursor::new(self.client()?, path, options.unwrap_or_default())
    }

    /// Revokes the tokens at the server and clears the token store (logout).
    ///
    /// Example:
    ///
    /// ```kotlin
    /// client.revoke()  // later calls fail with REAUTHORIZATION_REQUIRED
    /// ```
    ///
    /// ```swift
    /// try await client.revoke()
    /// ```
    pub async fn revoke(&self) -> Result<()> {
        self.client()?.revoke().await.ffi()
    }

    /// Introspects the current access token (`/oauth/token/info`), as JSON text.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val info = parseJson(client.tokenInfo()).jsonObject
    /// ```
    ///
    /// ```swift
    /// let info = try await client.tokenInfo()
    /// ```
    pub async fn token_info(&self) -> Result<String> {
        Ok(self.client()?.token_info().await.ffi()?.to_string())
    }

    /// Refuses further calls (they fail with `CONFIG`). Idempotent. Calls in flight finish.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// client.shutdown()  // later calls fail with CONFIG
    /// ```
    ///
    /// ```swift
    /// client.shutdown()
    /// ```
    pub fn shutdown(&self) {
        self.closed.store(true, Ordering::Release);
    }

    /// True after `shutdown()`.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val native = NativeClient.withAccessToken(ClientOptions(), token)
    /// native.shutdown()
    /// check(native.isShutDown())
    /// ```
    ///
    /// ```swift
    /// if !client.isShutDown() { _ = try await client.get(path: "me") }
    /// ```
    pub fn is_shut_down(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> ClientOptions {
        ClientOptions {
            access_token: Some(Secret::new("t".into())),
            ..Default::default()
        }
    }

    #[test]
    fn bad_options_are_config_errors() {
        let bad = ClientOptions {
            base_url: Some("ftp://x".into()),
            ..options()
        };
        assert_eq!(
            NativeClient::new(bad, None).unwrap_err().code(),
            procore::ErrorCode::Config
        );
        let bad = ClientOptions {
            login_base: Some("http://127.0.0.1:1".into()),
            ..options()
        };
        assert_eq!(
            NativeClient::new(bad, None).unwrap_err().code(),
            procore::ErrorCode::Config
        );
    }

    #[tokio::test]
    async fn bodies_must_be_json_and_closed_clients_refuse() {
        let c = NativeClient::new(options(), None).unwrap();
        let err = c.post("x".into(), "{nope".into(), None).await.unwrap_err();
        assert_eq!(err.code(), procore::ErrorCode::Config);
        let err = c
            .request("FETCH".into(), "x".into(), None)
            .await
            .unwrap_err();
        assert_eq!(err.code(), procore::ErrorCode::Config);
        c.shutdown();
        let err = c.get("x".into(), None).await.unwrap_err();
        assert_eq!(err.code(), procore::ErrorCode::Config);
    }
}
