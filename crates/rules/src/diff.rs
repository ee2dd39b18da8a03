//! Unified diffs of fixed files (similar), with git-style `a/` and `b/`
//! paths so that `git apply` and `patch -p1` take them.

use std::ops::Range;
use std::path::Path;

use conflint_core::Span;
use similar::ChangeTag;

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

/// Context lines around a change, as `diff -u` and similar print them.
const CONTEXT: usize = 3;

/// One line of the diff: how it changed, and its line number and bytes in
/// the old and the new text.
struct Row {
    tag: ChangeTag,
    old: Option<(usize, Range<usize>)>,
    new: Option<(usize, Range<usize>)>,
}

/// [`unified_diff`], for output that must never show a secret: a line
/// holding a byte of `original_secrets` (in `original`) or `fixed_secrets`
/// (in `fixed`) is never printed as context: a hunk's context stops short of
/// it, and the other side's context is kept within one line of it, so that
/// `patch -p1` (with its default fuzz) and `git apply` still take the hunk;
/// only `git apply` refuses a change right before a secret line in mid-file,
/// which leaves no trailing context at all.
/// A changed line holding a secret is printed with those bytes as `*` (that
/// hunk shows the change but no longer applies; the secret is worth more).
/// Without secrets it is [`unified_diff`], byte for byte.
///
/// ```
/// use conflint_core::Span;
/// let original = b"a = 1\npassword = hunter2\nb = 2\n";
/// let fixed = b"a = 0\npassword = hunter2\nb = 2\n";
/// let secret = [Span::new(17, 24)];
/// let diff = conflint_rules::diff::unified_diff_masked("x.ini".as_ref(), original, fixed, &secret, &secret);
/// assert!(!diff.contains("hunter2"));
/// assert!(diff.ends_with("@@ -1 +1 @@\n-a = 1\n+a = 0\n"));
/// ```
pub fn unified_diff_masked(
    path: &Path,
    original: &[u8],
    fixed: &[u8],
    original_secrets: &[Span],
    fixed_secrets: &[Span],
) -> String {
    if original_secrets.is_empty() && fixed_secrets.is_empty() {
        return unified_diff(path, original, fixed);
    }
    if original == fixed {
        return String::new();
    }
    // Lines as similar splits them (it also ends a line at a lone `\r`),
    // with their byte ranges, counted from the changes themselves.
    let diff = similar::TextDiff::from_lines(original, fixed);
    let (mut old_at, mut new_at) = (0, 0);
    let mut rows = Vec::new();
    for change in diff.iter_all_changes() {
        let len = change.value().len();
        let old = change.old_index().map(|i| {
            old_at += len;
            (i, old_at - len..old_at)
        });
        let new = change.new_index().map(|i| {
            new_at += len;
            (i, new_at - len..new_at)
        });
        rows.push(Row { tag: change.tag(), old, new });
    }
    let holds = |range: &Range<usize>, secrets: &[Span]| {
        secrets.iter().any(|s| s.start < s.end && s.start < range.end && range.start < s.end)
    };
    let secret = |row: &Row| {
        row.old.as_ref().is_some_and(|(_, r)| holds(r, original_secrets))
            || row.new.as_ref().is_some_and(|(_, r)| holds(r, fixed_secrets))
    };
    // Which rows to print: every change, and up to CONTEXT unchanged rows on
    // each side that hold no secret (stopping at the first that does).
    let mut shown = vec![false; rows.len()];
    for (i, row) in rows.iter().enumerate() {
        if row.tag == ChangeTag::Equal {
            continue;
        }
        shown[i] = true;
        let before = (0..i).rev().take_while(|j| rows[*j].tag == ChangeTag::Equal).take(CONTEXT);
        for j in before.take_while(|j| !secret(&rows[*j])) {
            shown[j] = true;
        }
        let after = (i + 1..rows.len()).take_while(|j| rows[*j].tag == ChangeTag::Equal).take(CONTEXT);
        for j in after.take_while(|j| !secret(&rows[*j])) {
            shown[j] = true;
        }
    }
    // patch(1) takes a hunk with less context on one side than the other as
    // anchored to that end of the file (unless its fuzz, 2 by default,
    // covers the difference), and git apply takes a hunk with no trailing
    // context as anchored to the end: where a secret cut one side short,
    // cut the other to at most one line more (a side cut by the file's own
    // start or end needs nothing).
    let mut i = 0;
    while i < rows.len() {
        if !shown[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i < rows.len() && shown[i] {
            i += 1;
        }
        let leading = rows[start..i].iter().take_while(|r| r.tag == ChangeTag::Equal).count();
        let trailing = rows[start..i].iter().rev().take_while(|r| r.tag == ChangeTag::Equal).count();
        if start == 0 || i == rows.len() {
            continue;
        }
        let (keep_leading, keep_trailing) = (leading.min(trailing + 1), trailing.min(leading + 1));
        for row in &mut shown[start..start + leading - keep_leading] {
            *row = false;
        }
        for row in &mut shown[i - (trailing - keep_trailing)..i] {
            *row = false;
        }
    }
    let name = conflint_core::text::quoted_path(path);
    let name = name.strip_prefix("./").unwrap_or(&name);
    let mut out = format!("--- a/{name}\n+++ b/{name}\n");
    let mut i = 0;
    while i < rows.len() {
        if !shown[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i < rows.len() && shown[i] {
            i += 1;
        }
        let hunk = &rows[start..i];
        // Where the hunk starts in each text: its first line there, else
        // the line after the last one before the hunk.
        let first = |side: fn(&Row) -> Option<usize>| {
            hunk.iter().find_map(side).unwrap_or_else(|| rows[..start].iter().rev().find_map(side).map_or(0, |l| l + 1))
        };
        let old_side: fn(&Row) -> Option<usize> = |r| r.old.as_ref().map(|(n, _)| *n);
        let new_side: fn(&Row) -> Option<usize> = |r| r.new.as_ref().map(|(n, _)| *n);
        let old_len = hunk.iter().filter(|r| r.old.is_some()).count();
        let new_len = hunk.iter().filter(|r| r.new.is_some()).count();
        out.push_str(&format!("@@ -{} +{} @@\n", range(first(old_side), old_len), range(first(new_side), new_len)));
        for row in hunk {
            let (sign, text, range, secrets) = match (row.tag, &row.old, &row.new) {
                (ChangeTag::Insert, _, Some((_, r))) => ('+', fixed, r, fixed_secrets),
                (ChangeTag::Delete, Some((_, r)), _) => ('-', original, r, original_secrets),
                (_, Some((_, r)), _) => (' ', original, r, original_secrets),
                _ => continue,
            };
            let line = conflint_core::secret::mask(&text[range.clone()], range.start, secrets);
            out.push(sign);
            out.push_str(&String::from_utf8_lossy(&line));
            if !line.ends_with(b"\n") && !line.ends_with(b"\r") {
                out.push_str("\n\\ No newline at end of file\n");
            }
        }
    }
    out
}

/// A hunk header range as `diff -u` writes it: `3` for one line, `3,0`
/// (the line before) for none, `3,4` otherwise.
fn range(start: usize, len: usize) -> String {
    match len {
        1 => format!("{}", start + 1),
        0 => format!("{start},0"),
        _ => format!("{},{len}", start + 1),
    }
}
