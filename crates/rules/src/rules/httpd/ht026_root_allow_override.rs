use conflint_core::Model;

use super::edit;
use super::ht025_root_not_denied::root_directories;
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds `AllowOverride` other than `None` in `<Directory "/">` (the
    /// last one of them decides, as httpd merges them in order).
    ///
    /// ## Why is this bad?
    /// `AllowOverride` in the root applies to every directory below it
    /// that does not set its own: httpd then looks for `.htaccess` in
    /// every directory of every request's path (`/.htaccess`,
    /// `/var/.htaccess`...), and honours what anyone who can write a file
    /// there says, up to turning off access control. CIS Apache 2.4 4.3
    /// asks for `AllowOverride None` in the root; grant overrides only in
    /// the directories of the sites that need them.
    ///
    /// ## Example
    /// ```apache
    /// <Directory />
    ///     AllowOverride All
    ///     Require all denied
    /// </Directory>
    /// ```
    /// Use instead:
    /// ```apache
    /// <Directory />
    ///     AllowOverride None
    ///     Require all denied
    /// </Directory>
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: the fix sets `AllowOverride None`, and a site whose own
    /// `<Directory>` does not set `AllowOverride` stops reading its
    /// `.htaccess` (rewrite rules, authentication); give those sites their
    /// own `AllowOverride` first.
    pub struct RootAllowOverride {
        code: "HT026",
        name: "root-allow-override",
        severity: Warning,
        default_on: true,
        fix: Unsafe,
        references: ["CIS Apache 2.4 4.3"],
        tags: ["cis", "hardening"],
    }
}

impl Check for RootAllowOverride {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        let last =
            root_directories(tree).into_iter().filter_map(|root| tree.section_value(root, "AllowOverride")).next_back();
        let Some(id) = last else { return };
        let value = tree.item(id).args.join(" ");
        if value.eq_ignore_ascii_case("none") {
            return;
        }
        let fix = super::hardening::replace_args(tree, id, "None").map(|e| {
            Fix::unsafe_("set `AllowOverride None` (sites that use .htaccess need their own AllowOverride)", vec![e])
        });
        checker.report(
            edit::path(tree, id),
            edit::directive_span(tree, id),
            format!("`AllowOverride {value}` in `<Directory \"/\">`: every directory without its own AllowOverride reads .htaccess files anyone who can write there controls (CIS 4.3)"),
            fix,
        );
    }
}
