//! Turning fixed texts into writes (or a diff): each file planned once per
//! run even when two trees include it, written only inside the paths the
//! user named unless told otherwise, and verified by nobody but the writer.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use conflint_core::text::quoted_path;
use conflint_rules::diff::unified_diff_masked;
use conflint_rules::fix::FixedFile;

use crate::write::{
    IN_PLACE_OPTION, INTERRUPTED, StampingFileSystem, WriteOptions, Writer, Written as Done, cleanup_stale_temps,
    read_for_fix, real_location, set_writing,
};

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
        let real = real_location(path).map_err(|e| format!("{}: not written: {e}", quoted_path(path)))?;
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

/// What writing the planned files did.
pub type Written = (Vec<(usize, String)>, Vec<PathBuf>);

/// Write the planned files with one [`Writer`] (each file fsynced before it
/// replaces the original, each directory fsynced once at the end), through
/// the stamps the fixer's reads recorded; leftovers of dead runs are
/// removed from each directory written to. Returns the messages (with the
/// result they belong to) of the files that could not be written, and the
/// files written; notes (a file written in place) go to `notes`.
pub fn write(
    plan: &WritePlan,
    stamps: &StampingFileSystem,
    in_place_when_needed: bool,
    notes: &mut Vec<String>,
) -> Result<Written, Interrupted> {
    let writer = Writer::new(WriteOptions { in_place_when_needed, ..Default::default() });
    let mut failed = Vec::new();
    let mut written = Vec::new();
    let mut cleaned = std::collections::HashSet::new();
    set_writing(true);
    for planned in &plan.writes {
        if INTERRUPTED.load(Ordering::SeqCst) {
            for e in writer.finish() {
                notes.push(e.to_string());
            }
            set_writing(false);
            return Err(Interrupted(planned.file.path.clone()));
        }
        let file = &planned.file;
        let read = match stamps.read_file(&file.path, file.original.clone()) {
            Some(read) => read,
            // Read before the stamping began (stdin mode): read it now, and
            // refuse it if it changed since the fixer read it.
            None => match read_for_fix(&file.path) {
                Ok(read) if read.bytes == file.original => read,
                Ok(_) => {
                    let message =
                        format!("{}: not written: it changed on disk since conflint read it", quoted_path(&file.path));
                    failed.extend(planned.targets.iter().map(|t| (*t, message.clone())));
                    continue;
                }
                Err(e) => {
                    let message = format!("{}: not written: {e}", quoted_path(&file.path));
                    failed.extend(planned.targets.iter().map(|t| (*t, message.clone())));
                    continue;
                }
            },
        };
        if cleaned.insert(read.stamp.dir.clone()) {
            if let Ok(cleanup) = cleanup_stale_temps(&read.stamp.dir) {
                for removed in cleanup.removed {
                    notes.push(format!(
                        "removed {}, left behind by a conflint run that was killed",
                        quoted_path(&removed)
                    ));
                }
            }
        }
        match writer.write(&read, &file.fixed) {
            Ok(Done::Replaced) => written.push(file.path.clone()),
            Ok(Done::InPlace(why)) => {
                notes.push(format!(
                    "{}: written in place ({why:?}; {IN_PLACE_OPTION}): not atomic",
                    quoted_path(&file.path)
                ));
                written.push(file.path.clone());
            }
            Err(e) => {
                if e.was_written() {
                    written.push(file.path.clone());
                }
                failed.extend(planned.targets.iter().map(|t| (*t, e.to_string())));
            }
        }
    }
    for e in writer.finish() {
        failed.push((usize::MAX, e.to_string()));
    }
    set_writing(false);
    Ok((failed, written))
}

/// SIGINT/SIGTERM arrived before this file was written.
#[derive(Debug)]
pub struct Interrupted(pub PathBuf);

/// The diff of every planned write, in path order, secrets kept out.
pub fn diff(plan: &WritePlan) -> String {
    plan.writes
        .iter()
        .map(|w| {
            let f = &w.file;
            unified_diff_masked(&f.path, &f.original, &f.fixed, &f.original_secrets, &f.fixed_secrets)
        })
        .collect()
}
