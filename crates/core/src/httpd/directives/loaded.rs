//! Which modules a configuration has: the ones built into the server plus
//! those its `LoadModule` lines load, or "unknown" for a fragment.

use std::collections::BTreeSet;

use super::{module, modules};
use crate::httpd::version::ApacheVersion;

/// The modules compiled into Debian's apache2 (`apache2 -l`: core.c,
/// mod_so.c, mod_watchdog.c, http_core.c, mod_log_config.c, mod_logio.c,
/// mod_version.c, mod_unixd.c), by identifier.
pub const BUILTIN_MODULES: &[&str] = &[
    "core_module",
    "so_module",
    "watchdog_module",
    "http_module",
    "log_config_module",
    "logio_module",
    "version_module",
    "unixd_module",
];

/// The modules every 2.2 build has compiled in; the MPM is compiled in
/// too, and which one is not known from the configuration.
const BUILTIN_MODULES_2_2: &[&str] = &["core_module", "so_module", "http_module"];

/// The loaded modules a check may rely on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedModules {
    /// `None`: not known (a fragment checked on its own).
    ids: Option<BTreeSet<String>>,
    /// `LoadModule` named modules conflint has no table for.
    foreign: BTreeSet<String>,
    /// Any MPM's directives count as loaded (2.2 compiles one in).
    any_mpm: bool,
}

impl LoadedModules {
    /// A fragment: which modules are loaded is not known.
    pub fn unknown() -> LoadedModules {
        LoadedModules { ids: None, foreign: BTreeSet::new(), any_mpm: false }
    }

    /// The modules a server of `version` has before any `LoadModule`:
    /// Debian's static modules for 2.4; for 2.2, core, http_core, mod_so
    /// and whichever MPM it was built with.
    pub fn builtin(version: ApacheVersion) -> LoadedModules {
        let (ids, any_mpm) = match version {
            ApacheVersion::V2_4 => (BUILTIN_MODULES, false),
            ApacheVersion::V2_2 => (BUILTIN_MODULES_2_2, true),
        };
        LoadedModules {
            ids: Some(ids.iter().map(std::string::ToString::to_string).collect()),
            foreign: BTreeSet::new(),
            any_mpm,
        }
    }

    /// Record `LoadModule <id> <path>`: the identifier as written.
    pub fn load(&mut self, version: ApacheVersion, id: &str) {
        let Some(ids) = self.ids.as_mut() else { return };
        match module(version, id) {
            Some(m) => {
                ids.insert(m.id.to_string());
            }
            None => {
                self.foreign.insert(id.to_string());
            }
        }
    }

    /// Whether the loaded set is known.
    pub fn is_known(&self) -> bool {
        self.ids.is_some()
    }

    /// Modules loaded by `LoadModule` that conflint has no table for: any
    /// of them may register any directive.
    pub fn foreign(&self) -> impl Iterator<Item = &str> {
        self.foreign.iter().map(String::as_str)
    }

    /// Whether the module (identifier) is loaded: `None` when not known.
    pub fn has(&self, id: &str) -> Option<bool> {
        let ids = self.ids.as_ref()?;
        Some(ids.contains(id) || (self.any_mpm && id.starts_with("mpm_")))
    }

    /// The loaded module identifiers, when known.
    pub fn ids(&self) -> Option<impl Iterator<Item = &str>> {
        self.ids.as_ref().map(|ids| ids.iter().map(String::as_str))
    }

    /// Whether `<IfModule>`/`LogLevel` would find a module named either way.
    pub fn has_named(&self, version: ApacheVersion, name: &str) -> Option<bool> {
        match module(version, name) {
            Some(m) => self.has(m.id),
            None => {
                let ids = self.ids.as_ref()?;
                Some(ids.contains(name) || self.foreign.contains(name))
            }
        }
    }
}

/// Every module of a version's table, for tests and tools that want "all".
pub fn all_module_ids(version: ApacheVersion) -> impl Iterator<Item = &'static str> {
    modules(version).iter().map(|m| m.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loading_by_identifier() {
        let v = ApacheVersion::V2_4;
        let mut m = LoadedModules::builtin(v);
        assert_eq!(m.has("rewrite_module"), Some(false));
        m.load(v, "rewrite_module");
        assert_eq!(m.has("rewrite_module"), Some(true));
        assert_eq!(m.has_named(v, "mod_rewrite.c"), Some(true));
        assert_eq!(m.has("core_module"), Some(true));
        m.load(v, "frobnicate_module");
        assert_eq!(m.foreign().collect::<Vec<_>>(), ["frobnicate_module"]);
    }

    #[test]
    fn unknown_knows_nothing() {
        let m = LoadedModules::unknown();
        assert_eq!(m.has("core_module"), None);
        assert!(!m.is_known());
    }

    #[test]
    fn a_2_2_server_has_its_mpm_built_in() {
        let m = LoadedModules::builtin(ApacheVersion::V2_2);
        assert_eq!(m.has("mpm_prefork_module"), Some(true));
        assert_eq!(m.has("rewrite_module"), Some(false));
    }
}
