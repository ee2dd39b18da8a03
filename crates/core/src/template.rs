//! Templates of configuration files (Ansible's Jinja2, Puppet's and Chef's
//! ERB, Puppet's EPP, Go-style `.tmpl`), read as the target format with
//! holes, without rendering them.
//!
//! The template's bytes are *masked* into a text of exactly the same length
//! that the format's parser reads: an expression (`{{ port }}`, `<%= @x %>`)
//! becomes a word of `x`s (a placeholder: one argument, one value), a
//! control tag (`{% if %}`, `<% end %>`) and a template comment become
//! blanks, so a line holding only a tag is a blank line. The parser keeps
//! the original bytes afterwards: spans line up byte for byte, printing
//! gives back the template, and every value read from a span shows the
//! template text (`{{ port }}`). What the mask records ([`TemplateInfo`])
//! tells rules which bytes are holes and which lines only some renderings
//! contain (inside `if`/`for` blocks: "maybe", like `<IfDefine>`).

use std::path::Path;

use crate::text::Span;

/// A template language, known from the file's last extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// Jinja2 (`.j2`, `.jinja`, `.jinja2`): `{{ }}`, `{% %}`, `{# #}`.
    Jinja,
    /// ERB (`.erb`): `<%= %>`, `<% %>`, `<%# %>`, blocks closed by `end`.
    Erb,
    /// Puppet EPP (`.epp`): ERB's tags, blocks in braces.
    Epp,
    /// `.tmpl`/`.tpl`: `{{ }}` holes; `{{ if }}`/`{{ range }}`/`{{ end }}`
    /// (Go) and `{% %}` (Jinja) controls.
    Generic,
}

/// Template extensions and their dialects.
const EXTENSIONS: &[(&str, Dialect)] = &[
    (".j2", Dialect::Jinja),
    (".jinja2", Dialect::Jinja),
    (".jinja", Dialect::Jinja),
    (".erb", Dialect::Erb),
    (".epp", Dialect::Epp),
    (".tmpl", Dialect::Generic),
    (".tpl", Dialect::Generic),
];

/// The dialect of a template file and the name of what it renders
/// (`httpd.conf.j2` renders `httpd.conf`); `None` for a file that is no
/// template.
pub fn dialect(path: &Path) -> Option<(Dialect, String)> {
    let name = path.file_name()?.to_string_lossy();
    EXTENSIONS.iter().find_map(|(ext, dialect)| {
        let stem = name.strip_suffix(ext)?;
        (!stem.is_empty()).then(|| (*dialect, stem.to_string()))
    })
}

/// The path a template renders: its own with the template extension off.
pub fn rendered_path(path: &Path) -> Option<std::path::PathBuf> {
    let (_, stem) = dialect(path)?;
    Some(path.with_file_name(stem))
}

/// What masking a template found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateInfo {
    /// The dialect.
    pub dialect: Option<Dialect>,
    /// Expressions: what a rendering puts there is unknown.
    pub holes: Vec<Span>,
    /// Control tags and template comments.
    pub tags: Vec<Span>,
    /// The bytes between a block's opening and closing tags: only some
    /// renderings hold them (an `if` branch), or hold them several times
    /// (a `for` body).
    pub branches: Vec<Span>,
    /// The template comments (`{# ... #}`, `<%# ... %>`), which can hold
    /// suppressions.
    pub comments: Vec<Span>,
    /// Whether a `for`/`each` loop or a hole at the start of a line could
    /// make the rendering hold any setting at all.
    pub open_ended: bool,
    /// What the template reader could not follow.
    pub problems: Vec<(Span, String)>,
}

impl TemplateInfo {
    /// Whether `span` touches a hole.
    pub fn touches_hole(&self, span: Span) -> bool {
        self.holes.iter().any(|h| h.overlaps(&span) || (span.start >= h.start && span.end <= h.end))
    }

    /// Whether `offset` lies inside a block (a conditional or a loop).
    pub fn in_branch(&self, offset: usize) -> bool {
        self.branches.iter().any(|b| b.start <= offset && offset < b.end)
    }

    /// Whether the line holding `span` has a hole or a tag, or lies in a
    /// block: such lines are never rewritten by a fix.
    pub fn line_is_template(&self, source: &[u8], span: Span) -> bool {
        let start = source[..span.start.min(source.len())].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let end = source[span.end.min(source.len())..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(source.len(), |p| span.end + p);
        let line = Span::new(start, end.max(start));
        self.in_branch(span.start)
            || self
                .holes
                .iter()
                .chain(&self.tags)
                .any(|h| h.overlaps(&line) || (h.start >= line.start && h.start < line.end.max(line.start + 1)))
    }
}

/// A masked template: bytes for the parser, and what the mask found.
#[derive(Debug, Clone)]
pub struct Masked {
    /// Same length as the template; holes and tags replaced.
    pub bytes: Vec<u8>,
    /// What was found.
    pub info: TemplateInfo,
}

/// One tag of the template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    /// An expression (a hole).
    Expression,
    /// A statement (control).
    Statement,
    /// A comment.
    Comment,
}

/// Mask `source`, a template in `dialect`.
pub fn mask(source: &[u8], dialect: Dialect) -> Masked {
    let mut bytes = source.to_vec();
    let mut info = TemplateInfo { dialect: Some(dialect), ..TemplateInfo::default() };
    // Open blocks: where their opening tag ends, and the tag's span.
    let mut open: Vec<(usize, Span)> = Vec::new();
    let mut i = 0;
    while i < source.len() {
        let Some((kind, tag_end, body)) = tag_at(source, i, dialect) else {
            i += 1;
            continue;
        };
        let span = Span::new(i, tag_end);
        match kind {
            Tag::Expression => {
                info.holes.push(span);
                if at_line_start(source, i) {
                    info.open_ended = true;
                }
                fill(&mut bytes, span, b'x');
            }
            Tag::Comment => {
                info.comments.push(span);
                info.tags.push(span);
                fill(&mut bytes, span, b' ');
            }
            Tag::Statement => {
                info.tags.push(span);
                fill(&mut bytes, span, b' ');
                let word = body.split(|c: char| !(c.is_alphanumeric() || c == '_')).find(|w| !w.is_empty());
                match block_effect(dialect, body, word.unwrap_or("")) {
                    Block::Open { looping } => {
                        info.open_ended |= looping;
                        open.push((tag_end, span));
                    }
                    Block::Middle => {
                        // `else`: the branch before ends here, a new one starts.
                        if let Some(top) = open.last_mut() {
                            info.branches.push(Span::new(top.0, i));
                            top.0 = tag_end;
                        }
                    }
                    Block::Close => match open.pop() {
                        Some((start, _)) => info.branches.push(Span::new(start, i)),
                        None => info.problems.push((span, "this tag closes a block that was never opened".to_string())),
                    },
                    Block::None => {}
                }
                if word == Some("raw") && dialect == Dialect::Jinja {
                    // `{% raw %}`: literal text up to `{% endraw %}`.
                    if let Some(end) = find(source, tag_end, b"endraw") {
                        i = end;
                        continue;
                    }
                }
            }
        }
        i = tag_end;
    }
    for (_, span) in open {
        info.problems
            .push((span, "this block is never closed: conflint cannot tell which lines a rendering holds".to_string()));
    }
    Masked { bytes, info }
}

/// What a statement does to block nesting.
enum Block {
    Open { looping: bool },
    Middle,
    Close,
    None,
}

fn block_effect(dialect: Dialect, body: &str, first: &str) -> Block {
    match dialect {
        Dialect::Jinja | Dialect::Generic => match first {
            "if" | "macro" | "block" | "call" | "filter" | "with" | "raw" => Block::Open { looping: false },
            "for" | "range" => Block::Open { looping: true },
            // `{% set x %}...{% endset %}` is a block; `{% set x = 1 %}` is not.
            "set" if !body.contains('=') => Block::Open { looping: false },
            "elif" | "else" => Block::Middle,
            w if w.starts_with("end") => Block::Close,
            _ => Block::None,
        },
        Dialect::Erb => {
            let trimmed = body.trim().trim_end_matches('-').trim();
            if matches!(first, "if" | "unless" | "while" | "until" | "case" | "begin") {
                Block::Open { looping: matches!(first, "while" | "until") }
            } else if trimmed.ends_with(" do")
                || trimmed.contains(" do |")
                || trimmed.ends_with("do") && trimmed.contains('|')
            {
                Block::Open { looping: true }
            } else if matches!(first, "else" | "elsif" | "when" | "rescue" | "ensure") {
                Block::Middle
            } else if first == "end" {
                Block::Close
            } else {
                Block::None
            }
        }
        Dialect::Epp => {
            let opens = body.matches('{').count();
            let closes = body.matches('}').count();
            match (opens, closes) {
                (o, c) if o > c => Block::Open { looping: body.contains(".each") || body.contains(".map") },
                (o, c) if c > o => Block::Close,
                (o, c) if o > 0 && o == c => Block::Middle,
                _ => Block::None,
            }
        }
    }
}

/// The tag starting at `i`, if any: its kind, the offset after it, and its
/// body (between the delimiters).
fn tag_at(source: &[u8], i: usize, dialect: Dialect) -> Option<(Tag, usize, &str)> {
    let rest = &source[i..];
    let (open_len, close, kind): (usize, &[u8], Tag) = match dialect {
        Dialect::Jinja | Dialect::Generic => {
            if rest.starts_with(b"{{") {
                (2, b"}}", Tag::Expression)
            } else if rest.starts_with(b"{%") {
                (2, b"%}", Tag::Statement)
            } else if rest.starts_with(b"{#") {
                (2, b"#}", Tag::Comment)
            } else {
                return None;
            }
        }
        Dialect::Erb | Dialect::Epp => {
            if !rest.starts_with(b"<%") || rest.starts_with(b"<%%") {
                return None;
            }
            match rest.get(2) {
                Some(b'=') => (if rest.get(3) == Some(&b'=') { 4 } else { 3 }, b"%>", Tag::Expression),
                Some(b'#') => (3, b"%>", Tag::Comment),
                Some(b'-') => (3, b"%>", Tag::Statement),
                _ => (2, b"%>", Tag::Statement),
            }
        }
    };
    let end = find(source, i + open_len, close)?;
    let tag_end = end + close.len();
    let body = std::str::from_utf8(&source[i + open_len..end]).unwrap_or("");
    let body = body.trim_start_matches(['-', '+', '=']).trim_end_matches(['-', '+']);
    // Go templates: a `{{ if }}`/`{{ range }}`/`{{ end }}` is a statement.
    if dialect == Dialect::Generic && kind == Tag::Expression {
        let word = body.split_whitespace().next().unwrap_or("");
        if matches!(word, "if" | "range" | "with" | "else" | "end" | "define" | "block" | "template") {
            return Some((Tag::Statement, tag_end, body));
        }
        if body.trim_start().starts_with("/*") {
            return Some((Tag::Comment, tag_end, body));
        }
    }
    Some((kind, tag_end, body))
}

fn find(source: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(source.get(from..)?, needle).map(|p| from + p)
}

fn at_line_start(source: &[u8], i: usize) -> bool {
    source[..i].iter().rev().take_while(|&&b| b != b'\n').all(|b| *b == b' ' || *b == b'\t')
}

/// Replace the bytes of `span` with `with`, keeping line breaks so lines
/// keep their numbers.
fn fill(bytes: &mut [u8], span: Span, with: u8) {
    for b in &mut bytes[span.range()] {
        if *b != b'\n' && *b != b'\r' {
            *b = with;
        }
    }
}

/// Parse the file at `path` with `parse`: through the mask when the path
/// names a template, keeping the template's own bytes. A template the
/// format's parser cannot read, or whose blocks do not close, gives one
/// problem about the template (never a cascade of syntax errors).
pub(crate) fn parse_file<T>(
    path: &Path,
    bytes: Vec<u8>,
    parse: impl Fn(Vec<u8>) -> Result<T, crate::SyntaxError>,
    adopt: impl Fn(&mut T, Vec<u8>, TemplateInfo),
) -> Result<(T, Vec<crate::LoadProblem>), Box<crate::LoadProblem>> {
    let Some((dialect, _)) = dialect(path) else {
        return parse(bytes).map(|file| (file, Vec::new())).map_err(|e| Box::new(crate::LoadProblem::syntax(path, e)));
    };
    let masked = mask(&bytes, dialect);
    let problems: Vec<crate::LoadProblem> = masked
        .info
        .problems
        .iter()
        .map(|(span, message)| crate::LoadProblem {
            path: path.to_path_buf(),
            span: *span,
            position: None,
            kind: crate::ProblemKind::Template(message.clone()),
        })
        .collect();
    match parse(masked.bytes) {
        Ok(mut file) => {
            adopt(&mut file, bytes, masked.info);
            Ok((file, problems))
        }
        Err(error) => {
            let position = Some(crate::LineColumn { line: error.line, column: error.column });
            let message = format!(
                "conflint cannot read this template as configuration ({}); a block or a placeholder probably spans what the configuration needs whole, so its content is not checked",
                error.message
            );
            Err(Box::new(crate::LoadProblem {
                path: path.to_path_buf(),
                span: error.span,
                position,
                kind: crate::ProblemKind::Template(message),
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jinja_holes_tags_and_branches() {
        let src = b"memory_limit = {{ php_memory_limit }}\n{% if apc %}\napc.enabled = 1\n{% endif %}\n{# note #}\n";
        let m = mask(src, Dialect::Jinja);
        assert_eq!(m.bytes.len(), src.len());
        assert_eq!(
            String::from_utf8(m.bytes.clone()).unwrap(),
            "memory_limit = xxxxxxxxxxxxxxxxxxxxxx\n            \napc.enabled = 1\n           \n          \n"
        );
        assert_eq!(m.info.holes, [Span::new(15, 37)]);
        assert_eq!(m.info.branches.len(), 1);
        assert!(m.info.in_branch(52));
        assert!(!m.info.in_branch(0));
        assert!(m.info.problems.is_empty());
    }

    #[test]
    fn erb_blocks_and_loops() {
        let src = b"<% if @allow_from -%>\nRequire ip <%= @allow_from %>\n<% end -%>\n<% @sites.each do |s| -%>\nX\n<% end %>\n";
        let m = mask(src, Dialect::Erb);
        assert_eq!(m.info.branches.len(), 2);
        assert!(m.info.open_ended);
        assert_eq!(m.info.holes.len(), 1);
        assert!(m.info.problems.is_empty());
    }

    #[test]
    fn an_unclosed_block_is_one_problem() {
        let m = mask(b"{% if x %}\nA 1\n", Dialect::Jinja);
        assert_eq!(m.info.problems.len(), 1);
    }

    #[test]
    fn dialects_by_extension() {
        assert_eq!(dialect(Path::new("t/httpd.conf.j2")), Some((Dialect::Jinja, "httpd.conf".to_string())));
        assert_eq!(dialect(Path::new("t/gitlab.rb.erb")), Some((Dialect::Erb, "gitlab.rb".to_string())));
        assert_eq!(dialect(Path::new("t/php.ini")), None);
    }
}
