//! The stable JSON output (version 1), documented in SPEC.md.
//!
//! Serialised straight from borrowed structs: a `serde_json::Value` tree of
//! every finding would cost several times the output's size in memory on a
//! large fleet.

use serde::Serialize;

use super::{Report, json_path};

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: Summary<'a>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    name: &'a str,
    severity: &'a str,
    message: &'a str,
    path: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    fix: Option<JsonFix<'a>>,
    /// The benchmark items the rule implements (CIS, Mozilla); absent when none.
    #[serde(skip_serializing_if = "<[&str]>::is_empty")]
    references: &'static [&'static str],
}

#[derive(Serialize)]
struct JsonFix<'a> {
    applicability: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
struct Summary<'a> {
    files: usize,
    diagnostics: usize,
    fixed: usize,
    /// The servers' own checks the fixed files passed; absent when none ran.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    verified: &'a [String],
}

/// The report as JSON: `{ "version": 1, "diagnostics": [...], "summary": {...} }`.
pub fn render(report: &Report) -> String {
    let diagnostics = report
        .diagnostics
        .iter()
        .map(|d| JsonDiagnostic {
            code: d.code(),
            name: d.name(),
            severity: d.severity.as_str(),
            message: &d.message,
            path: json_path(&d.location.path),
            line: d.location.start.line,
            column: d.location.start.column,
            end_line: d.location.end.line,
            end_column: d.location.end.column,
            fix: d.fix.as_ref().map(|f| JsonFix { applicability: f.applicability.as_str(), message: &f.message }),
            references: d.rule.meta().references,
        })
        .collect();
    let summary = Summary {
        files: report.files,
        diagnostics: report.diagnostics.len(),
        fixed: report.fixed,
        verified: &report.verified,
    };
    let mut text = serde_json::to_string_pretty(&JsonReport { version: 1, diagnostics, summary }).unwrap_or_default();
    text.push('\n');
    text
}
