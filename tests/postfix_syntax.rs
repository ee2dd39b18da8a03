//! Postfix main.cf / master.cf trees without a real Postfix: every byte
//! kept, spans for fixes, the master daemon's reading of `-o`, and hostile
//! input (no panic, no hang, no stack overflow). What Postfix itself says
//! is checked in postfix_system.rs.

use std::path::Path;
use std::time::{Duration, Instant};

use conflint_core::postfix::{
    MainCf, MainCfItemKind, MasterCf, Origin, PostfixConfig, PostfixVersion, Scope, deprecated_parameter,
    deprecated_restriction,
};

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/postfix").join(rel)).expect("fixture")
}

/// The same bytes with other line ends, without the final newline, with
/// bytes that are not UTF-8.
fn variants(bytes: &[u8]) -> Vec<Vec<u8>> {
    let crlf: Vec<u8> = bytes.iter().flat_map(|b| if *b == b'\n' { b"\r\n".to_vec() } else { vec![*b] }).collect();
    let lone_cr: Vec<u8> = bytes.iter().map(|b| if *b == b'\n' { b'\r' } else { *b }).collect();
    let mut latin1 = b"# \xe9t\xe9 \x82\xa0\n".to_vec();
    latin1.extend_from_slice(bytes);
    vec![bytes.to_vec(), crlf, lone_cr, bytes[..bytes.len() - 1].to_vec(), latin1, Vec::new(), b"\n".to_vec()]
}

#[test]
fn fixtures_and_their_variants_print_back_byte_for_byte() {
    for name in ["syntax/main.cf", "relay/main.cf", "submission/main.cf"] {
        for bytes in variants(&fixture(name)) {
            let file = MainCf::parse(bytes.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(file.print(), bytes, "{name}");
        }
    }
    for name in ["syntax/master.cf", "relay/master.cf", "submission/master.cf"] {
        for bytes in variants(&fixture(name)) {
            // A lone CR joins every line into one: not a valid master.cf.
            if let Ok(file) = MasterCf::parse(bytes.clone()) {
                assert_eq!(file.print(), bytes, "{name}");
            }
        }
    }
}

#[test]
fn logical_lines_keep_their_comments_and_join_as_postfix_does() {
    let text =
        "mydestination = $myhostname,\n    localhost.$mydomain,\n#   old.example.org,\n\n\tlocalhost\nnext = 1\n";
    let file = MainCf::parse(text).unwrap();
    let MainCfItemKind::Parameter(p) = &file.items[0].kind else { panic!("{}", file.outline()) };
    assert_eq!(p.value, "$myhostname,    localhost.$mydomain,\tlocalhost");
    assert_eq!(p.logical.lines.len(), 3);
    assert_eq!(file.text(p.logical.comments[0]), "#   old.example.org,");
    // The setting's span runs to the end of its last line.
    assert_eq!(
        &text[file.items[0].span.range()],
        "mydestination = $myhostname,\n    localhost.$mydomain,\n#   old.example.org,\n\n\tlocalhost\n"
    );
    let words: Vec<_> = file.words(p).into_iter().map(|w| (w.text, &text[w.span.range()])).collect();
    assert_eq!(
        words,
        [
            ("$myhostname".to_string(), "$myhostname"),
            ("localhost.$mydomain".to_string(), "localhost.$mydomain"),
            ("localhost".to_string(), "localhost"),
        ]
    );
    // A comment or blank line after the last continuation is not part of it.
    let file = MainCf::parse("a = 1\n  2\n# c\n\nb = 3\n").unwrap();
    let kinds: Vec<_> = file.items.iter().map(|i| std::mem::discriminant(&i.kind)).collect();
    assert_eq!(kinds.len(), 4);
    assert_eq!(file.parameter("a").map(|p| p.value.as_str()), Some("1  2"));
}

#[test]
fn restriction_items_carry_the_spans_a_fix_needs() {
    let main = fixture("relay/main.cf");
    let master = fixture("submission/master.cf");
    let config = PostfixConfig::new(
        MainCf::parse(main.clone()).unwrap(),
        Some(MasterCf::parse(master.clone()).unwrap()),
        PostfixVersion::ASSUMED,
    );
    let lists = config.restrictions();
    let (_, recipient) = lists.iter().find(|(n, _)| *n == "smtpd_recipient_restrictions").unwrap();
    let recipient = recipient.as_ref().unwrap();
    let names: Vec<_> = recipient.items.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(
        names,
        [
            "permit_mynetworks",
            "permit_sasl_authenticated",
            "reject_unknown_client_hostname",
            "reject_unauth_destination",
            "check_policy_service",
            "unix:private/policyd-spf",
        ]
    );
    let grouped: Vec<_> = recipient
        .restrictions()
        .iter()
        .map(|r| (r.restriction.text.as_str(), r.argument.map(|a| a.text.as_str())))
        .collect();
    assert_eq!(grouped[4], ("check_policy_service", Some("unix:private/policyd-spf")));
    assert_eq!(grouped.len(), 5);
    let unknown = recipient.items.iter().find(|i| i.is("REJECT_UNKNOWN_CLIENT_HOSTNAME")).unwrap();
    assert_eq!(&main[unknown.span.unwrap().range()], b"reject_unknown_client_hostname");
    // An empty smtpd_relay_restrictions is the pre-2.10 mode.
    let (_, relay) = lists.iter().find(|(n, _)| *n == "smtpd_relay_restrictions").unwrap();
    assert!(relay.as_ref().unwrap().items.is_empty());

    // A service's own override: items point into master.cf.
    let master_cf = config.master().unwrap();
    let submission = master_cf.service("submission", "inet").unwrap();
    let relay = config.list_in(Scope::Service(submission), "smtpd_relay_restrictions").unwrap();
    let texts: Vec<_> = relay.items.iter().map(|i| (i.text.as_str(), &master[i.span.unwrap().range()])).collect();
    assert_eq!(texts, [("permit_sasl_authenticated", &b"permit_sasl_authenticated"[..]), ("reject", &b"reject"[..])]);
    // A $name in a list brings items without spans, and says where from.
    let client = config.list_in(Scope::Service(submission), "smtpd_client_restrictions").unwrap();
    assert!(client.effective.undefined.contains(&"mua_client_restrictions".to_string()));
    let name = config.value_in(Scope::Service(submission), "syslog_name").unwrap();
    assert_eq!(name.value, "postfix/submission");
    assert!(matches!(name.raw.origin, Origin::Override { .. }));
    let level = config.value_in(Scope::Service(submission), "smtpd_helo_required").unwrap();
    assert!(matches!(level.raw.origin, Origin::MainCf { .. }));
    assert_eq!(level.value, "yes");
}

#[test]
fn overrides_are_read_as_the_daemons_getopt_reads_them() {
    let text = "a inet n - n - - smtpd -v -osmtpd_client_restrictions=reject -o{x = 1}\n  -o { smtpd_banner = two  spaces } flags=R -o after=non_option\n";
    let file = MasterCf::parse(text).unwrap();
    let service = file.service("a", "inet").unwrap();
    let overrides: Vec<_> = service.overrides.iter().map(|o| (o.name.as_str(), o.value.as_str(), o.braced)).collect();
    // `postconf -P` (3.7 and 3.12) splits `-osmtpd_client_restrictions` at the
    // `o` of "restrictions" (pcf_normalize_daemon_args); the daemons' getopt
    // takes the whole rest of the word, as here. `-o{x = 1}` reaches the
    // daemon with its braces (only a word that starts with `{` loses them).
    assert_eq!(
        overrides,
        [("smtpd_client_restrictions", "reject", false), ("{x", "1}", false), ("smtpd_banner", "two  spaces", true),]
    );
    let banner = &service.overrides[2];
    assert_eq!(&text[banner.value_span.range()], "two  spaces");
    assert_eq!(&text[banner.span.range()], "-o { smtpd_banner = two  spaces }");
    assert_eq!(service.args.iter().filter(|a| a.text == "after=non_option").count(), 1);
    for (bad, message) in [
        ("a inet n - n - - smtpd -o\n", "option requires an argument -- 'o'"),
        (
            "a inet n - n - - smtpd -o novalue\n",
            "invalid \"-o novalue\" option value: missing '=' after attribute name",
        ),
        ("a inet n - n - - smtpd -o { x = 1\n", "missing '}' in \"{ x = 1\""),
        ("a inet n - n - - smtpd -o {x=1}y\n", "syntax error after '}' in \"{x=1}y\""),
        ("a inet n - n 5x - smtpd\n", "invalid wakeup field \"5x\""),
    ] {
        let error = MasterCf::parse(bad).unwrap_err();
        assert_eq!(error.message, message, "{bad:?}");
        assert_eq!(error.line, 1);
    }
}

#[test]
fn deprecations_know_renames_and_removed_restrictions() {
    assert!(deprecated_parameter("smtpd_tls_dh1024_param_file").is_some());
    assert!(deprecated_restriction("permit_naked_ip_address").unwrap().is_removed_in(PostfixVersion::new(3, 9, 0)));
    let config = PostfixConfig::new(MainCf::parse(fixture("relay/main.cf")).unwrap(), None, PostfixVersion::ASSUMED);
    let deprecated: Vec<_> =
        config.main().parameters().filter_map(|(_, p)| deprecated_parameter(&p.name_text).map(|d| d.name)).collect();
    assert_eq!(deprecated, ["smtpd_use_tls", "virtual_maps"]);
}

/// Deterministic noise from an alphabet of the characters that matter.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ab=$${}()#?: \t\r\n\n\n,-o\x00\xff";
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ALPHABET[(state >> 33) as usize % ALPHABET.len()]
        })
        .collect()
}

#[test]
fn random_input_never_panics_and_what_parses_prints_back() {
    for seed in 0..3000 {
        let bytes = noise(seed, (seed % 200) as usize);
        if let Ok(file) = MainCf::parse(bytes.clone()) {
            assert_eq!(file.print(), bytes);
            let config = PostfixConfig::new(file, None, PostfixVersion::ASSUMED);
            for (_, p) in config.main().parameters() {
                let _ = config.value(&p.name_text);
                let _ = config.list(&p.name_text);
            }
        }
        if let Ok(file) = MasterCf::parse(bytes.clone()) {
            assert_eq!(file.print(), bytes);
        }
    }
}

fn timed<T>(what: &str, limit: Duration, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    assert!(start.elapsed() < limit, "{what} took {:?}", start.elapsed());
    out
}

#[test]
fn large_and_hostile_files_are_read_in_linear_time() {
    let limit = Duration::from_secs(20);
    let many_lines = "a = b\n".repeat(300_000);
    let file = timed("300,000 lines", limit, || MainCf::parse(many_lines.clone()).unwrap());
    assert_eq!(file.print(), many_lines.as_bytes());
    let long_line = format!("smtpd_banner = {}\n", "x".repeat(5 << 20));
    timed("a 5 MB line", limit, || MainCf::parse(long_line).unwrap());
    let continued = format!("mynetworks =\n{}", "  127.0.0.1\n# note\n".repeat(100_000));
    let file = timed("100,000 continuation lines", limit, || MainCf::parse(continued.clone()).unwrap());
    assert_eq!(file.print(), continued.as_bytes());
    let config = PostfixConfig::new(file, None, PostfixVersion::ASSUMED);
    let list = timed("splitting them", limit, || config.list("mynetworks").unwrap());
    assert_eq!(list.items.len(), 100_000);
    let braces = format!("a inet n - n - - smtpd -o {}x=1{}\n", "{".repeat(100_000), "}".repeat(100_000));
    timed("100,000 nested braces", limit, || MasterCf::parse(braces).unwrap());
    let dollars = format!("smtpd_banner = {}\n", "${{".repeat(100_000));
    let config = PostfixConfig::new(MainCf::parse(dollars).unwrap(), None, PostfixVersion::ASSUMED);
    assert!(timed("100,000 open references", limit, || config.value("smtpd_banner")).is_err());
    let chain: String = (0..60).map(|i| format!("p{i} = $p{n}$p{n}\n", n = i + 1)).collect::<String>() + "p60 = x\n";
    let config = PostfixConfig::new(MainCf::parse(chain).unwrap(), None, PostfixVersion::ASSUMED);
    assert!(timed("a doubling chain", limit, || config.value("p0")).is_err());
}
