use conflint_core::Model;
use conflint_core::httpd::directives::problem::ProblemKind;

use super::configtest;
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds a directive httpd does not know: misspelled (`RewriteEngin`),
    /// or provided by a module the tree does not load (`RewriteEngine On`
    /// without `LoadModule rewrite_module`). The table of every directive
    /// of httpd 2.4 and 2.2 (and of mod_php, mod_security2, mod_wsgi,
    /// mod_fcgid, Passenger, mod_qos, mod_evasive) is generated from their
    /// sources (`scripts/gen-httpd-directives`). In a tree, the modules it
    /// loads decide (the built-in ones of Debian's apache2 count); a file
    /// checked alone only hears of names no module has; a `LoadModule` of
    /// a module conflint does not know turns unknown names into maybes.
    ///
    /// ## Why is this bad?
    /// `apachectl -t` fails with `Invalid command 'RewriteEngin', perhaps
    /// misspelled or defined by a module not included in the server
    /// configuration`, and httpd does not start (on a reload, it keeps the
    /// old configuration). A UTF-8 byte-order mark before the first
    /// directive of a file is the same error (httpd does not skip it).
    ///
    /// ## Example
    /// ```apache
    /// RewriteEngin On
    /// ```
    /// Use instead:
    /// ```apache
    /// RewriteEngine On
    /// ```
    ///
    /// ## Fix safety
    /// A byte-order mark is removed (a safe fix: httpd refuses the file as
    /// it is, and reads the text it shows once the mark is gone). No fix
    /// for a name: the name meant, or the module to load, is for you to
    /// decide (the message suggests both).
    pub struct UnknownDirective {
        code: "HT010",
        name: "unknown-directive",
        severity: Error,
        default_on: true,
        fix: Sometimes,
    }
}

impl Check for UnknownDirective {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        configtest::report(tree, checker, ProblemKind::UnknownDirective);
    }
}
