//! The authorization-code helpers: authorize URL (state + PKCE) and the code exchange. The
//! tokens obtained are handed to `Client.fromTokens` (or a store) by `index.js`.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use procore::{AppCredentials, AuthorizationRequest, OAuthClient};

use crate::errors::IntoJs;

/// A pending login: open `url`, keep the rest for the exchange.
#[napi(object)]
pub struct NativeAuthorizationRequest {
    pub url: String,
    pub state: String,
    pub redirect_uri: String,
    pub pkce_verifier: Option<String>,
}

/// The OAuth endpoints of one environment for one app.
#[napi]
pub struct NativeOAuthClient {
    inner: OAuthClient,
}

#[napi]
impl NativeOAuthClient {
    #[napi(constructor)]
    pub fn new(
        client_id: String,
        client_secret: String,
        place_json: Option<String>,
    ) -> Result<Self> {
        let env = crate::options::place(place_json.as_deref())
            .and_then(|p| p.environment())
            .js()?;
        let inner = OAuthClient::new(&env, AppCredentials::new(client_id, client_secret)).js()?;
        Ok(NativeOAuthClient { inner })
    }

    /// The URL to send the user to, with a fresh `state` and (when `pkce`) an S256 challenge.
    #[napi]
    pub fn authorize_url(
        &self,
        redirect_uri: String,
        pkce: bool,
    ) -> Result<NativeAuthorizationRequest> {
        let r = self.inner.authorize_url(&redirect_uri, pkce).js()?;
        Ok(NativeAuthorizationRequest {
            url: r.url.to_string(),
            pkce_verifier: r.pkce_verifier().map(str::to_owned),
            state: r.state,
            redirect_uri: r.redirect_uri,
        })
    }

    /// Checks the returned state, exchanges the code; the token set as store JSON.
    #[napi]
    pub async fn exchange_code(
        &self,
        request: NativeAuthorizationRequest,
        code: String,
        returned_state: String,
    ) -> Result<String> {
        let req = AuthorizationRequest::from_saved(
            &request.url,
            request.state,
            request.redirect_uri,
            request.pkce_verifier,
        )
        .js()?;
        let tokens = self
            .inner
            .exchange_code(&req, &code, &returned_state)
            .await
            .js()?;
        Ok(tokens.to_json())
    }
}
