//! Running a plan: the entries' trees in parallel, then the files no tree
//! read, each on its own. Checking or fixing, one target per task.

use std::sync::atomic::Ordering;

use conflint_core::source::{FileIdentity, FileSystem};
use conflint_core::{Span, Target};
use conflint_rules::fix::{FixFailure, FixOptions, FixedFile, fix_target};
use conflint_rules::plan::Plan;
use conflint_rules::{Diagnostic, Settings, lint};
use rayon::prelude::*;

use crate::write::INTERRUPTED;

/// What the run does with each target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Report findings.
    Check,
    /// Apply fixes and write them.
    Fix,
    /// Apply fixes in memory and print them as a diff.
    Diff,
}

/// What checking or fixing one target gave.
#[derive(Debug, Default)]
pub struct TargetResult {
    /// Findings left.
    pub diagnostics: Vec<Diagnostic>,
    /// Files whose text the fixes changed (not yet written).
    pub fixed_files: Vec<FixedFile>,
    /// Findings resolved by the fixes.
    pub fixed: usize,
    /// Fixes not applied, and why.
    pub failures: Vec<FixFailure>,
    /// Files the target read.
    pub covered: Vec<FileIdentity>,
    /// How many files it read.
    pub files: usize,
    /// A file could not be read or does not parse.
    pub load_failed: bool,
    /// Byte ranges holding secrets, per file.
    pub secrets: Vec<(std::path::PathBuf, Vec<Span>)>,
}

/// Check or fix one target.
pub fn process(
    target: &Target,
    fs: &dyn FileSystem,
    settings: &Settings,
    mode: Mode,
    fix: &FixOptions,
) -> TargetResult {
    if INTERRUPTED.load(Ordering::SeqCst) {
        return TargetResult::default();
    }
    if mode == Mode::Check {
        let lint = lint(target, fs, settings);
        return TargetResult {
            files: lint.files.len().max(1),
            diagnostics: lint.diagnostics,
            covered: lint.covered,
            load_failed: lint.load_failed,
            secrets: lint.secrets,
            ..Default::default()
        };
    }
    let outcome = fix_target(target, fs, settings, fix);
    TargetResult {
        diagnostics: outcome.diagnostics,
        fixed_files: outcome.files,
        fixed: outcome.fixed,
        failures: outcome.failures,
        covered: outcome.covered,
        files: outcome.files_read,
        load_failed: outcome.load_failed,
        secrets: outcome.secrets,
    }
}

/// Run every target of the plan, both cores busy: the entries, then (once
/// their trees are known) the files no kept tree read. Entries that another
/// tree includes are dropped.
pub fn run(
    plan: &Plan,
    fs: &dyn FileSystem,
    settings: &Settings,
    mode: Mode,
    fix: &FixOptions,
) -> Vec<(Target, TargetResult)> {
    let entries: Vec<TargetResult> = plan.entries.par_iter().map(|t| process(t, fs, settings, mode, fix)).collect();
    let covered: Vec<Vec<FileIdentity>> = entries.iter().map(|r| r.covered.clone()).collect();
    let round = plan.second_round(&covered);
    let mut results: Vec<(Target, TargetResult)> = plan
        .entries
        .iter()
        .cloned()
        .zip(entries)
        .enumerate()
        .filter(|(i, _)| !round.included_entries.contains(i))
        .map(|(_, pair)| pair)
        .collect();
    results.extend(
        round
            .fragments
            .into_par_iter()
            .map(|t| {
                let r = process(&t, fs, settings, mode, fix);
                (t, r)
            })
            .collect::<Vec<_>>(),
    );
    results
}
