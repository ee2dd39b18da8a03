//! What rules look at (a [`Unit`]: one tree or one lone file, already
//! modelled) and how they report (the [`Checker`]).

use std::path::{Path, PathBuf};

use conflint_core::gitlab::GitlabRbFile;
use conflint_core::httpd::HttpdTree;
use conflint_core::php::PhpIniTree;
use conflint_core::{LineIndex, Span};

use crate::diagnostic::Fix;
use crate::rule::RuleMeta;
use crate::settings::Settings;

/// The format of a configuration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    /// Apache httpd configuration (`httpd.conf`, `apache2.conf`, includes, `.htaccess`).
    Httpd,
    /// php.ini syntax (`php.ini`, scan-directory `*.ini`).
    PhpIni,
    /// GitLab Omnibus `gitlab.rb`.
    GitlabRb,
}

impl FileKind {
    /// The name used in conflint.toml `[files]` and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Httpd => "httpd",
            FileKind::PhpIni => "php",
            FileKind::GitlabRb => "gitlab",
        }
    }

    /// The character that starts a whole-line comment.
    pub fn comment_char(self) -> u8 {
        match self {
            FileKind::PhpIni => b';',
            FileKind::Httpd | FileKind::GitlabRb => b'#',
        }
    }
}

/// One file of a unit: where it is, its bytes, its format.
#[derive(Debug, Clone, Copy)]
pub struct UnitFile<'a> {
    /// The path as given or found.
    pub path: &'a Path,
    /// The bytes as read.
    pub source: &'a [u8],
    /// The file's format.
    pub kind: FileKind,
    /// Where its lines start, as the parser found them.
    pub lines: &'a LineIndex,
}

/// What rules check: one modelled tree, or one file on its own.
#[derive(Debug, Clone, Copy)]
pub enum Unit<'a> {
    /// An httpd tree read from its entry file, or one httpd file on its own.
    Httpd(&'a HttpdTree),
    /// php.ini and its scan directory, or one ini file on its own.
    Php(&'a PhpIniTree),
    /// One gitlab.rb (GitLab reads exactly one).
    Gitlab {
        /// The file as given or found.
        path: &'a Path,
        /// Its syntax tree.
        file: &'a GitlabRbFile,
    },
}

impl<'a> Unit<'a> {
    /// Every file of the unit, entry first.
    pub fn files(&self) -> Vec<UnitFile<'a>> {
        match self {
            Unit::Httpd(tree) => tree
                .files
                .iter()
                .map(|f| UnitFile {
                    path: &f.path,
                    source: f.syntax.source(),
                    kind: FileKind::Httpd,
                    lines: f.syntax.line_index(),
                })
                .collect(),
            Unit::Php(tree) => tree
                .files
                .iter()
                .filter_map(|f| f.content.as_ref().ok().map(|c| (f, c)))
                .map(|(f, c)| UnitFile {
                    path: &f.path,
                    source: c.source(),
                    kind: FileKind::PhpIni,
                    lines: c.line_index(),
                })
                .collect(),
            Unit::Gitlab { path, file } => {
                vec![UnitFile { path, source: file.source(), kind: FileKind::GitlabRb, lines: file.line_index() }]
            }
        }
    }

    /// The file of the unit at `path`, if any.
    pub fn file(&self, path: &Path) -> Option<UnitFile<'a>> {
        self.files().into_iter().find(|f| f.path == path)
    }
}

/// A finding before it has a line and column.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The rule that found it.
    pub rule: &'static RuleMeta,
    /// The file it is in.
    pub path: PathBuf,
    /// The bytes it is about.
    pub span: Span,
    /// What is wrong, in a sentence.
    pub message: String,
    /// The fix, if the rule has one for this case.
    pub fix: Option<Fix>,
}

/// Collects findings from the rules run on one unit.
pub struct Checker<'a> {
    /// The run's settings (memory budget, trusted addresses...).
    pub settings: &'a Settings,
    rule: &'static RuleMeta,
    findings: Vec<Finding>,
}

impl<'a> Checker<'a> {
    /// A checker reporting findings of `rule` first.
    pub fn new(settings: &'a Settings, rule: &'static RuleMeta) -> Self {
        Checker { settings, rule, findings: Vec::new() }
    }

    /// Switch to the next rule.
    pub(crate) fn set_rule(&mut self, rule: &'static RuleMeta) {
        self.rule = rule;
    }

    /// Report a finding of the current rule.
    pub fn report(&mut self, path: &Path, span: Span, message: impl Into<String>, fix: Option<Fix>) {
        self.findings.push(Finding { rule: self.rule, path: path.to_path_buf(), span, message: message.into(), fix });
    }

    pub(crate) fn into_findings(self) -> Vec<Finding> {
        self.findings
    }
}
