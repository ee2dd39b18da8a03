use conflint_core::Model;
use conflint_core::php::value::php_bool;
use conflint_core::php::{OverrideScope, Sapi};
use conflint_core::text::escape_control;

use super::scoped::ScopedSetting;
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Applicability;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds a PHP-FPM or CGI/FastCGI configuration whose `cgi.fix_pathinfo`
    /// is on: `1`, or not set (PHP's default is `1`). A configuration counts
    /// as FPM or CGI when its path says so (`/etc/php/8.2/fpm/php.ini`,
    /// `php-fpm.ini`, `.../cgi/php.ini`) or when PHP-FPM pool files sit next
    /// to it; mod_php and the CLI do not read the setting. Pool overrides
    /// (`php_admin_value[cgi.fix_pathinfo]`) count in their pool.
    ///
    /// ## Why is this bad?
    /// With it on, PHP "fixes" a request for `/uploads/avatar.jpg/x.php` by
    /// walking back to the file that exists and running `avatar.jpg` as PHP.
    /// Behind a web server that hands every `*.php` URL to PHP (the classic
    /// NGINX `location ~ \.php$`), an uploaded image with PHP inside becomes
    /// code execution. PHP's own NGINX install guide sets it to 0. PHP-FPM's
    /// `security.limit_extensions` (default `.php .phar`) blocks the
    /// classic case; this closes it at the source.
    ///
    /// ## Example
    /// ```ini
    /// cgi.fix_pathinfo = 1
    /// ```
    /// Use instead:
    /// ```ini
    /// cgi.fix_pathinfo = 0
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: applications that route through `PATH_INFO`
    /// (`/index.php/some/route`) depend on PHP filling it in; check them, or
    /// the web server's own `fastcgi_split_path_info`, first.
    pub struct CgiFixPathinfo {
        code: "PH030",
        name: "cgi-fix-pathinfo",
        severity: Warning,
        default_on: true,
        fix: Unsafe,
    }
}

impl Check for CgiFixPathinfo {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Php(tree) = model else { return };
        let fastcgi = matches!(tree.sapi(), Some(Sapi::Fpm | Sapi::Cgi))
            || (tree.sapi().is_none()
                && tree
                    .scoped_values("cgi.fix_pathinfo")
                    .iter()
                    .any(|v| matches!(v.scope, Some(OverrideScope::Pool(_)))));
        if !tree.has_entry() || !fastcgi {
            return;
        }
        ScopedSetting {
            key: "cgi.fix_pathinfo",
            bad: &|v| php_bool(v),
            default: "1",
            good: "0",
            applicability: Applicability::Unsafe,
            missing: &|scopes| {
                format!(
                    "`cgi.fix_pathinfo` is not set, so PHP uses 1: a request for `/upload.jpg/x.php` can run `upload.jpg` as PHP{scopes}"
                )
            },
            wrong: &|value, scopes| {
                format!(
                    "`cgi.fix_pathinfo = {}` lets a request for `/upload.jpg/x.php` run `upload.jpg` as PHP{scopes}",
                    escape_control(value)
                )
            },
        }
        .check(tree, checker);
    }
}
