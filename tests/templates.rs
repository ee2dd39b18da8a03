//! Templates read as the target format with holes: byte-for-byte round
//! trips, findings on the template's own lines, placeholders never judged,
//! fixes only on literal lines.

mod common;

use std::path::Path;

use common::{codes, conflint_in, json, write};
use conflint::core::httpd::HttpdFile;
use conflint::core::template::{Dialect, mask};
use conflint::{FileKind, Settings};

/// Every shape the readers must keep: Jinja whitespace control and
/// comments, ERB trim tags and loops, EPP blocks, Go-style `.tmpl`.
const SAMPLES: &[(&str, Dialect)] = &[
    ("{%- if x -%}\nServerTokens Prod\n{%- endif %}\n{# a comment #}\nListen {{ port }}\n", Dialect::Jinja),
    (
        "<% @vhosts.each do |v| -%>\n<VirtualHost *:<%= v['port'] %>>\n  ServerName <%= v['name'] %>\n</VirtualHost>\n<% end -%>\n",
        Dialect::Erb,
    ),
    ("<% if $ssl { -%>\nSSLEngine on\n<% } else { -%>\nSSLEngine off\n<% } -%>\nListen <%= $port %>\r\n", Dialect::Epp),
    ("{{ if .Ssl }}\nSSLEngine on\n{{ end }}\nListen {{ .Port }}", Dialect::Generic),
];

#[test]
fn templates_round_trip_and_keep_line_numbers() {
    for (text, dialect) in SAMPLES {
        let masked = mask(text.as_bytes(), *dialect);
        assert_eq!(masked.bytes.len(), text.len(), "{text}");
        assert!(masked.info.problems.is_empty(), "{text}: {:?}", masked.info.problems);
        let lines = |b: &[u8]| b.iter().filter(|&&c| c == b'\n').count();
        assert_eq!(lines(&masked.bytes), lines(text.as_bytes()), "{text}");
        // The masked text parses as httpd configuration.
        HttpdFile::parse(masked.bytes.clone()).unwrap_or_else(|e| panic!("{text}: {e}"));
    }
    // Every template fixture prints back byte for byte.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules");
    let mut seen = 0;
    for entry in walkdir::WalkDir::new(&root).into_iter().filter_map(Result::ok) {
        let path = entry.path();
        let Some((_, _)) = conflint::core::template::dialect(path) else { continue };
        let Some((kind, _)) = conflint::core::format::recognise(path) else { continue };
        let bytes = std::fs::read(path).expect("read");
        let fs = conflint::core::source::RealFileSystem::new();
        let loaded = conflint::Target::fragment(kind, path).load(&fs, &Default::default());
        if let Some(model) = &loaded.model {
            for file in model.files() {
                assert_eq!(file.source, bytes.as_slice(), "{}", path.display());
                assert!(file.template.is_some(), "{}", path.display());
            }
        }
        seen += 1;
    }
    assert!(seen >= 8, "template fixtures: {seen}");
}

#[test]
fn a_literal_finding_is_on_the_template_line_and_a_placeholder_is_never_judged() {
    let text = b"<VirtualHost *:{{ port }}>\n  ServerName {{ name }}\n  ServerSignature {{ signature }}\n</VirtualHost>\nServerSignature On\n";
    let found = conflint::check("roles/apache/templates/site.conf.j2", FileKind::Httpd, text, &Settings::default());
    let at: Vec<(&str, usize, usize)> =
        found.iter().map(|d| (d.code(), d.location.start.line, d.location.start.column)).collect();
    assert_eq!(at, [("HT002", 5, 17)]);
    let strict = Settings { strict_templates: true, ..Settings::default() };
    let found =
        conflint::check("roles/apache/templates/site.conf.j2", FileKind::Httpd, b"ServerSignature {{ x }}\n", &strict);
    assert!(found.iter().all(|d| d.severity == conflint::Severity::Info), "{found:?}");
}

#[test]
fn fixes_touch_literal_lines_only() {
    let text = b"{% if legacy %}\nServerSignature On\n{% endif %}\nServerSignature On\n";
    let fixed = conflint::fix("roles/apache/templates/sig.conf.j2", FileKind::Httpd, text, &Settings::default(), true);
    assert_eq!(fixed.text, b"{% if legacy %}\nServerSignature On\n{% endif %}\nServerSignature Off\n");
}

/// `conflint .` on an Ansible role layout checks its templates without
/// any conflint.toml.
#[test]
fn an_ansible_role_is_checked_without_configuration() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "roles/apache/templates/security.conf.j2",
        "ServerTokens {{ apache_tokens }}\nServerSignature On\n",
    );
    write(dir.path(), "roles/php/templates/php.ini.j2", "[PHP]\nexpose_php = On\nmemory_limit = {{ m }}\n");
    write(dir.path(), "roles/gitlab/templates/gitlab.rb.j2", "letsencrypt['enable'] = \"{{ le }}\"\n");
    let (_, stdout, _) = conflint_in(dir.path(), &["--format", "json", "--select", "HT0,PH00,GL0", "."]);
    let report = json(&stdout);
    assert_eq!(codes(&report), ["GL040", "HT002", "PH001", "PH002"], "{stdout}");
    assert_eq!(report["summary"]["files"], 3);
}
