//! What a rule reports, and the fix it proposes as byte-range edits.

use std::path::PathBuf;

use conflint_core::{LineColumn, Span};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
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
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// Replace the bytes of `span` in the file at `path` with `replacement`.
/// An empty span inserts; an empty replacement deletes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Edit {
    pub path: PathBuf,
    pub span: Span,
    pub replacement: String,
}

impl Edit {
    pub fn replace(path: impl Into<PathBuf>, span: Span, replacement: impl Into<String>) -> Self {
        Edit { path: path.into(), span, replacement: replacement.into() }
    }

    pub fn insert(path: impl Into<PathBuf>, offset: usize, text: impl Into<String>) -> Self {
        Edit { path: path.into(), span: Span::empty(offset), replacement: text.into() }
    }

    pub fn delete(path: impl Into<PathBuf>, span: Span) -> Self {
        Edit { path: path.into(), span, replacement: String::new() }
    }
}

/// A set of edits that together resolve one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub applicability: Applicability,
    /// What the fix does, for `help:` lines and JSON.
    pub message: String,
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn safe(message: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix { applicability: Applicability::Safe, message: message.into(), edits }
    }

    pub fn unsafe_(message: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix { applicability: Applicability::Unsafe, message: message.into(), edits }
    }
}

/// Where a finding is: the file as given or found, the byte range, and the
/// 1-based line and character column of both ends.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location {
    pub path: PathBuf,
    pub span: Span,
    pub start: LineColumn,
    pub end: LineColumn,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub message: String,
    pub location: Location,
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// Whether its fix is applied under the given mode.
    pub fn fix_applies(&self, unsafe_fixes: bool) -> bool {
        match &self.fix {
            Some(fix) => fix.applicability == Applicability::Safe || unsafe_fixes,
            None => false,
        }
    }
}
