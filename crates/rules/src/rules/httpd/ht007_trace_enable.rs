use conflint_core::Span;

use super::edit;
use crate::context::{Checker, Unit};
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Finds an httpd tree whose effective `TraceEnable` in server context
    /// is not `Off`. Without the directive, TRACE is on.
    ///
    /// ## Why is this bad?
    /// TRACE echoes the request back, headers included. httpd's own
    /// documentation notes that this is no vulnerability in httpd itself,
    /// but scanners and audits flag it everywhere (cross-site tracing), and
    /// no production site needs it.
    ///
    /// ## Example
    /// ```apache
    /// TraceEnable On
    /// ```
    /// Use instead:
    /// ```apache
    /// TraceEnable Off
    /// ```
    ///
    /// ## Fix safety
    /// Safe: only TRACE requests change (405 instead of an echo).
    pub struct TraceEnable {
        code: "HT007",
        name: "trace-enable",
        severity: Info,
        default_on: true,
        fix: Safe,
    }
}

impl Rule for TraceEnable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, unit: &Unit<'_>, checker: &mut Checker<'_>) {
        let Unit::Httpd(tree) = unit else { return };
        if !tree.is_entry {
            return;
        }
        let all: Vec<_> = tree.server_directives("TraceEnable").collect();
        match all.last() {
            None => {
                let fix = Fix::safe(
                    "add `TraceEnable Off` at the top level",
                    vec![edit::insert_top_level(tree, "TraceEnable Off")],
                );
                checker.report(
                    &tree.entry().path,
                    Span::empty(0),
                    "`TraceEnable` is not set, so TRACE requests are answered",
                    Some(fix),
                );
            }
            Some(&last) => {
                let value = tree.item(last).args.first().cloned().unwrap_or_default();
                if value.eq_ignore_ascii_case("off") {
                    return;
                }
                let edits = all
                    .iter()
                    .filter(|id| !tree.item(**id).args.first().is_some_and(|v| v.eq_ignore_ascii_case("off")))
                    .filter_map(|id| edit::replace_arg(tree, *id, 0, "Off"))
                    .collect();
                checker.report(
                    edit::path(tree, last),
                    edit::arg_span(tree, last, 0),
                    format!("`TraceEnable {value}` answers TRACE requests; use `Off`"),
                    Some(Fix::safe("set `TraceEnable Off`", edits)),
                );
            }
        }
    }
}
