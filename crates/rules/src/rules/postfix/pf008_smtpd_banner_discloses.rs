use conflint_core::Model;
use conflint_core::postfix::Scope;

use super::{main_span, set_in_main, tree, value, written_in_main};
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds an `smtpd_banner` that names the software: it uses
    /// `$mail_name` or `$mail_version`, or its expanded text contains
    /// `Postfix` (or the `mail_name` in use) or the Postfix version. The
    /// default, `$myhostname ESMTP $mail_name`, counts: a main.cf that
    /// does not set it is reported too, when it is checked as the entry of
    /// its tree. (Debian writes `$myhostname ESMTP $mail_name (Debian/GNU)`,
    /// which also names the OS.)
    ///
    /// ## Why is this bad?
    /// The 220 greeting is the first thing every connection to port 25
    /// gets: `220 mx.example.com ESMTP Postfix (Debian/GNU)` tells every
    /// scanner what to try, and security audits (Lynis MAIL-8818, PCI
    /// scans) flag it. Nothing needs it: RFC 5321 wants the host name
    /// first, and `ESMTP` tells clients they may send EHLO.
    ///
    /// Sources: postconf(5) `smtpd_banner` ("$myhostname" must come
    /// first); Lynis MAIL-8818.
    ///
    /// ## Example
    /// ```text
    /// smtpd_banner = $myhostname ESMTP $mail_name (Debian/GNU)
    /// ```
    /// Use instead:
    /// ```text
    /// smtpd_banner = $myhostname ESMTP
    /// ```
    ///
    /// ## Fix safety
    /// Safe: only the words after `ESMTP` in the greeting go. The fix sets
    /// the last `smtpd_banner` to `$myhostname ESMTP`, or appends that line
    /// to main.cf.
    pub struct SmtpdBannerDiscloses {
        code: "PF008",
        name: "smtpd-banner-discloses",
        severity: Info,
        default_on: true,
        fix: Safe,
        references: ["Lynis MAIL-8818"],
    }
}

const NAME: &str = "smtpd_banner";
const GOOD: &str = "$myhostname ESMTP";

impl Check for SmtpdBannerDiscloses {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Some(tree) = tree(model) else { return };
        let Some(path) = tree.main_path.as_deref() else { return };
        let config = &tree.config;
        let written = written_in_main(config, NAME);
        if !written && !tree.is_entry() {
            return;
        }
        let Ok(e) = config.value_in(Scope::Main, NAME) else { return };
        let raw = e.raw.text.to_ascii_lowercase();
        // The host name is the banner's own first word, whatever it is: only
        // the rest is judged.
        let rest = ["$myhostname", "${myhostname}", "$(myhostname)"]
            .iter()
            .fold(e.raw.text.to_string(), |t, r| t.replace(r, ""));
        let expanded = config.expand_in(Scope::Main, &rest).map(|(v, _, _)| v).unwrap_or_default().to_ascii_lowercase();
        let mail_name = value(config, Scope::Main, "mail_name").to_ascii_lowercase();
        let version = value(config, Scope::Main, "mail_version");
        let names_it =
            ["$mail_name", "${mail_name}", "$(mail_name)", "$mail_version", "${mail_version}", "$(mail_version)"]
                .iter()
                .any(|r| raw.contains(r))
                || expanded.contains("postfix")
                || (!mail_name.is_empty() && expanded.contains(&mail_name))
                || (!version.is_empty() && expanded.contains(&version.to_ascii_lowercase()));
        if !names_it {
            return;
        }
        let message = if written {
            format!(
                "`smtpd_banner = {}` tells every client on port 25 which mail server this is (`220 ... ESMTP Postfix`); use `{GOOD}`",
                conflint_core::text::escape_control(e.raw.text.trim())
            )
        } else {
            format!(
                "`smtpd_banner` is not set, so Postfix greets every client on port 25 with `$myhostname ESMTP $mail_name` (`220 ... ESMTP Postfix`); set `{GOOD}`"
            )
        };
        let Some(edit) = set_in_main(tree, NAME, GOOD) else { return };
        let fix = Fix::safe(format!("set `{NAME} = {GOOD}`"), vec![edit]);
        checker.report(path, main_span(config, NAME), message, Some(fix));
    }
}
