//! Writing a fixed file without ever leaving a broken one: a temporary file
//! in the same directory, flushed and synced, given the original's
//! permissions and (where the process may) ownership, then renamed over the
//! original. A symlinked file (Debian's `sites-enabled/`) is written through
//! to its target, so the link stays a link. A file that changed on disk
//! since it was read is not overwritten.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

mod signals;

pub use signals::{INTERRUPTED, INTERRUPTING_SIGNALS, install_signal_handlers, interrupt_signal, interrupted};

/// Why a fixed file was not written (the original is intact).
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Someone else changed the file after conflint read it.
    #[error("{}: not written: it changed on disk since conflint read it", path.display())]
    Changed {
        /// The file.
        path: PathBuf,
    },
    /// Reading, creating the temporary file, writing or renaming failed.
    #[error("{}: not written: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// SIGINT, SIGTERM, SIGHUP or SIGQUIT arrived before the rename.
    #[error("{}: not written: interrupted", path.display())]
    Interrupted {
        /// The file.
        path: PathBuf,
    },
}

/// Replace the file at `path` (or its symlink target) with `fixed`, if it
/// still holds `original`.
pub fn write_atomically(path: &Path, original: &[u8], fixed: &[u8]) -> Result<(), WriteError> {
    let io = |source| WriteError::Io { path: path.to_path_buf(), source };
    let target = fs::canonicalize(path).map_err(io)?;
    let current = conflint_core::source::read_regular_file(&target).map_err(io)?;
    if current != original {
        return Err(WriteError::Changed { path: path.to_path_buf() });
    }
    let meta = fs::metadata(&target).map_err(io)?;
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut temp =
        tempfile::Builder::new().prefix(&format!(".{name}.conflint-")).suffix(".tmp").tempfile_in(dir).map_err(
            |e| {
                // tempfile names the temporary file in its error; that file does
                // not exist, so keep only the cause.
                io(e.raw_os_error().map(std::io::Error::from_raw_os_error).unwrap_or(e))
            },
        )?;
    temp.write_all(fixed).map_err(io)?;
    temp.flush().map_err(io)?;
    fs::set_permissions(temp.path(), meta.permissions()).map_err(io)?;
    keep_owner(temp.as_file(), &meta);
    temp.as_file().sync_all().map_err(io)?;
    if interrupted() {
        // Dropping `temp` removes it.
        return Err(WriteError::Interrupted { path: path.to_path_buf() });
    }
    temp.persist(&target).map_err(|e| io(e.error))?;
    if let Ok(dir) = fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Give the new file the original's owner and group. Only root may do so
/// for other users; a failure then is expected and harmless (the file is
/// ours already).
#[cfg(unix)]
fn keep_owner(file: &fs::File, meta: &fs::Metadata) {
    use std::os::unix::fs::MetadataExt;
    let _ = std::os::unix::fs::fchown(file, Some(meta.uid()), Some(meta.gid()));
}

#[cfg(not(unix))]
fn keep_owner(_file: &fs::File, _meta: &fs::Metadata) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_through_symlinks_and_keeps_mode() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("available.conf");
        let link = dir.path().join("enabled.conf");
        fs::write(&target, "ServerSignature On\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&target, fs::Permissions::from_mode(0o640)).unwrap();
            std::os::unix::fs::symlink("available.conf", &link).unwrap();
        }
        write_atomically(&link, b"ServerSignature On\n", b"ServerSignature Off\n").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"ServerSignature Off\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
            assert_eq!(fs::metadata(&target).unwrap().permissions().mode() & 0o777, 0o640);
        }
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains("conflint"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn refuses_a_file_changed_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("httpd.conf");
        fs::write(&file, "changed by someone else\n").unwrap();
        let err = write_atomically(&file, b"original\n", b"fixed\n").unwrap_err();
        assert!(matches!(err, WriteError::Changed { .. }));
        assert_eq!(fs::read(&file).unwrap(), b"changed by someone else\n");
    }
}
