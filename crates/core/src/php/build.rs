//! Reading a php.ini file into its flat tree, as PHP 8.2 reads it.
//!
//! The pest grammar (`grammars/php_ini.pest`) is PHP's scanner. This module
//! walks its tokens statement by statement, counts lines the way PHP's
//! scanner does (so errors name PHP's line), and stops at the first error,
//! as PHP does.

use pest::Parser;
use pest::iterators::Pair;

use crate::error::SyntaxError;
use crate::php::check::{ExprCheck, Token, Verdict, quote_char};
use crate::php::fast;
use crate::php::syntax::{Entry, IniLine, IniLineKind, IniValue, Operator, Piece, PieceKind};
use crate::text::{BOM, Span, lossy, parse_view};

#[derive(pest_derive::Parser)]
#[grammar = "../../grammars/php_ini.pest"]
struct PhpIniGrammar;

/// Read `source` into its BOM and statements, or PHP's first error.
pub(crate) fn build(source: &[u8], fast: bool) -> Result<(Option<Span>, Vec<IniLine>), SyntaxError> {
    let view = parse_view(source);
    let mut builder = Builder { source, base: 0, php_line: 1, lines: Vec::new(), section: None, pending: None };
    // PHP skips a BOM only when more bytes follow (see `bom` in the grammar).
    let bom = (source.len() > BOM.len() && source.starts_with(BOM)).then(|| Span::new(0, BOM.len()));
    let mut pos = bom.map_or(0, |b| b.end);
    // A few statements per pest call: pest keeps every token of a call in
    // memory, which for a whole 300,000-line file is hundreds of MB.
    while pos < view.len() {
        // Blank and comment lines (96% of php.ini-production's bytes) are
        // read here, exactly as `blank` and `comment` read them; pest costs
        // far more per line than this scan.
        if fast && builder.pending.is_none() {
            let read = fast::blank_or_comment(source, pos).or_else(|| fast::simple_entry(source, pos, builder.section));
            if let Some((line, lines)) = read {
                builder.php_line += lines;
                pos = line.span.end;
                builder.lines.push(line);
                continue;
            }
        }
        let rest = view.get(pos..).unwrap_or_default();
        // Fast: one statement, so the next line gets the byte scan again.
        let rule = if fast { Rule::statement } else { Rule::chunk };
        let chunk = match PhpIniGrammar::parse(rule, rest) {
            Ok(mut pairs) => pairs.next(),
            // The grammar accepts every input; this is a safety net.
            Err(_) => None,
        };
        let Some(chunk) = chunk.filter(|c| c.as_span().end() > 0) else {
            return Err(error_at(source, Span::empty(pos), None, "cannot read this statement"));
        };
        builder.base = pos;
        let consumed = chunk.as_span().end();
        let statements: Vec<Pair<'_, Rule>> = if fast { vec![chunk] } else { chunk.into_inner().collect() };
        for statement in statements {
            for pair in statement.into_inner() {
                builder.statement(pair)?;
            }
        }
        pos += consumed;
    }
    builder.finish()?;
    Ok((bom, builder.lines))
}

fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let s = pair.as_span();
    Span::new(s.start(), s.end())
}

/// A syntax error at `span`, on PHP's line `php_line` (or the physical line
/// of `span` when `None`). Lines count LF, CR LF and a lone CR, as PHP does;
/// the column counts characters from the start of the physical line.
fn error_at(source: &[u8], span: Span, php_line: Option<usize>, message: impl Into<String>) -> SyntaxError {
    let offset = span.start.min(source.len());
    let before = &source[..offset];
    let line_start = before.iter().rposition(|b| *b == b'\n' || *b == b'\r').map_or(0, |i| i + 1);
    let physical_line = 1 + count_newlines(before);
    SyntaxError {
        span,
        line: php_line.unwrap_or(physical_line),
        column: crate::text::char_count(&source[line_start..offset]) + 1,
        message: message.into(),
    }
}

/// Line ends in `bytes`: LF, CR LF and a lone CR each count once.
fn count_newlines(bytes: &[u8]) -> usize {
    bytes.iter().enumerate().filter(|(i, b)| **b == b'\n' || (**b == b'\r' && bytes.get(i + 1) != Some(&b'\n'))).count()
}

/// Builds the flat tree statement by statement, counting lines as PHP does.
struct Builder<'a> {
    source: &'a [u8],
    /// Where the chunk being read starts in the file.
    base: usize,
    /// PHP's line counter at the start of the current statement.
    php_line: usize,
    lines: Vec<IniLine>,
    /// The last section header seen.
    section: Option<usize>,
    /// `key[offset]` without `=`: PHP reports the token after it.
    pending: Option<usize>,
}

impl Builder<'_> {
    /// The span of a pair of the chunk being read, in file offsets.
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        span_of(pair).shifted(self.base)
    }

    fn statement(&mut self, pair: Pair<'_, Rule>) -> Result<(), SyntaxError> {
        let span = self.span(&pair);
        if let Some(at) = self.pending.take() {
            return Err(self.expecting_equals(at, Some(&pair)));
        }
        let kind = match pair.as_rule() {
            Rule::blank => {
                self.php_line += count_rule(&pair, Rule::eol);
                IniLineKind::Blank
            }
            Rule::comment => {
                let text = pair
                    .clone()
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::comment_text)
                    .map_or(span, |p| self.span(&p));
                self.php_line += count_rule(&pair, Rule::eol);
                IniLineKind::Comment { text }
            }
            Rule::section => self.section(pair)?,
            Rule::entry => IniLineKind::Entry(self.entry(pair)?),
            Rule::bool_key => return Err(self.bool_key(pair)),
            Rule::stray => return Err(self.stray(pair)),
            _ => return Ok(()),
        };
        if matches!(kind, IniLineKind::Section { .. }) {
            self.section = Some(self.lines.len());
        }
        self.lines.push(IniLine { span, kind });
        Ok(())
    }

    fn finish(&mut self) -> Result<(), SyntaxError> {
        if let Some(at) = self.pending.take() {
            return Err(self.expecting_equals(at, None));
        }
        Ok(())
    }

    fn error(&self, span: Span, extra_lines: usize, message: impl Into<String>) -> SyntaxError {
        error_at(self.source, span, Some(self.php_line + extra_lines), message)
    }

    fn section(&mut self, pair: Pair<'_, Rule>) -> Result<IniLineKind, SyntaxError> {
        let mut name = Span::empty(self.span(&pair).end);
        let mut pieces = Vec::new();
        let mut comment = None;
        let mut extra = 0;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::section_name => {
                    name = self.span(&part);
                    pieces = self.name_pieces(part, &mut extra)?;
                }
                Rule::section_end => {
                    // PHP counts a line for `]` whether or not a line end
                    // follows it, and another for a comment's line end.
                    extra += 1;
                    for inner in part.into_inner() {
                        if inner.as_rule() == Rule::section_comment {
                            extra += count_rule(&inner, Rule::eol);
                            comment =
                                inner.into_inner().find(|p| p.as_rule() == Rule::comment_text).map(|p| self.span(&p));
                        }
                    }
                }
                Rule::unread_rest => {
                    return Err(self.error(
                        Span::empty(self.span(&part).start),
                        extra,
                        "syntax error, unexpected end of file, expecting ']'",
                    ));
                }
                _ => {}
            }
        }
        self.php_line += extra;
        let name_value = crate::php::value::evaluate_section_name(self.source, &pieces, &|_: &str| None);
        Ok(IniLineKind::Section { name, name_value, pieces, comment })
    }

    /// The pieces of a section name or an offset; all of them are strings
    /// to PHP's parser, so only the scanner's errors can occur.
    fn name_pieces(&self, pair: Pair<'_, Rule>, extra: &mut usize) -> Result<Vec<Piece>, SyntaxError> {
        let mut pieces = Vec::new();
        for part in pair.into_inner() {
            let span = self.span(&part);
            let kind = match part.as_rule() {
                Rule::constant_name => PieceKind::Constant,
                Rule::name_string => PieceKind::Bare,
                Rule::single_quoted => PieceKind::SingleQuoted,
                Rule::dollar_curly => self.dollar_curly(part, *extra)?,
                Rule::double_quoted => self.double_quoted(part, extra)?,
                _ => continue,
            };
            pieces.push(Piece { span, kind });
        }
        Ok(pieces)
    }

    /// `${NAME}`, or PHP's error for a malformed one.
    fn dollar_curly(&self, pair: Pair<'_, Rule>, extra: usize) -> Result<PieceKind, SyntaxError> {
        let mut name = None;
        let whole = self.span(&pair);
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::var_name => name = Some(self.span(&part)),
                Rule::unread_rest => {
                    let expecting = if name.is_some() { "'}'" } else { "TC_VARNAME" };
                    return Err(self.error(
                        Span::empty(self.span(&part).start),
                        extra,
                        format!("syntax error, unexpected end of file, expecting {expecting}"),
                    ));
                }
                _ => {}
            }
        }
        match name {
            Some(name) => Ok(PieceKind::Variable { name }),
            None => {
                let close = whole.end.saturating_sub(1);
                Err(self.error(
                    Span::new(close, close + 1),
                    extra,
                    "syntax error, unexpected '}', expecting TC_VARNAME",
                ))
            }
        }
    }

    /// `"..."`. PHP counts the line ends inside it (zend_ini_escape_string),
    /// so `extra` grows by them.
    fn double_quoted(&self, pair: Pair<'_, Rule>, extra: &mut usize) -> Result<PieceKind, SyntaxError> {
        let mut parts = Vec::new();
        for part in pair.into_inner() {
            let span = self.span(&part);
            match part.as_rule() {
                Rule::dq_text => {
                    *extra += count_newlines(&self.source[span.range()]);
                    parts.push(Piece { span, kind: PieceKind::Text });
                }
                Rule::dollar_curly => {
                    let kind = self.dollar_curly(part, *extra)?;
                    parts.push(Piece { span, kind });
                }
                Rule::unread_rest => {
                    return Err(self.error(
                        Span::empty(span.start),
                        *extra,
                        "syntax error, unexpected end of file, expecting TC_DOLLAR_CURLY or TC_QUOTED_STRING or '\"'",
                    ));
                }
                _ => {}
            }
        }
        Ok(PieceKind::DoubleQuoted { parts })
    }

    fn bool_key(&self, pair: Pair<'_, Rule>) -> SyntaxError {
        let word =
            pair.into_inner().find(|p| p.as_rule() == Rule::key_bool_word).map(|p| self.span(&p)).unwrap_or_default();
        let name = bool_token_name(&self.source[word.range()]);
        self.error(word, 0, format!("syntax error, unexpected {name}"))
    }

    fn stray(&self, pair: Pair<'_, Rule>) -> SyntaxError {
        let token = pair
            .into_inner()
            .find(|p| matches!(p.as_rule(), Rule::stray_assign | Rule::stray_char))
            .map(|p| (self.span(&p), p.as_str().chars().next().unwrap_or('?')));
        let (span, c) = token.unwrap_or((Span::default(), '?'));
        self.error(span, 0, format!("syntax error, unexpected {}", quote_char(c)))
    }

    fn entry(&mut self, pair: Pair<'_, Rule>) -> Result<Entry, SyntaxError> {
        let mut entry = Entry {
            key: Span::default(),
            key_text: String::new(),
            offset: None,
            offset_value: None,
            equals: None,
            value: None,
            comment: None,
            section: self.section,
            hash_line: false,
        };
        let mut extra = 0;
        let mut offset_end = None;
        let mut value_pair = None;
        let mut stopped = false;
        let mut eol = false;
        for part in pair.into_inner() {
            let span = self.span(&part);
            match part.as_rule() {
                Rule::key => {
                    entry.key = trim_blanks(self.source, span);
                    entry.key_text = lossy(&self.source[entry.key.range()]).into_owned();
                    entry.hash_line = entry.key_text.starts_with('#');
                }
                Rule::offset => {
                    offset_end = Some(span.end);
                    let (inside, value) = self.offset(part, &mut extra)?;
                    entry.offset = Some(inside);
                    entry.offset_value = Some(value);
                }
                Rule::assign => {
                    let eq = self.source[span.range()]
                        .iter()
                        .position(|b| *b == b'=')
                        .map_or(span.start, |i| span.start + i);
                    entry.equals = Some(Span::new(eq, eq + 1));
                }
                Rule::value => value_pair = Some(part),
                Rule::value_stop => stopped = true,
                Rule::trailing_comment => entry.comment = Some(span),
                Rule::eol => eol = true,
                _ => {}
            }
        }
        if let Some(value) = value_pair {
            let end_span = Span::empty(self.base + value.as_span().end());
            // How the value ended, as PHP's END_OF_LINE token: a line end
            // (PHP counts it) or, without one, the end of the file, an
            // unquoted `=`, or a stop character.
            let end_lines = usize::from(eol && !stopped);
            // A comment that ends the file runs off its end too: PHP's
            // comment rule takes the NUL padding and the scanner returns
            // end of file instead of END_OF_LINE.
            let comment_at_eof = entry.comment.is_some() && !eol && !stopped;
            let end_token = if comment_at_eof { Token::EndOfFile } else { Token::EndOfLine };
            entry.value = Some(self.value(value, end_span, end_token, end_lines, &mut extra)?);
        } else if let Some(end) = offset_end {
            // `key[offset]` must be followed by `=`. A comment or line end
            // right after it is PHP's END_OF_LINE; anything else is the
            // next statement's first token, reported when it comes.
            if entry.comment.is_some() || eol {
                return Err(self.missing_equals_at_line_end(end, extra, eol));
            }
            self.php_line += extra;
            self.pending = Some(end);
            return Ok(entry);
        }
        self.php_line += extra + usize::from(eol);
        Ok(entry)
    }

    /// The inside of `[...]` after a key: its span and pieces.
    fn offset(&self, pair: Pair<'_, Rule>, extra: &mut usize) -> Result<(Span, IniValue), SyntaxError> {
        let mut found = None;
        for inner in pair.into_inner() {
            match inner.as_rule() {
                Rule::offset_value => {
                    let inside = self.span(&inner);
                    let pieces = self.name_pieces(inner, extra)?;
                    found = Some((inside, IniValue { span: pieces_span(&pieces, inside.start), pieces }));
                }
                Rule::unread_rest => {
                    return Err(self.error(
                        Span::empty(self.span(&inner).start),
                        *extra,
                        "syntax error, unexpected end of file, expecting ']'",
                    ));
                }
                _ => {}
            }
        }
        Ok(found.unwrap_or_else(|| (Span::default(), IniValue { span: Span::default(), pieces: Vec::new() })))
    }

    /// `key[offset]` followed by a comment or a line end instead of `=`.
    fn missing_equals_at_line_end(&self, end: usize, extra: usize, eol: bool) -> SyntaxError {
        let at = self.source[end..].iter().position(|b| *b != b' ' && *b != b'\t').map_or(end, |i| end + i);
        // A comment at the very end of the file runs off it: "end of file".
        let name = if eol { "END_OF_LINE" } else { "end of file" };
        self.error(
            Span::new(at, at + 1),
            extra + usize::from(eol),
            format!("syntax error, unexpected {name}, expecting '='"),
        )
    }

    /// Read and check a value. `extra` counts PHP's lines inside the
    /// statement so far; `end_lines` is what the value's end adds.
    fn value(
        &self,
        pair: Pair<'_, Rule>,
        end: Span,
        end_token: Token<'_>,
        end_lines: usize,
        extra: &mut usize,
    ) -> Result<IniValue, SyntaxError> {
        let start = self.base + pair.as_span().start();
        let mut check = ExprCheck::new();
        let mut pieces = Vec::new();
        for part in pair.into_inner() {
            let span = self.span(&part);
            let Some((token, kind)) = value_token(part.as_rule(), &self.source[span.range()]) else { continue };
            match check.feed(&token) {
                Verdict::Ok => {}
                Verdict::Error(message) => {
                    let at =
                        if matches!(token, Token::EndOfFile) { Span::new(span.start, span.start + 1) } else { span };
                    return Err(self.error(at, *extra, message));
                }
                // `$\` at the very end: PHP drops the token, and nothing follows.
                Verdict::SilentEnd if part.as_rule() == Rule::runs_off_end => break,
                Verdict::SilentEnd => {
                    return Err(error_at(
                        self.source,
                        Span::new(span.start, span.start + 1),
                        None,
                        "unterminated single-quoted string: PHP silently ignores the rest of the file from here",
                    ));
                }
            }
            // Quoted strings and variables: their own checks, in order.
            let kind = match part.as_rule() {
                Rule::dollar_curly => self.dollar_curly(part, *extra)?,
                Rule::double_quoted => self.double_quoted(part, extra)?,
                _ => kind,
            };
            pieces.push(Piece { span, kind });
        }
        // At the very end of the file PHP's parser stopping is harmless.
        if let Verdict::Error(message) = check.feed(&end_token) {
            return Err(self.error(end, *extra + end_lines, message));
        }
        Ok(IniValue { span: pieces_span(&pieces, start), pieces })
    }

    /// PHP's "expecting '='" after `key[offset]`, naming the token that
    /// came instead (read from the next statement, or the end of the file).
    fn expecting_equals(&self, at: usize, next: Option<&Pair<'_, Rule>>) -> SyntaxError {
        let (name, span, lines) = next_token_name(self.source, at, next, self.base);
        self.error(span, lines, format!("syntax error, unexpected {name}, expecting '='"))
    }
}

/// What a value token is to PHP's parser, and the piece it makes. Quoted
/// strings and variables get their real piece after their own checks.
fn value_token(rule: Rule, text: &[u8]) -> Option<(Token<'static>, PieceKind)> {
    Some(match rule {
        Rule::single_quoted => (Token::String("TC_RAW"), PieceKind::SingleQuoted),
        Rule::dollar_curly => (Token::String("TC_DOLLAR_CURLY"), PieceKind::Bare),
        Rule::double_quoted => (Token::String("'\"'"), PieceKind::Bare),
        Rule::bool_word => {
            let name = bool_token_name(text);
            let kind = match name {
                "BOOL_TRUE" => PieceKind::Bool(true),
                "BOOL_FALSE" => PieceKind::Bool(false),
                _ => PieceKind::Null,
            };
            (Token::Bool(name), kind)
        }
        Rule::constant => (Token::String("TC_CONSTANT"), PieceKind::Constant),
        Rule::number => (Token::String("TC_NUMBER"), PieceKind::Number),
        Rule::bare => (Token::String("TC_STRING"), PieceKind::Bare),
        Rule::whitespace => (Token::String("TC_WHITESPACE"), PieceKind::Whitespace),
        Rule::operator => {
            let op = text.first().copied().and_then(Operator::from_byte)?;
            let token = if op.is_unary() { Token::Unary(op.as_char()) } else { Token::Binary(op.as_char()) };
            (token, PieceKind::Operator(op))
        }
        Rule::open_paren => (Token::Open, PieceKind::OpenParen),
        Rule::close_paren => (Token::Close, PieceKind::CloseParen),
        // The scanner ran off the end of the file: PHP's "end of file".
        Rule::sq_unclosed | Rule::runs_off_end => (Token::EndOfFile, PieceKind::Bare),
        _ => return None,
    })
}

/// PHP's name for the token that starts at `at` (after `key[offset]`),
/// read from the statement that follows; with the token's span and the
/// lines PHP counts while reading it.
fn next_token_name(source: &[u8], at: usize, next: Option<&Pair<'_, Rule>>, base: usize) -> (String, Span, usize) {
    let first = source[at..].iter().position(|b| *b != b' ' && *b != b'\t').map_or(source.len(), |i| at + i);
    let token = Span::new(first, (first + 1).min(source.len()));
    let Some(pair) = next else {
        return ("end of file".to_string(), Span::empty(source.len()), 0);
    };
    // Spaces (no tab) before a character that cannot continue a key are an
    // empty key to PHP (its key token wins the tie with skipping them), or
    // an empty key with an offset before `[`.
    let lead = &source[at..first];
    if !lead.is_empty()
        && lead.iter().all(|b| *b == b' ')
        && matches!(pair.as_rule(), Rule::section | Rule::stray | Rule::bool_key)
    {
        let name = if pair.as_rule() == Rule::section { "TC_OFFSET" } else { "TC_LABEL" };
        return (name.to_string(), Span::new(at, first), 0);
    }
    let name = match pair.as_rule() {
        Rule::blank | Rule::comment => {
            let lines = count_rule(pair, Rule::eol);
            if lines == 0 && pair.as_rule() == Rule::blank {
                "end of file"
            } else {
                return ("END_OF_LINE".to_string(), token, lines);
            }
        }
        Rule::section => "TC_SECTION",
        Rule::entry => {
            let has = |rule| pair.clone().into_inner().any(|p| p.as_rule() == rule);
            let key_end = pair.clone().into_inner().find(|p| p.as_rule() == Rule::key).map(|p| span_of(&p).end + base);
            if has(Rule::offset) {
                "TC_OFFSET"
            } else if key_end == Some(source.len()) {
                // A key running to the end of the file runs off it: the
                // scanner returns end of file (see `bool_key` in the grammar).
                "end of file"
            } else {
                "TC_LABEL"
            }
        }
        Rule::bool_key => {
            let word = pair
                .clone()
                .into_inner()
                .find(|p| p.as_rule() == Rule::key_bool_word)
                .map_or(token, |p| span_of(&p).shifted(base));
            return (bool_token_name(&source[word.range()]).to_string(), word, 0);
        }
        _ => return (quote_char(source.get(first).copied().unwrap_or(b'?') as char), token, 0),
    };
    (name.to_string(), token, 0)
}

/// BOOL_TRUE, BOOL_FALSE or NULL_NULL for a boolean or null word.
fn bool_token_name(word: &[u8]) -> &'static str {
    let word = word.to_ascii_lowercase();
    match word.as_slice() {
        b"true" | b"on" | b"yes" => "BOOL_TRUE",
        b"null" => "NULL_NULL",
        _ => "BOOL_FALSE",
    }
}

/// How many descendants of `pair` are `rule`.
fn count_rule(pair: &Pair<'_, Rule>, rule: Rule) -> usize {
    pair.clone().into_inner().flatten().filter(|p| p.as_rule() == rule).count()
}

/// `span` without the spaces and tabs at either end.
fn trim_blanks(source: &[u8], span: Span) -> Span {
    let bytes = &source[span.range()];
    let is_blank = |b: &u8| *b == b' ' || *b == b'\t';
    let start = bytes.iter().position(|b| !is_blank(b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !is_blank(b)).map_or(start, |i| i + 1);
    Span::new(span.start + start, span.start + end.max(start))
}

/// From the first piece to the last piece that is not whitespace; empty at
/// `at` when there is none.
fn pieces_span(pieces: &[Piece], at: usize) -> Span {
    let first = pieces.first().map(|p| p.span.start);
    let last = pieces.iter().rev().find(|p| p.kind != PieceKind::Whitespace).map(|p| p.span.end);
    match (first, last) {
        (Some(start), Some(end)) if end >= start => Span::new(start, end),
        (Some(start), _) => Span::empty(start),
        _ => Span::empty(at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The grammar accepts every input (errors are the builder's job), and
    /// reading it chunk by chunk gives the same statements as reading it
    /// whole.
    #[test]
    fn grammar_is_total_and_chunks_do_not_matter() {
        let inputs: &[&[u8]] = &[
            b"",
            b"[PHP]\r\nengine = On ; x\rkey[] = \"a\nb\" 'c'\n",
            b"a = (((\n\"unclosed",
            b"on = 1\n",
            b"\xEF\xBB\xBF\xFF\x00 = ${x\n",
            b"  [x] y ${} ''' $\\",
        ];
        for input in inputs {
            let view = parse_view(input);
            let file = PhpIniGrammar::parse(Rule::file, &view).map(|mut p| p.next());
            let file = file.unwrap_or_else(|e| panic!("{e}")).expect("file");
            assert_eq!(file.as_span().end(), view.len());
            let whole: Vec<_> = file
                .into_inner()
                .filter(|p| p.as_rule() == Rule::statement)
                .map(|p| (p.as_span().start(), p.as_span().end()))
                .collect();
            let bom = usize::from(input.starts_with(BOM) && input.len() > 3) * 3;
            let mut chunked = Vec::new();
            let mut pos = bom;
            while pos < view.len() {
                let chunk = PhpIniGrammar::parse(Rule::chunk, &view[pos..]).expect("chunk").next().expect("pair");
                for statement in chunk.clone().into_inner() {
                    chunked.push((pos + statement.as_span().start(), pos + statement.as_span().end()));
                }
                pos += chunk.as_span().end();
            }
            assert_eq!(whole, chunked, "{input:?}");
        }
    }

    #[test]
    fn php_counts_lines_its_own_way() {
        let line = |src: &str| build(src.as_bytes(), true).expect_err("error").line;
        // A lone CR is a line end.
        assert_eq!(line("a = 1\r\rb = ("), 3);
        // A line end inside "..." counts; inside '...' it does not.
        assert_eq!(line("a = \"x\ny\" )"), 2);
        assert_eq!(line("a = 'x\ny' )"), 1);
        // `]` counts a line even when a comment follows on the same line.
        assert_eq!(line("[a] ; c\nb = )"), 3);
        // `$` takes the line end with it, uncounted.
        assert_eq!(line("a = x$\ny = )"), 1);
    }

    #[test]
    fn statements_cover_every_byte() {
        let src = b"\xEF\xBB\xBF; c\n[s] ; t\r\n  k = v\t;x\rbare\n# h = 1\n[a] b = 2";
        let (bom, lines) = build(src, true).expect("parses");
        let mut end = bom.map_or(0, |b| b.end);
        for line in &lines {
            assert_eq!(line.span.start, end);
            end = line.span.end;
        }
        assert_eq!(end, src.len());
    }
}
