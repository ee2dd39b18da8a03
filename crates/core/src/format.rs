//! The formats conflint reads, each behind one small trait.
//!
//! A format knows which files are its own (by name and place), how to read
//! a target of its files into a model, and how to tell whether edited bytes
//! still parse. Everything else (the pipeline, suppressions, the fixer, the
//! CLI) asks the registry below, so adding a format means adding its module
//! and one line here, not a match arm in every crate.

use std::fmt;
use std::path::Path;

use crate::error::SyntaxError;
use crate::load::{LoadOptions, Loaded, Target};
use crate::source::FileSystem;

/// The format of a configuration file. Its knowledge lives in the
/// [`Format`] registered for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    /// Apache httpd configuration (`httpd.conf`, `apache2.conf`, includes, `.htaccess`).
    Httpd,
    /// php.ini syntax (`php.ini`, scan-directory `*.ini`).
    PhpIni,
    /// GitLab Omnibus `gitlab.rb`.
    GitlabRb,
    /// Postfix `main.cf` (read with the `master.cf` beside it) and `master.cf`.
    Postfix,
}

/// How a recognised file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The root of a tree the server reads (`httpd.conf`, `php.ini`,
    /// `gitlab.rb`): read with what it includes, and "missing X" findings
    /// apply — unless another file of the run includes it.
    Entry,
    /// A file read as part of a tree, or on its own when no tree of the
    /// run includes it (a fragment: never told that something is missing).
    Part,
}

/// One configuration format.
pub trait Format: Sync {
    /// The kind this format reads.
    fn kind(&self) -> FileKind;

    /// The name used in conflint.toml (`[files] httpd = [...]`) and messages.
    fn name(&self) -> &'static str;

    /// Whether a file at `path` is of this format, judged by its name and
    /// the directories it sits in, and how it is read.
    fn recognise(&self, path: &Path) -> Option<Role>;

    /// Whether `bytes`, the text of the file at `path`, parse as one file of
    /// this format (through the mask, for a template): the fixer's check
    /// before it keeps an edited text.
    fn check_syntax(&self, path: &Path, bytes: &[u8]) -> Result<(), SyntaxError>;

    /// Read a target of this format into its model. Never fails: what
    /// cannot be read or parsed is in [`Loaded::problems`].
    fn load(&self, target: &Target, fs: &dyn FileSystem, options: &LoadOptions) -> Loaded;
}

/// Every format, in the order recognition tries them.
static FORMATS: &[&dyn Format] = &[
    &crate::httpd::format::HttpdFormat,
    &crate::php::format::PhpIniFormat,
    &crate::gitlab::format::GitlabFormat,
    &crate::postfix::format::PostfixFormat,
];

/// Every registered format.
pub fn formats() -> &'static [&'static dyn Format] {
    FORMATS
}

impl FileKind {
    /// The format that reads this kind.
    pub fn format(self) -> &'static dyn Format {
        // Every kind has exactly one format: tested below.
        match FORMATS.iter().find(|f| f.kind() == self) {
            Some(format) => *format,
            None => unreachable!("no format registered for {self:?}"),
        }
    }

    /// The name used in conflint.toml and messages (`httpd`, `php`, `gitlab`).
    pub fn name(self) -> &'static str {
        self.format().name()
    }

    /// The kind named `name` in conflint.toml.
    pub fn from_name(name: &str) -> Option<FileKind> {
        FORMATS.iter().find(|f| f.name() == name).map(|f| f.kind())
    }

    /// Every kind, in registry order.
    pub fn all() -> impl Iterator<Item = FileKind> {
        FORMATS.iter().map(|f| f.kind())
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The kind and role of a file, from its name and place; `None` for a
/// file no format claims.
///
/// ```
/// use std::path::Path;
/// use conflint_core::format::{recognise, FileKind, Role};
///
/// assert_eq!(recognise(Path::new("/etc/apache2/apache2.conf")), Some((FileKind::Httpd, Role::Entry)));
/// assert_eq!(recognise(Path::new("/etc/php/8.2/fpm/conf.d/10-opcache.ini")), Some((FileKind::PhpIni, Role::Part)));
/// assert_eq!(recognise(Path::new("/etc/gitlab/gitlab.rb")), Some((FileKind::GitlabRb, Role::Entry)));
/// assert_eq!(recognise(Path::new("/etc/postfix/main.cf")), Some((FileKind::Postfix, Role::Entry)));
/// assert_eq!(recognise(Path::new("/etc/postfix/master.cf")), Some((FileKind::Postfix, Role::Part)));
/// assert_eq!(recognise(Path::new("/etc/nginx/nginx.conf")), None);
/// ```
///
/// A template is recognised by what it renders (`httpd.conf.j2` as
/// `httpd.conf`, `php.ini.erb` as `php.ini`).
pub fn recognise(path: &Path) -> Option<(FileKind, Role)> {
    let rendered = crate::template::rendered_path(path);
    let path = rendered.as_deref().unwrap_or(path);
    FORMATS.iter().find_map(|f| f.recognise(path).map(|role| (f.kind(), role)))
}

/// The role of a file of a kind given by the user (`[files]`): what the
/// format's own names say (a template by what it renders), else a part.
pub fn role_of(kind: FileKind, path: &Path) -> Role {
    let rendered = crate::template::rendered_path(path);
    kind.format().recognise(rendered.as_deref().unwrap_or(path)).unwrap_or(Role::Part)
}

/// The lower-case names of the directories a path sits in, innermost last.
pub(crate) fn parent_dirs(path: &Path) -> Vec<String> {
    path.parent()
        .map(|p| p.components().map(|c| c.as_os_str().to_string_lossy().to_ascii_lowercase()).collect())
        .unwrap_or_default()
}

/// The file name of a path, lossily decoded.
pub(crate) fn file_name(path: &Path) -> Option<String> {
    Some(path.file_name()?.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_one_format_and_a_unique_name() {
        let mut names: Vec<&str> = FileKind::all().map(FileKind::name).collect();
        for kind in FileKind::all() {
            assert_eq!(FORMATS.iter().filter(|f| f.kind() == kind).count(), 1, "{kind:?}");
            assert_eq!(FileKind::from_name(kind.name()), Some(kind));
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FORMATS.len());
    }
}
