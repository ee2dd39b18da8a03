use conflint_core::Model;
use conflint_core::gitlab::ValueKind;

use super::omnibus;
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds `gitlab_rails['smtp_openssl_verify_mode'] = 'none'` (as a
    /// string or a symbol) while GitLab sends mail over SMTP
    /// (`gitlab_rails['smtp_enable'] = true`). gitlab.rb.template's own
    /// sample value is `'none'`, so it gets copied.
    ///
    /// ## Why is this bad?
    /// The mailer then accepts any certificate from the relay: anyone on
    /// the path to it can pose as the relay and collect the SMTP password
    /// GitLab logs in with and every mail (password resets, notification
    /// contents) it sends.
    ///
    /// ## Example
    /// ```ruby
    /// gitlab_rails['smtp_openssl_verify_mode'] = 'none'
    /// ```
    /// Use instead:
    /// ```ruby
    /// gitlab_rails['smtp_openssl_verify_mode'] = 'peer'
    /// # a relay with a private CA: gitlab_rails['smtp_ca_file'] = '/etc/gitlab/trusted-certs/relay-ca.pem'
    /// ```
    ///
    /// ## Fix safety
    /// None: a relay with a self-signed or private-CA certificate stops
    /// accepting mail until its CA is configured (`smtp_ca_file`).
    pub struct SmtpVerifyNone {
        code: "GL033",
        name: "smtp-verify-none",
        severity: Warning,
        default_on: true,
        fix: None,
    }
}

impl Check for SmtpVerifyNone {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Gitlab(tree) = model else { return };
        let (path, settings) = (tree.path.as_path(), tree.settings());
        if !omnibus::literal(&settings, "gitlab_rails", &["smtp_enable"]).is_some_and(|f| f.truthy()) {
            return;
        }
        let Some(mode) = omnibus::literal(&settings, "gitlab_rails", &["smtp_openssl_verify_mode"]) else { return };
        let none =
            matches!(&mode.value.kind, ValueKind::Str { value: Some(v), .. } if v.trim().eq_ignore_ascii_case("none"));
        if !none {
            return;
        }
        checker.report(
            path,
            mode.value.span,
            "`smtp_openssl_verify_mode` is 'none': GitLab accepts any certificate from its mail relay, so a machine in between can collect the SMTP password and every mail; use 'peer' (with `smtp_ca_file` for a private CA)",
            None,
        );
    }
}
