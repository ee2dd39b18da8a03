use conflint_core::Model;
use conflint_core::php::directives::{DirectiveStatus, StartupCheck, directive, startup_check};
use conflint_core::php::php_bool;
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
    /// (php.ini-production's `allow_url_include = Off`). Where the manual
    /// deprecates turning a directive *on*, only on is reported:
    /// `allow_url_include`, and `register_argc_argv` outside the CLI (PHP 8.5
    /// deprecates deriving `$_SERVER['argv']` from the query string and says
    /// to configure `register_argc_argv=0`, which php.ini-production does).
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

/// Directives whose deprecation is of turning them on: `allow_url_include`
/// (7.4), and `register_argc_argv` for web SAPIs (8.5: "Deriving
/// $_SERVER['argc'] and $_SERVER['argv'] from the query string for non-CLI
/// SAPIs has been deprecated. Configure register_argc_argv=0", the manual's
/// migration85/deprecated.xml). For the others the manual deprecates
/// "changing the value" (migration84: `session.sid_length`...), so a value
/// other than the default is what is reported.
const ON_IS_DEPRECATED: &[&str] = &["allow_url_include", "register_argc_argv"];

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
            if ON_IS_DEPRECATED.contains(&key) {
                // Off is the recommended setting here, not the deprecated one.
                let cli_only = key == "register_argc_argv" && tree.sapi() == Some(conflint_core::php::Sapi::Cli);
                if !php_bool(&line.setting.value) || cli_only {
                    continue;
                }
            } else if directive_lines::is_default(d, &line.setting.value) {
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
