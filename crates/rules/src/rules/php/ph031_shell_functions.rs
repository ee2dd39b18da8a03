use conflint_core::Model;
use conflint_core::php::{OverrideScope, ScopedValue, ValueSource};

use super::hardening;
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds a PHP configuration that serves pages and leaves functions
    /// that run shell commands callable: `exec`, `passthru`, `shell_exec`
    /// (also the backtick operator), `system`, `proc_open` and `popen` not
    /// all in `disable_functions`.
    ///
    /// The list is read as PHP reads it (php-src `zend_disable_functions`,
    /// checked with PHP 8.2): names are separated by commas and spaces only
    /// (a tab does not separate: `system<TAB>passthru` disables neither),
    /// and matched exactly (`SYSTEM` disables nothing). A PHP-FPM pool's
    /// `php_admin_value[disable_functions]` adds to php.ini's list for that
    /// pool, as PHP-FPM does; Apache's `php_admin_value` cannot change it
    /// after start-up and is not counted.
    ///
    /// Off by default: deployment tools, image converters and mailers call
    /// these on purpose. Select `PH031` for servers whose applications do
    /// not.
    ///
    /// ## Why is this bad?
    /// Any code-injection or upload bug becomes a shell on the server in one
    /// call. With the functions disabled, an attacker who gets PHP code to
    /// run still cannot start processes. iniscan, Lynis (PHP-2320), OWASP
    /// and dev-sec's php-baseline all list them.
    ///
    /// ## Example
    /// ```ini
    /// disable_functions =
    /// ```
    /// Use instead:
    /// ```ini
    /// disable_functions = exec,passthru,shell_exec,system,proc_open,popen
    /// ```
    ///
    /// ## Fix safety
    /// None: code that calls them fails with "Call to undefined function";
    /// only the owner knows which applications do.
    pub struct ShellFunctions {
        code: "PH031",
        name: "shell-functions",
        severity: Warning,
        default_on: false,
        fix: None,
    }
}

/// Functions that start a process.
const SHELL_FUNCTIONS: &[&str] = &["exec", "passthru", "shell_exec", "system", "proc_open", "popen"];

/// The names a `disable_functions` value disables, as PHP splits it.
fn disabled(list: &str) -> Vec<&str> {
    list.split([' ', ',']).filter(|n| !n.is_empty()).collect()
}

/// Names in the list that look meant for one of the functions but do not
/// match it: another case, or two names joined by a tab.
fn near_misses(list: &str) -> Vec<String> {
    disabled(list)
        .into_iter()
        .filter(|n| !SHELL_FUNCTIONS.contains(n))
        .filter(|n| n.split('\t').any(|part| SHELL_FUNCTIONS.iter().any(|f| f.eq_ignore_ascii_case(part))))
        .map(|n| n.replace('\t', "\\t"))
        .collect()
}

/// Scopes that leave the same functions callable: the functions, the
/// scopes, and the near misses in their list.
type Group<'a> = (Vec<&'a str>, Vec<Option<OverrideScope>>, Vec<String>);

impl Check for ShellFunctions {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Php(tree) = model else { return };
        if !hardening::serves_pages(tree) {
            return;
        }
        let ini = tree.effective("disable_functions");
        let ini_list = ini.as_ref().map(|s| s.value.clone()).unwrap_or_default();
        // Scopes grouped by the functions they leave callable.
        let mut groups: Vec<Group<'_>> = Vec::new();
        for ScopedValue { scope, source } in tree.scoped_values("disable_functions") {
            let mut list = ini_list.clone();
            if let (Some(OverrideScope::Pool(_)), ValueSource::Override(o)) = (&scope, &source) {
                list = format!("{list},{}", o.value);
            }
            let off = disabled(&list);
            let open: Vec<&str> = SHELL_FUNCTIONS.iter().copied().filter(|f| !off.contains(f)).collect();
            if open.is_empty() {
                continue;
            }
            let misses = near_misses(&list);
            match groups.iter_mut().find(|(o, _, _)| *o == open) {
                Some((_, scopes, _)) => scopes.push(scope),
                None => groups.push((open, vec![scope], misses)),
            }
        }
        let place = ini
            .as_ref()
            .and_then(|s| hardening::place(tree, &ValueSource::Ini(s.clone())).map(|(p, span)| (p.to_path_buf(), span)))
            .or_else(|| hardening::entry_place(tree).map(|(p, span)| (p.to_path_buf(), span)));
        let Some((path, span)) = place else { return };
        for (open, scopes, misses) in groups {
            let named: Vec<String> = scopes.iter().flatten().map(ToString::to_string).collect();
            let scopes = if named.is_empty() { String::new() } else { format!(" (for {})", named.join(", ")) };
            let hint = if misses.is_empty() {
                String::new()
            } else {
                format!(
                    "; PHP matches names exactly and splits only on commas and spaces, so {} disable nothing",
                    misses.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
                )
            };
            let what =
                if ini.is_some() { "`disable_functions` leaves" } else { "`disable_functions` is not set, leaving" };
            checker.report(
                &path,
                span,
                format!("{what} shell functions callable: {}{hint}{scopes}", open.join(", ")),
                None,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_as_php_does() {
        assert_eq!(disabled("exec system,passthru , popen"), ["exec", "system", "passthru", "popen"]);
        assert_eq!(disabled("system\tpassthru"), ["system\tpassthru"]);
        assert_eq!(near_misses("SYSTEM,exec,system\tpassthru,foo"), ["SYSTEM", "system\\tpassthru"]);
    }
}
