use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use conflint_core::Model;
use conflint_core::postfix::{Origin, Scope, parse_network};

use super::{main_span, origin_span, smtpd_services, tree, value, written_in_main};
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds a `mynetworks` (in main.cf, or a master.cf `-o mynetworks=`
    /// of an smtpd service) that trusts far more than the operator's own
    /// machines:
    ///
    /// - `0.0.0.0/0` or `::/0` (any prefix length 0): every address on
    ///   the internet;
    /// - a public IPv4 network of /16 or wider, or a public IPv6 network
    ///   of /32 or wider: a provider's whole allocation. Private, loopback,
    ///   link-local, shared (100.64.0.0/10) and unique-local ranges, and
    ///   public networks narrower than that (a server's own /32, an
    ///   office /24 or /28) are not reported;
    /// - `mynetworks_style = class` while `mynetworks` is not set: Postfix
    ///   then trusts the whole class A/B/C network of each interface,
    ///   which postconf(5) warns "may cause Postfix to 'trust' your entire
    ///   provider's network". (When `mynetworks` is set the style is
    ///   ignored.)
    ///
    /// ## Why is this bad?
    /// `permit_mynetworks` comes first in the relay and recipient
    /// restrictions of nearly every configuration: a client in
    /// `mynetworks` may relay mail to any domain. A network that includes
    /// strangers makes the server an open relay for them, and it ends up
    /// on block lists within hours.
    ///
    /// Source: postconf(5) `mynetworks`, `mynetworks_style`.
    ///
    /// ## Example
    /// ```text
    /// mynetworks = 127.0.0.0/8 [::1]/128 0.0.0.0/0
    /// ```
    /// Use instead:
    /// ```text
    /// mynetworks = 127.0.0.0/8 [::1]/128 203.0.113.7/32
    /// ```
    ///
    /// ## Fix safety
    /// None: conflint cannot know which hosts must relay through this
    /// server.
    pub struct MynetworksTooBroad {
        code: "PF003",
        name: "mynetworks-too-broad",
        severity: Error,
        default_on: true,
        fix: None,
        references: ["postconf(5) mynetworks_style"],
    }
}

/// Why a network is too broad, or `None`.
fn too_broad(ip: IpAddr, prefix: u8) -> Option<&'static str> {
    if prefix == 0 {
        return Some("every address on the internet");
    }
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    let public = match ip {
        IpAddr::V4(v4) => is_public_v4(v4) && prefix <= 16,
        IpAddr::V6(v6) => is_public_v6(v6) && prefix <= 32,
    };
    public.then_some("a whole public network of other people's machines")
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_private() || ip.is_loopback() || ip.is_link_local() || ip.is_unspecified() || a == 0
        // 100.64.0.0/10, shared address space (RFC 6598)
        || (a == 100 && (64..128).contains(&b)))
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback() || ip.is_unspecified()
        // fc00::/7 unique local, fe80::/10 link local
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80)
}

impl Check for MynetworksTooBroad {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Some(tree) = tree(model) else { return };
        let config = &tree.config;
        let mut scopes = Vec::new();
        if tree.main_path.is_some() {
            scopes.push(Scope::Main);
        }
        scopes.extend(
            smtpd_services(config).into_iter().filter(|s| s.override_value("mynetworks").is_some()).map(Scope::Service),
        );
        for scope in scopes {
            let Ok(list) = config.list_in(scope, "mynetworks") else { continue };
            if !matches!(list.effective.raw.origin, Origin::MainCf { .. } | Origin::Override { .. }) {
                continue;
            }
            let Some((path, setting)) = origin_span(tree, &list.effective.raw.origin) else { continue };
            for item in &list.items {
                let Some((ip, prefix)) = parse_network(&item.text) else { continue };
                let Some(why) = too_broad(ip, prefix) else { continue };
                let span = item.span.or(item.via.as_ref().and_then(|(_, s)| *s)).unwrap_or(setting);
                let message = format!(
                    "`mynetworks` includes `{}`, {why}: `permit_mynetworks` lets each of them relay mail to any domain through this server; list only your own hosts and networks",
                    conflint_core::text::escape_control(&item.text)
                );
                checker.report(path, span, message, None);
            }
        }
        // The style only matters when mynetworks is not set.
        let Some(path) = tree.main_path.as_deref() else { return };
        if !written_in_main(config, "mynetworks")
            && written_in_main(config, "mynetworks_style")
            && value(config, Scope::Main, "mynetworks_style").eq_ignore_ascii_case("class")
        {
            checker.report(
                path,
                main_span(config, "mynetworks_style"),
                "`mynetworks_style = class` trusts the whole class A/B/C network of each interface (up to a /8 of your provider's customers): each may relay mail through this server; use `host` (the default) or list your networks in `mynetworks`",
                None,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn broad(net: &str) -> bool {
        let (ip, prefix) = parse_network(net).unwrap();
        too_broad(ip, prefix).is_some()
    }

    #[test]
    fn ranges() {
        assert!(broad("0.0.0.0/0"));
        assert!(broad("[::]/0"));
        assert!(broad("198.51.0.0/16"));
        assert!(broad("[2001:db8::]/32"));
        assert!(!broad("10.0.0.0/8"));
        assert!(!broad("100.64.0.0/10"));
        assert!(!broad("203.0.113.7/32"));
        assert!(!broad("198.51.100.0/24"));
        assert!(!broad("[::ffff:127.0.0.0]/104"));
        assert!(!broad("[fd00::]/8"));
        assert!(!broad("127.0.0.0/8"));
    }
}
