//! What gets checked together, and how it is loaded: an httpd tree from its
//! entry file, or one file on its own. Loading problems (syntax errors,
//! unreadable files, include problems) become CL001-CL003 diagnostics.

use std::path::{Path, PathBuf};

use conflint_core::gitlab::GitlabRbFile;
use conflint_core::httpd::include::IncludeFailure;
use conflint_core::httpd::{EntryError, HttpdFile, HttpdOptions, HttpdTree, ProblemKind};
use conflint_core::php::{LoadError, PhpIniFile, PhpIniTree};
use conflint_core::source::{FileIdentity, FileSystem, binary_data};
use conflint_core::{Span, SyntaxError};

use crate::context::{FileKind, Unit};
use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::locate;
use crate::rule::RuleMeta;
use crate::rules::cl;
use crate::settings::Settings;

/// A unit of work.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// An httpd tree read from its entry file (`httpd.conf`, `apache2.conf`).
    HttpdTree(PathBuf),
    /// One httpd file on its own: a fragment, a template, `.htaccess`.
    HttpdFile(PathBuf),
    /// An httpd entry file on its own: entry-file rules apply, its
    /// includes are not read.
    HttpdEntryAlone(PathBuf),
    /// A main php.ini and the scan directory PHP reads after it.
    PhpTree {
        /// The main php.ini.
        main: PathBuf,
        /// Its scan directory (`conf.d/`), if any.
        scan_dir: Option<PathBuf>,
    },
    /// One php.ini-syntax file on its own (a scan-directory fragment, or a
    /// php.ini template such as php.ini-production).
    PhpFile(PathBuf),
    /// A gitlab.rb.
    GitlabFile(PathBuf),
}

impl Target {
    /// The file the target is named after.
    pub fn path(&self) -> &Path {
        match self {
            Target::HttpdTree(p)
            | Target::HttpdFile(p)
            | Target::HttpdEntryAlone(p)
            | Target::PhpFile(p)
            | Target::GitlabFile(p) => p,
            Target::PhpTree { main, .. } => main,
        }
    }

    /// The format of the target's files.
    pub fn kind(&self) -> FileKind {
        match self {
            Target::HttpdTree(_) | Target::HttpdFile(_) | Target::HttpdEntryAlone(_) => FileKind::Httpd,
            Target::PhpTree { .. } | Target::PhpFile(_) => FileKind::PhpIni,
            Target::GitlabFile(_) => FileKind::GitlabRb,
        }
    }

    /// Read and model the target. Never fails: what cannot be read is
    /// reported as diagnostics.
    pub fn load(&self, fs: &dyn FileSystem, settings: &Settings) -> Loaded {
        match self {
            Target::HttpdTree(path) => load_httpd_tree(fs, path, settings),
            Target::HttpdFile(path) => load_httpd_file(fs, path, settings, false),
            Target::HttpdEntryAlone(path) => load_httpd_file(fs, path, settings, true),
            Target::PhpTree { main, scan_dir } => php_unit(PhpIniTree::load(fs, main, scan_dir.as_deref())),
            Target::PhpFile(path) => match read_config(fs, path) {
                Ok(bytes) => match PhpIniFile::parse(bytes.clone()) {
                    Ok(file) => php_unit(PhpIniTree::from_file(path.clone(), file)),
                    Err(error) => Loaded { unit: None, diagnostics: vec![syntax_error(path, &bytes, &error)] },
                },
                Err(diagnostic) => Loaded { unit: None, diagnostics: vec![*diagnostic] },
            },
            Target::GitlabFile(path) => match read_config(fs, path) {
                Ok(bytes) => match GitlabRbFile::parse(bytes.clone()) {
                    Ok(file) => {
                        let diagnostics = ruby_rejects(path, &file);
                        Loaded { unit: Some(LoadedUnit::Gitlab(path.clone(), file)), diagnostics }
                    }
                    Err(error) => Loaded { unit: None, diagnostics: vec![syntax_error(path, &bytes, &error)] },
                },
                Err(diagnostic) => Loaded { unit: None, diagnostics: vec![*diagnostic] },
            },
        }
    }
}

/// A loaded target: the model, if the main file could be read, and the
/// loading problems.
#[derive(Debug)]
pub struct Loaded {
    /// The model; `None` when the main file could not be read or parsed.
    pub unit: Option<LoadedUnit>,
    /// CL001-CL003 found while loading.
    pub diagnostics: Vec<Diagnostic>,
}

/// The owned model behind a [`Unit`].
#[derive(Debug)]
pub enum LoadedUnit {
    /// An httpd tree or file.
    Httpd(HttpdTree),
    /// A PHP tree or file.
    Php(PhpIniTree),
    /// A gitlab.rb: its path and syntax tree.
    Gitlab(PathBuf, GitlabRbFile),
}

impl LoadedUnit {
    /// The unit rules look at.
    pub fn as_unit(&self) -> Unit<'_> {
        match self {
            LoadedUnit::Httpd(tree) => Unit::Httpd(tree),
            LoadedUnit::Php(tree) => Unit::Php(tree),
            LoadedUnit::Gitlab(path, file) => Unit::Gitlab { path, file },
        }
    }

    /// The files the unit read: files checked as part of this unit need no
    /// separate check.
    pub fn covered(&self) -> Vec<FileIdentity> {
        match self {
            LoadedUnit::Httpd(tree) => tree.files.iter().map(|f| f.identity.clone()).collect(),
            LoadedUnit::Php(tree) => tree.files.iter().map(|f| FileIdentity::of(&f.path)).collect(),
            LoadedUnit::Gitlab(path, _) => vec![FileIdentity::of(path)],
        }
    }
}

/// A PHP tree and its files that could not be read or parsed (CL001/CL002;
/// PHP itself reads the directives before a syntax error and ignores the rest).
fn php_unit(tree: PhpIniTree) -> Loaded {
    let diagnostics = tree
        .files
        .iter()
        .filter_map(|f| match &f.content {
            Ok(_) => None,
            Err(LoadError::Syntax(error)) => Some(syntax_error_at(&f.path, error)),
            Err(LoadError::Io { message, .. }) => Some(unreadable(&f.path, message)),
        })
        .collect();
    let unit = tree.files.first().is_some_and(|f| f.content.is_ok()) || tree.files.len() > 1;
    Loaded { unit: unit.then_some(LoadedUnit::Php(tree)), diagnostics }
}

/// CL001 where only the error's own line and column are known.
fn syntax_error_at(path: &Path, error: &SyntaxError) -> Diagnostic {
    let mut d = diagnostic(&cl::SyntaxError_::META, Severity::Error, path, b"", error.span, error.message.clone());
    d.location.start = conflint_core::LineColumn { line: error.line, column: error.column };
    d.location.end = d.location.start;
    d
}

/// CL001 for statements conflint keeps opaque because Ruby itself rejects
/// them: `gitlab-ctl reconfigure` would fail on the file.
fn ruby_rejects(path: &Path, file: &GitlabRbFile) -> Vec<Diagnostic> {
    use conflint_core::gitlab::{OpaqueHint, StatementKind};
    file.statements
        .iter()
        .filter_map(|statement| {
            let StatementKind::Opaque(opaque) = &statement.kind else { return None };
            let (span, message) = match opaque.hint.as_ref()? {
                OpaqueHint::SpaceBeforeIndex { space, .. } => (
                    *space,
                    "Ruby reads `name ['key'] = value` as a method call followed by a stray `=`: a syntax error; remove the space before `[`"
                        .to_string(),
                ),
                OpaqueHint::UnreadableValue { value, .. } => {
                    let text = file.text(*value);
                    let first = text.lines().next().unwrap_or_default();
                    let shown = if first.len() < text.len() { format!("{first}...") } else { first.to_string() };
                    (*value, format!("`{shown}` is not a Ruby value (a placeholder, an unquoted path, a missing comma?): Ruby rejects the file"))
                }
                OpaqueHint::LocalVariable { .. } => return None,
            };
            Some(diagnostic(&cl::SyntaxError_::META, Severity::Error, path, file.source(), span, message))
        })
        .collect()
}

fn httpd_options(settings: &Settings) -> HttpdOptions {
    HttpdOptions {
        server_root: settings.httpd.server_root.clone(),
        version: settings.httpd.version,
        defines: Vec::new(),
    }
}

fn load_httpd_tree(fs: &dyn FileSystem, path: &Path, settings: &Settings) -> Loaded {
    match HttpdTree::load(fs, path, &httpd_options(settings)) {
        Ok(tree) => {
            let diagnostics = tree_problems(&tree);
            Loaded { unit: Some(LoadedUnit::Httpd(tree)), diagnostics }
        }
        Err(EntryError::Unreadable(reason)) => Loaded { unit: None, diagnostics: vec![unreadable(path, &reason)] },
        Err(EntryError::Syntax(error)) => {
            let source = fs.read(path).unwrap_or_default();
            Loaded { unit: None, diagnostics: vec![syntax_error(path, &source, &error)] }
        }
    }
}

fn load_httpd_file(fs: &dyn FileSystem, path: &Path, settings: &Settings, entry: bool) -> Loaded {
    let source = match read_config(fs, path) {
        Ok(source) => source,
        Err(diagnostic) => return Loaded { unit: None, diagnostics: vec![*diagnostic] },
    };
    match HttpdFile::parse(source.clone()) {
        Ok(file) => {
            let options = httpd_options(settings);
            let tree = if entry {
                HttpdTree::entry_alone(path, file, &options)
            } else {
                HttpdTree::fragment(path, file, &options)
            };
            let diagnostics = tree_problems(&tree);
            Loaded { unit: Some(LoadedUnit::Httpd(tree)), diagnostics }
        }
        Err(error) => Loaded { unit: None, diagnostics: vec![syntax_error(path, &source, &error)] },
    }
}

/// Read a file meant to be configuration: refuses binary data (a NUL byte)
/// with CL002, as well as anything that is not a regular file.
pub fn read_config(fs: &dyn FileSystem, path: &Path) -> Result<Vec<u8>, Box<Diagnostic>> {
    let bytes = fs.read(path).map_err(|e| Box::new(unreadable(path, &e.to_string())))?;
    match binary_data(&bytes) {
        Some((nul, message)) => {
            Err(Box::new(diagnostic(&cl::Unreadable::META, Severity::Error, path, &bytes, nul, message)))
        }
        None => Ok(bytes),
    }
}

fn diagnostic(
    meta: &'static RuleMeta,
    severity: Severity,
    path: &Path,
    source: &[u8],
    span: Span,
    message: String,
) -> Diagnostic {
    Diagnostic { code: meta.code, name: meta.name, severity, message, location: locate(path, source, span), fix: None }
}

/// CL001 for a file that does not parse.
pub fn syntax_error(path: &Path, source: &[u8], error: &SyntaxError) -> Diagnostic {
    diagnostic(&cl::SyntaxError_::META, Severity::Error, path, source, error.span, error.message.clone())
}

/// CL002 for a file that cannot be read.
pub fn unreadable(path: &Path, reason: &str) -> Diagnostic {
    diagnostic(&cl::Unreadable::META, Severity::Error, path, b"", Span::empty(0), format!("cannot read: {reason}"))
}

/// CL001-CL003 for what kept parts of a tree from being read.
fn tree_problems(tree: &HttpdTree) -> Vec<Diagnostic> {
    tree.problems
        .iter()
        .map(|problem| {
            let (path, source, span) = match (problem.file, problem.span) {
                (Some(file), Some(span)) => {
                    let f = tree.file(file);
                    (f.path.clone(), f.syntax.source(), span)
                }
                _ => (problem.path.clone(), &[][..], Span::empty(0)),
            };
            let include = &cl::IncludeProblem::META;
            match &problem.kind {
                // An included file that does not parse: point into it.
                ProblemKind::Syntax(error) if problem.file.is_none() => syntax_error_at(&problem.path, error),
                ProblemKind::Syntax(error) => {
                    diagnostic(&cl::SyntaxError_::META, Severity::Error, &path, source, error.span, error.message.clone())
                }
                ProblemKind::Unreadable(reason) => diagnostic(
                    &cl::Unreadable::META,
                    Severity::Error,
                    &path,
                    source,
                    span,
                    format!("cannot read included file {}: {reason}", problem.path.display()),
                ),
                ProblemKind::Include(IncludeFailure::Missing(p)) => diagnostic(
                    include,
                    Severity::Error,
                    &path,
                    source,
                    span,
                    format!("Include of {} fails: no such file (httpd refuses to start; use IncludeOptional if that is fine)", p.display()),
                ),
                ProblemKind::Include(IncludeFailure::NoMatch { pattern, dir }) => diagnostic(
                    include,
                    Severity::Error,
                    &path,
                    source,
                    span,
                    format!(
                        "No matches for the wildcard '{pattern}' in '{}': httpd refuses to start (use IncludeOptional if that is fine)",
                        dir.display()
                    ),
                ),
                ProblemKind::Include(IncludeFailure::OutsideRoot(p)) => diagnostic(
                    include,
                    Severity::Warning,
                    &path,
                    source,
                    span,
                    format!("{} is outside the mapped server root; not read", p.display()),
                ),
                ProblemKind::Cycle { chain } => diagnostic(
                    include,
                    Severity::Error,
                    &path,
                    source,
                    span,
                    format!(
                        "include cycle: {}",
                        chain.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" -> ")
                    ),
                ),
                ProblemKind::TooDeep => diagnostic(
                    include,
                    Severity::Error,
                    &path,
                    source,
                    span,
                    "includes nested more than 128 deep: httpd stops here (is there a recursion?)".to_string(),
                ),
            }
        })
        .collect()
}
