//! A JSON token file shared by processes on one machine.
//!
//! Writes are durable and atomic: a temp file in the same directory (mode 0600), fsync, rename
//! over the target, fsync the directory. A crash at any point leaves either the old or the new
//! file, never a torn one. The cross-process lock is an OS advisory lock (`flock`) on
//! `<file>.lock`, which dies with its process: a killed process never leaves a stale lock.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use async_trait::async_trait;

use super::{StoreLock, StoreStamp, TokenStore};
use crate::auth::TokenSet;
use crate::error::{Error, Result};

/// Keeps the token set in a JSON file (mode 0600), locked with `flock` across processes.
#[derive(Clone, Debug)]
pub struct FileTokenStore {
    path: PathBuf,
}

impl FileTokenStore {
    /// A store at `path`. The file need not exist yet; its directory is created on first save.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn demo() -> procore::Result<()> {
    /// use std::sync::Arc;
    /// use procore::{Client, FileTokenStore};
    ///
    /// // Every process pointing at this file shares one token set and refreshes it in turn.
    /// let store = Arc::new(FileTokenStore::new("/var/lib/myapp/procore-tokens.json"));
    /// let client = Client::builder()
    ///     .stored_tokens("my-client-id", "my-client-secret")
    ///     .token_store(store)
    ///     .build()?;
    /// # let _ = client;
    /// # Ok(()) }
    /// ```
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileTokenStore { path: path.into() }
    }

    /// The token file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock_path(&self) -> PathBuf {
        let mut name = self
            .path
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        name.push(".lock");
        self.path.with_file_name(name)
    }

    fn dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::Store(format!("{what} {}: {e}", path.display()))
}

fn load_sync(path: &Path) -> Result<Option<TokenSet>> {
    match fs::read_to_string(path) {
        Ok(text) => TokenSet::from_json(&text).map(Some).map_err(|e| {
            Error::Store(format!(
                "{} is corrupt and was left untouched: {e}",
                path.display()
            ))
        }),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err("cannot read token file", path, e)),
    }
}

fn save_sync(path: &Path, dir: &Path, json: &str) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| io_err("cannot create directory", dir, e))?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{file_name}.tmp-{}-{:016x}",
        std::process::id(),
        rand::random::<u64>()
    ));
    let result = (|| {
        let mut f = open_private(&tmp)?;
        f.write_all(json.as_bytes())
            .and_then(|_| f.sync_all())
            .map_err(|e| io_err("cannot write", &tmp, e))?;
        drop(f);
        fs::rename(&tmp, path).map_err(|e| io_err("cannot replace", path, e))?;
        // The rename is durable only once the directory entry is.
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        remove_orphaned_temp_files(dir, &file_name);
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Removes temp files left by writers that were killed before their rename (their process is
/// gone). Best effort: only on systems with `/proc`.
fn remove_orphaned_temp_files(dir: &Path, file_name: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let prefix = format!(".{file_name}.tmp-");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(&prefix) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = fs::remove_file(entry.path());
        }
    }
}

fn open_private(path: &Path) -> Result<File> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
        .map_err(|e| io_err("cannot create", path, e))
}

struct FileLock {
    file: Option<File>,
}

#[async_trait]
impl StoreLock for FileLock {
    async fn release(mut self: Box<Self>) -> Result<()> {
        if let Some(f) = self.file.take() {
            // Closing the descriptor releases the flock; unlock first to be explicit.
            let _ = f.unlock();
        }
        Ok(())
    }
}

#[async_trait]
impl TokenStore for FileTokenStore {
    async fn load(&self) -> Result<Option<TokenSet>> {
        let path = self.path.clone();
        blocking(move || load_sync(&path)).await
    }

    async fn save(&self, tokens: &TokenSet) -> Result<()> {
        let (path, dir, json) = (self.path.clone(), self.dir(), tokens.to_json());
        blocking(move || save_sync(&path, &dir, &json)).await
    }

    async fn clear(&self) -> Result<()> {
        let path = self.path.clone();
        blocking(move || match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err("cannot remove", &path, e)),
        })
        .await
    }

    async fn lock(&self) -> Result<Option<Box<dyn StoreLock>>> {
        let (lock_path, dir) = (self.lock_path(), self.dir());
        let file = blocking(move || {
            fs::create_dir_all(&dir).map_err(|e| io_err("cannot create directory", &dir, e))?;
            let mut opts = OpenOptions::new();
            opts.read(true).write(true).create(true).truncate(false);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let f = opts
                .open(&lock_path)
                .map_err(|e| io_err("cannot open lock file", &lock_path, e))?;
            f.lock().map_err(|e| io_err("cannot lock", &lock_path, e))?;
            Ok(f)
        })
        .await?;
        Ok(Some(Box::new(FileLock { file: Some(file) })))
    }

    /// Runs inline (a `stat` and a non-blocking `flock` take microseconds on a local disk),
    /// since it is taken before every call.
    async fn stamp(&self) -> Result<Option<StoreStamp>> {
        Ok(Some(stamp_sync(&self.path, &self.lock_path())))
    }
}

/// The token file's identity and the lock's state, from two cheap system calls (a `stat`, and
/// an open with a non-blocking shared `flock` of the lock file). A save renames a new file
/// over the old one, so the inode changes at every write.
fn stamp_sync(path: &Path, lock_path: &Path) -> StoreStamp {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    match fs::metadata(path) {
        Ok(m) => {
            m.len().hash(&mut h);
            m.modified().ok().hash(&mut h);
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt;
                (m.dev(), m.ino(), m.ctime(), m.ctime_nsec()).hash(&mut h);
            }
        }
        Err(_) => 0u8.hash(&mut h),
    }
    let refreshing = match File::open(lock_path) {
        Ok(f) => match f.try_lock_shared() {
            Ok(()) => {
                let _ = f.unlock();
                false
            }
            Err(std::fs::TryLockError::WouldBlock) => true,
            Err(_) => false,
        },
        Err(_) => false,
    };
    StoreStamp {
        stamp: h.finish(),
        refreshing,
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Store(format!("token store task failed: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn save_load_and_mode() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileTokenStore::new(dir.path().join("sub/tokens.json"));
        assert!(store.load().await.unwrap().is_none());
        let t = TokenSet::new("a", Some("r".into()), None).with_version(3);
        store.save(&t).await.unwrap();
        let back = store.load().await.unwrap().unwrap();
        assert!(back.same_set(&t));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(store.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // No temp files are left behind.
        let names: Vec<_> = fs::read_dir(dir.path().join("sub"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        store.clear().await.unwrap();
        assert!(store.load().await.unwrap().is_none());
    }

    #[tokio::test]
    async fn corrupt_file_is_an_error_and_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        fs::write(&path, "{\"access_token\": \"abc").unwrap();
        let store = FileTokenStore::new(&path);
        let e = store.load().await.unwrap_err();
        assert_eq!(e.code(), "store");
        assert!(e.to_string().contains("corrupt"));
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "{\"access_token\": \"abc"
        );
    }

    #[tokio::test]
    async fn the_stamp_changes_with_each_save_and_shows_a_held_lock() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileTokenStore::new(dir.path().join("t.json"));
        let empty = store.stamp().await.unwrap().unwrap();
        assert!(!empty.refreshing);
        let t = TokenSet::new("a", Some("r".into()), None);
        store.save(&t).await.unwrap();
        let first = store.stamp().await.unwrap().unwrap();
        assert_ne!(first.stamp, empty.stamp);
        assert_eq!(
            store.stamp().await.unwrap().unwrap(),
            first,
            "stable while unchanged"
        );
        store.save(&t.clone().with_version(1)).await.unwrap();
        let second = store.stamp().await.unwrap().unwrap();
        assert_ne!(second.stamp, first.stamp);
        let held = store.lock().await.unwrap().unwrap();
        assert!(store.stamp().await.unwrap().unwrap().refreshing);
        held.release().await.unwrap();
        assert!(!store.stamp().await.unwrap().unwrap().refreshing);
    }

    #[tokio::test]
    async fn lock_excludes_a_second_holder() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileTokenStore::new(dir.path().join("t.json"));
        let held = store.lock().await.unwrap().unwrap();
        let other = store.clone();
        let waiter =
            tokio::spawn(async move { other.lock().await.unwrap().unwrap().release().await });
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert!(!waiter.is_finished(), "second lock must wait for the first");
        held.release().await.unwrap();
        waiter.await.unwrap().unwrap();
    }
}
