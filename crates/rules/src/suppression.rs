//! Suppression comments: `# conflint: ignore[HT002]` on its own line right
//! above a directive (php.ini: `; conflint: ignore[PH001]`), and
//! `# conflint: ignore-file[HT003]` anywhere in a file. httpd has no
//! end-of-line comments, so these always stand alone on their line.
//!
//! Several comment lines may stand between the suppression and the line it
//! silences (a reason on the next line is common); blank lines may not.

use std::path::{Path, PathBuf};

use conflint_core::{LineIndex, Span};

use crate::context::FileKind;

/// One `ignore[...]` or `ignore-file[...]` comment.
#[derive(Debug, Clone)]
pub struct Suppression {
    /// The file holding the comment.
    pub path: PathBuf,
    /// The comment line's bytes.
    pub span: Span,
    /// 1-based line of the comment.
    pub line: usize,
    /// The 1-based line it silences; `None` for `ignore-file`.
    pub target_line: Option<usize>,
    /// Codes or prefixes, upper case.
    pub codes: Vec<String>,
}

impl Suppression {
    /// Whether it silences `code` at 1-based `line` of `path`.
    pub fn covers(&self, path: &Path, line: usize, code: &str) -> bool {
        self.path == path
            && self.target_line.is_none_or(|t| t == line)
            && self.codes.iter().any(|c| code.starts_with(c.as_str()))
    }
}

/// Find the suppression comments of one file.
pub fn scan(path: &Path, source: &[u8], kind: FileKind) -> Vec<Suppression> {
    if !contains(source, b"conflint:") {
        return Vec::new();
    }
    let index = LineIndex::new(source);
    let lines = index.line_count(source.len());
    let comment = kind.comment_char();
    let is_comment = |line: usize| {
        let text = index.line_text(source, line);
        text.iter().find(|b| !b.is_ascii_whitespace()) == Some(&comment)
    };
    let mut found = Vec::new();
    for line in 0..lines {
        let text = String::from_utf8_lossy(index.line_text(source, line));
        let trimmed = text.trim_start();
        let Some(body) = trimmed.strip_prefix(comment as char) else { continue };
        let body = body.trim_start_matches(comment as char).trim();
        let Some(directive) = body.strip_prefix("conflint:") else { continue };
        let directive = directive.trim();
        let (file_wide, rest) = if let Some(rest) = directive.strip_prefix("ignore-file") {
            (true, rest)
        } else if let Some(rest) = directive.strip_prefix("ignore") {
            (false, rest)
        } else {
            continue;
        };
        let Some(list) = rest.trim_start().strip_prefix('[').and_then(|r| r.split(']').next()) else { continue };
        let codes: Vec<String> =
            list.split([',', ' ']).map(|c| c.trim().to_ascii_uppercase()).filter(|c| !c.is_empty()).collect();
        if codes.is_empty() {
            continue;
        }
        let target_line = if file_wide {
            None
        } else {
            // The first line below that is not itself a comment.
            let mut next = line + 1;
            while next < lines && is_comment(next) {
                next += 1;
            }
            Some(next + 1)
        };
        let start = index.line_start(line);
        let span = Span::new(start, start + index.line_text(source, line).len());
        found.push(Suppression { path: path.to_path_buf(), span, line: line + 1, target_line, codes });
    }
    found
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_file_suppressions() {
        let src = b"# conflint: ignore[HT002, ht007]\n# because the status page needs it\nServerSignature On\n# conflint: ignore-file[HT003]\n";
        let found = scan(Path::new("a.conf"), src, FileKind::Httpd);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].target_line, Some(3));
        assert!(found[0].covers(Path::new("a.conf"), 3, "HT007"));
        assert!(!found[0].covers(Path::new("a.conf"), 2, "HT002"));
        assert!(found[1].covers(Path::new("a.conf"), 99, "HT003"));
    }

    #[test]
    fn php_uses_semicolons() {
        let src = b"; conflint: ignore[PH001]\nexpose_php = On\n# conflint: ignore[PH002]\n";
        let found = scan(Path::new("php.ini"), src, FileKind::PhpIni);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].codes, ["PH001"]);
    }
}
