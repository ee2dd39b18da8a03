use conflint_core::Model;

use super::omnibus;
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds an `hsts_max_age` of 0 or less for GitLab's bundled NGINX
    /// (either spelling, and the registry, Pages and KAS sites). Omnibus's
    /// default is 63072000 (two years); its template sends no
    /// `Strict-Transport-Security` header at all when the value is 0 or
    /// less. Not reported when `external_url` is `http://` (GL021 is).
    ///
    /// ## Why is this bad?
    /// Without HSTS a browser that once visited over HTTPS will still try
    /// `http://` first when the user types the host name or follows an old
    /// link, which is the request a network attacker intercepts to strip
    /// TLS. The GitLab docs: "Setting max_age to 0 disables HSTS".
    ///
    /// ## Example
    /// ```ruby
    /// nginx['hsts_max_age'] = 0
    /// ```
    /// Use instead:
    /// ```ruby
    /// nginx['hsts_max_age'] = 63072000
    /// ```
    ///
    /// ## Fix safety
    /// None: HSTS is sticky. Browsers remember it for `max_age` seconds, so
    /// turning it on commits the host to HTTPS for that long; that is the
    /// owner's decision (start with a short max_age).
    pub struct HstsDisabled {
        code: "GL024",
        name: "hsts-disabled",
        severity: Warning,
        default_on: true,
        fix: None,
    }
}

impl Check for HstsDisabled {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Gitlab(tree) = model else { return };
        let (path, settings) = (tree.path.as_path(), tree.settings());
        let http = omnibus::external_url(&settings)
            .and_then(|(_, url)| omnibus::scheme_and_host(url))
            .is_some_and(|(scheme, _)| scheme == "http");
        if http {
            return;
        }
        let mut seen = Vec::new();
        for site in omnibus::NGINX_SITES {
            let Some(found) = omnibus::nginx(&settings, *site, "hsts_max_age") else { continue };
            let Some(age) = found.int().filter(|a| *a <= 0) else { continue };
            if seen.contains(&found.id) {
                continue;
            }
            seen.push(found.id);
            checker.report(
                path,
                found.value.span,
                format!(
                    "`{} = {age}` turns HSTS off: browsers keep trying http:// first, the request a network attacker intercepts to strip TLS",
                    found.name
                ),
                None,
            );
        }
    }
}
