//! `--stdin-filename NAME [FILE]`: the file's text comes from stdin (or
//! from FILE, which is never written: Ansible's `validate:` passes a
//! temporary copy), the rest of its tree (if any) from disk; with `--fix`
//! the fixed text goes to stdout.

use std::path::Path;

use conflint_core::source::{FileSystem, OverlayFileSystem, RealFileSystem};
use conflint_rules::Settings;
use conflint_rules::diff::unified_diff_masked;
use conflint_rules::fix::FixOptions;
use conflint_rules::plan::{Found, single_file_target};

use crate::args::{CheckArgs, Format};
use crate::check::Mode;
use crate::check::execute::process;
use crate::config::Config;
use crate::discover;
use crate::output::Report;
use crate::report::{self, Outcome};
use crate::run::{EXIT_ERROR, Io};

macro_rules! say {
    ($w:expr, $($arg:tt)*) => {{ let _ = writeln!($w, $($arg)*); }};
}

/// Check (or fix) stdin (or `source`) as the file `name`.
#[allow(clippy::too_many_arguments)]
pub(super) fn check_stdin(
    args: &CheckArgs,
    config: &Config,
    settings: &Settings,
    mode: Mode,
    name: &Path,
    source: Option<&Path>,
    real: &RealFileSystem,
    io: &mut Io<'_>,
) -> u8 {
    let mut bytes = Vec::new();
    let read = match source {
        Some(file) => real.read(file).map(|b| bytes = b),
        None => io.stdin.read_to_end(&mut bytes).map(|_| ()),
    };
    if let Err(e) = read {
        let from = source.map_or_else(|| "stdin".to_string(), conflint_core::text::quoted_path);
        say!(io.stderr, "conflint: cannot read {from}: {e}");
        return EXIT_ERROR;
    }
    let Some((kind, role)) = discover::classify(name, &config.files) else {
        say!(
            io.stderr,
            "conflint: {}: not a file name conflint recognises; map it in conflint.toml [files]",
            conflint_core::text::quoted_path(name)
        );
        return EXIT_ERROR;
    };
    let mut fs = OverlayFileSystem::new(real);
    fs.insert(name, bytes.clone());
    let found = Found { path: name.to_path_buf(), kind, role, identity: fs.identity(name) };
    let target = single_file_target(&found, &fs, settings, true);
    let fix = FixOptions { unsafe_fixes: args.unsafe_fixes, only_path: Some(name.to_path_buf()) };
    let result = process(&target, &fs, settings, mode, &fix);
    let fixed_file = result.fixed_files.iter().find(|f| f.path == name).cloned();
    let fixed = fixed_file.as_ref().map(|f| f.fixed.clone());
    let mut report = Report {
        diagnostics: result.diagnostics,
        files: 1,
        fixed: result.fixed,
        fixing: mode == Mode::Fix,
        secrets: result.secrets.into_iter().collect(),
        verified: Vec::new(),
    };
    conflint_rules::engine::sort(&mut report.diagnostics);
    let text = fixed.clone().unwrap_or_else(|| bytes.clone());
    let source = |path: &Path| if path == name { Some(text.clone()) } else { real.read(path).ok() };
    match mode {
        Mode::Fix => {
            let _ = io.stdout.write_all(&text);
            let format = if args.format == Format::Human { Format::Human } else { args.format };
            let rendered = report::render(&report, format, &source, false, args.quiet);
            let _ = io.stderr.write_all(rendered.as_bytes());
        }
        Mode::Diff => {
            let diff = match &fixed_file {
                Some(f) => unified_diff_masked(name, &bytes, &f.fixed, &f.original_secrets, &f.fixed_secrets),
                None => String::new(),
            };
            let _ = io.stdout.write_all(diff.as_bytes());
        }
        Mode::Check => report::print(&report, args.format, &source, io, args.quiet),
    }
    let outcome = Outcome { failed: result.load_failed, has_diff: mode == Mode::Diff && fixed.is_some() };
    report::exit_status(&report, &outcome, mode, args.exit_non_zero_on_fix)
}
