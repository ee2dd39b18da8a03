//! Fault injection for `conflint --fix` (issue 7, "Reliability").
//!
//! Every test breaks something on purpose and asserts the exact outcome: the
//! exit status, the message (naming the file), and the bytes of every file
//! before and after. The faults and how they are simulated:
//! - a read-only directory: `chmod 0555`; as root (where permissions do not
//!   stop writes) conflint runs as `nobody` instead, so the chmod bites;
//! - a read-only file system: a read-only bind mount in a private mount
//!   namespace (`unshare -rm`);
//! - a full disk: a 64 KiB tmpfs filled up with a filler file, in a private
//!   mount namespace (`unshare -rm`);
//! - a file changed on disk between reading and writing: the library's
//!   `write_atomically` with a stale original, and the binary on a tree of
//!   thousands of files where the test edits the last file while conflint
//!   is writing the first ones;
//! - an interrupted run: SIGINT / SIGTERM at delays spread over a run on a
//!   tree of thousands of files;
//! - two `--fix` runs on the same tree at once (started together, and the
//!   second while the first is writing);
//! - mode, owner, symlinks, and a file reached by two paths.
//!
//! Only httpd files are wired into the CLI so far, so the trees are httpd
//! trees; see the TODO at [`KINDS`] for php.ini and gitlab.rb.

mod common;

use std::fs;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// The files the faults are injected into.
// ---------------------------------------------------------------------------

/// One kind of configuration file and a bad version of it, with the bytes
/// `--fix` must produce.
struct Kind {
    /// Where the entry file goes in a tree.
    entry: &'static str,
    bad: &'static str,
    fixed: &'static str,
    /// The codes `conflint` reports on `bad`.
    codes: &'static [&'static str],
    /// A directory of fragments (checked one by one) and the bad and fixed
    /// text of one fragment, for the trees of thousands of files.
    fragment_dir: &'static str,
    fragment_bad: &'static str,
    fragment_fixed: &'static str,
}

/// The kinds of file the fault tests run on.
///
/// TODO(php, gitlab): once php.ini and gitlab.rb are wired into the CLI, add
/// rows here (e.g. `php/php.ini` with `expose_php = On` -> `Off`, fragments
/// under `php/conf.d/*.ini`; `gitlab/gitlab.rb`) and turn the tests below
/// into loops over `KINDS` (they use `HTTPD` directly for now).
const KINDS: &[Kind] = &[HTTPD];

const HTTPD: Kind = Kind {
    entry: "apache2/apache2.conf",
    bad: "ServerTokens OS\nServerSignature On\n",
    fixed: "ServerTokens Prod\nServerSignature Off\nTraceEnable Off\n",
    codes: &["HT001", "HT002", "HT007"],
    fragment_dir: "apache2/conf.d",
    fragment_bad: "# a fragment\nServerSignature On\n",
    fragment_fixed: "# a fragment\nServerSignature Off\n",
};

// ---------------------------------------------------------------------------
// Helpers.
// ---------------------------------------------------------------------------

const NOBODY: u32 = 65534;

/// The tests that run conflint on thousands of files take turns, so that
/// their timing (a signal after a delay, an edit while conflint writes) is
/// not thrown off by each other.
static HEAVY: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn heavy() -> std::sync::MutexGuard<'static, ()> {
    HEAVY.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_conflint"))
}

use common::{codes, is_root, json, write};

/// A temporary directory every user may enter (so a run as `nobody` can).
fn sandbox() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::Builder::new().prefix("conflint-faults-").tempdir().expect("temporary directory");
    let root = dir.path().canonicalize().expect("canonical temporary directory");
    fs::set_permissions(&root, fs::Permissions::from_mode(0o755)).expect("chmod sandbox");
    // The fault tests are about writing: only the rules whose findings and
    // fixes the kinds below spell out (the hardening rules would add their
    // own to every tree).
    fs::write(root.join("conflint.toml"), "select = [\"HT001\", \"HT002\", \"HT003\", \"HT007\"]\n")
        .expect("write conflint.toml");
    (dir, root)
}

/// `.NAME.conflint-XXXXXX.tmp` files anywhere under `root`.
fn temp_files(root: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name().to_string_lossy();
            name.contains(".conflint-") && name.ends_with(".tmp")
        })
        .map(|e| e.path().to_path_buf())
        .collect()
}

fn assert_no_temp_files(root: &Path, when: &str) {
    let left = temp_files(root);
    assert!(left.is_empty(), "{when}: temporary files left behind: {left:?}");
}

/// Whether creating a file in `dir` fails (false as root, where a
/// `chmod 0555` does not stop writes).
fn writes_are_refused(dir: &Path) -> bool {
    let probe = dir.join(".conflint-probe");
    match fs::write(&probe, b"probe") {
        Ok(()) => {
            let _ = fs::remove_file(&probe);
            false
        }
        Err(_) => true,
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn conflint(dir: &Path, args: &[&str]) -> Run {
    let (code, stdout, stderr) = common::conflint_in(dir, args);
    Run { code, stdout, stderr }
}

/// The conflint binary at a path `nobody` can execute: the build's own if
/// every directory above it is open to all, else a copy in `sandbox`.
fn binary_for_nobody(sandbox: &Path) -> PathBuf {
    let ok = Command::new(bin())
        .arg("--version")
        .uid(NOBODY)
        .gid(NOBODY)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return bin();
    }
    let copy = sandbox.join("conflint-bin");
    fs::copy(bin(), &copy).expect("copy the conflint binary");
    fs::set_permissions(&copy, fs::Permissions::from_mode(0o755)).expect("chmod binary");
    copy
}

/// Run conflint as `nobody` (only root may), in `dir`.
fn conflint_as_nobody(sandbox: &Path, dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(binary_for_nobody(sandbox))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .uid(NOBODY)
        .gid(NOBODY)
        .output()
        .expect("run conflint as nobody");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Whether `unshare -rm` gives this process a private mount namespace in
/// which it may mount (a tmpfs).
fn can_unshare_mounts() -> bool {
    Command::new("unshare")
        .args([
            "-rm",
            "sh",
            "-c",
            "d=$(mktemp -d) && mount -t tmpfs -o size=16k tmpfs \"$d\" && umount \"$d\"; r=$?; rmdir \"$d\"; exit $r",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Run `script` with `sh` in a private mount namespace, with `vars` in its
/// environment. Exit 97 from the script means "could not set up the mount".
fn in_mount_namespace(script: &str, vars: &[(&str, &Path)]) -> ExitStatus {
    let mut cmd = Command::new("unshare");
    cmd.args(["-rm", "sh", "-c", script]).env("NO_COLOR", "1").env("BIN", bin());
    for (name, value) in vars {
        cmd.env(name, value);
    }
    cmd.status().expect("run unshare")
}

/// Restores a directory's mode when dropped, so that the temporary
/// directory can be removed even when a test fails.
struct RestoreMode(PathBuf);

impl Drop for RestoreMode {
    fn drop(&mut self) {
        let _ = fs::set_permissions(&self.0, fs::Permissions::from_mode(0o755));
    }
}

/// A tree of `n` fragment files `f00000.conf`... with the bad text; returns
/// their paths in the order conflint walks (and writes) them.
fn fragment_tree(root: &Path, kind: &Kind, n: usize) -> Vec<PathBuf> {
    let dir = root.join(kind.fragment_dir);
    fs::create_dir_all(&dir).expect("mkdir");
    (0..n)
        .map(|i| {
            let path = dir.join(format!("f{i:05}.conf"));
            fs::write(&path, kind.fragment_bad).expect("write fragment");
            path
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Original,
    Fixed,
}

/// Every fragment is either untouched or fully fixed: nothing else.
fn states(kind: &Kind, files: &[PathBuf], when: &str) -> Vec<State> {
    files
        .iter()
        .map(|path| {
            let bytes = fs::read(path).unwrap_or_else(|e| panic!("{when}: {} cannot be read: {e}", path.display()));
            if bytes == kind.fragment_bad.as_bytes() {
                State::Original
            } else if bytes == kind.fragment_fixed.as_bytes() {
                State::Fixed
            } else {
                let text = String::from_utf8_lossy(&bytes);
                let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with("# padding")).collect();
                panic!(
                    "{when}: {} is neither the original nor the fixed text (padding lines left out):\n{}",
                    path.display(),
                    lines.join("\n")
                )
            }
        })
        .collect()
}

/// After a run on a fragment tree: the tree parses (no CL001/CL002), and
/// the findings left are exactly those of the files still original.
fn assert_tree_parses(root: &Path, kind: &Kind, files: &[PathBuf], when: &str) {
    let left = states(kind, files, when).iter().filter(|s| **s == State::Original).count();
    let run = conflint(root, &["--format", "json", "apache2"]);
    let report = json(&run.stdout);
    let found = codes(&report);
    assert!(!found.iter().any(|c| c == "CL001" || c == "CL002"), "{when}: the tree no longer parses: {found:?}");
    assert_eq!(report["summary"]["diagnostics"], left, "{when}: one finding per file left original");
    assert_eq!(run.code, if left > 0 { 1 } else { 0 }, "{when}: exit status of a check\n{}", run.stderr);
}

/// Spawn conflint with output captured to files (a pipe that nobody reads
/// could block it).
fn spawn(dir: &Path, args: &[&str], out: &Path) -> Child {
    Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(fs::File::create(out.with_extension("stdout")).expect("stdout file"))
        .stderr(fs::File::create(out.with_extension("stderr")).expect("stderr file"))
        .spawn()
        .expect("spawn conflint")
}

fn read_to_string(path: &Path) -> String {
    let mut text = String::new();
    if let Ok(mut file) = fs::File::open(path) {
        let _ = file.read_to_string(&mut text);
    }
    text
}

// ---------------------------------------------------------------------------
// Read-only directory, read-only file system, full disk.
// ---------------------------------------------------------------------------

/// The message for a file that could not be written.
fn assert_not_written(stderr: &str, rel: &str, reason: &str) {
    let prefix = format!("conflint: {rel}: not written: {reason}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines.len() == 1 && lines[0].starts_with(&prefix),
        "expected one line starting with `{prefix}` on stderr, got:\n{stderr}"
    );
}

#[test]
fn fix_in_a_read_only_directory_keeps_the_original() {
    let kind = &HTTPD;
    let (_dir, root) = sandbox();
    let file = write(&root, kind.entry, kind.bad);
    let conf_dir = file.parent().expect("parent").to_path_buf();
    fs::set_permissions(&conf_dir, fs::Permissions::from_mode(0o555)).expect("chmod 0555");
    let _restore = RestoreMode(conf_dir.clone());
    let run = if writes_are_refused(&conf_dir) {
        conflint(&root, &["--fix", "apache2"])
    } else {
        // Root ignores the directory's mode: run as nobody, for whom the
        // chmod holds (the files stay readable to all).
        assert!(is_root(), "a 0555 directory accepted a new file, but we are not root");
        conflint_as_nobody(&root, &root, &["--fix", "apache2"])
    };
    assert_eq!(run.code, 2, "exit status\nstdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert_not_written(&run.stderr, kind.entry, "Permission denied (os error 13)");
    assert_eq!(fs::read(&file).expect("read"), kind.bad.as_bytes(), "the original must be intact");
    assert_no_temp_files(&root, "read-only directory");
}

/// A fix that could not be written is not "fixed": the summary must not
/// count it, and the findings are still there.
#[test]
fn unwritten_fixes_are_reported_as_remaining() {
    let kind = &HTTPD;
    let (_dir, root) = sandbox();
    let file = write(&root, kind.entry, kind.bad);
    let conf_dir = file.parent().expect("parent").to_path_buf();
    fs::set_permissions(&conf_dir, fs::Permissions::from_mode(0o555)).expect("chmod 0555");
    let _restore = RestoreMode(conf_dir.clone());
    let args = ["--fix", "--format", "json", "apache2"];
    let run =
        if writes_are_refused(&conf_dir) { conflint(&root, &args) } else { conflint_as_nobody(&root, &root, &args) };
    assert_eq!(run.code, 2, "exit status\n{}", run.stderr);
    assert_eq!(fs::read(&file).expect("read"), kind.bad.as_bytes());
    let report = json(&run.stdout);
    assert_eq!(report["summary"]["fixed"], 0, "nothing was written, so nothing was fixed:\n{}", run.stdout);
    assert_eq!(codes(&report), kind.codes, "the findings remain:\n{}", run.stdout);
}

#[test]
fn fix_on_a_read_only_file_system_keeps_the_original() {
    let kind = &HTTPD;
    if !can_unshare_mounts() {
        common::note_skip(
            "fix_on_a_read_only_file_system_keeps_the_original",
            "`unshare -rm` cannot make a private mount namespace here (no user namespaces?)",
        );
        return;
    }
    let (_dir, root) = sandbox();
    let file = write(&root, kind.entry, kind.bad);
    let conf_dir = file.parent().expect("parent").to_path_buf();
    let out = root.join("out");
    fs::create_dir(&out).expect("mkdir out");
    let script = r#"
        mount --bind "$CONF" "$CONF" && mount -o remount,ro,bind "$CONF" || exit 97
        touch "$CONF/.probe" 2>/dev/null && exit 98
        cd "$ROOT" || exit 97
        "$BIN" --fix apache2 >"$OUT/stdout" 2>"$OUT/stderr"
        echo $? >"$OUT/exit"
        ls -A "$CONF" >"$OUT/listing"
    "#;
    let status = in_mount_namespace(script, &[("CONF", &conf_dir), ("ROOT", &root), ("OUT", &out)]);
    assert!(status.success(), "setting up the read-only bind mount failed: {status}");
    let code = read_to_string(&out.join("exit"));
    let stderr = read_to_string(&out.join("stderr"));
    assert_eq!(code.trim(), "2", "exit status\n{stderr}");
    assert_not_written(&stderr, kind.entry, "Read-only file system (os error 30)");
    assert_eq!(read_to_string(&out.join("listing")), "apache2.conf\n", "no temporary file in the directory");
    assert_eq!(fs::read(&file).expect("read"), kind.bad.as_bytes(), "the original must be intact");
    assert_no_temp_files(&root, "read-only file system");
}

#[test]
fn fix_on_a_full_disk_keeps_the_original() {
    let kind = &HTTPD;
    if !can_unshare_mounts() {
        common::note_skip(
            "fix_on_a_full_disk_keeps_the_original",
            "`unshare -rm` cannot mount a small tmpfs here (no user namespaces?)",
        );
        return;
    }
    let (_dir, root) = sandbox();
    let source = write(&root, "source.conf", kind.bad);
    let mnt = root.join("mnt");
    let out = root.join("out");
    fs::create_dir(&mnt).expect("mkdir mnt");
    fs::create_dir(&out).expect("mkdir out");
    // A 64 KiB tmpfs holding the file, then filled up with a filler file:
    // the temporary file conflint writes the fixed text to gets ENOSPC.
    let script = r#"
        mount -t tmpfs -o size=64k,mode=0755 tmpfs "$MNT" || exit 97
        mkdir "$MNT/apache2" && cp "$SRC" "$MNT/apache2/apache2.conf" || exit 97
        dd if=/dev/zero of="$MNT/filler" bs=1024 count=1024 2>/dev/null
        dd if=/dev/zero of="$MNT/apache2/.probe" bs=1024 count=1 2>/dev/null && exit 98
        rm -f "$MNT/apache2/.probe"
        cd "$MNT" || exit 97
        "$BIN" --fix apache2 >"$OUT/stdout" 2>"$OUT/stderr"
        echo $? >"$OUT/exit"
        ls -A "$MNT/apache2" >"$OUT/listing"
        cp "$MNT/apache2/apache2.conf" "$OUT/after"
    "#;
    let status = in_mount_namespace(script, &[("MNT", &mnt), ("SRC", &source), ("OUT", &out)]);
    assert!(status.success(), "setting up the full tmpfs failed: {status}");
    let code = read_to_string(&out.join("exit"));
    let stderr = read_to_string(&out.join("stderr"));
    assert_eq!(code.trim(), "2", "exit status\n{stderr}");
    assert_not_written(&stderr, kind.entry, "No space left on device (os error 28)");
    assert_eq!(read_to_string(&out.join("listing")), "apache2.conf\n", "no temporary file left on the full disk");
    assert_eq!(fs::read(out.join("after")).expect("read"), kind.bad.as_bytes(), "the original must be intact");
}

// ---------------------------------------------------------------------------
// A file changed on disk between reading and writing.
// ---------------------------------------------------------------------------

#[test]
fn write_atomically_refuses_a_stale_original() {
    use conflint_cli::write::{WriteError, write_atomically};
    let (_dir, root) = sandbox();
    let path = write(&root, "apache2/apache2.conf", "ServerTokens Full\n# edited by hand\n");
    let err = write_atomically(&path, b"ServerTokens OS\n", b"ServerTokens Prod\n").expect_err("must refuse");
    assert!(matches!(&err, WriteError::Changed { path: p } if *p == path), "{err:?}");
    assert_eq!(err.to_string(), format!("{}: not written: it changed on disk since conflint read it", path.display()));
    assert_eq!(fs::read(&path).expect("read"), b"ServerTokens Full\n# edited by hand\n");
    assert_no_temp_files(&root, "stale original");

    // Through a symlink, the target is compared.
    let link = root.join("apache2/link.conf");
    symlink("apache2.conf", &link).expect("symlink");
    let err = write_atomically(&link, b"ServerTokens OS\n", b"ServerTokens Prod\n").expect_err("must refuse");
    assert!(matches!(&err, WriteError::Changed { path: p } if *p == link), "{err:?}");
    assert_eq!(fs::read(&path).expect("read"), b"ServerTokens Full\n# edited by hand\n");
    assert!(fs::symlink_metadata(&link).expect("lstat").file_type().is_symlink());

    // A file that vanished is an I/O error naming the path, and nothing is created.
    let gone = root.join("apache2/gone.conf");
    let err = write_atomically(&gone, b"ServerTokens OS\n", b"ServerTokens Prod\n").expect_err("must fail");
    assert!(matches!(&err, WriteError::Io { path: p, .. } if *p == gone), "{err:?}");
    assert!(err.to_string().starts_with(&format!("{}: not written: ", gone.display())), "{err}");
    assert!(!gone.exists());
    assert_no_temp_files(&root, "vanished file");

    // And with the right original it writes.
    write_atomically(&path, b"ServerTokens Full\n# edited by hand\n", b"ServerTokens Prod\n# edited by hand\n")
        .expect("write");
    assert_eq!(fs::read(&path).expect("read"), b"ServerTokens Prod\n# edited by hand\n");
    assert_no_temp_files(&root, "good write");
}

/// The binary on 3,000 files: as soon as conflint has written the first
/// file (so it has read them all), the test edits the last one. conflint
/// must refuse to overwrite it and say so; every other file is fixed.
#[test]
fn fix_refuses_a_file_edited_while_it_runs() {
    let kind = &HTTPD;
    let _turn = heavy();
    let edited = "# edited by hand while conflint ran\nServerSignature EMail\n";
    let mut attempts = Vec::new();
    for n in [3000, 6000, 12000] {
        let (_dir, root) = sandbox();
        let files = fragment_tree(&root, kind, n);
        let (first, last) = (&files[0], &files[n - 1]);
        let mut child = spawn(&root, &["--fix", "apache2"], &root.join("run"));
        let start = Instant::now();
        while fs::read(first).expect("read first") != kind.fragment_fixed.as_bytes() {
            if start.elapsed() > Duration::from_secs(120) || child.try_wait().expect("wait").is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let last_before_edit = fs::read(last).expect("read last");
        fs::write(last, edited).expect("edit the last file");
        let status = common::wait_bounded(&mut child, Duration::from_secs(300), "fix while editing");
        let stderr = read_to_string(&root.join("run.stderr"));
        let rel = format!("{}/f{:05}.conf", kind.fragment_dir, n - 1);
        let refusal = format!("conflint: {rel}: not written: it changed on disk since conflint read it");
        let after = fs::read(last).expect("read last");
        assert_no_temp_files(&root, "edit while fixing");
        if stderr.contains(&refusal) {
            assert_eq!(stderr, format!("{refusal}\n"), "the only message is the refusal");
            assert_eq!(status.code(), Some(2), "exit status");
            assert_eq!(after, edited.as_bytes(), "the hand edit must survive");
            let states = states(kind, &files[..n - 1], "edit while fixing");
            assert!(states.iter().all(|s| *s == State::Fixed), "every other file is fixed");
            return;
        }
        // The race was lost: conflint wrote the last file before the edit
        // (then the edit is what is there), or between its check and its
        // rename (then its fix is). Either way there is no other message.
        assert_eq!(stderr, "", "no message when the edit came too late or too early");
        assert_eq!(status.code(), Some(0));
        assert!(after == edited.as_bytes() || after == kind.fragment_fixed.as_bytes());
        eprintln!("fix_refuses_a_file_edited_while_it_runs: race lost with {n} files, retrying");
        attempts.push(format!(
            "{n} files: last file {} when edited",
            if last_before_edit == kind.fragment_bad.as_bytes() { "still original" } else { "already fixed" }
        ));
    }
    panic!("could not edit a file between conflint's read and its write: {attempts:?}");
}

/// A file system whose files change after they are read `after` times:
/// another program rewriting the file while conflint fixes it.
struct ChangingFileSystem {
    inner: conflint_core::source::MemoryFileSystem,
    later: conflint_core::source::MemoryFileSystem,
    after: usize,
    reads: std::sync::atomic::AtomicUsize,
}

impl conflint_core::source::FileSystem for ChangingFileSystem {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        let n = self.reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if n < self.after { self.inner.read(path) } else { self.later.read(path) }
    }
    fn kind(&self, path: &Path) -> std::io::Result<conflint_core::source::EntryKind> {
        self.inner.kind(path)
    }
    fn read_dir(&self, path: &Path) -> std::io::Result<Vec<PathBuf>> {
        self.inner.read_dir(path)
    }
    fn identity(&self, path: &Path) -> conflint_core::source::FileIdentity {
        self.inner.identity(path)
    }
}

/// Deterministic form of the race above, through the library: the file is
/// rewritten (already fixed, by another conflint) right after the fixer
/// first read it. Whatever the fixer returns must be the fix of the bytes
/// it says it started from, so that the changed-on-disk check in
/// `write_atomically` protects the file.
#[test]
fn fix_applies_its_edits_to_the_bytes_it_read() {
    use conflint_core::source::MemoryFileSystem;
    use conflint_rules::fix::{FixOptions, fix_target};
    use conflint_rules::{Settings, Target};
    let kind = &HTTPD;
    let path = PathBuf::from("/etc/apache2/conf.d/site.conf");
    let mut before = MemoryFileSystem::new();
    before.insert(path.clone(), kind.fragment_bad);
    let mut after = MemoryFileSystem::new();
    after.insert(path.clone(), kind.fragment_fixed);
    for reads in 1..=4 {
        let fs = ChangingFileSystem {
            inner: before.clone(),
            later: after.clone(),
            after: reads,
            reads: std::sync::atomic::AtomicUsize::new(0),
        };
        let outcome = fix_target(
            &Target::fragment(conflint::FileKind::Httpd, path.clone()),
            &fs,
            &Settings::default(),
            &FixOptions::default(),
        );
        for file in &outcome.files {
            let show = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            assert!(
                file.original == kind.fragment_bad.as_bytes() && file.fixed == kind.fragment_fixed.as_bytes(),
                "file rewritten after {reads} read(s): fixed text {:?} from original {:?}",
                show(&file.fixed),
                show(&file.original)
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Interrupted runs.
// ---------------------------------------------------------------------------

/// SIGINT or SIGTERM at delays spread over a `--fix` run on 2,000 files:
/// afterwards no temporary file is left, every file is either original or
/// fully fixed, the tree parses, what conflint says about the interruption
/// is true, and a second `--fix` finishes the job.
#[test]
fn interrupted_fix_leaves_every_file_original_or_fixed() {
    let _turn = heavy();
    let kind = &HTTPD;
    let n = 2000;
    // Calibrate: how long a whole run takes here.
    let (_dir, root) = sandbox();
    let files = fragment_tree(&root, kind, n);
    let start = Instant::now();
    let run = conflint(&root, &["--fix", "apache2"]);
    let full = start.elapsed();
    assert_eq!(run.code, 0, "an uninterrupted run\n{}", run.stderr);
    assert!(states(kind, &files, "uninterrupted").iter().all(|s| *s == State::Fixed));
    drop(_dir);

    let mut outcomes = Vec::new();
    let mut mid_write = 0;
    let fractions = [0.0, 0.02, 0.1, 0.25, 0.4, 0.55, 0.7, 0.85];
    for (i, fraction) in fractions.iter().enumerate() {
        let signal = if i % 2 == 0 { libc::SIGINT } else { libc::SIGTERM };
        let signal_name = if signal == libc::SIGINT { "SIGINT" } else { "SIGTERM" };
        let delay = full.mul_f64(*fraction);
        let when = format!("{signal_name} after {delay:?}");
        let (_dir, root) = sandbox();
        let files = fragment_tree(&root, kind, n);
        let mut child = spawn(&root, &["--fix", "apache2"], &root.join("run"));
        std::thread::sleep(delay);
        // SAFETY: plain kill(2) on our own child.
        unsafe { libc::kill(child.id() as libc::pid_t, signal) };
        let status = common::wait_bounded(&mut child, Duration::from_secs(120), &when);
        let stderr = read_to_string(&root.join("run.stderr"));
        assert_no_temp_files(&root, &when);
        let seen = states(kind, &files, &when);
        let fixed = seen.iter().filter(|s| **s == State::Fixed).count();
        let lines: Vec<&str> = stderr.lines().collect();
        match (status.code(), status.signal()) {
            // Killed before the handlers were installed: nothing done yet.
            (None, Some(s)) if s == signal => {
                assert_eq!(fixed, 0, "{when}: killed by the signal, yet files were written");
                assert_eq!(stderr, "", "{when}");
            }
            // Stopped before writing anything: the process exits at once
            // (128 + the signal), without a word.
            (Some(code), _) if code == 128 + signal && stderr.is_empty() => {
                assert_eq!(fixed, 0, "{when}: exited before writing, yet {fixed} files were fixed");
            }
            (Some(code), _) if code == 128 + signal => {
                let last = lines.last().copied().unwrap_or_default();
                if last == "conflint: interrupted; nothing was written" {
                    assert_eq!(lines.len(), 1, "{when}: {stderr}");
                    assert_eq!(fixed, 0, "{when}: `nothing was written`, yet {fixed} files were fixed");
                } else {
                    let rest = last
                        .strip_prefix("conflint: interrupted; ")
                        .and_then(|r| r.strip_suffix(" and later files were not written"))
                        .unwrap_or_else(|| panic!("{when}: unexpected message:\n{stderr}"));
                    let index = files.iter().position(|f| f.ends_with(rest)).expect("a file of the tree");
                    assert_eq!(seen[index], State::Original, "{when}: {rest} was said to be not written");
                    // At most one file may have been stopped inside its write.
                    for line in &lines[..lines.len() - 1] {
                        let rel = line
                            .strip_prefix("conflint: ")
                            .and_then(|r| r.strip_suffix(": not written: interrupted"))
                            .unwrap_or_else(|| panic!("{when}: unexpected message:\n{stderr}"));
                        let index = files.iter().position(|f| f.ends_with(rel)).expect("a file of the tree");
                        assert_eq!(seen[index], State::Original, "{when}: {rel} was said to be not written");
                    }
                    assert!(lines.len() <= 2, "{when}: {stderr}");
                    if fixed > 0 && fixed < n {
                        mid_write += 1;
                    }
                }
            }
            // The signal came after the last write.
            (Some(0), _) => {
                assert_eq!(fixed, n, "{when}: a finished run fixed everything");
                assert_eq!(stderr, "", "{when}");
            }
            _ => panic!("{when}: unexpected exit {status}\n{stderr}"),
        }
        assert_tree_parses(&root, kind, &files, &when);
        outcomes.push(format!("{when}: {status}, {fixed}/{n} fixed"));
        if fixed > 0 && fixed < n && mid_write == 1 {
            // A second run finishes the job (checked once: it is slow).
            let again = conflint(&root, &["--fix", "apache2"]);
            assert_eq!(again.code, 0, "{when}: the second --fix\n{}", again.stderr);
            assert!(states(kind, &files, &when).iter().all(|s| *s == State::Fixed), "{when}: second --fix");
            assert_no_temp_files(&root, &when);
        }
    }
    eprintln!("interrupted runs (a whole run takes {full:?}): {outcomes:#?}");
    assert!(mid_write > 0, "no signal landed while conflint was writing: {outcomes:#?}");
}

// ---------------------------------------------------------------------------
// Two runs at once.
// ---------------------------------------------------------------------------

/// Each of two concurrent runs either writes a file or refuses it as
/// changed on disk; nothing else may go wrong.
fn assert_concurrent_run(status: ExitStatus, stderr: &str, kind: &Kind, when: &str) {
    for line in stderr.lines() {
        let ok = line
            .strip_prefix(&format!("conflint: {}/f", kind.fragment_dir))
            .and_then(|r| r.strip_suffix(".conf: not written: it changed on disk since conflint read it"))
            .is_some_and(|digits| digits.chars().all(|c| c.is_ascii_digit()));
        assert!(ok, "{when}: unexpected message: {line}\nwhole stderr:\n{stderr}");
    }
    let expected = if stderr.is_empty() { 0 } else { 2 };
    assert_eq!(status.code(), Some(expected), "{when}: exit status\n{stderr}");
}

/// Two `--fix` runs on one tree of `n` fragments, the second started with
/// the first or (`stagger`) once the first has begun writing. Fragments get
/// `padding` comment lines, which makes each file take longer to check and
/// so widens the window in which the runs meet on the same file.
fn two_runs_at_once(stagger: bool, n: usize, padding: usize) {
    let pad: String = (0..padding).map(|i| format!("# padding line {i}\n")).collect();
    let kind: &'static Kind = Box::leak(Box::new(Kind {
        fragment_bad: Box::leak(HTTPD.fragment_bad.replacen('\n', &format!("\n{pad}"), 1).into_boxed_str()),
        fragment_fixed: Box::leak(HTTPD.fragment_fixed.replacen('\n', &format!("\n{pad}"), 1).into_boxed_str()),
        ..HTTPD
    }));
    let when = if stagger { "second run started while the first writes" } else { "two runs started together" };
    let (_dir, root) = sandbox();
    let files = fragment_tree(&root, kind, n);
    let mut a = spawn(&root, &["--fix", "apache2"], &root.join("a"));
    if stagger {
        let start = Instant::now();
        while fs::read(&files[0]).expect("read") != kind.fragment_fixed.as_bytes()
            && start.elapsed() < Duration::from_secs(60)
            && a.try_wait().expect("wait").is_none()
        {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    let mut b = spawn(&root, &["--fix", "apache2"], &root.join("b"));
    let status_a = common::wait_bounded(&mut a, Duration::from_secs(300), when);
    let status_b = common::wait_bounded(&mut b, Duration::from_secs(300), when);
    assert_concurrent_run(status_a, &read_to_string(&root.join("a.stderr")), kind, &format!("{when} (first)"));
    assert_concurrent_run(status_b, &read_to_string(&root.join("b.stderr")), kind, &format!("{when} (second)"));
    assert_no_temp_files(&root, when);
    states(kind, &files, when);
    assert_tree_parses(&root, kind, &files, when);
    let again = conflint(&root, &["--fix", "apache2"]);
    assert_eq!(again.code, 0, "{when}: one more --fix\n{}", again.stderr);
    assert!(states(kind, &files, when).iter().all(|s| *s == State::Fixed), "{when}: one more --fix fixes all");
}

#[test]
fn two_fixes_started_together_leave_a_consistent_tree() {
    let _turn = heavy();
    two_runs_at_once(false, 3000, 0);
}

/// The second run reads files while the first writes them (and walks the
/// directory while the first has temporary files in it). Where the two
/// runs meet on one file is a matter of timing, so this tries three times.
#[test]
fn a_fix_started_while_another_writes_leaves_a_consistent_tree() {
    let _turn = heavy();
    for _ in 0..3 {
        two_runs_at_once(true, 2000, 200);
    }
}

// ---------------------------------------------------------------------------
// Mode, owner, symlinks, a file reached by two paths.
// ---------------------------------------------------------------------------

#[test]
fn fix_keeps_mode_and_owner() {
    let kind = &HTTPD;
    let (_dir, root) = sandbox();
    let file = write(&root, kind.entry, kind.bad);
    fs::set_permissions(&file, fs::Permissions::from_mode(0o640)).expect("chmod 0640");
    // As root, give the file to someone else: the fix must give it back.
    let (uid, gid) = if is_root() { (4242, 4343) } else { (unsafe { libc::geteuid() }, unsafe { libc::getegid() }) };
    std::os::unix::fs::chown(&file, Some(uid), Some(gid)).expect("chown");
    let run = conflint(&root, &["--fix", "apache2"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    assert_eq!(fs::read(&file).expect("read"), kind.fixed.as_bytes());
    let meta = fs::metadata(&file).expect("stat");
    assert_eq!(meta.mode() & 0o7777, 0o640, "mode");
    assert_eq!((meta.uid(), meta.gid()), (uid, gid), "owner");
    assert_no_temp_files(&root, "mode and owner");

    // Group-only and setgid bits survive too.
    let file2 = write(&root, "other/apache2/apache2.conf", kind.bad);
    fs::set_permissions(&file2, fs::Permissions::from_mode(0o2604)).expect("chmod");
    let run = conflint(&root, &["--fix", "other/apache2"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(fs::read(&file2).expect("read"), kind.fixed.as_bytes());
    assert_eq!(fs::metadata(&file2).expect("stat").mode() & 0o7777, 0o2604, "mode with setgid");
}

/// Debian's layout: sites-enabled/x.conf -> ../sites-available/x.conf,
/// included from apache2.conf. The link stays a link, its target is
/// written, with its mode.
#[test]
fn fix_writes_through_symlinks() {
    let (_dir, root) = sandbox();
    write(
        &root,
        "apache2/apache2.conf",
        "ServerTokens Prod\nServerSignature Off\nTraceEnable Off\nIncludeOptional sites-enabled/*.conf\n",
    );
    let site = "<VirtualHost *:80>\n    ServerName a.example\n    ServerSignature On\n</VirtualHost>\n";
    let target = write(&root, "apache2/sites-available/a.conf", site);
    fs::set_permissions(&target, fs::Permissions::from_mode(0o640)).expect("chmod");
    fs::create_dir_all(root.join("apache2/sites-enabled")).expect("mkdir");
    let link = root.join("apache2/sites-enabled/a.conf");
    symlink("../sites-available/a.conf", &link).expect("symlink");
    // A second link to a link.
    let link2 = root.join("apache2/sites-enabled/b.conf");
    symlink("a.conf", &link2).expect("symlink");
    let entry_before = fs::read(root.join("apache2/apache2.conf")).expect("read");

    // HT003 (no catch-all vhost) is not what this test is about.
    let run = conflint(&root, &["--fix", "--ignore", "HT003", "apache2"]);
    assert_eq!(run.stderr, "", "no error");
    assert_eq!(run.code, 0, "{}", run.stdout);
    let fixed = site.replace("ServerSignature On", "ServerSignature Off");
    assert_eq!(fs::read_to_string(&target).expect("read"), fixed);
    assert_eq!(fs::metadata(&target).expect("stat").mode() & 0o777, 0o640);
    for (path, to) in [(&link, "../sites-available/a.conf"), (&link2, "a.conf")] {
        let meta = fs::symlink_metadata(path).expect("lstat");
        assert!(meta.file_type().is_symlink(), "{} must stay a symlink", path.display());
        assert_eq!(fs::read_link(path).expect("readlink"), Path::new(to));
    }
    assert_eq!(fs::read(root.join("apache2/apache2.conf")).expect("read"), entry_before);
    assert_no_temp_files(&root, "symlinks");

    // A link (to a link) named on its own.
    fs::write(&target, site).expect("reset");
    let run = conflint(&root, &["--fix", "apache2/sites-enabled/b.conf"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_eq!(fs::read_to_string(&target).expect("read"), fixed);
    assert!(fs::symlink_metadata(&link2).expect("lstat").file_type().is_symlink());
    assert_no_temp_files(&root, "symlink named on its own");
}

/// The same file met twice in one run must be fixed once. `entry` is the
/// apache2.conf of the tree (none: the sites-* files are fragments), `paths`
/// what conflint is given.
fn fixed_once(case: &str, entry: Option<&str>, paths: &[&str]) {
    let (_dir, root) = sandbox();
    if let Some(entry) = entry {
        write(&root, "apache2/apache2.conf", entry);
    }
    let site = "<VirtualHost *:80>\n    ServerName a.example\n    ServerSignature On\n</VirtualHost>\n";
    let target = write(&root, "apache2/sites-available/a.conf", site);
    fs::create_dir_all(root.join("apache2/sites-enabled")).expect("mkdir");
    symlink("../sites-available/a.conf", root.join("apache2/sites-enabled/a.conf")).expect("symlink");
    let mut args = vec!["--fix", "--ignore", "HT003", "--format", "json"];
    args.extend_from_slice(paths);
    let run = conflint(&root, &args);
    assert_eq!(run.stderr, "", "{case}: no error");
    assert_eq!(run.code, 0, "{case}: exit status\n{}", run.stdout);
    assert_eq!(json(&run.stdout)["summary"]["fixed"], 1, "{case}: one fix, applied once\n{}", run.stdout);
    assert_eq!(fs::read_to_string(&target).expect("read"), site.replace("ServerSignature On", "ServerSignature Off"));
    assert!(fs::symlink_metadata(root.join("apache2/sites-enabled/a.conf")).expect("lstat").file_type().is_symlink());
    assert_no_temp_files(&root, case);
}

const DEBIAN_ENTRY: &str =
    "ServerTokens Prod\nServerSignature Off\nTraceEnable Off\nIncludeOptional sites-enabled/*.conf\n";

#[test]
fn a_site_included_through_a_symlink_is_fixed_once() {
    // The tree read from apache2.conf covers sites-available/a.conf (through
    // the link), so the walk does not check it again on its own.
    fixed_once("Debian tree", Some(DEBIAN_ENTRY), &["apache2"]);
}

#[test]
fn an_entry_named_twice_is_fixed_once() {
    fixed_once("the tree and its entry", Some(DEBIAN_ENTRY), &["apache2", "apache2/apache2.conf"]);
}

#[test]
fn a_symlinked_fragment_and_its_target_are_fixed_once() {
    fixed_once("walked symlink and its target", None, &["apache2"]);
}

#[test]
fn a_file_named_twice_is_fixed_once() {
    fixed_once("same file twice", None, &["apache2/sites-available/a.conf", "apache2/sites-available/a.conf"]);
    fixed_once("a link and its target", None, &["apache2/sites-enabled/a.conf", "apache2/sites-available/a.conf"]);
    fixed_once("directory and a file inside it", None, &["apache2", "apache2/sites-available/a.conf"]);
}

/// The fault tests above take their files from [`KINDS`]; make sure every
/// kind there really is bad, and that `--fix` gives the fixed text.
#[test]
fn every_kind_fixes_as_the_tests_expect() {
    for kind in KINDS {
        let (_dir, root) = sandbox();
        let file = write(&root, kind.entry, kind.bad);
        let top = kind.entry.split('/').next().expect("top directory");
        let run = conflint(&root, &["--format", "json", top]);
        assert_eq!(run.code, 1, "{}: {}", kind.entry, run.stderr);
        assert_eq!(codes(&json(&run.stdout)), kind.codes, "{}", kind.entry);
        let run = conflint(&root, &["--fix", top]);
        assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{}", kind.entry);
        assert_eq!(fs::read_to_string(&file).expect("read"), kind.fixed, "{}", kind.entry);
        let fragment = write(&root, &format!("{}/x.conf", kind.fragment_dir), kind.fragment_bad);
        let run = conflint(&root, &["--fix", fragment.to_str().expect("utf-8")]);
        assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{}", fragment.display());
        assert_eq!(fs::read_to_string(&fragment).expect("read"), kind.fragment_fixed);
    }
}
