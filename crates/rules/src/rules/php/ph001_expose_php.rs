use conflint_core::Model;
use conflint_core::php::Sapi;
use conflint_core::php::value::php_bool;
use conflint_core::text::escape_control;

use super::scoped::ScopedSetting;
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Applicability;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds a PHP configuration whose effective `expose_php` is on:
    /// php.ini and its scan directory (`conf.d/*.ini`) read in PHP's order,
    /// the last value winning. Without the setting PHP uses `On`. On means
    /// `true`, `yes` or `on` in any case, or a value whose leading integer
    /// is not zero, exactly as PHP evaluates it (so `"off"` quoted, `foo`
    /// and `0x1` are off; `1abc` and `" 1"` are on).
    ///
    /// Overrides count where PHP reads them: `php_admin_flag[expose_php]`
    /// in a PHP-FPM pool (`pool.d/*.conf`, `php-fpm.d/*.conf`) next to the
    /// php.ini, and `php_admin_flag expose_php` in an httpd tree of the same
    /// run for mod_php (`php_flag` cannot set it: it is `PHP_INI_SYSTEM`).
    /// A pool or vhost that turns it off is fine; the finding names each
    /// pool or vhost left on, and the file that decides it.
    ///
    /// Only the tree of a main `php.ini` is checked; a scan-directory
    /// fragment checked alone never gets this finding, and neither does a
    /// command-line configuration (`.../cli/php.ini`, `php-cli.ini`): the
    /// CLI sends no headers.
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

impl Check for ExposePhp {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Php(tree) = model else { return };
        if !tree.has_entry() || tree.sapi() == Some(Sapi::Cli) {
            return;
        }
        ScopedSetting {
            key: "expose_php",
            bad: &|v| php_bool(v),
            default: "1",
            good: "Off",
            applicability: Applicability::Safe,
            missing: &|scopes| {
                format!("`expose_php` is not set, so PHP uses On and sends `X-Powered-By: PHP/<version>`{scopes}")
            },
            wrong: &|value, scopes| {
                format!(
                    "`expose_php = {}` is on: PHP sends `X-Powered-By: PHP/<version>` with every response{scopes}",
                    escape_control(value)
                )
            },
        }
        .check(tree, checker);
    }
}
