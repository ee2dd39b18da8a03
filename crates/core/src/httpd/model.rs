//! The effective configuration of a whole httpd tree, as httpd reads it:
//! includes expanded where they stand, `${VAR}` substituted, start-up
//! conditionals evaluated, and every directive that takes effect listed in
//! httpd's reading order with the sections around it.
//!
//! The walk is iterative (an explicit stack of files being read), so neither
//! deep includes nor deep nesting can overflow the stack, and it is bounded
//! (cycles are cut, depth is capped as httpd caps it).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::conditions::{self, Modules, Truth};
use super::include::{self, IncludeFailure, MAX_INCLUDE_DEPTH, RootMap};
use super::syntax::{HttpdFile, LineId, LineKind, is_conditional_section, tokenize};
use super::version::{self, ApacheVersion, VersionSource};
use super::vhosts::{self, VhostTable};
use crate::error::SyntaxError;
use crate::format::FileKind;
use crate::load::{LoadProblem, ProblemKind, SourceFile};
use crate::source::{EntryKind, FileIdentity, FileSystem};
use crate::text::Span;

/// Choices the user makes about a tree (CLI flags, conflint.toml).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpdOptions {
    /// `--server-root`: where ServerRoot (and absolute paths under it) really are.
    pub server_root: Option<PathBuf>,
    /// `--apache-version`; detected when `None`.
    pub version: Option<ApacheVersion>,
    /// Names defined on httpd's command line (`-D NAME`).
    pub defines: Vec<String>,
}

crate::index::index_newtype! {
    /// A file of an [`HttpdTree`]: its index in [`HttpdTree::files`], typed
    /// so that it cannot be mixed up with a line or an item.
    pub struct FileId(usize) indexes TreeFile;
}

impl FileId {
    /// The entry file (or the file checked alone): always the first.
    pub const ENTRY: FileId = FileId(0);
}

crate::index::index_newtype! {
    /// An item of an [`HttpdTree`]: its index in [`HttpdTree::items`], typed
    /// so that it cannot be mixed up with a file or a line.
    pub struct ItemId(usize) indexes Item;
}

/// One file of the tree.
#[derive(Debug, Clone)]
pub struct TreeFile {
    /// The path as found: the entry path, or the include path (not resolved
    /// through symlinks, so `sites-enabled/x.conf` stays that).
    pub path: PathBuf,
    /// What identifies the file (symlinks resolved).
    pub identity: FileIdentity,
    /// Its syntax tree.
    pub syntax: HttpdFile,
}

/// A directive or section that takes effect (its conditionals are not false).
#[derive(Debug, Clone)]
pub struct Item {
    /// The file it is in.
    pub file: FileId,
    /// Its line in that file.
    pub line: LineId,
    /// The section this item sits in, across includes.
    pub parent: Option<ItemId>,
    /// Whether it applies: `Yes`, or `Maybe` under a conditional we cannot decide.
    pub truth: Truth,
    /// A section (`<VirtualHost>`...) rather than a directive.
    pub is_section: bool,
    /// The name as written.
    pub name: String,
    /// Argument values after `${VAR}` substitution.
    pub args: Vec<String>,
    /// Produced by expanding a mod_macro `Use`: `file` and `line` are those
    /// of the `Use` line (as httpd reports them), and there are no bytes of
    /// its own to edit.
    pub from_macro: bool,
    /// The innermost non-conditional section around it (see [`HttpdTree::context`]).
    context: Option<ItemId>,
    /// For a section: one past its last descendant (they are contiguous).
    end: ItemId,
}

impl Item {
    /// Case-insensitive name comparison, as httpd compares names.
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    /// Whether it is a start-up conditional section (`<IfModule>`...).
    pub fn is_conditional(&self) -> bool {
        self.is_section && is_conditional_section(&self.name)
    }
}

/// The model of one httpd tree (or of one file checked on its own).
#[derive(Debug, Clone)]
pub struct HttpdTree {
    /// Every file read, entry first.
    pub files: Vec<TreeFile>,
    /// Every directive and section that takes effect, in httpd's reading order.
    pub items: Vec<Item>,
    /// What could not be read.
    pub problems: Vec<LoadProblem>,
    /// The Apache version the tree is read for.
    pub version: ApacheVersion,
    /// How that version was decided.
    pub version_source: VersionSource,
    /// The MPM loaded by `LoadModule` (`prefork`, `worker`, `event`).
    pub mpm: Option<String>,
    /// Read from an entry file (`httpd.conf`, `apache2.conf`): "missing X"
    /// findings belong only to such trees.
    pub is_entry: bool,
    /// The virtual hosts per address:port.
    pub vhosts: VhostTable,
    /// Module names tested by `<IfModule>`, for version detection.
    pub modules_tested: Vec<String>,
    /// The modules loaded by the end of the tree.
    pub modules: Modules,
    /// What `apachectl -t` would say, computed on first use.
    pub(crate) configtest: std::sync::OnceLock<Vec<super::directives::TreeProblem>>,
    /// [`HttpdTree::version_branch`] of every item's children, computed on
    /// first use in one pass (walking up per item is quadratic in the depth
    /// of undecided nesting).
    branches_below: std::sync::OnceLock<Vec<Option<ApacheVersion>>>,
}

impl HttpdTree {
    /// Whether a module is (or may be) loaded: `true` unless the tree
    /// lists its modules and this one is not among them.
    pub fn may_have_module(&self, name: &str) -> bool {
        !self.modules.complete || self.modules.is_loaded(name)
    }
}

impl HttpdTree {
    /// Read the tree whose entry file is `entry`, following includes.
    /// Fails only when the entry file itself cannot be read or parsed.
    pub fn load(fs: &dyn FileSystem, entry: &Path, options: &HttpdOptions) -> Result<Self, EntryError> {
        let bytes = crate::source::read_text(fs, entry).map_err(|e| EntryError::Unreadable(e.to_string()))?;
        let syntax = HttpdFile::parse(bytes).map_err(EntryError::Syntax)?;
        Ok(Self::build(Some(fs), entry, syntax, options, true))
    }

    /// One file checked on its own: no includes followed, every module and
    /// define unknown, and no "missing X" findings.
    pub fn fragment(path: &Path, syntax: HttpdFile, options: &HttpdOptions) -> Self {
        Self::build(None, path, syntax, options, false)
    }

    /// An entry file checked without reading what it includes (a
    /// provisioning tool checking a generated httpd.conf before deploying
    /// it): "missing X" findings apply, includes are not followed.
    pub fn entry_alone(path: &Path, syntax: HttpdFile, options: &HttpdOptions) -> Self {
        Self::build(None, path, syntax, options, true)
    }

    /// A tree read from an entry file already parsed (e.g. from memory),
    /// reading includes through `fs`.
    pub fn from_entry(fs: &dyn FileSystem, entry: &Path, syntax: HttpdFile, options: &HttpdOptions) -> Self {
        Self::build(Some(fs), entry, syntax, options, true)
    }

    fn build(
        fs: Option<&dyn FileSystem>,
        entry: &Path,
        syntax: HttpdFile,
        options: &HttpdOptions,
        is_entry: bool,
    ) -> Self {
        let assumed = options.version.unwrap_or(ApacheVersion::V2_4);
        let mut tree = Walker::new(fs, entry, syntax.clone(), options, assumed, is_entry).run();
        let (version, source) = match options.version {
            Some(v) => (v, VersionSource::Configured),
            None => {
                // What a branch written for one version says is no sign of
                // the version this tree is for (the cross-version idiom).
                let evidence = tree
                    .item_ids()
                    .filter(|&id| tree.version_branch(id).is_none())
                    .map(|id| tree.item(id))
                    .map(|i| version::evidence(&i.name, &i.args, i.is_section));
                let nvh = tree.items.iter().any(|i| !i.is_section && i.is("NameVirtualHost"));
                version::decide(evidence, nvh)
            }
        };
        if version != assumed && tree.uses_if_version() {
            // <IfVersion> was evaluated for the wrong version: read again.
            tree = Walker::new(fs, entry, syntax, options, version, is_entry).run();
        }
        tree.version = version;
        tree.version_source = source;
        tree.vhosts = vhosts::table(&tree);
        tree
    }

    fn uses_if_version(&self) -> bool {
        self.files.iter().any(|f| {
            f.syntax.lines.iter().any(
                |l| matches!(&l.kind, LineKind::Open(o) if f.syntax.text(o.name).eq_ignore_ascii_case("IfVersion")),
            )
        })
    }

    /// Every file of the tree as the pipeline sees files, entry first.
    pub fn source_files(&self) -> Vec<SourceFile<'_>> {
        self.files
            .iter()
            .map(|f| SourceFile {
                path: &f.path,
                kind: FileKind::Httpd,
                source: f.syntax.source(),
                lines: f.syntax.line_index(),
                comments: f.syntax.comment_spans().chain(template_comments(f.syntax.template())).collect(),
                secrets: f.syntax.secret_spans(),
                template: f.syntax.template(),
            })
            .collect()
    }

    /// Whether the tree is a template that could set anything at all (a
    /// loop, or a placeholder where a directive's name goes): "missing X"
    /// findings do not apply, a rendering may hold X.
    pub fn is_open_template(&self) -> bool {
        self.files.iter().any(|f| f.syntax.template().is_some_and(|t| t.open_ended))
    }

    /// Whether any file of the tree is a template.
    pub fn is_template(&self) -> bool {
        self.files.iter().any(|f| f.syntax.template().is_some())
    }

    /// Whether the version the tree is read for is known (configured, or
    /// detected without contradiction): fixes whose safety depends on the
    /// version are safe only then.
    pub fn version_known(&self) -> bool {
        self.version_source.is_known()
    }

    /// The version a branch around an item is written for, when that branch
    /// is a conditional conflint cannot decide (a file checked alone):
    /// `<IfModule !mod_authz_core.c>` and `<IfVersion < 2.4>` are 2.2
    /// branches, `<IfModule mod_authz_core.c>` and `<IfVersion >= 2.4>` 2.4
    /// ones. Applications ship both side by side in one `.htaccess`.
    pub fn version_branch(&self, id: ItemId) -> Option<ApacheVersion> {
        // An item under an undecided conditional is itself undecided; only
        // those can sit in a branch conflint could not decide.
        if self.items[id].truth != Truth::Maybe {
            return None;
        }
        let below = self.branches_below.get_or_init(|| self.compute_branches_below());
        self.items[id].parent.and_then(|p| below[p.0])
    }

    /// For each item, the version branch its children are in: its own, if
    /// it is an undecided conditional naming a version, else its parent's.
    /// Sections come before what they hold, so one pass in order suffices.
    fn compute_branches_below(&self) -> Vec<Option<ApacheVersion>> {
        let mut below: Vec<Option<ApacheVersion>> = Vec::with_capacity(self.items.len());
        for (id, item) in self.items_with_ids() {
            let inherited = item.parent.filter(|&p| p < id).and_then(|p| below[p.0]);
            below.push(Self::branch_of(item).or(inherited));
        }
        below
    }

    /// The version an undecided conditional section is written for, if its
    /// condition names one.
    fn branch_of(item: &Item) -> Option<ApacheVersion> {
        if !item.is_section || item.truth != Truth::Maybe || !item.is_conditional() {
            return None;
        }
        let arg = item.args.first().map_or("", String::as_str);
        if item.is("IfModule") {
            let (negated, module) = match arg.strip_prefix('!') {
                Some(m) => (true, m),
                None => (false, arg),
            };
            let v24 = matches!(
                module,
                "mod_authz_core.c" | "authz_core_module" | "mod_access_compat.c" | "access_compat_module"
            );
            return v24.then_some(if negated { ApacheVersion::V2_2 } else { ApacheVersion::V2_4 });
        }
        if item.is("IfVersion") {
            return match conditions::test_version(&item.args, ApacheVersion::V2_4) {
                Truth::Yes => Some(ApacheVersion::V2_4),
                Truth::No => Some(ApacheVersion::V2_2),
                Truth::Maybe => None,
            };
        }
        None
    }

    /// The entry file (or the fragment).
    pub fn entry(&self) -> &TreeFile {
        &self.files[0]
    }

    /// A file of the tree.
    pub fn file(&self, id: FileId) -> &TreeFile {
        &self.files[id]
    }

    /// Every item's id, in reading order.
    pub fn item_ids(&self) -> impl DoubleEndedIterator<Item = ItemId> + Clone + use<> {
        (0..self.items.len()).map(ItemId)
    }

    /// Every item with its id, in reading order.
    pub fn items_with_ids(&self) -> impl DoubleEndedIterator<Item = (ItemId, &Item)> + Clone {
        self.items.iter().enumerate().map(|(id, item)| (ItemId(id), item))
    }

    /// An item of the tree.
    pub fn item(&self, id: ItemId) -> &Item {
        &self.items[id]
    }

    /// The byte range of an item's whole line.
    pub fn item_line_span(&self, id: ItemId) -> Span {
        let item = &self.items[id];
        self.files[item.file].syntax.lines[item.line].text
    }

    /// The sections around an item, innermost first.
    pub fn ancestors(&self, id: ItemId) -> impl Iterator<Item = ItemId> + '_ {
        std::iter::successors(self.items[id].parent, |p| self.items[*p].parent)
    }

    /// The innermost section around an item that is not a start-up
    /// conditional: `<VirtualHost>`, `<Directory>`, `<Location>`... `None`
    /// means server context.
    pub fn context(&self, id: ItemId) -> Option<ItemId> {
        self.items[id].context
    }

    /// The `<VirtualHost>` an item sits in, if any.
    pub fn virtual_host_of(&self, id: ItemId) -> Option<ItemId> {
        self.ancestors(id).find(|a| self.items[*a].is("VirtualHost"))
    }

    /// Directives named `name` (any case) in reading order.
    pub fn directives<'a>(&'a self, name: &'a str) -> impl Iterator<Item = ItemId> + 'a {
        self.items_with_ids().filter(move |(_, i)| !i.is_section && i.is(name)).map(|(id, _)| id)
    }

    /// Directives named `name` in server context (only conditionals around them).
    pub fn server_directives<'a>(&'a self, name: &'a str) -> impl Iterator<Item = ItemId> + 'a {
        self.directives(name).filter(|id| self.context(*id).is_none())
    }

    /// The directive that decides a server-wide setting: the last one in
    /// server context (httpd keeps the last value read).
    pub fn effective_server(&self, name: &str) -> Option<ItemId> {
        self.server_directives(name).last()
    }

    /// Direct and conditional-nested children of a section (not entering
    /// other non-conditional sections).
    pub fn children(&self, section: ItemId) -> impl Iterator<Item = ItemId> + '_ {
        self.descendants(section).filter(move |id| self.context(*id) == Some(section))
    }

    /// Everything inside a section, at any depth, in reading order.
    pub fn descendants(&self, section: ItemId) -> impl DoubleEndedIterator<Item = ItemId> + Clone + use<> {
        let first = section.0 + 1;
        (first..self.items[section].end.0.max(first)).map(ItemId)
    }

    /// The value of the last `name` directive directly inside `section`.
    pub fn section_value(&self, section: ItemId, name: &str) -> Option<ItemId> {
        self.children(section).filter(|c| !self.items[*c].is_section && self.items[*c].is(name)).last()
    }
}

/// The entry file itself could not be used.
#[derive(Debug, Clone, thiserror::Error)]
pub enum EntryError {
    /// The file cannot be read.
    #[error("cannot read: {0}")]
    Unreadable(String),
    /// The file does not parse.
    #[error(transparent)]
    Syntax(SyntaxError),
}

/// One file being read, where it stands, and the sections open in it.
struct Frame {
    file: FileId,
    /// The index of the next line to read.
    next: usize,
    /// The item that encloses this file (the section around its `Include`).
    parent: Option<ItemId>,
    /// Items of the sections opened in this file, innermost last.
    open: Vec<ItemId>,
    /// Identities of the files that include this one (and this one).
    chain: Vec<FileIdentity>,
    /// The same files as found, for messages.
    shown: Vec<PathBuf>,
    /// Set when this frame reads the expansion of a mod_macro `Use`.
    expansion: Option<Expansion>,
}

/// A `Use` being read: the expanded text and where the `Use` stands.
struct Expansion {
    /// Index into [`Walker::expansions`].
    text: usize,
    use_file: FileId,
    use_line: LineId,
    /// Macros being expanded around this one, to refuse recursion.
    macros: Vec<String>,
}

/// A `<Macro name $param...>` definition: its parameters and body lines.
struct MacroDef {
    params: Vec<String>,
    body: Vec<String>,
}

/// Reads a tree: a stack of frames, one per file being read.
struct Walker<'a> {
    fs: Option<&'a dyn FileSystem>,
    version: ApacheVersion,
    is_entry: bool,
    roots: RootMap,
    server_root: PathBuf,
    files: Vec<TreeFile>,
    by_identity: HashMap<FileIdentity, FileId>,
    items: Vec<Item>,
    problems: Vec<LoadProblem>,
    defines: HashMap<String, String>,
    env: HashMap<String, String>,
    modules: Modules,
    mpm: Option<String>,
    modules_tested: Vec<String>,
    include_failed: bool,
    /// Names removed by `UnDefine`: definitely not defined.
    undefined: std::collections::HashSet<String>,
    /// mod_macro definitions by lower-case name.
    macros: HashMap<String, MacroDef>,
    /// Parsed texts of `Use` expansions.
    expansions: Vec<HttpdFile>,
}

/// The `-D` names the server's start command passes, when the tree holds
/// the file that sets them: Debian's `APACHE_ARGUMENTS` (envvars, next to
/// apache2.conf) and RHEL's `OPTIONS` (/etc/sysconfig/httpd, beside the
/// httpd directory of /etc/httpd/conf/httpd.conf).
fn start_defines(fs: Option<&dyn FileSystem>, entry: &Path, env: &HashMap<String, String>) -> Vec<String> {
    let mut defines = env.get("APACHE_ARGUMENTS").map(|a| super::envvars::command_line_defines(a)).unwrap_or_default();
    let sysconfig = entry.parent().and_then(Path::parent).and_then(Path::parent).map(|etc| etc.join("sysconfig/httpd"));
    if let (Some(fs), Some(path)) = (fs, sysconfig) {
        if let Ok(bytes) = fs.read(&path) {
            let vars = super::envvars::parse(&String::from_utf8_lossy(&bytes));
            defines.extend(vars.get("OPTIONS").map(|o| super::envvars::command_line_defines(o)).unwrap_or_default());
        }
    }
    defines
}

impl<'a> Walker<'a> {
    fn new(
        fs: Option<&'a dyn FileSystem>,
        entry: &Path,
        syntax: HttpdFile,
        options: &'a HttpdOptions,
        version: ApacheVersion,
        is_entry: bool,
    ) -> Self {
        let roots = RootMap::new(entry, options.server_root.as_deref());
        let server_root = roots.local_root.clone();
        let identity = fs.map_or_else(|| FileIdentity::Path(entry.to_path_buf()), |fs| fs.identity(entry));
        let env = match fs {
            // Debian's apache2ctl sources envvars next to apache2.conf.
            Some(fs) => entry
                .parent()
                .map(|d| d.join("envvars"))
                .and_then(|p| fs.read(&p).ok())
                .map(|b| super::envvars::parse(&String::from_utf8_lossy(&b)))
                .unwrap_or_default(),
            None => HashMap::new(),
        };
        let mut walker = Walker {
            fs,
            version,
            is_entry,
            roots,
            server_root,
            files: Vec::new(),
            by_identity: HashMap::new(),
            items: Vec::new(),
            problems: Vec::new(),
            defines: options
                .defines
                .iter()
                .cloned()
                .chain(start_defines(fs, entry, &env))
                .map(|d| (d, String::new()))
                .collect(),
            env,
            modules: Modules::default(),
            mpm: None,
            modules_tested: Vec::new(),
            include_failed: false,
            macros: HashMap::new(),
            expansions: Vec::new(),
            undefined: std::collections::HashSet::new(),
        };
        walker.by_identity.insert(identity.clone(), FileId(0));
        walker.files.push(TreeFile { path: entry.to_path_buf(), identity, syntax });
        walker
    }

    fn run(mut self) -> HttpdTree {
        let chain = vec![self.files[0].identity.clone()];
        let shown = vec![self.files[0].path.clone()];
        let mut stack =
            vec![Frame { file: FileId(0), next: 0, parent: None, open: Vec::new(), chain, shown, expansion: None }];
        while let Some(mut frame) = stack.pop() {
            let mut pushed: Vec<Frame> = Vec::new();
            while frame.next < self.syntax(&frame).lines.len() {
                let line_id = LineId(frame.next);
                frame.next += 1;
                let included = self.line(&mut frame, line_id);
                if !included.is_empty() {
                    pushed = included;
                    break;
                }
            }
            if !pushed.is_empty() {
                // Finish the included files first, then come back here.
                stack.push(frame);
                stack.extend(pushed.into_iter().rev());
            } else {
                // Sections left open at the end of a file (conditionals
                // httpd lets run to the end) end here.
                let end = ItemId(self.items.len());
                for open in frame.open {
                    self.items[open].end = end;
                }
            }
        }
        HttpdTree {
            files: self.files,
            items: self.items,
            problems: self.problems,
            version: self.version,
            version_source: VersionSource::Unknown,
            mpm: self.mpm,
            is_entry: self.is_entry,
            vhosts: VhostTable::default(),
            modules_tested: self.modules_tested,
            modules: Modules {
                complete: self.is_entry && self.modules.complete && !self.include_failed,
                ..self.modules
            },
            configtest: std::sync::OnceLock::new(),
            branches_below: std::sync::OnceLock::new(),
        }
    }

    /// Read one line; returns frames for files an `Include` on it brings in.
    fn line(&mut self, frame: &mut Frame, line_id: LineId) -> Vec<Frame> {
        let file = self.syntax(frame);
        let line = &file.lines[line_id];
        let parent = frame.open.last().copied().or(frame.parent);
        // Where items and problems of this line are recorded: the line
        // itself, or the `Use` line for a macro expansion.
        let (at_file, at_line) = match &frame.expansion {
            Some(e) => (e.use_file, e.use_line),
            None => (frame.file, line_id),
        };
        match &line.kind {
            LineKind::Open(open) => {
                let name = file.text(open.name).into_owned();
                let args = self.substituted_args(file, open.args_span, &open.args);
                let close = open.close;
                if name.eq_ignore_ascii_case("Macro") {
                    // A definition: its body only takes effect where it is used.
                    let end = close.map_or(file.lines.len(), LineId::index);
                    let body = file.lines[line_id.0 + 1..end].iter().map(|l| file.text(l.text).into_owned()).collect();
                    if let Some((macro_name, params)) = args.split_first() {
                        self.macros.insert(macro_name.to_ascii_lowercase(), MacroDef { params: params.to_vec(), body });
                    }
                    frame.next = end + 1;
                    return Vec::new();
                }
                let parent_truth = parent.map_or(Truth::Yes, |p| self.items[p].truth);
                let offset = line.span.start;
                let own = self.condition(&name, &args);
                let truth = self.template_truth(frame, offset, parent_truth.and(own));
                if truth == Truth::No {
                    // httpd skips a false conditional up to its end tag.
                    match close {
                        Some(close) => frame.next = close.0 + 1,
                        None => {
                            frame.next = usize::MAX;
                            let message = format!("Expected </{name}> before end of configuration");
                            self.syntax_problem(at_file, at_line, message);
                        }
                    }
                    return Vec::new();
                }
                let id = self.push_item(frame, line_id, parent, truth, true, name, args);
                frame.open.push(id);
                Vec::new()
            }
            LineKind::Close(close) => {
                let tail = !close.tail.is_empty();
                if let Some(open_item) = frame.open.pop() {
                    let end = ItemId(self.items.len());
                    self.items[open_item].end = end;
                    let item = &self.items[open_item];
                    if item.is_conditional() && item.truth == Truth::Yes && tail {
                        let name = item.name.clone();
                        let message = format!(
                            "</{name}> without matching <{name}> section: httpd ends a true <{name}> only at a line that is exactly </{name}>"
                        );
                        self.syntax_problem(at_file, at_line, message);
                    }
                }
                Vec::new()
            }
            LineKind::Directive(directive) => {
                let name = file.text(directive.name).into_owned();
                let args_span = Span::new(directive.name.end, line.text.end);
                let args = self.substituted_args(file, args_span, &directive.args);
                let truth = parent.map_or(Truth::Yes, |p| self.items[p].truth);
                let truth = self.template_truth(frame, line.span.start, truth);
                let span = match frame.expansion {
                    Some(_) => self.files[at_file].syntax.lines[at_line].text,
                    None => line.text,
                };
                self.push_item(frame, line_id, parent, truth, false, name.clone(), args.clone());
                if name.eq_ignore_ascii_case("Use") {
                    return self.use_macro(frame, parent, &args, at_file, at_line);
                }
                if name.eq_ignore_ascii_case("UndefMacro") {
                    if let Some(m) = args.first() {
                        self.macros.remove(&m.to_ascii_lowercase());
                    }
                    return Vec::new();
                }
                self.effect(frame, parent, &name, &args, span)
            }
            _ => Vec::new(),
        }
    }

    /// A line inside a template's block (`{% if %}`, `{% for %}`) is in
    /// only some renderings: "maybe", like a line under `<IfDefine>`.
    fn template_truth(&self, frame: &Frame, offset: usize, truth: Truth) -> Truth {
        if frame.expansion.is_some() {
            return truth;
        }
        match self.files[frame.file].syntax.template() {
            Some(template) if template.in_branch(offset) => truth.and(Truth::Maybe),
            _ => truth,
        }
    }

    /// The syntax a frame reads: a file, or the text of a macro expansion.
    fn syntax(&self, frame: &Frame) -> &HttpdFile {
        match &frame.expansion {
            Some(e) => &self.expansions[e.text],
            None => &self.files[frame.file].syntax,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push_item(
        &mut self,
        frame: &Frame,
        line: LineId,
        parent: Option<ItemId>,
        truth: Truth,
        is_section: bool,
        name: String,
        args: Vec<String>,
    ) -> ItemId {
        let (file, line, from_macro) = match &frame.expansion {
            Some(e) => (e.use_file, e.use_line, true),
            None => (frame.file, line, false),
        };
        let context = parent.and_then(|p| if self.items[p].is_conditional() { self.items[p].context } else { Some(p) });
        let id = ItemId(self.items.len());
        let end = ItemId(id.0 + 1);
        self.items.push(Item { file, line, parent, truth, is_section, name, args, from_macro, context, end });
        id
    }

    /// `Use NAME args...`: the macro's body with its parameters replaced,
    /// read where the `Use` stands (mod_macro).
    fn use_macro(
        &mut self,
        frame: &Frame,
        parent: Option<ItemId>,
        args: &[String],
        at_file: FileId,
        at_line: LineId,
    ) -> Vec<Frame> {
        let Some((name, values)) = args.split_first() else { return Vec::new() };
        let key = name.to_ascii_lowercase();
        let outer: Vec<String> = frame.expansion.as_ref().map(|e| e.macros.clone()).unwrap_or_default();
        if outer.contains(&key) {
            self.syntax_problem(at_file, at_line, format!("recursive use of macro '{name}' is invalid"));
            return Vec::new();
        }
        let Some(def) = self.macros.get(&key) else {
            self.syntax_problem(at_file, at_line, format!("macro '{name}' undefined"));
            return Vec::new();
        };
        if def.params.len() != values.len() {
            let message =
                format!("macro '{name}' used with {} arguments instead of {}", values.len(), def.params.len());
            self.syntax_problem(at_file, at_line, message);
            return Vec::new();
        }
        let text: String = def.body.iter().map(|line| substitute_params(line, &def.params, values) + "\n").collect();
        match HttpdFile::parse(text.into_bytes()) {
            Ok(expanded) => {
                self.expansions.push(expanded);
                let mut macros = outer;
                macros.push(key);
                let expansion =
                    Expansion { text: self.expansions.len() - 1, use_file: at_file, use_line: at_line, macros };
                vec![Frame {
                    file: frame.file,
                    next: 0,
                    parent,
                    open: Vec::new(),
                    chain: frame.chain.clone(),
                    shown: frame.shown.clone(),
                    expansion: Some(expansion),
                }]
            }
            Err(error) => {
                self.syntax_problem(
                    at_file,
                    at_line,
                    format!("macro '{name}' expands to text httpd cannot read: {}", error.message),
                );
                Vec::new()
            }
        }
    }

    /// Argument values, with `${VAR}` substituted on the raw text first
    /// (httpd substitutes the whole line before splitting it).
    fn substituted_args(&self, syntax: &HttpdFile, span: Span, args: &[super::syntax::Arg]) -> Vec<String> {
        let raw = syntax.text(span);
        if !raw.contains("${") {
            return syntax.arg_values(args);
        }
        tokenize(&self.substitute(&raw))
    }

    /// Replace `${NAME}` by its Define, else its envvars value; unknown names
    /// stay as written (httpd leaves them and warns).
    fn substitute(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            match after.find('}') {
                Some(end) => {
                    let name = &after[..end];
                    match self.defines.get(name).or_else(|| self.env.get(name)) {
                        Some(value) => out.push_str(value),
                        None => out.push_str(&rest[start..start + 3 + end]),
                    }
                    rest = &after[end + 1..];
                }
                None => {
                    out.push_str(&rest[start..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// The truth of a section's own condition (`Yes` for ordinary sections).
    fn condition(&mut self, name: &str, args: &[String]) -> Truth {
        let first = args.first().map_or("", String::as_str);
        if name.eq_ignore_ascii_case("IfModule") {
            self.modules_tested.push(first.trim_start_matches('!').to_string());
            let mut modules = self.modules.clone();
            modules.complete = self.is_entry && modules.complete && !self.include_failed;
            modules.test(first)
        } else if name.eq_ignore_ascii_case("IfDefine") {
            let defined = |n: &str| {
                if self.defines.contains_key(n) {
                    Truth::Yes
                } else if self.undefined.contains(n) {
                    Truth::No
                } else {
                    Truth::Maybe
                }
            };
            conditions::test_define(first, &defined)
        } else if name.eq_ignore_ascii_case("IfVersion") {
            conditions::test_version(args, self.version)
        } else if is_conditional_section(name) {
            Truth::Maybe
        } else {
            Truth::Yes
        }
    }

    /// What a directive does to the reading itself.
    fn effect(&mut self, frame: &Frame, parent: Option<ItemId>, name: &str, args: &[String], span: Span) -> Vec<Frame> {
        let lower = name.to_ascii_lowercase();
        let first = args.first().map_or("", String::as_str);
        match lower.as_str() {
            "define" if !first.is_empty() => {
                self.defines.insert(first.to_string(), args.get(1).cloned().unwrap_or_default());
                self.undefined.remove(first);
            }
            "undefine" => {
                // Undefined now, even if `-D` defined it on the command line.
                self.defines.remove(first);
                self.undefined.insert(first.to_string());
            }
            "loadmodule" if args.len() >= 2 => {
                self.modules.load(first, &args[1]);
                self.modules.complete = true;
                if let Some(mpm) = conditions::mpm_of_module(first) {
                    self.mpm = Some(mpm.to_string());
                }
            }
            "serverroot" if !first.is_empty() && self.fs.is_some() => {
                let declared = Path::new(first);
                if declared.is_absolute() {
                    self.roots.add_live_root(declared);
                }
                if let Some(mapped) = self.roots.resolve(&self.server_root.clone(), first) {
                    self.server_root = mapped;
                }
            }
            "include" | "includeoptional" if self.fs.is_some() => {
                return self.include(frame, parent, first, lower == "includeoptional", span);
            }
            _ => {}
        }
        Vec::new()
    }

    fn include(&mut self, frame: &Frame, parent: Option<ItemId>, arg: &str, optional: bool, span: Span) -> Vec<Frame> {
        let Some(fs) = self.fs else { return Vec::new() };
        let Some(path) = self.roots.resolve(&self.server_root, arg) else {
            self.include_failed = true;
            let path = PathBuf::from(arg);
            self.problem_at(frame.file, span, ProblemKind::Include(IncludeFailure::OutsideRoot(path)));
            return Vec::new();
        };
        if frame.chain.len() >= MAX_INCLUDE_DEPTH {
            self.include_failed = true;
            self.problem_at(frame.file, span, ProblemKind::TooDeep);
            return Vec::new();
        }
        let paths = match include::expand(fs, &path, optional) {
            Ok(paths) => paths,
            Err(failure) => {
                self.include_failed = true;
                self.problem_at(frame.file, span, ProblemKind::Include(failure));
                return Vec::new();
            }
        };
        let mut frames = Vec::new();
        for path in paths {
            let identity = fs.identity(&path);
            if frame.chain.contains(&identity) {
                let mut chain = frame.shown.clone();
                chain.push(path.clone());
                self.problem_at(frame.file, span, ProblemKind::Cycle { chain });
                continue;
            }
            let Some(file) = self.open(fs, &path, &identity, frame.file, span) else { continue };
            let mut chain = frame.chain.clone();
            chain.push(identity);
            let mut shown = frame.shown.clone();
            shown.push(path.clone());
            frames.push(Frame { file, next: 0, parent, open: Vec::new(), chain, shown, expansion: None });
        }
        frames
    }

    /// The file id of an included file, reading and parsing it the first time.
    fn open(
        &mut self,
        fs: &dyn FileSystem,
        path: &Path,
        identity: &FileIdentity,
        from: FileId,
        span: Span,
    ) -> Option<FileId> {
        if let Some(&id) = self.by_identity.get(identity) {
            return Some(id);
        }
        let unreadable = |reason: String| ProblemKind::Unreadable { path: path.to_path_buf(), reason, included: true };
        if let Ok(EntryKind::Special) = fs.kind(path) {
            self.problem_at(from, span, unreadable("not a regular file (FIFO, socket or device)".into()));
            self.include_failed = true;
            return None;
        }
        let bytes = match crate::source::read_text(fs, path) {
            Ok(bytes) => bytes,
            Err(e) => {
                self.problem_at(from, span, unreadable(e.to_string()));
                self.include_failed = true;
                return None;
            }
        };
        match HttpdFile::parse(bytes) {
            Ok(syntax) => {
                let id = FileId(self.files.len());
                self.files.push(TreeFile { path: path.to_path_buf(), identity: identity.clone(), syntax });
                self.by_identity.insert(identity.clone(), id);
                Some(id)
            }
            Err(error) => {
                self.problems.push(LoadProblem::syntax(path, error));
                self.include_failed = true;
                None
            }
        }
    }

    /// A problem httpd reports as a syntax error while reading `line`.
    fn syntax_problem(&mut self, file: FileId, line: LineId, message: String) {
        let syntax = &self.files[file].syntax;
        let span = syntax.lines[line].text;
        let error = SyntaxError::at(syntax.source(), syntax.line_index(), span, message);
        self.problem_at(file, span, ProblemKind::Syntax(error));
    }

    fn problem_at(&mut self, file: FileId, span: Span, kind: ProblemKind) {
        let path = self.files[file].path.clone();
        self.problems.push(LoadProblem { path, span, position: None, kind });
    }
}

/// A template's own comments (`{# ... #}`), which can hold suppressions.
pub(crate) fn template_comments(template: Option<&crate::template::TemplateInfo>) -> impl Iterator<Item = Span> + '_ {
    template.into_iter().flat_map(|t| t.comments.iter().copied())
}

/// Replace each macro parameter by its value, longest names first at each
/// position (so `$domain` wins over `$d`), as mod_macro substitutes.
fn substitute_params(line: &str, params: &[String], values: &[String]) -> String {
    let mut order: Vec<usize> = (0..params.len()).collect();
    order.sort_by_key(|i| std::cmp::Reverse(params[*i].len()));
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    'scan: while let Some(c) = rest.chars().next() {
        for &i in &order {
            if !params[i].is_empty() && rest.starts_with(params[i].as_str()) {
                out.push_str(&values[i]);
                rest = &rest[params[i].len()..];
                continue 'scan;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemoryFileSystem;

    fn tree(files: &[(&str, &str)]) -> HttpdTree {
        let mut fs = MemoryFileSystem::new();
        for (path, text) in files {
            fs.insert(*path, *text);
        }
        HttpdTree::load(&fs, Path::new(files[0].0), &HttpdOptions::default()).unwrap()
    }

    fn names(tree: &HttpdTree) -> Vec<String> {
        tree.items.iter().map(|i| format!("{} {}", i.name, i.args.join(" "))).collect()
    }

    #[test]
    fn includes_expand_in_place_in_byte_order() {
        let t = tree(&[
            ("/etc/apache2/apache2.conf", "A 1\nIncludeOptional sites/*.conf\nB 2\n"),
            ("/etc/apache2/sites/b.conf", "Site b\n"),
            ("/etc/apache2/sites/A.conf", "Site A\n"),
            ("/etc/apache2/sites/_x.conf", "Site _x\n"),
            ("/etc/apache2/sites/0.conf", "Site 0\n"),
        ]);
        assert_eq!(names(&t), ["A 1", "IncludeOptional sites/*.conf", "Site 0", "Site A", "Site _x", "Site b", "B 2"]);
    }

    #[test]
    fn defines_substitute_and_false_conditionals_are_skipped() {
        let t = tree(&[(
            "/etc/apache2/apache2.conf",
            "Define ROOT /srv\nLoadModule ssl_module m/mod_ssl.so\nDocumentRoot ${ROOT}/www\n<IfModule mod_nope.c>\nHidden x\n</IfModule>\n<IfModule mod_ssl.c>\nShown y\n</IfModule>\n",
        )]);
        let n = names(&t);
        assert!(n.contains(&"DocumentRoot /srv/www".to_string()));
        assert!(!n.iter().any(|s| s.starts_with("Hidden")));
        assert!(n.iter().any(|s| s.starts_with("Shown")));
    }

    #[test]
    fn include_cycle_is_a_problem_not_a_hang() {
        let t = tree(&[
            ("/etc/apache2/apache2.conf", "Include a.conf\n"),
            ("/etc/apache2/a.conf", "Include b.conf\n"),
            ("/etc/apache2/b.conf", "Include a.conf\n"),
        ]);
        assert!(t.problems.iter().any(|p| matches!(p.kind, ProblemKind::Cycle { .. })));
    }

    #[test]
    fn missing_include_is_a_problem() {
        let t = tree(&[("/etc/apache2/apache2.conf", "Include nothing/*.conf\n")]);
        assert!(matches!(t.problems[0].kind, ProblemKind::Include(IncludeFailure::NoMatch { .. })));
    }

    #[test]
    fn macros_expand_where_they_are_used() {
        let t = tree(&[(
            "/etc/apache2/apache2.conf",
            "<Macro VHost $name $domain>\n<VirtualHost *:80>\n    ServerName $domain\n</VirtualHost>\n</Macro>\nUse VHost one one.test\nUse VHost two two.test\n",
        )]);
        let names: Vec<_> =
            t.vhosts.vhosts.iter().map(|v| (v.server_name.clone().unwrap_or_default(), v.line)).collect();
        assert_eq!(names, [("one.test".to_string(), 6), ("two.test".to_string(), 7)]);
        assert!(t.items.iter().filter(|i| i.is("ServerName")).all(|i| i.from_macro));
    }

    #[test]
    fn include_inside_virtual_host_keeps_context() {
        let t = tree(&[
            ("/etc/apache2/apache2.conf", "<VirtualHost *:80>\nInclude inc.conf\n</VirtualHost>\n"),
            ("/etc/apache2/inc.conf", "ServerName a.example\n"),
        ]);
        let sn = t.directives("servername").next().unwrap();
        assert_eq!(t.virtual_host_of(sn), Some(ItemId(0)));
    }
}
