//! Writing fixed files safely, as root on /etc and in untrusted trees.
//!
//! # How conflint writes a fixed file
//!
//! (This section is written to be pasted into the README.)
//!
//! - **Read once, write only over what was read.** Each file is read with
//!   `read_for_fix`, which records the real directory that holds it (no
//!   symlink on the way, device and inode) and the file's device, inode,
//!   size and modification time. The write opens that directory again
//!   without following any symlink (`openat2(RESOLVE_NO_SYMLINKS)`, or one
//!   `O_NOFOLLOW` step per component on kernels before 5.6) and refuses if
//!   it is not the same directory: a directory renamed away, replaced, or
//!   turned into a symlink between the read and the write is refused ("its
//!   directory … was moved, replaced or turned into a symlink"), and
//!   nothing is created anywhere. Every later step is relative to that open
//!   directory: `openat`, `linkat`, `renameat`. A file reached through a
//!   symlink (Debian's `sites-enabled/`) is written in its target, and the
//!   link stays a link; if the link was re-pointed since the read, the file
//!   is refused as changed.
//! - **A concurrent edit is never lost.** conflint takes an advisory
//!   `flock(LOCK_EX)` on the original while it writes (waiting at most two
//!   seconds for another holder, then refusing: "another program holds a
//!   lock on it"). Right before the rename it checks, under that lock, that
//!   the name still names the file it read, with the same size,
//!   modification time and content; otherwise it writes nothing ("it
//!   changed on disk since conflint read it"). Editors and tools that take
//!   `flock` are fully protected; a program that writes without locking can
//!   still lose an edit made in the few system calls between that last
//!   check and the rename.
//! - **The new file has no name while it is written.** It is created with
//!   `O_TMPFILE` in the file's directory, written, given the original's
//!   owner and group (`fchown`), extended attributes and ACLs (every
//!   `system.posix_acl_*`, `security.*` such as the SELinux label, `user.*`
//!   and, as root, `trusted.*` attribute, copied with
//!   `flistxattr`/`fgetxattr`/`fsetxattr`) and permission bits (`fchmod`),
//!   all through its descriptor, never by path, then `fsync`ed. Only then
//!   is it linked into the directory as `.conflint-PID-N.tmp` and
//!   immediately renamed over the original: the name exists for two
//!   system calls. A run that is interrupted (SIGINT, SIGTERM, SIGHUP,
//!   SIGQUIT) stops before the next rename and leaves nothing behind; only
//!   SIGKILL or a crash in those two system calls can leave a
//!   `.conflint-PID-N.tmp`, which the next run removes (its pid is dead).
//!   Where `O_TMPFILE` is not available (some network and FUSE file
//!   systems), the new file is created under that same name instead and
//!   exists while it is written.
//! - **What httpd loads.** `Include conf.d/` (a directory, no wildcard)
//!   loads *every* entry of the directory and of its subdirectories, dot
//!   files included (checked with Apache 2.4's `apache2 -t`); wildcard
//!   includes (`Include conf.d/*`, `IncludeOptional conf.d/*.conf`) never
//!   match a name that starts with a dot. So no temporary name is safe from
//!   a bare directory include, which is why the new file has no name until
//!   it is complete and then has one only between `linkat` and `renameat`;
//!   an httpd (re)start in exactly that instant would read the fixed file
//!   twice. PHP's scan directories read `*.ini` only, and no conflint name
//!   ends in `.ini`, `.conf` or `.load`.
//! - **Files that cannot be replaced are refused, not broken.** Replacing a
//!   file gives it a new inode: a file with several hard links would be
//!   split from its other names, and a file the user may write but not own
//!   would change owner. conflint refuses such a file ("it has 2 hard
//!   links…", "a new file cannot be given its owner…", or an extended
//!   attribute that cannot be copied) unless `--in-place-when-needed` is
//!   given; then, and for a file in a directory the user may not write, it
//!   rewrites the file in place, under the same lock and checks: the inode,
//!   owner, links and attributes stay, but the write is not atomic (a
//!   reader may see a partly written file, and a crash can leave one).
//! - **Directories are synced once.** Each file is `fsync`ed before its
//!   rename; each directory that received a file is `fsync`ed once, after
//!   the last file.
//! - Temporary names are at most 40 bytes whatever the file's name, so a
//!   file with a 255-byte name is fixed like any other; error messages name
//!   the file being fixed, never a temporary file.
//!
//! # API
//!
//! [`read_for_fix`] (or a [`StampingFileSystem`] for the fixer's reads)
//! gives a [`ReadFile`]; a [`Writer`] writes it with [`Writer::write`] and
//! syncs the directories in [`Writer::finish`]. [`cleanup_stale_temps`]
//! removes a dead run's leftover, [`is_conflint_temp`] tells discovery to
//! skip one, [`real_location`] and [`Roots`] say whether a file really lies
//! under the paths named on the command line. [`write_atomically`] is the
//! former one-call interface, kept for callers that have no stamp.

mod read;
mod resolve;
mod signals;
mod sys;
mod temp;
mod writer;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use read::{FileStamp, ReadFile, StampingFileSystem, read_for_fix};
pub use resolve::{Roots, real_location};
pub use signals::{
    INTERRUPTED, INTERRUPTING_SIGNALS, install_signal_handlers, interrupt_signal, interrupted, set_writing,
};
pub use temp::{Cleanup, STALE_AFTER, cleanup_stale_temps, is_conflint_temp, temp_owner};
pub use writer::{InPlaceReason, TempFile, WriteOptions, Writer, Written};

/// The command-line option that allows in-place writes, as error messages
/// name it.
pub const IN_PLACE_OPTION: &str = "--in-place-when-needed";

/// Why a fixed file was not written (the original is intact), or what went
/// wrong after it was.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Someone else changed the file after conflint read it (or removed it,
    /// or re-pointed the symlink that led to it).
    #[error("{}: not written: it changed on disk since conflint read it", path.display())]
    Changed {
        /// The file, as given.
        path: PathBuf,
    },
    /// A system call failed.
    #[error("{}: not written: {source}", path.display())]
    Io {
        /// The file, as given.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// SIGINT, SIGTERM, SIGHUP or SIGQUIT arrived before the rename.
    #[error("{}: not written: interrupted", path.display())]
    Interrupted {
        /// The file, as given.
        path: PathBuf,
    },
    /// The directory that held the file is gone from where it was, is
    /// another directory, or is reached through a symlink now.
    #[error(
        "{}: not written: its directory {} was moved, replaced or turned into a symlink since conflint read it",
        path.display(),
        dir.display()
    )]
    DirectoryChanged {
        /// The file, as given.
        path: PathBuf,
        /// The directory as it was read.
        dir: PathBuf,
    },
    /// Another program kept an advisory lock on the file.
    #[error("{}: not written: another program holds a lock on it (flock); gave up after {waited:?}", path.display())]
    Locked {
        /// The file, as given.
        path: PathBuf,
        /// How long conflint waited.
        waited: Duration,
    },
    /// The file has other hard links, which replacing it would split.
    #[error(
        "{}: not written: it has {links} hard links, and replacing it would split them ({IN_PLACE_OPTION} writes it in place, not atomically)",
        path.display()
    )]
    HardLinked {
        /// The file, as given.
        path: PathBuf,
        /// Its link count.
        links: u64,
    },
    /// This user cannot give a new file the original's owner or group.
    #[error(
        "{}: not written: a new file cannot be given its owner {uid}:{gid} by this user (run as root or as its owner; {IN_PLACE_OPTION} writes it in place, not atomically)",
        path.display()
    )]
    OwnerNotKept {
        /// The file, as given.
        path: PathBuf,
        /// The original's owner.
        uid: u32,
        /// The original's group.
        gid: u32,
    },
    /// An extended attribute (an ACL, a SELinux label...) could not be
    /// copied to the new file.
    #[error(
        "{}: not written: its extended attribute {attribute} cannot be copied to a new file: {source} ({IN_PLACE_OPTION} writes it in place, not atomically)",
        path.display()
    )]
    AttributeNotKept {
        /// The file, as given.
        path: PathBuf,
        /// The attribute's name.
        attribute: String,
        /// Why.
        source: std::io::Error,
    },
    /// Another program renamed something over conflint's new file in the
    /// directory before it was put in place; nothing was written.
    #[error(
        "{}: not written: another program changed the directory while conflint was putting the new file in place",
        path.display()
    )]
    Raced {
        /// The file, as given.
        path: PathBuf,
    },
    /// The fixed file was renamed into place, but right after, the name
    /// named something else: another program replaced it.
    #[error("{}: written, but another program replaced it right after; check what it holds now", path.display())]
    ReplacedAfterWrite {
        /// The file, as given.
        path: PathBuf,
    },
    /// Files were written into `dir`, but syncing the directory failed:
    /// the renames may not survive a crash.
    #[error("{}: fixed files were written here, but syncing the directory failed: {source}", dir.display())]
    Sync {
        /// The directory.
        dir: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

impl WriteError {
    /// The file the error is about (the directory, for [`WriteError::Sync`]).
    pub fn path(&self) -> &Path {
        match self {
            WriteError::Changed { path }
            | WriteError::Io { path, .. }
            | WriteError::Interrupted { path }
            | WriteError::DirectoryChanged { path, .. }
            | WriteError::Locked { path, .. }
            | WriteError::HardLinked { path, .. }
            | WriteError::OwnerNotKept { path, .. }
            | WriteError::AttributeNotKept { path, .. }
            | WriteError::Raced { path }
            | WriteError::ReplacedAfterWrite { path } => path,
            WriteError::Sync { dir, .. } => dir,
        }
    }

    /// Whether the file on disk holds the fixed text (only
    /// [`WriteError::Sync`] and [`WriteError::ReplacedAfterWrite`] come
    /// after the rename).
    pub fn was_written(&self) -> bool {
        matches!(self, WriteError::Sync { .. } | WriteError::ReplacedAfterWrite { .. })
    }
}

/// Replace the file at `path` (or its symlink target) with `fixed`, if it
/// still holds `original`: [`read_for_fix`], compare, [`Writer::write`]
/// with the default options, sync the directory.
///
/// The one-call form for callers that kept no [`ReadFile`]: it can only
/// tell that the file changed if its bytes differ from `original` now, not
/// that the directory was swapped since the caller read it. Prefer
/// [`read_for_fix`] at read time and a [`Writer`].
pub fn write_atomically(path: &Path, original: &[u8], fixed: &[u8]) -> Result<(), WriteError> {
    let read = read_for_fix(path).map_err(|source| WriteError::Io { path: path.to_path_buf(), source })?;
    if read.bytes != original {
        return Err(WriteError::Changed { path: path.to_path_buf() });
    }
    let writer = Writer::new(WriteOptions::default());
    writer.write(&read, fixed)?;
    match writer.finish().into_iter().next() {
        Some(error) => Err(error),
        None => Ok(()),
    }
}
