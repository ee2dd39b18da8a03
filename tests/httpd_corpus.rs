//! The real httpd configuration files of ../shared/corpus/apache: every one
//! round-trips byte for byte and lints without error, except the files
//! SOURCE.md marks as broken on purpose, which fail with a precise CL001.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use conflint_cli::config::FileMap;
use conflint_cli::discover::{Walked, walk};
use conflint_core::httpd::HttpdFile;
use conflint_rules::FileKind;

/// Files under corpus/apache that are not httpd syntax (SOURCE.md).
const NOT_HTTPD: &[&str] = &[
    "certbot/testdata/centos7_apache/apache/httpd/conf/magic",
    "certbot/testdata/gentoo_apache/apache/apache2/magic",
    "certbot/testdata/centos7_apache/apache/sysconfig/httpd",
    "certbot/testdata/gentoo_apache/apache/conf.d/apache2",
    "certbot/testdata/debian_apache_2_4/augeas_vhosts/apache2/envvars",
    "certbot/testdata/debian_apache_2_4/default_vhost/apache2/envvars",
    "certbot/testdata/debian_apache_2_4/multi_vhosts/apache2/envvars",
    "certbot/testdata/debian_apache_2_4/multiple_vhosts/apache2/envvars",
];

/// Broken on purpose (SOURCE.md): `<VirtualHost>` never closed, on line 1.
const BROKEN: &[&str] = &[
    "certbot/testdata/debian_apache_2_4/augeas_vhosts/apache2/conf-available/bad_conf_file.conf",
    "certbot/testdata/debian_apache_2_4/multiple_vhosts/apache2/conf-available/bad_conf_file.conf",
];

fn root() -> PathBuf {
    common::corpus("apache")
}

/// Every file under corpus/apache except licenses and SOURCE.md.
fn data_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(root()).sort_by_file_name() {
        let entry = entry.expect("walk corpus");
        let name = entry.file_name().to_string_lossy();
        if entry.file_type().is_file()
            && !(name.starts_with("LICENSE") || name.starts_with("NOTICE") || name == "SOURCE.md")
        {
            out.push(entry.path().to_path_buf());
        }
    }
    out
}

fn rel(path: &Path) -> String {
    path.strip_prefix(root()).unwrap_or(path).to_string_lossy().into_owned()
}

fn httpd_files() -> Vec<PathBuf> {
    data_files().into_iter().filter(|p| !NOT_HTTPD.contains(&rel(p).as_str())).collect()
}

#[test]
fn every_httpd_file_round_trips_or_fails_precisely() {
    if !common::require_corpus("every_httpd_file_round_trips_or_fails_precisely") {
        return;
    }
    let files = httpd_files();
    assert_eq!(files.len(), 173, "SOURCE.md counts 173 httpd-syntax files");
    for path in files {
        let bytes = std::fs::read(&path).expect("read");
        match HttpdFile::parse(bytes.clone()) {
            Ok(file) => {
                assert!(!BROKEN.contains(&rel(&path).as_str()), "{} should fail", rel(&path));
                assert!(file.print() == bytes, "{} does not round-trip", rel(&path));
            }
            Err(error) => {
                assert!(BROKEN.contains(&rel(&path).as_str()), "{}: {error}", rel(&path));
                assert_eq!((error.line, error.message.as_str()), (1, "<VirtualHost> was not closed."));
            }
        }
    }
}

#[test]
fn the_walker_finds_httpd_files_and_nothing_else() {
    if !common::require_corpus("the_walker_finds_httpd_files_and_nothing_else") {
        return;
    }
    let mut found = Walked::default();
    walk(&root(), &FileMap::default(), &mut found);
    let walked: Vec<String> =
        found.files.iter().filter(|(_, k, _)| *k == FileKind::Httpd).map(|(p, _, _)| rel(p)).collect();
    assert!(found.files.iter().all(|(_, k, _)| *k == FileKind::Httpd), "only httpd files under corpus/apache");
    for not_httpd in NOT_HTTPD {
        assert!(!walked.contains(&not_httpd.to_string()), "{not_httpd} mistaken for httpd");
    }
    let expected: Vec<String> = httpd_files()
        .iter()
        .map(|p| rel(p))
        // Named so that only an include (or [files]) makes them configuration:
        // a full Debian apache2.conf saved as .txt, CentOS's conf.d/README
        // (all comments), Gentoo's vhosts.d/default_vhost.include.
        .filter(|p| {
            !p.ends_with("finalize-1243.apache2.conf.txt") && !p.ends_with("conf.d/README") && !p.ends_with(".include")
        })
        .collect();
    let missing: Vec<_> = expected.iter().filter(|p| !walked.contains(p)).collect();
    let extra: Vec<_> = walked.iter().filter(|p| !expected.contains(p)).collect();
    assert!(missing.is_empty() && extra.is_empty(), "missing: {missing:?}\nextra: {extra:?}");
    assert_eq!(walked.len(), 170);
}

#[test]
fn the_corpus_lints_without_error() {
    if !common::require_corpus("the_corpus_lints_without_error") {
        return;
    }
    let output = Command::new(env!("CARGO_BIN_EXE_conflint"))
        .args(["--format", "json", "--select", "ALL"])
        .arg(root())
        .output()
        .expect("run conflint");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json output");
    let diagnostics = json["diagnostics"].as_array().expect("diagnostics");
    let errors: Vec<String> = diagnostics
        .iter()
        .filter(|d| d["code"].as_str().is_some_and(|c| c.starts_with("CL0")))
        .map(|d| format!("{} {}:{} {}", d["code"], d["path"], d["line"], d["message"]))
        .collect();
    assert_eq!(errors.len(), 2, "only the two broken files: {errors:#?}");
    for (error, broken) in errors.iter().zip(BROKEN) {
        assert!(error.contains(broken) && error.contains("CL001") && error.contains(":1 "), "{error}");
    }
    // A file that does not parse is exit status 2.
    assert_eq!(output.status.code(), Some(2));
    // The walker reads the Debian and CentOS trees from their entry files:
    // their included files are checked once, as part of the tree.
    assert!(json["summary"]["files"].as_u64().unwrap_or(0) >= 150);
}

/// The parser reads blank and comment lines with a byte scan; the grammar
/// alone must read every file to the same tree (or the same error).
#[test]
fn the_fast_path_reads_like_the_grammar() {
    if !common::require_corpus("the_fast_path_reads_like_the_grammar") {
        return;
    }
    let mut inputs: Vec<Vec<u8>> = httpd_files().iter().map(|p| std::fs::read(p).expect("read")).collect();
    inputs.extend(
        [
            &b"# a \\\ncontinued comment\nX y\n"[..],
            b"  \t\r\n\t# c\r\n<Perl>\n# perl comment\n$x = 1;\n</Perl>\n",
            b"#\\\r\n\\\r\n\r\n",
            b"ServerName a\n   \n# last",
            b"\xEF\xBB\xBF# bom\n",
            b"<IfModule x>\n  # c \\\n  ServerName b\n</IfModule>",
        ]
        .iter()
        .map(|b| b.to_vec()),
    );
    for bytes in inputs {
        let fast = HttpdFile::parse(bytes.clone()).map(|f| (f.bom, f.lines));
        let grammar = HttpdFile::parse_with_grammar_only(bytes.clone()).map(|f| (f.bom, f.lines));
        // Both read the same tree, or both refuse the file (when it has
        // several errors, the line-by-line reading names the first one).
        match (&fast, &grammar) {
            (Err(_), Err(_)) => {}
            _ => assert_eq!(fast, grammar, "{:?}", String::from_utf8_lossy(&bytes)),
        }
    }
}
