use conflint_core::Model;
use conflint_core::php::value::php_bool;
use conflint_core::text::escape_control;

use super::scoped::ScopedSetting;
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Applicability;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds a PHP configuration whose effective `allow_url_include` is on,
    /// in php.ini and its scan directory or in a PHP-FPM pool or Apache
    /// vhost that overrides it (`php_admin_flag`). PHP's default is off, so
    /// only a line that turns it on is reported, also in a scan-directory
    /// fragment checked alone and in a command-line php.ini. On means what PHP reads as
    /// on: `On`, `yes`, `true`, or a value whose leading integer is not zero.
    ///
    /// ## Why is this bad?
    /// `include`, `require` and their `_once` forms then accept `http://`,
    /// `ftp://` and `data:` URLs: one unvalidated path in an include turns
    /// into running code from another server (remote file inclusion). No
    /// application needs it; PHP deprecated the setting in 7.4. (It only
    /// takes effect while `allow_url_fopen` is on, which is PHP's default.)
    ///
    /// ## Example
    /// ```ini
    /// allow_url_include = On
    /// ```
    /// Use instead:
    /// ```ini
    /// allow_url_include = Off
    /// ```
    ///
    /// ## Fix safety
    /// Safe: the line is set to `Off`. Including a URL is never a legitimate
    /// page's need; local includes are untouched.
    pub struct AllowUrlInclude {
        code: "PH020",
        name: "allow-url-include",
        severity: Error,
        default_on: true,
        fix: Safe,
    }
}

impl Check for AllowUrlInclude {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Php(tree) = model else { return };
        // Every SAPI, and a scan-directory fragment checked alone too: a
        // line that turns this on is wrong wherever it is (a CLI script
        // including an attacker-controlled path is just as exposed).
        ScopedSetting {
            key: "allow_url_include",
            bad: &|v| php_bool(v),
            default: "0",
            good: "Off",
            applicability: Applicability::Safe,
            // The default is off: nothing to report when it is missing.
            missing: &|_| String::new(),
            wrong: &|value, scopes| {
                format!(
                    "`allow_url_include = {}` lets `include` run code fetched from a URL (remote file inclusion){scopes}",
                    escape_control(value)
                )
            },
        }
        .check(tree, checker);
    }
}
