//! Deprecated and removed Postfix parameters and restrictions, with their
//! replacements.
//!
//! Sources: Postfix's DEPRECATION_README (README_FILES/DEPRECATION_README,
//! "Postfix Replacements for Deprecated Features", Postfix 3.12 snapshot
//! 2026-08) and the table postconf itself warns from
//! (src/postconf/postconf_unused.c, `pcf_depr_param_info`), which adds the
//! postscreen and tlsproxy forms of the `xxx_` names. The "deprecated"
//! version is the first that warns; "removed" the first that no longer
//! knows the name.

use crate::postfix::model::PostfixVersion;

/// What a deprecated name is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeprecatedKind {
    /// A main.cf / master.cf `-o` parameter.
    Parameter,
    /// A word in an `smtpd_*_restrictions` list.
    Restriction,
}

/// What to write instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Replacement {
    /// The same setting under a new name: the old value works unchanged
    /// (Postfix uses the old value as the default of the new name). A fix
    /// may rename.
    Rename(&'static str),
    /// Another parameter whose values differ: each pair maps an old value
    /// (case-insensitive yes/no) to the new parameter's value; an old value
    /// not in the list has no automatic translation.
    Translate {
        /// The new parameter.
        parameter: &'static str,
        /// (old value, new value) pairs, from DEPRECATION_README's tables.
        values: &'static [(&'static str, &'static str)],
    },
    /// Another mechanism that needs a human (a different table format, a
    /// different restriction with an argument, ...).
    Use(&'static str),
    /// Delete the setting: the default is right.
    DoNotSpecify,
}

/// One deprecated or removed name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deprecation {
    /// The obsolete name.
    pub name: &'static str,
    /// Parameter or restriction.
    pub kind: DeprecatedKind,
    /// First version that warns about it.
    pub deprecated: PostfixVersion,
    /// First version that no longer knows it, if any yet.
    pub removed: Option<PostfixVersion>,
    /// What to use instead.
    pub replacement: Replacement,
}

impl Deprecation {
    /// Whether `version` warns about it or no longer knows it.
    pub fn applies_to(&self, version: PostfixVersion) -> bool {
        version >= self.deprecated
    }

    /// Whether `version` no longer knows it (a removed restriction makes
    /// smtpd answer "server configuration error").
    pub fn is_removed_in(&self, version: PostfixVersion) -> bool {
        self.removed.is_some_and(|r| version >= r)
    }
}

const fn v(major: u16, minor: u16) -> PostfixVersion {
    PostfixVersion::new(major, minor, 0)
}

const USE_TLS: &[(&str, &str)] = &[("no", "none"), ("yes", "may")];
const ENFORCE_TLS: &[(&str, &str)] = &[("no", "may"), ("yes", "encrypt")];

macro_rules! param {
    ($name:literal, $dep:expr, $rep:expr) => {
        Deprecation { name: $name, kind: DeprecatedKind::Parameter, deprecated: $dep, removed: None, replacement: $rep }
    };
}

/// The table, newest first as in DEPRECATION_README.
pub const DEPRECATIONS: &[Deprecation] = &[
    Deprecation {
        name: "tlsproxy_client_loglevel_parameter",
        kind: DeprecatedKind::Parameter,
        deprecated: v(3, 12),
        removed: Some(v(3, 12)),
        replacement: Replacement::DoNotSpecify,
    },
    param!("authorized_verp_clients", v(3, 11), Replacement::Rename("smtpd_authorized_verp_clients")),
    param!("fallback_relay", v(3, 11), Replacement::Rename("smtp_fallback_relay")),
    param!("lmtp_per_record_deadline", v(3, 11), Replacement::Rename("lmtp_per_request_deadline")),
    param!("postscreen_blacklist_action", v(3, 11), Replacement::Rename("postscreen_denylist_action")),
    param!("postscreen_dnsbl_ttl", v(3, 11), Replacement::Rename("postscreen_dnsbl_max_ttl")),
    param!(
        "postscreen_dnsbl_whitelist_threshold",
        v(3, 11),
        Replacement::Rename("postscreen_dnsbl_allowlist_threshold")
    ),
    param!("postscreen_whitelist_interfaces", v(3, 11), Replacement::Rename("postscreen_allowlist_interfaces")),
    param!(
        "smtpd_client_connection_limit_exceptions",
        v(3, 11),
        Replacement::Rename("smtpd_client_event_limit_exceptions")
    ),
    param!("smtpd_per_record_deadline", v(3, 11), Replacement::Rename("smtpd_per_request_deadline")),
    param!("smtp_per_record_deadline", v(3, 11), Replacement::Rename("smtp_per_request_deadline")),
    param!("tlsproxy_client_level", v(3, 11), Replacement::Rename("tlsproxy_client_security_level")),
    param!("tlsproxy_client_policy", v(3, 11), Replacement::Rename("tlsproxy_client_policy_maps")),
    param!("virtual_maps", v(3, 11), Replacement::Rename("virtual_alias_maps")),
    param!("smtp_cname_overrides_servername", v(3, 11), Replacement::DoNotSpecify),
    param!("lmtp_cname_overrides_servername", v(3, 11), Replacement::DoNotSpecify),
    // "xxx_security_level = verify or secure" for yes, "may or encrypt" for
    // no: no single translation.
    param!("smtp_tls_enforce_peername", v(3, 11), Replacement::Use("smtp_tls_security_level")),
    param!("lmtp_tls_enforce_peername", v(3, 11), Replacement::Use("lmtp_tls_security_level")),
    param!(
        "disable_dns_lookups",
        v(3, 9),
        Replacement::Translate { parameter: "smtp_dns_support_level", values: &[("yes", "disabled")] }
    ),
    param!("smtp_use_tls", v(3, 9), Replacement::Translate { parameter: "smtp_tls_security_level", values: USE_TLS }),
    param!("smtpd_use_tls", v(3, 9), Replacement::Translate { parameter: "smtpd_tls_security_level", values: USE_TLS }),
    param!("lmtp_use_tls", v(3, 9), Replacement::Translate { parameter: "lmtp_tls_security_level", values: USE_TLS }),
    param!(
        "postscreen_use_tls",
        v(3, 9),
        Replacement::Translate { parameter: "postscreen_tls_security_level", values: USE_TLS }
    ),
    param!(
        "tlsproxy_use_tls",
        v(3, 9),
        Replacement::Translate { parameter: "tlsproxy_tls_security_level", values: USE_TLS }
    ),
    param!(
        "tlsproxy_client_use_tls",
        v(3, 9),
        Replacement::Translate { parameter: "tlsproxy_client_security_level", values: USE_TLS }
    ),
    param!(
        "smtp_enforce_tls",
        v(3, 9),
        Replacement::Translate { parameter: "smtp_tls_security_level", values: ENFORCE_TLS }
    ),
    param!(
        "smtpd_enforce_tls",
        v(3, 9),
        Replacement::Translate { parameter: "smtpd_tls_security_level", values: ENFORCE_TLS }
    ),
    param!(
        "lmtp_enforce_tls",
        v(3, 9),
        Replacement::Translate { parameter: "lmtp_tls_security_level", values: ENFORCE_TLS }
    ),
    param!(
        "postscreen_enforce_tls",
        v(3, 9),
        Replacement::Translate { parameter: "postscreen_tls_security_level", values: ENFORCE_TLS }
    ),
    param!(
        "tlsproxy_enforce_tls",
        v(3, 9),
        Replacement::Translate { parameter: "tlsproxy_tls_security_level", values: ENFORCE_TLS }
    ),
    param!(
        "tlsproxy_client_enforce_tls",
        v(3, 9),
        Replacement::Translate { parameter: "tlsproxy_client_security_level", values: ENFORCE_TLS }
    ),
    // A different table format and search order: no automatic conversion.
    param!("smtp_tls_per_site", v(3, 9), Replacement::Use("smtp_tls_policy_maps")),
    param!("lmtp_tls_per_site", v(3, 9), Replacement::Use("lmtp_tls_policy_maps")),
    param!("tlsproxy_client_per_site", v(3, 9), Replacement::Use("tlsproxy_client_policy_maps")),
    param!("smtpd_tls_dh1024_param_file", v(3, 9), Replacement::DoNotSpecify),
    param!("smtpd_tls_eecdh_grade", v(3, 9), Replacement::DoNotSpecify),
    Deprecation {
        name: "permit_mx_backup",
        kind: DeprecatedKind::Restriction,
        deprecated: v(3, 9),
        removed: None,
        replacement: Replacement::Use("relay_domains"),
    },
    Deprecation {
        name: "check_relay_domains",
        kind: DeprecatedKind::Restriction,
        deprecated: v(2, 2),
        removed: Some(v(3, 9)),
        replacement: Replacement::Use("permit_mynetworks, reject_unauth_destination"),
    },
    Deprecation {
        name: "reject_maps_rbl",
        kind: DeprecatedKind::Restriction,
        deprecated: v(2, 1),
        removed: Some(v(3, 9)),
        replacement: Replacement::Use("reject_rbl_client domain-name"),
    },
    Deprecation {
        name: "permit_naked_ip_address",
        kind: DeprecatedKind::Restriction,
        deprecated: v(2, 0),
        removed: Some(v(3, 9)),
        replacement: Replacement::Use("permit_mynetworks, permit_sasl_authenticated"),
    },
];

/// The deprecation entry for a parameter name.
///
/// ```
/// use conflint_core::postfix::{deprecated_parameter, Replacement};
/// let d = deprecated_parameter("virtual_maps").unwrap();
/// assert_eq!(d.replacement, Replacement::Rename("virtual_alias_maps"));
/// assert!(deprecated_parameter("virtual_alias_maps").is_none());
/// ```
pub fn deprecated_parameter(name: &str) -> Option<&'static Deprecation> {
    DEPRECATIONS.iter().find(|d| d.kind == DeprecatedKind::Parameter && d.name == name)
}

/// The deprecation entry for a restriction (compared case-insensitively,
/// as smtpd compares restriction names).
pub fn deprecated_restriction(word: &str) -> Option<&'static Deprecation> {
    DEPRECATIONS.iter().find(|d| d.kind == DeprecatedKind::Restriction && d.name.eq_ignore_ascii_case(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_versions_ordered() {
        for (i, d) in DEPRECATIONS.iter().enumerate() {
            assert!(DEPRECATIONS[..i].iter().all(|e| e.name != d.name), "{}", d.name);
            assert!(d.removed.is_none_or(|r| r >= d.deprecated), "{}", d.name);
        }
    }

    #[test]
    fn removal_depends_on_version() {
        let d = deprecated_restriction("CHECK_RELAY_DOMAINS").unwrap();
        assert!(!d.is_removed_in(PostfixVersion::new(3, 7, 11)));
        assert!(d.is_removed_in(PostfixVersion::new(3, 9, 0)));
        assert!(deprecated_parameter("smtpd_use_tls").unwrap().applies_to(PostfixVersion::new(3, 9, 1)));
        assert!(!deprecated_parameter("smtpd_use_tls").unwrap().applies_to(PostfixVersion::new(3, 7, 11)));
    }
}
