use conflint_core::Model;
use conflint_core::httpd::directives::problem::ProblemKind;

use super::configtest;
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds an argument httpd refuses while it reads the configuration:
    /// `Options` names and the all-or-none `+`/`-` rule of 2.4,
    /// `AllowOverride`, `ServerTokens`, `ServerSignature`, `TraceEnable`,
    /// `HostnameLookups`, `FileETag`, `LogLevel` (with `module:level`),
    /// `Header`/`RequestHeader` actions, `SSLProtocol`, `Require` providers
    /// (each needs its module: `Unknown Authz provider: ip`), `RewriteRule`
    /// flags, `RewriteCond` arguments, and `<If>` expressions.
    ///
    /// ## Why is this bad?
    /// `apachectl -t` fails with httpd's message (`Either all Options must
    /// start with + or -, or no Option may.`) and httpd does not start.
    ///
    /// ## Example
    /// ```apache
    /// Options Indexes -FollowSymLinks
    /// ```
    /// Use instead:
    /// ```apache
    /// Options +Indexes -FollowSymLinks
    /// ```
    ///
    /// ## Fix safety
    /// No fix: the intended value is for you to decide.
    pub struct InvalidValue {
        code: "HT012",
        name: "invalid-value",
        severity: Error,
        default_on: true,
        fix: None,
    }
}

impl Check for InvalidValue {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        configtest::report(tree, checker, ProblemKind::Value);
    }
}
