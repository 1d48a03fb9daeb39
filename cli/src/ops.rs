//! `procore ops search WORDS` and `procore ops show ID`: the operation catalog, browsed.

use clap::Subcommand;
use procore::catalog::{Catalog, Location, Operation};
use serde_json::json;

use crate::fail::Failure;
use crate::output::{text_table, Output};

#[derive(Subcommand)]
pub enum OpsCommand {
    /// Find operations by words (in the id, path, summary or tag); best matches first.
    #[command(after_help = "Example:\n  procore ops search create rfi")]
    Search {
        /// The words, all of which must match.
        #[arg(required = true)]
        words: Vec<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// table (default) or json.
        #[arg(long, value_enum, default_value = "table")]
        output: Output,
    },
    /// Show an operation: method, path, parameters and body fields (required ones marked).
    #[command(after_help = "Example:\n  procore ops show RestV10ProjectsProjectIdRfisPost")]
    Show {
        /// The operation id.
        id: String,
        /// table (default) or json.
        #[arg(long, value_enum, default_value = "table")]
        output: Output,
    },
}

pub fn run(command: OpsCommand) -> Result<(), Failure> {
    let catalog = Catalog::get();
    match command {
        OpsCommand::Search {
            words,
            limit,
            output,
        } => {
            let hits = catalog.search(&words.join(" "));
            if hits.is_empty() {
                return Err(Failure::usage(format!(
                    "no operation matches {:?}",
                    words.join(" ")
                )));
            }
            let shown = &hits[..hits.len().min(limit)];
            match output {
                Output::Json => {
                    for o in shown {
                        println!(
                            "{}",
                            json!({"id": o.id, "method": o.method, "path": o.path, "summary": o.summary, "tag": o.tag})
                        );
                    }
                }
                Output::Table => {
                    let header = ["METHOD", "PATH", "SUMMARY", "ID"].map(String::from);
                    let rows: Vec<Vec<String>> = shown
                        .iter()
                        .map(|o| {
                            vec![
                                o.method.clone(),
                                o.path.clone(),
                                o.summary.clone(),
                                o.id.clone(),
                            ]
                        })
                        .collect();
                    print!("{}", text_table(&header, &rows));
                    if hits.len() > shown.len() {
                        eprintln!(
                            "({} of {} shown: --limit N for more)",
                            shown.len(),
                            hits.len()
                        );
                    }
                }
            }
            Ok(())
        }
        OpsCommand::Show { id, output } => {
            let op = catalog.require(&id)?;
            match output {
                Output::Json => println!("{}", describe_json(op)),
                Output::Table => print!("{}", describe(op)),
            }
            Ok(())
        }
    }
}

/// The readable description of `ops show`.
pub fn describe(op: &Operation) -> String {
    let mut out = format!(
        "{} {}\n{}\nid: {}\ntag: {}\n",
        op.method, op.path, op.summary, op.id, op.tag
    );
    if !op.params.is_empty() {
        out.push_str("\nParameters\n");
        let header = ["NAME", "IN", "TYPE", "REQUIRED"].map(String::from);
        let rows: Vec<Vec<String>> = op
            .params
            .iter()
            .map(|p| {
                vec![
                    p.name.clone(),
                    p.location.as_str().to_owned(),
                    p.schema.describe(),
                    if p.required {
                        "yes".into()
                    } else {
                        String::new()
                    },
                ]
            })
            .collect();
        out.push_str(&text_table(&header, &rows));
    }
    if let Some(body) = &op.body {
        out.push_str(&format!(
            "\nBody ({}{})\n",
            body.content_type,
            if body.required { ", required" } else { "" }
        ));
        let rows: Vec<Vec<String>> = op
            .body_fields()
            .into_iter()
            .map(|f| {
                vec![
                    f.path,
                    f.ty,
                    if f.required {
                        "yes".into()
                    } else {
                        String::new()
                    },
                ]
            })
            .collect();
        let header = ["FIELD", "TYPE", "REQUIRED"].map(String::from);
        out.push_str(&text_table(&header, &rows));
    }
    let example_path: Vec<String> = op
        .params
        .iter()
        .filter(|p| p.location == Location::Path)
        .map(|p| format!("--path {}=...", p.name))
        .collect();
    out.push_str(&format!(
        "\nCall it: procore call {} {}{}\n",
        op.id,
        example_path.join(" "),
        if op.body.is_some() {
            " --data @body.json"
        } else {
            ""
        }
    ));
    out
}

fn describe_json(op: &Operation) -> serde_json::Value {
    json!({
        "id": op.id, "method": op.method, "path": op.path, "version": op.version,
        "summary": op.summary, "tag": op.tag,
        "params": op.params.iter().map(|p| json!({
            "name": p.name, "in": p.location.as_str(), "type": p.schema.describe(), "required": p.required
        })).collect::<Vec<_>>(),
        "body": op.body.as_ref().map(|b| json!({
            "content_type": b.content_type, "required": b.required,
            "fields": op.body_fields(),
        })),
    })
}
