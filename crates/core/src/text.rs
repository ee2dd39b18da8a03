//! The bytes of one file, and the conversions every parser needs: a `str`
//! view for pest, byte offsets to line and column, and the file's line ending.

use std::borrow::Cow;
use std::fmt;

/// A half-open byte range `start..end` into a file's original bytes.
///
/// Spans are always byte offsets into the bytes as read from disk, never into
/// a decoded or joined copy, so that an edit at a span touches exactly those
/// bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The span `start..end`.
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// An empty span at `offset`, the position of an insertion.
    pub const fn empty(offset: usize) -> Self {
        Span { start: offset, end: offset }
    }

    /// Number of bytes.
    pub const fn len(&self) -> usize {
        self.end - self.start
    }

    /// Whether it covers no byte (an insertion point).
    pub const fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// As a `Range`, for slicing.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start..self.end
    }

    /// Whether two spans share at least one byte, or are the same insertion point.
    pub fn overlaps(&self, other: &Span) -> bool {
        if self.is_empty() || other.is_empty() {
            return self.start < other.end && other.start < self.end || self.start == other.start;
        }
        self.start < other.end && other.start < self.end
    }

    /// The same span `by` bytes later.
    pub fn shifted(&self, by: usize) -> Span {
        Span::new(self.start + by, self.end + by)
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// The byte pest sees in place of each byte that is not valid UTF-8.
///
/// DEL is plain ASCII, is not whitespace and has no meaning in any of the
/// three grammars, so a Shift_JIS comment or a Latin-1 `ServerAdmin` parses
/// exactly like ASCII text of the same length. Spans therefore line up with
/// the original bytes, and the tree's text is always read from those.
pub const INVALID_BYTE_STAND_IN: u8 = 0x7F;

/// A `str` view of `bytes` with every byte of an invalid UTF-8 sequence
/// replaced by [`INVALID_BYTE_STAND_IN`]. Same length as the input, so every
/// byte offset means the same thing in both. Borrows when the file is valid
/// UTF-8, which is nearly always.
pub fn parse_view(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => {
            let mut out = Vec::with_capacity(bytes.len());
            let mut rest = bytes;
            loop {
                match std::str::from_utf8(rest) {
                    Ok(valid) => {
                        out.extend_from_slice(valid.as_bytes());
                        break;
                    }
                    Err(e) => {
                        let good = e.valid_up_to();
                        out.extend_from_slice(&rest[..good]);
                        let bad = e.error_len().unwrap_or(rest.len() - good);
                        out.extend(std::iter::repeat_n(INVALID_BYTE_STAND_IN, bad));
                        rest = &rest[good + bad..];
                    }
                }
            }
            // Only valid sequences and ASCII stand-ins were copied.
            Cow::Owned(String::from_utf8(out).unwrap_or_default())
        }
    }
}

/// Text of a byte slice for messages and for values compared by rules:
/// valid UTF-8 is kept, anything else becomes U+FFFD.
pub fn lossy(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// A 1-based line and column. Columns count characters, as the JSON output
/// promises; an invalid byte counts as one character.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineColumn {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

/// Maps byte offsets to lines and columns. Lines end at LF, as editors and
/// httpd count them; a CR before the LF belongs to the line ending.
#[derive(Clone, Debug)]
pub struct LineIndex {
    /// Byte offset where each line starts; `line_starts[0] == 0`.
    line_starts: Vec<usize>,
}

impl LineIndex {
    /// Index the line starts of `bytes`.
    pub fn new(bytes: &[u8]) -> Self {
        let mut line_starts = Vec::with_capacity(bytes.len() / 32 + 1);
        line_starts.push(0);
        line_starts.extend(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1));
        LineIndex { line_starts }
    }

    /// Number of lines; a final line without a newline counts, an empty tail after the last newline does not.
    pub fn line_count(&self, len: usize) -> usize {
        match self.line_starts.last() {
            Some(&last) if last == len && self.line_starts.len() > 1 => self.line_starts.len() - 1,
            _ => self.line_starts.len(),
        }
    }

    /// 0-based line number of the line holding `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// Byte offset where 0-based `line` starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts.get(line).copied().unwrap_or(usize::MAX)
    }

    /// The 1-based line and character column of `offset` in `bytes`.
    pub fn line_column(&self, bytes: &[u8], offset: usize) -> LineColumn {
        let offset = offset.min(bytes.len());
        let line = self.line_of(offset);
        let start = self.line_starts[line];
        let column = char_count(&bytes[start..offset]) + 1;
        LineColumn { line: line + 1, column }
    }

    /// The bytes of 0-based `line`, without its line ending.
    pub fn line_text<'a>(&self, bytes: &'a [u8], line: usize) -> &'a [u8] {
        let start = self.line_start(line).min(bytes.len());
        let end = self.line_starts.get(line + 1).map_or(bytes.len(), |next| next - 1);
        let mut text = &bytes[start..end.max(start)];
        if let Some(stripped) = text.strip_suffix(b"\r") {
            text = stripped;
        }
        text
    }
}

/// Characters in `bytes`, counting each invalid byte as one.
pub fn char_count(bytes: &[u8]) -> usize {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.chars().count(),
        Err(_) => parse_view(bytes).chars().count(),
    }
}

/// The line ending a file uses, so inserted lines match their neighbours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineEnding {
    /// `\n`
    Lf,
    /// `\r\n`
    CrLf,
    /// A lone `\r`.
    Cr,
}

impl LineEnding {
    /// The ending of the first line that has one; LF for a file without any.
    pub fn detect(bytes: &[u8]) -> Self {
        for (i, &b) in bytes.iter().enumerate() {
            match b {
                b'\n' => {
                    return if i > 0 && bytes[i - 1] == b'\r' { LineEnding::CrLf } else { LineEnding::Lf };
                }
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => return LineEnding::Cr,
                _ => {}
            }
        }
        LineEnding::Lf
    }

    /// The ending's bytes.
    pub fn as_str(self) -> &'static str {
        match self {
            LineEnding::Lf => "\n",
            LineEnding::CrLf => "\r\n",
            LineEnding::Cr => "\r",
        }
    }
}

/// Print a lossless tree: the bytes of an optional BOM, then of each node's
/// span, in order. The trees never hand back their input as such: printing
/// goes through the nodes, so a byte no node covers would be missing.
pub fn print_spans(source: &[u8], bom: Option<Span>, spans: impl Iterator<Item = Span>) -> Vec<u8> {
    let mut out = Vec::with_capacity(source.len());
    for span in bom.into_iter().chain(spans) {
        out.extend_from_slice(&source[span.range()]);
    }
    out
}

/// The UTF-8 byte-order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The leading spaces and tabs of the line that starts at `line_start`.
pub fn indentation_at(bytes: &[u8], line_start: usize) -> &[u8] {
    let rest = &bytes[line_start.min(bytes.len())..];
    let n = rest.iter().take_while(|b| **b == b' ' || **b == b'\t').count();
    &rest[..n]
}

/// Text safe to print on a terminal or into a CI log: control characters
/// (C0, DEL, C1: escape sequences, line breaks that would start a forged
/// `::error` workflow command) become `\n`, `\x1b`, `\u{9b}`; the rest is
/// kept. Borrows when there is nothing to escape, which is nearly always.
///
/// ```
/// use conflint_core::text::escape_control;
/// assert_eq!(escape_control("ServerName a\x1b]0;pwned\x07"), "ServerName a\\x1b]0;pwned\\x07");
/// assert_eq!(escape_control("x\n::error::y"), "x\\n::error::y");
/// assert_eq!(escape_control("plain"), "plain");
/// ```
pub fn escape_control(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x100 && is_control(c) => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if is_control(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// C0 and C1 control characters and DEL, plus the Unicode line and
/// paragraph separators and the bidirectional overrides that reorder
/// what a terminal shows.
fn is_control(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A path as users read it, unambiguous and safe to print: as given when it
/// is plain UTF-8 without control characters; otherwise in double quotes
/// with control characters and each byte that is not UTF-8 escaped
/// (`"sites/\xff.conf"`), as git quotes unusual names. Two different paths
/// never print the same.
///
/// ```
/// use std::path::Path;
/// use conflint_core::text::quoted_path;
/// assert_eq!(quoted_path(Path::new("sites-enabled/shop.conf")), "sites-enabled/shop.conf");
/// assert_eq!(quoted_path(Path::new("a\nb.conf")), "\"a\\nb.conf\"");
/// ```
pub fn quoted_path(path: &std::path::Path) -> String {
    let bytes = path.as_os_str().as_encoded_bytes();
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.chars().any(is_control) && !text.contains('"') => text.to_string(),
        _ => {
            let mut out = String::from("\"");
            for chunk in bytes.utf8_chunks() {
                for c in chunk.valid().chars() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        c => out.push_str(&escape_control(c.encode_utf8(&mut [0; 4]))),
                    }
                }
                for b in chunk.invalid() {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            }
            out.push('"');
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_view_keeps_offsets_for_invalid_bytes() {
        let bytes = b"# \x82\xa0\x82\xa2 comment\nKey value\n";
        let view = parse_view(bytes);
        assert_eq!(view.len(), bytes.len());
        assert_eq!(&view[6..], " comment\nKey value\n");
        assert!(view.as_bytes()[2..6].iter().all(|b| *b == INVALID_BYTE_STAND_IN));
    }

    #[test]
    fn parse_view_borrows_valid_utf8() {
        assert!(matches!(parse_view("é".as_bytes()), Cow::Borrowed(_)));
    }

    #[test]
    fn line_column_counts_characters() {
        let bytes = "aé\nxyz\r\nq".as_bytes();
        let index = LineIndex::new(bytes);
        assert_eq!(index.line_column(bytes, 3), LineColumn { line: 1, column: 3 });
        assert_eq!(index.line_column(bytes, 4), LineColumn { line: 2, column: 1 });
        assert_eq!(index.line_column(bytes, 6), LineColumn { line: 2, column: 3 });
        assert_eq!(index.line_column(bytes, 9), LineColumn { line: 3, column: 1 });
        assert_eq!(index.line_text(bytes, 1), b"xyz");
        assert_eq!(index.line_count(bytes.len()), 3);
    }

    #[test]
    fn detects_line_endings() {
        assert_eq!(LineEnding::detect(b"a\r\nb\n"), LineEnding::CrLf);
        assert_eq!(LineEnding::detect(b"a\nb\r\n"), LineEnding::Lf);
        assert_eq!(LineEnding::detect(b"a\rb"), LineEnding::Cr);
        assert_eq!(LineEnding::detect(b"abc"), LineEnding::Lf);
    }

    #[test]
    fn empty_spans_overlap_only_at_the_same_point() {
        assert!(Span::empty(3).overlaps(&Span::empty(3)));
        assert!(Span::empty(3).overlaps(&Span::new(3, 5)));
        assert!(!Span::empty(5).overlaps(&Span::new(3, 5)));
        assert!(Span::new(2, 5).overlaps(&Span::empty(3)));
        assert!(!Span::new(2, 3).overlaps(&Span::new(3, 4)));
    }
}
