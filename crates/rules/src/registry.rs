//! Every rule conflint has, in code order.

use crate::rule::{Rule, RuleMeta};
use crate::rules::{cl, gitlab, httpd, php};

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
    &php::ExposePhp,
    &php::DisplayErrors,
    &php::HashComment,
    &php::AmbiguousBoolean,
    &gitlab::WhitelistGap,
    &gitlab::BadEntry,
    &gitlab::AllowAll,
    &gitlab::ObsoleteSetting,
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

/// The whole catalog as Markdown: what `docs/rules.md` holds and what each
/// rule's `helpUri` points into.
pub fn catalog_markdown() -> String {
    let mut out = String::from(
        "# conflint rules\n\nGenerated from the rules' own documentation (`conflint explain CODE` prints the same text).\n\n| code | name | severity | default | fix |\n|---|---|---|---|---|\n",
    );
    for rule in RULES {
        let m = rule.meta();
        let on = if m.default_on { "on" } else { "off" };
        out.push_str(&format!(
            "| [{}](#{}) | {} | {} | {on} | {} |\n",
            m.code,
            m.code.to_ascii_lowercase(),
            m.name,
            m.severity.as_str(),
            m.fix.as_str()
        ));
    }
    for rule in RULES {
        let m = rule.meta();
        let doc = m.documentation().replace("\n## ", "\n### ");
        let doc = doc.strip_prefix("## ").map(|d| format!("### {d}")).unwrap_or(doc);
        out.push_str(&format!(
            "\n## {}\n\n`{}` · severity {} · {} by default · fix: {}\n\n{}",
            m.code,
            m.name,
            m.severity.as_str(),
            if m.default_on { "on" } else { "off" },
            m.fix.as_str(),
            doc
        ));
    }
    out
}
