//! The gitlab.rb key table (`src/gitlab/keys/table.rs`) is what the generator
//! renders from `data/gitlab-keys.json`, it knows every key the shipped
//! gitlab.rb.template assigns, and its removals read right on both sides of
//! their release.

use conflint_core::gitlab::keys::{
    GitlabType, GitlabVersion, KeyStatus, aliases, enclosing_hash, is_top_level, key, keys, newest_release, status,
    unreleased, versions,
};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn data() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/gitlab-keys.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("read gitlab-keys.json")).expect("JSON")
}

fn version(v: &Value) -> Option<GitlabVersion> {
    v.as_str().map(|s| s.parse().expect("version in JSON"))
}

fn path_of(v: &Value) -> Vec<&str> {
    v.as_array().expect("path").iter().map(|p| p.as_str().expect("path part")).collect()
}

#[test]
fn every_json_record_is_in_the_table_unchanged() {
    let data = data();
    let records = data["keys"].as_array().expect("keys");
    assert_eq!(records.len(), keys().len());
    for (record, k) in records.iter().zip(keys()) {
        let path = path_of(&record["path"]);
        assert_eq!(k.path, path.as_slice());
        let ty = match record["type"].as_str() {
            None => GitlabType::Unknown,
            Some("bool") => GitlabType::Bool,
            Some("int") => GitlabType::Int,
            Some("float") => GitlabType::Float,
            Some("string") => GitlabType::String,
            Some("array") => GitlabType::Array,
            Some("hash") => GitlabType::Hash,
            Some(other) => panic!("{path:?}: type {other}"),
        };
        assert_eq!(k.ty, ty, "{path:?}");
        assert_eq!(k.default, record["default"].as_str(), "{path:?}");
        assert_eq!(k.added, version(&record["added"]), "{path:?}");
        assert_eq!(k.last_seen, version(&record["last_seen"]), "{path:?}");
        assert_eq!(k.deprecated, version(&record["deprecated"]), "{path:?}");
        assert_eq!(k.removed, version(&record["removed"]), "{path:?}");
        assert_eq!(k.listed_until, version(&record["listed_until"]), "{path:?}");
        assert_eq!(k.gone, version(&record["gone"]), "{path:?}");
        assert_eq!(k.message, record["message"].as_str(), "{path:?}");
        assert_eq!(key(&path), Some(k));
    }
    let json_aliases = data["aliases"].as_array().expect("aliases");
    assert_eq!(json_aliases.len(), aliases().len());
    for (a, b) in json_aliases.iter().zip(aliases()) {
        assert_eq!(b.old, path_of(&a["old"]).as_slice());
        assert_eq!(b.new, path_of(&a["new"]).as_slice());
        assert_eq!(Some(b.since), version(&a["since"]));
    }
    for name in data["current_top_level"].as_array().expect("top level") {
        assert!(is_top_level(name.as_str().expect("name")));
    }
    let json_versions: Vec<GitlabVersion> =
        data["versions"].as_array().expect("versions").iter().filter_map(version).collect();
    assert_eq!(versions(), json_versions.as_slice());
    assert_eq!(Some(newest_release()), version(&data["newest_release"]));
    assert_eq!(unreleased(), version(&data["unreleased"]));
}

#[test]
fn rendering_the_json_gives_the_checked_in_table() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::env::temp_dir().join(format!("conflint-gitlab-table-{}.rs", std::process::id()));
    let run = Command::new("python3")
        .arg(root.join("../../scripts/gen-gitlab-keys"))
        .args(["--render-only", "--json"])
        .arg(root.join("data/gitlab-keys.json"))
        .arg("--rust")
        .arg(&out)
        .status();
    match run {
        Ok(status) => assert!(status.success(), "renderer failed"),
        Err(e) => {
            let required = std::env::var("CONFLINT_SYSTEM_TESTS").is_ok_and(|v| v == "require");
            assert!(!required, "python3 is needed to run the renderer: {e}");
            eprintln!("SKIPPED byte comparison of the rendered gitlab table: python3 not runnable ({e})");
            return;
        }
    }
    let rendered = std::fs::read_to_string(&out).expect("rendered table");
    let _ = std::fs::remove_file(&out);
    let checked_in = std::fs::read_to_string(root.join("src/gitlab/keys/table.rs")).expect("table.rs");
    assert!(rendered == checked_in, "table.rs is stale: run scripts/gen-gitlab-keys --render-only");
}

/// Every assignment of ../shared/corpus/gitlab/gitlab.rb.template, live or
/// commented out, read as the template writes it: `# a['k']['l'] = v`.
fn template_assignments(text: &str) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
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
        let mut path = vec![receiver.to_owned()];
        while let Some(after) = rest.strip_prefix("['") {
            let Some(close) = after.find("']") else { break };
            path.push(after[..close].to_owned());
            rest = &after[close + 2..];
        }
        let rest = rest.trim_start();
        if rest.starts_with('=') && !rest.starts_with("==") && receiver != "default" {
            out.push((n + 1, path));
        }
    }
    out
}

#[test]
fn every_key_the_shipped_template_assigns_is_known() {
    let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/gitlab/gitlab.rb.template");
    let Ok(text) = std::fs::read_to_string(&template) else {
        let required = std::env::var("CONFLINT_SYSTEM_TESTS").is_ok_and(|v| v == "require");
        assert!(!required, "{} is missing", template.display());
        eprintln!("SKIPPED template coverage: {} is not next to this checkout", template.display());
        return;
    };
    let assignments = template_assignments(&text);
    assert!(assignments.len() > 1400, "the template reader found only {}", assignments.len());
    let unknown: Vec<String> = assignments
        .iter()
        .filter(|(_, path)| {
            let p: Vec<&str> = path.iter().map(String::as_str).collect();
            key(&p).is_none() && enclosing_hash(&p).is_none()
        })
        .map(|(line, path)| format!("line {line}: {path:?}"))
        .collect();
    assert!(unknown.is_empty(), "{} template keys unknown to the table: {unknown:#?}", unknown.len());
    eprintln!("gitlab.rb.template: all {} assignments are known keys", assignments.len());
}

#[test]
fn each_removed_key_reads_removed_from_its_release_on_and_not_before() {
    let mut checked = 0;
    for k in keys() {
        let Some(removed) = k.removed else { continue };
        assert!(
            matches!(status(k, removed), KeyStatus::Removed { since, .. } if since == removed),
            "{:?} in {removed}",
            k.path
        );
        let later = GitlabVersion::new(removed.major + 1, 0);
        assert!(matches!(status(k, later), KeyStatus::Removed { .. }), "{:?} in {later}", k.path);
        // The release before: the previous minor, or the last minor of the previous major.
        let before = if removed.minor > 0 {
            GitlabVersion::new(removed.major, removed.minor - 1)
        } else {
            GitlabVersion::new(removed.major - 1, 99)
        };
        let before_ok = !matches!(status(k, before), KeyStatus::Removed { .. });
        assert!(before_ok, "{:?} already removed in {before}", k.path);
        checked += 1;
    }
    assert!(checked > 50, "only {checked} removals");
    eprintln!("{checked} removed keys read removed from their removal release on, and not before");
}

#[test]
fn each_vanished_key_reads_removed_from_its_gone_release_and_not_before() {
    let mut checked = 0;
    for k in keys() {
        let Some(gone) = k.gone else { continue };
        let before = versions().iter().copied().take_while(|v| *v < gone).last().expect("a release before");
        assert!(k.last_seen.is_some_and(|l| l < gone), "{:?}", k.path);
        assert!(!matches!(status(k, before), KeyStatus::Removed { .. }), "{:?} removed in {before}", k.path);
        assert_eq!(
            status(k, gone),
            KeyStatus::Removed { since: gone, message: None, refused: false },
            "{:?} in {gone}",
            k.path
        );
        checked += 1;
    }
    assert!(checked > 200, "only {checked} vanished keys");
    eprintln!(
        "{checked} keys without a deprecations.rb entry read removed from their `gone` release on, and not before"
    );
}
