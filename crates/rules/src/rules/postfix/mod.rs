//! Rules for Postfix main.cf and master.cf (PF).
//!
//! Every rule reads the effective configuration ([`PostfixConfig`]): the
//! last main.cf setting of a name, the `-o` overrides of each master.cf
//! service over it, and Postfix's defaults for the target release
//! (`--postfix-version`, `[postfix] version`, else the newest conflint
//! knows). A finding about a value that comes from a default ("missing X")
//! is made only for a main.cf read as an entry, never for a master.cf
//! checked alone.

use std::path::Path;

use conflint_core::postfix::{Origin, PostfixConfig, PostfixTree, Scope, Service};
use conflint_core::text::LineEnding;
use conflint_core::{Edit, Model, Span};

use crate::context::Checker;

mod pf001_reject_unknown_client_hostname;
mod pf002_open_relay;
mod pf003_mynetworks_too_broad;
mod pf004_smtp_tls_disabled;
mod pf005_smtpd_encrypt_on_port_25;
mod pf006_sasl_without_tls;
mod pf007_myhostname_not_fqdn;
mod pf008_smtpd_banner_discloses;
mod pf009_vrfy_enabled;
mod pf010_deprecated_parameter;

pub(crate) use pf001_reject_unknown_client_hostname::RejectUnknownClientHostname;
pub(crate) use pf002_open_relay::OpenRelay;
pub(crate) use pf003_mynetworks_too_broad::MynetworksTooBroad;
pub(crate) use pf004_smtp_tls_disabled::SmtpTlsDisabled;
pub(crate) use pf005_smtpd_encrypt_on_port_25::SmtpdEncryptOnPort25;
pub(crate) use pf006_sasl_without_tls::SaslWithoutTls;
pub(crate) use pf007_myhostname_not_fqdn::MyhostnameNotFqdn;
pub(crate) use pf008_smtpd_banner_discloses::SmtpdBannerDiscloses;
pub(crate) use pf009_vrfy_enabled::VrfyEnabled;
pub(crate) use pf010_deprecated_parameter::DeprecatedParameter;

/// The Postfix tree of a model.
pub(crate) fn tree(model: &Model) -> Option<&PostfixTree> {
    match model {
        Model::Postfix(tree) => Some(tree),
        _ => None,
    }
}

/// A Postfix boolean: `yes` (any case) is true, anything else false.
pub(crate) fn is_yes(value: &str) -> bool {
    value.trim().eq_ignore_ascii_case("yes")
}

/// The effective value of `name` in `scope`, trimmed; empty when it
/// cannot be expanded.
pub(crate) fn value(config: &PostfixConfig, scope: Scope<'_>, name: &str) -> String {
    config.value_in(scope, name).map(|e| e.value.trim().to_string()).unwrap_or_default()
}

/// Whether `name` is written in main.cf (rather than a default).
pub(crate) fn written_in_main(config: &PostfixConfig, name: &str) -> bool {
    config.setting(name).is_some()
}

/// Where a finding about `name` goes: its last main.cf setting (from the
/// name to the end of the value), else the start of main.cf.
pub(crate) fn main_span(config: &PostfixConfig, name: &str) -> Span {
    match config.setting(name) {
        Some((_, p)) => Span::new(p.name.start, p.value_span.end.max(p.equals.end)),
        None => Span::empty(0),
    }
}

/// The file and span an origin's value is written at: main.cf's setting or
/// the master.cf override; `None` for a default.
pub(crate) fn origin_span<'t>(tree: &'t PostfixTree, origin: &Origin<'_>) -> Option<(&'t Path, Span)> {
    match origin {
        Origin::MainCf { parameter, .. } => {
            Some((tree.main_path.as_deref()?, Span::new(parameter.name.start, parameter.value_span.end)))
        }
        Origin::Override { service, index } => Some((tree.master_path.as_deref()?, service.overrides[*index].span)),
        _ => None,
    }
}

/// An edit that makes main.cf say `name = value`: the value of its last
/// setting replaced, or the line appended at the end of the file (in the
/// file's own line ending). Appending is always valid: a line that starts
/// at column 0 with a name and `=` begins a new setting.
pub(crate) fn set_in_main(tree: &PostfixTree, name: &str, value: &str) -> Option<Edit> {
    let path = tree.main_path.as_deref()?;
    let main = tree.config.main();
    if let Some((_, p)) = tree.config.setting(name) {
        // `name =` with nothing after it: the value goes right after the `=`
        // and its blanks (a blank is added after a bare `=`).
        let glued = p.value_span.start == p.value_span.end
            && main.source().get(p.value_span.start.wrapping_sub(1)) == Some(&b'=');
        let value = if glued { format!(" {value}") } else { value.to_string() };
        return Some(Edit::replace(path, p.value_span, value));
    }
    let source = main.source();
    let eol = LineEnding::detect(source).as_str();
    let lead = if source.is_empty() || source.ends_with(b"\n") || source.ends_with(b"\r") { "" } else { eol };
    Some(Edit::insert(path, source.len(), format!("{lead}{name} = {value}{eol}")))
}

/// The master.cf services that run smtpd (`smtpd` itself, and the `smtpd
/// pass` services behind postscreen).
pub(crate) fn smtpd_services(config: &PostfixConfig) -> Vec<&Service> {
    config.services_running("smtpd").collect()
}

/// Whether a master.cf service listens on the public SMTP port 25:
/// `smtp inet` (or `25`, `ADDR:smtp`, `ADDR:25`), or the `smtpd pass`
/// service postscreen hands port 25 connections to.
pub(crate) fn is_port_25(service: &Service) -> bool {
    let name = service.name();
    let port = name.rsplit(':').next().unwrap_or(name);
    match service.kind() {
        "inet" => port == "smtp" || port == "25",
        "pass" => true,
        _ => false,
    }
}

/// Whether the service overrides any of `names` with `-o`.
pub(crate) fn overrides_any(service: &Service, names: &[&str]) -> bool {
    service.overrides.iter().any(|o| names.contains(&o.name.as_str()))
}

/// The target release in words, for messages.
pub(crate) fn target(checker: &Checker<'_>) -> String {
    checker.settings.postfix.target_version().describe("--postfix-version")
}

#[cfg(test)]
mod tests {
    use super::*;
    use conflint_core::postfix::MasterCf;

    #[test]
    fn port_25_services() {
        let master = MasterCf::parse(
            "smtp inet n - y - - smtpd\n127.0.0.1:25 inet n - y - - smtpd\nsubmission inet n - y - - smtpd\nsmtpd pass - - y - - smtpd\n",
        )
        .unwrap();
        let found: Vec<bool> = master.services().map(|(_, s)| is_port_25(s)).collect();
        assert_eq!(found, [true, true, false, true]);
    }
}
