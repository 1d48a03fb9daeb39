//! Where token sets live between calls and between processes.
//!
//! A store is read again under its lock before every refresh (never trust an in-memory copy
//! of a single-use refresh token), and written before a new access token is used.

mod file;
mod memory;
#[cfg(feature = "redis")]
mod redis_store;

pub use file::FileTokenStore;
pub use memory::MemoryTokenStore;
#[cfg(feature = "redis")]
pub use redis_store::RedisTokenStore;

use async_trait::async_trait;

use crate::auth::TokenSet;
use crate::error::Result;

/// A held cross-process lock. Dropping it must release it too (as a fallback), but the SDK
/// always calls [`StoreLock::release`].
#[async_trait]
pub trait StoreLock: Send {
    /// Releases the lock.
    async fn release(self: Box<Self>) -> Result<()>;
}

/// Keeps one token set. Implement it to keep tokens in a keychain, a database, a secret
/// manager. Every method may be called from any thread.
///
/// # Examples
///
/// A store over a key-value map of your own (here an in-process map standing in for a
/// database or vault client); [`TokenSet::to_json`] and [`TokenSet::from_json`] give the same
/// form the token file uses:
///
/// ```no_run
/// use std::collections::HashMap;
/// use std::sync::{Arc, Mutex};
/// use procore::{Client, Error, Result, TokenSet, TokenStore};
///
/// #[derive(Default)]
/// struct KvStore {
///     kv: Mutex<HashMap<String, String>>,
/// }
///
/// impl KvStore {
///     fn map(&self) -> Result<std::sync::MutexGuard<'_, HashMap<String, String>>> {
///         self.kv.lock().map_err(|_| Error::Store("the key-value map is poisoned".into()))
///     }
/// }
///
/// #[async_trait::async_trait]
/// impl TokenStore for KvStore {
///     async fn load(&self) -> Result<Option<TokenSet>> {
///         match self.map()?.get("procore") {
///             Some(text) => TokenSet::from_json(text).map(Some),
///             None => Ok(None),
///         }
///     }
///     async fn save(&self, tokens: &TokenSet) -> Result<()> {
///         self.map()?.insert("procore".into(), tokens.to_json());
///         Ok(())
///     }
///     async fn clear(&self) -> Result<()> {
///         self.map()?.remove("procore");
///         Ok(())
///     }
/// }
///
/// # fn demo() -> Result<()> {
/// let client = Client::builder()
///     .stored_tokens("my-client-id", "my-client-secret")
///     .token_store(Arc::new(KvStore::default()))
///     .build()?;
/// # let _ = client;
/// # Ok(()) }
/// ```
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// The stored set, or `None` when empty. A set that exists but cannot be read is an
    /// error ([`crate::Error::Store`]), never `None`: an empty answer would make the SDK think
    /// no one holds tokens.
    async fn load(&self) -> Result<Option<TokenSet>>;

    /// Replaces the stored set, durably and atomically (never half-written).
    async fn save(&self, tokens: &TokenSet) -> Result<()>;

    /// Removes the stored set (logout).
    async fn clear(&self) -> Result<()>;

    /// Takes a lock that excludes other processes sharing this store while they refresh.
    /// `None` means the store offers no lock (fine when one process uses it).
    async fn lock(&self) -> Result<Option<Box<dyn StoreLock>>> {
        Ok(None)
    }

    /// A cheap look at the store, taken before a cached access token is used, so that a
    /// rotation by another process is adopted before its old (revoked) token is sent. `None`
    /// (the default) means the store cannot be looked at cheaply: a rotation elsewhere then
    /// costs one 401, answered by adopting the stored set.
    async fn stamp(&self) -> Result<Option<StoreStamp>> {
        Ok(None)
    }
}

/// What [`TokenStore::stamp`] sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreStamp {
    /// Changes whenever the stored set is written or removed (a file's inode, size and
    /// modification time; a write counter in Redis). Equal stamps mean the same stored set.
    pub stamp: u64,
    /// A holder of the store's lock is refreshing right now: its new set is about to replace
    /// the stored one (and the server may already have revoked the old access token).
    pub refreshing: bool,
}
