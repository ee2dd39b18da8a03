//! The Debian package for the system tests that install it
//! (tests/package_system.rs, tests/ansible_system.rs): built by
//! `scripts/package` (cargo-deb), dpkg's state, and one lock so that two
//! test processes never run dpkg on this machine at the same time.
#![allow(dead_code, unreachable_pub)]

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The package's name.
pub const PACKAGE: &str = "conflint";

/// Held while a test installs, checks and removes the package: dpkg takes
/// its own lock and fails (rather than waits) when another dpkg runs, and
/// the package in /usr/bin is shared by every test process on the machine.
pub struct DpkgLock(File);

/// Wait for the machine-wide lock of these tests.
pub fn lock() -> DpkgLock {
    let file = File::create("/tmp/conflint-package-system-tests.lock").expect("create the lock file");
    // SAFETY: flock on a descriptor we own; released when the file closes.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
    assert_eq!(rc, 0, "flock: {}", std::io::Error::last_os_error());
    DpkgLock(file)
}

/// Whether this process runs as root (dpkg -i needs it).
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// The target directory of this build (the binary under test is in
/// `<target>/<profile>/conflint`).
pub fn target_dir() -> PathBuf {
    let bin = Path::new(env!("CARGO_BIN_EXE_conflint"));
    bin.parent().and_then(Path::parent).map(Path::to_path_buf).expect("target directory")
}

fn text(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// The .deb to test: `$CONFLINT_DEB` when set, else what `scripts/package`
/// builds (a release build in this build's target directory, reused when it
/// is up to date, then `cargo deb --no-build`). `Err` says why it could not
/// be built (no cargo-deb and no network to install it, ...).
pub fn build() -> Result<PathBuf, String> {
    if let Some(deb) = std::env::var_os("CONFLINT_DEB") {
        let deb = PathBuf::from(deb);
        return if deb.is_file() { Ok(deb) } else { Err(format!("CONFLINT_DEB={} is not a file", deb.display())) };
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(root.join("scripts/package"))
        .current_dir(root)
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .map_err(|e| format!("scripts/package could not run: {e}"))?;
    if !out.status.success() {
        return Err(format!("scripts/package failed:\n{}", text(&out)));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let deb = PathBuf::from(stdout.lines().last().unwrap_or_default().trim());
    if deb.extension().is_some_and(|e| e == "deb") && deb.is_file() {
        Ok(deb)
    } else {
        Err(format!("scripts/package did not print the path of a .deb:\n{}", text(&out)))
    }
}

/// dpkg's status of the package (`install ok installed`), if dpkg knows it.
pub fn status() -> Option<String> {
    let out = Command::new("dpkg-query").args(["-W", "-f=${Status}", PACKAGE]).output().ok()?;
    let status = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !status.is_empty()).then_some(status)
}

/// Whether the package is installed (not just known, e.g. removed but not purged).
pub fn installed() -> bool {
    status().is_some_and(|s| s.ends_with(" installed"))
}

/// Run a command that must succeed; its stdout.
pub fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?} could not run: {e}"));
    assert!(out.status.success(), "{cmd:?} failed ({}):\n{}", out.status, text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Purge the package if dpkg knows it at all (installed, or removed with its
/// configuration left), so that a test starts from a clean state.
pub fn purge() {
    if status().is_some() {
        run_ok(Command::new("dpkg").args(["--purge", PACKAGE]));
    }
    assert!(status().is_none_or(|s| s.contains("not-installed")), "dpkg still knows {PACKAGE}: {:?}", status());
}

/// `dpkg -L`: the paths dpkg records for the installed package.
pub fn files() -> Vec<PathBuf> {
    run_ok(Command::new("dpkg").args(["-L", PACKAGE]))
        .lines()
        .filter(|l| l.starts_with('/'))
        .map(PathBuf::from)
        .collect()
}
