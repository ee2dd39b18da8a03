//! conflint.toml: found upward from the current directory, strict about
//! its keys (an unknown key is an error naming the key and its line).

use std::path::{Path, PathBuf};

use conflint_core::gitlab::keys::GitlabVersion;
use conflint_core::httpd::ApacheVersion;
use conflint_core::php::directives::PhpVersion;
use conflint_core::postfix::PostfixVersion;
use conflint_rules::settings::{Selection, TlsProfile, parse_size};
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use conflint_core::FileKind;

/// The file name conflint looks for.
pub const CONFIG_NAME: &str = "conflint.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    select: Option<Vec<String>>,
    ignore: Option<Vec<String>>,
    httpd: Option<RawHttpd>,
    php: Option<RawPhp>,
    gitlab: Option<RawGitlab>,
    postfix: Option<RawPostfix>,
    tls: Option<RawTls>,
    /// `[files] KIND = [globs]`, one key per format name.
    files: Option<std::collections::BTreeMap<String, Vec<String>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawHttpd {
    version: Option<String>,
    server_root: Option<PathBuf>,
    memory: Option<String>,
    process_size: Option<String>,
    defines: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPhp {
    scan_dir: Option<String>,
    version: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawGitlab {
    trusted_ips: Option<Vec<String>>,
    version: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPostfix {
    version: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawTls {
    profile: Option<String>,
}

/// A loaded conflint.toml, its paths resolved against its directory.
#[derive(Debug, Default)]
pub struct Config {
    /// The file it was read from; `None` when there is none.
    pub path: Option<PathBuf>,
    /// `select`: codes and prefixes to run.
    pub select: Option<Vec<String>>,
    /// `ignore`: codes and prefixes never reported.
    pub ignore: Vec<String>,
    /// `[httpd] version`.
    pub version: Option<ApacheVersion>,
    /// `[httpd] server-root`, resolved against the config's directory.
    pub server_root: Option<PathBuf>,
    /// `[httpd] memory` in bytes.
    pub memory: Option<u64>,
    /// `[httpd] process-size` in bytes.
    pub process_size: Option<u64>,
    /// `[httpd] defines`.
    pub defines: Vec<String>,
    /// `[php] scan-dir`.
    pub php_scan_dir: Option<String>,
    /// `[php] version`.
    pub php_version: Option<PhpVersion>,
    /// `[gitlab] trusted-ips`.
    pub trusted_ips: Vec<ipnet::IpNet>,
    /// `[tls] profile`.
    pub tls_profile: Option<TlsProfile>,
    /// `[gitlab] version`.
    pub gitlab_version: Option<GitlabVersion>,
    /// `[postfix] version`.
    pub postfix_version: Option<PostfixVersion>,
    /// `[files]`.
    pub files: FileMap,
}

/// `[files]`: globs that map more files to a kind.
#[derive(Debug, Default)]
pub struct FileMap {
    /// The directory the globs are relative to.
    base: PathBuf,
    sets: Vec<(FileKind, GlobSet)>,
}

impl FileMap {
    /// The kind `[files]` gives a path, if any.
    pub fn kind_of(&self, path: &Path) -> Option<FileKind> {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let relative = absolute.strip_prefix(&self.base).unwrap_or(path);
        self.sets.iter().find(|(_, set)| set.is_match(relative) || set.is_match(path)).map(|(kind, _)| *kind)
    }
}

/// Why a conflint.toml cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The config file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid: unknown key, wrong type, bad value.
    #[error("{}: {message}", path.display())]
    Invalid {
        /// The config file.
        path: PathBuf,
        /// What is wrong, with the line.
        message: String,
    },
}

impl Config {
    /// The nearest conflint.toml at or above `start`, if any.
    pub fn discover(start: &Path) -> Option<PathBuf> {
        let start = std::path::absolute(start).ok()?;
        start.ancestors().map(|dir| dir.join(CONFIG_NAME)).find(|p| p.is_file())
    }

    /// Load and validate a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
        Self::parse(&text, path)
    }

    /// Parse config text; `path` locates relative paths and names errors.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid { path: path.to_path_buf(), message };
        let raw: RawConfig = toml::from_str(text).map_err(|e| invalid(describe_toml_error(&e, text)))?;
        let base = std::path::absolute(path).ok().and_then(|p| p.parent().map(Path::to_path_buf)).unwrap_or_default();
        let httpd = raw.httpd.unwrap_or_default();
        let version = httpd
            .version
            .map(|v| v.parse::<ApacheVersion>())
            .transpose()
            .map_err(|e| invalid(format!("[httpd] version: {e}")))?;
        let memory =
            httpd.memory.map(|m| parse_size(&m)).transpose().map_err(|e| invalid(format!("[httpd] memory: {e}")))?;
        let process_size = httpd
            .process_size
            .map(|m| parse_size(&m))
            .transpose()
            .map_err(|e| invalid(format!("[httpd] process-size: {e}")))?;
        let gitlab = raw.gitlab.unwrap_or_default();
        let trusted_ips = gitlab
            .trusted_ips
            .unwrap_or_default()
            .iter()
            .map(|ip| parse_ip_net(ip).map_err(|e| invalid(format!("[gitlab] trusted-ips: {e}"))))
            .collect::<Result<_, _>>()?;
        let tls_profile = raw
            .tls
            .and_then(|t| t.profile)
            .map(|p| p.parse::<TlsProfile>())
            .transpose()
            .map_err(|e| invalid(format!("[tls] profile: {e}")))?;
        let gitlab_version = gitlab
            .version
            .map(|v| v.parse::<GitlabVersion>())
            .transpose()
            .map_err(|e| invalid(format!("[gitlab] version: {e}")))?;
        let php = raw.php.unwrap_or_default();
        let php_version = php
            .version
            .map(|v| v.parse::<PhpVersion>())
            .transpose()
            .map_err(|e| invalid(format!("[php] version: {e}")))?;
        let postfix_version = raw
            .postfix
            .and_then(|p| p.version)
            .map(|v| parse_postfix_version(&v))
            .transpose()
            .map_err(|e| invalid(format!("[postfix] version: {e}")))?;
        let mut sets = Vec::new();
        if let Some(files) = raw.files {
            for (name, globs) in files {
                let Some(kind) = FileKind::from_name(&name) else {
                    let known: Vec<&str> = FileKind::all().map(FileKind::name).collect();
                    return Err(invalid(format!("[files]: unknown kind `{name}` (known: {})", known.join(", "))));
                };
                let mut builder = GlobSetBuilder::new();
                for glob in &globs {
                    builder.add(Glob::new(glob).map_err(|e| invalid(format!("[files] {kind}: {e}")))?);
                }
                sets.push((kind, builder.build().map_err(|e| invalid(format!("[files]: {e}")))?));
            }
        }
        let selection = Selection { select: raw.select.clone(), ignore: raw.ignore.clone().unwrap_or_default() };
        let unknown = selection.unknown_codes();
        if !unknown.is_empty() {
            return Err(invalid(format!("unknown rule codes in select/ignore: {}", unknown.join(", "))));
        }
        Ok(Config {
            path: Some(path.to_path_buf()),
            select: raw.select,
            ignore: raw.ignore.unwrap_or_default(),
            version,
            server_root: httpd.server_root.map(|p| base.join(p)),
            memory,
            process_size,
            defines: httpd.defines.unwrap_or_default(),
            php_scan_dir: php.scan_dir,
            php_version,
            trusted_ips,
            tls_profile,
            gitlab_version,
            postfix_version,
            files: FileMap { base, sets },
        })
    }
}

/// A Postfix release as `--postfix-version` and `[postfix] version` take
/// it: `3.7`, `3.7.11`, `2.11`.
pub fn parse_postfix_version(text: &str) -> Result<PostfixVersion, String> {
    match PostfixVersion::parse(text) {
        Some(v) if v.major >= 2 && v.major <= 9 => Ok(v),
        _ => Err(format!("`{text}` is not a Postfix release (e.g. 3.7 or 3.9.1)")),
    }
}

/// An IP address or CIDR block.
pub fn parse_ip_net(text: &str) -> Result<ipnet::IpNet, String> {
    let text = text.trim();
    if let Ok(net) = text.parse::<ipnet::IpNet>() {
        return Ok(net);
    }
    text.parse::<std::net::IpAddr>()
        .map(ipnet::IpNet::from)
        .map_err(|_| format!("`{text}` is not an IP address or CIDR block"))
}

/// toml's error names the key; add the line number in front, as
/// `line 3: unknown field ...`.
fn describe_toml_error(error: &toml::de::Error, text: &str) -> String {
    let message = error.message().trim().to_string();
    match error.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {message}")
        }
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_names_key_and_line() {
        let err = Config::parse("select = [\"HT\"]\n[httpd]\nmemroy = \"2GiB\"\n", Path::new("/x/conflint.toml"))
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("line 3"), "{text}");
        assert!(text.contains("memroy"), "{text}");
    }

    #[test]
    fn full_config() {
        let config = Config::parse(
            "select = [\"HT\", \"PH\"]\nignore = [\"HT007\"]\n[httpd]\nversion = \"2.2\"\nmemory = \"4GiB\"\nprocess-size = \"48MiB\"\nserver-root = \"etc/httpd\"\n[gitlab]\ntrusted-ips = [\"203.0.113.7\", \"198.51.100.0/24\"]\n[files]\nhttpd = [\"templates/apache/*.conf.j2\"]\n",
            Path::new("/repo/conflint.toml"),
        )
        .unwrap();
        assert_eq!(config.version, Some(ApacheVersion::V2_2));
        assert_eq!(config.memory, Some(4 << 30));
        assert_eq!(config.server_root, Some(PathBuf::from("/repo/etc/httpd")));
        assert_eq!(config.trusted_ips.len(), 2);
        assert_eq!(config.php_version, None);
        assert_eq!(config.files.kind_of(Path::new("/repo/templates/apache/site.conf.j2")), Some(FileKind::Httpd));
    }

    #[test]
    fn tls_profile() {
        let config = Config::parse("[tls]\nprofile = \"modern\"\n", Path::new("c.toml")).unwrap();
        assert_eq!(config.tls_profile, Some(TlsProfile::Modern));
        let err = Config::parse("[tls]\nprofile = \"strict\"\n", Path::new("c.toml")).unwrap_err();
        assert!(err.to_string().contains("[tls] profile"), "{err}");
    }

    #[test]
    fn versions() {
        let config =
            Config::parse("[php]\nversion = \"8.2\"\n[gitlab]\nversion = \"17.11\"\n", Path::new("c.toml")).unwrap();
        assert_eq!(config.php_version, Some(PhpVersion::new(8, 2)));
        assert_eq!(config.gitlab_version, Some(GitlabVersion::new(17, 11)));
        let err = Config::parse("[php]\nversion = \"eight\"\n", Path::new("c.toml")).unwrap_err().to_string();
        assert!(err.contains("[php] version") && err.contains("eight"), "{err}");
        let err = Config::parse("[gitlab]\nversion = 17\n", Path::new("c.toml")).unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn postfix_version() {
        let config = Config::parse("[postfix]\nversion = \"3.7\"\n", Path::new("c.toml")).unwrap();
        assert_eq!(config.postfix_version, Some(PostfixVersion::new(3, 7, 0)));
        let err = Config::parse("[postfix]\nversion = \"seven\"\n", Path::new("c.toml")).unwrap_err().to_string();
        assert!(err.contains("[postfix] version") && err.contains("seven"), "{err}");
        let err = Config::parse("[postfix]\nrelease = \"3.7\"\n", Path::new("c.toml")).unwrap_err().to_string();
        assert!(err.contains("release"), "{err}");
    }

    #[test]
    fn unknown_rule_code_is_an_error() {
        assert!(Config::parse("select = [\"XX9\"]\n", Path::new("c.toml")).is_err());
    }
}
