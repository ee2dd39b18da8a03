use conflint_core::Model;
use conflint_core::httpd::{HttpdTree, ItemId};
use conflint_core::php::directives::{Changeable, directive};

use super::edit;
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds `php_value` and `php_flag` (mod_php) naming a PHP setting that
    /// they cannot set: an `INI_SYSTEM` setting (`allow_url_fopen`,
    /// `allow_url_include`, `file_uploads`, `enable_dl`, ...), which only
    /// php.ini and `php_admin_value`/`php_admin_flag` in httpd's own
    /// configuration can set; a php.ini-only setting (`disable_functions`,
    /// `disable_classes`, `expose_php`), which nothing in httpd's
    /// configuration can set; or an `INI_USER` one (scripts only). The
    /// modes come from PHP's directive table (`Changeable` column of the
    /// manual, php-src's registrations).
    ///
    /// ## Why is this bad?
    /// mod_php applies `php_value` with `PHP_INI_PERDIR` rights; PHP refuses
    /// a setting that needs more without a word in any log. The line looks
    /// like hardening (`php_flag allow_url_fopen off`) and does nothing.
    ///
    /// ## Example
    /// ```apache
    /// <VirtualHost *:80>
    ///     php_flag allow_url_fopen off
    /// </VirtualHost>
    /// ```
    /// Use instead:
    /// ```apache
    /// <VirtualHost *:80>
    ///     php_admin_flag allow_url_fopen off
    /// </VirtualHost>
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: renaming to `php_admin_value`/`php_admin_flag` makes a
    /// setting that never applied start applying, which the application was
    /// never run with. No fix in `.htaccess` (httpd refuses `php_admin_*`
    /// there, so the setting belongs in php.ini or the vhost) and none for
    /// php.ini-only and `INI_USER` settings.
    pub struct PhpSettingIgnored {
        code: "HT033",
        name: "php-setting-ignored",
        severity: Warning,
        default_on: true,
        fix: Unsafe,
        tags: ["hardening", "php"],
    }
}

/// Settings the PHP manual marks "php.ini only": read once at start-up, so
/// `php_admin_value` cannot set them either.
const PHP_INI_ONLY: &[&str] = &["disable_functions", "disable_classes", "expose_php"];

impl Check for PhpSettingIgnored {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        for name in ["php_value", "php_flag"] {
            for id in tree.directives(name) {
                check_one(tree, checker, id, name);
            }
        }
    }
}

fn check_one(tree: &HttpdTree, checker: &mut Checker<'_>, id: ItemId, name: &str) {
    let Some(key) = tree.item(id).args.first() else { return };
    let Some(php) = directive(key) else { return };
    let htaccess = edit::path(tree, id).file_name().is_some_and(|f| f == ".htaccess");
    let admin = if name == "php_flag" { "php_admin_flag" } else { "php_admin_value" };
    let (message, fix) = if PHP_INI_ONLY.contains(&php.name) {
        (format!("`{name} {key}` is ignored: `{key}` can only be set in php.ini (not even with `{admin}`)"), None)
    } else {
        match php.changeable {
            Changeable::System if htaccess => (
                format!(
                    "`{name} {key}` is ignored: `{key}` is INI_SYSTEM, settable only in php.ini or with `{admin}` in httpd's configuration (not .htaccess)"
                ),
                None,
            ),
            Changeable::System => {
                let fix = edit::rename(tree, id, admin)
                    .map(|e| Fix::unsafe_(format!("rename to `{admin}` (the setting starts to apply)"), vec![e]));
                (
                    format!(
                        "`{name} {key}` is ignored: `{key}` is INI_SYSTEM, which `{name}` cannot set; use `{admin}`"
                    ),
                    fix,
                )
            }
            Changeable::User => (
                format!("`{name} {key}` is ignored: `{key}` is INI_USER, settable only by scripts (`ini_set()`)"),
                None,
            ),
            _ => return,
        }
    };
    checker.report(edit::path(tree, id), edit::arg_span(tree, id, 0), message, fix);
}
