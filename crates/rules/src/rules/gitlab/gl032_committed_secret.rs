use conflint_core::Model;
use conflint_core::gitlab::{GitlabRbFile, HashKey, Quote, ValueId, ValueKind};

use super::omnibus;
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds secrets written into gitlab.rb as string literals:
    /// `gitlab_rails['initial_root_password']`,
    /// `['initial_shared_runners_registration_token']`, `['smtp_password']`,
    /// `['db_password']`, `['redis_password']`,
    /// `['incoming_email_password']`, `['service_desk_email_password']`,
    /// `redis['password']`, `redis['master_password']`, and the `password`
    /// of each LDAP server in a `gitlab_rails['ldap_servers']` hash literal.
    /// Every assignment counts, not only the last: a secret overridden
    /// further down is still in the file. A value read at reconfigure time (`ENV['SMTP_PASSWORD']`,
    /// `File.read('/etc/gitlab/smtp-password').strip`), an interpolated
    /// string, an empty string and a placeholder (`{{ smtp_password }}`,
    /// `<password>`, `REPLACE_ME`, `your_password`) are not reported. LDAP
    /// servers written as
    /// a `YAML.load <<-EOS` heredoc are not read.
    ///
    /// The finding never shows the secret: in the human output the string's
    /// bytes are masked, in this and every other finding on the line.
    ///
    /// ## Why is this bad?
    /// gitlab.rb lives in configuration repositories, backups and
    /// provisioning templates: everyone with read access to any of them has
    /// the mail relay, database or directory password, or the root password
    /// of a fresh install. `initial_*` keys are read only on the first
    /// reconfigure and stay in the file for ever after.
    ///
    /// ## Example
    /// ```ruby
    /// gitlab_rails['smtp_password'] = 'hunter2'
    /// ```
    /// Use instead:
    /// ```ruby
    /// gitlab_rails['smtp_password'] = ENV['GITLAB_SMTP_PASSWORD']
    /// ```
    /// (or GitLab's encrypted SMTP credentials: `gitlab-rake
    /// gitlab:smtp:secret:edit`).
    ///
    /// ## Fix safety
    /// None: where the secret should come from is the owner's choice, and
    /// the one committed must be rotated anyway.
    pub struct CommittedSecret {
        code: "GL032",
        name: "committed-secret",
        severity: Error,
        default_on: true,
        fix: None,
    }
}

/// The secret-holding keys, by receiver, and what to do instead.
const SECRETS: &[(&str, &str, &str)] = &[
    (
        "gitlab_rails",
        "initial_root_password",
        "it is read only on the first reconfigure: remove it once GitLab is installed",
    ),
    (
        "gitlab_rails",
        "initial_shared_runners_registration_token",
        "it is read only on the first reconfigure: remove it once GitLab is installed",
    ),
    ("gitlab_rails", "smtp_password", "read it from ENV or a file, or use encrypted SMTP credentials"),
    ("gitlab_rails", "db_password", "read it from ENV or a file"),
    ("gitlab_rails", "redis_password", "read it from ENV or a file"),
    ("gitlab_rails", "incoming_email_password", "read it from ENV or a file, or use encrypted credentials"),
    ("gitlab_rails", "service_desk_email_password", "read it from ENV or a file, or use encrypted credentials"),
    ("redis", "password", "read it from ENV or a file"),
    ("redis", "master_password", "read it from ENV or a file"),
];

/// Whether a value is a string literal holding a secret: a plain,
/// non-empty string (not a symbol, not interpolated), and not a placeholder.
fn literal_secret(file: &GitlabRbFile, id: ValueId) -> bool {
    matches!(file.value(id).map(|v| &v.kind), Some(ValueKind::Str { quote, value: Some(text) })
        if *quote != Quote::Symbol && !text.trim().is_empty() && !placeholder(text))
}

/// Whether a value only holds the place of a secret: a template
/// expression (`{{ smtp_password }}`, `<%= @password %>`, `${SMTP_PASSWORD}`),
/// `<password>`, or words such as `REPLACE_ME` and `your_password` that
/// sample and published configurations put there instead of the real one.
fn placeholder(text: &str) -> bool {
    let t = text.trim();
    let wrapped = |open: &str, close: &str| t.starts_with(open) && t.ends_with(close);
    if wrapped("{{", "}}") || wrapped("<%", "%>") || wrapped("${", "}") || wrapped("<", ">") {
        return true;
    }
    let lower = t.to_ascii_lowercase().replace(['-', ' '], "_");
    ["replace_me", "replaceme", "change_me", "changeme", "your_password", "placeholder", "redacted"]
        .iter()
        .any(|w| lower.contains(w))
}

/// The `password` values of LDAP server hashes below `id` (a hash of
/// servers, one server's hash, or the password itself at `depth` 2).
fn ldap_passwords(file: &GitlabRbFile, id: ValueId, depth: usize, out: &mut Vec<ValueId>) {
    if depth >= 2 {
        out.push(id);
        return;
    }
    let Some(hash) = file.hash(id) else { return };
    for pair in &hash.pairs {
        let key = match &pair.key {
            HashKey::Label { name, .. } => name.clone(),
            HashKey::Value(k) => match file.value(*k).map(|v| &v.kind) {
                Some(ValueKind::Str { value, .. }) => value.clone(),
                _ => None,
            },
        };
        match depth {
            // A server's hash: only its `password` (and `bind_password`, an alias some guides use).
            1 if matches!(key.as_deref(), Some("password" | "bind_password")) => out.push(pair.value),
            0 => ldap_passwords(file, pair.value, 1, out),
            _ => {}
        }
    }
}

impl Check for CommittedSecret {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Gitlab(tree) = model else { return };
        let (path, file, settings) = (tree.path.as_path(), &tree.file, tree.settings());
        // Every assignment, not only the last: a secret overridden further
        // down is still in the file.
        for (receiver, key, advice) in SECRETS {
            for setting in settings.assignments_to(receiver, &[key]).filter(|s| s.keys.len() == 1) {
                let Some(value) = file.value(setting.value).filter(|_| literal_secret(file, setting.value)) else {
                    continue;
                };
                checker.report(
                    path,
                    value.span,
                    format!(
                        "`{}` is a secret committed in gitlab.rb as plain text; {advice}",
                        omnibus::display(receiver, &[key])
                    ),
                    None,
                );
            }
        }
        // LDAP: every assignment under ldap_servers (a whole hash, one
        // server, or one password).
        let mut passwords = Vec::new();
        for setting in settings.assignments_to("gitlab_rails", &["ldap_servers"]) {
            let depth = setting.keys.len().saturating_sub(1);
            if depth == 2 && !matches!(setting.keys[2].value.as_str(), "password" | "bind_password") {
                continue;
            }
            if depth <= 2 {
                ldap_passwords(file, setting.value, depth, &mut passwords);
            }
        }
        for id in passwords {
            if !literal_secret(file, id) {
                continue;
            }
            let Some(value) = file.value(id) else { continue };
            checker.report(
                path,
                value.span,
                "an LDAP server's `password` is committed in gitlab.rb as plain text; read it from ENV or a file, or use encrypted LDAP credentials (`gitlab-rake gitlab:ldap:secret:edit`)",
                None,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        for p in [
            "{{ gitlab_smtp_password }}",
            "<%= @pw %>",
            "${SMTP_PW}",
            "<password>",
            "REPLACE_ME_ONE_TIME_APP_PASS",
            "your-password",
        ] {
            assert!(placeholder(p), "{p}");
        }
        for secret in ["hunter2", "Tr0ub4dor&3", "s3cr3t-Pa55"] {
            assert!(!placeholder(secret), "{secret}");
        }
    }
}
