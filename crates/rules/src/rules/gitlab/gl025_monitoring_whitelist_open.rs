use conflint_core::Model;

use super::{omnibus, rack_attack};
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds `gitlab_rails['monitoring_whitelist']` entries that open
    /// GitLab's monitoring endpoints to the internet: `0.0.0.0/0`, `::/0`,
    /// or a public network wider than a /16 (IPv4) or /48 (IPv6). Single
    /// public addresses and small public networks (a monitoring host, an
    /// office) are fine, as are private and loopback ranges. The default is
    /// `['127.0.0.0/8', '::1/128']`.
    ///
    /// ## Why is this bad?
    /// The list guards `/-/health`, `/-/readiness`, `/-/liveness` and
    /// `/-/metrics`: readiness answers name the internal services and their
    /// state, and the metrics expose request rates, versions and internals to
    /// anyone who asks, a reconnaissance gift and an easy way to load the
    /// server.
    ///
    /// ## Example
    /// ```ruby
    /// gitlab_rails['monitoring_whitelist'] = ['0.0.0.0/0']
    /// ```
    /// Use instead:
    /// ```ruby
    /// gitlab_rails['monitoring_whitelist'] = ['127.0.0.0/8', '::1/128', '10.0.5.20']
    /// ```
    ///
    /// ## Fix safety
    /// None: the monitoring server's real address is unknown.
    pub struct MonitoringWhitelistOpen {
        code: "GL025",
        name: "monitoring-whitelist-open",
        severity: Warning,
        default_on: true,
        fix: None,
    }
}

impl Check for MonitoringWhitelistOpen {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Gitlab(tree) = model else { return };
        let (path, file, settings) = (tree.path.as_path(), &tree.file, tree.settings());
        let Some(found) = omnibus::literal(&settings, "gitlab_rails", &["monitoring_whitelist"]) else { return };
        for (span, text) in rack_attack::array_strings(file, found.id).unwrap_or_default() {
            let Some(net) = text.as_deref().and_then(omnibus::net) else { continue };
            let wide = match net {
                ipnet::IpNet::V4(n) => n.prefix_len() < 16,
                ipnet::IpNet::V6(n) => n.prefix_len() < 48,
            };
            if omnibus::is_internal(&net) || !wide {
                continue;
            }
            let reach = if net.prefix_len() == 0 { "every address" } else { "a wide public network" };
            checker.report(
                path,
                span,
                format!(
                    "monitoring_whitelist entry {} allows {reach}: /-/readiness and /-/metrics show GitLab's internals to the internet",
                    file.text(span)
                ),
                None,
            );
        }
    }
}
