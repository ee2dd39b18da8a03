//! php.ini syntax: byte-exact round trips, the odd forms PHP accepts, PHP's
//! own error messages and line numbers, and hostile input.
//!
//! The expected values here were checked against PHP 8.2 (see
//! tests/php_system.rs, which runs the real `php` on the same kinds of input).

mod common;

use std::time::{Duration, Instant};

use conflint_core::php::{Entry, IniLineKind, PhpIniFile, PieceKind, evaluate, evaluate_offset};

/// Parse, and check that printing gives the input back.
fn parse(src: impl AsRef<[u8]>) -> PhpIniFile {
    let src = src.as_ref();
    let file = PhpIniFile::parse(src.to_vec())
        .unwrap_or_else(|e| panic!("{:?} does not parse: {e}", String::from_utf8_lossy(src)));
    assert_eq!(file.print(), src, "round trip");
    file
}

/// The entries of a file, with PHP's value (no `${}` lookups).
fn values(file: &PhpIniFile) -> Vec<(String, Option<String>)> {
    let none = |_: &str| None;
    file.entries().map(|(_, e)| (e.key_text.clone(), e.value.as_ref().map(|v| evaluate(file, v, &none)))).collect()
}

/// The value PHP stores for the last assignment of `key`.
fn value(src: &str, key: &str) -> String {
    let file = parse(src);
    let found = values(&file).into_iter().rev().find(|(k, v)| k == key && v.is_some());
    found.and_then(|(_, v)| v).unwrap_or_else(|| panic!("{key} not set in {src:?}"))
}

/// PHP's message and line for a file that does not parse.
fn error(src: impl AsRef<[u8]>) -> (String, usize) {
    match PhpIniFile::parse(src.as_ref().to_vec()) {
        Ok(_) => panic!("{:?} parses", String::from_utf8_lossy(src.as_ref())),
        Err(e) => (e.message, e.line),
    }
}

fn entry(file: &PhpIniFile, key: &str) -> Entry {
    file.entries().find(|(_, e)| e.key_text == key).map_or_else(|| panic!("no {key}"), |(_, e)| e.clone())
}

#[test]
fn corpus_files_round_trip() {
    if !common::require_corpus("corpus_files_round_trip") {
        return;
    }
    for name in ["php/php.ini-production", "php/php.ini-development"] {
        let bytes = std::fs::read(common::corpus(name)).expect("corpus file");
        let file = parse(&bytes);
        let entries: Vec<_> = file.entries().map(|(_, e)| e.key_text.clone()).collect();
        assert!(entries.len() > 90, "{name}: {} entries", entries.len());
        assert!(entries.contains(&"expose_php".to_string()));
        assert!(file.entries().all(|(_, e)| !e.is_hash_line()), "{name} has no # lines");
        let sections = file.lines.iter().filter(|l| matches!(l.kind, IniLineKind::Section { .. })).count();
        assert!(sections > 20, "{name}: {sections} sections");
    }
}

#[test]
fn corpus_production_entries_snapshot() {
    if !common::require_corpus("corpus_production_entries_snapshot") {
        return;
    }
    let bytes = std::fs::read(common::corpus("php/php.ini-production")).expect("corpus file");
    let file = parse(&bytes);
    let entries: String = file
        .outline()
        .lines()
        .filter(|l| !l.contains(" Comment ") && !l.ends_with(" Blank"))
        .map(|l| format!("{l}\n"))
        .collect();
    common::snapshots("php").bind(|| insta::assert_snapshot!("production_entries", entries));
}

#[test]
fn line_endings_are_kept() {
    // CR LF, lone CR (a line end for PHP) and LF, mixed; no final newline.
    let src = "[PHP]\r\na = 1\rb = \"x\r\ny\"\n; c\r\rc = 3";
    let file = parse(src);
    assert_eq!(
        values(&file),
        [("a".into(), Some("1".into())), ("b".into(), Some("x\r\ny".into())), ("c".into(), Some("3".into()))]
    );
    common::snapshots("php").bind(|| insta::assert_snapshot!("line_endings", file.outline()));
    // PHP counts a lone CR as a line; the error is reported after the line
    // end that follows `(`, on PHP's line 6.
    assert_eq!(error("a = 1\r\rb = 2\r\nc = 3\rd = (\n"), ("syntax error, unexpected END_OF_LINE".into(), 6));
}

#[test]
fn bom_is_kept_and_skipped() {
    let file = parse(b"\xEF\xBB\xBFengine = On\n");
    assert_eq!(file.bom.map(|b| b.range()), Some(0..3));
    assert_eq!(values(&file), [("engine".into(), Some("1".into()))]);
    // PHP skips a BOM only when something follows it.
    let alone = parse(b"\xEF\xBB\xBF");
    assert!(alone.bom.is_none());
}

#[test]
fn no_final_newline_keeps_trailing_blanks_in_the_value() {
    // At the very end of a file PHP keeps trailing blanks (there is no line
    // end to eat them), and a closing quote still eats them.
    assert_eq!(value("a = b  ", "a"), "b  ");
    assert_eq!(value("a = \"b\"  ", "a"), "b");
    assert_eq!(value("a = b ; c", "a"), "b");
    assert_eq!(value("a = b\n", "a"), "b");
    let file = parse("a = b  ");
    let v = entry(&file, "a").value.expect("value");
    assert_eq!(&file.source()[v.span.range()], b"b");
}

#[test]
fn non_utf8_bytes_round_trip() {
    // Latin-1 in a comment and a value; Shift_JIS in a comment.
    let latin1 = b"; r\xE9sum\xE9\ndate.timezone = Europe/Z\xFCrich\n";
    let file = parse(latin1);
    let v = entry(&file, "date.timezone").value.expect("value");
    assert_eq!(&file.source()[v.span.range()], b"Europe/Z\xFCrich");
    let sjis = b"; \x93\xFA\x96\x7B\x8C\xEA\n[PHP]\nmbstring.language = Japanese ; \x93\xFA\x96\x7B\n";
    let file = parse(sjis);
    assert_eq!(value(&String::from_utf8_lossy(sjis), "mbstring.language"), "Japanese");
    assert!(entry(&file, "mbstring.language").comment.is_some());
    common::snapshots("php").bind(|| insta::assert_snapshot!("non_utf8", file.outline()));
}

/// The odd forms of shared/reference/php-ini-syntax.md, each with the value
/// PHP 8.2 stores.
const ODD_FORMS: &[(&str, &str, &str)] = &[
    ("a = b ; c", "a", "b"),
    ("a=b;c", "a", "b"),
    ("highlight.string = #DD0000", "highlight.string", "#DD0000"),
    ("# hash with = sign", "# hash with", "sign"),
    ("key with spaces=3", "key with spaces", "3"),
    ("a] = 1", "a]", "1"),
    ("none_of = 1", "none_of", "1"),
    ("a =   hello   world   \n", "a", "hello   world"),
    ("a =", "a", ""),
    ("a = ;x\n", "a", ""),
    ("a = \"\"", "a", ""),
    ("a = ''", "a", ""),
    ("a = cost$5", "a", "cost$5"),
    ("a = $x", "a", "$x"),
    ("a = C:\\php\\ext", "a", "C:\\php\\ext"),
    ("a = x|y", "a", "0"),
    ("a = \"\\n\"", "a", "\\n"),
    ("a = \"\\${X}\"", "a", "${X}"),
    ("a = \"C:\\path\\\"", "a", "C:\\path\\"),
    ("a = foo\"bar\"baz", "a", "foobarbaz"),
    ("a = \"foo\" bar", "a", "foobar"),
    ("a = foo \"bar\"", "a", "foobar"),
    ("a = \"E_ALL\"", "a", "E_ALL"),
    ("a = 'x;y'", "a", "x;y"),
    ("a = E_ALL:x", "a", "E_ALL:x"),
    ("a = On", "a", "1"),
    ("a = yes", "a", "1"),
    ("a = TRUE", "a", "1"),
    ("a = off", "a", ""),
    ("a = None", "a", ""),
    ("a = null", "a", ""),
    ("a = \"off\"", "a", "off"),
    ("a = 'off'", "a", "off"),
    ("a = Onion", "a", "Onion"),
    ("a = On ; comment", "a", "1"),
    ("a = 0x1F", "a", "0x1F"),
    ("a = 1e3", "a", "1e3"),
    ("a = 128M", "a", "128M"),
    ("a = -1", "a", "-1"),
    ("a = .5", "a", ".5"),
    ("a = E_ALL & ~E_DEPRECATED & ~E_STRICT", "a", "22527"),
    ("a = E_ALL & ~E_NOTICE", "a", "32759"),
    ("a = 1 | 2 & 4", "a", "0"),
    ("a = ${NOPE}", "a", ""),
    ("a = ${NOPE:-dflt}", "a", ""),
    ("a = 'multi\nline'", "a", "multi\nline"),
    ("a = \"multi\nline\"", "a", "multi\nline"),
    ("a = x$\ny", "a", "x$\ny"),
    ("  on = 1", "on", "1"),
    ("\t[sec]\nx = 1", "x", "1"),
    ("[a] x = 1", "x", "1"),
];

#[test]
fn odd_forms_from_the_reference() {
    for (src, key, expected) in ODD_FORMS {
        assert_eq!(value(src, key), *expected, "{src:?}");
    }
    let all: String = ODD_FORMS.iter().map(|(src, _, _)| format!("{src}\n")).collect();
    let file = parse(&all);
    common::snapshots("php").bind(|| insta::assert_snapshot!("odd_forms", file.outline()));
}

#[test]
fn hash_lines_are_keys() {
    let file = parse("# hash comment line\n# hash with = sign\n#DD0000\n");
    let entries: Vec<_> =
        file.entries().map(|(_, e)| (e.key_text.clone(), e.is_hash_line(), e.value.is_some())).collect();
    assert_eq!(
        entries,
        [
            ("# hash comment line".into(), true, false),
            ("# hash with".into(), true, true),
            ("#DD0000".into(), true, false)
        ]
    );
    assert_eq!(error("# hash (paren) line\n"), ("syntax error, unexpected '('".into(), 1));
}

#[test]
fn sections_and_offsets() {
    let src = "[PHP]\n[ HOST=example.com ]\n[]\n['a;b']\n[\"x\" y] ; note\n[a\\\\]b]\n\
               extension[] = a\nextension[] = b\nopt[x ] = 1\nopt[ E_ALL] = 2\nopt[\"q\"] = 3\n  [v] = 4\n";
    let file = parse(src);
    let names: Vec<String> = (0..file.lines.len()).filter_map(|i| file.section_name(i).map(String::from)).collect();
    assert_eq!(names, ["PHP", " HOST=example.com ", "", "a;b", "xy", "a\\\\"]);
    let none = |_: &str| None;
    let offsets: Vec<_> = file
        .entries()
        .filter_map(|(_, e)| e.offset_value.as_ref().map(|o| (e.key_text.clone(), evaluate_offset(&file, o, &none))))
        .collect();
    assert_eq!(
        offsets,
        [
            ("extension".into(), "".into()),
            ("extension".into(), "".into()),
            ("opt".into(), "x ".into()),
            ("opt".into(), "32767".into()),
            ("opt".into(), "q".into()),
            ("".into(), "v".into()),
        ]
    );
    // In `[a\\]b]` the backslashes pair up, so the name ends at the first
    // `]` and `b]` is a bare key.
    assert!(file.entries().any(|(_, e)| e.key_text == "b]" && e.value.is_none()));
    assert_eq!(entry(&file, "opt").section, Some(5));
    common::snapshots("php").bind(|| insta::assert_snapshot!("sections_and_offsets", file.outline()));
}

#[test]
fn expressions_and_pieces() {
    let src = "error_reporting = E_ALL & ~(E_NOTICE | E_STRICT)\nx = !0\ny = ~~5 ^ 1\nz = (\"3\")\n\
               p = ${HOME}/x \"${HOME}\" '${HOME}'\n";
    let file = parse(src);
    let home = |name: &str| (name == "HOME").then(|| "/root".to_string());
    let got: Vec<_> = file.entries().map(|(_, e)| evaluate(&file, e.value.as_ref().expect("value"), &home)).collect();
    // Blanks next to a quote belong to the quote: they vanish.
    assert_eq!(got, ["30711", "1", "4", "3", "/root/x/root${HOME}"]);
    let e = entry(&file, "error_reporting");
    let v = e.value.expect("value");
    assert!(v.is_expression());
    assert_eq!(v.pieces.iter().filter(|p| p.kind == PieceKind::OpenParen).count(), 1);
    common::snapshots("php").bind(|| insta::assert_snapshot!("expressions", file.outline()));
}

#[test]
fn multi_line_strings_are_one_statement() {
    let file = parse("a = \"one\ntwo\nthree\"\nb = 'x\ny' ; c\nc = 1\n");
    assert_eq!(file.lines.len(), 3);
    assert_eq!(file.text(file.lines[1].span), "b = 'x\ny' ; c\n");
}

/// Files PHP refuses, with PHP 8.2's message and line (checked against
/// `php -c` in tests/php_system.rs).
pub const BAD_FILES: &[(&str, &str, usize)] = &[
    ("a = 1\nb = b=c\n", "syntax error, unexpected '='", 2),
    ("a = http://x/?y=1\n", "syntax error, unexpected '='", 1),
    ("a = foo(bar)\n", "syntax error, unexpected '('", 1),
    ("a = hi!\n", "syntax error, unexpected '!'", 1),
    ("on = 1\n", "syntax error, unexpected BOOL_TRUE", 1),
    ("\tnull = 1\n", "syntax error, unexpected NULL_NULL", 1),
    ("a = On foo\n", "syntax error, unexpected TC_CONSTANT", 1),
    ("a = b On\n", "syntax error, unexpected BOOL_TRUE", 1),
    ("a~b = 1\n", "syntax error, unexpected '~'", 1),
    ("[PHP\n", "syntax error, unexpected end of file, expecting ']'", 1),
    ("[a;b]\n", "syntax error, unexpected end of file, expecting ']'", 1),
    (
        "a = \"x\nb = 1\n",
        "syntax error, unexpected end of file, expecting TC_DOLLAR_CURLY or TC_QUOTED_STRING or '\"'",
        3,
    ),
    ("a = 'abc\n", "syntax error, unexpected end of file", 1),
    ("a = ${a${b}}\n", "syntax error, unexpected end of file, expecting '}'", 1),
    ("a = ${}\n", "syntax error, unexpected '}', expecting TC_VARNAME", 1),
    ("a = (foo\n", "syntax error, unexpected END_OF_LINE, expecting '^' or '|' or '&' or ')'", 2),
    ("a = ~\n", "syntax error, unexpected END_OF_LINE", 2),
    ("a = foo)\n", "syntax error, unexpected ')'", 1),
    ("a = (a) b\n", "syntax error, unexpected TC_CONSTANT", 1),
    ("a[x]\n", "syntax error, unexpected END_OF_LINE, expecting '='", 2),
    ("a[x] b\n", "syntax error, unexpected TC_LABEL, expecting '='", 1),
    ("  [PHP]\nx = 1\n", "syntax error, unexpected END_OF_LINE, expecting '='", 2),
    ("= 1\n", "syntax error, unexpected '='", 1),
    ("[a] ;c\nx = (\n", "syntax error, unexpected END_OF_LINE", 4),
    ("a = \"1\n2\" (\n", "syntax error, unexpected '('", 2),
    ("a = '1\n2' (\n", "syntax error, unexpected '('", 1),
    ("a = x$\nb = 1\n", "syntax error, unexpected '='", 1),
    ("; ok\r\n\r\nx = \"a\r\nb\"\r\ny = (\r\n", "syntax error, unexpected END_OF_LINE", 6),
];

#[test]
fn php_error_messages_and_lines() {
    for (src, message, line) in BAD_FILES {
        assert_eq!(error(src), (message.to_string(), *line), "{src:?}");
    }
}

#[test]
fn error_positions_point_at_the_token() {
    let e = PhpIniFile::parse("a = 1\nb = foo(bar)\n").expect_err("bad");
    assert_eq!((e.line, e.column, e.span.range()), (2, 8, 13..14));
}

#[test]
fn unterminated_single_quote_that_php_ignores_is_reported() {
    // PHP stores a = "x" and silently ignores the rest of the file; conflint
    // reports it instead of pretending the rest is read.
    let e = PhpIniFile::parse("a = x'y\nb = 1\n").expect_err("reported");
    assert!(e.message.contains("ignores the rest of the file"), "{}", e.message);
    assert_eq!((e.line, e.column), (1, 6));
}

/// A small deterministic generator, so the hostile-input tests need no crate.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn pick<'a>(&mut self, items: &[&'a [u8]]) -> &'a [u8] {
        items[(self.next() as usize) % items.len()]
    }
}

#[test]
fn random_input_never_panics() {
    let atoms: &[&[u8]] = &[
        b"a",
        b"on",
        b"E_ALL",
        b"1",
        b" ",
        b"\t",
        b"=",
        b"\n",
        b"\r\n",
        b"\r",
        b";",
        b"[",
        b"]",
        b"(",
        b")",
        b"|",
        b"&",
        b"^",
        b"~",
        b"!",
        b"\"",
        b"'",
        b"\\",
        b"$",
        b"${",
        b"}",
        b"{",
        b"#",
        b"\0",
        b"\xFF",
        b"\xE9",
        b"\xEF\xBB\xBF",
    ];
    let mut rng = Lcg(7);
    for _ in 0..5000 {
        let n = 1 + (rng.next() % 30) as usize;
        let mut src = Vec::new();
        for _ in 0..n {
            src.extend_from_slice(rng.pick(atoms));
        }
        if let Ok(file) = PhpIniFile::parse(src.clone()) {
            assert_eq!(file.print(), src);
            let _ = file.outline();
        }
    }
    for _ in 0..500 {
        let n = (rng.next() % 200) as usize;
        let src: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
        if let Ok(file) = PhpIniFile::parse(src.clone()) {
            assert_eq!(file.print(), src);
        }
    }
}

/// Generous bounds (debug builds are slow); they only catch quadratic time.
fn assert_fast(start: Instant, what: &str) {
    let limit = if cfg!(debug_assertions) { Duration::from_secs(60) } else { Duration::from_secs(3) };
    assert!(start.elapsed() < limit, "{what} took {:?}", start.elapsed());
}

#[test]
fn huge_files_parse_in_linear_time() {
    let mut src = String::with_capacity(9_000_000);
    for i in 0..300_000 {
        src.push_str(&format!("key{i} = value{i} ; note\n"));
    }
    let start = Instant::now();
    let file = PhpIniFile::parse(src.clone()).expect("parses");
    assert_fast(start, "a 300,000-line file");
    assert_eq!(file.lines.len(), 300_000);
    // The same file with an error on its last line.
    src.push_str("bad = (\n");
    let start = Instant::now();
    let e = PhpIniFile::parse(src).expect_err("error");
    assert_fast(start, "a 300,000-line file with an error");
    assert_eq!(e.line, 300_002);
}

#[test]
fn hostile_input_fails_fast() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (vec![b'('; 100_000], "unexpected '('"),
        ([b"a = ".as_slice(), &vec![b'('; 100_000]].concat(), "nested deeper than 64"),
        ([b"a = \"".as_slice(), &b"x\n".repeat(300_000)].concat(), "expecting TC_DOLLAR_CURLY"),
        ([b"[".as_slice(), &b"x".repeat(300_000)].concat(), "expecting ']'"),
        ([b"a = ${".as_slice(), &b"x".repeat(300_000)].concat(), "expecting TC_VARNAME"),
    ];
    for (src, message) in cases {
        let start = Instant::now();
        let e = PhpIniFile::parse(src).expect_err("error");
        assert_fast(start, message);
        assert!(e.message.contains(message), "{} does not say {message}", e.message);
    }
    // Deep but legal nesting, and long runs of operators, parse.
    let nested = format!("a = {}1{}\n", "(".repeat(64), ")".repeat(64));
    assert_eq!(value(&nested, "a"), "1");
    let long = format!("a = 1{}\n", " | 2".repeat(100_000));
    let start = Instant::now();
    assert_eq!(value(&long, "a"), "3");
    assert_fast(start, "100,000 operators");
    let unary = format!("a = {}5\n", "~".repeat(100_000));
    assert_eq!(value(&unary, "a"), "5");
}

/// The byte-level reading of blank and comment lines and pest's reading
/// agree: on the corpus, and on random input made of the characters that
/// matter to php.ini.
#[test]
fn fast_path_and_grammar_agree() {
    let same = |doc: &[u8]| {
        let fast = PhpIniFile::parse(doc.to_vec()).map(|f| (f.bom, f.lines));
        let grammar = PhpIniFile::parse_with_grammar_only(doc.to_vec()).map(|f| (f.bom, f.lines));
        assert_eq!(fast, grammar, "{:?}", String::from_utf8_lossy(doc));
    };
    if common::corpus_available() {
        for name in ["php.ini-production", "php.ini-development"] {
            same(&std::fs::read(common::corpus(&format!("php/{name}"))).expect("read"));
        }
    }
    let alphabet: &[&[u8]] = &[
        b";",
        b" ",
        b"\t",
        b"\r",
        b"\n",
        b"\r\n",
        b"=",
        b"a",
        b"[",
        b"]",
        b"\"",
        b"'",
        b"#",
        b"On",
        b"(",
        b"$",
        b"{",
        b"}",
        b"\xef\xbb\xbf",
        b"\xff",
        b"\x00",
        b"key[]",
        b"1",
        b"-",
        b".",
        b"_",
        b"/",
        b"E_ALL",
        b"no",
        b"NULL",
        b"k = v\n",
    ];
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..5_000 {
        let len = (next() % 20) as usize;
        let mut doc = Vec::new();
        for _ in 0..len {
            doc.extend_from_slice(alphabet[(next() % alphabet.len() as u64) as usize]);
        }
        same(&doc);
    }
}

/// `key = word` lines, the form the byte-level reader takes over from the
/// grammar, with the words and blanks around it that decide how a value
/// is read (booleans, constants, numbers, bare text) or that send the line
/// back to the grammar.
#[test]
fn simple_entries_read_as_the_grammar_reads_them() {
    let keys: &[&str] = &["k", "memory_limit", "a.b-c", "on", "No", "NULL", "onion", "1", "k x", "#k", "k[]"];
    let words: &[&str] = &[
        "128M",
        "On",
        "oFF",
        "yes",
        "none",
        "nonE1",
        "null",
        "E_ALL",
        "_x",
        "x_1",
        "1",
        "-1",
        "1.",
        ".5",
        "1.5",
        "-1.5",
        "-.5",
        ".",
        "-",
        "1e5",
        "0x1",
        "/var/lib",
        "a:b,c+d@e",
        "1-2",
        "",
        "a b",
        "a;b",
        "a=b",
        "${X}",
        "'q'",
        "\"q\"",
        "a|b",
        "~1",
        "$x",
    ];
    let blanks: &[&str] = &["", " ", "\t", "  \t "];
    let ends: &[&str] = &["\n", "\r\n", "\r", "", " ; note\n", ";x\n"];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    for _ in 0..4_000 {
        let mut doc = String::new();
        for _ in 0..1 + next(3) {
            let lead = if next(8) == 0 { blanks[next(blanks.len())] } else { "" };
            doc.push_str(&format!(
                "{lead}{}{}={}{}{}{}",
                keys[next(keys.len())],
                blanks[next(blanks.len())],
                blanks[next(blanks.len())],
                words[next(words.len())],
                blanks[next(blanks.len())],
                ends[next(ends.len())],
            ));
        }
        let fast = PhpIniFile::parse(doc.as_bytes().to_vec()).map(|f| (f.bom, f.lines));
        let grammar = PhpIniFile::parse_with_grammar_only(doc.as_bytes().to_vec()).map(|f| (f.bom, f.lines));
        assert_eq!(fast, grammar, "{doc:?}");
    }
}
