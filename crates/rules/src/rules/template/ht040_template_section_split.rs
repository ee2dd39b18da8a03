use conflint_core::Model;
use conflint_core::httpd::LineKind;

use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds an httpd template whose block (`{% if %}`, `<% if %>`) opens a
    /// section (`<Location>`, `<VirtualHost>`) it does not close, or closes
    /// one it did not open.
    ///
    /// ## Why is this bad?
    /// Rendered with the condition false, the file keeps a `</Location>`
    /// without its `<Location>` (or the other way round), and httpd refuses
    /// to start: `</Location> without matching <Location> section`.
    ///
    /// ## Example
    /// ```jinja
    /// {% if restrict_admin %}
    /// <Location /admin>
    /// {% endif %}
    ///     Require ip 10.0.0.0/8
    /// </Location>
    /// ```
    ///
    /// ## Fix safety
    /// No fix: template syntax is never rewritten.
    pub struct TemplateSectionSplit {
        code: "HT040",
        name: "template-section-split",
        severity: Error,
        default_on: true,
        fix: None,
    }
}

impl Check for TemplateSectionSplit {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        for file in &tree.files {
            let syntax = &file.syntax;
            let Some(template) = syntax.template() else { continue };
            for branch in &template.branches {
                let mut depth: i64 = 0;
                let mut first = None;
                for line in syntax.lines.iter().filter(|l| l.span.start >= branch.start && l.span.start < branch.end) {
                    match &line.kind {
                        LineKind::Open(_) => depth += 1,
                        LineKind::Close(_) => depth -= 1,
                        _ => continue,
                    }
                    first.get_or_insert(line.text);
                }
                if depth != 0 {
                    let Some(span) = first else { continue };
                    let what = if depth > 0 {
                        "opens a section it does not close"
                    } else {
                        "closes a section it did not open"
                    };
                    checker.report(
                        &file.path,
                        span,
                        format!("this template block {what}: a rendering without the block leaves an unmatched section, which httpd refuses"),
                        None,
                    );
                }
            }
        }
    }
}
