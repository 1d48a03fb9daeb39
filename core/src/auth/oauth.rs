//! The OAuth endpoints on the login host: token grants, authorize URLs with PKCE, revoke and
//! token info.
//!
//! Token calls never go through the retry layer: a refresh burns its refresh token even when
//! the answer is lost, so a resend would always fail. The only resend is for a request that
//! provably never left (connection refused).

use std::fmt;
use std::time::{Duration, SystemTime};

use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use url::Url;

use super::token::{TokenResponse, TokenSet};
use crate::config::Environment;
use crate::error::{Error, Result};
use crate::transport::describe;

/// The out-of-band redirect URI for installed apps without a web server.
pub const OOB_REDIRECT_URI: &str = "urn:ietf:wg:oauth:2.0:oob";

/// An OAuth application's id and secret. `Debug` hides the secret.
#[derive(Clone)]
pub struct AppCredentials {
    /// The app's OAuth client id (public; sent with every grant and in authorize URLs).
    pub client_id: String,
    client_secret: SecretString,
}

impl AppCredentials {
    /// An app's credentials from its client id and client secret (kept as a
    /// [`SecretString`]).
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        AppCredentials {
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
        }
    }

    /// From a secret the caller already holds as a [`SecretString`].
    pub fn from_secret(client_id: impl Into<String>, client_secret: SecretString) -> Self {
        AppCredentials {
            client_id: client_id.into(),
            client_secret,
        }
    }

    /// Both parts present: the one rule every login path (and every binding) applies.
    pub(crate) fn check(&self) -> Result<()> {
        if self.client_id.is_empty() || self.secret().is_empty() {
            return Err(Error::config(
                "client_id and client_secret must not be empty",
            ));
        }
        Ok(())
    }

    pub(crate) fn secret(&self) -> &str {
        self.client_secret.expose_secret()
    }
}

impl fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .finish()
    }
}

pub(crate) use super::verdict::GrantFailure;
use super::verdict::{classify_bad_success, classify_refusal};

/// The largest token endpoint answer read (a token set is well under 4 KiB).
pub const MAX_TOKEN_BODY_BYTES: usize = 64 << 10;

/// A pending authorization-code login: send the user to `url`, then call
/// [`OAuthClient::exchange_code`] with the code and state that come back.
pub struct AuthorizationRequest {
    /// The URL to open in the user's browser.
    pub url: Url,
    /// The random `state` sent; the redirect must bring it back unchanged.
    pub state: String,
    /// The redirect URI sent (it must be sent again with the code).
    pub redirect_uri: String,
    pkce_verifier: Option<SecretString>,
}

impl AuthorizationRequest {
    /// The PKCE verifier, to keep if the exchange happens in another process.
    pub fn pkce_verifier(&self) -> Option<&str> {
        self.pkce_verifier.as_ref().map(|v| v.expose_secret())
    }

    /// Rebuilds a request saved elsewhere from its text form (what every binding keeps): a
    /// `config` error when the URL is not one.
    pub fn from_saved(
        url: &str,
        state: String,
        redirect_uri: String,
        pkce_verifier: Option<String>,
    ) -> Result<Self> {
        let url = Url::parse(url)
            .map_err(|e| Error::config(format!("invalid authorization URL: {e}")))?;
        Ok(Self::from_parts(url, state, redirect_uri, pkce_verifier))
    }

    /// Rebuilds a request saved elsewhere (state, redirect URI and verifier).
    pub fn from_parts(
        url: Url,
        state: String,
        redirect_uri: String,
        pkce_verifier: Option<String>,
    ) -> Self {
        AuthorizationRequest {
            url,
            state,
            redirect_uri,
            pkce_verifier: pkce_verifier.map(SecretString::from),
        }
    }
}

impl fmt::Debug for AuthorizationRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizationRequest")
            .field("url", &self.url.as_str())
            .field("redirect_uri", &self.redirect_uri)
            .field("pkce", &self.pkce_verifier.is_some())
            .finish()
    }
}

/// Talks to the OAuth endpoints of one environment for one app.
#[derive(Clone)]
pub struct OAuthClient {
    http: reqwest::Client,
    login_base: Url,
    app: AppCredentials,
}

impl fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthClient")
            .field("login_base", &self.login_base.as_str())
            .field("app", &self.app)
            .finish()
    }
}

fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::Rng::fill(&mut rand::thread_rng(), &mut buf[..]);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// `BASE64URL(SHA256(verifier))`, the S256 PKCE challenge.
pub fn pkce_challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Compares two strings in time independent of where they differ.
pub(crate) fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= usize::from(x ^ y);
    }
    diff == 0
}

impl OAuthClient {
    /// An OAuth client for `environment` with its own HTTP connection pool.
    pub fn new(environment: &Environment, app: AppCredentials) -> Result<Self> {
        app.check()?;
        let http = crate::transport::build_http(&crate::config::HttpConfig {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_body_bytes: crate::config::DEFAULT_MAX_BODY_BYTES,
            user_agent: format!("procore-sdk-rust/{}", crate::config::SDK_VERSION),
            sdk_language: "rust".into(),
        })?;
        Ok(Self::with_http(http, environment.login_base(), app))
    }

    pub(crate) fn with_http(http: reqwest::Client, login_base: Url, app: AppCredentials) -> Self {
        OAuthClient {
            http,
            login_base,
            app,
        }
    }

    /// The app's client id.
    pub fn client_id(&self) -> &str {
        &self.app.client_id
    }

    fn endpoint(&self, path: &str) -> Result<Url> {
        self.login_base
            .join(path)
            .map_err(|e| Error::config(format!("bad login base URL: {e}")))
    }

    /// Starts an authorization-code login: the URL to open, with a fresh random `state`, and a
    /// PKCE S256 challenge when `pkce` is true.
    ///
    /// # Examples
    ///
    /// A whole login, then a client that keeps the user's tokens rotating in a file:
    ///
    /// ```no_run
    /// # async fn demo() -> procore::Result<()> {
    /// use std::sync::Arc;
    /// use procore::auth::OOB_REDIRECT_URI;
    /// use procore::{AppCredentials, Client, Environment, FileTokenStore, OAuthClient};
    ///
    /// let env = Environment::Sandbox;
    /// let app = AppCredentials::new("my-client-id", "my-client-secret");
    /// let oauth = OAuthClient::new(&env, app)?;
    /// let login = oauth.authorize_url(OOB_REDIRECT_URI, true)?;
    /// println!("open {}", login.url);
    /// // ... the user signs in; the redirect brings back `code` and `state` ...
    /// # let (code, state) = (String::new(), String::new());
    /// let tokens = oauth.exchange_code(&login, &code, &state).await?;
    ///
    /// let client = Client::builder()
    ///     .environment(env)
    ///     .tokens("my-client-id", "my-client-secret", tokens)
    ///     .token_store(Arc::new(FileTokenStore::new("tokens.json")))
    ///     .build()?;
    /// # let _ = client;
    /// # Ok(()) }
    /// ```
    pub fn authorize_url(&self, redirect_uri: &str, pkce: bool) -> Result<AuthorizationRequest> {
        if redirect_uri.is_empty() {
            return Err(Error::config("redirect_uri must not be empty"));
        }
        let state = random_token(24);
        let verifier = pkce.then(|| random_token(48));
        let mut url = self.endpoint("/oauth/authorize")?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", &self.app.client_id)
                .append_pair("redirect_uri", redirect_uri)
                .append_pair("state", &state);
            if let Some(v) = &verifier {
                q.append_pair("code_challenge", &pkce_challenge(v))
                    .append_pair("code_challenge_method", "S256");
            }
        }
        Ok(AuthorizationRequest {
            url,
            state,
            redirect_uri: redirect_uri.to_owned(),
            pkce_verifier: verifier.map(SecretString::from),
        })
    }

    /// Finishes a login: checks `returned_state` against the request's (constant time), then
    /// exchanges the single-use code for a token set.
    pub async fn exchange_code(
        &self,
        request: &AuthorizationRequest,
        code: &str,
        returned_state: &str,
    ) -> Result<TokenSet> {
        if !constant_time_eq(&request.state, returned_state) {
            return Err(Error::StateMismatch);
        }
        if code.is_empty() {
            return Err(Error::config("authorization code must not be empty"));
        }
        let mut params = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", request.redirect_uri.as_str()),
        ];
        if let Some(v) = &request.pkce_verifier {
            params.push(("code_verifier", v.expose_secret()));
        }
        self.grant_with_resend(&params, 1).await
    }

    /// A service-account token (client credentials; no refresh token).
    pub async fn client_credentials(&self) -> Result<TokenSet> {
        self.grant_with_resend(&[("grant_type", "client_credentials")], 1)
            .await
    }

    /// Runs a grant, resending only when the request provably never left.
    async fn grant_with_resend(&self, params: &[(&str, &str)], version: u64) -> Result<TokenSet> {
        let mut last = None;
        for attempt in 0..3u32 {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
            }
            match self.grant(params, version).await {
                Ok(t) => return Ok(t),
                Err(GrantFailure::NotSent(m)) => last = Some(GrantFailure::NotSent(m)),
                Err(other) => return Err(other.into_error()),
            }
        }
        Err(last
            .map(GrantFailure::into_error)
            .unwrap_or_else(|| Error::config("unreachable")))
    }

    /// One `POST /oauth/token`, classified for the rotation protocol. Never retried here.
    pub(crate) async fn grant(
        &self,
        params: &[(&str, &str)],
        version: u64,
    ) -> Result<TokenSet, GrantFailure> {
        let url = self
            .endpoint("/oauth/token")
            .map_err(|e| GrantFailure::NotSent(e.to_string()))?;
        let mut form: Vec<(&str, &str)> = params.to_vec();
        form.push(("client_id", &self.app.client_id));
        form.push(("client_secret", self.app.secret()));
        let body =
            serde_urlencoded::to_string(&form).map_err(|e| GrantFailure::NotSent(e.to_string()))?;
        let grant = params.first().map(|p| p.1).unwrap_or("?");
        tracing::debug!(grant, "oauth token call");
        let mut resp = self
            .http
            .post(url)
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(http::header::ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| {
                if e.is_connect() || e.is_builder() {
                    GrantFailure::NotSent(format!(
                        "could not connect to the token endpoint: {}",
                        describe(e)
                    ))
                } else {
                    GrantFailure::Lost(format!(
                        "the token endpoint's answer was lost: {}",
                        describe(e)
                    ))
                }
            })?;
        let status = resp.status().as_u16();
        let json_content = resp
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains("json"));
        let request_id = crate::transport::request_id_of(resp.headers());
        let retry_after = crate::limit::parse_retry_after(resp.headers(), SystemTime::now());
        let bytes = match crate::transport::read_body_capped(&mut resp, MAX_TOKEN_BODY_BYTES).await
        {
            Ok(b) => b,
            Err(crate::transport::BodyError::Transport(e)) => {
                return Err(if (200..300).contains(&status) {
                    GrantFailure::Lost(format!(
                        "the token endpoint's answer was cut off: {}",
                        describe(e)
                    ))
                } else {
                    // An error answer said the grant failed, however it ended.
                    GrantFailure::Unusable(Error::Server(Box::new(crate::error::ApiError {
                        status,
                        message: format!(
                            "the token endpoint answered {status}, then the answer was cut off"
                        ),
                        request_id,
                        ..Default::default()
                    })))
                });
            }
            Err(crate::transport::BodyError::TooLarge(e)) => {
                return Err(if (200..300).contains(&status) && json_content {
                    GrantFailure::Lost(format!("{e}"))
                } else {
                    GrantFailure::Unusable(e)
                })
            }
        };
        let received_at = SystemTime::now();
        if (200..300).contains(&status) {
            let parsed: TokenResponse = serde_json::from_slice(&bytes)
                .map_err(|_| classify_bad_success(status, json_content, &bytes))?;
            return TokenSet::from_response(parsed, received_at, version)
                .map_err(|_| classify_bad_success(status, true, &bytes));
        }
        let failure = classify_refusal(
            status,
            request_id,
            &bytes,
            retry_after.and_then(|d| received_at.checked_add(d)),
        );
        tracing::debug!(grant, status, "oauth token call refused");
        Err(failure)
    }

    /// Revokes a token (access or refresh). Procore revokes the whole set either way.
    pub async fn revoke(&self, token: &str) -> Result<()> {
        let url = self.endpoint("/oauth/revoke")?;
        let form = [
            ("token", token),
            ("client_id", self.app.client_id.as_str()),
            ("client_secret", self.app.secret()),
        ];
        let body = serde_urlencoded::to_string(form).map_err(|e| Error::config(e.to_string()))?;
        let resp = self
            .http
            .post(url)
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .send()
            .await
            .map_err(|e| crate::transport::transport_error(e, Duration::ZERO))?;
        let status = resp.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(());
        }
        let bytes = resp.bytes().await.unwrap_or_default();
        Err(crate::error::from_status(status, None, &bytes))
    }

    /// Introspects an access token (`GET /oauth/token/info`).
    pub async fn token_info(&self, access_token: &str) -> Result<serde_json::Value> {
        let url = self.endpoint("/oauth/token/info")?;
        let resp = self
            .http
            .get(url)
            .bearer_auth(access_token)
            .send()
            .await
            .map_err(|e| crate::transport::transport_error(e, Duration::ZERO))?;
        let status = resp.status().as_u16();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| crate::transport::transport_error(e, Duration::ZERO))?;
        if !(200..300).contains(&status) {
            return Err(crate::error::from_status(status, None, &bytes));
        }
        serde_json::from_slice(&bytes).map_err(|e| crate::error::decode_error(status, &bytes, &e))
    }

    /// Sends a refresh grant. Public for tools; clients refresh through the rotation protocol.
    pub(crate) async fn refresh(
        &self,
        refresh_token: &str,
        version: u64,
    ) -> Result<TokenSet, GrantFailure> {
        self.grant(
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ],
            version,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_matches_rfc7636_example() {
        // RFC 7636, appendix B.
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn constant_time_eq_works() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
        assert!(!constant_time_eq("", "a"));
    }

    #[test]
    fn authorize_url_has_state_and_pkce() {
        let env = Environment::local("http://127.0.0.1:9").unwrap();
        let c = OAuthClient::new(&env, AppCredentials::new("id", "s3cret")).unwrap();
        let r = c.authorize_url("http://127.0.0.1:5000/cb", true).unwrap();
        let q: std::collections::HashMap<_, _> = r.url.query_pairs().into_owned().collect();
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["state"], r.state);
        assert_eq!(
            q["code_challenge"],
            pkce_challenge(r.pkce_verifier().unwrap())
        );
        assert_eq!(q["code_challenge_method"], "S256");
        assert!(!format!("{c:?}").contains("s3cret"));
    }
}
