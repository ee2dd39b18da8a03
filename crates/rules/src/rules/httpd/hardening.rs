//! What the hardening (HT020+) and TLS (TL) rules share: the effective
//! value of a per-server directive for the main server and each vhost, who
//! a section lets in, and edits that rewrite a directive's arguments.
//!
//! Every helper reads the tree once per call (one pass over the items, or
//! over one section's descendants), so a rule stays linear in the size of
//! the tree.

use std::collections::HashMap;

use conflint_core::Span;
use conflint_core::httpd::{ApacheVersion, HttpdTree, ItemId, LineKind, Vhost};

use super::edit;
use crate::diagnostic::Edit;

/// A directive httpd reads per server: the main server's value is the last
/// one in server context (read in full before vhosts are merged), a vhost's
/// own value overrides it.
pub(super) struct PerServer {
    server: Option<ItemId>,
    own: HashMap<ItemId, ItemId>,
}

impl PerServer {
    /// One pass over the directives named `name`. Occurrences inside
    /// `<Directory>` and the like are not per-server and are left out.
    pub(super) fn of(tree: &HttpdTree, name: &str) -> PerServer {
        let mut server = None;
        let mut own = HashMap::new();
        for id in tree.directives(name) {
            match tree.context(id) {
                None => server = Some(id),
                Some(section) if tree.item(section).is("VirtualHost") => {
                    own.insert(section, id);
                }
                Some(_) => {}
            }
        }
        PerServer { server, own }
    }

    /// The main server's directive.
    pub(super) fn server(&self) -> Option<ItemId> {
        self.server
    }

    /// The vhost's own directive.
    pub(super) fn own(&self, vhost: ItemId) -> Option<ItemId> {
        self.own.get(&vhost).copied()
    }

    /// What decides the value for a vhost: its own directive, else the main server's.
    pub(super) fn effective(&self, vhost: ItemId) -> Option<ItemId> {
        self.own(vhost).or(self.server)
    }
}

/// A vhost as a message names it: `www.example.com (sites-enabled/x.conf:3)`.
pub(super) fn vhost_label(tree: &HttpdTree, vhost: &Vhost) -> String {
    let name = vhost.server_name.clone().unwrap_or_else(|| "a vhost without ServerName".to_string());
    let path = &tree.file(vhost.file).path;
    let path = path.strip_prefix(".").unwrap_or(path);
    format!("`{name}` ({}:{})", path.display(), vhost.line)
}

/// The vhosts that speak TLS: `SSLEngine on` or a certificate in the vhost,
/// or `SSLEngine on` in server context that the vhost does not turn off
/// (mod_ssl merges the main server's setting into every vhost).
pub(super) fn tls_vhosts(tree: &HttpdTree) -> Vec<&Vhost> {
    let engine = PerServer::of(tree, "SSLEngine");
    let on = |id: Option<ItemId>| id.is_some_and(|id| edit::first_arg_lower(tree, id) == "on");
    tree.vhosts
        .vhosts
        .iter()
        .filter(|v| v.ssl || (engine.own(v.item).is_none() && on(engine.server()) && !is_off(tree, engine.own(v.item))))
        .collect()
}

fn is_off(tree: &HttpdTree, id: Option<ItemId>) -> bool {
    id.is_some_and(|id| edit::first_arg_lower(tree, id) == "off")
}

/// Who a section (`<Location>`, `<Proxy>`, `<Directory>`) lets in, from the
/// access directives directly in it (through conditionals and the
/// `<RequireAny>`/`<RequireAll>`/`<Limit>` containers, not through nested
/// `<Directory>`/`<Files>`/`<If>` sections).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Access {
    /// No access directive: the section inherits (and without an
    /// enclosing rule, everyone gets in).
    Unset,
    /// `Require all granted` (at the top, where lines combine as "any"),
    /// or 2.2 `Allow from all`.
    Everyone,
    /// Some restriction: `Require local/ip/host/valid-user/...`, 2.2
    /// `Allow from` a list.
    Restricted,
    /// `Require all denied`, or 2.2 `Deny from all` with no `Allow`.
    Denied,
}

/// Sections that only group access rules.
fn is_authz_container(name: &str) -> bool {
    ["RequireAny", "RequireAll", "RequireNone", "Limit", "LimitExcept"].iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// Whether `id` belongs to `section` itself: only conditionals and access
/// containers stand between them. `top` is set when no container does.
fn belongs_to(tree: &HttpdTree, section: ItemId, id: ItemId) -> Option<bool> {
    let mut top = true;
    for a in tree.ancestors(id) {
        if a == section {
            return Some(top);
        }
        let item = tree.item(a);
        if item.is_conditional() {
            continue;
        }
        if is_authz_container(&item.name) {
            top = false;
            continue;
        }
        return None;
    }
    None
}

/// The access a section grants (see [`Access`]).
pub(super) fn access(tree: &HttpdTree, section: ItemId) -> Access {
    let mut everyone = false;
    let mut restricted = false;
    let mut denied = false;
    let mut allow_22: Option<bool> = None;
    let mut deny_all_22 = false;
    for id in tree.descendants(section) {
        let item = tree.item(id);
        if item.is_section {
            continue;
        }
        let Some(top) = belongs_to(tree, section, id) else { continue };
        let args: Vec<String> = item.args.iter().map(|a| a.to_ascii_lowercase()).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        if item.is("Require") {
            match args.as_slice() {
                ["all", "granted"] if top => everyone = true,
                ["all", "granted"] => {}
                ["all", "denied"] => denied = true,
                _ => restricted = true,
            }
        } else if item.is("Allow") {
            let all = args.iter().skip_while(|a| **a == "from").any(|a| *a == "all");
            allow_22 = Some(allow_22.unwrap_or(false) || all);
        } else if item.is("Deny") && args.iter().skip_while(|a| **a == "from").any(|a| *a == "all") {
            deny_all_22 = true;
        } else if item.is("AuthType") || item.is("AuthName") {
            // Authentication alone restricts only with a `Require`, but
            // counts as a decision about access.
        }
    }
    if everyone {
        Access::Everyone
    } else if restricted {
        Access::Restricted
    } else if denied {
        Access::Denied
    } else {
        match (allow_22, deny_all_22) {
            (Some(true), _) => Access::Everyone,
            (Some(false), _) => Access::Restricted,
            (None, true) => Access::Denied,
            (None, false) => Access::Unset,
        }
    }
}

/// Replace every argument of a directive with `text` (written as is).
pub(super) fn replace_args(tree: &HttpdTree, item: ItemId, text: &str) -> Option<Edit> {
    let d = edit::directive(tree, item)?;
    let (first, last) = (d.args.first()?, d.args.last()?);
    Some(Edit::replace(edit::path(tree, item), Span::new(first.span.start, last.span.end), text))
}

/// Delete argument `index` of a directive with the blank before it (or,
/// for the first argument, the blank after it).
pub(super) fn delete_arg(tree: &HttpdTree, item: ItemId, index: usize) -> Option<Edit> {
    let d = edit::directive(tree, item)?;
    let arg = d.args.get(index)?;
    let span = if index > 0 {
        Span::new(d.args[index - 1].span.end, arg.span.end)
    } else {
        Span::new(arg.span.start, d.args.get(1).map_or(arg.span.end, |next| next.span.start))
    };
    Some(Edit::replace(edit::path(tree, item), span, ""))
}

/// Insert `lines` as the first lines inside a section, indented one level
/// deeper than the section's tag (as its first child is, when it has one).
pub(super) fn insert_first_in(tree: &HttpdTree, section: ItemId, lines: &[&str]) -> Option<Edit> {
    let item = tree.item(section);
    if item.from_macro {
        return None;
    }
    let syntax = &tree.file(item.file).syntax;
    let open = &syntax.lines[item.line];
    if !matches!(open.kind, LineKind::Open(_)) || open.span.end == open.text.end {
        return None;
    }
    let eol = edit::eol(tree, item.file);
    let own = edit::indentation(tree, section);
    let indent = match tree.descendants(section).next().filter(|c| tree.item(*c).file == item.file) {
        Some(child) => edit::indentation(tree, child),
        None => format!("{own}    "),
    };
    let text: String = lines.iter().map(|line| format!("{indent}{line}{eol}")).collect();
    Some(Edit::insert(edit::path(tree, section), open.span.end, text))
}

/// Where a vhost's TLS settings go: after its `SSLEngine` line, else after
/// its certificate, else as its first line.
pub(super) fn insert_tls_line(tree: &HttpdTree, vhost: ItemId, line: &str) -> Option<Edit> {
    let anchor = tree
        .section_value(vhost, "SSLEngine")
        .or_else(|| tree.section_value(vhost, "SSLCertificateFile"))
        .filter(|id| tree.context(*id) == Some(vhost) && tree.item(*id).parent == Some(vhost));
    match anchor {
        Some(id) => edit::insert_after(tree, id, line),
        None => insert_first_in(tree, vhost, &[line]),
    }
}

/// The `<VirtualHost ...>` tag of a vhost, for pointing at it.
pub(super) fn open_tag_span(tree: &HttpdTree, item: ItemId) -> Span {
    let i = tree.item(item);
    match &tree.file(i.file).syntax.lines[i.line].kind {
        LineKind::Open(open) if !i.from_macro => Span::new(open.name.start.saturating_sub(1), open.args_span.end + 1),
        _ => tree.item_line_span(item),
    }
}

/// A number argument (`Timeout 300`); `None` when it is not one.
pub(super) fn number(tree: &HttpdTree, item: ItemId) -> Option<u64> {
    tree.item(item).args.first()?.trim().parse().ok()
}

/// Whether a tree is for 2.2 (detected or configured).
pub(super) fn is_22(tree: &HttpdTree) -> bool {
    tree.version == ApacheVersion::V2_2
}

/// The line a finding about a missing setting points at: the start of the entry file.
pub(super) fn entry_start() -> Span {
    Span::empty(0)
}
