use conflint_core::Model;
use conflint_core::gitlab::{Quote, ValueKind, string_literal};

use super::omnibus;
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds an `ssl_protocols` of GitLab's bundled NGINX that enables
    /// `SSLv2`, `SSLv3`, `TLSv1` or `TLSv1.1`, for GitLab itself
    /// (`nginx['ssl_protocols']`, from 19.2 `gitlab_rails['nginx']['ssl_protocols']`),
    /// the registry (`registry_nginx` / `registry['nginx']`), Pages
    /// (`pages_nginx` / `gitlab_pages['nginx']`) and KAS (`gitlab_kas_nginx`
    /// / `gitlab_kas['nginx']`).
    ///
    /// ## Why is this bad?
    /// SSLv3 is broken (POODLE), and TLS 1.0 and 1.1 were deprecated by RFC
    /// 8996 in 2021; browsers refuse them since 2020. Leaving them on only
    /// helps a downgrade attacker and fails every compliance scan. Omnibus's
    /// own default is `TLSv1.2 TLSv1.3`.
    ///
    /// ## Example
    /// ```ruby
    /// nginx['ssl_protocols'] = "TLSv1 TLSv1.1 TLSv1.2"
    /// ```
    /// Use instead:
    /// ```ruby
    /// nginx['ssl_protocols'] = "TLSv1.2 TLSv1.3"
    /// ```
    ///
    /// ## Fix safety
    /// Safe: the value becomes Omnibus's default, `TLSv1.2 TLSv1.3`, which
    /// every browser and git client of the last decade speaks; only clients
    /// stuck on the broken protocols lose access, which is what the finding
    /// is about.
    pub struct NginxWeakTls {
        code: "GL023",
        name: "nginx-weak-tls",
        severity: Warning,
        default_on: true,
        fix: Safe,
    }
}

/// Omnibus's default (nginx_helper.rb).
const DEFAULT: &str = "TLSv1.2 TLSv1.3";
const WEAK: &[&str] = &["SSLv2", "SSLv3", "TLSv1", "TLSv1.1"];

impl Check for NginxWeakTls {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Gitlab(tree) = model else { return };
        let (path, file, settings) = (tree.path.as_path(), &tree.file, tree.settings());
        let mut seen = Vec::new();
        for site in omnibus::NGINX_SITES {
            let Some(found) = omnibus::nginx(&settings, *site, "ssl_protocols") else { continue };
            let Some(text) = found.string(file) else { continue };
            let weak: Vec<&str> = text.split_whitespace().filter(|p| WEAK.contains(p)).collect();
            if weak.is_empty() || seen.contains(&found.id) {
                continue;
            }
            seen.push(found.id);
            let quote = match found.value.kind {
                ValueKind::Str { quote, .. } => quote,
                _ => Quote::Double,
            };
            let fix = Fix::safe(
                format!("use Omnibus's default `{DEFAULT}`"),
                vec![Edit::replace(path, found.value.span, string_literal(quote, DEFAULT))],
            );
            checker.report(
                path,
                found.value.span,
                format!(
                    "`{}` enables {}: broken or deprecated protocols (RFC 8996) that only help a downgrade attacker",
                    found.name,
                    weak.join(", ")
                ),
                Some(fix),
            );
        }
    }
}
