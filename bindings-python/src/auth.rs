//! The authorization-code login: `OAuthClient.authorize_url` (state + PKCE) and
//! `exchange_code`, which give the token set a `Client(..., tokens=...)` starts from.

use procore::{AppCredentials, AuthorizationRequest as CoreRequest, OAuthClient as CoreOAuth};
use pyo3::prelude::*;

use pyo3::types::PyDict;

use crate::errors::{IntoPyResult, Outcome};
use crate::runtime::{block_on, future_into_py};
use crate::stores::tokens_to_py;

/// A pending login: open `url`, then pass the `code` and `state` that come back to
/// `OAuthClient.exchange_code`. Keep it (or its parts) until then;
/// ``AuthorizationRequest(url, state, redirect_uri, pkce_verifier=None)`` rebuilds one saved
/// elsewhere (e.g. in a web session).
///
/// Example::
///
///     req = oauth.authorize_url("https://example.com/callback")
///     session["login"] = [req.url, req.state, req.redirect_uri, req.pkce_verifier]
///     # ... later, in the callback:
///     req = procore.AuthorizationRequest(*session.pop("login"))
///     tokens = oauth.exchange_code(req, args["code"], args["state"])
#[pyclass(module = "procore", frozen, get_all)]
#[derive(Clone)]
pub struct AuthorizationRequest {
    /// The URL to open in the user's browser.
    pub url: String,
    /// The random `state`; the redirect must bring it back unchanged.
    pub state: String,
    /// The redirect URI sent with the request.
    pub redirect_uri: String,
    /// The PKCE verifier (secret until the exchange), if PKCE is used.
    pub pkce_verifier: Option<String>,
}

impl AuthorizationRequest {
    fn core(&self, py: Python<'_>) -> PyResult<CoreRequest> {
        CoreRequest::from_saved(
            &self.url,
            self.state.clone(),
            self.redirect_uri.clone(),
            self.pkce_verifier.clone(),
        )
        .py(py)
    }
}

#[pymethods]
impl AuthorizationRequest {
    /// Rebuilds a request saved elsewhere (e.g. in a web session).
    #[new]
    #[pyo3(signature = (url, state, redirect_uri, pkce_verifier=None))]
    fn new(
        url: String,
        state: String,
        redirect_uri: String,
        pkce_verifier: Option<String>,
    ) -> Self {
        AuthorizationRequest {
            url,
            state,
            redirect_uri,
            pkce_verifier,
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "AuthorizationRequest(url={:?}, redirect_uri={:?}, pkce={})",
            self.url,
            self.redirect_uri,
            self.pkce_verifier.is_some()
        )
    }
}

/// The OAuth endpoints of one environment for one app.
#[pyclass(module = "procore._procore", name = "NativeOAuthClient", frozen)]
pub struct OAuthClient {
    inner: CoreOAuth,
}

struct TokenDict(procore::TokenSet);

impl<'py> IntoPyObject<'py> for TokenDict {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;
    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        tokens_to_py(py, &self.0)
    }
}

#[pymethods]
impl OAuthClient {
    #[new]
    #[pyo3(signature = (client_id, client_secret, **place))]
    fn new(
        py: Python<'_>,
        client_id: String,
        client_secret: String,
        place: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let env = crate::options::place(place)?.environment().py(py)?;
        let inner = CoreOAuth::new(&env, AppCredentials::new(client_id, client_secret)).py(py)?;
        Ok(OAuthClient { inner })
    }

    /// Starts a login: a URL with a fresh random `state` and, when `pkce` is true, an S256
    /// PKCE challenge. The default redirect is the out-of-band one (the code is shown).
    #[pyo3(signature = (redirect_uri="urn:ietf:wg:oauth:2.0:oob", *, pkce=true))]
    fn authorize_url(
        &self,
        py: Python<'_>,
        redirect_uri: &str,
        pkce: bool,
    ) -> PyResult<AuthorizationRequest> {
        let r = self.inner.authorize_url(redirect_uri, pkce).py(py)?;
        Ok(AuthorizationRequest {
            url: r.url.to_string(),
            state: r.state.clone(),
            redirect_uri: r.redirect_uri.clone(),
            pkce_verifier: r.pkce_verifier().map(str::to_owned),
        })
    }

    /// Finishes a login (blocking): checks `state`, exchanges the single-use `code`, and
    /// returns the token set as a dict.
    fn exchange_code<'py>(
        &self,
        py: Python<'py>,
        request: &AuthorizationRequest,
        code: String,
        state: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let req = request.core(py)?;
        let oauth = self.inner.clone();
        let tokens = block_on(
            py,
            async move { oauth.exchange_code(&req, &code, &state).await },
        )?
        .py(py)?;
        tokens_to_py(py, &tokens)
    }

    /// Awaitable `exchange_code` (what `AsyncOAuthClient.exchange_code` calls).
    fn exchange_code_async<'py>(
        &self,
        py: Python<'py>,
        request: &AuthorizationRequest,
        code: String,
        state: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let req = request.core(py)?;
        let oauth = self.inner.clone();
        future_into_py(py, async move {
            Ok(Outcome::from(
                oauth
                    .exchange_code(&req, &code, &state)
                    .await
                    .map(TokenDict),
            ))
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "<procore.OAuthClient client_id={:?}>",
            self.inner.client_id()
        )
    }
}
