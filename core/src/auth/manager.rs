//! Hands out valid access tokens and rotates them safely.
//!
//! The rotation protocol (ARCHITECTURE.md, "Token rotation"):
//! 1. one refresh at a time in this process (an async mutex; latecomers see the new version
//!    and use it);
//! 2. the store's lock across processes;
//! 3. the store re-read under the lock: a newer set there means someone else rotated, so it is
//!    adopted and `/oauth/token` is not called;
//! 4. otherwise exactly one token call, never through the retry layer;
//! 5. the new set saved to the store before anyone uses it;
//! 6. a lost answer or a refusal means the refresh token is gone: `reauthorization_required`,
//!    the store left as it was, and no further refresh with that token.
//!
//! Each critical section runs in its own spawned task, so a caller that is cancelled halfway
//! (a dropped future, a cancelled coroutine) cannot leave a burned refresh token unsaved: the
//! task finishes and persists on its own.

use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use secrecy::ExposeSecret;
use sha2::Digest;
use url::Url;

use super::oauth::{AppCredentials, GrantFailure, OAuthClient};
use super::token::TokenSet;
use super::verdict::Verdict;
use super::Credentials;
use crate::error::{Error, Result};
use crate::store::{StoreStamp, TokenStore};

/// A valid access token, with the version of the set it came from (to tell, on a 401,
/// whether another caller has already replaced it).
#[derive(Clone)]
pub struct AccessToken(Arc<Current>);

impl AccessToken {
    /// The bearer token. Never log it.
    pub fn secret(&self) -> &str {
        self.0.set.access_token()
    }

    /// The `Authorization` header value for it (`Bearer ...`, marked sensitive), built once per
    /// token set rather than on every call; `None` when the token cannot be a header value (a
    /// line break or a control character in it).
    pub(crate) fn bearer(&self) -> Option<&http::HeaderValue> {
        self.0.bearer.as_ref()
    }

    /// The version of the token set this token belongs to.
    pub fn version(&self) -> u64 {
        self.0.set.version
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AccessToken([redacted], version {})", self.version())
    }
}

struct Current {
    set: TokenSet,
    /// `Authorization: Bearer <access token>`, sensitive (never printed by `http`'s `Debug`).
    bearer: Option<http::HeaderValue>,
    /// When to refresh ahead of expiry; `None` for tokens that never expire.
    refresh_at: Option<SystemTime>,
}

impl Current {
    fn needs_refresh(&self, now: SystemTime) -> bool {
        self.refresh_at.map(|r| now >= r).unwrap_or(false)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Static,
    ClientCredentials,
    User,
}

#[derive(Default)]
struct State {
    current: Option<Arc<Current>>,
    /// Why the refresh token is gone, if it is.
    dead: Option<String>,
    /// The store's stamp as of the last time this manager read or wrote it: a different one
    /// means another process wrote since.
    stamp: Option<u64>,
    /// After a failed stamp (the store unreachable), no stamp is taken before this: calls go on
    /// with the cached token instead of each waiting for the store's timeout.
    stamp_paused_until: Option<std::time::Instant>,
}

/// How long a stamp may take before the cached token is used without it.
const STAMP_TIMEOUT: Duration = Duration::from_millis(500);
/// How long stamps pause after one failed.
const STAMP_PAUSE: Duration = Duration::from_secs(1);
/// How long a refresh through a shared store waits, lock held, before calling the token
/// endpoint (see `refresh_with_store`).
const SIBLING_GRACE: Duration = Duration::from_millis(50);
/// How often a call waiting for another process's refresh looks at the store.
const SIBLING_POLL: Duration = Duration::from_millis(5);
/// How long a call waits for another process's refresh before it goes on with its cached
/// token (a holder that died leaves its lease until the lease's TTL).
const SIBLING_REFRESH_WAIT: Duration = Duration::from_secs(10);

struct Inner {
    kind: Kind,
    oauth: Option<OAuthClient>,
    store: Arc<dyn TokenStore>,
    skew: Duration,
    state: RwLock<State>,
    flight: Arc<tokio::sync::Mutex<()>>,
    /// What the credentials gave at start, consumed by the first call.
    initial: std::sync::Mutex<Option<Credentials>>,
}

/// Hands out access tokens; refreshes them with single flight and the store's lock.
#[derive(Clone)]
pub struct TokenManager {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for TokenManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenManager")
            .field("kind", &self.inner.kind)
            .field("version", &self.current().map(|c| c.set.version))
            .finish()
    }
}

enum Op {
    Init,
    Refresh {
        from_version: u64,
        force: bool,
    },
    Revive,
    /// The store's stamp changed, or another process is refreshing: adopt what it stores.
    Sync {
        from_version: u64,
        refreshing: bool,
    },
}

impl TokenManager {
    pub(crate) fn new(
        credentials: Credentials,
        store: Arc<dyn TokenStore>,
        http: reqwest::Client,
        login_base: Url,
        skew: Duration,
    ) -> Result<Self> {
        let app = match &credentials {
            Credentials::AccessToken(t) => {
                if t.expose_secret().trim().is_empty() {
                    return Err(Error::config("the access token is empty"));
                }
                None
            }
            Credentials::ClientCredentials(a)
            | Credentials::RefreshToken { app: a, .. }
            | Credentials::Tokens { app: a, .. }
            | Credentials::Stored(a) => Some(a.clone()),
        };
        if let Some(a) = &app {
            a.check()?;
        }
        if let Credentials::RefreshToken { refresh_token, .. } = &credentials {
            if refresh_token.expose_secret().trim().is_empty() {
                return Err(Error::config("the refresh token is empty"));
            }
        }
        let kind = match &credentials {
            Credentials::AccessToken(_) => Kind::Static,
            Credentials::ClientCredentials(_) => Kind::ClientCredentials,
            _ => Kind::User,
        };
        Ok(TokenManager {
            inner: Arc::new(Inner {
                kind,
                oauth: app.map(|a: AppCredentials| OAuthClient::with_http(http, login_base, a)),
                store,
                skew,
                state: RwLock::new(State::default()),
                flight: Arc::new(tokio::sync::Mutex::new(())),
                initial: std::sync::Mutex::new(Some(credentials)),
            }),
        })
    }

    fn current(&self) -> Option<Arc<Current>> {
        self.read_state(|s| s.current.clone())
    }

    fn read_state<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        let guard = self.inner.state.read().unwrap_or_else(|p| p.into_inner());
        f(&guard)
    }

    fn write_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let mut guard = self.inner.state.write().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }

    /// Which rate budget these credentials spend: the app for OAuth credentials, a digest of
    /// the token for a static one (never the token itself).
    pub fn budget_key(&self) -> String {
        match (&self.inner.oauth, self.inner.kind) {
            (Some(o), Kind::ClientCredentials) => format!("client-credentials:{}", o.client_id()),
            (Some(o), _) => format!("user:{}", o.client_id()),
            (None, _) => {
                let initial = self.inner.initial.lock().unwrap_or_else(|p| p.into_inner());
                let token = match &*initial {
                    Some(Credentials::AccessToken(t)) => t.expose_secret().to_owned(),
                    _ => self
                        .current()
                        .map(|c| c.set.access_token().to_owned())
                        .unwrap_or_default(),
                };
                let digest = sha2::Sha256::digest(token.as_bytes());
                let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
                format!("token:{hex}")
            }
        }
    }

    /// The OAuth client of these credentials, if they have an app.
    pub fn oauth(&self) -> Option<&OAuthClient> {
        self.inner.oauth.as_ref()
    }

    /// The token store.
    pub fn store(&self) -> &Arc<dyn TokenStore> {
        &self.inner.store
    }

    /// A copy of the current token set, if any (for `procore token info` and tests).
    pub fn current_tokens(&self) -> Option<TokenSet> {
        self.current().map(|c| c.set.clone())
    }

    /// A valid access token, refreshing first when the current one is (nearly) expired.
    pub async fn access_token(&self) -> Result<AccessToken> {
        let now = SystemTime::now();
        let (current, dead) = self.read_state(|s| (s.current.clone(), s.dead.clone()));
        if dead.is_some() {
            return self.run(Op::Revive).await;
        }
        match current {
            None => self.run(Op::Init).await,
            Some(c) if !c.needs_refresh(now) => {
                // Another process may have rotated (and the server revoked this token): a
                // cheap look at the store first.
                match self.stamp().await {
                    Some(st) if st.refreshing || Some(st.stamp) != self.read_state(|s| s.stamp) => {
                        self.run(Op::Sync {
                            from_version: c.set.version,
                            refreshing: st.refreshing,
                        })
                        .await
                    }
                    _ => Ok(AccessToken(c)),
                }
            }
            Some(c) => {
                let from_version = c.set.version;
                self.run(Op::Refresh {
                    from_version,
                    force: false,
                })
                .await
            }
        }
    }

    /// Called after a 401 for a token of `used_version`. Returns the token to resend with, or
    /// `None` when these credentials cannot be refreshed (a static token).
    ///
    /// If another caller has already replaced that token, the current one is returned without
    /// any token call: the server may have revoked the old access token when it rotated.
    pub async fn on_unauthorized(&self, used_version: u64) -> Result<Option<AccessToken>> {
        if self.inner.kind == Kind::Static {
            return Ok(None);
        }
        if let Some(c) = self.current() {
            if c.set.version != used_version {
                return Ok(Some(AccessToken(c)));
            }
        }
        self.run(Op::Refresh {
            from_version: used_version,
            force: true,
        })
        .await
        .map(Some)
    }

    /// Revokes the current token set at the server (access and refresh) and clears the store.
    pub async fn revoke(&self) -> Result<()> {
        let _flight = self.inner.flight.clone().lock_owned().await;
        let set = match self.inner.store.load().await {
            Ok(Some(s)) => Some(s),
            _ => self.current().map(|c| c.set.clone()),
        };
        if let (Some(oauth), Some(set)) = (&self.inner.oauth, &set) {
            let token = set.refresh_token().unwrap_or(set.access_token());
            if !token.is_empty() {
                oauth.revoke(token).await?;
            }
        }
        self.inner.store.clear().await?;
        self.write_state(|s| {
            s.current = None;
            s.dead = Some("the tokens were revoked (logged out)".into());
        });
        Ok(())
    }

    /// The store's stamp, or `None` when the store offers none, fails, or is slow (the cached
    /// token is then used as it is; a failure pauses stamps for a second, logged once).
    async fn stamp(&self) -> Option<StoreStamp> {
        if self.inner.kind == Kind::Static {
            return None;
        }
        if let Some(until) = self.read_state(|s| s.stamp_paused_until) {
            if std::time::Instant::now() < until {
                return None;
            }
        }
        let failure = match tokio::time::timeout(STAMP_TIMEOUT, self.inner.store.stamp()).await {
            Ok(Ok(st)) => {
                self.write_state(|s| s.stamp_paused_until = None);
                return st;
            }
            Ok(Err(e)) => e.to_string(),
            Err(_) => format!("no answer within {STAMP_TIMEOUT:?}"),
        };
        let first = self.write_state(|s| {
            let first = s.stamp_paused_until.is_none();
            s.stamp_paused_until = Some(std::time::Instant::now() + STAMP_PAUSE);
            first
        });
        if first {
            tracing::warn!(error = %failure, "the token store cannot be looked at; using the cached access token");
        }
        None
    }

    /// Takes the store's stamp before reading or after writing it, as the one this manager has
    /// seen.
    async fn note_stamp(&self) {
        if let Some(st) = self.stamp().await {
            self.write_state(|s| s.stamp = Some(st.stamp));
        }
    }

    /// Adopts what another process stored (after its refresh, if one is running).
    async fn sync_from_store(
        &self,
        current: Arc<Current>,
        refreshing: bool,
    ) -> Result<AccessToken> {
        if refreshing {
            // Its lock is released once its new set is saved. Watch the stamp rather than
            // take the lock: every waiting process then reads the new set at once instead of
            // one after another.
            let until = tokio::time::Instant::now() + SIBLING_REFRESH_WAIT;
            loop {
                match self.stamp().await {
                    Some(st) if st.refreshing => {}
                    _ => break,
                }
                if tokio::time::Instant::now() >= until {
                    tracing::warn!(
                        "another process's refresh is taking long; using the cached access token"
                    );
                    return Ok(AccessToken(current));
                }
                tokio::time::sleep(SIBLING_POLL).await;
            }
        }
        let before = self.stamp().await;
        let loaded = self.inner.store.load().await;
        let stored = match loaded {
            Ok(s) => s,
            Err(e) => {
                tracing::debug!(error = %e, "could not read the token store; using the cached access token");
                return Ok(AccessToken(current));
            }
        };
        if let Some(st) = before {
            self.write_state(|s| s.stamp = Some(st.stamp));
        }
        match stored {
            Some(set) if set.version >= current.set.version && !set.same_set(&current.set) => {
                tracing::debug!(
                    version = set.version,
                    "adopted a token set rotated by another process"
                );
                let adopted = self.adopt(set);
                if adopted.0.needs_refresh(SystemTime::now()) {
                    let c = adopted.0.clone();
                    return self.refresh_under_store_lock(c, false).await;
                }
                Ok(adopted)
            }
            _ => Ok(AccessToken(current)),
        }
    }

    /// Runs an operation in its own task under the single-flight lock (cancel-safe).
    async fn run(&self, op: Op) -> Result<AccessToken> {
        let this = self.clone();
        let task = tokio::spawn(async move {
            let _flight = this.inner.flight.clone().lock_owned().await;
            this.run_locked(op).await
        });
        match task.await {
            Ok(r) => r,
            Err(e) => Err(Error::Store(format!("token refresh task failed: {e}"))),
        }
    }

    async fn run_locked(&self, op: Op) -> Result<AccessToken> {
        let (current, dead) = self.read_state(|s| (s.current.clone(), s.dead.clone()));
        match op {
            Op::Init => {
                if let Some(c) = current {
                    // Someone initialized while we waited.
                    if dead.is_none() {
                        return Ok(AccessToken(c));
                    }
                }
                self.init().await
            }
            Op::Revive => {
                let Some(reason) = dead else {
                    return match current {
                        Some(c) => Ok(AccessToken(c)),
                        None => self.init().await,
                    };
                };
                // Another process (or a new login) may have stored a fresh set since.
                self.note_stamp().await;
                let stored = self.inner.store.load().await?;
                match (stored, &current) {
                    (Some(s), Some(c)) if !s.same_set(&c.set) => Ok(self.adopt(s)),
                    (Some(s), None) => Ok(self.adopt(s)),
                    _ => Err(Error::ReauthorizationRequired { reason }),
                }
            }
            Op::Sync {
                from_version,
                refreshing,
            } => {
                if let Some(reason) = dead {
                    return Err(Error::ReauthorizationRequired { reason });
                }
                match current {
                    Some(c) if c.set.version != from_version => Ok(AccessToken(c)),
                    Some(c) => self.sync_from_store(c, refreshing).await,
                    None => self.init().await,
                }
            }
            Op::Refresh {
                from_version,
                force,
            } => {
                if let Some(reason) = dead {
                    return Err(Error::ReauthorizationRequired { reason });
                }
                let Some(c) = current else {
                    return self.init().await;
                };
                if c.set.version != from_version {
                    // Another caller rotated while we waited for the lock.
                    return Ok(AccessToken(c));
                }
                if !force && !c.needs_refresh(SystemTime::now()) {
                    return Ok(AccessToken(c));
                }
                self.refresh_under_store_lock(c, force).await
            }
        }
    }

    /// First use: decide the starting set from the credentials and the store.
    async fn init(&self) -> Result<AccessToken> {
        let initial = self
            .inner
            .initial
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let store = &self.inner.store;
        self.note_stamp().await;
        let set = match initial {
            Some(Credentials::AccessToken(t)) => {
                TokenSet::new(t.expose_secret().to_owned(), None, None)
            }
            Some(Credentials::RefreshToken { refresh_token, .. }) => match store.load().await? {
                Some(s) => s,
                None => TokenSet::new(
                    "",
                    Some(refresh_token.expose_secret().to_owned()),
                    Some(UNIX_EPOCH),
                ),
            },
            Some(Credentials::Tokens { tokens, .. }) => match store.load().await? {
                Some(s) if s.version >= tokens.version && !s.same_set(&tokens) => s,
                _ => {
                    store.save(&tokens).await?;
                    tokens
                }
            },
            Some(Credentials::ClientCredentials(_)) => match store.load().await? {
                Some(s) => s,
                None => TokenSet::new("", None, Some(UNIX_EPOCH)),
            },
            Some(Credentials::Stored(_)) | None => match store.load().await? {
                Some(s) => s,
                None => {
                    return Err(Error::ReauthorizationRequired {
                        reason: "the token store is empty: log in first".into(),
                    })
                }
            },
        };
        let c = self.adopt(set);
        if c.0.needs_refresh(SystemTime::now()) {
            let current = c.0.clone();
            return self.refresh_under_store_lock(current, false).await;
        }
        Ok(c)
    }

    fn adopt(&self, set: TokenSet) -> AccessToken {
        let refresh_at = match self.inner.kind {
            Kind::Static => None,
            _ => set.expires_at.map(|e| {
                e.checked_sub(self.effective_skew(&set))
                    .unwrap_or(UNIX_EPOCH)
            }),
        };
        let bearer = http::HeaderValue::try_from(format!("Bearer {}", set.access_token()))
            .ok()
            .map(|mut v| {
                v.set_sensitive(true);
                v
            });
        let c = Arc::new(Current {
            set,
            refresh_at,
            bearer,
        });
        self.write_state(|s| {
            s.current = Some(c.clone());
            s.dead = None;
        });
        AccessToken(c)
    }

    /// The configured skew, capped at a quarter of the token's lifetime, minus up to 20%
    /// jitter so that processes sharing a store do not all refresh in the same instant.
    fn effective_skew(&self, set: &TokenSet) -> Duration {
        let mut skew = self.inner.skew;
        if let Some(life) = set.lifetime() {
            skew = skew.min(life / 4);
        }
        let jitter: f64 = rand::random::<f64>() * 0.2;
        skew.mul_f64(1.0 - jitter)
    }

    async fn refresh_under_store_lock(
        &self,
        current: Arc<Current>,
        force: bool,
    ) -> Result<AccessToken> {
        let lock = self.inner.store.lock().await?;
        let result = self.refresh_with_store(current, force).await;
        if let Some(lock) = lock {
            if let Err(e) = lock.release().await {
                tracing::warn!(error = %e, "could not release the token store lock");
            }
        }
        result
    }

    async fn refresh_with_store(&self, current: Arc<Current>, force: bool) -> Result<AccessToken> {
        let now = SystemTime::now();
        let mut base = current.set.clone();
        // Never trust the in-memory copy of a single-use refresh token: read the store again.
        self.note_stamp().await;
        if let Some(stored) = self.inner.store.load().await? {
            if !stored.same_set(&base) && stored.version >= base.version {
                let replaced_token = stored.access_token() != base.access_token();
                let adopted = self.adopt(stored.clone());
                tracing::debug!(
                    version = stored.version,
                    "adopted a token set rotated by another holder"
                );
                if !adopted.0.needs_refresh(now) && (!force || replaced_token) {
                    return Ok(adopted);
                }
                base = stored;
            }
        }
        let oauth = self
            .inner
            .oauth
            .as_ref()
            .ok_or_else(|| Error::config("these credentials cannot refresh"))?;
        let version = base.version.checked_add(1).ok_or_else(|| {
            Error::Store(
                "the stored token set's version is at its maximum (a corrupt store?)".into(),
            )
        })?;
        if self.inner.kind == Kind::User && self.read_state(|s| s.stamp.is_some()) {
            // The store is shared and its stamp now says "refreshing": siblings that looked
            // just before the lock was taken may have a request with the old access token on
            // its way. Let it land before the server revokes that token.
            tokio::time::sleep(SIBLING_GRACE).await;
        }
        let new = match self.inner.kind {
            Kind::ClientCredentials => {
                tracing::debug!(version, "fetching a client-credentials token");
                oauth.client_credentials().await?.with_version(version)
            }
            Kind::User => {
                let Some(refresh_token) = base.refresh_token().map(str::to_owned) else {
                    return Err(self.mark_dead("the token set has no refresh token".into()));
                };
                tracing::debug!(from_version = base.version, "refreshing the access token");
                self.refresh_once(oauth, &refresh_token, version).await?
            }
            Kind::Static => return Err(Error::config("a static access token cannot refresh")),
        };
        // Persist before use: other processes must see the new refresh token before anyone
        // can act on the new access token.
        let saved = self.inner.store.save(&new).await;
        if saved.is_ok() {
            self.note_stamp().await;
        }
        let token = self.adopt(new);
        match saved {
            Ok(()) => Ok(token),
            Err(e) => {
                tracing::error!(error = %e, "the refreshed token set could not be saved; it is kept in memory");
                Err(e)
            }
        }
    }

    /// One refresh call; resent only when the request provably never left. What a failure
    /// means for the set is decided by the table in `auth::verdict`.
    async fn refresh_once(
        &self,
        oauth: &OAuthClient,
        refresh_token: &str,
        version: u64,
    ) -> Result<TokenSet> {
        let mut attempt = 0u32;
        loop {
            let failure = match oauth.refresh(refresh_token, version).await {
                Ok(set) => return Ok(set),
                Err(f) => f,
            };
            match failure.verdict() {
                Verdict::Resend if attempt < 2 => {
                    attempt += 1;
                    tracing::debug!(attempt, "token endpoint unreachable, the refresh token was not sent: {failure:?}");
                    tokio::time::sleep(Duration::from_millis(250 * u64::from(attempt))).await;
                }
                Verdict::Resend | Verdict::Keep => {
                    tracing::warn!(error = ?failure, "the refresh failed; the token set is kept");
                    return Err(failure.into_error());
                }
                Verdict::Spent => {
                    return Err(self.mark_dead(match failure {
                        GrantFailure::Lost(m) => format!(
                            "{m}; the refresh token was spent by that call, so the user must authorize again"
                        ),
                        GrantFailure::Refused {
                            status,
                            error,
                            description,
                        } => format!(
                            "the token endpoint refused the refresh (HTTP {status}, {error}: {description})"
                        ),
                        other => format!("{other:?}"),
                    }))
                }
            }
        }
    }

    fn mark_dead(&self, reason: String) -> Error {
        tracing::warn!(reason = %reason, "refresh token is no longer usable");
        self.write_state(|s| s.dead = Some(reason.clone()));
        Error::ReauthorizationRequired { reason }
    }
}
