use conflint_core::httpd::{ApacheVersion, HttpdTree, ItemId};

use super::edit;
use super::mpm::is_mpm_directive;
use conflint_core::Model;

use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds directives in a place httpd refuses at start-up, with httpd's
    /// own error text: `ServerTokens` or an MPM directive inside
    /// `<VirtualHost>` or `<Directory>`; `Require`, `Order`, `Allow` or
    /// `Deny` directly in `<VirtualHost>` or at server level (they belong in
    /// `<Directory>` or `<Location>`); `TraceEnable` inside `<Directory>`;
    /// and values httpd does not accept for `ServerTokens`,
    /// `ServerSignature` and `TraceEnable` (a fatal error in 2.4).
    ///
    /// ## Why is this bad?
    /// `apachectl -t` fails and httpd does not start (or, on reload, keeps
    /// the old configuration while you believe the new one is live). A
    /// catch-all vhost written with a bare `Require all denied` is the
    /// classic case.
    ///
    /// ## Example
    /// ```apache
    /// <VirtualHost *:80>
    ///     ServerName catchall.invalid
    ///     Require all denied
    /// </VirtualHost>
    /// ```
    /// Use instead:
    /// ```apache
    /// <VirtualHost *:80>
    ///     ServerName catchall.invalid
    ///     <Location "/">
    ///         Require all denied
    ///     </Location>
    /// </VirtualHost>
    /// ```
    ///
    /// ## Fix safety
    /// No fix: where the directive should go depends on what you meant.
    pub struct MisplacedDirective {
        code: "HT008",
        name: "misplaced-directive",
        severity: Error,
        default_on: true,
        fix: None,
    }
}

const SERVER_TOKENS: &[&str] = &["os", "min", "minimal", "major", "minor", "prod", "productonly", "full"];

impl Check for MisplacedDirective {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        let htaccess = tree.entry().path.file_name().is_some_and(|n| n == ".htaccess");
        for id in 0..tree.items.len() {
            let item = tree.item(id);
            if item.is_section {
                continue;
            }
            if let Some(message) = misplaced(tree, id, htaccess).or_else(|| bad_value(tree, id)) {
                checker.report(edit::path(tree, id), edit::directive_span(tree, id), message, None);
            }
        }
    }
}

/// httpd's context error for an item, if it is in a place httpd refuses.
fn misplaced(tree: &HttpdTree, id: ItemId, htaccess: bool) -> Option<String> {
    let item = tree.item(id);
    let name = &item.name;
    let context = tree.context(id).map(|c| tree.item(c));
    let global_only = item.is("ServerTokens") || is_mpm_directive(name);
    let directory_only = ["Require", "Order", "Allow", "Deny"].iter().any(|d| item.is(d));
    let registered = |n: &str| if item.is("Require") { "Require".to_string() } else { n.to_ascii_lowercase() };
    match context {
        None if htaccess && (global_only || item.is("TraceEnable")) => {
            Some(format!("{name} not allowed here (.htaccess)"))
        }
        None if directory_only && !htaccess => {
            Some(format!("{} not allowed here: put it in <Directory> or <Location>", registered(name)))
        }
        Some(section) if section.is("VirtualHost") && global_only => {
            Some(format!("{name} cannot occur within <VirtualHost> section"))
        }
        Some(section) if section.is("VirtualHost") && directory_only => Some(format!(
            "{} not allowed in <VirtualHost> context: put it in <Location \"/\"> or <Directory>",
            registered(name)
        )),
        Some(section) if !section.is("VirtualHost") && (global_only || item.is("TraceEnable")) => {
            Some(format!("{name} not allowed in <{}> context", section.name))
        }
        _ => None,
    }
}

/// httpd's error for a value it does not accept.
fn bad_value(tree: &HttpdTree, id: ItemId) -> Option<String> {
    let item = tree.item(id);
    let value = item.args.first().map(|v| v.to_ascii_lowercase()).unwrap_or_default();
    if item.is("ServerTokens") && !SERVER_TOKENS.contains(&value.as_str()) {
        return Some(match tree.version {
            ApacheVersion::V2_4 => {
                "ServerTokens takes 1 argument: 'Prod(uctOnly)', 'Major', 'Minor', 'Min(imal)', 'OS', or 'Full'"
                    .to_string()
            }
            ApacheVersion::V2_2 => format!(
                "ServerTokens `{}` is not a known level: httpd 2.2 silently uses Full",
                item.args.first().cloned().unwrap_or_default()
            ),
        });
    }
    if item.is("ServerSignature") && !["on", "off", "email"].contains(&value.as_str()) {
        return Some("ServerSignature: use one of: off | on | email".to_string());
    }
    if item.is("TraceEnable") && !["on", "off", "extended"].contains(&value.as_str()) {
        return Some("TraceEnable must be one of 'on', 'off', or 'extended'".to_string());
    }
    None
}
