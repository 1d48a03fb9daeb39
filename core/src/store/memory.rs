use std::sync::Mutex;

use async_trait::async_trait;

use super::TokenStore;
use crate::auth::TokenSet;
use crate::error::Result;

/// Keeps the token set in this process only (the default store).
#[derive(Default)]
pub struct MemoryTokenStore {
    slot: Mutex<Option<TokenSet>>,
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that starts with `tokens`.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn demo() -> procore::Result<()> {
    /// use std::sync::Arc;
    /// use std::time::{Duration, SystemTime};
    /// use procore::{Client, MemoryTokenStore, TokenSet};
    ///
    /// let tokens = TokenSet::new(
    ///     "access-token",
    ///     Some("refresh-token".into()),
    ///     Some(SystemTime::now() + Duration::from_secs(5400)),
    /// );
    /// let client = Client::builder()
    ///     .stored_tokens("my-client-id", "my-client-secret")
    ///     .token_store(Arc::new(MemoryTokenStore::with_tokens(tokens)))
    ///     .build()?;
    /// # let _ = client;
    /// # Ok(()) }
    /// ```
    pub fn with_tokens(tokens: TokenSet) -> Self {
        MemoryTokenStore {
            slot: Mutex::new(Some(tokens)),
        }
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<TokenSet>> {
        // A panic while holding this lock cannot leave a half-written Option: recover.
        self.slot.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl std::fmt::Debug for MemoryTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryTokenStore")
            .field("tokens", &*self.slot())
            .finish()
    }
}

#[async_trait]
impl TokenStore for MemoryTokenStore {
    async fn load(&self) -> Result<Option<TokenSet>> {
        Ok(self.slot().clone())
    }

    async fn save(&self, tokens: &TokenSet) -> Result<()> {
        *self.slot() = Some(tokens.clone());
        Ok(())
    }

    async fn clear(&self) -> Result<()> {
        *self.slot() = None;
        Ok(())
    }
}
