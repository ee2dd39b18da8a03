//! GitHub Actions workflow commands: one annotation per finding.

use super::{Report, display_path};

/// `::warning file=...,line=...,col=...,endLine=...,endColumn=...,title=CODE::message`
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for d in &report.diagnostics {
        let level = match d.severity {
            conflint_rules::Severity::Error => "error",
            conflint_rules::Severity::Warning => "warning",
            conflint_rules::Severity::Info => "notice",
        };
        out.push_str(&format!(
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{} {}\n",
            escape_property(&display_path(&d.location.path)),
            d.location.start.line,
            d.location.start.column,
            d.location.end.line,
            d.location.end.column,
            escape_property(&format!("{} ({})", d.code(), d.name())),
            d.code(),
            escape_data(&d.message),
        ));
    }
    out
}

/// Workflow command data escaping; other control characters (escape
/// sequences) are written out as `\x1b`.
fn escape_data(s: &str) -> String {
    let s = s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    conflint_core::text::escape_control(&s).into_owned()
}

/// Workflow command property escaping.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}
