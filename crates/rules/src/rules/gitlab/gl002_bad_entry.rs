use conflint_core::gitlab::ValueKind;

use super::rack_attack::{self, KNOWN_KEYS};
use conflint_core::Model;

use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds mistakes GitLab silently ignores in
    /// `gitlab_rails['rack_attack_git_basic_auth']`: an `ip_whitelist`
    /// entry that is not an IP address or CIDR block (GitLab drops it), a
    /// misspelled key (`ip_allowlist`, `max_retry`, `ban_time`...: GitLab
    /// ignores it and uses the default), and a `maxretry`, `findtime` or
    /// `bantime` that is not an integer.
    ///
    /// ## Why is this bad?
    /// Nothing fails: `gitlab-ctl reconfigure` succeeds, the key is
    /// rendered into gitlab.yml and never read. You believe the office is
    /// allow-listed, or the ban lasts ten minutes, and it does not.
    ///
    /// ## Example
    /// ```ruby
    /// gitlab_rails['rack_attack_git_basic_auth'] = {
    ///   'enabled' => true,
    ///   'ip_allowlist' => ["127.0.0.1", "office.example.com"],
    ///   'bantime' => "600",
    /// }
    /// ```
    /// Use instead:
    /// ```ruby
    ///   'ip_whitelist' => ["127.0.0.1", "198.51.100.0/24"],
    ///   'bantime' => 600,
    /// ```
    ///
    /// ## Fix safety
    /// Safe for a misspelled key (renamed to the key GitLab reads, which is
    /// what was meant) and for a quoted integer (unquoted). No fix for an
    /// entry that is not an address: which address was meant is unknown.
    pub struct BadEntry {
        code: "GL002",
        name: "rack-attack-bad-entry",
        severity: Error,
        default_on: true,
        fix: Safe,
    }
}

/// Misspellings seen in the wild, and the key GitLab reads.
const ALIASES: &[(&str, &str)] = &[
    ("ip_allowlist", "ip_whitelist"),
    ("ip_whitelists", "ip_whitelist"),
    ("whitelist", "ip_whitelist"),
    ("allowlist", "ip_whitelist"),
    ("ip_white_list", "ip_whitelist"),
    ("max_retry", "maxretry"),
    ("max_retries", "maxretry"),
    ("maxretries", "maxretry"),
    ("find_time", "findtime"),
    ("ban_time", "bantime"),
    ("enable", "enabled"),
];

/// The known key a misspelled one stands for: an alias, or a key within
/// edit distance 2.
fn closest_known(key: &str) -> Option<&'static str> {
    let lower = key.to_ascii_lowercase();
    if let Some((_, known)) = ALIASES.iter().find(|(alias, _)| *alias == lower) {
        return Some(known);
    }
    KNOWN_KEYS
        .iter()
        .copied()
        .filter(|k| *k != key)
        .map(|k| (distance(&lower, k), k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k)
}

/// Levenshtein distance (short keys only).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for j in 0..b.len() {
            let cur = row[j + 1];
            row[j + 1] = (row[j + 1] + 1).min(row[j] + 1).min(prev + usize::from(ca != b[j]));
            prev = cur;
        }
    }
    row[b.len()]
}

impl Check for BadEntry {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Gitlab(tree) = model else { return };
        let (path, file, settings) = (tree.path.as_path(), &tree.file, tree.settings());
        for (key, key_span, value) in rack_attack::written_keys(file, &settings) {
            if !KNOWN_KEYS.contains(&key.as_str()) {
                let known = closest_known(&key);
                let fix = known.map(|k| Fix::safe(format!("rename to `{k}`"), vec![Edit::replace(path, key_span, k)]));
                let advice = known.map(|k| format!("; did you mean `{k}`?")).unwrap_or_default();
                checker.report(
                    path,
                    key_span,
                    format!("`{key}` is not a key GitLab reads for the git basic-auth ban: it is ignored and the default applies{advice}"),
                    fix,
                );
                continue;
            }
            let Some(v) = file.value(value) else { continue };
            match (key.as_str(), &v.kind) {
                ("ip_whitelist", _) => {
                    for (span, text) in rack_attack::array_strings(file, value).unwrap_or_default() {
                        let valid = text.as_deref().and_then(rack_attack::parse_entry).is_some();
                        if !valid {
                            let shown = file.text(span);
                            checker.report(
                                path,
                                span,
                                format!("ip_whitelist entry {shown} is not an IP address or CIDR block: GitLab drops it silently"),
                                None,
                            );
                        }
                    }
                }
                ("maxretry" | "findtime" | "bantime", ValueKind::Int(_) | ValueKind::Nil) => {}
                ("maxretry" | "findtime" | "bantime", ValueKind::Str { value: Some(text), .. })
                    if text.trim().parse::<u64>().is_ok() =>
                {
                    let fix = Fix::safe("unquote the number", vec![Edit::replace(path, v.span, text.trim())]);
                    checker.report(
                        path,
                        v.span,
                        format!("`{key}` is a string; Rack::Attack needs an integer"),
                        Some(fix),
                    );
                }
                ("maxretry" | "findtime" | "bantime", ValueKind::Opaque) => {}
                ("maxretry" | "findtime" | "bantime", _) => {
                    checker.report(path, v.span, format!("`{key}` must be an integer (seconds or a count)"), None);
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misspellings() {
        assert_eq!(closest_known("ip_allowlist"), Some("ip_whitelist"));
        assert_eq!(closest_known("max_retry"), Some("maxretry"));
        assert_eq!(closest_known("bantme"), Some("bantime"));
        assert_eq!(closest_known("something_else"), None);
    }
}
