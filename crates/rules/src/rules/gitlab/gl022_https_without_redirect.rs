use conflint_core::Model;

use super::omnibus;
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds an `https://` `external_url` whose bundled NGINX does not
    /// redirect plain HTTP: `redirect_http_to_https` is not true and Let's
    /// Encrypt, which would turn the redirect on, is off. Let's Encrypt
    /// counts as off when `letsencrypt['enable'] = false`, or when the file
    /// names its own certificate (`ssl_certificate`), since Omnibus only
    /// enables it by itself when no certificate is there. Skipped when NGINX
    /// is disabled or does not listen for HTTPS (`listen_https = false`: a
    /// load balancer terminates TLS and owns port 80). Both spellings of the
    /// NGINX keys count: `nginx['...']` and, from GitLab 19.2,
    /// `gitlab_rails['nginx']['...']`.
    ///
    /// ## Why is this bad?
    /// With an https URL and no redirect, NGINX does not listen on port 80
    /// at all: anyone who types the host name or follows an old `http://`
    /// link gets a connection error instead of GitLab, and learns to click
    /// through rather than to expect HTTPS.
    ///
    /// ## Example
    /// ```ruby
    /// external_url 'https://gitlab.example.com'
    /// letsencrypt['enable'] = false
    /// ```
    /// Use instead:
    /// ```ruby
    /// external_url 'https://gitlab.example.com'
    /// letsencrypt['enable'] = false
    /// nginx['redirect_http_to_https'] = true
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: the fix sets the key to `true` (or adds it, in the spelling
    /// the file already uses, else `nginx['...']`, which every release
    /// reads), so NGINX starts listening on port 80 (`redirect_http_to_https_port`).
    /// HTTPS traffic is unchanged, but if another service on the machine
    /// owns port 80, NGINX no longer starts.
    pub struct HttpsWithoutRedirect {
        code: "GL022",
        name: "https-without-redirect",
        severity: Warning,
        default_on: true,
        fix: Unsafe,
    }
}

impl Check for HttpsWithoutRedirect {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Gitlab(tree) = model else { return };
        let (path, file, settings) = (tree.path.as_path(), &tree.file, tree.settings());
        let Some((url_id, url)) = omnibus::external_url(&settings) else { return };
        if omnibus::scheme_and_host(url).is_none_or(|(scheme, _)| scheme != "https") {
            return;
        }
        // `https://host:8443`: a port mapping or a second service; whether
        // port 80 belongs to GitLab there is not for conflint to guess.
        if omnibus::explicit_port(url).is_some_and(|p| p != 443) {
            return;
        }
        let site = omnibus::NGINX_SITES[0];
        let off = |found: Option<omnibus::Found<'_>>| found.is_some_and(|f| f.bool() == Some(false));
        if off(omnibus::nginx(&settings, site, "enable")) || off(omnibus::nginx(&settings, site, "listen_https")) {
            return;
        }
        let redirect = omnibus::nginx(&settings, site, "redirect_http_to_https");
        if redirect.as_ref().is_some_and(omnibus::Found::truthy) {
            return;
        }
        // Set to something conflint cannot read (ENV[...]): not ours to judge.
        if redirect.is_none() && omnibus::nginx_is_set(&settings, site, "redirect_http_to_https") {
            return;
        }
        let letsencrypt_off =
            omnibus::literal(&settings, "letsencrypt", &["enable"]).is_some_and(|f| f.bool() == Some(false));
        let own_certificate = omnibus::nginx_is_set(&settings, site, "ssl_certificate");
        if !letsencrypt_off && !own_certificate {
            return;
        }
        let why = if letsencrypt_off {
            "Let's Encrypt is off"
        } else {
            "the certificate is your own, so Let's Encrypt stays off"
        };
        let (span, edit) = match &redirect {
            Some(found) => (found.value.span, Some(Edit::replace(path, found.value.span, "true"))),
            None => {
                let key = omnibus::rails_nginx_spelling(&settings, "redirect_http_to_https");
                let receiver = if key.starts_with("gitlab_rails") { "gitlab_rails" } else { "nginx" };
                let anchor = omnibus::anchor(&settings, receiver);
                let edit = anchor.and_then(|a| omnibus::insert_after(path, file, a, &format!("{key} = true")));
                let Some(url) = file.value(url_id) else { return };
                (url.span, edit)
            }
        };
        let fix = edit.map(|e| Fix::unsafe_("redirect port 80 to HTTPS (`redirect_http_to_https = true`)", vec![e]));
        checker.report(
            path,
            span,
            format!(
                "external_url is https and {why}, but `redirect_http_to_https` is not true: NGINX does not listen on port 80, so http:// links and typed host names fail instead of redirecting"
            ),
            fix,
        );
    }
}
