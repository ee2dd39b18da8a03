use conflint_core::postfix::{Origin, Scope};
use conflint_core::{Edit, Model};

use super::{is_yes, main_span, origin_span, overrides_any, set_in_main, smtpd_services, tree, value};
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds an smtpd that offers SASL authentication
    /// (`smtpd_sasl_auth_enable = yes`) before TLS is up: neither
    /// `smtpd_tls_auth_only = yes` nor `smtpd_tls_security_level =
    /// encrypt` applies. Checked for main.cf, and for each master.cf smtpd
    /// service that overrides one of the three with `-o` (a `submission`
    /// service enabling SASL for itself, say).
    ///
    /// ## Why is this bad?
    /// Mail clients then may send `AUTH PLAIN` / `AUTH LOGIN`, a
    /// base64-encoded user name and password, over an unencrypted
    /// connection: anyone on the path (a hotel Wi-Fi, a compromised
    /// router) reads the password. `smtpd_tls_auth_only = yes` makes smtpd
    /// announce and accept AUTH only after STARTTLS (Mozilla's Postfix
    /// template sets it).
    ///
    /// Source: postconf(5) `smtpd_tls_auth_only`, `smtpd_sasl_auth_enable`.
    ///
    /// ## Example
    /// ```text
    /// smtpd_sasl_auth_enable = yes
    /// ```
    /// Use instead:
    /// ```text
    /// smtpd_sasl_auth_enable = yes
    /// smtpd_tls_auth_only = yes
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: a client that logs in without STARTTLS (an old device, a
    /// script using plain SMTP on port 25) can no longer authenticate, and
    /// when smtpd has no certificate (`smtpd_tls_security_level` empty or
    /// `none`) nobody can. The fix sets `smtpd_tls_auth_only = yes` in
    /// main.cf, or adds `-o smtpd_tls_auth_only=yes` to the service that
    /// enables SASL for itself.
    pub struct SaslWithoutTls {
        code: "PF006",
        name: "sasl-without-tls",
        severity: Warning,
        default_on: true,
        fix: Unsafe,
        references: ["postconf(5) smtpd_tls_auth_only"],
    }
}

const NAMES: [&str; 3] = ["smtpd_sasl_auth_enable", "smtpd_tls_auth_only", "smtpd_tls_security_level"];

fn plaintext_auth(config: &conflint_core::postfix::PostfixConfig, scope: Scope<'_>) -> bool {
    is_yes(&value(config, scope, "smtpd_sasl_auth_enable"))
        && !is_yes(&value(config, scope, "smtpd_tls_auth_only"))
        && !value(config, scope, "smtpd_tls_security_level").eq_ignore_ascii_case("encrypt")
}

const MESSAGE: &str = "SASL authentication is offered before STARTTLS: mail clients may send their password in plaintext (`smtpd_tls_auth_only` is not `yes`); set `smtpd_tls_auth_only = yes`";
const FIX: &str = "set `smtpd_tls_auth_only = yes` (clients without TLS can no longer log in)";

impl Check for SaslWithoutTls {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Some(tree) = tree(model) else { return };
        let config = &tree.config;
        let main_bad = tree.main_path.is_some() && plaintext_auth(config, Scope::Main);
        if main_bad {
            if let (Some(path), Some(edit)) =
                (tree.main_path.as_deref(), set_in_main(tree, "smtpd_tls_auth_only", "yes"))
            {
                let span = main_span(config, "smtpd_sasl_auth_enable");
                checker.report(path, span, MESSAGE, Some(Fix::unsafe_(FIX, vec![edit])));
            }
        }
        for service in smtpd_services(config) {
            if !overrides_any(service, &NAMES) || !plaintext_auth(config, Scope::Service(service)) {
                continue;
            }
            let Ok(sasl) = config.value_in(Scope::Service(service), "smtpd_sasl_auth_enable") else { continue };
            // Enabled in main.cf and nothing here makes it worse: main.cf's finding.
            if main_bad && !matches!(sasl.raw.origin, Origin::Override { .. }) {
                continue;
            }
            let Some(path) = tree.master_path.as_deref() else { continue };
            let span = match origin_span(tree, &sasl.raw.origin) {
                Some((p, span)) if p == path => span,
                _ => service.fields[0].span,
            };
            // An override `smtpd_tls_auth_only=no` is set to yes; else one is added.
            let edit = match service.override_value("smtpd_tls_auth_only") {
                Some(o) => Edit::replace(path, o.value_span, "yes"),
                None => {
                    let last = service.overrides.last().map_or(service.fields[7].span.end, |o| o.span.end);
                    Edit::insert(path, last, " -o smtpd_tls_auth_only=yes")
                }
            };
            let message = format!("master.cf service `{}`: {MESSAGE}", service.key());
            checker.report(path, span, message, Some(Fix::unsafe_(FIX, vec![edit])));
        }
    }
}
