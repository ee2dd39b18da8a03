use conflint_core::Model;

use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds gitlab.rb settings that no longer do anything:
    /// `gitlab_rails['rack_attack_protected_paths']`,
    /// `['rate_limit_requests_per_period']`, `['rate_limit_period']` (removed
    /// in GitLab 13.0), `['rack_attack_admin_area_protected_paths_enabled']`
    /// (removed in 13.1), and `['rate_limiting_response_text']` and
    /// `['throttle_*']`, which are Admin Area settings, not gitlab.rb keys.
    ///
    /// ## Why is this bad?
    /// gitlab.rb accepts any nested key silently, so `gitlab-ctl
    /// reconfigure` succeeds and the limit you think you set does not
    /// exist. Rate limits live in Admin Area > Settings > Network now.
    ///
    /// ## Example
    /// ```ruby
    /// gitlab_rails['rate_limit_requests_per_period'] = 10
    /// gitlab_rails['throttle_authenticated_web_enabled'] = true
    /// ```
    ///
    /// ## Fix safety
    /// No fix: the setting must be made in the Admin Area (or the
    /// application settings API), which a file edit cannot do.
    pub struct ObsoleteSetting {
        code: "GL004",
        name: "obsolete-setting",
        severity: Warning,
        default_on: true,
        fix: None,
    }
}

/// Where a removed key's setting lives now.
fn replacement(key: &str) -> Option<&'static str> {
    Some(match key {
        "rack_attack_protected_paths" | "rack_attack_admin_area_protected_paths_enabled" => {
            "removed in GitLab 13.0/13.1; protected paths are set in Admin Area > Settings > Network > Protected paths"
        }
        "rate_limit_requests_per_period" | "rate_limit_period" => {
            "removed in GitLab 13.0; rate limits are set in Admin Area > Settings > Network > User and IP rate limits"
        }
        "rate_limiting_response_text" => {
            "an application setting (Admin Area > Settings > Network > User and IP rate limits), not a gitlab.rb key"
        }
        k if k.starts_with("throttle_") => {
            "an application setting (Admin Area > Settings > Network, or the application settings API), not a gitlab.rb key"
        }
        _ => return None,
    })
}

impl Check for ObsoleteSetting {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Gitlab(tree) = model else { return };
        let (path, settings) = (tree.path.as_path(), tree.settings());
        for setting in settings.settings("gitlab_rails") {
            let Some(key) = setting.keys.first() else { continue };
            let Some(now) = replacement(&key.value) else { continue };
            checker.report(path, key.span, format!("gitlab_rails['{}'] does nothing: {now}", key.value), None);
        }
    }
}
