//! Reading a file that may be fixed, recording what it was: its real
//! directory and that directory's identity, its own identity, size and
//! modification time. The writer later refuses to write anywhere else, or
//! over anything else.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::io::{self, Read};
use std::os::fd::OwnedFd;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use conflint_core::source::{EntryKind, FileIdentity, FileSystem, RealFileSystem};

use super::sys;

/// What a file was when conflint read it. [`Writer::write`](super::Writer::write)
/// writes only into the same directory (same device and inode, reached
/// without symlinks) over the same file (same device, inode, size,
/// modification time and content).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStamp {
    /// The directory that holds the file: absolute, no symlink in it.
    pub dir: PathBuf,
    /// The file's name in `dir`.
    pub name: OsString,
    /// Whether the path conflint was given went through a symlink (then
    /// the writer checks it still leads to `dir`/`name`).
    pub via_symlink: bool,
    /// Device of `dir`.
    pub dir_dev: u64,
    /// Inode of `dir`.
    pub dir_ino: u64,
    /// Device of the file.
    pub dev: u64,
    /// Inode of the file.
    pub ino: u64,
    /// Size in bytes when read.
    pub size: u64,
    /// Modification time when read: seconds and nanoseconds since the epoch.
    pub mtime: (i64, i64),
}

impl FileStamp {
    /// The file's real location: `dir`/`name`. For the policy on files
    /// whose real location is outside the paths named on the command line
    /// (see [`Roots`](super::Roots)).
    pub fn real_path(&self) -> PathBuf {
        self.dir.join(&self.name)
    }
}

/// A file read by [`read_for_fix`]: its bytes and its stamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadFile {
    /// The path as given (perhaps a symlink); errors name it.
    pub path: PathBuf,
    /// What the file was when read.
    pub stamp: FileStamp,
    /// Its content then.
    pub bytes: Vec<u8>,
}

/// The directory and name of an absolute path, or an error for a path
/// that names no file (`/`, `..`).
fn split(path: &Path) -> io::Result<(&Path, &OsStr)> {
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) if !matches!(path.components().next_back(), Some(Component::ParentDir)) => {
            Ok((dir, name))
        }
        _ => Err(io::Error::new(io::ErrorKind::InvalidInput, "not a file name")),
    }
}

/// Open `dir` (no symlinks) and `name` in it (not a symlink either).
fn open_exact(dir: &Path, name: &OsStr) -> io::Result<(OwnedFd, OwnedFd)> {
    let dir_fd = sys::open_dir_nofollow(dir)?;
    let file = sys::open_in(&dir_fd, name, false)?;
    Ok((dir_fd, file))
}

/// Read the file at `path` for fixing it, following symlinks (Debian's
/// `sites-enabled/` links are fixed in their target) but never through
/// `/proc` or `/sys`, and never blocking on a FIFO or device. The file's
/// directory is then opened with no symlink on the way and the file
/// relative to it, and both identities are recorded in the stamp.
pub fn read_for_fix(path: &Path) -> io::Result<ReadFile> {
    let absolute = std::path::absolute(path)?;
    let plain = !absolute.components().any(|c| c == Component::ParentDir);
    let (dir, name) = split(&absolute)?;
    // Most paths have no symlink: open them as they are. A symlink on the
    // way (ELOOP, ENOTDIR) or `..` in the path: resolve it first.
    let first = if plain { Some(open_exact(dir, name)) } else { None };
    let (real_dir, real_name, via_symlink, dir_fd, file) = match first {
        Some(Ok((dir_fd, file))) => (dir.to_path_buf(), name.to_os_string(), false, dir_fd, file),
        Some(Err(e)) if !sys::is_symlink_in_the_way(&e) => return Err(e),
        _ => {
            let real = super::resolve::real_location(&absolute)?;
            let (dir, name) = split(&real)?;
            let (dir_fd, file) = open_exact(dir, name)?;
            (dir.to_path_buf(), name.to_os_string(), real != absolute, dir_fd, file)
        }
    };
    let dir_facts = sys::facts(&dir_fd)?;
    let facts = sys::facts(&file)?;
    if facts.is_dir() {
        return Err(io::Error::new(io::ErrorKind::IsADirectory, "is a directory"));
    }
    if !facts.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a regular file (FIFO, socket or device)"));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(facts.size).unwrap_or(0));
    std::fs::File::from(file).take(u64::MAX).read_to_end(&mut bytes)?;
    Ok(ReadFile {
        path: path.to_path_buf(),
        stamp: FileStamp {
            dir: real_dir,
            name: real_name,
            via_symlink,
            dir_dev: dir_facts.dev,
            dir_ino: dir_facts.ino,
            dev: facts.dev,
            ino: facts.ino,
            size: facts.size,
            mtime: facts.mtime,
        },
        bytes,
    })
}

/// The real file system, reading through [`read_for_fix`] and keeping the
/// stamp of every file read (the first read of a path wins), so that the
/// fixer's reads give the writer what it needs: run the fixer on it, then
/// [`StampingFileSystem::read_file`] turns a fixed file's path and original
/// bytes into the [`ReadFile`] to write.
#[derive(Debug, Default)]
pub struct StampingFileSystem {
    real: RealFileSystem,
    stamps: Mutex<HashMap<PathBuf, FileStamp>>,
}

impl StampingFileSystem {
    /// An empty one.
    pub fn new() -> Self {
        Self::default()
    }

    /// One that refuses, as `real` does, files on pseudo file systems and
    /// above `real`'s size limit.
    pub fn over(real: RealFileSystem) -> Self {
        StampingFileSystem { real, stamps: Mutex::default() }
    }

    fn stamps(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, FileStamp>> {
        self.stamps.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The stamp of `path` as first read, if it was read.
    pub fn stamp(&self, path: &Path) -> Option<FileStamp> {
        self.stamps().get(path).cloned()
    }

    /// The [`ReadFile`] for a fixed file: `path` as the fixer named it, and
    /// the bytes it fixed (`FixedFile::original`). `None` if `path` was
    /// never read through this file system.
    pub fn read_file(&self, path: &Path, original: Vec<u8>) -> Option<ReadFile> {
        let stamp = self.stamp(path)?;
        Some(ReadFile { path: path.to_path_buf(), stamp, bytes: original })
    }
}

impl FileSystem for StampingFileSystem {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        // The real file system's refusals first (pseudo file systems, the
        // size limit), without reading: then the stamped read.
        if self.real.is_pseudo(path) || std::fs::metadata(path).is_ok_and(|m| m.len() > self.real.max_file_size()) {
            return self.real.read(path);
        }
        let read = read_for_fix(path)?;
        self.stamps().entry(path.to_path_buf()).or_insert(read.stamp);
        Ok(read.bytes)
    }

    fn kind(&self, path: &Path) -> io::Result<EntryKind> {
        self.real.kind(path)
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        self.real.read_dir(path)
    }

    fn identity(&self, path: &Path) -> FileIdentity {
        self.real.identity(path)
    }

    fn is_pseudo(&self, path: &Path) -> bool {
        self.real.is_pseudo(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_the_real_directory_behind_symlinks() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().canonicalize().expect("canonical");
        std::fs::create_dir_all(root.join("available")).expect("mkdir");
        std::fs::create_dir_all(root.join("enabled")).expect("mkdir");
        std::fs::write(root.join("available/www.conf"), "ServerSignature On\n").expect("write");
        std::os::unix::fs::symlink("../available/www.conf", root.join("enabled/www.conf")).expect("symlink");
        let direct = read_for_fix(&root.join("available/www.conf")).expect("read");
        assert!(!direct.stamp.via_symlink);
        let linked = read_for_fix(&root.join("enabled/www.conf")).expect("read");
        assert!(linked.stamp.via_symlink);
        assert_eq!(linked.path, root.join("enabled/www.conf"));
        assert_eq!(linked.stamp.real_path(), root.join("available/www.conf"));
        assert_eq!(linked.bytes, b"ServerSignature On\n");
        assert_eq!((linked.stamp.dev, linked.stamp.ino), (direct.stamp.dev, direct.stamp.ino));
        let dotted = read_for_fix(&root.join("enabled/../available/./www.conf")).expect("read");
        assert_eq!(dotted.stamp.real_path(), root.join("available/www.conf"));
    }

    #[test]
    fn refuses_what_is_not_a_regular_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = read_for_fix(dir.path()).expect_err("a directory");
        assert_eq!(err.kind(), io::ErrorKind::IsADirectory);
        let fifo = dir.path().join("fifo.conf");
        rustix::fs::mknodat(rustix::fs::CWD, &fifo, rustix::fs::FileType::Fifo, rustix::fs::Mode::RUSR, 0)
            .expect("mkfifo");
        let err = read_for_fix(&fifo).expect_err("a FIFO");
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(read_for_fix(&dir.path().join("none")).expect_err("missing").kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn the_stamping_file_system_keeps_the_first_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("php.ini");
        std::fs::write(&file, "a = 1\n").expect("write");
        let fs = StampingFileSystem::new();
        assert_eq!(fs.read(&file).expect("read"), b"a = 1\n");
        let first = fs.stamp(&file).expect("stamped");
        std::fs::write(&file, "a = 22\n").expect("write");
        assert_eq!(fs.read(&file).expect("read"), b"a = 22\n");
        assert_eq!(fs.stamp(&file), Some(first.clone()));
        let read = fs.read_file(&file, b"a = 1\n".to_vec()).expect("read_file");
        assert_eq!(read.stamp, first);
        assert!(fs.read_file(&dir.path().join("other.ini"), Vec::new()).is_none());
    }
}
