use conflint_core::Span;

use super::edit;
use crate::context::{Checker, Unit};
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Finds an httpd tree whose effective `ServerTokens` is not `Prod`
    /// (`ProductOnly`). Without the directive httpd uses `Full`.
    ///
    /// Only the tree of an entry file (`httpd.conf`, `apache2.conf`) is
    /// checked: a fragment checked on its own cannot know what the rest of
    /// the tree sets later.
    ///
    /// ## Why is this bad?
    /// Every response carries the `Server` header. With `Full` (the
    /// default) it reads `Server: Apache/2.4.41 (Amazon) OpenSSL/1.0.2k-fips
    /// PHP/7.3.10`: the exact versions an attacker needs to pick an exploit,
    /// and the first line of many security audit reports. `Header unset
    /// Server` cannot remove it; only `ServerTokens` shortens it.
    ///
    /// ## Example
    /// ```apache
    /// ServerTokens OS
    /// ```
    /// Use instead:
    /// ```apache
    /// ServerTokens Prod
    /// ```
    ///
    /// ## Fix safety
    /// Safe: every `ServerTokens` in server context is set to `Prod`, or
    /// `ServerTokens Prod` is added at the top level of the entry file.
    /// Only the `Server` header and error-page signatures change.
    pub struct ServerTokens {
        code: "HT001",
        name: "server-tokens",
        severity: Warning,
        default_on: true,
        fix: Safe,
    }
}

/// What `Server:` says for each level (core.c `set_banner`).
pub fn banner(level: &str) -> &'static str {
    match level.to_ascii_lowercase().as_str() {
        "major" => "Apache/2",
        "minor" => "Apache/2.4",
        "min" | "minimal" => "Apache/2.4.x",
        "os" => "Apache/2.4.x (Debian)",
        "prod" | "productonly" => "Apache",
        _ => "Apache/2.4.x (Debian) OpenSSL/3.x PHP/8.x",
    }
}

fn is_prod(value: &str) -> bool {
    value.eq_ignore_ascii_case("prod") || value.eq_ignore_ascii_case("productonly")
}

impl Rule for ServerTokens {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, unit: &Unit<'_>, checker: &mut Checker<'_>) {
        let Unit::Httpd(tree) = unit else { return };
        if !tree.is_entry {
            return;
        }
        let all: Vec<_> = tree.server_directives("ServerTokens").collect();
        match all.last() {
            None => {
                let fix = Fix::safe(
                    "add `ServerTokens Prod` at the top level",
                    vec![edit::insert_top_level(tree, "ServerTokens Prod")],
                );
                checker.report(
                    &tree.entry().path,
                    Span::empty(0),
                    format!("`ServerTokens` is not set, so httpd uses `Full`: `Server: {}`", banner("full")),
                    Some(fix),
                );
            }
            Some(&last) => {
                let value = tree.item(last).args.first().cloned().unwrap_or_default();
                if is_prod(&value) {
                    return;
                }
                let edits = all
                    .iter()
                    .filter(|id| !tree.item(**id).args.first().is_some_and(|v| is_prod(v)))
                    .filter_map(|id| edit::replace_arg(tree, *id, 0, "Prod"))
                    .collect();
                checker.report(
                    edit::path(tree, last),
                    edit::arg_span(tree, last, 0),
                    format!("`ServerTokens {value}` sends `Server: {}`; use `Prod`", banner(&value)),
                    Some(Fix::safe("set `ServerTokens Prod`", edits)),
                );
            }
        }
    }
}
