use conflint_core::httpd::{ApacheVersion, HttpdTree, ItemId};

use super::edit;
use crate::context::{Checker, Unit};
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// In a 2.4 tree, finds directives 2.4 keeps only for compatibility:
    /// `MaxClients` (now `MaxRequestWorkers`), `MaxRequestsPerChild` (now
    /// `MaxConnectionsPerChild`), `NameVirtualHost` (no effect since 2.3.11),
    /// and the `Order`/`Allow`/`Deny` access control of mod_access_compat.
    ///
    /// ## Why is this bad?
    /// The old names log only at INFO level and will go away; readers (and
    /// tools) look for the new names. `NameVirtualHost` suggests a 2.2
    /// setup that 2.4 no longer has. `Order`/`Allow`/`Deny` mixed with
    /// `Require` gives surprising results and needs mod_access_compat.
    ///
    /// ## Example
    /// ```apache
    /// MaxClients 150
    /// NameVirtualHost *:80
    /// Order allow,deny
    /// Allow from all
    /// ```
    /// Use instead:
    /// ```apache
    /// MaxRequestWorkers 150
    /// Require all granted
    /// ```
    ///
    /// ## Fix safety
    /// Safe for the renames and for deleting `NameVirtualHost`: 2.4 treats
    /// them identically. No fix for `Order`/`Allow`/`Deny`: the message
    /// gives the `Require` equivalent, but the combination must be
    /// rewritten by hand.
    pub struct DeprecatedDirective {
        code: "HT006",
        name: "deprecated-directive",
        severity: Warning,
        default_on: true,
        fix: Safe,
    }
}

impl Rule for DeprecatedDirective {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, unit: &Unit<'_>, checker: &mut Checker<'_>) {
        let Unit::Httpd(tree) = unit else { return };
        if tree.version != ApacheVersion::V2_4 {
            return;
        }
        for id in 0..tree.items.len() {
            let item = tree.item(id);
            if item.is_section {
                continue;
            }
            let name = item.name.to_ascii_lowercase();
            match name.as_str() {
                "maxclients" => rename(tree, checker, id, "MaxClients", "MaxRequestWorkers"),
                "maxrequestsperchild" => rename(tree, checker, id, "MaxRequestsPerChild", "MaxConnectionsPerChild"),
                "namevirtualhost" => {
                    let fix = edit::delete_line(tree, id).map(|e| Fix::safe("delete the line", vec![e]));
                    checker.report(
                        edit::path(tree, id),
                        edit::directive_span(tree, id),
                        "`NameVirtualHost` has no effect in 2.4 (name-based hosting is automatic) and will be removed",
                        fix,
                    );
                }
                "order" | "allow" | "deny" => {
                    let advice = require_equivalent(&name, &item.args);
                    checker.report(
                        edit::path(tree, id),
                        edit::directive_span(tree, id),
                        format!("`{}` is 2.2 access control (mod_access_compat); {advice}", item.name),
                        None,
                    );
                }
                _ => {}
            }
        }
    }
}

fn rename(tree: &HttpdTree, checker: &mut Checker<'_>, id: ItemId, old: &str, new: &str) {
    let fix = edit::rename(tree, id, new).map(|e| Fix::safe(format!("rename to `{new}`"), vec![e]));
    let span = edit::directive(tree, id).map(|d| d.name).unwrap_or_else(|| tree.item_line_span(id));
    checker.report(edit::path(tree, id), span, format!("`{old}` is the pre-2.4 name of `{new}`"), fix);
}

/// What to write instead, in 2.4's `Require` terms (upgrading.html).
fn require_equivalent(name: &str, args: &[String]) -> String {
    let rest: Vec<&str> = args.iter().map(String::as_str).skip_while(|a| a.eq_ignore_ascii_case("from")).collect();
    let who = rest.join(" ");
    let all = rest.len() == 1 && rest[0].eq_ignore_ascii_case("all");
    let ip_like = |s: &str| s.chars().all(|c| c.is_ascii_hexdigit() || ".:/".contains(c));
    match name {
        "allow" if all => "use `Require all granted`".to_string(),
        "deny" if all => "use `Require all denied`".to_string(),
        "allow" if rest.iter().all(|a| ip_like(a)) => format!("use `Require ip {who}`"),
        "allow" => format!("use `Require host {who}` (or `Require ip`)"),
        "deny" => format!("use `<RequireAll>` with `Require all granted` and `Require not ip {who}`"),
        _ => "express the policy with `Require` (`Require all granted`, `Require ip ...`)".to_string(),
    }
}
