//! Cuts a gitlab.rb file into top-level items: blank lines, comment lines,
//! `=begin`/`=end` blocks, the `__END__` data section, and statements.
//!
//! Ruby ends a statement at a line break where nothing is open (no bracket,
//! string, heredoc or `if`/`do`/... block) and the line does not end in an
//! operator, a comma or a dot. Finding that needs a lexer, not a parser: this
//! one knows enough of Ruby's tokens to tell a `#` that starts a comment from
//! one inside a string, a `/` that divides from one that starts a regexp, a
//! heredoc from a shift, and a block `if` from a modifier `if`. Code it does
//! not model still ends in the right place, so it is kept verbatim as an
//! opaque statement and never disturbs the statements after it.
//!
//! The scanner also guards the grammar: every level of nesting (brackets,
//! strings in interpolation, keyword blocks) costs the recursive-descent
//! parser stack, so nesting deeper than [`MAX_DEPTH`] is an error here,
//! before the grammar sees it. It uses an explicit stack and runs in one pass,
//! so its own cost is linear whatever the input.

use crate::text::{LineIndex, Span};

/// Deepest nesting accepted. Real files nest literals 4 levels deep.
pub(crate) const MAX_DEPTH: usize = 256;

/// One top-level piece of the file. Items tile the file in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Item {
    /// Whole lines, line ending included (a statement ended by `;` ends
    /// after the `;` and the blanks that follow it).
    pub span: Span,
    pub kind: ItemKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ItemKind {
    Blank,
    /// A line holding only a comment; `text` is the comment without its line ending.
    Comment {
        text: Span,
    },
    /// `=begin` ... `=end`.
    EmbeddedDoc,
    /// `__END__` and everything after it, which Ruby does not read as code.
    Data,
    Statement {
        /// From the first to the last byte of code.
        code: Span,
        /// A comment after the code on the statement's last line.
        comment: Option<Span>,
        /// False when the code uses Ruby the grammar does not model
        /// (heredocs, regexps, `?c`, `$'`, `%` as an operator, ...): the
        /// grammar could then read the bytes differently from this lexer, so
        /// only the head of an assignment may be parsed.
        plain: bool,
    },
}

/// Why the file cannot be read: where the offending construct opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScanError {
    pub span: Span,
    pub message: String,
}

/// Cut `src[start..]` into items. `src` is the parse view (same length as the
/// file, invalid bytes replaced by DEL).
pub(crate) fn scan(src: &[u8], start: usize, index: &LineIndex) -> Result<Scanned, ScanError> {
    let mut scanner = Scanner::new(src, index);
    scanner.pos = start;
    let mut items = Vec::new();
    while scanner.pos < src.len() {
        items.push(scanner.item(start)?);
    }
    Ok(Scanned { items, comments: scanner.comments })
}

/// What scanning a file finds.
#[derive(Debug)]
pub(crate) struct Scanned {
    /// The items, tiling the file.
    pub items: Vec<Item>,
    /// Every comment that stands alone on its line, also those between the
    /// lines of a multi-line statement (never a `#` in a string or heredoc).
    pub comments: Vec<Span>,
}

/// Something open that a later byte must close.
#[derive(Debug, Clone, Copy)]
enum Ctx {
    /// `(`, `[` or `{` in code; `what` names it in messages.
    Bracket { open: usize, close: u8, what: &'static str },
    /// `#{` inside a string; a `}` closes it.
    Interp { open: usize },
    /// A string-like literal being read.
    Literal(Lit),
    /// `if`, `do`, `def`, ..., which `end` closes.
    Keyword { open: usize, word: &'static str },
}

#[derive(Debug, Clone, Copy)]
struct Lit {
    open: usize,
    /// Bytes of the opener (`'` is 1, `%w[` is 3), for messages.
    open_len: usize,
    close: u8,
    /// The opening bracket of a bracket-delimited percent literal, which
    /// nests: `%w[a [b] c]`.
    nest_open: Option<u8>,
    nest: usize,
    interpolates: bool,
    kind: LitKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LitKind {
    /// `'...'`, `"..."`, `%q()`, `%Q()`, `%()`.
    String,
    /// `%w[]`, `%i[]` and their interpolating forms.
    List,
    /// `/.../`, `%r{}`.
    Regexp,
    /// `%s()`.
    Symbol,
    /// `` `...` ``, `%x()`.
    Command,
}

impl LitKind {
    /// Ruby's name for it in "unterminated ... meets end of file".
    fn name(self) -> &'static str {
        match self {
            LitKind::String | LitKind::Command => "string",
            LitKind::List => "list",
            LitKind::Regexp => "regexp",
            LitKind::Symbol => "quoted symbol",
        }
    }
}

/// A heredoc whose body starts after the current line.
#[derive(Debug, Clone)]
struct Heredoc {
    opener: Span,
    id: Vec<u8>,
    /// `<<-ID` and `<<~ID` allow blanks before the terminator.
    indented: bool,
}

/// What the previous token leaves the lexer expecting, which decides how
/// ambiguous characters read (Ruby's lexer states, simplified).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Last {
    /// Start of a statement: a keyword opens a block.
    Start,
    /// After an operator, `,`, `(`, a label ...: an operand must follow, so a
    /// line break continues the statement.
    ExprBeg,
    /// After `.`, `&.` or `::`: a method name follows.
    Dot,
    /// After a bare identifier: `foo [1]`, `foo /x/`, `foo <<EOS` are arguments.
    Ident,
    /// After any other operand (literal, closing bracket, variable).
    Operand,
}

struct Scanner<'a> {
    src: &'a [u8],
    index: &'a LineIndex,
    pos: usize,
    stack: Vec<Ctx>,
    /// Nested delimiters inside percent literals, which count as depth.
    extra_depth: usize,
    heredocs: Vec<Heredoc>,
    last: Last,
    plain: bool,
    last_code_end: usize,
    line_comment: Option<Span>,
    /// Comments alone on their lines, in order.
    comments: Vec<Span>,
    /// Stack height right after a `def` header, while on the header's line:
    /// a `=` there makes an endless method (`def x = 1`), which has no `end`.
    def_header: Option<usize>,
    /// A `while`/`until`/`for` opened on this line, whose optional `do`
    /// belongs to it and opens nothing.
    loop_do: Option<usize>,
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | 0x0B | 0x0C)
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x7F
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x7F
}

/// Bytes of the UTF-8 character starting with `lead`.
fn char_len(lead: u8) -> usize {
    match lead {
        0xF0..=0xF7 => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

fn closer_of(open: u8) -> Option<u8> {
    match open {
        b'(' => Some(b')'),
        b'[' => Some(b']'),
        b'{' => Some(b'}'),
        b'<' => Some(b'>'),
        _ => None,
    }
}

impl<'a> Scanner<'a> {
    fn new(src: &'a [u8], index: &'a LineIndex) -> Self {
        Scanner {
            src,
            index,
            pos: 0,
            stack: Vec::new(),
            extra_depth: 0,
            heredocs: Vec::new(),
            last: Last::Start,
            plain: true,
            last_code_end: 0,
            line_comment: None,
            comments: Vec::new(),
            def_header: None,
            loop_do: None,
        }
    }

    fn at(&self, i: usize) -> u8 {
        self.src.get(i).copied().unwrap_or(0)
    }

    fn line_number(&self, offset: usize) -> usize {
        self.index.line_of(offset) + 1
    }

    /// Offset of the `\n` ending the line that holds `from`, or the file's end.
    fn line_end(&self, from: usize) -> usize {
        self.src[from.min(self.src.len())..].iter().position(|&b| b == b'\n').map_or(self.src.len(), |p| from + p)
    }

    /// `end`, moved back over a CR that belongs to a CRLF line ending.
    fn trim_cr(&self, start: usize, end: usize) -> usize {
        if end > start && self.src[end - 1] == b'\r' && self.at(end) == b'\n' { end - 1 } else { end }
    }

    fn skip_blanks(&self, mut p: usize) -> usize {
        while p < self.src.len() && is_blank(self.src[p]) {
            p += 1;
        }
        p
    }

    fn expr_beg(&self) -> bool {
        matches!(self.last, Last::Start | Last::ExprBeg)
    }

    /// After an identifier and a blank: `foo <<EOS`, `foo ?c`.
    fn after_ident_and_blank(&self, start: usize) -> bool {
        self.last == Last::Ident && start > 0 && is_blank(self.src[start - 1])
    }

    /// After an identifier and a blank, with no blank next: `foo [1]`,
    /// `foo /re/`, `foo %w[a]`, `foo <<EOS` pass an argument.
    fn command_arg(&self, start: usize) -> bool {
        self.last == Last::Ident
            && start > 0
            && is_blank(self.src[start - 1])
            && !is_blank(self.at(start + 1))
            && self.at(start + 1) != b'\n'
    }

    // ------------------------------------------------------------------
    // Top-level items
    // ------------------------------------------------------------------

    fn item(&mut self, body_start: usize) -> Result<Item, ScanError> {
        let begin = self.pos;
        let at_line_start = begin == body_start || self.src[begin - 1] == b'\n';
        if at_line_start && self.embedded_doc_starts(begin) {
            let end = self.embedded_doc_end(begin)?;
            self.pos = end;
            return Ok(Item { span: Span::new(begin, end), kind: ItemKind::EmbeddedDoc });
        }
        if at_line_start && self.data_starts(begin) {
            self.pos = self.src.len();
            return Ok(Item { span: Span::new(begin, self.src.len()), kind: ItemKind::Data });
        }
        let p = self.skip_blanks(begin);
        match self.src.get(p) {
            None | Some(b'\n') => {
                self.pos = (p + 1).min(self.src.len());
                Ok(Item { span: Span::new(begin, self.pos), kind: ItemKind::Blank })
            }
            Some(b'#') => {
                let eol = self.line_end(p);
                self.pos = (eol + 1).min(self.src.len());
                self.comments.push(Span::new(p, self.trim_cr(p, eol)));
                Ok(Item {
                    span: Span::new(begin, self.pos),
                    kind: ItemKind::Comment { text: Span::new(p, self.trim_cr(p, eol)) },
                })
            }
            Some(_) => self.statement(begin, p),
        }
    }

    /// `=begin` at the start of a line, followed by a blank or the line's end.
    fn embedded_doc_starts(&self, line: usize) -> bool {
        self.src[line..].starts_with(b"=begin")
            && match self.src.get(line + 6) {
                None | Some(b'\n') => true,
                Some(&b) => is_blank(b),
            }
    }

    /// The offset after the line ending of the `=end` line closing the
    /// embedded document that starts at `line`.
    fn embedded_doc_end(&self, line: usize) -> Result<usize, ScanError> {
        let mut p = (self.line_end(line) + 1).min(self.src.len());
        while p < self.src.len() {
            let eol = self.line_end(p);
            let rest = &self.src[p..];
            if rest.starts_with(b"=end") && (p + 4 == eol || is_blank(self.at(p + 4))) {
                return Ok((eol + 1).min(self.src.len()));
            }
            p = eol + 1;
        }
        Err(ScanError {
            span: Span::new(line, line + 6),
            message: format!(
                "embedded document meets end of file: `=begin` on line {} has no `=end`",
                self.line_number(line)
            ),
        })
    }

    /// `__END__` alone on a line.
    fn data_starts(&self, line: usize) -> bool {
        let rest = &self.src[line..];
        rest.starts_with(b"__END__") && matches!(&rest[7..], [] | [b'\n', ..] | [b'\r', b'\n', ..])
    }

    // ------------------------------------------------------------------
    // Statements
    // ------------------------------------------------------------------

    fn statement(&mut self, begin: usize, code_start: usize) -> Result<Item, ScanError> {
        self.pos = code_start;
        self.last = Last::Start;
        self.plain = true;
        self.last_code_end = code_start;
        self.line_comment = None;
        self.def_header = None;
        self.loop_do = None;
        self.stack.clear();
        self.extra_depth = 0;
        self.heredocs.clear();
        loop {
            if self.pos >= self.src.len() {
                self.at_end_of_file()?;
                return Ok(self.finish(begin, code_start, self.src.len()));
            }
            if let Some(Ctx::Literal(lit)) = self.stack.last().copied() {
                self.literal_step(lit)?;
                continue;
            }
            match self.src[self.pos] {
                b'\n' => {
                    if let Some(end) = self.newline()? {
                        return Ok(self.finish(begin, code_start, end));
                    }
                }
                b';' if self.stack.is_empty() && self.heredocs.is_empty() && self.last_code_end > code_start => {
                    return Ok(self.semicolon(begin, code_start));
                }
                _ => self.code_step()?,
            }
        }
    }

    fn finish(&self, begin: usize, code_start: usize, end: usize) -> Item {
        let comment = self.line_comment.filter(|c| c.start >= self.last_code_end);
        Item {
            span: Span::new(begin, end),
            kind: ItemKind::Statement {
                code: Span::new(code_start, self.last_code_end.max(code_start)),
                comment,
                plain: self.plain,
            },
        }
    }

    /// `a = 1; b = 2`: the first statement ends at `;`. Its span takes the
    /// `;`, the blanks after it, and the rest of the line if that is only a
    /// comment.
    fn semicolon(&mut self, begin: usize, code_start: usize) -> Item {
        let p = self.skip_blanks(self.pos + 1);
        let (end, comment) = match self.src.get(p) {
            None => (self.src.len(), None),
            Some(b'\n') => (p + 1, None),
            Some(b'#') => {
                let eol = self.line_end(p);
                ((eol + 1).min(self.src.len()), Some(Span::new(p, self.trim_cr(p, eol))))
            }
            Some(_) => (p, None),
        };
        self.pos = end;
        Item {
            span: Span::new(begin, end),
            kind: ItemKind::Statement {
                code: Span::new(code_start, self.last_code_end.max(code_start)),
                comment,
                plain: self.plain,
            },
        }
    }

    /// A line break in code. Returns where the statement ends if it ends here.
    fn newline(&mut self) -> Result<Option<usize>, ScanError> {
        let mut nl = self.pos;
        if !self.heredocs.is_empty() {
            nl = self.heredoc_bodies(nl + 1)?;
        }
        let next = (nl + 1).min(self.src.len());
        self.pos = next;
        self.def_header = None;
        self.loop_do = None;
        let continues = matches!(self.last, Last::ExprBeg | Last::Dot);
        if self.stack.is_empty() && !continues && !self.leading_dot_follows(next) {
            return Ok(Some(next));
        }
        if !continues {
            self.last = Last::Start;
        }
        self.line_comment = None;
        if next < self.src.len() && self.embedded_doc_starts(next) {
            // Ruby skips an embedded document even inside a statement; the
            // grammar does not, so the statement is no longer plain.
            self.plain = false;
            let end = self.embedded_doc_end(next)?;
            // Resume on the `=end` line's line break, which is read as code.
            self.pos = if end > next && self.src[end - 1] == b'\n' { end - 1 } else { end };
        }
        Ok(None)
    }

    /// Ruby continues a statement on a line that starts with `.method` or
    /// `&.method`, even after comment lines (but not after a blank line).
    fn leading_dot_follows(&self, mut line: usize) -> bool {
        while line < self.src.len() {
            let p = self.skip_blanks(line);
            match self.src.get(p) {
                Some(b'#') => line = self.line_end(p) + 1,
                Some(b'.') => return self.at(p + 1) != b'.',
                Some(b'&') => return self.at(p + 1) == b'.',
                _ => return false,
            }
        }
        false
    }

    /// Read the bodies of the pending heredocs, in order, from `line` on.
    /// Returns the offset of the line break after the last terminator (or
    /// the file's end).
    fn heredoc_bodies(&mut self, mut line: usize) -> Result<usize, ScanError> {
        let docs = std::mem::take(&mut self.heredocs);
        let mut last_break = line.saturating_sub(1);
        for doc in &docs {
            loop {
                if line >= self.src.len() {
                    return Err(self.unterminated_heredoc(doc));
                }
                let eol = self.line_end(line);
                let text_end = self.trim_cr(line, eol);
                let text_start = if doc.indented { self.skip_blanks(line).min(text_end) } else { line };
                if self.src[text_start..text_end] == doc.id[..] {
                    self.last_code_end = self.last_code_end.max(text_end);
                    last_break = eol;
                    line = eol + 1;
                    break;
                }
                line = eol + 1;
            }
        }
        Ok(last_break)
    }

    fn unterminated_heredoc(&self, doc: &Heredoc) -> ScanError {
        ScanError {
            span: doc.opener,
            message: format!(
                "can't find string \"{}\" anywhere before EOF: the heredoc `{}` on line {} is never closed",
                String::from_utf8_lossy(&doc.id),
                String::from_utf8_lossy(&self.src[doc.opener.range()]),
                self.line_number(doc.opener.start)
            ),
        }
    }

    /// The end of the file inside a statement: fine unless something is open.
    fn at_end_of_file(&self) -> Result<(), ScanError> {
        if let Some(doc) = self.heredocs.first() {
            return Err(self.unterminated_heredoc(doc));
        }
        let Some(top) = self.stack.last() else {
            return Ok(());
        };
        Err(self.never_closed(top))
    }

    fn never_closed(&self, ctx: &Ctx) -> ScanError {
        let (span, message) = match *ctx {
            Ctx::Bracket { open, what, .. } => (
                Span::new(open, open + 1),
                format!(
                    "unterminated {what}: `{}` on line {} is never closed",
                    self.src[open] as char,
                    self.line_number(open)
                ),
            ),
            Ctx::Interp { open } => (
                Span::new(open, open + 2),
                format!("unterminated interpolation: `#{{` on line {} is never closed", self.line_number(open)),
            ),
            Ctx::Literal(lit) => {
                let span = Span::new(lit.open, (lit.open + lit.open_len).min(self.src.len()));
                (
                    span,
                    format!(
                        "unterminated {} meets end of file: `{}` on line {} is never closed",
                        lit.kind.name(),
                        String::from_utf8_lossy(&self.src[span.range()]),
                        self.line_number(lit.open)
                    ),
                )
            }
            Ctx::Keyword { open, word } => (
                Span::new(open, open + word.len()),
                format!(
                    "unterminated `{word}` block: `{word}` on line {} is never closed by `end`",
                    self.line_number(open)
                ),
            ),
        };
        ScanError { span, message }
    }

    fn push(&mut self, ctx: Ctx, at: usize) -> Result<(), ScanError> {
        if self.stack.len() + self.extra_depth >= MAX_DEPTH {
            return Err(self.too_deep(at));
        }
        self.stack.push(ctx);
        Ok(())
    }

    fn too_deep(&self, at: usize) -> ScanError {
        ScanError {
            span: Span::new(at, (at + 1).min(self.src.len())),
            message: format!("nesting too deep: more than {MAX_DEPTH} brackets, strings or blocks are open here"),
        }
    }

    /// Read a literal's text up to its end or an interpolation.
    fn literal_step(&mut self, mut lit: Lit) -> Result<(), ScanError> {
        let mut i = self.pos;
        while i < self.src.len() {
            let b = self.src[i];
            if b == b'\\' {
                i += 2;
                continue;
            }
            if lit.interpolates && b == b'#' && self.at(i + 1) == b'{' {
                if lit.open_len != 1 || lit.kind != LitKind::String {
                    // The grammar reads interpolation in "..." only.
                    self.plain = false;
                }
                self.set_top(Ctx::Literal(lit));
                self.pos = i + 2;
                self.push(Ctx::Interp { open: i }, i)?;
                self.last = Last::Start;
                return Ok(());
            }
            if Some(b) == lit.nest_open {
                if self.stack.len() + self.extra_depth >= MAX_DEPTH {
                    return Err(self.too_deep(i));
                }
                lit.nest += 1;
                self.extra_depth += 1;
            } else if b == lit.close {
                if lit.nest > 0 {
                    lit.nest -= 1;
                    self.extra_depth -= 1;
                } else {
                    self.stack.pop();
                    i += 1;
                    if lit.kind == LitKind::Regexp {
                        while self.at(i).is_ascii_lowercase() {
                            i += 1;
                        }
                    }
                    self.pos = i;
                    self.last_code_end = self.last_code_end.max(i);
                    // `"key": value` is a label.
                    if lit.open_len == 1
                        && matches!(lit.close, b'"' | b'\'')
                        && self.at(i) == b':'
                        && self.at(i + 1) != b':'
                    {
                        self.pos += 1;
                        self.last = Last::ExprBeg;
                    } else {
                        self.last = Last::Operand;
                    }
                    return Ok(());
                }
            }
            i += 1;
        }
        self.set_top(Ctx::Literal(lit));
        self.pos = self.src.len();
        Ok(())
    }

    fn set_top(&mut self, ctx: Ctx) {
        if let Some(top) = self.stack.last_mut() {
            *top = ctx;
        }
    }

    fn open_literal(
        &mut self,
        start: usize,
        open_len: usize,
        delimiter: u8,
        interpolates: bool,
        kind: LitKind,
    ) -> Result<(), ScanError> {
        let (close, nest_open) = match closer_of(delimiter) {
            Some(close) => (close, Some(delimiter)),
            None => (delimiter, None),
        };
        self.push(Ctx::Literal(Lit { open: start, open_len, close, nest_open, nest: 0, interpolates, kind }), start)?;
        self.pos = start + open_len;
        Ok(())
    }

    // ------------------------------------------------------------------
    // Code
    // ------------------------------------------------------------------

    /// Read one token (or blank, or comment) of code.
    fn code_step(&mut self) -> Result<(), ScanError> {
        let start = self.pos;
        let c = self.src[start];
        if is_blank(c) {
            self.pos += 1;
            return Ok(());
        }
        if c == b'#' {
            let eol = self.line_end(start);
            let comment = Span::new(start, self.trim_cr(start, eol));
            self.line_comment = Some(comment);
            let line_start = self.src[..start].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            if self.src[line_start..start].iter().all(|&b| is_blank(b)) {
                self.comments.push(comment);
            }
            self.pos = eol;
            return Ok(());
        }
        if c == b'\\' {
            // A line continuation (or a stray backslash): the grammar knows neither.
            self.plain = false;
            self.pos += match (self.at(start + 1), self.at(start + 2)) {
                (b'\n', _) => 2,
                (b'\r', b'\n') => 3,
                _ => {
                    self.last = Last::ExprBeg;
                    1
                }
            };
            self.pos = self.pos.min(self.src.len());
            self.last_code_end = self.last_code_end.max(start + 1);
            return Ok(());
        }
        self.token(start, c)?;
        self.last_code_end = self.last_code_end.max(self.pos);
        Ok(())
    }

    fn token(&mut self, start: usize, c: u8) -> Result<(), ScanError> {
        let next = self.at(start + 1);
        match c {
            b'\'' => self.open_literal(start, 1, b'\'', false, LitKind::String)?,
            b'"' => self.open_literal(start, 1, b'"', true, LitKind::String)?,
            b'`' => {
                self.plain = false;
                self.open_literal(start, 1, b'`', true, LitKind::Command)?;
            }
            b'(' => {
                self.push(Ctx::Bracket { open: start, close: b')', what: "parenthesis" }, start)?;
                self.pos += 1;
                self.last = Last::Start;
            }
            b'[' => {
                let what = if self.expr_beg() || self.command_arg(start) { "array" } else { "index" };
                self.push(Ctx::Bracket { open: start, close: b']', what }, start)?;
                self.pos += 1;
                self.last = Last::ExprBeg;
            }
            b'{' => {
                let what = if self.expr_beg() { "hash" } else { "block" };
                self.push(Ctx::Bracket { open: start, close: b'}', what }, start)?;
                self.pos += 1;
                self.last = Last::Start;
            }
            b')' | b']' | b'}' => self.close(start, c)?,
            b',' => self.operator(1),
            b';' => {
                // Inside brackets or blocks, or before any code.
                self.pos += 1;
                self.last = Last::Start;
                self.def_header = None;
                self.loop_do = None;
            }
            b'.' => {
                if next == b'.' {
                    let len = if self.at(start + 2) == b'.' { 3 } else { 2 };
                    self.operator(len);
                } else {
                    self.pos += 1;
                    self.last = Last::Dot;
                }
            }
            b'&' if next == b'.' => {
                self.pos += 2;
                self.last = Last::Dot;
            }
            b':' => self.colon(start, next),
            b'?' => self.question(start, next),
            b'%' => self.percent(start)?,
            b'/' => {
                if self.expr_beg() || (self.command_arg(start) && next != b'=') {
                    self.plain = false;
                    self.open_literal(start, 1, b'/', true, LitKind::Regexp)?;
                } else {
                    self.operator(1);
                }
            }
            b'<' => self.less_than(start)?,
            b'$' => self.global(start, next),
            b'@' => {
                let mut i = start + 1;
                if self.at(i) == b'@' {
                    i += 1;
                }
                if is_ident_start(self.at(i)) {
                    while is_ident_char(self.at(i)) {
                        i += 1;
                    }
                    self.pos = i;
                    self.last = Last::Operand;
                } else {
                    self.operator(1);
                }
            }
            b'=' => self.equals(next),
            b'-' if next == b'>' => self.operator(2),
            b'0'..=b'9' => self.number(start),
            _ if is_ident_start(c) => self.word(start)?,
            // Any other operator character.
            _ => self.operator(1),
        }
        Ok(())
    }

    fn operator(&mut self, len: usize) {
        self.pos = (self.pos + len).min(self.src.len());
        self.last = Last::ExprBeg;
    }

    fn close(&mut self, start: usize, c: u8) -> Result<(), ScanError> {
        match self.stack.last() {
            Some(Ctx::Bracket { close, .. }) if *close == c => {
                self.stack.pop();
                self.pos += 1;
                self.last = Last::Operand;
                Ok(())
            }
            Some(Ctx::Interp { .. }) if c == b'}' => {
                // Back into the string.
                self.stack.pop();
                self.pos += 1;
                Ok(())
            }
            top => {
                let still_open = self.still_open(top);
                Err(ScanError {
                    span: Span::new(start, start + 1),
                    message: format!("unexpected `{}`: {still_open}", c as char),
                })
            }
        }
    }

    /// "`[` on line 3 is still open", for a closer that does not match.
    fn still_open(&self, top: Option<&Ctx>) -> String {
        let (open, len) = match top {
            None => return "nothing is open here".to_string(),
            Some(Ctx::Bracket { open, .. }) => (*open, 1),
            Some(Ctx::Interp { open }) => (*open, 2),
            Some(Ctx::Keyword { open, word }) => (*open, word.len()),
            Some(Ctx::Literal(lit)) => (lit.open, lit.open_len),
        };
        let end = (open + len).min(self.src.len());
        format!("`{}` on line {} is still open", String::from_utf8_lossy(&self.src[open..end]), self.line_number(open))
    }

    /// `::`, a symbol, a label's colon, or the ternary's `:`.
    fn colon(&mut self, start: usize, next: u8) {
        if next == b':' {
            self.pos += 2;
            self.last = Last::Dot;
        } else if next == b'"' || next == b'\'' {
            // `:"sym"`: the quote opens the literal next.
            self.pos += 1;
            self.last = Last::ExprBeg;
        } else if is_ident_start(next) {
            let mut i = start + 1;
            while is_ident_char(self.at(i)) {
                i += 1;
            }
            if matches!(self.at(i), b'?' | b'!') {
                i += 1;
            }
            self.pos = i;
            self.last = Last::Operand;
        } else {
            self.operator(1);
        }
    }

    /// `?c` is a character literal where an operand is expected; otherwise
    /// `?` is the ternary operator.
    fn question(&mut self, start: usize, next: u8) {
        let literal_place = self.expr_beg() || self.after_ident_and_blank(start);
        if literal_place && next != 0 && !is_blank(next) && next != b'\n' {
            let len = if next == b'\\' { 2 + char_len(self.at(start + 2)) } else { 1 + char_len(next) };
            if next == b'\\' || !is_ident_char(self.at(start + len)) {
                self.plain = false;
                self.pos = (start + len).min(self.src.len());
                self.last = Last::Operand;
                return;
            }
        }
        self.operator(1);
    }

    /// A percent literal (`%w[...]`, `%q(...)`, `%(...)`) or the `%` operator.
    fn percent(&mut self, start: usize) -> Result<(), ScanError> {
        let literal_place = self.expr_beg() || self.command_arg(start);
        let (kind_byte, delimiter) = match self.at(start + 1) {
            k @ (b'q' | b'Q' | b'w' | b'W' | b'i' | b'I' | b'r' | b's' | b'x') => (Some(k), self.at(start + 2)),
            d => (None, d),
        };
        let delimiter_ok = delimiter != 0
            && !delimiter.is_ascii_alphanumeric()
            && !is_blank(delimiter)
            && delimiter != b'\n'
            && delimiter < 0x7F;
        if !literal_place || !delimiter_ok || (kind_byte.is_none() && delimiter == b'=') {
            // Modulo. The grammar would read `%w[` as a literal anywhere.
            self.plain = false;
            self.operator(1);
            return Ok(());
        }
        let (kind, interpolates) = match kind_byte {
            Some(b'q') => (LitKind::String, false),
            Some(b'w' | b'i') => (LitKind::List, false),
            Some(b'W' | b'I') => (LitKind::List, true),
            Some(b'r') => (LitKind::Regexp, true),
            Some(b's') => (LitKind::Symbol, false),
            Some(b'x') => (LitKind::Command, true),
            _ => (LitKind::String, true),
        };
        if matches!(kind, LitKind::Regexp | LitKind::Symbol | LitKind::Command) || closer_of(delimiter).is_none() {
            self.plain = false;
        }
        let open_len = if kind_byte.is_some() { 3 } else { 2 };
        self.open_literal(start, open_len, delimiter, interpolates, kind)
    }

    /// A heredoc opener (`<<ID`, `<<-ID`, `<<~ID`, quoted IDs) or an operator.
    fn less_than(&mut self, start: usize) -> Result<(), ScanError> {
        if self.at(start + 1) == b'<' && (self.expr_beg() || self.after_ident_and_blank(start)) {
            let mut i = start + 2;
            let indented = matches!(self.at(i), b'-' | b'~');
            if indented {
                i += 1;
            }
            let q = self.at(i);
            let id = if matches!(q, b'\'' | b'"' | b'`') {
                let eol = self.line_end(i);
                self.src[i + 1..eol].iter().position(|&b| b == q).map(|n| (i + 1, i + 1 + n, i + 2 + n))
            } else if is_ident_char(q) {
                let mut j = i;
                while is_ident_char(self.at(j)) {
                    j += 1;
                }
                Some((i, j, j))
            } else {
                None
            };
            if let Some((id_start, id_end, end)) = id {
                self.plain = false;
                self.heredocs.push(Heredoc {
                    opener: Span::new(start, end),
                    id: self.src[id_start..id_end].to_vec(),
                    indented,
                });
                self.pos = end;
                self.last = Last::Operand;
                return Ok(());
            }
        }
        self.operator(1);
        Ok(())
    }

    /// `$name`, `$1`, `$-w`, or a special global such as `$'` or `$"`.
    fn global(&mut self, start: usize, next: u8) {
        let mut i = start + 1;
        if is_ident_char(next) {
            while is_ident_char(self.at(i)) {
                i += 1;
            }
        } else if next == b'-' {
            i += 2;
        } else if next != 0 && !is_blank(next) && next != b'\n' {
            // `$'` and friends would look like a string to the grammar.
            self.plain = false;
            i += 1;
        } else {
            self.operator(1);
            return;
        }
        self.pos = i.min(self.src.len());
        self.last = Last::Operand;
    }

    fn equals(&mut self, next: u8) {
        match next {
            b'=' | b'~' | b'>' => {
                let len = if next == b'=' && self.at(self.pos + 2) == b'=' { 3 } else { 2 };
                self.operator(len);
            }
            _ => {
                // `def name = value`: an endless method, closed by nothing.
                if self.def_header == Some(self.stack.len())
                    && matches!(self.stack.last(), Some(Ctx::Keyword { word: "def", .. }))
                {
                    self.stack.pop();
                    self.def_header = None;
                }
                self.operator(1);
            }
        }
    }

    fn number(&mut self, start: usize) {
        let mut i = start + 1;
        loop {
            let b = self.at(i);
            if is_ident_char(b) {
                i += 1;
                if matches!(b, b'e' | b'E') && matches!(self.at(i), b'+' | b'-') && self.at(i + 1).is_ascii_digit() {
                    i += 1;
                }
            } else if b == b'.' && self.at(i + 1).is_ascii_digit() {
                i += 1;
            } else {
                break;
            }
        }
        self.pos = i;
        self.last = Last::Operand;
    }

    /// An identifier, label or keyword.
    fn word(&mut self, start: usize) -> Result<(), ScanError> {
        let mut end = start;
        while is_ident_char(self.at(end)) {
            end += 1;
        }
        if matches!(self.at(end), b'?' | b'!') && self.at(end + 1) != b'=' {
            end += 1;
        }
        self.pos = end;
        // `name: value` is a label, wherever it is.
        if self.last != Last::Dot && self.at(end) == b':' && self.at(end + 1) != b':' {
            self.pos = end + 1;
            self.last = Last::ExprBeg;
            return Ok(());
        }
        if self.last == Last::Dot {
            // A method name: `x.class`, `x.end` are no keywords.
            self.last = Last::Ident;
            return Ok(());
        }
        let word = &self.src[start..end];
        let beg = self.expr_beg();
        match word {
            b"end" => {
                if let Some(Ctx::Keyword { .. }) = self.stack.last() {
                    self.stack.pop();
                    self.last = Last::Operand;
                    return Ok(());
                }
                let still_open = match self.stack.last() {
                    None => "no `if`, `do`, `def` or other block is open".to_string(),
                    top => self.still_open(top),
                };
                return Err(ScanError {
                    span: Span::new(start, end),
                    message: format!("unexpected `end`: {still_open}"),
                });
            }
            b"if" | b"unless" | b"while" | b"until" => {
                if beg {
                    let word = keyword_name(word);
                    self.push(Ctx::Keyword { open: start, word }, start)?;
                    if matches!(word, "while" | "until") {
                        self.loop_do = Some(self.stack.len());
                    }
                }
                // Otherwise a modifier (`x = 1 if y`), which opens nothing.
                self.last = Last::ExprBeg;
            }
            b"for" => {
                self.push(Ctx::Keyword { open: start, word: "for" }, start)?;
                self.loop_do = Some(self.stack.len());
                self.last = Last::ExprBeg;
            }
            b"case" | b"begin" => {
                let word = keyword_name(word);
                self.push(Ctx::Keyword { open: start, word }, start)?;
                self.last = Last::Start;
            }
            b"class" | b"module" => {
                let word = keyword_name(word);
                self.push(Ctx::Keyword { open: start, word }, start)?;
                // `class <<self` is no heredoc.
                self.last = Last::Operand;
            }
            b"def" => {
                self.push(Ctx::Keyword { open: start, word: "def" }, start)?;
                self.def_name();
                self.def_header = Some(self.stack.len());
                self.last = Last::Operand;
            }
            b"do" => {
                if self.loop_do == Some(self.stack.len()) {
                    // `while x do`: the loop's own `do`.
                    self.loop_do = None;
                } else {
                    self.push(Ctx::Keyword { open: start, word: "do" }, start)?;
                }
                self.last = Last::Start;
            }
            b"then" | b"else" | b"elsif" | b"when" | b"in" | b"rescue" | b"ensure" | b"and" | b"or" | b"not"
            | b"defined?" => self.last = Last::ExprBeg,
            b"return" | b"break" | b"next" | b"redo" | b"retry" | b"yield" | b"super" | b"self" | b"nil" | b"true"
            | b"false" | b"alias" | b"undef" | b"__FILE__" | b"__LINE__" | b"__ENCODING__" | b"BEGIN" | b"END" => {
                self.last = Last::Operand;
            }
            _ => self.last = Last::Ident,
        }
        Ok(())
    }

    /// Skip the method name after `def`, which may be an operator or a
    /// setter (`def []=(k, v)`, `def self.x=(v)`, `def ==(o)`).
    fn def_name(&mut self) {
        let mut i = self.skip_blanks(self.pos);
        while i < self.src.len() {
            let b = self.src[i];
            if is_ident_char(b) || b"[]=+-*/%<>!~^&|?.".contains(&b) {
                i += 1;
            } else {
                break;
            }
        }
        self.pos = i;
    }
}

fn keyword_name(word: &[u8]) -> &'static str {
    match word {
        b"if" => "if",
        b"unless" => "unless",
        b"while" => "while",
        b"until" => "until",
        b"case" => "case",
        b"begin" => "begin",
        b"class" => "class",
        b"module" => "module",
        _ => "block",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(src: &str) -> Vec<Item> {
        let index = LineIndex::new(src.as_bytes());
        scan(src.as_bytes(), 0, &index).map_or_else(|e| panic!("{}", e.message), |s| s.items)
    }

    fn codes(src: &str) -> Vec<&str> {
        items(src)
            .into_iter()
            .filter_map(|i| match i.kind {
                ItemKind::Statement { code, .. } => Some(&src[code.range()]),
                _ => None,
            })
            .collect()
    }

    fn error(src: &str) -> ScanError {
        let index = LineIndex::new(src.as_bytes());
        match scan(src.as_bytes(), 0, &index) {
            Ok(items) => panic!("expected an error, got {items:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn items_tile_the_file() {
        let src = "# c\n\na = 1 # t\nb = [\n 1, # x\n]\n  c 'x'";
        let all = items(src);
        let mut at = 0;
        for item in &all {
            assert_eq!(item.span.start, at);
            at = item.span.end;
        }
        assert_eq!(at, src.len());
        assert_eq!(codes(src), ["a = 1", "b = [\n 1, # x\n]", "c 'x'"]);
    }

    #[test]
    fn trailing_comment_is_separate() {
        let src = "a['x'] = 1 # note\n";
        let all = items(src);
        let ItemKind::Statement { code, comment, .. } = all[0].kind else { panic!() };
        assert_eq!(&src[code.range()], "a['x'] = 1");
        assert_eq!(&src[comment.unwrap().range()], "# note");
    }

    #[test]
    fn continuation_tokens_join_lines() {
        assert_eq!(codes("x = 1 +\n  2\ny = 3\n"), ["x = 1 +\n  2", "y = 3"]);
        assert_eq!(codes("x = a\n  .b\n"), ["x = a\n  .b"]);
        assert_eq!(codes("x = a\n# c\n  .b\n"), ["x = a\n# c\n  .b"]);
        assert_eq!(codes("x = a\n\n.b\n"), ["x = a", ".b"]);
        assert_eq!(codes("foo a,\n  b\n"), ["foo a,\n  b"]);
    }

    #[test]
    fn keyword_blocks_and_modifiers() {
        let src = "if x\n  a = 1 if y\n  b.each do |z|\n    z\n  end\nend\nc = 1\n";
        assert_eq!(codes(src), ["if x\n  a = 1 if y\n  b.each do |z|\n    z\n  end\nend", "c = 1"]);
        assert_eq!(codes("while x do\n y\nend\nz\n").len(), 2);
        assert_eq!(codes("def x = 1\ny\n"), ["def x = 1", "y"]);
        assert_eq!(codes("def []=(k, v)\n  1\nend\n").len(), 1);
        assert_eq!(codes("x.class\ny.end\n").len(), 2);
    }

    #[test]
    fn heredoc_bodies_belong_to_their_statement() {
        let src = "a['x'] = YAML.load <<-'EOS' # c\n  k: 'v\n  EOS\nb = 1\n";
        let all = items(src);
        let ItemKind::Statement { code, comment, plain } = all[0].kind else { panic!() };
        assert_eq!(&src[code.range()], "a['x'] = YAML.load <<-'EOS' # c\n  k: 'v\n  EOS");
        assert_eq!(comment, None);
        assert!(!plain);
        assert_eq!(codes(src)[1], "b = 1");
        assert_eq!(codes("x = <<~A + <<B\na\n  A\nb\nB\ny\n").len(), 2);
    }

    #[test]
    fn strings_hide_comment_and_bracket_characters() {
        assert_eq!(codes("a = \"#{b['}']} # [\"\nc\n"), ["a = \"#{b['}']} # [\"", "c"]);
        assert_eq!(codes("a = %w[x [y] z]\nb\n").len(), 2);
        assert_eq!(codes("a = x / 2 # y\nb = 'c'\n").len(), 2);
        assert_eq!(codes("a = $' + ?'\nb\n").len(), 2);
    }

    #[test]
    fn semicolons_split_statements() {
        let src = "a = 1; b = 2 # c\n";
        let all = items(src);
        assert_eq!(all.len(), 2);
        assert_eq!(&src[all[0].span.range()], "a = 1; ");
        assert_eq!(codes(src), ["a = 1", "b = 2"]);
    }

    #[test]
    fn embedded_docs_and_data() {
        let src = "=begin\n[\n=end\na = 1\n__END__\n'\n";
        let all = items(src);
        assert_eq!(all[0].kind, ItemKind::EmbeddedDoc);
        assert_eq!(&src[all[0].span.range()], "=begin\n[\n=end\n");
        assert_eq!(all[2].kind, ItemKind::Data);
    }

    #[test]
    fn unterminated_constructs_point_at_their_opening() {
        let e = error("a = 1\nb = 'x\n\n");
        assert_eq!(e.span, Span::new(10, 11));
        assert!(e.message.starts_with("unterminated string meets end of file"));
        let e = error("a = {\n  'k' => 1,\n");
        assert_eq!(e.message, "unterminated hash: `{` on line 1 is never closed");
        let e = error("a = <<EOS\nbody\n");
        assert!(e.message.contains("can't find string \"EOS\""), "{}", e.message);
        let e = error("if x\n y\n");
        assert!(e.message.contains("`if` on line 1"), "{}", e.message);
        let e = error("=begin\nx\n");
        assert!(e.message.starts_with("embedded document meets end of file"));
        let e = error("a = [1}\n");
        assert_eq!(e.message, "unexpected `}`: `[` on line 1 is still open");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let src = "[".repeat(100_000);
        let e = error(&src);
        assert!(e.message.starts_with("nesting too deep"));
        assert_eq!(e.span.start, MAX_DEPTH);
        let ok = format!("a = {}{}\n", "[".repeat(200), "]".repeat(200));
        assert_eq!(codes(&ok).len(), 1);
    }
}
