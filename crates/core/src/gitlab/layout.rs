//! Edits that add to a literal the way its author laid it out: a new array
//! element in the array's own quoting, separator, indentation and line
//! ending, so that a fix reads as if a person had typed it.

use std::path::Path;

use crate::edit::Edit;
use crate::text::Span;

use super::syntax::{Array, GitlabRbFile, Quote, ValueId};

/// Replace the bytes of `span` (empty: insert at `span.start`) with
/// `text`, before the file's path is attached.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TextEdit {
    /// The bytes to replace; empty to insert at its start.
    pub span: Span,
    /// The new bytes.
    pub text: String,
}

/// Ruby source for a string holding `text`, quoted with `quote`
/// (`%q`/`%Q`/symbol quotes fall back to `'...'` and `"..."`).
///
/// ```
/// use conflint_core::gitlab::{string_literal, Quote};
/// assert_eq!(string_literal(Quote::Single, "it's"), r"'it\'s'");
/// assert_eq!(string_literal(Quote::Double, "#{x}\n"), r#""\#{x}\n""#);
/// ```
pub fn string_literal(quote: Quote, text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    match quote {
        Quote::Double | Quote::PercentUpperQ => {
            out.push('"');
            let mut chars = text.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\t' => out.push_str("\\t"),
                    '\r' => out.push_str("\\r"),
                    '#' if matches!(chars.peek(), Some('{' | '@' | '$')) => out.push_str("\\#"),
                    c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
                    c => out.push(c),
                }
            }
            out.push('"');
        }
        _ => {
            out.push('\'');
            for c in text.chars() {
                if c == '\'' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('\'');
        }
    }
    out
}

impl GitlabRbFile {
    /// Edits that add `element` (Ruby source, e.g. from [`string_literal`]
    /// with the array's [`ArrayLayout::quote`](super::ArrayLayout)) as the
    /// last element of the array `array`, written as its other elements are:
    /// on the same line after the array's own separator, or on a new line
    /// with the last element's indentation, keeping a trailing comma and any
    /// comment after the last element where they are. `None` if `array` is
    /// not an array.
    ///
    /// ```
    /// use conflint_core::gitlab::{GitlabRbFile, ValueId, ValueKind};
    ///
    /// let src = "gitlab_rails['x'] = {\n  'ip_whitelist' => [\n    '127.0.0.1', # local\n  ]\n}\n";
    /// let file = GitlabRbFile::parse(src).unwrap();
    /// let array = file.values.iter().position(|v| matches!(v.kind, ValueKind::Array(_))).map(ValueId).unwrap();
    /// let edits = file.append_to_array("gitlab.rb".as_ref(), array, "'10.0.0.0/8'").unwrap();
    /// let mut out = src.to_string();
    /// for e in edits.iter().rev() {
    ///     out.replace_range(e.span.range(), &e.replacement);
    /// }
    /// assert_eq!(out, "gitlab_rails['x'] = {\n  'ip_whitelist' => [\n    '127.0.0.1', # local\n    '10.0.0.0/8',\n  ]\n}\n");
    /// ```
    pub fn append_to_array(&self, path: &Path, array: ValueId, element: &str) -> Option<Vec<Edit>> {
        let edits = self.append_edits(array, element)?;
        Some(edits.into_iter().map(|e| Edit::replace(path, e.span, e.text)).collect())
    }

    fn append_edits(&self, array: ValueId, element: &str) -> Option<Vec<TextEdit>> {
        let arr = self.array(array)?;
        let Some(&last_id) = arr.items.last() else {
            return Some(self.append_to_empty(arr, element));
        };
        let last = self.value(last_id)?.span;
        let nl = self.line_ending().as_str();
        if !arr.layout.multiline || !arr.layout.one_per_line {
            let separator = self.separator(arr, last);
            return Some(vec![insert(last.end, format!("{separator}{element}"))]);
        }
        let indent = arr.layout.item_indent.map(|s| self.text(s).into_owned()).unwrap_or_default();
        let close_line = self.line_number(arr.close.start);
        if arr.trailing_comma {
            let comma = *arr.commas.last()?;
            let at =
                if self.line_number(comma.end) == close_line { comma.end } else { self.content_end_of_line(comma.end) };
            return Some(vec![insert(at, format!("{nl}{indent}{element},"))]);
        }
        let line_end = self.content_end_of_line(last.end);
        let rest_is_blank = self.source()[last.end..line_end].iter().all(|&b| b == b' ' || b == b'\t');
        if self.line_number(last.end) == close_line || rest_is_blank {
            return Some(vec![insert(last.end, format!(",{nl}{indent}{element}"))]);
        }
        // A comment follows the last element: the comma goes before it, the
        // new element on a line after it.
        Some(vec![insert(last.end, ",".to_string()), insert(line_end, format!("{nl}{indent}{element}"))])
    }

    fn append_to_empty(&self, arr: &Array, element: &str) -> Vec<TextEdit> {
        let inner = Span::new(arr.open.end, arr.close.start);
        let text = self.text(inner);
        if !text.contains('\n') && !text.contains('#') {
            let text = if text.is_empty() { element.to_string() } else { format!(" {element} ") };
            return vec![TextEdit { span: inner, text }];
        }
        let index = self.line_index();
        let close_line_start = index.line_start(index.line_of(arr.close.start));
        let close_indent = &self.source()[close_line_start..arr.close.start];
        if close_indent.iter().all(|&b| b == b' ' || b == b'\t') {
            let indent = String::from_utf8_lossy(close_indent);
            let nl = self.line_ending().as_str();
            return vec![insert(close_line_start, format!("{indent}  {element}{nl}"))];
        }
        vec![insert(arr.close.start, element.to_string())]
    }

    /// What separates the last two items (`, ` by default).
    fn separator(&self, arr: &Array, last: Span) -> String {
        arr.commas
            .iter()
            .rev()
            .find(|c| c.end <= last.start)
            .map(|c| self.text(Span::new(c.start, last.start)))
            .filter(|s| !s.contains('\n') && !s.contains('#'))
            .map_or_else(|| ", ".to_string(), std::borrow::Cow::into_owned)
    }

    /// The offset where the line holding `offset` ends, before its line ending.
    fn content_end_of_line(&self, offset: usize) -> usize {
        let src = self.source();
        let end = src[offset..].iter().position(|&b| b == b'\n').map_or(src.len(), |p| offset + p);
        if end > offset && src[end - 1] == b'\r' { end - 1 } else { end }
    }
}

fn insert(at: usize, text: String) -> TextEdit {
    TextEdit { span: Span::empty(at), text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gitlab::ValueKind;

    /// Apply the edits of appending `element` to the first array in `src`.
    fn append(src: &str, element: &str) -> String {
        let file = GitlabRbFile::parse(src).unwrap_or_else(|e| panic!("{e}"));
        let array =
            file.values.iter().position(|v| matches!(v.kind, ValueKind::Array(_))).map(ValueId).expect("an array");
        let edits = file.append_to_array(Path::new("gitlab.rb"), array, element).expect("edits");
        let mut out = src.to_string();
        for e in edits.iter().rev() {
            out.replace_range(e.span.range(), &e.replacement);
        }
        GitlabRbFile::parse(out.clone()).unwrap_or_else(|e| panic!("{e}"));
        out
    }

    #[test]
    fn appends_on_one_line() {
        assert_eq!(append("a['x'] = ['a']\n", "'b'"), "a['x'] = ['a', 'b']\n");
        assert_eq!(append("a['x'] = ['a','b']\n", "'c'"), "a['x'] = ['a','b','c']\n");
        assert_eq!(append("a['x'] = ['a', ]\n", "'b'"), "a['x'] = ['a', 'b', ]\n");
        assert_eq!(append("a['x'] = []\n", "'b'"), "a['x'] = ['b']\n");
        assert_eq!(append("a['x'] = [ ]\n", "'b'"), "a['x'] = [ 'b' ]\n");
    }

    #[test]
    fn appends_on_a_new_line() {
        assert_eq!(append("a['x'] = [\n  'a',\n  'b'\n]\n", "'c'"), "a['x'] = [\n  'a',\n  'b',\n  'c'\n]\n");
        assert_eq!(
            append("a['x'] = [\r\n\t'a', # one\r\n]\r\n", "'c'"),
            "a['x'] = [\r\n\t'a', # one\r\n\t'c',\r\n]\r\n"
        );
        assert_eq!(append("a['x'] = [\n  'a' # one\n]\n", "'c'"), "a['x'] = [\n  'a', # one\n  'c'\n]\n");
        assert_eq!(append("a['x'] = [\n  'a',\n  'b']\n", "'c'"), "a['x'] = [\n  'a',\n  'b',\n  'c']\n");
        assert_eq!(append("a['x'] = [\n  # none yet\n]\n", "'c'"), "a['x'] = [\n  # none yet\n  'c'\n]\n");
    }

    #[test]
    fn string_literals_escape_their_quotes() {
        assert_eq!(string_literal(Quote::Single, r"a'b\c"), r"'a\'b\\c'");
        assert_eq!(string_literal(Quote::Double, "a\"b#c"), r#""a\"b#c""#);
        assert_eq!(string_literal(Quote::Symbol, "x"), "'x'");
    }
}
