use conflint_core::Model;
use conflint_core::httpd::{HttpdTree, ItemId};

use super::edit;
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds `LoadModule` lines for modules the CIS benchmark asks to
    /// disable and that no distribution loads by default: `userdir_module`
    /// (CIS 2.7), `info_module` (2.8), `dav_module` and `dav_fs_module`
    /// (2.3). `status_module` and `autoindex_module` (2.4, 2.5) are HT023,
    /// off by default.
    ///
    /// Why these are on by default and those are not: Debian, Ubuntu and
    /// RHEL load mod_status and mod_autoindex on every install, mostly for
    /// `apachectl status` and directory listings that HT021 and HT024
    /// judge by what they expose; a finding on every stock server would be
    /// noise. The modules here are loaded only by someone's choice, and
    /// each exposes something as soon as it is configured: users' home
    /// directories (`~user/`), the whole configuration, write access to
    /// the file system. A server that really uses one can ignore the code
    /// for that line (`# conflint: ignore[HT022]`).
    ///
    /// ## Why is this bad?
    /// Every loaded module is attack surface; these four publish things
    /// that should not be public unless deliberately configured so.
    ///
    /// ## Example
    /// ```apache
    /// LoadModule userdir_module modules/mod_userdir.so
    /// ```
    /// Use instead:
    /// ```apache
    /// # LoadModule userdir_module modules/mod_userdir.so
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: whatever the module served stops being served. The fix
    /// comments the `LoadModule` line out only in a tree read from its
    /// entry file, when none of the module's directives is used outside an
    /// `<IfModule>` for it (httpd refuses to start on a directive of a
    /// module that is not loaded), and when no loaded module depends on it
    /// (`dav_fs`, `dav_lock`, `dav_svn` need `dav`). In Debian's layout
    /// (`mods-enabled/*.load`, symlinks `a2enmod` manages) there is no fix:
    /// the message says to run `a2dismod`.
    pub struct RiskyModule {
        code: "HT022",
        name: "risky-module",
        severity: Warning,
        default_on: true,
        fix: Unsafe,
        references: ["CIS Apache 2.4 2.3", "CIS Apache 2.4 2.7", "CIS Apache 2.4 2.8"],
        tags: ["cis", "hardening"],
    }
}

/// A module CIS asks to disable.
pub(super) struct RiskyModuleInfo {
    /// `LoadModule` identifier.
    id: &'static str,
    /// Debian's name for a2dismod.
    debian: &'static str,
    /// The CIS item.
    cis: &'static str,
    /// What loading it exposes.
    exposes: &'static str,
    /// Its directives (httpd refuses them when the module is not loaded).
    directives: &'static [&'static str],
}

pub(super) const DEFAULT_ON: &[RiskyModuleInfo] = &[
    RiskyModuleInfo {
        id: "userdir_module",
        debian: "userdir",
        cis: "2.7",
        exposes: "users' home directories as `/~user/`",
        directives: &["UserDir"],
    },
    RiskyModuleInfo {
        id: "info_module",
        debian: "info",
        cis: "2.8",
        exposes: "the whole configuration at any `SetHandler server-info`",
        directives: &["AddModuleInfo"],
    },
    RiskyModuleInfo {
        id: "dav_module",
        debian: "dav",
        cis: "2.3",
        exposes: "WebDAV: writing, moving and deleting files over HTTP",
        directives: &["Dav", "DavMinTimeout", "DavDepthInfinity", "DavBasePath", "DavLockDiscovery"],
    },
    RiskyModuleInfo {
        id: "dav_fs_module",
        debian: "dav_fs",
        cis: "2.3",
        exposes: "WebDAV on the file system",
        directives: &["DavLockDB"],
    },
];

pub(super) const OFF_BY_DEFAULT: &[RiskyModuleInfo] = &[
    RiskyModuleInfo {
        id: "status_module",
        debian: "status",
        cis: "2.4",
        exposes: "live request details at any `SetHandler server-status`",
        directives: &[],
    },
    RiskyModuleInfo {
        id: "autoindex_module",
        debian: "autoindex",
        cis: "2.5",
        exposes: "directory listings wherever `Options Indexes` is on",
        directives: &[
            "AddAlt",
            "AddAltByEncoding",
            "AddAltByType",
            "AddDescription",
            "AddIcon",
            "AddIconByEncoding",
            "AddIconByType",
            "DefaultIcon",
            "HeaderName",
            "IndexHeadInsert",
            "IndexIgnore",
            "IndexIgnoreReset",
            "IndexOptions",
            "IndexOrderDefault",
            "IndexStyleSheet",
            "ReadmeName",
        ],
    },
];

impl Check for RiskyModule {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        check_modules(tree, checker, DEFAULT_ON);
    }
}

/// Report the `LoadModule` lines of `modules`, with the fix described above.
pub(super) fn check_modules(tree: &HttpdTree, checker: &mut Checker<'_>, modules: &[RiskyModuleInfo]) {
    let loads: Vec<ItemId> = tree.directives("LoadModule").collect();
    let loaded: Vec<String> = loads.iter().filter_map(|id| tree.item(*id).args.first().cloned()).collect();
    for &id in &loads {
        let Some(name) = tree.item(id).args.first() else { continue };
        let Some(module) = modules.iter().find(|m| m.id == name) else { continue };
        // Debian's mods-available/NAME.load is loaded only through a
        // mods-enabled link, which the entry tree reads under that name.
        if in_dir(tree, id, "mods-available") {
            continue;
        }
        let debian = in_dir(tree, id, "mods-enabled");
        let mut message = format!(
            "`LoadModule {}` loads a module that exposes {} (CIS {}); disable it unless this server needs it",
            module.id, module.exposes, module.cis
        );
        let fix = if debian {
            message.push_str(&format!(
                " (Debian: `a2dismod {}`; editing the mods-enabled link would fight a2enmod)",
                module.debian
            ));
            None
        } else {
            fix(tree, id, module, &loaded)
        };
        checker.report(edit::path(tree, id), edit::directive_span(tree, id), message, fix);
    }
}

/// Whether the file of an item (as found) is in a directory named `dir`:
/// Debian's `mods-enabled/NAME.load` is a link `a2enmod` manages.
fn in_dir(tree: &HttpdTree, id: ItemId, dir: &str) -> bool {
    edit::path(tree, id).parent().is_some_and(|p| p.file_name().is_some_and(|n| n == dir))
}

/// Comment the line out, when nothing still needs the module.
fn fix(tree: &HttpdTree, id: ItemId, module: &RiskyModuleInfo, loaded: &[String]) -> Option<Fix> {
    if !tree.is_entry || !tree.modules.complete || tree.item(id).from_macro {
        return None;
    }
    let base = module.id.strip_suffix("_module").unwrap_or(module.id);
    // `dav_fs`, `dav_lock`, `dav_svn` are built on mod_dav.
    let dependants = loaded.iter().any(|m| m != module.id && m.starts_with(&format!("{base}_")));
    if dependants {
        return None;
    }
    let used = module.directives.iter().any(|d| tree.directives(d).any(|u| !guarded(tree, u, base)));
    if used {
        return None;
    }
    let line = tree.item_line_span(id);
    let indent = edit::indentation(tree, id);
    let edit = Edit::insert(edit::path(tree, id), line.start + indent.len(), "# ");
    Some(Fix::unsafe_(format!("comment out the `LoadModule {}` line", module.id), vec![edit]))
}

/// Whether a use of a module's directive sits in an `<IfModule>` for that module.
fn guarded(tree: &HttpdTree, id: ItemId, base: &str) -> bool {
    tree.ancestors(id).any(|a| {
        let item = tree.item(a);
        let arg = item.args.first().map_or("", String::as_str);
        item.is("IfModule") && (arg == format!("mod_{base}.c") || arg == format!("{base}_module"))
    })
}
