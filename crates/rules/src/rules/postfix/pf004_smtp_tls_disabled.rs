use conflint_core::Model;
use conflint_core::postfix::Scope;

use super::{is_yes, main_span, set_in_main, target, tree, value, written_in_main};
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds a main.cf whose effective `smtp_tls_security_level` is `none`,
    /// or empty without the legacy `smtp_use_tls = yes` /
    /// `smtp_enforce_tls = yes` that an empty level leaves in charge. Empty
    /// is the default before Postfix 3.11 (and on 3.11+ with
    /// `compatibility_level` below 3.11), so a main.cf that does not set it
    /// is reported too, when it is checked as the entry of its tree.
    ///
    /// ## Why is this bad?
    /// The Postfix SMTP client then never uses STARTTLS: every mail this
    /// server sends (GitLab notifications, PHP `mail()`, cron) crosses the
    /// internet in plaintext, and Gmail's sender guidelines require TLS
    /// for all senders; unencrypted mail is marked and increasingly
    /// refused. `may` (opportunistic TLS: encrypt when the receiver offers
    /// STARTTLS, which nearly all do) is Postfix 3.11's own default and
    /// what Mozilla's Postfix template writes.
    ///
    /// Sources: postconf(5) `smtp_tls_security_level`; Google "Email
    /// sender guidelines" (TLS for all senders).
    ///
    /// ## Example
    /// ```text
    /// smtp_tls_security_level = none
    /// ```
    /// Use instead:
    /// ```text
    /// smtp_tls_security_level = may
    /// ```
    ///
    /// ## Fix safety
    /// Safe when the SMTP client does not log in to its relay: the fix
    /// sets the last `smtp_tls_security_level` to `may`, or appends
    /// `smtp_tls_security_level = may` to main.cf. At `may` a receiver
    /// without STARTTLS still gets the mail in plaintext, and certificates
    /// are not verified, so no delivery that worked stops working.
    ///
    /// Unsafe with `smtp_sasl_auth_enable = yes`: once TLS is up the relay
    /// may offer other AUTH mechanisms and Postfix applies
    /// `smtp_sasl_tls_security_options` instead of
    /// `smtp_sasl_security_options`, so logging in to the relay can change
    /// or fail. A relay that takes a password deserves `encrypt`, which the
    /// message suggests and the operator must choose (the relay's
    /// certificate and port decide it).
    pub struct SmtpTlsDisabled {
        code: "PF004",
        name: "smtp-tls-disabled",
        severity: Warning,
        default_on: true,
        fix: Sometimes,
        references: ["postconf(5) smtp_tls_security_level", "Google Email sender guidelines"],
    }
}

impl Check for SmtpTlsDisabled {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Some(tree) = tree(model) else { return };
        let Some(path) = tree.main_path.as_deref() else { return };
        let config = &tree.config;
        let name = "smtp_tls_security_level";
        let written = written_in_main(config, name);
        if !written && !tree.is_entry() {
            return;
        }
        let level = value(config, Scope::Main, name);
        let disabled = if level.eq_ignore_ascii_case("none") {
            true
        } else if level.is_empty() {
            // An empty level leaves the legacy parameters in charge.
            !is_yes(&value(config, Scope::Main, "smtp_use_tls"))
                && !is_yes(&value(config, Scope::Main, "smtp_enforce_tls"))
        } else {
            false
        };
        if !disabled {
            return;
        }
        let sasl = is_yes(&value(config, Scope::Main, "smtp_sasl_auth_enable"));
        let said = if written && level.is_empty() {
            format!("`{name}` is empty:")
        } else if written {
            format!("`{name} = {}`:", conflint_core::text::escape_control(&level))
        } else {
            format!("`{name}` is not set, and its default on Postfix {} is empty:", target(checker))
        };
        let mut message = format!(
            "{said} this server sends all its mail in plaintext, never using STARTTLS (Gmail requires TLS from senders); use `may`"
        );
        if sasl {
            message
                .push_str(" (this server logs in to its relay with SASL: `encrypt` keeps the password off the wire)");
        }
        let Some(edit) = set_in_main(tree, name, "may") else { return };
        let fix = if sasl {
            Fix::unsafe_(format!("set `{name} = may` (SASL login to the relay may change under TLS)"), vec![edit])
        } else {
            Fix::safe(format!("set `{name} = may`"), vec![edit])
        };
        checker.report(path, main_span(config, name), message, Some(fix));
    }
}
