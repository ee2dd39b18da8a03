//! The properties the fuzz targets check. The root package's
//! `tests/fuzz_regressions.rs` (the findings) and `tests/proptest_roundtrip.rs`
//! (generated files) include this file as a module, so the three check the
//! same properties. It uses nothing but `conflint`.

// Public for the fuzz targets; unreachable where the tests include the file.
#![allow(unreachable_pub)]

use conflint::core::gitlab::GitlabRbFile;
use conflint::core::httpd::HttpdFile;
use conflint::core::php::PhpIniFile;
use conflint::core::postfix::{MainCf, MasterCf};
use conflint::{FileKind, Settings};

/// Parse `text` as `kind`; when it parses, printing the tree must give back
/// the input byte for byte. Returns whether it parsed.
/// For Postfix both main.cf and master.cf readings are checked; the result
/// is main.cf's ([`roundtrip_at`] tells by the path).
pub fn roundtrip(kind: FileKind, text: &[u8]) -> bool {
    roundtrip_at(kind, "postfix/main.cf", text)
}

/// [`roundtrip`] for the file at `path`: for Postfix, whether it parses as
/// the file the path names (master.cf or main.cf); both are checked.
pub fn roundtrip_at(kind: FileKind, path: &str, text: &[u8]) -> bool {
    let printed = match kind {
        FileKind::Httpd => HttpdFile::parse(text).map(|f| f.print()),
        FileKind::PhpIni => PhpIniFile::parse(text).map(|f| f.print()),
        FileKind::GitlabRb => GitlabRbFile::parse(text).map(|f| f.print()),
        FileKind::Postfix => {
            let main = check_printed(kind, text, MainCf::parse(text).map(|f| f.print()));
            let master = check_printed(kind, text, MasterCf::parse(text).map(|f| f.print()));
            return if path.contains("master") { master } else { main };
        }
    };
    check_printed(kind, text, printed)
}

fn check_printed(kind: FileKind, text: &[u8], printed: Result<Vec<u8>, conflint::core::SyntaxError>) -> bool {
    match printed {
        Ok(printed) => {
            assert!(
                printed == text,
                "{kind:?}: print(parse(x)) != x\n input: {:?}\nprinted: {:?}",
                String::from_utf8_lossy(text),
                String::from_utf8_lossy(&printed)
            );
            true
        }
        Err(error) => {
            // The error must point inside the file (1-based, at most one past the end).
            assert!(error.line >= 1 && error.column >= 1, "{kind:?}: error position {error:?}");
            false
        }
    }
}

/// The parsers read plain lines with a byte scan and the rest with pest;
/// the grammar alone must read the same tree, or refuse the file too (with
/// several errors the two may name a different first one).
pub fn fast_path_agrees(kind: FileKind, text: &[u8]) {
    let (fast, grammar) = match kind {
        FileKind::Httpd => (
            HttpdFile::parse(text).map(|f| format!("{:?}", (f.bom, f.lines))),
            HttpdFile::parse_with_grammar_only(text).map(|f| format!("{:?}", (f.bom, f.lines))),
        ),
        FileKind::PhpIni => (
            PhpIniFile::parse(text).map(|f| format!("{:?}", (f.bom, f.lines))),
            PhpIniFile::parse_with_grammar_only(text).map(|f| format!("{:?}", (f.bom, f.lines))),
        ),
        FileKind::GitlabRb | FileKind::Postfix => return,
    };
    if fast.is_ok() || grammar.is_ok() {
        assert!(fast == grammar, "{kind:?}: fast path and grammar differ\n input: {:?}", String::from_utf8_lossy(text));
    }
}

/// The settings the pipeline lints with: every rule on, a memory budget
/// (HT005) and trusted addresses (GL001), optionally Apache 2.2 (and then
/// Postfix 3.7 rather than the newest).
pub fn settings(apache_2_2: bool) -> Settings {
    let mut settings = Settings::default();
    settings.selection.select = Some(vec!["ALL".to_string()]);
    settings.httpd.memory = Some(2 * 1024 * 1024 * 1024);
    if apache_2_2 {
        settings.httpd.version = Some(conflint::core::httpd::ApacheVersion::V2_2);
        settings.postfix.version = Some(conflint::core::postfix::PostfixVersion::new(3, 7, 0));
    }
    settings.gitlab.trusted_ips.push("10.0.0.0/8".parse().expect("CIDR"));
    settings.gitlab.trusted_ips.push("203.0.113.7/32".parse().expect("CIDR"));
    settings
}

/// What the first byte of a pipeline input selects: the kind, the file name
/// (entry file or fragment) and the Apache version.
pub fn select(selector: u8) -> (FileKind, &'static str, bool) {
    let kind = match selector % 4 {
        0 => FileKind::Httpd,
        1 => FileKind::PhpIni,
        2 => FileKind::GitlabRb,
        _ => FileKind::Postfix,
    };
    let entry = (selector / 4) % 2 == 0;
    let apache_2_2 = (selector / 8) % 2 == 1;
    let path = match (kind, entry) {
        (FileKind::Httpd, true) => "httpd.conf",
        (FileKind::Httpd, false) => "conf.d/site.conf",
        (FileKind::PhpIni, true) => "php.ini",
        (FileKind::PhpIni, false) => "conf.d/20-site.ini",
        (FileKind::GitlabRb, _) => "gitlab.rb",
        (FileKind::Postfix, true) => "postfix/main.cf",
        (FileKind::Postfix, false) => "postfix/master.cf",
    };
    (kind, path, apache_2_2)
}

/// The whole pipeline on one file: parse (round trip), check, fix safe, fix
/// unsafe. A fixed file parses again and prints back exactly; fixing it
/// again changes nothing; a file that does not parse is never changed.
pub fn pipeline(kind: FileKind, path: &str, apache_2_2: bool, text: &[u8]) {
    let settings = settings(apache_2_2);
    let parses = roundtrip_at(kind, path, text);
    let _ = conflint::check(path, kind, text, &settings);
    for unsafe_fixes in [false, true] {
        let once = conflint::fix(path, kind, text, &settings, unsafe_fixes);
        if !parses {
            assert!(once.text == text, "{kind:?}: a file that does not parse was changed by fix");
            continue;
        }
        assert!(
            roundtrip_at(kind, path, &once.text),
            "{kind:?} (unsafe: {unsafe_fixes}): the fixed text does not parse\n input: {:?}\n fixed: {:?}",
            String::from_utf8_lossy(text),
            String::from_utf8_lossy(&once.text)
        );
        if !once.converged {
            // A chain of fixes longer than the fixer's pass limit: it
            // reports each fix left, and fixing again goes on.
            assert!(!once.failures.is_empty(), "{kind:?}: not converged, but no fix reported as left");
            continue;
        }
        let twice = conflint::fix(path, kind, &once.text, &settings, unsafe_fixes);
        assert!(
            twice.text == once.text,
            "{kind:?} (unsafe: {unsafe_fixes}): fix(fix(x)) != fix(x)\n input: {:?}\n  once: {:?}\n twice: {:?}",
            String::from_utf8_lossy(text),
            String::from_utf8_lossy(&once.text),
            String::from_utf8_lossy(&twice.text)
        );
    }
}
