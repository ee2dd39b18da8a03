//! Edits php.ini fixes need: replace a value, or add a setting in the
//! `[PHP]` section (after its commented-out default, as an admin would).

use std::path::Path;

use conflint_core::Span;
use conflint_core::php::PhpIniTree;
use conflint_core::php::model::Setting;
use conflint_core::php::syntax::{IniLineKind, PhpIniFile};
use conflint_core::text::LineEnding;

use crate::diagnostic::Edit;

/// The parsed entry file of a tree (the main php.ini) and its path.
pub(super) fn entry_file(tree: &PhpIniTree) -> Option<(&Path, &PhpIniFile)> {
    tree.files.iter().find(|f| f.is_entry).and_then(|f| f.content.as_ref().ok().map(|c| (f.path.as_path(), c)))
}

/// The span to report a setting at: its value, else its key.
pub(super) fn report_span(tree: &PhpIniTree, setting: &Setting) -> Span {
    match tree.entry(setting) {
        Some(entry) => entry.value.as_ref().filter(|v| !v.span.is_empty()).map_or(entry.key, |v| v.span),
        None => Span::empty(0),
    }
}

/// Replace a setting's value with `value`.
pub(super) fn replace_value(tree: &PhpIniTree, setting: &Setting, value: &str) -> Option<Edit> {
    let entry = tree.entry(setting)?;
    let path = tree.path(setting)?;
    match &entry.value {
        Some(v) => Some(Edit::replace(path, v.span, value)),
        None => {
            let after = entry.equals.map_or(entry.key.end, |e| e.end);
            let text = if entry.equals.is_some() { format!(" {value}") } else { format!(" = {value}") };
            Some(Edit::insert(path, after, text))
        }
    }
}

/// Add `key = value` to the entry file: right after a commented-out
/// `;key` line if there is one, else right after `[PHP]`, else at the top.
/// Never at the end, where a `[PATH=...]` section would capture it.
pub(super) fn insert_setting(tree: &PhpIniTree, key: &str, value: &str) -> Option<Edit> {
    let (path, file) = entry_file(tree)?;
    let eol = LineEnding::detect(file.source()).as_str();
    let commented = file.lines.iter().find(|line| match &line.kind {
        IniLineKind::Comment { text } => {
            let body = file.text(*text);
            let body = body.trim_start_matches(';').trim_start();
            body.strip_prefix(key).is_some_and(|rest| rest.starts_with([' ', '\t', '=']) || rest.is_empty())
                && in_global_scope(file, line.span.start)
        }
        _ => false,
    });
    let header = file.lines.iter().find(|line| {
        matches!(&line.kind, IniLineKind::Section { name_value, .. } if name_value.eq_ignore_ascii_case("PHP"))
            && in_global_scope(file, line.span.start)
    });
    let anchor = commented.or(header);
    let text = format!("{key} = {value}{eol}");
    Some(match anchor {
        Some(line) => {
            let end = line.span.end;
            if file.source()[..end].ends_with(b"\n") || file.source()[..end].ends_with(b"\r") {
                Edit::insert(path, end, text)
            } else {
                Edit::insert(path, end, format!("{eol}{key} = {value}"))
            }
        }
        None => Edit::insert(path, file.bom.map_or(0, |b| b.end), text),
    })
}

/// Whether no `[PATH=...]`/`[HOST=...]` section comes before `offset`
/// (such sections capture every directive after them).
fn in_global_scope(file: &PhpIniFile, offset: usize) -> bool {
    !file.lines.iter().take_while(|l| l.span.start < offset).any(|l| {
        matches!(&l.kind, IniLineKind::Section { name_value, .. }
            if name_value.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("PATH") || p.eq_ignore_ascii_case("HOST")))
    })
}
