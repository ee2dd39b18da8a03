//! Which Apache httpd major version a tree is written for: configured,
//! detected from 2.2-only or 2.4-only directives, or 2.4 by default.

use std::fmt;
use std::str::FromStr;

/// The major versions conflint knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ApacheVersion {
    /// Apache httpd 2.2.
    V2_2,
    /// Apache httpd 2.4.
    V2_4,
}

impl ApacheVersion {
    /// `(major, minor)`.
    pub fn major_minor(self) -> (u32, u32) {
        match self {
            ApacheVersion::V2_2 => (2, 2),
            ApacheVersion::V2_4 => (2, 4),
        }
    }
}

impl fmt::Display for ApacheVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ApacheVersion::V2_2 => "2.2",
            ApacheVersion::V2_4 => "2.4",
        })
    }
}

/// A version other than 2.2 or 2.4.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown Apache version `{0}`: expected 2.2 or 2.4")]
pub struct UnknownVersion(pub String);

impl FromStr for ApacheVersion {
    type Err = UnknownVersion;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "2.2" => Ok(ApacheVersion::V2_2),
            "2.4" => Ok(ApacheVersion::V2_4),
            other => Err(UnknownVersion(other.to_string())),
        }
    }
}

/// How the version of a tree was decided, for messages and for fixes
/// whose safety depends on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSource {
    /// `--apache-version` or `[httpd] version`.
    Configured,
    /// Signs found in the configuration, e.g. "`Require all` exists only in 2.4".
    Detected(String),
    /// Signs of both versions: read as 2.4, not known.
    Conflicting(String),
    /// No sign either way: read as 2.4, not known.
    Unknown,
}

impl VersionSource {
    /// Whether the version is known (configured, or detected without a
    /// contradiction): only then may a fix whose safety depends on the
    /// version be safe.
    pub fn is_known(&self) -> bool {
        matches!(self, VersionSource::Configured | VersionSource::Detected(_))
    }
}

/// What one directive or section says about the version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    /// Exists only in this version (why, for messages).
    Only(ApacheVersion, String),
    /// Says nothing.
    None,
}

/// Directives that exist only in 2.4 (lower case).
const ONLY_2_4: &[&str] = &[
    "includeoptional",
    "mutex",
    "maxrequestworkers",
    "maxconnectionsperchild",
    "define",
    "undefine",
    "protocols",
    "errorlogformat",
    "allowoverridelist",
    "setenvifexpr",
    "authmerging",
    "authzsendforbiddenonfailure",
    "globallog",
    "requestreadtimeout",
    "sslopensslconfcmd",
    "sslstaplingcache",
    "h2direct",
];

/// Sections that exist only in 2.4 (lower case).
const SECTIONS_2_4: &[&str] = &["if", "elseif", "else", "requireall", "requireany", "requirenone"];

/// `Require` providers that only 2.4 has (2.2's `Require` takes `user`,
/// `group`, `valid-user`, `file-owner`, `file-group` only).
const REQUIRE_2_4: &[&str] = &["all", "env", "method", "expr", "local", "ip", "host", "forward-dns", "not"];

/// Directives that exist only in 2.2 (lower case).
const ONLY_2_2: &[&str] = &[
    "lockfile",
    "acceptmutex",
    "sslmutex",
    "authzldapauthoritative",
    "authzdefaultauthoritative",
    "authzuserauthoritative",
    "authzgroupfileauthoritative",
    "authzownerauthoritative",
    "authzdbmauthoritative",
];

/// Modules that only 2.4 ships (the `LoadModule` identifier).
const MODULES_2_4: &[&str] = &[
    "authz_core_module",
    "access_compat_module",
    "unixd_module",
    "mpm_event_module",
    "mpm_worker_module",
    "mpm_prefork_module",
    "slotmem_shm_module",
    "socache_shmcb_module",
];

/// Modules that only 2.2 ships.
const MODULES_2_2: &[&str] =
    &["authz_default_module", "authn_default_module", "disk_cache_module", "mem_cache_module", "authn_alias_module"];

/// What a directive (`is_section` false) or section says about the version.
pub fn evidence(name: &str, args: &[String], is_section: bool) -> Evidence {
    let lower = name.to_ascii_lowercase();
    let first = args.first().map(|a| a.to_ascii_lowercase()).unwrap_or_default();
    let only = |v: ApacheVersion, why: String| Evidence::Only(v, why);
    if is_section {
        return if SECTIONS_2_4.contains(&lower.as_str()) {
            only(ApacheVersion::V2_4, format!("`<{name}>` exists only in 2.4"))
        } else {
            Evidence::None
        };
    }
    if ONLY_2_4.contains(&lower.as_str()) {
        return only(ApacheVersion::V2_4, format!("`{name}` exists only in 2.4"));
    }
    if ONLY_2_2.contains(&lower.as_str()) {
        return only(ApacheVersion::V2_2, format!("`{name}` exists only in 2.2"));
    }
    match lower.as_str() {
        "require" if REQUIRE_2_4.contains(&first.as_str()) => {
            only(ApacheVersion::V2_4, format!("`Require {}` exists only in 2.4", args[0]))
        }
        // 2.4 still reads DefaultType, but only `none`.
        "defaulttype" if !first.is_empty() && first != "none" => {
            only(ApacheVersion::V2_2, format!("`DefaultType {}` works only in 2.2", args[0]))
        }
        "loadmodule" if MODULES_2_4.contains(&first.as_str()) => {
            only(ApacheVersion::V2_4, format!("`LoadModule {}` exists only in 2.4", args[0]))
        }
        "loadmodule" if MODULES_2_2.contains(&first.as_str()) => {
            only(ApacheVersion::V2_2, format!("`LoadModule {}` exists only in 2.2", args[0]))
        }
        _ => Evidence::None,
    }
}

/// Decide the version from the evidence of a tree's directives. 2.2 signs
/// without any 2.4 sign mean 2.2; 2.4 signs without 2.2 signs mean 2.4;
/// both, or none, mean unknown (read as 2.4). `NameVirtualHost`, a no-op
/// that 2.4 still accepts, counts for 2.2 only when nothing says 2.4.
pub fn decide(evidence: impl Iterator<Item = Evidence>, name_virtual_host: bool) -> (ApacheVersion, VersionSource) {
    let (mut for_2_2, mut for_2_4) = (None, None);
    for e in evidence {
        match e {
            Evidence::Only(ApacheVersion::V2_2, why) if for_2_2.is_none() => for_2_2 = Some(why),
            Evidence::Only(ApacheVersion::V2_4, why) if for_2_4.is_none() => for_2_4 = Some(why),
            _ => {}
        }
    }
    match (for_2_2, for_2_4) {
        (Some(a), Some(b)) => (ApacheVersion::V2_4, VersionSource::Conflicting(format!("{a}, but {b}"))),
        (Some(a), None) => (ApacheVersion::V2_2, VersionSource::Detected(a)),
        (None, Some(b)) => (ApacheVersion::V2_4, VersionSource::Detected(b)),
        (None, None) if name_virtual_host => (
            ApacheVersion::V2_2,
            VersionSource::Detected("`NameVirtualHost` (needed only by 2.2) and no sign of 2.4".to_string()),
        ),
        (None, None) => (ApacheVersion::V2_4, VersionSource::Unknown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(lines: &[(&str, &[&str])]) -> (ApacheVersion, VersionSource) {
        let evidence = lines.iter().map(|(n, a)| {
            let args: Vec<String> = a.iter().map(std::string::ToString::to_string).collect();
            evidence(n, &args, false)
        });
        let nvh = lines.iter().any(|(n, _)| n.eq_ignore_ascii_case("NameVirtualHost"));
        decide(evidence, nvh)
    }

    #[test]
    fn require_valid_user_is_no_sign_of_2_4() {
        let (v, source) = detect(&[("LockFile", &["/var/lock/apache2/accept.lock"]), ("Require", &["valid-user"])]);
        assert_eq!(v, ApacheVersion::V2_2);
        assert!(source.is_known());
    }

    #[test]
    fn require_all_means_2_4() {
        let (v, source) = detect(&[("NameVirtualHost", &["*:80"]), ("Require", &["all", "granted"])]);
        assert_eq!(v, ApacheVersion::V2_4);
        assert!(source.is_known());
    }

    #[test]
    fn a_lone_name_virtual_host_means_2_2() {
        assert_eq!(detect(&[("NameVirtualHost", &["*:80"])]).0, ApacheVersion::V2_2);
    }

    #[test]
    fn conflicting_or_no_evidence_is_unknown() {
        let (v, source) = detect(&[("LockFile", &["x"]), ("Mutex", &["file:/x", "default"])]);
        assert_eq!(v, ApacheVersion::V2_4);
        assert!(matches!(source, VersionSource::Conflicting(_)));
        assert_eq!(detect(&[("ServerName", &["x"])]).1, VersionSource::Unknown);
    }
}
