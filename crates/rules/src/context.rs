//! What rules look at (a [`Unit`]: one tree or one lone file, already
//! modelled) and how they report (the [`Checker`]).

use std::path::{Path, PathBuf};

use conflint_core::Span;
use conflint_core::gitlab::GitlabRbFile;
use conflint_core::httpd::HttpdTree;
use conflint_core::php::PhpIniTree;

use crate::diagnostic::Fix;
use crate::rule::RuleMeta;
use crate::settings::Settings;

/// The format of a configuration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    Httpd,
    PhpIni,
    GitlabRb,
}

impl FileKind {
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
    pub path: &'a Path,
    pub source: &'a [u8],
    pub kind: FileKind,
}

/// What rules check: one modelled tree, or one file on its own.
#[derive(Debug, Clone, Copy)]
pub enum Unit<'a> {
    Httpd(&'a HttpdTree),
    Php(&'a PhpIniTree),
    /// One gitlab.rb (GitLab reads exactly one).
    Gitlab {
        path: &'a Path,
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
                .map(|f| UnitFile { path: &f.path, source: f.syntax.source(), kind: FileKind::Httpd })
                .collect(),
            Unit::Php(tree) => tree
                .files
                .iter()
                .filter_map(|f| f.content.as_ref().ok().map(|c| (f, c)))
                .map(|(f, c)| UnitFile { path: &f.path, source: c.source(), kind: FileKind::PhpIni })
                .collect(),
            Unit::Gitlab { path, file } => vec![UnitFile { path, source: file.source(), kind: FileKind::GitlabRb }],
        }
    }

    pub fn file(&self, path: &Path) -> Option<UnitFile<'a>> {
        self.files().into_iter().find(|f| f.path == path)
    }
}

/// A finding before it has a line and column.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static RuleMeta,
    pub path: PathBuf,
    pub span: Span,
    pub message: String,
    pub fix: Option<Fix>,
}

/// Collects findings from the rules run on one unit.
pub struct Checker<'a> {
    pub settings: &'a Settings,
    rule: &'static RuleMeta,
    findings: Vec<Finding>,
}

impl<'a> Checker<'a> {
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
