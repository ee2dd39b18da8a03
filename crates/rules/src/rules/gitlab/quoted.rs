//! What GL007 and GL008 share: an assignment of a string literal to a key
//! the table types as a boolean or a number.

use conflint_core::Span;
use conflint_core::gitlab::keys::{GitlabType, key};
use conflint_core::gitlab::{GitlabTree, Quote, ValueKind};

/// A quoted scalar assigned to a typed key: (path as written, the value's
/// span, its text, the key's type).
pub(crate) struct Quoted {
    pub path: Vec<String>,
    pub span: Span,
    pub text: String,
    pub ty: GitlabType,
}

/// Every `receiver['k']... = "text"` whose key the table types as `Bool`,
/// `Int` or `Float`, with a plain string literal (no interpolation).
pub(crate) fn quoted_scalars(tree: &GitlabTree) -> Vec<Quoted> {
    let file = &tree.file;
    let settings = tree.settings();
    let mut out = Vec::new();
    for setting in settings.all() {
        let mut path = vec![setting.receiver.as_str()];
        path.extend(setting.keys.iter().map(|k| k.value.as_str()));
        let Some(k) = key(&path) else { continue };
        if !matches!(k.ty, GitlabType::Bool | GitlabType::Int | GitlabType::Float) {
            continue;
        }
        let Some(value) = file.value(setting.value) else { continue };
        let ValueKind::Str { quote, value: Some(text) } = &value.kind else { continue };
        if !matches!(quote, Quote::Single | Quote::Double | Quote::PercentQ | Quote::PercentUpperQ) {
            continue;
        }
        out.push(Quoted {
            path: path.iter().map(std::string::ToString::to_string).collect(),
            span: value.span,
            text: text.clone(),
            ty: k.ty,
        });
    }
    out
}

/// `gitlab_rails['x']` for messages.
pub(crate) fn spell(path: &[String]) -> String {
    let refs: Vec<&str> = path.iter().map(String::as_str).collect();
    super::keyed::spell(&refs)
}
