//! conflint_core::php::directives against the PHP installed here (`php` on PATH;
//! skipped with a note when there is none). Everything compared is what PHP
//! itself reports: `ini_get_all()`, `ini_get()` and its startup warnings.

mod common;

use conflint_core::php::directives::{
    Changeable, DirectiveStatus, PhpDirective, PhpType, PhpVersion, ValueProblem, check_value, directive, directives,
    parse_quantity,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

// Startup warnings go where display_errors says, stdout by default in the CLI;
// run_php sends them to stderr.

/// Directives the CLI forces whatever php.ini says (sapi/cli's INI defaults
/// and overrides), so neither their default nor a value set in a file shows.
const CLI_FORCED: &[(&str, &str)] = &[
    ("max_execution_time", "the CLI always runs without a time limit (0)"),
    ("max_input_time", "the CLI sets -1"),
    ("html_errors", "the CLI sets 0"),
    ("implicit_flush", "the CLI sets 1"),
    ("output_buffering", "the CLI sets 0"),
    ("register_argc_argv", "the CLI sets 1"),
    ("display_errors", "the CLI sets 1 (STDOUT)"),
];

/// Built-in defaults that differ from the table on this build, and why.
const DEFAULT_EXCEPTIONS: &[(&str, &str)] = &[
    ("extension_dir", "build-dependent path (the table has none)"),
    ("include_path", "build-dependent path (the table has none)"),
    ("sendmail_path", "found by configure (the table has none)"),
    ("session.save_path", "Debian's build sets /var/lib/php/sessions"),
    ("date.timezone", "PHP 8.2 reports UTC; the table's \"\" is the 8.1 branch's registration"),
    ("session.upload_progress.enabled", "the CLI reports 0 on Debian's 8.2.36; the registration says 1"),
    ("zend.signal_check", "reported 0 on Debian's 8.2.36; the registration says 1"),
];

/// Directives this PHP registers that the table does not have, and why.
const UNLISTED: &[(&str, &str)] = &[(
    "memory_hard_limit_percent",
    "registered by Debian's PHP 8.2.36 build; in neither the manual nor the php-src branches read",
)];

/// Integer directives that cannot be probed with "7x" from the CLI.
const NOT_PROBED: &[(&str, &str)] = &[("opcache.consistency_checks", "PHP 8.2 resets it to 0 outside debug builds")];

fn php(test: &str) -> Option<std::path::PathBuf> {
    common::system_tool("php", test)
}

fn run_php(php: &Path, args: &[&str], code: &str) -> (String, String) {
    let out = Command::new(php)
        .args(args)
        .args(["-d", "display_startup_errors=1", "-d", "display_errors=stderr", "-r", code])
        .output()
        .expect("run php");
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn version(php: &Path) -> PhpVersion {
    let (out, _) = run_php(php, &["-n"], "echo PHP_MAJOR_VERSION, '.', PHP_MINOR_VERSION;");
    out.trim().parse().expect("PHP version")
}

/// `ini_get_all()`: name -> (global value, access bits). `-n`: no php.ini, no extensions from conf.d.
fn ini_get_all(php: &Path, args: &[&str]) -> BTreeMap<String, (Option<String>, u64)> {
    let (out, _) = run_php(php, args, "echo json_encode(ini_get_all(null, true));");
    let all: Value = serde_json::from_str(&out).expect("ini_get_all JSON");
    all.as_object()
        .expect("object")
        .iter()
        .map(|(k, v)| {
            let value = v["global_value"].as_str().map(str::to_owned);
            (k.clone(), (value, v["access"].as_u64().expect("access")))
        })
        .collect()
}

fn reason<'a>(list: &'a [(&str, &str)], name: &str) -> Option<&'a str> {
    list.iter().find(|(n, _)| *n == name).map(|(_, r)| *r)
}

/// A value written so PHP reads it back unchanged.
fn quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\"").replace('$', "\\$"))
}

fn temp_ini(content: &str, tag: &str) -> tempfile::TempPath {
    let mut file = tempfile::Builder::new().prefix(tag).suffix(".ini").tempfile().expect("temp ini");
    std::io::Write::write_all(&mut file, content.as_bytes()).expect("write ini");
    file.into_temp_path()
}

#[test]
fn table_knows_what_the_installed_php_registers() {
    let Some(php) = php("table_knows_what_the_installed_php_registers") else { return };
    let v = version(&php);
    let runtime = ini_get_all(&php, &[]);
    let mut unknown = Vec::new();
    let mut wrong_status = Vec::new();
    for name in runtime.keys() {
        match directive(name) {
            None if reason(UNLISTED, name).is_none() => unknown.push(name.clone()),
            None => {}
            Some(d) => match d.status(v) {
                DirectiveStatus::Available | DirectiveStatus::Deprecated { .. } => {}
                status => wrong_status.push(format!("{name}: {status:?}")),
            },
        }
    }
    assert!(unknown.is_empty(), "PHP {v} registers directives the table lacks: {unknown:?}");
    assert!(wrong_status.is_empty(), "PHP {v} registers directives the table says it has not: {wrong_status:?}");
    eprintln!(
        "PHP {v}: all {} registered directives are in the table ({} listed exceptions)",
        runtime.len(),
        UNLISTED.len()
    );
}

#[test]
fn directives_removed_by_the_installed_version_are_not_registered() {
    let Some(php) = php("directives_removed_by_the_installed_version_are_not_registered") else { return };
    let v = version(&php);
    let runtime = ini_get_all(&php, &[]);
    let present_exts: BTreeSet<&str> =
        directives().iter().filter(|d| runtime.contains_key(d.name)).map(|d| d.extension).collect();
    let removed: Vec<&PhpDirective> =
        directives().iter().filter(|d| matches!(d.status(v), DirectiveStatus::Removed { .. })).collect();
    let still_there: Vec<&str> = removed.iter().filter(|d| runtime.contains_key(d.name)).map(|d| d.name).collect();
    assert!(
        still_there.is_empty(),
        "the table says these are gone by PHP {v}, yet PHP registers them: {still_there:?}"
    );
    let (checkable, uncheckable): (Vec<&PhpDirective>, Vec<&PhpDirective>) =
        removed.iter().partition(|d| present_exts.contains(d.extension));
    let missing_exts: BTreeSet<&str> = uncheckable.iter().map(|d| d.extension).collect();
    eprintln!(
        "PHP {v}: {} directives the table says are removed; {} belong to extensions loaded here and are absent as they should be; \
         {} belong to extensions not loaded here and cannot be checked on this machine: {missing_exts:?}",
        removed.len(),
        checkable.len(),
        uncheckable.len()
    );
}

#[test]
fn defaults_and_modes_agree_with_ini_get_all() {
    let Some(php) = php("defaults_and_modes_agree_with_ini_get_all") else { return };
    let v = version(&php);
    let runtime = ini_get_all(&php, &["-n"]);
    let (mut defaults, mut modes, mut failures) = (0, 0, Vec::new());
    for (name, (value, access)) in &runtime {
        let Some(d) = directive(name) else { continue };
        if reason(DEFAULT_EXCEPTIONS, name).is_none() && reason(CLI_FORCED, name).is_none() {
            let php_default = value.as_deref().unwrap_or("");
            match d.default {
                Some(default) if default != php_default => {
                    failures.push(format!("{name}: table default {default:?}, PHP {v} {php_default:?}"))
                }
                None if !php_default.is_empty() => {
                    failures.push(format!("{name}: table has no default, PHP {php_default:?}"))
                }
                _ => defaults += 1,
            }
        }
        let mode = match access {
            7 => Changeable::All,
            6 | 2 => Changeable::PerDir,
            4 => Changeable::System,
            1 => Changeable::User,
            other => panic!("{name}: access {other}"),
        };
        if d.changeable == mode {
            modes += 1;
        } else {
            failures.push(format!("{name}: table {:?}, PHP {v} {mode:?}", d.changeable));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    eprintln!(
        "PHP {v} (-n): {defaults} defaults and {modes} changeable modes of {} directives agree; exceptions: {:?}",
        runtime.len(),
        DEFAULT_EXCEPTIONS.iter().chain(CLI_FORCED).map(|(n, _)| *n).collect::<Vec<_>>()
    );
}

#[test]
fn setting_each_known_directive_to_its_default_is_accepted() {
    let Some(php) = php("setting_each_known_directive_to_its_default_is_accepted") else { return };
    let v = version(&php);
    let runtime = ini_get_all(&php, &[]);
    let mut ini = String::new();
    let mut set = Vec::new();
    for d in directives() {
        let Some((php_value, _)) = runtime.get(d.name) else { continue };
        // opcache.jit reads back "" when the CLI runs without opcache.enable_cli.
        if reason(CLI_FORCED, d.name).is_some() || d.name == "opcache.jit" {
            continue;
        }
        // Where this build's default differs from the table's (DEFAULT_EXCEPTIONS:
        // `date.timezone = ""` warns on 8.2), set what this PHP reports instead.
        let value = if reason(DEFAULT_EXCEPTIONS, d.name).is_some() {
            php_value.as_deref().unwrap_or("")
        } else {
            d.default.or(php_value.as_deref()).unwrap_or("")
        };
        ini.push_str(&format!("{} = {}\n", d.name, quoted(value)));
        set.push((d.name, value));
    }
    let path = temp_ini(&ini, "defaults");
    let path_str = path.to_str().expect("utf-8 temp path");
    let (out, err) = run_php(&php, &["-c", path_str], "echo json_encode(ini_get_all(null, false));");
    assert!(!err.contains("Warning") && !err.contains("Deprecated"), "PHP {v} warned:\n{err}");
    let now: Value = serde_json::from_str(&out).expect("ini_get_all JSON");
    let differ: Vec<String> = set
        .iter()
        .filter(|(name, value)| now[*name].as_str().unwrap_or("") != *value)
        .map(|(name, value)| format!("{name}: set {value:?}, PHP has {}", now[*name]))
        .collect();
    assert!(differ.is_empty(), "{differ:#?}");
    eprintln!("PHP {v}: {} directives set from one file, no warning, every value read back", set.len());
}

#[test]
fn integer_directives_read_as_quantities_exactly_where_the_table_says() {
    let Some(php) = php("integer_directives_read_as_quantities_exactly_where_the_table_says") else { return };
    let v = version(&php);
    if v < PhpVersion::new(8, 2) {
        common::note_skip("integer_directives_read_as_quantities", "PHP before 8.2 reads quantities without warnings");
        return;
    }
    let runtime = ini_get_all(&php, &[]);
    let probed: Vec<&PhpDirective> = directives()
        .iter()
        .filter(|d| matches!(d.ty, PhpType::Int | PhpType::Quantity | PhpType::Size))
        .filter(|d| runtime.contains_key(d.name))
        .filter(|d| reason(CLI_FORCED, d.name).is_none() && reason(NOT_PROBED, d.name).is_none())
        .collect();
    let ini: String = probed.iter().map(|d| format!("{} = 7x\n", d.name)).collect();
    let path = temp_ini(&ini, "quantities");
    let (_, err) = run_php(&php, &["-c", path.to_str().expect("utf-8 temp path")], "");
    let warned: BTreeSet<&str> = probed
        .iter()
        .filter(|d| err.contains(&format!("Invalid \"{}\" setting. Invalid quantity", d.name)))
        .map(|d| d.name)
        .collect();
    let wrong: Vec<String> = probed
        .iter()
        .filter(|d| warned.contains(d.name) != matches!(d.ty, PhpType::Quantity | PhpType::Size))
        .map(|d| {
            format!(
                "{}: table {:?}, PHP {v} {}",
                d.name,
                d.ty,
                if warned.contains(d.name) { "warns" } else { "silent" }
            )
        })
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
    for d in &probed {
        // What conflint says about "7x" matches: a warning for quantities, silence-but-7 for plain integers.
        match check_value(d, "7x") {
            Some(ValueProblem::QuantityWarning { reads_as: 7, warning }) => {
                assert!(err.contains(&warning), "{warning}")
            }
            Some(ValueProblem::NotAnInteger { reads_as: 7 }) => {}
            // 7 bytes is below what PHP has already allocated: refused, as the size test shows.
            Some(ValueProblem::MemoryLimitRefused { bytes: 7, warning: Some(w) }) => assert!(err.contains(&w), "{w}"),
            other => panic!("{}: {other:?}", d.name),
        }
    }
    eprintln!("PHP {v}: {} integer directives probed with \"7x\", {} quantities", probed.len(), warned.len());
}

#[test]
fn size_values_read_as_php_reads_them() {
    let Some(php) = php("size_values_read_as_php_reads_them") else { return };
    let v = version(&php);
    if v < PhpVersion::new(8, 2) {
        common::note_skip("size_values_read_as_php_reads_them", "the expectations are PHP 8.2's");
        return;
    }
    const INPUTS: &[&str] = &[
        "128M",
        "128MB",
        "1 GB",
        "1G",
        "1 G",
        "2 M",
        "-1",
        "0x10",
        "0x1fM",
        "0b101",
        "0o17",
        "010",
        "08",
        "0z",
        "0xK",
        "1.5G",
        "1.5 G",
        "1kb",
        "+5M",
        "+5MB",
        "abc",
        "",
        "4096K",
        "2097151",
        "2M",
        "-5",
        "-1M",
        "99999999999999999999",
        "8796093022208G",
    ];
    let mut checked = 0;
    for name in ["memory_limit", "post_max_size", "upload_max_filesize"] {
        let d = directive(name).expect("size directive");
        for input in INPUTS {
            let path = temp_ini(&format!("{name} = {}\n", quoted(input)), "size");
            let code = format!("echo ini_get('{name}'), \"\\n\", @ini_parse_quantity(ini_get('{name}'));");
            let (out, err) = run_php(&php, &["-n", "-c", path.to_str().expect("utf-8 temp path")], &code);
            let mut lines = out.lines();
            let (got, parsed) = (lines.next().unwrap_or(""), lines.next().unwrap_or(""));
            let ctx = format!("{name} = {input:?}: PHP {v} stderr {err:?}, ini_get {got:?}");
            match check_value(d, input) {
                None => {
                    assert!(!err.contains("Warning"), "{ctx}: conflint sees no problem");
                    assert_eq!(got, *input, "{ctx}");
                    assert_eq!(parsed, parse_quantity(input, name).value.to_string(), "{ctx}");
                }
                Some(ValueProblem::QuantityWarning { reads_as, warning }) => {
                    assert!(err.contains(&format!("Warning: {warning}")), "{ctx}: expected {warning:?}");
                    assert!(!err.contains("Failed to set"), "{ctx}");
                    if name != "memory_limit" {
                        assert_eq!(parsed, reads_as.to_string(), "{ctx}");
                    }
                }
                Some(ValueProblem::MemoryLimitRefused { bytes, warning }) => {
                    assert!(err.contains(&format!("Failed to set memory limit to {bytes} bytes")), "{ctx}");
                    if let Some(w) = warning {
                        assert!(err.contains(&format!("Warning: {w}")), "{ctx}: expected {w:?}");
                    }
                    assert_eq!(got, d.default.unwrap_or(""), "{ctx}: PHP keeps the default");
                }
                Some(other) => panic!("{ctx}: {other:?}"),
            }
            checked += 1;
        }
    }
    eprintln!("PHP {v}: {checked} size values read the same by conflint and PHP");
}
