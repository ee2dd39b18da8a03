//! The command line, defined once with clap (also the source of `--help`,
//! the man page and shell completions).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Lint and fix Apache httpd, PHP and GitLab Omnibus configuration.
#[derive(Debug, Parser)]
#[command(
    name = "conflint",
    version,
    about = "Lint and fix Apache httpd, PHP and GitLab Omnibus configuration, the way the servers read it.",
    args_conflicts_with_subcommands = true,
    after_help = "Exit status: 0 nothing to report; 1 findings remain (or a fix was applied, with --exit-non-zero-on-fix); 2 usage error, unreadable input, or a file that does not parse."
)]
pub struct Cli {
    /// A subcommand; none means checking paths.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The options of checking (the default command).
    #[command(flatten)]
    pub check: CheckArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the rules: code, name, default on/off, fixable.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
        /// Only the rules with this tag (`cis`, `mozilla`, `tls`, `cis-strict`).
        #[arg(long, value_name = "TAG")]
        tag: Option<String>,
    },
    /// The virtual-host table httpd would build, per address:port, in httpd's order.
    Vhosts(VhostsArgs),
    /// Check the DNS of a mail sender (PTR, SPF, DMARC, DKIM) as Gmail will; asks the network.
    MailDns(crate::mail_dns::MailDnsArgs),
    /// Print a rule's documentation.
    Explain {
        /// A rule code (HT003) or name (default-vhost).
        code: String,
    },
    /// Print shell completions for SHELL to stdout.
    #[command(hide = true)]
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout.
    #[command(hide = true)]
    Manpage,
}

/// Options shared by checking and `vhosts`.
#[derive(Debug, Clone, Args, Default)]
pub struct CommonArgs {
    /// Use this conflint.toml instead of the nearest one found upward from the current directory.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Apache version the tree is written for (default: detected, else 2.4).
    #[arg(long, value_name = "V", value_parser = ["2.2", "2.4"])]
    pub apache_version: Option<String>,
    /// Read httpd's ServerRoot (and absolute include paths under it) from DIR.
    #[arg(long, value_name = "DIR")]
    pub server_root: Option<PathBuf>,
    /// Define NAME for httpd's <IfDefine>, as `httpd -D NAME` (repeatable).
    #[arg(short = 'D', long = "define", value_name = "NAME")]
    pub defines: Vec<String>,
}

/// Options of checking (and fixing) paths.
#[derive(Debug, Clone, Args, Default)]
pub struct CheckArgs {
    /// Files and directories to check (default: .).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Apply safe fixes in place.
    #[arg(long)]
    pub fix: bool,
    /// With --fix or --diff: include unsafe fixes.
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print the fixes as a unified diff (a/ b/ paths); write nothing.
    #[arg(long, conflicts_with = "fix")]
    pub diff: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Only these rules (codes or prefixes: HT, HT003), comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub select: Option<Vec<String>>,
    /// Not these rules (codes or prefixes), comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub ignore: Vec<String>,
    /// Options shared with `vhosts`.
    #[command(flatten)]
    pub common: CommonArgs,
    /// RAM available to httpd, for MPM sizing (e.g. 2GiB); enables HT005.
    #[arg(long, value_name = "SIZE")]
    pub memory: Option<String>,
    /// The Mozilla TLS profile the TL rules check against: intermediate
    /// (default) or modern (`old` is accepted with a warning).
    #[arg(long, value_name = "PROFILE")]
    pub tls_profile: Option<String>,
    /// An address or CIDR that GitLab's Rack::Attack must never ban (repeatable).
    #[arg(long = "trusted-ip", value_name = "ADDR")]
    pub trusted_ips: Vec<String>,
    /// PHP release the php.ini files are for, e.g. 8.2 (default: from the path, such as /etc/php/8.2/, else the newest known).
    #[arg(long, value_name = "V")]
    pub php_version: Option<String>,
    /// GitLab release gitlab.rb is for, e.g. 17.11 (default: the newest release known).
    #[arg(long, value_name = "V")]
    pub gitlab_version: Option<String>,
    /// Postfix release main.cf/master.cf are for, e.g. 3.7 (default: the newest release known).
    #[arg(long, value_name = "V")]
    pub postfix_version: Option<String>,
    /// Exit 1 when --fix changed a file (pre-commit style).
    #[arg(long)]
    pub exit_non_zero_on_fix: bool,
    /// Read the file from stdin (or from one FILE given as PATH, never
    /// written) and treat it as NAME; with --fix print the fixed text.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<PathBuf>,
    /// Only the findings; no summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// With --fix: also write files outside the PATHs given, reached through
    /// symlinks or absolute includes (a live box where packages link their
    /// configuration in from elsewhere).
    #[arg(long)]
    pub write_outside: bool,
    /// With --fix or --diff: do not check the fixed files with the servers'
    /// own checks (`apache2 -t`, `php -n -c`, `ruby -c`) before writing.
    #[arg(long)]
    pub no_verify: bool,
    /// With one rendered file as PATH: show its findings on the lines of
    /// TEMPLATE it was rendered from (lines matched by their literal text).
    #[arg(long, value_name = "TEMPLATE")]
    pub template_source: Option<PathBuf>,
    /// Report findings about a template's placeholders (`{{ x }}`) as info
    /// instead of leaving them out.
    #[arg(long)]
    pub strict_templates: bool,
    /// Print the configuration in effect (which conflint.toml, the rules,
    /// the settings) and exit.
    #[arg(long)]
    pub show_settings: bool,
    /// With --fix: rewrite in place (not atomically) a file that cannot be
    /// replaced without losing something: more than one hard link, an owner
    /// or attributes this user cannot give a new file, an unwritable
    /// directory. By default such files are refused.
    #[arg(long)]
    pub in_place_when_needed: bool,
    /// Refuse files larger than this many bytes (default 64 MiB).
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
    pub max_file_size: Option<u64>,
}

fn parse_bytes(text: &str) -> Result<u64, String> {
    conflint_rules::settings::parse_size(text)
}

/// Options of `conflint vhosts`.
#[derive(Debug, Clone, Args)]
pub struct VhostsArgs {
    /// An httpd entry file (httpd.conf, apache2.conf) or a directory holding one (default: .).
    pub path: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
    /// Options shared with checking.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// How findings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// `path:line:col: CODE message`, the source with the span underlined, a help line.
    #[default]
    Human,
    /// Stable JSON (version 1), for tools.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
}

/// How `rules` and `vhosts` print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ListFormat {
    /// A table for people.
    #[default]
    Human,
    /// JSON, for tools.
    Json,
}
