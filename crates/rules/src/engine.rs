//! The one pipeline every caller uses (the checker, the fixer, the CLI and
//! the library): load a target, turn what kept it from loading into
//! CL001-CL003, run every enabled rule on the model, apply suppressions,
//! report unused ones (CL100), and sort.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use conflint_core::source::{FileIdentity, FileSystem};
use conflint_core::{FileKind, LineIndex, Model, ProblemKind, SourceFile, Span, Target};

use crate::context::Checker;
use crate::diagnostic::{Diagnostic, Location};
use crate::loading;
use crate::registry::Rule;
use crate::settings::Settings;
use crate::suppression::{self, Suppression, SuppressionIndex};

/// What linting one target gives.
#[derive(Debug, Default)]
pub struct Lint {
    /// Findings and loading problems, sorted.
    pub diagnostics: Vec<Diagnostic>,
    /// Every file the server would read was read and parsed. A fact of
    /// loading, whatever rules are selected: nothing is fixed otherwise.
    pub parsed: bool,
    /// A file of the target could not be read or does not parse: the run
    /// exits 2, whatever rules are selected.
    pub load_failed: bool,
    /// The files read and parsed, with their format: the files fixes may edit.
    pub files: Vec<(PathBuf, FileKind)>,
    /// The identities of every file the target read or tried to read: a
    /// file covered by a tree needs no check of its own.
    pub covered: Vec<FileIdentity>,
    /// Per file, the byte ranges holding secrets, which output masks.
    pub secrets: Vec<(PathBuf, Vec<Span>)>,
}

/// Load `target` through `fs` and check it.
pub fn lint(target: &Target, fs: &dyn FileSystem, settings: &Settings) -> Lint {
    let loaded = target.load(fs, &settings.load_options());
    let parsed = loaded.parsed();
    let load_failed = loaded.model.is_none()
        || loaded.problems.iter().any(|p| {
            matches!(p.kind, ProblemKind::Syntax(_) | ProblemKind::Rejected(_) | ProblemKind::Unreadable { .. })
        });
    let model = loaded.model.as_ref();
    let mut diagnostics: Vec<Diagnostic> = loaded
        .problems
        .iter()
        .map(|problem| loading::diagnostic(problem, model))
        .filter(|d| settings.is_enabled(d.rule))
        .collect();
    let mut covered: Vec<FileIdentity> = model.map(|m| m.covered(fs)).unwrap_or_default();
    covered.extend(loaded.problems.iter().filter(|p| p.is_about_a_file()).map(|p| fs.identity(p.about())));
    covered.push(fs.identity(&target.path));
    covered.sort();
    covered.dedup();
    let sources = model.map(Model::files).unwrap_or_default();
    let files = sources.iter().map(|f| (f.path.to_path_buf(), f.kind)).collect();
    let secrets =
        sources.iter().filter(|f| !f.secrets.is_empty()).map(|f| (f.path.to_path_buf(), f.secrets.clone())).collect();
    if let Some(model) = model {
        diagnostics.extend(check(model, settings));
    }
    sort(&mut diagnostics);
    Lint { diagnostics, parsed, load_failed, files, covered, secrets }
}

/// Run every enabled rule on a model; suppressions applied, unused ones
/// reported (CL100) when that rule is enabled.
pub fn check(model: &Model, settings: &Settings) -> Vec<Diagnostic> {
    let Some(&first) = Rule::ALL.first() else { return Vec::new() };
    let mut checker = Checker::new(settings, first);
    for &rule in Rule::ALL.iter().filter(|r| settings.is_enabled(**r)) {
        checker.set_rule(rule);
        rule.check(model, &mut checker);
    }
    let files = model.files();
    let by_path: HashMap<&Path, &SourceFile<'_>> = files.iter().map(|f| (f.path, f)).collect();
    let suppressions: Vec<Suppression> = files.iter().flat_map(suppression::scan).collect();
    let silencers = SuppressionIndex::new(&suppressions);
    let mut used = vec![false; suppressions.len()];
    let mut diagnostics = Vec::new();
    for finding in checker.into_findings() {
        let location = match by_path.get(finding.path.as_path()) {
            Some(file) => locate_with(file.lines, &finding.path, file.source, finding.span),
            None => locate(&finding.path, &[], finding.span),
        };
        if let Some(i) = silencers.find(&location.path, location.start.line, finding.rule.code()) {
            used[i] = true;
            continue;
        }
        let template = by_path.get(finding.path.as_path()).and_then(|f| f.template);
        // A finding about a template's placeholder is about a value conflint
        // cannot know: dropped, or an info with --strict-templates.
        let on_hole = !finding.rule.judges_placeholders() && template.is_some_and(|t| t.touches_hole(finding.span));
        if on_hole && !settings.strict_templates {
            continue;
        }
        let mut diagnostic = Diagnostic::new(finding.rule, finding.message, location);
        if let Some(severity) = finding.severity {
            diagnostic.severity = severity;
        }
        if on_hole {
            diagnostic.severity = crate::diagnostic::Severity::Info;
        }
        diagnostic.fix = finding.fix.filter(|fix| !touches_template(fix, &by_path));
        diagnostics.push(diagnostic);
    }
    if settings.is_enabled(Rule::CL100) {
        diagnostics.extend(unused_suppressions(&suppressions, &used, &by_path, settings));
    }
    sort(&mut diagnostics);
    diagnostics
}

/// Whether a fix would rewrite template syntax: an edit on a line with a
/// placeholder or a tag, or inside a block. Fixes touch literal lines only.
fn touches_template(fix: &crate::diagnostic::Fix, by_path: &HashMap<&Path, &SourceFile<'_>>) -> bool {
    fix.edits.iter().any(|edit| {
        by_path
            .get(edit.path.as_path())
            .and_then(|f| f.template.map(|t| (f, t)))
            .is_some_and(|(f, t)| t.line_is_template(f.source, edit.span))
    })
}

/// CL100 for each suppression that silenced nothing, among those naming a
/// rule that ran (a suppression of a rule switched off cannot be judged).
fn unused_suppressions(
    suppressions: &[Suppression],
    used: &[bool],
    by_path: &HashMap<&Path, &SourceFile<'_>>,
    settings: &Settings,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (suppression, used) in suppressions.iter().zip(used) {
        let active = suppression
            .codes
            .iter()
            .any(|c| Rule::ALL.iter().any(|r| r.code().starts_with(c.as_str()) && settings.is_enabled(*r)));
        if *used || !active {
            continue;
        }
        let Some(file) = by_path.get(suppression.path.as_path()) else { continue };
        let message = format!("unused suppression: nothing here is reported as {}", suppression.codes.join(", "));
        let location = locate_with(file.lines, &suppression.path, file.source, suppression.span);
        out.push(Diagnostic::new(Rule::CL100, message, location));
    }
    out
}

/// The 1-based line and character column of both ends of `span`.
pub fn locate(path: &Path, source: &[u8], span: Span) -> Location {
    locate_with(&LineIndex::new(source), path, source, span)
}

/// [`locate`] with a line index built once for the file.
pub(crate) fn locate_with(index: &LineIndex, path: &Path, source: &[u8], span: Span) -> Location {
    Location {
        path: path.to_path_buf(),
        span,
        start: index.line_column(source, span.start),
        end: index.line_column(source, span.end),
    }
}

/// File order, then position, then code; exact duplicates (a file included
/// twice) are reported once.
pub fn sort(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| {
        (&a.location.path, a.location.start, a.rule, &a.message).cmp(&(
            &b.location.path,
            b.location.start,
            b.rule,
            &b.message,
        ))
    });
    diagnostics.dedup_by(|a, b| a.rule == b.rule && a.location == b.location && a.message == b.message);
}
