//! Building the byte-range edits httpd fixes need, from the syntax tree
//! behind an item: replace an argument (in its own quoting), rename a
//! directive, delete a line, insert a line with the file's own line ending
//! and its neighbours' indentation.

use std::path::Path;

use conflint_core::Span;
use conflint_core::httpd::{Directive, FileId, HttpdTree, ItemId, LineId, LineKind, Quote};
use conflint_core::text::{LineEnding, indentation_at};

use crate::diagnostic::Edit;

/// The syntax of the directive behind an item; `None` for an item that a
/// mod_macro `Use` produced, which has no bytes of its own to edit.
pub(super) fn directive(tree: &HttpdTree, item: ItemId) -> Option<&Directive> {
    let item = tree.item(item);
    if item.from_macro {
        return None;
    }
    match &tree.file(item.file).syntax.lines[item.line].kind {
        LineKind::Directive(d) => Some(d),
        _ => None,
    }
}

/// The file an item is in, as found.
pub(super) fn path(tree: &HttpdTree, item: ItemId) -> &Path {
    &tree.file(tree.item(item).file).path
}

/// The span to point a finding at: the argument at `index`, else the name.
pub(super) fn arg_span(tree: &HttpdTree, item: ItemId, index: usize) -> Span {
    match directive(tree, item) {
        Some(d) => d.args.get(index).map_or(d.name, |a| a.span),
        None => tree.item_line_span(item),
    }
}

/// The directive's name and arguments, from the name to the end of the last argument.
pub(super) fn directive_span(tree: &HttpdTree, item: ItemId) -> Span {
    match directive(tree, item) {
        Some(d) => Span::new(d.name.start, d.args.last().map_or(d.name.end, |a| a.span.end)),
        None => tree.item_line_span(item),
    }
}

/// Replace argument `index` with `value`, keeping its quotes; append it
/// when the directive has fewer arguments.
pub(super) fn replace_arg(tree: &HttpdTree, item: ItemId, index: usize, value: &str) -> Option<Edit> {
    let d = directive(tree, item)?;
    let file = path(tree, item);
    Some(match d.args.get(index) {
        Some(arg) => match arg.quote {
            Quote::Quoted { closed: true, .. } => {
                Edit::replace(file, Span::new(arg.span.start + 1, arg.span.end - 1), value)
            }
            _ => Edit::replace(file, arg.span, value),
        },
        None => {
            let end = d.args.last().map_or(d.name.end, |a| a.span.end);
            Edit::insert(file, end, format!(" {value}"))
        }
    })
}

/// Rename a directive, leaving its arguments alone.
pub(super) fn rename(tree: &HttpdTree, item: ItemId, name: &str) -> Option<Edit> {
    let d = directive(tree, item)?;
    Some(Edit::replace(path(tree, item), d.name, name))
}

/// Delete an item's whole line, line ending included.
pub(super) fn delete_line(tree: &HttpdTree, item: ItemId) -> Option<Edit> {
    let i = tree.item(item);
    if i.from_macro {
        return None;
    }
    let line = &tree.file(i.file).syntax.lines[i.line];
    Some(Edit::delete(path(tree, item), line.span))
}

/// The line ending of a tree file.
pub(super) fn eol(tree: &HttpdTree, file: FileId) -> &'static str {
    LineEnding::detect(tree.file(file).syntax.source()).as_str()
}

/// The indentation of the line an item is on.
pub(super) fn indentation(tree: &HttpdTree, item: ItemId) -> String {
    let i = tree.item(item);
    let syntax = &tree.file(i.file).syntax;
    let start = syntax.lines[i.line].span.start;
    String::from_utf8_lossy(indentation_at(syntax.source(), start)).into_owned()
}

/// Insert `line` (without line ending) right after an item's line, with
/// the same indentation.
pub(super) fn insert_after(tree: &HttpdTree, item: ItemId, line: &str) -> Option<Edit> {
    let i = tree.item(item);
    if i.from_macro {
        return None;
    }
    let syntax = &tree.file(i.file).syntax;
    let l = &syntax.lines[i.line];
    let eol = eol(tree, i.file);
    let indent = indentation(tree, item);
    Some(if l.span.end == l.text.end {
        // The last line has no line ending: add one before ours.
        Edit::insert(path(tree, item), l.span.end, format!("{eol}{indent}{line}"))
    } else {
        Edit::insert(path(tree, item), l.span.end, format!("{indent}{line}{eol}"))
    })
}

/// Insert `line` at the top level of the entry file: at its end, or before
/// a conditional section left open at the end of the file (which httpd
/// allows), so the new line is never inside a section.
pub(super) fn insert_top_level(tree: &HttpdTree, line: &str) -> Edit {
    let entry = tree.entry();
    let syntax = &entry.syntax;
    let eol = eol(tree, FileId::ENTRY);
    let source = syntax.source();
    // An unclosed section at the end: insert before the outermost one.
    let open_at_end = syntax.lines.last().and_then(|last| {
        let mut top = None;
        let mut cur =
            if matches!(last.kind, LineKind::Open(_)) { Some(LineId(syntax.lines.len() - 1)) } else { last.parent };
        while let Some(p) = cur {
            top = Some(p);
            cur = syntax.lines[p].parent;
        }
        top
    });
    if let Some(open) = open_at_end {
        return Edit::insert(&entry.path, syntax.lines[open].span.start, format!("{line}{eol}"));
    }
    if source.is_empty() || source.ends_with(b"\n") || source.ends_with(b"\r") {
        Edit::insert(&entry.path, source.len(), format!("{line}{eol}"))
    } else {
        Edit::insert(&entry.path, source.len(), format!("{eol}{line}{eol}"))
    }
}

/// The first argument of an item, lower-cased.
pub(super) fn first_arg_lower(tree: &HttpdTree, item: ItemId) -> String {
    tree.item(item).args.first().map(|a| a.to_ascii_lowercase()).unwrap_or_default()
}
