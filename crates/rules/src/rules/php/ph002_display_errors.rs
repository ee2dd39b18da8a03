use conflint_core::Model;
use conflint_core::php::Sapi;
use conflint_core::php::value::atoi;
use conflint_core::text::escape_control;

use super::edit;
use super::scoped::ScopedSetting;
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Applicability;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds a production php.ini whose effective `display_errors` is on.
    /// Without the setting PHP uses `1` (on). PHP reads this one setting
    /// its own way: `on`, `yes`, `true`, `stdout` and `stderr` (any case)
    /// turn it on, anything else by its leading integer.
    ///
    /// A `php.ini-development` is left alone: showing errors is its point.
    /// A scan-directory fragment checked alone never gets this finding, and
    /// neither does a command-line configuration (`.../cli/php.ini`,
    /// `php-cli.ini`), which shows no pages. PHP-FPM pool and mod_php
    /// overrides (`php_admin_value[display_errors] = off`, `php_flag
    /// display_errors off`) count as PHP reads them; the finding names each
    /// pool or vhost that shows errors, and the file that decides it.
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
pub(super) fn display_errors_on(value: &str) -> bool {
    let v = value.trim();
    ["on", "yes", "true", "stdout", "stderr"].iter().any(|w| v.eq_ignore_ascii_case(w)) || atoi(value) != 0
}

impl Check for DisplayErrors {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Php(tree) = model else { return };
        let Some((path, _)) = edit::entry_file(tree) else { return };
        if path.file_name().is_some_and(|n| n.to_string_lossy().contains("development"))
            || tree.sapi() == Some(Sapi::Cli)
        {
            return;
        }
        ScopedSetting {
            key: "display_errors",
            bad: &display_errors_on,
            default: "1",
            good: "Off",
            applicability: Applicability::Unsafe,
            missing: &|scopes| format!("`display_errors` is not set, so PHP shows errors in pages (default 1){scopes}"),
            wrong: &|value, scopes| {
                format!(
                    "`display_errors = {}` shows errors in pages on a production server{scopes}",
                    escape_control(value)
                )
            },
        }
        .check(tree, checker);
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
