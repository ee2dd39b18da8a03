//! What PH005-PH009 share: the directive lines of a tree as the table
//! judges them, the PHP release they are judged against, and the one fix
//! several of them offer (deleting a line PHP ignores).

use std::collections::HashSet;
use std::path::Path;

use conflint_core::Span;
use conflint_core::php::directives::{PhpDirective, PhpType, PhpVersion, directives};
use conflint_core::php::model::Setting;
use conflint_core::php::syntax::{Entry, IniLineKind, IniValue, PhpIniFile, Piece, PieceKind};
use conflint_core::php::{PhpIniTree, php_bool};

use crate::context::Checker;
use crate::diagnostic::Edit;
use crate::settings::TargetVersion;

/// One `key = value` line of the tree that names a directive (not
/// `extension=`, not an array entry, not a `#` line: PH003 has those).
pub(crate) struct DirectiveLine<'t> {
    /// The assignment, with PHP's stored value.
    pub setting: &'t Setting,
    /// Its file.
    pub path: &'t Path,
    /// Its syntax.
    pub entry: &'t Entry,
    /// The file's tree.
    pub file: &'t PhpIniFile,
}

impl DirectiveLine<'_> {
    /// The value as written (for messages), or the stored value.
    pub(super) fn written(&self) -> String {
        match &self.entry.value {
            Some(v) => self.file.text(v.span).into_owned(),
            None => self.setting.value.clone(),
        }
    }

    /// Where to report: the value, else the key.
    pub(super) fn value_span(&self) -> Span {
        self.entry.value.as_ref().filter(|v| !v.span.is_empty()).map_or(self.entry.key, |v| v.span)
    }
}

/// Whether text holds a placeholder whose value is only known where PHP
/// runs: a Jinja or ERB template of a php.ini in an infrastructure
/// repository (`{{ php_memory_limit }}`, `{% if %}`, `<%= @x %>`), a
/// variable `envsubst` fills in at container start (`$UPLOAD_MAX_FILESIZE`),
/// or PHP's own `${PHP_MEMORY_LIMIT}`, which PHP reads from the environment
/// when no directive of that name was set before (conflint never reads the
/// environment of the machine it runs on).
pub(crate) fn is_template(text: &str) -> bool {
    // Nearly every key and value has none of the three bytes every
    // placeholder starts with: one pass over the bytes answers for those.
    if !text.bytes().any(|b| matches!(b, b'{' | b'<' | b'$')) {
        return false;
    }
    if text.contains("{{") || text.contains("{%") || text.contains("<%") {
        return true;
    }
    let bytes = text.as_bytes();
    bytes.windows(2).any(|w| w[0] == b'$' && (w[1] == b'{' || w[1] == b'_' || w[1].is_ascii_alphabetic()))
}

/// Every directive line of the tree, in loading order (not lines whose key
/// is a template placeholder).
pub(crate) fn directive_lines(tree: &PhpIniTree) -> Vec<DirectiveLine<'_>> {
    tree.setting_refs()
        .filter(|s| s.offset.is_none())
        // `extension=`/`zend_extension=` load modules (PHP compares the
        // names case-insensitively); they are no directives to judge.
        .filter(|s| !s.key.eq_ignore_ascii_case("extension") && !s.key.eq_ignore_ascii_case("zend_extension"))
        .filter_map(|setting| {
            let path = tree.path(setting)?;
            let file = tree.file(setting)?;
            let entry = tree.entry(setting)?;
            (!entry.is_hash_line() && !is_template(&setting.key)).then_some(DirectiveLine {
                setting,
                path,
                entry,
                file,
            })
        })
        .collect()
}

/// The PHP release a tree is judged against (see
/// [`crate::settings::PhpSettings::target_version`]): its first file's path.
pub(crate) fn target_version(tree: &PhpIniTree, checker: &Checker<'_>) -> TargetVersion<PhpVersion> {
    checker.settings.php.target_version(tree.files.first().map(|f| f.path.as_path()))
}

/// `PHP 8.2`, `PHP 8.2 (version from the path)`, `PHP 8.5 (the newest
/// conflint knows; set --php-version)` for messages.
pub(crate) fn describe(target: &TargetVersion<PhpVersion>) -> String {
    format!("PHP {}", target.describe("--php-version"))
}

/// Every name a `${NAME}` of the tree reads: deleting such a directive's
/// line would change that expansion (PHP looks names up in everything the
/// ini files set, known directive or not).
pub(crate) fn referenced_names(tree: &PhpIniTree) -> HashSet<String> {
    let mut out = HashSet::new();
    for source in &tree.files {
        let Ok(file) = &source.content else { continue };
        for line in &file.lines {
            match &line.kind {
                IniLineKind::Entry(entry) => {
                    for value in [&entry.value, &entry.offset_value].into_iter().flatten() {
                        collect_variables(file, &value.pieces, &mut out);
                    }
                }
                IniLineKind::Section { pieces, .. } => collect_variables(file, pieces, &mut out),
                _ => {}
            }
        }
    }
    out
}

fn collect_variables(file: &PhpIniFile, pieces: &[Piece], out: &mut HashSet<String>) {
    for piece in pieces {
        match &piece.kind {
            PieceKind::Variable { name } => {
                out.insert(file.text(*name).trim().to_string());
            }
            PieceKind::DoubleQuoted { parts } => collect_variables(file, parts, out),
            _ => {}
        }
    }
}

/// Delete the line of `line`'s entry, its line ending included; `None`
/// when the entry shares its physical line with something else (`[x] a =
/// 1`), where a whole-line deletion would take more than the directive.
pub(crate) fn delete_line(line: &DirectiveLine<'_>) -> Option<Edit> {
    let ini_line = line.file.lines.get(line.setting.line)?;
    let source = line.file.source();
    let starts_line = ini_line.span.start == line.file.bom.map_or(0, |b| b.end)
        || matches!(source.get(ini_line.span.start.wrapping_sub(1)), Some(b'\n' | b'\r'));
    let only_blanks_before =
        source.get(ini_line.span.start..line.entry.key.start)?.iter().all(|b| matches!(b, b' ' | b'\t'));
    (starts_line && only_blanks_before).then(|| Edit::delete(line.path, ini_line.span))
}

/// Whether every directive of `d`'s extension is gone by `version`: the
/// extension left PHP (often for PECL, where it may still be installed and
/// read these lines).
pub(crate) fn extension_gone(d: &PhpDirective, version: PhpVersion) -> bool {
    d.extension != "core"
        && directives().iter().filter(|o| o.extension == d.extension).all(|o| o.removed.is_some_and(|r| version >= r))
}

/// Whether `value` (as PHP stores it) sets `d` to its built-in default, so
/// that the line changes nothing.
pub(crate) fn is_default(d: &PhpDirective, value: &str) -> bool {
    let Some(default) = d.default else { return value.trim().is_empty() };
    match d.ty {
        PhpType::Bool => php_bool(value) == php_bool(default),
        PhpType::Int | PhpType::Quantity | PhpType::Size => {
            let parse = |v: &str| conflint_core::php::directives::parse_quantity(v, d.name).value;
            parse(value) == parse(default)
        }
        _ => value.trim() == default,
    }
}

/// The value's text without quotes, when it is one plain piece.
pub(crate) fn single_bare_piece<'f>(file: &'f PhpIniFile, value: &IniValue) -> Option<&'f str> {
    let pieces: Vec<&Piece> = value.pieces.iter().filter(|p| !matches!(p.kind, PieceKind::Whitespace)).collect();
    match pieces.as_slice() {
        [p] if matches!(p.kind, PieceKind::Bare | PieceKind::Number) => std::str::from_utf8(file.bytes(p.span)).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::is_template;

    #[test]
    fn placeholders_and_plain_text() {
        for held in
            ["{{ php_memory_limit }}", "{% if x %}", "<%= @limit %>", "$UPLOAD", "${PHP_X}", "$_ENV", "64M{{x}}"]
        {
            assert!(is_template(held), "{held}");
        }
        for plain in ["64M", "On", "\"/var/log/php.log\"", "E_ALL & ~E_DEPRECATED", "a{b", "x < y", "$", "$1", "{}"] {
            assert!(!is_template(plain), "{plain}");
        }
    }
}
