//! Where configuration bytes come from: the disk, or memory.
//!
//! Models that follow includes (httpd's `Include`, PHP's scan directory) read
//! through [`FileSystem`], so a provisioning tool can check a whole tree held
//! in memory without touching the disk, and tests can build trees freely.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::{Path, PathBuf};

use crate::text::Span;

/// What a path names, without following it into a read that could block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A FIFO, socket or device: never opened for reading.
    Special,
}

/// The read-only view of files the models need.
pub trait FileSystem: Sync {
    /// The whole content of a regular file. Implementations must refuse
    /// anything that is not a regular file rather than block on it, and
    /// files above their size limit before reading them.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// What `path` is, following symlinks; `NotFound` if it does not exist.
    fn kind(&self, path: &Path) -> io::Result<EntryKind>;
    /// The entries of a directory (full paths), in no particular order.
    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>>;
    /// What identifies the file behind `path`, whatever the route to it
    /// (symlinks, `..`): for cycle detection and to check a file once.
    fn identity(&self, path: &Path) -> FileIdentity;
    /// Whether `path` lies on a pseudo file system (`/proc`, `/sys`): never
    /// listed nor read as configuration.
    fn is_pseudo(&self, _path: &Path) -> bool {
        false
    }
}

/// The identity of a file: its device and inode on a real file system
/// (one `stat`, where resolving a path would cost a `readlink` per
/// component), or its path where there are no inodes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileIdentity {
    /// A real file: device and inode.
    Inode {
        /// The device.
        dev: u64,
        /// The inode.
        ino: u64,
    },
    /// The path itself, where there are no inodes (memory).
    Path(PathBuf),
}

impl FileIdentity {
    /// The identity of a path on the real file system.
    pub fn of(path: &Path) -> FileIdentity {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            if let Ok(meta) = std::fs::metadata(path) {
                return FileIdentity::Inode { dev: meta.dev(), ino: meta.ino() };
            }
        }
        FileIdentity::Path(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
    }
}

/// The real file system. Files larger than its limit are refused before
/// they are read (a 1 TB sparse file is not configuration).
#[derive(Debug, Clone, Copy)]
pub struct RealFileSystem {
    max_file_size: u64,
}

/// The size limit when none is configured: far above any real
/// configuration file (php.ini-production is 75 KB), far below what would
/// exhaust memory.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 << 20;

impl RealFileSystem {
    /// The real file system with the default size limit.
    pub const fn new() -> Self {
        RealFileSystem { max_file_size: DEFAULT_MAX_FILE_SIZE }
    }

    /// The real file system refusing files above `bytes`.
    pub const fn with_max_file_size(bytes: u64) -> Self {
        RealFileSystem { max_file_size: bytes }
    }

    /// The size limit.
    pub const fn max_file_size(&self) -> u64 {
        self.max_file_size
    }
}

impl Default for RealFileSystem {
    fn default() -> Self {
        Self::new()
    }
}

impl FileSystem for RealFileSystem {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        read_regular_file(path, self.max_file_size)
    }

    fn kind(&self, path: &Path) -> io::Result<EntryKind> {
        let meta = std::fs::metadata(path)?;
        Ok(if meta.is_file() {
            EntryKind::File
        } else if meta.is_dir() {
            EntryKind::Dir
        } else {
            EntryKind::Special
        })
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        std::fs::read_dir(path)?.map(|e| e.map(|e| e.path())).collect()
    }

    fn identity(&self, path: &Path) -> FileIdentity {
        FileIdentity::of(path)
    }

    #[cfg(target_os = "linux")]
    fn is_pseudo(&self, path: &Path) -> bool {
        use std::os::unix::ffi::OsStrExt;
        let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else { return false };
        // SAFETY: statfs is plain old data; statfs fills it for a valid path.
        let mut stat: libc::statfs = unsafe { std::mem::zeroed() };
        // SAFETY: `c` is a valid NUL-terminated path for the call's duration.
        if unsafe { libc::statfs(c.as_ptr(), &mut stat) } != 0 {
            return false;
        }
        pseudo_magic(stat.f_type as i64).is_some()
    }
}

/// Read a regular file without ever blocking on a FIFO or device: the file
/// is opened non-blocking and checked with fstat before any read. Files on
/// pseudo file systems (`/proc`, `/sys`: not configuration, and
/// `/proc/self/environ` holds secrets) and files larger than `limit` are
/// refused before a byte is read.
pub fn read_regular_file(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    use std::io::Read;
    #[cfg(unix)]
    let file = {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NONBLOCK: opening a FIFO for reading must not wait for a writer.
        std::fs::OpenOptions::new().read(true).custom_flags(NONBLOCK).open(path)?
    };
    #[cfg(not(unix))]
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if meta.is_dir() {
        return Err(io::Error::new(io::ErrorKind::IsADirectory, "is a directory"));
    }
    if !meta.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a regular file (FIFO, socket or device)"));
    }
    #[cfg(target_os = "linux")]
    if let Some(name) = pseudo_file_system(&file) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("on the {name} pseudo file system: not a configuration file"),
        ));
    }
    if meta.len() > limit {
        return Err(too_large(meta.len(), limit));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // Through `Take`, not `File::read_to_end`: that one asks the kernel for
    // the size and position again (a statx and an lseek per file), for the
    // capacity already reserved here.
    // One byte more than the limit tells a file that grew since the fstat.
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64, limit));
    }
    Ok(bytes)
}

fn too_large(size: u64, limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{size} bytes, more than the limit of {limit} bytes for a configuration file (--max-file-size)"),
    )
}

/// The name of the pseudo file system `file` is on, if it is one: their
/// "files" are kernel state (and can be endless or huge, like
/// `/proc/self/pagemap`), never configuration.
#[cfg(target_os = "linux")]
fn pseudo_file_system(file: &std::fs::File) -> Option<&'static str> {
    use std::os::fd::AsRawFd;
    // SAFETY: statfs is plain old data; fstatfs fills it for a valid fd.
    let mut stat: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: the descriptor is open for the lifetime of `file`.
    if unsafe { libc::fstatfs(file.as_raw_fd(), &mut stat) } != 0 {
        return None;
    }
    #[allow(clippy::unnecessary_cast)]
    pseudo_magic(stat.f_type as i64)
}

/// The name of the pseudo file system with this magic number (linux/magic.h).
#[cfg(target_os = "linux")]
fn pseudo_magic(magic: i64) -> Option<&'static str> {
    match magic {
        0x9fa0 => Some("proc"),
        0x6265_6572 => Some("sysfs"),
        0x6462_6720 => Some("debugfs"),
        0x7472_6163 => Some("tracefs"),
        0x7363_6673 => Some("securityfs"),
        0x2726_8ef1 | 0x6367_7270 => Some("cgroup"),
        0x1cd1 => Some("devpts"),
        0xcafe_4a11 => Some("bpf"),
        _ => None,
    }
}

/// Read a configuration file, refusing binary data: a NUL byte, which no
/// configuration file holds (httpd and PHP would stop reading there), is
/// an `InvalidData` error saying where it is.
pub fn read_text(fs: &dyn FileSystem, path: &Path) -> io::Result<Vec<u8>> {
    let bytes = fs.read(path)?;
    match binary_data(&bytes) {
        Some((_, message)) => Err(io::Error::new(io::ErrorKind::InvalidData, message)),
        None => Ok(bytes),
    }
}

/// Read a file meant to be configuration, for a load problem's words:
/// `Err` says why it cannot be used (not a regular file, too large, on a
/// pseudo file system, binary data).
pub fn read_config(fs: &dyn FileSystem, path: &Path) -> Result<Vec<u8>, String> {
    read_text(fs, path).map_err(|e| e.to_string())
}

/// The first NUL byte of `bytes`, if any, and what to say of a file holding
/// it: binary data, not configuration.
pub fn binary_data(bytes: &[u8]) -> Option<(Span, String)> {
    let offset = memchr::memchr(0, bytes)?;
    let at = crate::text::LineIndex::new(bytes).line_column(bytes, offset);
    let message =
        format!("binary data (a NUL byte at line {}, column {}): not a configuration file", at.line, at.column);
    Some((Span::new(offset, offset + 1), message))
}

#[cfg(target_os = "linux")]
const NONBLOCK: i32 = 0o4000;
#[cfg(all(unix, not(target_os = "linux")))]
const NONBLOCK: i32 = 0x0004;

/// Files held in memory, for library users and tests. Directories exist
/// implicitly as the parents of files.
#[derive(Debug, Default, Clone)]
pub struct MemoryFileSystem {
    files: BTreeMap<PathBuf, Vec<u8>>,
}

impl MemoryFileSystem {
    /// An empty file system.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add or replace a file.
    pub fn insert(&mut self, path: impl Into<PathBuf>, bytes: impl Into<Vec<u8>>) -> &mut Self {
        self.files.insert(path.into(), bytes.into());
        self
    }

    /// The bytes of a file, if it exists.
    pub fn get(&self, path: &Path) -> Option<&[u8]> {
        self.files.get(path).map(Vec::as_slice)
    }

    fn is_dir(&self, path: &Path) -> bool {
        self.files.keys().any(|f| f.starts_with(path) && f != path)
    }
}

impl FileSystem for MemoryFileSystem {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        match self.files.get(path) {
            Some(bytes) => Ok(bytes.clone()),
            None if self.is_dir(path) => Err(io::Error::new(io::ErrorKind::IsADirectory, "is a directory")),
            None => Err(io::Error::new(io::ErrorKind::NotFound, "no such file")),
        }
    }

    fn kind(&self, path: &Path) -> io::Result<EntryKind> {
        if self.files.contains_key(path) {
            Ok(EntryKind::File)
        } else if self.is_dir(path) {
            Ok(EntryKind::Dir)
        } else {
            Err(io::Error::new(io::ErrorKind::NotFound, "no such file"))
        }
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        if !self.is_dir(path) {
            return Err(io::Error::new(io::ErrorKind::NotFound, "no such directory"));
        }
        let mut out: Vec<PathBuf> = self
            .files
            .keys()
            .filter_map(|f| f.strip_prefix(path).ok())
            .filter_map(|rest| rest.components().next())
            .map(|c| path.join(c))
            .collect();
        out.dedup();
        Ok(out)
    }

    fn identity(&self, path: &Path) -> FileIdentity {
        FileIdentity::Path(path.to_path_buf())
    }
}

/// Another file system seen at one moment: each file is read once, and
/// every later read returns the same bytes. The fixer works on a snapshot,
/// so the edits it computes are applied to the bytes they were computed on,
/// and the writer can tell whether the file changed on disk since.
pub struct SnapshotFileSystem<'a> {
    base: &'a dyn FileSystem,
    read: std::sync::Mutex<HashMap<PathBuf, Vec<u8>>>,
}

impl<'a> SnapshotFileSystem<'a> {
    /// A snapshot of `base`, taken file by file as they are first read.
    pub fn new(base: &'a dyn FileSystem) -> Self {
        SnapshotFileSystem { base, read: std::sync::Mutex::new(HashMap::new()) }
    }
}

impl FileSystem for SnapshotFileSystem<'_> {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let mut read = self.read.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(bytes) = read.get(path) {
            return Ok(bytes.clone());
        }
        let bytes = self.base.read(path)?;
        read.insert(path.to_path_buf(), bytes.clone());
        Ok(bytes)
    }

    fn kind(&self, path: &Path) -> io::Result<EntryKind> {
        self.base.kind(path)
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        self.base.read_dir(path)
    }

    fn identity(&self, path: &Path) -> FileIdentity {
        self.base.identity(path)
    }

    fn is_pseudo(&self, path: &Path) -> bool {
        self.base.is_pseudo(path)
    }
}

/// Another file system with some files replaced: the fixer's view of a
/// tree with its fixes applied, or a real tree with one file read from stdin.
pub struct OverlayFileSystem<'a> {
    base: &'a dyn FileSystem,
    files: HashMap<PathBuf, Vec<u8>>,
}

impl<'a> OverlayFileSystem<'a> {
    /// Files of `base`, until some are replaced.
    pub fn new(base: &'a dyn FileSystem) -> Self {
        OverlayFileSystem { base, files: HashMap::new() }
    }

    /// Replace (or add) a file.
    pub fn insert(&mut self, path: impl Into<PathBuf>, bytes: Vec<u8>) {
        self.files.insert(path.into(), bytes);
    }

    /// The replaced files.
    pub fn files(&self) -> &HashMap<PathBuf, Vec<u8>> {
        &self.files
    }

    /// The file system underneath.
    pub fn base(&self) -> &'a dyn FileSystem {
        self.base
    }
}

impl FileSystem for OverlayFileSystem<'_> {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        match self.files.get(path) {
            Some(bytes) => Ok(bytes.clone()),
            None => self.base.read(path),
        }
    }

    fn kind(&self, path: &Path) -> io::Result<EntryKind> {
        if self.files.contains_key(path) { Ok(EntryKind::File) } else { self.base.kind(path) }
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        let mut entries = self.base.read_dir(path).unwrap_or_default();
        for file in self.files.keys() {
            if file.parent() == Some(path) && !entries.contains(file) {
                entries.push(file.clone());
            }
        }
        Ok(entries)
    }

    fn identity(&self, path: &Path) -> FileIdentity {
        if self.files.contains_key(path) && self.base.kind(path).is_err() {
            return FileIdentity::Path(path.to_path_buf());
        }
        self.base.identity(path)
    }

    fn is_pseudo(&self, path: &Path) -> bool {
        self.base.is_pseudo(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_file_system_lists_directories() {
        let mut fs = MemoryFileSystem::new();
        fs.insert("/etc/a/x.conf", "x").insert("/etc/a/sub/y.conf", "y");
        let mut entries = fs.read_dir(Path::new("/etc/a")).unwrap();
        entries.sort();
        assert_eq!(entries, [PathBuf::from("/etc/a/sub"), PathBuf::from("/etc/a/x.conf")]);
        assert_eq!(fs.kind(Path::new("/etc/a/sub")).unwrap(), EntryKind::Dir);
        assert_eq!(fs.read(Path::new("/etc/a/x.conf")).unwrap(), b"x");
    }

    #[cfg(unix)]
    #[test]
    fn reading_a_fifo_fails_without_blocking() {
        let dir = std::env::temp_dir().join(format!("conflint-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("httpd.conf");
        let status = std::process::Command::new("mkfifo").arg(&fifo).status();
        if status.is_ok_and(|s| s.success()) {
            let err = read_regular_file(&fifo, u64::MAX).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
