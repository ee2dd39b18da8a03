use conflint_core::Model;
use conflint_core::php::value::php_bool;
use conflint_core::php::{OverrideScope, ScopedValue, ValueSource};
use conflint_core::text::escape_control;

use super::edit;
use super::hardening;
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds `session.cookie_samesite = None` written without quotes, in
    /// php.ini, its scan directory or a PHP-FPM pool file (all read with
    /// PHP's ini parser). Only PHP 7.3 and later have the setting; an
    /// Apache `php_value` passes the word through as it is and is fine.
    ///
    /// ## Why is this bad?
    /// PHP's ini parser reads a bare `None` like `Off` or `false`: the
    /// setting becomes empty and the session cookie gets no `SameSite`
    /// attribute at all (`ini_get()` returns ""). Upstream's php.ini says
    /// so: "make sure to include the quotes, as `none` is interpreted like
    /// `false` in ini files". Whoever wrote `None` wanted the cookie sent
    /// on cross-site requests (an embedded app, a payment or SSO return);
    /// browsers that default to `Lax` do not send it there.
    ///
    /// ## Example
    /// ```ini
    /// session.cookie_secure = 1
    /// session.cookie_samesite = None
    /// ```
    /// Use instead:
    /// ```ini
    /// session.cookie_secure = 1
    /// session.cookie_samesite = "None"
    /// ```
    ///
    /// ## Fix safety
    /// Safe where `session.cookie_secure` is on in every scope the line
    /// decides: the fix quotes the value, and the cookie carries the
    /// `SameSite=None` the line asked for (checked with PHP 8.2's built-in
    /// server). Unsafe otherwise: browsers that follow RFC 6265bis (Chrome,
    /// Edge) reject a `SameSite=None` cookie without `Secure`, so quoting
    /// alone would lose the session cookie there; turn on
    /// `session.cookie_secure` (an HTTPS-only site) or choose `Lax`.
    pub struct SessionSamesiteNone {
        code: "PH026",
        name: "session-samesite-none",
        severity: Warning,
        default_on: true,
        fix: Sometimes,
    }
}

/// Whether a value as written is the bare word PHP's ini parser turns into
/// false (`None`, `none`, `NONE`), rather than a quoted string.
fn bare_none(written: &str) -> bool {
    written.trim().eq_ignore_ascii_case("none")
}

impl Check for SessionSamesiteNone {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Php(tree) = model else { return };
        let key = "session.cookie_samesite";
        if !hardening::exists(key, hardening::version(tree)) {
            return;
        }
        let secure: Vec<bool> = tree
            .scoped_values("session.cookie_secure")
            .iter()
            .map(|ScopedValue { source, .. }| php_bool(hardening::stored(source, "0")))
            .collect();
        // Each deciding line once: the scopes it decides, and whether every
        // one of them is Secure.
        let mut lines: Vec<(ValueSource, Vec<Option<OverrideScope>>, bool)> = Vec::new();
        for (i, ScopedValue { scope, source }) in tree.scoped_values(key).into_iter().enumerate() {
            let written = hardening::written(tree, &source, "");
            let is_bug = match &source {
                ValueSource::Default => false,
                // Apache hands mod_php the word as it is: "None" works there.
                ValueSource::Override(o) => o.value.is_empty() && bare_none(&written),
                ValueSource::Ini(s) => s.value.is_empty() && bare_none(&written),
            };
            if !is_bug {
                continue;
            }
            let ok = secure.get(i).copied().unwrap_or(false);
            match lines.iter_mut().find(|(s, _, _)| *s == source) {
                Some((_, scopes, all_secure)) => {
                    scopes.push(scope);
                    *all_secure &= ok;
                }
                None => lines.push((source, vec![scope], ok)),
            }
        }
        for (source, scopes, all_secure) in lines {
            let named: Vec<String> = scopes.iter().flatten().map(ToString::to_string).collect();
            let scopes = if named.is_empty() { String::new() } else { format!(" (for {})", named.join(", ")) };
            let Some((path, span)) = hardening::place(tree, &source) else { continue };
            let edit = match &source {
                ValueSource::Ini(setting) => edit::replace_value(tree, setting, "\"None\""),
                ValueSource::Override(o) => Some(Edit::replace(&o.path, o.span, "\"None\"")),
                ValueSource::Default => None,
            };
            let written = escape_control(&hardening::written(tree, &source, "")).into_owned();
            let (fix, note) = if all_secure {
                (edit.map(|e| Fix::safe("quote it: `\"None\"`", vec![e])), String::new())
            } else {
                (
                    edit.map(|e| Fix::unsafe_("quote it: `\"None\"` (also needs session.cookie_secure = 1)", vec![e])),
                    "; quoting it also needs `session.cookie_secure = 1`: Chrome and other RFC 6265bis browsers reject SameSite=None cookies without Secure".to_string(),
                )
            };
            checker.report(
                path,
                span,
                format!(
                    "`session.cookie_samesite = {written}` without quotes is read as false: the session cookie gets no SameSite attribute{note}{scopes}"
                ),
                fix,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_bare_word() {
        assert!(bare_none("None") && bare_none(" NONE ") && bare_none("none"));
        assert!(!bare_none("\"None\"") && !bare_none("Lax") && !bare_none(""));
    }
}
