use conflint_core::Model;
use conflint_core::Span;
use conflint_core::php::Sapi;
use conflint_core::php::value::php_bool;
use conflint_core::text::escape_control;

use super::edit;
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds a php.ini whose effective `enable_dl` is on: set so, or not set
    /// at all (PHP's built-in default is on; upstream's php.ini-production
    /// turns it off).
    ///
    /// Only where `dl()` exists: PHP registers it in the command-line SAPIs
    /// alone (CLI, embed, and `php-cgi` run by hand; php-src `sapi/cli`,
    /// `sapi/embed`, `sapi/cgi`), so a php.ini that sits in a PHP-FPM,
    /// Apache or CGI directory (`/etc/php/8.2/fpm/php.ini`) is not checked,
    /// nor are FPM pool and Apache overrides. A php.ini whose place does not
    /// say (`/etc/php.ini` on RHEL, read by every SAPI) and a CLI one are.
    ///
    /// ## Why is this bad?
    /// `dl()` loads a shared library into the PHP process at run time: a
    /// script that can drop a `.so` where `extension_dir` points runs
    /// native code, past `disable_functions` and `open_basedir`. Lynis
    /// (PHP-2374) and dev-sec's php-baseline both require it off.
    ///
    /// ## Example
    /// ```ini
    /// enable_dl = On
    /// ```
    /// Use instead:
    /// ```ini
    /// enable_dl = Off
    /// ```
    ///
    /// ## Fix safety
    /// Safe: extensions are loaded with `extension=` in php.ini; only a
    /// script calling `dl()` itself is affected, which is what the finding
    /// is about. The fix sets the line to `Off`, or adds `enable_dl = Off`
    /// to `[PHP]`.
    pub struct EnableDl {
        code: "PH022",
        name: "enable-dl",
        severity: Warning,
        default_on: true,
        fix: Safe,
    }
}

impl Check for EnableDl {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Php(tree) = model else { return };
        // dl() is not a function in these SAPIs: the setting does nothing.
        if !tree.has_entry() || matches!(tree.sapi(), Some(Sapi::Fpm | Sapi::Apache2 | Sapi::Cgi)) {
            return;
        }
        match tree.effective("enable_dl") {
            Some(setting) if php_bool(&setting.value) => {
                let Some(path) = tree.path(&setting) else { return };
                let written = tree
                    .entry(&setting)
                    .and_then(|e| e.value.as_ref())
                    .and_then(|v| tree.file(&setting).map(|f| f.text(v.span).into_owned()))
                    .unwrap_or_default();
                let fix =
                    edit::replace_value(tree, &setting, "Off").map(|e| Fix::safe("set `enable_dl = Off`", vec![e]));
                checker.report(
                    path,
                    edit::report_span(tree, &setting),
                    format!("`enable_dl = {}` lets scripts load native extensions with dl()", escape_control(&written)),
                    fix,
                );
            }
            Some(_) => {}
            None => {
                let Some((path, _)) = edit::entry_file(tree) else { return };
                let fix = edit::insert_setting(tree, "enable_dl", "Off")
                    .map(|e| Fix::safe("add `enable_dl = Off` to [PHP]", vec![e]));
                checker.report(
                    path,
                    Span::empty(0),
                    "`enable_dl` is not set, so PHP uses On: scripts may load native extensions with dl()",
                    fix,
                );
            }
        }
    }
}
