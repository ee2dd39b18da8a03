use conflint_core::Model;

use super::edit;
use super::hardening::vhost_label;
use conflint_core::httpd::ApacheVersion;

use super::tls::{Use, WeakSet, always_disabled_24, cipher_line, guideline, refused_by, uses, weak_ciphers};
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds an `SSLCipherSuite` (the effective one of a TLS vhost, or any
    /// in a file checked alone) that leaves weak cipher suites enabled:
    /// RC4, DES, 3DES, MD5, LOW, MEDIUM (IDEA, SEED), `@SECLEVEL=0`, and
    /// in a 2.2 tree NULL (no encryption), aNULL (no authentication) and
    /// EXPORT: mod_ssl 2.4 adds `!aNULL:!eNULL:!EXP` to every
    /// `SSLCipherSuite` itself, so those can never be on there. The string
    /// is read as OpenSSL reads it: a bare component adds, `-X` removes
    /// until added again, `!X` removes for good, `+X` only reorders, and
    /// `ALL` brings in everything but eNULL. Only names are judged: what
    /// `HIGH` or `DEFAULT` expand to depends on the OpenSSL version and is
    /// taken as strong. The TLS 1.3 form (`SSLCipherSuite TLSv1.3 ...`) has
    /// only strong suites and is skipped. With `[tls] profile = "old"`,
    /// 3DES is accepted (Mozilla 5.8 old kept `DES-CBC3-SHA`).
    ///
    /// ## Why is this bad?
    /// These suites are broken (RC4, DES, EXPORT: FREAK, Logjam), give no
    /// confidentiality at all (NULL) or no protection against a
    /// man-in-the-middle (aNULL), or are practical to attack with enough
    /// traffic (3DES: Sweet32). CIS Apache 2.4 7.5 and 7.8; Mozilla's
    /// profiles list only forward-secret AEAD suites.
    ///
    /// ## Example
    /// ```apache
    /// SSLCipherSuite ALL:!ADH:!EXPORT:!SSLv2:RC4+RSA:+HIGH:+MEDIUM:+LOW
    /// ```
    /// Use instead:
    /// ```apache
    /// SSLCipherSuite ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: clients that only speak the removed suites (very old
    /// browsers and Java, some embedded devices) can no longer connect. The
    /// fix replaces the list with the profile's (Mozilla intermediate; the
    /// modern profile has no TLS 1.2 list and uses the same one), which
    /// also drops suites without forward secrecy such as `AES128-SHA`.
    pub struct WeakCipher {
        code: "TL002",
        name: "weak-cipher",
        severity: Warning,
        default_on: true,
        fix: Unsafe,
        references: ["CIS Apache 2.4 7.5", "CIS Apache 2.4 7.8", "Mozilla TLS 6.0 intermediate"],
        tags: ["cis", "mozilla", "tls"],
    }
}

impl Check for WeakCipher {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        let profile = checker.settings.tls.profile;
        let refused = refused_by(profile);
        // mod_ssl 2.4 adds `!aNULL:!eNULL:!EXP` to every SSLCipherSuite
        // (ssl_cmd_SSLCipherSuite): those families can never be on there.
        let never = if tree.version == ApacheVersion::V2_4 { always_disabled_24() } else { WeakSet::default() };
        for used in uses(tree, "SSLCipherSuite") {
            let Use::Explicit { item, vhosts } = used else { continue };
            let args = &tree.item(item).args;
            // `SSLCipherSuite [protocol] cipher-spec`: `SSL` is TLS 1.2 and
            // below, `TLSv1.3` has its own (all strong) suites.
            let (index, list) = match args.as_slice() {
                [list] => (0, list),
                [protocol, list] if protocol.eq_ignore_ascii_case("SSL") => (1, list),
                _ => continue,
            };
            let weak = weak_ciphers(list).without(WeakSet::complement(refused)).without(never);
            if weak.is_empty() {
                continue;
            }
            let names: Vec<&str> = weak.families().map(super::tls::Weak::describe).collect();
            let mut message = format!(
                "`SSLCipherSuite` leaves weak suites enabled: {} (CIS 7.5/7.8; {})",
                names.join(", "),
                guideline(profile)
            );
            if tree.context(item).is_none() && !vhosts.is_empty() {
                let labels: Vec<String> = vhosts.iter().map(|v| vhost_label(tree, v)).collect();
                message.push_str(&format!("; it applies to {}", labels.join(", ")));
            }
            let line = cipher_line(profile);
            let fix = edit::replace_arg(tree, item, index, line).map(|e| {
                Fix::unsafe_(
                    format!(
                        "use {}'s list (clients that only know the removed suites can no longer connect)",
                        guideline(profile)
                    ),
                    vec![e],
                )
            });
            checker.report(edit::path(tree, item), edit::arg_span(tree, item, index), message, fix);
        }
    }
}
