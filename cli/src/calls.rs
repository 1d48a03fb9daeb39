//! `procore get|post|put|patch|delete PATH` and `procore call OPERATION`: one request (or, with
//! `--all`, every page) through the SDK, the answer printed as JSON (or a table).

use std::io::{IsTerminal, Read, Write};

use clap::Args;
use futures::StreamExt;
use procore::options::{CallOptions, Num, PaginateSpec, QueryValue};
use procore::{Client, Paginator, RequestSpec};

use crate::fail::Failure;
use crate::output::{print_value, Output};
use crate::EnvArgs;

/// What every request verb takes.
#[derive(Args, Clone)]
pub struct CallArgs {
    /// Query parameters, `KEY=VALUE` (repeatable; `filters[active]=true` works).
    #[arg(short, long = "query", value_name = "KEY=VALUE")]
    pub query: Vec<String>,
    /// The company id sent as Procore-Company-Id.
    #[arg(long = "company", env = "PROCORE_COMPANY_ID")]
    pub company: Option<u64>,
    /// Walk every page; print one JSON item per line (NDJSON), with progress on a terminal.
    #[arg(long)]
    pub all: bool,
    /// How to print the answer: json, or table (an array of objects as columns).
    #[arg(long, value_enum, default_value = "json")]
    pub output: Output,
    #[command(flatten)]
    pub env: EnvArgs,
}

/// A request verb's arguments.
#[derive(Args, Clone)]
pub struct PathArgs {
    /// `/rest/v1.0/projects`, or a path relative to the API version (`projects`).
    pub path: String,
    /// The API version for relative paths (default v1.0).
    #[arg(long)]
    pub version: Option<String>,
    /// A JSON body: inline JSON, `@FILE`, or `-` for standard input.
    #[arg(short, long, value_name = "JSON|@FILE|-")]
    pub data: Option<String>,
    #[command(flatten)]
    pub call: CallArgs,
}

/// `procore call`'s arguments.
#[derive(Args, Clone)]
pub struct OperationArgs {
    /// The operation id (`procore ops search WORDS` finds it).
    pub operation: String,
    /// Path parameters, `NAME=VALUE` (repeatable).
    #[arg(short, long = "path", value_name = "NAME=VALUE")]
    pub path: Vec<String>,
    /// A JSON body: inline JSON, `@FILE`, or `-` for standard input.
    #[arg(short, long, value_name = "JSON|@FILE|-")]
    pub data: Option<String>,
    #[command(flatten)]
    pub call: CallArgs,
}

fn pairs(what: &str, given: &[String]) -> Result<Vec<(String, QueryValue)>, Failure> {
    given
        .iter()
        .map(|q| {
            q.split_once('=')
                .map(|(k, v)| (k.to_owned(), QueryValue::Str(v.to_owned())))
                .ok_or_else(|| Failure::usage(format!("{what} {q:?} is not KEY=VALUE")))
        })
        .collect()
}

/// The body of `--data`: inline JSON, `@file` or `-` (stdin); the core checks it is JSON.
fn body(data: Option<&str>) -> Result<Option<bytes::Bytes>, Failure> {
    let text = match data {
        None => return Ok(None),
        Some("-") => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s)?;
            s
        }
        Some(d) => match d.strip_prefix('@') {
            Some(file) => std::fs::read_to_string(file)
                .map_err(|e| Failure::usage(format!("--data @{file}: {e}")))?,
            None => d.to_owned(),
        },
    };
    Ok(Some(text.into_bytes().into()))
}

fn options(call: &CallArgs, data: Option<&str>) -> Result<CallOptions, Failure> {
    let query = pairs("--query", &call.query)?;
    Ok(CallOptions {
        query: (!query.is_empty()).then_some(QueryValue::Map(query)),
        json: body(data)?,
        company_id: call.company.map(Num::from),
        ..Default::default()
    })
}

/// `procore get|post|put|patch|delete PATH`.
pub async fn verb(method: &str, args: PathArgs) -> Result<(), Failure> {
    let client = args.call.env.client(None, None)?;
    let mut o = options(&args.call, args.data.as_deref())?;
    o.version = args.version.clone();
    let spec = RequestSpec::from_options(method, args.path.clone(), o)?;
    run(&client, spec, &args.call).await
}

/// `procore call OPERATION`.
pub async fn operation(args: OperationArgs) -> Result<(), Failure> {
    let client = args.call.env.client(None, None)?;
    let o = options(&args.call, args.data.as_deref())?;
    let path = QueryValue::Map(pairs("--path", &args.path)?);
    // Checked against the catalog before the client is used: nothing leaves if it is invalid.
    let spec = RequestSpec::for_operation(&args.operation, Some(&path), o)?;
    run(&client, spec, &args.call).await
}

async fn run(client: &Client, spec: RequestSpec, call: &CallArgs) -> Result<(), Failure> {
    if call.all {
        return walk(client, spec).await;
    }
    let resp = client.send(&spec).await?;
    if resp.bytes().is_empty() {
        eprintln!("HTTP {} (no body)", resp.status());
        return Ok(());
    }
    let body: serde_json::Value = resp.json()?;
    print_value(&body, call.output)
}

/// Every page, one item per line on stdout; on a terminal, items and pages done on stderr.
async fn walk(client: &Client, spec: RequestSpec) -> Result<(), Failure> {
    if spec.method != procore::Method::GET {
        return Err(Failure::usage("--all walks the pages of a GET"));
    }
    let progress = std::io::stderr().is_terminal();
    let paginator = Paginator::from_spec(
        client.clone(),
        PaginateSpec {
            spec,
            per_page: None,
            max_items: None,
        },
    );
    let mut pages = paginator.pages();
    let mut out = std::io::stdout().lock();
    let (mut items, mut count) = (0u64, 0u64);
    while let Some(page) = pages.next().await {
        let page = page?;
        count += 1;
        for item in &page.items {
            writeln!(out, "{item}")?;
        }
        items += page.items.len() as u64;
        out.flush()?;
        if progress {
            let total = page.total.map(|t| format!(" of {t}")).unwrap_or_default();
            eprint!("\r{items}{total} items, {count} pages");
        }
    }
    if progress {
        eprintln!();
    }
    Ok(())
}
