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
    let conf = temp.path().join("php/8.2/cli");
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
    let (code, _, stderr) = common::conflint_in(temp.path(), &["--fix", "."]);
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
