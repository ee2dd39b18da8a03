use conflint_core::Model;

use super::ht022_risky_module::{OFF_BY_DEFAULT, check_modules};
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds `LoadModule` lines for `status_module` (CIS Apache 2.4 2.4)
    /// and `autoindex_module` (2.5), which the CIS benchmark asks to
    /// disable. Off by default: Debian, Ubuntu and RHEL load both on every
    /// install (`apachectl status` reads mod_status), so on by default it
    /// would report every stock server. What they expose is judged where it
    /// happens by rules that are on: HT021 (a status page anyone can read)
    /// and HT024 (`Options Indexes`). Select it (`--select HT023`) for a
    /// strict CIS audit.
    ///
    /// ## Why is this bad?
    /// A module that is loaded can be switched on by one line in any
    /// `.htaccess` the server allows, or by a configuration mistake.
    ///
    /// ## Example
    /// ```apache
    /// LoadModule autoindex_module modules/mod_autoindex.so
    /// ```
    /// Use instead:
    /// ```apache
    /// # LoadModule autoindex_module modules/mod_autoindex.so
    /// ```
    ///
    /// ## Fix safety
    /// As HT022: unsafe, and only when nothing outside an `<IfModule>`
    /// uses the module's directives; Debian's `mods-enabled` links get the
    /// `a2dismod` advice instead of an edit.
    pub struct StatusAutoindexModule {
        code: "HT023",
        name: "status-autoindex-module",
        severity: Info,
        default_on: false,
        fix: Unsafe,
        references: ["CIS Apache 2.4 2.4", "CIS Apache 2.4 2.5"],
        tags: ["cis", "cis-strict", "hardening"],
    }
}

impl Check for StatusAutoindexModule {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        check_modules(tree, checker, OFF_BY_DEFAULT);
    }
}
