//! Physical lines into logical lines, for main.cf and master.cf alike
//! (Postfix reads both with `readllines()`), and the text of a logical line
//! as Postfix sees it, with a map back to the file's bytes.
//!
//! The grammars are `grammars/postfix_main_cf.pest` and
//! `grammars/postfix_master_cf.pest`; they differ only in the name of the
//! logical-line rule, and both are read here into [`Statement`]s.

use pest::Parser;
use pest::iterators::Pair;

use crate::error::SyntaxError;
use crate::text::{Span, parse_view};

mod main_grammar {
    #[derive(pest_derive::Parser)]
    #[grammar = "../../grammars/postfix_main_cf.pest"]
    pub(super) struct MainCfGrammar;
}

mod master_grammar {
    #[derive(pest_derive::Parser)]
    #[grammar = "../../grammars/postfix_master_cf.pest"]
    pub(super) struct MasterCfGrammar;
}

/// Postfix's ISSPACE: space, TAB, LF, VT, FF, CR.
pub(crate) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r')
}

/// One logical line: the physical lines Postfix joins into one setting or
/// one service, with the comment and blank lines that sit between them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogicalLine {
    /// The content of each physical line of the setting, without its LF (a
    /// CR before the LF is content: Postfix keeps it and treats it as white
    /// space). The first starts at a visible character, the others with
    /// the white space that makes them continuation lines.
    pub lines: Vec<Span>,
    /// Comment lines between the physical lines, from `#` to the line end.
    pub comments: Vec<Span>,
}

impl LogicalLine {
    /// The text Postfix reads: the physical lines glued together with
    /// nothing in between, cut at the first NUL byte (Postfix handles it
    /// as a C string), with the map from its offsets back to the file.
    pub fn text(&self, source: &[u8]) -> LogicalText {
        let mut text = Vec::new();
        let mut map = Vec::with_capacity(self.lines.len());
        for line in &self.lines {
            let bytes = source.get(line.range()).unwrap_or_default();
            map.push((text.len(), line.start));
            match memchr::memchr(0, bytes) {
                Some(nul) => {
                    text.extend_from_slice(&bytes[..nul]);
                    break;
                }
                None => text.extend_from_slice(bytes),
            }
        }
        LogicalText { text, map }
    }
}

/// The joined text of a logical line and where each byte came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogicalText {
    /// The bytes Postfix reads for the logical line.
    pub text: Vec<u8>,
    /// For each physical line: (offset in `text`, offset in the file).
    map: Vec<(usize, usize)>,
}

impl LogicalText {
    /// The file offset of the byte at `offset` in the joined text.
    pub fn source_offset(&self, offset: usize) -> usize {
        let i = self.map.partition_point(|(start, _)| *start <= offset).saturating_sub(1);
        match self.map.get(i) {
            Some((start, file)) => file + (offset - start),
            None => offset,
        }
    }

    /// The file span of `start..end` in the joined text. The end of a
    /// range that stops at a joint between two lines stays on the earlier
    /// line, so a span never takes in a line end it does not need.
    pub fn source_span(&self, start: usize, end: usize) -> Span {
        let from = self.source_offset(start);
        if end <= start {
            return Span::empty(from);
        }
        Span::new(from, self.source_offset(end - 1) + 1)
    }
}

/// One statement of a main.cf or master.cf file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Statement {
    /// White space only, line end included.
    Blank(Span),
    /// A comment line: the whole line, and the text from `#`.
    Comment(Span, Span),
    /// A setting (main.cf) or service (master.cf).
    Logical(Span, LogicalLine),
    /// Continuation lines with nothing to continue: Postfix ignores them.
    Orphan(Span, LogicalLine),
}

/// Which of the two files is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    Main,
    Master,
}

// The two grammars generate two `Rule` enums with the same rule names; one
// macro reads either into `Statement`s.
macro_rules! read_statements {
    ($grammar:ty, $rules:path, $logical:ident, $source:expr) => {{
        use $rules as R;
        fn span_of(pair: &Pair<'_, R>, base: usize) -> Span {
            let s = pair.as_span();
            Span::new(s.start() + base, s.end() + base)
        }
        fn logical(pair: Pair<'_, R>, base: usize) -> LogicalLine {
            let mut lines = Vec::new();
            let mut comments = Vec::new();
            for inner in pair.into_inner() {
                match inner.as_rule() {
                    R::first_line | R::continuation => {
                        if let Some(text) = inner.into_inner().next() {
                            lines.push(span_of(&text, base));
                        }
                    }
                    R::comment_line => {
                        if let Some(text) = inner.into_inner().next() {
                            comments.push(span_of(&text, base));
                        }
                    }
                    _ => {}
                }
            }
            LogicalLine { lines, comments }
        }
        let source: &[u8] = $source;
        let view = parse_view(source);
        let mut out = Vec::new();
        let mut pos = 0;
        while pos < view.len() {
            let rest = view.get(pos..).unwrap_or_default();
            let chunk = <$grammar>::parse(R::chunk, rest).ok().and_then(|mut pairs| pairs.next());
            // The grammar reads every input; this is a safety net.
            let Some(chunk) = chunk.filter(|c| c.as_span().end() > 0) else {
                return Err(SyntaxError::at_offset(source, Span::empty(pos), "cannot read this line"));
            };
            let consumed = chunk.as_span().end();
            for statement in chunk.into_inner() {
                for pair in statement.into_inner() {
                    let span = span_of(&pair, pos);
                    out.push(match pair.as_rule() {
                        R::blank_line => Statement::Blank(span),
                        R::comment_line => {
                            let text = pair.into_inner().next().map(|t| span_of(&t, pos)).unwrap_or(span);
                            Statement::Comment(span, text)
                        }
                        R::$logical => Statement::Logical(span, logical(pair, pos)),
                        R::orphan => Statement::Orphan(span, logical(pair, pos)),
                        _ => continue,
                    });
                }
            }
            pos += consumed;
        }
        Ok(out)
    }};
}

/// Read `source` into statements; only a failure of the grammar itself
/// (which reads every input) is an error.
pub(crate) fn statements(source: &[u8], flavor: Flavor) -> Result<Vec<Statement>, SyntaxError> {
    match flavor {
        Flavor::Main => {
            read_statements!(main_grammar::MainCfGrammar, main_grammar::Rule, parameter, source)
        }
        Flavor::Master => {
            read_statements!(master_grammar::MasterCfGrammar, master_grammar::Rule, entry, source)
        }
    }
}

/// One word of a list: its text (braces kept) and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Word {
    /// The word as Postfix splits it; a `{...}` group keeps its braces.
    pub text: String,
    /// Offsets of the word in the text it was split from.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// Split `text` as Postfix's `mystrtokq()` does: words separated by any of
/// `separators`, except inside `{...}` (braces nest; a `}` with no open
/// brace is an ordinary character). Linear, no recursion.
pub(super) fn split_words(text: &[u8], separators: &[u8]) -> Vec<Word> {
    let mut words = Vec::new();
    let mut i = 0;
    while i < text.len() {
        while i < text.len() && separators.contains(&text[i]) {
            i += 1;
        }
        if i >= text.len() {
            break;
        }
        let start = i;
        let mut level = 0usize;
        while i < text.len() {
            let c = text[i];
            if c == b'{' {
                level += 1;
            } else if level > 0 && c == b'}' {
                level -= 1;
            } else if level == 0 && separators.contains(&c) {
                break;
            }
            i += 1;
        }
        words.push(Word { text: String::from_utf8_lossy(&text[start..i]).into_owned(), start, end: i });
    }
    words
}

/// The separators of Postfix lists (`CHARS_COMMA_SP`): comma, space, TAB, CR, LF.
pub(super) const LIST_SEPARATORS: &[u8] = b", \t\r\n";

/// The separators of master.cf fields and of words (`CHARS_SPACE`).
pub(super) const WORD_SEPARATORS: &[u8] = b" \t\r\n";

/// The text inside a `{...}` group with the white space around it trimmed
/// (`extpar()` with EXTPAR_FLAG_STRIP), or `None` when `word` is not a
/// well-formed group (Postfix warns and keeps what it can).
pub(super) fn brace_payload(word: &str) -> Option<&str> {
    let inner = word.strip_prefix('{')?.strip_suffix('}')?;
    // The closing brace must be the one that balances the first.
    let mut level = 1usize;
    for (i, c) in word.bytes().enumerate().skip(1) {
        match c {
            b'{' => level += 1,
            b'}' => {
                level -= 1;
                if level == 0 && i + 1 != word.len() {
                    return None;
                }
            }
            _ => {}
        }
    }
    Some(inner.trim_matches(|c: char| c.is_ascii() && is_space(c as u8)))
}
