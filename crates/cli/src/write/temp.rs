//! The names conflint gives a new file for the instant between linking it
//! into its directory and renaming it over the original, and the removal
//! of such names left by runs that were killed in that instant.
//!
//! A name is `.conflint-PID-N.tmp`: at most 40 bytes whatever the original
//! name's length, a leading dot (httpd's wildcard includes never match it,
//! and `ls` hides it), the suffix `.tmp` (not `.conf`, `.load` or `.ini`:
//! no httpd pattern, PHP scan directory or Debian `a2en*` tool picks it up),
//! and the pid of the run, so a later run can tell a dead run's leftover
//! from a live run's file.

use std::ffi::OsStr;
use std::io;
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use rustix::fs::{AtFlags, Mode, OFlags};
use rustix::io::Errno;

const PREFIX: &str = ".conflint-";
const SUFFIX: &str = ".tmp";

/// A leftover older than this is removed even when its pid is alive: a run
/// holds such a name for two system calls (a named fallback temporary file
/// for one file's write), so an old one belongs to a dead run whose pid
/// was reused.
pub const STALE_AFTER: Duration = Duration::from_secs(600);

static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// A fresh temporary name for this process: `.conflint-PID-N.tmp`.
pub(crate) fn next_temp_name() -> String {
    format!("{PREFIX}{}-{}{SUFFIX}", std::process::id(), SEQUENCE.fetch_add(1, Ordering::Relaxed))
}

/// The pid in a name of the form `.conflint-PID-N.tmp`.
pub fn temp_owner(name: &OsStr) -> Option<u32> {
    let rest = name.to_str()?.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    let (pid, sequence) = rest.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(pid) || !digits(sequence) {
        return None;
    }
    pid.parse().ok()
}

/// The temporary files of conflint before this writer: `.NAME.conflint-XXXXXX.tmp`
/// (six random letters or digits).
fn is_legacy_temp(name: &OsStr) -> bool {
    let bytes = name.as_bytes();
    let Some(rest) = bytes.strip_suffix(SUFFIX.as_bytes()) else { return false };
    let Some(random) = rest.len().checked_sub(6).map(|at| &rest[at..]) else { return false };
    let head = &rest[..rest.len() - 6];
    bytes.first() == Some(&b'.') && head.ends_with(b".conflint-") && random.iter().all(u8::is_ascii_alphanumeric)
}

/// Whether a directory entry is a temporary file of conflint (this
/// version's `.conflint-PID-N.tmp` or an older version's
/// `.NAME.conflint-XXXXXX.tmp`): discovery must neither read nor fix one.
pub fn is_conflint_temp(name: &OsStr) -> bool {
    temp_owner(name).is_some() || is_legacy_temp(name)
}

/// What [`cleanup_stale_temps`] did.
#[derive(Debug, Default)]
pub struct Cleanup {
    /// Leftovers removed (they no longer exist).
    pub removed: Vec<PathBuf>,
    /// Leftovers that could not be removed, and why (they still exist).
    pub failed: Vec<(PathBuf, io::Error)>,
}

/// Whether process `pid` is gone. `EPERM` (another user's live process)
/// and errors count as alive.
fn is_dead(pid: u32) -> bool {
    let Some(pid) = i32::try_from(pid).ok().and_then(rustix::process::Pid::from_raw) else {
        return false;
    };
    matches!(rustix::process::test_kill_process(pid), Err(Errno::SRCH))
}

/// Remove from `dir` (not below it) the temporary files of conflint runs
/// that died (SIGKILL, power loss) between linking a new file into the
/// directory and renaming it over the original: a `.conflint-PID-N.tmp`
/// whose pid is not alive, or that is older than [`STALE_AFTER`], and an
/// older version's `.NAME.conflint-XXXXXX.tmp` older than that. This
/// process's own names are never touched. Directories and other entries
/// are left alone. Only opening or reading `dir` fails the call.
pub fn cleanup_stale_temps(dir: &Path) -> io::Result<Cleanup> {
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let fd = rustix::fs::openat(rustix::fs::CWD, dir, flags, Mode::empty())?;
    let mut cleanup = Cleanup::default();
    let me = std::process::id();
    let now = SystemTime::now();
    let mut entries = rustix::fs::Dir::read_from(&fd)?;
    while let Some(entry) = entries.read() {
        let entry = entry?;
        let name = OsStr::from_bytes(entry.file_name().to_bytes());
        let owner = temp_owner(name);
        if (owner.is_none() && !is_legacy_temp(name)) || owner == Some(me) {
            continue;
        }
        let Ok(facts) = super::sys::facts_at(fd.as_fd(), name) else { continue };
        if facts.is_dir() {
            continue;
        }
        let modified = SystemTime::UNIX_EPOCH
            + Duration::from_secs(u64::try_from(facts.mtime.0).unwrap_or(0))
            + Duration::from_nanos(u64::try_from(facts.mtime.1).unwrap_or(0));
        let old = now.duration_since(modified).is_ok_and(|age| age > STALE_AFTER);
        if !(old || owner.is_some_and(is_dead)) {
            continue;
        }
        let path = dir.join(name);
        match rustix::fs::unlinkat(&fd, name, AtFlags::empty()) {
            Ok(()) => cleanup.removed.push(path),
            Err(Errno::NOENT) => {}
            Err(e) => cleanup.failed.push((path, e.into())),
        }
    }
    Ok(cleanup)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_are_short_hidden_and_recognised() {
        let name = next_temp_name();
        assert!(name.starts_with(".conflint-") && name.ends_with(".tmp"), "{name}");
        assert!(name.len() <= 40, "{name}");
        assert_eq!(temp_owner(OsStr::new(&name)), Some(std::process::id()));
        assert!(is_conflint_temp(OsStr::new(&name)));
        assert_ne!(next_temp_name(), name);
        for legacy in [".httpd.conf.conflint-a1B2c3.tmp", ".x.conflint-000000.tmp"] {
            assert!(is_conflint_temp(OsStr::new(legacy)), "{legacy}");
            assert_eq!(temp_owner(OsStr::new(legacy)), None);
        }
        for other in [
            "httpd.conf",
            ".conflint-12-3.conf",
            "conflint-12-3.tmp",
            ".conflint-12.tmp",
            ".conflint--3.tmp",
            ".conflint-1x-3.tmp",
            ".conflint-a1B2c3.tmp.conf",
            ".x.conflint-a1B2.tmp",
            "x.conflint-a1B2c3.tmp",
        ] {
            assert!(!is_conflint_temp(OsStr::new(other)), "{other}");
        }
    }

    #[test]
    fn cleanup_removes_only_dead_runs_leftovers() {
        let dir = tempfile::tempdir().expect("tempdir");
        // A pid that is certainly dead: a child that exited and was reaped.
        let mut child = std::process::Command::new("true").spawn().expect("spawn true");
        let dead = child.id();
        child.wait().expect("wait");
        let dead_name = format!(".conflint-{dead}-7.tmp");
        let mine = next_temp_name();
        let parent = format!(".conflint-{}-1.tmp", std::os::unix::process::parent_id());
        for name in [&dead_name, &mine, &parent, &"site.conf".to_string(), &".hidden.tmp".to_string()] {
            std::fs::write(dir.path().join(name), "x").expect("write");
        }
        std::fs::create_dir(dir.path().join(format!(".conflint-{dead}-8.tmp"))).expect("mkdir");
        let cleanup = cleanup_stale_temps(dir.path()).expect("cleanup");
        assert_eq!(cleanup.removed, vec![dir.path().join(&dead_name)]);
        assert!(cleanup.failed.is_empty());
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .expect("read_dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let mut expected =
            vec![mine, parent, "site.conf".into(), ".hidden.tmp".into(), format!(".conflint-{dead}-8.tmp")];
        expected.sort();
        assert_eq!(left, expected);
    }
}
