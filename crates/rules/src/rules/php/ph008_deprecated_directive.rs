use conflint_core::Model;
use conflint_core::php::directives::{DirectiveStatus, StartupCheck, directive, startup_check};
use conflint_core::text::escape_control;

use super::directive_lines::{self, describe, directive_lines};
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds php.ini lines that give a deprecated directive a value other
    /// than its default, for the target PHP release (chosen as for PH005):
    /// `allow_url_include = On` (deprecated in 7.4; PHP prints "Deprecated:
    /// Directive 'allow_url_include' is deprecated" at every start),
    /// `session.sid_length = 26` (8.4), `auto_detect_line_endings = On`
    /// (8.1), `iconv.input_encoding` (5.6) and the rest of conflint's
    /// directive table.
    ///
    /// A deprecated directive set to its built-in default is left alone:
    /// that line changes nothing today and nothing when the directive goes
    /// (php.ini-production's `allow_url_include = Off`).
    ///
    /// ## Why is this bad?
    /// The value still works, but the next PHP release that removes the
    /// directive drops it silently (or, for a few, refuses to start: see
    /// PH007). Better to move to the replacement while the old value is
    /// still honoured and the difference can be tested.
    ///
    /// ## Example
    /// ```ini
    /// allow_url_include = On
    /// ```
    /// Use instead: stop including code over URLs, and delete the line.
    ///
    /// ## Fix safety
    /// No fix: the value does something today; dropping it changes
    /// behaviour, and the replacement (if any) is a decision.
    pub struct DeprecatedDirective {
        code: "PH008",
        name: "deprecated-directive",
        severity: Warning,
        default_on: true,
        fix: None,
    }
}

impl Check for DeprecatedDirective {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Php(tree) = model else { return };
        let target = directive_lines::target_version(tree, checker);
        for line in directive_lines(tree) {
            let key = line.setting.key.as_str();
            let Some(d) = directive(key) else { continue };
            let DirectiveStatus::Deprecated { since } = d.status(target.version) else { continue };
            if directive_lines::is_template(&line.written()) {
                continue; // Judged once rendered.
            }
            if directive_lines::is_default(d, &line.setting.value) {
                continue;
            }
            let warning = match startup_check(key, &line.setting.value, target.version) {
                Some(check @ StartupCheck::Deprecated) if !line.setting.scoped => {
                    format!(" (PHP warns at every start: `{}`)", check.message(key))
                }
                _ => String::new(),
            };
            checker.report(
                line.path,
                line.entry.key,
                format!(
                    "`{key} = {}`: deprecated since PHP {since}; {} still reads it, a later release drops it{warning}",
                    escape_control(&line.written()),
                    describe(&target)
                ),
                None,
            );
        }
    }
}
