//! System test (issue 20): the Debian package, installed for real.
//!
//! As root only (it runs `dpkg -i` on this machine). `scripts/package`
//! builds the .deb with cargo-deb from a release build in this build's
//! target directory (a no-op rebuild when it is up to date; `CONFLINT_DEB`
//! names an existing .deb instead). Then:
//! - any installed conflint package is purged first, so the test starts clean;
//! - `dpkg -i`; every file of the package (`dpkg-deb -c`) is on disk, except
//!   those dpkg is told not to install (`path-exclude` in /etc/dpkg/dpkg.cfg.d/,
//!   as Debian's minimal container images do for /usr/share/man and
//!   /usr/share/doc): those must be absent, and the test says which;
//! - `conflint --version` prints this version; `man -w conflint` finds the
//!   page (unless man pages are excluded); the bash completion loads;
//! - `conflint --format json /etc/apache2` (Debian's own configuration, when
//!   apache2 is installed) parses every file, reports only known rules on
//!   files under /etc/apache2, and says exactly what the binary under test says;
//! - `dpkg -r`, then `dpkg --purge`: every file `dpkg -L` listed before removal
//!   is gone, and so is every directory only this package owned.
//!
//! Not root, no dpkg, no cargo-deb and no network to install it: a skip
//! note (a failure with `CONFLINT_SYSTEM_TESTS=require`).

mod common;
mod deb;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const TEST: &str = "deb_installs_works_and_removes_cleanly";

fn skip(why: &str) {
    assert!(!common::system_tests_required(), "system test `{TEST}` cannot run: {why}");
    common::note_skip(TEST, why);
}

/// dpkg's `path-exclude`/`path-include` filters, in the order dpkg reads them
/// (dpkg.cfg, then dpkg.cfg.d/* sorted): `(include, glob)`.
fn dpkg_filters() -> Vec<(bool, String)> {
    let mut files = vec![PathBuf::from("/etc/dpkg/dpkg.cfg")];
    if let Ok(dir) = std::fs::read_dir("/etc/dpkg/dpkg.cfg.d") {
        let mut more: Vec<PathBuf> = dir.filter_map(Result::ok).map(|e| e.path()).collect();
        more.sort();
        files.extend(more);
    }
    let mut filters = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else { continue };
        for line in text.lines().map(str::trim) {
            for (option, include) in [("path-exclude", false), ("path-include", true)] {
                if let Some(rest) = line.strip_prefix(option) {
                    let glob = rest.trim_start_matches(['=', ' ', '\t']).trim();
                    if !glob.is_empty() && rest.starts_with(['=', ' ', '\t']) {
                        filters.push((include, glob.to_string()));
                    }
                }
            }
        }
    }
    filters
}

/// fnmatch(3) without FNM_PATHNAME, as dpkg matches its filters: `*` also
/// matches `/`; `?` one character; `[...]` a class.
fn fnmatch(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|i| fnmatch(rest, &text[i..])),
        Some((b'?', rest)) => !text.is_empty() && fnmatch(rest, &text[1..]),
        Some((b'[', rest)) => {
            let Some(end) = rest.iter().skip(1).position(|&b| b == b']').map(|p| p + 1) else {
                return text.first() == Some(&b'[') && fnmatch(rest, &text[1..]);
            };
            let Some((&c, tail)) = text.split_first() else { return false };
            let (negate, class) = match rest[..end].split_first() {
                Some((b'!' | b'^', class)) => (true, class),
                _ => (false, &rest[..end]),
            };
            let mut hit = false;
            let mut i = 0;
            while i < class.len() {
                if i + 2 < class.len() && class[i + 1] == b'-' {
                    hit |= class[i] <= c && c <= class[i + 2];
                    i += 3;
                } else {
                    hit |= class[i] == c;
                    i += 1;
                }
            }
            hit != negate && fnmatch(&rest[end + 1..], tail)
        }
        Some((&p, rest)) => text.first() == Some(&p) && fnmatch(rest, &text[1..]),
    }
}

/// Whether dpkg installs `path`: the last filter that matches decides.
fn dpkg_installs(filters: &[(bool, String)], path: &str) -> bool {
    filters.iter().rev().find(|(_, glob)| fnmatch(glob.as_bytes(), path.as_bytes())).is_none_or(|(include, _)| *include)
}

#[test]
fn dpkg_filters_match_like_fnmatch() {
    let filters = vec![
        (false, "/usr/share/man/*".to_string()),
        (false, "/usr/share/doc/*".to_string()),
        (true, "/usr/share/doc/*/copyright".to_string()),
    ];
    assert!(!dpkg_installs(&filters, "/usr/share/man/man1/conflint.1.gz"));
    assert!(!dpkg_installs(&filters, "/usr/share/doc/conflint/rules.md"));
    assert!(dpkg_installs(&filters, "/usr/share/doc/conflint/copyright"));
    assert!(dpkg_installs(&filters, "/usr/bin/conflint"));
    assert!(fnmatch(b"/usr/share/locale/[a-d]*", b"/usr/share/locale/de/x.mo"));
    assert!(!fnmatch(b"/usr/share/locale/[!a-d]*", b"/usr/share/locale/de/x.mo"));
}

/// The regular files and symlinks in the .deb, as absolute paths.
fn deb_contents(deb: &Path) -> Vec<String> {
    let out = deb::run_ok(Command::new("dpkg-deb").arg("-c").arg(deb));
    out.lines()
        .filter(|l| !l.starts_with('d'))
        .filter_map(|l| l.split_whitespace().nth(5))
        .map(|p| p.trim_start_matches('.').to_string())
        .collect()
}

fn owned_by_another_package(dir: &Path) -> bool {
    let out = Command::new("dpkg-query").arg("-S").arg(dir).output().expect("dpkg-query -S");
    out.status.success()
        && String::from_utf8_lossy(&out.stdout)
            .lines()
            .any(|l| l.rsplit_once(": ").is_some_and(|(owners, _)| owners.split(", ").any(|o| o != deb::PACKAGE)))
}

#[test]
fn deb_installs_works_and_removes_cleanly() {
    let start = Instant::now();
    if !deb::is_root() {
        return skip("dpkg -i needs root");
    }
    for tool in ["dpkg", "dpkg-deb", "dpkg-query", "cargo", "man"] {
        if common::system_tool(tool, TEST).is_none() {
            return;
        }
    }
    let _lock = deb::lock();
    let deb_file = match deb::build() {
        Ok(deb) => deb,
        Err(why) => return skip(&why),
    };
    let built = start.elapsed();
    let contents = deb_contents(&deb_file);
    let expected = [
        "/usr/bin/conflint",
        "/usr/share/man/man1/conflint.1.gz",
        "/usr/share/bash-completion/completions/conflint",
        "/usr/share/zsh/vendor-completions/_conflint",
        "/usr/share/fish/vendor_completions.d/conflint.fish",
        "/usr/share/doc/conflint/rules.md",
        "/usr/share/doc/conflint/copyright",
        "/usr/share/doc/conflint/LICENSE-MIT",
        "/usr/share/doc/conflint/LICENSE-APACHE",
    ];
    for path in expected {
        assert!(contents.iter().any(|p| p == path), "{} has no {path}; it has {contents:#?}", deb_file.display());
    }

    // A clean state: no conflint package, no stray /usr/bin/conflint dpkg would overwrite.
    deb::purge();
    assert!(
        !Path::new("/usr/bin/conflint").exists(),
        "/usr/bin/conflint exists and belongs to no package; remove it before running this test"
    );

    deb::run_ok(Command::new("dpkg").arg("-i").arg(&deb_file));
    assert!(deb::installed(), "dpkg -i succeeded but the package is not installed: {:?}", deb::status());
    let listed = deb::files();
    let filters = dpkg_filters();
    let mut excluded = Vec::new();
    for path in &contents {
        if dpkg_installs(&filters, path) {
            assert!(Path::new(path).exists(), "{path} is in the package but not on disk after dpkg -i");
            assert!(listed.iter().any(|l| l == Path::new(path)), "dpkg -L does not list {path}");
        } else {
            assert!(!Path::new(path).exists(), "{path} is excluded by a dpkg path-exclude rule, yet it was installed");
            excluded.push(path.clone());
        }
    }
    if !excluded.is_empty() {
        eprintln!(
            "note: dpkg path-exclude rules in /etc/dpkg/dpkg.cfg.d kept these files of the package off the disk \
             (checked that they are in the .deb instead): {excluded:?}"
        );
    }

    // The installed binary.
    let version = deb::run_ok(Command::new("/usr/bin/conflint").arg("--version"));
    assert_eq!(version.trim(), format!("conflint {}", env!("CARGO_PKG_VERSION")));
    let which =
        deb::run_ok(Command::new("sh").args(["-c", "command -v conflint"]).env("PATH", "/usr/local/bin:/usr/bin:/bin"));
    assert_eq!(which.trim(), "/usr/bin/conflint", "conflint on a system PATH");

    // The man page, found by man-db.
    let man_page = "/usr/share/man/man1/conflint.1.gz";
    if dpkg_installs(&filters, man_page) {
        let found = deb::run_ok(Command::new("man").args(["-w", "conflint"]));
        assert_eq!(found.trim(), man_page, "man -w conflint");
        let page = deb::run_ok(Command::new("man").args(["-P", "cat", "conflint"]).env("MANWIDTH", "100"));
        assert!(page.contains("--stdin-filename") && page.contains("NAME"), "the man page reads:\n{page}");
    } else {
        eprintln!("note: man -w not checked: dpkg excludes {man_page} on this machine");
    }

    // The bash completion loads and completes the options.
    let completion = "/usr/share/bash-completion/completions/conflint";
    if dpkg_installs(&filters, completion) {
        let complete =
            deb::run_ok(Command::new("bash").args(["-c", &format!("source {completion} && complete -p conflint")]));
        assert!(complete.contains("conflint"), "complete -p conflint: {complete}");
    }

    // Lint Debian's own Apache configuration with the installed binary.
    if Path::new("/etc/apache2/apache2.conf").is_file() {
        let cwd = tempfile::tempdir().expect("temporary directory"); // no conflint.toml above it
        let lint = |bin: &Path| {
            let out = Command::new(bin)
                .args(["--format", "json", "/etc/apache2"])
                .current_dir(cwd.path())
                .env("NO_COLOR", "1")
                .output()
                .expect("run conflint");
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        };
        let (code, stdout, stderr) = lint(Path::new("/usr/bin/conflint"));
        assert!(matches!(code, Some(0 | 1)), "conflint /etc/apache2 exited {code:?}:\n{stdout}{stderr}");
        let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON report");
        assert_eq!(report["version"], 1);
        let files = report["summary"]["files"].as_u64().expect("summary.files");
        assert!(files >= 3, "apache2.conf, ports.conf and the enabled sites and modules are checked: {files}");
        let diagnostics = report["diagnostics"].as_array().expect("diagnostics");
        assert_eq!(report["summary"]["diagnostics"].as_u64(), Some(diagnostics.len() as u64));
        for d in diagnostics {
            let code = d["code"].as_str().expect("code");
            assert!(
                code.len() == 5 && ["HT", "TL", "PH", "GL"].contains(&&code[..2]),
                "only rule findings on Debian's own configuration (no CL001-CL003): {d}"
            );
            assert!(
                d["path"].as_str().is_some_and(|p| p.starts_with("/etc/apache2/")),
                "a path under /etc/apache2: {d}"
            );
            assert!(d["line"].as_u64().is_some_and(|l| l >= 1), "a line: {d}");
        }
        // The release build in the package says what the binary under test says.
        if std::env::var_os("CONFLINT_DEB").is_none() {
            let (test_code, test_stdout, _) = lint(Path::new(env!("CARGO_BIN_EXE_conflint")));
            assert_eq!((code, &stdout), (test_code, &test_stdout), "the packaged binary and the tested one disagree");
        }
    } else if common::system_tests_required() {
        panic!("system test `{TEST}`: /etc/apache2 is missing (scripts/test installs apache2)");
    } else {
        eprintln!("note: /etc/apache2 is missing; Debian's configuration not linted");
    }

    // Remove, purge, and nothing of the package is left behind.
    let kinds: Vec<(PathBuf, bool)> = listed.iter().map(|p| (p.clone(), p.is_dir())).collect();
    deb::run_ok(Command::new("dpkg").args(["-r", deb::PACKAGE]));
    assert!(!deb::installed(), "still installed after dpkg -r: {:?}", deb::status());
    deb::run_ok(Command::new("dpkg").args(["--purge", deb::PACKAGE]));
    assert!(
        deb::status().is_none_or(|s| s.contains("not-installed")),
        "dpkg still knows the package: {:?}",
        deb::status()
    );
    for (path, was_dir) in &kinds {
        if !was_dir {
            assert!(
                !path.exists() && path.symlink_metadata().is_err(),
                "{} is left behind after dpkg --purge",
                path.display()
            );
        } else if path.exists() {
            let empty = std::fs::read_dir(path).is_ok_and(|mut d| d.next().is_none());
            assert!(
                !empty || owned_by_another_package(path),
                "{} is left behind, empty and owned by no other package",
                path.display()
            );
        }
    }
    assert!(!Path::new("/usr/share/doc/conflint").exists(), "/usr/share/doc/conflint is left behind");
    assert!(!Path::new("/usr/bin/conflint").exists(), "/usr/bin/conflint is left behind");
    eprintln!("{TEST}: package built in {built:.1?}, whole test {:.1?}", start.elapsed());
}
