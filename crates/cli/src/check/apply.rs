//! Turning fixed texts into writes (or a diff): each file planned once per
//! run even when two trees include it, written only inside the paths the
//! user named unless told otherwise, and verified by nobody but the writer.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use conflint_core::text::quoted_path;
use conflint_rules::diff::unified_diff;
use conflint_rules::fix::FixedFile;

use crate::write::{INTERRUPTED, write_atomically};

/// One file to write, and the targets whose fixes it carries.
#[derive(Debug)]
pub struct PlannedWrite {
    /// The file and its texts.
    pub file: FixedFile,
    /// Indexes of the results that fixed it.
    pub targets: Vec<usize>,
}

/// What planning the writes found.
#[derive(Debug, Default)]
pub struct WritePlan {
    /// The writes, one per file, in path order.
    pub writes: Vec<PlannedWrite>,
    /// Files not written, and why (results index, message).
    pub refused: Vec<(usize, String)>,
}

/// Plan each file once: the same fixed text from two trees is one write; a
/// different one is refused for the later tree (run again to apply it).
pub fn plan_writes(fixed: Vec<(usize, FixedFile)>, allowed: &Allowed) -> WritePlan {
    let mut by_path: BTreeMap<PathBuf, PlannedWrite> = BTreeMap::new();
    let mut plan = WritePlan::default();
    for (target, file) in fixed {
        if let Err(why) = allowed.check(&file.path) {
            plan.refused.push((target, why));
            continue;
        }
        match by_path.get_mut(&file.path) {
            Some(planned) if planned.file.fixed == file.fixed => planned.targets.push(target),
            Some(_) => plan.refused.push((
                target,
                format!(
                    "{}: not written: two trees of this run fix it differently; run conflint again to apply the rest",
                    quoted_path(&file.path)
                ),
            )),
            None => {
                by_path.insert(file.path.clone(), PlannedWrite { file, targets: vec![target] });
            }
        }
    }
    plan.writes = by_path.into_values().collect();
    plan
}

/// Where fixes may be written: inside the paths named on the command line
/// (and the server root), their real locations compared, so a symlink that
/// leaves them is read but not written through.
#[derive(Debug, Default)]
pub struct Allowed {
    roots: Vec<PathBuf>,
    /// `--write-outside`: anywhere.
    anywhere: bool,
}

impl Allowed {
    /// The real locations of `roots`.
    pub fn new(roots: &[PathBuf], anywhere: bool) -> Self {
        let roots = roots.iter().filter_map(|r| std::fs::canonicalize(r).ok()).collect();
        Allowed { roots, anywhere }
    }

    /// `Ok` when `path` (as found) may be written.
    pub fn check(&self, path: &Path) -> Result<(), String> {
        if self.anywhere {
            return Ok(());
        }
        let real = std::fs::canonicalize(path).map_err(|e| format!("{}: not written: {e}", quoted_path(path)))?;
        if self.roots.iter().any(|root| real.starts_with(root)) {
            return Ok(());
        }
        Err(format!(
            "{}: fix not written: it is {}, outside the paths given (--write-outside allows it)",
            quoted_path(path),
            quoted_path(&real)
        ))
    }
}

/// What [`write`] did: (target index, message) for each file that could not
/// be written, and the paths written.
pub type Written = (Vec<(usize, String)>, Vec<PathBuf>);

/// Write the planned files; returns the messages of the files that could
/// not be written and the results whose files were all written.
pub fn write(plan: &WritePlan) -> Result<Written, Interrupted> {
    let mut failed = Vec::new();
    let mut written = Vec::new();
    for planned in &plan.writes {
        if INTERRUPTED.load(Ordering::SeqCst) {
            return Err(Interrupted(planned.file.path.clone()));
        }
        match write_atomically(&planned.file.path, &planned.file.original, &planned.file.fixed) {
            Ok(()) => written.push(planned.file.path.clone()),
            Err(e) => failed.extend(planned.targets.iter().map(|t| (*t, e.to_string()))),
        }
    }
    Ok((failed, written))
}

/// SIGINT/SIGTERM arrived before this file was written.
#[derive(Debug)]
pub struct Interrupted(pub PathBuf);

/// The diff of every planned write, in path order.
pub fn diff(plan: &WritePlan) -> String {
    plan.writes.iter().map(|w| unified_diff(&w.file.path, &w.file.original, &w.file.fixed)).collect()
}
