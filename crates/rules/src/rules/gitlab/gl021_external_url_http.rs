use conflint_core::Model;

use super::omnibus;
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds an `external_url` that starts with `http://`. A URL whose host
    /// is this machine (`localhost`, `127.0.0.1`, `[::1]`) is left alone.
    ///
    /// ## Why is this bad?
    /// GitLab then serves everything in clear text: passwords, session
    /// cookies, personal access tokens and the credentials git sends with
    /// every HTTP push and fetch. The HTTPS documentation is blunt: "By
    /// default, HTTPS is not enabled". Let's Encrypt is only switched on
    /// automatically for an `https://` URL. Behind a load balancer that
    /// terminates TLS, the URL users see is still `https://` (set
    /// `nginx['listen_https'] = false` instead of writing `http://`).
    ///
    /// ## Example
    /// ```ruby
    /// external_url 'http://gitlab.example.com'
    /// ```
    /// Use instead:
    /// ```ruby
    /// external_url 'https://gitlab.example.com'
    /// ```
    ///
    /// ## Fix safety
    /// None: HTTPS needs a certificate (or Let's Encrypt, which needs DNS
    /// and port 80 reachable from the internet), which conflint cannot
    /// provide.
    pub struct ExternalUrlHttp {
        code: "GL021",
        name: "external-url-http",
        severity: Warning,
        default_on: true,
        fix: None,
    }
}

impl Check for ExternalUrlHttp {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Gitlab(tree) = model else { return };
        let (path, file, settings) = (tree.path.as_path(), &tree.file, tree.settings());
        let Some((id, url)) = omnibus::external_url(&settings) else { return };
        let Some((scheme, host)) = omnibus::scheme_and_host(url) else { return };
        if scheme != "http" || omnibus::is_loopback_host(&host) {
            return;
        }
        let Some(value) = file.value(id) else { return };
        checker.report(
            path,
            value.span,
            "`external_url` is http://: passwords, session cookies, tokens and git credentials cross the network in clear text; use https:// (Let's Encrypt turns on by itself for an https URL)",
            None,
        );
    }
}
