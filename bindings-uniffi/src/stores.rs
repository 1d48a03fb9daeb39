//! Token stores, mirroring core `store/`: the core's memory and file stores
//! ([`memory_token_store`], [`file_token_store`], [`redis_token_store`]: the same classes as in
//! Python and Node), and
//! stores written in Kotlin or Swift (Keychain, Android Keystore, a database row).
//!
//! The [`ForeignStore`] adapter turns any [`TokenStore`] into the core's `procore::TokenStore`,
//! so the core's rotation protocol (single flight, the store's lock, re-read before refresh,
//! persist before use, keep the store unchanged when the refresh token is gone) applies to
//! all of them. A store shared by several processes (a database row, a file on a shared
//! volume) offers the lock step too by returning a [`StoreGuard`] from `lock()`.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::auth::TokenSet;
use crate::errors::StoreError;

/// How a custom store releases its cross-process lock (called once, when the refresh is done).
///
/// Example:
///
/// ```kotlin
/// class RowGuard(private val db: Database, private val id: Long) : StoreGuard { override suspend fun release() = db.unlock(id) }
/// ```
///
/// ```swift
/// final class RowGuard: StoreGuard { func release() async throws { try await db.unlock(id) } }
/// ```
#[uniffi::export(foreign)]
#[async_trait]
pub trait StoreGuard: Send + Sync {
    /// Releases the lock.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// override suspend fun release() = db.unlock(rowId)
    /// ```
    ///
    /// ```swift
    /// func release() async throws { try await db.unlock(rowId) }
    /// ```
    async fn release(&self) -> Result<(), StoreError>;
}

enum Held {
    Foreign(Arc<dyn StoreGuard>),
    Core(Box<dyn procore::store::StoreLock>),
}

/// A held lock of a store, returned by `TokenStore.lock()`: build one with the guard that
/// releases it (`StoreLease(guard)`).
///
/// Example:
///
/// ```kotlin
/// override suspend fun lock(): StoreLease? { db.lock(rowId); return StoreLease(RowGuard(db, rowId)) }
/// ```
///
/// ```swift
/// func lock() async throws -> StoreLease? { try await db.lock(rowId); return StoreLease(guard: RowGuard(db: db, id: rowId)) }
/// ```
#[derive(uniffi::Object)]
pub struct StoreLease {
    held: Mutex<Option<Held>>,
}

impl std::fmt::Debug for StoreLease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreLease")
    }
}

#[uniffi::export]
impl StoreLease {
    /// A lease released by `guard.release()`.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// val lease = StoreLease(RowGuard(db, rowId))
    /// ```
    ///
    /// ```swift
    /// let lease = StoreLease(guard: RowGuard(db: db, id: rowId))
    /// ```
    #[uniffi::constructor]
    pub fn new(guard: Arc<dyn StoreGuard>) -> Arc<Self> {
        Arc::new(StoreLease {
            held: Mutex::new(Some(Held::Foreign(guard))),
        })
    }
}

impl StoreLease {
    fn take(&self) -> Option<Held> {
        self.held.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    async fn release(&self) -> procore::Result<()> {
        match self.take() {
            Some(Held::Foreign(g)) => g.release().await.map_err(to_core),
            Some(Held::Core(l)) => l.release().await,
            None => Ok(()),
        }
    }
}

/// Where the app keeps the token set. Every method may be called from any thread, and each
/// call should be short. Throw `StoreException.Failed` (or anything else: it becomes a
/// `STORE` error) when the store cannot be read or written; never return `null` for a set
/// that exists but cannot be read.
///
/// Example:
///
/// ```kotlin
/// // The members of `class KeystoreTokenStore(private val prefs: EncryptedPrefs) : TokenStore`:
/// override suspend fun load() = prefs.getString("procore")?.let { TokenSet.fromJson(it) }
/// override suspend fun save(tokens: TokenSet) { prefs.putString("procore", tokens.toJson()) }
/// override suspend fun clear() { prefs.remove("procore") }
/// override suspend fun lock(): StoreLease? = null  // one process per store, as on a phone
/// ```
///
/// ```swift
/// // The members of `final class KeychainTokenStore: TokenStore`:
/// func load() async throws -> TokenSet? { try keychain.get("procore").map { try TokenSet.fromJson(json: $0) } }
/// func save(tokens: TokenSet) async throws { try keychain.set(tokens.toJson(), key: "procore") }
/// func clear() async throws { try keychain.remove("procore") }
/// func lock() async throws -> StoreLease? { nil }
/// ```
#[uniffi::export(rust, foreign, async_runtime = "tokio")]
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// The stored set, or none when the store is empty.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// override suspend fun load(): TokenSet? = prefs.getString("procore")?.let { TokenSet.fromJson(it) }
    /// ```
    ///
    /// ```swift
    /// func load() async throws -> TokenSet? { try keychain.get("procore").map { try TokenSet.fromJson(json: $0) } }
    /// ```
    async fn load(&self) -> Result<Option<Arc<TokenSet>>, StoreError>;

    /// Replaces the stored set, durably. Called after every rotation, before the new access
    /// token is used.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// override suspend fun save(tokens: TokenSet) { prefs.putString("procore", tokens.toJson()) }
    /// ```
    ///
    /// ```swift
    /// func save(tokens: TokenSet) async throws { try keychain.set(tokens.toJson(), key: "procore") }
    /// ```
    async fn save(&self, tokens: Arc<TokenSet>) -> Result<(), StoreError>;

    /// Removes the stored set (logout).
    ///
    /// Example:
    ///
    /// ```kotlin
    /// override suspend fun clear() { prefs.remove("procore") }
    /// ```
    ///
    /// ```swift
    /// func clear() async throws { try keychain.remove("procore") }
    /// ```
    async fn clear(&self) -> Result<(), StoreError>;

    /// Takes a lock that excludes the other processes sharing this store while one of them
    /// refreshes (a [`StoreLease`]), or returns none when the store is used by one process only.
    ///
    /// Example:
    ///
    /// ```kotlin
    /// override suspend fun lock(): StoreLease? = null  // used by this process only
    /// ```
    ///
    /// ```swift
    /// func lock() async throws -> StoreLease? { nil }
    /// ```
    async fn lock(&self) -> Result<Option<Arc<StoreLease>>, StoreError>;
}

/// The core's view of a [`TokenStore`].
pub(crate) struct ForeignStore {
    store: Arc<dyn TokenStore>,
}

impl ForeignStore {
    /// The core store behind `store`: the core's own when `store` came from one of the
    /// functions below (so it keeps its cheap stamp and its lease), else an adapter that calls
    /// the Kotlin or Swift methods.
    pub(crate) fn core(store: Arc<dyn TokenStore>) -> Arc<dyn procore::TokenStore> {
        if let Some(core) = made_here(&store) {
            return core;
        }
        Arc::new(ForeignStore { store })
    }
}

/// The stores made by [`memory_token_store`] and its siblings, by address: an object made in
/// Rust comes back from Kotlin or Swift as the same `Arc`.
type Made = Vec<(usize, std::sync::Weak<CoreStore>)>;

fn made() -> &'static Mutex<Made> {
    static MADE: std::sync::OnceLock<Mutex<Made>> = std::sync::OnceLock::new();
    MADE.get_or_init(Default::default)
}

fn address(store: &Arc<dyn TokenStore>) -> usize {
    Arc::as_ptr(store) as *const () as usize
}

fn register(store: Arc<CoreStore>) -> Arc<dyn TokenStore> {
    let mut all = made().lock().unwrap_or_else(|p| p.into_inner());
    all.retain(|(_, w)| w.strong_count() > 0);
    let dynamic: Arc<dyn TokenStore> = store.clone();
    all.push((address(&dynamic), Arc::downgrade(&store)));
    dynamic
}

fn made_here(store: &Arc<dyn TokenStore>) -> Option<Arc<dyn procore::TokenStore>> {
    let at = address(store);
    let all = made().lock().unwrap_or_else(|p| p.into_inner());
    all.iter()
        .filter(|(a, _)| *a == at)
        .find_map(|(_, w)| w.upgrade())
        .map(|c| c.0.clone())
}

fn to_core(e: StoreError) -> procore::Error {
    match e {
        StoreError::Failed { reason } => procore::Error::Store(reason),
    }
}

fn from_core(e: procore::Error) -> StoreError {
    let reason = match e {
        procore::Error::Store(reason) => reason,
        other => other.to_string(),
    };
    StoreError::Failed { reason }
}

struct ForeignLock(Arc<StoreLease>);

#[async_trait]
impl procore::store::StoreLock for ForeignLock {
    async fn release(self: Box<Self>) -> procore::Result<()> {
        self.0.release().await
    }
}

#[async_trait]
impl procore::TokenStore for ForeignStore {
    async fn load(&self) -> procore::Result<Option<procore::TokenSet>> {
        let set = self.store.load().await.map_err(to_core)?;
        Ok(set.map(|s| s.inner.clone()))
    }

    async fn save(&self, tokens: &procore::TokenSet) -> procore::Result<()> {
        self.store
            .save(TokenSet::wrap(tokens.clone()))
            .await
            .map_err(to_core)
    }

    async fn clear(&self) -> procore::Result<()> {
        self.store.clear().await.map_err(to_core)
    }

    async fn lock(&self) -> procore::Result<Option<Box<dyn procore::store::StoreLock>>> {
        let guard = self.store.lock().await.map_err(to_core)?;
        Ok(guard.map(|g| Box::new(ForeignLock(g)) as Box<dyn procore::store::StoreLock>))
    }
}

/// One of the core's stores, seen from Kotlin or Swift.
struct CoreStore(Arc<dyn procore::TokenStore>);

#[async_trait]
impl TokenStore for CoreStore {
    async fn load(&self) -> Result<Option<Arc<TokenSet>>, StoreError> {
        Ok(self.0.load().await.map_err(from_core)?.map(TokenSet::wrap))
    }

    async fn save(&self, tokens: Arc<TokenSet>) -> Result<(), StoreError> {
        self.0.save(&tokens.inner).await.map_err(from_core)
    }

    async fn clear(&self) -> Result<(), StoreError> {
        self.0.clear().await.map_err(from_core)
    }

    async fn lock(&self) -> Result<Option<Arc<StoreLease>>, StoreError> {
        let lock = self.0.lock().await.map_err(from_core)?;
        Ok(lock.map(|l| {
            Arc::new(StoreLease {
                held: Mutex::new(Some(Held::Core(l))),
            })
        }))
    }
}

/// The in-process store (what a client uses when given none).
///
/// Example:
///
/// ```kotlin
/// val store = memoryTokenStore()  // or MemoryTokenStore()
/// ```
///
/// ```swift
/// let store = memoryTokenStore()
/// ```
#[uniffi::export]
pub fn memory_token_store() -> Arc<dyn TokenStore> {
    register(Arc::new(CoreStore(Arc::new(
        procore::MemoryTokenStore::new(),
    ))))
}

/// A JSON file (mode 0600, atomic durable writes, an OS lock across processes): several
/// processes (JVMs) may share one file and still refresh once per expiry.
///
/// Example:
///
/// ```kotlin
/// val client = Client.withRefreshToken(ClientOptions(), clientId, clientSecret, refreshToken, fileTokenStore("/var/lib/app/tokens.json"))
/// ```
///
/// ```swift
/// let store = fileTokenStore(path: NSHomeDirectory() + "/Library/procore-tokens.json")
/// ```
#[uniffi::export]
pub fn file_token_store(path: String) -> Arc<dyn TokenStore> {
    register(Arc::new(CoreStore(Arc::new(procore::FileTokenStore::new(
        path,
    )))))
}

/// Redis (`redis://`, `rediss://`): the set and a lease lock shared by processes and machines,
/// under `prefix` (see [`redis_key_prefix`]).
///
/// Example:
///
/// ```kotlin
/// val store = redisTokenStore("redis://localhost:6379/0", redisKeyPrefix("production", clientId, "user-42"))
/// ```
///
/// ```swift
/// let store = try redisTokenStore(url: "redis://localhost:6379/0", prefix: redisKeyPrefix(environment: "production", clientId: id, user: "user-42"))
/// ```
#[uniffi::export]
pub fn redis_token_store(
    url: String,
    prefix: String,
) -> Result<Arc<dyn TokenStore>, Arc<crate::errors::ProcoreError>> {
    let store = procore::store::RedisTokenStore::new(&url, &prefix)
        .map_err(crate::errors::ProcoreError::from_core)?;
    Ok(register(Arc::new(CoreStore(Arc::new(store)))))
}

/// A key prefix for an environment, an app and a user.
///
/// Example:
///
/// ```kotlin
/// val prefix = redisKeyPrefix("sandbox", clientId, "user-42")
/// ```
///
/// ```swift
/// let prefix = redisKeyPrefix(environment: "sandbox", clientId: id, user: "user-42")
/// ```
#[uniffi::export]
pub fn redis_key_prefix(environment: String, client_id: String, user: String) -> String {
    procore::store::RedisTokenStore::key_prefix(&environment, &client_id, &user)
}
