//! How rules report: the [`Checker`] collects the findings of the rules run
//! on one model, each tagged with the rule that made it.

use std::path::{Path, PathBuf};

use conflint_core::Span;

use crate::diagnostic::Fix;
use crate::registry::Rule;
use crate::settings::Settings;

/// A finding before it has a line and column.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The rule that found it.
    pub rule: Rule,
    /// The file it is in.
    pub path: PathBuf,
    /// The bytes it is about.
    pub span: Span,
    /// What is wrong, in a sentence.
    pub message: String,
    /// The fix, if the rule has one for this case.
    pub fix: Option<Fix>,
    /// A severity other than the rule's own, for this case.
    pub severity: Option<crate::diagnostic::Severity>,
}

/// Collects findings from the rules run on one model.
pub struct Checker<'a> {
    /// The run's settings (memory budget, trusted addresses...).
    pub settings: &'a Settings,
    rule: Rule,
    findings: Vec<Finding>,
}

impl<'a> Checker<'a> {
    /// A checker reporting findings of `rule` first.
    pub(crate) fn new(settings: &'a Settings, rule: Rule) -> Self {
        Checker { settings, rule, findings: Vec::new() }
    }

    /// Switch to the next rule.
    pub(crate) fn set_rule(&mut self, rule: Rule) {
        self.rule = rule;
    }

    /// Report a finding of the current rule.
    pub fn report(&mut self, path: &Path, span: Span, message: impl Into<String>, fix: Option<Fix>) {
        self.report_with_severity(path, span, message, fix, None);
    }

    /// Report a finding of the current rule at another severity than the
    /// rule's own (`None`: the rule's).
    pub fn report_with_severity(
        &mut self,
        path: &Path,
        span: Span,
        message: impl Into<String>,
        fix: Option<Fix>,
        severity: Option<crate::diagnostic::Severity>,
    ) {
        let finding =
            Finding { rule: self.rule, path: path.to_path_buf(), span, message: message.into(), fix, severity };
        self.findings.push(finding);
    }

    pub(crate) fn into_findings(self) -> Vec<Finding> {
        self.findings
    }
}
