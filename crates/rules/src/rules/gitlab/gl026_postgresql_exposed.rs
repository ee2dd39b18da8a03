use conflint_core::Model;

use super::{omnibus, rack_attack};
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds the bundled PostgreSQL listening on a network address
    /// (`postgresql['listen_address']` with an entry other than `localhost`
    /// or a loopback address; the default, `nil`, is the Unix socket only)
    /// while its `pg_hba.conf` lets the world in: `md5_auth_cidr_addresses`
    /// containing `0.0.0.0/0` or `::/0` (password logins from anywhere), or
    /// `trust_auth_cidr_addresses` containing any address that is not
    /// loopback (no password at all).
    ///
    /// ## Why is this bad?
    /// `trust` means "without authentication of any kind" (the PostgreSQL
    /// manual): anyone who reaches the port from such an address is the
    /// `gitlab` database superuser, with every repository's metadata,
    /// every user and every token. `md5` from everywhere puts the database
    /// password up for guessing on the internet.
    ///
    /// ## Example
    /// ```ruby
    /// postgresql['listen_address'] = '0.0.0.0'
    /// postgresql['trust_auth_cidr_addresses'] = %w(10.0.0.0/8)
    /// ```
    /// Use instead:
    /// ```ruby
    /// postgresql['listen_address'] = '10.0.0.5'
    /// postgresql['md5_auth_cidr_addresses'] = %w(10.0.0.6/32)
    /// postgresql['trust_auth_cidr_addresses'] = %w(127.0.0.1/32)
    /// ```
    ///
    /// ## Fix safety
    /// None: which hosts (GitLab application nodes, replicas) need the
    /// database is not in the file.
    pub struct PostgresqlExposed {
        code: "GL026",
        name: "postgresql-exposed",
        severity: Error,
        default_on: true,
        fix: None,
    }
}

impl Check for PostgresqlExposed {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Gitlab(tree) = model else { return };
        let (path, file, settings) = (tree.path.as_path(), &tree.file, tree.settings());
        let Some(listen) = omnibus::literal(&settings, "postgresql", &["listen_address"]) else { return };
        let Some(addresses) = listen.string(file) else { return };
        // PostgreSQL's listen_addresses: comma-separated, `*` for all.
        let networked: Vec<&str> =
            addresses.split(',').map(str::trim).filter(|a| !a.is_empty() && !omnibus::is_loopback_host(a)).collect();
        if networked.is_empty() {
            return;
        }
        let listening = networked.join(", ");
        if let Some(md5) = omnibus::literal(&settings, "postgresql", &["md5_auth_cidr_addresses"]) {
            for (span, text) in rack_attack::array_strings(file, md5.id).unwrap_or_default() {
                if text.as_deref().and_then(omnibus::net).is_some_and(|n| n.prefix_len() == 0) {
                    checker.report(
                        path,
                        span,
                        format!(
                            "PostgreSQL listens on {listening} and md5_auth_cidr_addresses entry {} accepts password logins from every address",
                            file.text(span)
                        ),
                        None,
                    );
                }
            }
        }
        if let Some(trust) = omnibus::literal(&settings, "postgresql", &["trust_auth_cidr_addresses"]) {
            for (span, text) in rack_attack::array_strings(file, trust.id).unwrap_or_default() {
                // pg_hba's `samehost` is the server's own addresses.
                let loopback = text.as_deref().is_some_and(|t| {
                    t.trim() == "samehost" || omnibus::net(t).is_some_and(|n| omnibus::is_loopback(&n))
                });
                if !loopback {
                    checker.report(
                        path,
                        span,
                        format!(
                            "PostgreSQL listens on {listening} and trust_auth_cidr_addresses entry {} lets those hosts in with no password at all",
                            file.text(span)
                        ),
                        None,
                    );
                }
            }
        }
    }
}
