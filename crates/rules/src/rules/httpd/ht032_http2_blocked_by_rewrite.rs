use conflint_core::Model;
use conflint_core::httpd::{HttpdTree, ItemId};

use super::edit;
use super::hardening::PerServer;
use super::ht003_default_vhost::refusing_rewrite_flags;
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds the CIS Apache 2.4 5.9 "old protocol" rewrite,
    /// `RewriteCond %{THE_REQUEST} !HTTP/1\.1$` followed by a `RewriteRule`
    /// that refuses (`[F]`, `[G]`, `[R=4xx]`), in a server or vhost where
    /// HTTP/2 is on (`Protocols h2 ...` or `h2c`, with mod_http2 possibly
    /// loaded).
    ///
    /// ## Why is this bad?
    /// mod_http2 builds `THE_REQUEST` of an HTTP/2 request as `GET /path
    /// HTTP/2.0` (h2_request.c), so the condition matches every HTTP/2
    /// request and the rule answers 403. Browsers use HTTP/2 whenever the
    /// server offers it: the whole site is refused to them, while `curl`
    /// over HTTP/1.1 works and hides the outage.
    ///
    /// ## Example
    /// ```apache
    /// Protocols h2 http/1.1
    /// RewriteEngine On
    /// RewriteCond %{THE_REQUEST} !HTTP/1\.1$
    /// RewriteRule .* - [F]
    /// ```
    /// Use instead:
    /// ```apache
    /// RewriteCond %{THE_REQUEST} !HTTP/(1\.1|2\.0)$
    /// ```
    ///
    /// ## Fix safety
    /// Safe: the pattern is widened to also let `HTTP/2.0` through, so
    /// HTTP/2 requests are served again and HTTP/1.0 and 0.9 requests are
    /// still refused, as the benchmark intends.
    pub struct Http2BlockedByRewrite {
        code: "HT032",
        name: "http2-blocked-by-rewrite",
        severity: Error,
        default_on: true,
        fix: Safe,
        references: ["CIS Apache 2.4 5.9"],
        tags: ["cis", "hardening"],
    }
}

impl Check for Http2BlockedByRewrite {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        if !tree.may_have_module("http2_module") {
            return;
        }
        let protocols = PerServer::of(tree, "Protocols");
        let h2 = |id: Option<ItemId>| {
            id.is_some_and(|id| {
                tree.item(id).args.iter().any(|p| p.eq_ignore_ascii_case("h2") || p.eq_ignore_ascii_case("h2c"))
            })
        };
        let any_vhost_h2 = tree.vhosts.vhosts.iter().any(|v| h2(protocols.effective(v.item)));
        let rules: Vec<ItemId> = tree.directives("RewriteRule").collect();
        for id in tree.directives("RewriteCond") {
            let args = &tree.item(id).args;
            let (Some(test), Some(pattern)) = (args.first(), args.get(1)) else { continue };
            if !test.eq_ignore_ascii_case("%{THE_REQUEST}") {
                continue;
            }
            let Some(widened) = widen(pattern) else { continue };
            let on = match tree.virtual_host_of(id) {
                Some(v) => h2(protocols.effective(v)),
                None => h2(protocols.server()) || any_vhost_h2,
            };
            if !on || !refused(tree, id, &rules) {
                continue;
            }
            let fix = edit::replace_arg(tree, id, 1, &widened)
                .map(|e| Fix::safe(format!("let HTTP/2 through: `{widened}`"), vec![e]));
            checker.report(
                edit::path(tree, id),
                edit::arg_span(tree, id, 1),
                format!("`{pattern}` refuses every HTTP/2 request: mod_http2 sets THE_REQUEST to `... HTTP/2.0`, and HTTP/2 is on here (`Protocols h2`); browsers get 403"),
                fix,
            );
        }
    }
}

/// The next `RewriteRule` after the condition, in the same section, refuses.
fn refused(tree: &HttpdTree, cond: ItemId, rules: &[ItemId]) -> bool {
    let context = tree.context(cond);
    rules
        .iter()
        .find(|r| **r > cond && tree.context(**r) == context)
        .and_then(|r| tree.item(*r).args.last())
        .is_some_and(|flags| refusing_rewrite_flags(&flags.to_ascii_lowercase()))
}

/// `!HTTP/1\.1$` → `!HTTP/(1\.1|2\.0)$` (and `!HTTP/1.1$` → `!HTTP/(1.1|2.0)$`);
/// `None` for any other pattern.
fn widen(pattern: &str) -> Option<String> {
    let body = pattern.strip_prefix('!')?;
    for (old, new) in [("HTTP/1\\.1$", "HTTP/(1\\.1|2\\.0)$"), ("HTTP/1.1$", "HTTP/(1.1|2.0)$")] {
        if let Some(prefix) = body.strip_suffix(old) {
            if prefix.contains('2') {
                return None;
            }
            return Some(format!("!{prefix}{new}"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::widen;

    #[test]
    fn widens_only_the_cis_pattern() {
        assert_eq!(widen("!HTTP/1\\.1$").as_deref(), Some("!HTTP/(1\\.1|2\\.0)$"));
        assert_eq!(widen("!HTTP/1.1$").as_deref(), Some("!HTTP/(1.1|2.0)$"));
        assert_eq!(widen("!^[A-Z]+ /.* HTTP/1\\.1$").as_deref(), Some("!^[A-Z]+ /.* HTTP/(1\\.1|2\\.0)$"));
        assert_eq!(widen("HTTP/1\\.1$"), None);
        assert_eq!(widen("!HTTP/(1\\.1|2\\.0)$"), None);
    }
}
