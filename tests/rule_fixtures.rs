//! Every rule against fixtures that must fire and fixtures that must not
//! (tests/fixtures/rules/CODE/{fire,pass}-*), through the real binary: one
//! test per case for the findings (snapshots of the human output and of
//! the fixes as a diff) and one for fixing (fixing twice equals fixing
//! once; only lines that hold a finding lose bytes). A last test checks
//! that every rule has both kinds of fixture.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};

/// Rules without a fixture of some kind, and why.
const NO_FIXTURE: &[(&str, &str, &str)] = &[
    ("CL002", "fire", "an unreadable file cannot be committed: tests/adversarial.rs and tests/faults.rs cover it"),
    ("CL002", "pass", "every readable fixture is one"),
];

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    for (code, case, dir) in fixtures() {
        let (c, k, d) = (code.clone(), case.clone(), dir.clone());
        trials.push(Trial::test(format!("{code}/{case}/findings"), move || findings(&c, &k, &d)));
        trials.push(Trial::test(format!("{code}/{case}/fix"), move || fixing(&code, &case, &dir)));
    }
    trials.push(Trial::test("every_rule_has_fire_and_pass_fixtures", every_rule_has_fixtures));
    libtest_mimic::run(&args, trials).exit();
}

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

fn report(dir: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    args.push(".");
    let (_, stdout, _) = common::conflint_in(dir, &args);
    common::json(&stdout)
}

/// The case fires its rule or does not; its output and diff match the snapshots.
fn findings(code: &str, case: &str, dir: &Path) -> Result<(), Failed> {
    let found = common::codes(&report(dir, &[]));
    let fires = found.iter().any(|c| c == code);
    if case.starts_with("fire") && !fires {
        return Err(format!("{code}/{case} must report {code}, got {found:?}").into());
    }
    if case.starts_with("pass") && fires {
        return Err(format!("{code}/{case} must not report {code}, got {found:?}").into());
    }
    let (_, human, _) = common::conflint_in(dir, &["."]);
    common::snapshots("rules").bind(|| insta::assert_snapshot!(format!("{code}_{case}"), human));
    if case.starts_with("fire") {
        let (_, diff, _) = common::conflint_in(dir, &["--diff", "--unsafe-fixes", "."]);
        common::snapshots("rules").bind(|| insta::assert_snapshot!(format!("{code}_{case}_diff"), diff));
    }
    Ok(())
}

/// Lines (1-based) that hold a finding with a fix, per file.
fn fixable_lines(report: &serde_json::Value) -> BTreeMap<PathBuf, BTreeSet<usize>> {
    let mut out: BTreeMap<PathBuf, BTreeSet<usize>> = BTreeMap::new();
    for d in report["diagnostics"].as_array().into_iter().flatten().filter(|d| !d["fix"].is_null()) {
        let path = PathBuf::from(d["path"].as_str().unwrap_or_default());
        let start = d["line"].as_u64().unwrap_or(0) as usize;
        let end = (d["end_line"].as_u64().unwrap_or(0) as usize).max(start);
        out.entry(path).or_default().extend(start..=end);
    }
    out
}

/// Fixing twice equals fixing once, a clean fixture stays byte-identical,
/// and every line that loses bytes holds a fixable finding.
fn fixing(code: &str, case: &str, dir: &Path) -> Result<(), Failed> {
    let temp = tempfile::tempdir().expect("tempdir");
    let work = temp.path().join("t");
    common::copy_tree(dir, &work);
    let before = common::read_tree(&work);
    let findings = report(&work, &["--select", "ALL"]);
    let lines = fixable_lines(&findings);
    common::conflint_in(&work, &["--fix", "--unsafe-fixes", "--select", "ALL", "."]);
    let once = common::read_tree(&work);
    common::conflint_in(&work, &["--fix", "--unsafe-fixes", "--select", "ALL", "."]);
    if once != common::read_tree(&work) {
        return Err(format!("{code}/{case}: a second --fix changed something").into());
    }
    for (path, original) in &before {
        let fixed = &once[path];
        let lines = lines.get(path);
        if lines.is_none() && original != fixed {
            return Err(format!("{code}/{case}: {} has no fixable finding but changed", path.display()).into());
        }
        let diff = similar::TextDiff::from_lines(original.as_slice(), fixed.as_slice());
        for change in diff.iter_all_changes().filter(|c| c.tag() == similar::ChangeTag::Delete) {
            let line = change.old_index().map_or(0, |i| i + 1);
            if !lines.is_some_and(|l| l.contains(&line)) {
                return Err(
                    format!("{code}/{case}: {} line {line} changed but holds no finding", path.display()).into()
                );
            }
        }
    }
    Ok(())
}

/// Every rule has a fixture that fires it and one that does not.
fn every_rule_has_fixtures() -> Result<(), Failed> {
    let (_, stdout, _) = common::conflint_in(Path::new(env!("CARGO_MANIFEST_DIR")), &["rules", "--format", "json"]);
    let rules = common::json(&stdout);
    let cases = fixtures();
    let mut missing = Vec::new();
    for rule in rules.as_array().into_iter().flatten() {
        let code = rule["code"].as_str().unwrap_or_default();
        for kind in ["fire", "pass"] {
            let has = cases.iter().any(|(c, case, _)| c == code && case.starts_with(kind));
            let excused = NO_FIXTURE.iter().any(|(c, k, _)| *c == code && *k == kind);
            if !has && !excused {
                missing.push(format!("{code} has no {kind}-* fixture"));
            }
        }
    }
    if missing.is_empty() { Ok(()) } else { Err(missing.join("\n").into()) }
}
