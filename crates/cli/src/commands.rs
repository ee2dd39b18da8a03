//! The subcommands that only print: `rules`, `explain`, `completions`,
//! `manpage`.

use conflint_rules::Rule;

use crate::args::{Cli, ListFormat};
use crate::run::{EXIT_CLEAN, EXIT_ERROR, Io};

macro_rules! say {
    ($w:expr, $($arg:tt)*) => {{ let _ = writeln!($w, $($arg)*); }};
}

/// `conflint rules`.
pub fn list_rules(format: ListFormat, tag: Option<&str>, io: &mut Io<'_>) -> u8 {
    let rules: Vec<_> = Rule::ALL.iter().map(|r| r.meta()).filter(|m| tag.is_none_or(|t| m.has_tag(t))).collect();
    if rules.is_empty() {
        if let Some(tag) = tag {
            let mut known: Vec<&str> = Rule::ALL.iter().flat_map(|r| r.meta().tags.iter().copied()).collect();
            known.sort_unstable();
            known.dedup();
            say!(
                io.stderr,
                "conflint: no rule has the tag `{}` (tags: {})",
                conflint_core::text::escape_control(tag),
                known.join(", ")
            );
            return EXIT_ERROR;
        }
    }
    match format {
        ListFormat::Json => {
            let list: Vec<_> = rules
                .iter()
                .map(|m| {
                    serde_json::json!({
                        "code": m.code, "name": m.name, "severity": m.severity.as_str(),
                        "default": m.default_on, "fix": m.fix.as_str(), "summary": m.summary(),
                        "references": m.references, "tags": m.tags,
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

/// `conflint explain CODE`.
pub fn explain(code: &str, io: &mut Io<'_>) -> u8 {
    let Some(rule) = Rule::find(code) else {
        say!(
            io.stderr,
            "conflint: unknown rule `{}`; `conflint rules` lists them",
            conflint_core::text::escape_control(code)
        );
        return EXIT_ERROR;
    };
    let m = rule.meta();
    say!(io.stdout, "# {} ({})\n", m.name, m.code);
    say!(
        io.stdout,
        "Severity: {}. On by default: {}. Fix: {}.\n",
        m.severity.as_str(),
        if m.default_on { "yes" } else { "no" },
        m.fix.as_str()
    );
    if !m.references.is_empty() {
        say!(io.stdout, "Implements: {}.\n", m.references.join(", "));
    }
    let _ = io.stdout.write_all(m.documentation().as_bytes());
    EXIT_CLEAN
}

/// `conflint completions SHELL`.
pub fn completions(shell: clap_complete::Shell, io: &mut Io<'_>) -> u8 {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    // Into a buffer first: clap_complete panics on a write error (a closed
    // pipe), and this way a closed pipe is just ignored.
    let mut buffer = Vec::new();
    clap_complete::generate(shell, &mut cmd, "conflint", &mut buffer);
    let _ = io.stdout.write_all(&buffer);
    EXIT_CLEAN
}

/// `conflint manpage`.
pub fn manpage(io: &mut Io<'_>) -> u8 {
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
