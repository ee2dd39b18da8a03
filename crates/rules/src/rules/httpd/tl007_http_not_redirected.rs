use conflint_core::Model;
use conflint_core::httpd::{HttpdTree, ItemId, Port, Vhost};

use super::hardening::{open_tag_span, tls_vhosts, vhost_label};
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds a plain-HTTP virtual host that serves content for a name that
    /// a TLS virtual host also serves: it has no `Redirect`,
    /// `RedirectMatch` or `RewriteRule` to an `https://` URL (and no such
    /// redirect applies from outside every vhost). CIS Apache 2.4 7.9 wants
    /// all content over HTTPS.
    ///
    /// ## Why is this bad?
    /// The same site is then reachable without encryption: links,
    /// bookmarks and typed names keep users on plain HTTP, where cookies
    /// without `Secure` and every page can be read and changed on the way.
    ///
    /// ## Example
    /// ```apache
    /// <VirtualHost *:80>
    ///     ServerName www.example.com
    ///     DocumentRoot /var/www/example
    /// </VirtualHost>
    /// ```
    /// Use instead (Mozilla's port-80 vhost, keeping the ACME challenge
    /// path open for certificate renewal):
    /// ```apache
    /// <VirtualHost *:80>
    ///     ServerName www.example.com
    ///     RewriteEngine On
    ///     RewriteCond %{REQUEST_URI} !^/\.well-known/acme-challenge/
    ///     RewriteRule ^(.*)$ https://%{HTTP_HOST}$1 [R=301,L]
    /// </VirtualHost>
    /// ```
    ///
    /// ## Fix safety
    /// No fix, a suggestion only: what the HTTP vhost must keep serving
    /// (the ACME challenge, a health check, an API for old clients) only
    /// the owner knows.
    pub struct HttpNotRedirected {
        code: "TL007",
        name: "http-not-redirected",
        severity: Warning,
        default_on: true,
        fix: None,
        references: ["CIS Apache 2.4 7.9", "Mozilla TLS 6.0 intermediate"],
        tags: ["cis", "mozilla", "tls"],
    }
}

impl Check for HttpNotRedirected {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        let tls = tls_vhosts(tree);
        if tls.is_empty() || redirects_outside_vhosts(tree) {
            return;
        }
        for vhost in &tree.vhosts.vhosts {
            // Only the port-80 vhost of the site: other plain ports are
            // usually back ends behind a TLS-terminating proxy (Plesk's 7080).
            let port_80 = vhost.addresses.iter().any(|a| matches!(a.port, Port::Number(80) | Port::Any));
            if tls.iter().any(|t| t.item == vhost.item) || vhost.server_name.is_none() || !port_80 {
                continue;
            }
            let Some(secure) = tls.iter().find(|t| shares_a_name(vhost, t)) else { continue };
            if redirects(tree, vhost.item) {
                continue;
            }
            checker.report(
                &tree.file(vhost.file).path,
                open_tag_span(tree, vhost.item),
                format!(
                    "plain-HTTP vhost {} serves content that TLS vhost {} also serves: redirect it to HTTPS, keeping `/.well-known/acme-challenge/` open (`RewriteCond %{{REQUEST_URI}} !^/\\.well-known/acme-challenge/` + `RewriteRule ^(.*)$ https://%{{HTTP_HOST}}$1 [R=301,L]`) (CIS 7.9)",
                    vhost_label(tree, vhost),
                    vhost_label(tree, secure)
                ),
                None,
            );
        }
    }
}

/// The public names of a vhost: `localhost` and its kin are for local
/// clients, where plain HTTP is no exposure.
fn names(vhost: &Vhost) -> impl Iterator<Item = String> + '_ {
    vhost
        .server_name
        .iter()
        .chain(&vhost.aliases)
        .map(|n| n.to_ascii_lowercase())
        .filter(|n| n != "localhost" && !n.ends_with(".localhost") && !n.starts_with("127.") && n != "::1")
}

fn shares_a_name(a: &Vhost, b: &Vhost) -> bool {
    let theirs: Vec<String> = names(b).collect();
    names(a).any(|n| theirs.contains(&n))
}

/// A redirect to `https://` among these items.
fn is_https_redirect(tree: &HttpdTree, id: ItemId) -> bool {
    let item = tree.item(id);
    let redirect =
        ["Redirect", "RedirectMatch", "RedirectPermanent", "RedirectTemp", "RewriteRule"].iter().any(|n| item.is(n));
    redirect && item.args.iter().any(|a| a.to_ascii_lowercase().contains("https://"))
}

fn redirects(tree: &HttpdTree, vhost: ItemId) -> bool {
    tree.descendants(vhost).any(|id| is_https_redirect(tree, id))
}

fn redirects_outside_vhosts(tree: &HttpdTree) -> bool {
    tree.item_ids().any(|id| is_https_redirect(tree, id) && tree.virtual_host_of(id).is_none())
}
