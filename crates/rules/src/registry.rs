//! Every rule conflint has, in code order.

use crate::rule::{Rule, RuleMeta};
use crate::rules::{cl, httpd};

static RULES: &[&dyn Rule] = &[
    &httpd::ServerTokens,
    &httpd::ServerSignature,
    &httpd::DefaultVhost,
    &httpd::MpmLimits,
    &httpd::MpmMemory,
    &httpd::DeprecatedDirective,
    &httpd::TraceEnable,
    &httpd::MisplacedDirective,
    &httpd::DeadFragmentRule,
    &cl::SyntaxError_,
    &cl::Unreadable,
    &cl::IncludeProblem,
    &cl::UnusedSuppression,
];

/// All rules, in code order.
pub fn all() -> &'static [&'static dyn Rule] {
    RULES
}

/// The metadata of a rule by exact code (case-insensitive).
pub fn find(code: &str) -> Option<&'static RuleMeta> {
    RULES.iter().map(|r| r.meta()).find(|m| m.code.eq_ignore_ascii_case(code))
}

/// The metadata of a code the program itself produces.
///
/// # Panics
/// Never for codes taken from a [`RuleMeta`]; only a typo in conflint itself.
pub(crate) fn meta(code: &str) -> &'static RuleMeta {
    find(code).unwrap_or(&crate::rules::cl::SyntaxError_::META)
}
