use conflint_core::Span;
use conflint_core::httpd::{AddressSet, ApacheVersion, Host, HttpdTree, ItemId, LineKind, Vhost};

use super::edit;
use conflint_core::Model;

use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// For each address:port that has virtual hosts, checks that the first
    /// vhost httpd sees (in include order) is a catch-all that refuses
    /// unknown `Host` names, not a real site. A catch-all denies everything:
    /// `Require all denied` (2.4) or `Order`/`Deny from all` (2.2) in
    /// `<Location "/">`, a `RewriteRule` answering 403/421/4xx, or
    /// `StrictHostCheck On` (2.4.49+).
    ///
    /// It also explains the two classic near-misses: a `*:80` catch-all
    /// that does not apply because IP-specific vhosts on the same port take
    /// precedence, and a 2.2 `_default_` vhost, which 2.2 never serves for a
    /// name-based address. Only entry-file trees are checked: a fragment
    /// cannot know which vhost comes first, and neither can a template.
    ///
    /// ## Why is this bad?
    /// httpd gives every request whose `Host` matches no `ServerName` or
    /// `ServerAlias` (and every request without `Host`) to the first vhost
    /// of the address. Scanners and floods use random names (`Host:
    /// 0jejhcec65c24dslii.com`); they land on your first real site, run its
    /// application, fill its logs, and can exhaust `MaxRequestWorkers`.
    /// Include order is byte order: `000-default.conf` < `A-site.conf` <
    /// `_catchall.conf` < `b-site.conf`.
    ///
    /// ## Example
    /// ```apache
    /// <VirtualHost *:80>
    ///     ServerName www.example.com
    /// </VirtualHost>
    /// ```
    /// Use instead:
    /// ```apache
    /// <VirtualHost *:80>
    ///     ServerName catchall.invalid
    ///     <Location "/">
    ///         Require expr "(-R '127.0.0.0/8' || -R '::1') && %{HTTP_HOST} =~ /^(localhost|127\.0\.0\.1|\[::1\])(:[0-9]+)?$/"
    ///     </Location>
    /// </VirtualHost>
    ///
    /// <VirtualHost *:80>
    ///     ServerName www.example.com
    /// </VirtualHost>
    /// ```
    ///
    /// ## Fix safety
    /// Always unsafe. The fix inserts that catch-all right before the first
    /// vhost, in the same file, with the same address list and the 2.2 or
    /// 2.4 form, and every catch-all changes what a request for a name no
    /// vhost lists gets: a load balancer's health check or a user that
    /// reaches the site by its IP address (`Host: 203.0.113.7`) is refused
    /// afterwards, and a vhost without `ServerName` is no longer reachable.
    /// Local clients keep working: requests from the machine itself for
    /// `localhost`, `127.0.0.1` or `[::1]` are still served (`apachectl
    /// status` fetches `http://localhost/server-status`). The help names the
    /// hosts that will be refused. For an SSL address the catch-all reuses
    /// the first vhost's certificate directives, which non-SNI clients will
    /// then see.
    pub struct DefaultVhost {
        code: "HT003",
        name: "default-vhost",
        severity: Warning,
        default_on: true,
        fix: Unsafe,
    }
}

impl Check for DefaultVhost {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        // Which vhost comes first in a template depends on the data it is
        // rendered with.
        if !tree.is_entry || tree.is_template() || strict_host_check(tree) {
            return;
        }
        let table = &tree.vhosts;
        let mut reported = Vec::new();
        for set in &table.addresses {
            let Some(&first) = set.vhosts.first() else { continue };
            let vhost = &table.vhosts[first];
            if reported.contains(&first) || is_catch_all(tree, vhost) {
                continue;
            }
            reported.push(first);
            let sets: Vec<&AddressSet> = table.addresses.iter().filter(|s| s.vhosts.first() == Some(&first)).collect();
            let addresses = sets.iter().map(|s| s.address.display()).collect::<Vec<_>>().join(", ");
            let name = match &vhost.server_name {
                Some(name) => format!("`{name}`"),
                None => "a vhost without ServerName".to_string(),
            };
            let mut message = format!(
                "{name} is the first vhost for {addresses}: requests with an unknown Host (e.g. `Host: 0jejhcec65c24dslii.com`) are served by it; put a catch-all that refuses them first"
            );
            message.push_str(&near_misses(tree, &sets));
            let span = open_tag_span(tree, vhost.item);
            let fix = catch_all_fix(tree, vhost, &sets);
            checker.report(&tree.file(vhost.file).path, span, message, fix);
        }
    }
}

/// `StrictHostCheck On` in server context makes every default vhost answer
/// 400 to unknown names (2.4.49+).
fn strict_host_check(tree: &HttpdTree) -> bool {
    tree.version == ApacheVersion::V2_4
        && tree.effective_server("StrictHostCheck").is_some_and(|id| edit::first_arg_lower(tree, id) == "on")
}

/// Why an existing catch-all elsewhere does not help.
fn near_misses(tree: &HttpdTree, sets: &[&AddressSet]) -> String {
    let table = &tree.vhosts;
    let mut notes = String::new();
    for set in sets {
        let port = set.address.port;
        let catch_all_on = |host: Host| {
            table.addresses.iter().find(|s| {
                s.address.host == host
                    && s.address.port == port
                    && s.vhosts.first().is_some_and(|v| is_catch_all(tree, &table.vhosts[*v]))
            })
        };
        if matches!(set.address.host, Host::Ip(_) | Host::Name(_)) {
            if let Some(wild) = catch_all_on(Host::Any) {
                notes.push_str(&format!(
                    " (the catch-all on {} does not apply: requests to {} only consider vhosts declared for that address)",
                    wild.address.display(),
                    set.address.display()
                ));
            }
        }
        if tree.version == ApacheVersion::V2_2 && set.address.host == Host::Any {
            if let Some(default) = catch_all_on(Host::Default) {
                notes.push_str(&format!(
                    " (the `{}` vhost is no catch-all here: httpd 2.2 never serves `_default_` for a name-based address)",
                    default.address.display()
                ));
            }
        }
    }
    notes
}

/// The `<VirtualHost ...>` tag of a vhost.
fn open_tag_span(tree: &HttpdTree, item: ItemId) -> Span {
    let i = tree.item(item);
    match &tree.file(i.file).syntax.lines[i.line].kind {
        LineKind::Open(open) => Span::new(open.name.start.saturating_sub(1), open.args_span.end + 1),
        _ => tree.item_line_span(item),
    }
}

/// Whether a vhost refuses every request.
pub(crate) fn is_catch_all(tree: &HttpdTree, vhost: &Vhost) -> bool {
    tree.descendants(vhost.item).any(|id| {
        let item = tree.item(id);
        let args: Vec<String> = item.args.iter().map(|a| a.to_ascii_lowercase()).collect();
        let in_root_location = || tree.context(id).is_some_and(|ctx| covers_everything(tree, ctx));
        if item.is("Require") {
            // `Require all denied`, or an expression that only lets named
            // local requests through (the form the fix writes).
            let by_host = args.first().is_some_and(|a| a == "expr") && args.iter().any(|a| a.contains("http_host"));
            (args == ["all", "denied"] || by_host) && in_root_location()
        } else if item.is("Deny") {
            args == ["from", "all"] && in_root_location()
        } else if item.is("RewriteRule") {
            args.last().is_some_and(|flags| refusing_rewrite_flags(flags))
        } else if item.is("StrictHostCheck") {
            args.first().is_some_and(|v| v == "on")
        } else if item.is("Redirect") || item.is("RedirectMatch") {
            refusing_redirect(&args)
        } else {
            false
        }
    })
}

/// `<Location "/">`, or a `<LocationMatch>` that matches every path.
fn covers_everything(tree: &HttpdTree, section: ItemId) -> bool {
    let item = tree.item(section);
    let arg = item.args.first().map_or("", String::as_str);
    if item.is("Location") {
        arg == "/"
    } else if item.is("LocationMatch") {
        matches!(arg, "^/" | "/" | ".*" | "^" | "^/.*" | "^/.*$" | "^.*$" | "^(.*)$")
    } else {
        false
    }
}

/// `[F]`, `[G]`, `[R=403]`, `[R=421,L]`...: a rule that answers with an error.
pub(super) fn refusing_rewrite_flags(flags: &str) -> bool {
    let Some(inner) = flags.strip_prefix('[').and_then(|f| f.strip_suffix(']')) else { return false };
    inner.split(',').map(str::trim).any(|flag| {
        matches!(flag, "f" | "forbidden" | "g" | "gone")
            || flag
                .strip_prefix("r=")
                .or_else(|| flag.strip_prefix("redirect="))
                .and_then(|code| code.parse::<u16>().ok())
                .is_some_and(|code| (400..500).contains(&code))
    })
}

/// `Redirect 403 /`, `Redirect gone /`.
fn refusing_redirect(args: &[String]) -> bool {
    match args {
        [status, path, ..] => {
            let refusing = status == "gone" || status.parse::<u16>().is_ok_and(|c| (400..500).contains(&c));
            refusing && path == "/"
        }
        _ => false,
    }
}

/// Insert a catch-all before the first vhost.
fn catch_all_fix(tree: &HttpdTree, vhost: &Vhost, sets: &[&AddressSet]) -> Option<Fix> {
    let item = tree.item(vhost.item);
    let syntax = &tree.file(item.file).syntax;
    let line = &syntax.lines[item.line];
    let LineKind::Open(open) = &line.kind else { return None };
    let eol = edit::eol(tree, item.file);
    let indent = edit::indentation(tree, vhost.item);
    let unit = indent_unit(tree, vhost.item, &indent);
    let addresses = syntax.text(open.args_span).trim().to_string();
    let tag = syntax.text(open.name).into_owned();
    let mut lines = Vec::new();
    if tree.version == ApacheVersion::V2_2 {
        for set in sets {
            let declared = tree.directives("NameVirtualHost").any(|id| {
                tree.item(id)
                    .args
                    .iter()
                    .any(|a| conflint_core::httpd::Address::parse(a, tree.version).as_ref() == Some(&set.address))
            });
            if !declared {
                lines.push(format!("{indent}NameVirtualHost {}", set.address.display()));
            }
        }
    }
    lines.push(format!("{indent}<{tag} {addresses}>"));
    lines.push(format!("{indent}{unit}ServerName catchall.invalid"));
    if vhost.ssl {
        // The same TLS setup: a port made TLS by `Listen ... https` has no
        // `SSLEngine on` to copy, only certificates.
        let tls = ["SSLEngine", "SSLCertificateFile", "SSLCertificateKeyFile", "SSLCertificateChainFile"];
        for directive in tls {
            if let Some(id) = tree.section_value(vhost.item, directive).filter(|id| !tree.item(*id).from_macro) {
                lines.push(format!("{indent}{unit}{}", syntax_text_of(tree, id)));
            }
        }
    }
    let deny = deny_lines(tree)?;
    lines.extend(deny.lines.iter().map(|(depth, text)| format!("{indent}{}{text}", unit.repeat(*depth))));
    lines.push(format!("{indent}</{tag}>"));
    lines.push(String::new());
    let text = lines.join(eol) + eol;
    let edit = Edit::insert(&tree.file(item.file).path, line.span.start, text);
    let mut message = format!(
        "insert a catch-all vhost (ServerName catchall.invalid) before it; it refuses every Host no vhost on {} names (the server's IP address, as load-balancer health checks and users typing the address send it, included){}",
        sets.iter().map(|s| s.address.display()).collect::<Vec<_>>().join(", "),
        if deny.local_exempt {
            "; requests from this machine for localhost, 127.0.0.1 or [::1] (apachectl status) are still served"
        } else {
            "; this form also refuses requests for localhost, so `apachectl status` stops working"
        }
    );
    let unnamed = sets.iter().any(|s| s.vhosts.iter().any(|v| tree.vhosts.vhosts[*v].server_name.is_none()));
    if unnamed {
        message.push_str("; a vhost without ServerName is then no longer reachable");
    }
    if vhost.ssl {
        message.push_str("; it reuses this vhost's certificate, which clients without SNI will see");
    }
    Some(Fix::unsafe_(message, vec![edit]))
}

/// What makes the catch-all refuse requests.
struct Deny {
    /// Lines with their depth inside the vhost.
    lines: Vec<(usize, &'static str)>,
    /// Whether local requests for the local names are still served.
    local_exempt: bool,
}

/// Requests from the machine itself, for one of its local names: what
/// `apachectl status` sends (`http://localhost/server-status`).
const LOCAL_EXPR: &str = r#"Require expr "(-R '127.0.0.0/8' || -R '::1') && %{HTTP_HOST} =~ /^(localhost|127\.0\.0\.1|\[::1\])(:[0-9]+)?$/""#;

/// The lines that make the catch-all refuse every other request, in a form
/// the tree's modules support: `Require expr` needs mod_authz_core (2.4),
/// `Order`/`Deny`/`Allow` mod_authz_host (2.2); failing those, mod_rewrite,
/// then mod_alias or (2.4.49+) core's `StrictHostCheck`, which cannot
/// spare local requests.
fn deny_lines(tree: &HttpdTree) -> Option<Deny> {
    let has = |module: &str| tree.may_have_module(module);
    let location = |inner: &[&'static str]| {
        let mut lines = vec![(1, "<Location \"/\">")];
        lines.extend(inner.iter().map(|l| (2, *l)));
        lines.push((1, "</Location>"));
        lines
    };
    let local_rewrite = |rule: &'static str| {
        vec![
            (1, "RewriteEngine On"),
            (1, "RewriteCond %{REMOTE_ADDR} !^(127\\.|::1$) [OR]"),
            (1, "RewriteCond %{HTTP_HOST} !^(localhost|127\\.0\\.0\\.1|\\[::1\\])(:[0-9]+)?$"),
            (1, rule),
        ]
    };
    let exempt = |lines| Some(Deny { lines, local_exempt: true });
    let plain = |lines| Some(Deny { lines, local_exempt: false });
    match tree.version {
        ApacheVersion::V2_4 if has("mod_authz_core.c") => exempt(location(&[LOCAL_EXPR])),
        ApacheVersion::V2_2 if has("mod_authz_host.c") => {
            exempt(location(&["Order deny,allow", "Deny from all", "Allow from 127.0.0.0/8 ::1"]))
        }
        ApacheVersion::V2_4 if has("mod_rewrite.c") => exempt(local_rewrite("RewriteRule ^ - [R=421,L]")),
        ApacheVersion::V2_2 if has("mod_rewrite.c") => exempt(local_rewrite("RewriteRule ^ - [F]")),
        _ if has("mod_alias.c") => plain(vec![(1, "Redirect gone /")]),
        ApacheVersion::V2_4 => plain(vec![(1, "StrictHostCheck On")]),
        ApacheVersion::V2_2 => None,
    }
}

/// The text of a directive as written (continuations joined, trimmed).
fn syntax_text_of(tree: &HttpdTree, item: ItemId) -> String {
    let i = tree.item(item);
    let syntax = &tree.file(i.file).syntax;
    syntax.text(syntax.lines[i.line].text).trim().to_string()
}

/// One level of indentation as the vhost's body uses it: the difference
/// between its first child's indentation and its own; four spaces if unknown.
fn indent_unit(tree: &HttpdTree, vhost: ItemId, indent: &str) -> String {
    let child = tree.descendants(vhost).next();
    if let Some(child) = child {
        let inner = edit::indentation(tree, child);
        if let Some(unit) = inner.strip_prefix(indent) {
            if !unit.is_empty() {
                return unit.to_string();
            }
        }
    }
    if indent.contains('\t') { "\t".to_string() } else { "    ".to_string() }
}
