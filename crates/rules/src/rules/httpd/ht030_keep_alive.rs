use conflint_core::Model;

use super::edit;
use super::hardening::number;
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds keep-alive settings outside CIS Apache 2.4's bounds, in server
    /// or vhost context: `KeepAlive Off` (9.2), `MaxKeepAliveRequests`
    /// below 100 (9.3; 0 means unlimited and passes), `KeepAliveTimeout`
    /// above 15 seconds (9.4). Absent directives use httpd's defaults (On,
    /// 100, 5), which pass.
    ///
    /// ## Why is this bad?
    /// Without keep-alive every request of a page (HTML, CSS, scripts,
    /// images) opens a new TCP and TLS connection: slower pages and many
    /// more handshakes for the server. A long `KeepAliveTimeout` does the
    /// opposite harm: idle connections hold workers (with prefork, a whole
    /// process each) that new clients wait for.
    ///
    /// ## Example
    /// ```apache
    /// KeepAlive Off
    /// KeepAliveTimeout 60
    /// ```
    /// Use instead:
    /// ```apache
    /// KeepAlive On
    /// KeepAliveTimeout 15
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: the fix sets the CIS value (`On`, 100, 15). Turning
    /// keep-alive on with the prefork MPM ties a process to each idle
    /// connection for `KeepAliveTimeout`, which a server sized without it
    /// may not have (see HT005).
    pub struct KeepAlive {
        code: "HT030",
        name: "keep-alive",
        severity: Warning,
        default_on: true,
        fix: Unsafe,
        references: ["CIS Apache 2.4 9.2", "CIS Apache 2.4 9.3", "CIS Apache 2.4 9.4"],
        tags: ["cis", "hardening"],
    }
}

impl Check for KeepAlive {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        for id in tree.directives("KeepAlive") {
            if edit::first_arg_lower(tree, id) != "off" {
                continue;
            }
            let fix = edit::replace_arg(tree, id, 0, "On").map(|e| Fix::unsafe_("set `KeepAlive On`", vec![e]));
            checker.report(
                edit::path(tree, id),
                edit::arg_span(tree, id, 0),
                "`KeepAlive Off`: every request of a page opens a new connection (and TLS handshake) (CIS 9.2)",
                fix,
            );
        }
        for id in tree.directives("MaxKeepAliveRequests") {
            let Some(value) = number(tree, id).filter(|v| *v != 0 && *v < 100) else { continue };
            let fix =
                edit::replace_arg(tree, id, 0, "100").map(|e| Fix::unsafe_("set `MaxKeepAliveRequests 100`", vec![e]));
            checker.report(
                edit::path(tree, id),
                edit::arg_span(tree, id, 0),
                format!("`MaxKeepAliveRequests {value}` closes connections after {value} requests; CIS 9.3 asks for 100 or more"),
                fix,
            );
        }
        for id in tree.directives("KeepAliveTimeout") {
            let Some(value) = number(tree, id).filter(|v| *v > 15) else { continue };
            let fix = edit::replace_arg(tree, id, 0, "15").map(|e| Fix::unsafe_("set `KeepAliveTimeout 15`", vec![e]));
            checker.report(
                edit::path(tree, id),
                edit::arg_span(tree, id, 0),
                format!("`KeepAliveTimeout {value}`: idle connections hold a worker for {value} s; CIS 9.4 asks for 15 or less"),
                fix,
            );
        }
    }
}
