//! Inputs the fuzz targets (fuzz/fuzz_targets/) found, minimized, run
//! through the same properties as the `pipeline` target:
//!
//! - when the file parses, printing the tree gives back the same bytes;
//! - a file that does not parse is never changed by a fix;
//! - the fixed text (safe, then unsafe fixes) parses again and fixing it
//!   again changes nothing;
//! - no panic, no stack overflow, and no input takes long.
//!
//! Add a finding as a case in the table of its kind, named after what broke.

use std::time::{Duration, Instant};

use conflint::FileKind;
use conflint::core::httpd::HttpdFile;

/// The fuzz targets' properties, shared with them.
#[allow(dead_code)]
#[path = "../fuzz/src/lib.rs"]
mod properties;

use properties::settings;

fn show(bytes: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(bytes))
}

/// The `pipeline` target's properties on one file, in bounded time.
fn pipeline(kind: FileKind, path: &str, apache_2_2: bool, text: &[u8]) {
    let started = Instant::now();
    properties::pipeline(kind, path, apache_2_2, text);
    // libFuzzer's time-out is 10 s for an optimized build; a debug build
    // gets more room.
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(30), "{kind:?}: {path} took {elapsed:?}: {}", show(text));
}

/// Run every case as an entry file and as a fragment, for both Apache versions.
fn run(kind: FileKind, cases: &[(&str, &[u8])]) {
    let paths: &[&str] = match kind {
        FileKind::Httpd => &["httpd.conf", "conf.d/site.conf"],
        FileKind::PhpIni => &["php.ini", "conf.d/20-site.ini"],
        FileKind::GitlabRb => &["gitlab.rb"],
        FileKind::Postfix => &["postfix/main.cf", "postfix/master.cf"],
    };
    for (name, text) in cases {
        for path in paths {
            for apache_2_2 in [false, true] {
                eprintln!("case {name}: {path}, Apache 2.2: {apache_2_2}");
                pipeline(kind, path, apache_2_2, text);
            }
        }
    }
}

// Tables of small cases, per kind: add a minimized finding here when one
// property covers it.

#[test]
fn httpd_findings() {
    run(FileKind::Httpd, &[("empty", b"")]);
}

#[test]
fn php_findings() {
    run(FileKind::PhpIni, &[("empty", b"")]);
}

#[test]
fn gitlab_findings() {
    run(FileKind::GitlabRb, &[("empty", b"")]);
}

#[test]
fn postfix_findings() {
    run(
        FileKind::Postfix,
        &[
            ("empty", b""),
            ("no final newline", b"smtpd_banner = $myhostname ESMTP $mail_name"),
            ("crlf", b"disable_vrfy_command = no\r\nsmtp_tls_security_level =\r\n"),
            ("restriction as last line", b"smtpd_client_restrictions =\n  reject_unknown_client_hostname"),
            // proptest: `myhostname` expanding to "Postfix" made PF008's own fix fire PF008 again.
            ("host name that names the software", b"myhostname = \n    ${mail_name}\n"),
        ],
    );
}

// Findings of the first fuzz/proptest runs, fixed in "Fix the three fuzz
// findings". A new finding goes in as `#[ignore = "fuzz finding: ..."]`
// until its fix lands.

/// proptest (gitlab_fix_parses_and_is_idempotent): GL001 and GL002 are fixed
/// in the same pass. GL002 renames `ip_allowlist` to `ip_whitelist`, which,
/// being the last key, becomes the effective whitelist, so GL001's append
/// to the first `ip_whitelist` "did not clear its finding". The fixer drops
/// the whole pass and rejects GL001 by (code, path, message) for the rest
/// of the run; the next pass applies GL002 alone, and GL001 (same message,
/// now pointing at the renamed key, where its fix would work) stays
/// rejected. A second `fix` starts with no rejections and applies it:
/// fix(fix(x)) != fix(x). The same happens with two GL002 fixes: renaming
/// `ban_time` onto a duplicate `bantime` while unquoting the other one's
/// `'10'` leaves a finding with the same message, so the unquote counts as
/// "stuck" and is rejected for the run.
/// The bug was in crates/rules/src/fix.rs, `fix_target`: a fix "stuck" only
/// in combination with the others of its pass went into `rejected`, keyed by
/// (code, path, message), which does not say where the finding is. Now a
/// fix is verified by where its finding was, and a pass whose fixes get in
/// each other's way is retried one fix at a time.
#[test]
fn gitlab_fix_rejected_in_a_combined_pass_is_retried() {
    run(
        FileKind::GitlabRb,
        &[
            (
                "GL001 + GL002 rename onto a duplicate key",
                b"gitlab_rails['rack_attack_git_basic_auth'] = { 'ip_whitelist' => %w[], 'enabled' => true, 'ip_allowlist' => %w[192.168.1.1] }\n",
            ),
            (
                "two GL002 fixes: a rename onto a duplicate key and an unquote",
                b"gitlab_rails['rack_attack_git_basic_auth'] = { 'ban_time' => '10', 'bantime' => '10' }\n",
            ),
        ],
    );
}

/// Every fix offered on these well-formed files applies: no failure is
/// reported and nothing fixable is left.
fn fixes_apply(kind: FileKind, path: &str, cases: &[(&str, &[u8])]) {
    for (name, text) in cases {
        pipeline(kind, path, false, text);
        let fixed = conflint::fix(path, kind, text, &settings(false), true);
        assert!(fixed.failures.is_empty(), "case {name}: fixes failed: {:#?}\n input: {}", fixed.failures, show(text));
        let left: Vec<_> = fixed.remaining.iter().filter(|d| d.fix.is_some()).map(conflint::Diagnostic::code).collect();
        assert!(left.is_empty(), "case {name}: still fixable after fixing: {left:?}\n fixed: {}", show(&fixed.text));
        if kind == FileKind::GitlabRb {
            whitelist_still_read(name, &fixed.text);
        }
    }
}

/// After GL001's fix the whitelist must still be an array conflint reads
/// (and Ruby too): with one more trusted address, GL001 names only that
/// one. A fix that made the value unreadable (opaque Ruby, which clears
/// the finding too) fails here.
fn whitelist_still_read(name: &str, fixed: &[u8]) {
    let mut settings = settings(false);
    settings.gitlab.trusted_ips.push("192.0.2.1/32".parse().expect("CIDR"));
    let gl001: Vec<_> = conflint::check("gitlab.rb", FileKind::GitlabRb, fixed, &settings)
        .into_iter()
        .filter(|d| d.code() == "GL001")
        .map(|d| d.message)
        .collect();
    assert!(
        gl001.len() == 1
            && gl001[0].contains("192.0.2.1")
            && !gl001[0].contains("127.0.0.1")
            && !gl001[0].contains("10.0.0.0/8")
            && !gl001[0].contains("203.0.113.7"),
        "case {name}: the fixed whitelist is not read as the old entries plus the new ones: {gl001:?}\n fixed: {}",
        show(fixed)
    );
}

/// proptest (gitlab_fix_parses_and_is_idempotent, every fix applies): with two or more
/// addresses missing from an EMPTY `ip_whitelist` (`[]` or `%w[]`), GL001's
/// fix inserted every element at the same offset with no separator, each
/// computed as "append to an empty array" against the original text
/// (crates/rules/src/rules/gitlab/gl001_whitelist_gap.rs, the loop over
/// `missing`: `sep` is "" for every word while `words.items` is empty, and
/// `GitlabRbFile::append_to_array` takes the `append_to_empty` path each
/// time). The result is `["127.0.0.1""10.0.0.0/8""203.0.113.7"]` (Ruby
/// joins adjacent literals into one string) or `%w[127.0.0.110.0.0.0/8...]`,
/// the fixer saw the finding stay and reported "the fix did not clear its
/// finding; not applied": GL001 could never fix an empty whitelist.
/// Worse, on an empty MULTI-LINE array (`[\n  ]`) the entries were inserted
/// one per line without commas; Ruby refuses the result ("syntax error,
/// unexpected string literal, expecting ']'"), but conflint reads the array
/// as opaque Ruby, GL001 no longer fires, and `--fix` writes the broken
/// gitlab.rb.
#[test]
fn gitlab_gl001_fills_an_empty_whitelist() {
    fixes_apply(
        FileKind::GitlabRb,
        "gitlab.rb",
        &[
            ("empty brackets", b"gitlab_rails['rack_attack_git_basic_auth'] = { 'enabled' => true, 'ip_whitelist' => [] }\n"),
            ("empty %w[]", b"gitlab_rails['rack_attack_git_basic_auth'] = { 'enabled' => true, 'ip_whitelist' => %w[] }\n"),
            (
                "empty multi-line brackets",
                b"gitlab_rails['rack_attack_git_basic_auth'] = {\n  'enabled' => true,\n  'ip_whitelist' => [\n  ],\n}\n",
            ),
        ],
    );
}

/// The counterpart that always worked: appending to a whitelist that already
/// has an entry.
#[test]
fn gitlab_gl001_appends_to_a_non_empty_whitelist() {
    fixes_apply(
        FileKind::GitlabRb,
        "gitlab.rb",
        &[
            ("brackets", b"gitlab_rails['rack_attack_git_basic_auth'] = { 'enabled' => true, 'ip_whitelist' => ['1.2.3.4'] }\n"),
            ("%w[]", b"gitlab_rails['rack_attack_git_basic_auth'] = { 'enabled' => true, 'ip_whitelist' => %w[1.2.3.4] }\n"),
            (
                "multi-line brackets",
                b"gitlab_rails['rack_attack_git_basic_auth'] = {\n  'enabled' => true,\n  'ip_whitelist' => [\n    '1.2.3.4',\n  ],\n}\n",
            ),
        ],
    );
}

/// proptest (php_fix_parses_and_is_idempotent, every fix applies): PH001 (and PH002, unsafe) insert the
/// missing setting right after the `[PHP]` header, even when a `[HOST=...]`
/// or `[PATH=...]` section comes before it. PHP keeps every line after a
/// HOST/PATH section in that section, `[PHP]` or not (php 8.2:
/// `[HOST=www.example.com]\n[PHP]\nexpose_php = Off` leaves expose_php at
/// "1"), and conflint's model agrees, so the finding stays and the fixer
/// reported "the fix did not clear its finding; not applied". The bug was
/// in crates/rules/src/rules/php/edit.rs, `insert_setting`: the `commented`
/// anchor checked `in_global_scope`, the `[PHP]` `header` anchor did not;
/// with that check the insertion falls back to the top of the file.
#[test]
fn php_setting_inserted_in_global_scope() {
    fixes_apply(
        FileKind::PhpIni,
        "php.ini",
        &[
            ("[PHP] after [HOST=]", b"[HOST=www.example.com]\n[PHP]\n"),
            ("[PHP] after [PATH=]", b"[PATH=/srv/www]\nmemory_limit = 64M\n[PHP]\ndisplay_errors = Off\n"),
        ],
    );
}

/// The counterpart that always worked: no HOST/PATH section before `[PHP]`.
#[test]
fn php_setting_inserted_after_the_php_header() {
    fixes_apply(
        FileKind::PhpIni,
        "php.ini",
        &[
            ("[PHP] first", b"[PHP]\nmemory_limit = 64M\n[HOST=www.example.com]\ndisplay_errors = On\n"),
            ("no [PHP]", b"[PATH=/srv/www]\nmemory_limit = 64M\n"),
        ],
    );
}

/// The byte-scan fast path of the httpd parser and the grammar alone read
/// the same tree, of a file that parses.
fn fast_path_agrees(name: &str, text: &[u8]) {
    assert!(HttpdFile::parse(text).is_ok(), "case {name}: does not parse: {}", show(text));
    properties::fast_path_agrees(FileKind::Httpd, text);
}

/// fuzz (httpd_parse, minimized): a blank line inside `<Perl>` was Blank
/// for the fast path and Raw (Perl text) for the grammar path. Blank in
/// both now. proptest (httpd_mangled_prints_back_when_it_parses): the empty
/// tail after `</Name>` before CR LF stood after the CR in the grammar path.
#[test]
fn httpd_fast_path_reads_what_the_grammar_reads() {
    for (name, text) in [
        ("blank line in Perl", &b"<Perl>\n\n</Perl>"[..]),
        ("blanks in Perl", b"<Perl>\n \t\r\n$x = 1;\n</Perl>\n"),
        ("close tag before CR LF", b"<VirtualHost *:80>\n</VirtualHost>\r\n"),
    ] {
        fast_path_agrees(name, text);
        run(FileKind::Httpd, &[(name, text)]);
    }
}

/// fuzz (pipeline): twelve good PH003 fixes ahead of one that breaks the
/// file (its `#` line's quoted value swallows the next line; as a comment,
/// the next line's quote is left open). Each combined pass failed, the
/// retry applied the first fix alone, the next pass failed again: one pass
/// per good fix, past the pass limit, so fix(fix(x)) != fix(x). A failed
/// pass is now bisected, and the limit is 100 passes.
#[test]
fn php_one_bad_fix_behind_many_good_ones() {
    let mut text: String = (0..40).map(|i| format!("# note {i} = 1\n")).collect();
    text.push_str("# q = \"v\n# w = \"\n");
    run(FileKind::PhpIni, &[("40 good PH003 fixes, then a bad one", text.as_bytes())]);
    let mut settings = settings(false);
    settings.selection.select = Some(vec!["PH003".to_string()]);
    let fixed = conflint::fix("php.ini", FileKind::PhpIni, text.as_bytes(), &settings, false);
    assert!(fixed.converged);
    assert_eq!(fixed.fixed, 40);
    assert_eq!(fixed.failures.len(), 1, "{:#?}", fixed.failures);
    assert!(fixed.failures[0].reason.contains("would not parse"), "{:#?}", fixed.failures);
    assert_eq!(String::from_utf8_lossy(&fixed.text).matches("\n; note").count() + 1, 40);
}
