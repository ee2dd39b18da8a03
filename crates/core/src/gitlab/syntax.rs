//! The lossless syntax tree of one gitlab.rb file.
//!
//! The tree is flat: a list of statements in file order that tile the file,
//! and an arena of values that statements and literals refer to by index.
//! Nothing owns a subtree, so a deeply nested literal is dropped without
//! recursion, and printing the statements in order gives back the file byte
//! for byte.

use std::borrow::Cow;

use crate::error::SyntaxError;
use crate::text::{BOM, LineEnding, LineIndex, Span, lossy, parse_view};

use super::build::Builder;
use super::scan;

crate::index::index_newtype! {
    /// A value of a [`GitlabRbFile`]: its index in [`GitlabRbFile::values`],
    /// typed so that it cannot be mixed up with a statement or a depth.
    pub struct ValueId(usize) indexes Value;
}

/// One parsed gitlab.rb file.
///
/// ```
/// use conflint_core::gitlab::{GitlabRbFile, StatementKind};
///
/// let src = "# Rack::Attack\ngitlab_rails['rack_attack_git_basic_auth'] = { 'enabled' => true }\n";
/// let file = GitlabRbFile::parse(src).unwrap();
/// assert_eq!(file.print(), src.as_bytes());
/// let StatementKind::Assignment(a) = &file.statements[1].kind else { panic!() };
/// assert_eq!(a.receiver_name, "gitlab_rails");
/// assert_eq!(a.keys[0].value, "rack_attack_git_basic_auth");
/// ```
#[derive(Debug, Clone)]
pub struct GitlabRbFile {
    source: Vec<u8>,
    index: LineIndex,
    /// A UTF-8 byte-order mark at the start, which Ruby skips.
    pub bom: Option<Span>,
    /// Every statement, blank line and comment line, in order.
    pub statements: Vec<Statement>,
    /// The values the statements refer to.
    pub values: Vec<Value>,
    /// Every comment alone on its line, also inside multi-line statements
    /// (never a `#` inside a string or heredoc).
    pub comments: Vec<Span>,
    /// For a template (`httpd.conf.j2`): where its holes, tags and blocks
    /// are. The source holds the template's own bytes.
    template: Option<Box<crate::template::TemplateInfo>>,
}

/// One statement, or one blank or comment line.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// Whole lines: indentation, trailing comment and line ending included.
    /// (Statements split by `;` end after the `;` and the blanks after it.)
    pub span: Span,
    /// The Ruby code alone; empty for blank and comment lines.
    pub code: Span,
    /// The comment of a comment line, or one after the code on the
    /// statement's last line, without its line ending.
    pub comment: Option<Span>,
    /// What the statement is.
    pub kind: StatementKind,
}

/// The kinds of statements.
#[derive(Debug, Clone, PartialEq)]
pub enum StatementKind {
    /// Empty, or only blanks.
    Blank,
    /// A line holding only a `#` comment.
    Comment,
    /// `=begin` ... `=end`.
    EmbeddedDoc,
    /// `__END__` and the rest of the file, which Ruby does not read.
    Data,
    /// `receiver['key'] = value`.
    Assignment(Assignment),
    /// `name arg, arg`: a method call without parentheses (`external_url 'x'`).
    Command(Command),
    /// Ruby conflint does not model, kept verbatim and never rewritten.
    Opaque(Opaque),
}

/// `gitlab_rails['smtp_port'] = 465`
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// The receiver's name token.
    pub receiver: Span,
    /// The receiver's name (`gitlab_rails`).
    pub receiver_name: String,
    /// The index keys, outermost first: `a['x']['y']` has `x`, `y`.
    pub keys: Vec<Key>,
    /// The `=` sign.
    pub eq: Span,
    /// The assigned value.
    pub value: ValueId,
}

/// One `['key']` of an assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// The key literal, quotes included.
    pub span: Span,
    /// The key's text.
    pub value: String,
    /// How the key is written: `'k'`, `"k"` or `:k` (Mixlib's config mash
    /// treats string and symbol keys alike).
    pub quote: Quote,
}

/// `external_url 'https://gitlab.example.com'`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The method name token.
    pub name: Span,
    /// The method name (`external_url`).
    pub name_text: String,
    /// The arguments.
    pub args: Vec<ValueId>,
}

/// A statement kept verbatim, with what conflint could tell about it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Opaque {
    /// What conflint recognised in it, if anything.
    pub hint: Option<OpaqueHint>,
}

/// Why a statement that looks like a setting is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpaqueHint {
    /// `gitlab_rails ['x'] = 1`: Ruby reads a call with an array argument
    /// and then a stray `=`, a syntax error. Deleting `space` fixes it.
    SpaceBeforeIndex {
        /// The receiver's name.
        receiver: Span,
        /// The blanks between the name and `[`.
        space: Span,
    },
    /// `external_url = 'x'`: sets a Ruby local variable, not a setting.
    LocalVariable {
        /// The variable's name.
        name: Span,
    },
    /// `gitlab_rails['x'] = <secret>`: the value is not valid Ruby that
    /// conflint can read (a placeholder, an unquoted path, a hash with a
    /// missing comma).
    UnreadableValue {
        /// The receiver's name.
        receiver: Span,
        /// The index keys.
        keys: Vec<Key>,
        /// The right-hand side.
        value: Span,
    },
}

/// A value: a literal, or Ruby kept verbatim.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    /// The value's bytes.
    pub span: Span,
    /// What the value is.
    pub kind: ValueKind,
}

/// The kinds of literal values.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueKind {
    /// A string literal.
    Str {
        /// How it is quoted.
        quote: Quote,
        /// The decoded text; `None` if it interpolates (`"#{x}"`) or does not
        /// decode to UTF-8.
        value: Option<String>,
    },
    /// An integer (decimal, octal, hex or binary; `_` allowed).
    Int(i64),
    /// A float.
    Float(f64),
    /// `nil`.
    Nil,
    /// `true` or `false`.
    Bool(bool),
    // Boxed: they are much bigger than scalars, and most values are scalars.
    /// `[...]`.
    Array(Box<Array>),
    /// `{...}`, or trailing `k => v` pairs in an array.
    Hash(Box<Hash>),
    /// `%w[a b]`, `%i[a b]`.
    Words(Box<Words>),
    /// An expression conflint does not evaluate (`ENV['X']`, `200 * 1024`,
    /// `YAML.load <<-'EOS' ...`, an integer too big for i64). Never rewritten.
    Opaque,
}

/// How a string or key is quoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quote {
    /// `'text'`
    Single,
    /// `"text"`
    Double,
    /// `%q(text)`, read like `'text'`.
    PercentQ,
    /// `%Q(text)` or `%(text)`, read like `"text"`.
    PercentUpperQ,
    /// `:name`, `:'name'`, `:"name"`.
    Symbol,
}

/// `[a, b]`
#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    /// The elements.
    pub items: Vec<ValueId>,
    /// `[`
    pub open: Span,
    /// `]`
    pub close: Span,
    /// Every comma, in order (one after the last item if `trailing_comma`).
    pub commas: Vec<Span>,
    /// Whether a comma follows the last element.
    pub trailing_comma: bool,
    /// How the elements are laid out, for appending one.
    pub layout: ArrayLayout,
}

/// How an array is laid out, so that a fix can add an element the way the
/// array's author would have (see [`GitlabRbFile::append_to_array`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ArrayLayout {
    /// `[` and `]` are on different lines.
    pub multiline: bool,
    /// Every item is the first thing on its line.
    pub one_per_line: bool,
    /// The blanks before the last item, when it starts its line.
    pub item_indent: Option<Span>,
    /// The quote of the last string item.
    pub quote: Option<Quote>,
    /// The last item.
    pub last_item: Option<Span>,
}

/// `{ 'k' => v, k: v }`, or the pairs ending an array or argument list
/// without braces (`['a', 'k' => v]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Hash {
    /// The pairs, in order.
    pub pairs: Vec<Pair>,
    /// Whether `{` and `}` are written; `open` and `close` are empty if not.
    pub braced: bool,
    /// `{` (empty when not braced).
    pub open: Span,
    /// `}` (empty when not braced).
    pub close: Span,
    /// The commas between pairs.
    pub commas: Vec<Span>,
    /// Whether a comma follows the last pair.
    pub trailing_comma: bool,
}

/// One `key => value` or `key: value` of a hash.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    /// The pair's bytes.
    pub span: Span,
    /// The key.
    pub key: HashKey,
    /// The value.
    pub value: ValueId,
}

/// How a hash key is written.
#[derive(Debug, Clone, PartialEq)]
pub enum HashKey {
    /// `'k' => v`, `:k => v`, `1 => v`: any value before `=>`.
    Value(ValueId),
    /// `k: v` or `'k': v`: a symbol key. `span` covers the colon; `quote` is
    /// `None` for a bare name; `name` is `None` if it interpolates.
    Label {
        /// The label, colon included.
        span: Span,
        /// Its name; `None` if it interpolates.
        name: Option<String>,
        /// The quotes of `'k':`; `None` for a bare `k:`.
        quote: Option<Quote>,
    },
}

/// `%w[a b]` (strings) or `%i[a b]` (symbols).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Words {
    /// `w`, `W`, `i` or `I`.
    pub sigil: char,
    /// Each word as written, and its value.
    pub items: Vec<(Span, String)>,
    /// `%w[`
    pub open: Span,
    /// The closing bracket.
    pub close: Span,
}

impl GitlabRbFile {
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

    /// Parse `source`. Fails, with the line and column where the construct
    /// opened, on an unterminated string, bracket, heredoc or block, and on
    /// nesting deeper than 256 levels. Ruby conflint does not model never
    /// fails: it becomes an opaque statement or value.
    pub fn parse(source: impl Into<Vec<u8>>) -> Result<Self, SyntaxError> {
        let source = source.into();
        let index = LineIndex::new(&source);
        let view = parse_view(&source);
        let bytes = view.as_bytes();
        let bom = bytes.starts_with(BOM).then(|| Span::new(0, BOM.len()));
        let start = bom.map_or(0, |b| b.end);
        let scanned =
            scan::scan(bytes, start, &index).map_err(|e| SyntaxError::at(&source, &index, e.span, e.message))?;
        let mut builder = Builder::new(&source, &view, &index);
        let statements = scanned.items.iter().map(|item| builder.statement(item)).collect();
        let values = builder.finish();
        Ok(GitlabRbFile { source, index, bom, statements, values, comments: scanned.comments, template: None })
    }

    /// The values assigned to secret-like keys, at any depth:
    /// `gitlab_rails['smtp_password'] = '...'`, `'password' => '...'` inside
    /// `ldap_servers`, and the right-hand side Ruby cannot read of such an
    /// assignment.
    pub fn secret_spans(&self) -> Vec<Span> {
        let mut out = Vec::new();
        for statement in &self.statements {
            match &statement.kind {
                StatementKind::Assignment(a) => {
                    if a.keys.iter().any(|k| crate::secret::is_secret_name(&k.value)) {
                        out.extend(self.value(a.value).map(|v| v.span));
                    } else {
                        self.secrets_in(a.value, &mut out, 0);
                    }
                }
                StatementKind::Opaque(Opaque { hint: Some(OpaqueHint::UnreadableValue { keys, value, .. }) })
                    if keys.iter().any(|k| crate::secret::is_secret_name(&k.value)) =>
                {
                    out.push(*value);
                }
                _ => {}
            }
        }
        out
    }

    /// Secret values inside hash literals below `id` (depth-bounded: the
    /// scanner already caps nesting).
    fn secrets_in(&self, id: ValueId, out: &mut Vec<Span>, depth: usize) {
        let Some(value) = self.value(id) else { return };
        if depth > 64 {
            return;
        }
        match &value.kind {
            ValueKind::Hash(hash) => {
                for pair in &hash.pairs {
                    let key = match &pair.key {
                        HashKey::Label { name, .. } => name.clone(),
                        HashKey::Value(k) => match self.value(*k).map(|v| &v.kind) {
                            Some(ValueKind::Str { value, .. }) => value.clone(),
                            _ => None,
                        },
                    };
                    if key.as_deref().is_some_and(crate::secret::is_secret_name) {
                        out.extend(self.value(pair.value).map(|v| v.span));
                    } else {
                        self.secrets_in(pair.value, out, depth + 1);
                    }
                }
            }
            ValueKind::Array(array) => {
                for item in &array.items {
                    self.secrets_in(*item, out, depth + 1);
                }
            }
            _ => {}
        }
    }

    /// The original bytes.
    pub fn source(&self) -> &[u8] {
        &self.source
    }

    /// Line starts, for line and column numbers.
    pub fn line_index(&self) -> &LineIndex {
        &self.index
    }

    /// The line ending the file uses, for inserted lines.
    pub fn line_ending(&self) -> LineEnding {
        LineEnding::detect(&self.source)
    }

    /// Print the tree: the BOM and every statement, in order. Equal to the input.
    pub fn print(&self) -> Vec<u8> {
        crate::text::print_spans(&self.source, self.bom, self.statements.iter().map(|s| s.span))
    }

    /// The text of `span`; bytes that are not UTF-8 become U+FFFD.
    pub fn text(&self, span: Span) -> Cow<'_, str> {
        let span = Span::new(span.start.min(self.source.len()), span.end.min(self.source.len()));
        lossy(&self.source[span.range()])
    }

    /// The value `id`, if it exists.
    pub fn value(&self, id: ValueId) -> Option<&Value> {
        self.values.get(id.0)
    }

    /// 1-based line number where a byte offset sits.
    pub fn line_number(&self, offset: usize) -> usize {
        self.index.line_of(offset) + 1
    }

    /// The assignments, with the index of their statement.
    pub fn assignments(&self) -> impl Iterator<Item = (usize, &Assignment)> {
        self.statements.iter().enumerate().filter_map(|(i, s)| match &s.kind {
            StatementKind::Assignment(a) => Some((i, a)),
            _ => None,
        })
    }

    /// The hash value `id`, if it is one.
    pub fn hash(&self, id: ValueId) -> Option<&Hash> {
        match &self.value(id)?.kind {
            ValueKind::Hash(h) => Some(&**h),
            _ => None,
        }
    }

    /// The array value `id`, if it is one.
    pub fn array(&self, id: ValueId) -> Option<&Array> {
        match &self.value(id)?.kind {
            ValueKind::Array(a) => Some(&**a),
            _ => None,
        }
    }

    /// The decoded text of a string value (not a symbol).
    pub fn string(&self, id: ValueId) -> Option<&str> {
        match &self.value(id)?.kind {
            ValueKind::Str { quote, value } if *quote != Quote::Symbol => value.as_deref(),
            _ => None,
        }
    }
}
