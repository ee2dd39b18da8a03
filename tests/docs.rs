//! docs/rules.md is generated from the rules' doc comments; this test keeps
//! it current (run with CONFLINT_BLESS=1 to rewrite it).

use std::path::Path;

#[test]
fn rule_docs_are_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
    let expected = conflint_rules::registry::catalog_markdown();
    if std::env::var_os("CONFLINT_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("docs dir")).expect("mkdir");
        std::fs::write(&path, &expected).expect("write docs/rules.md");
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(actual == expected, "docs/rules.md is stale: run `CONFLINT_BLESS=1 cargo test --test docs`");
}

#[test]
fn every_rule_documents_the_four_sections() {
    for rule in conflint_rules::registry::all() {
        let doc = rule.meta().documentation();
        for section in ["## What it does", "## Why is this bad?", "## Example", "## Fix safety"] {
            assert!(doc.contains(section), "{} lacks `{section}`", rule.meta().code);
        }
    }
}
