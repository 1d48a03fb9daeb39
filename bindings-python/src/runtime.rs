//! The tokio runtime every call runs on, and the two ways Python waits for it.
//!
//! **Fork safety.** A tokio runtime does not survive `os.fork()`: its worker threads exist only
//! in the parent, so a child that used the parent's runtime would hang (delta-rs, opendal and
//! obstore all hit this). The runtime here is kept per process id: when [`runtime`] sees a new
//! pid it builds a fresh runtime and *leaks* the parent's (dropping it would try to join
//! threads that do not exist in the child). Lookup is one atomic load and a `getpid`; no lock
//! is held across a fork.
//!
//! **Blocking calls** ([`block_on`]) spawn the future on the runtime and wait for its answer
//! with the GIL released, in 50 ms slices; between slices the GIL is taken back to run
//! `check_signals`, so Ctrl-C raises `KeyboardInterrupt` (and the Rust task is aborted).
//!
//! **asyncio** ([`ForkSafeRuntime`]) plugs the same runtime into `pyo3-async-runtimes`'
//! generic bridge, so `future_into_py` spawns on it rather than on that crate's global
//! (not fork-safe) runtime.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::mpsc::{sync_channel, RecvTimeoutError};
use std::time::Duration;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3_async_runtimes::generic::{ContextExt, Runtime as GenericRuntime};
use pyo3_async_runtimes::TaskLocals;
use tokio::runtime::Runtime;

struct Entry {
    pid: u32,
    runtime: Runtime,
}

/// The current process's runtime. Entries are leaked on purpose and never freed.
static CURRENT: AtomicPtr<Entry> = AtomicPtr::new(std::ptr::null_mut());

/// How long a blocking wait sleeps between two signal checks.
const SIGNAL_SLICE: Duration = Duration::from_millis(50);

fn current() -> Option<&'static Entry> {
    let ptr = CURRENT.load(Ordering::Acquire);
    // SAFETY: a non-null pointer in CURRENT always comes from `Box::leak` below and is never
    // freed, so it is valid for 'static; entries are never mutated after publication.
    #[allow(unsafe_code)]
    unsafe {
        ptr.as_ref()
    }
}

/// This process's runtime, built on first use and again after a fork.
pub fn runtime() -> std::io::Result<&'static Runtime> {
    let pid = std::process::id();
    if let Some(entry) = current() {
        if entry.pid == pid {
            return Ok(&entry.runtime);
        }
    }
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.enable_all().thread_name("procore-rt");
    if std::env::var_os("TOKIO_WORKER_THREADS").is_none() {
        builder.worker_threads(worker_threads());
    }
    let rt = builder.build()?;
    let fresh: &'static mut Entry = Box::leak(Box::new(Entry { pid, runtime: rt }));
    let fresh_ptr: *mut Entry = fresh;
    let seen = CURRENT.load(Ordering::Acquire);
    match CURRENT.compare_exchange(seen, fresh_ptr, Ordering::AcqRel, Ordering::Acquire) {
        // The old entry (the parent's, if any) stays leaked: its threads are not ours.
        Ok(_) => Ok(&fresh.runtime),
        // Another thread of this process won the race: use its runtime (ours stays unused;
        // this happens at most once per thread per process).
        Err(_) => match current() {
            Some(e) if e.pid == pid => Ok(&e.runtime),
            _ => Ok(&fresh.runtime),
        },
    }
}

/// Half the cores, at least 1 and at most 4 (`TOKIO_WORKER_THREADS` overrides it): the GIL
/// keeps Python's side of the calls to about one core, and a worker more than the calls need
/// is woken (and sleeps again) for each of them. With one worker on 2 cores, a blocking call
/// made 3.4 context switches instead of 4.5 and took a fifth less CPU; asyncio at 64 tasks and
/// 8 threads went as fast as with two.
fn worker_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .div_ceil(2)
        .clamp(1, 4)
}

pub fn runtime_py() -> PyResult<&'static Runtime> {
    runtime().map_err(|e| PyRuntimeError::new_err(format!("could not start the runtime: {e}")))
}

/// Runs `fut` on the runtime and waits for it with the GIL released, checking for signals
/// (Ctrl-C) every 50 ms. On a signal the task is aborted and the signal's exception raised.
pub fn block_on<F, T>(py: Python<'_>, fut: F) -> PyResult<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let rt = runtime_py()?;
    let (tx, rx) = sync_channel::<T>(1);
    let task = rt.spawn(async move {
        let _ = tx.send(fut.await);
    });
    let mut rx = rx;
    loop {
        let (answer, back) = py.detach(move || (rx.recv_timeout(SIGNAL_SLICE), rx));
        rx = back;
        match answer {
            Ok(value) => return Ok(value),
            Err(RecvTimeoutError::Timeout) => {
                if let Err(e) = py.check_signals() {
                    task.abort();
                    return Err(e);
                }
            }
            Err(RecvTimeoutError::Disconnected) => {
                return Err(PyRuntimeError::new_err(
                    "the request task ended without an answer (runtime shut down or panic)",
                ))
            }
        }
    }
}

/// `pyo3-async-runtimes`' generic runtime, backed by [`runtime`].
pub struct ForkSafeRuntime;

tokio::task_local! {
    static LOCALS: TaskLocals;
}

#[allow(clippy::expect_used)]
fn runtime_or_abort() -> &'static Runtime {
    // Only fails when the OS refuses threads; there is no caller to return an error to here.
    runtime().expect("procore: could not start the tokio runtime")
}

impl GenericRuntime for ForkSafeRuntime {
    type JoinError = tokio::task::JoinError;
    type JoinHandle = tokio::task::JoinHandle<()>;

    fn spawn<F>(fut: F) -> Self::JoinHandle
    where
        F: Future<Output = ()> + Send + 'static,
    {
        runtime_or_abort().spawn(fut)
    }

    fn spawn_blocking<F>(f: F) -> Self::JoinHandle
    where
        F: FnOnce() + Send + 'static,
    {
        runtime_or_abort().spawn_blocking(f)
    }
}

impl ContextExt for ForkSafeRuntime {
    fn scope<F, R>(locals: TaskLocals, fut: F) -> Pin<Box<dyn Future<Output = R> + Send>>
    where
        F: Future<Output = R> + Send + 'static,
    {
        Box::pin(LOCALS.scope(locals, fut))
    }

    fn get_task_locals() -> Option<TaskLocals> {
        LOCALS.try_with(|l| l.clone()).ok()
    }
}

/// Turns a Rust future into an asyncio awaitable running on the fork-safe runtime.
pub fn future_into_py<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    pyo3_async_runtimes::generic::future_into_py::<ForkSafeRuntime, F, T>(py, fut)
}
