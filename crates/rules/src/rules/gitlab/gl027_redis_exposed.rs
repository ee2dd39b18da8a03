use conflint_core::Model;
use conflint_core::gitlab::ValueKind;

use super::omnibus;
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds the bundled Redis listening on a network address without a
    /// password: `redis['port']` set to a TCP port (the default, 0, is the
    /// Unix socket only), `redis['bind']` naming an address that is not
    /// loopback (the default is `127.0.0.1`), and `redis['password']` not
    /// set.
    ///
    /// ## Why is this bad?
    /// Omnibus writes `bind` explicitly, so Redis's protected mode, which
    /// only guards instances that bind to everything, does not step in:
    /// anyone who reaches the port reads and rewrites GitLab's sessions, job
    /// queue and cache, and a writable Redis is a known path to code
    /// execution (`CONFIG SET dir` plus `SAVE`).
    ///
    /// ## Example
    /// ```ruby
    /// redis['bind'] = '0.0.0.0'
    /// redis['port'] = 6379
    /// ```
    /// Use instead:
    /// ```ruby
    /// redis['bind'] = '10.0.0.7'
    /// redis['port'] = 6379
    /// redis['password'] = File.read('/etc/gitlab/redis-password').strip
    /// ```
    ///
    /// ## Fix safety
    /// None: a password has to be chosen and given to every client
    /// (`gitlab_rails['redis_password']`).
    pub struct RedisExposed {
        code: "GL027",
        name: "redis-exposed",
        severity: Error,
        default_on: true,
        fix: None,
    }
}

impl Check for RedisExposed {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Gitlab(tree) = model else { return };
        let (path, file, settings) = (tree.path.as_path(), &tree.file, tree.settings());
        let Some(bind) = omnibus::literal(&settings, "redis", &["bind"]) else { return };
        let Some(addresses) = bind.string(file) else { return };
        let port = omnibus::literal(&settings, "redis", &["port"]).and_then(|p| match &p.value.kind {
            ValueKind::Int(n) => Some(*n),
            ValueKind::Str { value: Some(v), .. } => v.trim().parse().ok(),
            _ => None,
        });
        if port.is_none_or(|p| p == 0) {
            return;
        }
        let networked: Vec<&str> =
            addresses.split_whitespace().filter(|a| !omnibus::is_loopback_host(a.trim_start_matches('-'))).collect();
        if networked.is_empty() {
            return;
        }
        let has_password = match omnibus::literal(&settings, "redis", &["password"]) {
            Some(found) => match &found.value.kind {
                ValueKind::Nil => false,
                ValueKind::Str { value: Some(v), .. } => !v.is_empty(),
                _ => true,
            },
            // Set to Ruby conflint does not read (ENV, File.read): a password.
            None => omnibus::is_set(&settings, "redis", &["password"]),
        };
        if has_password {
            return;
        }
        checker.report(
            path,
            bind.value.span,
            format!(
                "Redis listens on {} port {} with no `redis['password']`: anyone who reaches it reads and rewrites GitLab's sessions and job queue",
                networked.join(" "),
                port.unwrap_or_default()
            ),
            None,
        );
    }
}
