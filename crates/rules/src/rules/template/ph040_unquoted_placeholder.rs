use conflint_core::Model;
use conflint_core::php::IniLineKind;
use conflint_core::php::directives::{PhpType, directive};

use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds a php.ini template whose value is an unquoted placeholder for
    /// a text setting: `error_log = {{ php_error_log }}`,
    /// `disable_functions = {{ php_disable_functions | join(",") }}`.
    ///
    /// ## Why is this bad?
    /// PHP cuts an unquoted value at `;` (a comment) and refuses `=` and
    /// some other characters in it: a rendered path or list holding one of
    /// them silently loses its tail, or breaks the file. Quoted, the value
    /// is read whole (only `"` itself must not appear in it).
    ///
    /// ## Example
    /// ```ini
    /// error_log = {{ php_error_log }}
    /// ```
    /// Use instead:
    /// ```ini
    /// error_log = "{{ php_error_log }}"
    /// ```
    ///
    /// ## Fix safety
    /// No fix: template syntax is never rewritten.
    pub struct UnquotedPlaceholder {
        code: "PH040",
        name: "unquoted-placeholder",
        severity: Info,
        default_on: true,
        fix: None,
    }
}

impl Check for UnquotedPlaceholder {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Php(tree) = model else { return };
        for source in &tree.files {
            let Ok(file) = &source.content else { continue };
            let Some(template) = file.template() else { continue };
            for line in &file.lines {
                let IniLineKind::Entry(entry) = &line.kind else { continue };
                let Some(value) = &entry.value else { continue };
                let text = file.text(value.span);
                let quoted = text.trim_start().starts_with('"');
                let hole = template.holes.iter().any(|h| h.start >= value.span.start && h.end <= value.span.end);
                // Known text settings only (paths, lists): a PECL key's type is
                // not known, and `display_errors` takes words.
                let textual = directive(&entry.key_text)
                    .is_some_and(|d| d.ty == PhpType::String && !d.name.starts_with("display_"));
                if hole && !quoted && textual {
                    checker.report(
                        &source.path,
                        value.span,
                        format!(
                            "`{}` takes text, and a rendered value holding `;` or `=` is cut or refused when unquoted; write `{} = \"{}\"`",
                            entry.key_text,
                            entry.key_text,
                            text.trim()
                        ),
                        None,
                    );
                }
            }
        }
    }
}
