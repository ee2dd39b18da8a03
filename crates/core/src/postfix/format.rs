//! Postfix as a [`Format`]: which files are main.cf and master.cf, and how
//! one instance's pair is read into one [`PostfixTree`].
//!
//! `main.cf` under a `postfix` directory is an entry: it is read with the
//! `master.cf` beside it, the pair Postfix itself reads (`postconf -c DIR`),
//! so a rule sees each service's `-o` overrides over main.cf. A `master.cf`
//! is a part: covered by its main.cf when the run has it, else checked on
//! its own (with main.cf's defaults, and never told that something is
//! missing).

use std::path::{Path, PathBuf};

use crate::error::SyntaxError;
use crate::format::{FileKind, Format, Role, file_name, parent_dirs};
use crate::load::{LoadOptions, LoadProblem, Loaded, Model, SourceFile, Target};
use crate::source::{FileIdentity, FileSystem, read_config};
use crate::text::Span;

use super::{MainCf, MasterCf, PostfixConfig, PostfixVersion};

/// Postfix `main.cf` and `master.cf`.
pub struct PostfixFormat;

/// Which of the two files a path is, by its (rendered) name: `master.cf`
/// (or a name mapped in `[files]` that says `master`) or main.cf.
fn is_master(path: &Path) -> bool {
    let rendered = crate::template::rendered_path(path);
    let path = rendered.as_deref().unwrap_or(path);
    file_name(path).is_some_and(|n| n.to_ascii_lowercase().contains("master"))
}

impl Format for PostfixFormat {
    fn kind(&self) -> FileKind {
        FileKind::Postfix
    }

    fn name(&self) -> &'static str {
        "postfix"
    }

    fn recognise(&self, path: &Path) -> Option<Role> {
        let name = file_name(path)?;
        let role = match name.as_str() {
            "main.cf" => Role::Entry,
            "master.cf" => Role::Part,
            _ => return None,
        };
        // `main.cf` is a common name (Sphinx, some games): only under a
        // directory named like postfix's (`/etc/postfix`, `postfix-out`,
        // `roles/postfix/files`).
        parent_dirs(path).iter().any(|d| d.starts_with("postfix")).then_some(role)
    }

    fn check_syntax(&self, path: &Path, bytes: &[u8]) -> Result<(), SyntaxError> {
        let result = if is_master(path) {
            crate::template::parse_file(path, bytes.to_vec(), MasterCf::parse, MasterCf::adopt_template).map(|_| ())
        } else {
            crate::template::parse_file(path, bytes.to_vec(), MainCf::parse, MainCf::adopt_template).map(|_| ())
        };
        result.map_err(|p| match p.kind {
            crate::ProblemKind::Syntax(e) => e,
            other => SyntaxError::at_offset(bytes, p.span, other.to_string()),
        })
    }

    fn load(&self, target: &Target, fs: &dyn FileSystem, options: &LoadOptions) -> Loaded {
        let path = target.path.as_path();
        let version = options.postfix.version.unwrap_or(PostfixVersion::NEWEST);
        let source = match read_config(fs, path) {
            Ok(source) => source,
            Err(reason) => return Loaded::failed(LoadProblem::unreadable(path, reason)),
        };
        if is_master(path) {
            return match crate::template::parse_file(path, source, MasterCf::parse, MasterCf::adopt_template) {
                Ok((master, problems)) => {
                    let config = PostfixConfig::new(empty_main(), Some(master), version);
                    let tree = PostfixTree {
                        main_path: None,
                        master_path: Some(path.to_path_buf()),
                        failed_master: None,
                        config,
                        entry: false,
                    };
                    Loaded { model: Some(Model::Postfix(tree)), problems }
                }
                Err(problem) => Loaded::failed(*problem),
            };
        }
        let (main, mut problems) =
            match crate::template::parse_file(path, source, MainCf::parse, MainCf::adopt_template) {
                Ok(parsed) => parsed,
                Err(problem) => return Loaded::failed(*problem),
            };
        // The master.cf beside the main.cf, read as Postfix reads the pair
        // (a template's sibling is not what it renders beside: left alone).
        let mut master = None;
        let mut master_path = None;
        if target.scope == crate::Scope::Tree && main.template().is_none() {
            let sibling = path.with_file_name("master.cf");
            if fs.kind(&sibling).is_ok() {
                master_path = Some(sibling.clone());
                match read_config(fs, &sibling) {
                    Ok(bytes) => match MasterCf::parse(bytes) {
                        Ok(file) => master = Some(file),
                        Err(error) => problems.push(LoadProblem::syntax(&sibling, error)),
                    },
                    Err(reason) => problems.push(LoadProblem::unreadable(&sibling, reason)),
                }
            }
        }
        let (master_path, failed_master) = match (&master, master_path) {
            (Some(_), path) => (path, None),
            (None, path) => (None, path),
        };
        let config = PostfixConfig::new(main, master, version);
        let tree = PostfixTree {
            main_path: Some(path.to_path_buf()),
            master_path,
            failed_master,
            config,
            entry: target.is_entry(),
        };
        Loaded { model: Some(Model::Postfix(tree)), problems }
    }
}

/// An empty main.cf: what a master.cf checked alone is read against
/// (every parameter at its default).
fn empty_main() -> MainCf {
    match MainCf::parse(Vec::new()) {
        Ok(main) => main,
        Err(_) => unreachable!("an empty main.cf parses"),
    }
}

/// One Postfix instance as read: main.cf and master.cf with their paths.
#[derive(Debug)]
pub struct PostfixTree {
    /// main.cf's path; `None` for a master.cf checked alone (then
    /// [`PostfixConfig::main`] is empty: every parameter at its default).
    pub main_path: Option<PathBuf>,
    /// master.cf's path, when it was read.
    pub master_path: Option<PathBuf>,
    /// A master.cf beside main.cf that could not be read or parsed (its
    /// problem is the tree's: it is not checked again on its own).
    pub failed_master: Option<PathBuf>,
    /// The effective configuration.
    pub config: PostfixConfig,
    /// Whether "missing X" findings apply: a main.cf read as an entry.
    entry: bool,
}

impl PostfixTree {
    /// Whether "missing X" findings apply (a main.cf read as an entry, not
    /// a master.cf or a fragment).
    pub fn is_entry(&self) -> bool {
        self.entry && self.main_path.is_some()
    }

    /// The files as the pipeline sees them, main.cf first.
    pub fn source_files(&self) -> Vec<SourceFile<'_>> {
        let mut out = Vec::new();
        if let Some(path) = &self.main_path {
            let main = self.config.main();
            out.push(SourceFile {
                path,
                kind: FileKind::Postfix,
                source: main.source(),
                lines: main.line_index(),
                comments: main
                    .comment_spans()
                    .into_iter()
                    .chain(crate::httpd::model::template_comments(main.template()))
                    .collect(),
                template: main.template(),
                secrets: secret_spans(main),
            });
        }
        if let (Some(path), Some(master)) = (&self.master_path, self.config.master()) {
            out.push(SourceFile {
                path,
                kind: FileKind::Postfix,
                source: master.source(),
                lines: master.line_index(),
                comments: master
                    .comment_spans()
                    .into_iter()
                    .chain(crate::httpd::model::template_comments(master.template()))
                    .collect(),
                template: master.template(),
                secrets: Vec::new(),
            });
        }
        out
    }

    /// The identities of the files this tree read.
    pub fn covered(&self, fs: &dyn FileSystem) -> Vec<FileIdentity> {
        self.main_path.iter().chain(&self.master_path).chain(&self.failed_master).map(|p| fs.identity(p)).collect()
    }
}

/// Values of secret-like parameters (a password written into main.cf):
/// masked in snippets, never quoted.
fn secret_spans(main: &MainCf) -> Vec<Span> {
    main.parameters()
        .filter(|(_, p)| crate::secret::is_secret_name(&p.name_text) && !p.value.contains(':'))
        .map(|(_, p)| p.value_span)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemoryFileSystem;

    #[test]
    fn recognised_only_under_a_postfix_directory() {
        let f = PostfixFormat;
        assert_eq!(f.recognise(Path::new("/etc/postfix/main.cf")), Some(Role::Entry));
        assert_eq!(f.recognise(Path::new("/etc/postfix-out/master.cf")), Some(Role::Part));
        assert_eq!(f.recognise(Path::new("roles/postfix/files/main.cf")), Some(Role::Entry));
        assert_eq!(f.recognise(Path::new("docs/main.cf")), None);
        assert_eq!(f.recognise(Path::new("/etc/postfix/virtual")), None);
    }

    #[test]
    fn main_cf_is_read_with_its_master_cf() {
        let mut fs = MemoryFileSystem::new();
        fs.insert("/etc/postfix/main.cf", "smtpd_tls_security_level = may\n");
        fs.insert("/etc/postfix/master.cf", "smtp inet n - y - - smtpd\n  -o smtpd_tls_security_level=none\n");
        let loaded = Target::tree(FileKind::Postfix, "/etc/postfix/main.cf").load(&fs, &LoadOptions::default());
        assert!(loaded.parsed(), "{:?}", loaded.problems);
        let Some(Model::Postfix(tree)) = &loaded.model else { panic!("no model") };
        assert!(tree.is_entry());
        assert_eq!(tree.source_files().len(), 2);
        let service = tree.config.services_running("smtpd").next().unwrap();
        let level = tree.config.value_in(super::super::Scope::Service(service), "smtpd_tls_security_level").unwrap();
        assert_eq!(level.value, "none");
    }

    #[test]
    fn a_broken_master_cf_keeps_the_pair_from_being_written() {
        let mut fs = MemoryFileSystem::new();
        fs.insert("/etc/postfix/main.cf", "myhostname = mx.example.com\n");
        fs.insert("/etc/postfix/master.cf", "smtp inet n - y - smtpd\n");
        let loaded = Target::tree(FileKind::Postfix, "/etc/postfix/main.cf").load(&fs, &LoadOptions::default());
        assert!(!loaded.parsed());
        assert_eq!(loaded.problems[0].path, Path::new("/etc/postfix/master.cf"));
    }

    #[test]
    fn master_cf_alone_is_no_entry() {
        let mut fs = MemoryFileSystem::new();
        fs.insert("/etc/postfix/master.cf", "smtp inet n - y - - smtpd\n");
        let loaded = Target::fragment(FileKind::Postfix, "/etc/postfix/master.cf").load(&fs, &LoadOptions::default());
        let Some(Model::Postfix(tree)) = &loaded.model else { panic!("no model") };
        assert!(!tree.is_entry());
        assert_eq!(tree.source_files().len(), 1);
    }
}
