use conflint_core::Model;
use conflint_core::php::value::php_bool;
use conflint_core::text::escape_control;

use super::hardening;
use super::scoped::ScopedSetting;
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Applicability;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds a production PHP configuration (7.4 or later, where the
    /// setting exists) whose `zend.exception_ignore_args` is off: set so, or
    /// not set (PHP's built-in default is off; upstream's
    /// php.ini-production turns it on). PHP-FPM pool and Apache overrides
    /// count in their scope. `php.ini-development` and command-line
    /// configurations are not checked.
    ///
    /// ## Why is this bad?
    /// Stack traces then carry the arguments of every call: the password
    /// passed to `login()`, the API key passed to a client, whole records.
    /// Traces end up in logs, error trackers and, with `display_errors`
    /// on, in pages.
    ///
    /// ## Example
    /// ```ini
    /// zend.exception_ignore_args = Off
    /// ```
    /// Use instead:
    /// ```ini
    /// zend.exception_ignore_args = On
    /// ```
    ///
    /// ## Fix safety
    /// Safe: only the argument values leave the traces; what ran and where
    /// is still there. The fix sets the line to `On`, or adds
    /// `zend.exception_ignore_args = On` to `[PHP]`.
    pub struct ExceptionIgnoreArgs {
        code: "PH034",
        name: "exception-ignore-args",
        severity: Info,
        default_on: true,
        fix: Safe,
    }
}

impl Check for ExceptionIgnoreArgs {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Php(tree) = model else { return };
        let key = "zend.exception_ignore_args";
        if !hardening::serves_pages(tree)
            || hardening::is_development(tree)
            || !hardening::exists(key, hardening::version(tree))
        {
            return;
        }
        ScopedSetting {
            key,
            bad: &|v| !php_bool(v),
            default: "0",
            good: "On",
            applicability: Applicability::Safe,
            missing: &|scopes| {
                format!(
                    "`zend.exception_ignore_args` is not set, so PHP's default (off) puts call arguments (passwords, keys) into stack traces{scopes}"
                )
            },
            wrong: &|value, scopes| {
                let shown = if value.is_empty() { "(empty)".into() } else { escape_control(value) };
                format!(
                    "`zend.exception_ignore_args = {shown}` puts call arguments (passwords, keys) into stack traces{scopes}"
                )
            },
        }
        .check(tree, checker);
    }
}
