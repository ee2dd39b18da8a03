use super::rack_attack;
use conflint_core::Model;

use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds an `ip_whitelist` of the git basic-auth ban that covers every
    /// address: `0.0.0.0/0` or `::/0` (any block of prefix length 0).
    ///
    /// ## Why is this bad?
    /// The ban can never fire: password guessing over Git HTTP is not
    /// slowed down at all, while the configuration says the ban is on.
    ///
    /// ## Example
    /// ```ruby
    /// gitlab_rails['rack_attack_git_basic_auth'] = {
    ///   'enabled' => true,
    ///   'ip_whitelist' => ["0.0.0.0/0"],
    /// }
    /// ```
    /// Use instead: list the networks that must never be banned (the office,
    /// the load balancer), or turn the ban off honestly.
    ///
    /// ## Fix safety
    /// No fix: which networks to trust is yours to say.
    pub struct AllowAll {
        code: "GL003",
        name: "rack-attack-allow-all",
        severity: Error,
        default_on: true,
        fix: None,
    }
}

impl Check for AllowAll {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Gitlab(tree) = model else { return };
        let (path, file, settings) = (tree.path.as_path(), &tree.file, tree.settings());
        let Some(list) = rack_attack::literal(&settings, "ip_whitelist") else { return };
        for (span, text) in rack_attack::array_strings(file, list).unwrap_or_default() {
            if text.as_deref().and_then(rack_attack::parse_entry).is_some_and(|n| n.prefix_len() == 0) {
                checker.report(
                    path,
                    span,
                    format!(
                        "ip_whitelist entry {} covers every address: the git basic-auth ban can never fire",
                        file.text(span)
                    ),
                    None,
                );
            }
        }
    }
}
