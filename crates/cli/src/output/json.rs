//! The stable JSON output (version 1), documented in SPEC.md.

use serde_json::{Value, json};

use super::{Report, display_path};

/// The report as JSON: `{ "version": 1, "diagnostics": [...], "summary": {...} }`.
pub fn render(report: &Report) -> String {
    let diagnostics: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|d| {
            json!({
                "code": d.code,
                "name": d.name,
                "severity": d.severity.as_str(),
                "message": d.message,
                "path": display_path(&d.location.path),
                "line": d.location.start.line,
                "column": d.location.start.column,
                "end_line": d.location.end.line,
                "end_column": d.location.end.column,
                "fix": d.fix.as_ref().map(|f| json!({
                    "applicability": f.applicability.as_str(),
                    "message": f.message,
                })),
            })
        })
        .collect();
    let value = json!({
        "version": 1,
        "diagnostics": diagnostics,
        "summary": {
            "files": report.files,
            "diagnostics": report.diagnostics.len(),
            "fixed": report.fixed,
        },
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}
