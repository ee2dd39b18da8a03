//! The lossless syntax tree of one php.ini file, and what it offers.
//!
//! The tree is flat: a list of statements in file order, each holding the
//! range of bytes it came from, so printing the statements gives back the
//! file. Reading is done by `php::build` with the pest grammar
//! `grammars/php_ini.pest` (PHP's scanner) and `php::check` (PHP's
//! parser, for errors in PHP's own words).

use std::borrow::Cow;

use crate::error::SyntaxError;
use crate::php::build;
use crate::text::{LineIndex, Span, lossy};

/// Deepest nesting of parentheses accepted in a value. PHP's own limit is
/// bison's stack (10,000); nobody writes more than a few levels, and a
/// fixed bound keeps every later walk over a value cheap.
pub const MAX_PAREN_DEPTH: usize = 64;

/// One parsed php.ini file.
#[derive(Debug, Clone)]
pub struct PhpIniFile {
    source: Vec<u8>,
    index: LineIndex,
    /// A UTF-8 byte-order mark at the start, which PHP skips.
    pub bom: Option<Span>,
    /// The statements in file order.
    pub lines: Vec<IniLine>,
    /// For a template (`httpd.conf.j2`): where its holes, tags and blocks
    /// are. The source holds the template's own bytes.
    template: Option<Box<crate::template::TemplateInfo>>,
}

/// One statement: usually one physical line; a value with a multi-line
/// quoted string is one statement, and a few odd forms put two statements
/// on one line (`[a] x = 1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IniLine {
    /// All bytes of the statement, its line ending included.
    pub span: Span,
    /// What the statement is.
    pub kind: IniLineKind,
}

/// The kinds of statements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IniLineKind {
    /// Empty or only spaces and tabs.
    Blank,
    /// A `;` comment on its own line; `text` starts at the `;`.
    Comment {
        /// From the `;` to the end of the line.
        text: Span,
    },
    /// `[name]`.
    Section {
        /// The bytes between `[` and `]`.
        name: Span,
        /// The name as PHP reads it (quotes removed, pieces joined; spaces
        /// kept). `${VAR}` counts as empty here: see [`crate::php::model`].
        name_value: String,
        /// The pieces of the name, for `${VAR}` expansion.
        pieces: Vec<Piece>,
        /// A `;` comment after the `]`.
        comment: Option<Span>,
    },
    /// `key = value` and its forms.
    Entry(Entry),
}

/// `key = value`, `key[offset] = value`, or a bare `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key, without the spaces around it.
    pub key: Span,
    /// The key as PHP stores it (trimmed; case kept: keys are case-sensitive).
    pub key_text: String,
    /// The bytes between `[` and `]` of `key[offset]`.
    pub offset: Option<Span>,
    /// The pieces of the offset; evaluate with [`crate::php::value::evaluate_offset`].
    pub offset_value: Option<IniValue>,
    /// The `=` sign; `None` for a bare key.
    pub equals: Option<Span>,
    /// The value; `None` for a bare key, which the php.ini loader ignores.
    pub value: Option<IniValue>,
    /// A `;` comment after the value or key.
    pub comment: Option<Span>,
    /// The section header in force: an index into [`PhpIniFile::lines`].
    pub section: Option<usize>,
    /// Whether the key text starts with `#`: a line meant as a comment,
    /// which PHP 7+ reads as a key (or as a directive when it holds `=`).
    pub(crate) hash_line: bool,
}

impl Entry {
    /// Whether the key starts with `#`, i.e. a line that was written as a
    /// comment but is a bare key or even a directive for PHP >= 7.
    pub fn is_hash_line(&self) -> bool {
        self.hash_line
    }

    /// Whether this is `key[...] = value`, which builds an array.
    pub fn is_array(&self) -> bool {
        self.offset.is_some()
    }
}

/// The right-hand side of `=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IniValue {
    /// From the first to the last non-blank byte of the value; trailing
    /// blanks and a trailing comment are not part of it. Empty (at the
    /// place a value would go) for `key =`.
    pub span: Span,
    /// The tokens in order. A [`PieceKind::Whitespace`] piece may follow
    /// `span` when PHP keeps the blanks (a value at the very end of a file
    /// without a final newline).
    pub pieces: Vec<Piece>,
}

impl IniValue {
    /// Whether the value is one boolean or null word (`On`, `off`, `null`).
    pub fn bool_word(&self) -> Option<bool> {
        match self.pieces.as_slice() {
            [Piece { kind: PieceKind::Bool(b), .. }] => Some(*b),
            [Piece { kind: PieceKind::Null, .. }] => Some(false),
            _ => None,
        }
    }

    /// Whether the value is an expression (uses `| & ^ ~ !` or parentheses).
    pub fn is_expression(&self) -> bool {
        self.pieces
            .iter()
            .any(|p| matches!(p.kind, PieceKind::Operator(_) | PieceKind::OpenParen | PieceKind::CloseParen))
    }
}

/// One token of a value, offset or section name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// The piece's bytes.
    pub span: Span,
    /// What the piece is.
    pub kind: PieceKind,
}

/// The kinds of value pieces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PieceKind {
    /// Unquoted text (PHP's TC_STRING).
    Bare,
    /// A name that PHP looks up as a constant (`E_ALL`); unknown names stay text.
    Constant,
    /// A number, kept as text in NORMAL mode.
    Number,
    /// `true`/`on`/`yes` (true) or `false`/`off`/`no`/`none` (false), any case.
    Bool(bool),
    /// `null`, any case.
    Null,
    /// `'raw'`, quotes included in the span.
    SingleQuoted,
    /// `"..."`, quotes included in the span; `parts` are [`PieceKind::Text`]
    /// and [`PieceKind::Variable`] pieces.
    DoubleQuoted {
        /// The text and variables inside the quotes.
        parts: Vec<Piece>,
    },
    /// Text inside double quotes, escapes not yet applied.
    Text,
    /// `${NAME}`; `name` is the text between the braces (PHP trims it).
    Variable {
        /// The variable's name.
        name: Span,
    },
    /// `|`, `&`, `^`, `~` or `!`.
    Operator(Operator),
    /// `(`
    OpenParen,
    /// `)`
    CloseParen,
    /// Spaces and tabs between tokens, which are part of the value.
    Whitespace,
}

/// The operators of a value expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `|`
    Or,
    /// `&`
    And,
    /// `^`
    Xor,
    /// `~`
    BitNot,
    /// `!`
    Not,
}

impl Operator {
    /// The operator's character.
    pub fn as_char(self) -> char {
        match self {
            Operator::Or => '|',
            Operator::And => '&',
            Operator::Xor => '^',
            Operator::BitNot => '~',
            Operator::Not => '!',
        }
    }

    pub(crate) fn from_byte(b: u8) -> Option<Operator> {
        Some(match b {
            b'|' => Operator::Or,
            b'&' => Operator::And,
            b'^' => Operator::Xor,
            b'~' => Operator::BitNot,
            b'!' => Operator::Not,
            _ => return None,
        })
    }

    /// Whether the operator takes one operand (`~`, `!`).
    pub fn is_unary(self) -> bool {
        matches!(self, Operator::BitNot | Operator::Not)
    }
}

impl PhpIniFile {
    /// The template facts, when the file is a template.
    pub fn template(&self) -> Option<&crate::template::TemplateInfo> {
        self.template.as_deref()
    }

    /// Turn a file parsed from a template's masked bytes back into the
    /// template: the original bytes (of the same length: every span still
    /// points at the same bytes) and what the mask found.
    pub(crate) fn adopt_template(&mut self, original: Vec<u8>, info: crate::template::TemplateInfo) {
        debug_assert_eq!(original.len(), self.source.len());
        if original.len() == self.source.len() {
            self.source = original;
            self.template = Some(Box::new(info));
        }
    }

    /// Parse `source` as PHP 8.2 reads a php.ini file. Fails on the first
    /// error PHP would report, with PHP's message and line number.
    ///
    /// ```
    /// use conflint_core::php::{PhpIniFile, evaluate};
    ///
    /// let text = "[PHP]\r\nexpose_php = Off ; hide the version\r\n";
    /// let file = PhpIniFile::parse(text).unwrap();
    /// assert_eq!(file.print(), text.as_bytes());
    /// let (_, entry) = file.entries().next().unwrap();
    /// assert_eq!(entry.key_text, "expose_php");
    /// assert_eq!(file.text(entry.value.as_ref().unwrap().span), "Off");
    /// assert_eq!(evaluate(&file, entry.value.as_ref().unwrap(), &|_| None), "");
    ///
    /// let error = PhpIniFile::parse("a = 1\nb = foo(bar)\n").unwrap_err();
    /// assert_eq!(error.message, "syntax error, unexpected '('");
    /// assert_eq!((error.line, error.column), (2, 8));
    /// ```
    pub fn parse(source: impl Into<Vec<u8>>) -> Result<Self, SyntaxError> {
        Self::parse_with(source.into(), true)
    }

    /// Parse with the grammar alone, without the byte-level reading of
    /// blank and comment lines. Gives the same tree as [`PhpIniFile::parse`]
    /// (the tests check it); slower.
    #[doc(hidden)]
    pub fn parse_with_grammar_only(source: impl Into<Vec<u8>>) -> Result<Self, SyntaxError> {
        Self::parse_with(source.into(), false)
    }

    fn parse_with(source: Vec<u8>, fast: bool) -> Result<Self, SyntaxError> {
        let index = LineIndex::new(&source);
        let (bom, lines) = build::build(&source, fast)?;
        Ok(PhpIniFile { source, index, bom, lines, template: None })
    }

    /// The values of keys named like secrets (`mysql.default_password`,
    /// `session.save_path` is not one).
    pub fn secret_spans(&self) -> Vec<Span> {
        self.lines
            .iter()
            .filter_map(|l| match &l.kind {
                IniLineKind::Entry(e) if crate::secret::is_secret_name(&e.key_text) => e.value.as_ref().map(|v| v.span),
                _ => None,
            })
            .collect()
    }

    /// The `;` comments that stand alone on their lines, in order.
    pub fn comment_spans(&self) -> impl Iterator<Item = Span> + '_ {
        self.lines.iter().filter_map(|l| match l.kind {
            IniLineKind::Comment { text } => Some(text),
            _ => None,
        })
    }

    /// The original bytes.
    pub fn source(&self) -> &[u8] {
        &self.source
    }

    /// Line starts, for line and column numbers.
    pub fn line_index(&self) -> &LineIndex {
        &self.index
    }

    /// Print the tree: the BOM and every statement, in order. Equal to the input.
    pub fn print(&self) -> Vec<u8> {
        crate::text::print_spans(&self.source, self.bom, self.lines.iter().map(|l| l.span))
    }

    /// The bytes of `span` as text (invalid UTF-8 becomes U+FFFD).
    pub fn text(&self, span: Span) -> Cow<'_, str> {
        lossy(self.source.get(span.range()).unwrap_or_default())
    }

    /// The raw bytes of `span`.
    pub fn bytes(&self, span: Span) -> &[u8] {
        self.source.get(span.range()).unwrap_or_default()
    }

    /// The entries in file order, with their index in [`PhpIniFile::lines`].
    pub fn entries(&self) -> impl Iterator<Item = (usize, &Entry)> + '_ {
        self.lines.iter().enumerate().filter_map(|(i, l)| match &l.kind {
            IniLineKind::Entry(e) => Some((i, e)),
            _ => None,
        })
    }

    /// The evaluated name of the section header at `line`, if it is one.
    pub fn section_name(&self, line: usize) -> Option<&str> {
        match &self.lines.get(line)?.kind {
            IniLineKind::Section { name_value, .. } => Some(name_value),
            _ => None,
        }
    }

    /// A readable dump of the tree, one statement per line; used by snapshot
    /// tests and for debugging.
    pub fn outline(&self) -> String {
        let mut out = String::new();
        if let Some(bom) = self.bom {
            out.push_str(&format!("{bom:?} Bom\n"));
        }
        for line in &self.lines {
            let what = match &line.kind {
                IniLineKind::Blank => "Blank".to_string(),
                IniLineKind::Comment { text } => format!("Comment {:?}", self.text(*text)),
                IniLineKind::Section { name, name_value, comment, .. } => {
                    let mut s = format!("Section {:?} -> {:?}", self.text(*name), name_value);
                    if let Some(c) = comment {
                        s.push_str(&format!(" comment {:?}", self.text(*c)));
                    }
                    s
                }
                IniLineKind::Entry(entry) => self.outline_entry(entry),
            };
            out.push_str(&format!("{:?} {what}\n", line.span));
        }
        out
    }

    fn outline_entry(&self, entry: &Entry) -> String {
        let no_vars = |_: &str| None;
        let mut s = format!("Entry {:?}", entry.key_text);
        if let Some(offset) = &entry.offset_value {
            s.push_str(&format!(
                "[{}] -> {:?}",
                self.outline_pieces(&offset.pieces),
                crate::php::value::evaluate_offset(self, offset, &no_vars)
            ));
        }
        match &entry.value {
            Some(value) => s.push_str(&format!(
                " = [{}] -> {:?}",
                self.outline_pieces(&value.pieces),
                crate::php::value::evaluate(self, value, &no_vars)
            )),
            None => s.push_str(" (bare)"),
        }
        if let Some(c) = entry.comment {
            s.push_str(&format!(" comment {:?}", self.text(c)));
        }
        if let Some(section) = entry.section {
            s.push_str(&format!(" in #{section}"));
        }
        s
    }

    fn outline_pieces(&self, pieces: &[Piece]) -> String {
        pieces
            .iter()
            .map(|p| {
                let name = match &p.kind {
                    PieceKind::Bare => "Bare".to_string(),
                    PieceKind::Constant => "Const".to_string(),
                    PieceKind::Number => "Num".to_string(),
                    PieceKind::Bool(b) => format!("Bool({b})"),
                    PieceKind::Null => "Null".to_string(),
                    PieceKind::SingleQuoted => "SQ".to_string(),
                    PieceKind::DoubleQuoted { .. } => "DQ".to_string(),
                    PieceKind::Text => "Text".to_string(),
                    PieceKind::Variable { .. } => "Var".to_string(),
                    PieceKind::Operator(_) => "Op".to_string(),
                    PieceKind::OpenParen | PieceKind::CloseParen => "Paren".to_string(),
                    PieceKind::Whitespace => "WS".to_string(),
                };
                format!("{name} {:?}", self.text(p.span))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}
