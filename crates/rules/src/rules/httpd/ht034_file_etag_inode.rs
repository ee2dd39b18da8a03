use conflint_core::Model;

use super::edit;
use super::hardening::{entry_start, is_22, replace_args};
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds `FileETag` with `INode` or `All` (which includes it), or
    /// `+INode`, in any context; and a 2.2 tree read from its entry file
    /// with no `FileETag` in server context, since 2.2's default is `INode
    /// MTime Size` (2.3.15 and later default to `MTime Size`).
    ///
    /// ## Why is this bad?
    /// The ETag then carries the file's inode number: it tells an attacker
    /// about the file system (CIS Apache 2.4 8.4), and behind a load
    /// balancer each server sends a different ETag for the same file, so
    /// caches revalidate for nothing.
    ///
    /// ## Example
    /// ```apache
    /// FileETag INode MTime Size
    /// ```
    /// Use instead:
    /// ```apache
    /// FileETag MTime Size
    /// ```
    ///
    /// ## Fix safety
    /// Safe: only the ETag header of static files changes (once, so caches
    /// fetch each file once more). `INode` is dropped, `All` becomes `MTime
    /// Size`, `+INode` becomes `-INode`; a 2.2 tree gets `FileETag MTime
    /// Size` at the top level of its entry file.
    pub struct FileEtagInode {
        code: "HT034",
        name: "file-etag-inode",
        severity: Warning,
        default_on: true,
        fix: Safe,
        references: ["CIS Apache 2.4 8.4"],
        tags: ["cis", "hardening"],
    }
}

impl Check for FileEtagInode {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        let mut server_level = false;
        for id in tree.directives("FileETag") {
            server_level |= tree.context(id).is_none();
            let args = &tree.item(id).args;
            let leaks = args.iter().any(|a| {
                let a = a.to_ascii_lowercase();
                a == "inode" || a == "+inode" || a == "all"
            });
            if !leaks {
                continue;
            }
            let mut words: Vec<String> = Vec::new();
            for arg in args {
                match arg.to_ascii_lowercase().as_str() {
                    "inode" => {}
                    "+inode" => words.push("-INode".to_string()),
                    "all" => words.extend(["MTime".to_string(), "Size".to_string()]),
                    _ if words.iter().any(|w| w.eq_ignore_ascii_case(arg)) => {}
                    _ => words.push(arg.clone()),
                }
            }
            if words.is_empty() {
                words = vec!["MTime".to_string(), "Size".to_string()];
            }
            let new = words.join(" ");
            let fix = replace_args(tree, id, &new).map(|e| Fix::safe(format!("set `FileETag {new}`"), vec![e]));
            checker.report(
                edit::path(tree, id),
                edit::directive_span(tree, id),
                format!("`FileETag {}` puts the file's inode number in the ETag: it leaks file-system details and differs between servers (CIS 8.4)", args.join(" ")),
                fix,
            );
        }
        if is_22(tree) && tree.is_entry && !server_level {
            let fix = Fix::safe(
                "add `FileETag MTime Size` at the top level",
                vec![edit::insert_top_level(tree, "FileETag MTime Size")],
            );
            checker.report(
                &tree.entry().path,
                entry_start(),
                "`FileETag` is not set, and httpd 2.2's default `INode MTime Size` puts the inode number in the ETag (CIS 8.4)",
                Some(fix),
            );
        }
    }
}
