use conflint_core::Span;
use conflint_core::php::value::php_bool;

use super::edit;
use crate::context::{Checker, Unit};
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Finds a PHP configuration whose effective `expose_php` is on:
    /// php.ini and its scan directory (`conf.d/*.ini`) read in PHP's order,
    /// the last value winning. Without the setting PHP uses `On`. On means
    /// `true`, `yes` or `on` in any case, or a value whose leading integer
    /// is not zero, exactly as PHP evaluates it (so `"off"` quoted, `foo`
    /// and `0x1` are off; `1abc` and `" 1"` are on).
    ///
    /// Only the tree of a main `php.ini` is checked; a scan-directory
    /// fragment checked alone never gets this finding.
    ///
    /// ## Why is this bad?
    /// Every PHP response then carries `X-Powered-By: PHP/8.2.7`, and with
    /// mod_php and `ServerTokens Full` the `Server` header adds
    /// `PHP/8.2.7`: the exact version, for anyone looking for an exploit,
    /// and a finding in every security audit. Upstream's
    /// php.ini-production still ships `expose_php = On`.
    ///
    /// ## Example
    /// ```ini
    /// [PHP]
    /// expose_php = On
    /// ```
    /// Use instead:
    /// ```ini
    /// [PHP]
    /// expose_php = Off
    /// ```
    ///
    /// ## Fix safety
    /// Safe: only the header goes. The fix sets the effective line to
    /// `Off`, or adds `expose_php = Off` in the `[PHP]` section (after a
    /// commented-out `;expose_php` line if there is one).
    pub struct ExposePhp {
        code: "PH001",
        name: "expose-php",
        severity: Warning,
        default_on: true,
        fix: Safe,
    }
}

impl Rule for ExposePhp {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, unit: &Unit<'_>, checker: &mut Checker<'_>) {
        let Unit::Php(tree) = unit else { return };
        if !tree.has_entry() {
            return;
        }
        match tree.effective("expose_php") {
            None => {
                let Some((path, _)) = edit::entry_file(tree) else { return };
                let fix = edit::insert_setting(tree, "expose_php", "Off")
                    .map(|e| Fix::safe("add `expose_php = Off` to [PHP]", vec![e]));
                checker.report(
                    path,
                    Span::empty(0),
                    "`expose_php` is not set, so PHP uses On and sends `X-Powered-By: PHP/<version>`",
                    fix,
                );
            }
            Some(setting) if php_bool(&setting.value) => {
                let Some(path) = tree.path(&setting) else { return };
                let fix =
                    edit::replace_value(tree, &setting, "Off").map(|e| Fix::safe("set `expose_php = Off`", vec![e]));
                checker.report(
                    path,
                    edit::report_span(tree, &setting),
                    "`expose_php` is on: PHP sends `X-Powered-By: PHP/<version>` with every response",
                    fix,
                );
            }
            Some(_) => {}
        }
    }
}
