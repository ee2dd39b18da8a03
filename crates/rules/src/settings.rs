//! What a lint run is asked to do: which rules, and the facts some rules
//! need (memory budget, trusted addresses, the Apache version).

use std::path::PathBuf;

use conflint_core::LoadOptions;
use conflint_core::httpd::{ApacheVersion, HttpdOptions};
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
}

/// PHP facts the rules need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PhpSettings {
    /// `[php] scan-dir`: `PHP_INI_SCAN_DIR` semantics (`:`-separated
    /// directories; an empty entry stands for the layout's default).
    pub scan_dir: Option<String>,
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
