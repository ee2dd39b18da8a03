//! The generated Rust tables (`src/httpd/directives/table_*.rs`) hold
//! exactly the checked-in JSON (`data/httpd/directives-*.json`).
//!
//! Two checks: every entry of every compiled table is compared field by
//! field with the JSON (always; this needs no Python), and, where python3
//! is installed, the renderer is run again and its output must be the
//! checked-in file byte for byte (which also catches hand edits to
//! comments and layout).

use std::path::PathBuf;
use std::process::Command;

use conflint_core::httpd::ApacheVersion;
use conflint_core::httpd::directives::{self, ArgsHow, Availability, DirectiveInfo, ModuleInfo};
use serde_json::Value;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load(name: &str) -> Value {
    let path = crate_dir().join("data/httpd").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn opt_str(v: &Value) -> Option<&str> {
    v.as_str()
}

fn availability(v: &Value) -> Availability {
    match v.as_bool() {
        Some(true) => Availability::Always,
        Some(false) => Availability::NotOnLinux,
        None => Availability::Conditional,
    }
}

fn args_how(s: &str) -> ArgsHow {
    match s {
        "RAW_ARGS" => ArgsHow::RawArgs,
        "TAKE1" => ArgsHow::Take1,
        "TAKE2" => ArgsHow::Take2,
        "ITERATE" => ArgsHow::Iterate,
        "ITERATE2" => ArgsHow::Iterate2,
        "FLAG" => ArgsHow::Flag,
        "NO_ARGS" => ArgsHow::NoArgs,
        "TAKE12" => ArgsHow::Take12,
        "TAKE3" => ArgsHow::Take3,
        "TAKE23" => ArgsHow::Take23,
        "TAKE123" => ArgsHow::Take123,
        "TAKE13" => ArgsHow::Take13,
        "TAKE_ARGV" => ArgsHow::TakeArgv,
        other => panic!("unknown args_how {other}"),
    }
}

/// The renderer's split of context checks into always/sometimes masks.
fn check_bits(checks: &Value) -> (u8, u8) {
    let (mut always, mut sometimes) = (0u8, 0u8);
    for c in checks.as_array().into_iter().flatten() {
        if c["kind"] != "error" {
            continue;
        }
        let bits = u8::try_from(c["bits"].as_u64().unwrap_or(0)).unwrap_or(0);
        if c["always"] == true {
            always |= bits;
        } else {
            sometimes |= bits;
        }
    }
    (always, sometimes)
}

fn expected_directive(d: &Value) -> DirectiveInfo {
    let (forbidden, forbidden_sometimes) = check_bits(&d["context_checks"]);
    DirectiveInfo {
        name: leak(d["name"].as_str().unwrap_or_default()),
        module: leak(d["module"].as_str().unwrap_or_default()),
        source_file: leak(d["source_file"].as_str().unwrap_or_default()),
        args_how: args_how(d["args_how"].as_str().unwrap_or_default()),
        req_override: u32::try_from(d["override_bits"].as_u64().unwrap_or(u64::MAX)).unwrap_or(u32::MAX),
        forbidden,
        forbidden_sometimes,
        help: opt_str(&d["help"]).map(leak),
        condition: opt_str(&d["condition"]).map(leak),
        availability: availability(&d["linux"]),
    }
}

fn expected_module(m: &Value) -> ModuleInfo {
    ModuleInfo {
        id: leak(m["id"].as_str().unwrap_or_default()),
        source_file: leak(m["source_file"].as_str().unwrap_or_default()),
        path: leak(m["path"].as_str().unwrap_or_default()),
        condition: opt_str(&m["condition"]).map(leak),
        availability: availability(&m["linux"]),
    }
}

/// The structs hold `&'static str`; a test may leak its few strings.
fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

fn compare(json_name: &str, directives: &[DirectiveInfo], modules: &[ModuleInfo]) {
    let data = load(json_name);
    let want: Vec<DirectiveInfo> =
        data["directives"].as_array().expect("directives").iter().map(expected_directive).collect();
    assert_eq!(want.len(), directives.len(), "{json_name}: number of directives");
    for (w, got) in want.iter().zip(directives) {
        assert_eq!(w, got, "{json_name}: directive {}", w.name);
    }
    let want: Vec<ModuleInfo> = data["modules"].as_array().expect("modules").iter().map(expected_module).collect();
    assert_eq!(want, modules, "{json_name}: modules");
}

#[test]
fn compiled_tables_hold_the_json() {
    compare(
        "directives-2.4.json",
        directives::directives(ApacheVersion::V2_4),
        directives::modules(ApacheVersion::V2_4),
    );
    compare(
        "directives-2.2.json",
        directives::directives(ApacheVersion::V2_2),
        directives::modules(ApacheVersion::V2_2),
    );
    compare("directives-third-party.json", directives::third_party_directives(), directives::third_party_modules());
}

#[test]
fn compiled_vocabularies_hold_the_json() {
    let data = load("directives-2.4.json");
    for p in data["authz_providers"].as_array().expect("authz_providers") {
        let name = p["name"].as_str().unwrap_or_default();
        let got = directives::authz_provider(ApacheVersion::V2_4, name).expect(name);
        assert_eq!(Some(got.module), p["module"].as_str(), "provider {name}");
    }
    let (variables, functions, unary, binary) = directives::expr_vocabulary();
    for (key, got) in [
        ("variables", variables),
        ("string_functions", functions),
        ("unary_operators", unary),
        ("binary_operators", binary),
    ] {
        let want: Vec<(&str, bool)> = data["expr"][key]
            .as_array()
            .expect(key)
            .iter()
            .map(|e| (e["name"].as_str().unwrap_or_default(), e["restricted"] == true))
            .collect();
        let got: Vec<(&str, bool)> = got.iter().map(|e| (e.name, e.restricted)).collect();
        assert_eq!(want, got, "expr {key}");
    }
}

fn python3() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join("python3")).find(|p| p.is_file())
}

#[test]
fn renderer_reproduces_the_checked_in_files() {
    let Some(python) = python3() else {
        eprintln!(
            "SKIPPED renderer_reproduces_the_checked_in_files: python3 is not installed (the field-by-field test still ran)"
        );
        return;
    };
    let root = crate_dir().join("../..");
    let script = root.join("scripts/gen-httpd-directives");
    for (json, konst, rs) in [
        ("directives-2.4.json", "TABLE_2_4", "table_2_4.rs"),
        ("directives-2.2.json", "TABLE_2_2", "table_2_2.rs"),
        ("directives-third-party.json", "TABLE_THIRD_PARTY", "table_third_party.rs"),
    ] {
        let label = format!("crates/core/data/httpd/{json}");
        let out = Command::new(&python)
            .arg(&script)
            .args(["render", &label, "--const", konst, "--json-label", &label, "-o", "-"])
            .current_dir(&root)
            .output()
            .expect("run the renderer");
        assert!(out.status.success(), "renderer failed: {}", String::from_utf8_lossy(&out.stderr));
        let checked_in = std::fs::read(crate_dir().join("src/httpd/directives").join(rs)).expect("read table");
        assert!(
            out.stdout == checked_in,
            "{rs} is not what `scripts/gen-httpd-directives render {label}` produces; regenerate it (see data/httpd/README.md)"
        );
    }
}
