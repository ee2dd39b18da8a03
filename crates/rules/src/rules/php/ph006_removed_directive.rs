use conflint_core::Model;
use conflint_core::php::directives::{DirectiveStatus, PhpVersion, directive, removed_before_table};

use super::directive_lines::{self, describe, directive_lines};
use super::ph007_no_longer_available::fatal_lines;
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds php.ini lines that set a directive the target PHP release no
    /// longer has: `session.hash_function` (gone in 7.1),
    /// `mbstring.func_overload` (8.0), `opcache.fast_shutdown` (7.2),
    /// `safe_mode = Off` (5.4), and every other removal in conflint's
    /// directive table (php-src's registrations per release branch and the
    /// PHP manual's migration guides). The PHP release is chosen as for
    /// PH005 (`--php-version`, `[php] version`, the path, else the newest).
    ///
    /// A removed directive PHP refuses to start with (`safe_mode = On`,
    /// `track_errors = On` on PHP 8) is PH007's finding instead.
    ///
    /// ## Why is this bad?
    /// PHP reads the line and ignores it: the configuration says something
    /// PHP no longer does (`mbstring.func_overload = 7` no longer overloads
    /// anything), and the next upgrade review trips over it.
    ///
    /// ## Example
    /// ```ini
    /// session.hash_function = sha256
    /// ```
    /// Use instead: delete the line (PHP 7.1+ session IDs are random bytes;
    /// `session.sid_length` and `session.sid_bits_per_character` shape them).
    ///
    /// ## Fix safety
    /// Safe: deleting the line leaves `ini_get_all()` exactly as it was
    /// (tests/php_rules_system.rs compares it with real PHP for every
    /// directive PHP 8.2 removed). Unsafe when the directive's whole
    /// extension left PHP (`mcrypt.*` in 7.2, `imap.*` and `oci8.*` in 8.4):
    /// the extension may be installed from PECL and still read the line. No
    /// fix when a `${NAME}` elsewhere reads the directive's value, or the
    /// line holds something else too.
    pub struct RemovedDirective {
        code: "PH006",
        name: "removed-directive",
        severity: Warning,
        default_on: true,
        fix: Sometimes,
    }
}

impl Check for RemovedDirective {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Php(tree) = model else { return };
        let target = directive_lines::target_version(tree, checker);
        let fatal = fatal_lines(tree, target.version);
        let referenced = directive_lines::referenced_names(tree);
        for line in directive_lines(tree) {
            let key = line.setting.key.as_str();
            let (since, pecl) = match (directive(key), removed_before_table(key)) {
                (_, Some(since)) if target.version >= since => (since, false),
                (_, Some(_)) => continue,
                (Some(d), None) => match d.status(target.version) {
                    DirectiveStatus::Removed { since } => (since, directive_lines::extension_gone(d, target.version)),
                    _ => continue,
                },
                (None, None) => continue,
            };
            if fatal.iter().any(|(file, index, _)| *file == line.setting.file && *index == line.setting.line) {
                continue;
            }
            let edit = directive_lines::delete_line(&line).filter(|_| !referenced.contains(key));
            let fix = edit.map(|e| {
                let message = "delete the line";
                if pecl { Fix::unsafe_(message, vec![e]) } else { Fix::safe(message, vec![e]) }
            });
            let extension = match directive(key) {
                Some(d) if pecl => {
                    format!(" (the {} extension left PHP; from PECL it may still read this line)", d.extension)
                }
                _ => String::new(),
            };
            checker.report(
                line.path,
                line.entry.key,
                format!("`{key}` was removed in PHP {since}: {} ignores it{extension}", removed_in(&target, since)),
                fix,
            );
        }
    }
}

/// `PHP 8.2 (from the path)`; for the directives removed before the
/// table's oldest release, just "PHP".
fn removed_in(target: &crate::settings::TargetVersion<PhpVersion>, since: PhpVersion) -> String {
    if since < PhpVersion::OLDEST { "PHP".to_string() } else { describe(target) }
}
