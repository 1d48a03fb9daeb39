//! Upload progress callbacks. The core calls its progress function on a runtime thread, where
//! taking the GIL would stall the runtime; so the function only queues
//! (`procore::uploads::progress_relay`) and one plain thread drains the queue, calling the
//! Python callable with the GIL. The upload's future waits for that thread before it
//! resolves, so every call has happened when `upload()` returns. An exception raised by the
//! callable is reported as unraisable (like an exception in a `__del__`) and does not stop
//! the upload.

use pyo3::prelude::*;

use crate::json as pyjson;

/// The core's progress function and the draining thread, for a Python callable (or none).
pub fn relay(
    callable: Option<Py<PyAny>>,
) -> (
    Option<procore::uploads::ProgressFn>,
    Option<std::thread::JoinHandle<()>>,
) {
    let Some(callable) = callable else {
        return (None, None);
    };
    let (f, rx) = procore::uploads::progress_relay();
    let drain = std::thread::spawn(move || {
        for p in rx {
            Python::attach(|py| {
                let call =
                    pyjson::value_to_py(py, &p.to_json()).and_then(|d| callable.call1(py, (d,)));
                if let Err(e) = call {
                    e.write_unraisable(py, None);
                }
            });
        }
    });
    (Some(f), Some(drain))
}

/// Waits (off the runtime's threads) until every progress call has been made.
pub async fn finish(drain: Option<std::thread::JoinHandle<()>>) {
    if let Some(d) = drain {
        let _ = tokio::task::spawn_blocking(move || d.join()).await;
    }
}
