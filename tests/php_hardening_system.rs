//! SYSTEM tests: the PHP facts the hardening rules (PH020-PH034) stand on,
//! checked with the real PHP (Debian php-cli, 8.2), and their fixes checked
//! by what PHP then does. Skipped, with a note, where `php` is absent.
//!
//! - the built-in defaults the rules assume (`php -n`);
//! - `session.cookie_samesite = None` unquoted is read as false, quoted is
//!   "None" (PH026);
//! - `disable_functions` is split on commas and spaces only, and names
//!   match exactly (PH031);
//! - startup errors reach the output only with both `display_errors` and
//!   `display_startup_errors` on (PH028);
//! - after `conflint --fix`, `ini_get` shows the hardened values, and a
//!   session started by PHP's built-in web server sends a cookie with
//!   `HttpOnly` and `SameSite=None` that it did not send before.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

fn php_or_skip(test: &str) -> Option<PathBuf> {
    common::system_tool("php", test)
}

/// `php -n [-c FILE] -r CODE` with a clean environment: stdout and stderr.
fn run_php(php: &Path, ini: Option<&Path>, args: &[&str], code: &str) -> (String, String) {
    let mut cmd = Command::new(php);
    cmd.env_clear().arg("-n");
    if let Some(ini) = ini {
        cmd.arg("-c").arg(ini);
    }
    cmd.args(args).arg("-r").arg(code);
    let out = cmd.output().expect("php runs");
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// `ini_get` of each key as PHP reports it, from a php.ini holding `text`.
fn ini_values(php: &Path, text: &str, keys: &[&str]) -> Vec<serde_json::Value> {
    let dir = tempfile::tempdir().expect("tempdir");
    let ini = dir.path().join("php.ini");
    std::fs::write(&ini, text).expect("write ini");
    let list = keys.iter().map(|k| format!("'{k}'")).collect::<Vec<_>>().join(",");
    let (stdout, stderr) = run_php(php, Some(&ini), &[], &format!("echo json_encode(array_map('ini_get', [{list}]));"));
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout} {stderr}"))
}

#[test]
fn builtin_defaults_are_what_the_rules_assume() {
    let Some(php) = php_or_skip("builtin_defaults_are_what_the_rules_assume") else { return };
    let (version, _) = run_php(&php, None, &[], "echo PHP_MAJOR_VERSION;");
    let keys = [
        "allow_url_include",
        "allow_url_fopen",
        "log_errors",
        "session.cookie_httponly",
        "session.use_strict_mode",
        "session.use_only_cookies",
        "session.use_trans_sid",
        "session.cookie_secure",
        "zend.exception_ignore_args",
        "post_max_size",
        "upload_max_filesize",
        "memory_limit",
        "enable_dl",
    ];
    let values = ini_values(&php, "", &keys);
    let expected = ["0", "1", "0", "0", "0", "1", "0", "0", "0", "8M", "2M", "128M", "1"];
    for ((key, got), want) in keys.iter().zip(&values).zip(expected) {
        assert_eq!(got.as_str(), Some(want), "PHP's built-in default of {key}");
    }
    // The PHP 8 default PH028 relies on.
    if version.trim() == "8" {
        assert_eq!(ini_values(&php, "", &["display_startup_errors"])[0].as_str(), Some("1"));
    }
}

#[test]
fn unquoted_none_is_false_and_quoted_none_is_none() {
    let Some(php) = php_or_skip("unquoted_none_is_false_and_quoted_none_is_none") else { return };
    for (line, want) in [
        ("session.cookie_samesite = None", ""),
        ("session.cookie_samesite = none", ""),
        ("session.cookie_samesite = \"None\"", "None"),
        ("session.cookie_samesite = Lax", "Lax"),
    ] {
        let got = ini_values(&php, &format!("{line}\n"), &["session.cookie_samesite"]);
        assert_eq!(got[0].as_str(), Some(want), "{line}");
    }
}

#[test]
fn disable_functions_splits_on_commas_and_spaces_only() {
    let Some(php) = php_or_skip("disable_functions_splits_on_commas_and_spaces_only") else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let ini = dir.path().join("php.ini");
    std::fs::write(&ini, "disable_functions = exec system,,SHELL_EXEC , passthru\tpopen\n").expect("write");
    let code = "foreach (['exec','system','shell_exec','passthru','popen','proc_open'] as $f) echo $f, '=', function_exists($f) ? 'on' : 'off', ' ';";
    let (stdout, stderr) = run_php(&php, Some(&ini), &[], code);
    // A space and a comma separate; a tab does not (`passthru\tpopen` is one
    // name that matches nothing), and `SHELL_EXEC` does not match shell_exec.
    assert_eq!(
        stdout.trim(),
        "exec=off system=off shell_exec=on passthru=on popen=on proc_open=on",
        "stderr: {stderr}"
    );
}

#[test]
fn startup_errors_show_only_with_display_errors_on() {
    let Some(php) = php_or_skip("startup_errors_show_only_with_display_errors_on") else { return };
    // An extension that cannot load is a startup error. Displayed errors go
    // to stdout as "Warning: ..."; logged ones to stderr as "PHP Warning: ...".
    for (display, startup, shown) in [("0", "1", false), ("1", "0", false), ("1", "1", true), ("0", "0", false)] {
        let args = [
            "-d",
            &format!("display_errors={display}"),
            "-d",
            &format!("display_startup_errors={startup}"),
            "-d",
            "log_errors=0",
            "-d",
            "extension=conflint_no_such_extension",
        ];
        let (stdout, _) = run_php(&php, None, &args, "echo 'ran';");
        assert_eq!(
            stdout.contains("Warning: PHP Startup"),
            shown,
            "display_errors={display} display_startup_errors={startup}: {stdout}"
        );
    }
}

/// A php-fpm style tree with everything the PH rules fix by default.
const BAD_INI: &str = "[PHP]
expose_php = Off
display_errors = On
log_errors = Off
allow_url_include = On
[Session]
session.cookie_secure = 1
session.cookie_httponly =
session.use_strict_mode = 0
session.use_trans_sid = 1
session.cookie_samesite = None
";

/// `php -S` on a port the kernel picks, and its address once it listens.
///
/// The port comes from PHP's own "Development Server (http://ADDR) started"
/// line: a port probed free beforehand could be taken by a server another
/// test starts at the same moment, and the request would reach that one.
fn serve(php: &Path, ini: &Path, docroot: &Path) -> (std::process::Child, String) {
    let mut child = Command::new(php)
        .env_clear()
        .arg("-n")
        .arg("-c")
        .arg(ini)
        .arg("-S")
        .arg("127.0.0.1:0")
        .arg("-t")
        .arg(docroot)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("php -S starts");
    let stderr = child.stderr.take().expect("piped stderr");
    let (sender, receiver) = std::sync::mpsc::channel();
    // Read the startup line, then keep draining the access log so that the
    // server never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sender = Some(sender);
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let address = line.split("(http://").nth(1).and_then(|rest| rest.split(')').next());
            if let (Some(address), Some(sender)) = (address, sender.take()) {
                let _ = sender.send(Ok(address.to_string()));
            } else if let Some(sender) = sender.take() {
                // Anything before the startup line is why it did not start.
                let _ = sender.send(Err(line));
            }
        }
    });
    let address = match receiver.recv_timeout(Duration::from_secs(10)) {
        Ok(Ok(address)) => address,
        Ok(Err(line)) => panic!("php -S did not start: {line}"),
        Err(e) => panic!("php -S printed no startup line: {e}"),
    };
    (child, address)
}

/// The `Set-Cookie` header of a GET of `/`.
fn session_cookie(address: &str) -> String {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    write!(stream, "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n").expect("request");
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .unwrap_or_else(|| panic!("no Set-Cookie in:\n{response}"))
        .to_string()
}

#[test]
fn fixed_ini_hardens_what_php_does() {
    let Some(php) = php_or_skip("fixed_ini_hardens_what_php_does") else { return };
    let temp = tempfile::tempdir().expect("tempdir");
    let tree = temp.path().join("t");
    let ini = tree.join("php/8.2/fpm/php.ini");
    std::fs::create_dir_all(ini.parent().expect("parent")).expect("mkdir");
    std::fs::write(&ini, BAD_INI).expect("write ini");
    let docroot = temp.path().join("www");
    std::fs::create_dir_all(&docroot).expect("mkdir");
    std::fs::write(docroot.join("index.php"), "<?php session_start(); echo 'ok';\n").expect("write script");

    // Before: no HttpOnly, no SameSite.
    let (mut server, address) = serve(&php, &ini, &docroot);
    let before = session_cookie(&address);
    let _ = server.kill();
    let _ = server.wait();
    assert!(before.contains("PHPSESSID=") && before.contains("secure"), "{before}");
    assert!(!before.contains("HttpOnly") && !before.contains("SameSite"), "{before}");

    let (code, _, stderr) = common::conflint_in(&tree, &["--fix", "."]);
    assert!(code == 0 || code == 1, "conflint --fix: {code} {stderr}");
    let fixed = std::fs::read_to_string(&ini).expect("read fixed");

    let keys = [
        "allow_url_include",
        "display_startup_errors",
        "session.cookie_httponly",
        "session.use_strict_mode",
        "session.use_trans_sid",
        "session.cookie_samesite",
        "zend.exception_ignore_args",
    ];
    let values = ini_values(&php, &fixed, &keys);
    let want = ["", "", "1", "1", "0", "None", "1"];
    for ((key, got), want) in keys.iter().zip(&values).zip(want) {
        assert_eq!(got.as_str(), Some(want), "{key} after --fix:\n{fixed}");
    }

    // After: the same request gets HttpOnly and SameSite=None.
    let (mut server, address) = serve(&php, &ini, &docroot);
    let after = session_cookie(&address);
    let _ = server.kill();
    let _ = server.wait();
    assert!(after.contains("HttpOnly") && after.contains("SameSite=None") && after.contains("secure"), "{after}");
}

/// POST a file of `size` bytes (multipart, one file field) to `/` and return
/// the whole response, or what went wrong reading it.
fn post_file(address: &str, size: usize) -> String {
    let boundary = "conflintboundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend(std::iter::repeat_n(b'a', size));
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut stream = TcpStream::connect(address).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    write!(
        stream,
        "POST / HTTP/1.0\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .expect("request");
    stream.write_all(&body).expect("body");
    let mut response = String::new();
    if let Err(e) = stream.read_to_string(&mut response) {
        response.push_str(&format!("\n[reading the response failed: {e}]"));
    }
    response
}

#[test]
fn an_upload_of_upload_max_filesize_never_fits_an_equal_post_max_size() {
    let Some(php) = php_or_skip("an_upload_of_upload_max_filesize_never_fits_an_equal_post_max_size") else { return };
    let temp = tempfile::tempdir().expect("tempdir");
    let docroot = temp.path().join("www");
    std::fs::create_dir_all(&docroot).expect("mkdir");
    std::fs::write(docroot.join("index.php"), "<?php echo count($_FILES), ' ', $_FILES['f']['error'] ?? '-';\n")
        .expect("write script");
    // A file just under upload_max_filesize: the multipart framing pushes
    // the body over an equal post_max_size, and PHP drops it all.
    let size = 1024 * 1024 - 64;
    for (post, want) in [("1M", "0 -"), ("2M", "1 0")] {
        let ini = temp.path().join(format!("php-{post}.ini"));
        std::fs::write(&ini, format!("display_errors = Off\nupload_max_filesize = 1M\npost_max_size = {post}\n"))
            .expect("write ini");
        let (mut server, address) = serve(&php, &ini, &docroot);
        let response = post_file(&address, size);
        let _ = server.kill();
        let _ = server.wait();
        let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
        assert_eq!(body.trim(), want, "post_max_size = {post}; the response:\n{response}");
    }
}
