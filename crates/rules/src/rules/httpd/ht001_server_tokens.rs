use super::server_setting::ServerSetting;
use crate::context::{Checker, Unit};
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Finds an httpd tree whose effective `ServerTokens` is not `Prod`
    /// (`ProductOnly`). Without the directive httpd uses `Full`.
    ///
    /// Only the tree of an entry file (`httpd.conf`, `apache2.conf`) is
    /// checked: a fragment checked on its own cannot know what the rest of
    /// the tree sets later.
    ///
    /// ## Why is this bad?
    /// Every response carries the `Server` header. With `Full` (the
    /// default) it reads `Server: Apache/2.4.41 (Amazon) OpenSSL/1.0.2k-fips
    /// PHP/7.3.10`: the exact versions an attacker needs to pick an exploit,
    /// and the first line of many security audit reports. `Header unset
    /// Server` cannot remove it; only `ServerTokens` shortens it.
    ///
    /// ## Example
    /// ```apache
    /// ServerTokens OS
    /// ```
    /// Use instead:
    /// ```apache
    /// ServerTokens Prod
    /// ```
    ///
    /// ## Fix safety
    /// Safe: every `ServerTokens` in server context is set to `Prod`, or
    /// `ServerTokens Prod` is added at the top level of the entry file.
    /// Only the `Server` header and error-page signatures change.
    pub struct ServerTokens {
        code: "HT001",
        name: "server-tokens",
        severity: Warning,
        default_on: true,
        fix: Safe,
    }
}

/// What `Server:` says for each level (core.c `set_banner`).
pub fn banner(level: &str) -> &'static str {
    match level.to_ascii_lowercase().as_str() {
        "major" => "Apache/2",
        "minor" => "Apache/2.4",
        "min" | "minimal" => "Apache/2.4.x",
        "os" => "Apache/2.4.x (Debian)",
        "prod" | "productonly" => "Apache",
        _ => "Apache/2.4.x (Debian) OpenSSL/3.x PHP/8.x",
    }
}

fn is_prod(value: &str) -> bool {
    value.eq_ignore_ascii_case("prod") || value.eq_ignore_ascii_case("productonly")
}

impl Rule for ServerTokens {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, unit: &Unit<'_>, checker: &mut Checker<'_>) {
        let Unit::Httpd(tree) = unit else { return };
        let missing = format!("`ServerTokens` is not set, so httpd uses `Full`: `Server: {}`", banner("full"));
        let setting = ServerSetting {
            name: "ServerTokens",
            value: "Prod",
            good: &is_prod,
            missing: &missing,
            wrong: &|value| format!("`ServerTokens {value}` sends `Server: {}`; use `Prod`", banner(value)),
        };
        setting.check(tree, checker);
    }
}
