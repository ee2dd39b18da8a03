use conflint_core::Model;
use conflint_core::httpd::{HttpdTree, ItemId};

use super::hardening::{Access, access, entry_start, open_tag_span};
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// In a tree read from its entry file, finds that the file system root
    /// is not denied: no `<Directory "/">` whose access rule is `Require
    /// all denied` (2.4) or `Deny from all` (2.2). When several `<Directory
    /// "/">` sections have access rules, the last one decides, as httpd
    /// merges them in order.
    ///
    /// ## Why is this bad?
    /// Access is decided per directory; what no section grants falls back
    /// to the root's rule. Without a denied root, an `Alias`, a symlink
    /// (`FollowSymLinks`) or a `RewriteRule` to a file path can serve
    /// `/etc/passwd` or another site's files. httpd's own httpd.conf and
    /// every distribution's start with `<Directory />` `Require all denied`
    /// (CIS Apache 2.4 4.1).
    ///
    /// ## Example
    /// ```apache
    /// <Directory />
    ///     Options FollowSymLinks
    /// </Directory>
    /// ```
    /// Use instead:
    /// ```apache
    /// <Directory />
    ///     Options FollowSymLinks
    ///     AllowOverride None
    ///     Require all denied
    /// </Directory>
    /// ```
    ///
    /// ## Fix safety
    /// No fix: an application that reads files outside the directories the
    /// configuration grants (an `Alias` without its own `<Directory>`)
    /// stops working, and only the owner can grant those directories.
    pub struct RootNotDenied {
        code: "HT025",
        name: "root-not-denied",
        severity: Warning,
        default_on: true,
        fix: None,
        references: ["CIS Apache 2.4 4.1"],
        tags: ["cis", "hardening"],
    }
}

impl Check for RootNotDenied {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        if !tree.is_entry {
            return;
        }
        let roots = root_directories(tree);
        let decided = roots.iter().rev().map(|id| (*id, access(tree, *id))).find(|(_, a)| *a != Access::Unset);
        match decided {
            Some((_, Access::Denied)) => {}
            Some((id, granted)) => {
                let what = if granted == Access::Everyone { "lets everyone in" } else { "does not deny everyone" };
                checker.report(
                    &tree.file(tree.item(id).file).path,
                    open_tag_span(tree, id),
                    format!("`<Directory \"/\">` {what}: every file httpd can read may be served through an Alias, a symlink or a rewrite; deny it with `Require all denied` and grant the served directories (CIS 4.1)"),
                    None,
                );
            }
            None => {
                let (path, span) = match roots.first() {
                    Some(id) => (&tree.file(tree.item(*id).file).path, open_tag_span(tree, *id)),
                    None => (&tree.entry().path, entry_start()),
                };
                checker.report(
                    path,
                    span,
                    "the file system root is not denied (no `<Directory \"/\">` with `Require all denied`): every file httpd can read may be served through an Alias, a symlink or a rewrite (CIS 4.1)",
                    None,
                );
            }
        }
    }
}

/// Every `<Directory "/">` in server context, in reading order.
pub(super) fn root_directories(tree: &HttpdTree) -> Vec<ItemId> {
    tree.items_with_ids()
        .filter(|(id, item)| {
            item.is_section
                && item.is("Directory")
                && item.args.first().is_some_and(|a| a == "/")
                && tree.context(*id).is_none()
        })
        .map(|(id, _)| id)
        .collect()
}
