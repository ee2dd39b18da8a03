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
    /// Finds a PHP configuration that serves pages and lets session ids
    /// travel in URLs: `session.use_only_cookies` off (PHP's default is on)
    /// or `session.use_trans_sid` on (PHP's default is off). PHP-FPM pool
    /// and Apache overrides count in their scope. Both settings are
    /// deprecated in PHP 8.4.
    ///
    /// ## Why is this bad?
    /// PHP then accepts `?PHPSESSID=...` from the URL (and with
    /// `use_trans_sid` writes it into every link): the id leaks through
    /// `Referer` headers, logs, browser history and shared links, and an
    /// attacker can hand a victim a link with a session id of their choosing
    /// (session fixation).
    ///
    /// ## Example
    /// ```ini
    /// session.use_only_cookies = 0
    /// session.use_trans_sid = 1
    /// ```
    /// Use instead:
    /// ```ini
    /// session.use_only_cookies = 1
    /// session.use_trans_sid = 0
    /// ```
    ///
    /// ## Fix safety
    /// Safe: sessions keep working through the cookie; only visitors who
    /// refuse cookies lose the URL fallback, which is what the finding is
    /// about. The fix sets `session.use_only_cookies = 1` and
    /// `session.use_trans_sid = 0` on the lines that say otherwise.
    pub struct SessionUrlIds {
        code: "PH025",
        name: "session-url-ids",
        severity: Warning,
        default_on: true,
        fix: Safe,
    }
}

impl Check for SessionUrlIds {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Php(tree) = model else { return };
        if !hardening::serves_pages(tree) {
            return;
        }
        ScopedSetting {
            key: "session.use_only_cookies",
            bad: &|v| !php_bool(v),
            default: "1",
            good: "1",
            applicability: Applicability::Safe,
            // The default is on: a missing line is fine.
            missing: &|_| String::new(),
            wrong: &|value, scopes| {
                let shown = if value.is_empty() { "(empty)".into() } else { escape_control(value) };
                format!(
                    "`session.use_only_cookies = {shown}` makes PHP accept session ids from the URL (leaks through Referer and logs; session fixation){scopes}"
                )
            },
        }
        .check(tree, checker);
        ScopedSetting {
            key: "session.use_trans_sid",
            bad: &|v| php_bool(v),
            default: "0",
            good: "0",
            applicability: Applicability::Safe,
            missing: &|_| String::new(),
            wrong: &|value, scopes| {
                format!(
                    "`session.use_trans_sid = {}` writes the session id into URLs (leaks through Referer and logs; session fixation){scopes}",
                    escape_control(value)
                )
            },
        }
        .check(tree, checker);
    }
}
