//! `--template-source TEMPLATE`: findings of a file the user's own tooling
//! rendered, shown on the template's lines. A rendered line is matched to
//! the template line whose literal text it holds in order, placeholders
//! matching anything; lines of a loop body match each time the loop ran.
//! A finding whose line matches no template line stays on the rendering.

use std::path::{Path, PathBuf};

use conflint_core::template::{dialect, mask};
use conflint_rules::Diagnostic;

/// A template line: its literal pieces between placeholders, or `None` for
/// a line that renders to nothing (a tag or a template comment alone).
struct Pattern {
    pieces: Vec<String>,
    /// Whether the line starts or ends with a placeholder.
    open_start: bool,
    open_end: bool,
}

impl Pattern {
    fn matches(&self, line: &str) -> bool {
        let mut rest = line;
        for (i, piece) in self.pieces.iter().enumerate() {
            let anchored_start = i == 0 && !self.open_start;
            match rest.find(piece.as_str()) {
                Some(0) => rest = &rest[piece.len()..],
                Some(at) if !anchored_start => rest = &rest[at + piece.len()..],
                _ => return false,
            }
        }
        self.open_end || rest.is_empty() || self.pieces.is_empty()
    }
}

/// The template's lines as patterns (by 0-based line).
fn patterns(template: &[u8], path: &Path) -> Option<Vec<Option<Pattern>>> {
    let (dialect, _) = dialect(path)?;
    let masked = mask(template, dialect);
    let text = String::from_utf8_lossy(template);
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let end = offset + line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let line_end = offset + body.len();
        let tags: Vec<_> = masked.info.tags.iter().filter(|t| t.start < line_end && t.end > offset).collect();
        let holes: Vec<_> = masked.info.holes.iter().filter(|h| h.start < line_end && h.end > offset).collect();
        let untagged: String = {
            let mut s = String::new();
            let mut at = offset;
            for tag in &tags {
                if tag.start > at {
                    s.push_str(&text[at..tag.start.min(line_end)]);
                }
                at = at.max(tag.end);
            }
            if at < line_end {
                s.push_str(&text[at..line_end]);
            }
            s
        };
        if !tags.is_empty() && untagged.trim().is_empty() {
            out.push(None);
        } else {
            let mut pieces = Vec::new();
            let mut at = offset;
            for hole in &holes {
                pieces.push(text[at..hole.start.max(at)].to_string());
                at = hole.end.min(line_end);
            }
            pieces.push(text[at..line_end].to_string());
            let open_start = holes.first().is_some_and(|h| h.start <= offset);
            let open_end = holes.last().is_some_and(|h| h.end >= line_end);
            pieces.retain(|p| !p.is_empty());
            out.push(Some(Pattern { pieces, open_start, open_end }));
        }
        offset = end;
    }
    Some(out)
}

/// For each 1-based rendered line, the 1-based template line it comes from.
fn line_map(template: &[Option<Pattern>], rendered: &str) -> Vec<Option<usize>> {
    let mut out = Vec::new();
    let mut cursor = 0;
    for line in rendered.lines() {
        let found =
            (cursor..template.len()).chain(0..cursor).find(|&j| template[j].as_ref().is_some_and(|p| p.matches(line)));
        if let Some(j) = found {
            cursor = j + 1;
        }
        out.push(found.map(|j| j + 1));
    }
    out
}

/// Move the findings on `rendered` to the template's lines.
pub fn map_findings(diagnostics: &mut [Diagnostic], template_path: &Path, rendered_path: &Path) -> Result<(), String> {
    let template = std::fs::read(template_path).map_err(|e| format!("cannot read the template: {e}"))?;
    let rendered = std::fs::read_to_string(rendered_path).map_err(|e| format!("cannot read the rendering: {e}"))?;
    let patterns = patterns(&template, template_path)
        .ok_or_else(|| "--template-source needs a template (.j2, .jinja, .erb, .epp, .tmpl, .tpl)".to_string())?;
    let map = line_map(&patterns, &rendered);
    let index = conflint_core::LineIndex::new(&template);
    let rendered_real: PathBuf = std::fs::canonicalize(rendered_path).unwrap_or_else(|_| rendered_path.to_path_buf());
    for d in diagnostics.iter_mut() {
        let same = std::fs::canonicalize(&d.location.path).is_ok_and(|p| p == rendered_real);
        if !same {
            continue;
        }
        let Some(Some(line)) = map.get(d.location.start.line.saturating_sub(1)) else { continue };
        let rendered_line = d.location.start.line;
        d.message =
            format!("{} (rendered as {}:{rendered_line})", d.message, conflint_core::text::quoted_path(rendered_path));
        d.location.path = template_path.to_path_buf();
        d.location.start.line = *line;
        d.location.end.line = *line;
        d.location.start.column = 1;
        d.location.end.column = 1;
        let start = index.line_start(line - 1);
        let text = index.line_text(&template, line - 1);
        d.location.span = conflint_core::Span::new(start, start + text.len());
        d.fix = None;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loop_maps_every_rendered_line_to_its_body() {
        let template =
            b"{% for k, v in settings.items() %}\ngitlab_rails['{{ k }}'] = {{ v }}\n{% endfor %}\nexternal_url 'x'\n";
        let pats = patterns(template, Path::new("gitlab.rb.j2")).unwrap();
        let rendered = "gitlab_rails['a'] = 1\ngitlab_rails['b'] = true\nexternal_url 'x'\n";
        assert_eq!(line_map(&pats, rendered), [Some(2), Some(2), Some(4)]);
    }
}
