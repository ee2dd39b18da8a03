//! Where else PHP's settings come from: PHP-FPM pool files
//! (`php_admin_value[display_errors] = off`) and Apache's mod_php
//! directives (`php_admin_flag expose_php off`, in the server or a vhost).
//! A finding about a setting is about the value PHP ends up with for the
//! SAPI that serves pages, so rules ask for the value per scope (each pool,
//! the main server, each vhost) and name the file that decides it.

use std::path::{Path, PathBuf};

use crate::httpd::{HttpdFile, HttpdOptions, HttpdTree, LineKind};
use crate::source::{EntryKind, FileSystem};
use crate::text::Span;

use super::model::{IniSource, Setting};
use super::value::{evaluate, evaluate_offset};
use super::{PhpIniFile, PhpIniTree};

/// The files that can override php.ini for one target.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OverrideSources {
    /// PHP-FPM pool files (`pool.d/*.conf`, `php-fpm.d/*.conf`).
    pub pools: Vec<PathBuf>,
    /// Entry files of httpd trees that may run mod_php.
    pub httpd_entries: Vec<PathBuf>,
}

/// Where an override applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// A PHP-FPM pool, by name (`[www]`).
    Pool(String),
    /// Apache's main server (every vhost that does not override it).
    ApacheServer,
    /// One Apache virtual host, by its ServerName (or address).
    ApacheVhost(String),
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scope::Pool(name) => write!(f, "PHP-FPM pool [{name}]"),
            Scope::ApacheServer => f.write_str("Apache (mod_php, main server)"),
            Scope::ApacheVhost(name) => write!(f, "Apache (mod_php) vhost {name}"),
        }
    }
}

/// One `php_value`/`php_flag`/`php_admin_value`/`php_admin_flag`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// Where it applies.
    pub scope: Scope,
    /// The setting it changes.
    pub key: String,
    /// The value, evaluated (booleans as "1"/"" as PHP stores them).
    pub value: String,
    /// The value as written, for messages.
    pub written: String,
    /// `php_admin_*`: may set any key, and cannot be changed by scripts.
    pub admin: bool,
    /// The file it is in.
    pub path: PathBuf,
    /// The bytes of its value, for a fix.
    pub span: Span,
}

/// The value a setting has in one scope, and what decides it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopedValue {
    /// `None`: the php.ini value, for every SAPI no override touches.
    pub scope: Option<Scope>,
    /// What decides it.
    pub source: ValueSource,
}

/// What decides a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueSource {
    /// A php.ini (or scan-directory) line.
    Ini(Setting),
    /// An override.
    Override(Override),
    /// Nothing: PHP's built-in default.
    Default,
}

/// Keys mod_php's and FPM's `php_value`/`php_flag` may not set: PHP only
/// lets `php_admin_*` (or php.ini) change a `PHP_INI_SYSTEM` directive.
fn system_only(key: &str) -> bool {
    matches!(
        key,
        "expose_php"
            | "allow_url_fopen"
            | "allow_url_include"
            | "disable_functions"
            | "disable_classes"
            | "enable_dl"
            | "max_file_uploads"
            | "upload_tmp_dir"
            | "open_basedir"
            | "file_uploads"
    )
}

/// The pool directories of an FPM setup whose php.ini is `main`: Debian's
/// `fpm/pool.d`, the `php-fpm.d` next to php.ini (Alpine) or one level up
/// (RHEL's `/etc/php-fpm.d`, the Docker image's `/usr/local/etc/php-fpm.d`).
pub fn pool_files(fs: &dyn FileSystem, main: &Path) -> Vec<PathBuf> {
    let Some(dir) = main.parent() else { return Vec::new() };
    let mut candidates = vec![dir.join("pool.d"), dir.join("php-fpm.d")];
    if let Some(up) = dir.parent() {
        candidates.push(up.join("php-fpm.d"));
    }
    let Some(pools) = candidates.into_iter().find(|c| matches!(fs.kind(c), Ok(EntryKind::Dir))) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = fs
        .read_dir(&pools)
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "conf"))
        .filter(|p| matches!(fs.kind(p), Ok(EntryKind::File)))
        .collect();
    files.sort();
    files
}

/// Overrides read from their files.
#[derive(Debug, Clone, Default)]
pub(crate) struct Overrides {
    /// The pool files, parsed (or why not).
    pub pool_files: Vec<IniSource>,
    /// httpd files holding mod_php directives, parsed.
    pub httpd_files: Vec<(PathBuf, HttpdFile)>,
    /// Every override, in reading order.
    pub list: Vec<Override>,
    /// The scopes found (each pool; Apache's server and vhosts), even
    /// those that override nothing.
    pub scopes: Vec<Scope>,
}

impl Overrides {
    /// Read the pool files and the httpd trees of `sources`.
    pub(crate) fn load(fs: &dyn FileSystem, sources: &OverrideSources) -> Overrides {
        let mut out = Overrides::default();
        for path in &sources.pools {
            let content = crate::source::read_text(fs, path)
                .map_err(super::LoadError::from)
                .and_then(|b| PhpIniFile::parse(b).map_err(super::LoadError::from));
            if let Ok(file) = &content {
                out.read_pool(path, file);
            }
            out.pool_files.push(IniSource { path: path.clone(), is_entry: false, content });
        }
        for entry in &sources.httpd_entries {
            if let Ok(tree) = HttpdTree::load(fs, entry, &HttpdOptions::default()) {
                out.read_httpd(&tree);
            }
        }
        out
    }

    /// `[pool]` sections and their `php_*[key] = value` lines.
    fn read_pool(&mut self, path: &Path, file: &PhpIniFile) {
        let mut pool = None;
        let lookup = |_: &str| None;
        for line in &file.lines {
            match &line.kind {
                super::IniLineKind::Section { name_value, .. } => {
                    let name = name_value.trim().to_string();
                    // php-fpm.conf's `[global]` is no pool.
                    pool = (name != "global").then_some(name);
                    if let Some(name) = &pool {
                        let scope = Scope::Pool(name.clone());
                        if !self.scopes.contains(&scope) {
                            self.scopes.push(scope);
                        }
                    }
                }
                super::IniLineKind::Entry(entry) => {
                    let (Some(name), Some(offset), Some(value)) = (&pool, &entry.offset_value, &entry.value) else {
                        continue;
                    };
                    let admin = match entry.key_text.as_str() {
                        "php_admin_value" | "php_admin_flag" => true,
                        "php_value" | "php_flag" => false,
                        _ => continue,
                    };
                    let key = evaluate_offset(file, offset, &lookup);
                    if !admin && system_only(&key) {
                        continue;
                    }
                    self.list.push(Override {
                        scope: Scope::Pool(name.clone()),
                        key,
                        value: evaluate(file, value, &lookup),
                        written: file.text(value.span).into_owned(),
                        admin,
                        path: path.to_path_buf(),
                        span: value.span,
                    });
                }
                _ => {}
            }
        }
    }

    /// mod_php's directives in a tree: in server context or in a vhost.
    fn read_httpd(&mut self, tree: &HttpdTree) {
        let mut files_used = Vec::new();
        let mut any = false;
        for (id, item) in tree.items_with_ids() {
            let lower = item.name.to_ascii_lowercase();
            let admin = match lower.as_str() {
                "php_admin_value" | "php_admin_flag" => true,
                "php_value" | "php_flag" => false,
                _ => continue,
            };
            any = true;
            let (Some(key), Some(raw)) = (item.args.first(), item.args.get(1)) else { continue };
            if !admin && system_only(key) {
                continue;
            }
            let scope = match tree.virtual_host_of(id) {
                Some(vhost) => {
                    let name = tree
                        .section_value(vhost, "ServerName")
                        .and_then(|s| tree.item(s).args.first().cloned())
                        .unwrap_or_else(|| tree.item(vhost).args.join(" "));
                    Scope::ApacheVhost(name)
                }
                None => Scope::ApacheServer,
            };
            // mod_php reads a flag's value as a boolean word.
            let flag = lower.ends_with("_flag");
            let value =
                if flag { if super::php_bool(raw) { "1".to_string() } else { String::new() } } else { raw.clone() };
            let syntax = &tree.file(item.file).syntax;
            let span = match &syntax.lines[item.line].kind {
                LineKind::Directive(d) => d.args.get(1).map_or(d.name, |a| a.span),
                _ => syntax.lines[item.line].text,
            };
            if !files_used.contains(&item.file) {
                files_used.push(item.file);
            }
            self.list.push(Override {
                scope,
                key: key.clone(),
                value,
                written: syntax.text(span).into_owned(),
                admin,
                path: tree.file(item.file).path.clone(),
                span,
            });
        }
        if !any {
            return;
        }
        // Every vhost is a scope: one that overrides nothing gets the
        // server's value.
        if !self.scopes.contains(&Scope::ApacheServer) {
            self.scopes.push(Scope::ApacheServer);
        }
        for vhost in &tree.vhosts.vhosts {
            let name = vhost.server_name.clone().unwrap_or_else(|| tree.item(vhost.item).args.join(" "));
            let scope = Scope::ApacheVhost(name);
            if !self.scopes.contains(&scope) {
                self.scopes.push(scope);
            }
        }
        for file in files_used {
            let f = tree.file(file);
            if !self.httpd_files.iter().any(|(p, _)| *p == f.path) {
                self.httpd_files.push((f.path.clone(), f.syntax.clone()));
            }
        }
    }
}

impl PhpIniTree {
    /// The value `key` has in each scope pages are served from: one entry
    /// per FPM pool and per Apache scope when the target has any, else one
    /// for php.ini itself. An override in a scope wins over php.ini; a
    /// vhost without one gets the main server's.
    pub fn scoped_values(&self, key: &str) -> Vec<ScopedValue> {
        let base = match self.effective(key) {
            Some(setting) => ValueSource::Ini(setting),
            None => ValueSource::Default,
        };
        if self.overrides.scopes.is_empty() {
            return vec![ScopedValue { scope: None, source: base }];
        }
        let last_in =
            |scope: &Scope| self.overrides.list.iter().rev().find(|o| o.key == key && &o.scope == scope).cloned();
        let server = last_in(&Scope::ApacheServer);
        self.overrides
            .scopes
            .iter()
            .map(|scope| {
                let own = last_in(scope);
                let inherited = match scope {
                    Scope::ApacheVhost(_) => server.clone(),
                    _ => None,
                };
                let source = match own.or(inherited) {
                    Some(o) => ValueSource::Override(o),
                    None => base.clone(),
                };
                ScopedValue { scope: Some(scope.clone()), source }
            })
            .collect()
    }
}
