//! Unified diffs of fixed files (similar), with git-style `a/` and `b/`
//! paths so that `git apply` and `patch -p1` take them.

use std::path::Path;

/// The unified diff from `original` to `fixed`; empty when they are equal.
/// Works on bytes, so a file that is not UTF-8 diffs too.
///
/// ```
/// let diff = conflint_rules::diff::unified_diff(
///     std::path::Path::new("./conf/httpd.conf"),
///     b"ServerTokens OS\n",
///     b"ServerTokens Prod\n",
/// );
/// assert!(diff.starts_with("--- a/conf/httpd.conf\n+++ b/conf/httpd.conf\n"));
/// assert!(diff.contains("-ServerTokens OS\n+ServerTokens Prod\n"));
/// ```
pub fn unified_diff(path: &Path, original: &[u8], fixed: &[u8]) -> String {
    if original == fixed {
        return String::new();
    }
    // Quoted and escaped like every other path conflint prints: a file
    // name cannot smuggle a line into the diff (or a CI log).
    let name = conflint_core::text::quoted_path(path);
    let name = name.strip_prefix("./").unwrap_or(&name);
    let diff = similar::TextDiff::from_lines(original, fixed);
    let mut out = Vec::new();
    let _ = diff.unified_diff().header(&format!("a/{name}"), &format!("b/{name}")).to_writer(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}
