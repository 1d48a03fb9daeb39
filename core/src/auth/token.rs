//! The token set and the secret types that keep it out of logs.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// An OAuth token set: access token, optional refresh token, expiry and a version.
///
/// `Debug` never shows the tokens. The `version` grows by one at every rotation, so two
/// holders of the same store can tell which set is newer.
#[derive(Clone)]
pub struct TokenSet {
    access_token: SecretString,
    refresh_token: Option<SecretString>,
    /// When the access token stops working (`created_at + expires_in`), if known.
    pub expires_at: Option<SystemTime>,
    /// When the server created the set, if it said.
    pub created_at: Option<SystemTime>,
    /// Rotation counter: 0 for a set given from outside, +1 at each refresh.
    pub version: u64,
}

impl TokenSet {
    /// A token set from its parts.
    pub fn new(
        access_token: impl Into<String>,
        refresh_token: Option<String>,
        expires_at: Option<SystemTime>,
    ) -> Self {
        TokenSet {
            access_token: SecretString::from(access_token.into()),
            refresh_token: refresh_token.map(SecretString::from),
            expires_at,
            created_at: None,
            version: 0,
        }
    }

    /// The access token. Handle with care: never log it.
    pub fn access_token(&self) -> &str {
        self.access_token.expose_secret()
    }

    /// The refresh token, if the grant gave one. Handle with care: never log it.
    pub fn refresh_token(&self) -> Option<&str> {
        self.refresh_token.as_ref().map(|s| s.expose_secret())
    }

    /// The access token's whole lifetime, when both ends are known.
    pub fn lifetime(&self) -> Option<Duration> {
        match (self.created_at, self.expires_at) {
            (Some(c), Some(e)) => e.duration_since(c).ok(),
            _ => None,
        }
    }

    /// True when the access token has expired at `now`.
    pub fn is_expired_at(&self, now: SystemTime) -> bool {
        self.expires_at.map(|e| now >= e).unwrap_or(false)
    }

    /// The same set with another version.
    pub fn with_version(mut self, version: u64) -> Self {
        self.version = version;
        self
    }

    /// True when `other` is the same set (same tokens, same version) as `self`.
    pub fn same_set(&self, other: &TokenSet) -> bool {
        self.version == other.version
            && self.access_token() == other.access_token()
            && self.refresh_token() == other.refresh_token()
    }

    /// Builds a set from an OAuth token answer received at `received_at`.
    ///
    /// Expiry is `created_at + expires_in`, but never later than `received_at + expires_in`, so a
    /// server clock ahead of ours cannot make us use an expired token.
    pub(crate) fn from_response(
        resp: TokenResponse,
        received_at: SystemTime,
        version: u64,
    ) -> Result<Self> {
        if resp.access_token.is_empty() {
            return Err(Error::Decode {
                status: 200,
                message: "token answer without access_token".into(),
                excerpt: String::new(),
            });
        }
        if !is_header_safe(&resp.access_token)
            || resp
                .refresh_token
                .as_deref()
                .is_some_and(|r| !is_header_safe(r))
        {
            return Err(Error::Decode {
                status: 200,
                message: "token answer with a token that is not printable ASCII".into(),
                excerpt: String::new(),
            });
        }
        let server_created = resp
            .created_at
            .filter(|c| *c > 0)
            .and_then(|c| UNIX_EPOCH.checked_add(Duration::from_secs(c.unsigned_abs())));
        // Never later than our own receive time: a server clock ahead of ours must not make
        // us use an expired token.
        let created_at = server_created
            .map(|c| c.min(received_at))
            .unwrap_or(received_at);
        // An absurd `expires_in` (up to 2^64-1 s) is clamped to the longest life we represent.
        let expires_at = resp.expires_in.map(|secs| {
            let life = Duration::from_secs(secs).min(crate::config::MAX_DURATION);
            created_at.checked_add(life).unwrap_or(created_at)
        });
        Ok(TokenSet {
            access_token: SecretString::from(resp.access_token),
            refresh_token: resp
                .refresh_token
                .filter(|r| !r.is_empty())
                .map(SecretString::from),
            expires_at,
            created_at: Some(created_at),
            version,
        })
    }

    /// The JSON form kept by file and custom stores.
    pub fn to_json(&self) -> String {
        // Serializing a struct of strings and integers cannot fail.
        serde_json::to_string(&StoredTokenSet::from(self)).unwrap_or_default()
    }

    /// A token set from the fields of its stored form (times in Unix seconds), checked by the
    /// same rules as [`TokenSet::from_json`]: at least one of the two tokens, an empty refresh
    /// token counted as none. Bindings that take the parts one by one use this, so a set
    /// built in any language is accepted or refused alike.
    pub fn from_parts(
        access_token: String,
        refresh_token: Option<String>,
        expires_at_unix: Option<i64>,
        created_at_unix: Option<i64>,
        version: u64,
    ) -> Result<Self> {
        StoredTokenSet {
            access_token,
            refresh_token,
            expires_at: expires_at_unix,
            created_at: created_at_unix,
            version,
        }
        .try_into()
    }

    /// Parses the JSON form kept by stores; a clear error for anything else.
    pub fn from_json(text: &str) -> Result<Self> {
        let stored: StoredTokenSet = serde_json::from_str(text).map_err(|e| {
            Error::Store(format!(
                "token data is not a valid token set: {}",
                e.classify_msg()
            ))
        })?;
        stored.try_into()
    }
}

/// Visible ASCII only: anything else could not travel in an `Authorization` header (and a
/// CR/LF could split it).
fn is_header_safe(token: &str) -> bool {
    token.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

trait ClassifyMsg {
    fn classify_msg(&self) -> String;
}

impl ClassifyMsg for serde_json::Error {
    /// The error's kind and position only: serde messages can quote input (a token).
    fn classify_msg(&self) -> String {
        let kind = match self.classify() {
            serde_json::error::Category::Io => "I/O error",
            serde_json::error::Category::Syntax => "invalid JSON",
            serde_json::error::Category::Data => "wrong or missing fields",
            serde_json::error::Category::Eof => "truncated JSON",
        };
        format!("{kind} at line {} column {}", self.line(), self.column())
    }
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &"[redacted]")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("expires_at", &self.expires_at.map(unix_secs))
            .field("version", &self.version)
            .finish()
    }
}

pub(crate) fn unix_secs(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

/// The wire form of `/oauth/token` answers.
#[derive(Deserialize)]
pub(crate) struct TokenResponse {
    pub access_token: String,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub expires_in: Option<u64>,
    #[serde(default)]
    pub created_at: Option<i64>,
}

/// The store form: plain strings on purpose, only ever written to the store.
#[derive(Serialize, Deserialize)]
struct StoredTokenSet {
    access_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    created_at: Option<i64>,
    #[serde(default)]
    version: u64,
}

impl From<&TokenSet> for StoredTokenSet {
    fn from(t: &TokenSet) -> Self {
        StoredTokenSet {
            access_token: t.access_token().to_owned(),
            refresh_token: t.refresh_token().map(str::to_owned),
            expires_at: t.expires_at.map(unix_secs),
            created_at: t.created_at.map(unix_secs),
            version: t.version,
        }
    }
}

impl TryFrom<StoredTokenSet> for TokenSet {
    type Error = Error;
    fn try_from(s: StoredTokenSet) -> Result<Self> {
        if s.access_token.is_empty() && s.refresh_token.as_deref().unwrap_or("").is_empty() {
            return Err(Error::Store(
                "token set holds neither an access nor a refresh token".into(),
            ));
        }
        let at = |secs: i64| {
            // A time too far off to represent is refused by SystemTime: keep it unset-far.
            let d = Duration::from_secs(secs.max(0) as u64);
            UNIX_EPOCH
                .checked_add(d)
                .unwrap_or_else(|| SystemTime::now() + crate::config::MAX_DURATION)
        };
        Ok(TokenSet {
            access_token: SecretString::from(s.access_token),
            refresh_token: s
                .refresh_token
                .filter(|r| !r.is_empty())
                .map(SecretString::from),
            expires_at: s.expires_at.map(at),
            created_at: s.created_at.map(at),
            version: s.version,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_parts_follows_the_stored_form_rules() {
        let t = TokenSet::from_parts(String::new(), Some("ref".into()), Some(100), None, 3)
            .expect("a refresh-only set is valid");
        assert_eq!(t.version, 3);
        assert_eq!(t.refresh_token(), Some("ref"));
        let e = TokenSet::from_parts(String::new(), Some(String::new()), None, None, 0)
            .expect_err("neither token");
        assert_eq!(e.code(), "store");
        let j = TokenSet::from_json(r#"{"access_token":"","refresh_token":""}"#)
            .expect_err("same rule");
        assert_eq!(j.code(), e.code());
    }

    #[test]
    fn debug_is_redacted() {
        let t = TokenSet::new("acc-SECRET", Some("ref-SECRET".into()), None);
        let d = format!("{t:?}");
        assert!(!d.contains("SECRET"), "{d}");
        assert!(d.contains("redacted"));
    }

    #[test]
    fn json_round_trip() {
        let t = TokenSet::new(
            "a",
            Some("r".into()),
            Some(UNIX_EPOCH + Duration::from_secs(100)),
        )
        .with_version(7);
        let back = TokenSet::from_json(&t.to_json()).unwrap();
        assert!(back.same_set(&t));
        assert_eq!(back.expires_at, t.expires_at);
    }

    #[test]
    fn corrupt_json_error_does_not_quote_input() {
        let e =
            TokenSet::from_json(r#"{"access_token": "SECRET-VALUE", "version": "x"}"#).unwrap_err();
        assert_eq!(e.code(), "store");
        assert!(!e.to_string().contains("SECRET"), "{e}");
        assert!(TokenSet::from_json("{\"access_tok").is_err());
        assert!(TokenSet::from_json("").is_err());
    }

    #[test]
    fn absurd_numbers_do_not_panic() {
        let now = SystemTime::now();
        let t = TokenSet::from_response(
            TokenResponse {
                access_token: "a".into(),
                refresh_token: Some("r".into()),
                expires_in: Some(u64::MAX),
                created_at: Some(i64::MAX),
            },
            now,
            1,
        )
        .unwrap();
        assert!(t.expires_at.unwrap() > now + Duration::from_secs(365 * 24 * 3600));
        let stored = format!(
            r#"{{"access_token":"a","expires_at":{},"created_at":{},"version":{}}}"#,
            i64::MAX,
            i64::MIN,
            u64::MAX
        );
        let t = TokenSet::from_json(&stored).unwrap();
        assert_eq!(t.version, u64::MAX);
        for bad in ["a\r\nX-Evil: 1", "tab\there", "caf\u{e9}", ""] {
            let r = TokenSet::from_response(
                TokenResponse {
                    access_token: bad.into(),
                    refresh_token: None,
                    expires_in: Some(60),
                    created_at: None,
                },
                now,
                1,
            );
            assert_eq!(r.unwrap_err().code(), "decode", "{bad:?}");
        }
    }

    #[test]
    fn expiry_uses_the_earlier_clock() {
        let now = SystemTime::now();
        let ahead = unix_secs(now) + 3600; // the server's clock is an hour ahead
        let t = TokenSet::from_response(
            TokenResponse {
                access_token: "a".into(),
                refresh_token: None,
                expires_in: Some(60),
                created_at: Some(ahead),
            },
            now,
            1,
        )
        .unwrap();
        assert_eq!(t.expires_at, Some(now + Duration::from_secs(60)));
    }
}
