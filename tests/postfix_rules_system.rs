//! The PF rules' fixes against the Postfix installed here (Debian's
//! `postfix` package; skipped with a note when it is missing, a failure
//! with CONFLINT_SYSTEM_TESTS=require): every fire-* fixture of
//! tests/fixtures/rules/PF*, fixed with `--fix --unsafe-fixes`, is accepted
//! by `postconf -c DIR -n`, `postconf -c DIR -M` and (as root) `postfix -c
//! DIR check` with nothing on stderr, and each finding that had a fix is
//! gone after it. A fixture without a master.cf is checked beside a stock
//! one.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The stock services `postfix check` needs when a fixture has no master.cf.
const STOCK_MASTER: &str = "smtp      inet  n       -       y       -       -       smtpd\npickup    unix  n       -       y       60      1       pickup\ncleanup   unix  n       -       y       -       0       cleanup\nqmgr      unix  n       -       n       300     1       qmgr\n";

fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules");
    let mut out = Vec::new();
    for code in std::fs::read_dir(&root).expect("fixtures") {
        let code = code.expect("entry").path();
        if !code.file_name().is_some_and(|n| n.to_string_lossy().starts_with("PF")) {
            continue;
        }
        for case in std::fs::read_dir(&code).expect("cases") {
            let case = case.expect("entry").path();
            if case.join("postfix/main.cf").is_file() {
                out.push(case);
            }
        }
    }
    out.sort();
    out
}

/// Date `main.cf` and `master.cf` in `dir` an hour back: postconf waits up
/// to seconds for a configuration file changed in the last moments to
/// settle, and every file here was just written (or just checked out).
fn settle(dir: &Path) {
    let settled = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for name in ["main.cf", "master.cf"] {
        if let Ok(file) = std::fs::OpenOptions::new().write(true).open(dir.join(name)) {
            file.set_modified(settled).expect("date the staged file back");
        }
    }
}

/// What Postfix says about the configuration in `dir`: stderr of each
/// check, with the exit status when it failed.
fn postfix_complaints(postconf: &Path, postfix: Option<&Path>, dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut run = |program: &Path, args: &[&str]| {
        let output = Command::new(program)
            .arg("-c")
            .arg(dir)
            .args(args)
            .env_remove("MAIL_CONFIG")
            .output()
            .expect("run postfix tool");
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
        if !stderr.is_empty() || !output.status.success() {
            out.push(format!("{} {}: {:?} {stderr}", program.display(), args.join(" "), output.status.code()));
        }
    };
    run(postconf, &["-n"]);
    run(postconf, &["-M"]);
    if let Some(postfix) = postfix {
        run(postfix, &["check"]);
    }
    out
}

#[test]
fn every_fixed_pf_fixture_is_accepted_by_postfix() {
    let test = "every_fixed_pf_fixture_is_accepted_by_postfix";
    let Some(postconf) = common::system_tool("postconf", test) else { return };
    let Some(postfix) = common::system_tool("postfix", test) else { return };
    // `postfix check` wants the files owned by root.
    let postfix = common::is_root().then_some(postfix);
    if postfix.is_none() {
        common::note_skip(test, "not root: `postfix check` is left out, postconf still runs");
    }
    let cases = fixtures();
    assert!(cases.len() >= 20, "only {} PF fixtures", cases.len());
    let mut failures = Vec::new();
    let mut fixed_cases = 0;
    for case in &cases {
        let name = case.strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap_or(case).display().to_string();
        let temp = tempfile::tempdir().expect("tempdir");
        let work = temp.path().join("t");
        common::copy_tree(case, &work);
        let dir = work.join("postfix");
        if !dir.join("master.cf").exists() {
            common::write(&dir, "master.cf", STOCK_MASTER);
        }
        let before = common::json(&common::conflint_in(&work, &["--format", "json", "--select", "PF", "."]).1);
        let with_fix: Vec<String> = before["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| !d["fix"].is_null())
            .map(|d| format!("{}:{}", d["code"].as_str().unwrap_or(""), d["path"].as_str().unwrap_or("")))
            .collect();
        let (code, _, stderr) =
            common::conflint_in(&work, &["--fix", "--unsafe-fixes", "--select", "PF", "--format", "json", "."]);
        assert!(code == 0 || code == 1, "{name}: conflint --fix exited {code}: {stderr}");
        let after = common::json(&common::conflint_in(&work, &["--format", "json", "--select", "PF", "."]).1);
        let left: Vec<String> = after["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| !d["fix"].is_null())
            .map(|d| format!("{} {}", d["code"].as_str().unwrap_or(""), d["message"].as_str().unwrap_or("")))
            .collect();
        if !left.is_empty() {
            failures.push(format!("{name}: fixable findings left after --fix: {left:?}"));
        }
        if !with_fix.is_empty() {
            fixed_cases += 1;
        }
        settle(&dir);
        for complaint in postfix_complaints(&postconf, postfix.as_deref(), &dir) {
            failures.push(format!("{name}: {complaint}"));
        }
    }
    assert!(fixed_cases >= 10, "only {fixed_cases} fixtures had a fix to check");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The model reads what Postfix reads: for every PF fixture, the value
/// postconf gives each parameter the rules look at equals conflint's.
#[test]
fn rule_inputs_equal_postconf() {
    use conflint_core::postfix::{MainCf, MasterCf, PostfixConfig, PostfixVersion};
    let test = "rule_inputs_equal_postconf";
    let Some(postconf) = common::system_tool("postconf", test) else { return };
    let names = [
        "smtpd_relay_restrictions",
        "smtpd_recipient_restrictions",
        "smtpd_client_restrictions",
        "smtp_tls_security_level",
        "smtpd_tls_security_level",
        "smtpd_sasl_auth_enable",
        "smtpd_tls_auth_only",
        "smtpd_banner",
        "disable_vrfy_command",
        "mynetworks_style",
        "unknown_client_reject_code",
    ];
    let out = Command::new(&postconf).arg("-h").arg("mail_version").output().expect("postconf");
    let version = PostfixVersion::parse(&String::from_utf8_lossy(&out.stdout)).expect("mail_version");
    let mut mismatches = Vec::new();
    for case in fixtures() {
        // A copy dated back (see `settle`), not the checkout itself.
        let temp = tempfile::tempdir().expect("tempdir");
        common::copy_tree(&case.join("postfix"), temp.path());
        let dir = temp.path().to_path_buf();
        settle(&dir);
        let main = MainCf::parse(std::fs::read(dir.join("main.cf")).expect("main.cf")).expect("parses");
        let master = std::fs::read(dir.join("master.cf")).ok().map(|m| MasterCf::parse(m).expect("parses"));
        let config = PostfixConfig::new(main, master, version);
        for name in names {
            let out = Command::new(&postconf)
                .arg("-c")
                .arg(&dir)
                .args(["-x", "-h", name])
                .env_remove("MAIL_CONFIG")
                .output()
                .expect("postconf");
            let theirs = String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
            // A value built on the machine's host name is not the file's to say.
            if config.value(name).is_ok_and(|e| !e.unknown.is_empty()) {
                continue;
            }
            let ours = config.value(name).map(|e| e.value.split_whitespace().collect::<Vec<_>>().join(" "));
            if ours.as_deref().ok() != Some(theirs.as_str()) {
                mismatches.push(format!("{}: {name}: postconf `{theirs}`, conflint {ours:?}", case.display()));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
