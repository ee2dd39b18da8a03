use std::collections::HashSet;

use conflint_core::Model;
use conflint_core::httpd::{HttpdTree, ItemId};

use super::edit;
use super::hardening::{Access, access, delete_arg, replace_args};
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds `Options` lines that turn on `Indexes` (directory listings)
    /// where content is served, `Includes` (server-side includes with
    /// `exec`), `ExecCGI` outside a `ScriptAlias` directory, or `All`
    /// (every option but `MultiViews`), in any context: server, vhost,
    /// `<Directory>`, `<Location>`, `.htaccess`. `+X` adds to what the
    /// enclosing sections set and `-X` removes, as httpd merges them; a
    /// section that denies everyone (`Require all denied`) serves nothing
    /// and is skipped, and an option whose module is surely not loaded
    /// (mod_autoindex, mod_include, mod_cgi/mod_cgid) does nothing and is
    /// skipped.
    ///
    /// ## Why is this bad?
    /// `Indexes` lists every file of a directory without an index page:
    /// backups (`config.php.bak`), dumps, `.git` leftovers (CIS Apache 2.4
    /// 5.2, 5.3). `Includes` lets any `.shtml` run commands with
    /// `<!--#exec -->`; `ExecCGI` runs any uploaded script (5.3). `All` is
    /// all of them, and the default of 2.2.
    ///
    /// ## Example
    /// ```apache
    /// <Directory "/var/www/">
    ///     Options Indexes FollowSymLinks
    /// </Directory>
    /// ```
    /// Use instead:
    /// ```apache
    /// <Directory "/var/www/">
    ///     Options FollowSymLinks
    /// </Directory>
    /// ```
    ///
    /// ## Fix safety
    /// Safe for `Indexes` only: the bare token is dropped (`Options
    /// Indexes` alone becomes `Options None`), `+Indexes` becomes
    /// `-Indexes` (so an inherited `Indexes` is off too). Only directory
    /// listings change: a directory without an index page answers 403
    /// instead of listing its files. No safe fix when the line mixes `+`/`-`
    /// and bare tokens (an error in 2.4, and 2.2 merges such lines in its
    /// own way, so the result depends on the version). `Includes`,
    /// `ExecCGI` and `All` are reported only: pages may depend on them.
    pub struct OptionsTooBroad {
        code: "HT024",
        name: "options-too-broad",
        severity: Warning,
        default_on: true,
        fix: Safe,
        references: ["CIS Apache 2.4 5.2", "CIS Apache 2.4 5.3"],
        tags: ["cis", "hardening"],
    }
}

impl Check for OptionsTooBroad {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        let autoindex = tree.may_have_module("autoindex_module");
        let include = tree.may_have_module("include_module");
        let cgi = tree.may_have_module("cgi_module") || tree.may_have_module("cgid_module");
        let script_dirs: HashSet<String> = ["ScriptAlias", "ScriptAliasMatch"]
            .iter()
            .flat_map(|n| tree.directives(n))
            .filter_map(|id| tree.item(id).args.get(1).map(|p| normalize(p)))
            .collect();
        for id in tree.directives("Options") {
            let item = tree.item(id);
            let section = tree.context(id);
            if section.is_some_and(|s| access(tree, s) == Access::Denied) {
                continue;
            }
            let in_script_dir = section.is_some_and(|s| {
                let sec = tree.item(s);
                sec.is("Directory") && sec.args.first().is_some_and(|p| script_dirs.contains(&normalize(p)))
            });
            let mixed = item.args.iter().any(|a| a.starts_with(['+', '-']))
                && item.args.iter().any(|a| !a.starts_with(['+', '-']));
            for (index, arg) in item.args.iter().enumerate() {
                let (sign, word) = match arg.strip_prefix('+') {
                    Some(w) => ("+", w),
                    None if arg.starts_with('-') => continue,
                    None => ("", arg.as_str()),
                };
                let word = word.to_ascii_lowercase();
                let span = edit::arg_span(tree, id, index);
                let path = edit::path(tree, id);
                match word.as_str() {
                    "indexes" if autoindex => {
                        let fix = if mixed {
                            None
                        } else if sign == "+" {
                            edit::replace_arg(tree, id, index, "-Indexes")
                        } else if item.args.len() == 1 {
                            replace_args(tree, id, "None")
                        } else {
                            delete_arg(tree, id, index)
                        };
                        let fix = fix.map(|e| {
                            let what = if sign == "+" { "turn `+Indexes` into `-Indexes`" } else { "drop `Indexes`" };
                            Fix::safe(what, vec![e])
                        });
                        let message = format!(
                            "`Options {sign}Indexes`{}: httpd lists the files of every directory without an index page (CIS 5.2/5.3)",
                            place(tree, section)
                        );
                        checker.report(path, span, message, fix);
                    }
                    "includes" if include => {
                        let message = format!(
                            "`Options {sign}Includes`{}: server-side includes may run commands (`<!--#exec -->`); use `IncludesNOEXEC` or drop it (CIS 5.3)",
                            place(tree, section)
                        );
                        checker.report(path, span, message, None);
                    }
                    "execcgi" if cgi && !in_script_dir => {
                        let message = format!(
                            "`Options {sign}ExecCGI`{}: any file with a CGI handler here runs as a program; keep CGI in a `ScriptAlias` directory (CIS 5.3)",
                            place(tree, section)
                        );
                        checker.report(path, span, message, None);
                    }
                    "all" if sign.is_empty() => {
                        let message = format!(
                            "`Options All`{}: turns on directory listings, server-side includes and CGI; list only the options needed (CIS 5.3)",
                            place(tree, section)
                        );
                        checker.report(path, span, message, None);
                    }
                    _ => {}
                }
            }
        }
    }
}

/// ` in <Directory "/var/www/">`, or nothing in server context.
fn place(tree: &HttpdTree, section: Option<ItemId>) -> String {
    match section {
        Some(s) => {
            let item = tree.item(s);
            match item.args.first() {
                Some(arg) => format!(" in <{} \"{arg}\">", item.name),
                None => format!(" in <{}>", item.name),
            }
        }
        None => String::new(),
    }
}

/// A directory path compared without its trailing slash.
fn normalize(path: &str) -> String {
    path.trim_end_matches('/').to_string()
}
