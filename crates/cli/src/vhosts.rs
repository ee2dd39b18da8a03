//! `conflint vhosts`: the table `apachectl -S` prints, computed statically.

use std::path::{Path, PathBuf};

use conflint_core::httpd::{HttpdOptions, HttpdTree, Truth};
use conflint_core::source::RealFileSystem;
use conflint_core::text::quoted_path;
use serde_json::json;

use crate::args::{ListFormat, VhostsArgs};
use crate::run::{EXIT_CLEAN, EXIT_ERROR, Io, load_config};

/// Names that head an httpd tree.
const ENTRY_NAMES: &[&str] = &["httpd.conf", "apache2.conf"];

/// `conflint vhosts [PATH]`.
pub fn command(args: VhostsArgs, io: &mut Io<'_>) -> u8 {
    let path = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    let httpd = load_config(&args.common, std::slice::from_ref(&path))
        .and_then(|config| crate::settings::httpd_settings(&args.common, &config, None));
    let httpd = match httpd {
        Ok(h) => h,
        Err(e) => {
            let _ = writeln!(io.stderr, "conflint: {e}");
            return EXIT_ERROR;
        }
    };
    let Some(entry) = find_entry(&path) else {
        let _ = writeln!(io.stderr, "conflint: no httpd.conf or apache2.conf at {}", quoted_path(&path));
        return EXIT_ERROR;
    };
    let options = HttpdOptions { server_root: httpd.server_root, version: httpd.version, defines: httpd.defines };
    let tree = match load(&entry, &options) {
        Ok(tree) => tree,
        Err(e) => {
            let _ = writeln!(io.stderr, "conflint: {e}");
            return EXIT_ERROR;
        }
    };
    for problem in &tree.problems {
        let _ = writeln!(io.stderr, "conflint: warning: {}: {}", quoted_path(&problem.path), problem.kind);
    }
    let text = match args.format {
        ListFormat::Human => render_text(&tree),
        ListFormat::Json => render_json(&tree),
    };
    let _ = io.stdout.write_all(text.as_bytes());
    EXIT_CLEAN
}

/// Find the entry file: the path itself, or `httpd.conf`/`apache2.conf`
/// in it (or in its `conf/`).
pub fn find_entry(path: &Path) -> Option<PathBuf> {
    if path.is_file() {
        return Some(path.to_path_buf());
    }
    let candidates = ENTRY_NAMES.iter().flat_map(|name| [path.join(name), path.join("conf").join(name)]);
    candidates.into_iter().find(|p| p.is_file())
}

/// Load the tree for `conflint vhosts`.
pub fn load(entry: &Path, options: &HttpdOptions) -> Result<HttpdTree, String> {
    HttpdTree::load(&RealFileSystem::new(), entry, options).map_err(|e| format!("{}: {e}", quoted_path(entry)))
}

/// One vhost as printed.
struct Row {
    name: String,
    aliases: Vec<String>,
    path: String,
    line: usize,
    maybe: bool,
}

fn rows(tree: &HttpdTree) -> Vec<(String, Vec<Row>)> {
    tree.vhosts
        .addresses
        .iter()
        .map(|set| {
            let rows = set
                .vhosts
                .iter()
                .map(|&i| {
                    let v = &tree.vhosts.vhosts[i];
                    Row {
                        name: v.server_name.clone().unwrap_or_default(),
                        aliases: v.aliases.clone(),
                        path: quoted_path(&tree.file(v.file).path),
                        line: v.line,
                        maybe: v.truth == Truth::Maybe,
                    }
                })
                .collect();
            (set.address.display(), rows)
        })
        .collect()
}

/// The text table: per address, the default vhost first.
pub fn render_text(tree: &HttpdTree) -> String {
    let mut out =
        format!("VirtualHost configuration (Apache {}, from {}):\n", tree.version, quoted_path(&tree.entry().path));
    let table = rows(tree);
    if table.is_empty() {
        out.push_str("  no <VirtualHost> sections: every request is served by the main server\n");
    }
    for (address, rows) in table {
        out.push_str(&format!("{address}\n"));
        for (i, row) in rows.iter().enumerate() {
            let role = if i == 0 { "default" } else { "       " };
            let name = if row.name.is_empty() { "(no ServerName)" } else { row.name.as_str() };
            let mut line = format!("  {role} {name:<32} {}:{}", row.path, row.line);
            if !row.aliases.is_empty() {
                line.push_str(&format!("  aliases: {}", row.aliases.join(" ")));
            }
            if row.maybe {
                line.push_str("  [maybe: under a conditional that cannot be decided statically]");
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out
}

/// `{ "addresses": [ { "address": "*:80", "vhosts": [ ... ] } ] }`
pub fn render_json(tree: &HttpdTree) -> String {
    let addresses: Vec<_> = rows(tree)
        .into_iter()
        .map(|(address, rows)| {
            let vhosts: Vec<_> = rows
                .into_iter()
                .map(|r| {
                    json!({
                        "server_name": if r.name.is_empty() { serde_json::Value::Null } else { r.name.into() },
                        "aliases": r.aliases,
                        "path": r.path,
                        "line": r.line,
                        "conditional": r.maybe,
                    })
                })
                .collect();
            json!({ "address": address, "vhosts": vhosts })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&json!({
        "version": tree.version.to_string(),
        "addresses": addresses,
    }))
    .unwrap_or_default();
    text.push('\n');
    text
}
