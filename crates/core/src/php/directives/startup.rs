//! Directives PHP itself names at startup: the ones it refuses to start
//! with, and the ones it warns about.
//!
//! `php_module_startup()` (main/main.c) walks two fixed lists after reading
//! php.ini and looks each name up in the configuration it read
//! (`cfg_get_long`: the global table only, the value read with `strtol`, so
//! `On` (stored as "1") and `2` count, `Off`, `0` and `abc` do not):
//!
//! * `E_CORE_ERROR` "Directive '%s' is no longer available in PHP": PHP does
//!   not start (the CLI exits 1, PHP-FPM and mod_php fail to start). The list
//!   is the same from 5.4 to 8.1 (php-src branches PHP-5.4 .. PHP-8.1), plus
//!   `asp_tags` from 7.0 and `track_errors` from 8.0; PHP 8.2.36 refuses all
//!   17 (tests/php_directives_system.rs). A `[PATH=]`/`[HOST=]` section does
//!   not count: those tables are not the global configuration.
//! * `E_DEPRECATED` "Directive '%s' is deprecated": `track_errors` in 7.2 to
//!   7.4, `allow_url_include` from 7.4.
//!
//! Fifteen of the fatal names were removed before PHP 5.6, the oldest release
//! the directive table describes, so the table does not list them;
//! [`removed_before_table`] does.

use super::PhpVersion;

/// What PHP does at startup when a directive is set to a non-zero value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartupCheck {
    /// `Fatal error: Directive 'NAME' is no longer available in PHP`: PHP
    /// does not start.
    Fatal,
    /// `Deprecated: Directive 'NAME' is deprecated`: a startup warning.
    Deprecated,
}

impl StartupCheck {
    /// PHP's own message for `name`.
    pub fn message(self, name: &str) -> String {
        match self {
            StartupCheck::Fatal => format!("Fatal error: Directive '{name}' is no longer available in PHP"),
            StartupCheck::Deprecated => format!("Deprecated: Directive '{name}' is deprecated"),
        }
    }
}

/// Removed before 5.6, still refused at startup: (name, release that
/// removed it). PHP 5.4 removed safe mode, magic quotes, register_globals
/// and friends; `zend.ze1_compatibility_mode` went in 5.3.
const ANCIENT: &[(&str, PhpVersion)] = &[
    ("allow_call_time_pass_reference", PhpVersion::new(5, 4)),
    ("define_syslog_variables", PhpVersion::new(5, 4)),
    ("highlight.bg", PhpVersion::new(5, 4)),
    ("magic_quotes_gpc", PhpVersion::new(5, 4)),
    ("magic_quotes_runtime", PhpVersion::new(5, 4)),
    ("magic_quotes_sybase", PhpVersion::new(5, 4)),
    ("register_globals", PhpVersion::new(5, 4)),
    ("register_long_arrays", PhpVersion::new(5, 4)),
    ("safe_mode", PhpVersion::new(5, 4)),
    ("safe_mode_allowed_env_vars", PhpVersion::new(5, 4)),
    ("safe_mode_exec_dir", PhpVersion::new(5, 4)),
    ("safe_mode_gid", PhpVersion::new(5, 4)),
    ("safe_mode_include_dir", PhpVersion::new(5, 4)),
    ("safe_mode_protected_env_vars", PhpVersion::new(5, 4)),
    ("zend.ze1_compatibility_mode", PhpVersion::new(5, 3)),
];

/// Removed before 5.6 and simply ignored since (php-src PHP-5.3 registers
/// them in ext/session/session.c, PHP-5.4 no longer does); old php.ini files
/// still carry them.
const ANCIENT_IGNORED: &[(&str, PhpVersion)] =
    &[("session.bug_compat_42", PhpVersion::new(5, 4)), ("session.bug_compat_warn", PhpVersion::new(5, 4))];

/// Fatal names added to the list later, and from which release.
const FATAL_LATER: &[(&str, PhpVersion)] =
    &[("asp_tags", PhpVersion::new(7, 0)), ("track_errors", PhpVersion::new(8, 0))];

/// The release that removed `name`, for directives PHP removed before 5.6,
/// the table's oldest release: those it still refuses at startup
/// (`safe_mode`, `register_globals`...) and a few old php.ini files still
/// carry (`session.bug_compat_42`).
///
/// ```
/// use conflint_core::php::directives::{directive, removed_before_table, PhpVersion};
/// assert_eq!(removed_before_table("safe_mode"), Some(PhpVersion::new(5, 4)));
/// assert!(directive("safe_mode").is_none()); // older than the table
/// assert_eq!(removed_before_table("expose_php"), None);
/// ```
pub fn removed_before_table(name: &str) -> Option<PhpVersion> {
    ANCIENT.iter().chain(ANCIENT_IGNORED).find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// What PHP `version` does at startup with `name` set to `value` in the
/// global configuration (`value` as stored: `On` is "1").
///
/// ```
/// use conflint_core::php::directives::{startup_check, PhpVersion, StartupCheck};
/// let v = PhpVersion::new(8, 2);
/// assert_eq!(startup_check("safe_mode", "1", v), Some(StartupCheck::Fatal));
/// assert_eq!(startup_check("safe_mode", "", v), None); // Off
/// assert_eq!(startup_check("track_errors", "1", PhpVersion::new(7, 4)), Some(StartupCheck::Deprecated));
/// assert_eq!(startup_check("track_errors", "1", v), Some(StartupCheck::Fatal));
/// assert_eq!(startup_check("allow_url_include", "1", v), Some(StartupCheck::Deprecated));
/// assert_eq!(startup_check("safe_mode", "On", v), None); // `safe_mode = "On"`, quoted: strtol reads 0
/// ```
pub fn startup_check(name: &str, value: &str, version: PhpVersion) -> Option<StartupCheck> {
    // cfg_get_long: strtol, so a quoted "On" (not turned into "1") is 0.
    if crate::php::value::atoi(value) == 0 {
        return None;
    }
    let fatal = (ANCIENT.iter().any(|(n, _)| *n == name) && version >= PhpVersion::new(5, 4))
        || FATAL_LATER.iter().any(|(n, since)| *n == name && version >= *since);
    if fatal {
        return Some(StartupCheck::Fatal);
    }
    let deprecated = match name {
        "track_errors" => version >= PhpVersion::new(7, 2),
        "allow_url_include" => version >= PhpVersion::new(7, 4),
        _ => false,
    };
    deprecated.then_some(StartupCheck::Deprecated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_count_by_their_leading_integer() {
        let v = PhpVersion::new(8, 2);
        for on in ["1", "2", "1abc", " 1"] {
            assert_eq!(startup_check("register_globals", on, v), Some(StartupCheck::Fatal), "{on}");
        }
        for off in ["", "0", "abc", "On"] {
            assert_eq!(startup_check("register_globals", off, v), None, "{off}");
        }
    }

    #[test]
    fn lists_by_release() {
        assert_eq!(startup_check("asp_tags", "1", PhpVersion::new(5, 6)), None);
        assert_eq!(startup_check("asp_tags", "1", PhpVersion::new(7, 0)), Some(StartupCheck::Fatal));
        assert_eq!(startup_check("track_errors", "1", PhpVersion::new(7, 1)), None);
        assert_eq!(startup_check("allow_url_include", "1", PhpVersion::new(7, 3)), None);
        assert_eq!(startup_check("expose_php", "1", PhpVersion::new(8, 2)), None);
        for (name, _) in ANCIENT.iter().chain(ANCIENT_IGNORED) {
            assert!(super::super::directive(name).is_none(), "{name} is in the table after all");
        }
        assert_eq!(startup_check("session.bug_compat_42", "1", PhpVersion::new(8, 2)), None);
    }
}
