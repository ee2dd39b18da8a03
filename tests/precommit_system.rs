//! System test (issue 5): the real `pre-commit` from PyPI runs this
//! repository's `.pre-commit-hooks.yaml` on a temporary git repository.
//!
//! - `pre-commit` is installed into a temporary virtualenv
//!   (`python3 -m venv`, `pip install pre-commit`);
//! - the hook repository is a snapshot of this checkout's working tree (its
//!   tracked files as they are on disk, uncommitted changes included, like
//!   `pre-commit try-repo` does), committed in a temporary git repository,
//!   so that both runs below use one installed hook environment;
//! - the project repository has a bad `apache2/apache2.conf`
//!   (`ServerTokens OS`, `ServerSignature On`) committed, plus files the
//!   hooks' `files`/`exclude` patterns must leave alone, and a
//!   `.pre-commit-config.yaml` using the `conflint` and `conflint-check`
//!   hooks;
//! - `pre-commit run --all-files` fails the first time and fixes the file,
//!   then passes.
//!
//! pre-commit's `language: rust` builds the hook with `cargo install --path`
//! (a release build, a few minutes the first time). `PRE_COMMIT_HOME` is a
//! temporary directory; the cargo registry (`CARGO_HOME`) is the user's, and
//! `CARGO_TARGET_DIR` is `<this build's target dir>/precommit-system`, kept
//! between runs so that later runs only rebuild conflint's own crates.
//!
//! Without python3 / venv / pip / network / git / cargo the test prints a
//! skip note and passes; `CONFLINT_SYSTEM_TESTS=require` makes that a failure.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

const TEST: &str = "pre_commit_fixes_then_passes";

const BAD: &str = "ServerTokens OS\nServerSignature On\n";
const FIXED: &str = "ServerTokens Prod\nServerSignature Off\nTraceEnable Off\n";

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// Skip (or fail, when system tests are required) with `why`.
fn skip(why: &str) {
    assert!(!common::system_tests_required(), "system test `{TEST}` cannot run: {why}");
    common::note_skip(TEST, why);
}

fn run(cmd: &mut Command) -> Option<Output> {
    cmd.output().ok()
}

fn git(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "conflint test")
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_NAME", "conflint test")
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?} in {}:\n{}", dir.display(), text(&out));
    out
}

fn git_init(dir: &Path) {
    fs::create_dir_all(dir).expect("mkdir");
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["config", "commit.gpgsign", "false"]);
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(path, text).expect("write");
}

/// Copy the tracked files of the checkout at `src`, as they are on disk,
/// into a new git repository at `dst`, committed. Returns the commit.
fn snapshot_repo(src: &Path, dst: &Path) -> String {
    git_init(dst);
    let listed = git(src, &["ls-files", "-z", "--cached"]);
    for rel in listed.stdout.split(|b| *b == 0).filter(|r| !r.is_empty()) {
        let rel = Path::new(std::str::from_utf8(rel).expect("utf-8 path"));
        let from = src.join(rel);
        // Deleted in the working tree.
        let Ok(meta) = fs::symlink_metadata(&from) else { continue };
        let to = dst.join(rel);
        fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        if meta.file_type().is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(&from).expect("readlink"), &to).expect("symlink");
        } else if meta.is_file() {
            fs::copy(&from, &to).expect("copy");
        }
    }
    git(dst, &["add", "-A"]);
    git(dst, &["commit", "-q", "-m", "snapshot of the conflint checkout"]);
    String::from_utf8_lossy(&git(dst, &["rev-parse", "HEAD"]).stdout).trim().to_string()
}

/// The target directory of this build (the conflint binary is in
/// `<target>/<profile>/`).
fn build_target_dir() -> PathBuf {
    let bin = Path::new(env!("CARGO_BIN_EXE_conflint"));
    bin.parent().and_then(Path::parent).map(Path::to_path_buf).expect("target directory")
}

#[test]
fn pre_commit_fixes_then_passes() {
    let start = Instant::now();
    for tool in ["python3", "git", "cargo"] {
        if run(Command::new(tool).arg("--version")).is_none_or(|o| !o.status.success()) {
            return skip(&format!("`{tool}` is not available"));
        }
    }
    let tmp = tempfile::Builder::new().prefix("conflint-precommit-").tempdir().expect("temporary directory");
    let tmp = tmp.path();

    // pre-commit from PyPI, in a virtualenv.
    let venv = tmp.join("venv");
    match run(Command::new("python3").args(["-m", "venv"]).arg(&venv)) {
        Some(out) if out.status.success() => {}
        Some(out) => return skip(&format!("`python3 -m venv` failed:\n{}", text(&out))),
        None => return skip("`python3 -m venv` could not run"),
    }
    let pip = run(Command::new(venv.join("bin/pip")).args([
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "pre-commit",
    ]));
    match pip {
        Some(out) if out.status.success() => {}
        Some(out) => return skip(&format!("`pip install pre-commit` failed (no network?):\n{}", text(&out))),
        None => return skip("pip could not run"),
    }
    let pre_commit = venv.join("bin/pre-commit");
    let version = Command::new(&pre_commit).arg("--version").output().expect("pre-commit --version");
    assert!(version.status.success(), "{}", text(&version));
    let installed = start.elapsed();

    // The hook repository: this checkout's working tree.
    let hooks = tmp.join("hook-repo");
    let rev = snapshot_repo(Path::new(env!("CARGO_MANIFEST_DIR")), &hooks);
    assert!(hooks.join(".pre-commit-hooks.yaml").is_file(), "the checkout has a .pre-commit-hooks.yaml");

    // The project: a bad apache2.conf, and files the hooks must not touch.
    let project = tmp.join("project");
    git_init(&project);
    write(&project, "apache2/apache2.conf", BAD);
    // The project's own choice: this trimmed tree leaves the CIS blocks to
    // the distribution's files, which it does not commit.
    write(&project, "conflint.toml", "ignore = [\"HT025\", \"HT027\", \"HT028\"]\n");
    let untouched = [
        ("nginx/conf.d/default.conf", "ServerTokens OS\n"),
        ("notes/httpd-tuning.txt", "ServerTokens OS\n"),
        ("php/pool.d/www.conf", "ServerSignature On\n"),
    ];
    for (rel, body) in untouched {
        write(&project, rel, body);
    }
    write(
        &project,
        ".pre-commit-config.yaml",
        &format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: conflint\n      - id: conflint-check\n",
            hooks.display()
        ),
    );
    git(&project, &["add", "-A"]);
    git(&project, &["commit", "-q", "-m", "bad httpd configuration"]);

    let pre_commit_run = || {
        let mut cmd = Command::new(&pre_commit);
        cmd.args(["run", "--all-files", "--color", "never"])
            .current_dir(&project)
            .env("PRE_COMMIT_HOME", tmp.join("pre-commit-home"))
            .env("CARGO_TARGET_DIR", build_target_dir().join("precommit-system"))
            // pre-commit runs `cargo install` (a release build): what is
            // tested is the hook, not the optimiser, so build it fast.
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
            .env("CARGO_PROFILE_RELEASE_LTO", "false")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
            .env("CARGO_PROFILE_RELEASE_DEBUG", "0")
            .env("NO_COLOR", "1")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("CARGO_BUILD_TARGET_DIR");
        let started = Instant::now();
        let out = cmd.output().expect("run pre-commit");
        (out, started.elapsed())
    };

    // First run: the conflint hook fixes the file and fails, as a fixing
    // hook does; conflint-check then sees the fixed file and passes.
    let (first, first_time) = pre_commit_run();
    let first_text = text(&first);
    assert_eq!(first.status.code(), Some(1), "the first run must fail:\n{first_text}");
    let fix_line = first_text.lines().find(|l| l.starts_with("conflint (fix)")).unwrap_or_default();
    assert!(fix_line.ends_with("Failed"), "the fixing hook fails:\n{first_text}");
    assert!(first_text.contains("- files were modified by this hook"), "{first_text}");
    assert!(first_text.contains("- exit code: 1"), "--exit-non-zero-on-fix:\n{first_text}");
    let check_line = first_text.lines().find(|l| l.starts_with("conflint (check only)")).unwrap_or_default();
    assert!(check_line.ends_with("Passed"), "the check hook passes on the fixed file:\n{first_text}");
    assert_eq!(fs::read_to_string(project.join("apache2/apache2.conf")).expect("read"), FIXED, "{first_text}");
    for (rel, body) in untouched {
        assert_eq!(fs::read_to_string(project.join(rel)).expect("read"), body, "{rel} must not be touched");
    }
    let status = git(&project, &["status", "--porcelain"]);
    assert_eq!(String::from_utf8_lossy(&status.stdout), " M apache2/apache2.conf\n", "only the bad file changed");

    // Second run: nothing left to fix.
    let (second, second_time) = pre_commit_run();
    let second_text = text(&second);
    assert_eq!(second.status.code(), Some(0), "the second run must pass:\n{second_text}");
    for hook in ["conflint (fix)", "conflint (check only)"] {
        let line = second_text.lines().find(|l| l.starts_with(hook)).unwrap_or_default();
        assert!(line.ends_with("Passed"), "{hook} passes:\n{second_text}");
    }
    assert_eq!(fs::read_to_string(project.join("apache2/apache2.conf")).expect("read"), FIXED);

    // An Ansible role: templates checked as they are, no conflint.toml. A
    // clean role passes; `ServerSignature On` on a literal line of a
    // template fails the check hook (and is fixed by the fixing one).
    let role = tmp.join("role");
    git_init(&role);
    write(
        &role,
        "roles/apache/templates/vhost.conf.j2",
        "# {{ ansible_managed }}\n{% for vhost in apache_vhosts %}\n<VirtualHost *:{{ apache_listen_port }}>\n  ServerName {{ vhost.servername }}\n</VirtualHost>\n{% endfor %}\n",
    );
    write(
        &role,
        "roles/apache/templates/security.conf.j2",
        "ServerTokens Prod\nServerSignature Off\nTraceEnable Off\n",
    );
    write(
        &role,
        "roles/php/templates/php.ini.j2",
        "[PHP]\nmemory_limit = {{ php_memory_limit }}\nexpose_php = Off\ndisplay_errors = Off\nlog_errors = On\nenable_dl = Off\n\
         zend.exception_ignore_args = On\nsession.use_strict_mode = 1\nsession.cookie_httponly = 1\n",
    );
    write(
        &role,
        ".pre-commit-config.yaml",
        &format!("repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: conflint-check\n", hooks.display()),
    );
    git(&role, &["add", "-A"]);
    git(&role, &["commit", "-q", "-m", "a clean role"]);
    let role_run = || {
        Command::new(&pre_commit)
            .args(["run", "--all-files", "--color", "never"])
            .current_dir(&role)
            .env("PRE_COMMIT_HOME", tmp.join("pre-commit-home"))
            .env("CARGO_TARGET_DIR", build_target_dir().join("precommit-system"))
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
            .env("CARGO_PROFILE_RELEASE_LTO", "false")
            .env("NO_COLOR", "1")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("CARGO_BUILD_TARGET_DIR")
            .output()
            .expect("run pre-commit")
    };
    let clean = role_run();
    assert_eq!(clean.status.code(), Some(0), "a clean role passes:\n{}", text(&clean));
    write(&role, "roles/apache/templates/security.conf.j2", "ServerTokens Prod\nServerSignature On\nTraceEnable Off\n");
    let bad = role_run();
    assert_eq!(bad.status.code(), Some(1), "ServerSignature On in a template fails:\n{}", text(&bad));
    assert!(text(&bad).contains("HT002"), "{}", text(&bad));

    eprintln!(
        "{TEST}: pre-commit installed in {installed:.1?}; first run (hook build included) {first_time:.1?}; second run {second_time:.1?}; total {:.1?}",
        start.elapsed()
    );
}
