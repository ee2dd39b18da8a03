//! The write path under attack and under load (issue 12), driving the
//! writer as a library (`conflint_cli::write`), with real processes where
//! the race is between processes:
//!
//! - a symlink to a victim renamed over every dot name of the directory
//!   during 300 writes never gets the victim's mode or owner changed;
//! - a directory swapped for a symlink (or another directory) between read
//!   and write is refused, and nothing is created in the other directory;
//! - a process appending lines (taking `flock`, as editors and config
//!   tools do) while 200 writes run loses no line;
//! - ACLs and `user.*` attributes are kept; an ACL inherited from the
//!   directory's default is not added;
//! - a hard-linked file is refused, or rewritten in place when allowed;
//! - as `nobody` (setpriv), a file's owner is kept, and a file the user
//!   cannot give its owner is refused or rewritten in place;
//! - a directory listing during writes never shows a name httpd's
//!   wildcard includes or PHP's scan directory would read;
//! - a 250-byte (and a 255-byte) file name is fixable;
//! - SIGKILL in a write loop leaves nothing `apache2 -t` with a bare
//!   `Include dir/` (which loads dot files) would fail on, and the next
//!   run's cleanup removes any leftover;
//! - SIGINT, SIGTERM, SIGHUP and SIGQUIT each stop the next write.
//!
//! Processes are this test binary run again with `CONFLINT_WRITE_CHILD`
//! set (see `zz_child_process`).

mod common;

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use conflint_cli::write::{
    InPlaceReason, ReadFile, TempFile, WriteError, WriteOptions, Writer, Written, cleanup_stale_temps,
    install_signal_handlers, is_conflint_temp, read_for_fix, set_writing, temp_owner,
};

const ON: &str = "ServerSignature On\n";
const OFF: &str = "ServerSignature Off\n";
const NOBODY: u32 = 65534;

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Skip (with the note) unless root.
fn root_only(test: &str) -> bool {
    if !is_root() {
        common::note_skip(test, "not root");
    }
    is_root()
}

/// A temporary directory every user may enter.
fn sandbox() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::Builder::new().prefix("conflint-write-").tempdir().expect("temporary directory");
    let root = dir.path().canonicalize().expect("canonical temporary directory");
    fs::set_permissions(&root, fs::Permissions::from_mode(0o755)).expect("chmod sandbox");
    (dir, root)
}

fn put(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(path, text).expect("write");
}

/// The fix the tests apply: the first line's `On` becomes `Off` and back,
/// every other line is kept.
fn toggle(bytes: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    match text.strip_prefix(ON) {
        Some(rest) => format!("{OFF}{rest}"),
        None => format!("{ON}{}", text.strip_prefix(OFF).unwrap_or(&text)),
    }
    .into_bytes()
}

fn names(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .expect("read_dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

fn options(temp_file: TempFile) -> WriteOptions {
    WriteOptions { temp_file, ..WriteOptions::default() }
}

/// No error message may name a temporary file.
fn assert_no_temp_named(error: &WriteError) {
    let message = error.to_string();
    assert!(!message.contains(".conflint-"), "an error names a temporary file: {message}");
}

// ---------------------------------------------------------------------------
// Child processes.
// ---------------------------------------------------------------------------

/// This test binary, run again as a child doing one job (`mode`) on `path`.
fn child(mode: &str, path: &Path) -> Command {
    let mut command = Command::new(std::env::current_exe().expect("current_exe"));
    command
        .args(["--exact", "zz_child_process", "--nocapture", "--test-threads=1"])
        .env("CONFLINT_WRITE_CHILD", mode)
        .env("CONFLINT_WRITE_PATH", path)
        .stdin(Stdio::null());
    command
}

/// The `RESULT ...` line a child printed.
fn result_line(stdout: &str) -> String {
    // libtest prints `test zz_child_process ... ` before the test's output.
    stdout.lines().find_map(|l| l.split_once("RESULT ")).map(|(_, result)| result.to_string()).unwrap_or_default()
}

/// Not a test: the body of the child processes the tests start (it does
/// nothing when run by the test harness).
#[test]
fn zz_child_process() {
    let Ok(mode) = std::env::var("CONFLINT_WRITE_CHILD") else { return };
    let path = PathBuf::from(std::env::var_os("CONFLINT_WRITE_PATH").expect("CONFLINT_WRITE_PATH"));
    match mode.as_str() {
        "append" => append_lines(&path),
        "write-loop" | "write-loop-named" => {
            let how = if mode.ends_with("named") { TempFile::Named } else { TempFile::Anonymous };
            let writer = Writer::new(options(how));
            println!("READY");
            loop {
                if let Ok(read) = read_for_fix(&path) {
                    let _ = writer.write(&read, &toggle(&read.bytes));
                    let _ = writer.sync_directories();
                }
            }
        }
        "write-once" | "write-once-in-place" => {
            let options = WriteOptions { in_place_when_needed: mode.ends_with("in-place"), ..WriteOptions::default() };
            let read = read_for_fix(&path).expect("read");
            match Writer::new(options).write(&read, &toggle(&read.bytes)) {
                Ok(written) => println!("RESULT {written:?}"),
                Err(e) => println!("RESULT error: {e}"),
            }
        }
        signal if signal.starts_with("signal-") => {
            let number: i32 = signal.trim_start_matches("signal-").parse().expect("signal number");
            let read = read_for_fix(&path).expect("read");
            install_signal_handlers();
            // The run is writing: a signal now only sets the flag (before
            // writing, it would exit at once).
            set_writing(true);
            // SAFETY: raise(3) on this process; the handler only sets a flag.
            unsafe { libc::raise(number) };
            match Writer::new(WriteOptions::default()).write(&read, &toggle(&read.bytes)) {
                Ok(written) => println!("RESULT {written:?}"),
                Err(e) => println!("RESULT error: {e}"),
            }
        }
        other => panic!("unknown child mode {other}"),
    }
}

/// Append `append N` lines to `path` until `path.stop` exists, each under
/// `flock(LOCK_EX)` on a descriptor that still names the file (the
/// protocol of a tool that cooperates with an atomic replacer: lock, then
/// check the name still leads to the locked file, else retry). Prints the
/// number of lines appended.
fn append_lines(path: &Path) {
    use std::io::Write;
    let stop = path.with_extension("stop");
    let mut n = 0u64;
    while !stop.exists() {
        let mut file = fs::OpenOptions::new().append(true).open(path).expect("open for appending");
        // SAFETY: flock(2) on a descriptor this function owns.
        assert_eq!(unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(&file), libc::LOCK_EX) }, 0);
        let locked = file.metadata().expect("fstat").ino();
        if fs::metadata(path).expect("stat").ino() != locked {
            continue; // replaced while we waited: lock the new file
        }
        file.write_all(format!("append {n}\n").as_bytes()).expect("append");
        n += 1;
        drop(file);
        std::thread::sleep(Duration::from_micros(200));
    }
    println!("RESULT {n}");
}

// ---------------------------------------------------------------------------
// Finding 1: metadata only by descriptor.
// ---------------------------------------------------------------------------

/// While 300 writes run, a thread renames a symlink to a victim file over
/// every dot name that appears in the directory (where a temporary file
/// would be). The writer sets mode, owner and attributes by descriptor
/// only, so the victim keeps its mode, owner and content; with O_TMPFILE
/// the new file has no name to attack until the instant of the rename.
#[test]
fn symlink_renamed_over_temporary_names_cannot_redirect_metadata() {
    for how in [TempFile::Anonymous, TempFile::Named] {
        let (_dir, root) = sandbox();
        let conf = root.join("conf.d");
        let site = conf.join("site.conf");
        let victim = root.join("victim/secret");
        let staging = root.join("staging");
        put(&site, ON);
        put(&victim, "secret\n");
        fs::create_dir(&staging).expect("mkdir staging");
        fs::set_permissions(&victim, fs::Permissions::from_mode(0o600)).expect("chmod victim");
        fs::set_permissions(&site, fs::Permissions::from_mode(0o644)).expect("chmod site");
        if is_root() {
            std::os::unix::fs::chown(&site, Some(1234), Some(1234)).expect("chown site");
        }
        let victim_before = fs::metadata(&victim).expect("stat victim");

        let stop = Arc::new(AtomicBool::new(false));
        let racer = {
            let (stop, conf, staging, victim) = (stop.clone(), conf.clone(), staging.clone(), victim.clone());
            std::thread::spawn(move || {
                let mut swaps = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let Ok(entries) = fs::read_dir(&conf) else { continue };
                    for entry in entries.filter_map(Result::ok) {
                        let name = entry.file_name();
                        if !name.to_string_lossy().starts_with('.') {
                            continue;
                        }
                        let link = staging.join("link");
                        let _ = fs::remove_file(&link);
                        if symlink(&victim, &link).is_ok() && fs::rename(&link, conf.join(&name)).is_ok() {
                            swaps += 1;
                        }
                    }
                }
                swaps
            })
        };
        let writer = Writer::new(options(how));
        let (mut written, mut refused, mut restored) = (0, 0, 0);
        for _ in 0..300 {
            // If the racer won (its symlink renamed into place instead of
            // the new file, which the writer reports), put a file back.
            if fs::symlink_metadata(&site).expect("lstat").file_type().is_symlink() {
                fs::remove_file(&site).expect("remove link");
                put(&site, ON);
                fs::set_permissions(&site, fs::Permissions::from_mode(0o644)).expect("chmod site");
                if is_root() {
                    std::os::unix::fs::chown(&site, Some(1234), Some(1234)).expect("chown site");
                }
                restored += 1;
            }
            let read = read_for_fix(&site).expect("read");
            assert_eq!(read.stamp.dir, conf, "only the file in conf.d is written");
            match writer.write(&read, &toggle(&read.bytes)) {
                Ok(Written::Replaced) => written += 1,
                Ok(other) => panic!("{how:?}: unexpected {other:?}"),
                Err(e @ (WriteError::Raced { .. } | WriteError::ReplacedAfterWrite { .. })) => {
                    assert_no_temp_named(&e);
                    refused += 1;
                }
                Err(e) => panic!("{how:?}: unexpected error: {e}"),
            }
        }
        stop.store(true, Ordering::Relaxed);
        let swaps = racer.join().expect("racer");
        drop(writer);
        let victim_after = fs::metadata(&victim).expect("stat victim");
        assert_eq!(victim_after.mode(), victim_before.mode(), "{how:?}: the victim's mode changed");
        assert_eq!(
            (victim_after.uid(), victim_after.gid()),
            (victim_before.uid(), victim_before.gid()),
            "{how:?}: the victim's owner changed"
        );
        assert_eq!(fs::read(&victim).expect("read victim"), b"secret\n", "{how:?}: the victim's content changed");
        assert!(written > 0, "{how:?}: nothing was written");
        let meta = fs::symlink_metadata(&site).expect("lstat");
        if meta.file_type().is_file() {
            assert_eq!(meta.mode() & 0o7777, 0o644, "{how:?}: the file keeps its mode");
            if is_root() {
                assert_eq!((meta.uid(), meta.gid()), (1234, 1234), "{how:?}: the file keeps its owner");
            }
        }
        eprintln!(
            "symlink race, {how:?}: {written} written, {refused} refused as raced, {restored} restored, {swaps} symlinks renamed over dot names"
        );
    }
}

// ---------------------------------------------------------------------------
// Finding 2: the directory written is the directory read.
// ---------------------------------------------------------------------------

fn expect_directory_changed(result: Result<Written, WriteError>, what: &str) {
    match result {
        Err(e @ WriteError::DirectoryChanged { .. }) => assert_no_temp_named(&e),
        other => panic!("{what}: expected a refusal as DirectoryChanged, got {other:?}"),
    }
}

#[test]
fn directory_swapped_between_read_and_write_is_refused() {
    let (_dir, root) = sandbox();
    let conf = root.join("etc/apache2/conf.d");
    let site = conf.join("site.conf");
    let moved = root.join("etc/apache2/conf.d.moved");
    let other = root.join("other");
    put(&site, ON);
    fs::create_dir(&other).expect("mkdir other");
    let writer = Writer::new(WriteOptions::default());

    // conf.d renamed away and replaced by a symlink to another directory.
    let read = read_for_fix(&site).expect("read");
    fs::rename(&conf, &moved).expect("rename conf.d away");
    symlink(&other, &conf).expect("symlink conf.d");
    expect_directory_changed(writer.write(&read, OFF.as_bytes()), "conf.d -> other");
    assert!(names(&other).is_empty(), "something was created in the other directory: {:?}", names(&other));
    assert_eq!(fs::read_to_string(moved.join("site.conf")).expect("read"), ON);
    fs::remove_file(&conf).expect("remove symlink");
    fs::rename(&moved, &conf).expect("put conf.d back");

    // conf.d renamed away and a symlink to it put in its place: the same
    // directory, now reached through a symlink.
    let read = read_for_fix(&site).expect("read");
    fs::rename(&conf, &moved).expect("rename conf.d away");
    symlink(&moved, &conf).expect("symlink conf.d");
    expect_directory_changed(writer.write(&read, OFF.as_bytes()), "conf.d -> conf.d.moved");
    assert_eq!(names(&moved), BTreeSet::from(["site.conf".to_string()]));
    assert_eq!(fs::read_to_string(moved.join("site.conf")).expect("read"), ON);
    fs::remove_file(&conf).expect("remove symlink");
    fs::rename(&moved, &conf).expect("put conf.d back");

    // conf.d replaced by another real directory holding the same file.
    let read = read_for_fix(&site).expect("read");
    put(&other.join("site.conf"), ON);
    fs::rename(&conf, &moved).expect("rename conf.d away");
    fs::rename(&other, &conf).expect("rename other into place");
    expect_directory_changed(writer.write(&read, OFF.as_bytes()), "another directory");
    assert_eq!(names(&conf), BTreeSet::from(["site.conf".to_string()]));
    assert_eq!(fs::read_to_string(conf.join("site.conf")).expect("read"), ON);
    fs::rename(&conf, &other).expect("move other back");
    fs::rename(&moved, &conf).expect("put conf.d back");

    // A directory higher up swapped for a symlink.
    let read = read_for_fix(&site).expect("read");
    fs::rename(root.join("etc"), root.join("etc.moved")).expect("rename etc away");
    symlink(root.join("etc.moved"), root.join("etc")).expect("symlink etc");
    expect_directory_changed(writer.write(&read, OFF.as_bytes()), "etc -> etc.moved");
    assert_eq!(fs::read_to_string(root.join("etc.moved/apache2/conf.d/site.conf")).expect("read"), ON);
    fs::remove_file(root.join("etc")).expect("remove symlink");
    fs::rename(root.join("etc.moved"), root.join("etc")).expect("put etc back");

    // Untouched, it writes.
    let read = read_for_fix(&site).expect("read");
    assert_eq!(writer.write(&read, OFF.as_bytes()).expect("write"), Written::Replaced);
    assert_eq!(fs::read_to_string(&site).expect("read"), OFF);
    assert!(writer.finish().is_empty());
}

/// A file reached through a symlink is written in the link's target; a
/// link re-pointed between read and write makes the file "changed".
#[test]
fn symlinked_file_is_written_in_its_target_unless_re_pointed() {
    let (_dir, root) = sandbox();
    let available = root.join("apache2/sites-available/www.conf");
    let other = root.join("apache2/sites-available/other.conf");
    let enabled = root.join("apache2/sites-enabled/www.conf");
    put(&available, ON);
    put(&other, ON);
    fs::create_dir_all(enabled.parent().expect("parent")).expect("mkdir");
    symlink("../sites-available/www.conf", &enabled).expect("symlink");
    let writer = Writer::new(WriteOptions::default());
    let read = read_for_fix(&enabled).expect("read");
    assert_eq!(writer.write(&read, OFF.as_bytes()).expect("write"), Written::Replaced);
    assert!(fs::symlink_metadata(&enabled).expect("lstat").file_type().is_symlink(), "the link stays a link");
    assert_eq!(fs::read_to_string(&available).expect("read"), OFF);

    let read = read_for_fix(&enabled).expect("read");
    fs::remove_file(&enabled).expect("rm link");
    symlink("../sites-available/other.conf", &enabled).expect("re-point");
    match writer.write(&read, ON.as_bytes()) {
        Err(WriteError::Changed { path }) => assert_eq!(path, enabled),
        other => panic!("expected Changed, got {other:?}"),
    }
    assert_eq!(fs::read_to_string(&available).expect("read"), OFF);
    assert_eq!(fs::read_to_string(&other).expect("read"), ON);
}

// ---------------------------------------------------------------------------
// Finding 5: no concurrent write lost.
// ---------------------------------------------------------------------------

/// Another process appends numbered lines (under flock) while 200 writes
/// run: each append happened before the write's read (the write is then
/// refused as Changed) or is in the file afterwards. No line is lost.
#[test]
fn concurrent_appender_loses_no_line() {
    let (_dir, root) = sandbox();
    let site = root.join("conf.d/site.conf");
    put(&site, ON);
    let mut appender = child("append", &site).stdout(Stdio::piped()).spawn().expect("spawn appender");
    // The appender starts in its own process; the writes race it only once
    // its first line is in (a slow, loaded CI machine can take a while).
    let started = std::time::Instant::now();
    while fs::read_to_string(&site).expect("read").lines().count() < 2 {
        assert!(started.elapsed() < Duration::from_secs(60), "the appender never appended");
        std::thread::sleep(Duration::from_millis(1));
    }
    let writer = Writer::new(WriteOptions::default());
    let (mut written, mut changed) = (0, 0);
    // At least 200 writes, and on until one was refused (the race was
    // exercised), within a bound.
    let racing = std::time::Instant::now();
    for round in 0.. {
        if round >= 200 && (changed > 0 || racing.elapsed() > Duration::from_secs(60)) {
            break;
        }
        let read = read_for_fix(&site).expect("read");
        match writer.write(&read, &toggle(&read.bytes)) {
            Ok(Written::Replaced) => written += 1,
            Err(e @ WriteError::Changed { .. }) => {
                assert_no_temp_named(&e);
                changed += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    put(&site.with_extension("stop"), "");
    let status = common::wait_bounded(&mut appender, Duration::from_secs(60), "appender");
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut appender.stdout.take().expect("stdout"), &mut stdout).expect("read");
    assert!(status.success(), "appender failed: {status}\n{stdout}");
    let appended: u64 = result_line(&stdout).parse().expect("the appender's count");
    let text = fs::read_to_string(&site).expect("read");
    let lines: Vec<&str> = text.lines().skip(1).collect();
    let expected: Vec<String> = (0..appended).map(|n| format!("append {n}")).collect();
    assert_eq!(lines, expected, "appended lines lost or reordered ({written} written, {changed} refused)");
    eprintln!("appender: {appended} lines appended; {written} writes, {changed} refused as changed");
    assert!(written > 0, "no write went through");
    assert!(changed > 0, "no append landed between a read and its write; the race was not exercised");
}

/// A lock held by another program: the write waits, then refuses.
#[test]
fn a_held_lock_refuses_the_write_after_the_wait() {
    let (_dir, root) = sandbox();
    let site = root.join("conf.d/site.conf");
    put(&site, ON);
    let holder = fs::File::open(&site).expect("open");
    // SAFETY: flock(2) on a descriptor this test owns.
    assert_eq!(unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(&holder), libc::LOCK_EX) }, 0);
    let writer = Writer::new(WriteOptions { lock_wait: Duration::from_millis(100), ..WriteOptions::default() });
    let read = read_for_fix(&site).expect("read");
    match writer.write(&read, OFF.as_bytes()) {
        Err(e @ WriteError::Locked { .. }) => assert!(e.to_string().contains("holds a lock on it"), "{e}"),
        other => panic!("expected Locked, got {other:?}"),
    }
    assert_eq!(fs::read_to_string(&site).expect("read"), ON);
    drop(holder);
    assert_eq!(writer.write(&read, OFF.as_bytes()).expect("write"), Written::Replaced);
    assert_eq!(names(&root.join("conf.d")), BTreeSet::from(["site.conf".to_string()]));
}

/// An edit of the same size that keeps the modification time (restored by
/// the editor, or within the file system's timestamp granularity) is
/// caught by the content comparison.
#[test]
fn same_size_same_mtime_edit_is_caught_by_content() {
    let (_dir, root) = sandbox();
    let site = root.join("conf.d/site.conf");
    put(&site, "ServerTokens OS\n");
    let read = read_for_fix(&site).expect("read");
    let modified = fs::metadata(&site).expect("stat").modified().expect("mtime");
    fs::write(&site, "ServerTokens Xx\n").expect("edit");
    fs::File::options().write(true).open(&site).expect("open").set_modified(modified).expect("restore mtime");
    let writer = Writer::new(WriteOptions::default());
    assert!(matches!(writer.write(&read, b"ServerTokens Prod\n"), Err(WriteError::Changed { .. })));
    assert_eq!(fs::read_to_string(&site).expect("read"), "ServerTokens Xx\n");
}

// ---------------------------------------------------------------------------
// Finding 6: ACLs, xattrs, hard links, owner.
// ---------------------------------------------------------------------------

fn run(program: &Path, args: &[&OsStr]) -> String {
    let output = Command::new(program).args(args).output().expect("run tool");
    assert!(output.status.success(), "{} {args:?}: {}", program.display(), String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn acls_and_user_xattrs_are_kept() {
    let test = "acls_and_user_xattrs_are_kept";
    let (Some(setfacl), Some(getfacl), Some(setfattr), Some(getfattr)) = (
        common::system_tool("setfacl", test),
        common::system_tool("getfacl", test),
        common::system_tool("setfattr", test),
        common::system_tool("getfattr", test),
    ) else {
        return;
    };
    let (_dir, root) = sandbox();
    let conf = root.join("conf.d");
    let site = conf.join("site.conf");
    put(&site, ON);
    fs::set_permissions(&site, fs::Permissions::from_mode(0o640)).expect("chmod");
    let file = site.as_os_str();
    run(&setfacl, &["-m".as_ref(), "u:nobody:r".as_ref(), file]);
    run(&setfattr, &["-n".as_ref(), "user.conflint".as_ref(), "-v".as_ref(), "kept".as_ref(), file]);
    let acl_before = run(&getfacl, &["-c".as_ref(), "-n".as_ref(), file]);
    assert!(acl_before.contains(&format!("user:{NOBODY}:r--")), "{acl_before}");
    let inode_before = fs::metadata(&site).expect("stat").ino();

    let writer = Writer::new(WriteOptions::default());
    let read = read_for_fix(&site).expect("read");
    assert_eq!(writer.write(&read, OFF.as_bytes()).expect("write"), Written::Replaced);
    assert_ne!(fs::metadata(&site).expect("stat").ino(), inode_before, "the file was replaced");
    assert_eq!(run(&getfacl, &["-c".as_ref(), "-n".as_ref(), file]), acl_before, "the ACL changed");
    let value = run(&getfattr, &["--only-values".as_ref(), "-n".as_ref(), "user.conflint".as_ref(), file]);
    assert_eq!(value, "kept");
    assert_eq!(fs::metadata(&site).expect("stat").mode() & 0o777, 0o640);

    // A default ACL on the directory is inherited by new files; the new
    // file must not get an access the original did not have.
    let plain = conf.join("plain.conf");
    put(&plain, ON);
    fs::set_permissions(&plain, fs::Permissions::from_mode(0o644)).expect("chmod");
    run(&setfacl, &["-d".as_ref(), "-m".as_ref(), "u:nobody:rw".as_ref(), conf.as_os_str()]);
    let plain_acl = run(&getfacl, &["-c".as_ref(), "-n".as_ref(), plain.as_os_str()]);
    assert!(!plain_acl.contains(&format!("user:{NOBODY}")), "{plain_acl}");
    let read = read_for_fix(&plain).expect("read");
    assert_eq!(writer.write(&read, OFF.as_bytes()).expect("write"), Written::Replaced);
    assert_eq!(run(&getfacl, &["-c".as_ref(), "-n".as_ref(), plain.as_os_str()]), plain_acl, "an ACL was added");
    assert_eq!(fs::metadata(&plain).expect("stat").mode() & 0o777, 0o644);
}

#[test]
fn hard_linked_file_is_refused_or_rewritten_in_place() {
    let (_dir, root) = sandbox();
    let site = root.join("conf.d/site.conf");
    let other = root.join("conf.d/other-name.conf");
    put(&site, ON);
    fs::hard_link(&site, &other).expect("link");
    let inode = fs::metadata(&site).expect("stat").ino();
    let read = read_for_fix(&site).expect("read");

    let err = Writer::new(WriteOptions::default()).write(&read, OFF.as_bytes()).expect_err("must refuse");
    assert!(matches!(err, WriteError::HardLinked { links: 2, .. }), "{err:?}");
    assert!(err.to_string().contains("2 hard links"), "{err}");
    assert_eq!(fs::read_to_string(&site).expect("read"), ON);
    assert_eq!(fs::metadata(&other).expect("stat").ino(), inode);

    let in_place = WriteOptions { in_place_when_needed: true, ..WriteOptions::default() };
    let written = Writer::new(in_place).write(&read, OFF.as_bytes()).expect("write in place");
    assert_eq!(written, Written::InPlace(InPlaceReason::HardLinks(2)));
    assert_eq!(fs::read_to_string(&site).expect("read"), OFF);
    assert_eq!(fs::read_to_string(&other).expect("read"), OFF, "the other name sees the fix");
    assert_eq!(fs::metadata(&site).expect("stat").ino(), inode);
    assert_eq!(fs::metadata(&site).expect("stat").nlink(), 2);
}

/// This test binary at a path `nobody` can execute.
fn exe_for_nobody(sandbox: &Path) -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let copy = sandbox.join("write-security-test");
    fs::copy(&exe, &copy).expect("copy the test binary");
    fs::set_permissions(&copy, fs::Permissions::from_mode(0o755)).expect("chmod");
    copy
}

/// Run `mode` on `path` as nobody:nogroup through setpriv; the RESULT line.
fn as_nobody(exe: &Path, setpriv: &Path, mode: &str, path: &Path) -> String {
    let output = Command::new(setpriv)
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"])
        .arg(exe)
        .args(["--exact", "zz_child_process", "--nocapture", "--test-threads=1"])
        .env("CONFLINT_WRITE_CHILD", mode)
        .env("CONFLINT_WRITE_PATH", path)
        .output()
        .expect("run setpriv");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "child as nobody failed\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    result_line(&stdout)
}

#[test]
fn non_root_keeps_the_owner_or_refuses() {
    let test = "non_root_keeps_the_owner_or_refuses";
    if !root_only(test) {
        return;
    }
    let Some(setpriv) = common::system_tool("setpriv", test) else { return };
    let (_dir, root) = sandbox();
    let exe = exe_for_nobody(&root);
    let conf = root.join("conf.d");
    fs::create_dir(&conf).expect("mkdir");
    std::os::unix::fs::chown(&conf, Some(NOBODY), Some(NOBODY)).expect("chown dir");

    // nobody's own file in nobody's directory: replaced, owner and mode kept.
    let own = conf.join("own.conf");
    put(&own, ON);
    std::os::unix::fs::chown(&own, Some(NOBODY), Some(NOBODY)).expect("chown");
    fs::set_permissions(&own, fs::Permissions::from_mode(0o640)).expect("chmod");
    let inode = fs::metadata(&own).expect("stat").ino();
    assert_eq!(as_nobody(&exe, &setpriv, "write-once", &own), "Replaced");
    let meta = fs::metadata(&own).expect("stat");
    assert_eq!((meta.uid(), meta.gid(), meta.mode() & 0o7777), (NOBODY, NOBODY, 0o640));
    assert_ne!(meta.ino(), inode, "replaced");
    assert_eq!(fs::read_to_string(&own).expect("read"), OFF);

    // root's world-writable file in nobody's directory: nobody cannot give
    // a new file root's ownership. Refused by default...
    let roots = conf.join("roots.conf");
    put(&roots, ON);
    fs::set_permissions(&roots, fs::Permissions::from_mode(0o666)).expect("chmod");
    let result = as_nobody(&exe, &setpriv, "write-once", &roots);
    assert!(result.contains("not written: a new file cannot be given its owner 0:0 by this user"), "{result}");
    assert!(!result.contains(".conflint-"), "{result}");
    let meta = fs::metadata(&roots).expect("stat");
    assert_eq!((meta.uid(), meta.gid()), (0, 0));
    assert_eq!(fs::read_to_string(&roots).expect("read"), ON);
    // ...rewritten in place when allowed: same inode, owner root.
    assert_eq!(as_nobody(&exe, &setpriv, "write-once-in-place", &roots), "InPlace(OwnerNotKept)");
    let after = fs::metadata(&roots).expect("stat");
    assert_eq!((after.uid(), after.gid(), after.ino()), (0, 0, meta.ino()));
    assert_eq!(fs::read_to_string(&roots).expect("read"), OFF);
    assert_eq!(names(&conf), BTreeSet::from(["own.conf".to_string(), "roots.conf".to_string()]));
}

// ---------------------------------------------------------------------------
// Finding 8: what a directory listing shows, long names, SIGKILL, signals.
// ---------------------------------------------------------------------------

/// A name httpd's wildcard includes, PHP's scan directory and conflint's
/// discovery all pass over.
fn assert_safe_temp_name(name: &str) {
    assert!(name.starts_with('.'), "{name}: a wildcard include would match it");
    assert!(!name.ends_with(".conf") && !name.ends_with(".ini") && !name.ends_with(".load"), "{name}");
    assert!(is_conflint_temp(OsStr::new(name)), "{name}: not recognised as conflint's");
}

#[test]
fn listings_during_writes_show_only_safe_temporary_names() {
    for how in [TempFile::Anonymous, TempFile::Named] {
        let (_dir, root) = sandbox();
        let conf = root.join("conf.d");
        let site = conf.join("site.conf");
        put(&site, ON);
        let stop = Arc::new(AtomicBool::new(false));
        let lister = {
            let (stop, conf) = (stop.clone(), conf.clone());
            std::thread::spawn(move || {
                let (mut seen, mut listings) = (BTreeSet::new(), 0u64);
                while !stop.load(Ordering::Relaxed) {
                    seen.extend(names(&conf).into_iter().filter(|n| n != "site.conf"));
                    listings += 1;
                }
                (seen, listings)
            })
        };
        let writer = Writer::new(options(how));
        for _ in 0..300 {
            let read = read_for_fix(&site).expect("read");
            writer.write(&read, &toggle(&read.bytes)).expect("write");
        }
        stop.store(true, Ordering::Relaxed);
        let (seen, listings) = lister.join().expect("lister");
        for name in &seen {
            assert_safe_temp_name(name);
        }
        assert_eq!(names(&conf), BTreeSet::from(["site.conf".to_string()]), "{how:?}: left behind");
        eprintln!("{how:?}: {listings} listings during 300 writes saw {} temporary name(s)", seen.len());
    }
}

#[test]
fn files_with_long_names_are_fixable() {
    let (_dir, root) = sandbox();
    let conf = root.join("conf.d");
    let writer = Writer::new(WriteOptions::default());
    for length in [250, 255] {
        let name = format!("{}.conf", "x".repeat(length - 5));
        let site = conf.join(&name);
        put(&site, ON);
        let read = read_for_fix(&site).expect("read");
        assert_eq!(writer.write(&read, OFF.as_bytes()).expect("write"), Written::Replaced, "{length} bytes");
        assert_eq!(fs::read_to_string(&site).expect("read"), OFF);
        let named = TempFile::Named;
        let read = read_for_fix(&site).expect("read");
        assert_eq!(Writer::new(options(named)).write(&read, ON.as_bytes()).expect("write"), Written::Replaced);
        fs::remove_file(&site).expect("rm");
    }
    assert!(names(&conf).is_empty());
}

/// A minimal server configuration for `apache2 -t` that includes `dir/`.
fn httpd_conf(root: &Path) -> PathBuf {
    let conf = root.join("httpd.conf");
    let text = format!(
        "ServerRoot {root}\nPidFile {root}/httpd.pid\nErrorLog {root}/error.log\nServerName localhost\n\
         LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so\nInclude dir/\n",
        root = root.display()
    );
    fs::write(&conf, text).expect("write httpd.conf");
    conf
}

fn apache_accepts(apache2: &Path, conf: &Path) -> Result<(), String> {
    let output = Command::new(apache2).arg("-t").arg("-f").arg(conf).output().expect("run apache2 -t");
    if output.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&output.stderr).into_owned()) }
}

#[test]
fn sigkill_during_writes_leaves_nothing_httpd_would_load() {
    let test = "sigkill_during_writes_leaves_nothing_httpd_would_load";
    let Some(apache2) = common::system_tool("apache2", test) else { return };
    if !Path::new("/usr/lib/apache2/modules/mod_mpm_event.so").is_file() {
        assert!(!common::system_tests_required(), "{test}: no mod_mpm_event.so");
        common::note_skip(test, "/usr/lib/apache2/modules/mod_mpm_event.so is missing");
        return;
    }
    let (_dir, root) = sandbox();
    let dir = root.join("dir");
    let site = dir.join("site.conf");
    put(&site, ON);
    let conf = httpd_conf(&root);
    apache_accepts(&apache2, &conf).expect("the configuration is valid");
    // What makes this matter: `Include dir/` loads dot files too.
    put(&dir.join(".conflint-1-1.tmp"), "NoSuchDirective here\n");
    let err = apache_accepts(&apache2, &conf).expect_err("httpd must load the dot file");
    assert!(err.contains(".conflint-1-1.tmp"), "{err}");
    fs::remove_file(dir.join(".conflint-1-1.tmp")).expect("rm");

    for (mode, how) in [("write-loop", TempFile::Anonymous), ("write-loop-named", TempFile::Named)] {
        let (mut kills, mut leftovers) = (0, 0);
        for round in 0..12u64 {
            let mut process = child(mode, &site).stdout(Stdio::piped()).spawn().expect("spawn writer");
            let mut lines = std::io::BufRead::lines(std::io::BufReader::new(process.stdout.take().expect("stdout")));
            assert!(lines.any(|l| l.is_ok_and(|l| l.contains("READY"))), "the writer child did not start");
            std::thread::sleep(Duration::from_millis(5 + round * 7));
            process.kill().expect("SIGKILL");
            let _ = process.wait();
            kills += 1;
            let pid = process.id();
            let extra: Vec<String> = names(&dir).into_iter().filter(|n| n != "site.conf").collect();
            for name in &extra {
                assert_safe_temp_name(name);
                assert_eq!(temp_owner(OsStr::new(name)), Some(pid), "{name}: not the killed run's");
            }
            let text = fs::read_to_string(&site).expect("read");
            assert!(text == ON || text == OFF, "{how:?}: a torn file after SIGKILL: {text:?}");
            if how == TempFile::Anonymous {
                // A leftover of the anonymous writer is a complete file:
                // even loaded by `Include dir/`, httpd accepts it.
                apache_accepts(&apache2, &conf)
                    .unwrap_or_else(|e| panic!("{how:?}: httpd rejects the tree after SIGKILL ({extra:?}): {e}"));
            }
            let cleanup = cleanup_stale_temps(&dir).expect("cleanup");
            assert!(cleanup.failed.is_empty(), "{:?}", cleanup.failed);
            assert_eq!(cleanup.removed.len(), extra.len(), "{how:?}: cleanup missed a leftover");
            leftovers += extra.len();
            assert_eq!(names(&dir), BTreeSet::from(["site.conf".to_string()]));
            apache_accepts(&apache2, &conf).unwrap_or_else(|e| panic!("{how:?}: after cleanup: {e}"));
        }
        eprintln!("SIGKILL, {how:?}: {kills} kills left {leftovers} temporary file(s), all removed by the cleanup");
    }
}

#[test]
fn every_interrupting_signal_stops_the_next_write() {
    let (_dir, root) = sandbox();
    let site = root.join("conf.d/site.conf");
    put(&site, ON);
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
        let output = child(&format!("signal-{signal}"), &site).output().expect("run child");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "signal {signal}: the child did not survive: {}\n{stdout}", output.status);
        assert_eq!(result_line(&stdout), format!("error: {}: not written: interrupted", site.display()));
        assert_eq!(fs::read_to_string(&site).expect("read"), ON);
        assert_eq!(names(&root.join("conf.d")), BTreeSet::from(["site.conf".to_string()]));
    }
}

/// The stamp's real path and `Roots` give the lead's policy what it needs.
#[test]
fn real_location_policy_helpers() {
    use conflint_cli::write::{Roots, real_location};
    let (_dir, root) = sandbox();
    let inside = root.join("tree/apache2/sites-available/www.conf");
    let outside = root.join("elsewhere/evil.conf");
    put(&inside, ON);
    put(&outside, ON);
    fs::create_dir_all(root.join("tree/apache2/sites-enabled")).expect("mkdir");
    symlink("../sites-available/www.conf", root.join("tree/apache2/sites-enabled/www.conf")).expect("symlink");
    symlink(&outside, root.join("tree/apache2/sites-enabled/evil.conf")).expect("symlink");
    let roots = Roots::new([root.join("tree")]).expect("roots");
    let read: ReadFile = read_for_fix(&root.join("tree/apache2/sites-enabled/www.conf")).expect("read");
    assert!(roots.contains(&read.stamp.real_path()));
    let evil = read_for_fix(&root.join("tree/apache2/sites-enabled/evil.conf")).expect("read");
    assert_eq!(evil.stamp.real_path(), outside);
    assert!(!roots.contains(&evil.stamp.real_path()));
    assert_eq!(real_location(&root.join("tree/apache2/sites-enabled/evil.conf")).expect("resolve"), outside);
}
