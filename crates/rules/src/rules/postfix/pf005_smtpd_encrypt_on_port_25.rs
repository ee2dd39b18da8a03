use conflint_core::Model;
use conflint_core::postfix::{Origin, Scope};

use super::{is_port_25, origin_span, smtpd_services, tree, value};
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds `smtpd_tls_security_level = encrypt` that applies to the
    /// public SMTP service on port 25: set in main.cf while master.cf's
    /// `smtp inet` service (or the `smtpd pass` service behind postscreen)
    /// does not override it with `-o smtpd_tls_security_level=...`, or
    /// written as such an override on that service. A main.cf checked
    /// without its master.cf is read with Postfix's stock master.cf, whose
    /// `smtp inet` service overrides nothing.
    ///
    /// ## Why is this bad?
    /// At `encrypt` smtpd refuses every command but STARTTLS before TLS is
    /// up. RFC 3207 section 4: "A publicly-referenced SMTP server MUST NOT
    /// require use of the STARTTLS extension in order to deliver mail
    /// locally", and postconf(5) repeats it for this parameter. Servers
    /// that deliver to an MX without STARTTLS, or whose TLS handshake
    /// fails, cannot deliver to this one at all: that mail bounces.
    /// Mandatory TLS belongs on the submission service (port 587) that
    /// your own users log in to.
    ///
    /// Sources: RFC 3207 section 4; postconf(5) `smtpd_tls_security_level`.
    ///
    /// ## Example
    /// ```text
    /// # main.cf
    /// smtpd_tls_security_level = encrypt
    /// ```
    /// Use instead:
    /// ```text
    /// # main.cf
    /// smtpd_tls_security_level = may
    /// # master.cf
    /// submission inet n - y - - smtpd
    ///   -o smtpd_tls_security_level=encrypt
    /// ```
    ///
    /// ## Fix safety
    /// None: moving `encrypt` to a submission service needs that service in
    /// master.cf (and clients configured for port 587).
    pub struct SmtpdEncryptOnPort25 {
        code: "PF005",
        name: "smtpd-encrypt-on-port-25",
        severity: Error,
        default_on: true,
        fix: None,
        references: ["RFC 3207 section 4"],
    }
}

const NAME: &str = "smtpd_tls_security_level";

impl Check for SmtpdEncryptOnPort25 {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Some(tree) = tree(model) else { return };
        let config = &tree.config;
        let message = |service: &str| {
            format!(
                "`{NAME} = encrypt` applies to {service}, the public port 25 that other mail servers deliver to: RFC 3207 forbids requiring STARTTLS there, and mail from servers without TLS bounces; use `may` in main.cf and put `-o {NAME}=encrypt` on the `submission` service in master.cf"
            )
        };
        let services: Vec<_> = smtpd_services(config).into_iter().filter(|s| is_port_25(s)).collect();
        if config.master().is_none() {
            // Postfix's stock master.cf: `smtp inet ... smtpd`, no override.
            let Some(path) = tree.main_path.as_deref() else { return };
            if value(config, Scope::Main, NAME).eq_ignore_ascii_case("encrypt") {
                if let Ok(e) = config.value(NAME) {
                    if let Some((_, span)) = origin_span(tree, &e.raw.origin) {
                        checker.report(path, span, message("the `smtp inet` service"), None);
                    }
                }
            }
            return;
        }
        let mut from_main = Vec::new();
        for service in services {
            let Ok(e) = config.value_in(Scope::Service(service), NAME) else { continue };
            if !e.value.trim().eq_ignore_ascii_case("encrypt") {
                continue;
            }
            match e.raw.origin {
                Origin::Override { .. } => {
                    if let Some((path, span)) = origin_span(tree, &e.raw.origin) {
                        checker.report(path, span, message(&format!("master.cf service `{}`", service.key())), None);
                    }
                }
                _ => from_main.push(format!("`{}`", service.key())),
            }
        }
        if from_main.is_empty() {
            return;
        }
        if let Ok(e) = config.value(NAME) {
            if let Some((path, span)) = origin_span(tree, &e.raw.origin) {
                let services = format!("master.cf service {}", from_main.join(", "));
                checker.report(path, span, message(&services), None);
            }
        }
    }
}
