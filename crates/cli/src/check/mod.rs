//! The default command: check (or fix) the paths given. One job per step:
//! [`prepare`] reads the configuration, [`discover`](crate::discover) and
//! [`plan`](conflint_rules::plan) choose the targets, [`execute`] runs them,
//! [`apply`] writes or diffs the fixes, [`crate::report`] prints and picks
//! the exit status.

pub mod apply;
pub mod execute;
mod stdin;

use std::path::PathBuf;
use std::sync::atomic::Ordering;

use conflint_core::source::{FileIdentity, RealFileSystem};
use conflint_rules::Settings;
use conflint_rules::fix::FixOptions;
use conflint_rules::loading;
use conflint_rules::plan::{Found, plan};
use rayon::prelude::*;

use crate::args::CheckArgs;
use crate::config::Config;
use crate::discover::{self, Walked};
use crate::output::Report;
use crate::report::{self, Outcome};
use crate::run::{EXIT_ERROR, Io, load_config};
use crate::write::INTERRUPTED;

pub use execute::Mode;

macro_rules! say {
    ($w:expr, $($arg:tt)*) => {{ let _ = writeln!($w, $($arg)*); }};
}

/// `conflint [OPTIONS] [PATH]...`
pub fn check_command(args: CheckArgs, io: &mut Io<'_>) -> u8 {
    let (config, settings, mode) = match prepare(&args) {
        Ok(prepared) => prepared,
        Err(message) => {
            say!(io.stderr, "conflint: {message}");
            return EXIT_ERROR;
        }
    };
    if settings.tls.profile == conflint_rules::settings::TlsProfile::Old {
        say!(
            io.stderr,
            "conflint: warning: TLS profile `old` is Mozilla's guideline 5.8; guideline 6.0 dropped it as not recommended (TLS 1.0/1.1 and 3DES): use it only for clients that cannot do TLS 1.2"
        );
    }
    if args.show_settings {
        return show_settings(&config, &settings, io);
    }
    let limit = args.max_file_size.unwrap_or(conflint_core::source::DEFAULT_MAX_FILE_SIZE);
    let fs = RealFileSystem::with_max_file_size(limit);
    let fix = FixOptions { unsafe_fixes: args.unsafe_fixes, only_path: None };
    if let Some(name) = args.stdin_filename.clone() {
        // `--stdin-filename NAME [FILE]`: the text of NAME comes from FILE
        // (never written) or stdin. Anything else with it is a usage error:
        // a PATH silently ignored would pass Ansible's `validate:` always.
        let source = match args.paths.as_slice() {
            [] => None,
            [file] if file.is_file() => Some(file.clone()),
            [file] => {
                say!(
                    io.stderr,
                    "conflint: --stdin-filename takes one regular FILE to read NAME's text from; {} is not one",
                    conflint_core::text::quoted_path(file)
                );
                return EXIT_ERROR;
            }
            _ => {
                say!(
                    io.stderr,
                    "conflint: --stdin-filename takes at most one FILE (the text of NAME), not several paths"
                );
                return EXIT_ERROR;
            }
        };
        return stdin::check_stdin(&args, &config, &settings, mode, &name, source.as_deref(), &fs, io);
    }
    let paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
    let walked = match discover_paths(&paths, &config, io) {
        Ok(walked) => walked,
        Err(code) => return code,
    };
    let found = identify(walked.files, &fs);
    let planned = plan(found, &fs, &settings);
    if args.format == crate::args::Format::Human && !args.quiet {
        for (entry, outer) in nested_entries(&planned.entries) {
            say!(
                io.stderr,
                "conflint: note: {} is checked as a tree of its own: no file of {}'s tree includes it (a backup copy?)",
                conflint_core::text::quoted_path(entry.strip_prefix(".").unwrap_or(entry)),
                conflint_core::text::quoted_path(outer.strip_prefix(".").unwrap_or(outer))
            );
        }
    }
    // Fixing reads through stamps (device, inode, size, time of each file
    // read), so the writer can tell the file it replaces is the one fixed.
    let stamps = crate::write::StampingFileSystem::over(fs);
    let read_with: &dyn conflint_core::source::FileSystem = if mode == Mode::Fix { &stamps } else { &fs };
    let results = execute::run(&planned, read_with, &settings, mode, &fix);
    if INTERRUPTED.load(Ordering::SeqCst) {
        say!(io.stderr, "conflint: interrupted; nothing was written");
        return 130;
    }
    let mut report = Report { fixing: mode == Mode::Fix, ..Default::default() };
    report.diagnostics.extend(walked.problems.iter().map(|p| loading::diagnostic(p, None)));
    let walk_failed = walked.problems.iter().any(|p| !matches!(p.kind, conflint_core::ProblemKind::SymlinkLoop(_)));
    let mut outcome = Outcome { failed: walk_failed, ..Default::default() };
    let roots = write_roots(&paths, &settings);
    report::collect(results, mode, &roots, &args, &fs, &stamps, &settings, &mut report, &mut outcome, io)
}

/// `--show-settings`: which conflint.toml is in effect, and what it and the
/// command line decide.
fn show_settings(config: &Config, settings: &Settings, io: &mut Io<'_>) -> u8 {
    let source = match &config.path {
        Some(path) => conflint_core::text::quoted_path(path),
        None => "none (defaults)".to_string(),
    };
    say!(io.stdout, "config file: {source}");
    let rules: Vec<&str> =
        conflint_rules::Rule::ALL.iter().filter(|r| settings.is_enabled(**r)).map(|r| r.code()).collect();
    say!(io.stdout, "rules: {}", rules.join(", "));
    say!(io.stdout, "{settings:#?}");
    crate::run::EXIT_CLEAN
}

/// The configuration, the settings and the mode of a run.
fn prepare(args: &CheckArgs) -> Result<(Config, Settings, Mode), String> {
    let config = load_config(&args.common, &args.paths)?;
    let settings = crate::settings::settings(args, &config)?;
    let mode = if args.fix {
        Mode::Fix
    } else if args.diff {
        Mode::Diff
    } else {
        Mode::Check
    };
    if args.unsafe_fixes && mode == Mode::Check {
        return Err("--unsafe-fixes needs --fix or --diff".to_string());
    }
    Ok((config, settings, mode))
}

/// Walk the paths given; a file named explicitly that no format claims is a
/// usage error that says how to map it.
fn discover_paths(paths: &[PathBuf], config: &Config, io: &mut Io<'_>) -> Result<Walked, u8> {
    let mut walked = Walked::default();
    for path in paths {
        match std::fs::metadata(path) {
            Err(e) => walked.problems.push(conflint_core::LoadProblem::unreadable(path, e.to_string())),
            Ok(meta) if meta.is_dir() => discover::walk(path, &config.files, &mut walked),
            Ok(_) => match discover::classify(path, &config.files) {
                Some((kind, role)) => walked.files.push((path.clone(), kind, role)),
                None => {
                    let shown = conflint_core::text::quoted_path(path);
                    say!(
                        io.stderr,
                        "conflint: {shown}: not a file conflint recognises (httpd.conf, apache2.conf, *.conf under apache2/ or conf.d/, php.ini, gitlab.rb). Map it in conflint.toml, e.g.\n  [files]\n  httpd = [\"{shown}\"]"
                    );
                    return Err(EXIT_ERROR);
                }
            },
        }
    }
    if walked.files.is_empty() && walked.problems.is_empty() {
        let shown: Vec<String> = paths.iter().map(|p| conflint_core::text::quoted_path(p)).collect();
        say!(
            io.stderr,
            "conflint: warning: no configuration file found in {}; nothing was checked (conflint.toml [files] maps more names)",
            shown.join(", ")
        );
    }
    Ok(walked)
}

/// httpd entry files that lie in another entry's directory (XAMPP keeps
/// `conf/original/httpd.conf` next to `conf/httpd.conf`): each is its own
/// tree, which a reader of the findings should be told.
fn nested_entries(entries: &[conflint_core::Target]) -> Vec<(&std::path::Path, &std::path::Path)> {
    let httpd: Vec<&conflint_core::Target> = entries
        .iter()
        .filter(|t| t.kind == conflint_core::FileKind::Httpd && t.scope == conflint_core::Scope::Tree)
        .collect();
    let mut out = Vec::new();
    for inner in &httpd {
        let outer = httpd.iter().find(|outer| {
            outer.path != inner.path && outer.path.parent().is_some_and(|dir| inner.path.starts_with(dir))
        });
        if let Some(outer) = outer {
            out.push((inner.path.as_path(), outer.path.as_path()));
        }
    }
    out
}

/// The identity of each file found (a stat each: in parallel).
fn identify(files: Vec<(PathBuf, conflint_core::FileKind, conflint_core::Role)>, fs: &RealFileSystem) -> Vec<Found> {
    use conflint_core::source::FileSystem;
    let identities: Vec<FileIdentity> = files.par_iter().map(|(path, _, _)| fs.identity(path)).collect();
    files
        .into_iter()
        .zip(identities)
        .map(|((path, kind, role), identity)| Found { path, kind, role, identity })
        .collect()
}

/// Where fixes may be written: the paths given (a file stands for its
/// directory, where its tree lives) and the server root.
fn write_roots(paths: &[PathBuf], settings: &Settings) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = paths.iter().map(|p| tree_root(p)).collect();
    // A file named on its own may be written wherever it really is: the
    // user pointed at it (a link named explicitly is written through).
    roots.extend(paths.iter().filter(|p| p.is_file()).cloned());
    roots.extend(settings.httpd.server_root.clone());
    roots
}

/// The directory a path given on the command line stands for: itself, or
/// for a file the directory of its tree (Red Hat's `conf/httpd.conf`
/// includes `conf.d/` next to `conf/`).
fn tree_root(path: &std::path::Path) -> PathBuf {
    if path.is_dir() {
        return path.to_path_buf();
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    match (dir.file_name(), dir.parent()) {
        (Some(name), Some(up)) if name == "conf" && !up.as_os_str().is_empty() => up.to_path_buf(),
        _ => dir,
    }
}
