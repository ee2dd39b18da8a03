//! Fixing the whole corpus: `--fix` twice equals `--fix` once, files
//! without findings stay byte-identical, and in a fixed file only the lines
//! of findings change (lines may be inserted).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// Lines (1-based) reported per file, by relative path.
fn finding_lines(dir: &std::path::Path) -> BTreeMap<PathBuf, BTreeSet<usize>> {
    let (_, stdout, stderr) = common::conflint_in(dir, &["--format", "json", "--select", "ALL", "."]);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    let mut out: BTreeMap<PathBuf, BTreeSet<usize>> = BTreeMap::new();
    for d in json["diagnostics"].as_array().into_iter().flatten() {
        let path = PathBuf::from(d["path"].as_str().unwrap_or_default());
        let (start, end) = (d["line"].as_u64().unwrap_or(0) as usize, d["end_line"].as_u64().unwrap_or(0) as usize);
        out.entry(path).or_default().extend(start..=end.max(start));
    }
    out
}

#[test]
fn fixing_the_corpus_is_idempotent_and_local() {
    if !common::require_corpus("fixing_the_corpus_is_idempotent_and_local") {
        return;
    }
    let temp = tempfile::tempdir().expect("tempdir");
    let work = temp.path().join("corpus");
    common::copy_tree(&common::corpus(""), &work);
    // The corpus is read-only; the copy must be writable.
    for entry in walkdir::WalkDir::new(&work).into_iter().filter_map(Result::ok) {
        let mut perms = entry.metadata().expect("meta").permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        let _ = std::fs::set_permissions(entry.path(), perms);
    }
    let findings = finding_lines(&work);
    let before = common::read_tree(&work);

    let (code, _, stderr) = common::conflint_in(&work, &["--fix", "--unsafe-fixes", "--select", "ALL", "."]);
    assert!(code == 1 || code == 2, "{stderr}");
    assert!(!stderr.contains("fix not applied"), "every fix applies cleanly: {stderr}");
    let once = common::read_tree(&work);
    common::conflint_in(&work, &["--fix", "--unsafe-fixes", "--select", "ALL", "."]);
    let twice = common::read_tree(&work);
    assert!(once == twice, "a second --fix changed the corpus");

    let mut changed = 0;
    for (path, original) in &before {
        let fixed = &once[path];
        let lines = findings.get(path);
        if lines.is_none() {
            assert!(original == fixed, "{} has no findings but changed", path.display());
            continue;
        }
        if original != fixed {
            changed += 1;
        }
        let lines = lines.expect("checked");
        let diff = similar::TextDiff::from_lines(original.as_slice(), fixed.as_slice());
        for change in diff.iter_all_changes() {
            if change.tag() == similar::ChangeTag::Delete {
                let line = change.old_index().map_or(0, |i| i + 1);
                assert!(lines.contains(&line), "{}: line {line} changed but has no finding", path.display());
            }
        }
    }
    assert!(changed >= 10, "the corpus has fixable findings in many files ({changed})");
}

#[test]
fn php_and_gitlab_corpus_files_lint_without_error() {
    if !common::require_corpus("php_and_gitlab_corpus_files_lint_without_error") {
        return;
    }
    for dir in ["php", "gitlab"] {
        let (code, stdout, stderr) =
            common::conflint_in(&common::corpus(dir), &["--format", "json", "--select", "ALL", "."]);
        let json: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
        let errors: Vec<&serde_json::Value> = json["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["code"].as_str().is_some_and(|c| c.starts_with("CL0")))
            .collect();
        assert!(errors.is_empty(), "{dir}: {errors:#?}");
        assert!(code < 2, "{dir}: exit {code}");
        assert!(json["summary"]["files"].as_u64().unwrap_or(0) >= 1, "{dir}: the walker found its files");
    }
}
