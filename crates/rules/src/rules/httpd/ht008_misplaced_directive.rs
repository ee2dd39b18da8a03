use conflint_core::Model;
use conflint_core::httpd::directives::problem::ProblemKind;

use super::configtest;
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds a directive or section in a place httpd refuses, with httpd's
    /// own error text, from the directive table's contexts (`RSRC_CONF`,
    /// `ACCESS_CONF`, `OR_*`) and the checks httpd's handlers make:
    /// `ServerTokens` or `MaxRequestWorkers` inside `<VirtualHost>`,
    /// `ServerName` inside `<Directory>`, `ServerAlias` outside a vhost,
    /// `Require` bare in a `<VirtualHost>`, `ProxyPass` inside
    /// `<Directory>`, sections that cannot nest (`<Location>` in
    /// `<Location>`, `<Directory>` in `<Location>`), and directives an
    /// `.htaccess` file may not hold. Values httpd refuses are HT012.
    ///
    /// ## Why is this bad?
    /// `apachectl -t` fails and httpd does not start (or, on reload, keeps
    /// the old configuration while you believe the new one is live). A
    /// catch-all vhost written with a bare `Require all denied` is the
    /// classic case.
    ///
    /// ## Example
    /// ```apache
    /// <VirtualHost *:80>
    ///     ServerName catchall.invalid
    ///     Require all denied
    /// </VirtualHost>
    /// ```
    /// Use instead:
    /// ```apache
    /// <VirtualHost *:80>
    ///     ServerName catchall.invalid
    ///     <Location "/">
    ///         Require all denied
    ///     </Location>
    /// </VirtualHost>
    /// ```
    ///
    /// ## Fix safety
    /// No fix: where the directive should go depends on what you meant.
    pub struct MisplacedDirective {
        code: "HT008",
        name: "misplaced-directive",
        severity: Error,
        default_on: true,
        fix: None,
    }
}

impl Check for MisplacedDirective {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        configtest::report(tree, checker, ProblemKind::Context);
    }
}
