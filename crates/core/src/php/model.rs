//! The configuration PHP builds from php.ini and its scan directory.
//!
//! PHP reads the main php.ini, then every `*.ini` file of the scan
//! directory (`PHP_INI_SCAN_DIR`, e.g. `conf.d/`) in byte order, into one
//! table (main/php_ini.c). Later assignments win. `[PATH=...]` and
//! `[HOST=...]` sections send what follows them into per-directory or
//! per-host tables instead, up to the end of that file. Rules ask this
//! model for the value PHP ends up with, not for the text of one line.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use crate::error::SyntaxError;
use crate::format::FileKind;
use crate::load::SourceFile;

use super::overrides::{Override, OverrideSources, Overrides};
use crate::php::syntax::{Entry, IniLineKind, PhpIniFile};
use crate::php::value::{evaluate, evaluate_offset, evaluate_section_name};
use crate::source::{EntryKind, FileSystem};

/// Why a file of the tree has no syntax tree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The file cannot be read.
    #[error("cannot read: {message}")]
    Io {
        /// What kind of I/O error.
        kind: io::ErrorKind,
        /// The system's message.
        message: String,
    },
    /// The file does not parse.
    #[error("{0}")]
    Syntax(#[from] SyntaxError),
}

impl From<io::Error> for LoadError {
    fn from(error: io::Error) -> Self {
        LoadError::Io { kind: error.kind(), message: error.to_string() }
    }
}

/// One file of the tree, parsed or not.
#[derive(Debug, Clone)]
pub struct IniSource {
    /// The file, as given or found.
    pub path: PathBuf,
    /// Whether this is the entry file of a configuration (the main php.ini),
    /// the only kind on which rules report settings that are missing. A
    /// scan-directory fragment checked alone is not one.
    pub is_entry: bool,
    /// The syntax tree, or why there is none. PHP applies the directives
    /// before a syntax error; conflint reports the error and uses none of
    /// the file's settings.
    pub content: Result<PhpIniFile, LoadError>,
}

/// One assignment, with the value PHP stores for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// Index into [`PhpIniTree::files`].
    pub file: usize,
    /// Index into that file's [`PhpIniFile::lines`].
    pub line: usize,
    /// The key, as PHP stores it (trimmed, case kept).
    pub key: String,
    /// For `key[offset] = value`: the offset (empty for `key[]`).
    pub offset: Option<String>,
    /// The evaluated value (booleans as "1"/"", constants and `${}` expanded).
    pub value: String,
    /// Whether the assignment sits in a `[PATH=...]`/`[HOST=...]` table
    /// (per directory or per host, CGI/FastCGI only) rather than the
    /// global configuration.
    pub scoped: bool,
}

/// php.ini and its scan directory, as PHP loads them.
#[derive(Debug, Clone, Default)]
pub struct PhpIniTree {
    /// The files, in PHP's loading order.
    pub files: Vec<IniSource>,
    settings: Vec<Setting>,
    /// FPM pools and mod_php directives that override php.ini.
    pub(crate) overrides: Overrides,
}

/// The server API a php.ini is for, from where it is: Debian and openSUSE
/// keep one per SAPI (`.../cli/php.ini`, `.../fpm/php.ini`), and PHP reads
/// `php-SAPI.ini` before `php.ini`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sapi {
    /// The command line: no response headers, no pages.
    Cli,
    /// PHP-FPM.
    Fpm,
    /// Apache's mod_php.
    Apache2,
    /// CGI / FastCGI.
    Cgi,
}

impl PhpIniTree {
    /// Load `main`, then the `*.ini` files of `scan_dir` in byte order of
    /// their names (regular files only, symlinks followed), as PHP does. A
    /// file that cannot be read or parsed is recorded with its error and
    /// the others are still read. The main file is the tree's entry file.
    ///
    /// ```
    /// use std::path::Path;
    /// use conflint_core::php::PhpIniTree;
    /// use conflint_core::source::MemoryFileSystem;
    ///
    /// let mut fs = MemoryFileSystem::new();
    /// fs.insert("/etc/php/php.ini", "expose_php = On\nmemory_limit = 128M\n")
    ///     .insert("/etc/php/conf.d/99-local.ini", "expose_php = Off\n");
    /// let tree = PhpIniTree::load(&fs, Path::new("/etc/php/php.ini"), &["/etc/php/conf.d".into()]);
    /// let expose = tree.effective("expose_php").unwrap();
    /// assert_eq!(expose.value, "");
    /// assert_eq!(tree.path(&expose), Some(Path::new("/etc/php/conf.d/99-local.ini")));
    /// assert_eq!(tree.effective("memory_limit").unwrap().value, "128M");
    /// ```
    pub fn load(fs: &dyn FileSystem, main: &Path, scan_dirs: &[PathBuf]) -> PhpIniTree {
        let mut files = vec![read_source(fs, main, true)];
        // PHP_INI_SCAN_DIR may name several directories: each is read in
        // turn, its own `*.ini` files in byte order (php_init_config).
        for dir in scan_dirs {
            match fs.read_dir(dir) {
                Ok(entries) => {
                    let mut inis: Vec<PathBuf> = entries
                        .into_iter()
                        .filter(|p| has_ini_extension(p))
                        .filter(|p| matches!(fs.kind(p), Ok(EntryKind::File)))
                        .collect();
                    inis.sort_by(|a, b| file_name_bytes(a).cmp(file_name_bytes(b)));
                    files.extend(inis.iter().map(|p| read_source(fs, p, false)));
                }
                Err(error) => {
                    files.push(IniSource { path: dir.clone(), is_entry: false, content: Err(error.into()) });
                }
            }
        }
        Self::from_sources(files)
    }

    /// A tree of one file checked on its own. It is an entry file when its
    /// name says it is a main php.ini (`php.ini`, `php-cli.ini`,
    /// `php.ini-production`); a scan-directory fragment is not.
    pub fn from_file(path: impl Into<PathBuf>, file: PhpIniFile) -> PhpIniTree {
        let path = path.into();
        let is_entry = is_main_ini_name(&path);
        Self::from_sources(vec![IniSource { path, is_entry, content: Ok(file) }])
    }

    /// A tree of files already read, in PHP's loading order.
    pub fn from_sources(files: Vec<IniSource>) -> PhpIniTree {
        let settings = collect_settings(&files);
        PhpIniTree { files, settings, overrides: Overrides::default() }
    }

    /// The same tree with the FPM pools and httpd trees of `sources` read
    /// for their overrides.
    pub fn with_overrides(mut self, fs: &dyn FileSystem, sources: &OverrideSources) -> PhpIniTree {
        self.overrides = Overrides::load(fs, sources);
        self
    }

    /// Every override found, in reading order.
    pub fn overrides(&self) -> &[Override] {
        &self.overrides.list
    }

    /// Whether the entry file is a template that could set anything (a loop,
    /// or a placeholder where a key goes): "missing X" findings do not apply.
    pub fn is_open_template(&self) -> bool {
        self.files.iter().any(|f| f.content.as_ref().is_ok_and(|c| c.template().is_some_and(|t| t.open_ended)))
    }

    /// The SAPI the entry file is for, when its place says so.
    pub fn sapi(&self) -> Option<Sapi> {
        let entry = self.files.iter().find(|f| f.is_entry)?;
        let rendered = crate::template::rendered_path(&entry.path);
        let path = rendered.as_deref().unwrap_or(&entry.path);
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        let dir = path.parent().and_then(|d| d.file_name()).map(|d| d.to_string_lossy().to_ascii_lowercase());
        let sapi = name.strip_prefix("php-").and_then(|n| n.strip_suffix(".ini")).or(dir.as_deref())?;
        match sapi {
            "cli" | "phpdbg" => Some(Sapi::Cli),
            "fpm" | "php-fpm" => Some(Sapi::Fpm),
            "apache2" | "apache2handler" | "apache" => Some(Sapi::Apache2),
            "cgi" | "cgi-fcgi" => Some(Sapi::Cgi),
            _ => None,
        }
    }

    /// Whether the tree has an entry file (rules may report missing settings).
    pub fn has_entry(&self) -> bool {
        self.files.iter().any(|f| f.is_entry)
    }

    /// The value PHP ends up with for `key` in the global configuration:
    /// the last assignment of exactly that key (keys are case-sensitive)
    /// outside `[PATH=]`/`[HOST=]` tables.
    pub fn effective(&self, key: &str) -> Option<Setting> {
        self.settings.iter().rev().find(|s| !s.scoped && s.key == key).cloned()
    }

    /// Every assignment in loading order, scoped ones included.
    pub fn settings(&self) -> impl Iterator<Item = Setting> + '_ {
        self.settings.iter().cloned()
    }

    /// Every assignment in loading order, scoped ones included, borrowed
    /// (for rules that look at every line and keep few).
    pub fn setting_refs(&self) -> impl Iterator<Item = &Setting> + '_ {
        self.settings.iter()
    }

    /// The parsed file a setting comes from.
    pub fn file(&self, setting: &Setting) -> Option<&PhpIniFile> {
        self.files.get(setting.file)?.content.as_ref().ok()
    }

    /// The path of the file a setting comes from.
    pub fn path(&self, setting: &Setting) -> Option<&Path> {
        self.files.get(setting.file).map(|f| f.path.as_path())
    }

    /// Every parsed file as the pipeline sees files, entry first, then the
    /// FPM pool files and the httpd files holding overrides.
    pub fn source_files(&self) -> Vec<SourceFile<'_>> {
        let ini = self.files.iter().chain(&self.overrides.pool_files);
        let mut out: Vec<SourceFile<'_>> = ini
            .filter_map(|f| f.content.as_ref().ok().map(|c| (f, c)))
            .map(|(f, c)| SourceFile {
                path: &f.path,
                kind: FileKind::PhpIni,
                source: c.source(),
                lines: c.line_index(),
                comments: c.comment_spans().chain(crate::httpd::model::template_comments(c.template())).collect(),
                secrets: c.secret_spans(),
                template: c.template(),
            })
            .collect();
        out.extend(self.overrides.httpd_files.iter().map(|(path, syntax)| SourceFile {
            path,
            kind: FileKind::Httpd,
            source: syntax.source(),
            lines: syntax.line_index(),
            comments: syntax.comment_spans().collect(),
            secrets: syntax.secret_spans(),
            template: None,
        }));
        out
    }

    /// The syntax of a setting's line.
    pub fn entry(&self, setting: &Setting) -> Option<&Entry> {
        match &self.file(setting)?.lines.get(setting.line)?.kind {
            IniLineKind::Entry(entry) => Some(entry),
            _ => None,
        }
    }
}

fn read_source(fs: &dyn FileSystem, path: &Path, is_entry: bool) -> IniSource {
    let content = crate::source::read_text(fs, path)
        .map_err(LoadError::from)
        .and_then(|bytes| PhpIniFile::parse(bytes).map_err(LoadError::from));
    IniSource { path: path.to_path_buf(), is_entry, content }
}

fn file_name_bytes(path: &Path) -> &[u8] {
    path.file_name().map(std::ffi::OsStr::as_encoded_bytes).unwrap_or_default()
}

/// PHP's test: the name's last `.` starts exactly `.ini` (so `a.ini` and
/// `.ini` count, `a.INI` and `a.ini.bak` do not).
fn has_ini_extension(path: &Path) -> bool {
    let name = file_name_bytes(path);
    name.iter().rposition(|b| *b == b'.').is_some_and(|dot| &name[dot..] == b".ini")
}

/// Names of main configuration files: `php.ini`, `php-SAPI.ini` (which PHP
/// tries first), and the upstream templates `php.ini-*`.
fn is_main_ini_name(path: &Path) -> bool {
    // A template (`php.ini.j2`) is named after what it renders.
    let rendered = crate::template::rendered_path(path);
    let path = rendered.as_deref().unwrap_or(path);
    let name = String::from_utf8_lossy(file_name_bytes(path)).to_ascii_lowercase();
    name == "php.ini" || name.starts_with("php.ini-") || (name.starts_with("php-") && name.ends_with(".ini"))
}

/// How a section header changes where directives go (php_ini_parser_cb).
struct SectionState {
    /// Directives go to a per-directory or per-host table. Sticky: an
    /// ordinary section does not end it, only the end of the file does.
    scoped: bool,
    /// Inside a PATH/HOST section `extension=` is an ordinary directive.
    special: bool,
}

impl SectionState {
    fn enter(&mut self, name: &str) {
        // zend_binary_strncasecmp(name, "PATH", 4): the first four bytes,
        // any case; a shorter name does not match.
        let prefix = name.as_bytes().get(..4);
        let special = prefix.is_some_and(|p| p.eq_ignore_ascii_case(b"PATH"))
            || prefix.is_some_and(|p| p.eq_ignore_ascii_case(b"HOST"));
        self.special = special;
        // `[PATH]` alone names no table and leaves directives where they go.
        if special && name.len() > 4 {
            self.scoped = true;
        }
    }
}

/// Walk the files in order, evaluating each value as PHP does: `${NAME}`
/// sees the global directives set before it (configuration_hash), never
/// the environment of the machine running conflint.
fn collect_settings(files: &[IniSource]) -> Vec<Setting> {
    // The global table: key -> string value, or None once it is an array.
    let mut globals: HashMap<String, Option<String>> = HashMap::new();
    let mut settings = Vec::new();
    for (file_id, source) in files.iter().enumerate() {
        let Ok(file) = &source.content else { continue };
        let mut state = SectionState { scoped: false, special: false };
        for (line_id, line) in file.lines.iter().enumerate() {
            let lookup = |name: &str| globals.get(name).cloned().flatten();
            match &line.kind {
                IniLineKind::Section { pieces, .. } => {
                    let name = evaluate_section_name(file.source(), pieces, &lookup);
                    state.enter(&name);
                }
                IniLineKind::Entry(entry) => {
                    let Some(value) = &entry.value else { continue };
                    let value_text = evaluate(file, value, &lookup);
                    let offset = entry.offset_value.as_ref().map(|o| evaluate_offset(file, o, &lookup));
                    let key = entry.key_text.clone();
                    // `extension = x` loads a module: it is no configuration
                    // value (unless in a PATH/HOST section, or an array).
                    let loads_extension = !state.special
                        && offset.is_none()
                        && (key.eq_ignore_ascii_case("extension") || key.eq_ignore_ascii_case("zend_extension"));
                    if !(state.scoped || loads_extension) {
                        let stored = offset.is_none().then(|| value_text.clone());
                        globals.insert(key.clone(), stored);
                    }
                    settings.push(Setting {
                        file: file_id,
                        line: line_id,
                        key,
                        offset,
                        value: value_text,
                        scoped: state.scoped,
                    });
                }
                _ => {}
            }
        }
        // PHP records the main file's path where later files can see it.
        if source.is_entry && file_id == 0 {
            globals.insert("cfg_file_path".to_string(), Some(source.path.to_string_lossy().into_owned()));
        }
    }
    settings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemoryFileSystem;

    fn tree(files: &[(&str, &str)]) -> PhpIniTree {
        let mut fs = MemoryFileSystem::new();
        for (path, text) in files {
            fs.insert(*path, *text);
        }
        PhpIniTree::load(&fs, Path::new("/etc/php/php.ini"), &[PathBuf::from("/etc/php/conf.d")])
    }

    #[test]
    fn scan_dir_files_come_after_main_in_byte_order() {
        let t = tree(&[
            ("/etc/php/php.ini", "expose_php = On\nmemory_limit = 128M\n"),
            ("/etc/php/conf.d/20-b.ini", "memory_limit = 512M\n"),
            ("/etc/php/conf.d/10-a.ini", "memory_limit = 256M\nexpose_php = Off\n"),
            ("/etc/php/conf.d/README", "not = read\n"),
            ("/etc/php/conf.d/x.ini.bak", "memory_limit = 1\n"),
            ("/etc/php/conf.d/Z.ini", "z = 1\n"),
        ]);
        let names: Vec<_> = t.files.iter().map(|f| f.path.clone()).collect();
        assert_eq!(
            names,
            ["/etc/php/php.ini", "/etc/php/conf.d/10-a.ini", "/etc/php/conf.d/20-b.ini", "/etc/php/conf.d/Z.ini"]
                .map(PathBuf::from)
        );
        assert_eq!(t.effective("memory_limit").map(|s| s.value), Some("512M".into()));
        let expose = t.effective("expose_php").expect("set");
        assert_eq!((expose.value.as_str(), expose.file), ("", 1));
        assert!(t.files[0].is_entry && !t.files[1].is_entry);
        assert_eq!(t.entry(&expose).map(|e| e.key_text.as_str()), Some("expose_php"));
    }

    #[test]
    fn errors_are_recorded_and_others_still_load() {
        let t = tree(&[("/etc/php/php.ini", "a = 1\nb = (\n"), ("/etc/php/conf.d/ok.ini", "c = 3\n")]);
        assert!(matches!(t.files[0].content, Err(LoadError::Syntax(_))));
        assert_eq!(t.effective("a"), None);
        assert_eq!(t.effective("c").map(|s| s.value), Some("3".into()));
        let missing = tree(&[("/etc/php/conf.d/ok.ini", "c = 3\n")]);
        assert!(matches!(missing.files[0].content, Err(LoadError::Io { .. })));
        assert!(missing.effective("c").is_some());
    }

    #[test]
    fn path_and_host_sections_are_sticky_to_the_end_of_the_file() {
        let t = tree(&[
            ("/etc/php/php.ini", "a = 1\n[PATH=/www/site]\nb = 2\n[Date]\nc = 3\n[PATH]\n"),
            ("/etc/php/conf.d/x.ini", "[Date]\nd = 4\n[ HOST=x]\ne = 5\n"),
        ]);
        assert!(t.effective("a").is_some());
        assert!(t.effective("b").is_none());
        assert!(t.effective("c").is_none());
        assert!(t.settings().any(|s| s.key == "c" && s.scoped));
        assert!(t.effective("d").is_some());
        // A leading space makes it an ordinary section.
        assert!(t.effective("e").is_some());
    }

    #[test]
    fn variables_see_earlier_global_directives() {
        let t = tree(&[
            ("/etc/php/php.ini", "dir = /srv\nx = ${dir}/a\ny = ${later}\nlater = 1\n"),
            ("/etc/php/conf.d/a.ini", "z = \"${dir}/b\"\nw = ${cfg_file_path}\n"),
        ]);
        assert_eq!(t.effective("x").map(|s| s.value), Some("/srv/a".into()));
        assert_eq!(t.effective("y").map(|s| s.value), Some(String::new()));
        assert_eq!(t.effective("z").map(|s| s.value), Some("/srv/b".into()));
        assert_eq!(t.effective("w").map(|s| s.value), Some("/etc/php/php.ini".into()));
    }

    #[test]
    fn arrays_and_extensions() {
        let t =
            tree(&[("/etc/php/php.ini", "extension = intl\nextension[] = calendar\nopt[x] = 1\nk = ${extension}\n")]);
        let arr: Vec<_> = t.settings().filter(|s| s.offset.is_some()).collect();
        assert_eq!(arr[0].offset.as_deref(), Some(""));
        assert_eq!(arr[1].offset.as_deref(), Some("x"));
        // `extension =` loads a module and is not a configuration value.
        assert_eq!(t.effective("k").map(|s| s.value), Some(String::new()));
    }

    #[test]
    fn single_files_are_entries_only_when_named_so() {
        let file = PhpIniFile::parse("a = 1\n").expect("parses");
        assert!(PhpIniTree::from_file("/etc/php.ini", file.clone()).has_entry());
        assert!(PhpIniTree::from_file("php.ini-production", file.clone()).has_entry());
        assert!(!PhpIniTree::from_file("conf.d/10-opcache.ini", file).has_entry());
    }
}
