//! Core `tracing` events -> Python's `logging`, logger `procore`.
//!
//! A `tracing` layer is installed once at import. Whether an event is wanted is decided
//! without the GIL from a cached threshold ([`refresh_level`] reads the logger's effective
//! level at every client call, when the GIL is held anyway), so disabled levels cost one
//! atomic load. Wanted events take the GIL and go to `logging.getLogger("procore").log(...)`
//! with the Rust target in `record.procore_target`. Field values whose name mentions a token,
//! secret, password or authorization are replaced by `[redacted]` (the core never logs one;
//! this is a second belt).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU8, Ordering};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;

/// 0 = nothing, 1 = error, 2 = warn, 3 = info, 4 = debug, 5 = trace.
static THRESHOLD: AtomicU8 = AtomicU8::new(2);
static LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn rank(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 1,
        Level::WARN => 2,
        Level::INFO => 3,
        Level::DEBUG => 4,
        Level::TRACE => 5,
    }
}

fn python_level(level: &Level) -> u32 {
    match *level {
        Level::ERROR => 40,
        Level::WARN => 30,
        Level::INFO => 20,
        Level::DEBUG => 10,
        Level::TRACE => 5,
    }
}

fn logger(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    LOGGER
        .get_or_try_init(py, || -> PyResult<Py<PyAny>> {
            Ok(py
                .import("logging")?
                .call_method1("getLogger", ("procore",))?
                .unbind())
        })
        .map(|l| l.bind(py))
}

/// Re-reads the `procore` logger's effective level (cheap; called at every client call).
pub fn refresh_level(py: Python<'_>) {
    let Ok(level) = logger(py).and_then(|l| l.call_method0("getEffectiveLevel")?.extract::<u32>())
    else {
        return;
    };
    let t = match level {
        0..=5 => 5,
        6..=10 => 4,
        11..=20 => 3,
        21..=30 => 2,
        31..=40 => 1,
        _ => 0,
    };
    THRESHOLD.store(t, Ordering::Relaxed);
}

struct PyLogLayer;

fn wanted(meta: &Metadata<'_>) -> bool {
    rank(meta.level()) <= THRESHOLD.load(Ordering::Relaxed) && meta.target().starts_with("procore")
}

#[derive(Default)]
struct Message {
    message: String,
    fields: String,
}

fn secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["token", "secret", "password", "authorization", "bearer"]
        .iter()
        .any(|s| n.contains(s))
}

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else if secret_name(field.name()) {
            let _ = write!(self.fields, " {}=[redacted]", field.name());
        } else {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else if secret_name(field.name()) {
            let _ = write!(self.fields, " {}=[redacted]", field.name());
        } else {
            let _ = write!(self.fields, " {}={value}", field.name());
        }
    }
}

impl<S: Subscriber> Layer<S> for PyLogLayer {
    fn register_callsite(
        &self,
        _meta: &'static Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        // The threshold changes at run time: ask `enabled` every time.
        tracing::subscriber::Interest::sometimes()
    }

    fn enabled(&self, meta: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        wanted(meta)
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        if !wanted(meta) {
            return;
        }
        let mut m = Message::default();
        event.record(&mut m);
        let text = format!("{}{}", m.message, m.fields);
        let level = python_level(meta.level());
        let target = meta.target();
        // `try_attach`: never block or panic while the interpreter is finalizing.
        let _ = Python::try_attach(|py| -> PyResult<()> {
            let extra = PyDict::new(py);
            extra.set_item("procore_target", target)?;
            let kwargs = PyDict::new(py);
            kwargs.set_item("extra", extra)?;
            logger(py)?.call_method("log", (level, "%s", text), Some(&kwargs))?;
            Ok(())
        });
    }
}

/// Installs the layer as the global `tracing` subscriber of this extension (once).
pub fn install(py: Python<'_>) {
    refresh_level(py);
    let _ =
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(PyLogLayer));
}
