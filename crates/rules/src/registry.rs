//! Every rule conflint has, in code order: the typed identity ([`Rule`])
//! that findings carry, generated from one list. Adding a rule means adding
//! its file and one line here.

use conflint_core::Model;

use crate::context::Checker;
use crate::rule::{Check, RuleMeta};
use crate::rules::{cl, gitlab, httpd, php, postfix, template};

macro_rules! rules {
    ($($code:ident => $check:path,)*) => {
        /// A rule's identity. Findings carry it; policy compares it (never
        /// a code string).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule {
            $(
                #[doc = concat!("`", stringify!($code), "`")]
                $code,
            )*
        }

        impl Rule {
            /// Every rule, in code order.
            pub const ALL: &'static [Rule] = &[$(Rule::$code,)*];

            /// Its metadata and documentation.
            pub fn meta(self) -> &'static RuleMeta {
                match self {
                    $(Rule::$code => &<$check>::META,)*
                }
            }

            /// Run its check on a model.
            pub(crate) fn check(self, model: &Model, checker: &mut Checker<'_>) {
                match self {
                    $(Rule::$code => Check::check(&$check, model, checker),)*
                }
            }
        }
    };
}

rules! {
    HT001 => httpd::ServerTokens,
    HT002 => httpd::ServerSignature,
    HT003 => httpd::DefaultVhost,
    HT004 => httpd::MpmLimits,
    HT005 => httpd::MpmMemory,
    HT006 => httpd::DeprecatedDirective,
    HT007 => httpd::TraceEnable,
    HT008 => httpd::MisplacedDirective,
    HT009 => httpd::DeadFragmentRule,
    HT010 => httpd::UnknownDirective,
    HT011 => httpd::DirectiveArguments,
    HT012 => httpd::InvalidValue,
    HT020 => httpd::OpenForwardProxy,
    HT021 => httpd::StatusPageExposed,
    HT022 => httpd::RiskyModule,
    HT023 => httpd::StatusAutoindexModule,
    HT024 => httpd::OptionsTooBroad,
    HT025 => httpd::RootNotDenied,
    HT026 => httpd::RootAllowOverride,
    HT027 => httpd::HtaccessFilesServed,
    HT028 => httpd::RequestReadTimeout,
    HT029 => httpd::Timeout,
    HT030 => httpd::KeepAlive,
    HT031 => httpd::CisStrictLimits,
    HT032 => httpd::Http2BlockedByRewrite,
    HT033 => httpd::PhpSettingIgnored,
    HT034 => httpd::FileEtagInode,
    HT035 => httpd::CorsWildcard,
    HT040 => template::TemplateSectionSplit,
    TL001 => httpd::LegacyTlsProtocol,
    TL002 => httpd::WeakCipher,
    TL003 => httpd::TlsCompression,
    TL004 => httpd::InsecureRenegotiation,
    TL005 => httpd::SessionTickets,
    TL006 => httpd::Hsts,
    TL007 => httpd::HttpNotRedirected,
    PH001 => php::ExposePhp,
    PH002 => php::DisplayErrors,
    PH003 => php::HashComment,
    PH004 => php::AmbiguousBoolean,
    PH005 => php::UnknownDirective,
    PH006 => php::RemovedDirective,
    PH007 => php::NoLongerAvailable,
    PH008 => php::DeprecatedDirective,
    PH009 => php::InvalidValue,
    PH020 => php::AllowUrlInclude,
    PH021 => php::AllowUrlFopen,
    PH022 => php::EnableDl,
    PH023 => php::SessionCookieHttponly,
    PH024 => php::SessionStrictMode,
    PH025 => php::SessionUrlIds,
    PH026 => php::SessionSamesiteNone,
    PH027 => php::SessionCookieSecure,
    PH028 => php::DisplayStartupErrors,
    PH029 => php::ErrorsNotLogged,
    PH030 => php::CgiFixPathinfo,
    PH031 => php::ShellFunctions,
    PH032 => php::PostMaxSize,
    PH033 => php::MemoryLimit,
    PH034 => php::ExceptionIgnoreArgs,
    PH040 => template::UnquotedPlaceholder,
    GL001 => gitlab::WhitelistGap,
    GL002 => gitlab::BadEntry,
    GL003 => gitlab::AllowAll,
    GL004 => gitlab::ObsoleteSetting,
    GL005 => gitlab::UnknownKey,
    GL006 => gitlab::DeprecatedSetting,
    GL007 => gitlab::QuotedBoolean,
    GL008 => gitlab::QuotedNumber,
    GL020 => gitlab::BanCannotWork,
    GL021 => gitlab::ExternalUrlHttp,
    GL022 => gitlab::HttpsWithoutRedirect,
    GL023 => gitlab::NginxWeakTls,
    GL024 => gitlab::HstsDisabled,
    GL025 => gitlab::MonitoringWhitelistOpen,
    GL026 => gitlab::PostgresqlExposed,
    GL027 => gitlab::RedisExposed,
    GL028 => gitlab::ExporterAllInterfaces,
    GL029 => gitlab::TrustedProxiesMismatch,
    GL030 => gitlab::RealIpHeaderDefault,
    GL031 => gitlab::ProxyProtocolUntrusted,
    GL032 => gitlab::CommittedSecret,
    GL033 => gitlab::SmtpVerifyNone,
    GL034 => gitlab::SmtpTlsPort,
    GL035 => gitlab::EmailFromUnauthenticated,
    GL040 => template::QuotedPlaceholderBoolean,
    PF001 => postfix::RejectUnknownClientHostname,
    PF002 => postfix::OpenRelay,
    PF003 => postfix::MynetworksTooBroad,
    PF004 => postfix::SmtpTlsDisabled,
    PF005 => postfix::SmtpdEncryptOnPort25,
    PF006 => postfix::SaslWithoutTls,
    PF007 => postfix::MyhostnameNotFqdn,
    PF008 => postfix::SmtpdBannerDiscloses,
    PF009 => postfix::VrfyEnabled,
    PF010 => postfix::DeprecatedParameter,
    CL001 => cl::SyntaxError_,
    CL002 => cl::Unreadable,
    CL003 => cl::IncludeProblem,
    CL004 => cl::TemplateUnreadable,
    CL100 => cl::UnusedSuppression,
}

impl Rule {
    /// `HT003`.
    pub fn code(self) -> &'static str {
        self.meta().code
    }

    /// `default-vhost`.
    pub fn name(self) -> &'static str {
        self.meta().name
    }

    /// Whether the rule judges a template's placeholders themselves: its
    /// findings on a placeholder are kept (others are about a value conflint
    /// cannot know, and are dropped).
    pub fn judges_placeholders(self) -> bool {
        matches!(self, Rule::HT040 | Rule::PH040 | Rule::GL040)
    }

    /// The rule with this exact code or name (case-insensitive code).
    pub fn find(code_or_name: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.code().eq_ignore_ascii_case(code_or_name) || r.name() == code_or_name)
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// All rules, in code order.
pub fn all() -> &'static [Rule] {
    Rule::ALL
}

/// The whole catalog as Markdown: what `docs/rules.md` holds and what each
/// rule's `helpUri` points into.
pub fn catalog_markdown() -> String {
    let mut out = String::from(
        "# conflint rules\n\nGenerated from the rules' own documentation (`conflint explain CODE` prints the same text).\n\n| code | name | severity | default | fix |\n|---|---|---|---|---|\n",
    );
    for rule in Rule::ALL {
        let m = rule.meta();
        let on = if m.default_on { "on" } else { "off" };
        out.push_str(&format!(
            "| [{}](#{}) | {} | {} | {on} | {} |\n",
            m.code,
            m.code.to_ascii_lowercase(),
            m.name,
            m.severity.as_str(),
            m.fix.as_str()
        ));
    }
    for rule in Rule::ALL {
        let m = rule.meta();
        let doc = m.documentation().replace("\n## ", "\n### ");
        let doc = doc.strip_prefix("## ").map(|d| format!("### {d}")).unwrap_or(doc);
        let references =
            if m.references.is_empty() { String::new() } else { format!(" · implements {}", m.references.join(", ")) };
        out.push_str(&format!(
            "\n## {}\n\n`{}` · severity {} · {} by default · fix: {}{references}\n\n{}",
            m.code,
            m.name,
            m.severity.as_str(),
            if m.default_on { "on" } else { "off" },
            m.fix.as_str(),
            doc
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_variant_is_named_after_its_code_and_codes_are_unique() {
        let mut codes: Vec<&str> = Vec::new();
        for rule in Rule::ALL {
            assert_eq!(format!("{rule:?}"), rule.code());
            codes.push(rule.code());
        }
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), codes.len());
    }

    #[test]
    fn every_rule_is_documented() {
        for rule in Rule::ALL {
            let doc = rule.meta().documentation();
            for section in ["## What it does", "## Why is this bad?", "## Example", "## Fix safety"] {
                assert!(doc.contains(section), "{rule}: no `{section}` section");
            }
        }
    }
}
