use conflint_core::Model;
use conflint_core::gitlab::keys::{GitlabType, key};
use conflint_core::gitlab::{StatementKind, ValueKind};

use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds a gitlab.rb template that assigns a quoted placeholder to a
    /// boolean setting: `letsencrypt['enable'] = "{{ gitlab_letsencrypt }}"`.
    ///
    /// ## Why is this bad?
    /// The rendering is a Ruby string: `"false"` is a string, and every
    /// string is true in Ruby. The setting is on whatever the variable
    /// says. A popular Ansible role ships exactly this line.
    ///
    /// ## Example
    /// ```ruby
    /// letsencrypt['enable'] = "{{ gitlab_letsencrypt_enable }}"
    /// ```
    /// Use instead:
    /// ```ruby
    /// letsencrypt['enable'] = {{ gitlab_letsencrypt_enable | lower }}
    /// ```
    ///
    /// ## Fix safety
    /// No fix: template syntax is never rewritten.
    pub struct QuotedPlaceholderBoolean {
        code: "GL040",
        name: "quoted-placeholder-boolean",
        severity: Error,
        default_on: true,
        fix: None,
    }
}

impl Check for QuotedPlaceholderBoolean {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Gitlab(tree) = model else { return };
        let Some(template) = tree.file.template() else { return };
        for statement in &tree.file.statements {
            let StatementKind::Assignment(a) = &statement.kind else { continue };
            let Some(value) = tree.file.value(a.value) else { continue };
            if !matches!(value.kind, ValueKind::Str { .. })
                || !template.holes.iter().any(|h| h.start > value.span.start && h.end < value.span.end)
            {
                continue;
            }
            let mut path: Vec<&str> = vec![a.receiver_name.as_str()];
            path.extend(a.keys.iter().map(|k| k.value.as_str()));
            let last = path.last().copied().unwrap_or_default();
            let named_like_a_switch = last == "enable" || last == "enabled" || last.ends_with("_enabled");
            let boolean = key(&path).map_or(named_like_a_switch, |k| {
                k.ty == GitlabType::Bool || (k.ty == GitlabType::Unknown && named_like_a_switch)
            });
            if !boolean {
                continue;
            }
            checker.report(
                &tree.path,
                value.span,
                format!(
                    "`{}` is a boolean setting, but the rendering is a quoted string: Ruby reads \"false\" as true; write the placeholder without quotes",
                    a.keys.iter().fold(a.receiver_name.clone(), |acc, k| format!("{acc}['{}']", k.value))
                ),
                None,
            );
        }
    }
}
