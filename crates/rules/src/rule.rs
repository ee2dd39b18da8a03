//! The rule registry: every rule's metadata, and its documentation taken
//! from the doc comment on its declaration, which `conflint explain` prints.

use conflint_core::Model;

use crate::context::Checker;
use crate::diagnostic::Severity;

/// What a rule can do about its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixAvailability {
    /// Report only.
    None,
    /// Fixed by `--fix`.
    Safe,
    /// Fixed by `--fix --unsafe-fixes`.
    Unsafe,
    /// Safe or unsafe depending on the case.
    Sometimes,
}

impl FixAvailability {
    /// `no`, `safe`, `unsafe` or `safe/unsafe`, for listings.
    pub fn as_str(self) -> &'static str {
        match self {
            FixAvailability::None => "no",
            FixAvailability::Safe => "safe",
            FixAvailability::Unsafe => "unsafe",
            FixAvailability::Sometimes => "safe/unsafe",
        }
    }
}

/// A rule's identity and documentation.
#[derive(Debug)]
pub struct RuleMeta {
    /// `HT003`.
    pub code: &'static str,
    /// `default-vhost`.
    pub name: &'static str,
    /// Severity of its findings.
    pub severity: Severity,
    /// Whether it runs without being selected.
    pub default_on: bool,
    /// What its fixes can do.
    pub fix: FixAvailability,
    /// Markdown with "What it does / Why is this bad? / Example / Fix safety".
    pub doc: &'static str,
    /// The benchmark items and guidelines the rule implements
    /// (`CIS Apache 2.4 9.4`, `Mozilla TLS 6.0`): shown in `conflint rules
    /// --format json`, in JSON findings and as SARIF tags, so an auditor can
    /// map a finding to the item of their checklist.
    pub references: &'static [&'static str],
    /// Groups the rule belongs to (`cis`, `mozilla`, `tls`, `cis-strict`),
    /// for `conflint rules --tag`.
    pub tags: &'static [&'static str],
}

impl RuleMeta {
    /// Whether the rule carries `tag` (case-insensitive).
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t.eq_ignore_ascii_case(tag))
    }

    /// A stable link to the rule's documentation.
    pub fn help_uri(&self) -> String {
        format!("https://github.com/conflint/conflint/blob/main/docs/rules.md#{}", self.code.to_ascii_lowercase())
    }

    /// The documentation as Markdown (the doc comment without its leading space).
    pub fn documentation(&self) -> String {
        let lines: Vec<&str> = self.doc.lines().map(|l| l.strip_prefix(' ').unwrap_or(l)).collect();
        lines.join("\n").trim().to_string() + "\n"
    }

    /// The first paragraph of the "What it does" section: a one-line summary.
    pub fn summary(&self) -> String {
        self.doc
            .split("## What it does")
            .nth(1)
            .unwrap_or(self.doc)
            .trim()
            .split("\n\n")
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// What a rule does: `check` runs once per loaded target (a tree or a
/// lone file) and reports through the [`Checker`], which knows the rule.
pub trait Check: Sync {
    /// Report the findings of one model.
    fn check(&self, model: &Model, checker: &mut Checker<'_>);
}

/// Declare a rule's unit struct and its [`RuleMeta`], keeping the doc
/// comment as the rule's documentation.
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub struct $name:ident {
            code: $code:literal,
            name: $kebab:literal,
            severity: $severity:ident,
            default_on: $on:literal,
            fix: $fix:ident
            $(, references: [$($reference:literal),* $(,)?])?
            $(, tags: [$($tag:literal),* $(,)?])?
            $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Default, Clone, Copy)]
        pub(crate) struct $name;

        impl $name {
            /// The rule's identity, and its doc comment as documentation.
            pub(crate) const META: $crate::rule::RuleMeta = $crate::rule::RuleMeta {
                code: $code,
                name: $kebab,
                severity: $crate::diagnostic::Severity::$severity,
                default_on: $on,
                fix: $crate::rule::FixAvailability::$fix,
                doc: concat!($($doc, "\n"),*),
                references: &[$($($reference),*)?],
                tags: &[$($($tag),*)?],
            };
        }
    };
}
