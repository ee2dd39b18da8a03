use conflint_core::Model;
use conflint_core::gitlab::ValueKind;

use super::rack_attack;
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds settings of `gitlab_rails['rack_attack_git_basic_auth']` (the
    /// ban on repeated failed git basic-auth logins) that cannot do what
    /// they say:
    ///
    /// - `'enabled'` written as a string. Omnibus renders the hash to JSON
    ///   and GitLab tests `config.enabled` for truth; every Ruby string is
    ///   true, so `'enabled' => "false"` turns the ban **on**.
    /// - `"0.0.0.0"` (or `"::"`) in `ip_whitelist` without a prefix length:
    ///   `IPAddr.new` reads it as that one address, the unspecified address
    ///   no client ever has, so it allowlists nobody. (`0.0.0.0/0` is GL003;
    ///   entries that are not addresses at all are GL002.)
    /// - `maxretry` and `findtime` that no brute force at a realistic rate
    ///   trips: Rack::Attack counts failures in fixed windows of `findtime`
    ///   seconds and bans at `maxretry` within one window, so an address
    ///   failing fewer than `maxretry / findtime` times a second is never
    ///   banned. The bound conflint uses is one failure a second (86 400
    ///   guesses a day from one address): reported when `maxretry` is above
    ///   `findtime` (the defaults, 10 per 60 s, ban at 1 every 6 s).
    ///   A `findtime` or `maxretry` of 0 or less is reported too: Rack::Attack
    ///   divides by `findtime`, and `maxretry <= 0` bans on the first failure.
    ///
    /// The values are the effective ones: the hash literal and later
    /// `gitlab_rails['rack_attack_git_basic_auth']['key'] = ...` lines.
    ///
    /// ## Why is this bad?
    /// The configuration reads as protection, or as its absence, and is
    /// neither: a ban believed off bans a whole office behind one address
    /// after a few wrong passwords; a ban believed on lets a password
    /// guesser run for ever.
    ///
    /// ## Example
    /// ```ruby
    /// gitlab_rails['rack_attack_git_basic_auth'] = {
    ///   'enabled' => "false",
    ///   'ip_whitelist' => ["0.0.0.0"],
    ///   'maxretry' => 300,
    ///   'findtime' => 60,
    /// }
    /// ```
    /// Use instead:
    /// ```ruby
    /// gitlab_rails['rack_attack_git_basic_auth'] = {
    ///   'enabled' => true,
    ///   'ip_whitelist' => ["127.0.0.1", "198.51.100.0/24"],
    ///   'maxretry' => 10,
    ///   'findtime' => 60,
    /// }
    /// ```
    ///
    /// ## Fix safety
    /// `'enabled' => "true"` becomes `true`: safe, GitLab reads the same.
    /// `'enabled' => "false"` becomes `false`: unsafe, the ban that is on
    /// today goes off (as the line says it should). No fix for the other
    /// cases: which addresses or limits were meant is unknown.
    pub struct BanCannotWork {
        code: "GL020",
        name: "rack-attack-ban-cannot-work",
        severity: Error,
        default_on: true,
        fix: Sometimes,
    }
}

/// The rate bound: an address failing this many times a second, sustained,
/// must get banned.
const FAILURES_PER_SECOND: i64 = 1;

impl Check for BanCannotWork {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Gitlab(tree) = model else { return };
        let (path, file, settings) = (tree.path.as_path(), &tree.file, tree.settings());
        // `enabled` as a string: wherever it is written, the last one wins,
        // so judge the effective value.
        let enabled = rack_attack::literal(&settings, "enabled").and_then(|id| file.value(id));
        if let Some((v, ValueKind::Str { value, .. })) = enabled.map(|v| (v, &v.kind)) {
            let shown = file.text(v.span);
            let (fix, what) = match value.as_deref().map(str::trim) {
                Some("true") => (
                    Some(Fix::safe("write `true`", vec![Edit::replace(path, v.span, "true")])),
                    "works only because every string is true in Ruby".to_string(),
                ),
                Some("false") => (
                    Some(Fix::unsafe_("write `false` (turns the ban off)", vec![Edit::replace(path, v.span, "false")])),
                    "turns the ban ON: every string is true in Ruby, \"false\" included".to_string(),
                ),
                _ => (None, "turns the ban on: every string is true in Ruby".to_string()),
            };
            checker.report(
                path,
                v.span,
                format!("`'enabled' => {shown}` is a string and {what}; write true or false"),
                fix,
            );
        }
        if !rack_attack::enabled(file, &settings) {
            return;
        }
        if let Some(list) = rack_attack::literal(&settings, "ip_whitelist") {
            for (span, text) in rack_attack::array_strings(file, list).unwrap_or_default() {
                let Some(text) = text else { continue };
                let bare = text.trim();
                if bare == "0.0.0.0" || bare == "::" {
                    checker.report(
                        path,
                        span,
                        format!(
                            "ip_whitelist entry {} is the single unspecified address, which no client has: it allowlists nobody (every address would be `{bare}/0`, which turns the ban off)",
                            file.text(span)
                        ),
                        None,
                    );
                }
            }
        }
        let number = |key: &str| {
            rack_attack::literal(&settings, key).and_then(|id| match file.value(id).map(|v| (&v.kind, v.span)) {
                Some((ValueKind::Int(n), span)) => Some((*n, span)),
                _ => None,
            })
        };
        let maxretry = number("maxretry");
        let findtime = number("findtime");
        if let Some((f, span)) = findtime.filter(|(f, _)| *f <= 0) {
            checker.report(
                path,
                span,
                format!("`findtime` is {f}: Rack::Attack divides by it, so every failed login raises an error instead of being counted"),
                None,
            );
            return;
        }
        if let Some((m, span)) = maxretry.filter(|(m, _)| *m <= 0) {
            checker.report(
                path,
                span,
                format!(
                    "`maxretry` is {m}: the first failed login of any address bans it (count >= maxretry always holds)"
                ),
                None,
            );
            return;
        }
        let (m, f) = (maxretry.map_or(10, |(m, _)| m), findtime.map_or(60, |(f, _)| f));
        if m > f.saturating_mul(FAILURES_PER_SECOND) {
            // Report at whichever of the two the file sets (maxretry first).
            let Some(span) = maxretry.or(findtime).map(|(_, s)| s) else { return };
            checker.report(
                path,
                span,
                format!(
                    "`maxretry` {m} within `findtime` {f}s: an address failing once a second ({} failures per window) is never banned, so a steady password guesser never trips the ban",
                    f.saturating_mul(FAILURES_PER_SECOND)
                ),
                None,
            );
        }
    }
}
