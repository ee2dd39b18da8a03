use super::edit;
use conflint_core::Model;

use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds `ServerSignature On` or `ServerSignature EMail`, in any
    /// context: server, virtual host, directory or `.htaccess`.
    ///
    /// ## Why is this bad?
    /// Error pages, directory listings and proxy errors then end with a
    /// footer such as `Apache/2.4.41 (Ubuntu) Server at www.example.com Port
    /// 80` (its detail follows `ServerTokens`), and `EMail` adds the
    /// `ServerAdmin` address for spammers. Debian's `security.conf` ships
    /// `ServerSignature On`.
    ///
    /// ## Example
    /// ```apache
    /// ServerSignature On
    /// ```
    /// Use instead:
    /// ```apache
    /// ServerSignature Off
    /// ```
    ///
    /// ## Fix safety
    /// Safe: only the footer of server-generated pages disappears.
    pub struct ServerSignature {
        code: "HT002",
        name: "server-signature",
        severity: Warning,
        default_on: true,
        fix: Safe,
    }
}

impl Check for ServerSignature {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        for id in tree.directives("ServerSignature") {
            let value = tree.item(id).args.first().cloned().unwrap_or_default();
            if !(value.eq_ignore_ascii_case("on") || value.eq_ignore_ascii_case("email")) {
                continue;
            }
            let fix = edit::replace_arg(tree, id, 0, "Off").map(|e| Fix::safe("set `ServerSignature Off`", vec![e]));
            checker.report(
                edit::path(tree, id),
                edit::arg_span(tree, id, 0),
                format!("`ServerSignature {value}` adds the server version (and host) to error pages; use `Off`"),
                fix,
            );
        }
    }
}
