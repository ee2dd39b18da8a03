//! How a provisioning tool embeds conflint: check a configuration file it is
//! about to deploy, repair what can be repaired safely, show the change, and
//! refuse to deploy a file that still has errors. No file is written: the
//! tool decides what to do with the fixed text.
//!
//! ```sh
//! cargo run --example provision -- examples/incidents/version-banner/php/php.ini
//! cargo run --example provision -- --kind httpd --trusted-ip 10.0.0.0/8 rendered.conf
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use conflint::{FileKind, Settings, Severity};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut kind = None;
    let mut settings = Settings::default();
    let mut path = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--kind" => {
                kind = match args.next().as_deref() {
                    Some("httpd") => Some(FileKind::Httpd),
                    Some("php") => Some(FileKind::PhpIni),
                    Some("gitlab") => Some(FileKind::GitlabRb),
                    other => return usage(&format!("unknown kind {other:?}")),
                }
            }
            "--trusted-ip" => match args.next().map(|a| a.parse()) {
                Some(Ok(net)) => settings.gitlab.trusted_ips.push(net),
                _ => return usage("--trusted-ip needs an address or CIDR block"),
            },
            _ => path = Some(PathBuf::from(arg)),
        }
    }
    let Some(path) = path else { return usage("no file given") };
    let kind = kind.or_else(|| guess_kind(&path));
    let Some(kind) = kind else { return usage("cannot tell the kind from the name; pass --kind") };
    let text = match std::fs::read(&path) {
        Ok(text) => text,
        Err(e) => return usage(&format!("{}: {e}", path.display())),
    };

    // Repair what is safe to repair; the result has been parsed and linted again.
    let fixed = conflint::fix(&path, kind, &text, &settings, false);
    print!("{}", conflint::diff(&path, &text, &fixed.text));
    for d in &fixed.remaining {
        let l = &d.location;
        eprintln!("{}:{}:{}: {} {}", l.path.display(), l.start.line, l.start.column, d.code(), d.message);
    }
    eprintln!("{} fixed, {} remaining", fixed.fixed, fixed.remaining.len());

    // Deploy only what the server will accept.
    if fixed.remaining.iter().any(|d| d.severity == Severity::Error) {
        eprintln!("not deploying {}: errors remain", path.display());
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn guess_kind(path: &std::path::Path) -> Option<FileKind> {
    let name = path.file_name()?.to_string_lossy();
    if name.ends_with(".ini") || name.starts_with("php.ini") {
        Some(FileKind::PhpIni)
    } else if name.ends_with(".rb") {
        Some(FileKind::GitlabRb)
    } else if name.ends_with(".conf") || name == ".htaccess" {
        Some(FileKind::Httpd)
    } else {
        None
    }
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("provision: {problem}\nusage: provision [--kind httpd|php|gitlab] [--trusted-ip ADDR]... FILE");
    ExitCode::from(2)
}
