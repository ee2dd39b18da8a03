use conflint_core::Model;
use conflint_core::httpd::directives::problem::ProblemKind;

use super::configtest;
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds a directive with the wrong number of arguments for how httpd
    /// reads it (`TAKE1`, `TAKE12`, `ITERATE`, `FLAG`...: `ServerTokens
    /// Prod extra`, `Listen` with none, `AddType text/html`), and a `FLAG`
    /// directive whose value is not `On` or `Off` (`KeepAlive maybe`).
    /// Words are split as httpd splits them: any white space byte,
    /// carriage return included.
    ///
    /// ## Why is this bad?
    /// `apachectl -t` fails (`ServerTokens takes one argument, Tweak the
    /// Server response header`) and httpd does not start.
    ///
    /// ## Example
    /// ```apache
    /// KeepAlive maybe
    /// ```
    /// Use instead:
    /// ```apache
    /// KeepAlive On
    /// ```
    ///
    /// ## Fix safety
    /// No fix.
    pub struct DirectiveArguments {
        code: "HT011",
        name: "directive-arguments",
        severity: Error,
        default_on: true,
        fix: None,
    }
}

impl Check for DirectiveArguments {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        configtest::report(tree, checker, ProblemKind::Arguments);
    }
}
