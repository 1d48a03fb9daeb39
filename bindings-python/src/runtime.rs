//! The tokio runtime every call runs on, and the two ways Python waits for it.
//!
//! **Fork safety.** A tokio runtime does not survive `os.fork()`: its worker threads exist only
//! in the parent, so a child that used the parent's runtime would hang (delta-rs, opendal and
//! obstore all hit this). The runtime here is kept per fork generation: a `pthread_atfork`
//! child handler counts forks, and when [`runtime`] sees a new count it builds a fresh runtime
//! and *leaks* the parent's (dropping it would try to join threads that do not exist in the
//! child). Lookup is two atomic loads (no `getpid` system call on every call: glibc no longer
//! caches it); no lock is held across a fork. Should the handler not register, the process id
//! is compared instead.
//!
//! **Blocking calls** ([`block_on`]) drive the future on the calling thread with the GIL
//! released, in 50 ms slices; between slices the GIL is taken back to run `check_signals`,
//! so Ctrl-C raises `KeyboardInterrupt` (and the call is dropped). The slices are timed by the
//! thread's own parking, not by a tokio timer: a timer registered on every call made the
//! runtime's driver wake up to take it into account (a system call or two a request).
//!
//! **asyncio** ([`future_into_py`]) spawns on the same runtime and hands answers to the event
//! loop through a queue and a socket the loop watches, so no runtime thread ever waits for the
//! GIL. Loops that cannot watch a socket fall back to `pyo3-async-runtimes`' generic bridge,
//! plugged into this runtime by [`ForkSafeRuntime`] (rather than that crate's global, not
//! fork-safe, runtime).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, RecvTimeoutError};
use std::sync::{Arc, Once};
use std::task::{Context, Poll, Wake};
use std::time::{Duration, Instant};

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::IntoPyObjectExt as _;
use pyo3_async_runtimes::generic::{ContextExt, Runtime as GenericRuntime};
use pyo3_async_runtimes::TaskLocals;
use tokio::runtime::Runtime;

struct Entry {
    /// The [`process_key`] of the process it was built in.
    process: u64,
    runtime: Runtime,
}

/// Forks seen in this process's line (bumped in the child by the `pthread_atfork` handler).
static FORKS: AtomicU64 = AtomicU64::new(0);
/// True once the handler is registered (then `FORKS` alone tells a child from its parent).
static FORK_HOOK: AtomicBool = AtomicBool::new(false);

extern "C" fn count_fork_in_child() {
    FORKS.fetch_add(1, Ordering::AcqRel);
}

/// The fork generation, registering the handler on first use.
fn fork_generation() -> u64 {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // SAFETY: the handler only increments an atomic, which is async-signal-safe and valid
        // in a freshly forked child.
        #[allow(unsafe_code)]
        let rc = unsafe { libc::pthread_atfork(None, None, Some(count_fork_in_child)) };
        FORK_HOOK.store(rc == 0, Ordering::Release);
    });
    FORKS.load(Ordering::Acquire)
}

/// Tells this process from its parent and its children across `fork()`: the fork generation,
/// or, should the handler not have registered, the process id (a system call).
pub fn process_key() -> u64 {
    let generation = fork_generation();
    if FORK_HOOK.load(Ordering::Acquire) {
        generation
    } else {
        (1 << 32) | u64::from(std::process::id())
    }
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
    let process = process_key();
    if let Some(entry) = current() {
        if entry.process == process {
            return Ok(&entry.runtime);
        }
    }
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.enable_all().thread_name("procore-rt");
    if std::env::var_os("TOKIO_WORKER_THREADS").is_none() {
        // One worker on 2 cores: a blocking call made 3.4 context switches instead of 4.5 and
        // took a fifth less CPU; asyncio at 64 tasks and 8 threads went as fast as with two.
        builder.worker_threads(procore::options::runtime_worker_threads());
    }
    let rt = builder.build()?;
    let fresh: &'static mut Entry = Box::leak(Box::new(Entry {
        process,
        runtime: rt,
    }));
    let fresh_ptr: *mut Entry = fresh;
    let seen = CURRENT.load(Ordering::Acquire);
    match CURRENT.compare_exchange(seen, fresh_ptr, Ordering::AcqRel, Ordering::Acquire) {
        // The old entry (the parent's, if any) stays leaked: its threads are not ours.
        Ok(_) => Ok(&fresh.runtime),
        // Another thread of this process won the race: use its runtime (ours stays unused;
        // this happens at most once per thread per process).
        Err(_) => match current() {
            Some(e) if e.process == process => Ok(&e.runtime),
            _ => Ok(&fresh.runtime),
        },
    }
}

pub fn runtime_py() -> PyResult<&'static Runtime> {
    runtime().map_err(|e| PyRuntimeError::new_err(format!("could not start the runtime: {e}")))
}

/// Runs `fut` and waits for it with the GIL released, checking for signals (Ctrl-C) every
/// 50 ms. On a signal the call is dropped (cancelled) and the signal's exception raised.
///
/// The calling thread drives the future itself (`Runtime::block_on`; the runtime's workers
/// run the I/O driver and whatever the call spawns), so the request leaves at once instead of
/// waiting for a woken worker to send it: 20% more blocking calls a second than spawning it
/// on a worker and waiting for the answer. From inside the runtime (a Python callback of a
/// custom store, run by a worker, that makes a blocking call), where `block_on` cannot be
/// used, the call is spawned and waited for instead.
pub fn block_on<F, T>(py: Python<'_>, fut: F) -> PyResult<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let rt = runtime_py()?;
    if tokio::runtime::Handle::try_current().is_ok() {
        return spawn_and_wait(py, rt, fut);
    }
    let mut fut = Box::pin(fut);
    loop {
        let (answer, back) = py.detach(move || (drive(rt, fut.as_mut(), SIGNAL_SLICE), fut));
        fut = back;
        if let Some(value) = answer {
            return Ok(value);
        }
        // On a signal, returning drops the call (every core future is cancel-safe).
        py.check_signals()?;
    }
}

/// Wakes a thread parked in [`drive`].
struct Unpark(std::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `fut` on this thread, inside the runtime's context (its workers run the I/O and
/// timer drivers and the tasks it spawns), parking between polls until woken, for at most
/// `slice`: `None` when the slice ran out first.
fn drive<T>(
    rt: &Runtime,
    mut fut: Pin<&mut impl Future<Output = T>>,
    slice: Duration,
) -> Option<T> {
    let _context = rt.enter();
    let waker = std::task::Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let until = Instant::now() + slice;
    loop {
        if let Poll::Ready(value) = fut.as_mut().poll(&mut cx) {
            return Some(value);
        }
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        // A wake-up that came before parking makes this return at once; a spurious one is
        // only an extra poll.
        std::thread::park_timeout(left);
    }
}

/// [`block_on`] from a runtime thread: the call spawned, its answer waited for.
fn spawn_and_wait<F, T>(py: Python<'_>, rt: &'static Runtime, fut: F) -> PyResult<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
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
///
/// The answer reaches the event loop without the runtime ever taking the GIL: the task puts
/// it in its loop's [`Completions`] queue and writes one byte to a socket the loop watches
/// (`add_reader`); the loop's thread, which holds the GIL anyway, then settles every finished
/// future in one go. (`pyo3-async-runtimes` takes the GIL in the task to call
/// `call_soon_threadsafe`, so a runtime worker waited for the loop's thread to let go of the
/// GIL at every answer, and the other calls on that worker with it.) Cancelling the awaitable
/// aborts the task. A loop without `add_reader` (Windows' proactor) or without attributes
/// gets `pyo3-async-runtimes`' bridge instead.
pub fn future_into_py<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let event_loop = pyo3_async_runtimes::get_running_loop(py)?;
    #[cfg(not(unix))]
    let completions: Option<std::sync::Arc<Completions>> = None;
    #[cfg(unix)]
    let completions = Completions::of(py, &event_loop)?;
    let Some(completions) = completions else {
        return pyo3_async_runtimes::generic::future_into_py::<ForkSafeRuntime, F, T>(py, fut);
    };
    let awaitable = event_loop.call_method0("create_future")?;
    let target = awaitable.clone().unbind();
    let task = runtime_py()?.spawn(async move {
        let result = fut.await;
        completions.push(
            target,
            Box::new(move |py| result.and_then(|v| v.into_bound_py_any(py).map(Bound::unbind))),
        );
    });
    awaitable.call_method1(
        "add_done_callback",
        (AbortOnCancel {
            task: task.abort_handle(),
        },),
    )?;
    Ok(awaitable)
}

/// Turns an answer into its Python value (with the GIL, on the loop's thread).
type Settle = Box<dyn FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send>;

/// Finished calls of one event loop, waiting for its thread to settle their futures.
struct Completions {
    done: std::sync::Mutex<Vec<(Py<PyAny>, Settle)>>,
    /// Written to (one byte) when `done` stops being empty; the loop reads the other end.
    #[cfg(unix)]
    wake: std::os::unix::net::UnixStream,
    #[cfg(unix)]
    watched: std::os::unix::net::UnixStream,
}

/// The attribute of an event loop holding its [`Completions`].
const LOOP_ATTRIBUTE: &str = "_procore_completions";

impl Completions {
    /// The loop's completions, set up on first use; `None` when the loop cannot watch a
    /// socket or keep an attribute.
    #[cfg(unix)]
    fn of(
        py: Python<'_>,
        event_loop: &Bound<'_, PyAny>,
    ) -> PyResult<Option<std::sync::Arc<Completions>>> {
        if let Ok(held) = event_loop.getattr(LOOP_ATTRIBUTE) {
            if let Ok(held) = held.cast::<LoopCompletions>() {
                return Ok(Some(held.get().0.clone()));
            }
        }
        let Ok((wake, watched)) = std::os::unix::net::UnixStream::pair() else {
            return Ok(None);
        };
        if wake.set_nonblocking(true).is_err() || watched.set_nonblocking(true).is_err() {
            return Ok(None);
        }
        use std::os::fd::AsRawFd as _;
        let fd = watched.as_raw_fd();
        let completions = std::sync::Arc::new(Completions {
            done: std::sync::Mutex::new(Vec::new()),
            wake,
            watched,
        });
        let holder = Bound::new(py, LoopCompletions(completions.clone()))?;
        if event_loop.setattr(LOOP_ATTRIBUTE, &holder).is_err() {
            return Ok(None);
        }
        let drain = Bound::new(py, Drain(completions.clone()))?;
        if event_loop.call_method1("add_reader", (fd, drain)).is_err() {
            let _ = event_loop.delattr(LOOP_ATTRIBUTE);
            return Ok(None);
        }
        Ok(Some(completions))
    }

    /// From a runtime task, without the GIL.
    fn push(&self, target: Py<PyAny>, settle: Settle) {
        let first = {
            let mut done = self.done.lock().unwrap_or_else(|p| p.into_inner());
            done.push((target, settle));
            done.len() == 1
        };
        #[cfg(unix)]
        if first {
            use std::io::Write as _;
            // A full socket already has a wake-up waiting: nothing is lost.
            let _ = (&self.wake).write(&[1]);
        }
    }

    /// On the loop's thread: settles every finished call.
    fn drain(&self, py: Python<'_>) {
        // The wake-ups first, then the queue: an answer pushed in between is settled now and
        // leaves a byte behind for one more (empty) round, never a lost one.
        #[cfg(unix)]
        {
            use std::io::Read as _;
            let mut bytes = [0u8; 256];
            while matches!((&self.watched).read(&mut bytes), Ok(n) if n > 0) {}
        }
        let done = std::mem::take(&mut *self.done.lock().unwrap_or_else(|p| p.into_inner()));
        for (target, settle) in done {
            let target = target.bind(py);
            // Cancelled meanwhile: nobody waits for it.
            if target
                .call_method0("done")
                .and_then(|d| d.is_truthy())
                .unwrap_or(true)
            {
                continue;
            }
            let _ = match settle(py) {
                Ok(value) => target.call_method1("set_result", (value,)),
                Err(e) => target.call_method1("set_exception", (e.into_value(py),)),
            };
        }
    }
}

/// Held by an event loop (as an attribute) for as long as it lives.
#[pyclass(frozen)]
struct LoopCompletions(std::sync::Arc<Completions>);

/// The loop's reader callback.
#[pyclass(frozen)]
struct Drain(std::sync::Arc<Completions>);

#[pymethods]
impl Drain {
    fn __call__(&self, py: Python<'_>) {
        self.0.drain(py);
    }
}

/// The awaitable's done callback: a cancelled awaitable aborts its task.
#[pyclass(frozen)]
struct AbortOnCancel {
    task: tokio::task::AbortHandle,
}

#[pymethods]
impl AbortOnCancel {
    fn __call__(&self, awaitable: &Bound<'_, PyAny>) {
        if awaitable
            .call_method0("cancelled")
            .and_then(|c| c.is_truthy())
            .unwrap_or(false)
        {
            self.task.abort();
        }
    }
}
