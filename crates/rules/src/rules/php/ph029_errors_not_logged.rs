use conflint_core::Model;
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
    /// Finds a PHP configuration where errors go nowhere: `display_errors`
    /// off and `log_errors` off, or not set (PHP's built-in default for
    /// `log_errors` is off; upstream's php.ini files turn it on), in the
    /// same scope. PHP-FPM pool and Apache overrides count in their scope.
    /// Every SAPI is checked: a cron job whose errors vanish is as blind.
    ///
    /// ## Why is this bad?
    /// A fatal error then leaves a blank page or a 500 and no trace
    /// anywhere: the failure cannot be diagnosed, and attacks probing for
    /// errors go unnoticed. (Only errors PHP meets while starting are still
    /// logged.)
    ///
    /// ## Example
    /// ```ini
    /// display_errors = Off
    /// log_errors = Off
    /// ```
    /// Use instead:
    /// ```ini
    /// display_errors = Off
    /// log_errors = On
    /// ```
    ///
    /// ## Fix safety
    /// Safe: errors are written to `error_log`, or when that is unset to the
    /// server's own error log (Apache's, PHP-FPM's or the web server's via
    /// FastCGI, stderr for the CLI); no response changes. The fix sets the
    /// line to `On`, or adds `log_errors = On` to `[PHP]`.
    pub struct ErrorsNotLogged {
        code: "PH029",
        name: "errors-not-logged",
        severity: Warning,
        default_on: true,
        fix: Safe,
    }
}

impl Check for ErrorsNotLogged {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Php(tree) = model else { return };
        if !tree.has_entry() {
            return;
        }
        let bad = hardening::paired(tree, "display_errors", "log_errors")
            .into_iter()
            .filter(|(_, display, log)| {
                !display_errors_on(hardening::stored(display, "1")) && !php_bool(hardening::stored(log, "0"))
            })
            .map(|(scope, _, log)| (scope, log))
            .collect();
        Verdicts {
            key: "log_errors",
            good: "On",
            applicability: Applicability::Safe,
            missing: &|scopes| {
                format!(
                    "`display_errors` is off and `log_errors` is not set (PHP's default is off): errors are neither shown nor logged{scopes}"
                )
            },
            wrong: &|value, scopes| {
                let shown = if value.is_empty() { "(empty)".into() } else { escape_control(value) };
                format!(
                    "`log_errors = {shown}` while `display_errors` is off: errors are neither shown nor logged{scopes}"
                )
            },
        }
        .report(tree, checker, bad);
    }
}
