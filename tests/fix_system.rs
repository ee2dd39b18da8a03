//! Real servers agree with conflint's PHP and GitLab fixes: PHP's built-in
//! server stops sending `X-Powered-By` after `--fix`, and Ruby accepts every
//! fixed gitlab.rb and, evaluating it, sees the trusted addresses in
//! `ip_whitelist`. (The httpd side is in httpd_system.rs.)

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process killed when dropped, even when an assertion fails.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

use common::free_port;

/// The response headers of `GET /`, retrying while the server starts.
fn get_headers(port: u16) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let request = format!("GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
            if stream.write_all(request.as_bytes()).is_ok() {
                let mut response = String::new();
                let _ = stream.read_to_string(&mut response);
                if let Some((headers, _)) = response.split_once("\r\n\r\n") {
                    return headers.to_string();
                }
            }
        }
        assert!(Instant::now() < deadline, "the PHP server on port {port} did not answer");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn php_server(php: &Path, ini: &Path, docroot: &Path) -> (Server, u16) {
    let port = free_port();
    let child = Command::new(php)
        .args(["-n", "-c"])
        .arg(ini)
        .args(["-S", &format!("127.0.0.1:{port}"), "-t"])
        .arg(docroot)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start php -S");
    (Server(child), port)
}

#[test]
fn php_built_in_server_sends_no_x_powered_by_after_fix() {
    let Some(php) = common::system_tool("php", "php_built_in_server_sends_no_x_powered_by_after_fix") else { return };
    let temp = tempfile::tempdir().expect("tempdir");
    // An FPM configuration: a CLI one gets no PH001 (the CLI sends no headers).
    let conf = temp.path().join("php/8.2/fpm");
    let docroot = temp.path().join("www");
    std::fs::create_dir_all(&conf).expect("mkdir");
    std::fs::create_dir_all(&docroot).expect("mkdir");
    std::fs::write(docroot.join("index.php"), "<?php echo 'hello';\n").expect("write");
    // php.ini-production's own wording, expose_php left at its default.
    let ini = conf.join("php.ini");
    std::fs::write(&ini, "[PHP]\n; Decides whether PHP may expose the fact that it is installed on the server\n;expose_php = On\ndisplay_errors = Off\n").expect("write");

    {
        let (_server, port) = php_server(&php, &ini, &docroot);
        let headers = get_headers(port);
        assert!(headers.contains("X-Powered-By: PHP/"), "before the fix PHP advertises itself: {headers}");
    }
    let (code, _, stderr) = common::conflint_in(temp.path(), &["--fix", "--select", "PH001", "."]);
    assert_eq!(code, 0, "{stderr}");
    let fixed = std::fs::read_to_string(&ini).expect("read");
    assert!(fixed.contains(";expose_php = On\nexpose_php = Off\n"), "{fixed}");
    let (_server, port) = php_server(&php, &ini, &docroot);
    let headers = get_headers(port);
    assert!(headers.starts_with("HTTP/1.1 200"), "{headers}");
    assert!(!headers.to_ascii_lowercase().contains("x-powered-by"), "after the fix: {headers}");
}

/// Evaluate a gitlab.rb the way Omnibus does in spirit: every top-level
/// name is an auto-vivifying settings hash (Mixlib's config mash), and
/// print the ban's ip_whitelist as JSON.
const RUBY_HARNESS: &str = r#"
require 'json'
class Mash < Hash
  def initialize
    super { |h, k| h[k] = Mash.new }
  end
end
$settings = Hash.new { |h, k| h[k] = Mash.new }
def method_missing(name, *args)
  args.empty? ? $settings[name.to_s] : ($settings[name.to_s] = args.first)
end
eval(File.read(ARGV[0]), binding, ARGV[0])
ban = $settings['gitlab_rails']['rack_attack_git_basic_auth']
list = ban['ip_whitelist']
list = list.is_a?(Array) ? list : []
puts JSON.generate(list)
"#;

fn ruby_whitelist(ruby: &Path, file: &Path) -> Vec<String> {
    let output = Command::new(ruby).args(["-e", RUBY_HARNESS]).arg(file).output().expect("run ruby");
    assert!(
        output.status.success(),
        "ruby could not evaluate {}: {}",
        file.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("json from ruby")
}

fn gitlab_fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("tests/fixtures/rules/GL001"))
        .expect("fixtures")
        .chain(std::fs::read_dir(root.join("tests/fixtures/rules/GL002")).expect("fixtures"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    dirs.push(root.join("examples/incidents/gitlab-office-ban"));
    dirs.sort();
    dirs
}

#[test]
fn ruby_accepts_every_fixed_gitlab_rb_and_sees_the_trusted_addresses() {
    let Some(ruby) = common::system_tool("ruby", "ruby_accepts_every_fixed_gitlab_rb_and_sees_the_trusted_addresses")
    else {
        return;
    };
    for dir in gitlab_fixtures() {
        let temp = tempfile::tempdir().expect("tempdir");
        let work = temp.path().join("t");
        common::copy_tree(&dir, &work);
        let file = walkdir::WalkDir::new(&work)
            .into_iter()
            .filter_map(Result::ok)
            .map(|e| e.path().to_path_buf())
            .find(|p| p.file_name().is_some_and(|n| n == "gitlab.rb"))
            .expect("a gitlab.rb");
        let trusted: &[&str] = if work.join("conflint.toml").exists() || dir.ends_with("gitlab-office-ban") {
            &["198.51.100.0/24"]
        } else {
            &[]
        };
        let mut args = vec!["--fix", "--unsafe-fixes"];
        if dir.ends_with("gitlab-office-ban") {
            args.extend(["--trusted-ip", "198.51.100.0/24"]);
        }
        args.push(".");
        common::conflint_in(&work, &args);
        let check = Command::new(&ruby).arg("-c").arg(&file).output().expect("ruby -c");
        assert!(
            check.status.success(),
            "{}: ruby -c rejects the fixed file: {}",
            dir.display(),
            String::from_utf8_lossy(&check.stderr)
        );
        let list = ruby_whitelist(&ruby, &file);
        let (_, remaining, _) = common::conflint_in(&work, &["--format", "json", "--select", "GL001", "."]);
        let gl001_left = remaining.contains("\"GL001\"");
        // Networks read from gitlab.rb are reported, never appended: GL001 stays.
        let ranges_only = ["fire-network-not-appended", "fire-allow-all-proxy", "fire-index-assignments"];
        if ranges_only.iter().any(|r| dir.ends_with(r)) {
            assert!(gl001_left, "{}: a network from gitlab.rb is reported", dir.display());
            continue;
        }
        if dir.to_string_lossy().contains("GL001/fire") || dir.ends_with("gitlab-office-ban") {
            assert!(!gl001_left, "{}: GL001 remains after --fix", dir.display());
            for address in trusted {
                let net: ipnet::IpNet = address.parse().expect("net");
                let covered = list
                    .iter()
                    .filter_map(|e| {
                        e.parse::<ipnet::IpNet>().ok().or_else(|| e.parse::<std::net::IpAddr>().ok().map(Into::into))
                    })
                    .any(|e| e.contains(&net));
                assert!(covered, "{}: Ruby sees ip_whitelist {list:?} without {address}", dir.display());
            }
            if !list.is_empty() {
                assert!(
                    list.iter().any(|e| e.starts_with("127.0.0.1") || e == "127.0.0.0/8"),
                    "{}: {list:?}",
                    dir.display()
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Safe fixes change only what they target, as the servers read the files.
// ---------------------------------------------------------------------------

/// Every file under `dir` named `name`.
fn files_named(dir: &Path, name: &str) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.path().to_path_buf())
        .filter(|p| p.file_name().is_some_and(|n| n == name))
        .collect()
}

/// The keys of the lines that differ between two texts (`key =` or `key[`
/// at the start of a line, as both PHP and gitlab.rb write them).
fn keys_on_changed_lines(before: &str, after: &str) -> Vec<String> {
    let diff = similar::TextDiff::from_lines(before, after);
    diff.iter_all_changes()
        .filter(|c| c.tag() != similar::ChangeTag::Equal)
        .filter_map(|c| {
            let line = c.value().trim_start().trim_start_matches(['#', ';']).trim_start();
            let end = line.find(|ch: char| ch == '=' || ch == '[' || ch.is_whitespace())?;
            (end > 0).then(|| line[..end].to_string())
        })
        .collect()
}

/// What PHP makes of one ini file: every directive's value, as
/// `ini_get_all()` reports it under `php -n -c FILE`.
fn php_view(php: &Path, ini: &Path) -> serde_json::Map<String, serde_json::Value> {
    let out = Command::new(php)
        .args(["-n", "-c"])
        .arg(ini)
        .args(["-r", "echo json_encode(ini_get_all(null, false));"])
        .env("PHP_INI_SCAN_DIR", "")
        .output()
        .expect("run php");
    let text = String::from_utf8_lossy(&out.stdout);
    let json = text.find('{').map_or("{}", |i| &text[i..]);
    serde_json::from_str(json).unwrap_or_else(|e| panic!("php printed no JSON for {} ({e}): {text}", ini.display()))
}

/// `--fix` (safe fixes only) on every PHP fixture and example: PHP's view
/// of each ini file changes only in the directives on the lines the fixes
/// touched.
#[test]
fn php_safe_fixes_change_only_their_directives() {
    let Some(php) = common::system_tool("php", "php_safe_fixes_change_only_their_directives") else { return };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs: Vec<PathBuf> = ["PH001", "PH003", "PH004"]
        .iter()
        .flat_map(|code| std::fs::read_dir(root.join("tests/fixtures/rules").join(code)).expect("fixtures"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    dirs.push(root.join("examples/incidents/version-banner"));
    let mut checked = 0;
    for dir in dirs {
        let temp = tempfile::tempdir().expect("tempdir");
        let work = temp.path().join("t");
        common::copy_tree(&dir, &work);
        let inis: Vec<PathBuf> = walkdir::WalkDir::new(&work)
            .into_iter()
            .filter_map(Result::ok)
            .map(|e| e.path().to_path_buf())
            .filter(|p| p.extension().is_some_and(|e| e == "ini"))
            .collect();
        let before: Vec<(String, serde_json::Map<String, serde_json::Value>)> =
            inis.iter().map(|p| (std::fs::read_to_string(p).unwrap_or_default(), php_view(&php, p))).collect();
        common::conflint_in(&work, &["--fix", "."]);
        for (ini, (old_text, old_view)) in inis.iter().zip(before) {
            let new_text = std::fs::read_to_string(ini).unwrap_or_default();
            let new_view = php_view(&php, ini);
            let allowed = keys_on_changed_lines(&old_text, &new_text);
            for key in old_view.keys().chain(new_view.keys()) {
                if old_view.get(key) != new_view.get(key) {
                    assert!(
                        allowed.contains(key),
                        "{}: --fix changed `{key}` ({:?} -> {:?}), which no fix targets (changed lines: {allowed:?})",
                        ini.display(),
                        old_view.get(key),
                        new_view.get(key)
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "the PHP fixtures hold ini files ({checked})");
}

/// Evaluate a gitlab.rb as Omnibus does in spirit and print every setting.
const RUBY_DUMP: &str = r#"
require 'json'
class Mash < Hash
  def initialize
    super { |h, k| h[k] = Mash.new }
  end
end
$settings = Hash.new { |h, k| h[k] = Mash.new }
def method_missing(name, *args)
  args.empty? ? $settings[name.to_s] : ($settings[name.to_s] = args.first)
end
eval(File.read(ARGV[0]), binding, ARGV[0])
puts JSON.generate($settings)
"#;

/// `--fix` (safe fixes only) on every GitLab fixture and example: Ruby's
/// view of the settings changes only under the keys the fixes touched, and
/// `ip_whitelist` grows only by single addresses (and the networks given
/// with --trusted-ip).
#[test]
fn gitlab_safe_fixes_change_only_their_keys() {
    let Some(ruby) = common::system_tool("ruby", "gitlab_safe_fixes_change_only_their_keys") else { return };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs: Vec<PathBuf> = ["GL001", "GL002", "GL003", "GL004"]
        .iter()
        .flat_map(|code| std::fs::read_dir(root.join("tests/fixtures/rules").join(code)).expect("fixtures"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    dirs.push(root.join("examples/incidents/gitlab-office-ban"));
    let dump = |file: &Path| -> serde_json::Value {
        let out = Command::new(&ruby).args(["-e", RUBY_DUMP]).arg(file).output().expect("ruby");
        serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
    };
    for dir in dirs {
        let temp = tempfile::tempdir().expect("tempdir");
        let work = temp.path().join("t");
        common::copy_tree(&dir, &work);
        for file in files_named(&work, "gitlab.rb") {
            let old_text = std::fs::read_to_string(&file).unwrap_or_default();
            let old = dump(&file);
            common::conflint_in(&work, &["--fix", "."]);
            let new_text = std::fs::read_to_string(&file).unwrap_or_default();
            let new = dump(&file);
            if old.is_null() {
                continue; // Ruby cannot evaluate the fixture as it is (on purpose).
            }
            let allowed = keys_on_changed_lines(&old_text, &new_text);
            let (old_map, new_map) =
                (old.as_object().cloned().unwrap_or_default(), new.as_object().cloned().unwrap_or_default());
            for receiver in old_map.keys().chain(new_map.keys()) {
                let (a, b) = (old_map.get(receiver), new_map.get(receiver));
                if a == b {
                    continue;
                }
                // Changes are allowed under a receiver whose lines changed,
                // and within it only to the ban's whitelist or a renamed key.
                assert!(
                    allowed.iter().any(|k| k == receiver || k.starts_with(&format!("{receiver}[")))
                        || allowed.iter().any(|k| k.starts_with('\'')),
                    "{}: --fix changed `{receiver}` which no fix targets ({allowed:?})",
                    dir.display()
                );
                let whitelist = |v: Option<&serde_json::Value>| -> Vec<String> {
                    v.and_then(|v| v.pointer("/rack_attack_git_basic_auth/ip_whitelist"))
                        .and_then(|l| l.as_array())
                        .map(|l| l.iter().filter_map(|e| e.as_str().map(String::from)).collect())
                        .unwrap_or_default()
                };
                let (was, is) = (whitelist(a), whitelist(b));
                for added in is.iter().filter(|e| !was.contains(e)) {
                    let single = added.parse::<std::net::IpAddr>().is_ok()
                        || added.ends_with("/32")
                        || added.ends_with("/128")
                        || work.join("conflint.toml").exists();
                    assert!(single, "{}: --fix appended the network {added} to ip_whitelist", dir.display());
                }
            }
        }
    }
}
