use conflint_core::Model;
use conflint_core::httpd::{HttpdTree, ItemId};

use super::edit;
use super::hardening::{open_tag_span, tls_vhosts, vhost_label};
use super::ht003_default_vhost::is_catch_all;
use super::tls::{HSTS_MIN_AGE, guideline};
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// For each TLS virtual host, finds that no `Header ... set
    /// Strict-Transport-Security` applies to it (in the vhost, or outside
    /// every vhost; only in a tree read from its entry file), or that the
    /// header's `max-age` is below the profile's two years (63072000 s, in
    /// every Mozilla profile). CIS Apache 2.4 7.11 asks for the header.
    ///
    /// ## Why is this bad?
    /// Without HSTS, a user who types the name or follows an `http://`
    /// link makes one plain-HTTP request first, which anyone on the network
    /// can answer instead of the site (SSL stripping). With it, the browser
    /// goes straight to HTTPS for `max-age` seconds. `Header set` without
    /// `always` skips error responses; Mozilla's line uses `always`.
    ///
    /// ## Example
    /// ```apache
    /// <VirtualHost *:443>
    ///     SSLEngine on
    /// </VirtualHost>
    /// ```
    /// Use instead:
    /// ```apache
    /// <VirtualHost *:443>
    ///     SSLEngine on
    ///     Header always set Strict-Transport-Security "max-age=63072000"
    /// </VirtualHost>
    /// ```
    ///
    /// ## Fix safety
    /// No fix, a suggestion only: browsers remember HSTS for `max-age`
    /// seconds, so a site (or, with `includeSubDomains`, any subdomain)
    /// that later needs plain HTTP or has a broken certificate becomes
    /// unreachable for its visitors for that long. Start with a short
    /// `max-age` and raise it once every name works over HTTPS.
    pub struct Hsts {
        code: "TL006",
        name: "hsts",
        severity: Info,
        default_on: true,
        fix: None,
        references: ["CIS Apache 2.4 7.11", "Mozilla TLS 6.0 intermediate"],
        tags: ["cis", "mozilla", "tls"],
    }
}

/// A `Header` line that sets HSTS: its item and `max-age`.
struct HstsHeader {
    item: ItemId,
    vhost: Option<ItemId>,
    max_age: Option<u64>,
}

impl Check for Hsts {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        let profile = guideline(checker.settings.tls.profile);
        let headers = hsts_headers(tree);
        let tls = tls_vhosts(tree);
        for header in &headers {
            let irrelevant = header.vhost.is_some_and(|v| !tls.iter().any(|t| t.item == v));
            let short = header.max_age.is_none_or(|age| age < HSTS_MIN_AGE);
            if irrelevant || !short {
                continue;
            }
            let age = header.max_age.map_or("no max-age".to_string(), |a| format!("max-age={a}"));
            checker.report(
                edit::path(tree, header.item),
                edit::directive_span(tree, header.item),
                format!("`Strict-Transport-Security` with {age}: below {profile}'s {HSTS_MIN_AGE} s (two years); raise it once every name of the site works over HTTPS (HSTS sticks in browsers)"),
                None,
            );
        }
        if !tree.is_entry {
            return;
        }
        for vhost in tls {
            // A catch-all that refuses every request (HT003) has no page to protect.
            if is_catch_all(tree, vhost) || headers.iter().any(|h| h.vhost.is_none() || h.vhost == Some(vhost.item)) {
                continue;
            }
            checker.report(
                &tree.file(vhost.file).path,
                open_tag_span(tree, vhost.item),
                format!("TLS vhost {} sends no `Strict-Transport-Security`: browsers may still try plain HTTP first (CIS 7.11; {profile}: `Header always set Strict-Transport-Security \"max-age={HSTS_MIN_AGE}\"`, after testing with a short max-age)", vhost_label(tree, vhost)),
                None,
            );
        }
    }
}

/// Every `Header [always] set|add|append|merge Strict-Transport-Security ...`.
fn hsts_headers(tree: &HttpdTree) -> Vec<HstsHeader> {
    let mut out = Vec::new();
    for id in tree.directives("Header") {
        let args: Vec<&str> = tree.item(id).args.iter().map(String::as_str).collect();
        let args = match args.split_first() {
            Some((first, rest)) if first.eq_ignore_ascii_case("always") || first.eq_ignore_ascii_case("onsuccess") => {
                rest
            }
            _ => &args[..],
        };
        let [action, header, value, ..] = args else { continue };
        let sets = ["set", "add", "append", "merge", "setifempty"].iter().any(|a| action.eq_ignore_ascii_case(a));
        if !sets || !header.eq_ignore_ascii_case("Strict-Transport-Security") {
            continue;
        }
        out.push(HstsHeader { item: id, vhost: tree.virtual_host_of(id), max_age: max_age(value) });
    }
    out
}

/// `max-age=63072000; includeSubDomains` → 63072000.
fn max_age(value: &str) -> Option<u64> {
    value.split(';').find_map(|part| {
        let (key, v) = part.split_once('=')?;
        key.trim().eq_ignore_ascii_case("max-age").then(|| v.trim().trim_matches('"').parse().ok()).flatten()
    })
}
