//! Human output, like rustc and ruff: `path:line:col: CODE message`, the
//! source lines with the span underlined (rendered by annotate-snippets),
//! a `help:` line for the fix, and a summary.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use anstyle::{AnsiColor, Style};
use conflint_core::LineIndex;
use conflint_core::secret::mask;
use conflint_core::text::escape_control;
use conflint_rules::{Applicability, Diagnostic, Severity};

use super::{Report, display_path};

/// At most this many source lines are shown for one finding.
const MAX_LINES: usize = 6;

/// A file's bytes (secrets masked) and line index, read once for all its findings.
struct Source {
    bytes: Vec<u8>,
    index: LineIndex,
}

/// Render every finding; `source` gives a file's bytes by path, each file
/// read and indexed once however many findings it has. Values assigned to
/// secret-like keys (`report.secrets`) are masked in the snippets.
pub fn render(
    report: &Report,
    source: &dyn Fn(&std::path::Path) -> Option<Vec<u8>>,
    color: bool,
    quiet: bool,
) -> String {
    let renderer = if color { Renderer::styled() } else { Renderer::plain() };
    let bold = if color { Style::new().bold() } else { Style::new() };
    let mut out = String::new();
    let mut sources: HashMap<&Path, Option<Source>> = HashMap::new();
    for d in &report.diagnostics {
        let code_style =
            if color { Style::new().bold().fg_color(Some(severity_color(d.severity).into())) } else { Style::new() };
        out.push_str(&format!(
            "{bold}{}:{}:{}:{bold:#} {code_style}{}{code_style:#} {}\n",
            display_path(&d.location.path),
            d.location.start.line,
            d.location.start.column,
            d.code(),
            escape_control(&d.message)
        ));
        let file = sources.entry(d.location.path.as_path()).or_insert_with(|| {
            source(&d.location.path).map(|bytes| {
                // A file that did not parse has no model to say where its
                // secrets are: mask by the shape of the line instead.
                let bytes = match report.secrets.get(&d.location.path) {
                    Some(secrets) => mask(&bytes, 0, secrets),
                    None => conflint_core::secret::mask_secret_lines(&bytes),
                };
                Source { index: LineIndex::new(&bytes), bytes }
            })
        });
        let snippet = file.as_ref().and_then(|f| snippet(d, &f.bytes, &f.index));
        let level = level(d.severity);
        let mut group = Group::with_level(level.clone());
        let mut has_element = false;
        if let Some((source, line_start, range)) = &snippet {
            group = group.element(
                Snippet::source(source.as_str())
                    .line_start(*line_start)
                    .annotation(AnnotationKind::Primary.span(range.clone())),
            );
            has_element = true;
        }
        if let Some(fix) = &d.fix {
            let how = match fix.applicability {
                Applicability::Safe => "safe fix, applied by --fix",
                Applicability::Unsafe => "unsafe fix, applied by --fix --unsafe-fixes",
            };
            group = group.element(Level::HELP.message(format!("{} ({how})", fix.message)));
            has_element = true;
        }
        if has_element {
            out.push_str(&renderer.render(&[group]));
            out.push('\n');
        }
        out.push('\n');
    }
    if !quiet {
        out.push_str(&report.summary());
        out.push('\n');
    }
    out
}

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    }
}

fn severity_color(severity: Severity) -> AnsiColor {
    match severity {
        Severity::Error => AnsiColor::Red,
        Severity::Warning => AnsiColor::Yellow,
        Severity::Info => AnsiColor::Cyan,
    }
}

/// The lines a finding covers, as text (invalid bytes shown as U+FFFD),
/// their first line number, and the span within that text.
fn snippet(d: &Diagnostic, bytes: &[u8], index: &LineIndex) -> Option<(String, usize, std::ops::Range<usize>)> {
    let span = d.location.span;
    if span.is_empty() && span.start == 0 && d.location.start.line == 1 && bytes.is_empty() {
        return None;
    }
    let first = index.line_of(span.start.min(bytes.len()));
    let last = index.line_of(span.end.min(bytes.len())).min(first + MAX_LINES - 1);
    let start = index.line_start(first);
    let end = (last + 1..)
        .map(|l| index.line_start(l))
        .next()
        .filter(|e| *e != usize::MAX)
        .map_or(bytes.len(), |e| e - 1)
        .min(bytes.len());
    let chunk = &bytes[start..end.max(start)];
    let (text, map) = decode(chunk);
    let rel = |offset: usize| map(offset.saturating_sub(start).min(chunk.len()));
    let mut range = rel(span.start)..rel(span.end.min(end));
    if range.is_empty() {
        // An insertion point or a file-level finding: mark one character.
        let next = text[range.start..].chars().next().map_or(0, char::len_utf8);
        range = range.start..range.start + next;
    }
    if text.trim().is_empty() && range.is_empty() {
        return None;
    }
    Some((text.trim_end_matches(['\n', '\r']).to_string(), first + 1, range))
}

/// Text for display with each invalid byte as U+FFFD and control
/// characters written out (`\x1b`: an escape sequence in a config file
/// must not reach the terminal), and a map from byte offsets of the input
/// to offsets of the text.
fn decode(bytes: &[u8]) -> (String, impl Fn(usize) -> usize) {
    let mut text = String::with_capacity(bytes.len());
    let mut offsets = Vec::with_capacity(bytes.len() + 1);
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            for _ in 0..c.len_utf8() {
                offsets.push(text.len());
            }
            if c == '\t' || c == '\n' || c == '\r' {
                text.push(c);
            } else {
                text.push_str(&escape_control(c.encode_utf8(&mut [0; 4])));
            }
        }
        for _ in chunk.invalid() {
            offsets.push(text.len());
            text.push('\u{FFFD}');
        }
    }
    offsets.push(text.len());
    let text = match Cow::from(text) {
        Cow::Owned(t) => t,
        Cow::Borrowed(t) => t.to_string(),
    };
    (text, move |offset: usize| offsets.get(offset).copied().unwrap_or(*offsets.last().unwrap_or(&0)))
}
