use super::server_setting::ServerSetting;
use conflint_core::Model;

use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

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

/// What `Server:` shows at each level (core.c `set_banner`), in words: no
/// version is invented, the tree does not say which one runs.
pub(super) fn banner(level: &str) -> &'static str {
    match level.to_ascii_lowercase().as_str() {
        "major" => "the major version (`Apache/2`)",
        "minor" => "the minor version (`Apache/2.4`)",
        "min" | "minimal" => "the full version (`Apache/<version>`)",
        "os" => "the full version and the OS (`Apache/<version> (<OS>)`)",
        "prod" | "productonly" => "only `Apache`",
        _ => {
            "the full version, the OS and every module that adds itself (`Apache/<version> (<OS>) OpenSSL/<version> PHP/<version>`)"
        }
    }
}

fn is_prod(value: &str) -> bool {
    value.eq_ignore_ascii_case("prod") || value.eq_ignore_ascii_case("productonly")
}

impl Check for ServerTokens {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        let missing =
            format!("`ServerTokens` is not set, so httpd uses `Full`: the `Server` header shows {}", banner("full"));
        let setting = ServerSetting {
            name: "ServerTokens",
            value: "Prod",
            good: &is_prod,
            missing: &missing,
            wrong: &|value| {
                format!(
                    "`ServerTokens {}`: the `Server` header shows {}; use `Prod`",
                    conflint_core::text::escape_control(value),
                    banner(value)
                )
            },
        };
        setting.check(tree, checker);
    }
}
