use conflint_core::gitlab::{Quote, ValueKind, string_literal};

use super::rack_attack::{self, parse_entry};
use conflint_core::Model;

use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// When GitLab's failed-authentication ban for Git over HTTP is on
    /// (`gitlab_rails['rack_attack_git_basic_auth']` with `'enabled' =>
    /// true`), checks that `ip_whitelist` covers every trusted address:
    /// those given with `--trusted-ip` or `[gitlab] trusted-ips`, and the
    /// load balancers GitLab is told about (`gitlab_rails['trusted_proxies']`,
    /// and `nginx['real_ip_trusted_addresses']`, which GitLab 19.2 moved to
    /// `gitlab_rails['nginx']['real_ip_trusted_addresses']`: from 19.2 on
    /// (`--gitlab-version`) the new spelling is read first and the old one
    /// where it is unset, as GitLab does; before, only the old one). Entries
    /// may be addresses or CIDR blocks; coverage is CIDR-aware. It also finds
    /// an `ip_whitelist` that drops GitLab's default `127.0.0.1`.
    ///
    /// ## Why is this bad?
    /// After `maxretry` failed `git` basic-auth attempts within `findtime`
    /// seconds, Rack::Attack bans the client address for `bantime` (an
    /// hour by default). Behind NAT, one developer with a stale password
    /// bans the whole office; behind a load balancer that is not trusted,
    /// every user shares the balancer's address and everyone is banned.
    ///
    /// ## Example
    /// With `--trusted-ip 198.51.100.0/24`:
    /// ```ruby
    /// gitlab_rails['rack_attack_git_basic_auth'] = {
    ///   'enabled' => true,
    ///   'ip_whitelist' => ["127.0.0.1"],
    /// }
    /// ```
    /// Use instead:
    /// ```ruby
    ///   'ip_whitelist' => ["127.0.0.1", "198.51.100.0/24"],
    /// ```
    ///
    /// ## Fix safety
    /// Safe: the missing single addresses (a /32 or /128), and the networks
    /// given with `--trusted-ip`, are appended to the array in its own
    /// quoting and layout; only those addresses stop being banned. A network
    /// read from gitlab.rb (`real_ip_trusted_addresses = ['10.0.0.0/8']`) is
    /// reported with advice and never appended: everybody in it would become
    /// unbannable, and GitLab's guidance is to allowlist the load balancer's
    /// own addresses. An entry covering every address (`0.0.0.0/0`) is never
    /// appended (GL003).
    pub struct WhitelistGap {
        code: "GL001",
        name: "rack-attack-whitelist-gap",
        severity: Warning,
        default_on: true,
        fix: Safe,
    }
}

impl Check for WhitelistGap {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Gitlab(tree) = model else { return };
        let (path, file, settings) = (tree.path.as_path(), &tree.file, tree.settings());
        let version = checker.settings.gitlab.target_version().version;
        if !rack_attack::enabled(file, &settings) {
            return;
        }
        let Some(list) = rack_attack::literal(&settings, "ip_whitelist") else {
            // The default list is ["127.0.0.1"]: report what it misses.
            let trusted = rack_attack::trusted(file, &settings, &checker.settings.gitlab.trusted_ips, version);
            if trusted.is_empty() {
                return;
            }
            let Some(hash) = rack_attack::ban_hash(file, &settings).and_then(|id| file.value(id)) else { return };
            let missing: Vec<String> = trusted.iter().map(|t| t.net.to_string()).collect();
            checker.report(
                path,
                hash.span,
                format!(
                    "the ban is on and `ip_whitelist` is not set (GitLab uses [\"127.0.0.1\"]): {} can be banned; add 'ip_whitelist' => [\"127.0.0.1\", \"{}\"]",
                    missing.join(", "),
                    missing.join("\", \"")
                ),
                None,
            );
            return;
        };
        let Some(entries) = rack_attack::array_strings(file, list) else { return };
        let nets: Vec<_> = entries.iter().filter_map(|(_, t)| t.as_deref().and_then(parse_entry)).collect();
        let covered = |net: &ipnet::IpNet| nets.iter().any(|n| n.contains(net));
        let mut missing: Vec<(String, String)> = Vec::new();
        // Networks read from gitlab.rb: reported, never appended by a fix.
        let mut ranges: Vec<(String, String)> = Vec::new();
        let localhost: ipnet::IpNet = "127.0.0.1/32".parse().unwrap_or_default();
        if !covered(&localhost) {
            missing.push((
                "127.0.0.1".to_string(),
                "GitLab's own default (local health checks and Workhorse)".to_string(),
            ));
        }
        for t in rack_attack::trusted(file, &settings, &checker.settings.gitlab.trusted_ips, version) {
            if covered(&t.net) {
                continue;
            }
            let net = t.net;
            let text = if net.prefix_len() == net.max_prefix_len() { net.addr().to_string() } else { net.to_string() };
            if t.may_append() { missing.push((text, t.why)) } else { ranges.push((text, t.why)) }
        }
        if missing.is_empty() && ranges.is_empty() {
            return;
        }
        let quote = file
            .array(list)
            .and_then(|a| a.layout.quote)
            .filter(|q| matches!(q, Quote::Single | Quote::Double))
            .unwrap_or(Quote::Double);
        // Appends computed against the same text insert at the same place,
        // in order: each after a separator, except the first one into an
        // empty list, which gets them all at once.
        let mut edits = Vec::new();
        match file.value(list).map(|v| &v.kind).filter(|_| !missing.is_empty()) {
            Some(ValueKind::Words(words)) => {
                let words_text: Vec<&str> = missing.iter().map(|(t, _)| t.as_str()).collect();
                let sep = if words.items.is_empty() { "" } else { " " };
                edits.push(Edit::insert(path, words.close.start, format!("{sep}{}", words_text.join(" "))));
            }
            Some(ValueKind::Array(array)) if array.items.is_empty() => {
                let all: Vec<String> = missing.iter().map(|(t, _)| string_literal(quote, t)).collect();
                if let Some(list_edits) = file.append_to_array(path, list, &all.join(", ")) {
                    edits.extend(list_edits);
                }
            }
            _ => {
                for (text, _) in &missing {
                    if let Some(list_edits) = file.append_to_array(path, list, &string_literal(quote, text)) {
                        edits.extend(list_edits);
                    }
                }
            }
        }
        let span = file.value(list).map(|v| v.span).unwrap_or_default();
        let described: Vec<String> = missing.iter().chain(&ranges).map(|(t, why)| format!("{t} ({why})")).collect();
        let mut advice = String::new();
        if !ranges.is_empty() {
            advice = format!(
                "; {} not appended by a fix: allowlisting a whole network means nobody in it is ever banned; allowlist the load balancer's own addresses (--trusted-ip ADDR), or the network with --trusted-ip if that is really meant",
                ranges.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>().join(", ")
            );
        }
        let fix = (!edits.is_empty()).then(|| {
            Fix::safe(
                format!(
                    "append {} to ip_whitelist",
                    missing.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>().join(", ")
                ),
                edits,
            )
        });
        checker.report(
            path,
            span,
            format!(
                "the git basic-auth ban is on and `ip_whitelist` does not cover {}: they can be banned for `bantime`{advice}",
                described.join(", ")
            ),
            fix,
        );
    }
}
