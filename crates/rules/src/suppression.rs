//! Suppression comments: `# conflint: ignore[HT002]` on its own line right
//! above a directive (php.ini: `; conflint: ignore[PH001]`), and
//! `# conflint: ignore-file[HT003]` anywhere in a file. httpd has no
//! end-of-line comments, so these always stand alone on their line.
//!
//! Several comment lines may stand between the suppression and the line it
//! silences (a reason on the next line is common); blank lines may not.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use conflint_core::{SourceFile, Span};

/// One `ignore[...]` or `ignore-file[...]` comment.
#[derive(Debug, Clone)]
pub(crate) struct Suppression {
    /// The file holding the comment.
    pub path: PathBuf,
    /// The comment line's bytes.
    pub span: Span,
    /// The 1-based line it silences; `None` for `ignore-file`.
    pub target_line: Option<usize>,
    /// Codes or prefixes, upper case.
    pub codes: Vec<String>,
}

impl Suppression {
    /// Whether it silences `code` at 1-based `line` of `path`.
    pub(crate) fn covers(&self, path: &Path, line: usize, code: &str) -> bool {
        self.path == path
            && self.target_line.is_none_or(|t| t == line)
            && self.codes.iter().any(|c| code.starts_with(c.as_str()))
    }
}

/// Find the suppression comments of one file, in the comments its parser
/// found: a `#` inside a gitlab.rb heredoc or a `;` inside a multi-line
/// php.ini string is no comment, and silences nothing.
pub(crate) fn scan(file: &SourceFile<'_>) -> Vec<Suppression> {
    let (source, index) = (file.source, file.lines);
    if file.comments.is_empty() || memchr::memmem::find(source, b"conflint:").is_none() {
        return Vec::new();
    }
    let comment_lines: HashSet<usize> = file.comments.iter().map(|c| index.line_of(c.start)).collect();
    let mut found = Vec::new();
    for comment in &file.comments {
        let text = String::from_utf8_lossy(&source[comment.range()]);
        // A template's own comment (`{# ... #}`, `<%# ... %>`) counts too.
        let text = text.trim().trim_start_matches("{#").trim_start_matches("<%#");
        let text = text.trim_end_matches("#}").trim_end_matches("%>").trim_end_matches('-');
        let body = text.trim_start_matches(['#', ';']).trim();
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
        let line = index.line_of(comment.start);
        // The first line below that is not itself a comment (1-based).
        let target_line = (!file_wide).then(|| {
            let mut next = line + 1;
            while comment_lines.contains(&next) {
                next += 1;
            }
            next + 1
        });
        let start = index.line_start(line);
        let span = Span::new(start, start + index.line_text(source, line).len());
        found.push(Suppression { path: file.path.to_path_buf(), span, target_line, codes });
    }
    found
}

/// The suppressions of a unit, found by file and line without a scan of
/// them all for every finding.
pub(crate) struct SuppressionIndex<'a> {
    all: &'a [Suppression],
    by_line: HashMap<(&'a Path, usize), Vec<usize>>,
    file_wide: HashMap<&'a Path, Vec<usize>>,
}

impl<'a> SuppressionIndex<'a> {
    /// Index `all`, in the order given.
    pub(crate) fn new(all: &'a [Suppression]) -> Self {
        let mut by_line: HashMap<(&Path, usize), Vec<usize>> = HashMap::new();
        let mut file_wide: HashMap<&Path, Vec<usize>> = HashMap::new();
        for (i, suppression) in all.iter().enumerate() {
            match suppression.target_line {
                Some(line) => by_line.entry((&suppression.path, line)).or_default().push(i),
                None => file_wide.entry(&suppression.path).or_default().push(i),
            }
        }
        SuppressionIndex { all, by_line, file_wide }
    }

    /// The position in `all` of the first suppression that silences `code`
    /// at 1-based `line` of `path`.
    pub(crate) fn find(&self, path: &Path, line: usize, code: &str) -> Option<usize> {
        let at_line = self.by_line.get(&(path, line)).into_iter().flatten();
        let in_file = self.file_wide.get(path).into_iter().flatten();
        at_line.chain(in_file).copied().filter(|&i| self.all[i].covers(path, line, code)).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use conflint_core::{FileKind, Model, Target};

    fn scan_bytes(path: &str, source: &[u8], kind: FileKind) -> Vec<Suppression> {
        let mut fs = conflint_core::source::MemoryFileSystem::new();
        fs.insert(path, source.to_vec());
        let loaded = Target::fragment(kind, path).load(&fs, &Default::default());
        let model: Model = loaded.model.expect("parses");
        model.files().iter().flat_map(scan).collect()
    }

    #[test]
    fn a_hash_inside_a_heredoc_is_no_suppression() {
        let src = b"x = <<~EOS\n  # conflint: ignore-file[GL001]\nEOS\n# conflint: ignore[GL002]\ny['a'] = 1\n";
        let found = scan_bytes("gitlab.rb", src, FileKind::GitlabRb);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].codes, ["GL002"]);
    }

    #[test]
    fn a_semicolon_inside_a_quoted_value_is_no_suppression() {
        let src = b"x = \"a\n; conflint: ignore-file[PH001]\nb\"\nexpose_php = On\n";
        assert!(scan_bytes("php.ini", src, FileKind::PhpIni).is_empty());
    }

    #[test]
    fn a_comment_inside_a_multi_line_hash_still_counts() {
        let src = b"gitlab_rails['x'] = {\n  # conflint: ignore[GL002]\n  'max_retry' => 5,\n}\n";
        let found = scan_bytes("gitlab.rb", src, FileKind::GitlabRb);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].target_line, Some(3));
    }

    #[test]
    fn index_finds_the_first_covering_suppression() {
        let src = b"# conflint: ignore-file[HT]\n# conflint: ignore[HT002]\nServerSignature On\n";
        let found = scan_bytes("a.conf", src, FileKind::Httpd);
        let index = SuppressionIndex::new(&found);
        assert_eq!(index.find(Path::new("a.conf"), 3, "HT002"), Some(0));
        assert_eq!(index.find(Path::new("a.conf"), 1, "HT007"), Some(0));
        assert_eq!(index.find(Path::new("a.conf"), 3, "PH001"), None);
        assert_eq!(index.find(Path::new("b.conf"), 3, "HT002"), None);
    }

    #[test]
    fn a_run_of_comments_targets_the_line_below_it() {
        let src = b"# conflint: ignore[HT002]\n# conflint: ignore[HT007]\n# why\nServerSignature On\n";
        let found = scan_bytes("a.conf", src, FileKind::Httpd);
        assert_eq!(found.iter().map(|s| s.target_line).collect::<Vec<_>>(), [Some(4), Some(4)]);
        let at_end = scan_bytes("a.conf", b"# conflint: ignore[HT002]\n", FileKind::Httpd);
        assert_eq!(at_end[0].target_line, Some(2));
    }

    #[test]
    fn line_and_file_suppressions() {
        let src = b"# conflint: ignore[HT002, ht007]\n# because the status page needs it\nServerSignature On\n# conflint: ignore-file[HT003]\n";
        let found = scan_bytes("a.conf", src, FileKind::Httpd);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].target_line, Some(3));
        assert!(found[0].covers(Path::new("a.conf"), 3, "HT007"));
        assert!(!found[0].covers(Path::new("a.conf"), 2, "HT002"));
        assert!(found[1].covers(Path::new("a.conf"), 99, "HT003"));
    }

    #[test]
    fn php_uses_semicolons() {
        // PHP 7+ reads a `#` line as a key, never as a comment.
        let src = b"; conflint: ignore[PH001]\nexpose_php = On\n# conflint = \"ignore[PH002]\"\n";
        let found = scan_bytes("php.ini", src, FileKind::PhpIni);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].codes, ["PH001"]);
    }
}
