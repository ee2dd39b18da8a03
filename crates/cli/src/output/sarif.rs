//! SARIF 2.1.0, as GitHub code scanning accepts it: the rule catalog with
//! help text and links, results with physical locations and regions, and
//! fixes as byte-range replacements.

use serde_json::{Value, json};

use conflint_rules::{Diagnostic, Rule, Severity};

use super::Report;

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A relative path as a URI reference (forward slashes, reserved
/// characters escaped); absolute paths become `file://` URIs.
fn uri(path: &std::path::Path) -> String {
    let path = path.strip_prefix("./").unwrap_or(path);
    // The raw bytes, percent-encoded: a name that is not UTF-8 keeps its
    // identity (a lossy name could be another file's).
    let bytes = path.as_os_str().as_encoded_bytes();
    let mut out = String::with_capacity(bytes.len());
    for &byte in bytes {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    if path.is_absolute() { format!("file://{out}") } else { out }
}

fn location(d: &Diagnostic) -> Value {
    let start = d.location.start;
    let end = d.location.end;
    let end_column = if end.line == start.line { end.column.max(start.column + 1) } else { end.column.max(1) };
    let mut artifact = json!({ "uri": uri(&d.location.path) });
    if !d.location.path.is_absolute() {
        artifact["uriBaseId"] = json!("%SRCROOT%");
    }
    json!({
        "physicalLocation": {
            "artifactLocation": artifact,
            "region": {
                "startLine": start.line,
                "startColumn": start.column,
                "endLine": end.line.max(start.line),
                "endColumn": end_column,
                "byteOffset": d.location.span.start,
                "byteLength": d.location.span.len(),
            }
        }
    })
}

fn fixes(d: &Diagnostic) -> Option<Value> {
    let fix = d.fix.as_ref()?;
    let mut by_file: Vec<(String, Vec<Value>)> = Vec::new();
    for edit in &fix.edits {
        let replacement = json!({
            "deletedRegion": { "byteOffset": edit.span.start, "byteLength": edit.span.len() },
            "insertedContent": { "text": edit.replacement },
        });
        let file = uri(&edit.path);
        match by_file.iter_mut().find(|(f, _)| *f == file) {
            Some((_, list)) => list.push(replacement),
            None => by_file.push((file, vec![replacement])),
        }
    }
    let changes: Vec<Value> = by_file
        .into_iter()
        .map(|(file, replacements)| json!({ "artifactLocation": { "uri": file }, "replacements": replacements }))
        .collect();
    Some(json!([{
        "description": { "text": format!("{} ({} fix)", fix.message, fix.applicability.as_str()) },
        "artifactChanges": changes,
    }]))
}

/// A rule's SARIF tags: its family (`HT`), its groups (`cis`, `tls`) and
/// the benchmark items it implements, which code scanning shows and filters on.
fn rule_tags(m: &conflint_rules::RuleMeta) -> Vec<&'static str> {
    let mut tags = vec![m.code.get(..2).unwrap_or("")];
    tags.extend(m.tags.iter().copied());
    tags.extend(m.references.iter().copied());
    tags
}

/// The report as a SARIF 2.1.0 log with one run.
pub fn render(report: &Report) -> String {
    let rules: Vec<Value> = Rule::ALL
        .iter()
        .map(|r| {
            let m = r.meta();
            let doc: String = m.doc.lines().map(|l| l.strip_prefix(' ').unwrap_or(l)).collect::<Vec<_>>().join("\n");
            json!({
                "id": m.code,
                "name": m.name,
                "shortDescription": { "text": m.summary() },
                "fullDescription": { "text": m.summary() },
                "help": { "text": doc, "markdown": doc },
                "helpUri": m.help_uri(),
                "defaultConfiguration": { "level": level(m.severity), "enabled": m.default_on },
                "properties": { "fix": m.fix.as_str(), "tags": rule_tags(m) },
            })
        })
        .collect();
    let index = |rule: Rule| Rule::ALL.iter().position(|r| *r == rule).unwrap_or(0);
    let results: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|d| {
            let mut result = json!({
                "ruleId": d.code(),
                "ruleIndex": index(d.rule),
                "level": level(d.severity),
                "message": { "text": d.message },
                "locations": [location(d)],
            });
            if let Some(fixes) = fixes(d) {
                result["fixes"] = fixes;
            }
            let references = d.rule.meta().references;
            if !references.is_empty() {
                result["properties"] = json!({ "tags": references });
            }
            result
        })
        .collect();
    let sarif = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "conflint",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://github.com/conflint/conflint",
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "originalUriBaseIds": { "%SRCROOT%": { "description": { "text": "the directory conflint ran in" } } },
            "results": results,
        }]
    });
    let mut text = serde_json::to_string_pretty(&sarif).unwrap_or_default();
    text.push('\n');
    text
}
