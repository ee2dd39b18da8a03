//! GL007 and GL008 against real Ruby (`ruby` on PATH; skipped with a note
//! when there is none): the file is evaluated the way gitlab.rb is (every
//! top-level name a hash whose missing keys spring into being, as
//! Gitlab::ConfigMash does during `from_file`), before and after the fix,
//! and Ruby says what each value is.

mod common;

use std::path::Path;
use std::process::Command;

/// Evaluates the gitlab.rb named by ARGV[0] and prints, for each path in
/// ARGV[1..] (`a/b/c`), the value's class, its inspect, and whether Ruby
/// takes it as true in an `if`.
const HARNESS: &str = r#"
require 'json'
def auto_hash
  Hash.new { |h, k| h[k] = auto_hash }
end
SETTINGS = auto_hash
# Any top-level name: `name['k'] = v` reads the hash, `name 'v'` sets it.
def method_missing(name, *args)
  args.empty? ? SETTINGS[name.to_s] : (SETTINGS[name.to_s] = args.first)
end
eval(File.read(ARGV[0]), binding, ARGV[0])
out = ARGV[1..].map do |path|
  value = path.split('/').reduce(SETTINGS) { |h, k| h[k] }
  [path, value.class.name, value.inspect, value ? true : false]
end
puts JSON.generate(out)
"#;

fn ruby_values(ruby: &Path, file: &Path, paths: &[&str]) -> Vec<(String, String, String, bool)> {
    let out = Command::new(ruby).arg("-e").arg(HARNESS).arg(file).args(paths).output().expect("run ruby");
    assert!(out.status.success(), "ruby failed: {}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<(String, String, String, bool)> =
        serde_json::from_slice(&out.stdout).expect("harness output is JSON");
    rows
}

#[test]
fn unquoting_gives_ruby_the_boolean_and_the_number() {
    let Some(ruby) = common::system_tool("ruby", "unquoting_gives_ruby_the_boolean_and_the_number") else { return };
    let temp = tempfile::tempdir().expect("tempdir");
    let file = common::write(
        &temp.path().join("gitlab"),
        "gitlab.rb",
        "external_url 'https://gitlab.example.com'\n\
         letsencrypt['enable'] = \"false\"\n\
         gitlab_rails['gitlab_email_enabled'] = 'FALSE'\n\
         prometheus_monitoring['enable'] = %q(true)\n\
         puma['worker_processes'] = \"4\"\n\
         gitlab_rails['gitlab_shell_ssh_port'] = '2222'\n\
         gitlab_pages['rate_limit_source_ip'] = \"20.5\"\n",
    );
    let paths = [
        "letsencrypt/enable",
        "gitlab_rails/gitlab_email_enabled",
        "prometheus_monitoring/enable",
        "puma/worker_processes",
        "gitlab_rails/gitlab_shell_ssh_port",
        "gitlab_pages/rate_limit_source_ip",
    ];
    let before = ruby_values(&ruby, &file, &paths);
    // What the findings are about: strings, and "false" is true in Ruby.
    assert!(before.iter().all(|(_, class, _, _)| class == "String"), "{before:?}");
    assert!(before[0].3 && before[1].3, "\"false\" must be truthy: {before:?}");

    let dir = temp.path();
    let (_, stdout, _) = common::conflint_in(dir, &["--format", "json", "--select", "GL007,GL008", "."]);
    let report = common::json(&stdout);
    let found: Vec<&str> =
        report["diagnostics"].as_array().into_iter().flatten().filter_map(|d| d["code"].as_str()).collect();
    assert_eq!(found, ["GL007", "GL007", "GL007", "GL008", "GL008", "GL008"]);
    common::conflint_in(dir, &["--fix", "--select", "GL007,GL008", "."]);
    let after = ruby_values(&ruby, &file, &paths);
    let got: Vec<(&str, &str, bool)> = after.iter().map(|(_, c, v, t)| (c.as_str(), v.as_str(), *t)).collect();
    assert_eq!(
        got,
        [
            ("FalseClass", "false", false),
            ("FalseClass", "false", false),
            ("TrueClass", "true", true),
            ("Integer", "4", true),
            ("Integer", "2222", true),
            ("Float", "20.5", true),
        ]
    );
    // And `ruby -c` agrees the fixed file is Ruby.
    let check = Command::new(&ruby).arg("-c").arg(&file).output().expect("ruby -c");
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    let (_, stdout, _) = common::conflint_in(dir, &["--format", "json", "--select", "GL007,GL008", "."]);
    assert!(common::codes(&common::json(&stdout)).is_empty());
}

/// omnibus-gitlab's SettingsDSL in small: the top-level names it declares,
/// Mixlib::Config's strict mode on while gitlab.rb is read
/// (package/libraries/settings_dsl.rb, `from_file`), and plain hashes below
/// them. Prints `ok` and the hash, or the error class and message.
const STRICT: &str = r##"
require 'mixlib/config'
module Gitlab
  extend Mixlib::Config
  config_strict_mode true
  default :external_url, nil
  default :gitlab_rails, {}
end
begin
  Gitlab.instance_eval(File.read(ARGV[0]), ARGV[0])
  puts "ok #{Gitlab.gitlab_rails.inspect}"
rescue StandardError => e
  puts "#{e.class}: #{e.message}"
end
"##;

#[test]
fn reconfigure_refuses_an_unknown_top_level_name_and_takes_an_unknown_nested_key() {
    let test = "reconfigure_refuses_an_unknown_top_level_name_and_takes_an_unknown_nested_key";
    let Some(ruby) = common::system_tool("ruby", test) else { return };
    let has_mixlib = Command::new(&ruby).args(["-e", "require 'mixlib/config'"]).status().is_ok_and(|s| s.success());
    if !has_mixlib {
        let why = "Ruby's mixlib-config is not installed (Debian: ruby-mixlib-config; scripts/test installs it)";
        assert!(!common::system_tests_required(), "{test}: {why}");
        common::note_skip(test, why);
        return;
    }
    let temp = tempfile::tempdir().expect("tempdir");
    let nested = common::write(&temp.path().join("a/gitlab"), "gitlab.rb", "gitlab_rails['smtp_prot'] = 465\n");
    let top = common::write(&temp.path().join("b/gitlab"), "gitlab.rb", "gitlab_rail['time_zone'] = 'UTC'\n");
    let run = |file: &Path| {
        let out = Command::new(&ruby).arg("-e").arg(STRICT).arg(file).output().expect("ruby");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(run(&nested), r#"ok {"smtp_prot"=>465}"#);
    assert_eq!(run(&top), "Mixlib::Config::UnknownConfigOptionError: Reading unsupported config value gitlab_rail.");
    // GL005 says the same about each.
    for (dir, expected) in
        [("a", "reconfigure accepts it silently"), ("b", "Reading unsupported config value gitlab_rail.")]
    {
        let (_, stdout, _) =
            common::conflint_in(&temp.path().join(dir), &["--format", "json", "--select", "GL005", "."]);
        let report = common::json(&stdout);
        let message = report["diagnostics"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(expected), "{dir}: {message}");
    }
}
