//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

/// The shared corpus of real configuration files, relative to the repo root
/// (integration tests run with the root package's directory as cwd).
pub(crate) fn corpus(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus").join(rel)
}

/// Whether the shared corpus is present (it is not in a plain clone).
pub(crate) fn corpus_available() -> bool {
    corpus("").is_dir()
}

/// Skip note written straight to the process's stderr, so that `cargo test`
/// shows it even for a passing test (the test harness only captures the
/// `print!` family).
pub(crate) fn note_skip(test: &str, why: &str) {
    let _ = writeln!(std::io::stderr(), "SKIPPED system test `{test}`: {why}");
}

/// Whether system tests must run (scripts/test sets CONFLINT_SYSTEM_TESTS=require):
/// a missing tool is then a failure, not a skip.
pub(crate) fn system_tests_required() -> bool {
    std::env::var("CONFLINT_SYSTEM_TESTS").is_ok_and(|v| v == "require")
}

/// The full path of `program` on PATH (also /usr/sbin, where Debian puts
/// apache2). `None` means skip: the note is printed, or the test fails when
/// system tests are required.
pub(crate) fn system_tool(program: &str, test: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file());
    if found.is_none() {
        let why = format!("`{program}` is not installed (scripts/test installs it)");
        assert!(!system_tests_required(), "system test `{test}` cannot run: {why}");
        note_skip(test, &why);
    }
    found
}

/// Skip (or fail when required) a test that needs ../shared/corpus.
pub(crate) fn require_corpus(test: &str) -> bool {
    if corpus_available() {
        return true;
    }
    let why = "../shared/corpus is not next to this checkout";
    assert!(!system_tests_required(), "test `{test}` cannot run: {why}");
    note_skip(test, why);
    false
}

/// insta settings that store snapshots under the top-level `snapshots/AREA/`.
/// Use as `common::snapshots("php").bind(|| insta::assert_snapshot!(...))`.
pub(crate) fn snapshots(area: &str) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots").join(area));
    settings.set_prepend_module_to_snapshot(false);
    settings
}

/// Copy a directory tree, keeping symlinks as symlinks.
pub(crate) fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk");
        let rel = entry.path().strip_prefix(from).expect("prefix");
        let dest = to.join(rel);
        let kind = entry.file_type();
        if kind.is_symlink() {
            let link = std::fs::read_link(entry.path()).expect("read_link");
            #[cfg(unix)]
            std::os::unix::fs::symlink(link, &dest).expect("symlink");
        } else if kind.is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy");
        }
    }
}

/// Every regular file under `dir` with its bytes, by relative path.
pub(crate) fn read_tree(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().strip_prefix(dir).expect("prefix").to_path_buf(), std::fs::read(e.path()).expect("read")))
        .collect()
}

/// Run the conflint binary in `dir` (so its conflint.toml is found and
/// paths print short), without colour. Returns (exit code, stdout, stderr).
pub(crate) fn conflint_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_conflint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run conflint");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Wait for `child`, killing it (and failing the test) after `limit`;
/// `what` names the run in the failure.
pub(crate) fn wait_bounded(
    child: &mut std::process::Child,
    limit: std::time::Duration,
    what: &str,
) -> std::process::ExitStatus {
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: conflint still running after {limit:?}; killed");
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// Write `bytes` to `root/rel`, creating its directories; returns the path.
pub(crate) fn write(root: &Path, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    path
}

/// Whether the tests run as root (some system tests need `nobody`).
pub(crate) fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// The uid and gid of `nobody`.
pub(crate) const NOBODY: u32 = 65534;

/// A port on 127.0.0.1 free right now for TCP and UDP, and never handed out
/// twice in this test binary.
///
/// The tests of a binary run side by side, and each may start a server on a
/// free port. With ports from the kernel's `bind(0)` two tests can be given
/// the same one between the probe and their servers' own binds, and a request
/// then reaches the other test's server. So ports come from one counter per
/// process, below the kernel's ephemeral range (32768-60999) so that no
/// outgoing connection holds them, from an offset that depends on the pid.
pub(crate) fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    const FIRST: u32 = 10_000;
    const COUNT: u32 = 22_000;
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let offset = (std::process::id() % 200) * 100;
    for _ in 0..COUNT {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let Ok(port) = u16::try_from(FIRST + (offset + n) % COUNT) else { continue };
        let tcp = std::net::TcpListener::bind(("127.0.0.1", port)).is_ok();
        if tcp && std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port on 127.0.0.1 between {FIRST} and {}", FIRST + COUNT)
}

/// `--format json` output, parsed; fails the test with the text otherwise.
pub(crate) fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("--format json printed invalid JSON ({e}):\n{stdout}"))
}

/// The distinct codes of a JSON report, sorted.
pub(crate) fn codes(report: &serde_json::Value) -> Vec<String> {
    let mut codes: Vec<String> = report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["code"].as_str().map(str::to_string))
        .collect();
    codes.sort();
    codes.dedup();
    codes
}
