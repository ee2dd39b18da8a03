//! The command-line contract of SPEC.md: subcommands, rule selection,
//! conflint.toml, stdin, exit statuses.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn examples() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/incidents")
}

fn with_stdin(args: &[&str], input: &[u8]) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_conflint"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().expect("stdin").write_all(input).expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn rules_lists_every_rule_with_default_and_fix() {
    let (code, stdout, _) = common::conflint_in(&examples(), &["rules"]);
    assert_eq!(code, 0);
    common::snapshots("cli").bind(|| insta::assert_snapshot!("rules", stdout));
    let (_, json, _) = common::conflint_in(&examples(), &["rules", "--format", "json"]);
    let list: serde_json::Value = serde_json::from_str(&json).expect("json");
    let cl100 = list.as_array().and_then(|l| l.iter().find(|r| r["code"] == "CL100")).expect("CL100");
    assert_eq!(cl100["default"], false);
}

#[test]
fn explain_prints_the_rule_documentation() {
    let (code, stdout, _) = common::conflint_in(&examples(), &["explain", "HT003"]);
    assert_eq!(code, 0);
    for section in ["## What it does", "## Why is this bad?", "## Example", "## Fix safety", "0jejhcec65c24dslii.com"] {
        assert!(stdout.contains(section), "{section} missing:\n{stdout}");
    }
    let (_, by_name, _) = common::conflint_in(&examples(), &["explain", "default-vhost"]);
    assert_eq!(by_name, stdout);
    let (code, _, stderr) = common::conflint_in(&examples(), &["explain", "XX999"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown rule"));
}

fn codes(args: &[&str]) -> Vec<String> {
    let mut all = vec!["--format", "json", "--memory", "1GiB", "--trusted-ip", "198.51.100.0/24"];
    all.extend_from_slice(args);
    all.push(".");
    let (_, stdout, stderr) = common::conflint_in(&examples(), &all);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    let mut codes: Vec<String> = json["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["code"].as_str().map(String::from))
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

#[test]
fn select_and_ignore_take_codes_and_prefixes() {
    assert_eq!(
        codes(&[]),
        [
            "GL001", "HT001", "HT002", "HT003", "HT004", "HT005", "HT007", "PF001", "PF004", "PF007", "PF008", "PF009",
            "PH001"
        ]
    );
    assert_eq!(codes(&["--select", "HT"]), ["HT001", "HT002", "HT003", "HT004", "HT005", "HT007"]);
    assert_eq!(codes(&["--select", "HT00,PH"]), ["HT001", "HT002", "HT003", "HT004", "HT005", "HT007", "PH001"]);
    assert_eq!(codes(&["--select", "HT", "--ignore", "HT003,HT00"]), Vec::<String>::new());
    assert_eq!(codes(&["--ignore", "HT,PF", "--ignore", "GL001"]), ["PH001"]);
    assert_eq!(codes(&["--select", "PF00"]), ["PF001", "PF004", "PF007", "PF008", "PF009"]);
    let (code, _, stderr) = common::conflint_in(&examples(), &["--select", "ZZ1", "."]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown rule codes: ZZ1"), "{stderr}");
}

#[test]
fn config_file_is_found_upward_and_strict() {
    let temp = tempfile::tempdir().expect("tempdir");
    common::copy_tree(&examples(), temp.path());
    std::fs::write(temp.path().join("conflint.toml"), "select = [\"PH\"]\n").expect("write");
    let sub = temp.path().join("version-banner");
    let (_, stdout, _) = common::conflint_in(&sub, &["--format", "json", "."]);
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let mut found: Vec<&str> =
        json["diagnostics"].as_array().into_iter().flatten().filter_map(|d| d["code"].as_str()).collect();
    found.sort_unstable();
    assert_eq!(found, ["PH001"], "conflint.toml one directory up applies");

    std::fs::write(temp.path().join("conflint.toml"), "select = [\"PH\"]\n\n[httpd]\nmemroy = \"2GiB\"\n")
        .expect("write");
    let (code, _, stderr) = common::conflint_in(&sub, &["."]);
    assert_eq!(code, 2);
    assert!(stderr.contains("memroy") && stderr.contains("line 4"), "{stderr}");
}

#[test]
fn an_unrecognised_file_named_explicitly_says_how_to_map_it() {
    let temp = tempfile::tempdir().expect("tempdir");
    let file = temp.path().join("site.conf.j2");
    std::fs::write(&file, "ServerSignature On\n").expect("write");
    let (code, _, stderr) = common::conflint_in(temp.path(), &["site.conf.j2"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("[files]") && stderr.contains("httpd = "), "{stderr}");
    std::fs::write(temp.path().join("conflint.toml"), "[files]\nhttpd = [\"*.conf.j2\"]\n").expect("write");
    let (code, stdout, _) = common::conflint_in(temp.path(), &["site.conf.j2"]);
    assert_eq!(code, 1);
    assert!(stdout.contains("HT002"), "{stdout}");
}

#[test]
fn stdin_is_checked_and_fixed_as_the_named_file() {
    let input = b"<VirtualHost *:80>\n  ServerName a.example\n  ServerSignature On\n</VirtualHost>\n";
    let (code, stdout, _) = with_stdin(&["--stdin-filename", "sites-available/a.conf", "--format", "json"], input);
    assert_eq!(code, 1);
    assert!(stdout.contains("\"HT002\"") && stdout.contains("sites-available/a.conf"), "{stdout}");
    let (code, stdout, stderr) = with_stdin(&["--stdin-filename", "sites-available/a.conf", "--fix"], input);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "<VirtualHost *:80>\n  ServerName a.example\n  ServerSignature Off\n</VirtualHost>\n");
    let (code, stdout, _) =
        with_stdin(&["--stdin-filename", "php/php.ini", "--diff"], b"[PHP]\ndisplay_errors = Off\nexpose_php = On\n");
    assert_eq!(code, 1);
    assert!(stdout.contains("-expose_php = On\n+expose_php = Off\n"), "{stdout}");
}

#[test]
fn exit_statuses_follow_the_contract() {
    let temp = tempfile::tempdir().expect("tempdir");
    common::copy_tree(&examples().join("version-banner"), temp.path());
    // Findings remain: 1.
    assert_eq!(common::conflint_in(temp.path(), &["-q", "."]).0, 1);
    // Everything fixed: 0, or 1 with --exit-non-zero-on-fix.
    let (code, _, _) = common::conflint_in(temp.path(), &["--fix", "--exit-non-zero-on-fix", "."]);
    assert_eq!(code, 1);
    assert_eq!(common::conflint_in(temp.path(), &["--fix", "--exit-non-zero-on-fix", "."]).0, 0);
    assert_eq!(common::conflint_in(temp.path(), &["."]).0, 0);
    // A file that does not parse: 2, and --fix writes nothing.
    let broken = temp.path().join("apache2/conf-enabled/broken.conf");
    std::fs::write(&broken, "<VirtualHost *:80>\nServerSignature On\n").expect("write");
    assert_eq!(common::conflint_in(temp.path(), &["--fix", "."]).0, 2);
    assert_eq!(std::fs::read(&broken).expect("read"), b"<VirtualHost *:80>\nServerSignature On\n");
    // Usage errors: 2.
    assert_eq!(common::conflint_in(temp.path(), &["--no-such-flag"]).0, 2);
    assert_eq!(common::conflint_in(temp.path(), &["--unsafe-fixes", "."]).0, 2);
    assert_eq!(common::conflint_in(temp.path(), &["does-not-exist"]).0, 2);
}

#[test]
fn vhosts_prints_httpds_table() {
    let dir = examples().join("catch-all/apache2");
    let (code, text, _) = common::conflint_in(&dir, &["vhosts"]);
    assert_eq!(code, 0);
    common::snapshots("cli").bind(|| insta::assert_snapshot!("vhosts_text", text));
    let (_, json, _) = common::conflint_in(&dir, &["vhosts", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&json).expect("json");
    let set = &value["addresses"][0];
    assert_eq!(set["address"], "*:80");
    let names: Vec<&str> =
        set["vhosts"].as_array().expect("vhosts").iter().filter_map(|v| v["server_name"].as_str()).collect();
    assert_eq!(names, ["shop.example.com", "blog.example.com"], "10-shop.conf sorts before 20-blog.conf");
    assert_eq!(set["vhosts"][0]["path"], "sites-enabled/10-shop.conf");
    assert_eq!(set["vhosts"][0]["line"], 1);
}

/// `--stdin-filename NAME FILE` reads NAME's text from FILE (Ansible's
/// `validate:` passes a temporary copy) and never writes it; several paths
/// with it are a usage error (a PATH silently ignored would pass anything).
#[test]
fn stdin_filename_reads_one_file_and_refuses_more() {
    let dir = tempfile::tempdir().expect("tempdir");
    let source = common::write(dir.path(), ".source", "ServerSignature On\n");
    let (code, stdout, _) = with_stdin(
        &["--stdin-filename", "/etc/apache2/conf-available/security.conf", source.to_str().expect("utf-8")],
        b"",
    );
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("HT002"), "{stdout}");
    let (code, fixed, _) = with_stdin(
        &["--fix", "--stdin-filename", "/etc/apache2/conf-available/security.conf", source.to_str().expect("utf-8")],
        b"",
    );
    assert_eq!((code, fixed.as_str()), (0, "ServerSignature Off\n"));
    assert_eq!(std::fs::read_to_string(&source).expect("read"), "ServerSignature On\n", "FILE is never written");
    let (code, _, stderr) = with_stdin(&["--stdin-filename", "security.conf", "a", "b"], b"");
    assert_eq!(code, 2, "{stderr}");
}

/// Issue 16: `rules --tag` filters by group; the benchmark items a rule
/// implements appear in `rules --format json`, in JSON findings and as SARIF
/// tags of the rule and of each result; `--tls-profile` and `[tls] profile`
/// choose the Mozilla profile (`old` with a warning, unknown ones refused).
#[test]
fn references_tags_and_tls_profile() {
    let (code, cis, _) = common::conflint_in(&examples(), &["rules", "--tag", "cis"]);
    assert_eq!(code, 0);
    assert!(cis.contains("TL001") && cis.contains("HT024"), "{cis}");
    assert!(!cis.contains("HT001") && !cis.contains("PH001"), "untagged rules are not listed:\n{cis}");
    let (code, _, stderr) = common::conflint_in(&examples(), &["rules", "--tag", "nope"]);
    assert_eq!(code, 2, "an unknown tag is a usage error");
    assert!(stderr.contains("cis"), "the error lists the tags: {stderr}");

    let dir = tempfile::tempdir().expect("tempdir");
    common::write(dir.path(), "apache2/conf-available/tls.conf", "SSLProtocol -all +TLSv1.2 +TLSv1.3\nKeepAlive Off\n");
    let (_, out, _) = common::conflint_in(dir.path(), &["--format", "json", "."]);
    let report = common::json(&out);
    let keep_alive =
        report["diagnostics"].as_array().and_then(|d| d.iter().find(|d| d["code"] == "HT030")).expect("HT030");
    assert!(keep_alive["references"].as_array().is_some_and(|r| r.iter().any(|r| r == "CIS Apache 2.4 9.2")));
    assert_eq!(common::codes(&report), ["HT030"], "intermediate accepts TLS 1.2 and 1.3");
    let (_, sarif, _) = common::conflint_in(dir.path(), &["--format", "sarif", "."]);
    let sarif: serde_json::Value = serde_json::from_str(&sarif).expect("sarif");
    let result = &sarif["runs"][0]["results"][0];
    assert!(result["properties"]["tags"].as_array().is_some_and(|t| t.iter().any(|t| t == "CIS Apache 2.4 9.2")));
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"].as_array().expect("rules");
    let tl001 = rules.iter().find(|r| r["id"] == "TL001").expect("TL001 in the catalog");
    assert!(tl001["properties"]["tags"].as_array().is_some_and(|t| t.iter().any(|t| t == "mozilla")));

    let (_, modern, _) = common::conflint_in(dir.path(), &["--format", "json", "--tls-profile", "modern", "."]);
    assert_eq!(common::codes(&common::json(&modern)), ["HT030", "TL001"], "modern refuses TLS 1.2");
    common::write(dir.path(), "conflint.toml", "[tls]\nprofile = \"modern\"\n");
    let (_, modern, _) = common::conflint_in(dir.path(), &["--format", "json", "."]);
    assert_eq!(common::codes(&common::json(&modern)), ["HT030", "TL001"], "[tls] profile works like the flag");
    let (_, _, stderr) = common::conflint_in(dir.path(), &["--tls-profile", "old", "."]);
    assert!(stderr.contains("warning: TLS profile `old`"), "{stderr}");
    let (code, _, stderr) = common::conflint_in(dir.path(), &["--tls-profile", "strict", "."]);
    assert_eq!(code, 2, "{stderr}");
}
