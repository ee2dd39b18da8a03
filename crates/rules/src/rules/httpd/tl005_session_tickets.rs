use conflint_core::Model;

use super::edit;
use super::hardening::{insert_tls_line, open_tag_span, vhost_label};
use super::tls::{Use, guideline, uses};
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// For each TLS virtual host, finds session tickets on: the effective
    /// `SSLSessionTickets` is `on`, or (in a tree read from its entry file)
    /// it is set nowhere, and the default since 2.4.11 is on. Mozilla's
    /// intermediate and modern profiles both turn them off.
    ///
    /// ## Why is this bad?
    /// mod_ssl encrypts tickets with a key made at start-up and never
    /// rotates it (unless `SSLSessionTicketKeyFile` is rotated by hand): an
    /// attacker who reads that key from memory or a core dump can decrypt
    /// every recorded TLS 1.2 session since the last restart. That undoes
    /// the forward secrecy ECDHE is chosen for.
    ///
    /// ## Example
    /// ```apache
    /// SSLSessionTickets on
    /// ```
    /// Use instead:
    /// ```apache
    /// SSLSessionTickets off
    /// ```
    ///
    /// ## Fix safety
    /// Only session resumption changes: clients resume from the server's
    /// session cache (`SSLSessionCache`) or do a full handshake. Safe for
    /// an explicit `SSLSessionTickets on`. Adding the directive where it is
    /// missing is unsafe: httpd before 2.4.11 does not know it and refuses
    /// to start, and nothing in a configuration says the patch level.
    pub struct SessionTickets {
        code: "TL005",
        name: "session-tickets",
        severity: Info,
        default_on: true,
        fix: Sometimes,
        references: ["Mozilla TLS 6.0 intermediate"],
        tags: ["mozilla", "tls"],
    }
}

impl Check for SessionTickets {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        let profile = guideline(checker.settings.tls.profile);
        for used in uses(tree, "SSLSessionTickets") {
            match used {
                Use::Explicit { item, .. } => {
                    if edit::first_arg_lower(tree, item) != "on" {
                        continue;
                    }
                    let fix = edit::replace_arg(tree, item, 0, "off")
                        .map(|e| Fix::safe("set `SSLSessionTickets off`", vec![e]));
                    checker.report(
                        edit::path(tree, item),
                        edit::arg_span(tree, item, 0),
                        format!("`SSLSessionTickets on`: mod_ssl never rotates the ticket key, so one leaked key decrypts every session since start-up ({profile}: off)"),
                        fix,
                    );
                }
                Use::Absent(vhost) => {
                    let fix = insert_tls_line(tree, vhost.item, "SSLSessionTickets off").map(|e| {
                        Fix::unsafe_("add `SSLSessionTickets off` (httpd before 2.4.11 does not know it)", vec![e])
                    });
                    checker.report(
                        &tree.file(vhost.file).path,
                        open_tag_span(tree, vhost.item),
                        format!("TLS vhost {} leaves session tickets on (the default since 2.4.11): mod_ssl never rotates the ticket key ({profile}: `SSLSessionTickets off`)", vhost_label(tree, vhost)),
                        fix,
                    );
                }
            }
        }
    }
}
