use conflint_core::Model;

use super::{omnibus, rack_attack};
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds `gitlab_rails['trusted_proxies']` set while it leaves out
    /// addresses NGINX trusts in `real_ip_trusted_addresses` (either
    /// spelling). Omnibus copies `real_ip_trusted_addresses` into
    /// `trusted_proxies` only when `trusted_proxies` is not set
    /// (`gitlab_rails.rb`, `parse_gitlab_trusted_proxies`), so writing one
    /// list replaces the other for Rails.
    ///
    /// Information only: with the bundled NGINX resolving the client address
    /// itself, Rails sees a single forwarded address and the gap rarely
    /// shows; it does when a proxy chain reaches Rails.
    ///
    /// ## Why is this bad?
    /// The two lists say different things about the same load balancer.
    /// GitLab's docs: trusted proxies keep "users from being listed as
    /// signed in from those IP addresses"; a proxy missing from
    /// `trusted_proxies` can show up as the client in sign-in records and
    /// audit events, and as the address rate limits count.
    ///
    /// ## Example
    /// ```ruby
    /// nginx['real_ip_trusted_addresses'] = ['10.0.0.0/24']
    /// gitlab_rails['trusted_proxies'] = ['192.168.1.10']
    /// ```
    /// Use instead:
    /// ```ruby
    /// nginx['real_ip_trusted_addresses'] = ['10.0.0.0/24']
    /// gitlab_rails['trusted_proxies'] = ['10.0.0.0/24', '192.168.1.10']
    /// ```
    ///
    /// ## Fix safety
    /// None: whether Rails should trust the same proxies is the owner's
    /// call.
    pub struct TrustedProxiesMismatch {
        code: "GL029",
        name: "trusted-proxies-mismatch",
        severity: Info,
        default_on: true,
        fix: None,
    }
}

impl Check for TrustedProxiesMismatch {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Gitlab(tree) = model else { return };
        let (path, file, settings) = (tree.path.as_path(), &tree.file, tree.settings());
        let Some(proxies) = omnibus::literal(&settings, "gitlab_rails", &["trusted_proxies"]) else { return };
        let Some(real_ip) = omnibus::nginx(&settings, omnibus::NGINX_SITES[0], "real_ip_trusted_addresses") else {
            return;
        };
        let Some(trusted) = rack_attack::array_strings(file, proxies.id) else { return };
        let trusted: Vec<ipnet::IpNet> =
            trusted.iter().filter_map(|(_, t)| t.as_deref().and_then(omnibus::net)).collect();
        let missing: Vec<String> = rack_attack::array_strings(file, real_ip.id)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(_, t)| t)
            .filter(|t| omnibus::net(t).is_some_and(|n| !trusted.iter().any(|p| p.contains(&n))))
            .collect();
        if missing.is_empty() {
            return;
        }
        checker.report(
            path,
            proxies.value.span,
            format!(
                "`gitlab_rails['trusted_proxies']` is set, so GitLab does not copy `{}` into it, and Rails does not trust {} that NGINX trusts",
                real_ip.name,
                missing.join(", ")
            ),
            None,
        );
    }
}
