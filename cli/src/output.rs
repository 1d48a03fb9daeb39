//! Printing answers: pretty JSON, or a table for an array of objects.

use clap::ValueEnum;
use serde_json::Value;

use crate::fail::Failure;

/// `--output`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Pretty-printed JSON.
    Json,
    /// Columns: for an array of objects, the scalar fields (at most 8, `id` first).
    Table,
}

/// Prints `v` as asked.
pub fn print_value(v: &Value, output: Output) -> Result<(), Failure> {
    match (output, v) {
        (Output::Table, Value::Array(rows)) if rows.iter().all(Value::is_object) => {
            print!("{}", table_of(rows));
            Ok(())
        }
        (Output::Table, Value::Object(_)) => {
            print!("{}", table_of(std::slice::from_ref(v)));
            Ok(())
        }
        _ => {
            let text =
                serde_json::to_string_pretty(v).map_err(|e| Failure::other(e.to_string()))?;
            println!("{text}");
            Ok(())
        }
    }
}

fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A plain text table of the objects' scalar fields.
pub fn table_of(rows: &[Value]) -> String {
    let mut columns: Vec<String> = Vec::new();
    for row in rows {
        if let Value::Object(m) = row {
            for (k, v) in m {
                if !(v.is_object() || v.is_array() || columns.contains(k)) {
                    columns.push(k.clone());
                }
            }
        }
    }
    if let Some(i) = columns.iter().position(|c| c == "id") {
        let id = columns.remove(i);
        columns.insert(0, id);
    }
    columns.truncate(8);
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            columns
                .iter()
                .map(|c| cell(r.get(c).unwrap_or(&Value::Null)))
                .collect()
        })
        .collect();
    text_table(&columns, &cells)
}

/// Left-aligned columns separated by two spaces; long cells cut at 60 characters.
pub fn text_table(header: &[String], rows: &[Vec<String>]) -> String {
    let cut = |s: &str| -> String {
        let s = s.replace(['\n', '\r', '\t'], " ");
        if s.chars().count() > 60 {
            format!("{}...", s.chars().take(57).collect::<String>())
        } else {
            s
        }
    };
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| cut(c)).collect())
        .collect();
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = width.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let line = |cells: &[String]| -> String {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = width.get(i).copied().unwrap_or(0)))
            .collect();
        format!("{}\n", parts.join("  ").trim_end())
    };
    let mut out = line(header);
    for r in &rows {
        out.push_str(&line(r));
    }
    out
}
