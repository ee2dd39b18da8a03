use conflint_core::Model;

use super::edit;
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds `SSLInsecureRenegotiation on`, in any context.
    ///
    /// ## Why is this bad?
    /// It allows renegotiation with clients that lack the secure
    /// renegotiation extension (RFC 5746), which lets a man-in-the-middle
    /// splice its own request in front of the victim's
    /// (CVE-2009-3555). The default is off; every client of the last decade
    /// supports RFC 5746 (CIS Apache 2.4 7.6).
    ///
    /// ## Example
    /// ```apache
    /// SSLInsecureRenegotiation on
    /// ```
    /// Use instead:
    /// ```apache
    /// SSLInsecureRenegotiation off
    /// ```
    ///
    /// ## Fix safety
    /// Safe: only clients without RFC 5746 (pre-2010 TLS libraries) lose
    /// renegotiation, which is what the finding is about.
    pub struct InsecureRenegotiation {
        code: "TL004",
        name: "insecure-renegotiation",
        severity: Warning,
        default_on: true,
        fix: Safe,
        references: ["CIS Apache 2.4 7.6"],
        tags: ["cis", "tls"],
    }
}

impl Check for InsecureRenegotiation {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        for id in tree.directives("SSLInsecureRenegotiation") {
            if edit::first_arg_lower(tree, id) != "on" {
                continue;
            }
            let fix =
                edit::replace_arg(tree, id, 0, "off").map(|e| Fix::safe("set `SSLInsecureRenegotiation off`", vec![e]));
            checker.report(
                edit::path(tree, id),
                edit::arg_span(tree, id, 0),
                "`SSLInsecureRenegotiation on` allows renegotiation without RFC 5746, open to request splicing (CVE-2009-3555, CIS 7.6)",
                fix,
            );
        }
    }
}
