//! Literal text to values, as Ruby reads it: string escapes, numbers, and
//! the words of `%w[]`.

use crate::text::Span;

/// The body of `'...'` (or `%q(...)`, with its delimiters): only `\\` and an
/// escaped delimiter lose their backslash.
pub(crate) fn single_quoted(body: &str, delimiters: &[char]) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(n) if n == '\\' || delimiters.contains(&n) => out.push(n),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether the body of `"..."` interpolates: an unescaped `#{`, `#@` or `#$`.
pub(crate) fn interpolates(body: &str) -> bool {
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'#' if matches!(bytes.get(i + 1), Some(b'{' | b'@' | b'$')) => return true,
            _ => i += 1,
        }
    }
    false
}

/// The body of `"..."` without interpolation. `None` for escapes that do
/// not give UTF-8 text (`"\xff"`) or that conflint does not decode
/// (`\cx`, `\C-x`, `\M-x` control and meta characters).
pub(crate) fn double_quoted(body: &str) -> Option<String> {
    let bytes = body.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let Some(&e) = bytes.get(i + 1) else {
            out.push(b'\\');
            break;
        };
        i += 2;
        match e {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b's' => out.push(b' '),
            b'r' => out.push(b'\r'),
            b'e' => out.push(0x1B),
            b'a' => out.push(0x07),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0C),
            b'v' => out.push(0x0B),
            // A backslash before a line break joins the lines.
            b'\n' => {}
            b'\r' if bytes.get(i) == Some(&b'\n') => i += 1,
            b'0'..=b'7' => {
                let digits = take_while(&bytes[i - 1..], 3, |d| (b'0'..=b'7').contains(&d));
                let code = u32::from_str_radix(&body[i - 1..i - 1 + digits], 8).ok()?;
                out.push((code & 0xFF) as u8);
                i += digits - 1;
            }
            b'x' => {
                let digits = take_while(&bytes[i..], 2, |d| d.is_ascii_hexdigit());
                if digits == 0 {
                    return None;
                }
                out.push(u8::from_str_radix(&body[i..i + digits], 16).ok()?);
                i += digits;
            }
            b'u' => {
                if bytes.get(i) == Some(&b'{') {
                    let close = body[i..].find('}')? + i;
                    for hex in body[i + 1..close].split_ascii_whitespace() {
                        push_char(&mut out, u32::from_str_radix(hex, 16).ok()?)?;
                    }
                    i = close + 1;
                } else {
                    let digits = take_while(&bytes[i..], 4, |d| d.is_ascii_hexdigit());
                    if digits != 4 {
                        return None;
                    }
                    push_char(&mut out, u32::from_str_radix(&body[i..i + 4], 16).ok()?)?;
                    i += 4;
                }
            }
            b'c' | b'C' | b'M' => return None,
            _ => {
                // Any other character stands for itself; keep it whole.
                let len = utf8_len(e);
                out.extend_from_slice(&bytes[i - 1..(i - 1 + len).min(bytes.len())]);
                i = (i - 1 + len).min(bytes.len());
            }
        }
    }
    String::from_utf8(out).ok()
}

fn take_while(bytes: &[u8], max: usize, pred: impl Fn(u8) -> bool) -> usize {
    bytes.iter().take(max).take_while(|&&b| pred(b)).count()
}

fn push_char(out: &mut Vec<u8>, code: u32) -> Option<()> {
    let c = char::from_u32(code)?;
    let mut buf = [0; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    Some(())
}

fn utf8_len(lead: u8) -> usize {
    match lead {
        0xF0..=0xF7 => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// An integer literal as Ruby reads it; `None` if it does not fit in i64.
pub(crate) fn integer(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let clean: String = digits.chars().filter(|&c| c != '_').collect();
    let lower = clean.to_ascii_lowercase();
    let (radix, body) = if let Some(rest) = lower.strip_prefix("0x") {
        (16, rest)
    } else if let Some(rest) = lower.strip_prefix("0b") {
        (2, rest)
    } else if let Some(rest) = lower.strip_prefix("0o") {
        (8, rest)
    } else if let Some(rest) = lower.strip_prefix("0d") {
        (10, rest)
    } else if lower.len() > 1 && lower.starts_with('0') {
        // A leading 0 means octal: 0644 is 420.
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    let magnitude = i128::from_str_radix(body, radix).ok()?;
    i64::try_from(if negative { -magnitude } else { magnitude }).ok()
}

pub(crate) fn float(text: &str) -> Option<f64> {
    let clean: String = text.chars().filter(|&c| c != '_').collect();
    clean.parse().ok()
}

/// Split the body of `%w[...]` into words: blanks and line breaks separate
/// them unless escaped. `base` is the body's offset in the file.
/// `interpolating` (`%W`, `%I`) decodes escapes as in `"..."`.
pub(crate) fn words(body: &str, base: usize, interpolating: bool, delimiters: &[char]) -> Vec<(Span, String)> {
    let bytes = body.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
            i += if bytes[i] == b'\\' { 2 } else { 1 };
        }
        let end = i.min(bytes.len());
        let Some(raw) = body.get(start..end) else {
            continue;
        };
        let value = if interpolating {
            double_quoted(raw).unwrap_or_else(|| raw.to_string())
        } else {
            word_escapes(raw, delimiters)
        };
        out.push((Span::new(base + start, base + end), value));
    }
    out
}

/// `%w` escapes: a backslash keeps a blank, a backslash or a delimiter.
fn word_escapes(raw: &str, delimiters: &[char]) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('\\', Some(n)) if n.is_ascii_whitespace() || n == '\\' || delimiters.contains(&n) => {
                out.push(n);
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_quoted_escapes() {
        assert_eq!(single_quoted(r"a\'b\\c\n", &['\'']), r"a'b\c\n");
        assert_eq!(single_quoted(r"a\)b", &['(', ')']), "a)b");
    }

    #[test]
    fn double_quoted_escapes() {
        assert_eq!(double_quoted(r"\s\e\u{41 42}\101\x41\t\q\é").as_deref(), Some(" \u{1b}ABAA\tqé"));
        assert_eq!(double_quoted("a\\\nb").as_deref(), Some("ab"));
        assert_eq!(double_quoted(r"\xff"), None);
        assert_eq!(double_quoted(r"\u00e9").as_deref(), Some("é"));
        assert_eq!(double_quoted(r"\cA"), None);
        assert_eq!(double_quoted("\\").as_deref(), Some("\\"));
    }

    #[test]
    fn interpolation_is_found_outside_escapes() {
        assert!(interpolates("a#{b}"));
        assert!(interpolates("#@x"));
        assert!(!interpolates(r"a\#{b}"));
        assert!(!interpolates("a#b"));
    }

    #[test]
    fn integers_as_ruby_reads_them() {
        assert_eq!(integer("1_048_576"), Some(1_048_576));
        assert_eq!(integer("0644"), Some(0o644));
        assert_eq!(integer("000"), Some(0));
        assert_eq!(integer("0_644"), Some(0o644));
        assert_eq!(integer("0x1F"), Some(31));
        assert_eq!(integer("0b101"), Some(5));
        assert_eq!(integer("0d19"), Some(19));
        assert_eq!(integer("-1"), Some(-1));
        assert_eq!(integer("0"), Some(0));
        assert_eq!(integer("99999999999999999999"), None);
        assert_eq!(integer("-9223372036854775808"), Some(i64::MIN));
    }

    #[test]
    fn floats() {
        assert_eq!(float("0.9"), Some(0.9));
        assert_eq!(float("1_000.5e-1"), Some(100.05));
    }

    #[test]
    fn words_split_at_unescaped_blanks() {
        let w = words(r"a\ b  c]d \\x", 10, false, &['[', ']']);
        let values: Vec<&str> = w.iter().map(|(_, v)| v.as_str()).collect();
        assert_eq!(values, ["a b", "c]d", r"\x"]);
        assert_eq!(w[0].0, Span::new(10, 14));
        assert!(words(" \n ", 0, false, &[]).is_empty());
    }
}
