//! The conformance vectors of `tests/conformance/vectors.json`, run through the core's option
//! layer (`RequestSpec::from_options`, `PaginateSpec::from_options`, `ClientBuilder::
//! from_options`) against the simulator, which records each request as it arrived. The
//! Python, Node and Kotlin suites run the same file through their bindings.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use procore::{
    CallOptions, Client, ClientBuilder, ClientOptions, Num, PaginateOptions, PaginateSpec,
    Paginator, QueryValue, RequestSpec, Span,
};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct File {
    client: Value,
    vectors: Vec<Vector>,
}

#[derive(Deserialize)]
struct Vector {
    name: String,
    kind: String,
    method: String,
    path: String,
    options: Options,
    expect: Option<Expect>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct Options {
    query: Option<QueryValue>,
    json: Option<Value>,
    company_id: Option<Value>,
    without_company: Option<bool>,
    version: Option<String>,
    timeout: Option<f64>,
    max_attempts: Option<Value>,
    deadline: Option<f64>,
    per_page: Option<Value>,
    max_items: Option<Value>,
}

#[derive(Deserialize)]
struct Expect {
    method: String,
    path: String,
    query: Option<String>,
    headers: BTreeMap<String, Option<String>>,
    body: Option<Value>,
}

fn num(v: &Value) -> Num {
    match (v.as_i64(), v.as_u64()) {
        (Some(i), _) => Num::from(i),
        (None, Some(u)) => Num::from(u),
        _ => Num::Float(v.as_f64().unwrap()),
    }
}

fn call_options(o: &Options) -> CallOptions {
    CallOptions {
        query: o.query.clone(),
        json: o
            .json
            .as_ref()
            .map(|v| serde_json::to_vec(v).unwrap().into()),
        company_id: o.company_id.as_ref().map(num),
        without_company: o.without_company,
        version: o.version.clone(),
        timeout: o.timeout.map(Span::Secs),
        max_attempts: o.max_attempts.as_ref().map(num),
        deadline: o.deadline.map(Span::Secs),
        raw: None,
    }
}

fn load() -> File {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/conformance/vectors.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

async fn run(client: &Client, v: &Vector) -> procore::Result<()> {
    match v.kind.as_str() {
        "request" => {
            let spec = RequestSpec::from_options(&v.method, &v.path, call_options(&v.options))?;
            // The answer does not matter here (a 404 is fine): the request does.
            match client.send(&spec).await {
                Err(e) if e.code() == "config" => Err(e),
                _ => Ok(()),
            }
        }
        "paginate" => {
            let p = PaginateSpec::from_options(
                &v.path,
                PaginateOptions {
                    call: call_options(&v.options),
                    per_page: v.options.per_page.as_ref().map(num),
                    max_items: v.options.max_items.as_ref().map(num),
                },
            )?;
            let mut cursor = Paginator::from_spec(client.clone(), p).into_cursor();
            match cursor.next_page().await {
                Err(e) if e.code() == "config" => Err(e),
                _ => Ok(()),
            }
        }
        other => panic!("unknown kind {other}"),
    }
}

#[tokio::test]
async fn every_vector_produces_its_request() {
    let sim = common::sim().await;
    let file = load();
    assert!(file.vectors.len() >= 30, "at least 30 vectors");
    let c = &file.client;
    let client = ClientBuilder::from_options(ClientOptions {
        base_url: Some(sim.base_url()),
        company_id: c["company_id"].as_u64().map(Num::from),
        api_version: c["api_version"].as_str().map(Into::into),
        max_attempts: c["max_attempts"].as_u64().map(Num::from),
        rate_limit: c["rate_limit"].as_bool(),
        auth: procore::AuthOptions {
            access_token: Some(sim.dev_token().unwrap().into()),
            ..Default::default()
        },
        ..Default::default()
    })
    .unwrap()
    .build()
    .unwrap();
    let mut failures = Vec::new();
    for v in &file.vectors {
        sim.clear_recorded_requests();
        let outcome = run(&client, v).await;
        let recorded = sim.recorded_requests();
        match (&v.error, &v.expect) {
            (Some(code), _) => {
                match &outcome {
                    Err(e) if e.code() == code => {}
                    other => failures.push(format!("{}: expected {code}, got {other:?}", v.name)),
                }
                if !recorded.is_empty() {
                    failures.push(format!("{}: a failing call sent a request", v.name));
                }
            }
            (None, Some(want)) => {
                if let Err(e) = outcome {
                    failures.push(format!("{}: {e}", v.name));
                    continue;
                }
                let Some(got) = recorded.first() else {
                    failures.push(format!("{}: nothing reached the simulator", v.name));
                    continue;
                };
                let header = |name: &str| {
                    got.headers
                        .iter()
                        .find(|(k, _)| k == name)
                        .map(|(_, v)| v.clone())
                };
                let mut diffs = Vec::new();
                if got.method != want.method {
                    diffs.push(format!("method {} != {}", got.method, want.method));
                }
                if got.path != want.path {
                    diffs.push(format!("path {} != {}", got.path, want.path));
                }
                if got.query != want.query {
                    diffs.push(format!("query {:?} != {:?}", got.query, want.query));
                }
                for (name, value) in &want.headers {
                    if header(name) != *value {
                        diffs.push(format!("header {name} {:?} != {value:?}", header(name)));
                    }
                }
                let body = got
                    .body
                    .as_deref()
                    .map(|b| serde_json::from_str::<Value>(b).unwrap());
                if body != want.body {
                    diffs.push(format!("body {body:?} != {:?}", want.body));
                }
                if !diffs.is_empty() {
                    failures.push(format!("{}: {}", v.name, diffs.join("; ")));
                }
            }
            (None, None) => panic!("{}: neither expect nor error", v.name),
        }
    }
    assert!(
        failures.is_empty(),
        "{} vector(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
