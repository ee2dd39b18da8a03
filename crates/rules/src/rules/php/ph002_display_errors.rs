use conflint_core::Span;
use conflint_core::php::value::atoi;

use super::edit;
use crate::context::{Checker, Unit};
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Finds a production php.ini whose effective `display_errors` is on.
    /// Without the setting PHP uses `1` (on). PHP reads this one setting
    /// its own way: `on`, `yes`, `true`, `stdout` and `stderr` (any case)
    /// turn it on, anything else by its leading integer.
    ///
    /// A `php.ini-development` is left alone: showing errors is its point.
    /// A scan-directory fragment checked alone never gets this finding.
    ///
    /// ## Why is this bad?
    /// Error messages go into the page: file paths, SQL fragments, stack
    /// traces, sometimes credentials. PHP's own manual: "This is a feature
    /// to support your development and should never be used on production
    /// systems".
    ///
    /// ## Example
    /// ```ini
    /// display_errors = On
    /// ```
    /// Use instead:
    /// ```ini
    /// display_errors = Off
    /// log_errors = On
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: pages that showed errors stop showing them, which changes
    /// what users (and tests scraping pages) see.
    pub struct DisplayErrors {
        code: "PH002",
        name: "display-errors",
        severity: Warning,
        default_on: true,
        fix: Unsafe,
    }
}

/// php_get_display_errors_mode: the words, then the leading integer.
pub fn display_errors_on(value: &str) -> bool {
    let v = value.trim();
    ["on", "yes", "true", "stdout", "stderr"].iter().any(|w| v.eq_ignore_ascii_case(w)) || atoi(value) != 0
}

impl Rule for DisplayErrors {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, unit: &Unit<'_>, checker: &mut Checker<'_>) {
        let Unit::Php(tree) = unit else { return };
        let Some((path, _)) = edit::entry_file(tree) else { return };
        if path.file_name().is_some_and(|n| n.to_string_lossy().contains("development")) {
            return;
        }
        match tree.effective("display_errors") {
            None => {
                let fix = edit::insert_setting(tree, "display_errors", "Off")
                    .map(|e| Fix::unsafe_("add `display_errors = Off` to [PHP]", vec![e]));
                checker.report(
                    path,
                    Span::empty(0),
                    "`display_errors` is not set, so PHP shows errors in pages (default 1)",
                    fix,
                );
            }
            Some(setting) if display_errors_on(&setting.value) => {
                let Some(at) = tree.path(&setting) else { return };
                let fix = edit::replace_value(tree, &setting, "Off")
                    .map(|e| Fix::unsafe_("set `display_errors = Off`", vec![e]));
                checker.report(
                    at,
                    edit::report_span(tree, &setting),
                    format!("`display_errors = {}` shows errors in pages on a production server", setting.value),
                    fix,
                );
            }
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_errors_words() {
        for on in ["1", "On", "stderr", "STDOUT", "2", "yes"] {
            assert!(display_errors_on(on), "{on}");
        }
        for off in ["", "0", "Off", "foo", "no"] {
            assert!(!display_errors_on(off), "{off}");
        }
    }
}
