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
    /// `session.cookie_httponly` is off: `0`, `Off`, empty (as upstream's
    /// php.ini-production ships it), or not set (PHP's default is off).
    /// PHP-FPM pool and Apache overrides count in their scope.
    ///
    /// ## Why is this bad?
    /// Without `HttpOnly` the session cookie (`PHPSESSID`) is readable from
    /// JavaScript: one cross-site scripting bug anywhere on the site hands
    /// every visitor's session to the attacker. iniscan, dev-sec's
    /// php-baseline and OWASP all require it.
    ///
    /// ## Example
    /// ```ini
    /// session.cookie_httponly =
    /// ```
    /// Use instead:
    /// ```ini
    /// session.cookie_httponly = 1
    /// ```
    ///
    /// ## Fix safety
    /// Safe: the browser still sends the cookie with every request; only
    /// page scripts stop seeing it, and no application should read the
    /// session id from JavaScript. The fix sets the value to `1`, or adds
    /// `session.cookie_httponly = 1`.
    pub struct SessionCookieHttponly {
        code: "PH023",
        name: "session-cookie-httponly",
        severity: Warning,
        default_on: true,
        fix: Safe,
    }
}

impl Check for SessionCookieHttponly {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Php(tree) = model else { return };
        if !hardening::serves_pages(tree) {
            return;
        }
        ScopedSetting {
            key: "session.cookie_httponly",
            bad: &|v| !php_bool(v),
            default: "0",
            good: "1",
            applicability: Applicability::Safe,
            missing: &|scopes| {
                format!(
                    "`session.cookie_httponly` is not set, so PHP's default (off) lets JavaScript read the session cookie{scopes}"
                )
            },
            wrong: &|value, scopes| {
                let shown = if value.is_empty() { "(empty)".into() } else { escape_control(value) };
                format!(
                    "`session.cookie_httponly = {shown}` is off: JavaScript can read the session cookie, so any XSS steals sessions{scopes}"
                )
            },
        }
        .check(tree, checker);
    }
}
