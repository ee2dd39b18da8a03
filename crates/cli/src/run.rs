//! One conflint invocation: dispatch to the subcommand, and what every
//! command shares (where output goes, the exit statuses, conflint.toml).

use std::io::{Read, Write};
use std::path::PathBuf;

use crate::args::{Cli, Command, CommonArgs};
use crate::config::Config;

/// Exit status: nothing to report.
pub const EXIT_CLEAN: u8 = 0;
/// Exit status: findings remain (or a fix was applied, with --exit-non-zero-on-fix).
pub const EXIT_FINDINGS: u8 = 1;
/// Exit status: usage error, unreadable input, or a file that does not parse.
pub const EXIT_ERROR: u8 = 2;

/// Where a run reads and writes, so tests can run it in-process.
pub struct Io<'a> {
    /// Read by `--stdin-filename`.
    pub stdin: &'a mut dyn Read,
    /// Findings, diffs, fixed text.
    pub stdout: &'a mut dyn Write,
    /// Errors and notes.
    pub stderr: &'a mut dyn Write,
    /// Colour the human output (a terminal, and no `NO_COLOR`).
    pub color: bool,
}

/// Run a parsed command line.
pub fn run(cli: Cli, io: &mut Io<'_>) -> u8 {
    match cli.command {
        Some(Command::Rules { format, tag }) => crate::commands::list_rules(format, tag.as_deref(), io),
        Some(Command::Explain { code }) => crate::commands::explain(&code, io),
        Some(Command::Vhosts(args)) => crate::vhosts::command(args, io),
        Some(Command::MailDns(args)) => crate::mail_dns::mail_dns(args, io),
        Some(Command::Completions { shell }) => crate::commands::completions(shell, io),
        Some(Command::Manpage) => crate::commands::manpage(io),
        None => crate::check::check_command(cli.check, io),
    }
}

/// conflint.toml: `--config FILE`, else the nearest one found upward from
/// the first checked path. A found file owned by another user (not root,
/// not the one running conflint) is ignored with a warning, as git ignores
/// a repository it does not own: in a shared directory such as /tmp anyone
/// could otherwise silence root's findings. `--config` names a file to
/// trust whoever owns it.
pub fn load_config(common: &CommonArgs, paths: &[PathBuf]) -> Result<Config, String> {
    if let Some(path) = &common.config {
        return Config::load(path).map_err(|e| e.to_string());
    }
    let start = paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    let Some(path) = Config::discover(&start) else { return Ok(Config::default()) };
    if let Some(owner) = foreign_owner(&path) {
        eprintln!(
            "conflint: warning: ignoring {}: it is owned by uid {owner}, neither you nor root (use --config {} to trust it)",
            conflint_core::text::quoted_path(&path),
            conflint_core::text::quoted_path(&path)
        );
        return Ok(Config::default());
    }
    Config::load(&path).map_err(|e| e.to_string())
}

/// The owner of `path` when it is neither root nor the effective user.
#[cfg(unix)]
fn foreign_owner(path: &std::path::Path) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    let owner = std::fs::metadata(path).ok()?.uid();
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    (owner != 0 && owner != me).then_some(owner)
}

#[cfg(not(unix))]
fn foreign_owner(_path: &std::path::Path) -> Option<u32> {
    None
}
