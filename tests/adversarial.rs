//! Adversarial inputs (issue 7, "Reliability"): a table of hostile files and
//! trees, each run through the `conflint` binary with a time bound (the
//! process is killed, and the row fails, when it runs longer).
//!
//! For every row and every run (a check with human output, a check with
//! `--format json`, and `--fix --format json`):
//! - the exit status is the row's (2 for unreadable input, a file that does
//!   not parse, or a usage error; 1 when only findings or warnings remain);
//! - the diagnostic codes are exactly the row's (CL001 syntax error, CL002
//!   cannot read, CL003 include problem, or a rule), and one message holds
//!   the row's text; a usage error prints its message on stderr and nothing
//!   on stdout;
//! - nothing is written (every file, link, FIFO and directory is as before,
//!   also after `--fix`), unless the row expects one exact fix;
//! - no temporary file is left, the run finished in time, nothing
//!   "panicked", and `--format json` printed valid JSON.
//!
//! Rows that show a conflint bug are marked with `bug` and run by the
//! ignored test `known_bugs`; the others by `adversarial_inputs`.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

// ---------------------------------------------------------------------------
// The table.
// ---------------------------------------------------------------------------

/// What a row builds: the arguments naming it, and how to run conflint.
struct Input {
    args: Vec<String>,
    /// Run conflint as `nobody` (the row relies on file permissions, which
    /// do not apply to root).
    as_nobody: bool,
}

impl Input {
    fn new(args: &[&str]) -> Input {
        Input { args: args.iter().map(std::string::ToString::to_string).collect(), as_nobody: false }
    }
}

/// What `--fix` does to the row.
enum Fix {
    /// Nothing written: exit status as in the check.
    Unchanged,
    /// `path` gets the one occurrence of `from` replaced by `to`; nothing
    /// else is written; the fix run exits with `exit`.
    Replaces { path: &'static str, from: &'static str, to: &'static str, exit: i32 },
}

struct Row {
    name: &'static str,
    /// Builds the input in the (empty) working directory.
    build: fn(&Path) -> Input,
    /// Exit status of a check.
    exit: i32,
    /// The distinct diagnostic codes, sorted; empty for a usage error.
    codes: &'static [&'static str],
    /// Text one diagnostic message holds (usage error: stderr holds).
    message: &'static str,
    usage_error: bool,
    /// What stderr of a check holds (a warning); empty: stderr is empty.
    stderr: &'static str,
    fix: Fix,
    /// Time bound per run for a release build, in seconds (debug builds
    /// get [`DEBUG_FACTOR`] times as long).
    secs: u64,
    /// A conflint bug this row shows: the row asserts the right behaviour
    /// and runs only in the ignored test `known_bugs`.
    bug: Option<&'static str>,
}

const ROW: Row = Row {
    name: "",
    build: |_| Input::new(&[]),
    exit: 0,
    codes: &[],
    message: "",
    usage_error: false,
    stderr: "",
    fix: Fix::Unchanged,
    secs: 10,
    bug: None,
};

/// Debug builds of conflint are much slower on the big inputs (the 300,000
/// line file takes ~40 s to fix in a debug build); the bound is there to
/// catch hangs and blow-ups, not to benchmark.
const DEBUG_FACTOR: u64 = 8;

/// `ServerSignature On` in `path` becomes `Off`; the fix run exits 0.
const fn signature_fix(path: &'static str) -> Fix {
    Fix::Replaces { path, from: "ServerSignature On", to: "ServerSignature Off", exit: 0 }
}

/// The directives an entry file needs so that only the row's own problem
/// is reported.
const CLEAN_TOP: &str = "ServerTokens Prod\nServerSignature Off\nTraceEnable Off\n";

/// The settings a php.ini needs so that only the row's own problem is
/// reported.
/// A php.ini that draws no finding (the PH hardening rules included).
const PHP_CLEAN: &str = "expose_php = Off\ndisplay_errors = Off\nlog_errors = On\nenable_dl = Off\nzend.exception_ignore_args = On\nsession.use_strict_mode = 1\nsession.cookie_httponly = 1\n";

/// The table: httpd first, then php.ini and gitlab.rb.
const ROWS: &[Row] = &[
    // --- bytes that are not a configuration file -------------------------
    Row {
        name: "random bytes in a fragment",
        build: |d| {
            put(d, "apache2/conf.d/random.conf", &random_bytes(0x9E37_79B9_7F4A_7C15, 64 * 1024));
            Input::new(&["apache2"])
        },
        exit: 2,
        codes: &["CL002"],
        message: "binary data (a NUL byte at line ",
        ..ROW
    },
    Row {
        name: "random text (no NUL) in a fragment",
        build: |d| {
            put(d, "apache2/conf.d/random.conf", &random_text(0x2545_F491_4F6C_DD1D, 64 * 1024));
            Input::new(&["apache2"])
        },
        exit: 2,
        codes: &["CL001"],
        message: "",
        ..ROW
    },
    Row {
        name: "random token soup as apache2.conf",
        build: |d| {
            put(d, "apache2/apache2.conf", &token_soup(0xD1B5_4A32_D192_ED03, 4000));
            Input::new(&["apache2"])
        },
        exit: 2,
        codes: &["CL001"],
        message: "",
        ..ROW
    },
    Row {
        name: "random bytes as apache2.conf",
        build: |d| {
            put(d, "apache2/apache2.conf", &random_bytes(0x9E37_79B9_7F4A_7C15, 64 * 1024));
            Input::new(&["apache2"])
        },
        exit: 2,
        codes: &["CL002"],
        message: "binary data (a NUL byte at line ",
        bug: None,
        ..ROW
    },
    Row {
        name: "NUL bytes in a fragment",
        build: |d| {
            put(d, "apache2/conf.d/nul.conf", b"ServerSignature On\n\0\0\0\nServerSignature\0On\n");
            Input::new(&["apache2"])
        },
        exit: 2,
        codes: &["CL002"],
        message: "binary data (a NUL byte at line 2, column 1): not a configuration file",
        ..ROW
    },
    Row {
        name: "NUL bytes in apache2.conf",
        build: |d| {
            put(d, "apache2/apache2.conf", b"ServerSignature On\n\0\0\0\nServerSignature\0On\n");
            Input::new(&["apache2"])
        },
        exit: 2,
        codes: &["CL002"],
        message: "binary data (a NUL byte at line 2, column 1): not a configuration file",
        bug: None,
        ..ROW
    },
    Row {
        name: "NUL bytes in an included file",
        build: |d| {
            put(d, "apache2/apache2.conf", format!("{CLEAN_TOP}Include conf.d/*.conf\n").as_bytes());
            put(d, "apache2/conf.d/nul.conf", b"ServerSignature On\n\0\0\0\nServerSignature\0On\n");
            Input::new(&["apache2"])
        },
        exit: 2,
        codes: &["CL002"],
        message: "binary data (a NUL byte at line 2, column 1): not a configuration file",
        bug: None,
        ..ROW
    },
    Row {
        name: "invalid UTF-8 (a Shift_JIS comment)",
        build: |d| {
            put(d, "apache2/conf.d/sjis.conf", b"# \x93\xfa\x96\x7b\x8c\xea\nServerSignature On\n# \x82\xa0\n");
            Input::new(&["apache2"])
        },
        exit: 1,
        codes: &["HT002"],
        message: "ServerSignature On",
        fix: signature_fix("apache2/conf.d/sjis.conf"),
        ..ROW
    },
    // --- line ends and long lines ----------------------------------------
    Row {
        name: "lone CR line ends (httpd reads one comment line)",
        build: |d| {
            put(d, "apache2/conf.d/cr.conf", b"# comment\rServerSignature On\rServerTokens OS\r");
            Input::new(&["apache2"])
        },
        exit: 0,
        codes: &[],
        message: "",
        ..ROW
    },
    Row {
        name: "a 5 MB single line",
        build: |d| {
            let mut text = b"Header set X-Big ".to_vec();
            text.resize(5 * 1024 * 1024, b'a');
            text.extend_from_slice(b"\nServerSignature On\n");
            put(d, "apache2/conf.d/long.conf", &text);
            Input::new(&["apache2"])
        },
        exit: 1,
        codes: &["HT002"],
        message: "ServerSignature On",
        fix: signature_fix("apache2/conf.d/long.conf"),
        secs: 20,
        ..ROW
    },
    Row {
        name: "a 5 MB comment with no line end",
        build: |d| {
            let mut text = b"# ".to_vec();
            text.resize(5 * 1024 * 1024, b'x');
            put(d, "apache2/conf.d/long.conf", &text);
            Input::new(&["apache2"])
        },
        exit: 0,
        codes: &[],
        message: "",
        secs: 20,
        ..ROW
    },
    Row {
        name: "a continuation backslash at the end of the file",
        build: |d| {
            put(d, "apache2/conf.d/cont.conf", b"ServerSignature On \\");
            Input::new(&["apache2"])
        },
        exit: 1,
        // httpd keeps the last `\\` as a word (apache2 -t: "ServerSignature
        // takes one argument").
        codes: &["HT002", "HT011"],
        message: "ServerSignature On",
        fix: Fix::Replaces {
            path: "apache2/conf.d/cont.conf",
            from: "ServerSignature On",
            to: "ServerSignature Off",
            exit: 1,
        },
        ..ROW
    },
    // --- depth and size --------------------------------------------------
    Row {
        name: "20,000 nested <Directory> sections, closed",
        build: |d| {
            put(d, "apache2/conf.d/nested.conf", nested(20_000, true).as_bytes());
            Input::new(&["apache2"])
        },
        exit: 1,
        // httpd refuses a <Directory> inside another (HT008).
        codes: &["HT002", "HT008"],
        message: "ServerSignature On",
        fix: Fix::Replaces {
            path: "apache2/conf.d/nested.conf",
            from: "ServerSignature On",
            to: "ServerSignature Off",
            exit: 1,
        },
        secs: 20,
        ..ROW
    },
    Row {
        name: "20,000 nested <Directory> sections, unclosed",
        build: |d| {
            put(d, "apache2/conf.d/nested.conf", nested(20_000, false).as_bytes());
            Input::new(&["apache2"])
        },
        exit: 2,
        codes: &["CL001"],
        message: "<Directory> was not closed.",
        secs: 20,
        ..ROW
    },
    Row {
        name: "20,000 nested <Directory> sections in apache2.conf",
        build: |d| {
            put(d, "apache2/apache2.conf", format!("{CLEAN_TOP}{}", nested(20_000, true)).as_bytes());
            Input::new(&["apache2"])
        },
        exit: 1,
        codes: &["HT002", "HT008"],
        message: "ServerSignature On",
        fix: Fix::Replaces {
            path: "apache2/apache2.conf",
            from: "ServerSignature On",
            to: "ServerSignature Off",
            exit: 1,
        },
        secs: 20,
        ..ROW
    },
    Row {
        name: "a 300,000-line httpd.conf",
        build: |d| {
            put(d, "httpd/httpd.conf", huge_httpd_conf(300_000).as_bytes());
            Input::new(&["httpd"])
        },
        exit: 1,
        codes: &["HT002"],
        message: "ServerSignature On",
        fix: signature_fix("httpd/httpd.conf"),
        secs: 30,
        ..ROW
    },
    // --- unbalanced syntax -----------------------------------------------
    Row {
        // httpd reads an unclosed quote to the end of the line (no error).
        name: "unclosed quote",
        build: |d| {
            put(d, "apache2/conf.d/quote.conf", b"ErrorDocument 403 \"Access denied\nServerSignature \"On\n");
            Input::new(&["apache2"])
        },
        exit: 1,
        codes: &["HT002"],
        message: "ServerSignature On",
        fix: Fix::Replaces {
            path: "apache2/conf.d/quote.conf",
            from: "ServerSignature \"On",
            to: "ServerSignature Off",
            exit: 0,
        },
        ..ROW
    },
    Row {
        name: "unclosed section in a fragment",
        build: |d| {
            put(d, "apache2/conf.d/open.conf", b"<VirtualHost *:80>\n    ServerSignature On\n");
            Input::new(&["apache2"])
        },
        exit: 2,
        codes: &["CL001"],
        message: "<VirtualHost> was not closed.",
        ..ROW
    },
    Row {
        name: "unclosed <VirtualHost> in apache2.conf",
        build: |d| {
            put(d, "apache2/apache2.conf", format!("ServerTokens OS\n{CLEAN_TOP}<VirtualHost *:80>\n").as_bytes());
            Input::new(&["apache2"])
        },
        exit: 2,
        codes: &["CL001"],
        message: "<VirtualHost> was not closed.",
        ..ROW
    },
    Row {
        // httpd lets a conditional that is true run to the end of the file
        // (`apache2 -t`: Syntax OK).
        name: "unclosed <IfDefine !X> after UnDefine X (true: httpd accepts)",
        build: |d| {
            put(
                d,
                "apache2/apache2.conf",
                format!("{CLEAN_TOP}UnDefine X\n<IfDefine !X>\nServerSignature On\n").as_bytes(),
            );
            Input::new(&["apache2"])
        },
        exit: 1,
        codes: &["HT002"],
        message: "ServerSignature On",
        fix: signature_fix("apache2/apache2.conf"),
        ..ROW
    },
    Row {
        // A conditional that is false is skipped to its end, and httpd
        // refuses a file where that end is missing (`apache2 -t -DX`:
        // "Expected </IfDefine> before end of configuration").
        name: "unclosed <IfDefine X> after UnDefine X (false: httpd refuses)",
        build: |d| {
            put(
                d,
                "apache2/apache2.conf",
                format!("{CLEAN_TOP}UnDefine X\n<IfDefine X>\nServerSignature On\n").as_bytes(),
            );
            Input::new(&["apache2"])
        },
        exit: 2,
        codes: &["CL001"],
        message: "Expected </IfDefine> before end of configuration",
        bug: None,
        ..ROW
    },
    Row {
        name: "closing tag without an opening one",
        build: |d| {
            put(d, "apache2/conf.d/close.conf", b"ServerSignature On\n</VirtualHost>\n");
            Input::new(&["apache2"])
        },
        exit: 2,
        codes: &["CL001"],
        message: "</VirtualHost>",
        ..ROW
    },
    // --- includes and walking --------------------------------------------
    Row {
        // CL003 is a finding, not unreadable input: exit 1.
        name: "include cycle",
        build: |d| {
            put(d, "apache2/apache2.conf", format!("{CLEAN_TOP}Include a.conf\n").as_bytes());
            put(d, "apache2/a.conf", b"Include b.conf\n");
            put(d, "apache2/b.conf", b"Include a.conf\n");
            Input::new(&["apache2"])
        },
        exit: 1,
        codes: &["CL003"],
        message: "include cycle: apache2/apache2.conf -> apache2/a.conf -> apache2/b.conf -> apache2/a.conf",
        ..ROW
    },
    Row {
        name: "apache2.conf including itself by a wildcard",
        build: |d| {
            put(d, "apache2/apache2.conf", format!("{CLEAN_TOP}IncludeOptional *.conf\n").as_bytes());
            Input::new(&["apache2"])
        },
        exit: 1,
        codes: &["CL003"],
        message: "include cycle",
        ..ROW
    },
    Row {
        name: "symlink loop in a walked directory (dir/loop -> ..)",
        build: |d| {
            put(d, "apache2/conf.d/a.conf", b"ServerSignature Off\n");
            symlink("..", d.join("apache2/conf.d/loop")).expect("symlink");
            Input::new(&["apache2"])
        },
        exit: 1,
        codes: &["CL002"],
        message: "symlink loop at apache2/conf.d/loop: it leads back to a directory above it; not followed",
        ..ROW
    },
    Row {
        name: "symlink pointing to itself",
        build: |d| {
            put(d, "apache2/conf.d/a.conf", b"ServerSignature Off\n");
            symlink("self.conf", d.join("apache2/conf.d/self.conf")).expect("symlink");
            Input::new(&["apache2"])
        },
        exit: 2,
        codes: &["CL002"],
        message: "cannot read: Too many levels of symbolic links (os error 40)",
        ..ROW
    },
    Row {
        name: "FIFO named httpd.conf in a walked directory",
        build: |d| {
            mkfifo(&d.join("apache2/httpd.conf"));
            Input::new(&["apache2"])
        },
        exit: 2,
        codes: &["CL002"],
        message: "cannot read: not a regular file (FIFO, socket or device)",
        ..ROW
    },
    Row {
        name: "FIFO named httpd.conf, named explicitly",
        build: |d| {
            mkfifo(&d.join("apache2/httpd.conf"));
            Input::new(&["apache2/httpd.conf"])
        },
        exit: 2,
        codes: &["CL002"],
        message: "cannot read: not a regular file (FIFO, socket or device)",
        ..ROW
    },
    Row {
        // httpd matches the FIFO and refuses it: "Access to file ... denied
        // by server: not a regular file".
        name: "FIFO matched by an Include wildcard",
        build: |d| {
            put(d, "apache2/apache2.conf", format!("{CLEAN_TOP}Include conf.d/*.conf\n").as_bytes());
            mkfifo(&d.join("apache2/conf.d/pipe.conf"));
            Input::new(&["apache2/apache2.conf"])
        },
        exit: 2,
        codes: &["CL002"],
        message: "not a regular file (FIFO, socket or device)",
        bug: None,
        ..ROW
    },
    Row {
        name: "directory named httpd.conf in a walked directory",
        build: |d| {
            fs::create_dir_all(d.join("apache2/httpd.conf")).expect("mkdir");
            Input::new(&["apache2"])
        },
        exit: 2,
        codes: &["CL002"],
        message: "cannot read: is a directory, not a configuration file",
        ..ROW
    },
    Row {
        // Named explicitly, a directory is walked, whatever its name.
        name: "directory named httpd.conf, named explicitly",
        build: |d| {
            fs::create_dir_all(d.join("apache2/httpd.conf")).expect("mkdir");
            Input::new(&["apache2/httpd.conf"])
        },
        exit: 0,
        codes: &[],
        message: "",
        // A run that checks nothing says so, and never "All checks passed!".
        stderr: "no configuration file found in apache2/httpd.conf; nothing was checked",
        ..ROW
    },
    Row {
        name: "unreadable fragment (mode 000)",
        build: |d| {
            let path = put(d, "apache2/conf.d/secret.conf", b"ServerSignature On\n");
            fs::set_permissions(path, fs::Permissions::from_mode(0o000)).expect("chmod 000");
            Input { as_nobody: true, ..Input::new(&["apache2"]) }
        },
        exit: 2,
        codes: &["CL002"],
        message: "cannot read: Permission denied (os error 13)",
        ..ROW
    },
    Row {
        name: "unreadable apache2.conf (mode 000)",
        build: |d| {
            let path = put(d, "apache2/apache2.conf", b"ServerSignature On\n");
            fs::set_permissions(path, fs::Permissions::from_mode(0o000)).expect("chmod 000");
            Input { as_nobody: true, ..Input::new(&["apache2"]) }
        },
        exit: 2,
        codes: &["CL002"],
        message: "Permission denied (os error 13)",
        ..ROW
    },
    Row {
        name: "unreadable directory (mode 000) in a walked directory",
        build: |d| {
            put(d, "apache2/conf.d/a.conf", b"ServerSignature On\n");
            fs::set_permissions(d.join("apache2/conf.d"), fs::Permissions::from_mode(0o000)).expect("chmod 000");
            Input { as_nobody: true, ..Input::new(&["apache2"]) }
        },
        exit: 2,
        codes: &["CL002"],
        message: "Permission denied (os error 13)",
        ..ROW
    },
    Row {
        name: "a path that does not exist",
        build: |_| Input::new(&["apache2/missing.conf"]),
        exit: 2,
        codes: &["CL002"],
        message: "cannot read: No such file or directory (os error 2)",
        ..ROW
    },
    Row {
        name: "an unrecognised file named explicitly",
        build: |d| {
            put(d, "notes.txt", b"ServerSignature On\n");
            Input::new(&["notes.txt"])
        },
        exit: 2,
        codes: &[],
        message: "notes.txt: not a file conflint recognises (httpd.conf, apache2.conf, *.conf under apache2/ or conf.d/, php.ini, gitlab.rb). Map it in conflint.toml, e.g.\n  [files]\n  httpd = [\"notes.txt\"]",
        usage_error: true,
        ..ROW
    },
    Row {
        name: "an empty fragment",
        build: |d| {
            put(d, "apache2/conf.d/empty.conf", b"");
            Input::new(&["apache2"])
        },
        exit: 0,
        codes: &[],
        message: "",
        ..ROW
    },
    // --- php.ini ---------------------------------------------------------
    Row {
        name: "php.ini: NUL bytes",
        build: |d| {
            put(d, "php/php.ini", format!("{PHP_CLEAN}a = 1\n\0b\n").as_bytes());
            Input::new(&["php"])
        },
        exit: 2,
        codes: &["CL002"],
        message: "binary data (a NUL byte at line 9, column 1)",
        ..ROW
    },
    Row {
        name: "php.ini: random text (no NUL)",
        build: |d| {
            put(d, "php/php.ini", &random_text(0x2545_F491_4F6C_DD1D, 64 * 1024));
            Input::new(&["php"])
        },
        exit: 2,
        codes: &["CL001"],
        message: "syntax error",
        ..ROW
    },
    Row {
        // PHP ends a line at a lone CR too: two directives.
        name: "php.ini: lone CR line ends",
        build: |d| {
            let clean = PHP_CLEAN.replace("expose_php = Off\n", "").replace('\n', "\r");
            put(d, "php/php.ini", format!("expose_php = On\r{clean}").as_bytes());
            Input::new(&["php"])
        },
        exit: 1,
        codes: &["PH001"],
        message: "is on: PHP sends `X-Powered-By",
        fix: Fix::Replaces { path: "php/php.ini", from: "expose_php = On", to: "expose_php = Off", exit: 0 },
        ..ROW
    },
    Row {
        name: "php.ini: a 5 MB single line",
        build: |d| {
            let mut text = format!("{PHP_CLEAN}include_path = ").into_bytes();
            text.resize(5 * 1024 * 1024, b'a');
            text.extend_from_slice(b"\nexpose_php = On\n");
            put(d, "php/php.ini", &text);
            Input::new(&["php"])
        },
        exit: 1,
        codes: &["PH001"],
        message: "is on: PHP sends `X-Powered-By",
        fix: Fix::Replaces { path: "php/php.ini", from: "expose_php = On", to: "expose_php = Off", exit: 0 },
        secs: 20,
        ..ROW
    },
    Row {
        name: "php.ini: 300,000 lines",
        build: |d| {
            let body = "; a comment\nprecision = 14\n".repeat(150_000);
            let clean = PHP_CLEAN.replace("expose_php = Off\n", "");
            put(d, "php/php.ini", format!("{body}expose_php = On\n{clean}").as_bytes());
            Input::new(&["php"])
        },
        exit: 1,
        codes: &["PH001"],
        message: "is on: PHP sends `X-Powered-By",
        fix: Fix::Replaces { path: "php/php.ini", from: "expose_php = On", to: "expose_php = Off", exit: 0 },
        secs: 30,
        ..ROW
    },
    Row {
        name: "php.ini: unclosed [section",
        build: |d| {
            put(d, "php/php.ini", format!("{PHP_CLEAN}[PHP\nmemory_limit = 128M\n").as_bytes());
            Input::new(&["php"])
        },
        exit: 2,
        codes: &["CL001"],
        message: "syntax error, unexpected end of file, expecting ']'",
        ..ROW
    },
    Row {
        name: "php.ini: unclosed double quote",
        build: |d| {
            put(d, "php/php.ini", format!("{PHP_CLEAN}error_log = \"/var/log\nmemory_limit = 128M\n").as_bytes());
            Input::new(&["php"])
        },
        exit: 2,
        codes: &["CL001"],
        message: "syntax error, unexpected end of file",
        ..ROW
    },
    Row {
        name: "php.ini: FIFO named php.ini",
        build: |d| {
            mkfifo(&d.join("php/php.ini"));
            Input::new(&["php"])
        },
        exit: 2,
        codes: &["CL002"],
        message: "cannot read: not a regular file (FIFO, socket or device)",
        ..ROW
    },
    Row {
        name: "php.ini: directory named php.ini",
        build: |d| {
            fs::create_dir_all(d.join("php/php.ini")).expect("mkdir");
            Input::new(&["php"])
        },
        exit: 2,
        codes: &["CL002"],
        message: "cannot read: is a directory, not a configuration file",
        ..ROW
    },
    // --- gitlab.rb -------------------------------------------------------
    Row {
        name: "gitlab.rb: NUL bytes",
        build: |d| {
            put(d, "gitlab/gitlab.rb", b"external_url 'https://gitlab.example.com'\n\0\n");
            Input::new(&["gitlab"])
        },
        exit: 2,
        codes: &["CL002"],
        message: "binary data (a NUL byte at line 2, column 1)",
        ..ROW
    },
    Row {
        name: "gitlab.rb: unclosed string",
        build: |d| {
            put(d, "gitlab/gitlab.rb", b"external_url 'https://gitlab.example.com\nnginx['enable'] = true\n");
            Input::new(&["gitlab"])
        },
        exit: 2,
        codes: &["CL001"],
        message: "unterminated string meets end of file",
        ..ROW
    },
    Row {
        name: "gitlab.rb: unclosed hash",
        build: |d| {
            put(d, "gitlab/gitlab.rb", b"gitlab_rails['env'] = {\n  'A' => 'b',\n");
            Input::new(&["gitlab"])
        },
        exit: 2,
        codes: &["CL001"],
        message: "unterminated hash: `{` on line 1 is never closed",
        ..ROW
    },
    Row {
        name: "gitlab.rb: unclosed heredoc",
        build: |d| {
            put(d, "gitlab/gitlab.rb", b"x = <<~EOS\n  text\n");
            Input::new(&["gitlab"])
        },
        exit: 2,
        codes: &["CL001"],
        message: "can't find string \"EOS\" anywhere before EOF",
        ..ROW
    },
    Row {
        name: "gitlab.rb: `do` without `end`",
        build: |d| {
            put(d, "gitlab/gitlab.rb", b"[1].each do |x|\n  puts x\n");
            Input::new(&["gitlab"])
        },
        exit: 2,
        codes: &["CL001"],
        message: "unterminated `do` block: `do` on line 1 is never closed by `end`",
        ..ROW
    },
    Row {
        name: "gitlab.rb: 20,000 nested arrays",
        build: |d| {
            put(d, "gitlab/gitlab.rb", format!("x = {}{}\n", "[".repeat(20_000), "]".repeat(20_000)).as_bytes());
            Input::new(&["gitlab"])
        },
        exit: 2,
        codes: &["CL001"],
        message: "nesting too deep",
        ..ROW
    },
    Row {
        name: "gitlab.rb: FIFO named gitlab.rb",
        build: |d| {
            mkfifo(&d.join("gitlab/gitlab.rb"));
            Input::new(&["gitlab"])
        },
        exit: 2,
        codes: &["CL002"],
        message: "cannot read: not a regular file (FIFO, socket or device)",
        ..ROW
    },
];

// ---------------------------------------------------------------------------
// Input generators.
// ---------------------------------------------------------------------------

/// xorshift64*: a small seeded generator, so every run sees the same bytes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = Rng(seed);
    (0..len).map(|_| (rng.next() >> 56) as u8).collect()
}

/// Random bytes from the characters httpd's syntax cares about (and some
/// high bytes), without NUL.
fn random_text(seed: u64, len: usize) -> Vec<u8> {
    let alphabet: Vec<u8> =
        b"<>/\"'\\ \t\r\n\n\n#${}()*:.,-_=abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
            .iter()
            .copied()
            .chain([0x80, 0xa0, 0xc3, 0xe3, 0xff])
            .collect();
    let mut rng = Rng(seed);
    (0..len).map(|_| *rng.pick(&alphabet)).collect()
}

/// Lines glued from pieces of real httpd syntax: sections opened and closed
/// out of order, quotes, continuations, variables, includes.
fn token_soup(seed: u64, lines: usize) -> Vec<u8> {
    let pieces: &[&str] = &[
        "<VirtualHost *:80>",
        "</VirtualHost>",
        "<Directory \"/srv/www",
        "</Directory>",
        "<IfModule mod_ssl.c>",
        "</IfModule>",
        "<If \"%{HTTP_HOST} == 'a'\">",
        "</If>",
        "ServerSignature On",
        "ServerTokens OS",
        "ServerName ${HOST}",
        "Define HOST a.example",
        "IncludeOptional conf.d/*.conf",
        "Include missing/*.conf",
        "# comment \\",
        "\\",
        "\"",
        "'",
        "\r",
        "\t",
        " ",
        "RewriteRule ^(.*)$ /x [L]",
        "Header set X \"a\\\"b\"",
        "${",
        "}",
        "<",
        ">",
    ];
    let mut rng = Rng(seed);
    let mut out = String::new();
    for _ in 0..lines {
        let n = 1 + rng.next() % 3;
        for _ in 0..n {
            let piece: &&str = rng.pick(pieces);
            out.push_str(piece);
            if rng.next() % 2 == 0 {
                out.push(' ');
            }
        }
        out.push('\n');
    }
    out.into_bytes()
}

/// `depth` nested `<Directory>` sections with `ServerSignature On` inside,
/// closed or not.
fn nested(depth: usize, closed: bool) -> String {
    let mut text = "<Directory /srv>\n".repeat(depth);
    text.push_str("ServerSignature On\n");
    if closed {
        text.push_str(&"</Directory>\n".repeat(depth));
    }
    text
}

/// An httpd.conf of `lines` lines: comments, headers and small
/// `<Directory>` sections, with `ServerSignature On` on the last line.
fn huge_httpd_conf(lines: usize) -> String {
    let mut out: Vec<String> =
        ["ServerRoot \"/etc/httpd\"", "ServerTokens Prod", "ServerSignature Off", "TraceEnable Off"]
            .iter()
            .map(std::string::ToString::to_string)
            .collect();
    let mut i = 0;
    while out.len() + 5 < lines {
        out.push(format!("# block {i}"));
        out.push(format!("Header set X-H{i} \"v{i}\""));
        out.push(format!("<Directory \"/srv/d{i}\">"));
        out.push("    Require all granted".to_string());
        out.push("</Directory>".to_string());
        i += 1;
    }
    while out.len() + 1 < lines {
        out.push(format!("# filler {}", out.len()));
    }
    out.push("ServerSignature On".to_string());
    out.join("\n") + "\n"
}

fn put(dir: &Path, rel: &str, bytes: &[u8]) -> PathBuf {
    common::write(dir, rel, bytes)
}

fn mkfifo(path: &Path) {
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("path");
    // SAFETY: a valid NUL-terminated path.
    let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o644) };
    assert_eq!(rc, 0, "mkfifo {}", path.display());
}

// ---------------------------------------------------------------------------
// Running and checking.
// ---------------------------------------------------------------------------

/// What is on disk, to compare before and after: every entry's kind, mode,
/// and bytes (files) or target (links).
#[derive(Debug, PartialEq, Eq, Clone)]
enum Entry {
    File { mode: u32, bytes: Option<Vec<u8>> },
    Dir { mode: u32 },
    Link(PathBuf),
    Other { mode: u32 },
}

fn snapshot(root: &Path) -> BTreeMap<PathBuf, Entry> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(root).min_depth(1).into_iter().filter_map(Result::ok) {
        let path = entry.path();
        let rel = path.strip_prefix(root).expect("prefix").to_path_buf();
        let meta = fs::symlink_metadata(path).expect("lstat");
        let kind = meta.file_type();
        let mode = meta.mode() & 0o7777;
        let value = if kind.is_symlink() {
            Entry::Link(fs::read_link(path).expect("readlink"))
        } else if kind.is_dir() {
            Entry::Dir { mode }
        } else if kind.is_file() {
            Entry::File { mode, bytes: fs::read(path).ok() }
        } else {
            Entry::Other { mode }
        };
        out.insert(rel, value);
    }
    out
}

/// Compare snapshots without printing megabytes.
fn assert_same_tree(before: &BTreeMap<PathBuf, Entry>, after: &BTreeMap<PathBuf, Entry>, when: &str) {
    let keys_before: Vec<_> = before.keys().collect();
    let keys_after: Vec<_> = after.keys().collect();
    assert_eq!(keys_before, keys_after, "{when}: entries added or removed");
    for (path, entry) in before {
        if after[path] != *entry {
            let show = |e: &Entry| match e {
                Entry::File { mode, bytes: Some(b) } if b.len() > 400 => format!("file {mode:o}, {} bytes", b.len()),
                other => format!("{other:?}"),
            };
            panic!("{when}: {} changed:\nbefore: {}\nafter:  {}", path.display(), show(entry), show(&after[path]));
        }
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

use common::{NOBODY, is_root};

/// Run conflint in `dir`, killing it after `limit`. Output goes to files
/// in `out` (megabytes of it for the big rows).
fn run_bounded(bin: &Path, dir: &Path, out: &Path, args: &[String], as_nobody: bool, limit: Duration) -> Run {
    let stdout_path = out.join("stdout");
    let stderr_path = out.join("stderr");
    let mut cmd = Command::new(bin);
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(fs::File::create(&stdout_path).expect("stdout file"))
        .stderr(fs::File::create(&stderr_path).expect("stderr file"));
    if as_nobody && is_root() {
        cmd.uid(NOBODY).gid(NOBODY);
    }
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn conflint");
    let status = common::wait_bounded(&mut child, limit, &format!("{args:?}"));
    let elapsed = start.elapsed();
    let read = |p: &Path| String::from_utf8_lossy(&fs::read(p).expect("read output")).into_owned();
    let run =
        Run { code: status.code().unwrap_or(-1), stdout: read(&stdout_path), stderr: read(&stderr_path), elapsed };
    assert!(status.code().is_some(), "conflint {args:?} was killed by a signal: {status}\n{}", run.stderr);
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains("panicked"), "conflint {args:?} panicked:\n{}", run.stderr);
    }
    run
}

/// The conflint binary at a path `nobody` can execute (a copy in `dir` if
/// the build's own is in a directory closed to others).
fn binary_for(dir: &Path, as_nobody: bool) -> PathBuf {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_conflint"));
    if !(as_nobody && is_root()) {
        return bin;
    }
    let ok = Command::new(&bin)
        .arg("--version")
        .uid(NOBODY)
        .gid(NOBODY)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return bin;
    }
    let copy = dir.join("conflint-bin");
    fs::copy(&bin, &copy).expect("copy conflint");
    fs::set_permissions(&copy, fs::Permissions::from_mode(0o755)).expect("chmod");
    copy
}

/// Put back modes so the temporary directory can be removed.
fn open_up(root: &Path) {
    for entry in walkdir::WalkDir::new(root).into_iter().filter_map(Result::ok) {
        if entry.file_type().is_dir() || entry.file_type().is_file() {
            let _ = fs::set_permissions(entry.path(), fs::Permissions::from_mode(0o755));
        }
    }
    // A directory closed with mode 000 hides its content from the walk.
    for entry in walkdir::WalkDir::new(root).into_iter().filter_map(Result::ok) {
        let _ = fs::set_permissions(entry.path(), fs::Permissions::from_mode(0o755));
    }
}

fn json(run: &Run, when: &str) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{when}: --format json printed invalid JSON ({e}):\n{}", head(&run.stdout)))
}

/// Stderr is empty, or holds the row's expected warning.
fn assert_stderr(row: &Row, run: &Run, when: &str) {
    if row.stderr.is_empty() {
        assert_eq!(run.stderr, "", "{when}: stderr");
    } else {
        assert!(run.stderr.contains(row.stderr), "{when}: stderr must hold `{}`:\n{}", row.stderr, run.stderr);
    }
}

fn head(text: &str) -> &str {
    let mut end = text.len().min(2000);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The JSON report holds exactly the row's codes, one message with the
/// row's text, and a consistent summary.
fn assert_report(row: &Row, report: &Value, when: &str) {
    assert_eq!(report["version"], 1, "{when}: version");
    let diagnostics = report["diagnostics"].as_array().expect("diagnostics array");
    let mut codes: Vec<&str> = diagnostics.iter().map(|d| d["code"].as_str().expect("code")).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes, row.codes, "{when}: codes\n{}", head(&report.to_string()));
    assert_eq!(report["summary"]["diagnostics"], diagnostics.len(), "{when}: summary.diagnostics");
    if !row.message.is_empty() {
        assert!(
            diagnostics.iter().any(|d| d["message"].as_str().is_some_and(|m| m.contains(row.message))),
            "{when}: no message holds `{}`:\n{}",
            row.message,
            head(&report.to_string())
        );
    }
    for d in diagnostics {
        for key in ["line", "column", "end_line", "end_column"] {
            assert!(d[key].as_u64().is_some_and(|n| n >= 1), "{when}: {key} must be 1-based: {d}");
        }
    }
}

fn check_row(row: &Row) -> Vec<String> {
    let sandbox = tempfile::Builder::new().prefix("conflint-adversarial-").tempdir().expect("temporary directory");
    let root = sandbox.path().canonicalize().expect("canonical");
    let dir = root.join("work");
    let out = root.join("out");
    fs::create_dir_all(&dir).expect("mkdir");
    fs::create_dir_all(&out).expect("mkdir");
    for path in [&root, &dir, &out] {
        fs::set_permissions(path, fs::Permissions::from_mode(0o777)).expect("chmod");
    }
    let input = (row.build)(&dir);
    let bin = binary_for(&root, input.as_nobody);
    let limit = Duration::from_secs(if cfg!(debug_assertions) { row.secs * DEBUG_FACTOR } else { row.secs });
    let before = snapshot(&dir);
    let mut timings = Vec::new();

    let run_with = |extra: &[&str]| {
        // The rows are about hostile input, not hardening: the "missing X"
        // hardening rules (no denied `/`, `.ht*`, mod_reqtimeout) would fire
        // on every minimal entry tree here and say nothing about the input.
        let mut args: Vec<String> = ["--ignore", "HT025,HT027,HT028"].map(String::from).to_vec();
        args.extend(extra.iter().map(std::string::ToString::to_string));
        args.extend(input.args.iter().cloned());
        run_bounded(&bin, &dir, &out, &args, input.as_nobody, limit)
    };

    // A check, human output.
    let when = format!("{}: check", row.name);
    let run = run_with(&[]);
    timings.push(format!("check {:.2?}", run.elapsed));
    assert_eq!(run.code, row.exit, "{when}: exit status\nstdout:\n{}\nstderr:\n{}", head(&run.stdout), run.stderr);
    if row.usage_error {
        assert_eq!(run.stdout, "", "{when}: a usage error prints nothing on stdout");
        assert!(run.stderr.contains(row.message), "{when}: stderr must hold `{}`:\n{}", row.message, run.stderr);
    } else {
        assert_stderr(row, &run, &when);
        for code in row.codes {
            assert!(run.stdout.contains(code), "{when}: {code} not in the human output:\n{}", head(&run.stdout));
        }
    }
    assert_same_tree(&before, &snapshot(&dir), &when);

    // A check, JSON.
    let when = format!("{}: check --format json", row.name);
    let run = run_with(&["--format", "json"]);
    timings.push(format!("json {:.2?}", run.elapsed));
    assert_eq!(run.code, row.exit, "{when}: exit status\n{}", run.stderr);
    if row.usage_error {
        assert_eq!(run.stdout, "", "{when}: a usage error prints nothing on stdout");
        assert!(run.stderr.contains(row.message), "{when}: stderr must hold `{}`:\n{}", row.message, run.stderr);
    } else {
        assert_stderr(row, &run, &when);
        assert_report(row, &json(&run, &when), &when);
        assert_eq!(json(&run, &when)["summary"]["fixed"], 0, "{when}: a check fixes nothing");
    }
    assert_same_tree(&before, &snapshot(&dir), &when);

    // --fix, JSON.
    let when = format!("{}: --fix --format json", row.name);
    let run = run_with(&["--fix", "--format", "json"]);
    timings.push(format!("fix {:.2?}", run.elapsed));
    let leftovers: Vec<_> = walkdir::WalkDir::new(&dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".conflint-"))
        .map(|e| e.path().to_path_buf())
        .collect();
    assert!(leftovers.is_empty(), "{when}: temporary files left: {leftovers:?}");
    match &row.fix {
        Fix::Unchanged => {
            assert_eq!(run.code, row.exit, "{when}: exit status\n{}", run.stderr);
            if row.usage_error {
                assert_eq!(run.stdout, "", "{when}");
                assert!(run.stderr.contains(row.message), "{when}: stderr:\n{}", run.stderr);
            } else {
                assert_stderr(row, &run, &when);
                let report = json(&run, &when);
                assert_report(row, &report, &when);
                assert_eq!(report["summary"]["fixed"], 0, "{when}: nothing fixed");
            }
            assert_same_tree(&before, &snapshot(&dir), &when);
        }
        Fix::Replaces { path, from, to, exit } => {
            assert_eq!(run.code, *exit, "{when}: exit status\n{}", run.stderr);
            assert_stderr(row, &run, &when);
            let report = json(&run, &when);
            assert_eq!(report["summary"]["fixed"], 1, "{when}: one fix\n{}", head(&run.stdout));
            let mut expected = before.clone();
            let Some(Entry::File { bytes: Some(bytes), .. }) = expected.get_mut(Path::new(path)) else {
                panic!("{when}: {path} is not a readable file of the row");
            };
            let text = bytes.clone();
            let at = find_once(&text, from.as_bytes()).unwrap_or_else(|| panic!("{when}: `{from}` once in {path}"));
            let mut fixed = text[..at].to_vec();
            fixed.extend_from_slice(to.as_bytes());
            fixed.extend_from_slice(&text[at + from.len()..]);
            *bytes = fixed;
            assert_same_tree(&expected, &snapshot(&dir), &when);
        }
    }
    open_up(&root);
    timings
}

/// The position of the only occurrence of `needle` in `hay`.
fn find_once(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let mut found = hay.windows(needle.len()).enumerate().filter(|(_, w)| *w == needle).map(|(i, _)| i);
    let first = found.next()?;
    found.next().is_none().then_some(first)
}

/// Run rows, collecting failures rather than stopping at the first.
/// `CONFLINT_ADVERSARIAL_ROWS=text` runs only the rows whose name holds it.
fn run_rows(rows: &[&Row]) {
    let only = std::env::var("CONFLINT_ADVERSARIAL_ROWS").ok();
    let mut failures = Vec::new();
    for row in rows.iter().filter(|r| only.as_deref().is_none_or(|o| r.name.contains(o))) {
        let start = Instant::now();
        match std::panic::catch_unwind(|| check_row(row)) {
            Ok(timings) => eprintln!("ok   {:<55} {:>8.2?}  ({})", row.name, start.elapsed(), timings.join(", ")),
            Err(_) => {
                eprintln!("FAIL {:<55} {:>8.2?}", row.name, start.elapsed());
                failures.push(row.name);
            }
        }
    }
    assert!(failures.is_empty(), "rows failed (see the panics above): {failures:#?}");
}

#[test]
fn adversarial_inputs() {
    let rows: Vec<&Row> = ROWS.iter().filter(|r| r.bug.is_none()).collect();
    run_rows(&rows);
}

/// The table's rows have distinct names and sensible expectations.
#[test]
fn table_is_well_formed() {
    let mut names: Vec<_> = ROWS.iter().map(|r| r.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), ROWS.len(), "duplicate row names");
    for row in ROWS {
        assert!([0, 1, 2].contains(&row.exit), "{}: exit", row.name);
        assert!(row.codes.windows(2).all(|w| w[0] < w[1]), "{}: codes sorted and distinct", row.name);
        assert_eq!(row.usage_error, row.codes.is_empty() && row.exit == 2, "{}: usage error", row.name);
        if let Fix::Replaces { path, .. } = row.fix {
            assert!(!path.is_empty(), "{}: fix path", row.name);
        }
    }
}
