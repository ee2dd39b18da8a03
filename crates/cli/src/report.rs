//! The end of a run: write (or diff) the fixes, gather what is left,
//! print it in the chosen format, and pick the exit status.

use std::path::{Path, PathBuf};

use conflint_core::Target;
use conflint_core::source::{FileSystem, RealFileSystem};
use conflint_core::text::quoted_path;
use conflint_rules::fix::FixOptions;
use conflint_rules::{Settings, engine};

use crate::args::{CheckArgs, Format};
use crate::check::Mode;
use crate::check::apply::{self, Allowed};
use crate::check::execute::{TargetResult, process};
use crate::output::{self, Report};
use crate::run::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, Io};
use crate::verify::Verdict;

macro_rules! say {
    ($w:expr, $($arg:tt)*) => {{ let _ = writeln!($w, $($arg)*); }};
}

/// Facts the exit status depends on.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Something could not be read, parsed or written.
    pub failed: bool,
    /// `--diff` printed a change.
    pub has_diff: bool,
}

/// Write or diff the fixes of `results`, print the report, return the exit status.
#[allow(clippy::too_many_arguments)]
pub fn collect(
    results: Vec<(Target, TargetResult)>,
    mode: Mode,
    roots: &[PathBuf],
    args: &CheckArgs,
    fs: &RealFileSystem,
    stamps: &crate::write::StampingFileSystem,
    settings: &Settings,
    report: &mut Report,
    outcome: &mut Outcome,
    io: &mut Io<'_>,
) -> u8 {
    let fixed: Vec<(usize, conflint_rules::fix::FixedFile)> =
        results.iter().enumerate().flat_map(|(i, (_, r))| r.fixed_files.iter().cloned().map(move |f| (i, f))).collect();
    let allowed = if mode == Mode::Fix { Allowed::new(roots, args.write_outside) } else { Allowed::new(&[], true) };
    let mut plan = apply::plan_writes(fixed, &allowed);
    if mode != Mode::Check && !args.no_verify {
        let verdicts = verify_fixes(&results, io);
        report.verified = verdicts.passed;
        if verdicts.refused {
            // The server would refuse the fixed tree: nothing is written.
            outcome.failed = true;
            plan.refused.extend(plan.writes.drain(..).flat_map(|w| w.targets).map(|t| (t, String::new())));
        }
    }
    let mut unwritten: Vec<usize> = Vec::new();
    for (target, message) in &plan.refused {
        if !message.is_empty() {
            say!(io.stderr, "conflint: {message}");
        }
        unwritten.push(*target);
    }
    let mut written: Vec<PathBuf> = Vec::new();
    match mode {
        Mode::Fix => {
            let mut notes = Vec::new();
            let result = apply::write(&plan, stamps, args.in_place_when_needed, &mut notes);
            for note in notes {
                say!(io.stderr, "conflint: {note}");
            }
            match result {
                Ok((failed, done)) => {
                    for (target, message) in failed {
                        say!(io.stderr, "conflint: {message}");
                        unwritten.push(target);
                        outcome.failed = true;
                    }
                    written = done;
                }
                Err(apply::Interrupted(path)) => {
                    say!(io.stderr, "conflint: interrupted; {} and later files were not written", quoted_path(&path));
                    return 128 + crate::write::interrupt_signal().unwrap_or(2) as u8;
                }
            }
        }
        Mode::Diff if outcome.failed => {}
        Mode::Diff => {
            let diff = apply::diff(&plan);
            outcome.has_diff = !diff.is_empty();
            let _ = io.stdout.write_all(diff.as_bytes());
        }
        Mode::Check => {}
    }
    for (i, (target, mut result)) in results.into_iter().enumerate() {
        report.files += result.files;
        outcome.failed |= result.load_failed;
        for failure in &result.failures {
            say!(
                io.stderr,
                "conflint: {}: {} fix not applied ({}): {}",
                quoted_path(&failure.path),
                failure.rule,
                conflint_core::text::escape_control(&failure.message),
                failure.reason
            );
        }
        if mode != Mode::Check && unwritten.contains(&i) {
            // Report what is really on disk now, not what the fixes would
            // have left.
            result = process(&target, fs, settings, Mode::Check, &FixOptions::default());
        } else {
            report.fixed += result.fixed;
        }
        report.secrets.extend(result.secrets);
        report.diagnostics.extend(result.diagnostics);
    }
    if let (Some(template), [rendered]) = (&args.template_source, args.paths.as_slice()) {
        if let Err(message) = crate::template_source::map_findings(&mut report.diagnostics, template, rendered) {
            say!(io.stderr, "conflint: --template-source: {message}");
            outcome.failed = true;
        }
    }
    engine::sort(&mut report.diagnostics);
    if mode == Mode::Diff {
        if !args.quiet {
            say!(io.stderr, "Would fix {} problem(s); {} would remain.", report.fixed, report.diagnostics.len());
        }
    } else {
        let fixed_text = |path: &Path| -> Option<Vec<u8>> {
            if written.iter().any(|w| w == path) {
                return plan.writes.iter().find(|w| w.file.path == path).map(|w| w.file.fixed.clone());
            }
            fs.read(path).ok()
        };
        print(report, args.format, &fixed_text, io, args.quiet);
    }
    exit_status(report, outcome, mode, args.exit_non_zero_on_fix)
}

/// What verifying every target's fixes found.
struct Verdicts {
    /// The checks that passed, each once.
    passed: Vec<String>,
    /// A server refused a fixed tree.
    refused: bool,
}

/// Run the servers' own checks on each target's fixed files.
fn verify_fixes(results: &[(Target, TargetResult)], io: &mut Io<'_>) -> Verdicts {
    let mut verdicts = Verdicts { passed: Vec::new(), refused: false };
    for (target, result) in results.iter().filter(|(_, r)| !r.fixed_files.is_empty()) {
        match crate::verify::verify(target, &result.fixed_files) {
            Verdict::Passed(check) => {
                if !verdicts.passed.contains(&check) {
                    verdicts.passed.push(check);
                }
            }
            Verdict::Skipped(_) => {}
            Verdict::Refused { check, message } => {
                say!(
                    io.stderr,
                    "conflint: {}: nothing written: `{check}` accepts the files as they are but refuses them fixed: {}",
                    quoted_path(&target.path),
                    conflint_core::text::escape_control(&message)
                );
                verdicts.refused = true;
            }
        }
    }
    verdicts
}

/// Print the report in `format`.
pub fn print(report: &Report, format: Format, source: &dyn Fn(&Path) -> Option<Vec<u8>>, io: &mut Io<'_>, quiet: bool) {
    let _ = io.stdout.write_all(render(report, format, source, io.color, quiet).as_bytes());
}

/// The report as text in `format`.
pub fn render(
    report: &Report,
    format: Format,
    source: &dyn Fn(&Path) -> Option<Vec<u8>>,
    color: bool,
    quiet: bool,
) -> String {
    match format {
        Format::Human => output::human::render(report, source, color, quiet),
        Format::Json => output::json::render(report),
        Format::Sarif => output::sarif::render(report),
        Format::Github => output::github::render(report),
    }
}

/// 2 when something could not be read, parsed or written (a fact of
/// loading, whatever rules were selected); 1 when findings remain, a diff
/// was printed, or `--exit-non-zero-on-fix` and a fix was applied; else 0.
pub fn exit_status(report: &Report, outcome: &Outcome, mode: Mode, non_zero_on_fix: bool) -> u8 {
    if outcome.failed {
        EXIT_ERROR
    } else if !report.diagnostics.is_empty()
        || (mode == Mode::Fix && non_zero_on_fix && report.fixed > 0)
        || outcome.has_diff
    {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}
