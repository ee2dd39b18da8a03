use conflint_core::Model;

use super::{omnibus, rack_attack};
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds `real_ip_trusted_addresses` set for GitLab's NGINX (either
    /// spelling) without `real_ip_header` and without `proxy_protocol`
    /// (for which Omnibus sets the header itself). NGINX's realip module
    /// then reads the client address from `X-Real-IP`, its default.
    ///
    /// ## Why is this bad?
    /// Most load balancers send only `X-Forwarded-For`: AWS, Google Cloud
    /// and Azure load balancers, HAProxy's `option forwardfor`, Traefik.
    /// NGINX then keeps the load balancer's own address as every client's,
    /// GitLab's logs show one address, and Rack::Attack's ban for failed git
    /// logins bans the load balancer, which is everyone.
    ///
    /// ## Example
    /// ```ruby
    /// nginx['real_ip_trusted_addresses'] = ['10.0.0.2']
    /// ```
    /// Use instead:
    /// ```ruby
    /// nginx['real_ip_trusted_addresses'] = ['10.0.0.2']
    /// nginx['real_ip_header'] = 'X-Forwarded-For'
    /// nginx['real_ip_recursive'] = 'on'
    /// ```
    ///
    /// ## Fix safety
    /// None: the header depends on the load balancer; if it does send
    /// `X-Real-IP`, say so with `real_ip_header = 'X-Real-IP'`.
    pub struct RealIpHeaderDefault {
        code: "GL030",
        name: "real-ip-header-default",
        severity: Warning,
        default_on: true,
        fix: None,
    }
}

impl Check for RealIpHeaderDefault {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Gitlab(tree) = model else { return };
        let (path, file, settings) = (tree.path.as_path(), &tree.file, tree.settings());
        let site = omnibus::NGINX_SITES[0];
        let Some(trusted) = omnibus::nginx(&settings, site, "real_ip_trusted_addresses") else { return };
        if rack_attack::array_strings(file, trusted.id).is_none_or(|list| list.is_empty()) {
            return;
        }
        if omnibus::nginx_is_set(&settings, site, "real_ip_header")
            || omnibus::nginx(&settings, site, "proxy_protocol").is_some_and(|f| f.truthy())
        {
            return;
        }
        let header = omnibus::rails_nginx_spelling(&settings, "real_ip_header");
        checker.report(
            path,
            trusted.value.span,
            format!(
                "`{}` is set without `real_ip_header`, so NGINX reads X-Real-IP: a load balancer that sends only X-Forwarded-For stays every client's address, and Rack::Attack can ban it; set `{header} = 'X-Forwarded-For'`",
                trusted.name
            ),
            None,
        );
    }
}
