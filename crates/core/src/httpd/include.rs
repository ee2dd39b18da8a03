//! How httpd turns an `Include` argument into a list of files: wildcards
//! matched with fnmatch in any path component, matches sorted by byte order
//! (`strcmp`, so digits < uppercase < `_` < lowercase), directories read
//! recursively, and absolute paths mapped into a checked-out tree.

use std::path::{Component, Path, PathBuf};

use crate::source::{EntryKind, FileSystem};

/// httpd's limit on nested includes (AP_MAX_INCLUDE_DEPTH).
pub const MAX_INCLUDE_DEPTH: usize = 128;

/// Why an include produced no files, in words close to httpd's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncludeFailure {
    /// A path without wildcards that does not exist.
    Missing(PathBuf),
    /// A wildcard that matched nothing, or whose directory does not exist.
    NoMatch {
        /// The wildcard component that matched nothing.
        pattern: String,
        /// Where it was looked for.
        dir: PathBuf,
    },
    /// An absolute path outside the server root that `--server-root` maps.
    OutsideRoot(PathBuf),
    /// A directory include that leads back into itself (a symlink to `.`).
    Loop(PathBuf),
    /// A pattern or directory that reaches more entries than any
    /// configuration has (`IncludeOptional /*/*/*`): not read.
    TooMany {
        /// The pattern as resolved.
        pattern: PathBuf,
        /// The bound.
        limit: usize,
    },
}

/// Entries an include may look at, across the wildcards and directories it
/// expands: far above real trees (Debian's has ~200 files), far below
/// walking a whole file system.
pub const MAX_INCLUDE_ENTRIES: usize = 100_000;

impl std::fmt::Display for IncludeFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::text::quoted_path;
        match self {
            IncludeFailure::Missing(path) => {
                write!(f, "Include of {} fails: no such file (httpd refuses to start)", quoted_path(path))
            }
            IncludeFailure::NoMatch { pattern, dir } => write!(
                f,
                "No matches for the wildcard '{}' in '{}': httpd refuses to start",
                crate::text::escape_control(pattern),
                quoted_path(dir).trim_matches('"')
            ),
            IncludeFailure::OutsideRoot(path) => {
                write!(f, "{} is outside the mapped server root; not read", quoted_path(path))
            }
            IncludeFailure::Loop(path) => write!(
                f,
                "directory loop: {} leads back to a directory the include already reads (httpd refuses it)",
                quoted_path(path)
            ),
            IncludeFailure::TooMany { pattern, limit } => write!(
                f,
                "{} reaches more than {limit} files and directories: not read (is it meant to cover the whole file system?)",
                quoted_path(pattern)
            ),
        }
    }
}

/// Whether a path component holds fnmatch wildcards.
pub fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// fnmatch with APR_FNM_PERIOD: `*`, `?` and `[...]` (with `!`/`^`
/// negation and ranges); a leading `.` must be matched explicitly. Linear
/// in practice: the classic single-backtrack algorithm for `*`.
pub fn fnmatch(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    if n.first() == Some(&'.') && p.first() != Some(&'.') {
        return false;
    }
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    star = Some((pi, ni));
                    pi += 1;
                    continue;
                }
                '?' => {
                    pi += 1;
                    ni += 1;
                    continue;
                }
                '[' => {
                    if let Some((matched, next)) = match_class(&p, pi, n[ni]) {
                        if matched {
                            pi = next;
                            ni += 1;
                            continue;
                        }
                    } else if n[ni] == '[' {
                        pi += 1;
                        ni += 1;
                        continue;
                    }
                }
                '\\' if pi + 1 < p.len() && p[pi + 1] == n[ni] => {
                    pi += 2;
                    ni += 1;
                    continue;
                }
                c if c == n[ni] => {
                    pi += 1;
                    ni += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, sn)) => {
                pi = sp + 1;
                ni = sn + 1;
                star = Some((sp, sn + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Match `c` against the class starting at `p[start] == '['`; returns
/// whether it matched and the index after the class, or `None` when the
/// class is not closed (then `[` is literal).
fn match_class(p: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negate = matches!(p.get(i), Some('!') | Some('^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < p.len() {
        if p[i] == ']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
            if p[i] <= c && c <= p[i + 2] {
                matched = true;
            }
            i += 3;
        } else {
            if p[i] == c {
                matched = true;
            }
            i += 1;
        }
    }
    None
}

/// Sort paths as httpd does: by the bytes of their names (strcmp).
pub fn sort_by_bytes(paths: &mut [PathBuf]) {
    paths.sort_by(|a, b| a.as_os_str().as_encoded_bytes().cmp(b.as_os_str().as_encoded_bytes()));
}

/// How much an include may still look at, and the directories it read.
struct Budget {
    entries_left: usize,
    visited: std::collections::HashSet<crate::source::FileIdentity>,
}

impl Budget {
    fn take(&mut self, n: usize, pattern: &Path) -> Result<(), IncludeFailure> {
        match self.entries_left.checked_sub(n) {
            Some(left) => {
                self.entries_left = left;
                Ok(())
            }
            None => Err(IncludeFailure::TooMany { pattern: pattern.to_path_buf(), limit: MAX_INCLUDE_ENTRIES }),
        }
    }
}

/// Expand an include `path` (already absolute) into files, in httpd's order.
/// Bounded: pseudo file systems are never listed, a directory is read once
/// (a symlink back to `.` is a loop, as httpd reports it), and at most
/// [`MAX_INCLUDE_ENTRIES`] entries are looked at.
pub fn expand(fs: &dyn FileSystem, path: &Path, optional: bool) -> Result<Vec<PathBuf>, IncludeFailure> {
    let mut budget = Budget { entries_left: MAX_INCLUDE_ENTRIES, visited: Default::default() };
    let text = path.to_string_lossy();
    if !has_wildcard(&text) {
        return match fs.kind(path) {
            Ok(EntryKind::Dir) => {
                let mut out = Vec::new();
                read_dir_recursive(fs, path, 0, &mut budget, path, &mut out)?;
                Ok(out)
            }
            Ok(_) => Ok(vec![path.to_path_buf()]),
            Err(_) if optional => Ok(Vec::new()),
            Err(_) => Err(IncludeFailure::Missing(path.to_path_buf())),
        };
    }
    // Walk the components; each one with a wildcard fans out over the
    // sorted matches of the directories reached so far.
    let mut bases = vec![PathBuf::new()];
    let components: Vec<Component<'_>> = path.components().collect();
    let last = components.len().saturating_sub(1);
    for (i, component) in components.iter().enumerate() {
        let part = component.as_os_str().to_string_lossy();
        if !has_wildcard(&part) {
            for base in &mut bases {
                base.push(component.as_os_str());
            }
            continue;
        }
        let mut next = Vec::new();
        for base in &bases {
            if fs.is_pseudo(base) {
                continue;
            }
            let Ok(mut entries) = fs.read_dir(base) else {
                if !optional && bases.len() == 1 {
                    return Err(IncludeFailure::NoMatch { pattern: part.to_string(), dir: base.clone() });
                }
                continue;
            };
            budget.take(entries.len(), path)?;
            sort_by_bytes(&mut entries);
            for entry in entries {
                let name = entry.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                if !fnmatch(&part, &name) {
                    continue;
                }
                let kind = fs.kind(&entry).ok();
                // httpd's fnmatch does not look at the type: a FIFO that
                // matches is included (and then refused when opened).
                let wanted = if i == last {
                    matches!(kind, Some(EntryKind::File | EntryKind::Special))
                } else {
                    kind == Some(EntryKind::Dir)
                };
                if wanted {
                    next.push(entry);
                }
            }
        }
        if next.is_empty() {
            if optional {
                return Ok(Vec::new());
            }
            let dir = bases.first().cloned().unwrap_or_default();
            return Err(IncludeFailure::NoMatch { pattern: part.to_string(), dir });
        }
        bases = next;
    }
    Ok(bases)
}

/// All files under a directory, sorted per directory, recursing as httpd
/// does for `Include dir/`. Bounded by [`MAX_INCLUDE_DEPTH`], the budget,
/// and each directory read once.
fn read_dir_recursive(
    fs: &dyn FileSystem,
    dir: &Path,
    depth: usize,
    budget: &mut Budget,
    pattern: &Path,
    out: &mut Vec<PathBuf>,
) -> Result<(), IncludeFailure> {
    if depth > MAX_INCLUDE_DEPTH || fs.is_pseudo(dir) {
        return Ok(());
    }
    if !budget.visited.insert(fs.identity(dir)) {
        return Err(IncludeFailure::Loop(dir.to_path_buf()));
    }
    let Ok(mut entries) = fs.read_dir(dir) else { return Ok(()) };
    budget.take(entries.len(), pattern)?;
    sort_by_bytes(&mut entries);
    for entry in entries {
        match fs.kind(&entry) {
            Ok(EntryKind::Dir) => read_dir_recursive(fs, &entry, depth + 1, budget, pattern, out)?,
            Ok(_) => out.push(entry),
            Err(_) => {}
        }
    }
    Ok(())
}

/// Maps the absolute paths a configuration names (its ServerRoot, absolute
/// includes) onto the directory where the tree really is: a checkout of
/// /etc/apache2 in an infrastructure repository reads `/etc/apache2/x.conf`
/// from the checkout.
#[derive(Debug, Clone)]
pub struct RootMap {
    /// Where the tree's server root really is.
    pub local_root: PathBuf,
    /// Absolute prefixes that stand for `local_root`, longest first.
    live_roots: Vec<PathBuf>,
    /// `--server-root` was given: paths outside the mapped roots are not read.
    pub explicit: bool,
}

impl RootMap {
    /// Guess the layout from the entry file: `X/apache2.conf` is
    /// /etc/apache2, `X/conf/httpd.conf` is /etc/httpd (ServerRoot is the
    /// parent of `conf/`, as Red Hat lays it out); `server_root` (from
    /// `--server-root`) overrides.
    pub fn new(entry: &Path, server_root: Option<&Path>) -> Self {
        let entry_dir = entry.parent().map(Path::to_path_buf).unwrap_or_default();
        let dir_name = entry_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let is_httpd_conf = entry.file_name().is_some_and(|n| n == "httpd.conf");
        let inferred = if dir_name == "conf" && is_httpd_conf {
            entry_dir.parent().map_or_else(|| entry_dir.clone(), Path::to_path_buf)
        } else {
            entry_dir.clone()
        };
        let root_name = inferred.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut live_roots = vec![PathBuf::from("/etc/apache2"), PathBuf::from("/etc/httpd")];
        if !root_name.is_empty() {
            live_roots.push(PathBuf::from("/etc").join(&root_name));
        }
        let mut map = RootMap {
            local_root: server_root.map(Path::to_path_buf).unwrap_or(inferred),
            live_roots: Vec::new(),
            explicit: server_root.is_some(),
        };
        for root in live_roots {
            map.add_live_root(&root);
        }
        map
    }

    /// A `ServerRoot` the configuration declares stands for the local root too.
    pub fn add_live_root(&mut self, root: &Path) {
        let root = normalize(root);
        if !self.live_roots.contains(&root) {
            self.live_roots.push(root);
            self.live_roots.sort_by_key(|r| std::cmp::Reverse(r.as_os_str().len()));
        }
    }

    /// Where an absolute path of the configuration really is. `None` when
    /// it lies outside every mapped root and the root was given explicitly.
    pub fn map(&self, path: &Path) -> Option<PathBuf> {
        let path = normalize(path);
        if path.starts_with(&self.local_root) {
            return Some(path);
        }
        for live in &self.live_roots {
            if let Ok(rest) = path.strip_prefix(live) {
                return Some(self.local_root.join(rest));
            }
        }
        if self.explicit { None } else { Some(path) }
    }

    /// Resolve a path argument: absolute paths are mapped, relative ones
    /// are taken from `server_root`.
    pub fn resolve(&self, server_root: &Path, arg: &str) -> Option<PathBuf> {
        let path = Path::new(arg);
        if path.is_absolute() { self.map(path) } else { Some(normalize(&server_root.join(path))) }
    }
}

/// Remove `.` components and trailing slashes, keep `..` (symlinks).
fn normalize(path: &Path) -> PathBuf {
    path.components().filter(|c| !matches!(c, Component::CurDir)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemoryFileSystem;

    #[test]
    fn fnmatch_basics() {
        assert!(fnmatch("*.conf", "000-default.conf"));
        assert!(!fnmatch("*.conf", ".hidden.conf"));
        assert!(fnmatch(".*", ".hidden"));
        assert!(fnmatch("mod_[a-c]?.load", "mod_b1.load"));
        assert!(!fnmatch("mod_[!a-c]?.load", "mod_b1.load"));
        assert!(fnmatch("*a*b*c", "xxaxxbxxc"));
        assert!(!fnmatch("*a*b*c", "xxaxxbxx"));
        assert!(fnmatch("[x", "[x"));
    }

    #[test]
    fn wildcard_matches_sort_by_bytes() {
        let mut fs = MemoryFileSystem::new();
        for name in
            ["b-site.conf", "_catchall.conf", "A-site.conf", "10-x.conf", "000-default.conf", "zz.conf", "x.txt"]
        {
            fs.insert(format!("/r/inc/{name}"), "");
        }
        let files = expand(&fs, Path::new("/r/inc/*.conf"), false).unwrap();
        let names: Vec<_> = files.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["000-default.conf", "10-x.conf", "A-site.conf", "_catchall.conf", "b-site.conf", "zz.conf"]);
    }

    #[test]
    fn wildcard_in_directory_component() {
        let mut fs = MemoryFileSystem::new();
        fs.insert("/r/a/x.conf", "").insert("/r/b/y.conf", "").insert("/r/b/z.txt", "");
        let files = expand(&fs, Path::new("/r/*/*.conf"), false).unwrap();
        assert_eq!(files, [PathBuf::from("/r/a/x.conf"), PathBuf::from("/r/b/y.conf")]);
    }

    #[test]
    fn no_match_is_an_error_unless_optional() {
        let mut fs = MemoryFileSystem::new();
        fs.insert("/r/inc/a.txt", "");
        assert!(matches!(expand(&fs, Path::new("/r/inc/*.conf"), false), Err(IncludeFailure::NoMatch { .. })));
        assert_eq!(expand(&fs, Path::new("/r/inc/*.conf"), true), Ok(vec![]));
        assert!(matches!(expand(&fs, Path::new("/r/missing.conf"), false), Err(IncludeFailure::Missing(_))));
        assert_eq!(expand(&fs, Path::new("/r/missing.conf"), true), Ok(vec![]));
    }

    #[test]
    fn a_directory_linked_into_itself_is_a_loop_not_a_fan_out() {
        let dir = std::env::temp_dir().join(format!("conflint-include-loop-{}", std::process::id()));
        let inc = dir.join("inc");
        std::fs::create_dir_all(&inc).unwrap();
        std::fs::write(inc.join("a.conf"), "").unwrap();
        #[cfg(unix)]
        {
            let _ = std::os::unix::fs::symlink(".", inc.join("x"));
            let _ = std::os::unix::fs::symlink(".", inc.join("y"));
        }
        let result = expand(&crate::source::RealFileSystem::new(), &inc, false);
        let _ = std::fs::remove_dir_all(&dir);
        assert!(matches!(result, Err(IncludeFailure::Loop(_))), "{result:?}");
    }

    #[test]
    fn root_map_maps_live_paths_into_checkout() {
        let map = RootMap::new(Path::new("/repo/etc/apache2/apache2.conf"), None);
        assert_eq!(map.local_root, PathBuf::from("/repo/etc/apache2"));
        assert_eq!(map.map(Path::new("/etc/apache2/ports.conf")), Some(PathBuf::from("/repo/etc/apache2/ports.conf")));
        let centos = RootMap::new(Path::new("/repo/httpd/conf/httpd.conf"), None);
        assert_eq!(centos.local_root, PathBuf::from("/repo/httpd"));
        let explicit = RootMap::new(Path::new("/repo/x/httpd.conf"), Some(Path::new("/repo/x")));
        assert_eq!(explicit.map(Path::new("/opt/other.conf")), None);
    }
}
