//! Where a path really leads: symlinks resolved one by one, never through
//! the kernel's pseudo file systems (`/proc`'s magic links name open files
//! and other processes' roots, not places in the tree), and whether that
//! place lies under the paths named on the command line.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::io;
use std::path::{Component, Path, PathBuf};

/// Symlinks followed at most while resolving one path (Linux's limit).
const MAX_LINKS: usize = 40;

/// The real location of `path`: absolute, every symlink resolved, no `.`
/// or `..` left. Fails if `path` does not exist, on a symlink loop (more
/// than 40 links), and when the way leads through `/proc` or `/sys` (a
/// symlink inside them, or a file on them): those name processes and
/// kernel objects, not configuration.
pub fn real_location(path: &Path) -> io::Result<PathBuf> {
    let absolute = std::path::absolute(path)?;
    let mut pending: VecDeque<OsString> = VecDeque::new();
    push_front(&mut pending, &absolute);
    let mut resolved = PathBuf::from("/");
    let mut links = 0;
    while let Some(part) = pending.pop_front() {
        match part.to_str() {
            Some("/") => {
                resolved = PathBuf::from("/");
                continue;
            }
            Some(".") => continue,
            Some("..") => {
                resolved.pop();
                continue;
            }
            _ => {}
        }
        let candidate = resolved.join(&part);
        let meta = std::fs::symlink_metadata(&candidate)?;
        if !meta.file_type().is_symlink() {
            resolved = candidate;
            continue;
        }
        links += 1;
        if links > MAX_LINKS {
            return Err(io::Error::from_raw_os_error(libc::ELOOP));
        }
        refuse_pseudo_fs(&resolved, &candidate)?;
        let target = std::fs::read_link(&candidate)?;
        push_front(&mut pending, &target);
    }
    if let Some(parent) = resolved.parent() {
        refuse_pseudo_fs(parent, &resolved)?;
    }
    Ok(resolved)
}

/// Put the components of `path` in front of `pending` (`/` for a root).
fn push_front(pending: &mut VecDeque<OsString>, path: &Path) {
    for component in path.components().rev() {
        let part = match component {
            Component::RootDir => OsString::from("/"),
            Component::CurDir => continue,
            Component::ParentDir => OsString::from(".."),
            Component::Normal(name) => name.to_os_string(),
            Component::Prefix(prefix) => prefix.as_os_str().to_os_string(),
        };
        pending.push_front(part);
    }
}

/// Fail if directory `dir` is on procfs or sysfs (`what` is the path that
/// led there, for the message).
fn refuse_pseudo_fs(dir: &Path, what: &Path) -> io::Result<()> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        const SYSFS_MAGIC: rustix::fs::FsWord = 0x6265_6572;
        let kind = rustix::fs::statfs(dir)?.f_type;
        if kind == rustix::fs::PROC_SUPER_MAGIC || kind == SYSFS_MAGIC {
            let message = format!("{} is in /proc or /sys, which conflint does not follow", what.display());
            return Err(io::Error::new(io::ErrorKind::InvalidInput, message));
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let _ = (dir, what);
    Ok(())
}

/// The real locations of the paths named on the command line, to tell
/// whether a file to be fixed lies under one of them.
#[derive(Debug, Clone, Default)]
pub struct Roots {
    roots: Vec<PathBuf>,
}

impl Roots {
    /// Resolve every path with [`real_location`]. A path that cannot be
    /// resolved is an error naming it.
    pub fn new<I, P>(paths: I) -> io::Result<Roots>
    where
        I: IntoIterator<Item = P>,
        P: AsRef<Path>,
    {
        let mut roots = Vec::new();
        for path in paths {
            let path = path.as_ref();
            let real = real_location(path)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: cannot resolve: {e}", path.display())))?;
            roots.push(real);
        }
        Ok(Roots { roots })
    }

    /// The resolved roots.
    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// Whether `real` (a path from [`real_location`] or
    /// [`FileStamp::real_path`](super::FileStamp::real_path)) is one of the
    /// roots or lies under one, compared component by component
    /// (`/etc/apache2-old` is not under `/etc/apache2`).
    pub fn contains(&self, real: &Path) -> bool {
        self.roots.iter().any(|root| real.starts_with(root))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn resolves_relative_and_absolute_links_and_dot_dot() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().canonicalize().expect("canonical");
        std::fs::create_dir_all(root.join("apache2/sites-available")).expect("mkdir");
        std::fs::create_dir_all(root.join("apache2/sites-enabled")).expect("mkdir");
        std::fs::write(root.join("apache2/sites-available/www.conf"), "x").expect("write");
        symlink("../sites-available/www.conf", root.join("apache2/sites-enabled/www.conf")).expect("symlink");
        symlink(root.join("apache2"), root.join("etc-link")).expect("symlink");
        let real = root.join("apache2/sites-available/www.conf");
        assert_eq!(real_location(&root.join("apache2/sites-enabled/www.conf")).expect("resolve"), real);
        assert_eq!(real_location(&root.join("etc-link/sites-enabled/www.conf")).expect("resolve"), real);
        assert_eq!(real_location(&root.join("etc-link/sites-enabled/../sites-available/./www.conf")).expect("r"), real);
        let roots = Roots::new([root.join("etc-link")]).expect("roots");
        assert!(roots.contains(&real));
        assert!(!roots.contains(&root.join("apache2-old/x.conf")));
        assert!(!Roots::new([root.join("apache2/sites-enabled")]).expect("roots").contains(&real));
    }

    #[test]
    fn refuses_loops_missing_files_and_proc() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        symlink("b", root.join("a")).expect("symlink");
        symlink("a", root.join("b")).expect("symlink");
        let err = real_location(&root.join("a")).expect_err("a loop");
        assert_eq!(err.raw_os_error(), Some(libc::ELOOP));
        assert_eq!(real_location(&root.join("none")).expect_err("missing").kind(), io::ErrorKind::NotFound);
        // /proc/self/root is a magic link to this process's root.
        symlink("/proc/self/root/etc", root.join("etc")).expect("symlink");
        let err = real_location(&root.join("etc/hostname")).expect_err("through /proc");
        assert!(err.to_string().contains("in /proc or /sys"), "{err}");
        let err = real_location(Path::new("/proc/version")).expect_err("a file in /proc");
        assert!(err.to_string().contains("in /proc or /sys"), "{err}");
    }
}
