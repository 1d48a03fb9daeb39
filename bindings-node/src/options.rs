//! JavaScript options -> the core's options (`procore::options`), the one place where the
//! Node names are listed. `index.js` passes each options object as JSON text (with non-finite
//! numbers and BigInts as strings, so that nothing is silently dropped); it is read here into a
//! mirror struct with the camelCase names and converted field by field. Every check (ids,
//! attempts, durations, the query rule, the environment, the credentials) is the core's. An
//! unknown option name is a `config` error naming it; a value of the wrong type is a `config`
//! error that names the option and never echoes the value (it could be a secret).

use procore::{
    AuthOptions, CallOptions, ClientOptions, Num, PaginateOptions, QueryValue, SecretString, Span,
    TokenSet,
};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::errors::config;

/// Reads an options object; `what` names it in errors (`Client options`, `request options`).
fn parse<T: DeserializeOwned + Default>(json: Option<&str>, what: &str) -> procore::Result<T> {
    let Some(text) = json else {
        return Ok(T::default());
    };
    serde_json::from_str(text).map_err(|e| config(format!("{what}: {}", without_values(&e))))
}

/// A serde message without the offending value: `invalid type: string "…", expected f64 at
/// line 1 column 20` becomes `invalid type: a string where f64 was expected`.
fn without_values(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let msg = msg.split(" at line ").next().unwrap_or(&msg);
    if let Some(rest) = msg.strip_prefix("invalid type: ") {
        let (got, want) = rest
            .split_once(", expected ")
            .unwrap_or((rest, "another type"));
        let kind = got.split([' ', '`', '"']).next().unwrap_or("value");
        return format!("invalid type: a {kind} where {want} was expected");
    }
    if msg.starts_with("invalid value") {
        return "invalid value".into();
    }
    msg.to_owned()
}

fn ms(v: Option<f64>) -> Option<Span> {
    v.map(Span::Millis)
}

fn num(v: Option<f64>) -> Option<Num> {
    v.map(Num::Float)
}

fn secret(v: Option<String>) -> Option<SecretString> {
    v.map(Into::into)
}

/// `client.request(method, path, options)` minus the body (passed on its own).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsCallOptions {
    query: Option<QueryValue>,
    company_id: Option<f64>,
    without_company: Option<bool>,
    version: Option<String>,
    timeout_ms: Option<f64>,
    max_attempts: Option<f64>,
    deadline_ms: Option<f64>,
    raw: Option<bool>,
}

impl From<JsCallOptions> for CallOptions {
    fn from(o: JsCallOptions) -> Self {
        CallOptions {
            query: o.query,
            json: None,
            company_id: num(o.company_id),
            without_company: o.without_company,
            version: o.version,
            timeout: ms(o.timeout_ms),
            max_attempts: num(o.max_attempts),
            deadline: ms(o.deadline_ms),
            raw: o.raw,
        }
    }
}

/// The options of one call; `body` is JSON text from `JSON.stringify`.
pub fn call(json: Option<&str>, body: Option<String>) -> procore::Result<CallOptions> {
    let mut o: CallOptions = parse::<JsCallOptions>(json, "request options")?.into();
    o.json = body.map(|b| b.into_bytes().into());
    Ok(o)
}

/// The path parameters of a catalog operation (a JSON object, in its order).
pub fn path_params(json: Option<&str>) -> procore::Result<Option<QueryValue>> {
    match json {
        None => Ok(None),
        Some(_) => parse::<Option<QueryValue>>(json, "path parameters"),
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsPaginateOptions {
    query: Option<QueryValue>,
    per_page: Option<f64>,
    max_items: Option<f64>,
    company_id: Option<f64>,
    without_company: Option<bool>,
    version: Option<String>,
    timeout_ms: Option<f64>,
    max_attempts: Option<f64>,
    deadline_ms: Option<f64>,
}

/// The options of a walk over a collection.
pub fn paginate(json: Option<&str>) -> procore::Result<PaginateOptions> {
    let o: JsPaginateOptions = parse(json, "paginate options")?;
    Ok(PaginateOptions {
        call: JsCallOptions {
            query: o.query,
            company_id: o.company_id,
            without_company: o.without_company,
            version: o.version,
            timeout_ms: o.timeout_ms,
            max_attempts: o.max_attempts,
            deadline_ms: o.deadline_ms,
            raw: None,
        }
        .into(),
        per_page: num(o.per_page),
        max_items: num(o.max_items),
    })
}

/// Where to connect (shared by the client and the OAuth client).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct JsPlace {
    environment: Option<String>,
    base_url: Option<String>,
    api_base: Option<String>,
    login_base: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsClientOptions {
    access_token: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    refresh_token: Option<String>,
    tokens: Option<serde_json::Value>,
    stored: Option<bool>,
    environment: Option<String>,
    base_url: Option<String>,
    api_base: Option<String>,
    login_base: Option<String>,
    company_id: Option<f64>,
    api_version: Option<String>,
    user_agent: Option<String>,
    connect_timeout_ms: Option<f64>,
    request_timeout_ms: Option<f64>,
    refresh_skew_ms: Option<f64>,
    max_attempts: Option<f64>,
    retry_base_delay_ms: Option<f64>,
    retry_max_delay_ms: Option<f64>,
    max_retry_after_ms: Option<f64>,
    deadline_ms: Option<f64>,
    no_deadline: Option<bool>,
    rate_limit: Option<bool>,
    rate_limit_max_wait_ms: Option<f64>,
    rate_budget: Option<String>,
    max_body_bytes: Option<f64>,
}

/// The options of a client (the store is passed on its own).
pub fn client(json: Option<&str>) -> procore::Result<ClientOptions> {
    let o: JsClientOptions = parse(json, "Client options")?;
    let tokens = match o.tokens {
        Some(serde_json::Value::Null) | None => None,
        Some(v) => Some(TokenSet::from_json(&v.to_string())?),
    };
    Ok(ClientOptions {
        environment: o.environment,
        base_url: o.base_url,
        api_base: o.api_base,
        login_base: o.login_base,
        company_id: num(o.company_id),
        api_version: o.api_version,
        user_agent: o.user_agent,
        sdk_language: Some("node".into()),
        connect_timeout: ms(o.connect_timeout_ms),
        request_timeout: ms(o.request_timeout_ms),
        refresh_skew: ms(o.refresh_skew_ms),
        max_attempts: num(o.max_attempts),
        retry_base_delay: ms(o.retry_base_delay_ms),
        retry_max_delay: ms(o.retry_max_delay_ms),
        max_retry_after: ms(o.max_retry_after_ms),
        deadline: ms(o.deadline_ms),
        no_deadline: o.no_deadline,
        rate_limit: o.rate_limit,
        rate_limit_max_wait: ms(o.rate_limit_max_wait_ms),
        rate_budget: o.rate_budget,
        max_body_bytes: num(o.max_body_bytes),
        auth: AuthOptions {
            access_token: secret(o.access_token),
            client_id: o.client_id,
            client_secret: secret(o.client_secret),
            refresh_token: secret(o.refresh_token),
            tokens,
            stored: o.stored,
        },
        store: None,
    })
}

/// The environment of an OAuth client's options (other fields are ignored there).
pub fn place(json: Option<&str>) -> procore::Result<ClientOptions> {
    let p: JsPlace = parse(json, "OAuthClient options")?;
    Ok(ClientOptions {
        environment: p.environment,
        base_url: p.base_url,
        api_base: p.api_base,
        login_base: p.login_base,
        ..Default::default()
    })
}

/// `client.sync(path, updates, options)`: `method` and `batchSize`, and every other name a
/// call option (checked as for a request); `body` (the fields sent beside `updates`) comes on
/// its own, as JSON text.
pub fn sync(json: Option<&str>, body: Option<String>) -> procore::Result<procore::SyncOptions> {
    let mut map = match json {
        None => serde_json::Map::new(),
        Some(text) => match serde_json::from_str(text) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => return Err(config("sync options must be an object")),
        },
    };
    let method = match map.remove("method") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(m)) => Some(m),
        Some(_) => return Err(config("sync options: method must be a string")),
    };
    let batch_size = match map.remove("batchSize") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::Number(n)) => n.as_f64(),
        Some(_) => return Err(config("sync options: batchSize must be a number")),
    };
    let rest = serde_json::Value::Object(map).to_string();
    Ok(procore::SyncOptions {
        call: call(Some(&rest), body)?,
        method,
        batch_size: num(batch_size),
    })
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsUploadOptions {
    file_name: Option<String>,
    content_type: Option<String>,
    flow: Option<String>,
    segment_size: Option<f64>,
    parallelism: Option<f64>,
    retries: Option<f64>,
    wait_ms: Option<f64>,
    company_id: Option<f64>,
    project_id: Option<f64>,
}

/// The options of an upload (the progress callback comes on its own).
pub fn upload(json: Option<&str>) -> procore::Result<procore::UploadOptions> {
    let o: JsUploadOptions = parse(json, "upload options")?;
    Ok(procore::UploadOptions {
        project_id: num(o.project_id),
        company_id: num(o.company_id),
        file_name: o.file_name,
        content_type: o.content_type,
        flow: o.flow,
        segment_size: num(o.segment_size),
        parallelism: num(o.parallelism),
        retries: num(o.retries),
        wait: ms(o.wait_ms),
    })
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsWebhookOptions {
    company_id: Option<f64>,
    project_id: Option<f64>,
    destination_url: Option<String>,
    destination_headers: Option<std::collections::BTreeMap<String, String>>,
    api_version: Option<String>,
    namespace: Option<String>,
    trigger_id: Option<f64>,
    resource_name: Option<String>,
    event_type: Option<String>,
    status: Option<String>,
}

/// The options of a webhook API call.
pub fn webhook(json: Option<&str>) -> procore::Result<procore::webhooks::WebhookCallOptions> {
    let o: JsWebhookOptions = parse(json, "webhook options")?;
    Ok(procore::webhooks::WebhookCallOptions {
        hook: procore::webhooks::HookOptions {
            company_id: num(o.company_id),
            project_id: num(o.project_id),
            destination_url: o.destination_url,
            destination_headers: o.destination_headers.map(|m| m.into_iter().collect()),
            api_version: o.api_version,
            namespace: o.namespace,
        },
        trigger_id: num(o.trigger_id),
        resource_name: o.resource_name,
        event_type: o.event_type,
        status: o.status,
    })
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsReceiverOptions {
    headers: Option<std::collections::BTreeMap<String, String>>,
    remember: Option<f64>,
    redis_url: Option<String>,
    redis_prefix: Option<String>,
    ttl_ms: Option<f64>,
}

/// The options of a webhook receiver.
pub fn receiver(json: Option<&str>) -> procore::Result<procore::webhooks::ReceiverOptions> {
    let o: JsReceiverOptions = parse(json, "WebhookReceiver options")?;
    Ok(procore::webhooks::ReceiverOptions {
        headers: o.headers.unwrap_or_default().into_iter().collect(),
        remember: num(o.remember),
        redis_url: o.redis_url,
        redis_prefix: o.redis_prefix,
        ttl: ms(o.ttl_ms),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_types_never_echo_the_value() {
        let e = client(Some(r#"{"companyId": "s3cr3t-value"}"#)).unwrap_err();
        let msg = e.to_string();
        assert_eq!(e.code(), "config");
        assert!(!msg.contains("s3cr3t"), "{msg}");
        assert!(msg.contains("string"), "{msg}");
    }

    #[test]
    fn unknown_names_are_config_errors() {
        let e = call(Some(r#"{"companyID": 5}"#), None).unwrap_err();
        assert_eq!(e.code(), "config");
        assert!(e.to_string().contains("companyID"), "{e}");
    }
}
