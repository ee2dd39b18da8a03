//! PH006, PH007 and PH009 against the PHP installed here (`php -n -c FILE`;
//! skipped with a note when there is none): deleting a removed directive
//! changes nothing `ini_get_all()` shows, a directive PHP refuses to start
//! with stops it until the fix, and a value finding says what PHP uses.

mod common;

use std::path::Path;
use std::process::Command;

use conflint_core::php::directives::{DirectiveStatus, PhpVersion, directives, removed_before_table, startup_check};

fn php(test: &str) -> Option<std::path::PathBuf> {
    common::system_tool("php", test)
}

/// (exit code, stdout, stderr) of `php -n -c INI -r CODE`, startup messages on stderr.
fn run_php(php: &Path, ini: &Path, code: &str) -> (i32, String, String) {
    let out = Command::new(php)
        .arg("-n")
        .arg("-c")
        .arg(ini)
        .args(["-d", "display_startup_errors=1", "-d", "display_errors=stderr", "-r", code])
        .output()
        .expect("run php");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn version(php: &Path) -> PhpVersion {
    let out = Command::new(php).args(["-n", "-r", "echo PHP_MAJOR_VERSION, '.', PHP_MINOR_VERSION;"]).output();
    let text = String::from_utf8_lossy(&out.expect("php -r").stdout).into_owned();
    text.trim().parse().expect("PHP version")
}

/// What PHP 8.2 makes of a settings file: every directive with its value.
fn ini_get_all(php: &Path, ini: &Path) -> String {
    let (code, stdout, stderr) = run_php(php, ini, "echo json_encode(ini_get_all(null, false));");
    assert_eq!(code, 0, "php failed: {stderr}");
    stdout
}

fn report(dir: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    all.push(".");
    let (_, stdout, stderr) = common::conflint_in(dir, &all);
    assert!(!stdout.is_empty(), "{stderr}");
    common::json(&stdout)
}

/// Settings PHP really uses, around the lines under test, so that the
/// comparison sees them survive.
const BASE: &str = "[PHP]\nmemory_limit = 256M\nexpose_php = Off\nprecision = 12\n";

#[test]
fn deleting_every_removed_directive_changes_nothing_php_reads() {
    let Some(php) = php("deleting_every_removed_directive_changes_nothing_php_reads") else { return };
    let v = version(&php);
    let mut lines: Vec<String> = Vec::new();
    for d in directives() {
        if matches!(d.status(v), DirectiveStatus::Removed { .. }) {
            // A value PHP would have read, or 0 for those it refuses (PH007).
            let value = if startup_check(d.name, "1", v).is_some() { "0" } else { d.default.unwrap_or("x") };
            lines.push(format!("{} = \"{}\"", d.name, value.replace('"', "")));
        }
    }
    for name in ["safe_mode", "register_globals", "magic_quotes_gpc", "highlight.bg"] {
        assert!(removed_before_table(name).is_some());
        lines.push(format!("{name} = Off"));
    }
    assert!(lines.len() > 80, "only {} removed directives for PHP {v}", lines.len());
    let temp = tempfile::tempdir().expect("tempdir");
    let ini =
        common::write(temp.path(), "php.ini", format!("{BASE}{}\n[Date]\ndate.timezone = UTC\n", lines.join("\n")));
    let reference = common::write(temp.path(), "ref/php.ini", format!("{BASE}[Date]\ndate.timezone = UTC\n"));
    let before = ini_get_all(&php, &ini);
    let found = report(temp.path(), &["--select", "PH006", "--php-version", &v.to_string()]);
    assert_eq!(found["diagnostics"].as_array().map(Vec::len), Some(lines.len()), "one PH006 per removed line");
    // Unsafe too: the extensions that left PHP are not loaded here either.
    common::conflint_in(
        temp.path(),
        &["--fix", "--unsafe-fixes", "--select", "PH006", "--php-version", &v.to_string(), "php.ini"],
    );
    let fixed = std::fs::read_to_string(&ini).expect("fixed file");
    assert_eq!(
        fixed,
        std::fs::read_to_string(&reference).expect("reference"),
        "every removed line deleted, nothing else"
    );
    assert_eq!(ini_get_all(&php, &ini), before, "PHP {v} reads the same settings without the lines");
    eprintln!("PHP {v}: {} removed directives deleted, ini_get_all() unchanged", lines.len());
}

#[test]
fn a_directive_php_refuses_stops_it_until_the_fix() {
    let Some(php) = php("a_directive_php_refuses_stops_it_until_the_fix") else { return };
    let v = version(&php);
    let refused: Vec<&str> = [
        "allow_call_time_pass_reference",
        "define_syslog_variables",
        "highlight.bg",
        "magic_quotes_gpc",
        "magic_quotes_runtime",
        "magic_quotes_sybase",
        "register_globals",
        "register_long_arrays",
        "safe_mode",
        "safe_mode_gid",
        "safe_mode_include_dir",
        "safe_mode_exec_dir",
        "safe_mode_allowed_env_vars",
        "safe_mode_protected_env_vars",
        "zend.ze1_compatibility_mode",
        "asp_tags",
        "track_errors",
    ]
    .into_iter()
    .filter(|name| startup_check(name, "1", v).is_some())
    .collect();
    assert!(refused.len() >= 15);
    let temp = tempfile::tempdir().expect("tempdir");
    for name in &refused {
        let dir = temp.path().join(name);
        let ini = common::write(&dir, "php.ini", format!("{BASE}{name} = On\n"));
        let (code, _, stderr) = run_php(&php, &ini, "echo 'started';");
        let expected = format!("Directive '{name}' is no longer available in PHP");
        assert!(code != 0 && stderr.contains(&expected), "PHP {v} started with {name} = On: {stderr}");
        let found = report(&dir, &["--select", "PH007", "--php-version", &v.to_string()]);
        let message = found["diagnostics"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(&expected), "{name}: {found:#}");
        common::conflint_in(&dir, &["--fix", "--select", "PH007", "--php-version", &v.to_string(), "php.ini"]);
        let (code, stdout, stderr) = run_php(&php, &ini, "echo 'started';");
        assert!(code == 0 && stdout == "started", "{name}: still refused after the fix: {stderr}");
        assert_eq!(std::fs::read_to_string(&ini).expect("fixed"), BASE);
    }
    eprintln!("PHP {v}: {} directives refused at startup, each started after the fix", refused.len());
}

#[test]
fn value_findings_say_what_php_uses() {
    let Some(php) = php("value_findings_say_what_php_uses") else { return };
    let v = version(&php);
    if v < PhpVersion::new(8, 2) {
        common::note_skip("value_findings_say_what_php_uses", "needs PHP 8.2+ (ini_parse_quantity)");
        return;
    }
    let temp = tempfile::tempdir().expect("tempdir");
    let ini = common::write(
        temp.path(),
        "php.ini",
        "memory_limit = 512MB\nupload_max_filesize = 1 GB\npost_max_size = 10MB\nmax_execution_time = 30s\n",
    );
    let (_, stdout, stderr) = run_php(
        &php,
        &ini,
        "echo json_encode([ini_get('memory_limit'), @ini_parse_quantity(ini_get('upload_max_filesize')), @ini_parse_quantity(ini_get('post_max_size'))]);",
    );
    assert_eq!(stdout, r#"["128M",1,10]"#, "{stderr}");
    let found = report(temp.path(), &["--select", "PH009", "--php-version", &v.to_string()]);
    let messages: Vec<&str> =
        found["diagnostics"].as_array().into_iter().flatten().filter_map(|d| d["message"].as_str()).collect();
    assert_eq!(messages.len(), 4, "{messages:#?}");
    // Each PHP startup warning the messages quote is one PHP printed.
    for message in &messages {
        for quoted in
            message.split('`').skip(1).step_by(2).filter(|q| q.starts_with("Invalid") || q.starts_with("Failed"))
        {
            assert!(stderr.contains(quoted), "PHP did not say `{quoted}`:\n{stderr}");
        }
    }
    assert!(messages[0].contains("keeps the default 128M"), "{}", messages[0]);
    assert!(messages[1].contains("reads 1 byte"), "{}", messages[1]);
    assert!(messages[2].contains("reads 10 bytes"), "{}", messages[2]);
    assert!(messages[3].contains("silently reads 30"), "{}", messages[3]);
    // The unsafe fix writes what was meant, and PHP reads it without a word.
    common::conflint_in(temp.path(), &["--fix", "--unsafe-fixes", "--select", "PH009", "php.ini"]);
    let (_, stdout, stderr) = run_php(
        &php,
        &ini,
        "echo json_encode([ini_get('memory_limit'), ini_parse_quantity(ini_get('upload_max_filesize')), ini_parse_quantity(ini_get('post_max_size'))]);",
    );
    assert_eq!(stdout, r#"["512M",1073741824,10485760]"#);
    assert!(!stderr.contains("Invalid"), "{stderr}");
}
