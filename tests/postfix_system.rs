//! SYSTEM tests: conflint's reading of main.cf and master.cf must equal the
//! real Postfix's (`postconf`, Debian's postfix 3.7). Skipped, with a note,
//! where `postconf` is absent.
//!
//! For each configuration directory (the fixtures under
//! tests/fixtures/postfix/, /etc/postfix, /usr/share/postfix/*.dist):
//! - `postconf -n`: every setting of main.cf, raw;
//! - `postconf -x`: EVERY parameter postconf knows, expanded, against the
//!   model given `postconf -d` as its defaults (this runs the `$name`
//!   expansion over the ~1000 defaults, with their `<level` expressions);
//! - `postconf -P` / `-Px`: the master.cf `-o` overrides, raw and expanded;
//! - `postconf -F`: the eight fields of each service;
//! - conflint's own built-in defaults against `postconf -d`.
//!
//! postconf prints every run of white space as one space, so values are
//! compared that way.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use conflint_core::postfix::{
    DefaultValue, MainCf, MasterCf, PostfixConfig, PostfixVersion, Scope, builtin_default, parse_postconf_output,
};

fn postconf_or_skip(test: &str) -> Option<PathBuf> {
    common::system_tool("postconf", test)
}

/// `postconf -c DIR ARGS`: stdout, stderr, success.
fn postconf(postconf: &Path, dir: &Path, args: &[&str]) -> (String, String, bool) {
    let out = Command::new(postconf).arg("-c").arg(dir).args(args).env_clear().output().expect("postconf runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

/// Runs of white space as one space, as postconf prints values.
fn normalize(s: &str) -> String {
    s.split([' ', '\t', '\r', '\n']).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/postfix")
}

/// Configuration directories to compare: the fixtures, and copies of the
/// machine's own files (a copy, so that a missing master.cf can be added).
fn config_dirs(tmp: &Path) -> Vec<(String, PathBuf)> {
    let mut dirs = Vec::new();
    for entry in std::fs::read_dir(fixtures()).expect("fixtures") {
        let path = entry.expect("entry").path();
        if path.join("main.cf").is_file() {
            dirs.push((format!("fixture {}", path.display()), path));
        }
    }
    let machine = [
        ("etc", Path::new("/etc/postfix/main.cf"), Path::new("/etc/postfix/master.cf")),
        ("dist", Path::new("/usr/share/postfix/main.cf.dist"), Path::new("/usr/share/postfix/master.cf.dist")),
        ("proto", Path::new("/etc/postfix/main.cf.proto"), Path::new("/etc/postfix/master.cf.proto")),
    ];
    for (name, main, master) in machine {
        if !main.is_file() {
            continue;
        }
        let dir = tmp.join(name);
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::copy(main, dir.join("main.cf")).expect("copy main.cf");
        if master.is_file() {
            std::fs::copy(master, dir.join("master.cf")).expect("copy master.cf");
        } else {
            std::fs::write(dir.join("master.cf"), "").expect("write master.cf");
        }
        dirs.push((format!("{}", main.display()), dir));
    }
    dirs.sort();
    dirs
}

fn load(dir: &Path) -> (MainCf, Option<MasterCf>) {
    let main = MainCf::parse(std::fs::read(dir.join("main.cf")).expect("read main.cf")).expect("main.cf parses");
    let master = std::fs::read(dir.join("master.cf")).ok().map(|b| MasterCf::parse(b).expect("master.cf parses"));
    (main, master)
}

fn machine_version(pc: &Path, dir: &Path) -> PostfixVersion {
    let (out, _, _) = postconf(pc, dir, &["-d", "-h", "mail_version"]);
    PostfixVersion::parse(&out).expect("mail_version")
}

#[test]
fn every_main_cf_setting_equals_postconf_n() {
    let Some(pc) = postconf_or_skip("every_main_cf_setting_equals_postconf_n") else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let mut compared = 0;
    for (name, dir) in config_dirs(tmp.path()) {
        let (main, _) = load(&dir);
        let (out, _, ok) = postconf(&pc, &dir, &["-n"]);
        assert!(ok, "{name}: postconf -n failed");
        let theirs = parse_postconf_output(&out);
        for (param, value) in &theirs {
            if param == "config_directory" {
                continue;
            }
            let ours = main.parameter(param).unwrap_or_else(|| panic!("{name}: {param} not found by conflint"));
            assert_eq!(normalize(&ours.value), *value, "{name}: {param}");
            compared += 1;
        }
        // Every setting conflint found is one postconf lists, or one it
        // calls "unused" (a name no Postfix program reads).
        let (_, stderr, _) = postconf(&pc, &dir, &["-n"]);
        for (_, p) in main.parameters() {
            assert!(
                theirs.contains_key(&p.name_text) || stderr.contains(&format!("unused parameter: {}=", p.name_text)),
                "{name}: conflint found {} which postconf does not list",
                p.name_text
            );
        }
    }
    eprintln!("postconf -n: {compared} settings equal");
    assert!(compared > 40, "only {compared} settings compared");
}

#[test]
fn every_parameter_expands_as_postconf_x() {
    let Some(pc) = postconf_or_skip("every_parameter_expands_as_postconf_x") else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let mut compared = 0;
    for (name, dir) in config_dirs(tmp.path()) {
        let (main, master) = load(&dir);
        let (defaults, _, ok) = postconf(&pc, &dir, &["-d"]);
        assert!(ok, "{name}: postconf -d failed");
        let mut defaults = parse_postconf_output(&defaults);
        // The default mynetworks is computed from the machine's interfaces
        // AND the effective mynetworks_style, which main.cf may change:
        // `postconf -d` computes it for the default style. A caller gives
        // the machine's answer for this configuration.
        let (networks, _, _) = postconf(&pc, &dir, &["-h", "mynetworks"]);
        defaults.insert("mynetworks".to_string(), networks.trim().to_string());
        let config = PostfixConfig::new(main, master, machine_version(&pc, &dir)).with_defaults(defaults);
        let (expanded, stderr, ok) = postconf(&pc, &dir, &["-x"]);
        assert!(ok, "{name}: postconf -x failed: {stderr}");
        let mut mismatches = Vec::new();
        for (param, value) in parse_postconf_output(&expanded) {
            // `-c DIR` sets config_directory; process_id is postconf's own.
            if param == "config_directory" || param == "process_id" {
                continue;
            }
            let ours = config.value(&param).unwrap_or_else(|e| panic!("{name}: {param}: {e}"));
            if ours.raw.text.contains("process_id") {
                continue;
            }
            if normalize(&ours.value) != value {
                mismatches.push(format!("{param}: conflint {:?}, postconf {value:?}", ours.value));
            }
            compared += 1;
        }
        assert!(mismatches.is_empty(), "{name}: {} differences:\n{}", mismatches.len(), mismatches.join("\n"));
    }
    eprintln!("postconf -x: {compared} parameter values equal");
    assert!(compared > 3000, "only {compared} values compared");
}

/// `service/type/name = value` lines of `postconf -P`, grouped per service.
fn by_service(out: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut map: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (key, value) in parse_postconf_output(out) {
        let (service, param) = key.rsplit_once('/').expect("service/type/name");
        map.entry(service.to_string()).or_default().insert(param.to_string(), value);
    }
    map
}

#[test]
fn master_cf_overrides_equal_postconf_p() {
    let Some(pc) = postconf_or_skip("master_cf_overrides_equal_postconf_p") else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let mut compared = 0;
    for (name, dir) in config_dirs(tmp.path()) {
        let (main, master) = load(&dir);
        let Some(master) = master else { continue };
        let (defaults, _, _) = postconf(&pc, &dir, &["-d"]);
        let config = PostfixConfig::new(main, Some(master.clone()), machine_version(&pc, &dir))
            .with_defaults(parse_postconf_output(&defaults));
        let (raw, _, ok) = postconf(&pc, &dir, &["-P"]);
        assert!(ok, "{name}: postconf -P failed");
        let (expanded, _, ok) = postconf(&pc, &dir, &["-Px"]);
        assert!(ok, "{name}: postconf -Px failed");
        let raw = by_service(&raw);
        let expanded = by_service(&expanded);
        // postconf -P lists one entry per name/type (the first service of
        // that name and type, as -M does).
        let mut ours: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for (_, service) in master.services() {
            let entry = ours.entry(service.key()).or_default();
            for o in &service.overrides {
                entry.insert(o.name.clone(), normalize(&o.value));
            }
        }
        ours.retain(|_, v| !v.is_empty());
        assert_eq!(ours, raw, "{name}: -o overrides");
        for (key, params) in &expanded {
            let (service_name, kind) = key.rsplit_once('/').expect("name/type");
            let service = master.service(service_name, kind).expect("service");
            for (param, value) in params {
                let ours = config.value_in(Scope::Service(service), param).expect("expands");
                assert_eq!(normalize(&ours.value), *value, "{name}: {key}/{param} expanded");
                compared += 1;
            }
        }
    }
    eprintln!("postconf -P/-Px: {compared} overrides equal");
    assert!(compared >= 20, "only {compared} overrides compared");
}

#[test]
fn master_cf_fields_equal_postconf_f() {
    let Some(pc) = postconf_or_skip("master_cf_fields_equal_postconf_f") else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let mut services = 0;
    for (name, dir) in config_dirs(tmp.path()) {
        let (_, master) = load(&dir);
        let Some(master) = master else { continue };
        let (out, _, ok) = postconf(&pc, &dir, &["-F"]);
        assert!(ok, "{name}: postconf -F failed");
        let theirs = parse_postconf_output(&out);
        for (_, service) in master.services() {
            let key = service.key();
            for (i, field) in conflint_core::postfix::FIELD_NAMES.iter().enumerate() {
                let value = &theirs[&format!("{key}/{field}")];
                let ours = &service.fields[i].text;
                if i == 7 {
                    // postconf prints the command with its (normalised) arguments.
                    assert_eq!(value.split(' ').next(), Some(ours.as_str()), "{name}: {key} command");
                } else {
                    assert_eq!(value, ours, "{name}: {key}/{field}");
                }
            }
            services += 1;
        }
    }
    eprintln!("postconf -F: {services} services equal");
    assert!(services > 30);
}

#[test]
fn builtin_defaults_equal_postconf_d() {
    let Some(pc) = postconf_or_skip("builtin_defaults_equal_postconf_d") else { return };
    let dir = fixtures().join("relay");
    let version = machine_version(&pc, &dir);
    let (out, _, ok) = postconf(&pc, &dir, &["-d"]);
    assert!(ok);
    let theirs = parse_postconf_output(&out);
    let names = [
        "smtpd_client_restrictions",
        "smtpd_helo_restrictions",
        "smtpd_sender_restrictions",
        "smtpd_relay_restrictions",
        "smtpd_recipient_restrictions",
        "smtpd_data_restrictions",
        "smtpd_end_of_data_restrictions",
        "mynetworks_style",
        "myorigin",
        "mydestination",
        "relay_domains",
        "inet_interfaces",
        "smtp_tls_security_level",
        "smtpd_tls_security_level",
        "smtpd_tls_auth_only",
        "smtpd_sasl_auth_enable",
        "smtpd_banner",
        "disable_vrfy_command",
        "compatibility_level",
        "relayhost",
        "mail_name",
        "mail_version",
        "unknown_client_reject_code",
        "smtpd_helo_required",
        "smtp_helo_name",
        "smtpd_use_tls",
        "smtp_use_tls",
        "smtpd_enforce_tls",
        "smtp_enforce_tls",
    ];
    for name in names {
        match builtin_default(name, version) {
            Some(DefaultValue::Text(text)) => assert_eq!(normalize(&text), theirs[name], "{name}"),
            other => panic!("{name}: {other:?}"),
        }
    }
    for name in ["myhostname", "mydomain", "mynetworks"] {
        assert!(matches!(builtin_default(name, version), Some(DefaultValue::MachineDependent(_))), "{name}");
        assert!(theirs.contains_key(name));
    }
    // Without postconf's defaults, the built-in ones give what postconf -x
    // gives for every parameter that does not depend on the machine.
    for fixture in ["relay", "submission", "syntax"] {
        let dir = fixtures().join(fixture);
        let (main, master) = load(&dir);
        let config = PostfixConfig::new(main, master, version);
        let (expanded, _, _) = postconf(&pc, &dir, &["-x"]);
        let expanded = parse_postconf_output(&expanded);
        for name in names {
            let ours = config.value(name).expect("expands");
            if ours.unknown.is_empty() {
                assert_eq!(normalize(&ours.value), expanded[name], "{fixture}: {name}");
            } else {
                assert!(ours.unknown.iter().all(|n| ["myhostname", "mydomain", "mynetworks"].contains(&n.as_str())));
            }
        }
    }
}

/// main.cf texts Postfix refuses, with the line it names.
#[test]
fn syntax_errors_match_postfix() {
    let Some(pc) = postconf_or_skip("syntax_errors_match_postfix") else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    std::fs::write(tmp.path().join("master.cf"), "").expect("write");
    let cases: &[(&str, usize, &str)] = &[
        ("myhostname = a\nrelayhost\n", 2, "missing '=' after attribute name"),
        ("# c\n= value\n", 2, "missing attribute name"),
        ("a = 1\nb c = 2\n", 2, "missing '=' after attribute name"),
        ("a = 1\nb\n  c\n", 2, "missing '=' after attribute name"),
    ];
    for (text, line, message) in cases {
        std::fs::write(tmp.path().join("main.cf"), text).expect("write");
        let (_, stderr, ok) = postconf(&pc, tmp.path(), &["-n"]);
        assert!(!ok, "postconf accepted {text:?}");
        assert!(stderr.contains(&format!("line {line}: {message}")), "postconf said {stderr}");
        let error = MainCf::parse(*text).unwrap_err();
        assert_eq!((error.line, error.message.as_str()), (*line, *message), "{text:?}");
    }
    // master.cf: postconf refuses a service with too few fields or a bad type.
    std::fs::write(tmp.path().join("main.cf"), "").expect("write");
    for (text, message) in [
        ("smtp inet n - y - smtpd\n", "bad field count"),
        ("smtp inet n - y - - smtpd\nbad tcp n - y - - smtpd\n", "invalid type field \"tcp\""),
        ("smtp inet n - x - - smtpd\n", "invalid chroot field \"x\""),
    ] {
        std::fs::write(tmp.path().join("master.cf"), text).expect("write");
        let (_, stderr, ok) = postconf(&pc, tmp.path(), &["-M"]);
        assert!(!ok && stderr.contains(message), "postconf said {stderr}");
        assert_eq!(MasterCf::parse(text).unwrap_err().message, message);
    }
    // Ignored text and expansion errors: postconf warns or stops, conflint
    // reports the same.
    std::fs::write(tmp.path().join("master.cf"), "").expect("write");
    std::fs::write(tmp.path().join("main.cf"), "  orphan = 1\nmyhostname = a.example\n").expect("write");
    let (out, stderr, ok) = postconf(&pc, tmp.path(), &["-n"]);
    assert!(ok && stderr.contains("logical line must not start with whitespace"));
    let file = MainCf::parse("  orphan = 1\nmyhostname = a.example\n").unwrap();
    assert_eq!(file.parameters().count(), 1);
    assert_eq!(parse_postconf_output(&out).get("myhostname").map(String::as_str), Some("a.example"));
    assert!(!out.contains("orphan"));
    std::fs::write(tmp.path().join("main.cf"), "smtpd_banner = a $relayhost\nrelayhost = $smtpd_banner\n")
        .expect("write");
    let (_, stderr, ok) = postconf(&pc, tmp.path(), &["-x", "-h", "smtpd_banner"]);
    assert!(!ok && stderr.contains("unreasonable macro call nesting"));
    let main = MainCf::parse("smtpd_banner = a $relayhost\nrelayhost = $smtpd_banner\n").unwrap();
    let config = PostfixConfig::new(main, None, PostfixVersion::ASSUMED);
    assert!(config.value("smtpd_banner").unwrap_err().message.starts_with("unreasonable macro call nesting"));
}

/// Postfix reads a file with CR LF line ends, with no final newline, and
/// with bytes that are not UTF-8, exactly as the LF original; conflint too.
#[test]
fn line_ends_and_bytes_read_as_postfix_reads_them() {
    let Some(pc) = postconf_or_skip("line_ends_and_bytes_read_as_postfix_reads_them") else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let original = std::fs::read(fixtures().join("syntax/main.cf")).expect("read");
    let crlf: Vec<u8> = original.iter().flat_map(|b| if *b == b'\n' { b"\r\n".to_vec() } else { vec![*b] }).collect();
    let mut latin1 = original.clone();
    latin1.extend_from_slice(b"# caf\xe9\nsmtpd_reject_footer = caf\xe9 \xff\n");
    let no_final = original[..original.len() - 1].to_vec();
    std::fs::copy(fixtures().join("syntax/master.cf"), tmp.path().join("master.cf")).expect("copy");
    for (what, bytes) in [("crlf", crlf), ("latin1", latin1), ("no final newline", no_final)] {
        std::fs::write(tmp.path().join("main.cf"), &bytes).expect("write");
        let main = MainCf::parse(bytes.clone()).expect("parses");
        assert_eq!(main.print(), bytes, "{what}");
        // postconf prints bytes as they are: compare as bytes, lossily.
        let out = Command::new(&pc).arg("-c").arg(tmp.path()).arg("-n").env_clear().output().expect("postconf");
        let theirs = parse_postconf_output(&String::from_utf8_lossy(&out.stdout));
        for (param, value) in theirs.iter().filter(|(p, _)| *p != "config_directory") {
            let ours = main.parameter(param).expect("found");
            assert_eq!(normalize(&ours.value), *value, "{what}: {param}");
        }
        let total: HashMap<_, _> = main.parameters().map(|(_, p)| (p.name_text.clone(), ())).collect();
        assert!(total.len() >= theirs.len() - 1, "{what}");
    }
}

#[test]
fn machine_files_round_trip() {
    let mut files = Vec::new();
    for dir in ["/etc/postfix", "/usr/share/postfix"] {
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("main.cf") || name.starts_with("master.cf") {
                files.push(entry.path());
            }
        }
    }
    if files.is_empty() {
        common::note_skip("machine_files_round_trip", "no Postfix configuration on this machine");
        assert!(!common::system_tests_required(), "postfix is not installed");
        return;
    }
    for path in &files {
        let bytes = std::fs::read(path).expect("read");
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let printed = if name.starts_with("main.cf") {
            MainCf::parse(bytes.clone()).unwrap_or_else(|e| panic!("{}: {e}", path.display())).print()
        } else {
            MasterCf::parse(bytes.clone()).unwrap_or_else(|e| panic!("{}: {e}", path.display())).print()
        };
        assert_eq!(printed, bytes, "{}", path.display());
    }
    eprintln!("round trip: {} files from this machine", files.len());
}
