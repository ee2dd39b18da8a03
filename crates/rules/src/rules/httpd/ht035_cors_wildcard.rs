use conflint_core::Model;

use super::edit;
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds `Header set Access-Control-Allow-Origin "*"` (also `always`,
    /// `add`, `append`, `merge`) in server or vhost context, where it
    /// applies to every response of the server or site, rather than in a
    /// `<Location>` or `<Directory>` for a public API or assets.
    ///
    /// ## Why is this bad?
    /// It lets every web page a visitor opens read your responses with
    /// `fetch()` from their browser. For a site on an internal network
    /// (an intranet, an admin interface reachable only from the office),
    /// that hands its content to any outside page an employee visits: the
    /// browser is inside the firewall. A site-wide wildcard is usually a
    /// copy-pasted fix for one endpoint.
    ///
    /// ## Example
    /// ```apache
    /// Header set Access-Control-Allow-Origin "*"
    /// ```
    /// Use instead:
    /// ```apache
    /// <Location "/api/public/">
    ///     Header set Access-Control-Allow-Origin "*"
    /// </Location>
    /// ```
    ///
    /// ## Fix safety
    /// No fix: which paths and origins need cross-origin access only the
    /// owner knows.
    pub struct CorsWildcard {
        code: "HT035",
        name: "cors-wildcard",
        severity: Warning,
        default_on: true,
        fix: None,
        tags: ["hardening"],
    }
}

impl Check for CorsWildcard {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        for id in tree.directives("Header") {
            if tree.context(id).is_some_and(|s| !tree.item(s).is("VirtualHost")) {
                continue;
            }
            let args: Vec<&str> = tree.item(id).args.iter().map(String::as_str).collect();
            let args = match args.split_first() {
                Some((first, rest))
                    if first.eq_ignore_ascii_case("always") || first.eq_ignore_ascii_case("onsuccess") =>
                {
                    rest
                }
                _ => &args[..],
            };
            let [action, header, value, ..] = args else { continue };
            let sets = ["set", "add", "append", "merge", "setifempty"].iter().any(|a| action.eq_ignore_ascii_case(a));
            if sets && header.eq_ignore_ascii_case("Access-Control-Allow-Origin") && value.trim() == "*" {
                let scope = if tree.context(id).is_some() { "this whole site" } else { "every site of the server" };
                checker.report(
                    edit::path(tree, id),
                    edit::directive_span(tree, id),
                    format!("`Access-Control-Allow-Origin: *` on {scope}: any web page a visitor opens can read these responses from their browser (intranet content included); set it only in the `<Location>` of what must be shared"),
                    None,
                );
            }
        }
    }
}
