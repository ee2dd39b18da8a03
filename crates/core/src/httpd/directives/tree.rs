//! The static configtest of a whole tree: every directive and section that
//! takes effect, checked where it stands ([`check_directive`],
//! [`check_section`], [`check_section_close`]) against the modules the tree
//! loads, as `apachectl -t` walks it.

use std::collections::HashMap;

use super::check::{Env, Htaccess, check_directive, check_section, check_section_close};
use super::loaded::LoadedModules;
use super::problem::Problem;
use super::scope::Scope;
use crate::httpd::conditions::Truth;
use crate::httpd::model::{FileId, HttpdTree, ItemId};
use crate::httpd::syntax::{LineKind, is_conditional_section};
use crate::httpd::version::ApacheVersion;
use crate::text::Span;

/// One problem `apachectl -t` would report, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeProblem {
    /// The file it is in.
    pub file: FileId,
    /// The directive or section; `None` for a problem of the file itself
    /// (a byte-order mark).
    pub item: Option<ItemId>,
    /// What to point at: the directive's name, or the section's tag.
    pub span: Span,
    /// What httpd says.
    pub problem: Problem,
    /// `Maybe` when a conditional around it cannot be decided: httpd may
    /// not read it at all.
    pub truth: Truth,
}

/// Run the configtest over `tree`.
pub(crate) fn configtest(tree: &HttpdTree) -> Vec<TreeProblem> {
    let version = tree.version;
    let modules = loaded_modules(tree);
    let env = Env { version, modules: &modules };
    let mut out = Vec::new();
    // The scope inside each section, computed once (items come in reading
    // order, so a section's scope is known before its children).
    let mut inside: HashMap<ItemId, Scope> = HashMap::new();
    let authz_members = authz_members(tree);
    for (id, item) in tree.items_with_ids() {
        if written_by_template(tree, id) {
            continue;
        }
        let outer = match item.parent {
            Some(parent) => inside.get(&parent).cloned().unwrap_or_else(Scope::server),
            None => top_scope(tree, id),
        };
        let (raw, span) = raw_args(tree, id);
        let problems = if item.is_section {
            let problems = check_section(&env, &outer, &item.name, &raw);
            let scope = if is_conditional_section(&item.name) {
                outer.clone()
            } else {
                outer.enter_section(version, &item.name, Some(&raw))
            };
            inside.insert(id, scope);
            let mut problems = problems;
            if !is_conditional_section(&item.name) {
                let members = authz_members.get(&id).copied().unwrap_or(0);
                problems.extend(check_section_close(&env, &outer, &item.name, members));
            }
            problems
        } else {
            check_directive(&env, &outer, &item.name, &raw)
        };
        let problems = problems.into_iter().filter(|p| !provided_elsewhere(tree, &modules, id, p));
        // A conditional's tag is read whatever its condition says (a bad
        // `<IfVersion>` is refused even when it would be false): what
        // decides is the truth around it.
        let truth =
            if item.is_conditional() { item.parent.map_or(Truth::Yes, |p| tree.item(p).truth) } else { item.truth };
        out.extend(problems.map(|problem| TreeProblem { file: item.file, item: Some(id), span, problem, truth }));
    }
    out.extend(byte_order_marks(tree));
    out
}

/// httpd does not skip a UTF-8 byte-order mark: it is the start of the
/// first word of the file, whatever that line holds (`Invalid command
/// '\xef\xbb\xbf#'` for a comment; `'\xef\xbb\xbf'` for a blank line).
fn byte_order_marks(tree: &HttpdTree) -> Vec<TreeProblem> {
    let mut out = Vec::new();
    for (file, tree_file) in tree.files.iter().enumerate().map(|(i, f)| (FileId(i), f)) {
        let syntax = &tree_file.syntax;
        let Some(bom) = syntax.bom else { continue };
        let first = syntax.lines.first().map_or(Span::new(bom.end, bom.end), |l| l.text);
        let text = &syntax.source()[first.range()];
        let word_len = text.iter().position(u8::is_ascii_whitespace).unwrap_or(text.len());
        let word = String::from_utf8_lossy(&text[..word_len]);
        let message = format!(
            "Invalid command '\\xef\\xbb\\xbf{}', perhaps misspelled or defined by a module not included in the server configuration",
            crate::text::escape_control(&word)
        );
        let problem = Problem::error(super::problem::ProblemKind::UnknownDirective, message)
            .with_hint("the file starts with a UTF-8 byte-order mark: save it without one");
        let truth = tree.items.iter().find(|i| i.file == file).map_or(Truth::Yes, |i| i.truth);
        out.push(TreeProblem { file, item: None, span: Span::new(bom.start, first.start + word_len), problem, truth });
    }
    out
}

/// How many `Require` lines and `<Require*>` groups each section holds
/// directly (what mod_authz_core counts when a section closes), in one pass.
fn authz_members(tree: &HttpdTree) -> HashMap<ItemId, usize> {
    let mut counts = HashMap::new();
    for (id, item) in tree.items_with_ids() {
        let member = item.is("Require")
            || (item.is_section && ["RequireAll", "RequireAny", "RequireNone"].iter().any(|g| item.is(g)));
        if let Some(section) = tree.context(id).filter(|_| member) {
            *counts.entry(section).or_insert(0) += 1;
        }
    }
    counts
}

/// Whether a template's hole is on the item's line: what httpd will read
/// there is not known (placeholders are never judged).
fn written_by_template(tree: &HttpdTree, id: ItemId) -> bool {
    let item = tree.item(id);
    let syntax = &tree.file(item.file).syntax;
    syntax.template().is_some_and(|t| t.touches_hole(syntax.lines[item.line].span))
}

/// Whether an unknown name is most likely a directive of a module conflint
/// has no table for, which httpd would then accept: it stands inside
/// `<IfModule>` of such a module (or of the module that has it, in a build
/// for another system), or in a file checked without its tree and
/// is not a near miss of a known name (`RewriteEngin` is a typo;
/// `PerlSetVar` is mod_perl's).
fn provided_elsewhere(tree: &HttpdTree, modules: &LoadedModules, id: ItemId, problem: &Problem) -> bool {
    if problem.kind != super::problem::ProblemKind::UnknownDirective {
        return false;
    }
    let name = &tree.item(id).name;
    let mut parent = tree.item(id).parent;
    while let Some(p) = parent {
        let section = tree.item(p);
        if section.is("IfModule") {
            let module = section.args.first().map_or("", String::as_str);
            // A module conflint has no table for may register the name; a
            // module that has it (for another system) guards its own name.
            let guards = match super::module(tree.version, module) {
                None => true,
                Some(m) => super::modules_of(tree.version, name).contains(&m.id),
            };
            if !module.starts_with('!') && guards {
                return true;
            }
        }
        parent = section.parent;
    }
    !modules.is_known() && super::did_you_mean(tree.version, name).is_none()
}

/// The modules the tree loads: the built-in ones and every `LoadModule`
/// (httpd loads them all before it checks anything, so order does not
/// matter); unknown for a file checked alone, or a tree that loads none.
fn loaded_modules(tree: &HttpdTree) -> LoadedModules {
    let loads: Vec<&str> = tree
        .items
        .iter()
        .filter(|i| !i.is_section && i.is("LoadModule"))
        .filter_map(|i| i.args.first().map(String::as_str))
        .collect();
    if !tree.is_entry || loads.is_empty() {
        return LoadedModules::unknown();
    }
    let mut modules = LoadedModules::builtin(tree.version);
    for id in loads {
        modules.load(tree.version, id);
    }
    // A 2.4 server that runs loads an MPM; when the tree loads none, its
    // MPM and likely more come from somewhere conflint did not read (a
    // static build, `-C` on the command line, a trimmed copy of the tree).
    let has_mpm = modules.ids().is_some_and(|mut ids| ids.any(|id| id.starts_with("mpm_")));
    if tree.version == ApacheVersion::V2_4 && !has_mpm {
        return LoadedModules::unknown();
    }
    modules
}

/// The scope of a top-level item: the server's, or an `.htaccess` file's
/// (with every override allowed: what the server grants is not known).
fn top_scope(tree: &HttpdTree, id: ItemId) -> Scope {
    let file = &tree.file(tree.item(id).file).path;
    let htaccess = file.file_name().is_some_and(|n| n.to_string_lossy().ends_with(".htaccess"));
    if htaccess { Htaccess::from_allow_override("All").scope() } else { Scope::server() }
}

/// The text after a directive's name (or inside a section's tag) as httpd
/// reads it: continuations joined, `${VAR}` substituted; and the span to
/// point a finding at.
fn raw_args(tree: &HttpdTree, id: ItemId) -> (String, Span) {
    let item = tree.item(id);
    let syntax = &tree.file(item.file).syntax;
    let line = &syntax.lines[item.line];
    let joined = |span: Span| syntax.text(span).replace("\\\r\n", "").replace("\\\n", "");
    let from_args = || {
        item.args
            .iter()
            .map(|a| if a.contains(char::is_whitespace) { format!("\"{a}\"") } else { a.clone() })
            .collect::<Vec<_>>()
            .join(" ")
    };
    if item.from_macro {
        return (from_args(), line.text);
    }
    match &line.kind {
        LineKind::Directive(d) => {
            let raw = joined(Span::new(d.name.end, line.text.end));
            let raw = if raw.contains("${") { from_args() } else { raw };
            (raw, d.name)
        }
        LineKind::Open(open) => {
            let raw = joined(open.args_span);
            let raw = if raw.contains("${") { from_args() } else { raw.trim().to_string() };
            (raw, Span::new(open.name.start.saturating_sub(1), open.args_span.end.min(line.text.end)))
        }
        _ => (from_args(), line.text),
    }
}

impl HttpdTree {
    /// What `apachectl -t` would refuse (or warn about) in this tree,
    /// computed once.
    pub fn configtest(&self) -> &[TreeProblem] {
        self.configtest.get_or_init(|| configtest(self))
    }
}
