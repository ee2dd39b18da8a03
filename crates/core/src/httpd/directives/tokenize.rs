//! Words exactly as httpd reads them (`ap_getword_conf`, server/util.c).
//!
//! Unlike [`crate::httpd::syntax::tokenize`], which serves the syntax tree,
//! these functions keep httpd's quirks that decide whether `apachectl -t`
//! accepts a line: an empty quoted word (`""`) is a word with no text, which
//! httpd counts as *missing* for argument counts; every apr_isspace byte
//! (space, tab, LF, VT, FF, CR) separates words.

/// `apr_isspace` in the C locale.
pub fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r')
}

/// Trim apr_isspace bytes at both ends, as httpd trims a line.
pub fn trim(s: &str) -> &str {
    let bytes = s.as_bytes();
    let start = bytes.iter().position(|b| !is_space(*b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !is_space(*b)).map_or(start, |i| i + 1);
    // Spaces are ASCII, so both ends are char boundaries.
    &s[start..end]
}

/// One `ap_getword_conf` call: the next word of `line` and the rest after
/// it (with the blanks following the word skipped, as httpd does). At the
/// end of the line the word is empty and the rest is empty.
pub fn getword_conf(line: &str) -> (String, &str) {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() && is_space(bytes[i]) {
        i += 1;
    }
    if i == bytes.len() {
        return (String::new(), &line[i..]);
    }
    let quote = bytes[i];
    let (word, mut end) = if quote == b'"' || quote == b'\'' {
        let start = i + 1;
        let mut j = start;
        while j < bytes.len() && bytes[j] != quote {
            if bytes[j] == b'\\' && matches!(bytes.get(j + 1), Some(&n) if n == quote || n == b'\\') {
                j += 2;
            } else {
                j += 1;
            }
        }
        let word = unescape(&bytes[start..j.min(bytes.len())], Some(quote));
        let after = if j < bytes.len() { j + 1 } else { j };
        (word, after)
    } else {
        let mut j = i;
        while j < bytes.len() && !is_space(bytes[j]) {
            j += 1;
        }
        (unescape(&bytes[i..j], None), j)
    };
    while end < bytes.len() && is_space(bytes[end]) {
        end += 1;
    }
    (word, &line[end..])
}

/// `substring_conf`: `\\` always, and `\<quote>` inside quotes, lose
/// their backslash.
fn unescape(raw: &[u8], quote: Option<u8>) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' && matches!(raw.get(i + 1), Some(&n) if n == b'\\' || Some(n) == quote) {
            out.push(raw[i + 1]);
            i += 2;
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    // Only ASCII bytes were removed, so the rest is as valid as the input.
    String::from_utf8_lossy(&out).into_owned()
}

/// Every word of `line`, as a loop of `ap_getword_conf` calls would read
/// them until the line is used up (an empty quoted word included).
pub fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = trim(line);
    while !rest.is_empty() {
        let (word, next) = getword_conf(rest);
        out.push(word);
        rest = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_apr_space_separates_words() {
        assert_eq!(words("a\tb\x0Bc\x0Cd\re  f"), ["a", "b", "c", "d", "e", "f"]);
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(words(r#""a b" 'c d' e"f""#), ["a b", "c d", "e\"f\""]);
        assert_eq!(words(r#""say \"hi\"" a\\b a\ b"#), ["say \"hi\"", "a\\b", "a\\", "b"]);
        assert_eq!(words(r#""unclosed rest"#), ["unclosed rest"]);
        assert_eq!(words(r#""a""b""#), ["a", "b"]);
    }

    #[test]
    fn empty_quotes_are_an_empty_word() {
        assert_eq!(words(r#""" x"#), ["", "x"]);
        let (w, rest) = getword_conf(r#""""#);
        assert_eq!((w.as_str(), rest), ("", ""));
    }

    #[test]
    fn getword_skips_trailing_blanks() {
        assert_eq!(getword_conf("  one   two "), ("one".to_string(), "two "));
        assert_eq!(getword_conf("   "), (String::new(), ""));
    }

    #[test]
    fn trim_uses_apr_space() {
        assert_eq!(trim("\x0B a b\r\n"), "a b");
        assert_eq!(trim("  "), "");
    }
}
