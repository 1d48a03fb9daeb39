//! Keyword arguments -> the core's options (`procore::options`), the one place where the
//! Python names are listed. Every check (ids, attempts, durations, the query rule, the
//! environment, the credentials) is the core's; here values only change representation.
//! A keyword that is not an option is a `TypeError`, as for any Python call.

use std::sync::Arc;

use procore::{AuthOptions, CallOptions, ClientOptions, Num, PaginateOptions, QueryValue, Span};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple};

use crate::errors::IntoPyResult;
use crate::json as pyjson;
use crate::stores::{store_from_py, tokens_from_py, LoopSlot};

fn unexpected(what: &str, key: &str) -> PyErr {
    PyTypeError::new_err(format!("{what} got an unexpected keyword argument {key:?}"))
}

fn wrong_type(name: &str, want: &str, v: &Bound<'_, PyAny>) -> PyErr {
    let got = v
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into());
    PyTypeError::new_err(format!("{name} must be {want}, not {got}"))
}

fn opt<'py, T>(
    v: &Bound<'py, PyAny>,
    f: impl FnOnce(&Bound<'py, PyAny>) -> PyResult<T>,
) -> PyResult<Option<T>> {
    if v.is_none() {
        Ok(None)
    } else {
        f(v).map(Some)
    }
}

fn text(name: &str, v: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    opt(v, |v| {
        v.cast::<PyString>()
            .map_err(|_| wrong_type(name, "a str", v))?
            .to_cow()
            .map(|c| c.into_owned())
    })
}

fn flag(name: &str, v: &Bound<'_, PyAny>) -> PyResult<Option<bool>> {
    opt(v, |v| {
        v.cast::<PyBool>()
            .map(|b| b.is_true())
            .map_err(|_| wrong_type(name, "a bool", v))
    })
}

/// A number as the core checks it (a bool is not a number here).
fn num(name: &str, v: &Bound<'_, PyAny>) -> PyResult<Option<Num>> {
    opt(v, |v| {
        if v.is_instance_of::<PyBool>() {
            return Err(wrong_type(name, "an int", v));
        }
        if v.is_instance_of::<PyInt>() {
            // Beyond i128 is out of every range: let the core say so.
            return Ok(v
                .extract::<i128>()
                .map(Num::Int)
                .unwrap_or(Num::Int(i128::MAX)));
        }
        if let Ok(f) = v.cast::<PyFloat>() {
            return Ok(Num::Float(f.value()));
        }
        Err(wrong_type(name, "an int", v))
    })
}

/// A number argument by name (for positional ids).
pub fn number(name: &'static str) -> impl Fn(&Bound<'_, PyAny>) -> PyResult<Option<Num>> {
    move |v| num(name, v)
}

/// Seconds, as Python APIs take them.
fn secs(name: &str, v: &Bound<'_, PyAny>) -> PyResult<Option<Span>> {
    opt(v, |v| {
        if v.is_instance_of::<PyBool>() {
            return Err(wrong_type(name, "a number of seconds", v));
        }
        v.extract::<f64>()
            .map(Span::Secs)
            .map_err(|_| wrong_type(name, "a number of seconds", v))
    })
}

/// A Python value as a query value; objects that are none of the JSON kinds (dates,
/// decimals, enums) are sent as their `str()`.
pub fn query_value(v: &Bound<'_, PyAny>) -> PyResult<QueryValue> {
    if v.is_none() {
        return Ok(QueryValue::Null);
    }
    if let Ok(b) = v.cast::<PyBool>() {
        return Ok(QueryValue::Bool(b.is_true()));
    }
    if v.is_instance_of::<PyInt>() {
        return Ok(v
            .extract::<i128>()
            .map(QueryValue::Int)
            .unwrap_or_else(|_| QueryValue::Str(v.to_string())));
    }
    if let Ok(f) = v.cast::<PyFloat>() {
        return Ok(QueryValue::Float(f.value()));
    }
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(QueryValue::Str(s.to_cow()?.into_owned()));
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        return v
            .try_iter()?
            .map(|item| query_value(&item?))
            .collect::<PyResult<_>>()
            .map(QueryValue::List);
    }
    if let Ok(d) = v.cast::<PyDict>() {
        return d
            .iter()
            .map(|(k, v)| Ok((k.str()?.to_cow()?.into_owned(), query_value(&v)?)))
            .collect::<PyResult<_>>()
            .map(QueryValue::Map);
    }
    if let Ok(m) = v.cast::<PyMapping>() {
        return m
            .items()?
            .iter()
            .map(|kv| {
                let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = kv.extract()?;
                Ok((k.str()?.to_cow()?.into_owned(), query_value(&v)?))
            })
            .collect::<PyResult<_>>()
            .map(QueryValue::Map);
    }
    Ok(QueryValue::Str(v.str()?.to_cow()?.into_owned()))
}

/// Fills `o` from one call keyword; false when `key` is not a call option.
fn call_option(o: &mut CallOptions, key: &str, v: &Bound<'_, PyAny>) -> PyResult<bool> {
    match key {
        "params" => o.query = opt(v, query_value)?,
        "json" => o.json = opt(v, |v| pyjson::to_vec(v).map(Into::into))?,
        "company_id" => o.company_id = num(key, v)?,
        "without_company" => o.without_company = flag(key, v)?,
        "version" => o.version = text(key, v)?,
        "timeout" => o.timeout = secs(key, v)?,
        "max_attempts" => o.max_attempts = num(key, v)?,
        "deadline" => o.deadline = secs(key, v)?,
        "raw" => o.raw = flag(key, v)?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// `request(method, path, json=None, **options)`.
pub fn call(
    json: Option<&Bound<'_, PyAny>>,
    kw: Option<&Bound<'_, PyDict>>,
) -> PyResult<CallOptions> {
    let mut o = CallOptions::default();
    if let Some(j) = json {
        call_option(&mut o, "json", j)?;
    }
    for (k, v) in kw.into_iter().flat_map(|d| d.iter()) {
        let key = k.cast::<PyString>()?.to_cow()?;
        if key == "json" && json.is_some() {
            return Err(PyTypeError::new_err("json given twice"));
        }
        if !call_option(&mut o, &key, &v)? {
            return Err(unexpected("request()", &key));
        }
    }
    Ok(o)
}

/// `paginate(path, **options)`.
pub fn paginate(kw: Option<&Bound<'_, PyDict>>) -> PyResult<PaginateOptions> {
    let mut o = PaginateOptions::default();
    for (k, v) in kw.into_iter().flat_map(|d| d.iter()) {
        let key = k.cast::<PyString>()?.to_cow()?;
        match &*key {
            "per_page" => o.per_page = num(&key, &v)?,
            "max_items" => o.max_items = num(&key, &v)?,
            "json" | "raw" => return Err(unexpected("paginate()", &key)),
            _ if call_option(&mut o.call, &key, &v)? => {}
            _ => return Err(unexpected("paginate()", &key)),
        }
    }
    Ok(o)
}

/// Where to connect, shared by `Client` and `OAuthClient`; false when not such a key.
fn place_option(o: &mut ClientOptions, key: &str, v: &Bound<'_, PyAny>) -> PyResult<bool> {
    match key {
        "environment" => o.environment = text(key, v)?,
        "base_url" => o.base_url = text(key, v)?,
        "api_base" => o.api_base = text(key, v)?,
        "login_base" => o.login_base = text(key, v)?,
        _ => return Ok(false),
    }
    Ok(true)
}

fn secret(name: &str, v: &Bound<'_, PyAny>) -> PyResult<Option<procore::SecretString>> {
    Ok(text(name, v)?.map(Into::into))
}

/// `Client(access_token=None, **options)`: the options and, for a custom async store, the
/// slot where each call records its event loop.
pub fn client(
    py: Python<'_>,
    access_token: Option<&Bound<'_, PyAny>>,
    kw: Option<&Bound<'_, PyDict>>,
) -> PyResult<(ClientOptions, Option<Arc<LoopSlot>>)> {
    let mut o = ClientOptions {
        sdk_language: Some("python".into()),
        ..Default::default()
    };
    let mut slot = None;
    if let Some(t) = access_token {
        o.auth.access_token = secret("access_token", t)?;
    }
    for (k, v) in kw.into_iter().flat_map(|d| d.iter()) {
        let key = k.cast::<PyString>()?.to_cow()?;
        let a: &mut AuthOptions = &mut o.auth;
        match &*key {
            "access_token" if access_token.is_some() => {
                return Err(PyTypeError::new_err("access_token given twice"))
            }
            "access_token" => a.access_token = secret(&key, &v)?,
            "client_id" => a.client_id = text(&key, &v)?,
            "client_secret" => a.client_secret = secret(&key, &v)?,
            "refresh_token" => a.refresh_token = secret(&key, &v)?,
            "tokens" => a.tokens = opt(&v, |t| tokens_from_py(t).py(py))?,
            "token_store" => {
                if let Some((store, s)) = opt(&v, store_from_py)? {
                    o.store = Some(store);
                    slot = s;
                }
            }
            "company_id" => o.company_id = num(&key, &v)?,
            "api_version" => o.api_version = text(&key, &v)?,
            "user_agent" => o.user_agent = text(&key, &v)?,
            "connect_timeout" => o.connect_timeout = secs(&key, &v)?,
            "request_timeout" => o.request_timeout = secs(&key, &v)?,
            "refresh_skew" => o.refresh_skew = secs(&key, &v)?,
            "max_attempts" => o.max_attempts = num(&key, &v)?,
            "retry_base_delay" => o.retry_base_delay = secs(&key, &v)?,
            "retry_max_delay" => o.retry_max_delay = secs(&key, &v)?,
            "max_retry_after" => o.max_retry_after = secs(&key, &v)?,
            "deadline" => o.deadline = secs(&key, &v)?,
            "no_deadline" => o.no_deadline = flag(&key, &v)?,
            "rate_limit" => o.rate_limit = flag(&key, &v)?,
            "rate_limit_max_wait" => o.rate_limit_max_wait = secs(&key, &v)?,
            "rate_budget" => o.rate_budget = text(&key, &v)?,
            "max_body_bytes" => o.max_body_bytes = num(&key, &v)?,
            _ if place_option(&mut o, &key, &v)? => {}
            _ => return Err(unexpected("Client()", &key)),
        }
    }
    Ok((o, slot))
}

/// `OAuthClient(client_id, client_secret, **where)`: the environment.
pub fn place(kw: Option<&Bound<'_, PyDict>>) -> PyResult<ClientOptions> {
    let mut o = ClientOptions::default();
    for (k, v) in kw.into_iter().flat_map(|d| d.iter()) {
        let key = k.cast::<PyString>()?.to_cow()?;
        if !place_option(&mut o, &key, &v)? {
            return Err(unexpected("OAuthClient()", &key));
        }
    }
    Ok(o)
}

/// `sync(path, updates, **options)`: `method`, `batch_size` and the call options.
pub fn sync(kw: Option<&Bound<'_, PyDict>>) -> PyResult<procore::SyncOptions> {
    let mut o = procore::SyncOptions::default();
    for (k, v) in kw.into_iter().flat_map(|d| d.iter()) {
        let key = k.cast::<PyString>()?.to_cow()?;
        match &*key {
            "method" => o.method = text(&key, &v)?,
            "batch_size" => o.batch_size = num(&key, &v)?,
            _ if call_option(&mut o.call, &key, &v)? => {}
            _ => return Err(unexpected("sync()", &key)),
        }
    }
    Ok(o)
}

/// `{name: value}` headers (a mapping of str to str).
pub fn headers(name: &str, v: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
    let m = v
        .cast::<PyMapping>()
        .map_err(|_| wrong_type(name, "a dict of str to str", v))?;
    let mut out = Vec::new();
    for item in m.items()?.iter() {
        let (k, val): (String, String) = item
            .extract()
            .map_err(|_| wrong_type(name, "a dict of str to str", v))?;
        out.push((k, val));
    }
    Ok(out)
}

/// `upload(source, **options)`: the options and the progress callable, if any.
pub fn upload(
    kw: Option<&Bound<'_, PyDict>>,
) -> PyResult<(procore::UploadOptions, Option<Py<PyAny>>)> {
    let mut o = procore::UploadOptions::default();
    let mut progress = None;
    for (k, v) in kw.into_iter().flat_map(|d| d.iter()) {
        let key = k.cast::<PyString>()?.to_cow()?;
        match &*key {
            "file_name" => o.file_name = text(&key, &v)?,
            "content_type" => o.content_type = text(&key, &v)?,
            "flow" => o.flow = text(&key, &v)?,
            "segment_size" => o.segment_size = num(&key, &v)?,
            "parallelism" => o.parallelism = num(&key, &v)?,
            "retries" => o.retries = num(&key, &v)?,
            "wait" => o.wait = secs(&key, &v)?,
            "company_id" => o.company_id = num(&key, &v)?,
            "project_id" => o.project_id = num(&key, &v)?,
            "progress" => {
                progress = opt(&v, |f| {
                    if f.is_callable() {
                        Ok(f.clone().unbind())
                    } else {
                        Err(wrong_type("progress", "a callable", f))
                    }
                })?
            }
            _ => return Err(unexpected("upload()", &key)),
        }
    }
    Ok((o, progress))
}

/// What to upload: `bytes`-like (copied once), or a `str` / `os.PathLike` path.
pub fn upload_source(v: &Bound<'_, PyAny>) -> PyResult<procore::UploadSource> {
    if let Ok(b) = v.cast::<pyo3::types::PyBytes>() {
        return Ok(procore::UploadSource::Bytes(b.as_bytes().to_vec().into()));
    }
    if v.is_instance_of::<pyo3::types::PyByteArray>()
        || v.is_instance_of::<pyo3::types::PyMemoryView>()
    {
        let b: Vec<u8> = v
            .call_method0("__bytes__")
            .or_else(|_| v.py().import("builtins")?.getattr("bytes")?.call1((v,)))?
            .extract()?;
        return Ok(procore::UploadSource::Bytes(b.into()));
    }
    if let Ok(p) = v.extract::<std::path::PathBuf>() {
        return Ok(procore::UploadSource::Path(p));
    }
    Err(wrong_type(
        "source",
        "bytes or a path (str or os.PathLike)",
        v,
    ))
}

/// The webhook API calls' keywords.
pub fn webhook(kw: Option<&Bound<'_, PyDict>>) -> PyResult<procore::webhooks::WebhookCallOptions> {
    let mut o = procore::webhooks::WebhookCallOptions::default();
    for (k, v) in kw.into_iter().flat_map(|d| d.iter()) {
        let key = k.cast::<PyString>()?.to_cow()?;
        let h = &mut o.hook;
        match &*key {
            "company_id" => h.company_id = num(&key, &v)?,
            "project_id" => h.project_id = num(&key, &v)?,
            "destination_url" => h.destination_url = text(&key, &v)?,
            "destination_headers" => h.destination_headers = opt(&v, |v| headers(&key, v))?,
            "api_version" => h.api_version = text(&key, &v)?,
            "namespace" => h.namespace = text(&key, &v)?,
            "trigger_id" => o.trigger_id = num(&key, &v)?,
            "resource_name" => o.resource_name = text(&key, &v)?,
            "event_type" => o.event_type = text(&key, &v)?,
            "status" => o.status = text(&key, &v)?,
            _ => return Err(unexpected("the webhook call", &key)),
        }
    }
    Ok(o)
}

/// `WebhookReceiver(headers, **options)`.
pub fn receiver(
    hs: &Bound<'_, PyAny>,
    kw: Option<&Bound<'_, PyDict>>,
) -> PyResult<procore::webhooks::ReceiverOptions> {
    let mut o = procore::webhooks::ReceiverOptions {
        headers: headers("headers", hs)?,
        ..Default::default()
    };
    for (k, v) in kw.into_iter().flat_map(|d| d.iter()) {
        let key = k.cast::<PyString>()?.to_cow()?;
        match &*key {
            "remember" => o.remember = num(&key, &v)?,
            "redis_url" => o.redis_url = text(&key, &v)?,
            "redis_prefix" => o.redis_prefix = text(&key, &v)?,
            "ttl" => o.ttl = secs(&key, &v)?,
            _ => return Err(unexpected("WebhookReceiver()", &key)),
        }
    }
    Ok(o)
}
