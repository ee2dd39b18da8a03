//! What kept a target from loading, as findings: CL001 (does not parse),
//! CL002 (cannot be read), CL003 (an include that fails), in words that fit
//! the tree (no 2.4-only advice on a 2.2 tree).

use conflint_core::httpd::ApacheVersion;
use conflint_core::httpd::include::IncludeFailure;
use conflint_core::{LineColumn, LoadProblem, Model, ProblemKind};

use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::{locate, locate_with};
use crate::registry::Rule;

/// The finding for one load problem. `model` locates it when it is in a
/// file the model holds.
pub fn diagnostic(problem: &LoadProblem, model: Option<&Model>) -> Diagnostic {
    let rule = match &problem.kind {
        ProblemKind::Syntax(_) | ProblemKind::Rejected(_) => Rule::CL001,
        ProblemKind::Unreadable { .. } | ProblemKind::SymlinkLoop(_) => Rule::CL002,
        ProblemKind::Include(_) | ProblemKind::Cycle { .. } | ProblemKind::TooDeep => Rule::CL003,
        ProblemKind::Template(_) => Rule::CL004,
    };
    let file = model.and_then(|m| m.file(&problem.path));
    let mut location = match &file {
        Some(file) => locate_with(file.lines, &problem.path, file.source, problem.span),
        None => locate(&problem.path, b"", problem.span),
    };
    if file.is_none() {
        let at = problem.position.unwrap_or(LineColumn { line: 1, column: 1 });
        location.start = at;
        location.end = at;
    }
    let mut diagnostic = Diagnostic::new(rule, message(problem, model), location);
    if matches!(problem.kind, ProblemKind::Include(IncludeFailure::OutsideRoot(_)) | ProblemKind::SymlinkLoop(_)) {
        diagnostic.severity = Severity::Warning;
    }
    diagnostic
}

/// The problem's words, with advice that fits the tree's version.
fn message(problem: &LoadProblem, model: Option<&Model>) -> String {
    let text = problem.kind.to_string();
    let ProblemKind::Include(IncludeFailure::Missing(_) | IncludeFailure::NoMatch { .. }) = problem.kind else {
        return text;
    };
    match model {
        Some(Model::Httpd(tree)) if tree.version == ApacheVersion::V2_2 => {
            format!("{text} (httpd 2.2 has no IncludeOptional: create what it names or remove the Include)")
        }
        _ => format!("{text} (use IncludeOptional if that is fine)"),
    }
}
