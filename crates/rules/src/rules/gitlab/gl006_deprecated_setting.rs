use conflint_core::Model;
use conflint_core::gitlab::Quote;
use conflint_core::gitlab::keys::{GitlabVersion, KeyStatus, status};

use super::keyed::{self, describe, known_prefixes, spell, written};
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::Check;
use crate::settings::VersionSource;

declare_rule! {
    /// ## What it does
    /// Finds gitlab.rb settings that the target GitLab release still applies
    /// but has deprecated: every deprecations.rb entry in conflint's key
    /// table whose deprecation release has come (`gitlab_exporter['server_name']`
    /// in 19.3, `actioncable['enable']` in 14.5...), and the old spellings of
    /// GitLab 19.2's NGINX move: `nginx['real_ip_trusted_addresses']` and the
    /// other settings of the GitLab server block now live under
    /// `gitlab_rails['nginx'][...]`, and `registry_nginx[...]`,
    /// `pages_nginx[...]`, `gitlab_kas_nginx[...]` under `registry['nginx']`,
    /// `gitlab_pages['nginx']`, `gitlab_kas['nginx']`. The old spelling is
    /// reported only when the target release is 19.2 or later; the settings
    /// nginx.conf itself uses (`nginx['gzip_enabled']`, `nginx['dir']`...)
    /// did not move.
    ///
    /// ## Why is this bad?
    /// Reconfigure still applies the value, with a deprecation warning
    /// ("nginx['real_ip_trusted_addresses'] has been deprecated. Please use
    /// gitlab_rails['nginx']['real_ip_trusted_addresses'] instead."), and a
    /// later release removes it; then GL004's error. When both spellings
    /// are set, the new one wins silently (GitLab copies the old value only
    /// where the new key is unset).
    ///
    /// ## Example
    /// ```ruby
    /// nginx['real_ip_trusted_addresses'] = ['10.0.0.5']
    /// ```
    /// Use instead (GitLab 19.2 and later):
    /// ```ruby
    /// gitlab_rails['nginx']['real_ip_trusted_addresses'] = ['10.0.0.5']
    /// ```
    ///
    /// ## Fix safety
    /// For a moved NGINX key, the old spelling is rewritten to the new one.
    /// Safe when the GitLab release was given (`--gitlab-version`, `[gitlab]
    /// version`, 19.2 or later) and the file does not set the new spelling
    /// already: GitLab applies the value exactly as before, without the
    /// warning. Unsafe otherwise: on a GitLab before 19.2 the new key does
    /// nothing, and with both spellings set the rename changes which value
    /// wins. No fix for other deprecations: their replacements differ.
    pub struct DeprecatedSetting {
        code: "GL006",
        name: "deprecated-setting",
        severity: Warning,
        default_on: true,
        fix: Sometimes,
    }
}

impl Check for DeprecatedSetting {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Gitlab(tree) = model else { return };
        let (path, file) = (tree.path.as_path(), &tree.file);
        let target = keyed::target_version(checker);
        let settings = tree.settings();
        for w in written(file) {
            let keys = w.path();
            let mut moved: Option<(Vec<&str>, GitlabVersion)> = None;
            for (i, k) in known_prefixes(&keys) {
                let Some(k) = k else { continue };
                match status(k, target.version) {
                    KeyStatus::Deprecated { since, removal, message } => {
                        let removal = removal.map(|r| format!(" and removed in {r}")).unwrap_or_default();
                        let note = message.map(|m| format!("; {m}")).unwrap_or_default();
                        checker.report(
                            path,
                            w.span_of(i),
                            format!(
                                "{} is deprecated since GitLab {since}{removal}: {} still applies it, with a warning{note}",
                                spell(&keys[..=i]),
                                describe(&target)
                            ),
                            None,
                        );
                        break;
                    }
                    KeyStatus::Moved { to, since } if i == 1 => {
                        moved = Some((to.to_vec(), since));
                        break;
                    }
                    _ => {}
                }
            }
            // A key of a per-service block the table has no record of moved
            // with its block.
            if moved.is_none() && keys.len() >= 2 {
                if let Some((parent, since)) = keyed::service_nginx_move(w.receiver) {
                    if target.version >= since && keyed::takes_nginx_keys(w.receiver) {
                        moved = Some((vec![parent, "nginx", keys[1]], since));
                    }
                }
            }
            let Some((to, since)) = moved else { continue };
            let quote = match w.keys.first().map(|k| k.quote) {
                Some(Quote::Double) => "\"",
                _ => "'",
            };
            let new_receiver = format!("{}[{quote}{}{quote}]", to[0], to[1]);
            // An assignment to the new key, below it, or to a hash above it.
            let both_set = settings.assignments_to(to[0], &to[1..]).next().is_some();
            let edit = Edit::replace(path, w.receiver_span, new_receiver);
            let message = format!("write {}", spell(&to));
            let fix = if target.source == VersionSource::Configured && !both_set {
                Fix::safe(message, vec![edit])
            } else {
                Fix::unsafe_(message, vec![edit])
            };
            checker.report(
                path,
                w.receiver_span,
                format!(
                    "{} moved to {} in GitLab {since}: {} still applies the old spelling, with a deprecation warning, unless the new one is set",
                    spell(&keys[..2]),
                    spell(&to),
                    describe(&target)
                ),
                Some(fix),
            );
        }
    }
}
