//! Authentication: grants, PKCE, the token set, and the rotation protocol.
//!
//! - [`token`]: [`TokenSet`], kept in secret types.
//! - [`oauth`]: the OAuth endpoints ([`OAuthClient`]): grants, authorize URLs, revoke, info.
//! - [`manager`]: [`TokenManager`], which hands out valid access tokens and refreshes them
//!   with single flight in the process and the store's lock across processes.
//! - `verdict`: the decision table of what a failed token call means for the token set.

pub mod manager;
pub mod oauth;
pub mod token;
pub(crate) mod verdict;

pub use manager::{AccessToken, TokenManager};
pub use oauth::{
    pkce_challenge, AppCredentials, AuthorizationRequest, OAuthClient, OOB_REDIRECT_URI,
};
pub use token::TokenSet;

use secrecy::SecretString;

/// How a client authenticates.
#[derive(Clone)]
pub enum Credentials {
    /// A fixed access token, never refreshed. A 401 is final.
    AccessToken(SecretString),
    /// A service account (client-credentials grant): a new token is fetched at expiry.
    ClientCredentials(AppCredentials),
    /// A user's refresh token given at start; the store's set wins if it has one.
    RefreshToken {
        /// The OAuth app the refresh token was issued to.
        app: AppCredentials,
        /// The refresh token; single use, it is rotated at the first refresh.
        refresh_token: SecretString,
    },
    /// A user's full token set (from a code exchange); the store's set wins if it is newer.
    Tokens {
        /// The OAuth app the tokens were issued to.
        app: AppCredentials,
        /// The access token, refresh token and expiry as the exchange returned them.
        tokens: TokenSet,
    },
    /// The tokens are already in the store (after a login by this or another process).
    Stored(AppCredentials),
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::AccessToken(_) => f.write_str("AccessToken([redacted])"),
            Credentials::ClientCredentials(a) => {
                f.debug_tuple("ClientCredentials").field(a).finish()
            }
            Credentials::RefreshToken { app, .. } => f
                .debug_struct("RefreshToken")
                .field("app", app)
                .field("refresh_token", &"[redacted]")
                .finish(),
            Credentials::Tokens { app, tokens } => f
                .debug_struct("Tokens")
                .field("app", app)
                .field("tokens", tokens)
                .finish(),
            Credentials::Stored(a) => f.debug_tuple("Stored").field(a).finish(),
        }
    }
}
