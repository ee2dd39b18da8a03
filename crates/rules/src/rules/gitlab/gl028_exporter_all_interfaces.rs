use conflint_core::Model;

use super::omnibus;
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds GitLab's bundled monitoring services listening on every
    /// interface (`0.0.0.0`, `::`, `*` or an empty host such as `:9100`):
    /// `prometheus`, `alertmanager`, `node_exporter`, `redis_exporter`,
    /// `postgres_exporter`, `pgbouncer_exporter` and `gitlab_exporter`
    /// (`listen_address`), `gitlab_workhorse['prometheus_listen_addr']` and
    /// Sidekiq's metrics and health-check listeners. Their defaults are all
    /// `localhost`/`127.0.0.1`.
    ///
    /// Information only: multi-node setups open them on purpose so a central
    /// Prometheus can scrape them; bind to the internal address then.
    ///
    /// ## Why is this bad?
    /// None of them asks for credentials. On every interface they answer
    /// whoever can reach the machine: host and database metrics, Redis key
    /// statistics, a Prometheus that shows every target and lets anyone run
    /// queries.
    ///
    /// ## Example
    /// ```ruby
    /// node_exporter['listen_address'] = '0.0.0.0:9100'
    /// ```
    /// Use instead:
    /// ```ruby
    /// node_exporter['listen_address'] = '10.0.0.5:9100'
    /// ```
    ///
    /// ## Fix safety
    /// None: the scraper's network is not in the file.
    pub struct ExporterAllInterfaces {
        code: "GL028",
        name: "exporter-all-interfaces",
        severity: Info,
        default_on: true,
        fix: None,
    }
}

/// The listeners and the key that sets their address.
const LISTENERS: &[(&str, &str)] = &[
    ("prometheus", "listen_address"),
    ("alertmanager", "listen_address"),
    ("node_exporter", "listen_address"),
    ("redis_exporter", "listen_address"),
    ("postgres_exporter", "listen_address"),
    ("pgbouncer_exporter", "listen_address"),
    ("gitlab_exporter", "listen_address"),
    ("gitlab_workhorse", "prometheus_listen_addr"),
    ("sidekiq", "listen_address"),
    ("sidekiq", "health_checks_listen_address"),
];

impl Check for ExporterAllInterfaces {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Gitlab(tree) = model else { return };
        let (path, file, settings) = (tree.path.as_path(), &tree.file, tree.settings());
        for (receiver, key) in LISTENERS {
            let Some(found) = omnibus::literal(&settings, receiver, &[key]) else { continue };
            let Some(address) = found.string(file) else { continue };
            if !omnibus::is_wildcard_host(omnibus::listen_host(address)) {
                continue;
            }
            checker.report(
                path,
                found.value.span,
                format!(
                    "`{}` listens on every interface: it answers anyone who reaches the machine, without credentials; bind it to localhost or an internal address",
                    found.name
                ),
                None,
            );
        }
    }
}
