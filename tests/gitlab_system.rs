//! System test: conflint's gitlab.rb parser against real Ruby.
//!
//! gitlab.rb.template is almost all commented-out examples. Uncommenting them
//! the way a user does (shared/reference/gitlab-rb-syntax.md, §3 and §6: drop
//! the `# ` of a code-looking single-`#` line, and take following `#` lines
//! until Ruby accepts the text) gives ~1,500 real statements. For each one:
//! - where Ruby accepts it, conflint must read it as exactly one statement
//!   (structured or opaque) spanning the same lines;
//! - where Ruby rejects every prefix, conflint must fail or keep it opaque:
//!   every statement it does claim as a literal setting must be one that
//!   Ruby accepts on its own;
//! - on the whole uncommented template, the `a[...] = v` assignments conflint
//!   finds must be the ones Ripper finds, receiver by receiver.
//!
//! Ruby runs as one process answering snippet after snippet with
//! `RubyVM::InstructionSequence.compile` (what `ruby -c` does); a sample is
//! checked against `ruby -c` itself to show they agree.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use conflint_core::gitlab::{GitlabRbFile, HashKey, StatementKind, ValueId, ValueKind};

/// Reads `check N\n<N bytes>` or `receivers N\n<N bytes>` requests and
/// answers one line each.
const CHECKER: &str = r#"
$VERBOSE = nil
require 'ripper'
$stdout.sync = true
while (header = $stdin.gets)
  cmd, n = header.split
  src = $stdin.read(n.to_i)
  case cmd
  when 'check'
    ok = begin
      RubyVM::InstructionSequence.compile(src)
      true
    rescue SyntaxError, StandardError
      false
    end
    puts(ok ? 'ok' : 'err')
  when 'receivers'
    # The root receiver of each top-level `a[...] = v`.
    sexp = Ripper.sexp(src)
    names = []
    (sexp ? sexp[1] : []).each do |stmt|
      next unless stmt.is_a?(Array) && stmt[0] == :assign
      target = stmt[1]
      next unless target.is_a?(Array) && target[0] == :aref_field
      node = target[1]
      node = node[1] while node.is_a?(Array) && node[0] == :aref
      ident = node.is_a?(Array) ? node[1] : nil
      names << (ident.is_a?(Array) ? ident[1] : '?')
    end
    puts names.join(' ')
  end
end
"#;

/// One Ruby process, asked question after question.
struct Ruby {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Ruby {
    fn start(ruby: &Path) -> Ruby {
        let mut child = Command::new(ruby)
            .arg("-e")
            .arg(CHECKER)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start ruby");
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("ruby stdout"));
        Ruby { child, stdin, stdout }
    }

    fn ask(&mut self, command: &str, src: &str) -> String {
        let stdin = self.stdin.as_mut().expect("ruby stdin");
        write!(stdin, "{command} {}\n{src}", src.len()).expect("write to ruby");
        stdin.flush().expect("flush ruby");
        let mut answer = String::new();
        self.stdout.read_line(&mut answer).expect("read from ruby");
        answer.trim_end().to_string()
    }

    fn accepts(&mut self, src: &str) -> bool {
        match self.ask("check", src).as_str() {
            "ok" => true,
            "err" => false,
            other => panic!("unexpected answer from ruby: {other:?}"),
        }
    }

    fn receivers(&mut self, src: &str) -> Vec<String> {
        self.ask("receivers", src).split_whitespace().map(str::to_string).collect()
    }
}

impl Drop for Ruby {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

/// `ruby -c` on `src`, the reference the batch checker stands in for.
fn ruby_c(ruby: &Path, dir: &Path, name: &str, src: &str) -> bool {
    let path = dir.join(name);
    std::fs::write(&path, src).expect("write snippet");
    Command::new(ruby)
        .arg("-c")
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run ruby -c")
        .success()
}

/// A template line without its `#` and one space after it.
fn uncomment(line: &str) -> Option<&str> {
    let rest = line.strip_prefix('#')?;
    Some(rest.strip_prefix(' ').unwrap_or(rest))
}

/// A single-`#` line that looks like code once uncommented: `ident[`,
/// `ident =` or `ident <argument>`.
fn looks_like_code(line: &str) -> bool {
    if line.starts_with("##") {
        return false;
    }
    let Some(code) = uncomment(line) else {
        return false;
    };
    let ident_len = code.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
    let first = code.bytes().next().unwrap_or(b' ');
    if ident_len == 0 || !(first.is_ascii_lowercase() || first == b'_') {
        return false;
    }
    let rest = &code[ident_len..];
    let after_blanks = rest.trim_start_matches(' ');
    rest.starts_with('[')
        || (after_blanks.starts_with('=') && !after_blanks[1..].starts_with(['=', '~', '>']))
        || (rest.starts_with(' ') && !after_blanks.is_empty())
}

/// An uncommented example: template lines `first..=last` (1-based).
struct Snippet {
    first: usize,
    last: usize,
    text: String,
}

struct Uncommented {
    accepted: Vec<Snippet>,
    rejected: Vec<Snippet>,
}

/// Find every commented-out statement in the template and ask Ruby whether
/// each one, uncommented, is valid.
fn uncomment_template(template: &str, ruby: &mut Ruby) -> Uncommented {
    let lines: Vec<&str> = template.lines().collect();
    let mut accepted = Vec::new();
    let mut rejected = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if !looks_like_code(lines[i]) {
            i += 1;
            continue;
        }
        // The commented block this line starts, up to 150 lines.
        let run_end =
            (i..lines.len().min(i + 150)).find(|&j| !lines[j].starts_with('#')).unwrap_or(lines.len().min(i + 150));
        let mut text = String::new();
        let mut found = None;
        for (j, line) in lines.iter().enumerate().take(run_end).skip(i) {
            text.push_str(uncomment(line).unwrap_or(line));
            text.push('\n');
            if ruby.accepts(&text) {
                found = Some(j);
                break;
            }
        }
        match found {
            Some(j) => {
                accepted.push(Snippet { first: i + 1, last: j + 1, text });
                i = j + 1;
            }
            None => {
                rejected.push(Snippet { first: i + 1, last: run_end, text });
                i += 1;
            }
        }
    }
    Uncommented { accepted, rejected }
}

/// Whether a value tree holds no opaque part: a claim that conflint knows
/// the value exactly.
fn fully_literal(file: &GitlabRbFile, root: ValueId) -> bool {
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        let Some(value) = file.value(id) else {
            return false;
        };
        match &value.kind {
            ValueKind::Opaque => return false,
            ValueKind::Array(a) => stack.extend(&a.items),
            ValueKind::Hash(h) => {
                for pair in &h.pairs {
                    stack.push(pair.value);
                    if let HashKey::Value(k) = pair.key {
                        stack.push(k);
                    }
                }
            }
            _ => {}
        }
    }
    true
}

/// The statements conflint claims as settings with fully known values.
fn literal_claims(file: &GitlabRbFile) -> Vec<&conflint_core::gitlab::Statement> {
    file.statements
        .iter()
        .filter(|s| match &s.kind {
            StatementKind::Assignment(a) => fully_literal(file, a.value),
            StatementKind::Command(c) => c.args.iter().all(|&v| fully_literal(file, v)),
            _ => false,
        })
        .collect()
}

fn is_code(kind: &StatementKind) -> bool {
    matches!(kind, StatementKind::Assignment(_) | StatementKind::Command(_) | StatementKind::Opaque(_))
}

fn scratch_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("conflint-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

#[test]
fn uncommented_template_statements_agree_with_ruby() {
    const TEST: &str = "uncommented_template_statements_agree_with_ruby";
    let Some(ruby_path) = common::system_tool("ruby", TEST) else {
        return;
    };
    if !common::require_corpus(TEST) {
        return;
    }
    let template = std::fs::read_to_string(common::corpus("gitlab/gitlab.rb.template")).expect("read the template");
    let mut ruby = Ruby::start(&ruby_path);
    let found = uncomment_template(&template, &mut ruby);
    assert!(found.accepted.len() > 1_400, "only {} statements found", found.accepted.len());

    // Accepted by Ruby: exactly one statement, over the same lines.
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    let mut multi_line = 0;
    for snippet in &found.accepted {
        let file = GitlabRbFile::parse(snippet.text.clone()).unwrap_or_else(|e| {
            panic!(
                "Ruby accepts template lines {}-{} uncommented, conflint fails: {e}\n{}",
                snippet.first, snippet.last, snippet.text
            )
        });
        assert_eq!(file.print(), snippet.text.as_bytes());
        let code: Vec<_> = file.statements.iter().filter(|s| is_code(&s.kind)).collect();
        assert_eq!(
            code.len(),
            1,
            "template lines {}-{}: conflint sees {} statements\n{}{}",
            snippet.first,
            snippet.last,
            code.len(),
            snippet.text,
            file.outline()
        );
        let lines = snippet.last - snippet.first + 1;
        assert_eq!(
            file.line_number(code[0].code.end.saturating_sub(1)),
            lines,
            "template lines {}-{}: the statement ends early\n{}",
            snippet.first,
            snippet.last,
            file.outline()
        );
        if lines > 1 {
            multi_line += 1;
        }
        let kind = match &code[0].kind {
            StatementKind::Assignment(a) if fully_literal(&file, a.value) => "assignment",
            StatementKind::Assignment(_) => "assignment with opaque value",
            StatementKind::Command(_) => "command",
            _ => "opaque",
        };
        *kinds.entry(kind).or_default() += 1;
    }

    // Rejected by Ruby: no literal setting that Ruby would not accept alone.
    let mut rejected_outcome: BTreeMap<&str, usize> = BTreeMap::new();
    for snippet in &found.rejected {
        let outcome = match GitlabRbFile::parse(snippet.text.clone()) {
            Err(_) => "syntax error",
            Ok(file) => {
                for claim in literal_claims(&file) {
                    let code = file.text(claim.code);
                    assert!(
                        ruby.accepts(&code),
                        "template lines {}-{}: Ruby rejects the text, conflint claims the setting {code:?}\n{}",
                        snippet.first,
                        snippet.last,
                        file.outline()
                    );
                }
                match file.statements.iter().find(|s| is_code(&s.kind)).map(|s| &s.kind) {
                    Some(StatementKind::Opaque(_)) => "opaque statement",
                    Some(StatementKind::Assignment(a)) if !fully_literal(&file, a.value) => {
                        "assignment with opaque value"
                    }
                    Some(_) => "statement Ruby accepts alone",
                    None => "no code",
                }
            }
        };
        *rejected_outcome.entry(outcome).or_default() += 1;
    }

    // The whole template with every accepted example uncommented: a gitlab.rb
    // with everything turned on.
    let lines: Vec<&str> = template.lines().collect();
    let mut full: Vec<String> = lines.iter().map(std::string::ToString::to_string).collect();
    for snippet in &found.accepted {
        for n in snippet.first..=snippet.last {
            full[n - 1] = uncomment(lines[n - 1]).unwrap_or(lines[n - 1]).to_string();
        }
    }
    let full = full.join("\n") + "\n";
    let dir = scratch_dir("gitlab-system");
    assert!(ruby_c(&ruby_path, &dir, "gitlab.rb", &full), "ruby -c rejects the uncommented template");
    let file = GitlabRbFile::parse(full.clone()).expect("conflint parses the uncommented template");
    assert_eq!(file.print(), full.as_bytes());
    let code_statements = file.statements.iter().filter(|s| is_code(&s.kind)).count();
    assert_eq!(code_statements, found.accepted.len() + 1, "+1: external_url");
    let mut ruby_receivers: BTreeMap<String, usize> = BTreeMap::new();
    for name in ruby.receivers(&full) {
        *ruby_receivers.entry(name).or_default() += 1;
    }
    let mut ours: BTreeMap<String, usize> = BTreeMap::new();
    for (_, a) in file.assignments() {
        *ours.entry(a.receiver_name.clone()).or_default() += 1;
    }
    assert_eq!(ours, ruby_receivers, "assignments per receiver: conflint vs Ripper");

    // The batch checker says what `ruby -c` says.
    let mut sample: Vec<&str> =
        found.accepted.iter().filter(|s| s.last > s.first).take(15).map(|s| s.text.as_str()).collect();
    sample.extend(found.rejected.iter().take(25).map(|s| s.text.as_str()));
    for (n, text) in sample.iter().enumerate() {
        assert_eq!(
            ruby_c(&ruby_path, &dir, &format!("s{n}.rb"), text),
            ruby.accepts(text),
            "ruby -c and InstructionSequence.compile disagree on\n{text}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);

    let assignments: usize = ours.values().sum();
    let _ = writeln!(
        std::io::stderr(),
        "gitlab system test: {} statements Ruby accepts ({multi_line} multi-line): {kinds:?}; \
         {} code-looking starts Ruby rejects: {rejected_outcome:?}; uncommented template: \
         {assignments} assignments over {} receivers, same as Ripper; {} snippets agree with ruby -c",
        found.accepted.len(),
        found.rejected.len(),
        ours.len(),
        sample.len()
    );
}
