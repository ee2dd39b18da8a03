use conflint_core::Model;
use conflint_core::gitlab::keys::{KeyStatus, did_you_mean, is_top_level_in, key, status};

use super::keyed::{self, admin_area_setting, describe, free_form_below, known_prefixes, spell, written};
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds gitlab.rb settings GitLab Omnibus does not know, judged
    /// against conflint's key table (every assignment of omnibus-gitlab's
    /// `gitlab.rb.template`, every cookbook default and every
    /// deprecations.rb entry, at every release since 10.0 and on master),
    /// and names the key that was probably meant:
    ///
    /// * an unknown top-level name (`gitlab_rail['time_zone']`,
    ///   `letsencypt['enable']`), or one the target release does not have
    ///   yet;
    /// * an unknown key below a known one (`gitlab_rails['smtp_prot']`,
    ///   `nginx['client_max_body_szie']`).
    ///
    /// A per-service NGINX block (`registry_nginx`, `pages_nginx`...) takes
    /// every key `nginx[...]` takes. Keys inside hashes whose keys are yours
    /// to choose are not judged
    /// (`gitlab_rails['env']['MY_VAR']`, `gitlab_rails['ldap_servers']['main']`,
    /// `gitaly['configuration']`), nor keys written inside a hash literal
    /// (GL002 checks the ones of `rack_attack_git_basic_auth`). A nested key
    /// the table dates to a later release than the target is not reported
    /// either: the table dates a key by the first release whose template or
    /// defaults show it, which can be later than when GitLab started reading
    /// it. Removed keys are GL004's.
    ///
    /// ## Why is this bad?
    /// What `gitlab-ctl reconfigure` does with it was read in omnibus-gitlab
    /// (`package/libraries/settings_dsl.rb`, `config_mash.rb`):
    ///
    /// * an unknown top-level name fails the run: `from_file` turns on
    ///   Mixlib::Config's strict mode and `gitlab_rail[...]` raises
    ///   `Mixlib::Config::UnknownConfigOptionError` ("Reading unsupported
    ///   config value gitlab_rail."), before anything is changed;
    /// * an unknown nested key is accepted silently: the config mash
    ///   auto-vivifies it, it is copied into the node attributes, and no
    ///   recipe or template ever reads it. The setting you meant keeps its
    ///   default.
    ///
    /// tests/gitlab_rules_system.rs replays both with Debian's Mixlib::Config
    /// 3.0.6 in strict mode.
    ///
    /// ## Example
    /// ```ruby
    /// gitlab_rails['smtp_prot'] = 465
    /// ```
    /// Use instead:
    /// ```ruby
    /// gitlab_rails['smtp_port'] = 465
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe, when a known key is close to the name: the rename makes the
    /// setting take effect (or lets reconfigure run), which is the point but
    /// changes what GitLab does. No fix otherwise.
    pub struct UnknownKey {
        code: "GL005",
        name: "unknown-key",
        severity: Error,
        default_on: true,
        fix: Unsafe,
    }
}

impl Check for UnknownKey {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Gitlab(tree) = model else { return };
        let (path, file) = (tree.path.as_path(), &tree.file);
        let target = keyed::target_version(checker);
        let version = target.version;
        for w in written(file) {
            let keys = w.path();
            if admin_area_setting(&keys).is_some() {
                continue; // GL004 says where it lives.
            }
            if !is_top_level_in(w.receiver, version) {
                let known = key(&[w.receiver]);
                match known.map(|k| status(k, version)) {
                    // Removed top-level names are GL004's.
                    Some(KeyStatus::Removed { .. }) => {}
                    Some(KeyStatus::NotYetAdded { added }) => checker.report(
                        path,
                        w.receiver_span,
                        format!(
                            "`{}` is not a gitlab.rb name in {} (it is from GitLab {added} on): reconfigure fails with `UnknownConfigOptionError`",
                            w.receiver,
                            describe(&target)
                        ),
                        None,
                    ),
                    _ => {
                        let suggestion = did_you_mean(&[w.receiver]).and_then(|s| s.first().copied());
                        let fix = suggestion.map(|s| {
                            Fix::unsafe_(format!("rename to `{s}`"), vec![Edit::replace(path, w.receiver_span, s)])
                        });
                        let advice = suggestion.map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
                        checker.report(
                            path,
                            w.receiver_span,
                            format!(
                                "`{}` is not a gitlab.rb name: reconfigure fails (`UnknownConfigOptionError`: \"Reading unsupported config value {}.\"){advice}",
                                w.receiver, w.receiver
                            ),
                            fix,
                        );
                    }
                }
                continue;
            }
            let known = known_prefixes(&keys);
            let Some(&(last, last_key)) = known.last() else { continue };
            if last + 1 == keys.len() || (last > 0 && last_key.is_some_and(free_form_below)) {
                continue;
            }
            let unknown = last + 1;
            if unknown == 1 && keyed::takes_nginx_keys(w.receiver) && key(&["nginx", keys[1]]).is_some() {
                continue;
            }
            let Some(written_key) = w.keys.get(unknown - 1) else { continue };
            let suggestion = did_you_mean(&keys[..=unknown]).and_then(|p| p.last().copied());
            let fix = suggestion.and_then(|s| {
                let span = keyed::key_name_span(file, written_key)?;
                Some(Fix::unsafe_(format!("rename to `{s}`"), vec![Edit::replace(path, span, s)]))
            });
            let advice = suggestion.map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
            checker.report(
                path,
                written_key.span,
                format!(
                    "{} is not a key GitLab knows: reconfigure accepts it silently and nothing reads it{advice}",
                    spell(&keys[..=unknown])
                ),
                fix,
            );
        }
        // `external_ur 'https://...'`: a call of an unknown name fails the
        // same way; only names close to a real one are reported (anything
        // else may be Ruby of the file's own).
        for statement in &file.statements {
            let conflint_core::gitlab::StatementKind::Command(command) = &statement.kind else { continue };
            if is_top_level_in(&command.name_text, version) {
                continue;
            }
            let Some(suggestion) = did_you_mean(&[command.name_text.as_str()]).and_then(|s| s.first().copied()) else {
                continue;
            };
            checker.report(
                path,
                command.name,
                format!(
                    "`{}` is not a gitlab.rb name: reconfigure fails (`UnknownConfigOptionError`); did you mean `{suggestion}`?",
                    command.name_text
                ),
                Some(Fix::unsafe_(format!("rename to `{suggestion}`"), vec![Edit::replace(path, command.name, suggestion)])),
            );
        }
    }
}
