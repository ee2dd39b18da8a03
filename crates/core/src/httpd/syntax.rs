//! The lossless syntax tree of one httpd configuration file.
//!
//! The tree is flat: a list of logical lines in file order, each knowing the
//! section it sits in. Sections are matched with an explicit stack, so 20,000
//! nested sections cost no recursion, and printing the lines in order gives
//! back the file byte for byte.

use std::borrow::Cow;

use pest::Parser;
use pest::iterators::Pair;

use crate::error::SyntaxError;
use crate::text::{LineIndex, Span, lossy, parse_view};

/// The parser pest generates from grammars/httpd.pest.
mod grammar {
    #![allow(missing_docs)]
    #[derive(pest_derive::Parser)]
    #[grammar = "../../grammars/httpd.pest"]
    pub(super) struct HttpdGrammar;
}

use grammar::{HttpdGrammar, Rule};

crate::index::index_newtype! {
    /// A line of one [`HttpdFile`]: its index in [`HttpdFile::lines`], typed
    /// so that it cannot be mixed up with a file or an item of a tree.
    pub struct LineId(usize) indexes Line;
}

/// One parsed httpd configuration file.
#[derive(Debug, Clone)]
pub struct HttpdFile {
    source: Vec<u8>,
    index: LineIndex,
    /// A UTF-8 byte-order mark at the start, which httpd does not skip.
    pub bom: Option<Span>,
    /// The logical lines, in file order.
    pub lines: Vec<Line>,
    /// For a template (`httpd.conf.j2`): where its holes, tags and blocks
    /// are. The source holds the template's own bytes.
    template: Option<Box<crate::template::TemplateInfo>>,
}

/// One logical line: one physical line, or several joined by `\` continuations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The whole line including its line ending.
    pub span: Span,
    /// The line without its final line ending.
    pub text: Span,
    /// Whether `\` continuations join several physical lines into this one.
    pub continued: bool,
    /// The opening tag of the section this line sits in.
    pub parent: Option<LineId>,
    /// What the line holds.
    pub kind: LineKind,
}

/// The kinds of logical lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineKind {
    /// Empty or only whitespace.
    Blank,
    /// A line whose first non-blank character is `#`; `text` starts at the `#`.
    Comment {
        /// From the `#` to the end of the line.
        text: Span,
    },
    /// A directive and its arguments.
    Directive(Directive),
    /// An opening tag `<Name args>`.
    Open(SectionOpen),
    /// A closing tag `</Name>`.
    Close(SectionClose),
    /// A line inside `<Perl>`, which holds Perl code, not httpd syntax.
    Raw,
}

/// `Name arg arg ...`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// The directive's name.
    pub name: Span,
    /// Its arguments, as written.
    pub args: Vec<Arg>,
}

/// `<Name args>`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionOpen {
    /// The name without `<`.
    pub name: Span,
    /// Everything between the name and the last `>` on the line.
    pub args_span: Span,
    /// The arguments, as written.
    pub args: Vec<Arg>,
    /// The matching closing tag; `None` for a conditional section that runs
    /// to the end of the file, which httpd accepts.
    pub close: Option<LineId>,
}

/// `</Name>`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionClose {
    /// The name without `</` and `>`.
    pub name: Span,
    /// The opening tag it closes.
    pub open: LineId,
    /// Words after the tag, which httpd ignores (empty when there are none).
    pub tail: Span,
}

/// One argument as written. Its value is read with [`HttpdFile::arg_value`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arg {
    /// The argument's bytes, quotes included.
    pub span: Span,
    /// How it is quoted.
    pub quote: Quote,
}

/// How an argument is quoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quote {
    /// A bare word.
    None,
    /// Quoted with `"` or `'`; `closed` is false for a quote that runs to the end of the line.
    Quoted {
        /// `"` or `'`.
        mark: u8,
        /// Whether the closing quote is there.
        closed: bool,
    },
}

/// Sections that httpd lets run to the end of the file when their condition
/// is true (config.c: they are read by the same loop as their parent).
const CONDITIONAL_SECTIONS: &[&str] = &["IfModule", "IfDefine", "IfVersion", "IfFile", "IfDirective", "IfSection"];

/// Whether `name` is one of httpd's start-up conditionals (`<IfModule>` ...).
pub fn is_conditional_section(name: &str) -> bool {
    CONDITIONAL_SECTIONS.iter().any(|c| c.eq_ignore_ascii_case(name))
}

impl HttpdFile {
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

    /// Parse `source`. Fails with httpd's own wording where httpd would refuse
    /// the file while reading it (unbalanced sections, a tag without `>`).
    pub fn parse(source: impl Into<Vec<u8>>) -> Result<Self, SyntaxError> {
        Self::parse_with(source.into(), true)
    }

    /// Parse with the grammar's `file` rule alone, without the byte-level
    /// reading of blank and comment lines. Gives the same tree as
    /// [`HttpdFile::parse`] (the tests and the fuzzer check it); slower.
    #[doc(hidden)]
    pub fn parse_with_grammar_only(source: impl Into<Vec<u8>>) -> Result<Self, SyntaxError> {
        Self::parse_with(source.into(), false)
    }

    /// Blank lines, comments and plain directives and tags (no quotes, no
    /// backslashes) are nearly every line of a typical file; they are read
    /// here with a byte scan, exactly as the grammar reads them, and pest
    /// gets the runs of other lines. pest costs far more per line.
    fn parse_with(source: Vec<u8>, fast: bool) -> Result<Self, SyntaxError> {
        let index = LineIndex::new(&source);
        let view = parse_view(&source);
        let mut builder = Builder { source: &source, index: &index, lines: Vec::new(), stack: Vec::new(), perl: None };
        let bytes = view.as_bytes();
        let bom = bytes.starts_with(crate::text::BOM).then(|| Span::new(0, crate::text::BOM.len()));
        let mut pos = bom.map_or(0, |b| b.end);
        while pos < bytes.len() {
            if fast {
                if let Some((span, text, kind)) = simple_line(bytes, pos) {
                    builder.push_read(span, text, kind)?;
                    pos = span.end;
                    continue;
                }
            }
            let end = if fast { pest_run_end(bytes, pos) } else { bytes.len() };
            let run = &view[pos..end];
            let lines = match HttpdGrammar::parse(Rule::lines, run) {
                Ok(mut pairs) => pairs.next(),
                Err(error) => return Err(builder.grammar_error(&error, pos)),
            };
            for pair in lines.into_iter().flat_map(pest::iterators::Pair::into_inner) {
                if matches!(pair.as_rule(), Rule::line | Rule::last_line) {
                    builder.line(pair, &view, pos)?;
                }
            }
            pos = end;
        }
        builder.finish()?;
        let lines = builder.lines;
        Ok(HttpdFile { source, index, bom, lines, template: None })
    }

    /// The arguments that hold secrets: every argument of a directive named
    /// like one (`AuthLDAPBindPassword`), and the value of a variable or
    /// PHP setting named like one (`SetEnv DB_PASSWORD x`,
    /// `php_admin_value mysqli.default_pw x`).
    pub fn secret_spans(&self) -> Vec<Span> {
        let mut out = Vec::new();
        for line in &self.lines {
            let LineKind::Directive(d) = &line.kind else { continue };
            let name = self.text(d.name);
            if crate::secret::is_secret_name(&name) {
                out.extend(d.args.iter().map(|a| a.span));
            } else if d.args.first().is_some_and(|a| crate::secret::is_secret_name(&self.text(a.span))) {
                out.extend(d.args.iter().skip(1).map(|a| a.span));
            }
        }
        out
    }

    /// The comments that stand alone on their lines (`# ...`), in order.
    pub fn comment_spans(&self) -> impl Iterator<Item = Span> + '_ {
        self.lines.iter().filter_map(|l| match l.kind {
            LineKind::Comment { text } => Some(text),
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

    /// Print the tree: the BOM and every line, in order. Equal to the input.
    pub fn print(&self) -> Vec<u8> {
        crate::text::print_spans(&self.source, self.bom, self.lines.iter().map(|l| l.span))
    }

    /// The bytes of `span` with `\` continuations removed, as httpd reads them.
    pub fn text(&self, span: Span) -> Cow<'_, str> {
        join_continuations(&self.source[span.range()])
    }

    /// The value of an argument: continuations joined, quotes removed and
    /// `\\` (and `\"` in quotes) unescaped, as ap_getword_conf does.
    pub fn arg_value(&self, arg: &Arg) -> String {
        let raw = self.text(arg.span);
        unescape_arg(&raw, arg.quote)
    }

    /// The values of a list of arguments.
    pub fn arg_values(&self, args: &[Arg]) -> Vec<String> {
        args.iter().map(|a| self.arg_value(a)).collect()
    }

    /// A directive's or section's name, as written (continuations joined).
    pub fn name(&self, line: &Line) -> Option<Cow<'_, str>> {
        match &line.kind {
            LineKind::Directive(d) => Some(self.text(d.name)),
            LineKind::Open(o) => Some(self.text(o.name)),
            LineKind::Close(c) => Some(self.text(c.name)),
            _ => None,
        }
    }

    /// 1-based line number where a byte offset sits.
    pub fn line_number(&self, offset: usize) -> usize {
        self.index.line_of(offset) + 1
    }

    /// The opening tags enclosing `line`, innermost first.
    pub fn ancestors(&self, line: LineId) -> impl Iterator<Item = LineId> + '_ {
        std::iter::successors(self.lines.get(line.0).and_then(|l| l.parent), |p| self.lines[*p].parent)
    }

    /// A readable outline of the tree, one line per logical line, indented by
    /// depth; used by snapshot tests and `conflint` debugging.
    pub fn outline(&self) -> String {
        let mut out = String::new();
        if let Some(bom) = self.bom {
            out.push_str(&format!("{bom:?} Bom\n"));
        }
        let mut depth = vec![0usize; self.lines.len()];
        for (id, line) in self.lines.iter().enumerate() {
            let d = line.parent.map_or(0, |p| depth[p.0] + 1);
            depth[id] = d;
            // A closing tag has its opening tag's parent, hence its depth.
            let indent = "  ".repeat(d);
            let cont = if line.continued { " continued" } else { "" };
            let what = match &line.kind {
                LineKind::Blank => "Blank".to_string(),
                LineKind::Comment { text } => format!("Comment {:?}", self.text(*text)),
                LineKind::Raw => format!("Raw {:?}", lossy(&self.source[line.text.range()])),
                LineKind::Directive(dir) => {
                    format!("Directive {:?} {:?}", self.text(dir.name), self.arg_values(&dir.args))
                }
                LineKind::Open(open) => format!(
                    "Open {:?} {:?}{}",
                    self.text(open.name),
                    self.arg_values(&open.args),
                    if open.close.is_none() { " (runs to end of file)" } else { "" }
                ),
                LineKind::Close(close) => format!("Close {:?}", self.text(close.name)),
            };
            out.push_str(&format!("{:?} {indent}{what}{cont}\n", line.span));
        }
        out
    }
}

/// Split argument text into values as ap_getword_conf does; used after
/// `${VAR}` substitution, which httpd applies to the whole line first.
pub fn tokenize(text: &str) -> Vec<String> {
    let Ok(mut pairs) = HttpdGrammar::parse(Rule::tag_arguments, text) else {
        return text.split_ascii_whitespace().map(str::to_string).collect();
    };
    let Some(arguments) = pairs.next().and_then(|p| p.into_inner().next()) else {
        return Vec::new();
    };
    arguments
        .into_inner()
        .filter_map(|arg| arg.into_inner().next())
        .map(|token| {
            let raw = token.as_str();
            let quote = match token.as_rule() {
                Rule::double_quoted | Rule::single_quoted => {
                    let b = raw.as_bytes();
                    Quote::Quoted {
                        mark: b[0],
                        closed: b.len() >= 2 && b[b.len() - 1] == b[0] && !ends_escaped(&b[1..b.len() - 1]),
                    }
                }
                _ => Quote::None,
            };
            unescape_arg(raw, quote)
        })
        .collect()
}

fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let s = pair.as_span();
    Span::new(s.start(), s.end())
}

/// The physical line starting at `pos`: its end (the `\n`, or the end of
/// the input) and where the next line starts.
fn physical_line(bytes: &[u8], pos: usize) -> (usize, usize) {
    match memchr::memchr(b'\n', &bytes[pos..]) {
        Some(i) => (pos + i, pos + i + 1),
        None => (bytes.len(), bytes.len()),
    }
}

/// Whether the physical line ending at `end` (its `\n`) continues: a `\`
/// right before the line ending.
fn continues(bytes: &[u8], pos: usize, end: usize) -> bool {
    end < bytes.len() && (bytes[pos..end].ends_with(b"\\") || bytes[pos..end].ends_with(b"\\\r"))
}

/// httpd's blanks (apr_isspace without LF).
fn is_blank(b: &u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | 0x0B | 0x0C)
}

/// Read the line at `pos` the way the grammar's `simple_line` would, when
/// it is one of the plain forms that make up most files and does not
/// continue: blank, a comment, or a directive, opening or closing tag
/// without quotes or backslashes (so its words are split at blanks, which
/// is all `arguments` does then). Returns the line with its ending, the line
/// without it, and the kind; `None` hands the line to pest.
fn simple_line(bytes: &[u8], pos: usize) -> Option<(Span, Span, LineKind)> {
    let (end, next) = physical_line(bytes, pos);
    if continues(bytes, pos, end) {
        return None;
    }
    // A CR right before the LF belongs to the line ending.
    let text_end = if end < bytes.len() && end > pos && bytes[end - 1] == b'\r' { end - 1 } else { end };
    let line = &bytes[pos..text_end];
    let kind = match line.iter().position(|b| !is_blank(b)) {
        None => LineKind::Blank,
        Some(i) if line[i] == b'#' => LineKind::Comment { text: Span::new(pos + i, text_end) },
        Some(_) if line.iter().any(|b| matches!(b, b'"' | b'\'' | b'\\')) => return None,
        Some(i) => plain_statement(line, pos, i)?,
    };
    Some((Span::new(pos, next), Span::new(pos, text_end), kind))
}

/// A directive or tag without quotes or backslashes, starting at `first`.
fn plain_statement(line: &[u8], pos: usize, first: usize) -> Option<LineKind> {
    let words = |from: usize, to: usize| -> Vec<Arg> {
        let mut args = Vec::new();
        let mut i = from;
        while i < to {
            if is_blank(&line[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < to && !is_blank(&line[i]) {
                i += 1;
            }
            args.push(Arg { span: Span::new(pos + start, pos + i), quote: Quote::None });
        }
        args
    };
    let word_end = |from: usize, stop_at_gt: bool| {
        (from..line.len()).find(|&j| is_blank(&line[j]) || (stop_at_gt && line[j] == b'>')).unwrap_or(line.len())
    };
    match (line[first], line.get(first + 1)) {
        (b'<', Some(b'/')) => {
            // `</Name>` as the first word, then nothing or a blank.
            let name_end = word_end(first + 2, true);
            let closed = line.get(name_end) == Some(&b'>');
            let after = name_end + 1;
            if name_end == first + 2 || !closed || line.get(after).is_some_and(|b| !is_blank(b)) {
                return None;
            }
            let tail_start = (after..line.len()).find(|&j| !is_blank(&line[j])).unwrap_or(line.len());
            let tail_end = (tail_start..line.len()).rfind(|&j| !is_blank(&line[j])).map_or(tail_start, |j| j + 1);
            let name = Span::new(pos + first + 2, pos + name_end);
            let tail = Span::new(pos + tail_start, pos + tail_end);
            Some(LineKind::Close(SectionClose { name, open: LineId(usize::MAX), tail }))
        }
        (b'<', _) => {
            // `<Name args>`: the arguments end at the last `>` on the line.
            let name_end = word_end(first + 1, true);
            let last_gt = line.iter().rposition(|b| *b == b'>')?;
            if name_end == first + 1 || last_gt < name_end {
                return None;
            }
            let name = Span::new(pos + first + 1, pos + name_end);
            let args_span = Span::new(pos + name_end, pos + last_gt);
            Some(LineKind::Open(SectionOpen { name, args_span, args: words(name_end, last_gt), close: None }))
        }
        _ => {
            let name_end = word_end(first, false);
            let name = Span::new(pos + first, pos + name_end);
            Some(LineKind::Directive(Directive { name, args: words(name_end, line.len()) }))
        }
    }
}

/// Where a run of lines for pest ends: at the first line (not part of a
/// continued line) that [`simple_line`] reads itself.
fn pest_run_end(bytes: &[u8], start: usize) -> usize {
    let mut pos = start;
    let mut continued = false;
    while pos < bytes.len() {
        if !continued && pos != start && simple_line(bytes, pos).is_some() {
            return pos;
        }
        let (end, next) = physical_line(bytes, pos);
        continued = continues(bytes, pos, end);
        pos = next;
    }
    bytes.len()
}

/// Remove `\` + line ending pairs. Borrows when there are none.
pub fn join_continuations(bytes: &[u8]) -> Cow<'_, str> {
    let has_continuation =
        memchr::memchr_iter(b'\\', bytes).any(|i| matches!(bytes.get(i + 1..), Some([b'\n', ..] | [b'\r', b'\n', ..])));
    if !has_continuation {
        return lossy(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            if bytes.get(i + 1) == Some(&b'\n') {
                i += 2;
                continue;
            }
            if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') {
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

/// ap_getword_conf's unescaping: in quotes, `\<quote>` and `\\`; bare, `\\`.
pub fn unescape_arg(raw: &str, quote: Quote) -> String {
    let (body, mark) = match quote {
        Quote::None => (raw, None),
        Quote::Quoted { mark, closed } => {
            let inner = &raw[1..];
            let inner = if closed { &inner[..inner.len().saturating_sub(1)] } else { inner };
            (inner, Some(mark as char))
        }
    };
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(&next) = chars.peek() {
                if next == '\\' || Some(next) == mark {
                    out.push(next);
                    chars.next();
                    continue;
                }
            }
        }
        out.push(c);
    }
    out
}

/// Builds the flat tree line by line, matching sections with a stack.
struct Builder<'a> {
    source: &'a [u8],
    index: &'a LineIndex,
    lines: Vec<Line>,
    /// Open sections, innermost last.
    stack: Vec<LineId>,
    /// Inside `<Perl>`: its opening line.
    perl: Option<LineId>,
}

impl Builder<'_> {
    /// Read one `line`/`last_line` pair of a run parsed from offset `base`.
    fn line(&mut self, pair: Pair<'_, Rule>, view: &str, base: usize) -> Result<(), SyntaxError> {
        let span = span_of(&pair).shifted(base);
        let text_end = span.end
            - if self.source[..span.end].ends_with(b"\r\n") {
                2
            } else if self.source[..span.end].ends_with(b"\n") {
                1
            } else {
                0
            };
        let text = Span::new(span.start, text_end.max(span.start));
        let Some(content) = pair.into_inner().next() else {
            return self.push(span, text, false, LineKind::Blank);
        };
        if let Some(perl) = self.perl_around(text) {
            return self.perl_line(perl, span, text);
        }
        match content.as_rule() {
            Rule::simple_line => {
                let kind = self.content(content, &|s| s.shifted(base))?;
                self.push(span, text, false, kind)
            }
            Rule::continued_line => {
                let (joined, map) = Joined::new(&view[text.range()], text.start);
                let parsed = HttpdGrammar::parse(Rule::joined_line, &joined)
                    .map_err(|_| SyntaxError::at(self.source, self.index, text, self.line_error_message(text)))?;
                let simple = parsed.into_iter().next().and_then(|p| p.into_inner().next());
                let kind = match simple {
                    Some(simple) => self.content(simple, &|s| map.span(s))?,
                    None => LineKind::Blank,
                };
                self.push(span, text, true, kind)
            }
            _ => self.push(span, text, false, LineKind::Blank),
        }
    }

    /// Classify a `simple_line`; `map` turns a span of the parsed text into
    /// a span of the original bytes.
    fn content(&mut self, pair: Pair<'_, Rule>, map: &dyn Fn(Span) -> Span) -> Result<LineKind, SyntaxError> {
        let Some(item) = pair.into_inner().next() else {
            return Ok(LineKind::Blank);
        };
        let item_span = map(span_of(&item));
        Ok(match item.as_rule() {
            Rule::comment => LineKind::Comment { text: item_span },
            Rule::directive => {
                let mut inner = item.into_inner();
                let name = inner.next().map_or(item_span, |p| map(span_of(&p)));
                let args = inner.next().map(|a| collect_args(a, map)).unwrap_or_default();
                LineKind::Directive(Directive { name, args })
            }
            Rule::close_tag => {
                let mut inner = item.into_inner();
                let name = inner.next().map_or(item_span, |p| map(span_of(&p)));
                // The ignored words after the tag, without the blanks around them.
                let tail = inner.next().map_or(Span::empty(item_span.end), |p| {
                    let text = p.as_str();
                    let start = p.as_span().start() + (text.len() - text.trim_start().len());
                    let end = p.as_span().end() - (text.len() - text.trim_end().len());
                    map(Span::new(start, end.max(start)))
                });
                LineKind::Close(SectionClose { name, open: LineId(usize::MAX), tail })
            }
            Rule::open_tag => {
                let mut inner = item.into_inner();
                let (Some(name_pair), Some(rest_pair)) = (inner.next(), inner.next()) else {
                    return Ok(LineKind::Blank);
                };
                let name = map(span_of(&name_pair));
                let rest_text = rest_pair.as_str();
                let rest_start = rest_pair.as_span().start();
                let Some(last_gt) = rest_text.rfind('>') else {
                    let message = format!("<{}> directive missing closing '>'", self.lossy(name));
                    return Err(SyntaxError::at(self.source, self.index, item_span, message));
                };
                let args_text = &rest_text[..last_gt];
                let args = match HttpdGrammar::parse(Rule::tag_arguments, args_text) {
                    Ok(mut pairs) => pairs
                        .next()
                        .and_then(|p| p.into_inner().next())
                        .map(|a| collect_args(a, &|s: Span| map(s.shifted(rest_start))))
                        .unwrap_or_default(),
                    Err(_) => Vec::new(),
                };
                let args_span = map(Span::new(rest_start, rest_start + last_gt));
                LineKind::Open(SectionOpen { name, args_span, args, close: None })
            }
            _ => LineKind::Blank,
        })
    }

    /// A line read by [`simple_line`].
    fn push_read(&mut self, span: Span, text: Span, kind: LineKind) -> Result<(), SyntaxError> {
        match self.perl_around(text) {
            Some(perl) => self.perl_line(perl, span, text),
            None => self.push(span, text, false, kind),
        }
    }

    /// The `<Perl>` section whose Perl code the line with `text` is: inside
    /// one, every line but a blank one (which stays blank).
    fn perl_around(&self, text: Span) -> Option<LineId> {
        self.perl.filter(|_| !self.source[text.range()].iter().all(is_blank))
    }

    fn lossy(&self, span: Span) -> String {
        join_continuations(&self.source[span.range()]).into_owned()
    }

    fn push(&mut self, span: Span, text: Span, continued: bool, mut kind: LineKind) -> Result<(), SyntaxError> {
        let id = LineId(self.lines.len());
        let mut parent = self.stack.last().copied();
        match &mut kind {
            LineKind::Open(open) => {
                if self.lossy(open.name).eq_ignore_ascii_case("Perl") {
                    self.perl = Some(id);
                }
                self.stack.push(id);
            }
            LineKind::Close(close) => {
                // No words after the tag: the empty tail stands where the
                // line's text ends (pest's `close_tail` may have taken a
                // CR of the line end as a blank).
                if close.tail.is_empty() {
                    close.tail = Span::empty(text.end);
                }
                let name = self.lossy(close.name);
                let Some(open_id) = self.stack.pop() else {
                    let message = format!("</{name}> without matching <{name}> section");
                    return Err(SyntaxError::at(self.source, self.index, text, message));
                };
                let open_name = self.section_name(open_id);
                if !open_name.eq_ignore_ascii_case(&name) {
                    let message = format!("Expected </{open_name}> but saw </{name}>");
                    return Err(SyntaxError::at(self.source, self.index, text, message));
                }
                close.open = open_id;
                if let LineKind::Open(open) = &mut self.lines[open_id].kind {
                    open.close = Some(id);
                }
                // A closing tag sits at the level of its opening tag.
                parent = self.lines[open_id].parent;
            }
            _ => {}
        }
        self.lines.push(Line { span, text, continued, parent, kind });
        Ok(())
    }

    /// A line inside `<Perl>`: raw, unless it is the closing `</Perl>`.
    fn perl_line(&mut self, perl: LineId, span: Span, text: Span) -> Result<(), SyntaxError> {
        let line = self.lossy(text);
        let first_word = line.split_ascii_whitespace().next().unwrap_or("");
        if first_word.eq_ignore_ascii_case("</Perl>") {
            self.perl = None;
            let start = text.start + line.find('<').unwrap_or(0);
            let name = Span::new(start + 2, start + 6);
            let tail = Span::new(start + first_word.len(), text.end);
            return self.push(span, text, false, LineKind::Close(SectionClose { name, open: perl, tail }));
        }
        self.lines.push(Line { span, text, continued: false, parent: Some(perl), kind: LineKind::Raw });
        Ok(())
    }

    fn section_name(&self, open: LineId) -> String {
        match &self.lines[open].kind {
            LineKind::Open(o) => self.lossy(o.name),
            _ => String::new(),
        }
    }

    /// At the end of the file, sections still open are errors, except
    /// conditionals, which httpd lets run to the end of the file.
    fn finish(&mut self) -> Result<(), SyntaxError> {
        if let Some(&open) = self.stack.iter().rev().find(|id| !is_conditional_section(&self.section_name(**id))) {
            let name = self.section_name(open);
            let message = format!("<{name}> was not closed.");
            return Err(SyntaxError::at(self.source, self.index, self.lines[open].text, message));
        }
        Ok(())
    }

    /// httpd-style wording for a line the grammar refused.
    fn line_error_message(&self, text: Span) -> String {
        let line = self.lossy(text);
        let trimmed = line.trim_start();
        let first = trimmed.split(|c: char| c.is_ascii_whitespace()).next().unwrap_or("");
        if let Some(name) = first.strip_prefix("</") {
            let name = name.trim_end_matches('>');
            if name.is_empty() {
                return "empty closing tag '</>'".to_string();
            }
            return format!("</{name}> directive missing closing '>'");
        }
        if trimmed.starts_with('<') {
            return "expected a section name right after '<'".to_string();
        }
        "cannot read this line".to_string()
    }

    fn grammar_error(&self, error: &pest::error::Error<Rule>, base: usize) -> SyntaxError {
        let offset = base
            + match error.location {
                pest::error::InputLocation::Pos(p) => p,
                pest::error::InputLocation::Span((s, _)) => s,
            };
        let line = self.index.line_of(offset);
        let start = self.index.line_start(line);
        let text = self.index.line_text(self.source, line);
        let message = self.line_error_message(Span::new(start, start + text.len()));
        SyntaxError::at(self.source, self.index, Span::new(start, start + text.len()), message)
    }
}

fn collect_args(arguments: Pair<'_, Rule>, map: &dyn Fn(Span) -> Span) -> Vec<Arg> {
    arguments
        .into_inner()
        .filter_map(|arg| arg.into_inner().next())
        .map(|token| {
            let text = token.as_str().as_bytes();
            let quote = match token.as_rule() {
                Rule::double_quoted | Rule::single_quoted => Quote::Quoted {
                    mark: text[0],
                    closed: text.len() >= 2
                        && text[text.len() - 1] == text[0]
                        && !ends_escaped(&text[1..text.len() - 1]),
                },
                _ => Quote::None,
            };
            Arg { span: map(span_of(&token)), quote }
        })
        .collect()
}

/// Whether a quoted body ends in an escaping backslash, i.e. the final quote
/// character is escaped and the quote runs on (`"abc\"`).
fn ends_escaped(body: &[u8]) -> bool {
    // Walk as ap_getword_conf does: `\<quote>` and `\\` are pairs.
    let mut i = 0;
    let mut last_pair_ends_at = 0;
    while i < body.len() {
        if body[i] == b'\\' && i + 1 < body.len() {
            i += 2;
            last_pair_ends_at = i;
        } else {
            i += 1;
        }
    }
    // A trailing lone backslash escapes the closing quote.
    body.last() == Some(&b'\\') && last_pair_ends_at != body.len()
}

/// The joined text of a continued line and the way back to the original bytes.
struct Joined {
    /// `(joined offset, original offset)` where each joined piece starts.
    breaks: Vec<(usize, usize)>,
}

impl Joined {
    fn new(text: &str, base: usize) -> (String, Joined) {
        let bytes = text.as_bytes();
        let mut joined = String::with_capacity(text.len());
        let mut breaks = vec![(0, base)];
        let mut piece_start = 0;
        let mut i = 0;
        while i < bytes.len() {
            let cont_len = if bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b'\n') {
                2
            } else if bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') {
                3
            } else {
                0
            };
            if cont_len > 0 {
                joined.push_str(&text[piece_start..i]);
                i += cont_len;
                piece_start = i;
                breaks.push((joined.len(), base + i));
            } else {
                i += 1;
            }
        }
        joined.push_str(&text[piece_start..]);
        (joined, Joined { breaks })
    }

    /// Map a span of the joined text to the original bytes. A span ending
    /// where a continuation was removed ends before it; one starting there
    /// starts after it.
    fn span(&self, span: Span) -> Span {
        let start = self.offset(span.start, |j| j <= span.start);
        let end = if span.is_empty() { start } else { self.offset(span.end, |j| j < span.end) };
        Span::new(start, end)
    }

    fn offset(&self, joined: usize, take: impl Fn(usize) -> bool) -> usize {
        let (j, o) = self.breaks.iter().rev().find(|(j, _)| take(*j)).copied().unwrap_or((0, self.breaks[0].1));
        o + (joined - j)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(src: &[u8]) -> HttpdFile {
        let file = HttpdFile::parse(src.to_vec()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(file.print(), src);
        file
    }

    #[test]
    fn continued_directive_maps_args_back() {
        let file = roundtrip(b"Options Indexes \\\n    MultiViews\n");
        let LineKind::Directive(d) = &file.lines[0].kind else { panic!() };
        assert_eq!(file.arg_values(&d.args), ["Indexes", "MultiViews"]);
        assert_eq!(&file.source()[d.args[1].span.range()], b"MultiViews");
    }

    #[test]
    fn token_across_continuation() {
        let file = roundtrip(b"Options A\\\nB\n");
        let LineKind::Directive(d) = &file.lines[0].kind else { panic!() };
        assert_eq!(file.arg_values(&d.args), ["AB"]);
        assert_eq!(&file.source()[d.args[0].span.range()], b"A\\\nB");
    }

    #[test]
    fn escaped_closing_quote_runs_on() {
        let file = roundtrip(b"Header set X \"abc\\\"\n");
        let LineKind::Directive(d) = &file.lines[0].kind else { panic!() };
        assert_eq!(d.args[2].quote, Quote::Quoted { mark: b'"', closed: false });
    }
}
