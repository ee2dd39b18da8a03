//! What the hardening rules (PH020-PH034) share: which PHP release a tree
//! is for, which trees serve pages, and the value PHP ends up with for a
//! key in each scope (php.ini, each PHP-FPM pool, Apache's server and
//! vhosts), PHP's built-in default standing in where nothing sets it.

use conflint_core::Span;
use conflint_core::php::directives::{DirectiveStatus, PhpVersion, directive, parse_quantity, version_from_path};
use conflint_core::php::{OverrideScope, PhpIniTree, Sapi, ScopedValue, ValueSource};

use super::edit;
use crate::context::Checker;
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::registry::Rule;

/// The PHP release the tree is for: what its path says
/// (`/etc/php/8.2/fpm/php.ini`), else the newest release the directive
/// table describes. Guessing the newest is the safe side for the rules that
/// depend on it: PHP 8 changed defaults towards showing more, not less.
pub(super) fn version(tree: &PhpIniTree) -> PhpVersion {
    edit::entry_file(tree)
        .and_then(|(path, _)| version_from_path(path))
        .and_then(conflint_core::php::directives::PathVersion::best_guess)
        .unwrap_or(PhpVersion::NEWEST)
}

/// Whether `key` is a directive of `version` (a directive PHP does not know
/// yet, or no longer reads, has no effect to judge). Keys the table does not
/// know are taken as present.
pub(super) fn exists(key: &str, version: PhpVersion) -> bool {
    directive(key).is_none_or(|d| {
        !matches!(d.status(version), DirectiveStatus::NotYetAdded { .. } | DirectiveStatus::Removed { .. })
    })
}

/// Whether a tree is the main configuration of a SAPI that serves pages:
/// it has an entry file (a fragment checked alone is no configuration) and
/// is not the command line's (`.../cli/php.ini`, `php-cli.ini`).
pub(super) fn serves_pages(tree: &PhpIniTree) -> bool {
    tree.has_entry() && tree.sapi() != Some(Sapi::Cli)
}

/// Whether the entry file is upstream's `php.ini-development` (or named
/// after it), whose point is to show errors and their details.
pub(super) fn is_development(tree: &PhpIniTree) -> bool {
    edit::entry_file(tree).is_some_and(|(path, _)| {
        path.file_name().is_some_and(|n| n.to_string_lossy().to_ascii_lowercase().contains("development"))
    })
}

/// The value PHP stores for a scope's source: the line's, the override's,
/// or `default`.
pub(super) fn stored<'a>(source: &'a ValueSource, default: &'a str) -> &'a str {
    match source {
        ValueSource::Default => default,
        ValueSource::Ini(setting) => &setting.value,
        ValueSource::Override(o) => &o.value,
    }
}

/// The value as written in the file (for messages), or the default.
pub(super) fn written(tree: &PhpIniTree, source: &ValueSource, default: &str) -> String {
    match source {
        ValueSource::Default => default.to_string(),
        ValueSource::Ini(setting) => tree
            .entry(setting)
            .and_then(|e| e.value.as_ref())
            .and_then(|v| tree.file(setting).map(|f| f.text(v.span).trim().to_string()))
            .unwrap_or_else(|| setting.value.clone()),
        ValueSource::Override(o) => o.written.trim().to_string(),
    }
}

/// Where to report a value: its file and the bytes of its value. `None`
/// for a default (the caller reports at the top of the entry file).
pub(super) fn place<'a>(tree: &'a PhpIniTree, source: &'a ValueSource) -> Option<(&'a std::path::Path, Span)> {
    match source {
        ValueSource::Default => None,
        ValueSource::Ini(setting) => Some((tree.path(setting)?, edit::report_span(tree, setting))),
        ValueSource::Override(o) => Some((o.path.as_path(), o.span)),
    }
}

/// The top of the entry file: where a finding about a missing setting goes.
pub(super) fn entry_place(tree: &PhpIniTree) -> Option<(&std::path::Path, Span)> {
    edit::entry_file(tree).map(|(path, _)| (path, Span::empty(0)))
}

/// The values of two keys side by side, scope by scope (both lists come
/// from the same scopes, in the same order).
pub(super) fn paired(tree: &PhpIniTree, a: &str, b: &str) -> Vec<(Option<OverrideScope>, ValueSource, ValueSource)> {
    tree.scoped_values(a)
        .into_iter()
        .zip(tree.scoped_values(b))
        .map(|(ScopedValue { scope, source: first }, ScopedValue { source: second, .. })| (scope, first, second))
        .collect()
}

/// " (for PHP-FPM pool [www])", or "" for php.ini alone.
pub(super) fn for_scope(scope: &Option<OverrideScope>) -> String {
    scope.as_ref().map(|s| format!(" (for {s})")).unwrap_or_default()
}

/// A size directive's bytes as PHP reads them (`8M`, `0x10`, `1 GB` is 1).
pub(super) fn bytes(value: &str, name: &str) -> i64 {
    parse_quantity(value, name).value
}

/// The reporting half of [`ScopedSetting`](super::scoped::ScopedSetting),
/// for rules whose verdict in a scope depends on more than the one value:
/// given the scopes found bad and what decides the key in each, report once
/// per deciding line (or once for PHP's default), naming the scopes, with a
/// fix that writes `good`.
pub(super) struct Verdicts<'a> {
    /// The php.ini key the fix writes.
    pub key: &'a str,
    /// The value a fix writes (`Off`).
    pub good: &'a str,
    /// Whether the fix is safe.
    pub applicability: Applicability,
    /// The message when nothing sets the key, given the scopes.
    pub missing: &'a dyn Fn(&str) -> String,
    /// The message for a line, given its value as written and the scopes.
    pub wrong: &'a dyn Fn(&str, &str) -> String,
}

impl Verdicts<'_> {
    /// Report the bad scopes, each with the source that decides `key` there.
    pub(super) fn report(
        &self,
        tree: &PhpIniTree,
        checker: &mut Checker<'_>,
        bad: Vec<(Option<OverrideScope>, ValueSource)>,
    ) {
        let mut groups: Vec<(ValueSource, Vec<Option<OverrideScope>>)> = Vec::new();
        for (scope, source) in bad {
            match groups.iter_mut().find(|(s, _)| *s == source) {
                Some((_, scopes)) => scopes.push(scope),
                None => groups.push((source, vec![scope])),
            }
        }
        for (source, scopes) in groups {
            let named: Vec<String> = scopes.iter().flatten().map(ToString::to_string).collect();
            let scopes = if named.is_empty() { String::new() } else { format!(" (for {})", named.join(", ")) };
            match &source {
                ValueSource::Default => {
                    let Some((path, _)) = edit::entry_file(tree) else { continue };
                    let fix = edit::insert_setting(tree, self.key, self.good)
                        .map(|e| self.fix(format!("add `{} = {}` to [PHP]", self.key, self.good), e));
                    checker.report(path, Span::empty(0), (self.missing)(&scopes), fix);
                }
                ValueSource::Ini(setting) => {
                    let Some(path) = tree.path(setting) else { continue };
                    let fix = edit::replace_value(tree, setting, self.good)
                        .map(|e| self.fix(format!("set `{} = {}`", self.key, self.good), e));
                    let shown = written(tree, &source, "");
                    checker.report(path, edit::report_span(tree, setting), (self.wrong)(&shown, &scopes), fix);
                }
                ValueSource::Override(o) => {
                    let good = self.good.to_ascii_lowercase();
                    let fix = self.fix(format!("set it to `{good}`"), Edit::replace(&o.path, o.span, good.clone()));
                    checker.report(&o.path, o.span, (self.wrong)(o.written.trim(), &scopes), Some(fix));
                }
            }
        }
    }

    fn fix(&self, message: String, edit: Edit) -> Fix {
        match self.applicability {
            Applicability::Safe => Fix::safe(message, vec![edit]),
            Applicability::Unsafe => Fix::unsafe_(message, vec![edit]),
        }
    }
}

/// Run `run` and report its findings without their fixes: for the rules
/// that judge a setting as [`ScopedSetting`](super::scoped::ScopedSetting)
/// does but leave the change to the owner.
pub(super) fn report_only(checker: &mut Checker<'_>, run: impl FnOnce(&mut Checker<'_>)) {
    // The scratch checker's rule tag is never seen: its findings are
    // reported again through `checker`, under the running rule.
    let mut scratch = Checker::new(checker.settings, Rule::PH021);
    run(&mut scratch);
    for finding in scratch.into_findings() {
        checker.report(&finding.path, finding.span, finding.message, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_as_php_reads_them() {
        assert_eq!(bytes("2M", "upload_max_filesize"), 2 << 20);
        assert_eq!(bytes("0x10", "post_max_size"), 16);
    }

    #[test]
    fn directives_by_release() {
        assert!(exists("session.cookie_samesite", PhpVersion::new(7, 3)));
        assert!(!exists("session.cookie_samesite", PhpVersion::new(7, 2)));
        assert!(!exists("zend.exception_ignore_args", PhpVersion::new(7, 3)));
        assert!(exists("not.in.the.table", PhpVersion::new(8, 2)));
    }
}
