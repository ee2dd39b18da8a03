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

/// How the version of a tree was decided, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSource {
    /// `--apache-version` or `[httpd] version`.
    Configured,
    /// Signs found in the configuration, e.g. "`Require` is 2.4-only".
    Detected(String),
    /// Nothing conclusive: 2.4.
    Default,
}

/// Directive names (lower case) that only 2.4 knows.
const ONLY_2_4: &[&str] = &[
    "require",
    "includeoptional",
    "mutex",
    "maxrequestworkers",
    "maxconnectionsperchild",
    "define",
    "undefine",
    "protocols",
    "errorlogformat",
];

/// Directive names (lower case) that only 2.2 knows.
const ONLY_2_2: &[&str] = &["lockfile", "acceptmutex", "sslmutex", "defaulttype"];

/// Decide the version from the directive names a tree uses, and whether
/// `<IfModule>` uses the 2.2 MPM names. `NameVirtualHost` together with
/// `Order`/`Allow` is the classic 2.2 name-based setup.
pub fn detect<'a>(names: impl Iterator<Item = &'a str>, modules_tested: &[String]) -> (ApacheVersion, VersionSource) {
    let mut seen_2_2 = None;
    let mut name_vhost = false;
    let mut access_compat = false;
    for name in names {
        let lower = name.to_ascii_lowercase();
        if ONLY_2_4.contains(&lower.as_str()) {
            return (ApacheVersion::V2_4, VersionSource::Detected(format!("`{name}` exists only in 2.4")));
        }
        if seen_2_2.is_none() && ONLY_2_2.contains(&lower.as_str()) {
            seen_2_2 = Some(format!("`{name}` exists only in 2.2"));
        }
        name_vhost |= lower == "namevirtualhost";
        access_compat |= matches!(lower.as_str(), "order" | "allow" | "deny");
    }
    if let Some(reason) = seen_2_2 {
        return (ApacheVersion::V2_2, VersionSource::Detected(reason));
    }
    if name_vhost && access_compat {
        return (
            ApacheVersion::V2_2,
            VersionSource::Detected("`NameVirtualHost` with `Order`/`Allow` and no `Require`".to_string()),
        );
    }
    if let Some(m) = modules_tested.iter().find(|m| matches!(m.as_str(), "prefork.c" | "worker.c")) {
        if name_vhost || access_compat {
            return (ApacheVersion::V2_2, VersionSource::Detected(format!("`<IfModule {m}>` is the 2.2 MPM name")));
        }
    }
    (ApacheVersion::V2_4, VersionSource::Default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn require_means_2_4() {
        let (v, _) = detect(["NameVirtualHost", "Order", "Require"].into_iter(), &[]);
        assert_eq!(v, ApacheVersion::V2_4);
    }

    #[test]
    fn name_virtual_host_with_order_means_2_2() {
        let (v, src) = detect(["NameVirtualHost", "order", "Allow"].into_iter(), &[]);
        assert_eq!(v, ApacheVersion::V2_2);
        assert!(matches!(src, VersionSource::Detected(_)));
    }

    #[test]
    fn nothing_conclusive_is_2_4() {
        assert_eq!(detect(["ServerName"].into_iter(), &[]).1, VersionSource::Default);
    }
}
