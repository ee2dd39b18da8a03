use conflint_core::Model;

use super::edit;
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds `SSLCompression on`, in any context.
    ///
    /// ## Why is this bad?
    /// Compressing inside TLS lets an attacker who can inject text into
    /// requests (a script on another site) recover secrets such as session
    /// cookies from the compressed size (CRIME, 2012). The default is off
    /// (on only in 2.4.3), and modern OpenSSL builds have no compression
    /// (CIS Apache 2.4 7.7).
    ///
    /// ## Example
    /// ```apache
    /// SSLCompression on
    /// ```
    /// Use instead:
    /// ```apache
    /// SSLCompression off
    /// ```
    ///
    /// ## Fix safety
    /// Safe: only TLS-level compression stops, which no current client
    /// offers; HTTP compression (mod_deflate) is not affected.
    pub struct TlsCompression {
        code: "TL003",
        name: "tls-compression",
        severity: Warning,
        default_on: true,
        fix: Safe,
        references: ["CIS Apache 2.4 7.7"],
        tags: ["cis", "tls"],
    }
}

impl Check for TlsCompression {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        for id in tree.directives("SSLCompression") {
            if edit::first_arg_lower(tree, id) != "on" {
                continue;
            }
            let fix = edit::replace_arg(tree, id, 0, "off").map(|e| Fix::safe("set `SSLCompression off`", vec![e]));
            checker.report(
                edit::path(tree, id),
                edit::arg_span(tree, id, 0),
                "`SSLCompression on` exposes secrets such as session cookies to the CRIME attack (CIS 7.7)",
                fix,
            );
        }
    }
}
