use conflint_core::Model;

use super::edit;
use super::hardening::number;
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::Check;

/// Above this, `Timeout` is far above httpd's default of 60 and the 300
/// that Debian and 2.2-era configurations ship.
const FAR_ABOVE: u64 = 300;

declare_rule! {
    /// ## What it does
    /// Finds `Timeout` above 300 seconds, in server or vhost context.
    /// httpd's default is 60, and 300 is what Debian and many 2.2-era
    /// configurations ship. CIS Apache 2.4 9.1 asks for 10 or less; that
    /// strict limit is HT031, off by default, since it breaks slow back ends
    /// behind `ProxyPass`.
    ///
    /// ## Why is this bad?
    /// `Timeout` bounds how long httpd waits for each read and write of a
    /// request, a response and a proxied back end. A long one lets slow or
    /// stalled clients hold workers for minutes; a few hundred of them fill
    /// `MaxRequestWorkers`.
    ///
    /// ## Example
    /// ```apache
    /// Timeout 1200
    /// ```
    /// Use instead:
    /// ```apache
    /// Timeout 60
    /// ```
    /// and, for one slow back end, `ProxyPass ... timeout=600` on that
    /// back end only.
    ///
    /// ## Fix safety
    /// Unsafe: the fix sets httpd's default, 60; a back end or upload that
    /// needs longer fails with a 504 or a cut connection.
    pub struct Timeout {
        code: "HT029",
        name: "timeout",
        severity: Warning,
        default_on: true,
        fix: Unsafe,
        references: ["CIS Apache 2.4 9.1"],
        tags: ["cis", "hardening"],
    }
}

impl Check for Timeout {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        for id in tree.directives("Timeout") {
            let Some(value) = number(tree, id).filter(|v| *v > FAR_ABOVE) else { continue };
            let fix = edit::replace_arg(tree, id, 0, "60")
                .map(|e| Fix::unsafe_("set `Timeout 60` (httpd's default)", vec![e]));
            checker.report(
                edit::path(tree, id),
                edit::arg_span(tree, id, 0),
                format!("`Timeout {value}` is far above httpd's default of 60: stalled clients hold workers for {value} s per read (CIS 9.1)"),
                fix,
            );
        }
    }
}
