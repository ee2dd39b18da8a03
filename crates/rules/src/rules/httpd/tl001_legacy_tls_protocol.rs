use conflint_core::Model;
use conflint_core::httpd::{HttpdTree, Vhost};

use super::edit;
use super::hardening::{insert_tls_line, open_tag_span, replace_args, vhost_label};
use super::tls::{
    DEFAULT_PROTOCOLS, Use, guideline, legacy, protocol_line, protocol_names, protocols, sni_followers, uses,
};
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// For each TLS virtual host (`SSLEngine on`, or a certificate on a
    /// `Listen ... https` port), computes the effective `SSLProtocol` as
    /// mod_ssl does (the vhost's own, else the main server's; `+X` adds,
    /// `-X` removes, a bare word replaces) and finds SSLv3, TLSv1 or
    /// TLSv1.1 still enabled; with `[tls] profile = "modern"`, TLSv1.2 too.
    /// Without the directive httpd uses `all -SSLv3`, which still enables
    /// TLS 1.0 and 1.1, so a tree read from its entry file is reported for
    /// each TLS vhost that sets it nowhere.
    ///
    /// Before OpenSSL 1.1.1, the first vhost of an address decides the
    /// protocols of every name-based vhost on it: the message of such a
    /// vhost names the vhosts that follow it.
    ///
    /// ## Why is this bad?
    /// TLS 1.0 and 1.1 were deprecated in 2021 (RFC 8996): SHA-1 in the
    /// handshake, CBC padding attacks (BEAST, POODLE on SSLv3), no AEAD
    /// ciphers. Browsers no longer use them, PCI DSS forbids them, and a
    /// downgrade-capable client can be pushed to them (CIS Apache 2.4 7.4;
    /// Mozilla TLS guideline 6.0 intermediate: TLS 1.2 and 1.3 only). On
    /// OpenSSL 3 they only work at `@SECLEVEL=0`, but the configuration
    /// still asks for them where it runs on an older OpenSSL.
    ///
    /// ## Example
    /// ```apache
    /// SSLProtocol all -SSLv3
    /// ```
    /// Use instead:
    /// ```apache
    /// SSLProtocol -all +TLSv1.2 +TLSv1.3
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: clients that cannot do TLS 1.2 (Android 4.3 and older,
    /// Java 6, Windows XP/Vista browsers, old embedded devices and
    /// payment terminals) can no longer connect. The fix sets the profile's
    /// line on the directive that decides (a server-level one changes
    /// every vhost that inherits it, which the message lists), or adds it
    /// after the vhost's `SSLEngine` line. `+TLSv1.3` needs httpd 2.4.36
    /// and OpenSSL 1.1.1; `apache2 -t` verifies the result on the machine
    /// that runs conflint.
    pub struct LegacyTlsProtocol {
        code: "TL001",
        name: "legacy-tls-protocol",
        severity: Warning,
        default_on: true,
        fix: Unsafe,
        references: ["CIS Apache 2.4 7.4", "Mozilla TLS 6.0 intermediate"],
        tags: ["cis", "mozilla", "tls"],
    }
}

impl Check for LegacyTlsProtocol {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        let profile = checker.settings.tls.profile;
        let refused = legacy(profile);
        let line = protocol_line(profile);
        for used in uses(tree, "SSLProtocol") {
            match used {
                Use::Explicit { item, vhosts } => {
                    let Some(set) = protocols(&tree.item(item).args) else { continue };
                    let bad = set & refused;
                    if bad == 0 {
                        continue;
                    }
                    let mut message = format!(
                        "`SSLProtocol {}` enables {} ({}: {}; CIS 7.4)",
                        tree.item(item).args.join(" "),
                        protocol_names(bad),
                        guideline(profile),
                        protocol_names(!refused & 0x1f)
                    );
                    message.push_str(&scope_note(tree, tree.context(item).is_none(), &vhosts));
                    let fix = replace_args(tree, item, line).map(|e| fix(line, e));
                    checker.report(edit::path(tree, item), edit::directive_span(tree, item), message, fix);
                }
                Use::Absent(vhost) => {
                    let bad = DEFAULT_PROTOCOLS & refused;
                    if bad == 0 {
                        continue;
                    }
                    let mut message = format!(
                        "TLS vhost {} sets no `SSLProtocol`, so httpd uses `all -SSLv3`, which enables {} ({}; CIS 7.4)",
                        vhost_label(tree, vhost),
                        protocol_names(bad),
                        guideline(profile)
                    );
                    message.push_str(&sni_note(tree, vhost));
                    let fix = insert_tls_line(tree, vhost.item, &format!("SSLProtocol {line}")).map(|e| fix(line, e));
                    checker.report(&tree.file(vhost.file).path, open_tag_span(tree, vhost.item), message, fix);
                }
            }
        }
    }
}

fn fix(line: &str, edit: crate::diagnostic::Edit) -> Fix {
    Fix::unsafe_(format!("set `SSLProtocol {line}` (clients without TLS 1.2 can no longer connect)"), vec![edit])
}

/// Which vhosts a directive decides for, and the SNI caveat.
fn scope_note(tree: &HttpdTree, server_level: bool, vhosts: &[&Vhost]) -> String {
    let mut note = String::new();
    if server_level && !vhosts.is_empty() {
        let names: Vec<String> = vhosts.iter().map(|v| vhost_label(tree, v)).collect();
        note.push_str(&format!("; it applies to {}", names.join(", ")));
        // Vhosts with their own line still get this one through their
        // address's first vhost when OpenSSL is older than 1.1.1.
        let mut followers: Vec<String> = Vec::new();
        for vhost in vhosts {
            for f in sni_followers(tree, vhost) {
                let label = vhost_label(tree, f);
                if !vhosts.iter().any(|v| v.item == f.item) && !followers.contains(&label) {
                    followers.push(label);
                }
            }
        }
        if !followers.is_empty() {
            note.push_str(&format!(
                ", and with OpenSSL before 1.1.1 also to {} (the first vhost of an address decides)",
                followers.join(", ")
            ));
        }
    } else if let Some(vhost) = vhosts.first().filter(|_| !server_level) {
        note.push_str(&sni_note(tree, vhost));
    }
    note
}

fn sni_note(tree: &HttpdTree, vhost: &Vhost) -> String {
    let followers = sni_followers(tree, vhost);
    if followers.is_empty() {
        return String::new();
    }
    let names: Vec<String> = followers.iter().map(|v| vhost_label(tree, v)).collect();
    format!(
        "; as the first vhost of its address it also decides the protocols of {} with OpenSSL before 1.1.1",
        names.join(", ")
    )
}
