//! The version-aware rules against their own tables and the shipped
//! templates, through the binary: every removal in the tables is reported
//! from its release on and not the release before, and the upstream
//! php.ini-production/-development and gitlab.rb.template get no
//! unknown-key finding on their own keys.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use conflint_core::gitlab::keys::{self, GitlabVersion, KeyStatus};
use conflint_core::php::directives::{self, PhpVersion, removed_before_table};

/// (line, code) of every finding in a JSON report.
fn findings(report: &serde_json::Value) -> BTreeSet<(u64, String)> {
    report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| (d["line"].as_u64().unwrap_or(0), d["code"].as_str().unwrap_or_default().to_string()))
        .collect()
}

fn run_json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    all.push(".");
    let (_, stdout, stderr) = common::conflint_in(dir, &all);
    assert!(!stdout.is_empty(), "no output: {stderr}");
    common::json(&stdout)
}

/// The release before `v` among those the PHP table describes.
fn php_release_before(v: PhpVersion) -> Option<PhpVersion> {
    const RELEASES: &[(u8, u8)] =
        &[(5, 6), (7, 0), (7, 1), (7, 2), (7, 3), (7, 4), (8, 0), (8, 1), (8, 2), (8, 3), (8, 4), (8, 5)];
    RELEASES.iter().map(|(a, b)| PhpVersion::new(*a, *b)).take_while(|r| *r < v).last()
}

#[test]
fn each_removed_php_directive_is_reported_from_its_release_on_and_not_before() {
    // Group the removals by release: one php.ini per release, checked as the
    // release before and as the release itself.
    let mut by_release: BTreeMap<PhpVersion, Vec<&str>> = BTreeMap::new();
    for d in directives::directives() {
        if let Some(removed) = d.removed {
            by_release.entry(removed).or_default().push(d.name);
        }
    }
    let temp = tempfile::tempdir().expect("tempdir");
    let mut checked = 0;
    for (removed, names) in &by_release {
        let Some(before) = php_release_before(*removed) else { continue };
        // `0` keeps the PH007 directives (track_errors, asp_tags) on PH006's side.
        let text: String = names.iter().map(|n| format!("{n} = 0\n")).collect();
        let dir = temp.path().join(removed.to_string());
        common::write(&dir, "php.ini", &text);
        let select = ["--select", "PH006,PH007"];
        let at = findings(&run_json(&dir, &[&select[..], &["--php-version", &removed.to_string()]].concat()));
        let earlier = findings(&run_json(&dir, &[&select[..], &["--php-version", &before.to_string()]].concat()));
        for (i, name) in names.iter().enumerate() {
            let line = i as u64 + 1;
            assert!(at.contains(&(line, "PH006".into())), "{name}: not reported as removed in PHP {removed}");
            assert!(!earlier.iter().any(|(l, _)| *l == line), "{name}: reported in PHP {before}, before its removal");
            checked += 1;
        }
    }
    assert!(checked > 80, "only {checked} removals checked");
    eprintln!("{checked} removed directives: reported from their removal on, not in the release before");
}

#[test]
fn directives_removed_before_the_table_are_removed_not_unknown() {
    let temp = tempfile::tempdir().expect("tempdir");
    let names = ["safe_mode", "register_globals", "magic_quotes_gpc", "zend.ze1_compatibility_mode", "highlight.bg"];
    let text: String = names.iter().map(|n| format!("{n} = Off\n")).collect();
    common::write(temp.path(), "php.ini", &text);
    let found = findings(&run_json(temp.path(), &["--select", "PH005,PH006,PH007"]));
    for (i, name) in names.iter().enumerate() {
        assert!(removed_before_table(name).is_some());
        assert_eq!(
            found.iter().filter(|(l, _)| *l == i as u64 + 1).collect::<Vec<_>>(),
            [&(i as u64 + 1, "PH006".to_string())],
            "{name}"
        );
    }
}

/// The release before `v` among those the GitLab table read.
fn gitlab_release_before(v: GitlabVersion) -> Option<GitlabVersion> {
    keys::versions().iter().copied().take_while(|r| *r < v).last()
}

/// When a nested key stops being read: its removal (deprecations.rb) or the
/// release its name left the cookbooks (`gone`).
fn removal(k: &keys::GitlabKey) -> Option<GitlabVersion> {
    let v = k.removed.or(k.gone.filter(|_| k.deprecated.is_none()))?;
    matches!(keys::status(k, v), KeyStatus::Removed { .. }).then_some(v)
}

#[test]
fn each_removed_gitlab_key_is_reported_from_its_release_on_and_not_before() {
    let mut by_release: BTreeMap<GitlabVersion, Vec<&keys::GitlabKey>> = BTreeMap::new();
    for k in keys::keys().iter().filter(|k| k.path.len() >= 2) {
        let Some(v) = removal(k) else { continue };
        // Only keys whose top-level name still exists on both sides: a name
        // that is gone fails reconfigure as a whole (one finding per line,
        // checked below with sidekiq_cluster).
        let Some(before) = gitlab_release_before(v) else { continue };
        if !keys::is_top_level_in(k.path[0], v) || !keys::is_top_level_in(k.path[0], before) {
            continue;
        }
        by_release.entry(v).or_default().push(k);
    }
    let temp = tempfile::tempdir().expect("tempdir");
    let mut checked = 0;
    for (removed, list) in &by_release {
        let Some(before) = gitlab_release_before(*removed) else { continue };
        let text: String = list
            .iter()
            .map(|k| {
                let keys: String = k.path[1..].iter().map(|p| format!("['{p}']")).collect();
                format!("{}{keys} = nil\n", k.path[0])
            })
            .collect();
        let dir = temp.path().join(removed.to_string()).join("gitlab");
        common::write(&dir, "gitlab.rb", &text);
        let at = findings(&run_json(&dir, &["--select", "GL004", "--gitlab-version", &removed.to_string()]));
        let earlier = findings(&run_json(&dir, &["--select", "GL004", "--gitlab-version", &before.to_string()]));
        for (i, k) in list.iter().enumerate() {
            let line = i as u64 + 1;
            // A key below another removed key is reported at the outer one.
            assert!(at.iter().any(|(l, _)| *l == line), "{:?}: not reported as removed in {removed}", k.path);
            assert!(!earlier.iter().any(|(l, _)| *l == line), "{:?}: reported in {before}, before its removal", k.path);
            checked += 1;
        }
    }
    assert!(checked > 300, "only {checked} removals checked");
    eprintln!("{checked} removed gitlab.rb keys: reported from their removal on, not in the release before");
}

#[test]
fn a_top_level_name_that_left_fails_from_that_release() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = temp.path().join("gitlab");
    common::write(&dir, "gitlab.rb", "sidekiq_cluster['enable'] = true\n");
    let at = run_json(&dir, &["--select", "GL004,GL005", "--gitlab-version", "14.0"]);
    let message = at["diagnostics"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("UnknownConfigOptionError"), "{message}");
    assert!(findings(&run_json(&dir, &["--select", "GL004,GL005", "--gitlab-version", "13.12"])).is_empty());
}

#[test]
fn the_shipped_php_ini_templates_have_no_unknown_directive() {
    if !common::require_corpus("the_shipped_php_ini_templates_have_no_unknown_directive") {
        return;
    }
    let temp = tempfile::tempdir().expect("tempdir");
    for name in ["php.ini-production", "php.ini-development"] {
        let text = std::fs::read(common::corpus(&format!("php/{name}"))).expect("corpus file");
        common::write(temp.path(), &format!("php/{name}"), text);
    }
    let report = run_json(temp.path(), &["--select", "PH005"]);
    assert_eq!(report["diagnostics"].as_array().map(Vec::len), Some(0), "{report:#}");
}

/// Every assignment of the template, live or commented out, as a live
/// `receiver['k']... = nil` line: the template's own keys, each on a line.
fn template_key_lines(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in template.lines() {
        if line.starts_with("##") || line.starts_with("#!") {
            continue;
        }
        let code = line.strip_prefix("# ").or_else(|| line.strip_prefix('#')).unwrap_or(line);
        let Some(open) = code.find("['") else { continue };
        let receiver = &code[..open];
        if receiver.is_empty() || !receiver.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            continue;
        }
        let mut rest = &code[open..];
        let mut keys = String::new();
        while let Some(after) = rest.strip_prefix("['") {
            let Some(close) = after.find("']") else { break };
            keys.push_str(&format!("['{}']", &after[..close]));
            rest = &after[close + 2..];
        }
        let rest = rest.trim_start();
        if rest.starts_with('=') && !rest.starts_with("==") && receiver != "default" {
            out.push(format!("{receiver}{keys} = nil"));
        }
    }
    out
}

#[test]
fn the_shipped_gitlab_rb_template_has_no_unknown_key() {
    if !common::require_corpus("the_shipped_gitlab_rb_template_has_no_unknown_key") {
        return;
    }
    let template = std::fs::read_to_string(common::corpus("gitlab/gitlab.rb.template")).expect("template");
    let lines = template_key_lines(&template);
    assert!(lines.len() > 1400, "read only {} assignments", lines.len());
    let temp = tempfile::tempdir().expect("tempdir");
    // The template as shipped, and every key it mentions uncommented.
    common::write(&temp.path().join("shipped/gitlab"), "gitlab.rb", &template);
    common::write(&temp.path().join("keys/gitlab"), "gitlab.rb", lines.join("\n") + "\n");
    // The template is master's: judge it as master (19.4) and as the newest release.
    let master = keys::unreleased().unwrap_or(keys::newest_release()).to_string();
    for version in [master.as_str(), &keys::newest_release().to_string()] {
        for dir in ["shipped", "keys"] {
            let report = run_json(&temp.path().join(dir), &["--select", "GL005", "--gitlab-version", version]);
            let unknown: Vec<&str> =
                report["diagnostics"].as_array().into_iter().flatten().filter_map(|d| d["message"].as_str()).collect();
            assert!(unknown.is_empty(), "{dir} as GitLab {version}: {unknown:#?}");
        }
    }
    eprintln!("gitlab.rb.template: {} keys, none unknown", lines.len());
}
