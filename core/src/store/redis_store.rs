//! A token set shared by processes on many machines, kept in Redis (feature `redis`).
//!
//! - **Keys**: `{prefix}:tokens` holds the store JSON of the set (the same form as the token
//!   file), `{prefix}:lock` the refresh lease, `{prefix}:writes` a counter raised by every
//!   write and clear (the stamp that processes compare, in one pipelined round trip with the
//!   lease, before using a cached access token). Choose a prefix per environment, app and user
//!   (`procore:sandbox:<client id>:<user>`), see [`RedisTokenStore::key_prefix`].
//! - **Lease**: `SET {prefix}:lock <random> NX PX <ttl>`, retried with jitter until it is taken
//!   or [`RedisTokenStore::lock_wait`] passes; released by a Lua compare-and-delete, so a
//!   holder whose lease expired never deletes the next holder's. The TTL (default 60 s) is well
//!   above a refresh's timeout.
//! - **Writes** are a compare-and-set on the set's `version` (Lua): a save whose version is
//!   older than the stored one is refused with a `store` error, so a holder that stalled past
//!   its lease cannot overwrite a newer set with its older one.
//! - **Outages**: a connection manager reconnects by itself; while Redis is unreachable every
//!   store operation is a `store` error (the core keeps using a valid cached access token) and
//!   nothing stored is lost or torn (a write is one `SET`).
//! - URLs: `redis://[user:password@]host:port/db` and `rediss://` (TLS, rustls).

use std::time::Duration;

use async_trait::async_trait;
use redis::aio::ConnectionManager;
use redis::AsyncCommands;

use super::{StoreLock, StoreStamp, TokenStore};
use crate::auth::TokenSet;
use crate::error::{Error, Result};
use crate::redis_link::RedisLink;

/// Writes `ARGV[1]` (a set of version `ARGV[2]`) to `KEYS[1]` unless a newer version is
/// stored, and raises the write counter `KEYS[2]`: 1 written, 0 refused.
const SAVE_IF_NOT_OLDER: &str = r#"
local current = redis.call('GET', KEYS[1])
if current then
  local ok, doc = pcall(cjson.decode, current)
  if ok and type(doc) == 'table' and tonumber(doc['version'] or 0) > tonumber(ARGV[2]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('INCR', KEYS[2])
return 1
"#;

/// Removes the set `KEYS[1]` and raises the write counter `KEYS[2]`.
const CLEAR: &str = r#"
redis.call('DEL', KEYS[1])
redis.call('INCR', KEYS[2])
return 1
"#;

/// Deletes the lease `KEYS[1]` only while it still holds this holder's value `ARGV[1]`.
const RELEASE_IF_MINE: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"#;

/// Keeps the token set in Redis, with a lease lock across processes and machines.
pub struct RedisTokenStore {
    link: RedisLink,
    prefix: String,
    lease_ttl: Duration,
    lock_wait: Duration,
}

impl std::fmt::Debug for RedisTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password: show only where the keys live.
        f.debug_struct("RedisTokenStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisTokenStore {
    /// A store at `url` (`redis://`, `rediss://`) under `prefix`. Connects on first use.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn demo() -> procore::Result<()> {
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use procore::store::RedisTokenStore;
    /// use procore::Client;
    ///
    /// let prefix = RedisTokenStore::key_prefix("production", "my-client-id", "jane@example.com");
    /// let store = RedisTokenStore::new("rediss://redis.internal:6380/0", &prefix)?
    ///     .lock_wait(Duration::from_secs(30));
    /// let client = Client::builder()
    ///     .stored_tokens("my-client-id", "my-client-secret")
    ///     .token_store(Arc::new(store))
    ///     .build()?;
    /// # let _ = client;
    /// # Ok(()) }
    /// ```
    pub fn new(url: &str, prefix: &str) -> Result<Self> {
        if prefix.is_empty() || prefix.contains(char::is_whitespace) {
            return Err(Error::config(
                "the redis key prefix must be non-empty, without spaces",
            ));
        }
        Ok(RedisTokenStore {
            link: RedisLink::open(url, "redis", Duration::from_secs(5))?,
            prefix: prefix.to_owned(),
            lease_ttl: Duration::from_secs(60),
            lock_wait: Duration::from_secs(90),
        })
    }

    /// A key prefix for an environment, an app and a user (any of them may be empty).
    pub fn key_prefix(environment: &str, client_id: &str, user: &str) -> String {
        let clean = |s: &str| s.replace(|c: char| c.is_whitespace() || c == ':', "_");
        format!(
            "procore:{}:{}:{}",
            clean(environment),
            clean(client_id),
            clean(user)
        )
    }

    /// How long a lease lives if its holder dies (default 60 s).
    pub fn lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = ttl.max(Duration::from_millis(10));
        self
    }

    /// How long `lock()` waits for another holder's lease (default 90 s).
    pub fn lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        self
    }

    fn tokens_key(&self) -> String {
        format!("{}:tokens", self.prefix)
    }

    fn lock_key(&self) -> String {
        format!("{}:lock", self.prefix)
    }

    fn writes_key(&self) -> String {
        format!("{}:writes", self.prefix)
    }
}

struct RedisLease {
    conn: ConnectionManager,
    key: String,
    value: String,
}

#[async_trait]
impl StoreLock for RedisLease {
    async fn release(mut self: Box<Self>) -> Result<()> {
        let _: i64 = redis::Script::new(RELEASE_IF_MINE)
            .key(&self.key)
            .arg(&self.value)
            .invoke_async(&mut self.conn)
            .await
            .map_err(|e| Error::Store(format!("redis lease release failed: {e}")))?;
        Ok(())
    }
}

#[async_trait]
impl TokenStore for RedisTokenStore {
    async fn load(&self) -> Result<Option<TokenSet>> {
        let key = self.tokens_key();
        let text: Option<String> = self
            .link
            .run("GET", |mut c| {
                let key = key.clone();
                async move { c.get(key).await }
            })
            .await?;
        match text {
            None => Ok(None),
            Some(t) => TokenSet::from_json(&t).map(Some).map_err(|e| {
                Error::Store(format!(
                    "the token set in redis at {key} cannot be read: {e}"
                ))
            }),
        }
    }

    async fn save(&self, tokens: &TokenSet) -> Result<()> {
        let script = redis::Script::new(SAVE_IF_NOT_OLDER);
        let (json, version) = (tokens.to_json(), tokens.version);
        let written: i64 = self
            .link
            .run("save", |mut c| {
                let mut call = script.prepare_invoke();
                call.key(self.tokens_key())
                    .key(self.writes_key())
                    .arg(&json)
                    .arg(version);
                async move { call.invoke_async(&mut c).await }
            })
            .await?;
        if written == 1 {
            Ok(())
        } else {
            Err(Error::Store(format!(
                "a newer token set than version {version} is stored in redis: not overwritten"
            )))
        }
    }

    async fn clear(&self) -> Result<()> {
        let script = redis::Script::new(CLEAR);
        let _: i64 = self
            .link
            .run("clear", |mut c| {
                let mut call = script.prepare_invoke();
                call.key(self.tokens_key()).key(self.writes_key());
                async move { call.invoke_async(&mut c).await }
            })
            .await?;
        Ok(())
    }

    async fn stamp(&self) -> Result<Option<StoreStamp>> {
        let (writes, leased): (Option<u64>, bool) = self
            .link
            .run("stamp", |mut c| {
                let mut pipe = redis::pipe();
                pipe.get(self.writes_key()).exists(self.lock_key());
                async move { pipe.query_async(&mut c).await }
            })
            .await?;
        Ok(Some(StoreStamp {
            stamp: writes.unwrap_or(0),
            refreshing: leased,
        }))
    }

    async fn lock(&self) -> Result<Option<Box<dyn StoreLock>>> {
        let value = format!("{:032x}", rand::random::<u128>());
        let ttl_ms = u64::try_from(self.lease_ttl.as_millis()).unwrap_or(u64::MAX);
        let until = tokio::time::Instant::now() + self.lock_wait;
        loop {
            let taken: Option<String> = self
                .link
                .run("lease SET NX", |mut c| {
                    let mut cmd = redis::cmd("SET");
                    cmd.arg(self.lock_key())
                        .arg(&value)
                        .arg("NX")
                        .arg("PX")
                        .arg(ttl_ms);
                    async move { cmd.query_async(&mut c).await }
                })
                .await?;
            if taken.is_some() {
                return Ok(Some(Box::new(RedisLease {
                    conn: self.link.connection().await?,
                    key: self.lock_key(),
                    value,
                })));
            }
            if tokio::time::Instant::now() >= until {
                return Err(Error::Store(format!(
                    "the redis lease {} stayed taken for {:?}",
                    self.lock_key(),
                    self.lock_wait
                )));
            }
            let pause = Duration::from_millis(20 + rand::random::<u64>() % 30);
            tokio::time::sleep(pause).await;
        }
    }
}
