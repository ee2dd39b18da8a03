//! What a lint run is asked to do: which rules, and the facts some rules
//! need (memory budget, trusted addresses, the Apache version).

use std::path::{Path, PathBuf};

use conflint_core::LoadOptions;
use conflint_core::gitlab::keys::{GitlabVersion, newest_release};
use conflint_core::httpd::{ApacheVersion, HttpdOptions};
use conflint_core::php::directives::{PathVersion, PhpVersion, version_from_path};
use conflint_core::postfix::PostfixVersion;
use ipnet::IpNet;

use crate::registry::Rule;

/// Rule selection by codes and prefixes, as ruff's `select`/`ignore`.
///
/// A prefix (`HT`, `HT00`) selects the rules under it that are on by
/// default; a rule that is off by default (CL100) needs its exact code.
/// `ignore` wins over `select`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// `None` means every rule that is on by default.
    pub select: Option<Vec<String>>,
    /// Codes and prefixes never reported.
    pub ignore: Vec<String>,
}

impl Selection {
    /// Whether `rule` runs under this selection.
    pub fn is_enabled(&self, rule: Rule) -> bool {
        let meta = rule.meta();
        let selected = match &self.select {
            None => meta.default_on,
            Some(list) => list.iter().any(|s| selects(s, rule)),
        };
        selected
            && !self
                .ignore
                .iter()
                .any(|s| s.eq_ignore_ascii_case("ALL") || meta.code.starts_with(&s.to_ascii_uppercase()))
    }

    /// Codes or prefixes that match no rule, for a usage error.
    pub fn unknown_codes(&self) -> Vec<String> {
        self.select
            .iter()
            .flatten()
            .chain(&self.ignore)
            .filter(|s| !s.eq_ignore_ascii_case("ALL"))
            .filter(|s| !Rule::ALL.iter().any(|r| r.code().starts_with(&s.to_ascii_uppercase())))
            .cloned()
            .collect()
    }
}

fn selects(selector: &str, rule: Rule) -> bool {
    let selector = selector.to_ascii_uppercase();
    if selector == "ALL" || selector == rule.code() {
        return true;
    }
    rule.meta().default_on && rule.code().starts_with(&selector)
}

/// httpd facts the rules need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpdSettings {
    /// `--apache-version` / `[httpd] version`.
    pub version: Option<ApacheVersion>,
    /// `--server-root` / `[httpd] server-root`.
    pub server_root: Option<PathBuf>,
    /// `-D NAME` / `[httpd] defines`: names defined as on httpd's command line.
    pub defines: Vec<String>,
    /// RAM available to httpd in bytes (`--memory`, `[httpd] memory`);
    /// enables HT005.
    pub memory: Option<u64>,
    /// Average resident size of one child process in bytes
    /// (`[httpd] process-size`); default [`DEFAULT_PROCESS_SIZE`].
    pub process_size: Option<u64>,
}

/// The process size HT005 assumes when none is configured: a prefork child
/// running mod_php is typically 30-60 MiB resident.
pub const DEFAULT_PROCESS_SIZE: u64 = 48 * 1024 * 1024;

/// GitLab facts the rules need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GitlabSettings {
    /// Addresses that must never be banned (`--trusted-ip`, `[gitlab] trusted-ips`).
    pub trusted_ips: Vec<IpNet>,
    /// The GitLab release gitlab.rb is for (`--gitlab-version`, `[gitlab]
    /// version`); default: the newest release conflint's key table read.
    pub version: Option<GitlabVersion>,
}

impl GitlabSettings {
    /// The release the rules judge keys against, and where it comes from.
    ///
    /// ```
    /// use conflint_rules::settings::GitlabSettings;
    /// use conflint_core::gitlab::keys::{newest_release, GitlabVersion};
    ///
    /// let given = GitlabSettings { version: Some(GitlabVersion::new(17, 11)), ..Default::default() };
    /// assert_eq!(given.target_version().version, GitlabVersion::new(17, 11));
    /// assert_eq!(GitlabSettings::default().target_version().version, newest_release());
    /// ```
    pub fn target_version(&self) -> TargetVersion<GitlabVersion> {
        match self.version {
            Some(version) => TargetVersion { version, source: VersionSource::Configured },
            None => TargetVersion { version: newest_release(), source: VersionSource::Newest },
        }
    }
}

/// PHP facts the rules need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PhpSettings {
    /// `[php] scan-dir`: `PHP_INI_SCAN_DIR` semantics (`:`-separated
    /// directories; an empty entry stands for the layout's default).
    pub scan_dir: Option<String>,
    /// The PHP release the configuration is for (`--php-version`, `[php]
    /// version`); default: read from the path, else the newest PHP the
    /// directive table describes.
    pub version: Option<PhpVersion>,
}

impl PhpSettings {
    /// The release the rules judge directives against for a file at `path`:
    /// the configured one; else the one the path names (Debian
    /// `/etc/php/8.2/`, Alpine `/etc/php82/`, openSUSE `/etc/php7/`: the
    /// newest 7.x); else the newest PHP the table describes.
    ///
    /// ```
    /// use std::path::Path;
    /// use conflint_rules::settings::{PhpSettings, VersionSource};
    /// use conflint_core::php::directives::PhpVersion;
    ///
    /// let auto = PhpSettings::default();
    /// let t = auto.target_version(Some(Path::new("/etc/php/8.2/fpm/php.ini")));
    /// assert_eq!((t.version, t.source), (PhpVersion::new(8, 2), VersionSource::Path));
    /// assert_eq!(auto.target_version(Some(Path::new("/etc/php82/php.ini"))).version, PhpVersion::new(8, 2));
    /// assert_eq!(auto.target_version(Some(Path::new("/etc/php7/cli/php.ini"))).version, PhpVersion::new(7, 4));
    /// assert_eq!(auto.target_version(Some(Path::new("php.ini"))).source, VersionSource::Newest);
    ///
    /// let given = PhpSettings { version: Some(PhpVersion::new(7, 4)), ..Default::default() };
    /// assert_eq!(given.target_version(Some(Path::new("/etc/php/8.2/fpm/php.ini"))).version, PhpVersion::new(7, 4));
    /// ```
    pub fn target_version(&self, path: Option<&Path>) -> TargetVersion<PhpVersion> {
        if let Some(version) = self.version {
            return TargetVersion { version, source: VersionSource::Configured };
        }
        let from_path = path.and_then(version_from_path);
        match from_path.and_then(PathVersion::best_guess) {
            Some(version) => TargetVersion { version, source: VersionSource::Path },
            None => TargetVersion { version: PhpVersion::NEWEST, source: VersionSource::Newest },
        }
    }
}

/// Postfix facts the rules need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostfixSettings {
    /// The Postfix release main.cf and master.cf are for
    /// (`--postfix-version`, `[postfix] version`); default: the newest
    /// stable release conflint knows ([`PostfixVersion::NEWEST`]).
    pub version: Option<PostfixVersion>,
}

impl PostfixSettings {
    /// The release the rules judge against, and where it comes from.
    ///
    /// ```
    /// use conflint_rules::settings::{PostfixSettings, VersionSource};
    /// use conflint_core::postfix::PostfixVersion;
    ///
    /// let given = PostfixSettings { version: Some(PostfixVersion::new(3, 7, 0)) };
    /// assert_eq!(given.target_version().source, VersionSource::Configured);
    /// assert_eq!(PostfixSettings::default().target_version().version, PostfixVersion::NEWEST);
    /// ```
    pub fn target_version(&self) -> TargetVersion<PostfixVersion> {
        match self.version {
            Some(version) => TargetVersion { version, source: VersionSource::Configured },
            None => TargetVersion { version: PostfixVersion::NEWEST, source: VersionSource::Newest },
        }
    }
}

/// A server release the rules judge against, and where it comes from (for
/// messages: a finding that depends on the version says which one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetVersion<V> {
    /// The release.
    pub version: V,
    /// Where it comes from.
    pub source: VersionSource,
}

/// Where a target version comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionSource {
    /// `--php-version`/`--gitlab-version`/`--postfix-version` or conflint.toml.
    Configured,
    /// The configuration file's path (`/etc/php/8.2/`).
    Path,
    /// Nothing said: the newest release conflint knows.
    Newest,
}

impl<V: std::fmt::Display> TargetVersion<V> {
    /// `8.2 (version from the path)`, `17.11` (configured), `19.3 (the
    /// newest conflint knows; set --gitlab-version)`: `flag` names the
    /// option that sets it.
    pub fn describe(&self, flag: &str) -> String {
        match self.source {
            VersionSource::Configured => format!("{}", self.version),
            VersionSource::Path => format!("{} (version from the path)", self.version),
            VersionSource::Newest => format!("{} (the newest conflint knows; set {flag})", self.version),
        }
    }
}

/// A Mozilla server-side TLS profile (ssl-config-generator guideline 6.0;
/// `old` is guideline 5.8's, which 6.0 dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TlsProfile {
    /// TLS 1.3 only.
    Modern,
    /// TLS 1.2 and 1.3 with forward-secret AEAD ciphers: the default.
    #[default]
    Intermediate,
    /// TLS 1.0 to 1.3 with 3DES for ancient clients (guideline 5.8; dropped in 6.0).
    Old,
}

impl TlsProfile {
    /// `modern`, `intermediate` or `old`.
    pub fn as_str(self) -> &'static str {
        match self {
            TlsProfile::Modern => "modern",
            TlsProfile::Intermediate => "intermediate",
            TlsProfile::Old => "old",
        }
    }
}

impl std::str::FromStr for TlsProfile {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "modern" => Ok(TlsProfile::Modern),
            "intermediate" => Ok(TlsProfile::Intermediate),
            "old" => Ok(TlsProfile::Old),
            _ => Err(format!("unknown TLS profile `{s}` (use intermediate or modern)")),
        }
    }
}

/// TLS facts the rules need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsSettings {
    /// `[tls] profile` / `--tls-profile`.
    pub profile: TlsProfile,
}

/// Everything a lint or fix run needs besides the files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// Which rules run.
    pub selection: Selection,
    /// httpd facts.
    pub httpd: HttpdSettings,
    /// PHP facts.
    pub php: PhpSettings,
    /// GitLab facts.
    pub gitlab: GitlabSettings,
    /// Postfix facts.
    pub postfix: PostfixSettings,
    /// Report findings about a template's placeholders (as info) instead
    /// of dropping them (`--strict-templates`).
    pub strict_templates: bool,
    /// TLS facts (the Mozilla profile).
    pub tls: TlsSettings,
}

impl Settings {
    /// Whether `rule` runs.
    pub fn is_enabled(&self, rule: Rule) -> bool {
        self.selection.is_enabled(rule)
    }

    /// What loading needs of these settings.
    pub fn load_options(&self) -> LoadOptions {
        LoadOptions {
            httpd: HttpdOptions {
                server_root: self.httpd.server_root.clone(),
                version: self.httpd.version,
                defines: self.httpd.defines.clone(),
            },
            postfix: conflint_core::PostfixOptions { version: Some(self.postfix.target_version().version) },
        }
    }
}

/// Parse a size such as `2GiB`, `512M`, `4 GB` or `1048576` into bytes.
/// Binary and decimal suffixes are both read as powers of 1024, as
/// sysadmins mean them for RAM.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: f64 = number.parse().map_err(|_| format!("`{text}` is not a size (e.g. 2GiB, 512MiB)"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        other => return Err(format!("unknown size unit `{other}` in `{text}` (use KiB, MiB, GiB)")),
    };
    Ok((number * factor as f64) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("1.5 GB"), Ok(3 << 29));
        assert!(parse_size("lots").is_err());
    }
}
