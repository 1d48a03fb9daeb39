//! Upload progress callbacks. The core calls its progress function on a runtime thread; it
//! only queues (`procore::uploads::progress_relay`), and one blocking-pool thread hands each
//! record to the JavaScript callback through a weak threadsafe function (it never keeps the
//! event loop alive), waiting for each call so that they arrive in order. The upload's promise
//! settles after the last call. An exception thrown by the callback is ignored (the upload
//! goes on).

use napi::bindgen_prelude::*;
use napi::threadsafe_function::ThreadsafeFunction;

/// `(progressJson: string) => void`, weak, errors not callee-handled.
pub type JsProgress = ThreadsafeFunction<String, Unknown<'static>, String, Status, false, true>;

/// The core's progress function and the draining task, for a JavaScript callback (or none).
pub fn relay(
    callback: Option<JsProgress>,
) -> (
    Option<procore::uploads::ProgressFn>,
    Option<tokio::task::JoinHandle<()>>,
) {
    let Some(callback) = callback else {
        return (None, None);
    };
    let (f, rx) = procore::uploads::progress_relay();
    let handle = tokio::runtime::Handle::current();
    let drain = tokio::task::spawn_blocking(move || {
        for p in rx {
            let _ = handle.block_on(callback.call_async_catch(p.to_json().to_string()));
        }
    });
    (Some(f), Some(drain))
}

/// Waits until every progress call has been made.
pub async fn finish(drain: Option<tokio::task::JoinHandle<()>>) {
    if let Some(d) = drain {
        let _ = d.await;
    }
}
