//! The virtual-host table httpd builds: for each address:port, the vhosts
//! in the order httpd matches them; the first one is the default that gets
//! every request whose `Host` matches no name (what `apachectl -S` prints).

use super::conditions::Truth;
use super::model::{FileId, HttpdTree, ItemId};
use super::version::ApacheVersion;

/// The host part of a `<VirtualHost>` address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    /// `*`, and in 2.4 also `_default_` (an alias for `*`).
    Any,
    /// 2.2's `_default_`: a separate address, served only for IP
    /// addresses no other vhost claims, never for a name-based address.
    Default,
    /// An IP address (IPv6 without brackets).
    Ip(String),
    /// A host name, resolved by httpd at start-up; kept as written.
    Name(String),
}

/// The port part: a number, or any port (`*` or none written).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Port {
    /// `*`, or no port written.
    Any,
    /// A port number.
    Number(u16),
}

/// One address of a `<VirtualHost>` line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Address {
    /// The host part.
    pub host: Host,
    /// The port part.
    pub port: Port,
}

impl Address {
    /// Parse a `<VirtualHost>` argument as httpd does for `version`.
    pub fn parse(text: &str, version: ApacheVersion) -> Option<Address> {
        let ip = |addr: &str| if is_unspecified(addr) { Host::Any } else { Host::Ip(addr.to_ascii_lowercase()) };
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            let end = rest.find(']')?;
            let port = rest[end + 1..].strip_prefix(':');
            (ip(&rest[..end]), port)
        } else {
            match text.rsplit_once(':') {
                // More than one ':' without brackets: an IPv6 address, no port.
                Some((h, _)) if h.contains(':') => (ip(text), None),
                Some((h, p)) => (host_of(h, version), Some(p)),
                None => (host_of(text, version), None),
            }
        };
        let port = match port {
            None | Some("*") | Some("") => Port::Any,
            Some(p) => Port::Number(p.parse().ok()?),
        };
        Some(Address { host, port })
    }

    /// As `apachectl -S` writes it: `*:80`, `127.0.0.1:8080`, `[::1]:443`, `*:*`.
    pub fn display(&self) -> String {
        let host = match &self.host {
            Host::Any => "*".to_string(),
            Host::Default => "_default_".to_string(),
            Host::Ip(ip) if ip.contains(':') => format!("[{ip}]"),
            Host::Ip(ip) => ip.clone(),
            Host::Name(name) => name.clone(),
        };
        match self.port {
            Port::Any => format!("{host}:*"),
            Port::Number(n) => format!("{host}:{n}"),
        }
    }
}

fn host_of(text: &str, version: ApacheVersion) -> Host {
    if text == "*" || is_unspecified(text) {
        Host::Any
    } else if text.eq_ignore_ascii_case("_default_") {
        match version {
            ApacheVersion::V2_4 => Host::Any,
            ApacheVersion::V2_2 => Host::Default,
        }
    } else if text.parse::<std::net::IpAddr>().is_ok() {
        Host::Ip(text.to_string())
    } else {
        Host::Name(text.to_ascii_lowercase())
    }
}

/// One `<VirtualHost>` that takes effect.
#[derive(Debug, Clone)]
pub struct Vhost {
    /// Its `<VirtualHost>` item.
    pub item: ItemId,
    /// The file it is in (for a macro, the file of the `Use`).
    pub file: FileId,
    /// 1-based line of the `<VirtualHost>` tag.
    pub line: usize,
    /// Its addresses, each once.
    pub addresses: Vec<Address>,
    /// The vhost's own `ServerName` (without scheme and port).
    pub server_name: Option<String>,
    /// Its `ServerAlias` names.
    pub aliases: Vec<String>,
    /// `Maybe` when a conditional around it cannot be decided.
    pub truth: Truth,
    /// TLS: `SSLEngine on` or a certificate inside.
    pub ssl: bool,
}

/// The vhosts that share one address, in httpd's matching order.
#[derive(Debug, Clone)]
pub struct AddressSet {
    /// The address.
    pub address: Address,
    /// Indices into [`VhostTable::vhosts`]; the first is the default.
    pub vhosts: Vec<usize>,
}

/// Every vhost, and the vhosts of each address in matching order.
#[derive(Debug, Clone, Default)]
pub struct VhostTable {
    /// Every vhost that takes effect, in reading order.
    pub vhosts: Vec<Vhost>,
    /// In order of first appearance.
    pub addresses: Vec<AddressSet>,
}

impl VhostTable {
    /// The set for an address, if any vhost uses it.
    pub fn set(&self, address: &Address) -> Option<&AddressSet> {
        self.addresses.iter().find(|s| &s.address == address)
    }
}

/// Build the table from a tree's items.
pub fn table(tree: &HttpdTree) -> VhostTable {
    let mut table = VhostTable::default();
    for (id, item) in tree.items_with_ids() {
        if !item.is_section || !item.is("VirtualHost") {
            continue;
        }
        let mut addresses: Vec<Address> = Vec::new();
        // `*:80 [::]:80` names one address twice: httpd keeps the vhost once.
        for address in item.args.iter().filter_map(|a| Address::parse(a, tree.version)) {
            if !addresses.contains(&address) {
                addresses.push(address);
            }
        }
        let server_name =
            tree.section_value(id, "ServerName").and_then(|sn| tree.items[sn].args.first()).map(|name| bare_name(name));
        let aliases = tree
            .children(id)
            .filter(|c| tree.items[*c].is("ServerAlias"))
            .flat_map(|c| tree.items[c].args.clone())
            .collect();
        // TLS: `SSLEngine on`, or a certificate on a port that `Listen ... https`
        // makes TLS without saying so in the vhost.
        let ssl = tree
            .section_value(id, "SSLEngine")
            .and_then(|s| tree.items[s].args.first())
            .is_some_and(|v| v.eq_ignore_ascii_case("on"))
            || tree.section_value(id, "SSLCertificateFile").is_some();
        let line = tree.files[item.file].syntax.line_number(tree.files[item.file].syntax.lines[item.line].text.start);
        let index = table.vhosts.len();
        for address in &addresses {
            match table.addresses.iter_mut().find(|s| &s.address == address) {
                Some(set) => set.vhosts.push(index),
                None => table.addresses.push(AddressSet { address: address.clone(), vhosts: vec![index] }),
            }
        }
        table.vhosts.push(Vhost {
            item: id,
            file: item.file,
            line,
            addresses,
            server_name,
            aliases,
            truth: item.truth,
            ssl,
        });
    }
    table
}

/// `0.0.0.0` and `::` are the "any" address: httpd puts vhosts declared
/// with them in the same set as `*` (vhost.c compares with INADDR_ANY).
fn is_unspecified(text: &str) -> bool {
    text.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_unspecified())
}

/// `https://www.example.com:443` → `www.example.com`.
pub fn bare_name(name: &str) -> String {
    let name = name.split_once("://").map_or(name, |(_, rest)| rest);
    if let Some(rest) = name.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest).to_string();
    }
    name.split(':').next().unwrap_or(name).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_display_as_httpd_writes_them() {
        let v = ApacheVersion::V2_4;
        assert_eq!(Address::parse("*:80", v).unwrap().display(), "*:80");
        assert_eq!(Address::parse("_default_:443", v).unwrap().display(), "*:443");
        assert_eq!(Address::parse("_default_:443", ApacheVersion::V2_2).unwrap().display(), "_default_:443");
        assert_eq!(Address::parse("[2001:db8::7]:443", v).unwrap().display(), "[2001:db8::7]:443");
        assert_eq!(Address::parse("127.0.0.1", v).unwrap().display(), "127.0.0.1:*");
        assert_eq!(Address::parse("*", v).unwrap().display(), "*:*");
        assert_eq!(Address::parse("[::]:80", v).unwrap().display(), "*:80");
        assert_eq!(Address::parse("0.0.0.0:8080", v).unwrap().display(), "*:8080");
    }

    #[test]
    fn bare_names() {
        assert_eq!(bare_name("https://www.example.com:443"), "www.example.com");
        assert_eq!(bare_name("e:8080"), "e");
    }
}
