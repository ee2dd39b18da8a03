//! httpd's start-up conditionals, evaluated statically: `<IfModule>`,
//! `<IfDefine>`, `<IfVersion>`. Where the answer depends on something we
//! cannot see (a `-D` on the command line, a module compiled in, a file on
//! the live box), the answer is "maybe".

use std::collections::HashSet;

use super::version::ApacheVersion;

/// Three-valued truth of a conditional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Truth {
    /// Definitely true.
    Yes,
    /// Definitely false.
    No,
    /// Depends on something conflint cannot see.
    Maybe,
}

impl std::ops::Not for Truth {
    type Output = Truth;

    fn not(self) -> Truth {
        match self {
            Truth::Yes => Truth::No,
            Truth::No => Truth::Yes,
            Truth::Maybe => Truth::Maybe,
        }
    }
}

impl Truth {
    /// Both must hold.
    pub fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::No, _) | (_, Truth::No) => Truth::No,
            (Truth::Yes, Truth::Yes) => Truth::Yes,
            _ => Truth::Maybe,
        }
    }

    fn from_bool(b: bool) -> Truth {
        if b { Truth::Yes } else { Truth::No }
    }
}

/// Modules compiled into Debian's apache2 (`apache2 -l`); every build has
/// the first three.
const STATIC_MODULES: &[&str] = &[
    "core.c",
    "mod_so.c",
    "http_core.c",
    "mod_watchdog.c",
    "mod_log_config.c",
    "mod_logio.c",
    "mod_version.c",
    "mod_unixd.c",
];

/// The modules loaded so far, by both names `<IfModule>` accepts: the
/// module identifier (`ssl_module`) and the source file (`mod_ssl.c`).
#[derive(Debug, Clone, Default)]
pub struct Modules {
    pub(crate) names: HashSet<String>,
    /// At least one `LoadModule` was seen in a tree read from its entry
    /// file, so a module not loaded by now is really absent.
    pub complete: bool,
}

impl Modules {
    /// Record `LoadModule id path`.
    pub fn load(&mut self, id: &str, path: &str) {
        for name in module_names(id, path) {
            self.names.insert(name);
        }
    }

    /// Whether `name` (identifier or source file) is loaded or built in.
    pub fn is_loaded(&self, name: &str) -> bool {
        self.names.contains(name) || STATIC_MODULES.contains(&name)
    }

    /// `<IfModule [!]name>`.
    pub fn test(&self, arg: &str) -> Truth {
        let (negate, name) = match arg.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, arg),
        };
        let truth = if self.is_loaded(name) {
            Truth::Yes
        } else if self.complete {
            Truth::No
        } else {
            Truth::Maybe
        };
        if negate { !truth } else { truth }
    }
}

/// The names a loaded module answers to in `<IfModule>`.
fn module_names(id: &str, path: &str) -> Vec<String> {
    let mut names = vec![id.to_string()];
    if let Some(mpm) = id.strip_prefix("mpm_").and_then(|m| m.strip_suffix("_module")) {
        names.push(format!("{mpm}.c"));
        return names;
    }
    if let Some(base) = id.strip_suffix("_module") {
        names.push(format!("mod_{base}.c"));
        // mod_php's source file is mod_php.c, whatever the library is called.
        if base.starts_with("php") {
            names.push(format!("mod_{base}.c"));
            names.push("mod_php.c".to_string());
        }
    }
    if let Some(stem) = std::path::Path::new(path).file_stem().and_then(|s| s.to_str()) {
        names.push(format!("{stem}.c"));
    }
    names
}

/// The MPM a module identifier loads, if it is one.
pub fn mpm_of_module(id: &str) -> Option<&str> {
    id.strip_prefix("mpm_").and_then(|m| m.strip_suffix("_module"))
}

/// The MPM an `<IfModule>` argument names (`mpm_event_module`, `event.c`,
/// 2.2's `prefork.c`, or another platform's MPM such as `mpm_winnt_module`).
pub fn mpm_named(arg: &str) -> Option<&str> {
    let name = arg.trim_start_matches('!');
    if let Some(mpm) = name.strip_prefix("mpm_").and_then(|m| m.strip_suffix("_module")) {
        return Some(mpm);
    }
    let stem = name.strip_suffix(".c")?;
    ["prefork", "worker", "event", "winnt", "netware", "mpmt_os2", "motorz", "simple"]
        .into_iter()
        .find(|m| *m == stem)
        .map(|_| stem)
}

/// `<IfDefine [!]NAME>`: `defined` says whether NAME is defined so far
/// (`Maybe` for a name never defined nor undefined: `-D` on the command line
/// could define it).
pub fn test_define(arg: &str, defined: &dyn Fn(&str) -> Truth) -> Truth {
    let (negate, name) = match arg.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, arg),
    };
    let truth = defined(name);
    if negate { !truth } else { truth }
}

/// `<IfVersion [[!]op] version>` against a major.minor version whose patch
/// level is unknown: the answer is definite when every 2.x.y agrees.
pub fn test_version(args: &[String], version: ApacheVersion) -> Truth {
    let (op, wanted) = match args {
        [v] => ("=", v.as_str()),
        [op, v] => (op.as_str(), v.as_str()),
        _ => return Truth::Maybe,
    };
    let (negate, op) = match op.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, op),
    };
    let Some(wanted) = parse_version(wanted) else { return Truth::Maybe };
    let (major, minor) = version.major_minor();
    let low = (major, minor, 0);
    let high = (major, minor, u32::MAX);
    let cmp = |have: (u32, u32, u32)| -> Option<bool> {
        Some(match op {
            "=" | "==" => have == wanted,
            ">" => have > wanted,
            ">=" => have >= wanted,
            "<" => have < wanted,
            "<=" => have <= wanted,
            _ => return None,
        })
    };
    let truth = match (cmp(low), cmp(high)) {
        (Some(a), Some(b)) if a == b => Truth::from_bool(a),
        _ => Truth::Maybe,
    };
    if negate { !truth } else { truth }
}

/// `2.4.10` → (2, 4, 10); missing parts are 0, as mod_version reads them
/// (so `< 2.4` is false for every 2.4.x).
fn parse_version(s: &str) -> Option<(u32, u32, u32)> {
    let mut parts = s.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().map(str::parse).transpose().ok()?.unwrap_or(0);
    let patch = parts.next().map(str::parse).transpose().ok()?.unwrap_or(0);
    Some((major, minor, patch))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(std::string::ToString::to_string).collect()
    }

    #[test]
    fn if_module_by_both_names() {
        let mut m = Modules::default();
        m.load("ssl_module", "/usr/lib/apache2/modules/mod_ssl.so");
        m.load("mpm_event_module", "/usr/lib/apache2/modules/mod_mpm_event.so");
        assert_eq!(m.test("mod_ssl.c"), Truth::Yes);
        assert_eq!(m.test("ssl_module"), Truth::Yes);
        assert_eq!(m.test("event.c"), Truth::Yes);
        assert_eq!(m.test("mod_rewrite.c"), Truth::Maybe);
        m.complete = true;
        assert_eq!(m.test("mod_rewrite.c"), Truth::No);
        assert_eq!(m.test("!mod_rewrite.c"), Truth::Yes);
        assert_eq!(m.test("mod_version.c"), Truth::Yes);
    }

    #[test]
    fn if_version() {
        let v = ApacheVersion::V2_4;
        assert_eq!(test_version(&args(&[">=", "2.3"]), v), Truth::Yes);
        assert_eq!(test_version(&args(&["<", "2.4"]), v), Truth::No);
        assert_eq!(test_version(&args(&[">=", "2.4.10"]), v), Truth::Maybe);
        assert_eq!(test_version(&args(&["2.4"]), v), Truth::Maybe);
        assert_eq!(test_version(&args(&["=", "2.2"]), v), Truth::No);
        assert_eq!(test_version(&args(&["!=", "2.2"]), v), Truth::Yes);
        assert_eq!(test_version(&args(&["<", "2.4"]), ApacheVersion::V2_2), Truth::Yes);
    }

    #[test]
    fn if_define_unknown_is_maybe() {
        let defined = |n: &str| match n {
            "SSL" => Truth::Yes,
            "GONE" => Truth::No,
            _ => Truth::Maybe,
        };
        assert_eq!(test_define("SSL", &defined), Truth::Yes);
        assert_eq!(test_define("!SSL", &defined), Truth::No);
        assert_eq!(test_define("FOO", &defined), Truth::Maybe);
        assert_eq!(test_define("!GONE", &defined), Truth::Yes);
    }
}
