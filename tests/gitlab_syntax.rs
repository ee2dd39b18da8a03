//! The gitlab.rb parser: round trips, every value form, opaque Ruby, the
//! whitespace traps, bad input, and size.

mod common;

use std::time::Duration;

use conflint_core::gitlab::{
    EffectiveValue, GitlabRbFile, GitlabSettings, HashKey, OpaqueHint, Quote, StatementKind, ValueKind, string_literal,
};
use conflint_core::{LineEnding, Span};

/// Parse, and check that printing gives the input back.
fn parse(src: impl AsRef<[u8]>) -> GitlabRbFile {
    let src = src.as_ref();
    let file = GitlabRbFile::parse(src.to_vec()).unwrap_or_else(|e| panic!("{e}\n{}", String::from_utf8_lossy(src)));
    assert_eq!(file.print(), src, "print must give back the input");
    file
}

fn snapshot(name: &str, src: &str) {
    let file = parse(src);
    common::snapshots("gitlab").bind(|| insta::assert_snapshot!(name, file.outline()));
}

/// The statements that hold code.
fn code_kinds(file: &GitlabRbFile) -> Vec<&StatementKind> {
    file.statements
        .iter()
        .map(|s| &s.kind)
        .filter(|k| matches!(k, StatementKind::Assignment(_) | StatementKind::Command(_) | StatementKind::Opaque(_)))
        .collect()
}

fn error(src: impl AsRef<[u8]>) -> conflint_core::SyntaxError {
    match GitlabRbFile::parse(src.as_ref().to_vec()) {
        Ok(file) => panic!("expected an error, got\n{}", file.outline()),
        Err(e) => e,
    }
}

/// CPU time of this thread, which a loaded machine does not inflate.
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes into the timespec we pass.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0);
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn template() -> Option<String> {
    if !common::require_corpus("gitlab template") {
        return None;
    }
    Some(std::fs::read_to_string(common::corpus("gitlab/gitlab.rb.template")).expect("read the template"))
}

// ---------------------------------------------------------------------------
// The real template
// ---------------------------------------------------------------------------

#[test]
fn template_round_trips_with_its_one_live_statement() {
    let Some(template) = template() else { return };
    let file = parse(&template);
    let count = |f: fn(&StatementKind) -> bool| file.statements.iter().filter(|s| f(&s.kind)).count();
    // Figures from shared/reference/gitlab-rb-syntax.md §2.
    assert_eq!(count(|k| matches!(k, StatementKind::Blank)), 468);
    assert_eq!(count(|k| matches!(k, StatementKind::Comment)), 725 + 217 + 118 + 2245);
    let code = code_kinds(&file);
    assert_eq!(code.len(), 1);
    let StatementKind::Command(c) = code[0] else { panic!("{:?}", code[0]) };
    assert_eq!(c.name_text, "external_url");
    assert_eq!(file.string(c.args[0]), Some("GENERATED_EXTERNAL_URL"));
    assert_eq!(file.line_number(c.name.start), 32);
}

/// The template's single-line examples, uncommented by a plain pattern (the
/// system test does it exactly, with Ruby).
fn simple_uncommented(template: &str) -> String {
    template
        .lines()
        .map(|line| {
            let code = line.strip_prefix("# ").unwrap_or("");
            let simple = code.split_once(" = ").is_some_and(|(target, value)| {
                target.ends_with("']")
                    && target.contains("['")
                    && !target.contains(' ')
                    && !value.ends_with(['{', '[', ','])
                    && !value.contains("<<")
            });
            if simple { code } else { line }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn uncommented_template_examples_parse() {
    let Some(template) = template() else { return };
    let text = simple_uncommented(&template);
    let file = parse(&text);
    let settings = GitlabSettings::new(&file);
    assert!(settings.all().len() > 1_300, "{}", settings.all().len());
    // Values the template shows, read as Ruby reads them.
    let value = |receiver: &str, path: &[&str]| match settings.effective(receiver, path).map(|e| e.value) {
        Some(EffectiveValue::Literal(id)) => file.values[id].kind.clone(),
        other => panic!("{receiver}{path:?}: {other:?}"),
    };
    assert_eq!(value("gitlab_rails", &["smtp_port"]), ValueKind::Int(465));
    assert_eq!(
        value("gitlab_rails", &["gitlab_ssh_host"]),
        ValueKind::Str { quote: Quote::Single, value: Some("ssh.host_example.com".into()) }
    );
    assert_eq!(value("nginx", &["enable"]), ValueKind::Bool(true));
    // Octal, as Ruby reads a leading 0.
    let octal = settings.all().iter().find(|s| file.text(file.values[s.value].span) == "0644");
    if let Some(octal) = octal {
        assert_eq!(file.values[octal.value].kind, ValueKind::Int(0o644));
    }
}

// ---------------------------------------------------------------------------
// Bytes: line endings, BOM, final newline, encodings
// ---------------------------------------------------------------------------

#[test]
fn crlf_files_keep_their_line_endings() {
    let src = "# c\r\ngitlab_rails['a'] = {\r\n  'b' => [1, 2], # x\r\n}\r\n\r\nexternal_url 'x'\r\n";
    let file = parse(src);
    assert_eq!(file.line_ending(), LineEnding::CrLf);
    assert_eq!(file.text(file.statements[0].comment.unwrap()), "# c");
    let kinds = code_kinds(&file);
    assert!(matches!(kinds[0], StatementKind::Assignment(_)));
    assert!(matches!(kinds[1], StatementKind::Command(_)));
    assert_eq!(file.text(file.statements[1].code), "gitlab_rails['a'] = {\r\n  'b' => [1, 2], # x\r\n}");
}

#[test]
fn bom_is_kept_apart() {
    let file = parse("\u{FEFF}gitlab_rails['a'] = 1\n");
    assert_eq!(file.bom, Some(Span::new(0, 3)));
    assert!(matches!(file.statements[0].kind, StatementKind::Assignment(_)));
    assert_eq!(file.outline().lines().next(), Some("Bom 0..3"));
}

#[test]
fn a_missing_final_newline_is_kept() {
    let file = parse("a['x'] = 1\nb['y'] = [\n  2\n] # end");
    let last = file.statements.last().unwrap();
    assert!(matches!(last.kind, StatementKind::Assignment(_)));
    assert_eq!(file.text(last.comment.unwrap()), "# end");
    parse("a['x'] = 1");
    parse("# only a comment");
    parse("");
    parse("\n\n");
}

#[test]
fn bytes_that_are_not_utf8_are_kept() {
    // Shift_JIS in comments and in a string.
    let src = b"# \x82\xa0\x82\xa2 comment\ngitlab_rails['a'] = '\x82\xa0' # \x93\xfa\ngitlab_rails['b'] = 'ok'\n";
    let file = parse(src);
    let settings = GitlabSettings::new(&file);
    let a = settings.effective("gitlab_rails", &["a"]).unwrap();
    let EffectiveValue::Literal(id) = a.value else { panic!() };
    // The text is not UTF-8: its value is unknown, never DEL stand-ins.
    assert_eq!(file.values[id].kind, ValueKind::Str { quote: Quote::Single, value: None });
    let b = settings.effective("gitlab_rails", &["b"]).unwrap();
    let EffectiveValue::Literal(id) = b.value else { panic!() };
    assert_eq!(file.string(id), Some("ok"));
    // A key that is not UTF-8 cannot be a known setting.
    let file = parse(b"gitlab_rails['\xff'] = 1\n");
    assert!(matches!(code_kinds(&file)[0], StatementKind::Opaque(_)));
}

// ---------------------------------------------------------------------------
// Value forms
// ---------------------------------------------------------------------------

const EVERY_VALUE_FORM: &str = r##"gitlab_rails['sq'] = 'it\'s a \\ path\n'
gitlab_rails['dq'] = "tab\there \u00e9 \x41 \101 \"q\" \#{not}"
gitlab_rails["dq_key"][:sym_key] = 'keys'
gitlab_rails['interp'] = "gitlab@#{node['fqdn']}"
gitlab_rails['nested_interp'] = "/etc/#{Gitlab['x'].map { |y| "#{y}}" }.join('}')}.crt"
gitlab_rails['pct'] = [%q(a (b) 'c'), %Q[x #y], %(plain)]
gitlab_rails['ints'] = [465, 1_048_576, 0644, 000, 0x1F, 0b101, 0o17, 0d19, -1, 0]
gitlab_rails['floats'] = [0.9, 50.0, 1e3, -1.5e-3, 1_000.5]
gitlab_rails['scalars'] = [nil, true, false, :sym, :'quoted sym', :"dq sym"]
gitlab_rails['words'] = [%w(gitlab-psql postgres), %w[a\ b [c] d], %i[x y], %W[p q]]
gitlab_rails['empty'] = [[], {}, [ ], { }]
gitlab_rails['env'] = {
  # a comment inside

  "SKIP" => "db,uploads", # trailing
  socket_path: '/var/opt/gitlab/gitaly.socket',
  'tenant_id': 'x',
  "dq_label": 1,
  :sym => 2,
  'nested' => { 'list' => [
    'a',
    'b', # second
  ], },
}
prometheus['scrape_configs'] = [
  {
    'job_name': 'example',
    'static_configs' => [
      'targets' => ['hostname:port'],
    ],
  },
]
a['x']= 1
a[ 'x' ] =1
a[
  'x'
] = 1
a['x'] = # the value is on the next line
  2
external_url 'https://gitlab.example.com'
roles ['redis_sentinel_role', 'redis_master_role']
runtime_dir '/run', mode: 0700
"##;

#[test]
fn every_value_form() {
    snapshot("every_value_form", EVERY_VALUE_FORM);
    let file = parse(EVERY_VALUE_FORM);
    let opaque = code_kinds(&file).iter().filter(|k| matches!(k, StatementKind::Opaque(_))).count();
    assert_eq!(opaque, 0, "{}", file.outline());
    let settings = GitlabSettings::new(&file);
    let ints = settings.effective("gitlab_rails", &["ints"]).unwrap();
    let EffectiveValue::Literal(id) = ints.value else { panic!() };
    let ints: Vec<_> = file.array(id).unwrap().items.iter().map(|&i| file.values[i].kind.clone()).collect();
    assert_eq!(ints, [465, 1_048_576, 0o644, 0, 31, 5, 15, 19, -1, 0].map(ValueKind::Int), "{}", file.outline());
    // Labels are symbol keys; GitLab reads string keys, so the form is kept.
    let socket = settings.effective("gitlab_rails", &["env", "socket_path"]).unwrap();
    assert!(socket.key_forms[1].is_symbol_in_hash());
    let skip = settings.effective("gitlab_rails", &["env", "SKIP"]).unwrap();
    assert!(!skip.key_forms[1].is_symbol_in_hash());
    let nested = settings.effective("gitlab_rails", &["env", "nested", "list"]).unwrap();
    let EffectiveValue::Literal(list) = nested.value else { panic!() };
    let list = file.array(list).unwrap();
    assert!(list.trailing_comma && list.layout.one_per_line);
    assert_eq!(list.layout.quote, Some(Quote::Single));
}

#[test]
fn array_append_keeps_the_template_layout() {
    let src = "gitlab_rails['rack_attack_git_basic_auth'] = {\n  'enabled' => false,\n  'ip_whitelist' => [\"127.0.0.1\"],\n  'maxretry' => 10,\n}\n";
    let file = parse(src);
    let settings = GitlabSettings::new(&file);
    let list = settings.effective("gitlab_rails", &["rack_attack_git_basic_auth", "ip_whitelist"]).unwrap();
    let EffectiveValue::Literal(id) = list.value else { panic!() };
    let quote = file.array(id).unwrap().layout.quote.unwrap();
    let edits =
        file.append_to_array(std::path::Path::new("gitlab.rb"), id, &string_literal(quote, "10.0.0.0/8")).unwrap();
    let mut out = src.to_string();
    for e in edits.iter().rev() {
        out.replace_range(e.span.range(), &e.replacement);
    }
    assert_eq!(out, src.replace(r#"["127.0.0.1"]"#, r#"["127.0.0.1", "10.0.0.0/8"]"#));
}

// ---------------------------------------------------------------------------
// Opaque Ruby
// ---------------------------------------------------------------------------

const OPAQUE_CONSTRUCTS: &str = r##"require 'yaml'
gitlab_rails['ldap_servers'] = YAML.load <<-'EOS' # the body is YAML
  main: # 'main' is the provider ID
    label: 'LDAP'
    host: '_your_ldap_server'
  EOS
a['after_heredoc'] = 1
gitlab_rails['max_size'] = 200 * 1024 * 1024 # rotate after 200 MB
gitlab_rails['env_url'] = ENV['GITLAB_URL'] || "https://#{`hostname`.strip}"
gitlab_rails['chain'] = File.read('/etc/gitlab/x').lines
  .map(&:strip)
  .reject(&:empty?)
if File.exist?('/etc/gitlab/extra.rb')
  gitlab_rails['extra'] = { 'k' => [1, 2] }
  unless ENV['X'] then y = 1 end
end
nginx['listen_port'] = 8080 if ENV['BEHIND_PROXY']
['a', 'b'].each do |name|
  gitlab_rails["#{name}_enabled"] = true
end
%w[c d].each { |n| puts n }
external_url = 'https://sets-a-local-variable.example.com'
gitlab_rails ['space_before_index'] = 1
gitlab_rails['kerberos_keytab'] = /etc/http.keytab
gitlab_rails['secret'] = <secret>
gitlab_rails['swallowed'] = 'after a `>`, Ruby reads on'
gitlab_rails['squiggly'] = <<~TEXT.strip
  #{ENV['A']} ] } )
TEXT
x = <<A + <<B
a
A
b
B
a = 1; b['y'] = 2 # two on one line
case node['role']
when 'web' then nginx['enable'] = true
end
def helper(x) = x * 2
begin
  gitlab_rails['r'] = Integer('x')
rescue ArgumentError
  gitlab_rails['r'] = 0
end
c['regexp'] = 'a' =~ /[(']/ ? ?' : $'
=begin
gitlab_rails['in_doc'] = [
=end
d['last'] = 'still read'
__END__
gitlab_rails['after_end'] = 'data, not code'
"##;

#[test]
fn opaque_constructs_are_kept_verbatim() {
    snapshot("opaque_constructs", OPAQUE_CONSTRUCTS);
    let file = parse(OPAQUE_CONSTRUCTS);
    let settings = GitlabSettings::new(&file);
    // What follows each opaque construct still parses.
    for (receiver, key) in [("a", "after_heredoc"), ("d", "last"), ("b", "y")] {
        let e = settings.effective(receiver, &[key]).unwrap_or_else(|| panic!("{key}\n{}", file.outline()));
        assert!(matches!(e.value, EffectiveValue::Literal(_)), "{key}");
    }
    // An opaque value is never guessed.
    let ldap = settings.effective("gitlab_rails", &["ldap_servers"]).unwrap();
    assert!(matches!(ldap.value, EffectiveValue::Unknown(_)));
    assert!(file.text(file.values[settings.all()[0].value].span).ends_with("\n  EOS"));
    // Nothing in a block, a doc or after __END__ is a top-level setting.
    assert!(settings.effective("gitlab_rails", &["extra"]).is_none());
    assert!(settings.effective("gitlab_rails", &["in_doc"]).is_none());
    assert!(settings.effective("gitlab_rails", &["after_end"]).is_none());
    assert!(matches!(file.statements.last().unwrap().kind, StatementKind::Data));
    // Hints say why a setting-like line is not one.
    let hints: Vec<_> = file
        .statements
        .iter()
        .filter_map(|s| match &s.kind {
            StatementKind::Opaque(o) => o.hint.clone(),
            _ => None,
        })
        .collect();
    assert!(hints.iter().any(|h| matches!(h, OpaqueHint::LocalVariable { .. })));
    assert!(hints.iter().any(|h| matches!(h, OpaqueHint::SpaceBeforeIndex { .. })));
    let unreadable: Vec<String> = hints
        .iter()
        .filter_map(|h| match h {
            OpaqueHint::UnreadableValue { keys, .. } => Some(keys[0].value.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(unreadable, ["kerberos_keytab", "secret"]);
}

#[test]
fn whitespace_traps_read_as_ruby_reads_them() {
    // A blank before `[`: a call with an array argument.
    let file = parse("roles ['a', 'b']\n");
    let StatementKind::Command(c) = code_kinds(&file)[0] else { panic!() };
    assert_eq!(c.name_text, "roles");
    assert_eq!(file.array(c.args[0]).map(|a| a.items.len()), Some(2));
    // No blank: an index, which alone is no setting.
    let file = parse("roles['a']\n");
    assert!(matches!(code_kinds(&file)[0], StatementKind::Opaque(_)));
    // A blank before `[` in an assignment is a Ruby syntax error: kept opaque,
    // with the blank to delete.
    let file = parse("gitlab_rails ['x'] = 1\n");
    let StatementKind::Opaque(o) = code_kinds(&file)[0] else { panic!() };
    assert_eq!(o.hint, Some(OpaqueHint::SpaceBeforeIndex { receiver: Span::new(0, 12), space: Span::new(12, 13) }));
    for src in ["a['x']= 1\n", "a[ 'x' ] =1\n", "a['x']=1\n", "a[:x] = 1\n", "a[\"x\"] = 1\n"] {
        let file = parse(src);
        let StatementKind::Assignment(a) = code_kinds(&file)[0] else { panic!("{src}") };
        assert_eq!(a.keys[0].value, "x", "{src}");
    }
    // `x - 1` subtracts; `x -1` passes -1; `x == 1` compares.
    let file = parse("foo -1\nfoo - 1\nfoo == 1\nfoo { 1 }\n");
    let kinds = code_kinds(&file);
    assert!(matches!(kinds[0], StatementKind::Command(_)));
    assert!(kinds[1..].iter().all(|k| matches!(k, StatementKind::Opaque(_))));
}

#[test]
fn invalid_literals_stay_opaque() {
    // Ruby rejects each of these; none may be read as a setting.
    for src in [
        "a['x'] = { 'a' => 1 'b' => 2 }\n",
        "a['x'] = { cpu_quota_us: 200000\n  max: 2 }\n",
        "a['x'] = 08\n",
        "a['x'] = 1__0\n",
        "a['x'] = [1, 'k' => 2, 3]\n",
        "a['x'] = [<secret>]\n",
        "a['x'] = 1 2\n",
    ] {
        let file = parse(src);
        let literal = file.statements.iter().any(|s| match &s.kind {
            StatementKind::Assignment(a) => !matches!(file.values[a.value].kind, ValueKind::Opaque),
            _ => false,
        });
        assert!(!literal, "{src}{}", file.outline());
    }
}

// ---------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------

#[test]
fn unterminated_constructs_are_reported_where_they_open() {
    let cases: &[(&str, usize, usize, &str)] = &[
        ("a = 1\nb['x'] = 'abc\n\n", 2, 10, "unterminated string meets end of file: `'` on line 2 is never closed"),
        ("# c\ngitlab_rails['env'] = {\n  'A' => 'b',\n", 2, 23, "unterminated hash: `{` on line 2 is never closed"),
        ("a['x'] = [1,\n", 1, 10, "unterminated array: `[` on line 1 is never closed"),
        (
            "a['x'] = YAML.load <<-'EOS'\n  k: v\n EOS x\n",
            1,
            20,
            "can't find string \"EOS\" anywhere before EOF: the heredoc `<<-'EOS'` on line 1 is never closed",
        ),
        ("a['x'] = \"#{b\n", 1, 11, "unterminated interpolation: `#{` on line 1 is never closed"),
        ("a['x'] = %w[a b\n", 1, 10, "unterminated list meets end of file: `%w[` on line 1 is never closed"),
        ("if x\n  a['x'] = 1\n", 1, 1, "unterminated `if` block: `if` on line 1 is never closed by `end`"),
        ("=begin\nnotes\n", 1, 1, "embedded document meets end of file: `=begin` on line 1 has no `=end`"),
        ("a['x'] = [1}\n", 1, 12, "unexpected `}`: `[` on line 1 is still open"),
        ("end\n", 1, 1, "unexpected `end`: no `if`, `do`, `def` or other block is open"),
        ("é = 'ü\n", 1, 5, "unterminated string meets end of file: `'` on line 1 is never closed"),
    ];
    for &(src, line, column, message) in cases {
        let e = error(src);
        assert_eq!((e.line, e.column, e.message.as_str()), (line, column, message), "{src:?}");
    }
}

#[test]
fn nesting_is_limited_before_recursing() {
    let start = std::time::Instant::now();
    let e = error("[".repeat(100_000));
    assert_eq!(e.message, "nesting too deep: more than 256 brackets, strings or blocks are open here");
    assert_eq!(e.column, 257);
    let e = error(format!("a['x'] = {}", "\"#{".repeat(200)));
    assert!(e.message.starts_with("nesting too deep"), "{}", e.message);
    let e = error("if x\n".repeat(1_000));
    assert!(e.message.starts_with("nesting too deep"), "{}", e.message);
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn deep_literals_within_the_limit_are_read() {
    // In a test thread (2 MiB of stack), the deepest literals accepted.
    let depth = 250;
    let arrays = format!("a['x'] = {}1{}\n", "[".repeat(depth), "]".repeat(depth));
    let hashes = format!("a['x'] = {}1{}\n", "{a: ".repeat(depth), " }".repeat(depth));
    let groups = format!("a['x'] = [f{}1{}]\n", "(".repeat(depth), ")".repeat(depth));
    let strings = format!("a['x'] = {}1{}\n", "\"#{".repeat(depth / 2), "}\"".repeat(depth / 2));
    for src in [arrays, hashes] {
        let file = parse(&src);
        assert!(file.values.iter().all(|v| !matches!(v.kind, ValueKind::Opaque)), "{src}");
        assert_eq!(file.values.len(), depth + 1);
    }
    for src in [groups, strings] {
        let file = parse(&src);
        assert!(matches!(code_kinds(&file)[0], StatementKind::Assignment(_)));
    }
}

/// A small xorshift generator: reproducible noise without a dependency.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn random_input_never_panics() {
    let mut noise = Noise(0x9E37_79B9_7F4A_7C15);
    // Bytes, and text made of the characters Ruby gives meaning to.
    let alphabet = b"ab_ []{}()'\"#\\=<>-,.:;%?$@`/\n\n\r\t0123456789wqEOSendifdo|&*+!~^";
    let start = std::time::Instant::now();
    for round in 0..3_000 {
        let len = (noise.next() % 200) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                let n = noise.next();
                if round % 2 == 0 { n as u8 } else { alphabet[(n % alphabet.len() as u64) as usize] }
            })
            .collect();
        if let Ok(file) = GitlabRbFile::parse(bytes.clone()) {
            assert_eq!(file.print(), bytes);
            let _ = file.outline();
            let _ = GitlabSettings::new(&file).effective("a", &["b", "c"]);
        }
    }
    assert!(start.elapsed() < Duration::from_secs(60));
}

#[test]
fn large_files_parse_in_linear_time() {
    let Some(template) = template() else { return };
    let limit = if cfg!(debug_assertions) { Duration::from_secs(30) } else { Duration::from_secs(1) };
    // 300,000 lines: the template itself (comments), and with its examples
    // uncommented (121,000 assignments).
    for text in [template.clone(), simple_uncommented(&template)] {
        let copies = 300_000 / text.lines().count() + 1;
        let big = text.repeat(copies);
        let lines = big.lines().count();
        let start = thread_cpu_time();
        let file = parse(&big);
        let spent = thread_cpu_time() - start;
        assert!(spent < limit, "{lines} lines took {spent:?}");
        assert!(lines >= 300_000 && file.statements.len() > 240_000);
    }
    // One statement of 300,000 lines, and a 1 MB line.
    let big = format!("a['x'] = [\n{}]\n", "  'x', # note\n".repeat(300_000));
    let start = thread_cpu_time();
    let file = parse(&big);
    assert!(thread_cpu_time() - start < limit);
    assert_eq!(file.array(conflint_core::gitlab::ValueId(file.values.len() - 1)).map(|a| a.items.len()), Some(300_000));
    let long = format!("a['x'] = [{}1]\n", "1, ".repeat(300_000));
    let start = thread_cpu_time();
    parse(&long);
    assert!(thread_cpu_time() - start < limit);
}

#[test]
fn hash_keys_record_their_form() {
    let file = parse("a['x'] = { 'k' => 1, k: 2, 'q': 3, :s => 4 }\n");
    let StatementKind::Assignment(a) = code_kinds(&file)[0] else { panic!() };
    let hash = file.hash(a.value).unwrap();
    let forms: Vec<String> = hash
        .pairs
        .iter()
        .map(|p| match &p.key {
            HashKey::Value(v) => format!("value {:?}", file.values[*v].kind),
            HashKey::Label { name, quote, .. } => format!("label {name:?} {quote:?}"),
        })
        .collect();
    assert_eq!(
        forms,
        [
            r#"value Str { quote: Single, value: Some("k") }"#,
            r#"label Some("k") None"#,
            r#"label Some("q") Some(Single)"#,
            r#"value Str { quote: Symbol, value: Some("s") }"#,
        ]
    );
}
