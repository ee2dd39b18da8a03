use std::collections::BTreeSet;

use conflint_core::Model;
use conflint_core::php::PhpIniTree;
use conflint_core::php::directives::{PhpVersion, StartupCheck, startup_check};
use conflint_core::text::escape_control;

use super::directive_lines::{self, describe, directive_lines};
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds a removed directive that PHP refuses to start with: after
    /// reading php.ini and its scan directory, PHP looks up `safe_mode`,
    /// `register_globals`, `magic_quotes_gpc` (and the other directives PHP
    /// 5.4 removed), `asp_tags` (from PHP 7.0) and `track_errors` (from
    /// 8.0), and if the value it ends up with reads as a non-zero integer
    /// (`On`, `1`, `2`; not `Off`, `0`, or a quoted `"On"`), stops with
    /// `Fatal error: Directive 'safe_mode' is no longer available in PHP`
    /// (php-src main/main.c, `php_module_startup`). Only the global
    /// configuration counts, not `[PATH=]`/`[HOST=]` sections; the last
    /// value wins, so `safe_mode = On` in php.ini and `safe_mode = Off` in
    /// `conf.d/` is fine.
    ///
    /// ## Why is this bad?
    /// PHP does not start: the CLI exits 1, PHP-FPM and Apache with mod_php
    /// fail to come up after the upgrade that carried the old php.ini over.
    ///
    /// ## Example
    /// ```ini
    /// safe_mode = On
    /// ```
    /// Use instead: delete the line (safe mode has not existed since PHP 5.4;
    /// `open_basedir` and `disable_functions` are what is left of it).
    ///
    /// ## Fix safety
    /// Safe: the line is deleted and PHP starts; nothing else changes
    /// (tests/php_rules_system.rs runs PHP 8.2 before and after). No fix when
    /// a `${NAME}` elsewhere reads the value.
    pub struct NoLongerAvailable {
        code: "PH007",
        name: "no-longer-available",
        severity: Error,
        default_on: true,
        fix: Safe,
    }
}

/// The lines (file, line, check) whose value makes PHP `version` stop at
/// startup: the effective global line of each fatal directive.
pub(crate) fn fatal_lines(tree: &PhpIniTree, version: PhpVersion) -> Vec<(usize, usize, StartupCheck)> {
    let keys: BTreeSet<String> = tree.settings().filter(|s| !s.scoped && s.offset.is_none()).map(|s| s.key).collect();
    keys.iter()
        .filter_map(|key| tree.effective(key))
        .filter_map(|s| match startup_check(&s.key, &s.value, version) {
            Some(StartupCheck::Fatal) => Some((s.file, s.line, StartupCheck::Fatal)),
            _ => None,
        })
        .collect()
}

impl Check for NoLongerAvailable {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Php(tree) = model else { return };
        let target = directive_lines::target_version(tree, checker);
        let fatal = fatal_lines(tree, target.version);
        if fatal.is_empty() {
            return;
        }
        let referenced = directive_lines::referenced_names(tree);
        for line in directive_lines(tree) {
            let Some((_, _, check)) =
                fatal.iter().find(|(file, index, _)| *file == line.setting.file && *index == line.setting.line)
            else {
                continue;
            };
            let key = line.setting.key.as_str();
            let fix = directive_lines::delete_line(&line)
                .filter(|_| !referenced.contains(key))
                .map(|e| Fix::safe("delete the line", vec![e]));
            checker.report(
                line.path,
                line.value_span(),
                format!(
                    "`{key} = {}`: {} does not start (`{}`)",
                    escape_control(&line.written()),
                    describe(&target),
                    check.message(key)
                ),
                fix,
            );
        }
    }
}
