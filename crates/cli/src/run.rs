//! One conflint invocation: configuration, discovery, checking or fixing
//! every target in parallel, writing, printing, and the exit status.

use std::collections::{BTreeMap, HashSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use conflint_core::Span;
use conflint_core::source::{FileIdentity, FileSystem, OverlayFileSystem, RealFileSystem};
use conflint_rules::engine::{check, locate, sort};
use conflint_rules::fix::{FixFailure, FixOptions, FixedFile, fix_target};
use conflint_rules::settings::{GitlabSettings, HttpdSettings, Selection, parse_size};
use conflint_rules::{Diagnostic, FileKind, Settings, Severity, Target, registry};
use rayon::prelude::*;

use crate::args::{CheckArgs, Cli, Command, CommonArgs, Format, ListFormat, VhostsArgs};
use crate::config::{Config, parse_ip_net};
use crate::diff::unified_diff;
use crate::discover::{self, Found};
use crate::output::{self, Report};
use crate::write::{INTERRUPTED, write_atomically};

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
        Some(Command::Rules { format }) => list_rules(format, io),
        Some(Command::Explain { code }) => explain(&code, io),
        Some(Command::Vhosts(args)) => vhosts(args, io),
        Some(Command::MailDns(args)) => crate::mail_dns::mail_dns(args, io),
        Some(Command::Completions { shell }) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            // Into a buffer first: clap_complete panics on a write error
            // (a closed pipe), and this way a closed pipe is just ignored.
            let mut buffer = Vec::new();
            clap_complete::generate(shell, &mut cmd, "conflint", &mut buffer);
            let _ = io.stdout.write_all(&buffer);
            EXIT_CLEAN
        }
        Some(Command::Manpage) => {
            let cmd = <Cli as clap::CommandFactory>::command();
            let mut buffer = Vec::new();
            match clap_mangen::Man::new(cmd).render(&mut buffer) {
                Ok(()) => {
                    let _ = io.stdout.write_all(&buffer);
                    EXIT_CLEAN
                }
                Err(_) => EXIT_ERROR,
            }
        }
        None => check_command(cli.check, io),
    }
}

macro_rules! say {
    ($w:expr, $($arg:tt)*) => {{ let _ = writeln!($w, $($arg)*); }};
}

fn list_rules(format: ListFormat, io: &mut Io<'_>) -> u8 {
    let rules: Vec<_> = registry::all().iter().map(|r| r.meta()).collect();
    match format {
        ListFormat::Json => {
            let list: Vec<_> = rules
                .iter()
                .map(|m| {
                    serde_json::json!({
                        "code": m.code, "name": m.name, "severity": m.severity.as_str(),
                        "default": m.default_on, "fix": m.fix.as_str(), "summary": m.summary(),
                    })
                })
                .collect();
            say!(io.stdout, "{}", serde_json::to_string_pretty(&list).unwrap_or_default());
        }
        ListFormat::Human => {
            say!(io.stdout, "{:<6} {:<28} {:<8} {:<8} {}", "code", "name", "default", "severity", "fix");
            for m in rules {
                let on = if m.default_on { "on" } else { "off" };
                say!(io.stdout, "{:<6} {:<28} {:<8} {:<8} {}", m.code, m.name, on, m.severity.as_str(), m.fix.as_str());
            }
        }
    }
    EXIT_CLEAN
}

fn explain(code: &str, io: &mut Io<'_>) -> u8 {
    let meta = registry::all().iter().map(|r| r.meta()).find(|m| m.code.eq_ignore_ascii_case(code) || m.name == code);
    match meta {
        Some(m) => {
            say!(io.stdout, "# {} ({})\n", m.name, m.code);
            say!(
                io.stdout,
                "Severity: {}. On by default: {}. Fix: {}.\n",
                m.severity.as_str(),
                if m.default_on { "yes" } else { "no" },
                m.fix.as_str()
            );
            let _ = io.stdout.write_all(m.documentation().as_bytes());
            EXIT_CLEAN
        }
        None => {
            say!(io.stderr, "conflint: unknown rule `{code}`; `conflint rules` lists them");
            EXIT_ERROR
        }
    }
}

fn load_config(common: &CommonArgs) -> Result<Config, String> {
    let path = match &common.config {
        Some(path) => Some(path.clone()),
        None => std::env::current_dir().ok().and_then(|cwd| Config::discover(&cwd)),
    };
    match path {
        Some(path) => Config::load(&path).map_err(|e| e.to_string()),
        None => Ok(Config::default()),
    }
}

/// Settings from conflint.toml with the command line on top.
fn settings(args: &CheckArgs, config: &Config) -> Result<Settings, String> {
    let select = args.select.clone().or_else(|| config.select.clone());
    let mut ignore = config.ignore.clone();
    ignore.extend(args.ignore.iter().cloned());
    let selection = Selection { select, ignore };
    let unknown = selection.unknown_codes();
    if !unknown.is_empty() {
        return Err(format!("unknown rule codes: {} (`conflint rules` lists them)", unknown.join(", ")));
    }
    let memory = match &args.memory {
        Some(m) => Some(parse_size(m).map_err(|e| format!("--memory: {e}"))?),
        None => config.memory,
    };
    let mut trusted_ips = config.trusted_ips.clone();
    for ip in &args.trusted_ips {
        trusted_ips.push(parse_ip_net(ip).map_err(|e| format!("--trusted-ip: {e}"))?);
    }
    Ok(Settings {
        selection,
        httpd: httpd_settings(&args.common, config, memory)?,
        gitlab: GitlabSettings { trusted_ips },
    })
}

fn httpd_settings(common: &CommonArgs, config: &Config, memory: Option<u64>) -> Result<HttpdSettings, String> {
    let version = match &common.apache_version {
        Some(v) => Some(v.parse().map_err(|e| format!("--apache-version: {e}"))?),
        None => config.version,
    };
    Ok(HttpdSettings {
        version,
        server_root: common.server_root.clone().or_else(|| config.server_root.clone()),
        memory,
        process_size: config.process_size,
    })
}

/// What fixing or checking one target produced.
#[derive(Default)]
struct TargetResult {
    diagnostics: Vec<Diagnostic>,
    fixed_files: Vec<FixedFile>,
    fixed: usize,
    failures: Vec<FixFailure>,
    covered: Vec<FileIdentity>,
    files: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Check,
    Fix,
    Diff,
}

fn process(target: &Target, fs: &dyn FileSystem, settings: &Settings, mode: Mode, fix: &FixOptions) -> TargetResult {
    if INTERRUPTED.load(Ordering::SeqCst) {
        return TargetResult::default();
    }
    let loaded = target.load(fs, settings);
    let covered = loaded.unit.as_ref().map(|u| u.covered()).unwrap_or_default();
    let files = covered.len().max(1);
    if mode == Mode::Check {
        let mut diagnostics: Vec<Diagnostic> = loaded
            .diagnostics
            .into_iter()
            .filter(|d| {
                settings.is_enabled(registry::find(d.code).unwrap_or(&conflint_rules::rules::cl::SyntaxError_::META))
            })
            .collect();
        if let Some(unit) = &loaded.unit {
            diagnostics.extend(check(&unit.as_unit(), settings));
        }
        return TargetResult { diagnostics, covered, files, ..Default::default() };
    }
    drop(loaded);
    let outcome = fix_target(target, fs, settings, fix);
    TargetResult {
        diagnostics: outcome.diagnostics,
        fixed_files: outcome.files,
        fixed: outcome.fixed,
        failures: outcome.failures,
        covered,
        files,
    }
}

fn check_command(args: CheckArgs, io: &mut Io<'_>) -> u8 {
    let config = match load_config(&args.common) {
        Ok(config) => config,
        Err(e) => {
            say!(io.stderr, "conflint: {e}");
            return EXIT_ERROR;
        }
    };
    let settings = match settings(&args, &config) {
        Ok(s) => s,
        Err(e) => {
            say!(io.stderr, "conflint: {e}");
            return EXIT_ERROR;
        }
    };
    let mode = if args.fix {
        Mode::Fix
    } else if args.diff {
        Mode::Diff
    } else {
        Mode::Check
    };
    if args.unsafe_fixes && mode == Mode::Check {
        say!(io.stderr, "conflint: --unsafe-fixes needs --fix or --diff");
        return EXIT_ERROR;
    }
    if let Some(name) = args.stdin_filename.clone() {
        return check_stdin(&args, &config, &settings, mode, &name, io);
    }
    let paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
    let mut found = Found::default();
    for path in &paths {
        match std::fs::metadata(path) {
            Err(e) => found.problems.push((path.clone(), format!("cannot read: {e}"), true)),
            Ok(meta) if meta.is_dir() => discover::walk(path, &config.files, &mut found),
            Ok(_) => match discover::classify(path, &config.files) {
                Some(kind) => found.files.push((path.clone(), kind)),
                None => {
                    say!(
                        io.stderr,
                        "conflint: {}: not a file conflint recognises (httpd.conf, apache2.conf, *.conf under apache2/ or conf.d/, php.ini, gitlab.rb). Map it in conflint.toml, e.g.\n  [files]\n  httpd = [\"{}\"]",
                        path.display(),
                        path.display()
                    );
                    return EXIT_ERROR;
                }
            },
        }
    }
    // A file reached twice (named twice, a directory and a file in it, a
    // symlink and its target) is checked once, under the first path found.
    // Identities take a stat each: in parallel, and once per file.
    let identities: Vec<FileIdentity> = found.files.par_iter().map(|(path, _)| FileIdentity::of(path)).collect();
    let mut seen: HashSet<FileIdentity> = HashSet::new();
    let files: Vec<(PathBuf, FileKind, FileIdentity)> = std::mem::take(&mut found.files)
        .into_iter()
        .zip(identities)
        .filter(|(_, identity)| seen.insert(identity.clone()))
        .map(|((path, kind), identity)| (path, kind, identity))
        .collect();
    let fix = FixOptions { unsafe_fixes: args.unsafe_fixes, only_path: None };
    let fs = RealFileSystem;
    let (entries, rest): (Vec<_>, Vec<_>) = files.iter().partition(|(p, k, _)| is_entry(p, *k));
    let entry_targets: Vec<Target> = entries.iter().map(|(p, k, _)| entry_target(p, *k)).collect();
    let mut results: Vec<(Target, TargetResult)> = entry_targets
        .into_par_iter()
        .map(|t| {
            let r = process(&t, &fs, &settings, mode, &fix);
            (t, r)
        })
        .collect();
    let covered: HashSet<FileIdentity> = results.iter().flat_map(|(_, r)| r.covered.iter().cloned()).collect();
    let other_targets: Vec<Target> = rest
        .iter()
        .filter(|(_, _, identity)| !covered.contains(identity))
        .map(|(p, kind, _)| match kind {
            FileKind::Httpd => Target::HttpdFile(p.clone()),
            FileKind::PhpIni => Target::PhpFile(p.clone()),
            FileKind::GitlabRb => Target::GitlabFile(p.clone()),
        })
        .collect();
    results.extend(
        other_targets
            .into_par_iter()
            .map(|t| {
                let r = process(&t, &fs, &settings, mode, &fix);
                (t, r)
            })
            .collect::<Vec<_>>(),
    );
    if INTERRUPTED.load(Ordering::SeqCst) {
        say!(io.stderr, "conflint: interrupted; nothing was written");
        return 130;
    }

    let mut report = Report { fixing: mode == Mode::Fix, ..Default::default() };
    let mut fixed_texts: BTreeMap<PathBuf, Vec<u8>> = BTreeMap::new();
    let mut failed = false;
    for (path, message, is_error) in found.problems {
        let severity = if is_error { Severity::Error } else { Severity::Warning };
        let meta = &conflint_rules::rules::cl::Unreadable::META;
        report.diagnostics.push(Diagnostic {
            code: meta.code,
            name: meta.name,
            severity,
            message,
            location: locate(&path, b"", Span::empty(0)),
            fix: None,
        });
    }
    let mut diffs = String::new();
    for (target, mut result) in results {
        report.files += result.files;
        for failure in result.failures {
            say!(
                io.stderr,
                "conflint: {}: {} fix not applied ({}): {}",
                failure.path.display(),
                failure.code,
                failure.message,
                failure.reason
            );
        }
        match mode {
            Mode::Fix => {
                let mut all_written = true;
                for file in std::mem::take(&mut result.fixed_files) {
                    if INTERRUPTED.load(Ordering::SeqCst) {
                        say!(
                            io.stderr,
                            "conflint: interrupted; {} and later files were not written",
                            file.path.display()
                        );
                        return 130;
                    }
                    match write_atomically(&file.path, &file.original, &file.fixed) {
                        Ok(()) => {
                            fixed_texts.insert(file.path.clone(), file.fixed);
                        }
                        Err(e) => {
                            say!(io.stderr, "conflint: {e}");
                            failed = true;
                            all_written = false;
                        }
                    }
                }
                if all_written {
                    report.fixed += result.fixed;
                } else {
                    // Report what is really on disk now, not what the fixes
                    // would have left.
                    let check = FixOptions::default();
                    result.diagnostics = process(&target, &fs, &settings, Mode::Check, &check).diagnostics;
                }
            }
            Mode::Diff => {
                for file in &result.fixed_files {
                    diffs.push_str(&unified_diff(&file.path, &file.original, &file.fixed));
                }
                report.fixed += result.fixed;
            }
            Mode::Check => {}
        }
        report.diagnostics.extend(result.diagnostics);
    }
    sort(&mut report.diagnostics);
    let source = |path: &Path| fixed_texts.get(path).cloned().or_else(|| RealFileSystem.read(path).ok());
    if mode == Mode::Diff {
        let _ = io.stdout.write_all(diffs.as_bytes());
        if !args.quiet {
            say!(io.stderr, "Would fix {} problem(s); {} would remain.", report.fixed, report.diagnostics.len());
        }
    } else {
        print_report(&report, args.format, &source, io, args.quiet);
    }
    exit_status(&report, failed, mode, args.exit_non_zero_on_fix, !diffs.is_empty())
}

/// Whether a file is the root of a tree checked as a whole.
fn is_entry(path: &Path, kind: FileKind) -> bool {
    match kind {
        FileKind::Httpd => discover::is_httpd_entry(path),
        FileKind::PhpIni => discover::is_php_entry(path),
        FileKind::GitlabRb => false,
    }
}

/// The target for an entry file: an httpd tree, or php.ini with the scan
/// directory next to it (Debian's /etc/php/8.2/cli/conf.d).
fn entry_target(path: &Path, kind: FileKind) -> Target {
    match kind {
        FileKind::PhpIni => {
            let scan_dir = path.parent().map(|d| d.join("conf.d")).filter(|d| d.is_dir());
            Target::PhpTree { main: path.to_path_buf(), scan_dir }
        }
        _ => Target::HttpdTree(path.to_path_buf()),
    }
}

fn print_report(
    report: &Report,
    format: Format,
    source: &dyn Fn(&Path) -> Option<Vec<u8>>,
    io: &mut Io<'_>,
    quiet: bool,
) {
    let text = match format {
        Format::Human => output::human::render(report, source, io.color, quiet),
        Format::Json => output::json::render(report),
        Format::Sarif => output::sarif::render(report),
        Format::Github => output::github::render(report),
    };
    let _ = io.stdout.write_all(text.as_bytes());
}

fn exit_status(report: &Report, failed: bool, mode: Mode, non_zero_on_fix: bool, has_diff: bool) -> u8 {
    let broken =
        report.diagnostics.iter().any(|d| matches!(d.code, "CL001" | "CL002") && d.severity == Severity::Error);
    if failed || broken {
        EXIT_ERROR
    } else if !report.diagnostics.is_empty() || (mode == Mode::Fix && non_zero_on_fix && report.fixed > 0) || has_diff {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// `--stdin-filename NAME`: the file comes from stdin, the rest of its tree
/// (if any) from disk.
fn check_stdin(args: &CheckArgs, config: &Config, settings: &Settings, mode: Mode, name: &Path, io: &mut Io<'_>) -> u8 {
    let mut bytes = Vec::new();
    if let Err(e) = io.stdin.read_to_end(&mut bytes) {
        say!(io.stderr, "conflint: cannot read stdin: {e}");
        return EXIT_ERROR;
    }
    let Some(kind) = discover::classify(name, &config.files) else {
        say!(
            io.stderr,
            "conflint: {}: not a file name conflint recognises; map it in conflint.toml [files]",
            name.display()
        );
        return EXIT_ERROR;
    };
    let target = match kind {
        _ if is_entry(name, kind) => entry_target(name, kind),
        FileKind::Httpd => Target::HttpdFile(name.to_path_buf()),
        FileKind::PhpIni => Target::PhpFile(name.to_path_buf()),
        FileKind::GitlabRb => Target::GitlabFile(name.to_path_buf()),
    };
    let real = RealFileSystem;
    let mut fs = OverlayFileSystem::new(&real);
    fs.insert(name, bytes.clone());
    let fix = FixOptions { unsafe_fixes: args.unsafe_fixes, only_path: Some(name.to_path_buf()) };
    let result = process(&target, &fs, settings, mode, &fix);
    let fixed = result.fixed_files.iter().find(|f| f.path == name).map(|f| f.fixed.clone());
    let mut report =
        Report { diagnostics: result.diagnostics, files: 1, fixed: result.fixed, fixing: mode == Mode::Fix };
    sort(&mut report.diagnostics);
    let text = fixed.clone().unwrap_or_else(|| bytes.clone());
    let source = |path: &Path| if path == name { Some(text.clone()) } else { real.read(path).ok() };
    match mode {
        Mode::Fix => {
            let _ = io.stdout.write_all(&text);
            let rendered = match args.format {
                Format::Human => output::human::render(&report, &source, false, args.quiet),
                Format::Json => output::json::render(&report),
                Format::Sarif => output::sarif::render(&report),
                Format::Github => output::github::render(&report),
            };
            let _ = io.stderr.write_all(rendered.as_bytes());
        }
        Mode::Diff => {
            let _ = io.stdout.write_all(unified_diff(name, &bytes, &text).as_bytes());
        }
        Mode::Check => print_report(&report, args.format, &source, io, args.quiet),
    }
    exit_status(&report, false, mode, args.exit_non_zero_on_fix, mode == Mode::Diff && fixed.is_some())
}

fn vhosts(args: VhostsArgs, io: &mut Io<'_>) -> u8 {
    let config = match load_config(&args.common) {
        Ok(config) => config,
        Err(e) => {
            say!(io.stderr, "conflint: {e}");
            return EXIT_ERROR;
        }
    };
    let httpd = match httpd_settings(&args.common, &config, None) {
        Ok(h) => h,
        Err(e) => {
            say!(io.stderr, "conflint: {e}");
            return EXIT_ERROR;
        }
    };
    let path = args.path.unwrap_or_else(|| PathBuf::from("."));
    let Some(entry) = crate::vhosts::find_entry(&path) else {
        say!(io.stderr, "conflint: no httpd.conf or apache2.conf at {}", path.display());
        return EXIT_ERROR;
    };
    let options = conflint_core::httpd::HttpdOptions {
        server_root: httpd.server_root,
        version: httpd.version,
        defines: Vec::new(),
    };
    let tree = match crate::vhosts::load(&entry, &options) {
        Ok(tree) => tree,
        Err(e) => {
            say!(io.stderr, "conflint: {e}");
            return EXIT_ERROR;
        }
    };
    for problem in &tree.problems {
        say!(io.stderr, "conflint: warning: {}: {:?}", problem.path.display(), problem.kind);
    }
    let text = match args.format {
        ListFormat::Human => crate::vhosts::render_text(&tree),
        ListFormat::Json => crate::vhosts::render_json(&tree),
    };
    let _ = io.stdout.write_all(text.as_bytes());
    EXIT_CLEAN
}
