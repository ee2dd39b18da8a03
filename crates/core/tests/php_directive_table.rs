//! The php.ini directive table (`src/php/directives/table.rs`) is what the
//! generator renders from `data/php-directives.json`: entry for entry here, and
//! byte for byte when python3 is there to run the renderer.

use conflint_core::php::directives::{Changeable, PhpType, PhpVersion, directive, directives};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn data() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/php-directives.json");
    let text = std::fs::read_to_string(&path).expect("read php-directives.json");
    serde_json::from_str(&text).expect("php-directives.json is JSON")
}

fn version(v: &Value) -> Option<PhpVersion> {
    v.as_str().map(|s| s.parse().expect("version in JSON"))
}

fn str_or_none(v: &Value) -> Option<&str> {
    v.as_str()
}

#[test]
fn every_json_record_is_in_the_table_unchanged() {
    let data = data();
    let records = data["directives"].as_array().expect("directives array");
    assert_eq!(records.len(), directives().len(), "entry count");
    for (record, entry) in records.iter().zip(directives()) {
        let name = record["name"].as_str().expect("name");
        assert_eq!(entry.name, name);
        assert_eq!(entry.extension, record["extension"].as_str().expect("extension"), "{name}");
        assert_eq!(entry.bundled, record["bundled"].as_bool().expect("bundled"), "{name}");
        let changeable = match str_or_none(&record["changeable"]) {
            Some("INI_ALL") => Changeable::All,
            Some("INI_PERDIR") => Changeable::PerDir,
            Some("INI_SYSTEM") => Changeable::System,
            Some("INI_USER") => Changeable::User,
            None => Changeable::Unknown,
            Some(other) => panic!("{name}: changeable {other}"),
        };
        assert_eq!(entry.changeable, changeable, "{name}");
        let ty = match record["type"].as_str().expect("type") {
            "bool" => PhpType::Bool,
            "int" => PhpType::Int,
            "quantity" => PhpType::Quantity,
            "size" => PhpType::Size,
            "float" => PhpType::Float,
            "string" => PhpType::String,
            "enum" => {
                let values: Vec<&str> = record["enum_values"]
                    .as_array()
                    .expect("enum values")
                    .iter()
                    .map(|v| v.as_str().expect("enum value"))
                    .collect();
                match entry.ty {
                    PhpType::Enum(table) => assert_eq!(table, values.as_slice(), "{name}"),
                    other => panic!("{name}: {other:?} is not an enum"),
                }
                entry.ty
            }
            other => panic!("{name}: type {other}"),
        };
        assert_eq!(entry.ty, ty, "{name}");
        assert_eq!(entry.default, str_or_none(&record["default"]), "{name}");
        assert_eq!(entry.added, version(&record["added"]), "{name}");
        assert_eq!(entry.deprecated, version(&record["deprecated"]), "{name}");
        assert_eq!(entry.removed, version(&record["removed"]), "{name}");
        assert_eq!(entry.note, record.get("note").and_then(Value::as_str), "{name}");
        assert_eq!(directive(name).map(|d| d.name), Some(name));
    }
}

#[test]
fn versions_in_the_data_are_the_supported_range() {
    let data = data();
    let versions: Vec<PhpVersion> =
        data["versions"].as_array().expect("versions").iter().map(|v| version(v).expect("version")).collect();
    assert_eq!(versions.first(), Some(&PhpVersion::OLDEST));
    assert_eq!(versions.last(), Some(&PhpVersion::NEWEST));
}

#[test]
fn rendering_the_json_gives_the_checked_in_table() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::env::temp_dir().join(format!("conflint-php-table-{}.rs", std::process::id()));
    let run = Command::new("python3")
        .arg(root.join("../../scripts/gen-php-directives"))
        .args(["--render-only", "--json"])
        .arg(root.join("data/php-directives.json"))
        .arg("--rust")
        .arg(&out)
        .status();
    match run {
        Ok(status) => assert!(status.success(), "renderer failed"),
        Err(e) => {
            let required = std::env::var("CONFLINT_SYSTEM_TESTS").is_ok_and(|v| v == "require");
            assert!(!required, "python3 is needed to run the renderer: {e}");
            eprintln!("SKIPPED byte comparison of the rendered php table: python3 not runnable ({e})");
            return;
        }
    }
    let rendered = std::fs::read_to_string(&out).expect("rendered table");
    let _ = std::fs::remove_file(&out);
    let checked_in = std::fs::read_to_string(root.join("src/php/directives/table.rs")).expect("table.rs");
    assert!(rendered == checked_in, "table.rs is stale: run scripts/gen-php-directives --render-only");
}
