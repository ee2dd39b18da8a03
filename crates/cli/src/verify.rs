//! Checking fixed files with the servers' own checks before they are
//! written: `apache2 -t` (or `httpd -t`) on a staged copy of the tree,
//! `php -n -c FILE` for php.ini files, `ruby -c` for gitlab.rb, and
//! `postconf -c DIR -n` (with `postconf -c DIR -M` for master.cf) on a
//! staged copy of a Postfix pair: postconf's warnings count as a refusal.
//!
//! The check is differential: the tree is staged twice, as it is and as it
//! would be, and a fix is refused only when the server accepts the first
//! and refuses the second. What the server refuses in both (a module this
//! machine lacks, a log directory that does not exist here) is no reason to
//! refuse the fix, and says nothing about it.
//!
//! Staging an httpd tree: the server root (the entry file's directory, or
//! the parent of `conf/` for `conf/httpd.conf`) is copied to a temporary
//! directory, symlinks kept; the fixed texts replace their files there;
//! the live root's absolute path (`/etc/apache2`, and any `ServerRoot`) is
//! replaced by the staging directory in the staged copies, so absolute
//! `Include`s resolve into the copy. Files outside the server root are read
//! from where they are, unchanged: a fix to such a file is not verified.
//! Debian's `envvars` is sourced first, as `apache2ctl` does.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use conflint_core::{FileKind, Target};
use conflint_rules::fix::FixedFile;

/// What verification found for one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The server accepts the fixed files (the check named).
    Passed(String),
    /// No check ran (no server binary, or the files fail it as they are).
    Skipped(String),
    /// The server accepts the files as they are and refuses them fixed.
    Refused {
        /// The check that refused.
        check: String,
        /// What it said.
        message: String,
    },
}

/// Verify the fixed files of `target`.
pub fn verify(target: &Target, files: &[FixedFile]) -> Verdict {
    if files.is_empty() {
        return Verdict::Skipped("nothing to verify".to_string());
    }
    match target.kind {
        FileKind::Httpd => verify_httpd(target, files),
        FileKind::PhpIni => verify_each(files, "php -n -c", php_check),
        FileKind::GitlabRb => verify_each(files, "ruby -c", ruby_check),
        FileKind::Postfix => verify_postfix(files),
    }
}

/// A program on PATH or in the sbin directories.
fn program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<PathBuf> = std::env::split_paths(&path).chain(["/usr/sbin".into(), "/sbin".into()]).collect();
    names.iter().find_map(|name| dirs.iter().map(|d| d.join(name)).find(|p| p.is_file()))
}

/// Run one check on each file as it is and as fixed.
fn verify_each(files: &[FixedFile], check: &str, run: fn(&[u8]) -> Option<Result<(), String>>) -> Verdict {
    for file in files {
        let Some(before) = run(&file.original) else {
            return Verdict::Skipped(format!("`{check}` is not installed"));
        };
        if before.is_err() {
            continue;
        }
        if let Some(Err(message)) = run(&file.fixed) {
            return Verdict::Refused {
                check: check.to_string(),
                message: format!("{}: {message}", conflint_core::text::quoted_path(&file.path)),
            };
        }
    }
    Verdict::Passed(check.to_string())
}

/// `php -n -c FILE -r ''`: PHP's startup warnings about the file.
fn php_check(text: &[u8]) -> Option<Result<(), String>> {
    let php = program(&["php"])?;
    let dir = tempfile::tempdir().ok()?;
    let ini = dir.path().join("php.ini");
    std::fs::write(&ini, text).ok()?;
    let out = Command::new(php)
        .args(["-n", "-c"])
        .arg(&ini)
        .args(["-d", "display_startup_errors=1", "-d", "error_reporting=-1", "-r", ""])
        .env("PHP_INI_SCAN_DIR", "")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let warnings: Vec<&str> =
        said.lines().filter(|l| l.contains("Warning") || l.contains("Parse error") || l.contains("Fatal")).collect();
    Some(if warnings.is_empty() && out.status.success() { Ok(()) } else { Err(warnings.join("; ")) })
}

/// `ruby -c`: Ruby's own syntax check.
fn ruby_check(text: &[u8]) -> Option<Result<(), String>> {
    let ruby = program(&["ruby"])?;
    let dir = tempfile::tempdir().ok()?;
    let file = dir.path().join("gitlab.rb");
    std::fs::write(&file, text).ok()?;
    let out = Command::new(ruby).arg("-c").arg(&file).stdin(Stdio::null()).output().ok()?;
    Some(if out.status.success() { Ok(()) } else { Err(first_line(&out.stderr)) })
}

/// `postconf -c DIR -n` and `postconf -c DIR -M` on a staged directory
/// holding the fixed main.cf and master.cf (each file as it is where it was
/// not fixed): what postconf says on stderr (`warning: ...`, `fatal: ...`)
/// is a refusal. Differential, as the other checks: a pair postconf
/// already complains about as it is is not held against the fix.
fn verify_postfix(files: &[FixedFile]) -> Verdict {
    const CHECK: &str = "postconf -n";
    let Some(postconf) = program(&["postconf"]) else {
        return Verdict::Skipped("`postconf` is not installed".to_string());
    };
    let stage = |fixed: bool| -> Option<Result<(), String>> {
        let dir = tempfile::Builder::new().prefix("conflint-verify-").tempdir().ok()?;
        for file in files {
            let name = if file.path.file_name().is_some_and(|n| n.to_string_lossy().contains("master")) {
                "master.cf"
            } else {
                "main.cf"
            };
            std::fs::write(dir.path().join(name), if fixed { &file.fixed } else { &file.original }).ok()?;
        }
        // postconf needs both files; the one not being fixed stays as it is beside it.
        for name in ["main.cf", "master.cf"] {
            let staged = dir.path().join(name);
            if staged.exists() {
                continue;
            }
            let original = files.first().and_then(|f| f.path.parent()).map(|d| d.join(name));
            match original.and_then(|p| std::fs::read(p).ok()) {
                Some(bytes) => std::fs::write(&staged, bytes).ok()?,
                None => std::fs::write(&staged, b"").ok()?,
            }
        }
        // postconf waits (up to seconds) for a configuration file changed
        // in the last moments to settle; the staged copies are dated back
        // so that a check takes milliseconds.
        let settled = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for name in ["main.cf", "master.cf"] {
            let file = std::fs::OpenOptions::new().write(true).open(dir.path().join(name)).ok()?;
            file.set_modified(settled).ok()?;
        }
        let mut said = String::new();
        for flag in ["-n", "-M"] {
            let out = Command::new(&postconf)
                .arg("-c")
                .arg(dir.path())
                .arg(flag)
                .env_remove("MAIL_CONFIG")
                .stdin(Stdio::null())
                .output()
                .ok()?;
            let stderr = String::from_utf8_lossy(&out.stderr).replace(&dir.path().to_string_lossy().into_owned(), ".");
            said.push_str(stderr.trim());
            if !out.status.success() && stderr.trim().is_empty() {
                said.push_str(&format!("postconf {flag} failed"));
            }
        }
        Some(if said.is_empty() { Ok(()) } else { Err(said) })
    };
    let Some(before) = stage(false) else {
        return Verdict::Skipped("the Postfix files could not be staged".to_string());
    };
    if let Err(message) = before {
        return Verdict::Skipped(format!("`{CHECK}` complains about the files as they are ({message})"));
    }
    match stage(true) {
        Some(Ok(())) => Verdict::Passed(CHECK.to_string()),
        Some(Err(message)) => Verdict::Refused { check: CHECK.to_string(), message },
        None => Verdict::Skipped("the Postfix files could not be staged".to_string()),
    }
}

fn first_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_string()
}

/// The server root of an httpd entry file, as [`conflint_core::httpd::include::RootMap`] infers it.
fn server_root(entry: &Path) -> PathBuf {
    let dir = entry.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let is_conf = dir.file_name().is_some_and(|n| n == "conf") && entry.file_name().is_some_and(|n| n == "httpd.conf");
    if is_conf { dir.parent().map(Path::to_path_buf).unwrap_or(dir) } else { dir }
}

fn verify_httpd(target: &Target, files: &[FixedFile]) -> Verdict {
    let Some(binary) = program(&["apache2", "httpd"]) else {
        return Verdict::Skipped("neither `apache2` nor `httpd` is installed".to_string());
    };
    let check = format!("{} -t", binary.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
    // A fragment has no tree to start httpd with.
    if target.scope != conflint_core::Scope::Tree {
        return Verdict::Skipped(format!("`{check}` needs a whole tree"));
    }
    let root = server_root(&target.path);
    let Ok(root) = std::fs::canonicalize(&root) else {
        return Verdict::Skipped("the server root cannot be resolved".to_string());
    };
    let Ok(entry) = std::fs::canonicalize(&target.path) else {
        return Verdict::Skipped("the entry file cannot be resolved".to_string());
    };
    let Ok(rel_entry) = entry.strip_prefix(&root).map(Path::to_path_buf) else {
        return Verdict::Skipped("the entry file lies outside its server root".to_string());
    };
    let Some(before) = stage_and_check(&binary, &root, &rel_entry, &[]) else {
        return Verdict::Skipped("the tree could not be staged".to_string());
    };
    if let Err(message) = before {
        return Verdict::Skipped(format!("`{check}` refuses the tree as it is on this machine ({message})"));
    }
    let fixed: Vec<(PathBuf, &[u8])> = files
        .iter()
        .filter_map(|f| {
            let real = std::fs::canonicalize(&f.path).ok()?;
            Some((real.strip_prefix(&root).ok()?.to_path_buf(), f.fixed.as_slice()))
        })
        .collect();
    match stage_and_check(&binary, &root, &rel_entry, &fixed) {
        Some(Ok(())) => Verdict::Passed(check),
        Some(Err(message)) => Verdict::Refused { check, message },
        None => Verdict::Skipped("the tree could not be staged".to_string()),
    }
}

/// Copy `root` to a temporary directory with `replaced` files overlaid and
/// run `binary -t` on the copy. `None` when staging failed.
fn stage_and_check(
    binary: &Path,
    root: &Path,
    entry: &Path,
    replaced: &[(PathBuf, &[u8])],
) -> Option<Result<(), String>> {
    let dir = tempfile::Builder::new().prefix("conflint-verify-").tempdir().ok()?;
    let stage = dir.path().join("root");
    copy_tree(root, &stage)?;
    for (rel, text) in replaced {
        let path = stage.join(rel);
        let _ = std::fs::remove_file(&path);
        std::fs::write(&path, text).ok()?;
    }
    relocate(&stage, root)?;
    // The run, lock and log directories a check needs go into the staging
    // directory: the check is about the configuration, not about whether
    // /var/run/apache2 exists yet (systemd makes it when httpd starts).
    let run = dir.path().join("run");
    for sub in ["run", "lock", "log"] {
        std::fs::create_dir_all(dir.path().join(sub)).ok()?;
    }
    let envvars = stage.join("envvars");
    let mut command = if envvars.is_file() {
        let mut c = Command::new("sh");
        c.arg("-c")
            .arg(
                r#". "$1" && export APACHE_RUN_DIR="$5/run" APACHE_LOCK_DIR="$5/lock" APACHE_LOG_DIR="$5/log" APACHE_PID_FILE="$5/run/httpd.pid" && exec "$2" -t -d "$3" -f "$4""#,
            )
            .arg("sh")
            .arg(&envvars)
            .arg(binary)
            .arg(&stage)
            .arg(stage.join(entry))
            .arg(dir.path());
        let _ = &run;
        c
    } else {
        let mut c = Command::new(binary);
        c.arg("-t").arg("-d").arg(&stage).arg("-f").arg(stage.join(entry));
        c
    };
    let out = command.env("APACHE_CONFDIR", &stage).stdin(Stdio::null()).output().ok()?;
    let said =
        String::from_utf8_lossy(&out.stderr).replace(&stage.to_string_lossy().into_owned(), &root.to_string_lossy());
    Some(if out.status.success() {
        Ok(())
    } else {
        Err(said.lines().filter(|l| !l.trim().is_empty()).collect::<Vec<_>>().join(" ").trim().to_string())
    })
}

/// Copy a directory tree, symlinks kept (an absolute link into the tree is
/// made to point into the copy). `None` on a failure.
fn copy_tree(from: &Path, to: &Path) -> Option<()> {
    for entry in walkdir::WalkDir::new(from).max_depth(16) {
        let entry = entry.ok()?;
        let rel = entry.path().strip_prefix(from).ok()?;
        let dest = to.join(rel);
        let kind = entry.file_type();
        if kind.is_symlink() {
            let link = std::fs::read_link(entry.path()).ok()?;
            let link = match link.strip_prefix(from) {
                Ok(inside) => to.join(inside),
                Err(_) => link,
            };
            #[cfg(unix)]
            std::os::unix::fs::symlink(link, &dest).ok()?;
        } else if kind.is_dir() {
            std::fs::create_dir_all(&dest).ok()?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &dest).ok()?;
        }
    }
    Some(())
}

/// Point the staged copy's absolute references to the live root at the
/// copy: every occurrence of the root's real path, and of the paths the
/// distributions install it at (`/etc/apache2`, `/etc/httpd`, which a
/// checkout in a repository still names), in its text files.
fn relocate(stage: &Path, root: &Path) -> Option<()> {
    let mut lives: Vec<String> = vec![root.to_string_lossy().into_owned()];
    if let Some(name) = root.file_name() {
        lives.push(format!("/etc/{}", name.to_string_lossy()));
    }
    lives.extend(["/etc/apache2".to_string(), "/etc/httpd".to_string()]);
    lives.sort_by_key(|l| std::cmp::Reverse(l.len()));
    lives.dedup();
    let staged = stage.to_string_lossy().into_owned();
    for entry in walkdir::WalkDir::new(stage).max_depth(16) {
        let entry = entry.ok()?;
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(bytes) = std::fs::read(entry.path()) else { continue };
        let Ok(mut text) = String::from_utf8(bytes) else { continue };
        let mut changed = false;
        for live in &lives {
            // Whole path components only: `/etc/apache2` but not `/etc/apache2-x`.
            let pattern = format!("{live}/");
            if text.contains(&pattern) || text.contains(&format!("{live}\"")) || text.ends_with(live.as_str()) {
                text =
                    text.replace(&pattern, &format!("{staged}/")).replace(&format!("{live}\""), &format!("{staged}\""));
                changed = true;
            }
        }
        if changed {
            std::fs::write(entry.path(), text).ok()?;
        }
    }
    Some(())
}
