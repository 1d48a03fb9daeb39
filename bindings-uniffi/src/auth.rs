//! Tokens and the authorization-code helpers, mirroring core `auth/`.
//!
//! `TokenSet` and `AuthorizationRequest` are objects, not records, on purpose: a generated
//! Kotlin data class or Swift struct prints every field in `toString()` / `print()`, and these
//! hold secrets. As objects their text form is the redacted `Display` below, and the secret
//! parts are read only through explicit accessors.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::errors::{Core, ProcoreError, Result};
use crate::options::ClientOptions;

/// Unix seconds of a time (0 for times before the epoch).
pub(crate) fn unix_secs(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(_) => 0,
    }
}

/// The time of Unix seconds (negative values clamp to the epoch).
pub(crate) fn from_unix_secs(secs: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).unwrap_or(0))
}

/// A secret option (an access token, a client secret, a refresh token): its text form is
/// `Secret([redacted])`, so a logged `ClientOptions` never shows one.
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
    #[uniffi::constructor]
    pub fn new(value: String) -> Arc<Self> {
        Arc::new(Secret { value })
    }
}

/// An OAuth token set: access token, optional refresh token, expiry and rotation version.
/// Its text form never shows the tokens.
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
    /// `version`: the rotation counter, 0 for a set given from outside).
    #[uniffi::constructor(default(refresh_token = None, expires_at_unix = None, version = 0, created_at_unix = None))]
    pub fn new(
        access_token: String,
        refresh_token: Option<String>,
        expires_at_unix: Option<i64>,
        version: u64,
        created_at_unix: Option<i64>,
    ) -> Result<Arc<Self>> {
        if access_token.trim().is_empty() {
            return Err(ProcoreError::config("the access token is empty"));
        }
        let mut inner = procore::TokenSet::new(
            access_token,
            refresh_token.filter(|r| !r.is_empty()),
            expires_at_unix.map(from_unix_secs),
        )
        .with_version(version);
        inner.created_at = created_at_unix.map(from_unix_secs);
        Ok(Self::wrap(inner))
    }

    /// Parses the JSON form written by [`TokenSet::to_json`] (and by the core's file store).
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Arc<Self>> {
        Ok(Self::wrap(procore::TokenSet::from_json(&json).ffi()?))
    }

    /// The JSON form, for stores that keep one string (Keychain item, Keystore entry, a row).
    pub fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// The access token. Handle with care: never log it.
    pub fn access_token(&self) -> String {
        self.inner.access_token().to_owned()
    }

    /// The refresh token, if the grant gave one. Handle with care: never log it.
    pub fn refresh_token(&self) -> Option<String> {
        self.inner.refresh_token().map(str::to_owned)
    }

    /// When the access token stops working (Unix seconds), if known.
    pub fn expires_at_unix(&self) -> Option<i64> {
        self.inner.expires_at.map(unix_secs)
    }

    /// When the server created the set (Unix seconds), if known.
    pub fn created_at_unix(&self) -> Option<i64> {
        self.inner.created_at.map(unix_secs)
    }

    /// The rotation counter: +1 at every refresh.
    pub fn version(&self) -> u64 {
        self.inner.version
    }

    /// True when the access token has expired now.
    pub fn is_expired(&self) -> bool {
        self.inner.is_expired_at(SystemTime::now())
    }
}

/// A pending authorization-code login: open `url()`, then hand the returned `code` and
/// `state` to [`OAuthClient::exchange_code`]. Keep it (or its parts) until the redirect
/// comes back; rebuild it with `fromParts` in another process.
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
    #[uniffi::constructor(default(pkce_verifier = None))]
    pub fn from_parts(
        url: String,
        state: String,
        redirect_uri: String,
        pkce_verifier: Option<String>,
    ) -> Result<Arc<Self>> {
        let url = url::Url::parse(&url)
            .map_err(|e| ProcoreError::config(format!("invalid authorization URL: {e}")))?;
        Ok(Arc::new(AuthorizationRequest {
            inner: procore::AuthorizationRequest::from_parts(
                url,
                state,
                redirect_uri,
                pkce_verifier,
            ),
        }))
    }

    /// The URL to open in the user's browser.
    pub fn url(&self) -> String {
        self.inner.url.to_string()
    }

    /// The random `state` sent; the redirect must bring it back unchanged.
    pub fn state(&self) -> String {
        self.inner.state.clone()
    }

    /// The redirect URI sent.
    pub fn redirect_uri(&self) -> String {
        self.inner.redirect_uri.clone()
    }

    /// The PKCE verifier, to keep if the exchange happens elsewhere. Never log it.
    pub fn pkce_verifier(&self) -> Option<String> {
        self.inner.pkce_verifier().map(str::to_owned)
    }
}

/// The OAuth endpoints of one environment for one app: the authorization-code login.
/// Give the resulting [`TokenSet`] to `Client.withTokens`.
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
    #[uniffi::constructor]
    pub fn new(
        options: ClientOptions,
        client_id: String,
        client_secret: String,
    ) -> Result<Arc<Self>> {
        if client_id.is_empty() || client_secret.is_empty() {
            return Err(ProcoreError::config(
                "client_id and client_secret must not be empty",
            ));
        }
        let env = options.to_core().environment().ffi()?;
        let inner =
            procore::OAuthClient::new(&env, procore::AppCredentials::new(client_id, client_secret))
                .ffi()?;
        Ok(Arc::new(OAuthClient { inner }))
    }

    /// Starts a login: the URL to open, with a fresh random `state` and, when `pkce` is true,
    /// a PKCE S256 challenge. `redirect_uri` may be `oobRedirectUri()`.
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
#[uniffi::export]
pub fn oob_redirect_uri() -> String {
    procore::auth::OOB_REDIRECT_URI.to_owned()
}
