use conflint_core::postfix::{Origin, Scope};
use conflint_core::{Edit, Model};

use super::{smtpd_services, tree, value};
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::{Fix, Severity};
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds `reject_unknown_client_hostname` in an `smtpd_*_restrictions`
    /// list (client, HELO, sender, relay, recipient, DATA, end-of-data), in
    /// main.cf or in a master.cf `-o` override of an smtpd service.
    ///
    /// ## Why is this bad?
    /// postconf(5) says the restriction rejects a client when (1) its IP
    /// address has no PTR record (the address → name lookup fails), or (2)
    /// the PTR name has no A/AAAA record (the name → address lookup fails),
    /// or (3) none of the name's A/AAAA records is the client's address
    /// (the lookups do not "forward-confirm"). Many ISPs' customer and
    /// business ranges, and plenty of corporate relays, pass (1) but fail
    /// (2) or (3): a PTR such as `host-198-51-100-7.isp.example` whose name
    /// was never put in the forward zone. Their mail is refused with `450
    /// 4.7.25 Client host rejected: cannot find your hostname` (or 550
    /// with `unknown_client_reject_code = 550`), and after the retry period
    /// it bounces: this is the incident conflint was started for, a server
    /// refusing a whole ISP's customers.
    ///
    /// `reject_unknown_reverse_client_hostname` (Postfix 2.3+) rejects only
    /// on (1), the client that has no PTR at all, which is what most sites
    /// mean. The severity is error when `unknown_client_reject_code` is a
    /// 5xx code: the mail then bounces at once instead of being retried.
    ///
    /// Sources: postconf(5) `reject_unknown_client_hostname` and
    /// `reject_unknown_reverse_client_hostname`; SMTPD_ACCESS_README.
    ///
    /// ## Example
    /// ```text
    /// smtpd_client_restrictions = permit_mynetworks, reject_unknown_client_hostname
    /// ```
    /// Use instead:
    /// ```text
    /// smtpd_client_restrictions = permit_mynetworks, reject_unknown_reverse_client_hostname
    /// ```
    ///
    /// ## Fix safety
    /// Safe: the fix replaces that one word with
    /// `reject_unknown_reverse_client_hostname`, which rejects on a subset
    /// of the cases the original rejects on. Every client the server
    /// accepted before it still accepts; it only stops refusing clients
    /// whose PTR exists but does not forward-confirm. A word that comes in
    /// through a `$name` reference is reported at the reference and not
    /// rewritten (the parameter it comes from may serve other lists).
    pub struct RejectUnknownClientHostname {
        code: "PF001",
        name: "unknown-client-hostname",
        severity: Warning,
        default_on: true,
        fix: Safe,
        references: ["postconf(5) reject_unknown_client_hostname"],
    }
}

const WORD: &str = "reject_unknown_client_hostname";
const REPLACEMENT: &str = "reject_unknown_reverse_client_hostname";

impl Check for RejectUnknownClientHostname {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Some(tree) = tree(model) else { return };
        let config = &tree.config;
        let mut scopes = vec![Scope::Main];
        for service in smtpd_services(config) {
            if service.overrides.iter().any(|o| o.name.starts_with("smtpd_") && o.name.ends_with("_restrictions")) {
                scopes.push(Scope::Service(service));
            }
        }
        for scope in scopes {
            let code = value(config, scope, "unknown_client_reject_code");
            let severity = code.starts_with('5').then_some(Severity::Error);
            let consequence = if code.starts_with('5') {
                format!("refused with {code}: their mail bounces at once")
            } else {
                "refused with 450 4.7.25: their mail is deferred and bounces after the retry period".to_string()
            };
            for (list_name, list) in config.restrictions_in(scope) {
                let Ok(list) = list else { continue };
                // In a service scope, only lists the service writes itself
                // (the rest are main.cf's, reported there).
                let (path, in_master) = match list.effective.raw.origin {
                    Origin::MainCf { .. } if matches!(scope, Scope::Main) => (tree.main_path.as_deref(), false),
                    Origin::Override { .. } => (tree.master_path.as_deref(), true),
                    _ => continue,
                };
                let Some(path) = path else { continue };
                for use_ in list.restrictions() {
                    let item = use_.restriction;
                    if !item.is(WORD) {
                        continue;
                    }
                    let place = if in_master {
                        match scope {
                            Scope::Service(s) => format!("`-o {list_name}` of master.cf service `{}`", s.key()),
                            Scope::Main => list_name.to_string(),
                        }
                    } else {
                        format!("`{list_name}`")
                    };
                    let message = format!(
                        "`{WORD}` in {place} also rejects clients whose PTR name does not resolve back to their address, which many ISPs' customer ranges fail: they are {consequence}; `{REPLACEMENT}` rejects only clients without any PTR"
                    );
                    match (item.span, &item.via) {
                        (Some(span), _) => {
                            let fix = Fix::safe(
                                format!("replace with `{REPLACEMENT}`"),
                                vec![Edit::replace(path, span, REPLACEMENT)],
                            );
                            checker.report_with_severity(path, span, message, Some(fix), severity);
                        }
                        (None, Some((word, Some(span)))) => {
                            let message = format!("{message} (it comes in through `{word}`)");
                            checker.report_with_severity(path, *span, message, None, severity);
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}
