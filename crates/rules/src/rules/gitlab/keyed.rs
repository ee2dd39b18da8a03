//! What GL004-GL008 share: every key path a gitlab.rb writes, judged
//! against conflint's key table for the target GitLab release.

use conflint_core::Span;
use conflint_core::gitlab::keys::{GitlabKey, GitlabType, GitlabVersion, key};
use conflint_core::gitlab::{GitlabRbFile, Key, OpaqueHint, Quote, StatementKind};

use crate::context::Checker;
use crate::settings::TargetVersion;

/// The key path of one `receiver['k1']['k2'] = value` of the file (also
/// one whose value conflint cannot read).
pub(crate) struct Written<'f> {
    /// The receiver's name (`gitlab_rails`).
    pub receiver: &'f str,
    /// The receiver's token.
    pub receiver_span: Span,
    /// The index keys.
    pub keys: &'f [Key],
}

impl Written<'_> {
    /// The path in gitlab.rb spelling: receiver, then keys.
    pub(super) fn path(&self) -> Vec<&str> {
        std::iter::once(self.receiver).chain(self.keys.iter().map(|k| k.value.as_str())).collect()
    }

    /// The token of path element `i` (0 is the receiver).
    pub(super) fn span_of(&self, i: usize) -> Span {
        match i {
            0 => self.receiver_span,
            _ => self.keys.get(i - 1).map_or(self.receiver_span, |k| k.span),
        }
    }
}

/// Every key path the file writes, in file order.
pub(crate) fn written(file: &GitlabRbFile) -> Vec<Written<'_>> {
    let mut out = Vec::new();
    for statement in &file.statements {
        match &statement.kind {
            StatementKind::Assignment(a) => {
                out.push(Written { receiver: &a.receiver_name, receiver_span: a.receiver, keys: &a.keys });
            }
            StatementKind::Opaque(opaque) => {
                if let Some(OpaqueHint::UnreadableValue { receiver, keys, .. }) = &opaque.hint {
                    if let Ok(name) = std::str::from_utf8(&file.source()[receiver.range()]) {
                        out.push(Written { receiver: name, receiver_span: *receiver, keys });
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The GitLab release the rules judge against.
pub(crate) fn target_version(checker: &Checker<'_>) -> TargetVersion<GitlabVersion> {
    checker.settings.gitlab.target_version()
}

/// `GitLab 17.11`, `GitLab 19.3 (the newest conflint knows; set
/// --gitlab-version)`.
pub(crate) fn describe(target: &TargetVersion<GitlabVersion>) -> String {
    format!("GitLab {}", target.describe("--gitlab-version"))
}

/// `gitlab_rails['smtp_port']` for messages.
pub(crate) fn spell(path: &[&str]) -> String {
    match path.split_first() {
        Some((receiver, keys)) => {
            let keys: String = keys.iter().map(|k| format!("['{k}']")).collect();
            format!("{receiver}{keys}")
        }
        None => String::new(),
    }
}

/// Whether the keys below `k` are the user's own (a hash the table types as
/// such, or a key the table knows no children of): the table cannot judge
/// them (`gitlab_rails['env']['MY_VAR']`, `praefect['virtual_storages']['x']`).
pub(crate) fn free_form_below(k: &GitlabKey) -> bool {
    if k.ty == GitlabType::Hash {
        return true;
    }
    !has_children(k.path)
}

/// Whether the table knows a key below `path`.
pub(crate) fn has_children(path: &[&str]) -> bool {
    let all = conflint_core::gitlab::keys::keys();
    let start = all.partition_point(|k| k.path < path);
    all[start..].iter().take_while(|k| k.path.starts_with(path)).any(|k| k.path.len() > path.len())
}

/// How far the table knows a written path: the elements it knows, in
/// order, each with its record (`None` for a node the table knows only
/// through keys below it, such as `gitlab_rails['object_store']`). Stops at
/// the first element the table does not know; whether that one is a mistake
/// or a key of a free-form hash is the caller's question
/// ([`free_form_below`] of the last known record).
pub(crate) fn known_prefixes(path: &[&str]) -> Vec<(usize, Option<&'static GitlabKey>)> {
    let mut out = Vec::new();
    for end in 1..=path.len() {
        let record = key(&path[..end]);
        if record.is_none() && !has_children(&path[..end]) {
            break;
        }
        out.push((end - 1, record));
    }
    out
}

/// The characters between a key's quotes (`'smtp_port'` -> `smtp_port`,
/// `:smtp_port` -> `smtp_port`), when the literal spells its value plainly
/// (no escapes), so that a rename can replace just the name.
pub(crate) fn key_name_span(file: &GitlabRbFile, k: &Key) -> Option<Span> {
    let text = file.source().get(k.span.range())?;
    let inner = match k.quote {
        Quote::Single | Quote::Double => Span::new(k.span.start + 1, k.span.end.checked_sub(1)?),
        Quote::Symbol if text.first() == Some(&b':') => Span::new(k.span.start + 1, k.span.end),
        _ => return None,
    };
    (file.source().get(inner.range())? == k.value.as_bytes()).then_some(inner)
}

/// For a per-service NGINX block (`registry_nginx`, `pages_nginx`,
/// `gitlab_kas_nginx`, `mattermost_nginx`): omnibus builds each from the
/// main `nginx[...]` defaults with the block's own keys merged over them
/// (`Nginx.generate_nginx_config`, later the NginxHelper defaults), so any
/// key `nginx[...]` takes is one it takes. The template shows only a few.
pub(crate) fn takes_nginx_keys(receiver: &str) -> bool {
    receiver.ends_with("_nginx") && key(&[receiver]).is_some()
}

/// Where GitLab 19.2 moved a per-service NGINX block, whole
/// (`Nginx.translate_service_nginx_settings`: `registry_nginx[...]` ->
/// `registry['nginx'][...]`), and in which release.
pub(crate) fn service_nginx_move(receiver: &str) -> Option<(&'static str, GitlabVersion)> {
    conflint_core::gitlab::keys::aliases()
        .iter()
        .find(|a| a.old.first() == Some(&receiver) && receiver != "nginx")
        .and_then(|a| Some((*a.new.first()?, a.since)))
}

/// Settings under `gitlab_rails` that are Admin Area (application)
/// settings, not gitlab.rb keys: GL004 explains where they live.
pub(crate) fn admin_area_setting(path: &[&str]) -> Option<&'static str> {
    match path {
        ["gitlab_rails", "rate_limiting_response_text", ..] => Some(
            "an application setting (Admin Area > Settings > Network > User and IP rate limits), not a gitlab.rb key",
        ),
        ["gitlab_rails", k, ..] if k.starts_with("throttle_") => Some(
            "an application setting (Admin Area > Settings > Network, or the application settings API), not a gitlab.rb key",
        ),
        _ => None,
    }
}
