//! SYSTEM tests: conflint's reading of php.ini must equal what the real PHP
//! (Debian php-cli, 8.2) reads. Skipped, with a note, where `php` is absent.
//!
//! - string values: `php -n -c FILE` and `get_cfg_var()` (works for any key);
//! - booleans: `zend.enable_gc = VALUE` and `gc_enabled()`, against
//!   `php_bool(evaluate(...))`;
//! - syntax errors: PHP's `PHP:  syntax error, ... on line N` on stderr;
//! - the scan directory (`PHP_INI_SCAN_DIR`) and `[PATH=]` stickiness;
//! - a differential run of generated snippets through `parse_ini_string()`,
//!   which uses the same scanner and parser.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use conflint_core::php::{IniLineKind, LoadError, PhpIniFile, PhpIniTree, evaluate, evaluate_offset, php_bool};
use conflint_core::source::RealFileSystem;

/// `php -c FILE -r CODE`, with a clean environment so `${VAR}` finds no
/// environment variable; stdout and stderr. Without a scan directory `-n`
/// keeps the machine's own scan directory out (`-c` is still read); with
/// one, `PHP_INI_SCAN_DIR` replaces it.
fn run_php(php: &Path, ini: &Path, scan_dir: Option<&Path>, code: &str) -> (String, String) {
    let mut cmd = Command::new(php);
    cmd.env_clear();
    match scan_dir {
        Some(dir) => cmd.env("PHP_INI_SCAN_DIR", dir),
        None => cmd.arg("-n"),
    };
    cmd.arg("-c").arg(ini).arg("-r").arg(code);
    let out = cmd.output().expect("php runs");
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// What `get_cfg_var` returns for each key, as JSON (false when unset),
/// and what PHP wrote on stderr.
fn php_values(php: &Path, ini: &Path, scan_dir: Option<&Path>, keys: &[String]) -> (Vec<serde_json::Value>, String) {
    let list = keys.iter().map(|k| format!("'{k}'")).collect::<Vec<_>>().join(",");
    let code = format!("echo json_encode(array_map('get_cfg_var', [{list}]));");
    let (stdout, stderr) = run_php(php, ini, scan_dir, &code);
    (serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}")), stderr)
}

fn php_or_skip(test: &str) -> Option<PathBuf> {
    common::system_tool("php", test)
}

/// Values with what PHP stores; each becomes `kN = VALUE` in one file.
const VALUES: &[&str] = &[
    "On",
    "off",
    "YES",
    "no",
    "None",
    "null",
    "TRUE",
    "\"off\"",
    "'On'",
    "Onion",
    "0",
    "-1",
    "+1",
    "1.5",
    ".5",
    "0x1F",
    "128M",
    "1e3",
    "hello   world   ",
    "a b\tc",
    "\"quoted\"",
    "\"a\\\"b\"",
    "\"back\\\\slash\"",
    "\"dollar \\$x\"",
    "\"\\n stays\"",
    "\"C:\\php\\\"",
    "'raw ; \"x\"'",
    "foo\"bar\"baz",
    "\"foo\" bar",
    "foo \"bar\"",
    "\"\"",
    "''",
    "",
    "x ; comment",
    "#DD0000",
    "C:\\php\\ext",
    "cost$5",
    "E_ALL",
    "E_ALL & ~E_DEPRECATED & ~E_STRICT",
    "E_ALL & ~E_NOTICE & ~E_WARNING",
    "E_ERROR | E_WARNING | E_PARSE",
    "E_ALL ^ E_DEPRECATED",
    "~E_ALL",
    "!0",
    "!E_ALL",
    "1 | 2 & 4",
    "(1 | 2) & 4",
    "~(1|2)",
    "x|y",
    "(foo)",
    "\"E_ALL\"",
    "E_ALL:x",
    "E_STRICT",
    "E_USER_DEPRECATED | E_RECOVERABLE_ERROR",
    "${k1}",
    "\"${k3}/x\"",
    "${NOPE}",
    "${NOPE:-dflt}",
    "\"\\${k1}\"",
    "4294967297 | 0",
    "99999999999999999999 & 7",
    "\"multi\nline\"",
    "'multi\nline'",
];

#[test]
fn values_equal_what_php_reads() {
    let Some(php) = php_or_skip("values_equal_what_php_reads") else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let ini = dir.path().join("php.ini");
    let mut text = String::from("; conflint system test\r\n[PHP]\n");
    let keys: Vec<String> = (1..=VALUES.len()).map(|i| format!("k{i}")).collect();
    for (key, value) in keys.iter().zip(VALUES) {
        text.push_str(&format!("{key} = {value}\n"));
    }
    std::fs::write(&ini, &text).expect("write");
    let tree = PhpIniTree::load(&RealFileSystem::new(), &ini, &[]);
    let (expected, stderr) = php_values(&php, &ini, None, &keys);
    assert!(stderr.is_empty(), "php complained: {stderr}");
    assert!(VALUES.len() >= 40);
    for ((key, value), php_value) in keys.iter().zip(VALUES).zip(expected) {
        let ours = tree.effective(key).map(|s| s.value);
        assert_eq!(ours.as_deref(), php_value.as_str(), "{key} = {value}");
    }
}

#[test]
fn booleans_equal_what_php_reads() {
    let Some(php) = php_or_skip("booleans_equal_what_php_reads") else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let ini = dir.path().join("php.ini");
    let cases = [
        "On",
        "Off",
        "1",
        "0",
        "00",
        "2",
        "-1",
        "+1",
        "yes",
        "no",
        "true",
        "false",
        "None",
        "null",
        "",
        "\"\"",
        "\"0\"",
        "'0'",
        "\"off\"",
        "\"On\"",
        "'On'",
        "\"TRUE\"",
        "\"yes\"",
        "foo",
        "0x1",
        "0.5",
        "1abc",
        "\"1.9\"",
        "\" on\"",
        "\"on \"",
        "\" 1\"",
        "E_ALL",
        "E_ALL & 0",
        "On ; comment",
        "\"true\"",
        "~0",
        "!1",
    ];
    for value in cases {
        std::fs::write(&ini, format!("zend.enable_gc = {value}\n")).expect("write");
        let (stdout, stderr) = run_php(&php, &ini, None, "var_export(gc_enabled());");
        assert!(stderr.is_empty(), "{value}: {stderr}");
        let file = PhpIniFile::parse(format!("zend.enable_gc = {value}\n")).expect("parses");
        let (_, entry) = file.entries().next().expect("entry");
        let ours = php_bool(&evaluate(&file, entry.value.as_ref().expect("value"), &|_| None));
        assert_eq!(ours.to_string(), stdout, "zend.enable_gc = {value}");
    }
}

/// PHP's startup message: `PHP:  syntax error, MESSAGE in FILE on line N`.
fn php_syntax_error(stderr: &str) -> Option<(String, usize)> {
    let line = stderr.lines().find(|l| l.starts_with("PHP:  syntax error"))?;
    let rest = line.strip_prefix("PHP:  ")?;
    let (message, tail) = rest.rsplit_once(" in ")?;
    let number = tail.rsplit_once(" on line ")?.1.trim().parse().ok()?;
    Some((message.to_string(), number))
}

/// Bad files beyond tests/php_syntax.rs's table: CR line ends, BOMs,
/// sections with comments (PHP counts lines oddly there).
const BAD_FILES: &[&str] = &[
    "a = 1\nb = b=c\n",
    "a = http://x/?y=1\n",
    "a = foo(bar)\n",
    "a = hi!\n",
    "# hash (paren) line\n",
    "on = 1\n",
    "\tnull = 1\n",
    "a = On foo\n",
    "a = b On\n",
    "a~b = 1\n",
    "[PHP\n",
    "[a;b]\n",
    "a = \"x\nb = 1\n",
    "a = 'abc\n",
    "a = ${a${b}}\n",
    "a = ${}\n",
    "a = (foo\n",
    "a = ((1)",
    "a = ~\n",
    "a = foo)\n",
    "a = (a) b\n",
    "a[x]\n",
    "a[x] b\n",
    "  [PHP]\nx = 1\n",
    "= 1\n",
    "[a] ;c\nx = (\n",
    "a = \"1\n2\" (\n",
    "a = '1\n2' (\n",
    "a = x$\nb = 1\n",
    "a = 1\r\rb = 2\r\nc = 3\rd = (\n",
    "\u{FEFF}; bom\r\nx = \"a\r\nb\"\r\ny = (\r\n",
    "[a] x = 1\n[b]\ny = )\n",
    "c = ;c",
];

#[test]
fn syntax_errors_are_reported_on_phps_line() {
    let Some(php) = php_or_skip("syntax_errors_are_reported_on_phps_line") else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let ini = dir.path().join("php.ini");
    for src in BAD_FILES {
        std::fs::write(&ini, src).expect("write");
        let (_, stderr) = run_php(&php, &ini, None, "");
        let theirs = php_syntax_error(&stderr).unwrap_or_else(|| panic!("php accepted {src:?}: {stderr}"));
        let ours = PhpIniFile::parse(src.as_bytes().to_vec()).expect_err("conflint accepted");
        assert_eq!((ours.message, ours.line), theirs, "{src:?}");
    }
}

#[test]
fn corpus_settings_equal_what_php_reads() {
    let Some(php) = php_or_skip("corpus_settings_equal_what_php_reads") else { return };
    if !common::require_corpus("corpus_settings_equal_what_php_reads") {
        return;
    }
    // php-cli forces these whatever php.ini says (its hard-coded INI).
    let cli_overrides =
        ["html_errors", "register_argc_argv", "implicit_flush", "output_buffering", "max_execution_time"];
    let cli_overrides = [cli_overrides.as_slice(), &["max_input_time"]].concat();
    for name in ["php/php.ini-production", "php/php.ini-development"] {
        let path = common::corpus(name);
        let tree = PhpIniTree::load(&RealFileSystem::new(), &path, &[]);
        let mut keys: Vec<String> = tree
            .settings()
            .filter(|s| s.offset.is_none() && !s.key.contains('\'') && !cli_overrides.contains(&s.key.as_str()))
            .map(|s| s.key)
            .collect();
        keys.sort();
        keys.dedup();
        assert!(keys.len() > 80, "{name}: {} keys", keys.len());
        let (theirs, stderr) = php_values(&php, &path, None, &keys);
        assert!(stderr.is_empty(), "php complained: {stderr}");
        for (key, value) in keys.iter().zip(theirs) {
            let ours = tree.effective(key).map(|s| s.value);
            assert_eq!(ours.as_deref(), value.as_str(), "{name}: {key}");
        }
    }
}

#[test]
fn scan_directory_and_path_sections_match_php() {
    let Some(php) = php_or_skip("scan_directory_and_path_sections_match_php") else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let ini = dir.path().join("php.ini");
    let scan = dir.path().join("conf.d");
    std::fs::create_dir(&scan).expect("mkdir");
    std::fs::write(&ini, "a = main\nb = main\nbase = /srv\n[PATH=/www/site]\nc = scoped\n[Date]\nd = still scoped\n")
        .expect("write");
    std::fs::write(scan.join("20-b.ini"), "b = twenty\ne = ${base}/e\n").expect("write");
    std::fs::write(scan.join("10-a.ini"), "a = ten\nb = ten\nf = ${b}\n").expect("write");
    std::fs::write(scan.join("30-bad.ini"), "g = 1\nh = (\n").expect("write");
    std::fs::write(scan.join("40-c.ini"), "[HOST=Example.com]\ni = host\n").expect("write");
    std::fs::write(scan.join("50-d.ini"), "j = after host\n").expect("write");
    std::fs::write(scan.join("99-x.ini.disabled"), "a = disabled\n").expect("write");
    let tree = PhpIniTree::load(&RealFileSystem::new(), &ini, std::slice::from_ref(&scan));
    let names: Vec<_> = tree.files.iter().filter_map(|f| f.path.file_name()).map(|n| n.to_string_lossy()).collect();
    assert_eq!(names, ["php.ini", "10-a.ini", "20-b.ini", "30-bad.ini", "40-c.ini", "50-d.ini"]);
    assert!(tree.files[3].content.is_err());
    // PHP applies `g = 1` before the error in 30-bad.ini; conflint reports
    // the file and reads none of it, so `g` is left out here.
    let keys: Vec<String> = ["a", "b", "c", "d", "e", "f", "i", "j"].map(String::from).to_vec();
    let (theirs, stderr) = php_values(&php, &ini, Some(&scan), &keys);
    // PHP reports the bad fragment with conflint's message and line.
    let Err(LoadError::Syntax(e)) = &tree.files[3].content else { panic!("30-bad.ini parsed") };
    let expected = format!("PHP:  {} in {} on line {}", e.message, scan.join("30-bad.ini").display(), e.line);
    assert!(stderr.contains(&expected), "{stderr}");
    for (key, value) in keys.iter().zip(theirs) {
        let ours = tree.effective(key).map(|s| s.value);
        let theirs = value.as_str().map(String::from);
        assert_eq!(ours, theirs, "{key}");
    }
}

/// Snippet atoms for the differential run: keys, values, operators,
/// quotes, line ends and the characters that make PHP's scanner odd.
const ATOMS: &[&str] = &[
    "a",
    "key",
    "x.y",
    "E_ALL",
    "On",
    "off",
    "none",
    "null",
    "1",
    "-2",
    "3.5",
    "128M",
    " ",
    "  ",
    "\t",
    "=",
    " = ",
    "\n",
    "\r\n",
    "\r",
    ";",
    " ; c",
    "#",
    "[",
    "]",
    "(",
    ")",
    "|",
    "&",
    "^",
    "~",
    "!",
    "\"",
    "'",
    "\\",
    "$",
    "${",
    "}",
    "{",
    "${a}",
    "\"x\"",
    "'y'",
    "\"a\\\"b\"",
    "\"C:\\p\\\"",
    "''",
    ":",
    "-",
    "/",
    "é",
];

/// A PHP array, as far as `parse_ini_string` builds them: integer-like
/// keys become integers, and `[]` appends after the largest one.
#[derive(Default)]
struct PhpArray {
    entries: Vec<(String, serde_json::Value)>,
    next: i64,
}

impl PhpArray {
    fn set(&mut self, key: String, value: serde_json::Value) {
        if let Some(n) = php_int_key(&key) {
            self.next = self.next.max(n + 1);
        }
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    fn push(&mut self, value: serde_json::Value) {
        let key = self.next.to_string();
        self.set(key, value);
    }

    /// json_encode: a list when the keys are 0..n in order, else an object.
    fn to_json(&self) -> serde_json::Value {
        let is_list = self.entries.iter().enumerate().all(|(i, (k, _))| *k == i.to_string());
        if is_list {
            serde_json::Value::Array(self.entries.iter().map(|(_, v)| v.clone()).collect())
        } else {
            serde_json::Value::Object(self.entries.iter().cloned().collect())
        }
    }
}

/// PHP's numeric-string key rule: a canonical decimal integer.
fn php_int_key(key: &str) -> Option<i64> {
    let digits = key.strip_prefix('-').unwrap_or(key);
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && key != "-0";
    if canonical { key.parse().ok() } else { None }
}

/// conflint's reading of a snippet, in the shape `parse_ini_string` returns
/// (top level as an object); `Null` for conflint's own reports.
fn ours(src: &str) -> serde_json::Value {
    use serde_json::Value;
    enum Slot {
        Str(String),
        Arr(PhpArray),
    }
    let file = match PhpIniFile::parse(src.as_bytes().to_vec()) {
        Ok(file) => file,
        Err(e) if e.message.starts_with("syntax error") => {
            return serde_json::json!({ "error": e.message, "line": e.line });
        }
        Err(_) => return Value::Null,
    };
    let none = |_: &str| None;
    let mut top: Vec<(String, Slot)> = Vec::new();
    for line in &file.lines {
        let IniLineKind::Entry(entry) = &line.kind else { continue };
        let Some(value) = &entry.value else { continue };
        let value = evaluate(&file, value, &none);
        let index = match top.iter().position(|(k, _)| *k == entry.key_text) {
            Some(i) => i,
            None => {
                top.push((entry.key_text.clone(), Slot::Str(String::new())));
                top.len() - 1
            }
        };
        match &entry.offset_value {
            None => top[index].1 = Slot::Str(value),
            Some(offset) => {
                if !matches!(top[index].1, Slot::Arr(_)) {
                    top[index].1 = Slot::Arr(PhpArray::default());
                }
                let Slot::Arr(array) = &mut top[index].1 else { continue };
                let offset = evaluate_offset(&file, offset, &none);
                if offset.is_empty() {
                    array.push(Value::String(value));
                } else {
                    array.set(offset, Value::String(value));
                }
            }
        }
    }
    let result: serde_json::Map<String, Value> = top
        .into_iter()
        .map(|(k, slot)| {
            let v = match slot {
                Slot::Str(s) => Value::String(s),
                Slot::Arr(a) => a.to_json(),
            };
            (k, v)
        })
        .collect();
    serde_json::json!({ "result": result })
}

#[test]
fn generated_snippets_parse_as_in_php() {
    let Some(php) = php_or_skip("generated_snippets_parse_as_in_php") else { return };
    let mut seed: u64 = 2024;
    let mut next = || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let snippets: Vec<String> =
        (0..3000).map(|_| (0..1 + next() % 14).map(|_| ATOMS[next() % ATOMS.len()]).collect()).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("snippets.json");
    std::fs::write(&input, serde_json::to_string(&snippets).expect("json")).expect("write");
    let code = r#"
        $err = null;
        set_error_handler(function ($no, $str) use (&$err) { $err = $str; return true; });
        $out = [];
        foreach (json_decode(file_get_contents($argv[1]), true) as $s) {
            $err = null;
            $r = parse_ini_string($s, false, INI_SCANNER_NORMAL);
            if ($r === false && preg_match('/^(.*) in Unknown on line (\d+)/s', $err ?? '', $m)) {
                $out[] = ['error' => $m[1], 'line' => (int) $m[2]];
            } else {
                $out[] = ['result' => (object) $r];
            }
        }
        echo json_encode($out, JSON_INVALID_UTF8_SUBSTITUTE);
    "#;
    let out = Command::new(&php).env_clear().args(["-n", "-r", code, "--"]).arg(&input).output().expect("php runs");
    let theirs: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("php's json");
    let mut compared = 0;
    for (src, theirs) in snippets.iter().zip(theirs) {
        let ours = ours(src);
        if ours.is_null() {
            // conflint's own report (PHP silently ignores the rest of the file).
            assert!(theirs.get("result").is_some(), "{src:?}: {theirs}");
            continue;
        }
        assert_eq!(ours, theirs, "{src:?}");
        compared += 1;
    }
    assert!(compared > 2900, "{compared} compared");
}
