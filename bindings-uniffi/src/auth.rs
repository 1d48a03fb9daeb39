//! Tokens and the authorization-code helpers, mirroring core `auth/`.
//!
//! `TokenSet` and `AuthorizationRequest` are objects, not records, on purpose: a generated
//! Kotlin data class or Swift struct prints every field in `toString()` / `print()`, and these
//! hold secrets. As objects their text form is the redacted `Display` below, and the secret
//! parts are read only through explicit accessors.

use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::errors::{Core, Result};
use crate::options::ClientOptions;

/// Unix seconds of a time (0 for times before the epoch).
pub(crate) fn unix_secs(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(_) => 0,
    }
}

/// A secret option (an access token, a client secret, a refresh token): its text form is
/// `Secret([redacted])`, so a logged `ClientOptions` never shows one.
///
/// Example:
///
/// ```kotlin
/// val options = ClientOptions(accessToken = Secret(token), environment = "sandbox")
/// println(options)  // ... accessToken=Secret([redacted]) ...
/// ```
///
/// ```swift
/// let options = ClientOptions(accessToken: Secret(value: token), environment: "sandbox")
/// ```
#[derive(uniffi::Object)]
#[uniffi::export(Display)]
pub struct Secret {
    pub(crate) value: String,
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[uniffi::export]
impl Secret {
    /// Wraps a secret value.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val secret = Secret(System.getenv("PROCORE_CLIENT_SECRET"))
    /// ```
    ///
    /// ```swift
    /// let secret = Secret(value: ProcessInfo.processInfo.environment["PROCORE_CLIENT_SECRET"]!)
    /// ```
    #[uniffi::constructor]
    pub fn new(value: String) -> Arc<Self> {
        Arc::new(Secret { value })
    }
}

/// An OAuth token set: access token, optional refresh token, expiry and rotation version.
/// Its text form never shows the tokens.
///
/// Example:
///
/// ```kotlin
/// val tokens = TokenSet(accessToken = access, refreshToken = refresh, expiresAtUnix = 1767225600L)
/// println(tokens)  // TokenSet(version=0, expires_at_unix=Some(1767225600), access_token=[redacted], ...)
/// ```
///
/// ```swift
/// let tokens = try TokenSet(accessToken: access, refreshToken: refresh, expiresAtUnix: 1767225600)
/// ```
#[derive(uniffi::Object)]
#[uniffi::export(Display)]
pub struct TokenSet {
    pub(crate) inner: procore::TokenSet,
}

impl TokenSet {
    pub(crate) fn wrap(inner: procore::TokenSet) -> Arc<Self> {
        Arc::new(TokenSet { inner })
    }
}

impl fmt::Display for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TokenSet(version={}, expires_at_unix={:?}, access_token=[redacted], refresh_token={})",
            self.inner.version,
            self.inner.expires_at.map(unix_secs),
            if self.inner.refresh_token().is_some() {
                "[redacted]"
            } else {
                "none"
            }
        )
    }
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[uniffi::export]
impl TokenSet {
    /// A token set from its parts (`expires_at_unix`: when the access token stops working;
    /// `version`: the rotation counter, 0 for a set given from outside). The core checks it
    /// as it checks a stored set (and Python's and Node's token dicts): it must hold an access
    /// or a refresh token, else `STORE`; an empty refresh token counts as none.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val tokens = TokenSet(access, refresh, expiresAtUnix = System.currentTimeMillis() / 1000 + 7200)
    /// ```
    ///
    /// ```swift
    /// let tokens = try TokenSet(accessToken: access, refreshToken: refresh, expiresAtUnix: Int64(Date().timeIntervalSince1970) + 7200)
    /// ```
    #[uniffi::constructor(default(refresh_token = None, expires_at_unix = None, version = 0, created_at_unix = None))]
    pub fn new(
        access_token: String,
        refresh_token: Option<String>,
        expires_at_unix: Option<i64>,
        version: u64,
        created_at_unix: Option<i64>,
    ) -> Result<Arc<Self>> {
        // The core's rules for a stored set, as Python's and Node's token dicts get them.
        let inner = procore::TokenSet::from_parts(
            access_token,
            refresh_token,
            expires_at_unix,
            created_at_unix,
            version,
        )
        .ffi()?;
        Ok(Self::wrap(inner))
    }

    /// Parses the JSON form written by [`TokenSet::to_json`] (and by the core's file store).
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val tokens = prefs.getString("procore")?.let { TokenSet.fromJson(it) }
    /// ```
    ///
    /// ```swift
    /// let tokens = try TokenSet.fromJson(json: keychainString)
    /// ```
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Arc<Self>> {
        Ok(Self::wrap(procore::TokenSet::from_json(&json).ffi()?))
    }

    /// The JSON form, for stores that keep one string (Keychain item, Keystore entry, a row).
    ///
    /// Example:
    ///
    /// ```kotlin
    /// prefs.putString("procore", tokens.toJson())
    /// ```
    ///
    /// ```swift
    /// try keychain.set(tokens.toJson(), key: "procore")
    /// ```
    pub fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// The access token. Handle with care: never log it.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val bearer = "Bearer " + tokens.accessToken()
    /// ```
    ///
    /// ```swift
    /// let bearer = "Bearer " + tokens.accessToken()
    /// ```
    pub fn access_token(&self) -> String {
        self.inner.access_token().to_owned()
    }

    /// The refresh token, if the grant gave one. Handle with care: never log it.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val canRefresh = tokens.refreshToken() != null
    /// ```
    ///
    /// ```swift
    /// let canRefresh = tokens.refreshToken() != nil
    /// ```
    pub fn refresh_token(&self) -> Option<String> {
        self.inner.refresh_token().map(str::to_owned)
    }

    /// When the access token stops working (Unix seconds), if known.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val expires = tokens.expiresAtUnix()?.let { java.time.Instant.ofEpochSecond(it) }
    /// ```
    ///
    /// ```swift
    /// let expires = tokens.expiresAtUnix().map { Date(timeIntervalSince1970: TimeInterval($0)) }
    /// ```
    pub fn expires_at_unix(&self) -> Option<i64> {
        self.inner.expires_at.map(unix_secs)
    }

    /// When the server created the set (Unix seconds), if known.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val created = tokens.createdAtUnix()
    /// ```
    ///
    /// ```swift
    /// let created = tokens.createdAtUnix()
    /// ```
    pub fn created_at_unix(&self) -> Option<i64> {
        self.inner.created_at.map(unix_secs)
    }

    /// The rotation counter: +1 at every refresh.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// println("rotated ${tokens.version()} times")
    /// ```
    ///
    /// ```swift
    /// print("rotated \(tokens.version()) times")
    /// ```
    pub fn version(&self) -> u64 {
        self.inner.version
    }

    /// True when the access token has expired now.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// if (tokens.isExpired()) println("the next call refreshes first")
    /// ```
    ///
    /// ```swift
    /// if tokens.isExpired() { print("the next call refreshes first") }
    /// ```
    pub fn is_expired(&self) -> bool {
        self.inner.is_expired_at(SystemTime::now())
    }
}

/// A pending authorization-code login: open `url()`, then hand the returned `code` and
/// `state` to [`OAuthClient::exchange_code`]. Keep it (or its parts) until the redirect
/// comes back; rebuild it with `fromParts` in another process.
///
/// Example:
///
/// ```kotlin
/// val request = oauth.authorizeUrl("myapp://callback")
/// openBrowser(request.url())
/// // ... the redirect brings code and state back
/// val tokens = oauth.exchangeCode(request, code, state)
/// ```
///
/// ```swift
/// let request = try oauth.authorizeUrl(redirectUri: "myapp://callback")
/// // open request.url() in an ASWebAuthenticationSession, then:
/// let tokens = try await oauth.exchangeCode(request: request, code: code, returnedState: state)
/// ```
#[derive(uniffi::Object)]
#[uniffi::export(Display)]
pub struct AuthorizationRequest {
    inner: procore::AuthorizationRequest,
}

impl fmt::Display for AuthorizationRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "AuthorizationRequest(url={}, redirect_uri={}, pkce={})",
            self.inner.url,
            self.inner.redirect_uri,
            self.inner.pkce_verifier().is_some()
        )
    }
}

impl fmt::Debug for AuthorizationRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[uniffi::export]
impl AuthorizationRequest {
    /// Rebuilds a request saved elsewhere.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val request = AuthorizationRequest.fromParts(saved.url, saved.state, saved.redirectUri, saved.pkceVerifier)
    /// ```
    ///
    /// ```swift
    /// let request = try AuthorizationRequest.fromParts(url: saved.url, state: saved.state, redirectUri: saved.redirectUri, pkceVerifier: saved.verifier)
    /// ```
    #[uniffi::constructor(default(pkce_verifier = None))]
    pub fn from_parts(
        url: String,
        state: String,
        redirect_uri: String,
        pkce_verifier: Option<String>,
    ) -> Result<Arc<Self>> {
        Ok(Arc::new(AuthorizationRequest {
            inner: procore::AuthorizationRequest::from_saved(
                &url,
                state,
                redirect_uri,
                pkce_verifier,
            )
            .ffi()?,
        }))
    }

    /// The URL to open in the user's browser.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// startActivity(Intent(Intent.ACTION_VIEW, Uri.parse(request.url())))
    /// ```
    ///
    /// ```swift
    /// let url = URL(string: request.url())!
    /// ```
    pub fn url(&self) -> String {
        self.inner.url.to_string()
    }

    /// The random `state` sent; the redirect must bring it back unchanged.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val saved = request.state()
    /// ```
    ///
    /// ```swift
    /// let saved = request.state()
    /// ```
    pub fn state(&self) -> String {
        self.inner.state.clone()
    }

    /// The redirect URI sent.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val redirect = request.redirectUri()
    /// ```
    ///
    /// ```swift
    /// let redirect = request.redirectUri()
    /// ```
    pub fn redirect_uri(&self) -> String {
        self.inner.redirect_uri.clone()
    }

    /// The PKCE verifier, to keep if the exchange happens elsewhere. Never log it.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val verifier = request.pkceVerifier()  // keep with the state until the exchange
    /// ```
    ///
    /// ```swift
    /// let verifier = request.pkceVerifier()
    /// ```
    pub fn pkce_verifier(&self) -> Option<String> {
        self.inner.pkce_verifier().map(str::to_owned)
    }
}

/// The OAuth endpoints of one environment for one app: the authorization-code login.
/// Give the resulting [`TokenSet`] to `Client.withTokens`.
///
/// Example:
///
/// ```kotlin
/// val oauth = OAuthClient(ClientOptions(environment = "sandbox"), clientId, clientSecret)
/// val request = oauth.authorizeUrl(oobRedirectUri())
/// val tokens = oauth.exchangeCode(request, pastedCode, request.state())
/// val client = Client.withTokens(ClientOptions(environment = "sandbox"), clientId, clientSecret, tokens)
/// ```
///
/// ```swift
/// let oauth = try OAuthClient(options: ClientOptions(environment: "sandbox"), clientId: id, clientSecret: secret)
/// let request = try oauth.authorizeUrl(redirectUri: "myapp://callback")
/// ```
#[derive(uniffi::Object)]
pub struct OAuthClient {
    inner: procore::OAuthClient,
}

impl fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthClient")
            .field("client_id", &self.inner.client_id())
            .finish()
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl OAuthClient {
    /// An OAuth client for the environment of `options` (its other fields are ignored).
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val oauth = OAuthClient(ClientOptions(environment = "sandbox"), clientId, clientSecret)
    /// ```
    ///
    /// ```swift
    /// let oauth = try OAuthClient(options: ClientOptions(environment: "sandbox"), clientId: id, clientSecret: secret)
    /// ```
    #[uniffi::constructor]
    pub fn new(
        options: ClientOptions,
        client_id: String,
        client_secret: String,
    ) -> Result<Arc<Self>> {
        let env = options.to_core().environment().ffi()?;
        let inner =
            procore::OAuthClient::new(&env, procore::AppCredentials::new(client_id, client_secret))
                .ffi()?;
        Ok(Arc::new(OAuthClient { inner }))
    }

    /// Starts a login: the URL to open, with a fresh random `state` and, when `pkce` is true,
    /// a PKCE S256 challenge. `redirect_uri` may be `oobRedirectUri()`.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val request = oauth.authorizeUrl("myapp://callback")
    /// ```
    ///
    /// ```swift
    /// let request = try oauth.authorizeUrl(redirectUri: "myapp://callback", pkce: true)
    /// ```
    #[uniffi::method(default(pkce = true))]
    pub fn authorize_url(
        &self,
        redirect_uri: String,
        pkce: bool,
    ) -> Result<Arc<AuthorizationRequest>> {
        let inner = self.inner.authorize_url(&redirect_uri, pkce).ffi()?;
        Ok(Arc::new(AuthorizationRequest { inner }))
    }

    /// Finishes a login: checks `returned_state` (a mismatch is `state_mismatch`), then
    /// exchanges the single-use code for a token set.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val tokens = oauth.exchangeCode(request, uri.getQueryParameter("code")!!, uri.getQueryParameter("state")!!)
    /// ```
    ///
    /// ```swift
    /// let tokens = try await oauth.exchangeCode(request: request, code: code, returnedState: state)
    /// ```
    pub async fn exchange_code(
        &self,
        request: Arc<AuthorizationRequest>,
        code: String,
        returned_state: String,
    ) -> Result<Arc<TokenSet>> {
        let set = self
            .inner
            .exchange_code(&request.inner, &code, &returned_state)
            .await
            .ffi()?;
        Ok(TokenSet::wrap(set))
    }
}

/// The out-of-band redirect URI for apps without a web server (`urn:ietf:wg:oauth:2.0:oob`).
///
/// Example:
///
/// ```kotlin
/// val request = oauth.authorizeUrl(oobRedirectUri())  // Procore shows the code to paste
/// ```
///
/// ```swift
/// let request = try oauth.authorizeUrl(redirectUri: oobRedirectUri())
/// ```
#[uniffi::export]
pub fn oob_redirect_uri() -> String {
    procore::auth::OOB_REDIRECT_URI.to_owned()
}
