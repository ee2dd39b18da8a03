use conflint_core::Model;
use conflint_core::httpd::{ApacheVersion, FileId, HttpdTree, ItemId};

use super::edit;
use super::hardening::{Access, access, entry_start};
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// In a tree read from its entry file, finds that `.ht*` files
    /// (`.htaccess`, `.htpasswd`) are not denied in server context: no
    /// `<Files ".ht*">` or `<FilesMatch "^\.ht">` (or another pattern that
    /// matches `.htaccess` and `.htpasswd`) with `Require all denied` (2.4)
    /// or `Deny from all` (2.2). When every vhost denies them itself, the
    /// tree passes.
    ///
    /// ## Why is this bad?
    /// Without it, `GET /.htpasswd` downloads the password hashes of a
    /// protected area, and `GET /.htaccess` shows its rewrite rules and
    /// paths. httpd's own httpd.conf and every distribution ship the deny
    /// block (CIS Apache 2.4 5.10).
    ///
    /// ## Example
    /// A tree without the block. Add:
    /// ```apache
    /// <Files ".ht*">
    ///     Require all denied
    /// </Files>
    /// ```
    ///
    /// ## Fix safety
    /// Safe when the version is known and the access module is surely
    /// loaded (mod_authz_core for 2.4's `Require`, mod_authz_host for 2.2's
    /// `Order`/`Deny`): the fix adds httpd's stock block at the top level
    /// of the entry file, and only requests for `.ht*` files change (they
    /// get 403). Otherwise unsafe: httpd refuses a `Require` whose module
    /// is not loaded.
    pub struct HtaccessFilesServed {
        code: "HT027",
        name: "htaccess-files-served",
        severity: Warning,
        default_on: true,
        fix: Sometimes,
        references: ["CIS Apache 2.4 5.10"],
        tags: ["cis", "hardening"],
    }
}

impl Check for HtaccessFilesServed {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        if !tree.is_entry {
            return;
        }
        let mut denying_vhosts: Vec<ItemId> = Vec::new();
        for (id, item) in tree.items_with_ids() {
            if !item.is_section || !matches_ht_files(&item.name, &item.args) || access(tree, id) != Access::Denied {
                continue;
            }
            match tree.virtual_host_of(id) {
                None if tree.context(id).is_none() => return,
                None => {}
                Some(v) => denying_vhosts.push(v),
            }
        }
        if !tree.vhosts.vhosts.is_empty() && tree.vhosts.vhosts.iter().all(|v| denying_vhosts.contains(&v.item)) {
            return;
        }
        checker.report(
            &tree.entry().path,
            entry_start(),
            "`.ht*` files are not denied: `GET /.htpasswd` downloads password hashes and `/.htaccess` shows rewrite rules; add `<Files \".ht*\">` with `Require all denied` (CIS 5.10)",
            fix(tree),
        );
    }
}

fn fix(tree: &HttpdTree) -> Option<Fix> {
    let eol = edit::eol(tree, FileId::ENTRY);
    let (lines, module) = match tree.version {
        ApacheVersion::V2_4 => (vec!["<Files \".ht*\">", "    Require all denied", "</Files>"], "authz_core_module"),
        ApacheVersion::V2_2 => {
            (vec!["<Files ~ \"^\\.ht\">", "    Order allow,deny", "    Deny from all", "</Files>"], "authz_host_module")
        }
    };
    let text = lines.join(eol);
    let edit = edit::insert_top_level(tree, &text);
    let message = "add httpd's stock block denying `.ht*` files at the top level";
    let certain = tree.version_known() && tree.modules.complete && tree.modules.is_loaded(module);
    Some(if certain {
        Fix::safe(message, vec![edit])
    } else {
        Fix::unsafe_(format!("{message} (only if {module} is loaded: httpd refuses the block otherwise)"), vec![edit])
    })
}

/// `<Files ".ht*">`, `<Files ~ "^\.ht">`, `<FilesMatch "^\.ht">`: a section for
/// both `.htaccess` and `.htpasswd`.
fn matches_ht_files(name: &str, args: &[String]) -> bool {
    let (regex, pattern) = if name.eq_ignore_ascii_case("FilesMatch") {
        (true, args.first())
    } else if name.eq_ignore_ascii_case("Files") {
        match args {
            [tilde, p] if tilde == "~" => (true, Some(p)),
            [p] => (false, Some(p)),
            _ => return false,
        }
    } else {
        return false;
    };
    let Some(pattern) = pattern else { return false };
    if regex {
        // A regex that anchors `.ht` at the start, with or without escaping
        // the dot: `^\.ht`, `^\.(ht|git)`, `^\.ht(access|passwd)$`.
        let p = pattern.trim_start_matches('(');
        p.starts_with("^\\.ht") || p.starts_with("^.ht") || p.starts_with("^\\.(ht") || p == "\\.ht"
    } else {
        ["*", ".*", ".h*", ".ht*"].contains(&pattern.as_str())
    }
}
