//! Running the rules on a unit: enabled rules only, suppression comments
//! applied, unused suppressions reported (CL100), results in file order.

use std::collections::HashMap;
use std::path::Path;

use conflint_core::source::FileSystem;
use conflint_core::{LineIndex, Span};

use crate::context::{Checker, Unit, UnitFile};
use crate::diagnostic::{Diagnostic, Location};
use crate::registry;
use crate::rules::cl::UnusedSuppression;
use crate::settings::Settings;
use crate::suppression::{self, Suppression, SuppressionIndex};
use crate::target::Target;

/// The 1-based line and character column of both ends of `span`.
pub fn locate(path: &Path, source: &[u8], span: Span) -> Location {
    locate_with(&LineIndex::new(source), path, source, span)
}

/// [`locate`] with a line index built once for the file.
fn locate_with(index: &LineIndex, path: &Path, source: &[u8], span: Span) -> Location {
    Location {
        path: path.to_path_buf(),
        span,
        start: index.line_column(source, span.start),
        end: index.line_column(source, span.end),
    }
}

/// Load a target and check it: loading problems and rule findings together.
pub fn check_target(target: &Target, fs: &dyn FileSystem, settings: &Settings) -> Vec<Diagnostic> {
    let loaded = target.load(fs, settings);
    let mut diagnostics: Vec<Diagnostic> =
        loaded.diagnostics.into_iter().filter(|d| settings.is_enabled(registry::meta(d.code))).collect();
    if let Some(unit) = &loaded.unit {
        diagnostics.extend(check(&unit.as_unit(), settings));
    }
    sort(&mut diagnostics);
    diagnostics
}

/// Run every enabled rule on a unit.
pub fn check(unit: &Unit<'_>, settings: &Settings) -> Vec<Diagnostic> {
    let rules = registry::all();
    let Some(first) = rules.first() else { return Vec::new() };
    let mut checker = Checker::new(settings, first.meta());
    for rule in rules.iter().filter(|r| settings.is_enabled(r.meta())) {
        checker.set_rule(rule.meta());
        rule.check(unit, &mut checker);
    }
    let files = unit.files();
    let by_path: HashMap<&Path, &UnitFile<'_>> = files.iter().map(|f| (f.path, f)).collect();
    let suppressions: Vec<Suppression> = files.iter().flat_map(suppression::scan).collect();
    let silencers = SuppressionIndex::new(&suppressions);
    let mut used = vec![false; suppressions.len()];
    let mut diagnostics = Vec::new();
    for finding in checker.into_findings() {
        let location = match by_path.get(finding.path.as_path()) {
            Some(file) => locate_with(file.lines, &finding.path, file.source, finding.span),
            None => locate(&finding.path, &[], finding.span),
        };
        if let Some(i) = silencers.find(&location.path, location.start.line, finding.rule.code) {
            used[i] = true;
            continue;
        }
        diagnostics.push(Diagnostic {
            code: finding.rule.code,
            name: finding.rule.name,
            severity: finding.rule.severity,
            message: finding.message,
            location,
            fix: finding.fix,
        });
    }
    if settings.is_enabled(&UnusedSuppression::META) {
        for (suppression, used) in suppressions.iter().zip(used) {
            let active = suppression.codes.iter().any(|c| {
                registry::all().iter().any(|r| r.meta().code.starts_with(c.as_str()) && settings.is_enabled(r.meta()))
            });
            if used || !active {
                continue;
            }
            let Some(file) = by_path.get(suppression.path.as_path()) else { continue };
            diagnostics.push(Diagnostic {
                code: UnusedSuppression::META.code,
                name: UnusedSuppression::META.name,
                severity: UnusedSuppression::META.severity,
                message: format!("unused suppression: nothing here is reported as {}", suppression.codes.join(", ")),
                location: locate_with(file.lines, &suppression.path, file.source, suppression.span),
                fix: None,
            });
        }
    }
    sort(&mut diagnostics);
    diagnostics
}

/// File order, then position, then code; exact duplicates (a file included
/// twice) are reported once.
pub fn sort(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| {
        (&a.location.path, a.location.start, a.code, &a.message).cmp(&(
            &b.location.path,
            b.location.start,
            b.code,
            &b.message,
        ))
    });
    diagnostics.dedup_by(|a, b| a.code == b.code && a.location == b.location && a.message == b.message);
}
