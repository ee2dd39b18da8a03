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

use conflint_core::edit::apply_edits;
use conflint_core::source::{FileIdentity, FileSystem, OverlayFileSystem, SnapshotFileSystem};
use conflint_core::{FileKind, Span, Target};

use crate::diagnostic::{Diagnostic, Edit};
use crate::engine::{self, Lint};
use crate::registry::Rule;
use crate::settings::Settings;

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
    pub rule: Rule,
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
    /// The identities of the files the target read (see [`Lint::covered`]).
    pub covered: Vec<FileIdentity>,
    /// How many files the target read.
    pub files_read: usize,
    /// A file of the target could not be read or does not parse.
    pub load_failed: bool,
    /// Per file of the fixed text, the byte ranges holding secrets.
    pub secrets: Vec<(PathBuf, Vec<Span>)>,
}

/// Identifies a finding in one state of the text.
type Fingerprint = (Rule, PathBuf, String, Span);

fn fingerprint(d: &Diagnostic) -> Fingerprint {
    (d.rule, d.location.path.clone(), d.message.clone(), d.location.span)
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
    // The lint of the current text.
    let mut current = engine::lint(target, &overlay, settings);
    let covered = current.covered.clone();
    let files_read = current.files.len().max(1);
    // Whether the loop ran out of passes rather than out of fixes.
    let mut out_of_passes = true;
    for _ in 0..MAX_ATTEMPTS {
        if passes >= MAX_PASSES {
            break;
        }
        // A tree the server would not read is never rewritten: a fact of
        // loading, whatever rules the run selects.
        let Some(kinds) = editable(&current) else {
            out_of_passes = false;
            break;
        };
        let candidates = applicable(&current.diagnostics, &kinds, &rejected, options);
        if candidates.is_empty() {
            out_of_passes = false;
            break;
        }
        let mut chosen = non_overlapping(&candidates);
        if let Some(limit) = limit {
            chosen.truncate(limit);
        }
        let Ok(texts) = apply(&overlay, &chosen) else { break };
        // Every changed file must still parse, and the target with this
        // pass applied must no longer report what was fixed.
        let broken: Vec<(PathBuf, String)> = texts
            .iter()
            .filter_map(|(path, text)| {
                kinds[path].format().check_syntax(text).err().map(|e| (path.clone(), e.to_string()))
            })
            .collect();
        let failed: Vec<(&Diagnostic, String)> = if broken.is_empty() {
            let mut next = OverlayFileSystem::new(fs);
            for (path, text) in overlay.files().iter().map(|(p, t)| (p.clone(), t.clone())).chain(texts) {
                next.insert(path, text);
            }
            let after = engine::lint(target, &next, settings);
            let pass_edits = PassEdits::new(&chosen);
            let reported = Reported::new(&after.diagnostics);
            let stuck: Vec<(&Diagnostic, String)> = chosen
                .iter()
                .filter(|d| reported.still(d, &pass_edits))
                .map(|d| (*d, "the fix did not clear its finding; not applied".to_string()))
                .collect();
            if stuck.is_empty() {
                fixed += chosen.len();
                passes += 1;
                limit = None;
                overlay = next;
                current = after;
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
        let failed: Vec<(Diagnostic, String)> = failed.into_iter().map(|(d, r)| (d.clone(), r)).collect();
        for (d, reason) in failed {
            failures.push(failure(&d, reason));
            rejected.insert(fingerprint(&d));
        }
    }
    // Out of passes with fixes left: say so rather than leave a text that
    // the next run changes again.
    let kinds = editable(&current).unwrap_or_default();
    let pending = if out_of_passes { applicable(&current.diagnostics, &kinds, &rejected, options) } else { vec![] };
    let converged = pending.is_empty();
    let pending: Vec<Diagnostic> = pending.into_iter().cloned().collect();
    for d in &pending {
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
    let Lint { diagnostics, secrets, load_failed, .. } = current;
    FixOutcome { files, fixed, diagnostics, failures, converged, covered, files_read, load_failed, secrets }
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

/// The edits of one pass, per file, sorted, with the running size change,
/// so an offset of the text before the pass maps to the text after it in
/// O(log n) (a pass can hold 100,000 fixes of one file).
struct PassEdits<'a> {
    by_file: HashMap<&'a std::path::Path, (Vec<&'a Edit>, Vec<isize>)>,
}

impl<'a> PassEdits<'a> {
    fn new(chosen: &[&'a Diagnostic]) -> Self {
        let mut by_file: HashMap<&std::path::Path, Vec<&Edit>> = HashMap::new();
        for edit in chosen.iter().flat_map(|c| c.fix.iter().flat_map(|f| &f.edits)) {
            by_file.entry(edit.path.as_path()).or_default().push(edit);
        }
        let by_file = by_file
            .into_iter()
            .map(|(path, mut edits)| {
                edits.sort_by_key(|e| (e.span.start, e.span.end));
                // grown[i]: how much the edits before i grew the text.
                let mut grown = Vec::with_capacity(edits.len() + 1);
                let mut total = 0isize;
                grown.push(0);
                for e in &edits {
                    total += e.replacement.len() as isize - e.span.len() as isize;
                    grown.push(total);
                }
                (path, (edits, grown))
            })
            .collect();
        PassEdits { by_file }
    }

    /// Where a byte offset of the text before the edits is after them; an
    /// offset inside a replaced range goes to the start (or, with `to_end`,
    /// the end) of its replacement.
    fn map(&self, path: &std::path::Path, offset: usize, to_end: bool) -> usize {
        let Some((edits, grown)) = self.by_file.get(path) else { return offset };
        // Edits wholly before the offset (an insertion right at it counts as
        // before, except for the end of a span, which stays before it).
        let before = edits.partition_point(|e| {
            e.span.end < offset || (e.span.end == offset && !(e.span.is_empty() && e.span.start == offset && to_end))
        });
        let moved = offset as isize + grown[before];
        if let Some(edit) = edits.get(before) {
            if edit.span.start < offset {
                let base = edit.span.start as isize + grown[before];
                return (base + if to_end { edit.replacement.len() as isize } else { 0 }).max(0) as usize;
            }
        }
        moved.max(0) as usize
    }
}

/// The findings after a pass, by rule, file and message, each group sorted
/// by start with the running maximum of the ends: "is it still reported
/// here?" in O(log n).
struct Reported<'a> {
    groups: HashMap<GroupKey<'a>, (Vec<usize>, Vec<usize>)>,
}

/// Findings are matched across passes by rule, file and message.
type GroupKey<'a> = (Rule, &'a std::path::Path, &'a str);

impl<'a> Reported<'a> {
    fn new(after: &'a [Diagnostic]) -> Self {
        let mut groups: HashMap<GroupKey<'a>, Vec<(usize, usize)>> = HashMap::new();
        for a in after {
            let key = (a.rule, a.location.path.as_path(), a.message.as_str());
            groups.entry(key).or_default().push((a.location.span.start, a.location.span.end));
        }
        let groups = groups
            .into_iter()
            .map(|(key, mut spans)| {
                spans.sort_unstable();
                let starts = spans.iter().map(|(s, _)| *s).collect();
                let max_ends = spans
                    .iter()
                    .scan(0, |max, (_, e)| {
                        *max = (*max).max(*e);
                        Some(*max)
                    })
                    .collect();
                (key, (starts, max_ends))
            })
            .collect();
        Reported { groups }
    }

    /// Whether a finding like `d` is reported where its bytes went.
    fn still(&self, d: &Diagnostic, edits: &PassEdits<'_>) -> bool {
        let path = d.location.path.as_path();
        let start = edits.map(path, d.location.span.start, false);
        let end = edits.map(path, d.location.span.end, true).max(start);
        let Some((starts, max_ends)) = self.groups.get(&(d.rule, path, d.message.as_str())) else { return false };
        // Among the findings starting at or before `end`, one touches the
        // range when the furthest end reaches `start`.
        let upto = starts.partition_point(|s| *s <= end);
        upto > 0 && max_ends[upto - 1] >= start
    }
}

/// The kind of each file fixes may edit; `None` when the tree did not load
/// and parse whole, so nothing may be fixed.
fn editable(lint: &Lint) -> Option<HashMap<PathBuf, FileKind>> {
    lint.parsed.then(|| lint.files.iter().cloned().collect())
}

/// Pick fixes whose edits overlap no edit picked before, in report order.
/// (An identical edit overlaps itself: the same fix reported twice is
/// applied once.) The edits taken are kept per file in a sorted map, so
/// each check costs O(log n).
fn non_overlapping<'a>(candidates: &[&'a Diagnostic]) -> Vec<&'a Diagnostic> {
    let mut taken: HashMap<&std::path::Path, BTreeMap<(usize, usize), ()>> = HashMap::new();
    let mut chosen = Vec::new();
    for d in candidates {
        let Some(fix) = &d.fix else { continue };
        let clash = fix.edits.iter().any(|e| {
            let Some(spans) = taken.get(e.path.as_path()) else { return false };
            // Taken spans are disjoint: only the last few starting at or
            // before this one's end can touch it (an empty span and a span
            // starting at the same offset, then the one before them).
            spans
                .range(..=(e.span.end, usize::MAX))
                .rev()
                .take(4)
                .any(|(&(start, end), _)| Span::new(start, end).overlaps(&e.span))
        });
        if clash {
            continue;
        }
        for e in &fix.edits {
            taken.entry(e.path.as_path()).or_default().insert((e.span.start, e.span.end), ());
        }
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

fn touches(d: &Diagnostic, paths: &[PathBuf]) -> bool {
    d.fix.iter().flat_map(|f| &f.edits).any(|e| paths.contains(&e.path))
}

fn failure(d: &Diagnostic, reason: String) -> FixFailure {
    FixFailure { rule: d.rule, path: d.location.path.clone(), message: d.message.clone(), reason }
}
