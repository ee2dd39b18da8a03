//! The error every parser returns for a file it cannot read as its format.

use crate::text::{LineIndex, Span};

/// A file that does not parse: where, and what was expected there.
///
/// `line` and `column` are 1-based; the column counts characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct SyntaxError {
    /// Where the problem is, as a byte range of the original file (often empty).
    pub span: Span,
    /// 1-based line of the problem.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What went wrong, in the words the server itself would use where we know them.
    pub message: String,
}

impl SyntaxError {
    /// An error at `span`, with line and column computed from `bytes`.
    pub fn at(bytes: &[u8], index: &LineIndex, span: Span, message: impl Into<String>) -> Self {
        let pos = index.line_column(bytes, span.start);
        SyntaxError { span, line: pos.line, column: pos.column, message: message.into() }
    }

    /// Like [`SyntaxError::at`] for callers without a [`LineIndex`] at hand.
    pub fn at_offset(bytes: &[u8], span: Span, message: impl Into<String>) -> Self {
        Self::at(bytes, &LineIndex::new(bytes), span, message)
    }
}
