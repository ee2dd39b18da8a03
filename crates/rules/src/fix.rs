//! Applying fixes: in passes until nothing changes (bounded), edits that
//! overlap waiting for the next pass, every changed file parsed again and
//! the whole unit linted again before a pass is kept. A fix that breaks the
//! parse, or does not clear its own finding, is dropped and reported.
//!
//! Everything happens in memory, over an overlay of the file system; the
//! caller decides whether and how to write the result.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io;
use std::path::PathBuf;

use conflint_core::gitlab::GitlabRbFile;
use conflint_core::httpd::HttpdFile;
use conflint_core::php::PhpIniFile;
use conflint_core::source::{FileSystem, OverlayFileSystem, SnapshotFileSystem};
use conflint_core::{Span, SyntaxError};

use crate::context::FileKind;
use crate::diagnostic::{Diagnostic, Edit};
use crate::engine::{check, sort};
use crate::registry;
use crate::settings::Settings;
use crate::target::Target;

/// Passes that change something, at most (ruff's limit too). A fix can
/// reveal the next finding (in php.ini, commenting out a `#` line can end
/// a quoted string that hid the `#` line below), so chains are real.
const MAX_PASSES: usize = 100;
/// Passes in all, including those undone because a fix misbehaved.
const MAX_ATTEMPTS: usize = MAX_PASSES + 64;

/// A file whose text the fixes changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedFile {
    /// The file, as found (a symlink is written through).
    pub path: PathBuf,
    /// Its bytes before fixing.
    pub original: Vec<u8>,
    /// Its bytes after fixing; parsed and linted again.
    pub fixed: Vec<u8>,
}

/// A fix that was not applied, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixFailure {
    /// The rule whose fix was dropped.
    pub code: &'static str,
    /// The file the finding is in.
    pub path: PathBuf,
    /// The finding the fix was for.
    pub message: String,
    /// Why it was dropped.
    pub reason: String,
}

/// The result of fixing a target.
#[derive(Debug, Clone, Default)]
pub struct FixOutcome {
    /// Files whose text changed.
    pub files: Vec<FixedFile>,
    /// Findings resolved by applied fixes.
    pub fixed: usize,
    /// What is left to report after fixing.
    pub diagnostics: Vec<Diagnostic>,
    /// Fixes not applied, and why.
    pub failures: Vec<FixFailure>,
    /// False when fixing stopped at the pass limit with fixes still to
    /// apply (each reported in `failures`): fixing the result again
    /// changes it.
    pub converged: bool,
}

/// Identifies a finding in one state of the text.
type Fingerprint = (&'static str, PathBuf, String, Span);

fn fingerprint(d: &Diagnostic) -> Fingerprint {
    (d.code, d.location.path.clone(), d.message.clone(), d.location.span)
}

/// How to fix.
#[derive(Debug, Clone, Default)]
pub struct FixOptions {
    /// Apply unsafe fixes too (`--unsafe-fixes`).
    pub unsafe_fixes: bool,
    /// Only fixes whose edits all fall in this file (stdin mode).
    pub only_path: Option<PathBuf>,
}

/// Fix everything fixable in a target.
pub fn fix_target(target: &Target, fs: &dyn FileSystem, settings: &Settings, options: &FixOptions) -> FixOutcome {
    // Every file is read once: edits are applied to the bytes they were
    // computed on, and `FixedFile::original` is what was read, so the writer
    // can refuse a file that changed on disk meanwhile.
    let snapshot = SnapshotFileSystem::new(fs);
    let fs: &dyn FileSystem = &snapshot;
    let mut overlay = OverlayFileSystem::new(fs);
    // Fixes that failed when applied alone, in the text they failed on.
    let mut rejected: HashSet<Fingerprint> = HashSet::new();
    let mut failures = Vec::new();
    let mut fixed = 0;
    let mut passes = 0;
    // After a pass whose fixes failed together, the next attempt applies
    // the first half of them, and so on down to one fix alone, so a failure
    // is pinned on the right fix in a few passes (bisection), not one pass
    // per good fix ahead of it.
    let mut limit: Option<usize> = None;
    // The lint of the current text, when the last pass already made it.
    let mut current: Option<Lint> = None;
    // Whether the loop ran out of passes rather than out of fixes.
    let mut out_of_passes = true;
    for _ in 0..MAX_ATTEMPTS {
        if passes >= MAX_PASSES {
            break;
        }
        let (diagnostics, kinds) = current.take().unwrap_or_else(|| lint(target, &overlay, settings));
        let Some(kinds) = kinds else {
            out_of_passes = false;
            break;
        };
        // A file the server would not read is never rewritten.
        if diagnostics.iter().any(|d| d.code == "CL001") {
            out_of_passes = false;
            break;
        }
        let candidates = applicable(&diagnostics, &kinds, &rejected, options);
        if candidates.is_empty() {
            out_of_passes = false;
            break;
        }
        let mut chosen = non_overlapping(&candidates);
        if let Some(limit) = limit {
            chosen.truncate(limit);
        }
        let Ok(texts) = apply(&overlay, &chosen) else { break };
        // Every changed file must still parse, and the unit with this pass
        // applied must no longer report what was fixed.
        let broken: Vec<(PathBuf, String)> = texts
            .iter()
            .filter_map(|(path, text)| parse_check(kinds[path], text).err().map(|e| (path.clone(), e.to_string())))
            .collect();
        let failed: Vec<(&Diagnostic, String)> = if broken.is_empty() {
            let mut next = OverlayFileSystem::new(fs);
            for (path, text) in overlay.files().iter().map(|(p, t)| (p.clone(), t.clone())).chain(texts) {
                next.insert(path, text);
            }
            let (after, after_kinds) = lint(target, &next, settings);
            let stuck: Vec<(&Diagnostic, String)> = chosen
                .iter()
                .filter(|d| still_reported(d, &chosen, &after))
                .map(|d| (*d, "the fix did not clear its finding; not applied".to_string()))
                .collect();
            if stuck.is_empty() {
                fixed += chosen.len();
                passes += 1;
                limit = None;
                overlay = next;
                current = Some((after, after_kinds));
                continue;
            }
            stuck
        } else {
            let paths: Vec<PathBuf> = broken.iter().map(|(p, _)| p.clone()).collect();
            chosen
                .iter()
                .filter(|d| touches(d, &paths))
                .map(|d| (*d, format!("the fixed file would not parse ({}); nothing was changed", broken[0].1)))
                .collect()
        };
        if chosen.len() > 1 {
            limit = Some(chosen.len() / 2);
            continue;
        }
        limit = None;
        for (d, reason) in failed {
            failures.push(failure(d, reason));
            rejected.insert(fingerprint(d));
        }
    }
    let (diagnostics, kinds) = current.unwrap_or_else(|| lint(target, &overlay, settings));
    // Out of passes with fixes left: say so rather than leave a text that
    // the next run changes again.
    let kinds = kinds.unwrap_or_default();
    let pending = if out_of_passes { applicable(&diagnostics, &kinds, &rejected, options) } else { vec![] };
    let converged = pending.is_empty();
    for d in pending {
        let reason = format!(
            "not applied: fixing stopped after {MAX_PASSES} passes, each revealing more to fix; run the fix again"
        );
        failures.push(failure(d, reason));
    }
    let mut files: Vec<FixedFile> = overlay
        .files()
        .iter()
        .filter_map(|(path, text)| {
            let original = fs.read(path).ok()?;
            (original != *text).then(|| FixedFile { path: path.clone(), original, fixed: text.clone() })
        })
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    failures.dedup();
    FixOutcome { files, fixed, diagnostics, failures, converged }
}

/// The findings whose fix could be applied to the current text: of the
/// applicability asked for, not rejected in this text, and editing only
/// files of the target (and, with `only_path`, only that file).
fn applicable<'d>(
    diagnostics: &'d [Diagnostic],
    kinds: &HashMap<PathBuf, FileKind>,
    rejected: &HashSet<Fingerprint>,
    options: &FixOptions,
) -> Vec<&'d Diagnostic> {
    let in_scope = |e: &Edit| options.only_path.as_ref().is_none_or(|p| &e.path == p);
    diagnostics
        .iter()
        .filter(|d| d.fix_applies(options.unsafe_fixes) && !rejected.contains(&fingerprint(d)))
        .filter(|d| {
            d.fix.as_ref().is_some_and(|f| {
                !f.edits.is_empty() && f.edits.iter().all(|e| kinds.contains_key(&e.path) && in_scope(e))
            })
        })
        .collect()
}

/// Whether a fixed finding is still reported after the pass: a finding of
/// the same rule with the same message where the original one's bytes
/// went (its span, moved by the edits of the pass).
fn still_reported(d: &Diagnostic, chosen: &[&Diagnostic], after: &[Diagnostic]) -> bool {
    let mut edits: Vec<&Edit> =
        chosen.iter().flat_map(|c| c.fix.iter().flat_map(|f| &f.edits)).filter(|e| e.path == d.location.path).collect();
    edits.sort_by_key(|e| (e.span.start, e.span.end));
    let start = map_offset(d.location.span.start, &edits, false);
    let end = map_offset(d.location.span.end, &edits, true).max(start);
    after.iter().any(|a| {
        a.code == d.code
            && a.message == d.message
            && a.location.path == d.location.path
            && a.location.span.start <= end
            && a.location.span.end >= start
    })
}

/// Where a byte offset of the text before `edits` is after them; an offset
/// inside a replaced range goes to the start (or, with `to_end`, the end)
/// of its replacement.
fn map_offset(offset: usize, edits: &[&Edit], to_end: bool) -> usize {
    let mut moved = offset as isize;
    for edit in edits {
        let grow = edit.replacement.len() as isize - edit.span.len() as isize;
        if edit.span.end <= offset && !(edit.span.is_empty() && edit.span.start == offset && to_end) {
            moved += grow;
        } else if edit.span.start < offset {
            let base = edit.span.start as isize + (moved - offset as isize);
            return (base + if to_end { edit.replacement.len() as isize } else { 0 }).max(0) as usize;
        } else {
            break;
        }
    }
    moved.max(0) as usize
}

/// A target's findings, and the kind of each file it read (`None` when the
/// target could not be loaded, so nothing can be fixed).
type Lint = (Vec<Diagnostic>, Option<HashMap<PathBuf, FileKind>>);

/// Load and check a target through `fs`.
fn lint(target: &Target, fs: &dyn FileSystem, settings: &Settings) -> Lint {
    let loaded = target.load(fs, settings);
    let mut diagnostics: Vec<Diagnostic> =
        loaded.diagnostics.into_iter().filter(|d| settings.is_enabled(registry::meta(d.code))).collect();
    let kinds = loaded.unit.as_ref().map(|unit| {
        let unit = unit.as_unit();
        diagnostics.extend(check(&unit, settings));
        unit.files().iter().map(|f| (f.path.to_path_buf(), f.kind)).collect()
    });
    sort(&mut diagnostics);
    (diagnostics, kinds)
}

/// Pick fixes whose edits overlap no edit picked before, in report order.
fn non_overlapping<'a>(candidates: &[&'a Diagnostic]) -> Vec<&'a Diagnostic> {
    let mut taken: Vec<&Edit> = Vec::new();
    let mut chosen = Vec::new();
    for d in candidates {
        let Some(fix) = &d.fix else { continue };
        let clash = fix.edits.iter().any(|e| taken.iter().any(|t| t.path == e.path && t.span.overlaps(&e.span)));
        let same = fix.edits.iter().all(|e| taken.contains(&e));
        if clash || same {
            continue;
        }
        taken.extend(fix.edits.iter());
        chosen.push(*d);
    }
    chosen
}

/// Apply the edits of the chosen fixes to the current texts.
fn apply(fs: &dyn FileSystem, chosen: &[&Diagnostic]) -> io::Result<HashMap<PathBuf, Vec<u8>>> {
    let mut by_file: BTreeMap<PathBuf, Vec<&Edit>> = BTreeMap::new();
    for d in chosen {
        for edit in d.fix.iter().flat_map(|f| &f.edits) {
            by_file.entry(edit.path.clone()).or_default().push(edit);
        }
    }
    let mut out = HashMap::new();
    for (path, mut edits) in by_file {
        let text = fs.read(&path)?;
        edits.sort_by_key(|e| (e.span.start, e.span.end));
        edits.dedup();
        out.insert(path, apply_edits(&text, &edits));
    }
    Ok(out)
}

/// Apply sorted, non-overlapping edits to `text`.
pub fn apply_edits(text: &[u8], edits: &[&Edit]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 64);
    let mut at = 0;
    for edit in edits {
        let start = edit.span.start.clamp(at, text.len());
        let end = edit.span.end.clamp(start, text.len());
        out.extend_from_slice(&text[at..start]);
        out.extend_from_slice(edit.replacement.as_bytes());
        at = end;
    }
    out.extend_from_slice(&text[at..]);
    out
}

/// Whether a file of `kind` parses.
pub fn parse_check(kind: FileKind, text: &[u8]) -> Result<(), SyntaxError> {
    match kind {
        FileKind::Httpd => HttpdFile::parse(text.to_vec()).map(|_| ()),
        FileKind::PhpIni => PhpIniFile::parse(text.to_vec()).map(|_| ()),
        FileKind::GitlabRb => GitlabRbFile::parse(text.to_vec()).map(|_| ()),
    }
}

fn touches(d: &Diagnostic, paths: &[PathBuf]) -> bool {
    d.fix.iter().flat_map(|f| &f.edits).any(|e| paths.contains(&e.path))
}

fn failure(d: &Diagnostic, reason: String) -> FixFailure {
    FixFailure { code: d.code, path: d.location.path.clone(), message: d.message.clone(), reason }
}
