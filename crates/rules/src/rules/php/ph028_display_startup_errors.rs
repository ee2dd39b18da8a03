use conflint_core::Model;
use conflint_core::php::directives::PhpVersion;
use conflint_core::php::value::php_bool;
use conflint_core::text::escape_control;

use super::hardening::{self, Verdicts};
use super::ph002_display_errors::display_errors_on;
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Applicability;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds a production PHP configuration that prints PHP's startup
    /// errors into pages: `display_startup_errors` on, or not set on PHP 8.0
    /// and later (the built-in default changed from off to on), in a scope
    /// where `display_errors` is on too. PHP shows startup errors only when
    /// both are on (php-src main.c, `php_error_cb`; checked with PHP 8.2:
    /// with `display_errors` off they go to the log instead), so a server
    /// that keeps `display_errors` off gets no finding.
    ///
    /// The PHP release comes from the path (`/etc/php/7.4/...`,
    /// `/etc/php81/`); a path that names none is taken as the newest PHP 8.
    /// PHP-FPM pool and Apache overrides count in their scope. Not checked:
    /// `php.ini-development` (showing errors is its point) and command-line
    /// configurations (`.../cli/php.ini`), which show no pages.
    ///
    /// ## Why is this bad?
    /// Errors met while starting PHP or a request (an extension that fails
    /// to load, a php.ini line PHP refuses, "POST Content-Length exceeds
    /// the limit") go into the response with paths and versions. A php.ini
    /// written for PHP 7 that relied on the old default starts showing them
    /// after the upgrade to PHP 8.
    ///
    /// ## Example
    /// ```ini
    /// display_errors = On
    /// ```
    /// Use instead:
    /// ```ini
    /// display_errors = On
    /// display_startup_errors = Off
    /// ```
    ///
    /// ## Fix safety
    /// Safe: startup errors then go to the error log (PHP logs them whenever
    /// it does not display them, even with `log_errors` off); only the
    /// pages stop showing them. The fix sets the line to `Off`, or adds
    /// `display_startup_errors = Off` to `[PHP]`. (PH002 reports
    /// `display_errors` itself.)
    pub struct DisplayStartupErrors {
        code: "PH028",
        name: "display-startup-errors",
        severity: Warning,
        default_on: true,
        fix: Safe,
    }
}

impl Check for DisplayStartupErrors {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Php(tree) = model else { return };
        if !hardening::serves_pages(tree) || hardening::is_development(tree) {
            return;
        }
        let version = hardening::version(tree);
        // main.c: "1" since PHP 8.0 (UPGRADING 8.0), "0" before.
        let default = if version >= PhpVersion::new(8, 0) { "1" } else { "0" };
        let bad = hardening::paired(tree, "display_errors", "display_startup_errors")
            .into_iter()
            .filter(|(_, display, startup)| {
                display_errors_on(hardening::stored(display, "1")) && php_bool(hardening::stored(startup, default))
            })
            .map(|(scope, _, startup)| (scope, startup))
            .collect();
        Verdicts {
            key: "display_startup_errors",
            good: "Off",
            applicability: Applicability::Safe,
            missing: &|scopes| {
                format!(
                    "`display_startup_errors` is not set, so PHP {version} uses On (the default since PHP 8.0): with display_errors on, startup errors go into pages{scopes}"
                )
            },
            wrong: &|value, scopes| {
                format!(
                    "`display_startup_errors = {}` with display_errors on prints PHP's startup errors into pages{scopes}",
                    escape_control(value)
                )
            },
        }
        .report(tree, checker, bad);
    }
}
