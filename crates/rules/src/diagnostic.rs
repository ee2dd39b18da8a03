//! What a rule reports, and the fix it proposes as byte-range edits.

use std::path::PathBuf;

use conflint_core::{LineColumn, Span};

use crate::registry::Rule;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing; no harm today.
    Info,
    /// A misconfiguration with consequences.
    Warning,
    /// The server refuses the configuration, or silently does something else than written.
    Error,
}

impl Severity {
    /// `error`, `warning` or `info`, as in the JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// Whether a fix may be applied without asking (ruff's terms).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Applicability {
    /// Keeps what the configuration does for legitimate traffic: `--fix`.
    Safe,
    /// Changes behaviour: only with `--unsafe-fixes`.
    Unsafe,
}

impl Applicability {
    /// `safe` or `unsafe`, as in the JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

pub use conflint_core::Edit;

/// A set of edits that together resolve one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// Whether `--fix` applies it, or only `--fix --unsafe-fixes`.
    pub applicability: Applicability,
    /// What the fix does, for `help:` lines and JSON.
    pub message: String,
    /// The edits, possibly in several files.
    pub edits: Vec<Edit>,
}

impl Fix {
    /// A fix `--fix` applies.
    pub fn safe(message: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix { applicability: Applicability::Safe, message: message.into(), edits }
    }

    /// A fix only `--fix --unsafe-fixes` applies.
    pub fn unsafe_(message: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix { applicability: Applicability::Unsafe, message: message.into(), edits }
    }
}

/// Where a finding is: the file as given or found, the byte range, and the
/// 1-based line and character column of both ends.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location {
    /// The file, as given or found.
    pub path: PathBuf,
    /// The byte range in the file.
    pub span: Span,
    /// Where the span starts (1-based line, character column).
    pub start: LineColumn,
    /// Where the span ends.
    pub end: LineColumn,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule that found it.
    pub rule: Rule,
    /// How serious it is (usually the rule's severity).
    pub severity: Severity,
    /// What is wrong, in a sentence.
    pub message: String,
    /// Where it is.
    pub location: Location,
    /// The fix, if any.
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// A finding of `rule` at its own severity.
    pub fn new(rule: Rule, message: impl Into<String>, location: Location) -> Self {
        Diagnostic { rule, severity: rule.meta().severity, message: message.into(), location, fix: None }
    }

    /// The rule's code (`HT003`).
    pub fn code(&self) -> &'static str {
        self.rule.code()
    }

    /// The rule's name (`default-vhost`).
    pub fn name(&self) -> &'static str {
        self.rule.name()
    }

    /// Whether its fix is applied under the given mode.
    pub fn fix_applies(&self, unsafe_fixes: bool) -> bool {
        match &self.fix {
            Some(fix) => fix.applicability == Applicability::Safe || unsafe_fixes,
            None => false,
        }
    }
}
