use conflint_core::Model;

use super::{omnibus, rack_attack};
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds `proxy_protocol = true` for GitLab's NGINX (either spelling)
    /// with no `real_ip_trusted_addresses`. GitLab's docs list the trusted
    /// addresses as "Required if `proxy_protocol` is enabled".
    ///
    /// ## Why is this bad?
    /// Omnibus sets `real_ip_header proxy_protocol`, but NGINX's realip
    /// module only believes a PROXY header from an address in
    /// `set_real_ip_from`: with none, `$remote_addr` stays the load
    /// balancer's for every request. NGINX's logs, and any NGINX-level
    /// allow or deny rule, see one client.
    ///
    /// ## Example
    /// ```ruby
    /// nginx['proxy_protocol'] = true
    /// ```
    /// Use instead:
    /// ```ruby
    /// nginx['proxy_protocol'] = true
    /// nginx['real_ip_trusted_addresses'] = ['127.0.0.0/8', '10.0.0.2/32']
    /// ```
    ///
    /// ## Fix safety
    /// None: the load balancer's address is not in the file.
    pub struct ProxyProtocolUntrusted {
        code: "GL031",
        name: "proxy-protocol-untrusted",
        severity: Warning,
        default_on: true,
        fix: None,
    }
}

impl Check for ProxyProtocolUntrusted {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Gitlab(tree) = model else { return };
        let (path, file, settings) = (tree.path.as_path(), &tree.file, tree.settings());
        let site = omnibus::NGINX_SITES[0];
        let Some(proxy) = omnibus::nginx(&settings, site, "proxy_protocol").filter(super::omnibus::Found::truthy)
        else {
            return;
        };
        let trusted = omnibus::nginx(&settings, site, "real_ip_trusted_addresses");
        let empty = match &trusted {
            Some(found) => rack_attack::array_strings(file, found.id).is_some_and(|l| l.is_empty()),
            None => !omnibus::nginx_is_set(&settings, site, "real_ip_trusted_addresses"),
        };
        if !empty {
            return;
        }
        checker.report(
            path,
            proxy.value.span,
            format!(
                "`{}` is on but `real_ip_trusted_addresses` is empty: NGINX trusts no PROXY header, so every request keeps the load balancer's address",
                proxy.name
            ),
            None,
        );
    }
}
