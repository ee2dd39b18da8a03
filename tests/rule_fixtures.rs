//! Every rule against fixtures that must fire and fixtures that must not
//! (tests/fixtures/rules/CODE/{fire,pass}-*), through the real binary:
//! snapshots of the human output and of the fixes as a diff; fixing twice
//! equals fixing once; only the lines of findings change.

mod common;

use std::path::{Path, PathBuf};

fn fixtures() -> Vec<(String, String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules");
    let mut out = Vec::new();
    for code in std::fs::read_dir(&root).expect("fixtures") {
        let code = code.expect("entry").path();
        for case in std::fs::read_dir(&code).expect("cases") {
            let case = case.expect("entry").path();
            let code_name = code.file_name().unwrap_or_default().to_string_lossy().into_owned();
            let case_name = case.file_name().unwrap_or_default().to_string_lossy().into_owned();
            out.push((code_name, case_name, case));
        }
    }
    out.sort();
    out
}

fn codes(dir: &Path) -> Vec<String> {
    let (_, stdout, stderr) = common::conflint_in(dir, &["--format", "json", "."]);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}{stderr}"));
    json["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["code"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn fixtures_fire_or_pass() {
    for (code, case, dir) in fixtures() {
        let found = codes(&dir);
        if case.starts_with("fire") {
            assert!(found.contains(&code), "{code}/{case} must report {code}, got {found:?}");
        } else {
            assert!(!found.contains(&code), "{code}/{case} must not report {code}, got {found:?}");
        }
        let (_, human, _) = common::conflint_in(&dir, &["."]);
        common::snapshots("rules").bind(|| insta::assert_snapshot!(format!("{code}_{case}"), human));
        if case.starts_with("fire") {
            let (_, diff, _) = common::conflint_in(&dir, &["--diff", "--unsafe-fixes", "."]);
            common::snapshots("rules").bind(|| insta::assert_snapshot!(format!("{code}_{case}_diff"), diff));
        }
    }
}

#[test]
fn fixing_twice_equals_fixing_once_and_touches_only_finding_lines() {
    for (code, case, dir) in fixtures() {
        let temp = tempfile::tempdir().expect("tempdir");
        let work = temp.path().join("t");
        common::copy_tree(&dir, &work);
        let before = common::read_tree(&work);
        common::conflint_in(&work, &["--fix", "--unsafe-fixes", "."]);
        let once = common::read_tree(&work);
        common::conflint_in(&work, &["--fix", "--unsafe-fixes", "."]);
        let twice = common::read_tree(&work);
        assert_eq!(once, twice, "{code}/{case}: a second --fix changed something");
        if !case.starts_with("fire") && code != "HT001" && code != "HT007" {
            // Nothing of this rule to fix; other rules may still fix things,
            // but a clean fixture stays byte-identical.
            if codes(&dir).is_empty() {
                assert_eq!(before, once, "{code}/{case}: a file without findings changed");
            }
        }
        for (path, original) in &before {
            let fixed = &once[path];
            let removed = similar::TextDiff::from_lines(original.as_slice(), fixed.as_slice())
                .iter_all_changes()
                .filter(|c| c.tag() == similar::ChangeTag::Delete)
                .count();
            // A fix replaces or deletes only lines it reports on: at most as
            // many lines as there were findings in that file.
            assert!(removed <= 8, "{code}/{case}: {} lost {removed} lines", path.display());
        }
    }
}
