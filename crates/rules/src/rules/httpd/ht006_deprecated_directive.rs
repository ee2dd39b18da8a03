use conflint_core::httpd::{ApacheVersion, HttpdTree, ItemId};

use super::edit;
use conflint_core::Model;

use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::Check;

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
    /// `Order`/`Allow`/`Deny` inside a branch written for 2.2
    /// (`<IfModule !mod_authz_core.c>`, `<IfVersion < 2.4>`) of a file
    /// checked alone are not reported: 2.4 never reads that branch.
    ///
    /// ## Fix safety
    /// The renames and deleting `NameVirtualHost` change nothing on 2.4, but
    /// 2.2 refuses to start on `MaxRequestWorkers` and turns name-based
    /// hosting off without `NameVirtualHost`. So the fix is safe only when
    /// the tree is known to be for 2.4 (a 2.4-only directive such as
    /// `Require all`, `IncludeOptional` or `Mutex` in it, `--apache-version
    /// 2.4`, or `[httpd] version`); otherwise it is unsafe. No fix for
    /// `Order`/`Allow`/`Deny`: the message gives the `Require` equivalent,
    /// but the combination must be rewritten by hand.
    pub struct DeprecatedDirective {
        code: "HT006",
        name: "deprecated-directive",
        severity: Warning,
        default_on: true,
        fix: Sometimes,
    }
}

impl Check for DeprecatedDirective {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        if tree.version != ApacheVersion::V2_4 {
            return;
        }
        for (id, item) in tree.items_with_ids() {
            // A branch written for 2.2 (`<IfModule !mod_authz_core.c>` in
            // an application's .htaccess) is never read by 2.4.
            if item.is_section || tree.version_branch(id) == Some(ApacheVersion::V2_2) {
                continue;
            }
            let name = item.name.to_ascii_lowercase();
            match name.as_str() {
                "maxclients" => rename(tree, checker, id, "MaxClients", "MaxRequestWorkers"),
                "maxrequestsperchild" => rename(tree, checker, id, "MaxRequestsPerChild", "MaxConnectionsPerChild"),
                "namevirtualhost" => {
                    let fix = edit::delete_line(tree, id).map(|e| version_dependent(tree, "delete the line", e));
                    checker.report(
                        edit::path(tree, id),
                        edit::directive_span(tree, id),
                        format!(
                            "`NameVirtualHost` has no effect in 2.4 (name-based hosting is automatic) and will be removed{}",
                            unknown_note(tree)
                        ),
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
    let fix = edit::rename(tree, id, new).map(|e| version_dependent(tree, &format!("rename to `{new}`"), e));
    let span = edit::directive(tree, id).map_or_else(|| tree.item_line_span(id), |d| d.name);
    let message = format!("`{old}` is the pre-2.4 name of `{new}`{}", unknown_note(tree));
    checker.report(edit::path(tree, id), span, message, fix);
}

/// 2.2 refuses `MaxRequestWorkers` and needs `NameVirtualHost`: the fix is
/// safe only when the tree is known to be for 2.4.
fn version_dependent(tree: &HttpdTree, message: &str, edit: Edit) -> Fix {
    if tree.version_known() {
        Fix::safe(message, vec![edit])
    } else {
        Fix::unsafe_(format!("{message} (only if this tree is for 2.4: 2.2 needs the old form)"), vec![edit])
    }
}

/// Said when the finding holds only if the tree is for 2.4.
fn unknown_note(tree: &HttpdTree) -> &'static str {
    if tree.version_known() {
        ""
    } else {
        " (if this tree is for 2.4: nothing in it says which version it is for; --apache-version tells)"
    }
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
