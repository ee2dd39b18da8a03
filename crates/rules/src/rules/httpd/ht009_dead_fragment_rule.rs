use super::edit;
use conflint_core::Model;

use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds `RewriteCond %{THE_REQUEST} ...#...`, a condition meant to
    /// block URLs with a fragment (`/page#x`).
    ///
    /// ## Why is this bad?
    /// Clients never send the fragment: it is cut off before the request
    /// (RFC 3986 §3.5), and `%23` stays `%23` in `THE_REQUEST`. A raw `#`
    /// only comes from a hand-made request, and httpd answers that with 400
    /// ("URI must not contain a fragment") before mod_rewrite runs, unless
    /// `HttpProtocolOptions Unsafe` is set. The rule never matches: it gives
    /// a false sense of protection and costs a regex per request.
    ///
    /// ## Example
    /// ```apache
    /// RewriteCond %{THE_REQUEST} /#
    /// RewriteRule .* - [F,L]
    /// ```
    ///
    /// ## Fix safety
    /// No fix: remove the rule, or protect what you meant to protect on the
    /// path.
    pub struct DeadFragmentRule {
        code: "HT009",
        name: "dead-fragment-rule",
        severity: Info,
        default_on: true,
        fix: None,
    }
}

impl Check for DeadFragmentRule {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        let unsafe_protocol = tree
            .directives("HttpProtocolOptions")
            .any(|id| tree.item(id).args.iter().any(|a| a.eq_ignore_ascii_case("unsafe")));
        if unsafe_protocol {
            return;
        }
        for id in tree.directives("RewriteCond") {
            let args = &tree.item(id).args;
            let (Some(test), Some(pattern)) = (args.first(), args.get(1)) else { continue };
            if !test.eq_ignore_ascii_case("%{THE_REQUEST}") || !pattern.contains('#') {
                continue;
            }
            checker.report(
                edit::path(tree, id),
                edit::arg_span(tree, id, 1),
                "this condition never matches: clients do not send URL fragments, and httpd answers a raw `#` with 400 before mod_rewrite runs",
                None,
            );
        }
    }
}
