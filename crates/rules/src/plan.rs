//! Which files form which targets: the one place that decides it, for the
//! CLI and the library alike.
//!
//! A run checks in two rounds. First every entry file (`httpd.conf`,
//! `apache2.conf`, `php.ini`, `gitlab.rb`) is read as a tree. Then an entry
//! that another tree of the run includes is no entry after all (Debian 2.2
//! includes an empty `httpd.conf` from `apache2.conf`): its own results are
//! dropped. Last, every other file no tree read is checked on its own, as a
//! fragment that is never told that something is missing.

use std::collections::HashSet;
use std::path::PathBuf;

use conflint_core::php::format::{default_scan_dirs, scan_dirs_from_setting};
use conflint_core::php::overrides::pool_files;
use conflint_core::source::{FileIdentity, FileSystem};
use conflint_core::{FileKind, Role, Scope, Target};

use crate::settings::Settings;

/// A file found by walking or named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// As found.
    pub path: PathBuf,
    /// Its format.
    pub kind: FileKind,
    /// Entry of a tree, or part of one.
    pub role: Role,
    /// What identifies it, so a file reached twice is checked once.
    pub identity: FileIdentity,
}

/// The targets of a run.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The trees, one per entry file, checked first.
    pub entries: Vec<Target>,
    entry_identities: Vec<FileIdentity>,
    parts: Vec<Found>,
}

/// What the second round does, once the entries have run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecondRound {
    /// Indexes into [`Plan::entries`] of entries that another tree of the
    /// run includes: their results are dropped.
    pub included_entries: Vec<usize>,
    /// The files no tree read, each checked on its own.
    pub fragments: Vec<Target>,
}

/// Plan a run over `files`, in the order found. A file reached twice (named
/// twice, a directory and a file in it, a symlink and its target) is
/// checked once, under the first path found.
pub fn plan(files: Vec<Found>, fs: &dyn FileSystem, settings: &Settings) -> Plan {
    let mut seen = HashSet::new();
    let files: Vec<Found> = files.into_iter().filter(|f| seen.insert(f.identity.clone())).collect();
    // mod_php reads its php_* directives from the httpd trees of the run.
    let httpd_entries: Vec<PathBuf> =
        files.iter().filter(|f| f.kind == FileKind::Httpd && f.role == Role::Entry).map(|f| f.path.clone()).collect();
    let mut out = Plan::default();
    for found in files {
        match found.role {
            Role::Entry => {
                out.entries.push(entry_target(&found, fs, settings, &httpd_entries));
                out.entry_identities.push(found.identity);
            }
            Role::Part => out.parts.push(found),
        }
    }
    out
}

impl Plan {
    /// Decide the second round from what each entry's tree covered
    /// (`covered[i]` for `entries[i]`).
    pub fn second_round(&self, covered: &[Vec<FileIdentity>]) -> SecondRound {
        let sets: Vec<HashSet<&FileIdentity>> = covered.iter().map(|c| c.iter().collect()).collect();
        let includes =
            |by: usize, of: usize| by != of && sets.get(by).is_some_and(|s| s.contains(&self.entry_identities[of]));
        let included_entries: Vec<usize> = (0..self.entries.len())
            .filter(|&i| {
                (0..self.entries.len()).any(|j| {
                    // Two entries that include each other: the first one found stays.
                    includes(j, i) && !(includes(i, j) && i < j)
                })
            })
            .collect();
        let kept: HashSet<&FileIdentity> = sets
            .iter()
            .enumerate()
            .filter(|(i, _)| !included_entries.contains(i))
            .flat_map(|(_, s)| s.iter().copied())
            .collect();
        let fragments = self
            .parts
            .iter()
            .filter(|f| !kept.contains(&f.identity))
            .map(|f| Target::fragment(f.kind, f.path.clone()))
            .collect();
        SecondRound { included_entries, fragments }
    }

    /// Every file the plan holds, entries and parts.
    pub fn file_count(&self) -> usize {
        self.entries.len() + self.parts.len()
    }
}

/// The tree an entry file heads: for php.ini, with the scan directories PHP
/// reads after it (`[php] scan-dir`, else where the file's layout puts
/// them), and what overrides it for the SAPI it serves: the FPM pools next
/// to an FPM (or SAPI-neutral) php.ini, the httpd trees of the run for a
/// mod_php (or SAPI-neutral) one.
fn entry_target(found: &Found, fs: &dyn FileSystem, settings: &Settings, httpd_entries: &[PathBuf]) -> Target {
    // A template's includes and scan directory are not beside it: it is
    // checked alone, with the entry-file rules.
    if conflint_core::template::dialect(&found.path).is_some() {
        return Target { scope: Scope::EntryAlone, ..Target::tree(found.kind, found.path.clone()) };
    }
    let mut target = Target::tree(found.kind, found.path.clone());
    if found.kind != FileKind::PhpIni {
        return target;
    }
    let defaults = default_scan_dirs(fs, &found.path);
    target.scan_dirs = match &settings.php.scan_dir {
        Some(setting) => scan_dirs_from_setting(setting, &defaults),
        None => defaults,
    };
    let sapi = found.path.parent().and_then(|d| d.file_name()).map(|d| d.to_string_lossy().to_ascii_lowercase());
    let (pools, apache) = match sapi.as_deref() {
        Some("fpm") => (true, false),
        Some("apache2") => (false, true),
        Some("cli" | "cgi" | "embed" | "phpdbg" | "litespeed") => (false, false),
        _ => (true, true),
    };
    if pools {
        target.overrides.pools = pool_files(fs, &found.path);
    }
    if apache {
        target.overrides.httpd_entries = httpd_entries.to_vec();
    }
    target
}

/// The target for one file checked without a walk (`--stdin-filename`, or
/// a file a library user holds in memory): an entry file reads its tree
/// when `follow_includes`, else it is checked alone with the entry rules;
/// any other file is a fragment.
pub fn single_file_target(found: &Found, fs: &dyn FileSystem, settings: &Settings, follow_includes: bool) -> Target {
    match found.role {
        Role::Entry if follow_includes => entry_target(found, fs, settings, &[]),
        Role::Entry => Target { scope: Scope::EntryAlone, ..Target::tree(found.kind, found.path.clone()) },
        Role::Part => Target::fragment(found.kind, found.path.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use conflint_core::source::MemoryFileSystem;

    fn found(path: &str, kind: FileKind, role: Role) -> Found {
        Found { path: path.into(), kind, role, identity: FileIdentity::Path(path.into()) }
    }

    #[test]
    fn an_included_entry_is_no_entry() {
        let fs = MemoryFileSystem::new();
        let plan = plan(
            vec![
                found("/e/apache2/apache2.conf", FileKind::Httpd, Role::Entry),
                found("/e/apache2/httpd.conf", FileKind::Httpd, Role::Entry),
                found("/e/apache2/conf.d/x.conf", FileKind::Httpd, Role::Part),
                found("/e/apache2/conf.d/orphan.conf", FileKind::Httpd, Role::Part),
            ],
            &fs,
            &Settings::default(),
        );
        let covered = vec![
            vec![
                FileIdentity::Path("/e/apache2/apache2.conf".into()),
                FileIdentity::Path("/e/apache2/httpd.conf".into()),
                FileIdentity::Path("/e/apache2/conf.d/x.conf".into()),
            ],
            vec![FileIdentity::Path("/e/apache2/httpd.conf".into())],
        ];
        let round = plan.second_round(&covered);
        assert_eq!(round.included_entries, [1]);
        assert_eq!(round.fragments, [Target::fragment(FileKind::Httpd, "/e/apache2/conf.d/orphan.conf")]);
    }

    #[test]
    fn entries_that_include_each_other_keep_the_first() {
        let fs = MemoryFileSystem::new();
        let plan = plan(
            vec![
                found("/a/httpd.conf", FileKind::Httpd, Role::Entry),
                found("/b/httpd.conf", FileKind::Httpd, Role::Entry),
            ],
            &fs,
            &Settings::default(),
        );
        let both = vec![FileIdentity::Path("/a/httpd.conf".into()), FileIdentity::Path("/b/httpd.conf".into())];
        assert_eq!(plan.second_round(&[both.clone(), both]).included_entries, [1]);
    }
}
