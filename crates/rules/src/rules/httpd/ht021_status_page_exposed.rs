use conflint_core::Model;
use conflint_core::httpd::{HttpdTree, ItemId};

use super::edit;
use super::hardening::{Access, access, insert_first_in, is_22};
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds `SetHandler server-status`, `server-info` or
    /// `balancer-manager` in a section (usually `<Location>`) that lets
    /// anyone in: no `Require` restricting it (`Require local`, `ip`,
    /// `host`, a user), or `Require all granted` (2.2: `Allow from all`).
    /// A `<Location "/">` of the same server that restricts access counts
    /// as a restriction.
    ///
    /// ## Why is this bad?
    /// `/server-status` lists every request being served right now, with
    /// client addresses, virtual hosts and URLs (query strings with
    /// session tokens included); `/server-info` prints the whole
    /// configuration, `.htaccess` rules and module list; the
    /// `balancer-manager` page can take back ends out of a cluster. httpd's
    /// own examples (httpd-info.conf) restrict them to the local host.
    /// CIS Apache 2.4 2.4 and 2.8 ask to disable the modules; where they
    /// are needed for monitoring, they must not be public.
    ///
    /// ## Example
    /// ```apache
    /// <Location "/server-status">
    ///     SetHandler server-status
    ///     Require all granted
    /// </Location>
    /// ```
    /// Use instead:
    /// ```apache
    /// <Location "/server-status">
    ///     SetHandler server-status
    ///     Require local
    /// </Location>
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: a monitoring system that scrapes the page from another host
    /// loses it (allow it by address with `Require ip`). The fix turns
    /// `Require all granted` into `Require local`, or adds `Require local`
    /// (2.2: `Order deny,allow`, `Deny from all`, `Allow from 127.0.0.1
    /// ::1`) as the section's first line.
    pub struct StatusPageExposed {
        code: "HT021",
        name: "status-page-exposed",
        severity: Warning,
        default_on: true,
        fix: Unsafe,
        references: ["CIS Apache 2.4 2.4", "CIS Apache 2.4 2.8"],
        tags: ["cis", "hardening"],
    }
}

const HANDLERS: &[&str] = &["server-status", "server-info", "balancer-manager"];

impl Check for StatusPageExposed {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        // `<Location "/">` sections that restrict: per vhost, and in server context.
        let mut restricted_roots: Vec<Option<ItemId>> = Vec::new();
        for (id, item) in tree.items_with_ids() {
            let root = item.is_section
                && item.is("Location")
                && item.args.first().is_some_and(|a| a == "/")
                && matches!(access(tree, id), Access::Restricted | Access::Denied);
            if root {
                restricted_roots.push(tree.virtual_host_of(id));
            }
        }
        for id in tree.directives("SetHandler") {
            let handler = edit::first_arg_lower(tree, id);
            let Some(handler) = HANDLERS.iter().find(|h| **h == handler) else { continue };
            let Some(section) = tree.context(id) else { continue };
            let section_item = tree.item(section);
            if section_item.is("VirtualHost") {
                continue;
            }
            let vhost = tree.virtual_host_of(id);
            if restricted_roots.iter().any(|r| r.is_none() || *r == vhost) {
                continue;
            }
            let granted = access(tree, section);
            if !matches!(granted, Access::Everyone | Access::Unset) {
                continue;
            }
            let place = section_item.args.first().map_or(String::new(), |a| format!(" \"{a}\""));
            let why = match granted {
                Access::Everyone => "lets everyone in",
                _ => "has no access rule, so everyone gets in",
            };
            let message = format!(
                "the `{handler}` page in `<{}{place}>` {why}: it shows {} (CIS 2.4/2.8); restrict it with `Require local` or `Require ip`",
                section_item.name,
                what(handler)
            );
            // Point at `Require all granted` when it is the culprit (the fix rewrites it).
            let at = granted_line(tree, section).unwrap_or(id);
            checker.report(edit::path(tree, at), edit::directive_span(tree, at), message, fix(tree, section));
        }
    }
}

fn what(handler: &str) -> &'static str {
    match handler {
        "server-info" => "the whole configuration",
        "balancer-manager" => "the load balancer and lets visitors change it",
        _ => "every request being served, with client addresses and URLs",
    }
}

/// The section's own `Require all granted`.
fn granted_line(tree: &HttpdTree, section: ItemId) -> Option<ItemId> {
    tree.children(section).find(|c| {
        let item = tree.item(*c);
        item.is("Require")
            && item.args.len() == 2
            && item.args[0].eq_ignore_ascii_case("all")
            && item.args[1].eq_ignore_ascii_case("granted")
    })
}

/// `Require all granted` → `Require local`, or the local-only rule inserted first.
fn fix(tree: &HttpdTree, section: ItemId) -> Option<Fix> {
    let granted = granted_line(tree, section);
    if is_22(tree) {
        let has_22 = tree.children(section).any(|c| ["Order", "Allow", "Deny"].iter().any(|n| tree.item(c).is(n)));
        if has_22 || granted.is_some() {
            return None;
        }
        let edit = insert_first_in(tree, section, &["Order deny,allow", "Deny from all", "Allow from 127.0.0.1 ::1"])?;
        return Some(Fix::unsafe_(
            "allow only this machine (Order deny,allow / Deny from all / Allow from 127.0.0.1 ::1)",
            vec![edit],
        ));
    }
    let edit = match granted {
        Some(id) => super::hardening::replace_args(tree, id, "local")?,
        None => insert_first_in(tree, section, &["Require local"])?,
    };
    Some(Fix::unsafe_("allow only this machine (`Require local`); remote monitoring needs `Require ip`", vec![edit]))
}
