//! conflint-cli: the `conflint` command line. Walking directories, choosing
//! targets, running checks and fixes in parallel, printing results in the
//! chosen format, and writing fixed files safely.

#![warn(missing_docs)]

pub mod args;
pub mod check;
pub mod commands;
pub mod config;
pub mod discover;
pub mod mail_dns;
pub mod output;
pub mod report;
pub mod run;
pub mod settings;
pub mod template_source;
pub mod verify;
pub mod vhosts;
pub mod write;

use std::process::ExitCode;

use clap::Parser;

/// The `conflint` program.
pub fn main() -> ExitCode {
    write::install_signal_handlers();
    let cli = args::Cli::parse();
    let stdout = std::io::stdout();
    let color = anstream::AutoStream::choice(&stdout) != anstream::ColorChoice::Never;
    let mut stdin = std::io::stdin().lock();
    let mut out = stdout.lock();
    let mut err = std::io::stderr().lock();
    let mut io = run::Io { stdin: &mut stdin, stdout: &mut out, stderr: &mut err, color };
    let code = run::run(cli, &mut io);
    ExitCode::from(code)
}
