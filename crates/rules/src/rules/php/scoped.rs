//! What PH001 and PH002 share: a setting judged by the value PHP ends up
//! with in each scope that serves pages (php.ini, each PHP-FPM pool,
//! Apache's main server and vhosts), reported once per line that decides a
//! bad value, naming the scopes and the file.

use conflint_core::Span;
use conflint_core::php::{OverrideScope, PhpIniTree, ScopedValue, ValueSource};

use super::edit;
use crate::context::Checker;
use crate::diagnostic::{Applicability, Edit, Fix};

/// One setting to judge.
pub(crate) struct ScopedSetting<'a> {
    /// The php.ini key.
    pub key: &'a str,
    /// Whether PHP's stored value is bad.
    pub bad: &'a dyn Fn(&str) -> bool,
    /// PHP's built-in default, as PHP stores it.
    pub default: &'a str,
    /// The good value a fix writes (`Off`).
    pub good: &'a str,
    /// Whether the fix is safe.
    pub applicability: Applicability,
    /// The message when nothing sets the key (PHP's default applies), given
    /// the scopes it holds for.
    pub missing: &'a dyn Fn(&str) -> String,
    /// The message for a bad value, given the text as written and the scopes.
    pub wrong: &'a dyn Fn(&str, &str) -> String,
}

impl ScopedSetting<'_> {
    /// Report each line (or missing setting) that leaves a scope bad.
    pub(super) fn check(&self, tree: &PhpIniTree, checker: &mut Checker<'_>) {
        let values = tree.scoped_values(self.key);
        let mut groups: Vec<(ValueSource, Vec<Option<OverrideScope>>)> = Vec::new();
        for ScopedValue { scope, source } in values {
            let bad = match &source {
                ValueSource::Default => (self.bad)(self.default),
                ValueSource::Ini(setting) => (self.bad)(&setting.value),
                ValueSource::Override(o) => (self.bad)(&o.value),
            };
            if !bad {
                continue;
            }
            match groups.iter_mut().find(|(s, _)| *s == source) {
                Some((_, scopes)) => scopes.push(scope),
                None => groups.push((source, vec![scope])),
            }
        }
        for (source, scopes) in groups {
            let scopes = describe(&scopes);
            match source {
                ValueSource::Default => {
                    // A template with a loop or a placeholder for a key may render it.
                    if tree.is_open_template() {
                        continue;
                    }
                    let Some((path, _)) = edit::entry_file(tree) else { continue };
                    let fix = edit::insert_setting(tree, self.key, self.good)
                        .map(|e| self.fix(format!("add `{} = {}` to [PHP]", self.key, self.good), e));
                    checker.report(path, Span::empty(0), (self.missing)(&scopes), fix);
                }
                ValueSource::Ini(setting) => {
                    let Some(path) = tree.path(&setting) else { continue };
                    let written = tree
                        .entry(&setting)
                        .and_then(|e| e.value.as_ref())
                        .and_then(|v| tree.file(&setting).map(|f| f.text(v.span).into_owned()))
                        .unwrap_or_else(|| setting.value.clone());
                    let fix = edit::replace_value(tree, &setting, self.good)
                        .map(|e| self.fix(format!("set `{} = {}`", self.key, self.good), e));
                    checker.report(path, edit::report_span(tree, &setting), (self.wrong)(&written, &scopes), fix);
                }
                ValueSource::Override(o) => {
                    let fix = Edit::replace(&o.path, o.span, self.good.to_ascii_lowercase());
                    let fix = self.fix(format!("set it to `{}`", self.good.to_ascii_lowercase()), fix);
                    checker.report(&o.path, o.span, (self.wrong)(&o.written, &scopes), Some(fix));
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

/// "" for php.ini alone, else " for PHP-FPM pool [www], Apache ...".
fn describe(scopes: &[Option<OverrideScope>]) -> String {
    let named: Vec<String> = scopes.iter().flatten().map(ToString::to_string).collect();
    if named.is_empty() { String::new() } else { format!(" (for {})", named.join(", ")) }
}
