//! Which files under the paths given are configuration, of which kind:
//! `[files]` globs first, then each format's own recognition by name and
//! place. Directories are walked with walkdir (symlinks followed, loops
//! reported, never opening a FIFO); conflint's own temporary files are
//! never read.

use std::path::{Path, PathBuf};

use conflint_core::{FileKind, LoadProblem, ProblemKind, Role};

use crate::config::FileMap;

/// The kind and role of a file: `[files]` globs first, then its name and place.
pub fn classify(path: &Path, files: &FileMap) -> Option<(FileKind, Role)> {
    if is_conflint_temp(path) {
        return None;
    }
    if let Some(kind) = files.kind_of(path) {
        return Some((kind, conflint_core::format::role_of(kind, path)));
    }
    conflint_core::format::recognise(path)
}

/// Whether `path` names a temporary file of a conflint run (which a crash
/// may leave behind; the next `--fix` removes it): never read, never fixed.
pub fn is_conflint_temp(path: &Path) -> bool {
    path.file_name().is_some_and(crate::write::is_conflint_temp)
}

/// What walking found.
#[derive(Debug, Default)]
pub struct Walked {
    /// Configuration files, with their kind and role, in walk order.
    pub files: Vec<(PathBuf, FileKind, Role)>,
    /// What could not be walked.
    pub problems: Vec<LoadProblem>,
}

/// Entry names that must be files; a directory of that name is reported.
const FILE_ONLY_NAMES: &[&str] = &["httpd.conf", "apache2.conf", "php.ini", "gitlab.rb"];

/// Directories never worth walking into.
const SKIPPED_DIRS: &[&str] = &[".git", ".hg", ".svn", "target", "node_modules"];

/// Walk `root`, a directory.
pub fn walk(root: &Path, files: &FileMap, found: &mut Walked) {
    let walker = walkdir::WalkDir::new(root).follow_links(true).sort_by_file_name().into_iter();
    let mut it = walker.filter_entry(|e| {
        !(e.depth() > 0 && e.file_type().is_dir() && SKIPPED_DIRS.iter().any(|d| e.file_name() == *d))
    });
    while let Some(entry) = it.next() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                let path = error.path().map_or_else(|| root.to_path_buf(), Path::to_path_buf);
                let reason = match error.loop_ancestor() {
                    Some(ancestor) => format!(
                        "symlink loop: leads back to {}; not followed",
                        conflint_core::text::quoted_path(ancestor)
                    ),
                    None => error.io_error().map_or_else(|| error.to_string(), std::string::ToString::to_string),
                };
                let loops = error.loop_ancestor().is_some();
                let mut problem = LoadProblem::unreadable(path, reason);
                if loops {
                    problem.kind = ProblemKind::SymlinkLoop(problem.path.clone());
                }
                found.problems.push(problem);
                continue;
            }
        };
        let path = entry.path();
        if entry.file_type().is_dir() {
            if entry.depth() > 0 && FILE_ONLY_NAMES.iter().any(|n| entry.file_name() == *n) {
                found.problems.push(LoadProblem::unreadable(path, "is a directory, not a configuration file"));
                it.skip_current_dir();
            }
            continue;
        }
        if let Some((kind, role)) = classify(path, files) {
            found.files.push((path.to_path_buf(), kind, role));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflint_temp_files_are_never_configuration() {
        let map = FileMap::default();
        assert!(classify(Path::new("/etc/apache2/conf.d/.ssl.conf.conflint-Ab12.tmp"), &map).is_none());
        assert!(classify(Path::new("/etc/apache2/conf.d/ssl.conf"), &map).is_some());
    }

    #[test]
    fn walk_skips_conflint_temporary_files_even_when_mapped() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("conflint.toml"), "[files]\nhttpd = [\"**/*.tmp\", \"**/*.conf\"]\n")
            .expect("write");
        let config = crate::config::Config::load(&dir.path().join("conflint.toml")).expect("config");
        for name in ["site.conf", "notes.tmp", ".conflint-123-4.tmp", ".site.conf.conflint-a1B2c3.tmp"] {
            std::fs::write(dir.path().join(name), "x").expect("write");
        }
        let mut found = Walked::default();
        walk(dir.path(), &config.files, &mut found);
        let names: Vec<String> =
            found.files.iter().filter_map(|(p, _, _)| Some(p.file_name()?.to_string_lossy().into_owned())).collect();
        assert_eq!(names, ["notes.tmp", "site.conf"]);
    }
}
