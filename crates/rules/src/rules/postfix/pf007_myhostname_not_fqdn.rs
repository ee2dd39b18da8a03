use conflint_core::Model;
use conflint_core::postfix::Scope;

use super::{main_span, tree};
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds a `myhostname` set in main.cf that is no public
    /// fully-qualified name: without a dot (`mail`), `localhost` or
    /// `localhost.<anything>`, or ending in `.local`, `.lan`,
    /// `.localdomain`, `.home` or `.internal` (names that exist only on a
    /// LAN). Without the setting Postfix takes the machine's host name,
    /// which a static check cannot know: nothing is reported then.
    ///
    /// ## Why is this bad?
    /// `myhostname` is the name the SMTP client says in `HELO`/`EHLO`
    /// (`smtp_helo_name` defaults to it), the name in the greeting banner
    /// and the default of `mydomain`, `myorigin` and `mydestination`.
    /// Receivers check the HELO name: Gmail wants a name whose A/AAAA
    /// record is the sending address and whose address's PTR points back,
    /// many servers reject a HELO that is no FQDN
    /// (`reject_non_fqdn_helo_hostname`), and spam filters score
    /// `localhost` and `.local` names. Mail from this server lands in spam
    /// or is refused.
    ///
    /// Sources: postconf(5) `myhostname`, `smtp_helo_name`; Google "Email
    /// sender guidelines" (valid forward and reverse DNS); RFC 5321 4.1.1.1.
    ///
    /// ## Example
    /// ```text
    /// myhostname = mail.example.local
    /// ```
    /// Use instead:
    /// ```text
    /// myhostname = mail.example.com
    /// ```
    ///
    /// ## Fix safety
    /// None: conflint cannot know the server's public name (it must match
    /// the PTR of the sending address: `conflint mail-dns` checks that).
    pub struct MyhostnameNotFqdn {
        code: "PF007",
        name: "myhostname-not-fqdn",
        severity: Warning,
        default_on: true,
        fix: None,
    }
}

const LAN_SUFFIXES: [&str; 5] = [".local", ".lan", ".localdomain", ".home", ".internal"];

/// Why a host name is no public FQDN, or `None`.
fn problem(name: &str) -> Option<String> {
    let lower = name.trim().trim_end_matches('.').to_ascii_lowercase();
    if lower.is_empty() {
        return None;
    }
    if lower == "localhost" || lower.starts_with("localhost.") {
        return Some("is `localhost`, which every machine calls itself".to_string());
    }
    if !lower.contains('.') {
        return Some("has no dot: it is no fully-qualified domain name".to_string());
    }
    LAN_SUFFIXES
        .iter()
        .find(|s| lower.ends_with(*s))
        .map(|s| format!("ends in `{s}`, a name that exists only on a local network"))
}

impl Check for MyhostnameNotFqdn {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Some(tree) = tree(model) else { return };
        let Some(path) = tree.main_path.as_deref() else { return };
        let config = &tree.config;
        if config.setting("myhostname").is_none() {
            return;
        }
        let Ok(e) = config.value_in(Scope::Main, "myhostname") else { return };
        if !e.unknown.is_empty() || !e.undefined.is_empty() {
            return;
        }
        let Some(why) = problem(&e.value) else { return };
        let name = conflint_core::text::escape_control(e.value.trim()).into_owned();
        checker.report(
            path,
            main_span(config, "myhostname"),
            format!(
                "`myhostname = {name}` {why}: it is the HELO name this server sends, and receivers (Gmail among them) refuse or mark mail whose HELO name does not resolve to the sending address; set the server's public name, the one its address's PTR record gives"
            ),
            None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::problem;

    #[test]
    fn names() {
        assert!(problem("mail").is_some());
        assert!(problem("localhost.localdomain").is_some());
        assert!(problem("mx.example.LAN").is_some());
        assert!(problem("mx.corp.internal").is_some());
        assert!(problem("mx.example.com").is_none());
        assert!(problem("mx.example.com.").is_none());
        assert!(problem("homer.example.com").is_none());
    }
}
