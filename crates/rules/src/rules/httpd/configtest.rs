//! What HT008 and HT010-HT012 share: the static configtest of a tree (core's
//! directive table and checks), reported by the kind of problem each rule
//! owns, in httpd's own words.

use conflint_core::httpd::HttpdTree;
use conflint_core::httpd::Truth;
use conflint_core::httpd::directives::problem::{Certainty, ProblemKind};

use conflint_core::edit::Edit;
use conflint_core::text::Span;

use crate::context::Checker;
use crate::diagnostic::Fix;

/// Report the configtest problems of `kind`: httpd's certain errors in
/// parts it surely reads as the rule's own severity (the engine's default);
/// in parts under an undecidable conditional, or when httpd only warns, as
/// what they are. Problems that depend on a module conflint does not know
/// are left out.
pub(crate) fn report(tree: &HttpdTree, checker: &mut Checker<'_>, kind: ProblemKind) {
    for found in tree.configtest().iter().filter(|p| p.problem.kind == kind) {
        if found.problem.certainty == Certainty::Maybe {
            continue;
        }
        let maybe = found.truth != Truth::Yes;
        let mut message = found.problem.to_string();
        if found.problem.certainty == Certainty::Warning || maybe {
            let why = if maybe {
                "under a conditional conflint cannot decide: httpd refuses it if it reads it"
            } else {
                "httpd warns and goes on"
            };
            message.push_str(&format!(" [{why}]"));
        }
        let path = &tree.file(found.file).path;
        // A byte-order mark is the one problem with a fix beyond doubt:
        // httpd refuses the file, and without the mark reads what it shows.
        let fix = found.item.is_none().then(|| {
            let bom = Span::new(found.span.start, found.span.start + conflint_core::text::BOM.len());
            Fix::safe("remove the byte-order mark", vec![Edit::delete(path.clone(), bom)])
        });
        checker.report_with_severity(
            path,
            found.span,
            message,
            fix,
            (found.problem.certainty == Certainty::Warning || maybe).then_some(crate::diagnostic::Severity::Warning),
        );
    }
}
