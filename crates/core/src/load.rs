//! What is checked together (a [`Target`]), how it is read (by its
//! [`Format`](crate::format::Format)), and what reading it gives: the model
//! rules look at, and the problems that kept parts of it from being read.
//!
//! Whether a tree parsed is a fact of loading ([`Loaded::parsed`]), not a
//! diagnostic: the fixer refuses to touch a tree that did not parse whatever
//! rules a run selects.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::SyntaxError;
use crate::format::FileKind;
use crate::gitlab::GitlabTree;
use crate::httpd::HttpdOptions;
use crate::httpd::HttpdTree;
use crate::httpd::include::IncludeFailure;
use crate::php::PhpIniTree;
use crate::php::overrides::OverrideSources;
use crate::postfix::{PostfixTree, PostfixVersion};
use crate::source::{FileIdentity, FileSystem};
use crate::text::{LineColumn, LineIndex, Span};

/// One unit of work: a tree read from its entry file, or one file alone.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Target {
    /// The format of its files.
    pub kind: FileKind,
    /// The entry file, or the file checked alone.
    pub path: PathBuf,
    /// How much of the tree is read.
    pub scope: Scope,
    /// Where PHP reads more settings from (scan directories); empty for
    /// other formats.
    pub scan_dirs: Vec<PathBuf>,
    /// Files whose settings override php.ini (FPM pools, httpd trees with
    /// mod_php directives); empty for other formats.
    pub overrides: OverrideSources,
}

/// How much of a tree a target reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// The entry file and everything it includes, as the server reads it.
    Tree,
    /// An entry file without what it includes (a provisioning tool
    /// checking a generated httpd.conf from memory): "missing X" findings
    /// apply.
    EntryAlone,
    /// One file on its own: never told that something is missing.
    Fragment,
}

impl Target {
    /// A whole tree from its entry file.
    pub fn tree(kind: FileKind, path: impl Into<PathBuf>) -> Self {
        Target {
            kind,
            path: path.into(),
            scope: Scope::Tree,
            scan_dirs: Vec::new(),
            overrides: OverrideSources::default(),
        }
    }

    /// An entry file read without its includes.
    pub fn entry_alone(kind: FileKind, path: impl Into<PathBuf>) -> Self {
        Target {
            kind,
            path: path.into(),
            scope: Scope::EntryAlone,
            scan_dirs: Vec::new(),
            overrides: OverrideSources::default(),
        }
    }

    /// One file on its own.
    pub fn fragment(kind: FileKind, path: impl Into<PathBuf>) -> Self {
        Target {
            kind,
            path: path.into(),
            scope: Scope::Fragment,
            scan_dirs: Vec::new(),
            overrides: OverrideSources::default(),
        }
    }

    /// The same target with PHP scan directories.
    pub fn with_scan_dirs(mut self, dirs: Vec<PathBuf>) -> Self {
        self.scan_dirs = dirs;
        self
    }

    /// Whether "missing X" findings apply.
    pub fn is_entry(&self) -> bool {
        self.scope != Scope::Fragment
    }

    /// Read the target with its format.
    pub fn load(&self, fs: &dyn FileSystem, options: &LoadOptions) -> Loaded {
        self.kind.format().load(self, fs, options)
    }
}

/// Facts about the servers that change how files are read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// httpd: server root, version, defines.
    pub httpd: HttpdOptions,
    /// Postfix: the release whose defaults apply.
    pub postfix: PostfixOptions,
}

/// How Postfix files are read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PostfixOptions {
    /// The release whose defaults apply; `None`: [`PostfixVersion::NEWEST`].
    pub version: Option<PostfixVersion>,
}

/// A loaded target.
#[derive(Debug)]
pub struct Loaded {
    /// The model; `None` when the entry file could not be read or parsed.
    pub model: Option<Model>,
    /// What kept parts of the target from being read.
    pub problems: Vec<LoadProblem>,
}

impl Loaded {
    /// Nothing but problems.
    pub fn failed(problem: LoadProblem) -> Self {
        Loaded { model: None, problems: vec![problem] }
    }

    /// Whether every file the server would read was read and parsed: the
    /// fixer writes nothing otherwise.
    pub fn parsed(&self) -> bool {
        self.model.is_some() && !self.problems.iter().any(|p| p.kind.is_syntax())
    }
}

/// The model of a target, by format. Rules match on the variant they know.
#[derive(Debug)]
pub enum Model {
    /// An httpd tree or file.
    Httpd(HttpdTree),
    /// php.ini and its scan directory, or one ini file.
    Php(PhpIniTree),
    /// One gitlab.rb.
    Gitlab(GitlabTree),
    /// Postfix main.cf with its master.cf, or a master.cf alone.
    Postfix(PostfixTree),
}

impl Model {
    /// Every file of the model that parsed, entry first.
    pub fn files(&self) -> Vec<SourceFile<'_>> {
        match self {
            Model::Httpd(tree) => tree.source_files(),
            Model::Php(tree) => tree.source_files(),
            Model::Gitlab(tree) => vec![tree.source_file()],
            Model::Postfix(tree) => tree.source_files(),
        }
    }

    /// The file of the model at `path`, if any.
    pub fn file(&self, path: &Path) -> Option<SourceFile<'_>> {
        self.files().into_iter().find(|f| f.path == path)
    }

    /// The identities of the files read as part of this target's own
    /// format: such a file needs no check of its own. (A PHP target also
    /// reads httpd files for their mod_php directives; those still belong
    /// to their httpd tree.)
    pub fn covered(&self, fs: &dyn FileSystem) -> Vec<FileIdentity> {
        match self {
            Model::Httpd(tree) => tree.files.iter().map(|f| f.identity.clone()).collect(),
            Model::Php(_) => {
                self.files().iter().filter(|f| f.kind == FileKind::PhpIni).map(|f| fs.identity(f.path)).collect()
            }
            Model::Gitlab(_) => self.files().iter().map(|f| fs.identity(f.path)).collect(),
            Model::Postfix(tree) => tree.covered(fs),
        }
    }
}

/// One parsed file of a model, as the pipeline sees every format.
#[derive(Debug, Clone)]
pub struct SourceFile<'a> {
    /// The path as given or found.
    pub path: &'a Path,
    /// Its format.
    pub kind: FileKind,
    /// The bytes as read.
    pub source: &'a [u8],
    /// Where its lines start.
    pub lines: &'a LineIndex,
    /// The comments that stand alone on their lines, as the parser found
    /// them (suppressions are read from these only, never from a `#` inside
    /// a string or heredoc), and a template's own comments.
    pub comments: Vec<Span>,
    /// For a template: its holes, tags and blocks.
    pub template: Option<&'a crate::template::TemplateInfo>,
    /// Values assigned to secret-like keys (passwords, tokens): never
    /// quoted in a message, masked in snippets.
    pub secrets: Vec<Span>,
}

/// Something that kept part of a target from being read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadProblem {
    /// The file to show it in: the file that failed, or the file whose
    /// `Include` line failed.
    pub path: PathBuf,
    /// The bytes it is about in that file (empty at 0 when unknown).
    pub span: Span,
    /// The position, when `path` is a file the model does not hold (it did
    /// not parse, or could not be read).
    pub position: Option<LineColumn>,
    /// What went wrong.
    pub kind: ProblemKind,
}

impl LoadProblem {
    /// A file that does not parse.
    pub fn syntax(path: impl Into<PathBuf>, error: SyntaxError) -> Self {
        let position = Some(LineColumn { line: error.line, column: error.column });
        LoadProblem { path: path.into(), span: error.span, position, kind: ProblemKind::Syntax(error) }
    }

    /// A file that cannot be read.
    pub fn unreadable(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        let path = path.into();
        let kind = ProblemKind::Unreadable { path: path.clone(), reason: reason.into(), included: false };
        LoadProblem { path, span: Span::empty(0), position: None, kind }
    }
}

impl LoadProblem {
    /// The file the problem is about: the file that failed (an included
    /// file that cannot be read is shown on its `Include` line).
    pub fn about(&self) -> &Path {
        match &self.kind {
            ProblemKind::Unreadable { path, .. } => path,
            _ => &self.path,
        }
    }

    /// Whether it is about a file that failed to read or parse (rather than
    /// an include that matched nothing).
    pub fn is_about_a_file(&self) -> bool {
        matches!(self.kind, ProblemKind::Syntax(_) | ProblemKind::Unreadable { .. })
    }
}

/// What kept part of a target from being read. `Display` gives the words
/// users read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// A file that does not parse.
    Syntax(SyntaxError),
    /// A statement the server itself rejects although conflint keeps it
    /// (Ruby rejects `name ['key'] = value`).
    Rejected(String),
    /// A file that cannot be read.
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
        /// Reached through an include (shown on the `Include` line).
        included: bool,
    },
    /// An `Include` that fails.
    Include(IncludeFailure),
    /// A file that includes itself through a chain of includes.
    Cycle {
        /// The files in include order, the repeated one last.
        chain: Vec<PathBuf>,
    },
    /// Includes nested deeper than httpd allows.
    TooDeep,
    /// A directory symlink that leads back to one of its ancestors: not
    /// followed.
    SymlinkLoop(PathBuf),
    /// A template (`httpd.conf.j2`) conflint cannot follow: an unclosed
    /// block, or branches that split what the configuration needs whole.
    Template(String),
}

impl ProblemKind {
    /// Whether it is a file the server would refuse to parse.
    pub fn is_syntax(&self) -> bool {
        matches!(self, ProblemKind::Syntax(_) | ProblemKind::Rejected(_))
    }
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProblemKind::Syntax(error) => f.write_str(&error.message),
            ProblemKind::Rejected(message) => f.write_str(message),
            ProblemKind::Unreadable { path, reason, included: true } => {
                write!(f, "cannot read included file {}: {reason}", crate::text::quoted_path(path))
            }
            ProblemKind::Unreadable { reason, .. } => write!(f, "cannot read: {reason}"),
            ProblemKind::Include(failure) => fmt::Display::fmt(failure, f),
            ProblemKind::Cycle { chain } => {
                let chain: Vec<String> = chain.iter().map(|p| crate::text::quoted_path(p)).collect();
                write!(f, "include cycle: {}", chain.join(" -> "))
            }
            ProblemKind::TooDeep => {
                f.write_str("includes nested more than 128 deep: httpd stops here (is there a recursion?)")
            }
            ProblemKind::Template(message) => f.write_str(message),
            ProblemKind::SymlinkLoop(path) => {
                write!(
                    f,
                    "symlink loop at {}: it leads back to a directory above it; not followed",
                    crate::text::quoted_path(path)
                )
            }
        }
    }
}
