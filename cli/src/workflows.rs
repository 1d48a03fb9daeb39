//! `procore upload FILE` (a direct upload, v2.1 by default) and `procore sync PATH` (any number
//! of updates in batches of at most 1000): the core's `Client::upload` and `Client::sync`,
//! with the answer printed as JSON.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use procore::options::{CallOptions, Num};
use procore::{SyncOptions, SyncSpec, UploadOptions, UploadSource, UploadSpec};

use crate::fail::Failure;
use crate::EnvArgs;

/// `procore upload`'s arguments.
#[derive(Args, Clone)]
pub struct UploadArgs {
    /// The file to upload (read in segments, never whole into memory); `-` reads standard input.
    pub file: PathBuf,
    /// Upload into this project (the company's uploads otherwise).
    #[arg(long)]
    pub project: Option<u64>,
    /// The company id (path of v2.1 uploads and Procore-Company-Id).
    #[arg(long = "company", env = "PROCORE_COMPANY_ID")]
    pub company: Option<u64>,
    /// The file name Procore keeps (default: the file's name; required with `-`).
    #[arg(long)]
    pub name: Option<String>,
    /// The content type (default: from the name's extension).
    #[arg(long)]
    pub content_type: Option<String>,
    /// The protocol: v2.1 (unified, default), v1.1 (single part) or v1.1-segmented.
    #[arg(long, default_value = "v2.1")]
    pub flow: String,
    /// Bytes per segment (v2.1: over 5 MiB, at most 100 MiB; default 16 MiB).
    #[arg(long)]
    pub segment_size: Option<u64>,
    /// Segments in flight at once (default 4).
    #[arg(long)]
    pub parallel: Option<u64>,
    /// Do not wait for the upload to become available (v2.1).
    #[arg(long)]
    pub no_wait: bool,
    #[command(flatten)]
    pub env: EnvArgs,
}

/// `procore upload FILE`.
pub async fn upload(a: UploadArgs) -> Result<(), Failure> {
    let client = a.env.client(a.company, None)?;
    let spec = UploadSpec::from_options(UploadOptions {
        project_id: a.project.map(Num::from),
        company_id: a.company.map(Num::from),
        file_name: a.name.clone(),
        content_type: a.content_type.clone(),
        flow: Some(a.flow.clone()),
        segment_size: a.segment_size.map(Num::from),
        parallelism: a.parallel.map(Num::from),
        retries: None,
        wait: a.no_wait.then_some(procore::Span::Secs(0.0)),
    })?;
    let source = if a.file.as_os_str() == "-" {
        UploadSource::Reader(Box::new(tokio::io::stdin()))
    } else {
        UploadSource::Path(a.file.clone())
    };
    let progress: Option<procore::uploads::ProgressFn> =
        std::io::stderr().is_terminal().then(|| {
            Arc::new(|p: procore::UploadProgress| {
                let pct = (p.sent * 100).checked_div(p.total).unwrap_or(100);
                let mut e = std::io::stderr();
                let _ = write!(
                    e,
                    "\r{pct:3}%  {} of {} segments, {} of {} bytes",
                    p.segments_done, p.segments, p.sent, p.total
                );
                if p.sent == p.total && p.segments_done == p.segments {
                    let _ = writeln!(e);
                }
            }) as procore::uploads::ProgressFn
        });
    let out = client.upload(&spec, source, progress).await?;
    println!("{}", pretty(&out.to_json())?);
    Ok(())
}

/// `procore sync`'s arguments.
#[derive(Args, Clone)]
pub struct SyncArgs {
    /// The sync endpoint (`/rest/v1.0/vendors/sync`, or relative to the API version).
    pub path: String,
    /// The updates: a JSON array, or one JSON object per line (NDJSON, as `procore get --all`
    /// prints); inline, `@FILE`, or `-` for standard input.
    #[arg(short, long, value_name = "JSON|@FILE|-")]
    pub data: String,
    /// Fields sent beside `updates` in every batch, as a JSON object (e.g. '{"company_id":5}').
    #[arg(long, value_name = "JSON")]
    pub body: Option<String>,
    /// Updates per call (1 to 1000, default 1000).
    #[arg(long)]
    pub batch_size: Option<u64>,
    /// The method (default PATCH).
    #[arg(long)]
    pub method: Option<String>,
    /// The company id sent as Procore-Company-Id.
    #[arg(long = "company", env = "PROCORE_COMPANY_ID")]
    pub company: Option<u64>,
    #[command(flatten)]
    pub env: EnvArgs,
}

/// The updates as a JSON array's text: an array as given, or NDJSON lines joined into one.
fn updates(data: &str) -> Result<Vec<u8>, Failure> {
    let text = match data {
        "-" => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| Failure::usage(format!("--data -: {e}")))?;
            s
        }
        d => match d.strip_prefix('@') {
            Some(file) => std::fs::read_to_string(file)
                .map_err(|e| Failure::usage(format!("--data @{file}: {e}")))?,
            None => d.to_owned(),
        },
    };
    if text.trim_start().starts_with('[') {
        return Ok(text.into_bytes());
    }
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    Ok(format!("[{}]", lines.join(",")).into_bytes())
}

/// `procore sync PATH --data ...`.
pub async fn sync(a: SyncArgs) -> Result<(), Failure> {
    let client = a.env.client(a.company, None)?;
    let spec = SyncSpec::from_options(
        a.path.clone(),
        &updates(&a.data)?,
        SyncOptions {
            call: CallOptions {
                json: a.body.clone().map(|b| b.into_bytes().into()),
                company_id: a.company.map(Num::from),
                ..Default::default()
            },
            method: a.method.clone(),
            batch_size: a.batch_size.map(Num::from),
        },
    )?;
    let out = client.sync(&spec).await?;
    if !out.errors.is_empty() {
        eprintln!(
            "{} of the updates were refused (see \"errors\"; \"index\" is the update's position)",
            out.errors.len()
        );
    }
    println!("{}", pretty(&out.to_json())?);
    Ok(())
}

fn pretty(v: &serde_json::Value) -> Result<String, Failure> {
    serde_json::to_string_pretty(v).map_err(|e| Failure::other(e.to_string()))
}
