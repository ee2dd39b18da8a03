use conflint_core::Model;
use conflint_core::httpd::{HttpdTree, ItemId};

use super::edit;
use super::hardening::{Access, PerServer, access, vhost_label};
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds `ProxyRequests On` in a server or virtual host whose
    /// `<Proxy *>` section lets everyone in: `Require all granted` (2.4),
    /// `Allow from all` (2.2), or no access rule at all, or no `<Proxy *>`
    /// section. A `<Proxy *>` in server context applies to every vhost.
    ///
    /// ## Why is this bad?
    /// `ProxyRequests On` makes httpd a forward proxy: anyone who can reach
    /// the port can send `GET http://any.host/ HTTP/1.1` and httpd fetches
    /// it for them. Open proxies are found within hours and used to relay
    /// spam, click fraud and attacks from your address, and to reach hosts
    /// behind your firewall (`http://127.0.0.1:8080/`, cloud metadata
    /// services). A reverse proxy (`ProxyPass`) does not need
    /// `ProxyRequests` at all. CIS Apache 2.4 2.6 (proxy modules) covers it.
    ///
    /// ## Example
    /// ```apache
    /// ProxyRequests On
    /// <Proxy "*">
    ///     Require all granted
    /// </Proxy>
    /// ```
    /// Use instead (a reverse proxy):
    /// ```apache
    /// ProxyRequests Off
    /// ProxyPass "/app/" "http://127.0.0.1:8080/"
    /// ```
    /// or, for a real forward proxy, only your own clients:
    /// ```apache
    /// ProxyRequests On
    /// <Proxy "*">
    ///     Require ip 192.0.2.0/24
    /// </Proxy>
    /// ```
    ///
    /// ## Fix safety
    /// No fix: whether the proxy should be off or restricted to some
    /// clients, and which, only the owner knows.
    pub struct OpenForwardProxy {
        code: "HT020",
        name: "open-forward-proxy",
        severity: Error,
        default_on: true,
        fix: None,
        references: ["CIS Apache 2.4 2.6"],
        tags: ["cis", "hardening"],
    }
}

impl Check for OpenForwardProxy {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        if !tree.may_have_module("proxy_module") {
            return;
        }
        let requests = PerServer::of(tree, "ProxyRequests");
        let on = |id: ItemId| edit::first_arg_lower(tree, id) == "on";
        // `<Proxy *>` sections: in server context (every vhost), or per vhost.
        let mut server_proxy: Option<Access> = None;
        let mut vhost_proxy: Vec<(ItemId, Access)> = Vec::new();
        for (id, item) in tree.items_with_ids() {
            if !item.is_section || !is_catch_all_proxy(&item.name, &item.args) {
                continue;
            }
            let a = access(tree, id);
            match tree.virtual_host_of(id) {
                None => server_proxy = Some(merge(server_proxy, a)),
                Some(v) => vhost_proxy.push((v, a)),
            }
        }
        let open = |vhost: Option<ItemId>| {
            let own = vhost.and_then(|v| {
                vhost_proxy.iter().filter(|(h, _)| *h == v).map(|(_, a)| *a).reduce(|a, b| merge(Some(a), b))
            });
            let decided = own.filter(|a| *a != Access::Unset).or(server_proxy);
            !matches!(decided, Some(Access::Restricted | Access::Denied))
        };
        if let Some(id) = requests.server().filter(|id| on(*id)) {
            let users: Vec<String> = tree
                .vhosts
                .vhosts
                .iter()
                .filter(|v| requests.own(v.item).is_none() && open(Some(v.item)))
                .map(|v| vhost_label(tree, v))
                .collect();
            if open(None) || !users.is_empty() {
                let mut message = open_message();
                if !users.is_empty() && !open(None) {
                    message.push_str(&format!(" (in the vhosts that inherit it: {})", users.join(", ")));
                }
                report(tree, checker, id, message);
            }
        }
        for vhost in &tree.vhosts.vhosts {
            if let Some(id) = requests.own(vhost.item).filter(|id| on(*id)) {
                if open(Some(vhost.item)) {
                    report(tree, checker, id, open_message());
                }
            }
        }
    }
}

fn open_message() -> String {
    "`ProxyRequests On` with no `<Proxy \"*\">` restricting who may use it: httpd is an open forward proxy that fetches any URL for anyone (CIS 2.6); turn it off for a reverse proxy, or allow only your clients with `Require ip` in `<Proxy \"*\">`".to_string()
}

fn report(tree: &HttpdTree, checker: &mut Checker<'_>, id: ItemId, message: String) {
    checker.report(edit::path(tree, id), edit::directive_span(tree, id), message, None);
}

/// Later sections with an access rule decide; restrictive ones stay restrictive.
fn merge(earlier: Option<Access>, later: Access) -> Access {
    match (earlier, later) {
        (Some(a), Access::Unset) => a,
        (_, l) => l,
    }
}

/// `<Proxy *>`, `<Proxy "*">`, `<Proxy http://*>`, `<ProxyMatch .*>`: sections
/// that match every proxied URL.
fn is_catch_all_proxy(name: &str, args: &[String]) -> bool {
    let arg = args.first().map_or("", String::as_str);
    if name.eq_ignore_ascii_case("Proxy") {
        matches!(arg, "*" | "http://*" | "https://*" | "proxy:*")
    } else if name.eq_ignore_ascii_case("ProxyMatch") {
        matches!(arg, ".*" | "^.*" | "^.*$" | ".*$" | "^" | ".")
    } else {
        false
    }
}
