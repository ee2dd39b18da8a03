//! A secret committed in gitlab.rb must never reach conflint's output: not
//! in GL032's own finding, not in another finding's snippet on the same
//! line, not in any format (human, json, sarif, github), and not in the
//! context lines of `--diff` (for a tree and for `--stdin-filename`).

mod common;

use std::path::Path;

/// Each secret appears once in the file below; none may be printed.
const SECRETS: &[&str] = &["Sm7p-Pa55w0rd-xyzzy", "R00t-Initial-plugh", "Ld4p-B1nd-frobozz", "R3dis-Pa55-quux"];

/// Secrets next to lines that have fixes (GL034 inserts `smtp_tls` right
/// after `smtp_port`, GL023 rewrites `ssl_protocols`), and a secret sharing
/// its line with another finding (`;` joins two statements).
const GITLAB_RB: &str = r#"external_url 'https://gitlab.example.com'
nginx['ssl_protocols'] = "TLSv1 TLSv1.2"
gitlab_rails['initial_root_password'] = "R00t-Initial-plugh"
gitlab_rails['smtp_enable'] = true
gitlab_rails['smtp_address'] = "smtp.example.com"
gitlab_rails['smtp_password'] = "Sm7p-Pa55w0rd-xyzzy"; gitlab_rails['smtp_port'] = 465
gitlab_rails['smtp_enable_starttls_auto'] = true
gitlab_rails['ldap_servers'] = {
  'main' => { 'host' => 'ldap.example.com', 'password' => 'Ld4p-B1nd-frobozz' }
}
redis['password'] = 'R3dis-Pa55-quux'
gitlab_rails['smtp_openssl_verify_mode'] = 'none'
"#;

fn tree() -> tempfile::TempDir {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = temp.path().join("gitlab");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("gitlab.rb"), GITLAB_RB).expect("write");
    temp
}

fn assert_no_secret(what: &str, out: &str) {
    for secret in SECRETS {
        assert!(!out.contains(secret), "{what} prints the secret {secret}:\n{out}");
    }
}

#[test]
fn no_format_prints_a_secret() {
    let temp = tree();
    let dir = temp.path();
    let mut runs: Vec<(String, Vec<&str>)> = Vec::new();
    for format in ["human", "json", "sarif", "github"] {
        runs.push((format!("--format {format}"), vec!["--format", format, "."]));
    }
    runs.push(("--diff".into(), vec!["--diff", "."]));
    runs.push(("--diff --unsafe-fixes".into(), vec!["--diff", "--unsafe-fixes", "."]));
    runs.push(("--select ALL".into(), vec!["--select", "ALL", "."]));
    for (what, args) in &runs {
        let (code, stdout, stderr) = common::conflint_in(dir, args);
        assert!(code == 0 || code == 1, "{what}: exit {code}\n{stderr}");
        assert_no_secret(what, &stdout);
        assert_no_secret(what, &stderr);
    }
    // The findings are there, and the human snippets show the masked lines.
    let (_, human, _) = common::conflint_in(dir, &["."]);
    for code in ["GL032", "GL034", "GL023", "GL033"] {
        assert!(human.contains(code), "{code} missing:\n{human}");
    }
    assert!(human.contains("gitlab_rails['smtp_password'] = *********************; gitlab_rails['smtp_port'] = 465"));
    // The diff still carries the fixes.
    let (_, diff, _) = common::conflint_in(dir, &["--diff", "."]);
    assert!(
        diff.contains("+gitlab_rails['smtp_tls'] = true")
            && diff.contains("+nginx['ssl_protocols'] = \"TLSv1.2 TLSv1.3\"")
    );
}

#[test]
fn stdin_diff_prints_no_secret() {
    let temp = tree();
    let path = temp.path().join("gitlab/gitlab.rb");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_conflint"))
        .args(["--diff", "--stdin-filename", "gitlab/gitlab.rb"])
        .current_dir(temp.path())
        .env("NO_COLOR", "1")
        .stdin(std::fs::File::open(Path::new(&path)).expect("open"))
        .output()
        .expect("run conflint");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("+gitlab_rails['smtp_tls'] = true"), "{stdout}");
    assert_no_secret("--diff --stdin-filename", &stdout);
    assert_no_secret("--diff --stdin-filename (stderr)", &String::from_utf8_lossy(&output.stderr));
}

#[test]
fn the_masked_diff_applies() {
    // The hunks around secrets have shorter context, not masked context:
    // patch(1) still applies them and gives what --fix writes.
    let Some(patch) = common::system_tool("patch", "the_masked_diff_applies") else { return };
    let temp = tree();
    let dir = temp.path();
    let (_, diff, _) = common::conflint_in(dir, &["--diff", "."]);
    let fixed = tree();
    common::conflint_in(fixed.path(), &["--fix", "."]);
    let status = std::process::Command::new(patch)
        .args(["-p1", "--quiet"])
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().expect("stdin").write_all(diff.as_bytes())?;
            child.wait()
        })
        .expect("run patch");
    assert!(status.success(), "patch refused the diff:\n{diff}");
    let patched = std::fs::read_to_string(dir.join("gitlab/gitlab.rb")).expect("read");
    let want = std::fs::read_to_string(fixed.path().join("gitlab/gitlab.rb")).expect("read");
    assert_eq!(patched, want);
}
