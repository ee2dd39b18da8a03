use conflint_core::Model;
use conflint_core::gitlab::keys::{KeyStatus, is_top_level_in, status};

use super::keyed::{self, admin_area_setting, describe, known_prefixes, spell, written};
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds gitlab.rb settings the target GitLab release no longer has:
    /// every key conflint's table (omnibus-gitlab's template, cookbook
    /// defaults and deprecations.rb at every release since 10.0) shows
    /// removed by then. `gitlab_rails['rack_attack_protected_paths']`,
    /// `['rate_limit_requests_per_period']`, `['rate_limit_period']` and
    /// `['rack_attack_admin_area_protected_paths_enabled']` went in 13.0;
    /// `gitaly['listen_addr']` and the other flat Gitaly keys in 16.0
    /// (now `gitaly['configuration']`); `grafana[...]` in 16.3. A key that
    /// deprecations.rb never listed counts as removed from the first release
    /// whose template and defaults no longer show it. It also finds
    /// `gitlab_rails['rate_limiting_response_text']` and
    /// `gitlab_rails['throttle_*']`, which were never gitlab.rb keys: they
    /// are Admin Area settings.
    ///
    /// The release is `--gitlab-version` or `[gitlab] version`, else the
    /// newest release conflint knows (the message says which).
    ///
    /// ## Why is this bad?
    /// What GitLab does depends on the release. While deprecations.rb still
    /// lists the key, `gitlab-ctl reconfigure` stops: "Removed
    /// configurations found in gitlab.rb. Aborting reconfigure."
    /// (`OmnibusHelper.check_deprecations`), and the package upgrade that
    /// crosses the removal stops in its pre-install check. A removed
    /// top-level name (`sidekiq_cluster[...]`, `unicorn[...]` after 14.0)
    /// makes reconfigure fail with `UnknownConfigOptionError`. Otherwise the
    /// key is accepted and ignored: the limit you think you set does not
    /// exist. Rate limits live in Admin Area > Settings > Network now.
    ///
    /// ## Example
    /// ```ruby
    /// gitlab_rails['rate_limit_requests_per_period'] = 10
    /// gitlab_rails['throttle_authenticated_web_enabled'] = true
    /// ```
    ///
    /// ## Fix safety
    /// No fix: the replacement (an Admin Area setting, a new key with a
    /// different shape) is a decision a file edit cannot make.
    pub struct ObsoleteSetting {
        code: "GL004",
        name: "obsolete-setting",
        severity: Error,
        default_on: true,
        fix: None,
    }
}

/// Where a removed rate-limit key's setting lives now (deprecations.rb has
/// no note for these).
fn advice(path: &[&str]) -> Option<&'static str> {
    match path {
        ["gitlab_rails", "rack_attack_protected_paths" | "rack_attack_admin_area_protected_paths_enabled"] => {
            Some("protected paths are set in Admin Area > Settings > Network > Protected paths")
        }
        ["gitlab_rails", "rate_limit_requests_per_period" | "rate_limit_period"] => {
            Some("rate limits are set in Admin Area > Settings > Network > User and IP rate limits")
        }
        _ => None,
    }
}

impl Check for ObsoleteSetting {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Gitlab(tree) = model else { return };
        let target = keyed::target_version(checker);
        let version = target.version;
        for w in written(&tree.file) {
            let path = w.path();
            if let Some(now) = admin_area_setting(&path) {
                checker.report(&tree.path, w.span_of(1), format!("{} does nothing: {now}", spell(&path[..2])), None);
                continue;
            }
            for (i, k) in known_prefixes(&path) {
                let Some(k) = k else { continue };
                let KeyStatus::Removed { since, message, refused } = status(k, version) else { continue };
                let name = spell(&path[..=i]);
                let what = if i == 0 && !is_top_level_in(path[0], version) {
                    format!(
                        "`{}` is no longer a gitlab.rb name (removed in GitLab {since}): on {}, reconfigure fails with `UnknownConfigOptionError`",
                        path[0],
                        describe(&target)
                    )
                } else if refused {
                    format!(
                        "{name} was removed in GitLab {since}: on {}, reconfigure stops (\"Removed configurations found in gitlab.rb. Aborting reconfigure.\")",
                        describe(&target)
                    )
                } else {
                    format!("{name} was removed in GitLab {since}: {} ignores it", describe(&target))
                };
                let note = message.or_else(|| advice(&path[..=i])).map(|m| format!("; {m}")).unwrap_or_default();
                checker.report(&tree.path, w.span_of(i), format!("{what}{note}"), None);
                break;
            }
        }
    }
}
