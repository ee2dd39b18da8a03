//! # conflint
//!
//! Lint and fix Apache httpd, PHP and GitLab Omnibus configuration, the way
//! the servers read it. This crate is what a provisioning tool embeds: parse
//! a file from memory, lint it with a configuration, get diagnostics with
//! their spans, get the fixed text, print a diff, all without touching the
//! file system (unless you hand it the real one).
//!
//! ```
//! use conflint::{FileKind, Settings};
//!
//! let text = b"<VirtualHost *:80>\n    ServerName www.example.com\n    ServerSignature On\n</VirtualHost>\n";
//! let diagnostics = conflint::check("sites-available/www.conf", FileKind::Httpd, text, &Settings::default());
//! assert_eq!(diagnostics.len(), 1);
//! assert_eq!(diagnostics[0].code(), "HT002");
//! assert_eq!((diagnostics[0].location.start.line, diagnostics[0].location.start.column), (3, 21));
//!
//! let fixed = conflint::fix("sites-available/www.conf", FileKind::Httpd, text, &Settings::default(), false);
//! assert_eq!(fixed.text, b"<VirtualHost *:80>\n    ServerName www.example.com\n    ServerSignature Off\n</VirtualHost>\n");
//! assert!(fixed.remaining.is_empty());
//! print!("{}", conflint::diff("sites-available/www.conf", text, &fixed.text));
//! ```
//!
//! The building blocks are re-exported: [`core`] holds the lossless parsers
//! and the semantic models, [`rules`] the rule catalog and the fixer.
//!
//! The tables the version-aware rules judge by are plain data too: every
//! php.ini directive PHP 5.6 to 8.5 has (with its type, default and life
//! cycle) and every gitlab.rb key GitLab Omnibus has read since 10.0. A
//! provisioning tool can ask them before it writes a setting:
//!
//! ```
//! use conflint::core::gitlab::keys::{self, GitlabVersion, KeyStatus};
//! use conflint::core::php::directives::{self, DirectiveStatus, PhpVersion, ValueProblem};
//!
//! // php.ini: does the directive exist for this PHP, and will PHP read the value?
//! let expose = directives::directive("expose_php").expect("a core directive");
//! assert_eq!(expose.status(PhpVersion::new(8, 2)), DirectiveStatus::Available);
//! assert_eq!(directives::did_you_mean("expose_phpp"), Some("expose_php"));
//! let limit = directives::directive("memory_limit").unwrap();
//! assert!(matches!(directives::check_value(limit, "512MB"), Some(ValueProblem::MemoryLimitRefused { bytes: 512, .. })));
//! assert_eq!(directives::check_value(limit, "512M"), None);
//!
//! // gitlab.rb: is the key known, and what is it in this release?
//! let port = keys::key(&["gitlab_rails", "smtp_port"]).expect("known");
//! assert_eq!(keys::status(port, GitlabVersion::new(17, 11)), KeyStatus::Available);
//! assert!(keys::key(&["gitlab_rails", "smtp_prot"]).is_none());
//! let old = keys::key(&["gitlab_rails", "rate_limit_period"]).unwrap();
//! assert!(matches!(keys::status(old, GitlabVersion::new(17, 11)), KeyStatus::Removed { .. }));
//! let moved = keys::alias_of(&["nginx", "real_ip_trusted_addresses"]).expect("moved in 19.2");
//! assert_eq!(moved.new, ["gitlab_rails", "nginx", "real_ip_trusted_addresses"]);
//! ```
//!
//! The same judgement with the rules, for a release given in [`Settings`]:
//!
//! ```
//! use conflint::{FileKind, GitlabSettings, Settings};
//! use conflint::core::gitlab::keys::GitlabVersion;
//!
//! let settings = Settings {
//!     gitlab: GitlabSettings { version: Some(GitlabVersion::new(17, 11)), ..Default::default() },
//!     ..Default::default()
//! };
//! let rb = b"gitlab_rails['smtp_prot'] = 465\nletsencrypt['enable'] = \"false\"\n";
//! let codes: Vec<_> = conflint::check("gitlab.rb", FileKind::GitlabRb, rb, &settings).iter().map(|d| d.code()).collect();
//! assert_eq!(codes, ["GL005", "GL007"]);
//! let fixed = conflint::fix("gitlab.rb", FileKind::GitlabRb, rb, &settings, false);
//! assert_eq!(fixed.text, b"gitlab_rails['smtp_prot'] = 465\nletsencrypt['enable'] = false\n");
//! ```

#![warn(missing_docs)]

use std::path::Path;

pub use conflint_core as core;
pub use conflint_rules as rules;

pub use conflint_core::source::{FileSystem, MemoryFileSystem, RealFileSystem};
pub use conflint_core::{LineColumn, Role, Span, SyntaxError};
pub use conflint_rules::fix::FixFailure;
pub use conflint_rules::settings::{GitlabSettings, HttpdSettings, PhpSettings, Selection};
pub use conflint_rules::{Applicability, Diagnostic, Edit, FileKind, Fix, Location, Rule, Settings, Severity, Target};

use conflint_rules::fix::{FixOptions, fix_target};
use conflint_rules::plan::{Found, single_file_target};

/// The target for one file held in memory: an entry file (`httpd.conf`,
/// `apache2.conf`, `php.ini`) gets the entry-file rules without following
/// its includes; anything else is checked as a fragment.
fn memory_target(fs: &dyn FileSystem, path: &Path, kind: FileKind, settings: &Settings) -> Target {
    let role = conflint_core::format::role_of(kind, path);
    let found = Found { path: path.to_path_buf(), kind, role, identity: fs.identity(path) };
    single_file_target(&found, fs, settings, false)
}

/// Check one file held in memory. `path` names it in diagnostics and
/// decides whether it is an entry file (see the crate docs).
///
/// ```
/// use conflint::{FileKind, Settings};
///
/// let ini = b"[PHP]\ndisplay_errors = Off\nexpose_php = \"yes\"\n";
/// let codes: Vec<_> = conflint::check("php.ini", FileKind::PhpIni, ini, &Settings::default())
///     .into_iter()
///     .map(|d| d.code())
///     .collect();
/// // expose_php on, and written as a quoted word (PHP's other defaults,
/// // such as session.use_strict_mode off, are reported too).
/// assert!(codes.contains(&"PH001") && codes.contains(&"PH004"));
/// ```
pub fn check(path: impl AsRef<Path>, kind: FileKind, text: &[u8], settings: &Settings) -> Vec<Diagnostic> {
    let path = path.as_ref();
    let mut fs = MemoryFileSystem::new();
    fs.insert(path, text.to_vec());
    let target = memory_target(&fs, path, kind, settings);
    conflint_rules::lint(&target, &fs, settings).diagnostics
}

/// Check a whole tree read through `fs` from its entry file: for httpd,
/// includes are expanded where they stand; for PHP, the scan directory of
/// the file's layout is read too (or pass your own [`Target`] to
/// [`check_target_in`]).
///
/// ```
/// use conflint::{FileKind, MemoryFileSystem, Settings};
///
/// let mut fs = MemoryFileSystem::new();
/// fs.insert("/etc/apache2/apache2.conf", "ServerTokens Prod\nTraceEnable Off\nIncludeOptional sites-enabled/*.conf\n");
/// fs.insert("/etc/apache2/sites-enabled/000-shop.conf", "<VirtualHost *:80>\n  ServerName shop.example.com\n</VirtualHost>\n");
/// let diagnostics = conflint::check_tree(&fs, "/etc/apache2/apache2.conf", FileKind::Httpd, &Settings::default());
/// // The hardening rules have their say too; the catch-all finding is
/// // reported in the included file, where it is fixed.
/// let catch_all = diagnostics.iter().find(|d| d.code() == "HT003").expect("HT003");
/// assert_eq!(catch_all.location.path, std::path::Path::new("/etc/apache2/sites-enabled/000-shop.conf"));
/// ```
pub fn check_tree(
    fs: &dyn FileSystem,
    entry: impl AsRef<Path>,
    kind: FileKind,
    settings: &Settings,
) -> Vec<Diagnostic> {
    let entry = entry.as_ref();
    let found = Found { path: entry.to_path_buf(), kind, role: Role::Entry, identity: fs.identity(entry) };
    let target = single_file_target(&found, fs, settings, true);
    conflint_rules::lint(&target, fs, settings).diagnostics
}

/// Check any [`Target`] through `fs`.
pub fn check_target_in(fs: &dyn FileSystem, target: &Target, settings: &Settings) -> Vec<Diagnostic> {
    conflint_rules::lint(target, fs, settings).diagnostics
}

/// The result of fixing one file held in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixed {
    /// The fixed text (the input itself when nothing was fixed).
    pub text: Vec<u8>,
    /// How many findings the applied fixes resolved.
    pub fixed: usize,
    /// What is left to report in the fixed text.
    pub remaining: Vec<Diagnostic>,
    /// Fixes that were not applied (they would break the file, or did not
    /// resolve their finding), with the reason.
    pub failures: Vec<FixFailure>,
    /// False when fixing stopped at its pass limit (100) with fixes still
    /// to apply, each one in `failures`: fixing `text` again changes it.
    pub converged: bool,
}

/// Apply the safe fixes (and the unsafe ones with `unsafe_fixes`) to one
/// file held in memory. The result has been parsed and linted again; a
/// file that does not parse is returned unchanged with its CL001.
///
/// ```
/// use conflint::{FileKind, Settings};
///
/// let rb = b"gitlab_rails['rack_attack_git_basic_auth'] = {\n  'enabled' => true,\n  'ip_whitelist' => [\"127.0.0.1\"],\n}\n";
/// let mut settings = Settings::default();
/// settings.gitlab.trusted_ips.push("10.0.0.0/8".parse().unwrap());
/// let fixed = conflint::fix("gitlab.rb", FileKind::GitlabRb, rb, &settings, false);
/// assert!(String::from_utf8_lossy(&fixed.text).contains(r#"["127.0.0.1", "10.0.0.0/8"]"#));
/// ```
pub fn fix(path: impl AsRef<Path>, kind: FileKind, text: &[u8], settings: &Settings, unsafe_fixes: bool) -> Fixed {
    let path = path.as_ref();
    let mut fs = MemoryFileSystem::new();
    fs.insert(path, text.to_vec());
    let options = FixOptions { unsafe_fixes, only_path: Some(path.to_path_buf()) };
    let outcome = fix_target(&memory_target(&fs, path, kind, settings), &fs, settings, &options);
    let text = outcome.files.into_iter().find(|f| f.path == path).map_or_else(|| text.to_vec(), |f| f.fixed);
    Fixed {
        text,
        fixed: outcome.fixed,
        remaining: outcome.diagnostics,
        failures: outcome.failures,
        converged: outcome.converged,
    }
}

/// A unified diff (`a/` and `b/` paths) from `original` to `fixed`; empty
/// when they are equal.
pub fn diff(path: impl AsRef<Path>, original: &[u8], fixed: &[u8]) -> String {
    conflint_rules::diff::unified_diff(path.as_ref(), original, fixed)
}
