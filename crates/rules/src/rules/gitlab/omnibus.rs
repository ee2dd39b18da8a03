//! What the hardening rules (GL020-GL035) share: reading a literal setting
//! of gitlab.rb, the NGINX keys under both spellings of the GitLab 19.2
//! move, `external_url`, and telling loopback, private and public
//! addresses apart.

use std::net::IpAddr;
use std::path::Path;

use conflint_core::Span;
use conflint_core::gitlab::{EffectiveValue, GitlabRbFile, GitlabSettings, StatementKind, Value, ValueId, ValueKind};
use ipnet::IpNet;

use super::rack_attack;
use crate::diagnostic::Edit;

/// A literal value a path ends up with, and how to name the path.
#[derive(Debug, Clone)]
pub(super) struct Found<'f> {
    /// The value's id.
    pub id: ValueId,
    /// The value.
    pub value: &'f Value,
    /// The path as gitlab.rb writes it: `gitlab_rails['nginx']['ssl_protocols']`.
    pub name: String,
    /// The statement that set it.
    pub statement: usize,
}

impl Found<'_> {
    /// The decoded string, if the value is a plain string literal.
    pub(super) fn string<'a>(&self, file: &'a GitlabRbFile) -> Option<&'a str> {
        file.string(self.id)
    }

    /// `Some(b)` for a literal `true`/`false`.
    pub(super) fn bool(&self) -> Option<bool> {
        match self.value.kind {
            ValueKind::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// `Some(n)` for a literal integer.
    pub(super) fn int(&self) -> Option<i64> {
        match self.value.kind {
            ValueKind::Int(n) => Some(n),
            _ => None,
        }
    }

    /// Whether Ruby takes the value as true: anything but `nil` and `false`.
    pub(super) fn truthy(&self) -> bool {
        !matches!(self.value.kind, ValueKind::Nil | ValueKind::Bool(false))
    }
}

/// `receiver['a']['b']`.
pub(super) fn display(receiver: &str, path: &[&str]) -> String {
    let keys: String = path.iter().map(|k| format!("['{k}']")).collect();
    format!("{receiver}{keys}")
}

/// The literal value of `receiver[path...]` after the whole file ran;
/// `None` when the file does not set it, or sets it to Ruby conflint does
/// not evaluate (`ENV['X']`, `File.read(...)`).
pub(super) fn literal<'f>(settings: &GitlabSettings<'f>, receiver: &str, path: &[&str]) -> Option<Found<'f>> {
    let effective = settings.effective(receiver, path)?;
    let EffectiveValue::Literal(id) = effective.value else { return None };
    let value = settings.file().value(id)?;
    Some(Found { id, value, name: display(receiver, path), statement: effective.statement })
}

/// Whether the file sets `receiver[path...]` to something (a literal or
/// Ruby conflint cannot read), rather than leaving the default.
pub(super) fn is_set(settings: &GitlabSettings<'_>, receiver: &str, path: &[&str]) -> bool {
    settings
        .effective(receiver, path)
        .is_some_and(|e| !matches!(e.value, EffectiveValue::Literal(id) if matches!(settings.file().value(id).map(|v| &v.kind), Some(ValueKind::Nil))))
}

/// The NGINX sites Omnibus renders, each under its 19.2+ spelling
/// (`receiver['nginx'][key]`) and its older one (`old[key]`, still applied
/// by 19.2+ when the new one is unset: `translate_*_nginx_settings`).
pub(super) const NGINX_SITES: &[(&str, &str)] = &[
    ("gitlab_rails", "nginx"),
    ("registry", "registry_nginx"),
    ("gitlab_pages", "pages_nginx"),
    ("gitlab_kas", "gitlab_kas_nginx"),
];

/// The NGINX setting `key` of a site as Omnibus applies it: the 19.2+
/// spelling when set, else the older one.
pub(super) fn nginx<'f>(settings: &GitlabSettings<'f>, site: (&str, &str), key: &str) -> Option<Found<'f>> {
    let (receiver, old) = site;
    if is_set(settings, receiver, &["nginx", key]) {
        return literal(settings, receiver, &["nginx", key]);
    }
    literal(settings, old, &[key])
}

/// Whether the file sets an NGINX key of a site under either spelling.
pub(super) fn nginx_is_set(settings: &GitlabSettings<'_>, site: (&str, &str), key: &str) -> bool {
    is_set(settings, site.0, &["nginx", key]) || is_set(settings, site.1, &[key])
}

/// The main site's key in the spelling the file already uses: the 19.2+
/// `gitlab_rails['nginx']` when the file writes any key that way, else
/// `nginx[...]`, which every release applies.
pub(super) fn rails_nginx_spelling(settings: &GitlabSettings<'_>, key: &str) -> String {
    if settings.settings("gitlab_rails").any(|s| s.keys.first().is_some_and(|k| k.value == "nginx")) {
        display("gitlab_rails", &["nginx", key])
    } else {
        display("nginx", &[key])
    }
}

/// The last `external_url '...'` with a literal string, and its value.
pub(super) fn external_url<'f>(settings: &GitlabSettings<'f>) -> Option<(ValueId, &'f str)> {
    let file = settings.file();
    let (_, command) = settings.commands("external_url").last()?;
    let id = *command.args.first()?;
    Some((id, file.string(id)?))
}

/// The scheme and host of a URL (`https://user@Host:8443/x` -> `https`,
/// `host`), lower-cased; `None` for text that is not `scheme://host...`.
pub(super) fn scheme_and_host(url: &str) -> Option<(String, String)> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(inner) = authority.strip_prefix('[') {
        inner.split(']').next().unwrap_or("")
    } else {
        authority.split(':').next().unwrap_or("")
    };
    if scheme.is_empty() || host.is_empty() {
        return None;
    }
    Some((scheme.to_ascii_lowercase(), host.to_ascii_lowercase()))
}

/// The port a URL names explicitly (`https://host:8443/` -> 8443).
pub(super) fn explicit_port(url: &str) -> Option<u16> {
    let (_, rest) = url.trim().split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let after_host = match authority.strip_prefix('[') {
        Some(inner) => inner.split_once(']').map(|(_, rest)| rest)?,
        None => authority.find(':').map(|i| &authority[i..])?,
    };
    after_host.strip_prefix(':')?.parse().ok()
}

/// An address or CIDR as GitLab and Ruby's `IPAddr.new` read it.
pub(super) fn net(text: &str) -> Option<IpNet> {
    rack_attack::parse_entry(text)
}

/// Whether every address of `net` is a loopback address.
pub(super) fn is_loopback(net: &IpNet) -> bool {
    match net.network() {
        IpAddr::V4(a) => a.is_loopback() && net.prefix_len() >= 8,
        IpAddr::V6(a) => a.is_loopback() && net.prefix_len() == 128,
    }
}

/// Whether every address of `net` is loopback, private (RFC 1918, unique
/// local), shared (RFC 6598) or link-local: not reachable from the internet.
pub(super) fn is_internal(net: &IpNet) -> bool {
    const INTERNAL: &[&str] = &[
        "127.0.0.0/8",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "169.254.0.0/16",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
    ];
    INTERNAL.iter().filter_map(|n| n.parse::<IpNet>().ok()).any(|block| block.contains(net))
}

/// Whether a listen host means every interface: `0.0.0.0`, `::`, `*`, or
/// an empty host (`:9100`).
pub(super) fn is_wildcard_host(host: &str) -> bool {
    matches!(host.trim().trim_start_matches('[').trim_end_matches(']'), "" | "*" | "0.0.0.0" | "::")
}

/// Whether a listen host is this machine only: `localhost` or a loopback
/// address.
pub(super) fn is_loopback_host(host: &str) -> bool {
    let host = host.trim().trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|a| a.is_loopback())
}

/// The host of `host:port`, `[v6]:port`, `:port` or a bare host.
pub(super) fn listen_host(address: &str) -> &str {
    let address = address.trim();
    if let Some(inner) = address.strip_prefix('[') {
        return inner.split(']').next().unwrap_or("");
    }
    // A bare IPv6 address has several colons and no port.
    if address.matches(':').count() > 1 {
        return address;
    }
    address.split(':').next().unwrap_or("")
}

/// An edit adding `line` (without line ending) as a new statement right
/// after statement `after`, with that statement's indentation.
pub(super) fn insert_after(path: &Path, file: &GitlabRbFile, after: usize, line: &str) -> Option<Edit> {
    let statement = file.statements.get(after)?;
    let eol = file.line_ending().as_str();
    let start = statement.span.start;
    let indent: String = file
        .text(Span::new(start, statement.code.start.max(start)))
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let end = statement.span.end;
    let ends_line = file.source()[..end].ends_with(b"\n") || file.source()[..end].ends_with(b"\r");
    let text = if ends_line { format!("{indent}{line}{eol}") } else { format!("{eol}{indent}{line}") };
    Some(Edit::insert(path, end, text))
}

/// The index of the last statement that is an assignment to `receiver`,
/// or the `external_url` call: where a new setting reads naturally.
pub(super) fn anchor(settings: &GitlabSettings<'_>, receiver: &str) -> Option<usize> {
    let last_assignment = settings.settings(receiver).last().map(|s| s.statement);
    last_assignment
        .or_else(|| settings.commands("external_url").last().map(|(i, _)| i))
        .or_else(|| settings.file().statements.iter().rposition(|s| matches!(s.kind, StatementKind::Assignment(_))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(scheme_and_host("https://GitLab.example.com/"), Some(("https".into(), "gitlab.example.com".into())));
        assert_eq!(scheme_and_host("http://u:p@[::1]:8080/x"), Some(("http".into(), "::1".into())));
        assert_eq!(scheme_and_host("GENERATED_EXTERNAL_URL"), None);
        assert_eq!(explicit_port("https://gitlab.example.com:6443/x"), Some(6443));
        assert_eq!(explicit_port("https://[::1]:8443"), Some(8443));
        assert_eq!(explicit_port("https://gitlab.example.com/"), None);
    }

    #[test]
    fn listen_addresses() {
        assert_eq!(listen_host("0.0.0.0:9100"), "0.0.0.0");
        assert_eq!(listen_host("[::]:9100"), "::");
        assert_eq!(listen_host(":9100"), "");
        assert_eq!(listen_host("localhost"), "localhost");
        assert!(is_wildcard_host("") && is_wildcard_host("*") && is_wildcard_host("[::]"));
        assert!(is_loopback_host("127.0.0.1") && is_loopback_host("LOCALHOST") && !is_loopback_host("10.0.0.1"));
    }

    #[test]
    fn address_classes() {
        let n = |s: &str| net(s).expect("net");
        assert!(is_internal(&n("10.1.2.0/24")) && is_internal(&n("::1")) && !is_internal(&n("0.0.0.0/0")));
        assert!(!is_internal(&n("198.51.100.0/24")));
        assert!(is_loopback(&n("127.0.0.1")) && !is_loopback(&n("0.0.0.0/0")) && !is_loopback(&n("10.0.0.1")));
    }
}
