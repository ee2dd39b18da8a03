//! A validator for httpd's expression language (ap_expr, 2.4): the
//! conditions of `<If>`/`<ElseIf>`, `Require expr`, `Header ... expr=`,
//! `RewriteCond expr`.
//!
//! The scanner follows server/util_expr_scan.l (a flex scanner: longest
//! match, ties to the earlier rule, states for strings, variables and
//! regular expressions); the parser follows the grammar of
//! server/util_expr_parse.y with its precedences (`||` < `&&` < `!` < `.`)
//! and checks names the way `ap_expr_lookup_default` does (variables and
//! string functions without regard to case, unary operators with it).
//! Regular expressions are not compiled.
//!
//! The parser recurses only through parentheses, `!` and nested `%{...}`,
//! and never deeper than the depth it is given: hostile input gets an
//! "unchecked" answer, not a stack overflow.

use std::fmt;

use super::expr_vocabulary as vocabulary;
use super::values_auth::ip_subnet;

/// Nesting depth the callers in this module use; real expressions stay far
/// below it.
pub const DEFAULT_DEPTH: usize = 100;

/// Longest regular expression httpd's scanner takes (MAX_STRING_LEN).
const MAX_REGEX: usize = 8192;

/// What the expression must produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExprKind {
    /// A condition (`<If>`, `Require expr`).
    Boolean,
    /// A string (`Header set X "expr=..."`, `Require host`): the text is a
    /// string with `%{...}` interpolations, no quotes needed.
    String,
}

/// Why an expression was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    /// httpd's message where it has one (scanner and name lookups); a
    /// description for grammar errors, which bison words differently.
    pub message: String,
    /// The expression was nested too deeply to check: not an error httpd
    /// would report.
    pub unchecked: bool,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

fn err(message: impl Into<String>) -> ExprError {
    ExprError { message: message.into(), unchecked: false }
}

/// Check `text` as httpd's `ap_expr_parse` would. An expression nested
/// deeper than `max_depth` is reported as unchecked.
pub fn parse(text: &str, kind: ExprKind, max_depth: usize) -> Result<(), ExprError> {
    let tokens = scan(text.as_bytes(), kind);
    let mut p = Parser { tokens: &tokens, pos: 0, depth: 0, max_depth, semantic: None };
    p.root(kind)?;
    match p.semantic {
        Some(message) => Err(err(message)),
        None => Ok(()),
    }
}

/// The error httpd would report for `text`, if any: `None` also when the
/// expression is too deeply nested to check (never a false finding).
pub fn refused(text: &str, kind: ExprKind) -> Option<ExprError> {
    parse(text, kind, DEFAULT_DEPTH).err().filter(|e| !e.unchecked)
}

/// Whether `text` is a valid condition: a shorthand for callers that only
/// need the verdict (nested-too-deep counts as valid).
pub fn is_valid_condition(text: &str) -> bool {
    parse(text, ExprKind::Boolean, DEFAULT_DEPTH).is_ok_or_unchecked()
}

trait OkOrUnchecked {
    fn is_ok_or_unchecked(&self) -> bool;
}

impl OkOrUnchecked for Result<(), ExprError> {
    fn is_ok_or_unchecked(&self) -> bool {
        match self {
            Ok(()) => true,
            Err(e) => e.unchecked,
        }
    }
}

// ---------------------------------------------------------------------------
// Scanner
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    True,
    False,
    StrBegin,
    StrEnd,
    Str(String),
    VarBegin,
    VarEnd,
    Id(String),
    Digit,
    /// `T_REGEX` or `T_REGEX_I`.
    Regex(&'static str),
    Backref,
    Unary(String),
    Binary(String),
    /// `==`, `-eq`, `<`, `lt`...: bison's token name.
    Compare(&'static str),
    In,
    /// `=~` or `!~`: bison's token name.
    Match(&'static str),
    Concat,
    And,
    Or,
    Not,
    LParen,
    RParen,
    LBrace,
    RBrace,
    Comma,
    Colon,
    Error(String),
    End,
}

impl Tok {
    /// The token's name in bison's messages (util_expr_parse.y).
    fn bison_name(&self) -> &'static str {
        match self {
            Tok::True => "T_TRUE",
            Tok::False => "T_FALSE",
            Tok::StrBegin => "T_STR_BEGIN",
            Tok::StrEnd => "T_STR_END",
            Tok::Str(_) => "T_STRING",
            Tok::VarBegin => "T_VAR_BEGIN",
            Tok::VarEnd => "T_VAR_END",
            Tok::Id(_) => "T_ID",
            Tok::Digit => "T_DIGIT",
            Tok::Regex(name) | Tok::Compare(name) | Tok::Match(name) => name,
            Tok::Backref => "T_REGEX_BACKREF",
            Tok::Unary(_) => "T_OP_UNARY",
            Tok::Binary(_) => "T_OP_BINARY",
            Tok::In => "T_OP_IN",
            Tok::Concat => "T_OP_CONCAT",
            Tok::And => "T_OP_AND",
            Tok::Or => "T_OP_OR",
            Tok::Not => "T_OP_NOT",
            Tok::LParen => "'('",
            Tok::RParen => "')'",
            Tok::LBrace => "'{'",
            Tok::RBrace => "'}'",
            Tok::Comma => "','",
            Tok::Colon => "':'",
            Tok::Error(_) => "T_ERROR",
            Tok::End => "$end",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Initial,
    Str,
    Var,
    VarArg,
}

/// The keyword rules that come before the identifier rule in the scanner,
/// so that they win a tie with it.
const KEYWORDS: &[(&str, Tok)] = &[
    ("and", Tok::And),
    ("or", Tok::Or),
    ("not", Tok::Not),
    ("lt", Tok::Compare("T_OP_LT")),
    ("le", Tok::Compare("T_OP_LE")),
    ("gt", Tok::Compare("T_OP_GT")),
    ("ge", Tok::Compare("T_OP_GE")),
    ("ne", Tok::Compare("T_OP_NE")),
    ("eq", Tok::Compare("T_OP_EQ")),
    ("in", Tok::In),
    ("true", Tok::True),
    ("false", Tok::False),
];

/// The dash operators that win a tie with the binary-operator rule.
const DASH_OPERATORS: &[(&str, Tok)] = &[
    ("-in", Tok::In),
    ("-eq", Tok::Compare("T_OP_EQ")),
    ("-ne", Tok::Compare("T_OP_NE")),
    ("-ge", Tok::Compare("T_OP_GE")),
    ("-le", Tok::Compare("T_OP_LE")),
    ("-gt", Tok::Compare("T_OP_GT")),
    ("-lt", Tok::Compare("T_OP_LT")),
];

const REGEX_DELIMITERS: &[u8] = b"/#$%^,;:_?|-!.'\"";

fn scan(s: &[u8], kind: ExprKind) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut state = if kind == ExprKind::String { State::Str } else { State::Initial };
    let mut stack: Vec<State> = Vec::new();
    // The quote that closes the current string; none for the top level of a
    // string expression, where quotes are plain text.
    let mut delimiter: Option<u8> = None;
    let mut buf: Vec<u8> = Vec::new();
    let mut i = 0;
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    loop {
        let c = s.get(i).copied();
        match state {
            State::Initial => {
                let Some(c) = c else {
                    out.push(Tok::End);
                    return out;
                };
                let rest = &s[i..];
                let ident_len =
                    |from: usize| rest[from..].iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'_').count();
                if matches!(c, b' ' | b'\t' | b'\n') {
                    i += 1;
                } else if c == b'"' || c == b'\'' {
                    delimiter = Some(c);
                    state = State::Str;
                    out.push(Tok::StrBegin);
                    i += 1;
                } else if rest.starts_with(b"%{") {
                    stack.push(State::Initial);
                    state = State::Var;
                    out.push(Tok::VarBegin);
                    i += 2;
                } else if c == b'$' && rest.get(1).is_some_and(u8::is_ascii_digit) {
                    out.push(Tok::Backref);
                    i += 2;
                } else if (c == b'm' && rest.get(1).is_some_and(|d| REGEX_DELIMITERS.contains(d)) && ident_len(1) < 2)
                    || c == b'/'
                {
                    // `m#...#` (unless a longer identifier such as `m_x`
                    // wins) or `/.../`, then an optional `i`.
                    let (delim, start) = if c == b'/' { (b'/', i + 1) } else { (rest[1], i + 2) };
                    let Some(len) = s[start..].iter().position(|b| *b == delim) else {
                        // No closing delimiter: the scanner runs out of input.
                        out.push(Tok::End);
                        return out;
                    };
                    if len >= MAX_REGEX {
                        out.push(Tok::Error("Regexp too long".into()));
                        return out;
                    }
                    i = start + len + 1;
                    if s.get(i) == Some(&b'i') {
                        i += 1;
                        out.push(Tok::Regex("T_REGEX_I"));
                    } else {
                        out.push(Tok::Regex("T_REGEX"));
                    }
                } else if c == b'-' && rest.get(1).is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_') {
                    let len = 1 + ident_len(1);
                    let word = &rest[..len];
                    if let Some((_, tok)) = DASH_OPERATORS.iter().find(|(k, _)| k.as_bytes() == word) {
                        out.push(tok.clone());
                    } else if len == 2 {
                        out.push(Tok::Unary(text(&word[1..])));
                    } else {
                        out.push(Tok::Binary(text(&word[1..])));
                    }
                    i += len;
                } else if c.is_ascii_digit() || (c == b'-' && rest.get(1).is_some_and(u8::is_ascii_digit)) {
                    let len = 1 + rest[1..].iter().take_while(|b| b.is_ascii_digit()).count();
                    out.push(Tok::Digit);
                    i += len;
                } else if c.is_ascii_alphabetic() {
                    let len = 1 + ident_len(1);
                    let word = &rest[..len];
                    match KEYWORDS.iter().find(|(k, _)| k.as_bytes() == word) {
                        Some((_, tok)) => out.push(tok.clone()),
                        None => out.push(Tok::Id(text(word))),
                    }
                    i += len;
                } else {
                    let two = rest.get(..2);
                    let (tok, len) = match (two, c) {
                        (Some(b"=~"), _) => (Tok::Match("T_OP_REG"), 2),
                        (Some(b"!~"), _) => (Tok::Match("T_OP_NRE"), 2),
                        (Some(b"=="), _) => (Tok::Compare("T_OP_STR_EQ"), 2),
                        (Some(b"!="), _) => (Tok::Compare("T_OP_STR_NE"), 2),
                        (Some(b"<="), _) => (Tok::Compare("T_OP_STR_LE"), 2),
                        (Some(b">="), _) => (Tok::Compare("T_OP_STR_GE"), 2),
                        (Some(b"&&"), _) => (Tok::And, 2),
                        (Some(b"||"), _) => (Tok::Or, 2),
                        (_, b'=') => (Tok::Compare("T_OP_STR_EQ"), 1),
                        (_, b'<') => (Tok::Compare("T_OP_STR_LT"), 1),
                        (_, b'>') => (Tok::Compare("T_OP_STR_GT"), 1),
                        (_, b'!') => (Tok::Not, 1),
                        (_, b'.') => (Tok::Concat, 1),
                        (_, b'(') => (Tok::LParen, 1),
                        (_, b')') => (Tok::RParen, 1),
                        (_, b'{') => (Tok::LBrace, 1),
                        (_, b'}') => (Tok::RBrace, 1),
                        (_, b',') => (Tok::Comma, 1),
                        (_, b':') => (Tok::Colon, 1),
                        _ => {
                            let shown = text(
                                &rest[..rest.iter().skip(1).take_while(|b| **b >= 0x80 && **b < 0xC0).count() + 1],
                            );
                            out.push(Tok::Error(format!("Parse error near '{shown}'")));
                            return out;
                        }
                    };
                    out.push(tok);
                    i += len;
                }
            }
            State::Str | State::VarArg => {
                let in_str = state == State::Str;
                let Some(c) = c else {
                    if in_str && kind == ExprKind::String && stack.is_empty() && delimiter.is_none() {
                        out.push(Tok::Str(text(&buf)));
                        out.push(Tok::End);
                    } else {
                        out.push(Tok::Error("Unterminated string or variable".into()));
                    }
                    return out;
                };
                let flush = |out: &mut Vec<Tok>, buf: &mut Vec<u8>| {
                    out.push(Tok::Str(text(buf)));
                    buf.clear();
                };
                match c {
                    b'\n' => {
                        out.push(Tok::Error("Unterminated string or variable".into()));
                        return out;
                    }
                    b'"' | b'\'' if in_str && Some(c) == delimiter => {
                        if buf.is_empty() {
                            state = State::Initial;
                            delimiter = None;
                            out.push(Tok::StrEnd);
                            i += 1;
                        } else {
                            flush(&mut out, &mut buf);
                        }
                    }
                    b'"' | b'\'' if in_str => {
                        buf.push(c);
                        i += 1;
                    }
                    b'"' | b'\'' => {
                        // No rule matches a quote inside %{name:...}: the
                        // scanner (built with `nodefault`) gives up.
                        out.push(Tok::Error("input in flex scanner failed".into()));
                        return out;
                    }
                    b'\\' => {
                        let next = &s[i + 1..];
                        let octal = next.iter().take(3).take_while(|b| (b'0'..=b'7').contains(b)).count();
                        let decimal = next.iter().take_while(|b| b.is_ascii_digit()).count();
                        if decimal > octal {
                            out.push(Tok::Error("Bad escape sequence".into()));
                            return out;
                        } else if octal > 0 {
                            let value = next[..octal].iter().fold(0u32, |v, d| v * 8 + u32::from(d - b'0'));
                            if value > 0xff {
                                out.push(Tok::Error("Escape sequence out of bound".into()));
                                return out;
                            }
                            buf.push(b'x');
                            i += 1 + octal;
                        } else if next.is_empty() {
                            out.push(Tok::Error("input in flex scanner failed".into()));
                            return out;
                        } else {
                            buf.push(next[0]);
                            i += 2;
                        }
                    }
                    b'$' if s.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                        if buf.is_empty() {
                            out.push(Tok::Backref);
                            i += 2;
                        } else {
                            flush(&mut out, &mut buf);
                        }
                    }
                    b'%' if s.get(i + 1) == Some(&b'{') => {
                        if buf.is_empty() {
                            stack.push(state);
                            state = State::Var;
                            out.push(Tok::VarBegin);
                            i += 2;
                        } else {
                            flush(&mut out, &mut buf);
                        }
                    }
                    b'}' if !in_str => {
                        if buf.is_empty() {
                            state = stack.pop().unwrap_or(State::Initial);
                            out.push(Tok::VarEnd);
                            i += 1;
                        } else {
                            flush(&mut out, &mut buf);
                        }
                    }
                    _ => {
                        buf.push(c);
                        i += 1;
                    }
                }
            }
            State::Var => {
                let Some(c) = c else {
                    out.push(Tok::Error("Unterminated string or variable".into()));
                    return out;
                };
                if c.is_ascii_alphabetic() {
                    let len = s[i..].iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'_').count();
                    out.push(Tok::Id(text(&s[i..i + len])));
                    i += len;
                } else if c == b'}' {
                    state = stack.pop().unwrap_or(State::Initial);
                    out.push(Tok::VarEnd);
                    i += 1;
                } else if c == b':' {
                    state = State::VarArg;
                    out.push(Tok::Colon);
                    i += 1;
                } else {
                    let shown = if c.is_ascii() { (c as char).to_string() } else { text(&s[i..i + 1]) };
                    out.push(Tok::Error(format!("Invalid character in variable name '{shown}'")));
                    return out;
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------

struct Parser<'a> {
    tokens: &'a [Tok],
    pos: usize,
    depth: usize,
    max_depth: usize,
    /// The first failed name lookup: httpd reports it unless the grammar
    /// fails too.
    semantic: Option<String>,
}

/// What a word is, as far as the operators that need a constant care.
enum Word {
    Constant(String),
    Other,
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        self.tokens.get(self.pos).unwrap_or(&Tok::End)
    }

    fn bump(&mut self) -> Tok {
        let t = self.peek().clone();
        self.pos += 1;
        t
    }

    /// Bison's complaint about the next token (without the "expecting"
    /// list, which depends on its parser tables). A scanner error carries
    /// the scanner's message after it.
    fn unexpected(&self) -> ExprError {
        self.unexpected_expecting(&[])
    }

    /// As [`Self::unexpected`], naming what bison expects where its list
    /// is plain (a `(` after a function name, `)` after a parenthesised
    /// expression, a regex after `=~`, `}` or `:` after a variable name).
    fn unexpected_expecting(&self, expected: &[&str]) -> ExprError {
        let t = self.peek();
        let mut message = format!("syntax error, unexpected {}", t.bison_name());
        if !expected.is_empty() {
            message = format!("{message}, expecting {}", expected.join(" or "));
        }
        if let Tok::Error(scanner) = t {
            message = format!("{message}: {scanner}");
        }
        err(message)
    }

    /// Where the grammar has a `T_ERROR` alternative (the start of an
    /// `expr` or a `string`), a scanner error aborts with its own message.
    fn abort_on_scanner_error(&self) -> Result<(), ExprError> {
        match self.peek() {
            Tok::Error(message) => Err(err(message.clone())),
            _ => Ok(()),
        }
    }

    fn expect(&mut self, want: &Tok) -> Result<(), ExprError> {
        if self.peek() == want {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T, ExprError>) -> Result<T, ExprError> {
        if self.depth >= self.max_depth {
            return Err(ExprError {
                message: format!("expression nested more than {} levels deep; not checked", self.max_depth),
                unchecked: true,
            });
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn lookup_failed(&mut self, message: String) {
        self.semantic.get_or_insert(message);
    }

    fn root(&mut self, kind: ExprKind) -> Result<(), ExprError> {
        match kind {
            ExprKind::Boolean => self.expr()?,
            ExprKind::String => self.string()?,
        }
        match (self.peek(), kind) {
            (Tok::End, _) => Ok(()),
            (_, ExprKind::Boolean) => Err(self.unexpected_expecting(&["$end"])),
            _ => Err(self.unexpected()),
        }
    }

    /// `expr`: `||` over `&&` over `!` over primaries; both binary
    /// operators are right-associative, which accepts the same strings as
    /// a left fold.
    fn expr(&mut self) -> Result<(), ExprError> {
        loop {
            self.conjunction()?;
            if *self.peek() != Tok::Or {
                return Ok(());
            }
            self.pos += 1;
        }
    }

    fn conjunction(&mut self) -> Result<(), ExprError> {
        loop {
            self.negation()?;
            if *self.peek() != Tok::And {
                return Ok(());
            }
            self.pos += 1;
        }
    }

    fn negation(&mut self) -> Result<(), ExprError> {
        self.abort_on_scanner_error()?;
        if *self.peek() == Tok::Not {
            self.pos += 1;
            return self.nested(Parser::negation);
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<(), ExprError> {
        match self.peek().clone() {
            Tok::True | Tok::False => {
                self.pos += 1;
                Ok(())
            }
            Tok::LParen => {
                self.pos += 1;
                self.nested(Parser::expr)?;
                if *self.peek() != Tok::RParen {
                    return Err(self.unexpected_expecting(&["T_OP_OR", "T_OP_AND", "')'"]));
                }
                self.pos += 1;
                Ok(())
            }
            Tok::Unary(op) => {
                self.pos += 1;
                let arg = self.word()?;
                self.operator(&op, false, arg);
                Ok(())
            }
            _ => {
                self.word()?;
                match self.peek().clone() {
                    Tok::Compare(_) => {
                        self.pos += 1;
                        self.word().map(drop)
                    }
                    Tok::In => {
                        self.pos += 1;
                        self.word_list()
                    }
                    Tok::Match(_) => {
                        self.pos += 1;
                        if matches!(self.peek(), Tok::Regex(_)) {
                            self.pos += 1;
                            Ok(())
                        } else {
                            Err(self.unexpected_expecting(&["T_REGEX", "T_REGEX_I"]))
                        }
                    }
                    Tok::Binary(op) => {
                        self.pos += 1;
                        let arg = self.word()?;
                        self.operator(&op, true, arg);
                        Ok(())
                    }
                    _ => Err(self.unexpected()),
                }
            }
        }
    }

    /// A unary or binary operator: known (unary names are case-sensitive),
    /// and `-R`/`-ipmatch` need a constant subnet.
    fn operator(&mut self, op: &str, binary: bool, arg: Word) {
        let (_, _, unary, binaries) = vocabulary();
        let known = if binary {
            binaries.iter().any(|b| b.name.eq_ignore_ascii_case(op))
        } else {
            unary.iter().any(|u| u.name == op)
        };
        if !known {
            let kind = if binary { "Binary operator" } else { "Unary operator" };
            self.lookup_failed(format!("{kind} '-{op}' does not exist"));
            return;
        }
        if op == "R" || (binary && op.eq_ignore_ascii_case("ipmatch")) {
            match arg {
                Word::Constant(subnet) => {
                    if ip_subnet(&subnet).is_err() {
                        self.lookup_failed("parsing of subnet/netmask failed".into());
                    }
                }
                Word::Other => self.lookup_failed(format!("-{op} requires subnet/netmask as constant argument")),
            }
        }
    }

    /// `word`: atoms joined by `.`.
    fn word(&mut self) -> Result<Word, ExprError> {
        let mut first = self.atom()?;
        while *self.peek() == Tok::Concat {
            self.pos += 1;
            self.atom()?;
            first = Word::Other;
        }
        Ok(first)
    }

    fn atom(&mut self) -> Result<Word, ExprError> {
        match self.bump() {
            Tok::Digit | Tok::Backref => Ok(Word::Other),
            Tok::VarBegin => {
                self.nested(Parser::var)?;
                Ok(Word::Other)
            }
            Tok::Id(name) => {
                if *self.peek() != Tok::LParen {
                    return Err(self.unexpected_expecting(&["'('"]));
                }
                self.pos += 1;
                self.nested(Parser::word)?;
                self.expect(&Tok::RParen)?;
                self.string_function(&name);
                Ok(Word::Other)
            }
            Tok::StrBegin => {
                if *self.peek() == Tok::StrEnd {
                    self.pos += 1;
                    return Ok(Word::Constant(String::new()));
                }
                let constant = match (self.tokens.get(self.pos), self.tokens.get(self.pos + 1)) {
                    (Some(Tok::Str(s)), Some(Tok::StrEnd)) => Some(s.clone()),
                    _ => None,
                };
                self.string()?;
                self.expect(&Tok::StrEnd)?;
                Ok(constant.map_or(Word::Other, Word::Constant))
            }
            _ => {
                self.pos -= 1;
                Err(self.unexpected())
            }
        }
    }

    /// `%{NAME}` or `%{func:string}`, after the `%{`.
    fn var(&mut self) -> Result<(), ExprError> {
        let Tok::Id(name) = self.bump() else {
            self.pos -= 1;
            return Err(self.unexpected());
        };
        match self.bump() {
            Tok::VarEnd => {
                let (variables, _, _, _) = vocabulary();
                let known = variables.iter().any(|v| v.name.eq_ignore_ascii_case(&name))
                    || name.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("SSL_"));
                if !known {
                    self.lookup_failed(format!("Variable '{name}' does not exist"));
                }
                Ok(())
            }
            Tok::Colon => {
                self.string()?;
                self.expect(&Tok::VarEnd)?;
                self.string_function(&name);
                Ok(())
            }
            _ => {
                self.pos -= 1;
                Err(self.unexpected_expecting(&["T_VAR_END", "':'"]))
            }
        }
    }

    fn string_function(&mut self, name: &str) {
        let (_, functions, _, _) = vocabulary();
        // mod_ssl adds SSL(); taken as loaded.
        if !(functions.iter().any(|f| f.name.eq_ignore_ascii_case(name)) || name.eq_ignore_ascii_case("SSL")) {
            self.lookup_failed(format!("Function '{name}' does not exist"));
        }
    }

    /// One or more string parts: text, `%{...}`, `$N`.
    fn string(&mut self) -> Result<(), ExprError> {
        self.abort_on_scanner_error()?;
        let mut parts = 0;
        loop {
            match self.peek() {
                Tok::Str(_) | Tok::Backref => self.pos += 1,
                Tok::VarBegin => {
                    self.pos += 1;
                    self.nested(Parser::var)?;
                }
                _ if parts == 0 => return Err(self.unexpected()),
                _ => return Ok(()),
            }
            parts += 1;
        }
    }

    /// After `-in`: `{ word, ... }` or a list function.
    fn word_list(&mut self) -> Result<(), ExprError> {
        match self.bump() {
            Tok::LBrace => {
                self.word()?;
                while *self.peek() == Tok::Comma {
                    self.pos += 1;
                    self.word()?;
                }
                self.expect(&Tok::RBrace)
            }
            Tok::Id(name) => {
                self.expect(&Tok::LParen)?;
                self.nested(Parser::word)?;
                self.expect(&Tok::RParen)?;
                // Core has no list functions; mod_ssl has PeerExtList.
                if !name.eq_ignore_ascii_case("PeerExtList") {
                    self.lookup_failed(format!("List-returning function '{name}' does not exist"));
                }
                Ok(())
            }
            _ => {
                self.pos -= 1;
                Err(self.unexpected())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(e: &str) -> bool {
        parse(e, ExprKind::Boolean, DEFAULT_DEPTH).is_ok()
    }

    fn message(e: &str) -> String {
        parse(e, ExprKind::Boolean, DEFAULT_DEPTH).unwrap_err().message
    }

    // Verdicts checked with `apache2 -t` on `<If "...">`.
    #[test]
    fn valid_conditions() {
        for e in [
            "true",
            "%{HTTP_HOST} == 'www.example.org'",
            "%{REQUEST_URI} =~ m#^/admin#i && !(-R '10.0.0.0/8')",
            "-f %{REQUEST_FILENAME} || -d %{REQUEST_FILENAME}",
            "%{REMOTE_ADDR} -ipmatch '192.168.1.0/24'",
            "%{HTTP:X-Forwarded-Proto} in { 'https', 'wss' }",
            "tolower(%{HTTP_HOST}) -strmatch '*.example.org'",
            "%{TIME_HOUR} -ge 8 and %{TIME_HOUR} -le 17",
            "'a' . %{SERVER_NAME} != \"b\"",
            "%{req:Host} = 'x' or false",
        ] {
            assert!(ok(e), "{e}: {:?}", parse(e, ExprKind::Boolean, DEFAULT_DEPTH));
        }
    }

    #[test]
    fn invalid_conditions() {
        assert_eq!(message("%{NO_SUCH_VAR} == 'x'"), "Variable 'NO_SUCH_VAR' does not exist");
        assert_eq!(message("nosuch('x') == 'y'"), "Function 'nosuch' does not exist");
        assert_eq!(message("-Q 'x'"), "Unary operator '-Q' does not exist");
        assert_eq!(message("'a' -nosuchop 'b'"), "Binary operator '-nosuchop' does not exist");
        assert_eq!(
            message("%{REMOTE_ADDR} -ipmatch %{HTTP_HOST}"),
            "-ipmatch requires subnet/netmask as constant argument"
        );
        assert_eq!(message("-R 'nonsense'"), "parsing of subnet/netmask failed");
        assert_eq!(message("'a' & 'b'"), "syntax error, unexpected T_ERROR: Parse error near '&'");
        assert_eq!(message("& 'b'"), "Parse error near '&'");
        // httpd adds bison's "expecting ..." list after the token name.
        assert_eq!(
            message("%{HTTP_HOST == 'x'"),
            "syntax error, unexpected T_ERROR, expecting T_VAR_END or ':': Invalid character in variable name ' '"
        );
        assert_eq!(
            message("%{HTTP_HOST} =~ /unclosed"),
            "syntax error, unexpected $end, expecting T_REGEX or T_REGEX_I"
        );
        assert_eq!(message("true false"), "syntax error, unexpected T_FALSE, expecting $end");
        assert_eq!(message("(true"), "syntax error, unexpected $end, expecting T_OP_OR or T_OP_AND or ')'");
        assert_eq!(message("%{HTTP_HOST} == www.example.org"), "syntax error, unexpected T_OP_CONCAT, expecting '('");
        assert_eq!(message("'unterminated"), "Unterminated string or variable");
        assert!(!ok("%{HTTP_HOST} == www.example.org"));
        assert!(!ok("(true"));
        assert!(!ok("%{HTTP_HOST}"));
        assert!(!ok(""));
        assert!(!ok("true\r"));
    }

    #[test]
    fn string_expressions() {
        assert!(parse("%{HTTP_HOST}", ExprKind::String, DEFAULT_DEPTH).is_ok());
        assert!(parse("plain text, quotes ' \" included", ExprKind::String, DEFAULT_DEPTH).is_ok());
        assert!(parse("", ExprKind::String, DEFAULT_DEPTH).is_ok());
        assert!(parse("%{nosuch}", ExprKind::String, DEFAULT_DEPTH).is_err());
    }

    #[test]
    fn hostile_nesting_is_bounded() {
        let deep = format!("{}true{}", "(".repeat(100_000), ")".repeat(100_000));
        let e = parse(&deep, ExprKind::Boolean, DEFAULT_DEPTH).unwrap_err();
        assert!(e.unchecked);
        assert!(is_valid_condition(&deep));
        let nots = format!("{}true", "!".repeat(100_000));
        assert!(parse(&nots, ExprKind::Boolean, DEFAULT_DEPTH).unwrap_err().unchecked);
        let vars = "%{HTTP:".repeat(50_000);
        assert!(parse(&vars, ExprKind::String, DEFAULT_DEPTH).is_err());
    }
}
