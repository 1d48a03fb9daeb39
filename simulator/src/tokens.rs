//! Token sets: opaque random access and refresh tokens, single-use rotating refresh tokens and
//! revocation of a whole set. Validation (the hot path) takes a read lock only; issuing,
//! rotating and revoking take the write lock, and a refresh burns the old refresh token and
//! issues the new set in one critical section, so two concurrent refreshes with the same
//! token can never both succeed.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::util::{now_unix, random_token, RwLockExt};

/// Who a token speaks for; also the rate-limit budget it draws on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Principal {
    /// The configured user (authorization code, refresh and dev tokens).
    User,
    /// The OAuth client itself (client credentials: a service account).
    Client,
}

/// What `/oauth/token` answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// Bearer token for `/rest/` calls.
    pub access_token: String,
    /// Always `"bearer"`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Single-use refresh token (absent for client credentials).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
}

/// What the store knows about a live access token.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AccessInfo {
    pub principal: Principal,
    pub created_at: i64,
    /// `None`: never expires.
    pub expires_at: Option<SystemTime>,
}

#[derive(Debug)]
struct SetEntry {
    access: String,
    refresh: Option<String>,
}

#[derive(Default)]
struct Inner {
    access: HashMap<String, (u64, AccessInfo)>,
    refresh: HashMap<String, (u64, Principal)>,
    sets: HashMap<u64, SetEntry>,
    next_set: u64,
}

impl Inner {
    fn issue(&mut self, principal: Principal, ttl: Duration, with_refresh: bool) -> TokenResponse {
        if self.access.len() > 50_000 {
            self.prune();
        }
        self.next_set += 1;
        let set = self.next_set;
        let access = random_token();
        let refresh = with_refresh.then(random_token);
        let created_at = now_unix();
        let info = AccessInfo {
            principal,
            created_at,
            expires_at: SystemTime::now().checked_add(ttl),
        };
        self.access.insert(access.clone(), (set, info));
        if let Some(r) = &refresh {
            self.refresh.insert(r.clone(), (set, principal));
        }
        self.sets.insert(
            set,
            SetEntry {
                access: access.clone(),
                refresh: refresh.clone(),
            },
        );
        TokenResponse {
            access_token: access,
            token_type: "bearer".to_owned(),
            expires_in: ttl.as_secs(),
            refresh_token: refresh,
            created_at,
        }
    }

    fn revoke_access_of_set(&mut self, set: u64) {
        let remove_set = match self.sets.get(&set) {
            Some(entry) => {
                self.access.remove(&entry.access);
                entry.refresh.is_none()
            }
            None => false,
        };
        if remove_set {
            self.sets.remove(&set);
        }
    }

    /// Drops expired access tokens whose set has no refresh token left.
    fn prune(&mut self) {
        let now = SystemTime::now();
        let expired: Vec<(String, u64)> = self
            .access
            .iter()
            .filter(|(_, (_, info))| info.expires_at.is_some_and(|e| e <= now))
            .map(|(k, (set, _))| (k.clone(), *set))
            .collect();
        for (token, set) in expired {
            self.access.remove(&token);
            if self.sets.get(&set).is_some_and(|s| s.refresh.is_none()) {
                self.sets.remove(&set);
            }
        }
    }
}

/// All issued tokens.
#[derive(Default)]
pub(crate) struct TokenStore {
    inner: RwLock<Inner>,
}

impl TokenStore {
    /// Issues a new set.
    pub(crate) fn issue(
        &self,
        principal: Principal,
        ttl: Duration,
        with_refresh: bool,
    ) -> TokenResponse {
        self.inner.write_ok().issue(principal, ttl, with_refresh)
    }

    /// A live (known, unexpired, unrevoked) access token.
    pub(crate) fn lookup(&self, token: &str) -> Option<AccessInfo> {
        let info = self.inner.read_ok().access.get(token).map(|(_, i)| *i)?;
        match info.expires_at {
            Some(exp) if exp <= SystemTime::now() => None,
            _ => Some(info),
        }
    }

    /// The refresh grant: burns `refresh_token` whatever happens, then issues a new set for
    /// the same principal. `None` if the token is unknown, already used or revoked.
    pub(crate) fn refresh(
        &self,
        refresh_token: &str,
        ttl: Duration,
        revoke_old_access: bool,
    ) -> Option<TokenResponse> {
        let mut inner = self.inner.write_ok();
        let (old_set, principal) = inner.refresh.remove(refresh_token)?;
        if let Some(entry) = inner.sets.get_mut(&old_set) {
            entry.refresh = None;
        }
        if revoke_old_access {
            inner.revoke_access_of_set(old_set);
        }
        Some(inner.issue(principal, ttl, true))
    }

    /// Revokes the whole set the token (access or refresh) belongs to. True if it was known.
    pub(crate) fn revoke(&self, token: &str) -> bool {
        let mut inner = self.inner.write_ok();
        let set = match inner.access.get(token) {
            Some((set, _)) => *set,
            None => match inner.refresh.get(token) {
                Some((set, _)) => *set,
                None => return false,
            },
        };
        if let Some(entry) = inner.sets.remove(&set) {
            inner.access.remove(&entry.access);
            if let Some(r) = entry.refresh {
                inner.refresh.remove(&r);
            }
        }
        true
    }

    /// Revokes every access token; refresh tokens stay valid. Returns how many were live.
    pub(crate) fn revoke_all_access(&self) -> usize {
        let mut inner = self.inner.write_ok();
        let now = SystemTime::now();
        let live = inner
            .access
            .values()
            .filter(|(_, i)| i.expires_at.is_none_or(|e| e > now))
            .count();
        inner.access.clear();
        inner.sets.retain(|_, s| s.refresh.is_some());
        live
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: Duration = Duration::from_secs(60);

    #[test]
    fn refresh_rotates_and_burns() {
        let s = TokenStore::default();
        let t1 = s.issue(Principal::User, TTL, true);
        let r1 = t1.refresh_token.clone().expect("refresh token");
        assert!(s.lookup(&t1.access_token).is_some());
        let t2 = s.refresh(&r1, TTL, true).expect("first refresh works");
        assert!(s.lookup(&t1.access_token).is_none(), "old access revoked");
        assert!(s.lookup(&t2.access_token).is_some());
        assert!(s.refresh(&r1, TTL, true).is_none(), "reuse fails");
    }

    #[test]
    fn refresh_can_keep_old_access() {
        let s = TokenStore::default();
        let t1 = s.issue(Principal::User, TTL, true);
        let r1 = t1.refresh_token.clone().expect("refresh token");
        s.refresh(&r1, TTL, false).expect("refresh works");
        assert!(s.lookup(&t1.access_token).is_some());
    }

    #[test]
    fn revoke_kills_set() {
        let s = TokenStore::default();
        let t = s.issue(Principal::User, TTL, true);
        assert!(s.revoke(&t.access_token));
        let r = t.refresh_token.expect("refresh token");
        assert!(s.refresh(&r, TTL, true).is_none());
        assert!(!s.revoke("unknown"));
    }

    #[test]
    fn expired_is_invalid() {
        let s = TokenStore::default();
        let t = s.issue(Principal::Client, Duration::ZERO, false);
        assert!(s.lookup(&t.access_token).is_none());
    }

    #[test]
    fn revoke_all_access_keeps_refresh() {
        let s = TokenStore::default();
        let t = s.issue(Principal::User, TTL, true);
        assert_eq!(s.revoke_all_access(), 1);
        assert!(s.lookup(&t.access_token).is_none());
        let r = t.refresh_token.expect("refresh token");
        assert!(s.refresh(&r, TTL, true).is_some());
    }
}
