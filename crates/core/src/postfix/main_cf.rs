//! The lossless syntax tree of a Postfix main.cf file.
//!
//! A flat list of items in file order (blank lines, comments, settings),
//! each with the bytes it came from, so printing the items gives back the
//! file. A setting is one logical line: `name = value` over one or more
//! physical lines, with any comment lines between them (see
//! `grammars/postfix_main_cf.pest`).

use std::borrow::Cow;

use crate::error::SyntaxError;
use crate::postfix::lines::{self, Flavor, LIST_SEPARATORS, LogicalLine, LogicalText, Statement, is_space};
use crate::text::{LineIndex, Span, lossy};

/// One parsed main.cf file.
#[derive(Debug, Clone)]
pub struct MainCf {
    source: Vec<u8>,
    index: LineIndex,
    template: Option<Box<crate::template::TemplateInfo>>,
    /// The items in file order.
    pub items: Vec<MainCfItem>,
}

/// One item: a blank line, a comment line, a setting, or ignored text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MainCfItem {
    /// All bytes of the item, its last line end included. A setting's span
    /// runs from its first to its last physical line, so it includes the
    /// comment lines between them.
    pub span: Span,
    /// What the item is.
    pub kind: MainCfItemKind,
}

/// The kinds of main.cf items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MainCfItemKind {
    /// Empty, or white space only.
    Blank,
    /// A comment line; `text` runs from the `#` to the line end.
    Comment {
        /// From `#` to the end of the line (a CR before the LF included).
        text: Span,
    },
    /// `name = value`.
    Parameter(Parameter),
    /// Continuation lines at the start of the file, which Postfix ignores
    /// ("logical line must not start with whitespace").
    Ignored(LogicalLine),
}

/// One setting, `name = value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter {
    /// The name (everything before the first white space or `=`).
    pub name: Span,
    /// The name as text.
    pub name_text: String,
    /// The `=` sign.
    pub equals: Span,
    /// The value: from its first to its last non-space byte in the file
    /// (it may cross lines, and comment lines in between). Empty, right
    /// after the `=` and its blanks, for `name =`.
    pub value_span: Span,
    /// The value as Postfix stores it: the physical lines glued together,
    /// white space around it trimmed, `$name` not expanded. Bytes that are
    /// not UTF-8 become U+FFFD.
    pub value: String,
    /// The physical lines of the setting.
    pub logical: LogicalLine,
}

/// One word of a value with its place in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueWord {
    /// The word as Postfix reads it; a `{...}` group keeps its braces.
    pub text: String,
    /// Its bytes in the file. A brace group spread over several lines
    /// covers the line ends in between.
    pub span: Span,
}

impl MainCf {
    /// Parse `source` as Postfix reads main.cf. Fails where Postfix itself
    /// stops ("missing '=' after attribute name", "missing attribute name").
    ///
    /// ```
    /// use conflint_core::postfix::MainCf;
    ///
    /// let text = "# relay through the ISP\nrelayhost = [smtp.example.net]:587\nmydestination = $myhostname,\n    localhost\n";
    /// let file = MainCf::parse(text).unwrap();
    /// assert_eq!(file.print(), text.as_bytes());
    /// let setting = file.parameter("mydestination").unwrap();
    /// assert_eq!(setting.value, "$myhostname,    localhost");
    /// let words: Vec<_> = file.words(setting).into_iter().map(|w| w.text).collect();
    /// assert_eq!(words, ["$myhostname", "localhost"]);
    ///
    /// let error = MainCf::parse("relayhost\n").unwrap_err();
    /// assert_eq!((error.line, error.message.as_str()), (1, "missing '=' after attribute name"));
    /// ```
    pub fn parse(source: impl Into<Vec<u8>>) -> Result<Self, SyntaxError> {
        let source = source.into();
        let index = LineIndex::new(&source);
        let mut items = Vec::new();
        for statement in lines::statements(&source, Flavor::Main)? {
            let (span, kind) = match statement {
                Statement::Blank(span) => (span, MainCfItemKind::Blank),
                Statement::Comment(span, text) => (span, MainCfItemKind::Comment { text }),
                Statement::Orphan(span, logical) => (span, MainCfItemKind::Ignored(logical)),
                Statement::Logical(span, logical) => {
                    (span, MainCfItemKind::Parameter(parameter(&source, &index, logical)?))
                }
            };
            items.push(MainCfItem { span, kind });
        }
        Ok(MainCf { source, index, template: None, items })
    }

    /// For a template (`main.cf.j2`): its holes, tags and blocks. The
    /// items were read from the masked text; [`Self::source`] is the
    /// template's own bytes.
    pub fn template(&self) -> Option<&crate::template::TemplateInfo> {
        self.template.as_deref()
    }

    /// Keep the template's own bytes after parsing its masked text (same length).
    pub(crate) fn adopt_template(&mut self, original: Vec<u8>, info: crate::template::TemplateInfo) {
        if original.len() == self.source.len() {
            self.source = original;
            self.template = Some(Box::new(info));
        }
    }

    /// The comment lines, standalone and between the lines of a setting:
    /// where suppression comments are read.
    pub fn comment_spans(&self) -> Vec<Span> {
        let mut out = Vec::new();
        for item in &self.items {
            match &item.kind {
                MainCfItemKind::Comment { text } => out.push(*text),
                MainCfItemKind::Parameter(p) => out.extend(p.logical.comments.iter().copied()),
                _ => {}
            }
        }
        out
    }

    /// The original bytes.
    pub fn source(&self) -> &[u8] {
        &self.source
    }

    /// Line starts, for line and column numbers.
    pub fn line_index(&self) -> &LineIndex {
        &self.index
    }

    /// Print the tree: every item, in order. Equal to the input.
    pub fn print(&self) -> Vec<u8> {
        crate::text::print_spans(&self.source, None, self.items.iter().map(|i| i.span))
    }

    /// The bytes of `span` as text (invalid UTF-8 becomes U+FFFD).
    pub fn text(&self, span: Span) -> Cow<'_, str> {
        lossy(self.source.get(span.range()).unwrap_or_default())
    }

    /// The settings in file order, with their index in [`MainCf::items`].
    pub fn parameters(&self) -> impl Iterator<Item = (usize, &Parameter)> + '_ {
        self.items.iter().enumerate().filter_map(|(i, item)| match &item.kind {
            MainCfItemKind::Parameter(p) => Some((i, p)),
            _ => None,
        })
    }

    /// The setting of `name` that Postfix uses: the last one (a later
    /// setting overrides an earlier one, with a warning).
    pub fn parameter(&self, name: &str) -> Option<&Parameter> {
        self.parameters().filter(|(_, p)| p.name_text == name).last().map(|(_, p)| p)
    }

    /// Every setting of `name`, in file order (more than one is legal; the last wins).
    pub fn parameters_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = (usize, &'a Parameter)> + 'a {
        self.parameters().filter(move |(_, p)| p.name_text == name)
    }

    /// The words of a setting's value as Postfix splits a list
    /// (`mystrtokq` on comma and white space, `{...}` kept together), each
    /// with its bytes in the file: what a fix replaces or deletes.
    pub fn words(&self, parameter: &Parameter) -> Vec<ValueWord> {
        words_of(&self.source, &parameter.logical, parameter.value_span, LIST_SEPARATORS)
    }

    /// A readable dump of the tree, one item per line; for snapshot tests
    /// and debugging.
    pub fn outline(&self) -> String {
        let mut out = String::new();
        for item in &self.items {
            let what = match &item.kind {
                MainCfItemKind::Blank => "Blank".to_string(),
                MainCfItemKind::Comment { text } => format!("Comment {:?}", self.text(*text)),
                MainCfItemKind::Ignored(_) => format!("Ignored {:?}", self.text(item.span)),
                MainCfItemKind::Parameter(p) => {
                    let mut s = format!("Parameter {:?} = {:?}", p.name_text, p.value);
                    if !p.logical.comments.is_empty() {
                        s.push_str(&format!(" ({} comment lines inside)", p.logical.comments.len()));
                    }
                    s
                }
            };
            out.push_str(&format!("{:?} {what}\n", item.span));
        }
        out
    }
}

/// Split a logical line into `name = value` as `split_nameval()` does.
fn parameter(source: &[u8], index: &LineIndex, logical: LogicalLine) -> Result<Parameter, SyntaxError> {
    let joined = logical.text(source);
    let text = &joined.text;
    let error = |offset: usize, message: &str| {
        // Past the end: right after the last byte Postfix read.
        let at = match offset.checked_sub(text.len()) {
            None => joined.source_offset(offset),
            Some(_) if text.is_empty() => logical.lines.first().map_or(0, |l| l.start),
            Some(_) => joined.source_offset(text.len() - 1) + 1,
        };
        SyntaxError::at(source, index, Span::empty(at), message)
    };
    // The first byte is visible (the grammar's `first_text`), unless a NUL
    // cut the text short.
    let name_start = text.iter().position(|b| !is_space(*b)).unwrap_or(text.len());
    if name_start == text.len() || text[name_start] == b'=' {
        return Err(error(name_start, "missing attribute name"));
    }
    let name_end = name_start
        + text[name_start..].iter().position(|b| is_space(*b) || *b == b'=').unwrap_or(text.len() - name_start);
    let eq = name_end + text[name_end..].iter().position(|b| !is_space(*b)).unwrap_or(text.len() - name_end);
    if text.get(eq) != Some(&b'=') {
        // Postfix names the logical line's first line; point at the name.
        return Err(error(name_start, "missing '=' after attribute name"));
    }
    let value_start = eq + 1 + text[eq + 1..].iter().position(|b| !is_space(*b)).unwrap_or(text.len() - eq - 1);
    let value_end =
        text.len() - text[value_start..].iter().rev().position(|b| !is_space(*b)).unwrap_or(text.len() - value_start);
    let value_span = if value_end > value_start {
        joined.source_span(value_start, value_end)
    } else {
        Span::empty(joined.source_offset(eq) + 1)
    };
    Ok(Parameter {
        name: joined.source_span(name_start, name_end),
        name_text: String::from_utf8_lossy(&text[name_start..name_end]).into_owned(),
        equals: joined.source_span(eq, eq + 1),
        value_span,
        value: String::from_utf8_lossy(&text[value_start..value_end]).into_owned(),
        logical,
    })
}

/// The words of the part of a logical line that lies in `within`, split at
/// `separators`, with their file spans.
pub(crate) fn words_of(source: &[u8], logical: &LogicalLine, within: Span, separators: &[u8]) -> Vec<ValueWord> {
    let joined: LogicalText = logical.text(source);
    // Where `within` starts and ends in the joined text.
    let mut start = None;
    let mut end = 0;
    for i in 0..joined.text.len() {
        let at = joined.source_offset(i);
        if at >= within.start && at < within.end {
            start.get_or_insert(i);
            end = i + 1;
        }
    }
    let Some(start) = start else { return Vec::new() };
    lines::split_words(&joined.text[start..end], separators)
        .into_iter()
        .map(|w| ValueWord { text: w.text, span: joined.source_span(start + w.start, start + w.end) })
        .collect()
}
