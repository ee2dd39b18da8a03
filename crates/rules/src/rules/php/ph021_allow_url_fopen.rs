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
    /// Finds a PHP configuration that serves pages with `allow_url_fopen`
    /// on: set so, or not set at all (PHP's default is on). PHP-FPM pool
    /// and Apache overrides (`php_admin_flag`) count in their scope.
    ///
    /// Off by default: many applications fetch from URLs with
    /// `file_get_contents('https://...')` on purpose. Select `PH021` for a
    /// server whose applications use curl or an HTTP client instead.
    /// Command-line configurations (`.../cli/php.ini`) are not checked.
    ///
    /// ## Why is this bad?
    /// Every file function (`file_get_contents`, `fopen`, `copy`,
    /// `simplexml_load_file`...) then also reaches the network: a path an
    /// attacker controls becomes a request to any server, the metadata
    /// service of the cloud the box runs in included (server-side request
    /// forgery). Lynis (PHP-2376), dev-sec's php-baseline and OWASP's PHP
    /// cheat sheet all ask for it off.
    ///
    /// ## Example
    /// ```ini
    /// allow_url_fopen = On
    /// ```
    /// Use instead:
    /// ```ini
    /// allow_url_fopen = Off
    /// ```
    ///
    /// ## Fix safety
    /// None: code that reads URLs through file functions stops working;
    /// only its owner knows whether any does.
    pub struct AllowUrlFopen {
        code: "PH021",
        name: "allow-url-fopen",
        severity: Warning,
        default_on: false,
        fix: None,
    }
}

impl Check for AllowUrlFopen {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Php(tree) = model else { return };
        if !hardening::serves_pages(tree) {
            return;
        }
        hardening::report_only(checker, |scratch| {
            ScopedSetting {
                key: "allow_url_fopen",
                bad: &|v| php_bool(v),
                default: "1",
                good: "Off",
                applicability: Applicability::Unsafe,
                missing: &|scopes| {
                    format!("`allow_url_fopen` is not set, so PHP uses On: file functions also open URLs{scopes}")
                },
                wrong: &|value, scopes| {
                    format!("`allow_url_fopen = {}` lets file functions open URLs{scopes}", escape_control(value))
                },
            }
            .check(tree, scratch);
        });
    }
}
