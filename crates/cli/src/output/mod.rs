//! Printing results: human (rustc/ruff style), JSON, SARIF and GitHub
//! workflow commands.

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use conflint_core::Span;
use conflint_rules::{Applicability, Diagnostic};

/// What a run found and did, ready to print.
#[derive(Debug, Default)]
pub struct Report {
    /// What remains to report, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// Files checked.
    pub files: usize,
    /// Findings resolved by fixes.
    pub fixed: usize,
    /// `--fix` was given (changes the summary).
    pub fixing: bool,
    /// Byte ranges holding secrets, per file: masked in snippets.
    pub secrets: HashMap<PathBuf, Vec<Span>>,
    /// The servers' own checks the fixed files passed (`apache2 -t`).
    pub verified: Vec<String>,
}

impl Report {
    /// How many findings have a fix of this applicability.
    pub fn count_fixable(&self, applicability: Applicability) -> usize {
        self.diagnostics.iter().filter(|d| d.fix.as_ref().is_some_and(|f| f.applicability == applicability)).count()
    }

    /// `Found 4 problems (3 fixable with --fix, 1 with --unsafe-fixes).`
    pub fn summary(&self) -> String {
        let n = self.diagnostics.len();
        if self.files == 0 && n == 0 {
            // Never "All checks passed!" for a run that checked nothing.
            return "No configuration file was checked.".to_string();
        }
        let problems = |n: usize| if n == 1 { "1 problem".to_string() } else { format!("{n} problems") };
        if self.fixing {
            if self.fixed == 0 && n == 0 {
                return "All checks passed!".to_string();
            }
            let unsafe_ = self.count_fixable(Applicability::Unsafe);
            let hint = if unsafe_ > 0 { format!(", {unsafe_} fixable with --unsafe-fixes") } else { String::new() };
            let verified = if self.verified.is_empty() {
                String::new()
            } else {
                format!(" Verified with {}.", self.verified.join(", "))
            };
            return format!(
                "Found {} ({} fixed, {n} remaining{hint}).{verified}",
                problems(n + self.fixed),
                self.fixed
            );
        }
        if n == 0 {
            return "All checks passed!".to_string();
        }
        let safe = self.count_fixable(Applicability::Safe);
        let unsafe_ = self.count_fixable(Applicability::Unsafe);
        match (safe, unsafe_) {
            (0, 0) => format!("Found {}.", problems(n)),
            (s, 0) => format!("Found {} ({s} fixable with --fix).", problems(n)),
            (0, u) => format!("Found {} ({u} fixable with --fix --unsafe-fixes).", problems(n)),
            (s, u) => format!("Found {} ({s} fixable with --fix, {u} with --unsafe-fixes).", problems(n)),
        }
    }
}

/// A path as shown to users: as given or found, without a leading `./`,
/// quoted and escaped when it holds control characters or bytes that are
/// not UTF-8 (so a crafted file name cannot forge output lines).
pub fn display_path(path: &Path) -> String {
    let path = path.strip_prefix("./").unwrap_or(path);
    conflint_core::text::quoted_path(path)
}

/// A path for JSON: exact when it is UTF-8 (JSON escapes what it must),
/// else in its quoted form, so two files never share a name.
pub fn json_path(path: &Path) -> String {
    let path = path.strip_prefix("./").unwrap_or(path);
    match path.to_str() {
        Some(text) => text.to_string(),
        None => conflint_core::text::quoted_path(path),
    }
}
