//! What HT001 and HT007 share: a server-wide setting httpd reads from its
//! last occurrence in server context, with a default that is wrong. Every
//! occurrence in server context is set to the right value, or the setting
//! is added at the top level of the entry file.

use conflint_core::Span;
use conflint_core::httpd::HttpdTree;

use super::edit;
use crate::context::Checker;
use crate::diagnostic::Fix;

/// One such setting.
pub(super) struct ServerSetting<'a> {
    /// The directive (`ServerTokens`).
    pub name: &'a str,
    /// The value a fix writes (`Prod`).
    pub value: &'a str,
    /// Whether a written value is acceptable.
    pub good: &'a dyn Fn(&str) -> bool,
    /// The message when the directive is absent (the default applies).
    pub missing: &'a str,
    /// The message for a wrong value, given that value.
    pub wrong: &'a dyn Fn(&str) -> String,
}

impl ServerSetting<'_> {
    /// Report the tree's effective value if it is not good. Only entry
    /// trees: a fragment cannot know what the rest of the tree sets.
    pub(super) fn check(&self, tree: &HttpdTree, checker: &mut Checker<'_>) {
        if !tree.is_entry {
            return;
        }
        let line = format!("{} {}", self.name, self.value);
        let all: Vec<_> = tree.server_directives(self.name).collect();
        let Some(&last) = all.last() else {
            // A template with a loop or a placeholder for a name may render it.
            if tree.is_open_template() {
                return;
            }
            let fix = Fix::safe(format!("add `{line}` at the top level"), vec![edit::insert_top_level(tree, &line)]);
            checker.report(&tree.entry().path, Span::empty(0), self.missing, Some(fix));
            return;
        };
        let value = tree.item(last).args.first().cloned().unwrap_or_default();
        if (self.good)(&value) {
            return;
        }
        let edits = all
            .iter()
            .filter(|id| !tree.item(**id).args.first().is_some_and(|v| (self.good)(v)))
            .filter_map(|id| edit::replace_arg(tree, *id, 0, self.value))
            .collect();
        let fix = Fix::safe(format!("set `{line}`"), edits);
        checker.report(edit::path(tree, last), edit::arg_span(tree, last, 0), (self.wrong)(&value), Some(fix));
    }
}
