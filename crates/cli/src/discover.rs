//! Which files are configuration, of which kind, and how they group into
//! targets: files are recognised by name and place, directories are walked
//! with walkdir (symlinks followed, loops reported, never opening a FIFO).

use std::path::{Path, PathBuf};

use conflint_rules::FileKind;

use crate::config::FileMap;

/// Directory names that mark httpd configuration (`conf-*`, `sites-*` and
/// `mods-*` are matched by prefix).
const HTTPD_DIRS: &[&str] = &["conf.d", "conf.modules.d", "vhosts.d", "modules.d", "extra"];

/// Names that are always an httpd entry file.
pub const HTTPD_ENTRY_NAMES: &[&str] = &["httpd.conf", "apache2.conf"];

/// The kind of a file, from `[files]` globs, then its name and place.
pub fn classify(path: &Path, files: &FileMap) -> Option<FileKind> {
    if let Some(kind) = files.kind_of(path) {
        return Some(kind);
    }
    let name = path.file_name()?.to_string_lossy().into_owned();
    match name.as_str() {
        "httpd.conf" | "apache2.conf" | ".htaccess" | "httpd.conf.in" => return Some(FileKind::Httpd),
        "php.ini" | "php.ini-production" | "php.ini-development" | ".user.ini" => return Some(FileKind::PhpIni),
        "gitlab.rb" | "gitlab.rb.template" => return Some(FileKind::GitlabRb),
        _ => {}
    }
    let dirs: Vec<String> = path
        .parent()
        .map(|p| p.components().map(|c| c.as_os_str().to_string_lossy().to_ascii_lowercase()).collect())
        .unwrap_or_default();
    let under = |pred: &dyn Fn(&str) -> bool| dirs.iter().any(|d| pred(d));
    if name.ends_with(".ini") && under(&|d| d.contains("php")) {
        return Some(FileKind::PhpIni);
    }
    let httpd_name =
        name.ends_with(".conf") || name.ends_with(".load") || name.ends_with(".htaccess") || name.ends_with(".conf.in");
    if httpd_name && !under(&|d| d == "nginx" || d.contains("php")) {
        let httpd_place = under(&|d| {
            d.contains("apache")
                || d.contains("httpd")
                || HTTPD_DIRS.contains(&d)
                || d.starts_with("conf-")
                || d.starts_with("sites-")
                || d.starts_with("mods-")
        });
        if httpd_place {
            return Some(FileKind::Httpd);
        }
    }
    None
}

/// Whether a file is the entry of an httpd tree.
pub fn is_httpd_entry(path: &Path) -> bool {
    path.file_name().is_some_and(|n| HTTPD_ENTRY_NAMES.iter().any(|e| n == *e))
}

/// Whether a file is the entry of a PHP tree (`php.ini`, not a template).
pub fn is_php_entry(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "php.ini")
}

/// What walking found.
#[derive(Debug, Default)]
pub struct Found {
    /// Configuration files, with their kind, in walk order.
    pub files: Vec<(PathBuf, FileKind)>,
    /// Problems met while walking: `(path, message, is_error)`.
    pub problems: Vec<(PathBuf, String, bool)>,
}

/// Entry names that must be files; a directory of that name is reported.
const FILE_ONLY_NAMES: &[&str] = &["httpd.conf", "apache2.conf", "php.ini", "gitlab.rb"];

/// Walk `root` (a file or a directory).
pub fn walk(root: &Path, files: &FileMap, found: &mut Found) {
    let walker = walkdir::WalkDir::new(root).follow_links(true).sort_by_file_name().into_iter();
    let mut it = walker.filter_entry(|e| {
        let name = e.file_name().to_string_lossy();
        !(e.depth() > 0
            && e.file_type().is_dir()
            && matches!(name.as_ref(), ".git" | ".hg" | ".svn" | "target" | "node_modules"))
    });
    while let Some(entry) = it.next() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                let path = error.path().map(Path::to_path_buf).unwrap_or_else(|| root.to_path_buf());
                if let Some(ancestor) = error.loop_ancestor() {
                    let message =
                        format!("symlink loop: {} leads back to {}; not followed", path.display(), ancestor.display());
                    found.problems.push((path, message, false));
                } else {
                    let reason = error.io_error().map(|e| e.to_string()).unwrap_or_else(|| error.to_string());
                    found.problems.push((path, format!("cannot read: {reason}"), true));
                }
                continue;
            }
        };
        let path = entry.path();
        let name = entry.file_name().to_string_lossy();
        if entry.file_type().is_dir() {
            if entry.depth() > 0 && FILE_ONLY_NAMES.contains(&name.as_ref()) {
                found.problems.push((
                    path.to_path_buf(),
                    "cannot read: is a directory, not a configuration file".to_string(),
                    true,
                ));
                it.skip_current_dir();
            }
            continue;
        }
        // A temporary file of a conflint run killed while writing: never
        // read or fixed (the next --fix removes it).
        if crate::write::is_conflint_temp(entry.file_name()) {
            continue;
        }
        if let Some(kind) = classify(path, files) {
            found.files.push((path.to_path_buf(), kind));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(p: &str) -> Option<FileKind> {
        classify(Path::new(p), &FileMap::default())
    }

    #[test]
    fn recognises_by_name_and_place() {
        assert_eq!(kind("/etc/apache2/apache2.conf"), Some(FileKind::Httpd));
        assert_eq!(kind("/etc/apache2/sites-enabled/000-default.conf"), Some(FileKind::Httpd));
        assert_eq!(kind("/etc/httpd/conf.d/ssl.conf"), Some(FileKind::Httpd));
        assert_eq!(kind("/etc/apache2/mods-available/ssl.load"), Some(FileKind::Httpd));
        assert_eq!(kind("/srv/www/.htaccess"), Some(FileKind::Httpd));
        assert_eq!(kind("/etc/php/8.2/cli/php.ini"), Some(FileKind::PhpIni));
        assert_eq!(kind("/etc/php/8.2/cli/conf.d/10-opcache.ini"), Some(FileKind::PhpIni));
        assert_eq!(kind("/etc/gitlab/gitlab.rb"), Some(FileKind::GitlabRb));
    }

    #[test]
    fn leaves_other_files_alone() {
        assert_eq!(kind("/etc/apache2/magic"), None);
        assert_eq!(kind("/etc/apache2/envvars"), None);
        assert_eq!(kind("/etc/nginx/conf.d/default.conf"), None);
        assert_eq!(kind("/etc/php/8.2/fpm/pool.d/www.conf"), None);
        assert_eq!(kind("/home/u/notes.conf"), None);
        assert_eq!(kind("/etc/gentoo/conf.d/apache2"), None);
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
        let mut found = Found::default();
        walk(dir.path(), &config.files, &mut found);
        let names: Vec<String> =
            found.files.iter().filter_map(|(p, _)| Some(p.file_name()?.to_string_lossy().into_owned())).collect();
        assert_eq!(names, ["notes.tmp", "site.conf"]);
    }
}
