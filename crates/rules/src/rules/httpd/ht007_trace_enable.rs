use conflint_core::Model;
use conflint_core::httpd::{Host, HttpdTree, ItemId, Port, Truth};

use super::edit;
use super::server_setting::ServerSetting;

use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds an httpd tree whose effective `TraceEnable` in server context
    /// is not `Off`. Without the directive, TRACE is on.
    ///
    /// The main server's setting matters only for requests that reach it:
    /// when every `Listen` address is covered by virtual hosts (a `*:port`
    /// vhost, or one for that address) and every vhost sets `TraceEnable
    /// Off` itself, TRACE is refused everywhere and nothing is reported.
    ///
    /// ## Why is this bad?
    /// TRACE echoes the request back, headers included. httpd's own
    /// documentation notes that this is no vulnerability in httpd itself,
    /// but scanners and audits flag it everywhere (cross-site tracing), and
    /// no production site needs it.
    ///
    /// ## Example
    /// ```apache
    /// TraceEnable On
    /// ```
    /// Use instead:
    /// ```apache
    /// TraceEnable Off
    /// ```
    ///
    /// ## Fix safety
    /// Safe: only TRACE requests change (405 instead of an echo).
    pub struct TraceEnable {
        code: "HT007",
        name: "trace-enable",
        severity: Info,
        default_on: true,
        fix: Safe,
    }
}

impl Check for TraceEnable {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        if every_request_reaches_a_vhost_refusing_trace(tree) {
            return;
        }
        let setting = ServerSetting {
            name: "TraceEnable",
            value: "Off",
            good: &|value| value.eq_ignore_ascii_case("off"),
            missing: "`TraceEnable` is not set, so TRACE requests are answered",
            wrong: &|value| format!("`TraceEnable {value}` answers TRACE requests; use `Off`"),
        };
        setting.check(tree, checker);
    }
}

/// Whether every `Listen` address has a vhost that takes its requests, and
/// every vhost sets `TraceEnable Off`: then the main server answers no
/// request, and its setting does not matter.
fn every_request_reaches_a_vhost_refusing_trace(tree: &HttpdTree) -> bool {
    let table = &tree.vhosts;
    if table.vhosts.is_empty() || table.vhosts.iter().any(|v| v.truth != Truth::Yes) {
        return false;
    }
    let refuses = |v: &conflint_core::httpd::Vhost| {
        tree.section_value(v.item, "TraceEnable").is_some_and(|id| edit::first_arg_lower(tree, id) == "off")
    };
    if !table.vhosts.iter().all(refuses) {
        return false;
    }
    let listens: Vec<(Option<String>, u16)> =
        tree.server_directives("Listen").filter_map(|id| listen(tree, id)).collect();
    !listens.is_empty()
        && listens.iter().all(|(ip, port)| {
            table.addresses.iter().any(|set| {
                let port_ok = match set.address.port {
                    Port::Any => true,
                    Port::Number(n) => n == *port,
                };
                let host_ok = match (&set.address.host, ip) {
                    (Host::Any, _) => true,
                    (Host::Ip(a), Some(b)) => a.eq_ignore_ascii_case(b),
                    _ => false,
                };
                port_ok && host_ok
            })
        })
}

/// `Listen [addr:]port [protocol]`: the address (`None` for every address)
/// and the port.
fn listen(tree: &HttpdTree, id: ItemId) -> Option<(Option<String>, u16)> {
    let arg = tree.item(id).args.first()?;
    let (host, port) = match arg.rsplit_once(':') {
        Some((host, port)) => (Some(host.trim_start_matches('[').trim_end_matches(']').to_string()), port),
        None => (None, arg.as_str()),
    };
    let host = host.filter(|h| !matches!(h.as_str(), "*" | "0.0.0.0" | "::"));
    Some((host, port.parse().ok()?))
}
