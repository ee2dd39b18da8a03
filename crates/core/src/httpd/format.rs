//! httpd as a [`Format`]: which files are httpd configuration, and how a
//! target of them is read.

use std::path::Path;

use crate::error::SyntaxError;
use crate::format::{FileKind, Format, Role, file_name, parent_dirs};
use crate::load::{LoadOptions, LoadProblem, Loaded, Model, Scope, Target};
use crate::source::{FileSystem, read_config};

use super::{HttpdFile, HttpdTree};

/// Apache httpd configuration.
pub struct HttpdFormat;

/// Directory names that mark httpd configuration (`conf-*`, `sites-*` and
/// `mods-*` are matched by prefix).
const HTTPD_DIRS: &[&str] = &["conf.d", "conf.modules.d", "vhosts.d", "modules.d", "extra"];

/// Names that are always the entry of an httpd tree.
const ENTRY_NAMES: &[&str] = &["httpd.conf", "apache2.conf"];

/// Suffixes of editor and package-manager leftovers, which Debian's
/// extension-less `sites-*` files must not be confused with.
const BACKUP_SUFFIXES: &[&str] =
    &["~", ".bak", ".orig", ".old", ".swp", ".rej", ".dpkg-old", ".dpkg-new", ".dpkg-dist"];

impl Format for HttpdFormat {
    fn kind(&self) -> FileKind {
        FileKind::Httpd
    }

    fn name(&self) -> &'static str {
        "httpd"
    }

    fn recognise(&self, path: &Path) -> Option<Role> {
        let name = file_name(path)?;
        if ENTRY_NAMES.contains(&name.as_str()) {
            return Some(Role::Entry);
        }
        if matches!(name.as_str(), ".htaccess" | "httpd.conf.in") {
            return Some(Role::Part);
        }
        let dirs = parent_dirs(path);
        let under = |pred: &dyn Fn(&str) -> bool| dirs.iter().any(|d| pred(d));
        if under(&|d| d == "nginx" || d.contains("php")) {
            return None;
        }
        let httpd_name = [".conf", ".load", ".htaccess", ".conf.in"].iter().any(|s| name.ends_with(s));
        let httpd_place = under(&|d| {
            d.contains("apache")
                || d.contains("httpd")
                || HTTPD_DIRS.contains(&d)
                || d.starts_with("conf-")
                || d.starts_with("sites-")
                || d.starts_with("mods-")
        });
        if httpd_name && httpd_place {
            return Some(Role::Part);
        }
        // Debian's 2.2 layout names sites without an extension
        // (`sites-available/default`) and includes the whole directory.
        let in_sites = dirs.last().is_some_and(|d| d == "sites-available" || d == "sites-enabled");
        let leftover = name.starts_with('.') || BACKUP_SUFFIXES.iter().any(|s| name.ends_with(s));
        (in_sites && !leftover).then_some(Role::Part)
    }

    fn check_syntax(&self, path: &Path, bytes: &[u8]) -> Result<(), SyntaxError> {
        parse(path, bytes.to_vec()).map(|_| ()).map_err(|p| match p.kind {
            crate::ProblemKind::Syntax(e) => e,
            other => SyntaxError::at_offset(bytes, p.span, other.to_string()),
        })
    }

    fn load(&self, target: &Target, fs: &dyn FileSystem, options: &LoadOptions) -> Loaded {
        let path = target.path.as_path();
        let source = match read_config(fs, path) {
            Ok(source) => source,
            Err(reason) => return Loaded::failed(LoadProblem::unreadable(path, reason)),
        };
        let (file, template_problems) = match parse(path, source) {
            Ok(parsed) => parsed,
            Err(problem) => return Loaded::failed(*problem),
        };
        let tree = match target.scope {
            Scope::Tree => HttpdTree::from_entry(fs, path, file, &options.httpd),
            Scope::EntryAlone => HttpdTree::entry_alone(path, file, &options.httpd),
            Scope::Fragment => HttpdTree::fragment(path, file, &options.httpd),
        };
        let mut problems = template_problems;
        problems.extend(tree.problems.iter().cloned());
        Loaded { model: Some(Model::Httpd(tree)), problems }
    }
}

/// One httpd file, through the mask when it is a template.
fn parse(path: &Path, bytes: Vec<u8>) -> Result<(HttpdFile, Vec<LoadProblem>), Box<LoadProblem>> {
    crate::template::parse_file(path, bytes, HttpdFile::parse, HttpdFile::adopt_template)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(path: &str) -> Option<Role> {
        HttpdFormat.recognise(Path::new(path))
    }

    #[test]
    fn recognises_by_name_and_place() {
        assert_eq!(role("/etc/apache2/apache2.conf"), Some(Role::Entry));
        assert_eq!(role("/etc/httpd/conf/httpd.conf"), Some(Role::Entry));
        assert_eq!(role("/etc/apache2/sites-enabled/000-default.conf"), Some(Role::Part));
        assert_eq!(role("/etc/httpd/conf.d/ssl.conf"), Some(Role::Part));
        assert_eq!(role("/etc/apache2/mods-available/ssl.load"), Some(Role::Part));
        assert_eq!(role("/srv/www/.htaccess"), Some(Role::Part));
        assert_eq!(role("/etc/apache2/sites-available/default"), Some(Role::Part));
        assert_eq!(role("/etc/apache2/sites-enabled/example.com"), Some(Role::Part));
    }

    #[test]
    fn leaves_other_files_alone() {
        assert_eq!(role("/etc/apache2/magic"), None);
        assert_eq!(role("/etc/apache2/envvars"), None);
        assert_eq!(role("/etc/nginx/conf.d/default.conf"), None);
        assert_eq!(role("/etc/nginx/sites-enabled/default"), None);
        assert_eq!(role("/etc/php/8.2/fpm/pool.d/www.conf"), None);
        assert_eq!(role("/home/u/notes.conf"), None);
        assert_eq!(role("/etc/gentoo/conf.d/apache2"), None);
        assert_eq!(role("/etc/apache2/sites-available/default~"), None);
        assert_eq!(role("/etc/apache2/sites-available/default.dpkg-old"), None);
        assert_eq!(role("/etc/apache2/sites-available/.default.swp"), None);
    }
}
