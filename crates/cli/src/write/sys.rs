//! The system calls the writer is made of, by descriptor: directories opened
//! without following symlinks, files opened relative to them, `fstat`
//! facts, `flock`, and extended attributes (ACLs included) copied from one
//! descriptor to another.

use std::ffi::{CString, OsStr};
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Component, Path};
use std::time::{Duration, Instant};

use rustix::fs::{AtFlags, FileType, FlockOperation, Mode, OFlags, XattrFlags};
use rustix::io::Errno;

/// What `fstat` says of a file, in fixed-width types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Facts {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    pub mtime: (i64, i64),
    pub ctime: (i64, i64),
    pub nlink: u64,
    pub uid: u32,
    pub gid: u32,
    /// The whole `st_mode`, type bits included.
    pub mode: u32,
}

impl Facts {
    /// Whether this is a regular file.
    pub(super) fn is_file(&self) -> bool {
        FileType::from_raw_mode(self.mode) == FileType::RegularFile
    }

    /// Whether this is a directory.
    pub(super) fn is_dir(&self) -> bool {
        FileType::from_raw_mode(self.mode) == FileType::Directory
    }

    /// The permission bits (with setuid, setgid and sticky).
    pub(super) fn permissions(&self) -> u32 {
        self.mode & 0o7777
    }

    /// Device and inode.
    pub(super) fn identity(&self) -> (u64, u64) {
        (self.dev, self.ino)
    }
}

// The field types of `struct stat` differ between architectures (`c_ulong`
// here, `u32` there); the casts make them one width, and are no-ops on some.
#[allow(clippy::unnecessary_cast)]
fn facts_of(st: &rustix::fs::Stat) -> Facts {
    Facts {
        dev: st.st_dev as u64,
        ino: st.st_ino as u64,
        size: st.st_size as u64,
        mtime: (st.st_mtime as i64, st.st_mtime_nsec as i64),
        ctime: (st.st_ctime as i64, st.st_ctime_nsec as i64),
        nlink: st.st_nlink as u64,
        uid: st.st_uid as u32,
        gid: st.st_gid as u32,
        mode: st.st_mode as u32,
    }
}

/// `fstat` of an open file or directory.
pub(crate) fn facts(fd: impl AsFd) -> io::Result<Facts> {
    Ok(facts_of(&rustix::fs::fstat(fd)?))
}

/// `fstatat(dir, name, AT_SYMLINK_NOFOLLOW)`: what `name` is in `dir` now.
pub(crate) fn facts_at(dir: impl AsFd, name: &OsStr) -> io::Result<Facts> {
    Ok(facts_of(&rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)?))
}

/// Whether an error from opening a directory without following symlinks
/// means a symlink (or a non-directory) is in the way: `ELOOP` from
/// `openat2(RESOLVE_NO_SYMLINKS)` or `O_NOFOLLOW`, `ENOTDIR` from
/// `O_DIRECTORY|O_NOFOLLOW` on a symlink.
pub(crate) fn is_symlink_in_the_way(error: &io::Error) -> bool {
    matches!(error.raw_os_error(), Some(code) if code == libc::ELOOP || code == libc::ENOTDIR)
}

const DIR_FLAGS: OFlags = OFlags::RDONLY.union(OFlags::DIRECTORY).union(OFlags::CLOEXEC);

/// Open the directory `path` for `openat`, `renameat`, `linkat` and
/// `fsync`, refusing a symlink anywhere on the way: `openat2` with
/// `RESOLVE_NO_SYMLINKS` where the kernel has it (Linux 5.6), else one
/// `openat(O_DIRECTORY|O_NOFOLLOW)` per component. A symlink on the way is
/// `ELOOP` or `ENOTDIR` (see [`is_symlink_in_the_way`]).
pub(crate) fn open_dir_nofollow(path: &Path) -> io::Result<OwnedFd> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::fs::ResolveFlags;
        let resolve = ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS;
        match rustix::fs::openat2(rustix::fs::CWD, path, DIR_FLAGS, Mode::empty(), resolve) {
            Ok(fd) => return Ok(fd),
            // No openat2 (kernel before 5.6), or a seccomp filter that
            // refuses it (older container runtimes answer EPERM): walk.
            Err(Errno::NOSYS) | Err(Errno::PERM) => {}
            Err(e) => return Err(e.into()),
        }
    }
    open_dir_walk(path)
}

/// [`open_dir_nofollow`] without `openat2`: one component at a time.
pub(crate) fn open_dir_walk(path: &Path) -> io::Result<OwnedFd> {
    let start = if path.is_absolute() { "/" } else { "." };
    let mut dir = rustix::fs::openat(rustix::fs::CWD, start, DIR_FLAGS, Mode::empty())?;
    for component in path.components() {
        let name: &OsStr = match component {
            Component::RootDir | Component::CurDir => continue,
            Component::ParentDir => OsStr::new(".."),
            Component::Normal(name) => name,
            Component::Prefix(_) => return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a Unix path")),
        };
        dir = rustix::fs::openat(&dir, name, DIR_FLAGS | OFlags::NOFOLLOW, Mode::empty())?;
    }
    Ok(dir)
}

/// Flags for opening an existing file in a directory: never through a
/// symlink, never blocking on a FIFO, never becoming a controlling tty.
pub(crate) fn file_flags(write: bool) -> OFlags {
    let access = if write { OFlags::RDWR } else { OFlags::RDONLY };
    access | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC
}

/// Open `name` in `dir` without following a symlink.
pub(crate) fn open_in(dir: impl AsFd, name: &OsStr, write: bool) -> io::Result<OwnedFd> {
    Ok(rustix::fs::openat(dir, name, file_flags(write), Mode::empty())?)
}

/// Why an exclusive lock was not taken.
pub(crate) enum LockError {
    /// Another holder kept it for the whole wait.
    Busy,
    /// An interrupting signal arrived while waiting.
    Interrupted,
    /// `flock` failed otherwise.
    Io(io::Error),
}

/// Take `flock(LOCK_EX)` on `fd`, retrying a held lock with `LOCK_NB` for
/// at most `wait`. A file system without `flock` (some network file systems
/// answer `ENOLCK` or `EOPNOTSUPP`) is written without the lock.
pub(crate) fn lock_exclusive(fd: impl AsFd, wait: Duration) -> Result<(), LockError> {
    let start = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        match rustix::fs::flock(&fd, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => return Ok(()),
            Err(Errno::NOLCK) | Err(Errno::OPNOTSUPP) => return Ok(()),
            Err(Errno::WOULDBLOCK) | Err(Errno::INTR) => {}
            Err(e) => return Err(LockError::Io(e.into())),
        }
        if super::signals::interrupted() {
            return Err(LockError::Interrupted);
        }
        if start.elapsed() >= wait {
            return Err(LockError::Busy);
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// The names of the extended attributes of `fd` (ACLs are
/// `system.posix_acl_access` and `system.posix_acl_default`).
fn xattr_names(fd: impl AsFd) -> io::Result<Vec<CString>> {
    // The list may grow between the size query and the read: retry a few
    // times on ERANGE.
    for _ in 0..8 {
        let size = rustix::fs::flistxattr_query(&fd)?;
        if size == 0 {
            return Ok(Vec::new());
        }
        let mut list = vec![0u8; size];
        match rustix::fs::flistxattr(&fd, &mut list[..]) {
            Ok(len) => {
                list.truncate(len);
                return Ok(list
                    .split(|b| *b == 0)
                    .filter(|name| !name.is_empty())
                    .filter_map(|name| CString::new(name).ok())
                    .collect());
            }
            Err(Errno::RANGE) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(Errno::RANGE.into())
}

/// The value of attribute `name` of `fd`; `None` if it has none.
fn xattr_value(fd: impl AsFd, name: &CString) -> io::Result<Option<Vec<u8>>> {
    for _ in 0..8 {
        let size = match rustix::fs::fgetxattr_query(&fd, name.as_c_str()) {
            Ok(size) => size,
            Err(Errno::NODATA) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        if size == 0 {
            return Ok(Some(Vec::new()));
        }
        let mut value = vec![0u8; size];
        match rustix::fs::fgetxattr(&fd, name.as_c_str(), &mut value[..]) {
            Ok(len) => {
                value.truncate(len);
                return Ok(Some(value));
            }
            Err(Errno::RANGE) => continue,
            Err(Errno::NODATA) => return Ok(None),
            Err(e) => return Err(e.into()),
        }
    }
    Err(Errno::RANGE.into())
}

/// An extended attribute that could not be copied.
#[derive(Debug)]
pub(crate) struct XattrError {
    /// Its name (lossy UTF-8).
    pub name: String,
    /// Why.
    pub source: io::Error,
}

const ACL_ACCESS: &[u8] = b"system.posix_acl_access";

/// Give `to` every extended attribute of `from` (ACLs, `security.*` such as
/// the SELinux label, `user.*`, and `trusted.*` where the process may read
/// them), by descriptor. An attribute `to` already holds with the same
/// value (a SELinux label the new file got by default) is not set again.
/// An access ACL `to` inherited from the directory's default ACL but that
/// `from` does not have is removed, so that the new file grants no access
/// the original did not.
pub(crate) fn copy_xattrs(from: impl AsFd, to: impl AsFd) -> Result<(), XattrError> {
    let wrap = |name: &[u8]| {
        let name = String::from_utf8_lossy(name).into_owned();
        move |source: io::Error| XattrError { name, source }
    };
    let names = xattr_names(&from).map_err(wrap(b"(list)"))?;
    let present = xattr_names(&to).map_err(wrap(b"(list)"))?;
    for name in &names {
        let Some(value) = xattr_value(&from, name).map_err(wrap(name.as_bytes()))? else {
            continue;
        };
        if present.contains(name) && xattr_value(&to, name).ok().flatten().as_deref() == Some(value.as_slice()) {
            continue;
        }
        rustix::fs::fsetxattr(&to, name.as_c_str(), &value, XattrFlags::empty())
            .map_err(|e| wrap(name.as_bytes())(e.into()))?;
    }
    for name in present {
        if name.as_bytes() == ACL_ACCESS && !names.contains(&name) {
            match rustix::fs::fremovexattr(&to, name.as_c_str()) {
                Ok(()) | Err(Errno::NODATA) => {}
                Err(e) => return Err(wrap(name.as_bytes())(e.into())),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_walk_refuses_a_symlinked_component() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = dir.path().join("real");
        std::fs::create_dir(&real).expect("mkdir");
        std::os::unix::fs::symlink("real", dir.path().join("link")).expect("symlink");
        assert!(open_dir_walk(&real).is_ok());
        assert!(open_dir_nofollow(&real).is_ok());
        for open in [open_dir_walk, open_dir_nofollow] {
            let err = open(&dir.path().join("link")).expect_err("a symlink must be refused");
            assert!(is_symlink_in_the_way(&err), "{err}");
            let err = open(&dir.path().join("link/.")).expect_err("a symlink must be refused");
            assert!(is_symlink_in_the_way(&err), "{err}");
        }
    }

    #[test]
    fn xattrs_and_acls_are_copied_by_descriptor() {
        let dir = tempfile::tempdir().expect("tempdir");
        let from = std::fs::File::create(dir.path().join("from")).expect("create");
        let to = std::fs::File::create(dir.path().join("to")).expect("create");
        match rustix::fs::fsetxattr(&from, "user.conflint", b"kept", XattrFlags::empty()) {
            Ok(()) => {}
            Err(Errno::OPNOTSUPP) => {
                let _ = std::io::Write::write_all(
                    &mut std::io::stderr(),
                    b"SKIPPED system test `xattrs_and_acls_are_copied_by_descriptor`: no user xattrs here\n",
                );
                return;
            }
            Err(e) => panic!("fsetxattr: {e}"),
        }
        copy_xattrs(&from, &to).expect("copy");
        assert_eq!(
            xattr_value(&to, &CString::new("user.conflint").expect("name")).expect("get"),
            Some(b"kept".to_vec())
        );
        // Copying again changes nothing and succeeds.
        copy_xattrs(&from, &to).expect("copy again");
    }
}
