//! php.ini as a [`Format`]: which files are php.ini syntax, where PHP finds
//! the scan directory of a main php.ini, and how a target is read.

use std::path::{Path, PathBuf};

use crate::error::SyntaxError;
use crate::format::{FileKind, Format, Role, file_name, parent_dirs};
use crate::load::{LoadOptions, LoadProblem, Loaded, Model, Scope, Target};
use crate::source::{EntryKind, FileSystem, read_config};

use super::model::LoadError;
use super::{PhpIniFile, PhpIniTree};

/// php.ini syntax: main files, scan-directory fragments, `.user.ini`.
pub struct PhpIniFormat;

impl Format for PhpIniFormat {
    fn kind(&self) -> FileKind {
        FileKind::PhpIni
    }

    fn name(&self) -> &'static str {
        "php"
    }

    fn recognise(&self, path: &Path) -> Option<Role> {
        let name = file_name(path)?;
        match name.as_str() {
            "php.ini" => return Some(Role::Entry),
            "php.ini-production" | "php.ini-development" | ".user.ini" => return Some(Role::Part),
            _ => {}
        }
        let under_php = parent_dirs(path).iter().any(|d| d.contains("php"));
        (name.ends_with(".ini") && under_php).then_some(Role::Part)
    }

    fn check_syntax(&self, path: &Path, bytes: &[u8]) -> Result<(), SyntaxError> {
        parse(path, bytes.to_vec()).map(|_| ()).map_err(|p| match p.kind {
            crate::ProblemKind::Syntax(e) => e,
            other => SyntaxError::at_offset(bytes, p.span, other.to_string()),
        })
    }

    fn load(&self, target: &Target, fs: &dyn FileSystem, _options: &LoadOptions) -> Loaded {
        let path = target.path.as_path();
        let tree = match target.scope {
            Scope::Tree => PhpIniTree::load(fs, path, &target.scan_dirs).with_overrides(fs, &target.overrides),
            Scope::EntryAlone | Scope::Fragment => {
                let source = match read_config(fs, path) {
                    Ok(source) => source,
                    Err(reason) => return Loaded::failed(LoadProblem::unreadable(path, reason)),
                };
                match parse(path, source) {
                    Ok((file, problems)) => {
                        let tree = PhpIniTree::from_file(path, file);
                        return Loaded { model: Some(Model::Php(tree)), problems };
                    }
                    Err(problem) => return Loaded::failed(*problem),
                }
            }
        };
        // PHP reads the directives before a syntax error and ignores the
        // rest; conflint reports the error and uses none of that file.
        let problems: Vec<LoadProblem> = tree
            .files
            .iter()
            .filter_map(|f| match &f.content {
                Ok(_) => None,
                Err(LoadError::Syntax(error)) => Some(LoadProblem::syntax(&f.path, error.clone())),
                Err(LoadError::Io { message, .. }) => Some(LoadProblem::unreadable(&f.path, message.clone())),
            })
            .collect();
        let usable = tree.files.first().is_some_and(|f| f.content.is_ok()) || tree.files.len() > 1;
        Loaded { model: usable.then_some(Model::Php(tree)), problems }
    }
}

/// One ini file, through the mask when it is a template.
fn parse(path: &Path, bytes: Vec<u8>) -> Result<(PhpIniFile, Vec<LoadProblem>), Box<LoadProblem>> {
    crate::template::parse_file(path, bytes, PhpIniFile::parse, PhpIniFile::adopt_template)
}

/// Names of the SAPI directories Debian and openSUSE keep a php.ini in.
const SAPI_DIRS: &[&str] = &["cli", "fpm", "apache2", "cgi", "embed", "phpdbg", "litespeed"];

/// Where PHP looks for more ini files after the main php.ini at `main`, as
/// the distributions build it (`--with-config-file-scan-dir`): Debian and
/// Ubuntu `/etc/php/X.Y/SAPI/conf.d`, Alpine `/etc/phpNN/conf.d` and the
/// official Docker image `/usr/local/etc/php/conf.d` (a `conf.d` next to
/// php.ini); openSUSE `/etc/phpN/conf.d` above the SAPI directory; RHEL,
/// CentOS and Fedora `/etc/php.d` next to `/etc/php.ini`. The first that
/// exists is used.
pub fn default_scan_dirs(fs: &dyn FileSystem, main: &Path) -> Vec<PathBuf> {
    let Some(dir) = main.parent() else { return Vec::new() };
    let mut candidates = vec![dir.join("conf.d"), dir.join("php.d")];
    let dir_name = dir.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    if SAPI_DIRS.contains(&dir_name.as_str()) {
        if let Some(parent) = dir.parent() {
            candidates.push(parent.join("conf.d"));
        }
    }
    candidates.into_iter().find(|c| matches!(fs.kind(c), Ok(EntryKind::Dir))).into_iter().collect()
}

/// `PHP_INI_SCAN_DIR` semantics for `[php] scan-dir`: `:`-separated
/// directories; an empty entry stands for the default directories.
pub fn scan_dirs_from_setting(setting: &str, defaults: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for part in setting.split(':') {
        if part.is_empty() {
            out.extend(defaults.iter().cloned());
        } else {
            out.push(PathBuf::from(part));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemoryFileSystem;

    #[test]
    fn recognises_php_files() {
        let role = |p: &str| PhpIniFormat.recognise(Path::new(p));
        assert_eq!(role("/etc/php/8.2/cli/php.ini"), Some(Role::Entry));
        assert_eq!(role("/etc/php.ini"), Some(Role::Entry));
        assert_eq!(role("/etc/php/8.2/cli/conf.d/10-opcache.ini"), Some(Role::Part));
        assert_eq!(role("/etc/php.d/20-hardening.ini"), Some(Role::Part));
        assert_eq!(role("/srv/www/.user.ini"), Some(Role::Part));
        assert_eq!(role("/etc/php/8.2/fpm/pool.d/www.conf"), None);
        assert_eq!(role("/etc/mysql/my.ini"), None);
    }

    #[test]
    fn scan_dirs_of_each_layout() {
        let mut fs = MemoryFileSystem::new();
        for file in [
            "/deb/etc/php/8.2/fpm/conf.d/10-opcache.ini",
            "/rhel/etc/php.d/10-opcache.ini",
            "/suse/etc/php8/conf.d/ctype.ini",
            "/alpine/etc/php82/conf.d/00_ctype.ini",
            "/docker/usr/local/etc/php/conf.d/docker-php-ext-sodium.ini",
        ] {
            fs.insert(file, "");
        }
        let dirs = |main: &str| default_scan_dirs(&fs, Path::new(main));
        assert_eq!(dirs("/deb/etc/php/8.2/fpm/php.ini"), [PathBuf::from("/deb/etc/php/8.2/fpm/conf.d")]);
        assert_eq!(dirs("/rhel/etc/php.ini"), [PathBuf::from("/rhel/etc/php.d")]);
        assert_eq!(dirs("/suse/etc/php8/cli/php.ini"), [PathBuf::from("/suse/etc/php8/conf.d")]);
        assert_eq!(dirs("/alpine/etc/php82/php.ini"), [PathBuf::from("/alpine/etc/php82/conf.d")]);
        assert_eq!(dirs("/docker/usr/local/etc/php/php.ini"), [PathBuf::from("/docker/usr/local/etc/php/conf.d")]);
        assert!(dirs("/nowhere/php.ini").is_empty());
    }

    #[test]
    fn scan_dir_setting_follows_php_ini_scan_dir() {
        let defaults = [PathBuf::from("/etc/php.d")];
        assert_eq!(scan_dirs_from_setting("/a:/b", &defaults), [PathBuf::from("/a"), PathBuf::from("/b")]);
        assert_eq!(
            scan_dirs_from_setting(":/extra", &defaults),
            [PathBuf::from("/etc/php.d"), PathBuf::from("/extra")]
        );
    }
}
