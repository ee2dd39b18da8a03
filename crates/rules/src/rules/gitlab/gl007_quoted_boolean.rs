use conflint_core::Model;
use conflint_core::gitlab::keys::GitlabType;

use super::quoted::{quoted_scalars, spell};
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds a boolean gitlab.rb key (one whose default in omnibus-gitlab is
    /// `true` or `false`) assigned the *string* `"true"` or `"false"`:
    /// `letsencrypt['enable'] = "false"`, `gitlab_rails['gitlab_email_enabled']
    /// = 'false'`.
    ///
    /// ## Why is this bad?
    /// In Ruby every string is true, `"false"` included. The recipes test
    /// these keys with `if node[...]['enable']`, so `letsencrypt['enable'] =
    /// "false"` turns Let's Encrypt *on*; a value rendered into gitlab.yml
    /// arrives in Rails as the string "false", which Rails also treats as
    /// true. The file says the opposite of what GitLab does.
    ///
    /// ## Example
    /// ```ruby
    /// letsencrypt['enable'] = "false"
    /// ```
    /// Use instead:
    /// ```ruby
    /// letsencrypt['enable'] = false
    /// ```
    ///
    /// ## Fix safety
    /// Safe: the literal becomes the boolean it spells (`"false"` ->
    /// `false`, `"TRUE"` -> `true`). That is what the key's own default is and
    /// what the line says; tests/gitlab_rules_system.rs evaluates the fixed
    /// file with Ruby and reads back the boolean. For `"false"` it does change
    /// what GitLab does (the string was on): that is the finding.
    pub struct QuotedBoolean {
        code: "GL007",
        name: "quoted-boolean",
        severity: Error,
        default_on: true,
        fix: Safe,
    }
}

impl Check for QuotedBoolean {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Gitlab(tree) = model else { return };
        for q in quoted_scalars(tree) {
            if q.ty != GitlabType::Bool {
                continue;
            }
            let word = q.text.trim().to_ascii_lowercase();
            if word != "true" && word != "false" {
                continue;
            }
            let fix = Fix::safe(format!("write `{word}`"), vec![Edit::replace(&tree.path, q.span, word.as_str())]);
            checker.report(
                &tree.path,
                q.span,
                format!(
                    "{} is a boolean, but this is the string \"{}\", which Ruby treats as true{}",
                    spell(&q.path),
                    q.text,
                    if word == "false" { ": GitLab reads it as on" } else { "" }
                ),
                Some(fix),
            );
        }
    }
}
