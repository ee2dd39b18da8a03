//! The lossless syntax tree of a Postfix master.cf file.
//!
//! Items in file order, as for main.cf. A service is one logical line: the
//! eight fields `service type private unpriv chroot wakeup maxproc command`
//! and the command's arguments, among them the `-o name=value` overrides
//! of main.cf parameters for that service.
//!
//! Fields and arguments are split the way the master daemon does
//! (src/master/master_ent.c): the eight fields at white space, the
//! arguments at white space except inside `{...}` (Postfix 3.0+), and an
//! argument that starts with `{` loses its braces and the white space just
//! inside them. The daemon then reads its options with getopt(3), stopping
//! at the first argument that is not an option: so `-o` counts only before
//! the first non-option argument, and `-oname=value` is `-o name=value`.

use std::borrow::Cow;

use crate::error::SyntaxError;
use crate::postfix::lines::{
    self, Flavor, LogicalLine, LogicalText, Statement, WORD_SEPARATORS, brace_payload, is_space,
};
use crate::text::{LineIndex, Span, lossy};

/// One parsed master.cf file.
#[derive(Debug, Clone)]
pub struct MasterCf {
    source: Vec<u8>,
    index: LineIndex,
    template: Option<Box<crate::template::TemplateInfo>>,
    /// The items in file order.
    pub items: Vec<MasterCfItem>,
}

/// One item: a blank line, a comment line, a service, or ignored text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterCfItem {
    /// All bytes of the item, its last line end included.
    pub span: Span,
    /// What the item is.
    pub kind: MasterCfItemKind,
}

/// The kinds of master.cf items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MasterCfItemKind {
    /// Empty, or white space only.
    Blank,
    /// A comment line; `text` runs from the `#` to the line end.
    Comment {
        /// From `#` to the end of the line.
        text: Span,
    },
    /// A service definition (boxed: its eight fields make it much larger than the other kinds).
    Service(Box<Service>),
    /// Continuation lines at the start of the file, which Postfix ignores.
    Ignored(LogicalLine),
}

/// One field or argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Its bytes in the file (a brace group over several lines covers the
    /// line ends in between).
    pub span: Span,
    /// The text as written, braces included.
    pub raw: String,
    /// The text the program gets: for a `{...}` argument, what is inside
    /// the braces without the white space around it.
    pub text: String,
    /// Where `text` is in the logical line's joined text.
    pub(crate) joined: (usize, usize),
}

/// A `-o name=value` override of a main.cf parameter for one service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// From the `-o` to the end of the value (one or two arguments).
    pub span: Span,
    /// The argument that holds `name=value` (or `{ name = value }`), or
    /// the `-oname=value` argument itself.
    pub argument: Span,
    /// The parameter name.
    pub name: String,
    /// The value, white space around it trimmed (`split_nameval`).
    pub value: String,
    /// Whether the value was written in braces (`-o { name = value }`).
    pub braced: bool,
    /// The value's bytes in the file (empty, after the `=`, for `name=`).
    pub value_span: Span,
}

/// One service: a logical line of master.cf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// The eight fields: service, type, private, unpriv, chroot, wakeup,
    /// maxproc, command.
    pub fields: [Field; 8],
    /// The command's arguments in order.
    pub args: Vec<Field>,
    /// The `-o` overrides in order (a later one for the same name wins).
    pub overrides: Vec<Override>,
    /// The physical lines of the service.
    pub logical: LogicalLine,
}

/// The names of the eight fields, as `postconf -F` prints them.
pub const FIELD_NAMES: [&str; 8] =
    ["service", "type", "private", "unprivileged", "chroot", "wakeup", "process_limit", "command"];

impl Service {
    /// The service name (first field), e.g. `smtp`, `submission`, `127.0.0.1:2525`.
    pub fn name(&self) -> &str {
        &self.fields[0].text
    }

    /// The service type (second field): `inet`, `unix`, `unix-dgram`, `fifo` or `pass`.
    pub fn kind(&self) -> &str {
        &self.fields[1].text
    }

    /// The command (eighth field), e.g. `smtpd`.
    pub fn command(&self) -> &str {
        &self.fields[7].text
    }

    /// `name/type`, the key `postconf -P` and `-M` use.
    pub fn key(&self) -> String {
        format!("{}/{}", self.name(), self.kind())
    }

    /// The value a `-o` override gives `name` for this service (the last one).
    pub fn override_value(&self, name: &str) -> Option<&Override> {
        self.overrides.iter().rev().find(|o| o.name == name)
    }
}

impl MasterCf {
    /// Parse `source` as Postfix reads master.cf. Fails where the master
    /// daemon refuses the file: fewer than eight fields, a bad field value,
    /// an unbalanced `{...}`, a `-o` without a `name=value`.
    ///
    /// ```
    /// use conflint_core::postfix::MasterCf;
    ///
    /// let text = "submission inet n - y - - smtpd\n  -o syslog_name=postfix/submission\n  -o { smtpd_tls_security_level = encrypt }\n";
    /// let file = MasterCf::parse(text).unwrap();
    /// assert_eq!(file.print(), text.as_bytes());
    /// let service = file.service("submission", "inet").unwrap();
    /// assert_eq!(service.command(), "smtpd");
    /// let level = service.override_value("smtpd_tls_security_level").unwrap();
    /// assert_eq!((level.value.as_str(), level.braced), ("encrypt", true));
    ///
    /// let error = MasterCf::parse("smtp inet n - y - smtpd\n").unwrap_err();
    /// assert_eq!(error.message, "bad field count");
    /// ```
    pub fn parse(source: impl Into<Vec<u8>>) -> Result<Self, SyntaxError> {
        let source = source.into();
        let index = LineIndex::new(&source);
        let mut items = Vec::new();
        for statement in lines::statements(&source, Flavor::Master)? {
            let (span, kind) = match statement {
                Statement::Blank(span) => (span, MasterCfItemKind::Blank),
                Statement::Comment(span, text) => (span, MasterCfItemKind::Comment { text }),
                Statement::Orphan(span, logical) => (span, MasterCfItemKind::Ignored(logical)),
                Statement::Logical(span, logical) => {
                    (span, MasterCfItemKind::Service(Box::new(service(&source, &index, logical)?)))
                }
            };
            items.push(MasterCfItem { span, kind });
        }
        Ok(MasterCf { source, index, template: None, items })
    }

    /// For a template (`main.cf.j2`): its holes, tags and blocks. The
    /// items were read from the masked text; [`Self::source`] is the
    /// template's own bytes.
    pub fn template(&self) -> Option<&crate::template::TemplateInfo> {
        self.template.as_deref()
    }

    /// Keep the template's own bytes after parsing its masked text (same length).
    pub(crate) fn adopt_template(&mut self, original: Vec<u8>, info: crate::template::TemplateInfo) {
        if original.len() == self.source.len() {
            self.source = original;
            self.template = Some(Box::new(info));
        }
    }

    /// The comment lines, standalone and between the lines of a setting:
    /// where suppression comments are read.
    pub fn comment_spans(&self) -> Vec<Span> {
        let mut out = Vec::new();
        for item in &self.items {
            match &item.kind {
                MasterCfItemKind::Comment { text } => out.push(*text),
                MasterCfItemKind::Service(s) => out.extend(s.logical.comments.iter().copied()),
                _ => {}
            }
        }
        out
    }

    /// The original bytes.
    pub fn source(&self) -> &[u8] {
        &self.source
    }

    /// Line starts, for line and column numbers.
    pub fn line_index(&self) -> &LineIndex {
        &self.index
    }

    /// Print the tree: every item, in order. Equal to the input.
    pub fn print(&self) -> Vec<u8> {
        crate::text::print_spans(&self.source, None, self.items.iter().map(|i| i.span))
    }

    /// The bytes of `span` as text (invalid UTF-8 becomes U+FFFD).
    pub fn text(&self, span: Span) -> Cow<'_, str> {
        lossy(self.source.get(span.range()).unwrap_or_default())
    }

    /// The services in file order, with their index in [`MasterCf::items`].
    pub fn services(&self) -> impl Iterator<Item = (usize, &Service)> + '_ {
        self.items.iter().enumerate().filter_map(|(i, item)| match &item.kind {
            MasterCfItemKind::Service(s) => Some((i, &**s)),
            _ => None,
        })
    }

    /// The service `name` of type `kind` (the first, as `postconf -M name/type` shows).
    pub fn service(&self, name: &str, kind: &str) -> Option<&Service> {
        self.services().map(|(_, s)| s).find(|s| s.name() == name && s.kind() == kind)
    }

    /// A readable dump, one item per line; for snapshot tests and debugging.
    pub fn outline(&self) -> String {
        let mut out = String::new();
        for item in &self.items {
            let what = match &item.kind {
                MasterCfItemKind::Blank => "Blank".to_string(),
                MasterCfItemKind::Comment { text } => format!("Comment {:?}", self.text(*text)),
                MasterCfItemKind::Ignored(_) => format!("Ignored {:?}", self.text(item.span)),
                MasterCfItemKind::Service(s) => {
                    let fields: Vec<&str> = s.fields.iter().map(|f| f.text.as_str()).collect();
                    let args: Vec<&str> = s.args.iter().map(|f| f.text.as_str()).collect();
                    let overrides: Vec<String> =
                        s.overrides.iter().map(|o| format!("{}={}", o.name, o.value)).collect();
                    format!("Service {fields:?} args {args:?} overrides {overrides:?}")
                }
            };
            out.push_str(&format!("{:?} {what}\n", item.span));
        }
        out
    }
}

/// The master daemon's reading of one logical line.
fn service(source: &[u8], index: &LineIndex, logical: LogicalLine) -> Result<Service, SyntaxError> {
    let joined = logical.text(source);
    let text = &joined.text;
    let at = |offset: usize, message: String| {
        let offset = offset.min(text.len().saturating_sub(1));
        SyntaxError::at(source, index, Span::empty(joined.source_offset(offset)), message)
    };
    let field = |start: usize, end: usize, braced: bool| -> Result<Field, SyntaxError> {
        let raw = String::from_utf8_lossy(&text[start..end]).into_owned();
        let (value, joined_range) = if braced && raw.starts_with('{') {
            match brace_payload(&raw) {
                Some(inner) => {
                    // `inner` is a slice of `raw`: find where it starts.
                    let offset = inner.as_ptr() as usize - raw.as_ptr() as usize;
                    (inner.to_string(), (start + offset, start + offset + inner.len()))
                }
                None if has_close(&raw) => {
                    return Err(at(start, format!("syntax error after '}}' in \"{raw}\"")));
                }
                None => return Err(at(start, format!("missing '}}' in \"{raw}\""))),
            }
        } else {
            (raw.clone(), (start, end))
        };
        Ok(Field { span: joined.source_span(start, end), raw, text: value, joined: joined_range })
    };

    // The eight fields: plain white-space separated words (mystrtok).
    let mut fields = Vec::with_capacity(8);
    let mut pos = 0;
    while fields.len() < 8 {
        while pos < text.len() && is_space(text[pos]) {
            pos += 1;
        }
        if pos >= text.len() {
            return Err(at(0, "bad field count".to_string()));
        }
        let start = pos;
        while pos < text.len() && !is_space(text[pos]) {
            pos += 1;
        }
        fields.push(field(start, pos, false)?);
    }
    let fields: [Field; 8] = match fields.try_into() {
        Ok(f) => f,
        Err(_) => return Err(at(0, "bad field count".to_string())),
    };
    check_fields(&fields).map_err(|(i, message)| at(joined_offset(&joined, fields[i].span), message))?;

    // The arguments: words with `{...}` groups (mystrtokq), braces removed.
    let mut args = Vec::new();
    for word in lines::split_words(&text[pos..], WORD_SEPARATORS) {
        args.push(field(pos + word.start, pos + word.end, true)?);
    }
    let overrides =
        overrides(&args, &joined).map_err(|(i, message)| at(joined_offset(&joined, args[i].span), message))?;
    Ok(Service { fields, args, overrides, logical })
}

/// Whether a `{`-word has a `}` that closes the first brace before its end.
fn has_close(raw: &str) -> bool {
    let mut level = 0usize;
    for c in raw.bytes() {
        match c {
            b'{' => level += 1,
            b'}' if level > 0 => {
                level -= 1;
                if level == 0 {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

/// The offset in the joined text of the start of a field, for messages.
fn joined_offset(joined: &LogicalText, span: Span) -> usize {
    (0..joined.text.len()).find(|i| joined.source_offset(*i) == span.start).unwrap_or(0)
}

/// The checks `postconf` and the master daemon make of the fields
/// (pcf_check_master_entry, master_ent.c); Postfix will not start with a
/// bad one. The messages are postconf's.
fn check_fields(fields: &[Field; 8]) -> Result<(), (usize, String)> {
    const TYPES: [&str; 5] = ["unix", "fifo", "inet", "pass", "unix-dgram"];
    let kind = &fields[1].text;
    if !TYPES.contains(&kind.as_str()) {
        return Err((1, format!("invalid type field \"{kind}\"")));
    }
    for (i, name) in [(2, "private"), (3, "unprivileged"), (4, "chroot")] {
        let value = &fields[i].text;
        if !matches!(value.as_str(), "y" | "n" | "-") {
            return Err((i, format!("invalid {name} field \"{value}\"")));
        }
    }
    let wakeup = &fields[5].text;
    let digits = wakeup.strip_suffix('?').unwrap_or(wakeup);
    if wakeup != "-" && !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err((5, format!("invalid wakeup field \"{wakeup}\"")));
    }
    let maxproc = &fields[6].text;
    if maxproc != "-" && !maxproc.bytes().all(|b| b.is_ascii_digit()) {
        return Err((6, format!("invalid process_limit field \"{maxproc}\"")));
    }
    Ok(())
}

/// The `-o` overrides, read as the daemon's getopt(3) reads its arguments:
/// options until the first argument that is not one (or `--`); an option
/// argument may bundle letters (`-vo name=value`), and `-o` takes the rest
/// of its argument (`-oname=value`) or else the next argument.
fn overrides(args: &[Field], joined: &LogicalText) -> Result<Vec<Override>, (usize, String)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let raw = &args[i].raw;
        if raw == "--" || !raw.starts_with('-') || raw == "-" {
            break;
        }
        // The first letter that takes a value ends the bundle (the
        // daemons' option string is "cdDi:lm:n:o:r:s:St:uvVz").
        let Some(letter) = raw[1..].find(|c| "imnorst".contains(c)).map(|p| p + 1) else {
            i += 1;
            continue;
        };
        let rest = &raw[letter + 1..];
        // The value's text, and where it starts in the joined text.
        let (arg_index, text, text_at, braced) = if !rest.is_empty() {
            // The rest of the word is the value, braces and all: the
            // daemon removes braces only from a word that starts with `{`.
            (i, rest.to_string(), args[i].joined.0 + letter + 1, false)
        } else {
            let Some(next) = args.get(i + 1) else {
                let option = &raw[letter..=letter];
                return Err((i, format!("option requires an argument -- '{option}'")));
            };
            (i + 1, next.text.clone(), next.joined.0, next.raw.starts_with('{'))
        };
        if &raw[letter..=letter] != "o" {
            i = arg_index + 1;
            continue;
        }
        let ((np, ep), (vp, vq)) =
            split_nameval(&text).map_err(|e| (arg_index, format!("invalid \"-o {text}\" option value: {e}")))?;
        let value_span = if vq > vp {
            joined.source_span(text_at + vp, text_at + vq)
        } else {
            Span::empty(joined.source_offset(text_at + vp.saturating_sub(1)) + 1)
        };
        out.push(Override {
            span: Span::new(args[i].span.start, args[arg_index].span.end),
            argument: args[arg_index].span,
            name: text[np..ep].to_string(),
            value: text[vp..vq].to_string(),
            braced,
            value_span,
        });
        i = arg_index + 1;
    }
    Ok(out)
}

/// `split_nameval()`: name up to white space or `=`, then `=`, then the
/// value with white space around it trimmed.
/// A byte range `start..end`.
type Range = (usize, usize);

pub(crate) fn split_nameval(text: &str) -> Result<(Range, Range), &'static str> {
    let bytes = text.as_bytes();
    let skip = |from: usize| from + bytes[from..].iter().take_while(|b| is_space(**b)).count();
    let np = skip(0);
    if np == bytes.len() || bytes[np] == b'=' {
        return Err("missing attribute name");
    }
    let ep = np + bytes[np..].iter().take_while(|b| !is_space(**b) && **b != b'=').count();
    let cp = skip(ep);
    if bytes.get(cp) != Some(&b'=') {
        return Err("missing '=' after attribute name");
    }
    let vp = skip(cp + 1);
    let vq = bytes.len() - bytes[vp..].iter().rev().take_while(|b| is_space(**b)).count();
    Ok(((np, ep), (vp, vq)))
}
