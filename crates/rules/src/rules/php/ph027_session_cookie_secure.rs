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
    /// `session.cookie_secure` is off (set so, or not set: PHP's default is
    /// off). PHP-FPM pool and Apache overrides count in their scope.
    ///
    /// Off by default: it is right only for sites served over HTTPS alone,
    /// which a php.ini cannot tell. Select `PH027` for such servers.
    ///
    /// ## Why is this bad?
    /// Without `Secure` the browser also sends the session cookie over plain
    /// HTTP: one `http://` link or a network attacker forcing one, and the
    /// session id crosses the network in clear text.
    ///
    /// ## Example
    /// ```ini
    /// session.cookie_secure = 0
    /// ```
    /// Use instead:
    /// ```ini
    /// session.cookie_secure = 1
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: on a site that is also served over plain HTTP, sessions stop
    /// working there (the browser keeps the cookie to itself).
    pub struct SessionCookieSecure {
        code: "PH027",
        name: "session-cookie-secure",
        severity: Warning,
        default_on: false,
        fix: Unsafe,
    }
}

impl Check for SessionCookieSecure {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Php(tree) = model else { return };
        if !hardening::serves_pages(tree) {
            return;
        }
        ScopedSetting {
            key: "session.cookie_secure",
            bad: &|v| !php_bool(v),
            default: "0",
            good: "1",
            applicability: Applicability::Unsafe,
            missing: &|scopes| {
                format!(
                    "`session.cookie_secure` is not set, so the session cookie is also sent over plain HTTP{scopes}"
                )
            },
            wrong: &|value, scopes| {
                let shown = if value.is_empty() { "(empty)".into() } else { escape_control(value) };
                format!("`session.cookie_secure = {shown}` lets the session cookie travel over plain HTTP{scopes}")
            },
        }
        .check(tree, checker);
    }
}
