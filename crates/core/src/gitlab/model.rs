//! The settings a gitlab.rb file makes, replayed as Mixlib::Config would.
//!
//! gitlab.rb runs top to bottom. `gitlab_rails['x'] = { 'y' => 1 }` replaces
//! `gitlab_rails['x']` entirely; a later `gitlab_rails['x']['y'] = 2` changes
//! one key inside whatever `gitlab_rails['x']` is by then (nested keys
//! auto-vivify, config_mash.rb). So the value at a path is decided by the
//! LAST assignment whose keys are a prefix of that path, looked up through
//! the hash literals it assigned.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::format::FileKind;
use crate::load::SourceFile;

use crate::text::Span;

use super::syntax::{Command, GitlabRbFile, HashKey, Key, Quote, StatementKind, ValueId, ValueKind};

/// One assignment, `receiver['k1']['k2'] = value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// Index of the statement in [`GitlabRbFile::statements`].
    pub statement: usize,
    /// The top-level name (`gitlab_rails`).
    pub receiver: String,
    /// The index keys, outermost first.
    pub keys: Vec<Key>,
    /// The assigned value.
    pub value: ValueId,
    /// The statement's code.
    pub span: Span,
}

impl Setting {
    /// The key values, outermost first.
    pub fn path(&self) -> Vec<&str> {
        self.keys.iter().map(|k| k.value.as_str()).collect()
    }

    fn covers(&self, path: &[&str]) -> bool {
        self.keys.len() <= path.len() && self.keys.iter().zip(path).all(|(k, p)| k.value == *p)
    }

    fn is_below(&self, path: &[&str]) -> bool {
        self.keys.len() > path.len() && self.keys.iter().zip(path).all(|(k, p)| k.value == *p)
    }
}

/// How one key of a path was written where it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyForm {
    /// An index of the assignment itself: `a['k']`, `a["k"]`, `a[:k]`.
    Index(Quote),
    /// A hash key before `=>`: `'k' =>`, `"k" =>` (strings, which GitLab
    /// reads) or `:k =>` (`Quote::Symbol`).
    Rocket(Quote),
    /// `k: v`, a symbol key.
    Label,
    /// `'k': v` or `"k": v`, also a symbol key.
    QuotedLabel(Quote),
}

impl KeyForm {
    /// Whether the key is a symbol inside a hash literal, which Ruby keeps
    /// apart from the string key of the same name. (GitLab's Rails side
    /// reads string keys; Omnibus renders some hashes to JSON, where the two
    /// look alike.)
    pub fn is_symbol_in_hash(self) -> bool {
        matches!(self, KeyForm::Rocket(Quote::Symbol) | KeyForm::Label | KeyForm::QuotedLabel(_))
    }
}

/// The value a path ends up with.
#[derive(Debug, Clone, PartialEq)]
pub struct Effective {
    /// What the path holds.
    pub value: EffectiveValue,
    /// The assignment statement that set the value (or the hash holding it);
    /// for [`EffectiveValue::Implicit`], the first assignment below the path.
    pub statement: usize,
    /// How each key of the path was written, outermost first (shorter than
    /// the path when the value is unknown part-way).
    pub key_forms: Vec<KeyForm>,
    /// The hash literal and the index of its pair holding the value, when
    /// the value was found inside a hash.
    pub pair: Option<(ValueId, usize)>,
    /// Later assignments to keys below the path, which change parts of the
    /// value (statement indexes, in order).
    pub modified_by: Vec<usize>,
}

/// What a path of settings holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EffectiveValue {
    /// A literal value.
    Literal(ValueId),
    /// The value, or a value on the way to it, is Ruby conflint does not
    /// evaluate (this one).
    Unknown(ValueId),
    /// Never assigned as a whole: a hash made up only by assignments to keys
    /// below the path (see [`Effective::modified_by`]).
    Implicit,
}

/// All settings of a file, by receiver, in file order.
///
/// ```
/// use conflint_core::gitlab::{EffectiveValue, GitlabRbFile, GitlabSettings, ValueKind};
///
/// let file = GitlabRbFile::parse(
///     "gitlab_rails['rack_attack_git_basic_auth'] = { 'enabled' => true, ip_whitelist: ['127.0.0.1'] }\n\
///      gitlab_rails['rack_attack_git_basic_auth']['enabled'] = false\n",
/// ).unwrap();
/// let settings = GitlabSettings::new(&file);
/// let enabled = settings.effective("gitlab_rails", &["rack_attack_git_basic_auth", "enabled"]).unwrap();
/// assert_eq!(enabled.statement, 1);
/// let EffectiveValue::Literal(id) = enabled.value else { panic!() };
/// assert_eq!(file.values[id].kind, ValueKind::Bool(false));
/// let list = settings.effective("gitlab_rails", &["rack_attack_git_basic_auth", "ip_whitelist"]).unwrap();
/// assert_eq!(list.statement, 0);
/// assert!(list.key_forms[1].is_symbol_in_hash());
/// ```
#[derive(Debug, Clone)]
pub struct GitlabSettings<'f> {
    file: &'f GitlabRbFile,
    index: Cow<'f, SettingsIndex>,
}

/// The assignments of a file, collected once, by receiver.
#[derive(Debug, Clone, Default)]
pub struct SettingsIndex {
    settings: Vec<Setting>,
    by_receiver: BTreeMap<String, Vec<usize>>,
}

impl SettingsIndex {
    /// Collect the assignments of a file.
    pub fn new(file: &GitlabRbFile) -> Self {
        let mut settings = Vec::new();
        let mut by_receiver: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (statement, a) in file.assignments() {
            by_receiver.entry(a.receiver_name.clone()).or_default().push(settings.len());
            settings.push(Setting {
                statement,
                receiver: a.receiver_name.clone(),
                keys: a.keys.clone(),
                value: a.value,
                span: file.statements[statement].code,
            });
        }
        SettingsIndex { settings, by_receiver }
    }
}

/// One gitlab.rb read for the rules: its path, syntax tree and settings,
/// collected once.
#[derive(Debug, Clone)]
pub struct GitlabTree {
    /// The file as given or found.
    pub path: PathBuf,
    /// Its syntax tree.
    pub file: GitlabRbFile,
    index: SettingsIndex,
}

impl GitlabTree {
    /// Model a parsed file.
    pub fn new(path: impl Into<PathBuf>, file: GitlabRbFile) -> Self {
        let index = SettingsIndex::new(&file);
        GitlabTree { path: path.into(), file, index }
    }

    /// The settings the file makes.
    pub fn settings(&self) -> GitlabSettings<'_> {
        GitlabSettings { file: &self.file, index: Cow::Borrowed(&self.index) }
    }

    /// The file as the pipeline sees files.
    pub fn source_file(&self) -> SourceFile<'_> {
        SourceFile {
            path: &self.path,
            kind: FileKind::GitlabRb,
            source: self.file.source(),
            lines: self.file.line_index(),
            comments: self
                .file
                .comments
                .iter()
                .copied()
                .chain(crate::httpd::model::template_comments(self.file.template()))
                .collect(),
            secrets: self.file.secret_spans(),
            template: self.file.template(),
        }
    }
}

impl<'f> GitlabSettings<'f> {
    /// Collect the assignments of a file.
    pub fn new(file: &'f GitlabRbFile) -> Self {
        GitlabSettings { file, index: Cow::Owned(SettingsIndex::new(file)) }
    }

    /// The file the settings come from.
    pub fn file(&self) -> &'f GitlabRbFile {
        self.file
    }

    /// Every assignment, in file order.
    pub fn all(&self) -> &[Setting] {
        &self.index.settings
    }

    /// The receivers assigned to (`gitlab_rails`, `nginx`, ...), sorted.
    pub fn receivers(&self) -> impl Iterator<Item = &str> {
        self.index.by_receiver.keys().map(String::as_str)
    }

    /// The assignments to `receiver`, in file order.
    pub fn settings(&self, receiver: &str) -> impl Iterator<Item = &Setting> {
        self.index.by_receiver.get(receiver).into_iter().flatten().map(|&i| &self.index.settings[i])
    }

    /// The assignments that touch `path`: to it, to a key below it, or to a
    /// hash above it. For `["rack_attack_git_basic_auth"]` that finds both
    /// `gitlab_rails['rack_attack_git_basic_auth'] = {...}` and
    /// `gitlab_rails['rack_attack_git_basic_auth']['ip_whitelist'] = [...]`.
    pub fn assignments_to(&self, receiver: &str, path: &[&str]) -> impl Iterator<Item = &Setting> {
        let path: Vec<String> = path.iter().map(std::string::ToString::to_string).collect();
        self.settings(receiver).filter(move |s| s.keys.iter().zip(&path).all(|(k, p)| k.value == *p))
    }

    /// The calls `name arg, ...` (`external_url`), with their statement index.
    pub fn commands(&self, name: &str) -> impl Iterator<Item = (usize, &'f Command)> {
        let name = name.to_string();
        self.file.statements.iter().enumerate().filter_map(move |(i, s)| match &s.kind {
            StatementKind::Command(c) if c.name_text == name => Some((i, c)),
            _ => None,
        })
    }

    /// The value `receiver[path[0]][path[1]]...` has after the whole file
    /// ran; `None` if the file does not set it.
    pub fn effective(&self, receiver: &str, path: &[&str]) -> Option<Effective> {
        let list = self.index.by_receiver.get(receiver)?;
        let decisive = list.iter().rposition(|&i| self.index.settings[i].covers(path));
        let Some(position) = decisive else {
            let below: Vec<usize> = list
                .iter()
                .map(|&i| &self.index.settings[i])
                .filter(|s| s.is_below(path))
                .map(|s| s.statement)
                .collect();
            let first = *below.first()?;
            return Some(Effective {
                value: EffectiveValue::Implicit,
                statement: first,
                key_forms: Vec::new(),
                pair: None,
                modified_by: below,
            });
        };
        let setting = &self.index.settings[list[position]];
        let mut key_forms: Vec<KeyForm> = setting.keys.iter().map(|k| KeyForm::Index(k.quote)).collect();
        let (value, pair) = self.lookup(setting.value, &path[setting.keys.len()..], &mut key_forms)?;
        let modified_by = list[position + 1..]
            .iter()
            .map(|&i| &self.index.settings[i])
            .filter(|s| s.is_below(path))
            .map(|s| s.statement)
            .collect();
        Some(Effective { value, statement: setting.statement, key_forms, pair, modified_by })
    }

    /// Follow `rest` through hash literals from `value`. `None` if a key is
    /// absent from a literal hash, or the path runs into a literal that is
    /// not a hash.
    fn lookup(
        &self,
        value: ValueId,
        rest: &[&str],
        key_forms: &mut Vec<KeyForm>,
    ) -> Option<(EffectiveValue, Option<(ValueId, usize)>)> {
        let mut current = value;
        let mut pair_ref = None;
        for key in rest {
            let kind = &self.file.value(current)?.kind;
            let hash = match kind {
                ValueKind::Opaque => return Some((EffectiveValue::Unknown(current), pair_ref)),
                ValueKind::Hash(h) => h,
                _ => return None,
            };
            match self.find_key(hash, key) {
                Found::Pair(index, form) => {
                    key_forms.push(form);
                    pair_ref = Some((current, index));
                    current = hash.pairs[index].value;
                }
                // A key conflint cannot read might be this one.
                Found::Maybe => return Some((EffectiveValue::Unknown(current), pair_ref)),
                Found::No => return None,
            }
        }
        let value = match self.file.value(current)?.kind {
            ValueKind::Opaque => EffectiveValue::Unknown(current),
            _ => EffectiveValue::Literal(current),
        };
        Some((value, pair_ref))
    }

    /// The pair for `key` in `hash`: the last string key of that name (what
    /// GitLab reads), else the last symbol key.
    fn find_key(&self, hash: &super::Hash, key: &str) -> Found {
        let mut string = None;
        let mut symbol = None;
        let mut unreadable = false;
        for (index, pair) in hash.pairs.iter().enumerate() {
            let (name, form) = match &pair.key {
                HashKey::Label { name, quote, .. } => {
                    (name.as_deref(), quote.map_or(KeyForm::Label, KeyForm::QuotedLabel))
                }
                HashKey::Value(k) => match self.file.value(*k).map(|v| &v.kind) {
                    Some(ValueKind::Str { quote, value }) => (value.as_deref(), KeyForm::Rocket(*quote)),
                    Some(ValueKind::Opaque) => (None, KeyForm::Rocket(Quote::Single)),
                    // Numbers, nil, arrays ... are never a string key.
                    _ => continue,
                },
            };
            match name {
                None => unreadable = true,
                Some(name) if name == key => {
                    if form.is_symbol_in_hash() {
                        symbol = Some((index, form));
                    } else {
                        string = Some((index, form));
                    }
                }
                Some(_) => {}
            }
        }
        match string.or(symbol) {
            Some((index, form)) => Found::Pair(index, form),
            None if unreadable => Found::Maybe,
            None => Found::No,
        }
    }
}

enum Found {
    Pair(usize, KeyForm),
    Maybe,
    No,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind<'a>(file: &'a GitlabRbFile, e: &Effective) -> &'a ValueKind {
        match e.value {
            EffectiveValue::Literal(id) | EffectiveValue::Unknown(id) => &file.values[id].kind,
            EffectiveValue::Implicit => panic!("implicit"),
        }
    }

    #[test]
    fn later_hash_replaces_earlier_keys() {
        let file = GitlabRbFile::parse("a['x']['y'] = 1\na['x'] = { 'z' => 2 }\na['x']['w'] = 3\n").unwrap();
        let s = GitlabSettings::new(&file);
        assert!(s.effective("a", &["x", "y"]).is_none());
        let z = s.effective("a", &["x", "z"]).unwrap();
        assert_eq!(kind(&file, &z), &ValueKind::Int(2));
        assert_eq!(z.key_forms, [KeyForm::Index(Quote::Single), KeyForm::Rocket(Quote::Single)]);
        let x = s.effective("a", &["x"]).unwrap();
        assert_eq!(x.statement, 1);
        assert_eq!(x.modified_by, [2]);
        assert_eq!(s.effective("a", &["x", "w"]).unwrap().statement, 2);
    }

    #[test]
    fn sub_assignments_alone_make_an_implicit_hash() {
        let file = GitlabRbFile::parse("a['x']['y'] = 1\na['x']['z'] = 2\n").unwrap();
        let s = GitlabSettings::new(&file);
        let x = s.effective("a", &["x"]).unwrap();
        assert_eq!(x.value, EffectiveValue::Implicit);
        assert_eq!(x.modified_by, [0, 1]);
        assert!(s.effective("b", &["x"]).is_none());
        assert!(s.effective("a", &["q"]).is_none());
    }

    #[test]
    fn string_keys_win_over_symbol_keys() {
        let file = GitlabRbFile::parse("a['x'] = { y: 1, 'y' => 2, :y => 3 }\n").unwrap();
        let s = GitlabSettings::new(&file);
        let y = s.effective("a", &["x", "y"]).unwrap();
        assert_eq!(kind(&file, &y), &ValueKind::Int(2));
        assert_eq!(y.pair.map(|p| p.1), Some(1));
        let file = GitlabRbFile::parse("a['x'] = { 'y': 1 }\n").unwrap();
        let y = GitlabSettings::new(&file).effective("a", &["x", "y"]).unwrap();
        assert_eq!(y.key_forms[1], KeyForm::QuotedLabel(Quote::Single));
    }

    #[test]
    fn opaque_values_are_unknown() {
        let file = GitlabRbFile::parse("a['x'] = ENV_HASH\na['y'] = { 'z' => ENV['Z'] }\n").unwrap();
        let s = GitlabSettings::new(&file);
        let xz = s.effective("a", &["x", "z"]).unwrap();
        assert!(matches!(xz.value, EffectiveValue::Unknown(_)));
        let yz = s.effective("a", &["y", "z"]).unwrap();
        assert!(matches!(yz.value, EffectiveValue::Unknown(_)));
        assert!(s.effective("a", &["y", "z", "deeper"]).is_some());
        // A literal that is not a hash has no keys.
        let file = GitlabRbFile::parse("a['x'] = nil\n").unwrap();
        assert!(GitlabSettings::new(&file).effective("a", &["x", "y"]).is_none());
    }

    #[test]
    fn assignments_to_finds_every_form() {
        let file = GitlabRbFile::parse(
            "a['r'] = { 'ip_whitelist' => [] }\na['r']['ip_whitelist'] = ['1']\na['rr'] = 1\nb['r'] = 2\n",
        )
        .unwrap();
        let s = GitlabSettings::new(&file);
        let found: Vec<usize> = s.assignments_to("a", &["r"]).map(|s| s.statement).collect();
        assert_eq!(found, [0, 1]);
        let found: Vec<usize> = s.assignments_to("a", &["r", "ip_whitelist"]).map(|s| s.statement).collect();
        assert_eq!(found, [0, 1]);
        assert_eq!(s.receivers().collect::<Vec<_>>(), ["a", "b"]);
    }

    #[test]
    fn commands_are_listed() {
        let file = GitlabRbFile::parse("external_url 'https://a'\nexternal_url 'https://b'\n").unwrap();
        let s = GitlabSettings::new(&file);
        let last = s.commands("external_url").last().unwrap();
        assert_eq!(last.0, 1);
        assert_eq!(file.string(last.1.args[0]), Some("https://b"));
    }
}
