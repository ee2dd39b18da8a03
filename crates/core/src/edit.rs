//! The one edit type every fix is made of: replace a byte range of one
//! file. Fixes are lists of these, possibly across files; the fixer applies
//! them to the original bytes, so nothing outside the ranges changes.

use std::path::{Path, PathBuf};

use crate::text::Span;

/// Replace the bytes of `span` in the file at `path` with `replacement`.
/// An empty span inserts; an empty replacement deletes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Edit {
    /// The file to edit, as found.
    pub path: PathBuf,
    /// The bytes to replace (empty: insert here).
    pub span: Span,
    /// The new bytes.
    pub replacement: String,
}

impl Edit {
    /// Replace the bytes of `span`.
    pub fn replace(path: impl Into<PathBuf>, span: Span, replacement: impl Into<String>) -> Self {
        Edit { path: path.into(), span, replacement: replacement.into() }
    }

    /// Insert `text` at `offset`.
    pub fn insert(path: impl Into<PathBuf>, offset: usize, text: impl Into<String>) -> Self {
        Edit { path: path.into(), span: Span::empty(offset), replacement: text.into() }
    }

    /// Delete the bytes of `span`.
    pub fn delete(path: impl Into<PathBuf>, span: Span) -> Self {
        Edit { path: path.into(), span, replacement: String::new() }
    }

    /// Whether it edits the file at `path`.
    pub fn is_in(&self, path: &Path) -> bool {
        self.path == path
    }
}

/// Apply sorted, non-overlapping edits of one file to its `text`.
pub fn apply_edits(text: &[u8], edits: &[&Edit]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 64);
    let mut at = 0;
    for edit in edits {
        let start = edit.span.start.clamp(at, text.len());
        let end = edit.span.end.clamp(start, text.len());
        out.extend_from_slice(&text[at..start]);
        out.extend_from_slice(edit.replacement.as_bytes());
        at = end;
    }
    out.extend_from_slice(&text[at..]);
    out
}
