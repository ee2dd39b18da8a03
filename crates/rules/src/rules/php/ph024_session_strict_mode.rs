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
    /// Finds a PHP configuration that serves pages whose
    /// `session.use_strict_mode` is off: `0` (as upstream's php.ini files
    /// ship it) or not set (PHP's default is off). PHP-FPM pool and Apache
    /// overrides count in their scope.
    ///
    /// ## Why is this bad?
    /// Without strict mode PHP accepts a session id it never issued: an
    /// attacker plants `PHPSESSID=chosen-by-me` in the victim's browser,
    /// waits for the login, and owns the session (session fixation). The
    /// PHP manual: "session.use_strict_mode=On is mandatory for secure
    /// sessions. It is disabled by default."
    ///
    /// ## Example
    /// ```ini
    /// session.use_strict_mode = 0
    /// ```
    /// Use instead:
    /// ```ini
    /// session.use_strict_mode = 1
    /// ```
    ///
    /// ## Fix safety
    /// Safe: ids PHP issued keep working; an unknown id gets a fresh
    /// session instead of being adopted. The fix sets the value to `1`, or
    /// adds `session.use_strict_mode = 1`.
    pub struct SessionStrictMode {
        code: "PH024",
        name: "session-strict-mode",
        severity: Warning,
        default_on: true,
        fix: Safe,
    }
}

impl Check for SessionStrictMode {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Php(tree) = model else { return };
        if !hardening::serves_pages(tree) {
            return;
        }
        ScopedSetting {
            key: "session.use_strict_mode",
            bad: &|v| !php_bool(v),
            default: "0",
            good: "1",
            applicability: Applicability::Safe,
            missing: &|scopes| {
                format!(
                    "`session.use_strict_mode` is not set, so PHP's default (off) adopts session ids it never issued (session fixation){scopes}"
                )
            },
            wrong: &|value, scopes| {
                let shown = if value.is_empty() { "(empty)".into() } else { escape_control(value) };
                format!(
                    "`session.use_strict_mode = {shown}` is off: PHP adopts session ids it never issued (session fixation){scopes}"
                )
            },
        }
        .check(tree, checker);
    }
}
