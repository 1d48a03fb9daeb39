//! One Redis connection for the Redis token store and the Redis rate budget (feature `redis`):
//! opened on first use, reconnected by a connection manager, and each command resent once
//! after a connection failure (the first command after an outage meets the manager's stale
//! connection). Errors are typed `store` errors that never quote the URL.

use std::future::Future;
use std::time::Duration;

use redis::aio::ConnectionManager;
use tokio::sync::OnceCell;

use crate::error::{Error, Result};

/// A lazily opened, self-healing connection.
pub(crate) struct RedisLink {
    client: redis::Client,
    conn: OnceCell<ConnectionManager>,
    timeout: Duration,
    /// Names the user in error messages ("redis", "redis rate budget").
    name: &'static str,
}

impl RedisLink {
    /// A link to `url` (`redis://`, `rediss://`). The parse error is not shown: it could quote
    /// the URL, password included.
    pub(crate) fn open(url: &str, name: &'static str, timeout: Duration) -> Result<Self> {
        let client = redis::Client::open(url).map_err(|_| {
            Error::config(
                "invalid redis URL: use redis://[user:password@]host:port[/db] or rediss://...",
            )
        })?;
        Ok(RedisLink {
            client,
            conn: OnceCell::new(),
            timeout,
            name,
        })
    }

    /// A `store` error for a failed `what`. Redis errors never contain the URL's password (the
    /// client does not print it), but they may name the host: fine for an operator.
    pub(crate) fn error(&self, what: &str, e: redis::RedisError) -> Error {
        Error::Store(format!("{} {what} failed: {e}", self.name))
    }

    async fn conn(&self) -> Result<ConnectionManager> {
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(self.timeout)
            .set_response_timeout(self.timeout)
            .set_number_of_retries(1);
        self.conn
            .get_or_try_init(|| async {
                ConnectionManager::new_with_config(self.client.clone(), config)
                    .await
                    .map_err(|e| self.error("connect", e))
            })
            .await
            .cloned()
    }

    /// Runs `op` on the connection; after a connection failure, once more.
    pub(crate) async fn run<T, F, Fut>(&self, what: &str, op: F) -> Result<T>
    where
        F: Fn(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let conn = self.conn().await?;
        match op(conn.clone()).await {
            Ok(v) => Ok(v),
            Err(e) if e.is_io_error() || e.is_connection_dropped() || e.is_connection_refusal() => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                op(conn).await.map_err(|e| self.error(what, e))
            }
            Err(e) => Err(self.error(what, e)),
        }
    }

    /// The connection itself, for a holder that keeps it (a lease).
    pub(crate) async fn connection(&self) -> Result<ConnectionManager> {
        self.conn().await
    }
}
