use conflint_core::Model;
use conflint_core::gitlab::ValueKind;

use super::omnibus::{self, Found};
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds an SMTP port and TLS mode that do not go together, while GitLab
    /// sends mail over SMTP (`gitlab_rails['smtp_enable'] = true`):
    ///
    /// - `smtp_port 465` without `smtp_tls = true` (or `smtp_ssl`): port 465
    ///   is implicit TLS (SMTPS, RFC 8314), the TLS handshake comes first.
    /// - `smtp_port 587` or `25` with `smtp_tls = true`: those ports greet
    ///   in plain text and upgrade with STARTTLS.
    /// - `smtp_enable_starttls_auto = true` where TLS is needed (port 465,
    ///   or `smtp_tls` on another port): `gitlab-ctl reconfigure` stops
    ///   with "smtp_tls and smtp_enable_starttls_auto are mutually
    ///   exclusive".
    ///
    /// ## Why is this bad?
    /// On 465 without TLS the mailer waits for a plain-text greeting the
    /// relay never sends, while the relay waits for a TLS handshake: every
    /// mail ends in `Net::ReadTimeout` after a minute (gitlabhq#8543). On
    /// 587/25 with TLS the handshake meets a plain-text greeting and fails
    /// (`SSL_connect ... wrong version number`). Either way GitLab sends no
    /// mail: no password resets, no notifications.
    ///
    /// ## Example
    /// ```ruby
    /// gitlab_rails['smtp_port'] = 465
    /// gitlab_rails['smtp_enable_starttls_auto'] = true
    /// ```
    /// Use instead:
    /// ```ruby
    /// gitlab_rails['smtp_port'] = 465
    /// gitlab_rails['smtp_tls'] = true
    /// gitlab_rails['smtp_enable_starttls_auto'] = false
    /// ```
    ///
    /// ## Fix safety
    /// Port 465: safe. The fix sets `smtp_tls = true` (adding it after
    /// `smtp_port` if absent), and a second finding turns
    /// `smtp_enable_starttls_auto = true` off, since reconfigure refuses the
    /// two together; mail cannot be sent today, so nothing that works
    /// changes. Ports 587/25: unsafe. The fix
    /// sets `smtp_tls` (or `smtp_ssl`) to `false`, which is right for
    /// every standard relay, but a relay that runs implicit TLS on a
    /// non-standard port would stop working.
    pub struct SmtpTlsPort {
        code: "GL034",
        name: "smtp-tls-port",
        severity: Error,
        default_on: true,
        fix: Sometimes,
    }
}

impl Check for SmtpTlsPort {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Gitlab(tree) = model else { return };
        let (path, file, settings) = (tree.path.as_path(), &tree.file, tree.settings());
        let rails = |key: &str| omnibus::literal(&settings, "gitlab_rails", &[key]);
        if !rails("smtp_enable").is_some_and(|f| f.truthy()) {
            return;
        }
        let Some(port_found) = rails("smtp_port") else { return };
        let port = match &port_found.value.kind {
            ValueKind::Int(n) => *n,
            ValueKind::Str { value: Some(v), .. } => match v.trim().parse() {
                Ok(n) => n,
                Err(_) => return,
            },
            _ => return,
        };
        // A value conflint cannot read decides the mode: not ours to judge.
        for key in ["smtp_tls", "smtp_ssl"] {
            if rails(key).is_none() && omnibus::is_set(&settings, "gitlab_rails", &[key]) {
                return;
            }
        }
        let tls = rails("smtp_tls").filter(Found::truthy);
        let ssl = rails("smtp_ssl").filter(Found::truthy);
        // Reconfigure refuses smtp_tls with smtp_enable_starttls_auto
        // (SmtpHelper.validate_smtp_settings!): on a TLS port, STARTTLS goes.
        if let Some(starttls) = rails("smtp_enable_starttls_auto").filter(|f| f.bool() == Some(true)) {
            if port == 465 || (tls.is_some() && !matches!(port, 587 | 25)) {
                checker.report(
                    path,
                    starttls.value.span,
                    format!(
                        "`smtp_enable_starttls_auto` is true, but port {port} needs `smtp_tls`, and reconfigure refuses the two together (\"mutually exclusive\")"
                    ),
                    Some(Fix::safe("set `smtp_enable_starttls_auto` to false", vec![Edit::replace(path, starttls.value.span, "false")])),
                );
            }
        }
        match (port, tls.as_ref().or(ssl.as_ref())) {
            (465, None) => {
                let (span, edit) = match rails("smtp_tls") {
                    Some(found) => (found.value.span, Some(Edit::replace(path, found.value.span, "true"))),
                    None => (
                        port_found.value.span,
                        omnibus::insert_after(path, file, port_found.statement, "gitlab_rails['smtp_tls'] = true"),
                    ),
                };
                checker.report(
                    path,
                    span,
                    "`smtp_port` 465 is implicit TLS, but `smtp_tls` is not true: GitLab waits for a plain-text greeting that never comes and every mail fails with Net::ReadTimeout",
                    edit.map(|e| Fix::safe("set `gitlab_rails['smtp_tls'] = true`", vec![e])),
                );
            }
            (587 | 25, Some(on)) => {
                let key = if tls.is_some() { "smtp_tls" } else { "smtp_ssl" };
                checker.report(
                    path,
                    on.value.span,
                    format!(
                        "`{key}` is true on port {port}, which greets in plain text and upgrades with STARTTLS: the TLS handshake fails (wrong version number) and GitLab sends no mail"
                    ),
                    Some(Fix::unsafe_(
                        format!("set `{key}` to false (STARTTLS stays on by default)"),
                        vec![Edit::replace(path, on.value.span, "false")],
                    )),
                );
            }
            _ => {}
        }
    }
}
