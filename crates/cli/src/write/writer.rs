//! The write itself: the directory opened again and checked, the original
//! locked, a new file prepared by descriptor, the last checks, then link
//! and rename; or, when replacing would lose something and the caller
//! allows it, an in-place rewrite.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::{FileExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rustix::fs::{AtFlags, Mode, OFlags};
use rustix::io::Errno;

use super::read::ReadFile;
use super::sys::{self, Facts, LockError};
use super::temp::next_temp_name;
use super::{WriteError, resolve, signals};

/// How the new file is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TempFile {
    /// `O_TMPFILE`: no name until it is complete (falls back to
    /// [`TempFile::Named`] where the file system has no `O_TMPFILE`).
    #[default]
    Anonymous,
    /// Created as `.conflint-PID-N.tmp` and written under that name.
    Named,
}

/// How a [`Writer`] writes.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    /// Rewrite a file in place (not atomic) when replacing it would split
    /// its hard links, change its owner or lose an extended attribute, or
    /// when its directory is not writable; otherwise such a file is refused.
    pub in_place_when_needed: bool,
    /// How long to retry a lock another program holds on the file.
    pub lock_wait: Duration,
    /// How the new file is created.
    pub temp_file: TempFile,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions { in_place_when_needed: false, lock_wait: Duration::from_secs(2), temp_file: TempFile::Anonymous }
    }
}

/// Why a file was rewritten in place rather than replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InPlaceReason {
    /// It has this many hard links.
    HardLinks(u64),
    /// A new file could not be given its owner and group.
    OwnerNotKept,
    /// An extended attribute could not be copied to a new file.
    AttributeNotKept,
    /// No new file can be created in its directory.
    DirectoryNotWritable,
}

/// How a file was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// A new file was renamed over it (atomic).
    Replaced,
    /// It was rewritten in place (not atomic), for this reason.
    InPlace(InPlaceReason),
}

/// At most this many directories wait for their `fsync`; past it, a
/// directory is synced right after its write (an open descriptor each).
const MAX_PENDING_DIRS: usize = 256;

struct PendingDir {
    identity: (u64, u64),
    fd: OwnedFd,
    path: PathBuf,
}

/// Writes fixed files (in parallel if wanted: it is `Sync`), each atomic
/// and `fsync`ed, and syncs each directory written into once, in
/// [`Writer::finish`] (or when dropped, ignoring errors).
pub struct Writer {
    options: WriteOptions,
    pending: Mutex<Vec<PendingDir>>,
}

/// Why replacing did not happen.
enum Step {
    /// Refuse with this error.
    Fail(WriteError),
    /// Replacing would lose something (or cannot be done): refuse, or write
    /// in place if allowed.
    Cannot(Unreplaceable),
}

enum Unreplaceable {
    HardLinks(u64),
    Owner { uid: u32, gid: u32 },
    Attribute(sys::XattrError),
    DirectoryNotWritable(io::Error),
}

impl Unreplaceable {
    fn reason(&self) -> InPlaceReason {
        match self {
            Unreplaceable::HardLinks(links) => InPlaceReason::HardLinks(*links),
            Unreplaceable::Owner { .. } => InPlaceReason::OwnerNotKept,
            Unreplaceable::Attribute(_) => InPlaceReason::AttributeNotKept,
            Unreplaceable::DirectoryNotWritable(_) => InPlaceReason::DirectoryNotWritable,
        }
    }

    fn into_error(self, path: &Path) -> WriteError {
        let path = path.to_path_buf();
        match self {
            Unreplaceable::HardLinks(links) => WriteError::HardLinked { path, links },
            Unreplaceable::Owner { uid, gid } => WriteError::OwnerNotKept { path, uid, gid },
            Unreplaceable::Attribute(e) => WriteError::AttributeNotKept { path, attribute: e.name, source: e.source },
            Unreplaceable::DirectoryNotWritable(source) => WriteError::Io { path, source },
        }
    }
}

/// One file being written: what was read, the open directory, the open
/// (locked) original, and its `fstat` once locked.
struct Target<'a> {
    file: &'a ReadFile,
    dir: &'a OwnedFd,
    original: &'a File,
    locked: Facts,
}

impl Target<'_> {
    fn path(&self) -> PathBuf {
        self.file.path.clone()
    }

    fn name(&self) -> &OsStr {
        &self.file.stamp.name
    }

    fn io(&self, source: impl Into<io::Error>) -> WriteError {
        WriteError::Io { path: self.path(), source: source.into() }
    }

    fn changed(&self) -> WriteError {
        WriteError::Changed { path: self.path() }
    }
}

/// The new file. A named one is unlinked when dropped, unless it was
/// renamed into place (`name` taken) or someone renamed over it (then the
/// name is not ours to remove).
struct NewFile<'d> {
    file: File,
    dir: &'d OwnedFd,
    name: Option<String>,
}

impl Drop for NewFile<'_> {
    fn drop(&mut self) {
        if let Some(name) = self.name.take() {
            let _ = rustix::fs::unlinkat(self.dir, name.as_str(), AtFlags::empty());
        }
    }
}

/// Create the new file in `dir`: anonymous (`O_TMPFILE`) if asked and
/// possible, else under a fresh `.conflint-PID-N.tmp` name.
fn create_new_file(dir: &OwnedFd, how: TempFile) -> io::Result<NewFile<'_>> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if how == TempFile::Anonymous {
        let flags = OFlags::WRONLY | OFlags::TMPFILE | OFlags::CLOEXEC;
        match rustix::fs::openat(dir, ".", flags, Mode::from_raw_mode(0o600)) {
            Ok(fd) => return Ok(NewFile { file: File::from(fd), dir, name: None }),
            // No O_TMPFILE in this kernel (EISDIR) or file system (EOPNOTSUPP).
            Err(Errno::ISDIR) | Err(Errno::OPNOTSUPP) => {}
            Err(e) => return Err(e.into()),
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let _ = how;
    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    for _ in 0..64 {
        let name = next_temp_name();
        match rustix::fs::openat(dir, name.as_str(), flags, Mode::from_raw_mode(0o600)) {
            Ok(fd) => return Ok(NewFile { file: File::from(fd), dir, name: Some(name) }),
            Err(Errno::EXIST) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(Errno::EXIST.into())
}

/// Why an anonymous new file got no name.
enum LinkError {
    /// Neither `AT_EMPTY_PATH` nor `/proc/self/fd` may be used here: write
    /// a named file instead.
    Unavailable,
    Io(io::Error),
}

/// Give the anonymous `file` a fresh temporary name in `dir`.
fn link_anonymous(file: &File, dir: &OwnedFd) -> Result<String, LinkError> {
    for _ in 0..64 {
        let name = next_temp_name();
        match rustix::fs::linkat(file, "", dir, name.as_str(), AtFlags::EMPTY_PATH) {
            Ok(()) => return Ok(name),
            Err(Errno::EXIST) => continue,
            // AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH before Linux 6.10;
            // linking /proc/self/fd/N works for anyone, where /proc is.
            Err(Errno::NOENT) | Err(Errno::PERM) => {
                let by_proc = format!("/proc/self/fd/{}", file.as_raw_fd());
                match rustix::fs::linkat(rustix::fs::CWD, by_proc.as_str(), dir, name.as_str(), AtFlags::SYMLINK_FOLLOW)
                {
                    Ok(()) => return Ok(name),
                    Err(Errno::EXIST) => continue,
                    Err(Errno::NOENT) | Err(Errno::PERM) | Err(Errno::ACCESS) => return Err(LinkError::Unavailable),
                    Err(e) => return Err(LinkError::Io(e.into())),
                }
            }
            Err(e) => return Err(LinkError::Io(e.into())),
        }
    }
    Err(LinkError::Io(Errno::EXIST.into()))
}

/// Whether `file` holds exactly `expected`, read from offset 0 in chunks.
fn same_content(file: &File, expected: &[u8]) -> io::Result<bool> {
    let mut buffer = vec![0u8; 64 * 1024];
    let mut offset = 0usize;
    loop {
        let n = match file.read_at(&mut buffer, offset as u64) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(offset == expected.len());
        }
        match expected.get(offset..offset + n) {
            Some(part) if part == &buffer[..n] => offset += n,
            _ => return Ok(false),
        }
    }
}

impl Writer {
    /// A writer with these options.
    pub fn new(options: WriteOptions) -> Writer {
        Writer { options, pending: Mutex::new(Vec::new()) }
    }

    /// Its options.
    pub fn options(&self) -> &WriteOptions {
        &self.options
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Vec<PendingDir>> {
        self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Write `fixed` over the file `file` was read from, if it is still
    /// the file that was read, in the directory it was read from. The new
    /// file is `fsync`ed before its rename; its directory is synced by
    /// [`Writer::finish`].
    pub fn write(&self, file: &ReadFile, fixed: &[u8]) -> Result<Written, WriteError> {
        let path = || file.path.clone();
        let stamp = &file.stamp;
        let io = |source: io::Error| WriteError::Io { path: path(), source };
        if signals::interrupted() {
            return Err(WriteError::Interrupted { path: path() });
        }
        // A path through a symlink must still lead to the file read.
        if stamp.via_symlink {
            match resolve::real_location(&file.path) {
                Ok(real) if real == stamp.real_path() => {}
                Ok(_) => return Err(WriteError::Changed { path: path() }),
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(WriteError::Changed { path: path() }),
                Err(e) => return Err(io(e)),
            }
        }
        let moved = || WriteError::DirectoryChanged { path: path(), dir: stamp.dir.clone() };
        let dir = match sys::open_dir_nofollow(&stamp.dir) {
            Ok(dir) => dir,
            Err(e) if sys::is_symlink_in_the_way(&e) || e.kind() == io::ErrorKind::NotFound => return Err(moved()),
            Err(e) => return Err(io(e)),
        };
        let dir_facts = sys::facts(&dir).map_err(io)?;
        if dir_facts.identity() != (stamp.dir_dev, stamp.dir_ino) {
            return Err(moved());
        }
        let original = match sys::open_in(&dir, &stamp.name, false) {
            Ok(fd) => File::from(fd),
            Err(e) if e.kind() == io::ErrorKind::NotFound || sys::is_symlink_in_the_way(&e) => {
                return Err(WriteError::Changed { path: path() });
            }
            Err(e) => return Err(io(e)),
        };
        let opened = sys::facts(&original).map_err(io)?;
        if opened.identity() != (stamp.dev, stamp.ino) || !opened.is_file() {
            return Err(WriteError::Changed { path: path() });
        }
        match sys::lock_exclusive(&original, self.options.lock_wait) {
            Ok(()) => {}
            Err(LockError::Busy) => return Err(WriteError::Locked { path: path(), waited: self.options.lock_wait }),
            Err(LockError::Interrupted) => return Err(WriteError::Interrupted { path: path() }),
            Err(LockError::Io(e)) => return Err(io(e)),
        }
        // The lock may have been granted on a file renamed away while we
        // waited: the checks before the rename compare with `locked`.
        let locked = sys::facts(&original).map_err(io)?;
        let target = Target { file, dir: &dir, original: &original, locked };
        let outcome = if locked.nlink > 1 {
            Err(Step::Cannot(Unreplaceable::HardLinks(locked.nlink)))
        } else {
            self.replace(&target, fixed)
        };
        match outcome {
            Ok(()) => {
                drop(original);
                self.sync_later(dir, dir_facts.identity(), &stamp.dir)?;
                Ok(Written::Replaced)
            }
            Err(Step::Fail(error)) => Err(error),
            Err(Step::Cannot(why)) if self.options.in_place_when_needed => self.in_place(&target, fixed, why.reason()),
            Err(Step::Cannot(why)) => Err(why.into_error(&file.path)),
        }
    }

    /// Replace the original with a new file holding `fixed`.
    fn replace(&self, t: &Target<'_>, fixed: &[u8]) -> Result<(), Step> {
        let mut how = self.options.temp_file;
        loop {
            let mut new = match create_new_file(t.dir, how) {
                Ok(new) => new,
                Err(e) if matches!(e.raw_os_error(), Some(libc::EACCES) | Some(libc::EPERM)) => {
                    return Err(Step::Cannot(Unreplaceable::DirectoryNotWritable(e)));
                }
                Err(e) => return Err(Step::Fail(t.io(e))),
            };
            self.prepare(t, &new.file, fixed)?;
            self.verify(t).map_err(Step::Fail)?;
            if signals::interrupted() {
                return Err(Step::Fail(WriteError::Interrupted { path: t.path() }));
            }
            match self.put_in_place(t, &mut new) {
                Ok(()) => return Ok(()),
                Err(Placing::NoLink) => {
                    how = TempFile::Named;
                    continue;
                }
                Err(Placing::Fail(error)) => return Err(Step::Fail(error)),
            }
        }
    }

    /// Give the new file its content, owner, extended attributes and mode,
    /// all by descriptor, and `fsync` it.
    fn prepare(&self, t: &Target<'_>, new: &File, fixed: &[u8]) -> Result<(), Step> {
        let fail = |e: io::Error| Step::Fail(t.io(e));
        let created = sys::facts(new).map_err(fail)?;
        let (uid, gid) = (t.locked.uid, t.locked.gid);
        if (created.uid, created.gid) != (uid, gid) {
            match std::os::unix::fs::fchown(new, Some(uid), Some(gid)) {
                Ok(()) => {}
                Err(e) if matches!(e.raw_os_error(), Some(libc::EPERM) | Some(libc::EINVAL)) => {
                    return Err(Step::Cannot(Unreplaceable::Owner { uid, gid }));
                }
                Err(e) => return Err(fail(e)),
            }
        }
        let mut writer = new;
        writer.write_all(fixed).map_err(fail)?;
        sys::copy_xattrs(t.original, new).map_err(|e| Step::Cannot(Unreplaceable::Attribute(e)))?;
        // After fchown (which clears setuid/setgid) and the ACL (whose mask
        // is the group bits): the original's bits exactly.
        new.set_permissions(std::fs::Permissions::from_mode(t.locked.permissions())).map_err(fail)?;
        new.sync_all().map_err(fail)
    }

    /// The last checks, under the lock, right before the rename: the name
    /// still names the file read, which has its size, modification time,
    /// status-change time (as locked) and content.
    fn verify(&self, t: &Target<'_>) -> Result<(), WriteError> {
        let stamp = &t.file.stamp;
        let now = sys::facts(t.original).map_err(|e| t.io(e))?;
        if now.identity() != (stamp.dev, stamp.ino)
            || now.size != stamp.size
            || now.mtime != stamp.mtime
            || now.ctime != t.locked.ctime
        {
            return Err(t.changed());
        }
        if !same_content(t.original, &t.file.bytes).map_err(|e| t.io(e))? {
            return Err(t.changed());
        }
        match sys::facts_at(t.dir, t.name()) {
            Ok(named) if named.identity() == (stamp.dev, stamp.ino) => Ok(()),
            Ok(_) => Err(t.changed()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(t.changed()),
            Err(e) => Err(t.io(e)),
        }
    }

    /// Link the new file under its temporary name (if it has none yet) and
    /// rename it over the original, then check the name names it.
    fn put_in_place(&self, t: &Target<'_>, new: &mut NewFile<'_>) -> Result<(), Placing> {
        let fail = |e: io::Error| Placing::Fail(t.io(e));
        let ours = sys::facts(&new.file).map_err(fail)?;
        if new.name.is_none() {
            match link_anonymous(&new.file, t.dir) {
                Ok(name) => new.name = Some(name),
                Err(LinkError::Unavailable) => return Err(Placing::NoLink),
                Err(LinkError::Io(e)) => return Err(fail(e)),
            }
        }
        let Some(name) = new.name.clone() else { return Err(Placing::NoLink) };
        // A named new file sat in the directory while it was written:
        // someone may have renamed something else over it.
        match sys::facts_at(t.dir, OsStr::new(&name)) {
            Ok(named) if named.identity() == ours.identity() => {}
            _ => {
                new.name = None;
                return Err(Placing::Fail(WriteError::Raced { path: t.path() }));
            }
        }
        rustix::fs::renameat(t.dir, name.as_str(), t.dir, t.name()).map_err(|e| fail(e.into()))?;
        new.name = None;
        match sys::facts_at(t.dir, t.name()) {
            Ok(named) if named.identity() == ours.identity() => Ok(()),
            _ => Err(Placing::Fail(WriteError::ReplacedAfterWrite { path: t.path() })),
        }
    }

    /// Rewrite the original in place, under the lock, after the same checks.
    fn in_place(&self, t: &Target<'_>, fixed: &[u8], reason: InPlaceReason) -> Result<Written, WriteError> {
        let file = File::from(sys::open_in(t.dir, t.name(), true).map_err(|e| t.io(e))?);
        if sys::facts(&file).map_err(|e| t.io(e))?.identity() != t.locked.identity() {
            return Err(t.changed());
        }
        self.verify(t)?;
        if signals::interrupted() {
            return Err(WriteError::Interrupted { path: t.path() });
        }
        file.write_all_at(fixed, 0).map_err(|e| t.io(e))?;
        file.set_len(fixed.len() as u64).map_err(|e| t.io(e))?;
        file.sync_all().map_err(|e| t.io(e))?;
        Ok(Written::InPlace(reason))
    }

    /// Remember `dir` for [`Writer::finish`] (once per directory).
    fn sync_later(&self, dir: OwnedFd, identity: (u64, u64), path: &Path) -> Result<(), WriteError> {
        let mut pending = self.pending();
        if pending.iter().any(|p| p.identity == identity) {
            return Ok(());
        }
        if pending.len() >= MAX_PENDING_DIRS {
            drop(pending);
            return rustix::fs::fsync(&dir).map_err(|e| WriteError::Sync { dir: path.to_path_buf(), source: e.into() });
        }
        pending.push(PendingDir { identity, fd: dir, path: path.to_path_buf() });
        Ok(())
    }

    /// `fsync` every directory written into since the last call; the
    /// errors, one per directory that failed.
    pub fn sync_directories(&self) -> Vec<WriteError> {
        let pending = std::mem::take(&mut *self.pending());
        pending
            .into_iter()
            .filter_map(|p| rustix::fs::fsync(&p.fd).err().map(|e| WriteError::Sync { dir: p.path, source: e.into() }))
            .collect()
    }

    /// [`Writer::sync_directories`], for the end of a run.
    pub fn finish(self) -> Vec<WriteError> {
        self.sync_directories()
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        let _ = self.sync_directories();
    }
}

/// Why the new file was not put in place.
enum Placing {
    /// It could not be linked: start again with a named file.
    NoLink,
    Fail(WriteError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write::read_for_fix;

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("read_dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_through_a_symlink_keeping_mode_and_the_link() {
        for how in [TempFile::Anonymous, TempFile::Named] {
            let dir = tempfile::tempdir().expect("tempdir");
            let target = dir.path().join("available.conf");
            let link = dir.path().join("enabled.conf");
            std::fs::write(&target, "ServerSignature On\n").expect("write");
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).expect("chmod");
            std::os::unix::fs::symlink("available.conf", &link).expect("symlink");
            let writer = Writer::new(WriteOptions { temp_file: how, ..WriteOptions::default() });
            let read = read_for_fix(&link).expect("read");
            assert_eq!(writer.write(&read, b"ServerSignature Off\n").expect("write"), Written::Replaced);
            assert!(writer.finish().is_empty());
            assert_eq!(std::fs::read(&target).expect("read"), b"ServerSignature Off\n");
            assert!(std::fs::symlink_metadata(&link).expect("lstat").file_type().is_symlink());
            assert_eq!(std::fs::metadata(&target).expect("stat").permissions().mode() & 0o7777, 0o640);
            assert_eq!(listing(dir.path()), ["available.conf", "enabled.conf"], "{how:?}");
        }
    }

    #[test]
    fn refuses_a_file_changed_or_removed_since_the_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("httpd.conf");
        std::fs::write(&file, "original\n").expect("write");
        let writer = Writer::new(WriteOptions::default());
        let read = read_for_fix(&file).expect("read");
        std::fs::write(&file, "changed by someone else\n").expect("write");
        let err = writer.write(&read, b"fixed\n").expect_err("changed");
        assert!(matches!(err, WriteError::Changed { .. }), "{err:?}");
        assert_eq!(std::fs::read(&file).expect("read"), b"changed by someone else\n");
        let read = read_for_fix(&file).expect("read");
        std::fs::remove_file(&file).expect("rm");
        std::fs::write(&file, "changed by someone else\n").expect("write a new file of the same name");
        assert!(matches!(writer.write(&read, b"fixed\n"), Err(WriteError::Changed { .. })), "a new inode");
        std::fs::remove_file(&file).expect("rm");
        assert!(matches!(writer.write(&read, b"fixed\n"), Err(WriteError::Changed { .. })), "removed");
        assert!(listing(dir.path()).is_empty());
    }

    #[test]
    fn syncs_each_directory_once_at_the_end() {
        let dir = tempfile::tempdir().expect("tempdir");
        let writer = Writer::new(WriteOptions::default());
        for sub in ["a", "b"] {
            std::fs::create_dir(dir.path().join(sub)).expect("mkdir");
            for n in 0..3 {
                let file = dir.path().join(sub).join(format!("{n}.conf"));
                std::fs::write(&file, "x\n").expect("write");
                let read = read_for_fix(&file).expect("read");
                writer.write(&read, b"y\n").expect("write");
            }
        }
        assert_eq!(writer.pending().len(), 2, "one pending fsync per directory");
        assert!(writer.sync_directories().is_empty());
        assert!(writer.pending().is_empty());
    }
}
