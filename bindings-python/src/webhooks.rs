//! `WebhookReceiver`: the core's `procore::webhooks::Receiver` (destination headers checked in
//! constant time, the payload read, repeats recognised in memory or in Redis).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyMapping};

use crate::errors::{IntoPyResult, Outcome};
use crate::json as pyjson;
use crate::options;
use crate::pagination::JsonValue;
use crate::runtime::{block_on, future_into_py};

/// Judges webhook deliveries: `receive(headers, body)` returns `{"verdict": "accepted" |
/// "duplicate" | "rejected", "status": 200 | 401, "key", "event"}`.
///
/// ``WebhookReceiver(headers, *, remember=None, redis_url=None, redis_prefix=None, ttl=None)``:
/// ``headers`` are the destination headers every authentic delivery carries (checked in
/// constant time); repeats are remembered in memory (``remember`` keys) or in Redis
/// (``redis_url``, ``redis_prefix``, ``ttl`` seconds), shared by every receiver process.
///
/// Example::
///
///     receiver = procore.WebhookReceiver({"Authorization": "Bearer s3cret"})
///
///     @app.post("/procore")
///     def hook():
///         d = receiver.receive(request.headers, request.get_data())
///         if d["verdict"] == "accepted":
///             handle(d["event"])
///         return "", d["status"]
#[pyclass(module = "procore._procore", frozen)]
pub struct WebhookReceiver {
    inner: std::sync::Arc<procore::webhooks::Receiver>,
}

/// The received headers as owned pairs (a mapping, or a list of pairs as WSGI and ASGI give).
fn received(v: &Bound<'_, PyAny>) -> PyResult<Vec<(String, Vec<u8>)>> {
    let items = match v.cast::<PyMapping>() {
        Ok(m) => m.items()?.into_any(),
        Err(_) => v.clone(),
    };
    let mut out = Vec::new();
    for item in items.try_iter()? {
        let item = item?;
        let (k, val): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
        let text = |x: &Bound<'_, PyAny>| -> PyResult<Vec<u8>> {
            match x.extract::<Vec<u8>>() {
                Ok(b) if !x.is_instance_of::<pyo3::types::PyString>() => Ok(b),
                _ => Ok(x.extract::<String>()?.into_bytes()),
            }
        };
        out.push((
            String::from_utf8_lossy(&text(&k)?).into_owned(),
            text(&val)?,
        ));
    }
    Ok(out)
}

async fn judge(
    r: std::sync::Arc<procore::webhooks::Receiver>,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
) -> procore::Result<serde_json::Value> {
    let pairs = headers.iter().map(|(k, v)| (k.as_str(), v.as_slice()));
    r.receive(pairs, &body).await.map(|d| d.to_json())
}

#[pymethods]
impl WebhookReceiver {
    #[new]
    #[pyo3(signature = (headers, **options))]
    fn new(
        py: Python<'_>,
        headers: &Bound<'_, PyAny>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let o = options::receiver(headers, options)?;
        let inner = procore::webhooks::Receiver::from_options(o).py(py)?;
        Ok(WebhookReceiver {
            inner: std::sync::Arc::new(inner),
        })
    }

    /// Judges one delivery (blocking; waits for Redis with a Redis dedupe): the headers as a
    /// mapping or a list of pairs (WSGI, ASGI), and the raw body.
    ///
    /// Example::
    ///
    ///     d = receiver.receive({"Authorization": "Bearer s3cret"}, b'{"id": 1, "resource_name": "RFIs"}')
    ///     print(d["verdict"], d["status"])
    fn receive<'py>(
        &self,
        py: Python<'py>,
        headers: &Bound<'_, PyAny>,
        body: Vec<u8>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let h = received(headers)?;
        let v = block_on(py, judge(self.inner.clone(), h, body))?.py(py)?;
        pyjson::value_to_py(py, &v)
    }

    /// Awaitable `receive`.
    ///
    /// Example::
    ///
    ///     d = await receiver.receive_async(scope_headers, await request.body())
    fn receive_async<'py>(
        &self,
        py: Python<'py>,
        headers: &Bound<'_, PyAny>,
        body: Vec<u8>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let h = received(headers)?;
        let r = self.inner.clone();
        future_into_py(py, async move {
            Ok(Outcome::from(judge(r, h, body).await.map(JsonValue)))
        })
    }

    fn __repr__(&self) -> String {
        format!("<procore.WebhookReceiver {:?}>", self.inner)
    }
}
