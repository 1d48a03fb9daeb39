//! Custom token stores written in Kotlin or Swift, mirroring core `store/`.
//!
//! The app implements [`TokenStore`] (Keychain, Android Keystore, its own database); the
//! [`ForeignStore`] adapter turns it into the core's `procore::TokenStore`, so the core's
//! rotation protocol (single flight, re-read before refresh, persist before use, keep the
//! store unchanged when the refresh token is gone) applies unchanged. A foreign store offers
//! no cross-process lock: one process per store, as on a phone.

use std::sync::Arc;

use async_trait::async_trait;

use crate::auth::TokenSet;
use crate::errors::ProcoreError;

/// Where the app keeps the token set. Every method may be called from any thread, and each
/// call should be short. Throw a `ProcoreException` (or anything else: it becomes a `store`
/// error) when the store cannot be read or written; never return `null` for a set that
/// exists but cannot be read.
#[uniffi::export(foreign)]
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// The stored set, or none when the store is empty.
    async fn load(&self) -> Result<Option<Arc<TokenSet>>, ProcoreError>;

    /// Replaces the stored set, durably. Called after every rotation, before the new access
    /// token is used.
    async fn save(&self, tokens: Arc<TokenSet>) -> Result<(), ProcoreError>;

    /// Removes the stored set (logout).
    async fn clear(&self) -> Result<(), ProcoreError>;
}

/// The core's view of a foreign store.
pub(crate) struct ForeignStore {
    store: Arc<dyn TokenStore>,
}

impl ForeignStore {
    pub(crate) fn new(store: Arc<dyn TokenStore>) -> Arc<Self> {
        Arc::new(ForeignStore { store })
    }
}

fn to_core(e: ProcoreError) -> procore::Error {
    match e {
        // A store error raised by the app keeps its own message.
        ProcoreError::Store { reason, .. } => procore::Error::Store(reason),
        other => procore::Error::Store(format!(
            "the custom token store failed ({}): {}",
            other.code(),
            other.reason()
        )),
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
}
