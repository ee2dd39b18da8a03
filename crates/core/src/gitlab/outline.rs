//! A readable dump of the tree, one line per statement and per value, for
//! snapshot tests and debugging. Values are walked with an explicit stack,
//! so any nesting prints without recursion.

use std::fmt::Write;

use super::syntax::{GitlabRbFile, HashKey, OpaqueHint, Quote, Statement, StatementKind, ValueId, ValueKind};

impl GitlabRbFile {
    /// The outline: statements with their line numbers, and the value tree
    /// of each assignment and command below it.
    pub fn outline(&self) -> String {
        let mut out = String::new();
        if let Some(bom) = self.bom {
            let _ = writeln!(out, "Bom {bom:?}");
        }
        for statement in &self.statements {
            self.outline_statement(&mut out, statement);
        }
        out
    }

    fn lines(&self, statement: &Statement) -> String {
        let span = if statement.code.is_empty() { statement.span } else { statement.code };
        let first = self.line_number(span.start);
        let last = self.line_number(span.end.saturating_sub(1).max(span.start));
        if first == last { format!("L{first}") } else { format!("L{first}-{last}") }
    }

    fn outline_statement(&self, out: &mut String, statement: &Statement) {
        let lines = self.lines(statement);
        let comment = match (&statement.kind, statement.comment) {
            (StatementKind::Comment, _) | (_, None) => String::new(),
            (_, Some(c)) => format!("  comment {:?}", self.text(c)),
        };
        match &statement.kind {
            StatementKind::Blank => {
                let _ = writeln!(out, "{lines} Blank");
            }
            StatementKind::Comment => {
                let text = statement.comment.map(|c| self.text(c)).unwrap_or_default();
                let _ = writeln!(out, "{lines} Comment {text:?}");
            }
            StatementKind::EmbeddedDoc => {
                let _ = writeln!(out, "{lines} EmbeddedDoc");
            }
            StatementKind::Data => {
                let _ = writeln!(out, "{lines} Data");
            }
            StatementKind::Assignment(a) => {
                let keys: String = a.keys.iter().map(|k| format!("[{}]", self.text(k.span))).collect();
                let _ = writeln!(out, "{lines} Assignment {}{keys} ={comment}", a.receiver_name);
                self.outline_values(out, &[(a.value, String::new())]);
            }
            StatementKind::Command(c) => {
                let _ = writeln!(out, "{lines} Command {}{comment}", c.name_text);
                let args: Vec<_> = c.args.iter().map(|&v| (v, String::new())).collect();
                self.outline_values(out, &args);
            }
            StatementKind::Opaque(o) => {
                let hint = match &o.hint {
                    None => String::new(),
                    Some(OpaqueHint::SpaceBeforeIndex { space, .. }) => {
                        format!("  hint: space before index at {space:?}")
                    }
                    Some(OpaqueHint::LocalVariable { name }) => {
                        format!("  hint: sets local variable {:?}", self.text(*name))
                    }
                    Some(OpaqueHint::UnreadableValue { keys, value, .. }) => format!(
                        "  hint: unreadable value {:?} for {:?}",
                        self.text(*value),
                        keys.iter().map(|k| k.value.as_str()).collect::<Vec<_>>()
                    ),
                };
                let _ = writeln!(out, "{lines} Opaque {:?}{comment}{hint}", self.text(statement.code));
            }
        }
    }

    /// Print `roots` and everything below them, depth first.
    fn outline_values(&self, out: &mut String, roots: &[(ValueId, String)]) {
        let mut stack: Vec<(ValueId, usize, String)> =
            roots.iter().rev().map(|(id, prefix)| (*id, 1, prefix.clone())).collect();
        while let Some((id, depth, prefix)) = stack.pop() {
            let indent = "  ".repeat(depth);
            let Some(value) = self.value(id) else {
                continue;
            };
            let what = match &value.kind {
                ValueKind::Str { quote, value: text } => match text {
                    Some(text) => format!("Str({}) {text:?}", quote_mark(*quote)),
                    None => format!("Str({}) interpolated {:?}", quote_mark(*quote), self.text(value.span)),
                },
                ValueKind::Int(n) => format!("Int {n}"),
                ValueKind::Float(f) => format!("Float {f:?}"),
                ValueKind::Nil => "Nil".to_string(),
                ValueKind::Bool(b) => format!("Bool {b}"),
                ValueKind::Opaque => format!("Opaque {:?}", self.text(value.span)),
                ValueKind::Words(w) => {
                    let words: Vec<&str> = w.items.iter().map(|(_, s)| s.as_str()).collect();
                    format!("Words(%{}) {words:?}", w.sigil)
                }
                ValueKind::Array(a) => {
                    for &item in a.items.iter().rev() {
                        stack.push((item, depth + 1, String::new()));
                    }
                    let mut flags = String::new();
                    if a.trailing_comma {
                        flags.push_str(" trailing-comma");
                    }
                    if a.layout.one_per_line && a.layout.multiline {
                        flags.push_str(" one-per-line");
                    }
                    if let Some(indent) = a.layout.item_indent {
                        let _ = write!(flags, " indent={:?}", self.text(indent));
                    }
                    if let Some(q) = a.layout.quote {
                        let _ = write!(flags, " quote={}", quote_mark(q));
                    }
                    format!("Array[{}]{flags}", a.items.len())
                }
                ValueKind::Hash(h) => {
                    for pair in h.pairs.iter().rev() {
                        let key = match &pair.key {
                            HashKey::Value(k) => {
                                format!("{} =>", self.value(*k).map(|v| self.text(v.span)).unwrap_or_default())
                            }
                            HashKey::Label { span, .. } => self.text(*span).into_owned(),
                        };
                        stack.push((pair.value, depth + 1, format!("{key} ")));
                    }
                    let mut flags = String::new();
                    if h.trailing_comma {
                        flags.push_str(" trailing-comma");
                    }
                    if !h.braced {
                        flags.push_str(" no-braces");
                    }
                    format!("Hash{{{}}}{flags}", h.pairs.len())
                }
            };
            let _ = writeln!(out, "{indent}{prefix}{what}");
        }
    }
}

fn quote_mark(quote: Quote) -> &'static str {
    match quote {
        Quote::Single => "'",
        Quote::Double => "\"",
        Quote::PercentQ => "%q",
        Quote::PercentUpperQ => "%Q",
        Quote::Symbol => ":",
    }
}
