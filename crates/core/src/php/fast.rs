//! Byte-level readers for the commonest php.ini lines: blank lines,
//! comments and `key = word`. They read exactly what the grammar reads
//! (tests, property tests and the `php_parse` fuzz target compare both
//! readings), at a fraction of pest's cost per line; anything else is left
//! to the grammar.

use crate::php::syntax::{Entry, IniLine, IniLineKind, IniValue, Piece, PieceKind};
use crate::text::Span;

/// The blank or comment line at `pos`, as the grammar's `blank` and
/// `comment` read it, and how many line ends it holds (0 or 1).
pub(super) fn blank_or_comment(source: &[u8], pos: usize) -> Option<(IniLine, usize)> {
    let rest = source.get(pos..)?;
    let blanks = blank_count(rest);
    let after = &rest[blanks..];
    let end = memchr::memchr2(b'\n', b'\r', after).unwrap_or(after.len());
    let eol = line_end_len(&after[end..]);
    let span = Span::new(pos, pos + blanks + end + eol);
    let kind = match after.first() {
        Some(b';') => IniLineKind::Comment { text: Span::new(pos + blanks, pos + blanks + end) },
        Some(b'\n' | b'\r') => IniLineKind::Blank,
        // Blanks and then the end of the file.
        None if blanks > 0 => IniLineKind::Blank,
        _ => return None,
    };
    Some((IniLine { span, kind }, usize::from(eol > 0)))
}

/// `key = word` filling a line that starts at `pos`: a key of letters,
/// digits, `_ . -`, and a one-word value of letters, digits and
/// `_ . / : , + @ -` (`memory_limit = 128M`, `display_errors = Off`,
/// `error_reporting = E_ALL`), then blanks and a line end. Anything else
/// (quotes, `${`, operators, offsets, comments after the value, a value at
/// the end of the file) is the grammar's.
pub(super) fn simple_entry(source: &[u8], pos: usize, section: Option<usize>) -> Option<(IniLine, usize)> {
    // Only at the start of a line: the grammar's `key_lead` and what a
    // statement left on its line are not handled here.
    if pos > 0 && !matches!(source.get(pos - 1), Some(b'\n' | b'\r')) {
        return None;
    }
    let rest = source.get(pos..)?;
    let key_len = rest.iter().take_while(|b| is_key_byte(**b)).count();
    let key = &rest[..key_len];
    // A boolean word as a key is a syntax error (the grammar's `bool_key`).
    if key.is_empty() || BOOL_WORDS.iter().any(|(word, _)| key.eq_ignore_ascii_case(word)) {
        return None;
    }
    let equals = key_len + blank_count(&rest[key_len..]);
    if rest.get(equals) != Some(&b'=') {
        return None;
    }
    let value_start = equals + 1 + blank_count(&rest[equals + 1..]);
    let value_len = rest[value_start..].iter().take_while(|b| is_value_byte(**b)).count();
    if value_len == 0 {
        return None;
    }
    let value_end = value_start + value_len;
    let line_end = value_end + blank_count(&rest[value_end..]);
    let eol = line_end_len(&rest[line_end..]);
    if eol == 0 {
        return None;
    }
    let value_span = Span::new(pos + value_start, pos + value_end);
    let piece = Piece { span: value_span, kind: word_kind(&rest[value_start..value_end]) };
    let entry = Entry {
        key: Span::new(pos, pos + key_len),
        key_text: String::from_utf8_lossy(key).into_owned(),
        offset: None,
        offset_value: None,
        equals: Some(Span::new(pos + equals, pos + equals + 1)),
        value: Some(IniValue { span: value_span, pieces: vec![piece] }),
        comment: None,
        section,
        hash_line: false,
    };
    Some((IniLine { span: Span::new(pos, pos + line_end + eol), kind: IniLineKind::Entry(entry) }, 1))
}

/// The words PHP's scanner reads as booleans or null, in any case.
const BOOL_WORDS: &[(&[u8], PieceKind)] = &[
    (b"true", PieceKind::Bool(true)),
    (b"yes", PieceKind::Bool(true)),
    (b"on", PieceKind::Bool(true)),
    (b"false", PieceKind::Bool(false)),
    (b"off", PieceKind::Bool(false)),
    (b"none", PieceKind::Bool(false)),
    (b"no", PieceKind::Bool(false)),
    (b"null", PieceKind::Null),
];

/// A whole value word as the grammar's `value_token` reads it, in its
/// order: `bool_word`, `constant`, `number`, `bare`.
fn word_kind(word: &[u8]) -> PieceKind {
    if let Some((_, kind)) = BOOL_WORDS.iter().find(|(w, _)| word.eq_ignore_ascii_case(w)) {
        return kind.clone();
    }
    let is_constant = word.first().is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
        && word.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_');
    if is_constant {
        return PieceKind::Constant;
    }
    if is_number(word) { PieceKind::Number } else { PieceKind::Bare }
}

/// The grammar's `number`: `digits* . digits+`, `digits+ . digits*` or
/// `-? digits+`, as the whole word.
fn is_number(word: &[u8]) -> bool {
    let digits = |bytes: &[u8]| bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    let lead = digits(word);
    if word.get(lead) == Some(&b'.') {
        let tail = digits(&word[lead + 1..]);
        return lead + 1 + tail == word.len() && (lead > 0 || tail > 0);
    }
    let unsigned = word.strip_prefix(b"-").unwrap_or(word);
    !unsigned.is_empty() && digits(unsigned) == unsigned.len()
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

fn is_value_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'/' | b':' | b',' | b'+' | b'@' | b'-')
}

/// Spaces and tabs at the start of `bytes`.
fn blank_count(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|b| **b == b' ' || **b == b'\t').count()
}

/// The length of the line end at the start of `bytes`: PHP ends a line at
/// LF, CR LF, or a lone CR; 0 when there is none.
fn line_end_len(bytes: &[u8]) -> usize {
    match bytes {
        [b'\r', b'\n', ..] => 2,
        [b'\n' | b'\r', ..] => 1,
        _ => 0,
    }
}
