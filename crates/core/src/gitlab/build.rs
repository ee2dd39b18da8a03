//! Builds statements and the value arena from the scanner's items and the
//! grammar's parse of each statement.
//!
//! Recursion here follows literal nesting, which the scanner has bounded
//! (see `scan::MAX_DEPTH`), so it cannot overflow the stack.

use pest::Parser;
use pest::iterators::{Pair as PestPair, Pairs};

use crate::text::{LineIndex, Span};

use super::decode;
use super::scan::{Item, ItemKind};
use super::syntax::{
    Array, ArrayLayout, Assignment, Command, Hash, HashKey, Key, Opaque, OpaqueHint, Pair, Quote, Statement,
    StatementKind, Value, ValueId, ValueKind, Words,
};

#[derive(pest_derive::Parser)]
#[grammar = "../../grammars/gitlab_rb.pest"]
struct GitlabRbGrammar;

type P<'i> = PestPair<'i, Rule>;

/// The target of an assignment: receiver, keys and `=`.
struct Target {
    receiver: Span,
    receiver_name: String,
    keys: Vec<Key>,
    eq: Span,
}

pub(crate) struct Builder<'v> {
    /// The file's bytes.
    source: &'v [u8],
    /// The file's parse view; spans index it and the file alike.
    view: &'v str,
    index: &'v LineIndex,
    values: Vec<Value>,
}

impl<'v> Builder<'v> {
    pub(crate) fn new(source: &'v [u8], view: &'v str, index: &'v LineIndex) -> Self {
        Builder { source, view, index, values: Vec::new() }
    }

    /// Whether `span` of the file is UTF-8. Where it is not, the grammar read
    /// DEL stand-ins, so a decoded text would be wrong.
    fn utf8(&self, span: Span) -> bool {
        self.source.len() == self.view.len() && self.source.as_ptr() == self.view.as_ptr()
            || self.source.get(span.range()).is_some_and(|b| std::str::from_utf8(b).is_ok())
    }

    /// `target`, refusing keys that are not UTF-8.
    fn target(&self, inner: &mut Pairs<'_, Rule>, base: usize) -> Option<Target> {
        target(inner, base).filter(|t| t.keys.iter().all(|k| self.utf8(k.span)))
    }

    pub(crate) fn finish(self) -> Vec<Value> {
        self.values
    }

    pub(crate) fn statement(&mut self, item: &Item) -> Statement {
        let at = Span::empty(item.span.start);
        let (code, comment, kind) = match item.kind {
            ItemKind::Blank => (at, None, StatementKind::Blank),
            ItemKind::Comment { text } => (Span::empty(text.start), Some(text), StatementKind::Comment),
            ItemKind::EmbeddedDoc => (at, None, StatementKind::EmbeddedDoc),
            ItemKind::Data => (at, None, StatementKind::Data),
            ItemKind::Statement { code, comment, plain } => (code, comment, self.code(code, plain)),
        };
        Statement { span: item.span, code, comment, kind }
    }

    /// Read the code of one statement: structured if the grammar matches it,
    /// opaque (with a hint where one applies) otherwise.
    fn code(&mut self, code: Span, plain: bool) -> StatementKind {
        let Some(text) = self.view.get(code.range()) else {
            return StatementKind::Opaque(Opaque::default());
        };
        let base = code.start;
        let mark = self.values.len();
        let kind = if plain {
            parse(Rule::statement, text)
                .and_then(|statement| statement.into_inner().next())
                .and_then(|inner| self.structured(inner, base))
        } else {
            // Ruby the grammar does not model: read only the target, and
            // keep the whole value opaque.
            parse(Rule::assignment_head, text).and_then(|head| {
                let value = Span::new(base + head.as_span().end(), code.end);
                let target = self.target(&mut head.into_inner(), base)?;
                let value = self.push(value, ValueKind::Opaque);
                Some(assignment(target, value))
            })
        };
        match kind {
            Some(StatementKind::Assignment(a)) if self.unquoted_word(a.value) => {
                // `= MyP@ssword!`: Ruby reads code, not a string, and
                // reconfigure fails (a syntax error, or a NameError).
                let value = self.values[a.value].span;
                self.values.truncate(mark);
                StatementKind::Opaque(Opaque {
                    hint: Some(OpaqueHint::UnreadableValue { receiver: a.receiver, keys: a.keys, value }),
                })
            }
            Some(kind) => kind,
            None => {
                self.values.truncate(mark);
                StatementKind::Opaque(Opaque { hint: hint(text, base, code.end) })
            }
        }
    }

    /// Whether an opaque value is a word with sigils in it (`MyP@ssword!`,
    /// `pa$$w0rd`, `hunter2!`): a password typed without quotes, which Ruby
    /// reads as method calls and variables.
    fn unquoted_word(&self, value: ValueId) -> bool {
        let Some(v) = self.values.get(value.0) else { return false };
        if v.kind != ValueKind::Opaque {
            return false;
        }
        let Some(text) = self.view.get(v.span.range()) else { return false };
        let mut chars = text.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
            && !text.contains(|c: char| c.is_whitespace() || "'\"([{.:,=<>#/".contains(c))
            && chars.any(|c| "@$!^&~?%*".contains(c))
    }

    fn structured(&mut self, pair: P<'_>, base: usize) -> Option<StatementKind> {
        match pair.as_rule() {
            Rule::assignment => {
                let mut inner = pair.into_inner();
                let target = self.target(&mut inner, base)?;
                let value = self.rhs(inner.next()?, base)?;
                Some(assignment(target, value))
            }
            Rule::command => {
                let mut inner = pair.into_inner();
                let name = name(inner.next(), Rule::command_name)?;
                let args = self.entries(inner, base)?.items;
                Some(StatementKind::Command(Command {
                    name: span_of(&name, base),
                    name_text: name.as_str().to_string(),
                    args,
                }))
            }
            _ => None,
        }
    }

    /// The right-hand side: a literal, or opaque.
    fn rhs(&mut self, rhs: P<'_>, base: usize) -> Option<ValueId> {
        let span = span_of(&rhs, base);
        let mut inner = rhs.into_inner();
        let first = inner.next()?;
        match (first.as_rule(), inner.next()) {
            (Rule::value, None) => self.value(first, base),
            _ => Some(self.push(span, ValueKind::Opaque)),
        }
    }

    /// An array or hash element or command argument.
    fn item(&mut self, item: P<'_>, base: usize) -> Option<ValueId> {
        let span = span_of(&item, base);
        let mut inner = item.into_inner();
        let first = inner.next()?;
        match (first.as_rule(), inner.next()) {
            (Rule::value, None) => self.value(first, base),
            _ => Some(self.push(span, ValueKind::Opaque)),
        }
    }

    fn push(&mut self, span: Span, kind: ValueKind) -> ValueId {
        self.values.push(Value { span, kind });
        ValueId(self.values.len() - 1)
    }

    fn value(&mut self, value: P<'_>, base: usize) -> Option<ValueId> {
        let span = span_of(&value, base);
        let literal = value.into_inner().next()?;
        let kind = match literal.as_rule() {
            Rule::nil => ValueKind::Nil,
            Rule::boolean => ValueKind::Bool(literal.as_str() == "true"),
            Rule::number => {
                let number = literal.into_inner().next()?;
                let parsed = match number.as_rule() {
                    Rule::float => decode::float(number.as_str()).map(ValueKind::Float),
                    _ => decode::integer(number.as_str()).map(ValueKind::Int),
                };
                // An integer too big for i64 is a Bignum conflint does not model.
                parsed.unwrap_or(ValueKind::Opaque)
            }
            Rule::string => {
                let (quote, value) = string(literal.into_inner().next()?)?;
                ValueKind::Str { quote, value: value.filter(|_| self.utf8(span)) }
            }
            Rule::symbol => {
                ValueKind::Str { quote: Quote::Symbol, value: symbol(literal)?.filter(|_| self.utf8(span)) }
            }
            Rule::array => ValueKind::Array(Box::new(self.array(literal, base)?)),
            Rule::hash => ValueKind::Hash(Box::new(self.hash(literal, base)?)),
            Rule::words if !self.utf8(span) => ValueKind::Opaque,
            Rule::words => ValueKind::Words(Box::new(words(literal, base)?)),
            _ => return None,
        };
        Some(self.push(span, kind))
    }

    fn array(&mut self, array: P<'_>, base: usize) -> Option<Array> {
        let span = span_of(&array, base);
        let entries = self.entries(array.into_inner(), base)?;
        let layout = self.layout(span, &entries.items);
        Some(Array {
            items: entries.items,
            open: Span::new(span.start, span.start + 1),
            close: Span::new(span.end - 1, span.end),
            commas: entries.commas,
            trailing_comma: entries.trailing_comma,
            layout,
        })
    }

    /// The entries of an array or a command's arguments. Pairs (`k => v`,
    /// `k: v`) must come last and make up one hash without braces; `None` if
    /// an element follows a pair, which Ruby rejects.
    fn entries(&mut self, parts: Pairs<'_, Rule>, base: usize) -> Option<Entries> {
        let mut items = Vec::new();
        let mut commas = Vec::new();
        let mut trailing_comma = false;
        let mut pairs: Vec<Pair> = Vec::new();
        for part in parts {
            match part.as_rule() {
                Rule::entry => {
                    trailing_comma = false;
                    let span = span_of(&part, base);
                    let inner: Vec<P<'_>> = part.into_inner().collect();
                    match <[P<'_>; 1]>::try_from(inner) {
                        Ok([element]) => {
                            if !pairs.is_empty() {
                                return None;
                            }
                            items.push(match element.as_rule() {
                                Rule::quoted => self.quoted(element, base)?,
                                _ => self.item(element, base)?,
                            });
                        }
                        Err(inner) => pairs.push(self.pair_parts(span, inner, base)?),
                    }
                }
                Rule::comma => {
                    commas.push(span_of(&part, base));
                    trailing_comma = true;
                }
                _ => {}
            }
        }
        if let (Some(first), Some(last)) = (pairs.first(), pairs.last()) {
            let span = Span::new(first.span.start, last.span.end);
            let hash = Hash {
                pairs,
                braced: false,
                open: Span::empty(span.start),
                close: Span::empty(span.end),
                commas: commas.iter().copied().filter(|c| c.start > span.start && c.end < span.end).collect(),
                trailing_comma: false,
            };
            items.push(self.push(span, ValueKind::Hash(Box::new(hash))));
        }
        Some(Entries { items, commas, trailing_comma })
    }

    fn layout(&self, span: Span, items: &[ValueId]) -> ArrayLayout {
        let bytes = self.view.as_bytes();
        let item_spans: Vec<Span> = items.iter().filter_map(|&i| self.values.get(i.0)).map(|v| v.span).collect();
        // Line starts come from the index: scanning back to the previous line
        // break for each item would be quadratic on a long one-line array.
        let line_start = |offset: usize| self.index.line_start(self.index.line_of(offset)).min(offset);
        let starts_line = |offset: usize| bytes[line_start(offset)..offset].iter().all(|&b| b == b' ' || b == b'\t');
        let last_item = item_spans.last().copied();
        let item_indent = last_item.filter(|s| starts_line(s.start)).map(|s| Span::new(line_start(s.start), s.start));
        let quote = items.iter().rev().find_map(|&i| match self.values.get(i.0)?.kind {
            ValueKind::Str { quote, .. } if quote != Quote::Symbol => Some(quote),
            _ => None,
        });
        ArrayLayout {
            multiline: self.index.line_of(span.start) != self.index.line_of(span.end.saturating_sub(1)),
            one_per_line: !item_spans.is_empty() && item_spans.iter().all(|s| starts_line(s.start)),
            item_indent,
            quote,
            last_item,
        }
    }

    fn hash(&mut self, hash: P<'_>, base: usize) -> Option<Hash> {
        let span = span_of(&hash, base);
        let mut pairs = Vec::new();
        let mut commas = Vec::new();
        let mut last_was_comma = false;
        for part in hash.into_inner() {
            match part.as_rule() {
                Rule::pair => {
                    pairs.push(self.pair(part, base)?);
                    last_was_comma = false;
                }
                Rule::comma => {
                    commas.push(span_of(&part, base));
                    last_was_comma = true;
                }
                _ => {}
            }
        }
        Some(Hash {
            pairs,
            braced: true,
            open: Span::new(span.start, span.start + 1),
            close: Span::new(span.end - 1, span.end),
            commas,
            trailing_comma: last_was_comma,
        })
    }

    fn pair(&mut self, pair: P<'_>, base: usize) -> Option<Pair> {
        let span = span_of(&pair, base);
        self.pair_parts(span, pair.into_inner().collect(), base)
    }

    /// A pair from its parts: `label item`, `quoted colon item`,
    /// `quoted rocket item` or `item rocket item`.
    fn pair_parts(&mut self, span: Span, parts: Vec<P<'_>>, base: usize) -> Option<Pair> {
        let mut parts = parts.into_iter();
        let first = parts.next()?;
        let second = parts.next()?;
        let key = match (first.as_rule(), second.as_rule()) {
            (Rule::label, Rule::item) => {
                let label_span = span_of(&first, base);
                let name = first.into_inner().next()?.as_str().to_string();
                let value = self.item(second, base)?;
                let key = HashKey::Label {
                    span: label_span,
                    name: Some(name).filter(|_| self.utf8(label_span)),
                    quote: None,
                };
                return Some(Pair { span, key, value });
            }
            (Rule::quoted, Rule::colon) => {
                let label_span = Span::new(span_of(&first, base).start, span_of(&second, base).end);
                let (quote, name) = string(first.into_inner().next()?)?;
                HashKey::Label { span: label_span, name: name.filter(|_| self.utf8(label_span)), quote: Some(quote) }
            }
            (Rule::quoted, Rule::rocket) => HashKey::Value(self.quoted(first, base)?),
            (Rule::item, Rule::rocket) => HashKey::Value(self.item(first, base)?),
            _ => return None,
        };
        let value = parts.find(|p| p.as_rule() == Rule::item)?;
        Some(Pair { span, key, value: self.item(value, base)? })
    }

    /// A `quoted` key or element: a string value.
    fn quoted(&mut self, quoted: P<'_>, base: usize) -> Option<ValueId> {
        let span = span_of(&quoted, base);
        let (quote, value) = string(quoted.into_inner().next()?)?;
        Some(self.push(span, ValueKind::Str { quote, value: value.filter(|_| self.utf8(span)) }))
    }
}

/// The parts of an array, or a command's arguments.
struct Entries {
    items: Vec<ValueId>,
    commas: Vec<Span>,
    trailing_comma: bool,
}

fn parse(rule: Rule, text: &str) -> Option<P<'_>> {
    GitlabRbGrammar::parse(rule, text).ok()?.next()
}

fn span_of(pair: &P<'_>, base: usize) -> Span {
    let s = pair.as_span();
    Span::new(base + s.start(), base + s.end())
}

fn assignment(target: Target, value: ValueId) -> StatementKind {
    StatementKind::Assignment(Assignment {
        receiver: target.receiver,
        receiver_name: target.receiver_name,
        keys: target.keys,
        eq: target.eq,
        value,
    })
}

/// Ruby's reserved words, which cannot name a receiver or a command.
const KEYWORDS: &[&str] = &[
    "BEGIN",
    "END",
    "__ENCODING__",
    "__FILE__",
    "__LINE__",
    "alias",
    "and",
    "begin",
    "break",
    "case",
    "class",
    "def",
    "defined?",
    "do",
    "else",
    "elsif",
    "end",
    "ensure",
    "false",
    "for",
    "if",
    "in",
    "module",
    "next",
    "nil",
    "not",
    "or",
    "redo",
    "rescue",
    "retry",
    "return",
    "self",
    "super",
    "then",
    "true",
    "undef",
    "unless",
    "until",
    "when",
    "while",
    "yield",
];

/// A receiver or command name, unless it is a keyword.
fn name(pair: Option<P<'_>>, rule: Rule) -> Option<P<'_>> {
    pair.filter(|p| p.as_rule() == rule && !KEYWORDS.contains(&p.as_str()))
}

/// Read `receiver`, `index+` and `assign` from an assignment's pairs.
fn target(inner: &mut Pairs<'_, Rule>, base: usize) -> Option<Target> {
    let receiver = name(inner.next(), Rule::receiver)?;
    let mut keys = Vec::new();
    let mut eq = None;
    for part in inner.by_ref() {
        match part.as_rule() {
            Rule::index => keys.push(key(part, base)?),
            Rule::assign => {
                eq = Some(span_of(&part, base));
                break;
            }
            _ => return None,
        }
    }
    Some(Target { receiver: span_of(&receiver, base), receiver_name: receiver.as_str().to_string(), keys, eq: eq? })
}

/// One `['key']`; `None` for an interpolated key, whose value is unknown.
fn key(index: P<'_>, base: usize) -> Option<Key> {
    let literal = index.into_inner().next()?.into_inner().next()?;
    let span = span_of(&literal, base);
    let (quote, value) = match literal.as_rule() {
        Rule::symbol => (Quote::Symbol, symbol(literal)?),
        _ => string(literal)?,
    };
    Some(Key { span, value: value?, quote })
}

/// A string literal's quote and decoded value (`None` if it interpolates).
/// `None` overall if the pair is not a string.
fn string(literal: P<'_>) -> Option<(Quote, Option<String>)> {
    let raw = literal.as_str();
    match literal.as_rule() {
        Rule::sq_string => Some((Quote::Single, Some(decode::single_quoted(body(raw, 1), &['\''])))),
        Rule::dq_string => {
            let body = body(raw, 1);
            let value = if decode::interpolates(body) { None } else { decode::double_quoted(body) };
            Some((Quote::Double, value))
        }
        Rule::pct_string => {
            let mut lower_q = false;
            let mut text = None;
            for part in literal.into_inner() {
                match part.as_rule() {
                    Rule::pct_q => lower_q = part.as_str() == "q",
                    Rule::pct_body => text = part.into_inner().next(),
                    _ => {}
                }
            }
            let text = text?;
            let delimiters = delimiters(raw.as_bytes().get(if lower_q { 2 } else { 1 }).copied());
            if lower_q {
                Some((Quote::PercentQ, Some(decode::single_quoted(text.as_str(), &delimiters))))
            } else {
                Some((Quote::PercentUpperQ, decode::double_quoted(text.as_str())))
            }
        }
        _ => None,
    }
}

/// The value of `:name`, `:'name'` or `:"name"`.
fn symbol(symbol: P<'_>) -> Option<Option<String>> {
    let inner = symbol.into_inner().next()?;
    match inner.as_rule() {
        Rule::symbol_name => Some(Some(inner.as_str().to_string())),
        _ => string(inner).map(|(_, value)| value),
    }
}

fn words(literal: P<'_>, base: usize) -> Option<Words> {
    let span = span_of(&literal, base);
    // `%w[`: the delimiter is the third byte.
    let delimiters = delimiters(literal.as_str().as_bytes().get(2).copied());
    let mut sigil = 'w';
    let mut text = None;
    for part in literal.into_inner() {
        match part.as_rule() {
            Rule::words_kind => sigil = part.as_str().chars().next().unwrap_or('w'),
            Rule::pct_body => text = part.into_inner().next(),
            _ => {}
        }
    }
    let text = text?;
    let body_span = span_of(&text, base);
    Some(Words {
        sigil,
        items: decode::words(text.as_str(), body_span.start, sigil.is_ascii_uppercase(), &delimiters),
        open: Span::new(span.start, body_span.start),
        close: Span::new(body_span.end, span.end),
    })
}

/// The opening and closing delimiters of a percent literal, for escapes.
fn delimiters(open: Option<u8>) -> Vec<char> {
    match open {
        Some(b'(') => vec!['(', ')'],
        Some(b'[') => vec!['[', ']'],
        Some(b'{') => vec!['{', '}'],
        Some(b'<') => vec!['<', '>'],
        Some(other) => vec![other as char],
        None => Vec::new(),
    }
}

/// The text between a literal's `open` and closing delimiter.
fn body(raw: &str, open: usize) -> &str {
    raw.get(open..raw.len().saturating_sub(1)).unwrap_or("")
}

/// Why a statement that the grammar did not match is not a setting.
fn hint(text: &str, base: usize, code_end: usize) -> Option<OpaqueHint> {
    if let Some(p) = parse(Rule::detached_index, text) {
        let mut inner = p.into_inner();
        let receiver = span_of(&name(inner.next(), Rule::receiver)?, base);
        let space = span_of(&inner.next()?, base);
        return Some(OpaqueHint::SpaceBeforeIndex { receiver, space });
    }
    if let Some(p) = parse(Rule::assignment_prefix, text) {
        let value = Span::new(base + p.as_span().end(), code_end);
        let target = target(&mut p.into_inner(), base)?;
        return Some(OpaqueHint::UnreadableValue { receiver: target.receiver, keys: target.keys, value });
    }
    if let Some(p) = parse(Rule::local_assignment, text) {
        let name = span_of(&name(p.into_inner().next(), Rule::receiver)?, base);
        return Some(OpaqueHint::LocalVariable { name });
    }
    None
}
