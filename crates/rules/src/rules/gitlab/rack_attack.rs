//! What GL001-GL003 share: reading `gitlab_rails['rack_attack_git_basic_auth']`
//! (whichever way it is written) and the trusted addresses.

use std::net::IpAddr;

use conflint_core::Span;
use conflint_core::gitlab::keys::{GitlabVersion, alias_of};
use conflint_core::gitlab::{EffectiveValue, GitlabRbFile, GitlabSettings, HashKey, ValueId, ValueKind};
use ipnet::IpNet;

/// The receiver and key of the failed-authentication ban settings.
pub(super) const RECEIVER: &str = "gitlab_rails";
pub(super) const KEY: &str = "rack_attack_git_basic_auth";

/// Keys GitLab reads in that hash (config/initializers/1_settings.rb).
pub(super) const KNOWN_KEYS: &[&str] = &["enabled", "ip_whitelist", "maxretry", "findtime", "bantime"];

/// The literal value at `rack_attack_git_basic_auth[key]`, if written as one.
pub(super) fn literal(settings: &GitlabSettings<'_>, key: &str) -> Option<ValueId> {
    match settings.effective(RECEIVER, &[KEY, key])?.value {
        EffectiveValue::Literal(id) => Some(id),
        _ => None,
    }
}

/// Whether the ban is on: `'enabled'` set to a value Ruby takes as true
/// (the default is false since GitLab 11.2; `nil` falls back to false).
/// GitLab tests `config.enabled` for truth, so a string, even "false", is
/// on (GL020 reports it); Ruby conflint cannot evaluate counts as off.
pub(crate) fn enabled(file: &GitlabRbFile, settings: &GitlabSettings<'_>) -> bool {
    literal(settings, "enabled")
        .and_then(|id| file.value(id))
        .is_some_and(|v| !matches!(v.kind, ValueKind::Nil | ValueKind::Bool(false) | ValueKind::Opaque))
}

/// An `ip_whitelist` entry read as GitLab reads it (`IPAddr.new`: an
/// address or a CIDR block; anything else is dropped).
pub(super) fn parse_entry(text: &str) -> Option<IpNet> {
    let text = text.trim();
    text.parse::<IpNet>().ok().or_else(|| text.parse::<IpAddr>().ok().map(IpNet::from))
}

/// The entries of a literal array or `%w[]` as (span, text).
pub(super) fn array_strings(file: &GitlabRbFile, id: ValueId) -> Option<Vec<(Span, Option<String>)>> {
    let value = file.value(id)?;
    match &value.kind {
        ValueKind::Array(array) => Some(
            array
                .items
                .iter()
                .filter_map(|item| file.value(*item).map(|v| (v.span, file.string(*item).map(str::to_string))))
                .collect(),
        ),
        ValueKind::Words(words) => Some(words.items.iter().map(|(span, text)| (*span, Some(text.clone()))).collect()),
        _ => None,
    }
}

/// An address or network that must never be banned, and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Trusted {
    /// The address or network.
    pub net: IpNet,
    /// Why it is trusted, for messages.
    pub why: String,
    /// Given by the user (`--trusted-ip`, `[gitlab] trusted-ips`), rather
    /// than read from gitlab.rb.
    pub from_user: bool,
}

impl Trusted {
    /// Whether a safe fix may append it to `ip_whitelist`: a single address,
    /// or a network the user named; never one that covers every address
    /// (that would turn the ban off, GL003).
    pub(super) fn may_append(&self) -> bool {
        self.net.prefix_len() > 0 && (self.from_user || self.net.prefix_len() == self.net.max_prefix_len())
    }
}

/// Addresses that must never be banned: `--trusted-ip`/`[gitlab]
/// trusted-ips`, plus the load balancers GitLab is told to trust in
/// `version`: `gitlab_rails['trusted_proxies']` and the NGINX
/// `real_ip_trusted_addresses`, read under the spelling that release uses
/// (GitLab 19.2 moved `nginx[...]` to `gitlab_rails['nginx'][...]`; from
/// then on the new key wins where it is set, and the old one is copied in
/// where it is not: keys::alias_of).
pub(crate) fn trusted(
    file: &GitlabRbFile,
    settings: &GitlabSettings<'_>,
    configured: &[IpNet],
    version: GitlabVersion,
) -> Vec<Trusted> {
    let mut out: Vec<Trusted> = configured
        .iter()
        .map(|n| Trusted { net: *n, why: "a trusted address (--trusted-ip)".to_string(), from_user: true })
        .collect();
    let sources: [&[&str]; 2] = [&["gitlab_rails", "trusted_proxies"], &["nginx", "real_ip_trusted_addresses"]];
    for source in sources {
        let spellings: Vec<&[&str]> = match alias_of(source) {
            Some(alias) if version >= alias.since => vec![alias.new, alias.old],
            _ => vec![source],
        };
        let found = spellings.iter().find_map(|full| {
            let (receiver, path) = full.split_first()?;
            let effective = settings.effective(receiver, path)?;
            Some((*full, effective))
        });
        let Some((full, effective)) = found else { continue };
        let EffectiveValue::Literal(id) = effective.value else { continue };
        let name = super::keyed::spell(full);
        for (_, text) in array_strings(file, id).unwrap_or_default() {
            if let Some(net) = text.as_deref().and_then(parse_entry) {
                if !out.iter().any(|t| t.net == net) {
                    out.push(Trusted { net, why: format!("listed in {name}"), from_user: false });
                }
            }
        }
    }
    out
}

/// The hash literal assigned to `rack_attack_git_basic_auth`, if any.
pub(super) fn ban_hash(file: &GitlabRbFile, settings: &GitlabSettings<'_>) -> Option<ValueId> {
    match settings.effective(RECEIVER, &[KEY])?.value {
        EffectiveValue::Literal(id) if file.hash(id).is_some() => Some(id),
        _ => None,
    }
}

/// Every key written for the ban: in its hash literal, and as index
/// assignments `gitlab_rails['rack_attack_git_basic_auth']['key'] = ...`.
/// Returns (key text, span of the key's characters, value).
pub(super) fn written_keys(file: &GitlabRbFile, settings: &GitlabSettings<'_>) -> Vec<(String, Span, ValueId)> {
    let mut out = Vec::new();
    if let Some(hash) = ban_hash(file, settings).and_then(|id| file.hash(id)) {
        for pair in &hash.pairs {
            match &pair.key {
                HashKey::Value(key) => {
                    if let (Some(name), Some(v)) = (file.string(*key), file.value(*key)) {
                        out.push((name.to_string(), inner(v.span, file), pair.value));
                    }
                }
                HashKey::Label { span, name: Some(name), quote } => {
                    let start = span.start + usize::from(quote.is_some());
                    out.push((name.clone(), Span::new(start, start + name.len()), pair.value));
                }
                HashKey::Label { .. } => {}
            }
        }
    }
    for setting in settings.assignments_to(RECEIVER, &[KEY]) {
        if let Some(key) = setting.keys.get(1).filter(|_| setting.keys.len() == 2) {
            out.push((key.value.clone(), inner(key.span, file), setting.value));
        }
    }
    out
}

/// The characters of a quoted literal without its quotes (`'ip_allowlist'`
/// → `ip_allowlist`), or the span itself for a bare symbol-like key.
fn inner(span: Span, file: &GitlabRbFile) -> Span {
    let bytes = &file.source()[span.range()];
    match bytes.first() {
        Some(b'\'' | b'"') if span.len() >= 2 => Span::new(span.start + 1, span.end - 1),
        Some(b':') => Span::new(span.start + 1, span.end),
        _ => span,
    }
}
