use conflint_core::Model;
use conflint_core::gitlab::ValueKind;

use super::omnibus;
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds a sender address GitLab's mail cannot be authenticated for:
    ///
    /// - `gitlab_rails['gitlab_email_from']` on a free-mail domain
    ///   (gmail.com, outlook.com, yahoo.com, ...), unless mail goes out
    ///   through that provider's own SMTP server (`smtp_address`
    ///   `smtp.gmail.com` for a Gmail address), which signs it.
    /// - a sender host that is an IP address, `localhost`, a name without a
    ///   dot, or a private suffix (`.local`, `.lan`, `.internal`,
    ///   `.localdomain`, `.home.arpa`). When `gitlab_email_from` is not
    ///   set, GitLab uses `gitlab@<host of external_url>`, which is checked
    ///   the same way (only for an IP or private host there).
    ///
    /// Skipped when `gitlab_rails['gitlab_email_enabled'] = false`.
    ///
    /// ## Why is this bad?
    /// Gmail and other large receivers require SPF or DKIM to pass for the
    /// From domain, and DMARC for bulk senders (Google's sender guidelines).
    /// A free-mail domain publishes SPF and DMARC that exclude your server,
    /// and an IP or `.local` host has no DNS to publish them in: the mail
    /// bounces with `550 5.7.26 ... unauthenticated` or lands in spam, and
    /// users never get their password resets.
    ///
    /// ## Example
    /// ```ruby
    /// gitlab_rails['gitlab_email_from'] = 'gitlab.notifications@gmail.com'
    /// gitlab_rails['smtp_address'] = 'smtp.sendgrid.net'
    /// ```
    /// Use instead:
    /// ```ruby
    /// gitlab_rails['gitlab_email_from'] = 'gitlab@example.com'
    /// gitlab_rails['smtp_address'] = 'smtp.sendgrid.net'
    /// ```
    /// (with SPF and DKIM for example.com set up at the relay).
    ///
    /// ## Fix safety
    /// None: the domain to send from is the owner's.
    pub struct EmailFromUnauthenticated {
        code: "GL035",
        name: "email-from-unauthenticated",
        severity: Warning,
        default_on: true,
        fix: None,
    }
}

/// Free-mail domains, with the host suffixes of the provider's own SMTP
/// servers, which sign mail for them.
const FREEMAIL: &[(&[&str], &[&str])] = &[
    (&["gmail.com", "googlemail.com"], &["gmail.com", "google.com", "googlemail.com"]),
    (
        &["outlook.com", "hotmail.com", "live.com", "msn.com"],
        &["outlook.com", "office365.com", "hotmail.com", "live.com"],
    ),
    (&["yahoo.com", "ymail.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de"], &["yahoo.com"]),
    (&["aol.com"], &["aol.com"]),
    (&["icloud.com", "me.com", "mac.com"], &["me.com", "icloud.com"]),
    (&["gmx.de", "gmx.net", "gmx.com"], &["gmx.net", "gmx.com", "gmx.de"]),
    (&["web.de"], &["web.de"]),
    (&["yandex.ru", "yandex.com"], &["yandex.ru", "yandex.com", "yandex.net"]),
    (&["mail.ru"], &["mail.ru"]),
    (&["proton.me", "protonmail.com"], &["protonmail.ch", "proton.me"]),
    (&["zoho.com"], &["zoho.com", "zoho.eu"]),
];

/// Why a sender host cannot be authenticated on its own, if it cannot.
fn unauthenticatable_host(host: &str) -> Option<&'static str> {
    let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.parse::<std::net::IpAddr>().is_ok() {
        return Some("an IP address, which has no DNS to publish SPF, DKIM or DMARC in");
    }
    if bare == "localhost" || !bare.contains('.') {
        return Some("not a public domain name, so no SPF, DKIM or DMARC can exist for it");
    }
    let private = [".local", ".lan", ".internal", ".localdomain", ".home.arpa", ".localhost"];
    if private.iter().any(|s| bare.ends_with(s)) {
        return Some("a private name that no public DNS answers for, so no SPF, DKIM or DMARC can exist for it");
    }
    None
}

impl Check for EmailFromUnauthenticated {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Gitlab(tree) = model else { return };
        let (path, file, settings) = (tree.path.as_path(), &tree.file, tree.settings());
        let rails = |key: &str| omnibus::literal(&settings, "gitlab_rails", &[key]);
        if rails("gitlab_email_enabled").is_some_and(|f| f.bool() == Some(false)) {
            return;
        }
        match rails("gitlab_email_from") {
            Some(from) => {
                let Some(address) = (match &from.value.kind {
                    ValueKind::Str { value: Some(v), .. } => Some(v.as_str()),
                    _ => None,
                }) else {
                    return;
                };
                let Some((_, domain)) = address.trim().trim_end_matches('>').rsplit_once('@') else { return };
                let domain = domain.trim().to_ascii_lowercase();
                if let Some(why) = unauthenticatable_host(&domain) {
                    checker.report(
                        path,
                        from.value.span,
                        format!("`gitlab_email_from` is on {domain}, {why}: Gmail and others bounce such mail (550 5.7.26) or file it as spam"),
                        None,
                    );
                    return;
                }
                let Some((_, relays)) = FREEMAIL.iter().find(|(domains, _)| domains.contains(&domain.as_str())) else {
                    return;
                };
                let smtp = rails("smtp_enable").is_some_and(|f| f.truthy());
                let relay = rails("smtp_address").and_then(|f| match &f.value.kind {
                    ValueKind::Str { value: Some(v), .. } => Some(v.trim().trim_end_matches('.').to_ascii_lowercase()),
                    _ => None,
                });
                let through_provider = smtp
                    && relay
                        .as_deref()
                        .is_some_and(|r| relays.iter().any(|s| r == *s || r.ends_with(&format!(".{s}"))));
                if through_provider {
                    return;
                }
                checker.report(
                    path,
                    from.value.span,
                    format!(
                        "`gitlab_email_from` is on {domain}, a free-mail domain whose SPF and DMARC do not cover this server: Gmail and others reject the mail as unauthenticated (550 5.7.26) unless it is sent through {domain}'s own SMTP server; send from a domain you control"
                    ),
                    None,
                );
            }
            None => {
                if omnibus::is_set(&settings, "gitlab_rails", &["gitlab_email_from"]) {
                    return;
                }
                let Some((id, url)) = omnibus::external_url(&settings) else { return };
                let Some((_, host)) = omnibus::scheme_and_host(url) else { return };
                let Some(why) = unauthenticatable_host(&host) else { return };
                let Some(value) = file.value(id) else { return };
                checker.report(
                    path,
                    value.span,
                    format!(
                        "`gitlab_email_from` is not set, so GitLab sends mail as gitlab@{host}, {why}: Gmail and others bounce it (550 5.7.26) or file it as spam; set gitlab_email_from to an address on a domain you control"
                    ),
                    None,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert!(unauthenticatable_host("192.0.2.1").is_some());
        assert!(unauthenticatable_host("[2001:db8::1]").is_some());
        assert!(unauthenticatable_host("gitlab.local").is_some());
        assert!(unauthenticatable_host("gitlab").is_some());
        assert!(unauthenticatable_host("gitlab.example.com").is_none());
    }
}
