//! SYSTEM tests: gitlab.rb files fixed by the GL hardening rules
//! (GL020-GL035), evaluated by Ruby the way Omnibus loads them: every
//! top-level name (`gitlab_rails`, `nginx`, ...) is a hash whose missing
//! keys auto-vivify (Gitlab::ConfigMash), `external_url` is a call, and the
//! file runs top to bottom. The harness prints the resulting settings as
//! JSON; the tests check that the fixed file still runs and sets what the
//! fix says, and that what the rules claim about the unfixed file is what
//! Ruby does. Skipped, with a note, where `ruby` is absent.

mod common;

use std::path::Path;
use std::process::Command;

/// Ruby that evaluates ARGV[0] as gitlab.rb and prints the settings.
const HARNESS: &str = r##"
require 'json'
# A hash whose missing keys are new hashes of the same kind (ConfigMash).
def vivify
  Hash.new { |h, k| h[k] = Hash.new(&h.default_proc) }
end
# A plain object (not BasicObject), so the file still sees ENV and File.
class Settings
  def initialize
    @blocks = Hash.new { |h, k| h[k] = vivify }
    @urls = {}
  end
  def __result
    { 'blocks' => @blocks, 'urls' => @urls }
  end
  def external_url(url)
    @urls['external_url'] = url
  end
  def registry_external_url(url)
    @urls['registry_external_url'] = url
  end
  def method_missing(name, *args)
    raise NoMethodError, "#{name} takes no arguments here" unless args.empty?
    @blocks[name.to_s]
  end
  def respond_to_missing?(*) = true
  def __eval(source, path)
    instance_eval(source, path)
  end
end
settings = Settings.new
ENV['GITLAB_SMTP_PASSWORD'] ||= 'from-the-environment'
settings.__eval(File.read(ARGV[0]), ARGV[0])
puts JSON.generate(settings.__result)
"##;

/// The settings Ruby builds from `file`.
fn evaluate(ruby: &Path, file: &Path) -> serde_json::Value {
    let dir = tempfile::tempdir().expect("tempdir");
    let harness = dir.path().join("harness.rb");
    std::fs::write(&harness, HARNESS).expect("write harness");
    let out = Command::new(ruby).arg(&harness).arg(file).output().expect("run ruby");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "ruby failed on {}:\n{}", file.display(), String::from_utf8_lossy(&out.stderr));
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// Copy fixture `case` (tests/fixtures/rules/CASE) to a temp dir, run
/// conflint with `args` there, and return the dir and the gitlab.rb path.
fn fixed_copy(case: &str, args: &[&str]) -> (tempfile::TempDir, std::path::PathBuf) {
    let temp = tempfile::tempdir().expect("tempdir");
    let work = temp.path().join("t");
    common::copy_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules").join(case), &work);
    let (code, _, stderr) = common::conflint_in(&work, args);
    assert!(code == 0 || code == 1, "conflint {args:?} on {case}: {code}\n{stderr}");
    let file = work.join("gitlab/gitlab.rb");
    (temp, file)
}

fn fixture(case: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules").join(case).join("gitlab/gitlab.rb")
}

fn ruby_or_skip(test: &str) -> Option<std::path::PathBuf> {
    common::system_tool("ruby", test)
}

#[test]
fn enabled_false_as_a_string_is_true_in_ruby() {
    let Some(ruby) = ruby_or_skip("enabled_false_as_a_string_is_true_in_ruby") else { return };
    // What GitLab receives (rendered through to_json) and tests for truth.
    let before = evaluate(&ruby, &fixture("GL020/fire-enabled-string-false"));
    let enabled = &before["blocks"]["gitlab_rails"]["rack_attack_git_basic_auth"]["enabled"];
    assert_eq!(enabled, "false", "the unfixed file sets a string");
    let (_temp, file) = fixed_copy("GL020/fire-enabled-string-false", &["--fix", "--unsafe-fixes", "."]);
    let after = evaluate(&ruby, &file);
    assert_eq!(after["blocks"]["gitlab_rails"]["rack_attack_git_basic_auth"]["enabled"], false);
    let (_temp, file) = fixed_copy("GL020/fire-enabled-string-true", &["--fix", "."]);
    let after = evaluate(&ruby, &file);
    assert_eq!(after["blocks"]["gitlab_rails"]["rack_attack_git_basic_auth"]["enabled"], true);
}

#[test]
fn fixed_files_run_and_set_what_the_fixes_say() {
    let Some(ruby) = ruby_or_skip("fixed_files_run_and_set_what_the_fixes_say") else { return };
    // (fixture, unsafe fixes too, receiver, key path, value after the fix)
    let cases: &[(&str, bool, &str, &[&str], serde_json::Value)] = &[
        ("GL023/fire-tlsv1", false, "nginx", &["ssl_protocols"], "TLSv1.2 TLSv1.3".into()),
        ("GL023/fire-registry-new-spelling", false, "registry", &["nginx", "ssl_protocols"], "TLSv1.2 TLSv1.3".into()),
        ("GL022/fire-letsencrypt-off", true, "nginx", &["redirect_http_to_https"], true.into()),
        ("GL022/fire-redirect-false", true, "nginx", &["redirect_http_to_https"], true.into()),
        (
            "GL022/fire-own-certificate-new-spelling",
            true,
            "gitlab_rails",
            &["nginx", "redirect_http_to_https"],
            true.into(),
        ),
        ("GL034/fire-465-no-tls", false, "gitlab_rails", &["smtp_tls"], true.into()),
        ("GL034/fire-465-no-tls", false, "gitlab_rails", &["smtp_enable_starttls_auto"], false.into()),
        ("GL034/fire-465-tls-false", false, "gitlab_rails", &["smtp_tls"], true.into()),
        ("GL034/fire-587-tls", true, "gitlab_rails", &["smtp_tls"], false.into()),
    ];
    for (case, unsafe_fixes, receiver, path, want) in cases {
        // Only the rule under test: GL006 would move the old NGINX spelling.
        let code = case.split('/').next().unwrap_or_default();
        let args: &[&str] = if *unsafe_fixes {
            &["--fix", "--unsafe-fixes", "--select", code, "."]
        } else {
            &["--fix", "--select", code, "."]
        };
        let before = evaluate(&ruby, &fixture(case));
        let (_temp, file) = fixed_copy(case, args);
        let after = evaluate(&ruby, &file);
        let get = |v: &serde_json::Value| path.iter().fold(v["blocks"][*receiver].clone(), |v, k| v[*k].clone());
        assert_ne!(&get(&before), want, "{case}: already {want} before the fix");
        assert_eq!(&get(&after), want, "{case}: {receiver}{path:?} after the fix");
        // Everything else is as it was.
        let mut rest_before = before.clone();
        let mut rest_after = after.clone();
        for value in [&mut rest_before, &mut rest_after] {
            let mut slot = &mut value["blocks"][*receiver];
            for key in &path[..path.len() - 1] {
                slot = &mut slot[*key];
            }
            if let Some(map) = slot.as_object_mut() {
                map.remove(path[path.len() - 1]);
                // GL034 sets smtp_tls and turns STARTTLS off together: each
                // has its own row above.
                map.remove("smtp_tls");
                map.remove("smtp_enable_starttls_auto");
            }
        }
        assert_eq!(rest_before, rest_after, "{case}: the fix changed other settings");
    }
}

#[test]
fn values_read_at_reconfigure_time_are_not_literals() {
    let Some(ruby) = ruby_or_skip("values_read_at_reconfigure_time_are_not_literals") else { return };
    // GL032's pass fixture: ENV[...] really is read when the file runs.
    let temp = tempfile::tempdir().expect("tempdir");
    let file = temp.path().join("gitlab.rb");
    std::fs::write(&file, "gitlab_rails['smtp_password'] = ENV['GITLAB_SMTP_PASSWORD']\n").expect("write");
    let settings = evaluate(&ruby, &file);
    assert_eq!(settings["blocks"]["gitlab_rails"]["smtp_password"], "from-the-environment");
}
