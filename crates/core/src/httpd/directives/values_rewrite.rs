//! mod_rewrite's own reading of RewriteRule and RewriteCond (mod_rewrite.c
//! `parseargline`, `cmd_parseflagfield`, `cmd_rewriterule_setflag`,
//! `cmd_rewritecond_setflag`). Regular expressions are PCRE's business and
//! are not compiled here.

use super::expr::{self, ExprKind};
use super::problem::{Problem, ProblemKind};
use super::tokenize::{is_space, trim};

fn invalid(message: impl Into<String>) -> Option<Problem> {
    Some(Problem::error(ProblemKind::Value, message))
}

/// `parseargline`: up to three words, each bare (a `\` before a blank
/// keeps the blank) or quoted with `"` or `'` (no escapes). Words after the
/// third are ignored. `None` when there is no second word.
fn parse_arg_line(line: &str) -> Option<(String, String, Option<String>)> {
    let b = line.as_bytes();
    let mut i = 0;
    let word = |i: &mut usize| -> String {
        let quote = match b.get(*i) {
            Some(&q @ (b'"' | b'\'')) => {
                *i += 1;
                Some(q)
            }
            _ => None,
        };
        let start = *i;
        while *i < b.len() {
            let c = b[*i];
            if (is_space(c) && quote.is_none()) || Some(c) == quote {
                break;
            }
            if c == b'\\' && b.get(*i + 1).is_some_and(|n| is_space(*n)) {
                *i += 1;
            }
            *i += 1;
        }
        String::from_utf8_lossy(&b[start..(*i).min(b.len())]).into_owned()
    };
    let skip = |i: &mut usize| {
        while *i < b.len() && is_space(b[*i]) {
            *i += 1;
        }
    };
    skip(&mut i);
    let a1 = word(&mut i);
    if i >= b.len() {
        return None;
    }
    i += 1;
    skip(&mut i);
    let a2 = word(&mut i);
    if i >= b.len() {
        return Some((a1, a2, None));
    }
    i += 1;
    skip(&mut i);
    if i >= b.len() {
        return Some((a1, a2, None));
    }
    let a3 = word(&mut i);
    Some((a1, a2, Some(a3)))
}

/// `cmd_parseflagfield`, replayed on a byte buffer as the C code edits it
/// in place, so that odd lists (`[L,,R]`, `[L, ]`) fail the same way.
fn parse_flags(field: &str, set: impl Fn(&str, &str) -> Option<String>) -> Option<String> {
    let mut buf = field.as_bytes().to_vec();
    if buf.first() != Some(&b'[') || buf.last() != Some(&b']') || buf.len() < 2 {
        return Some("bad flag delimiters".to_string());
    }
    let last = buf.len() - 1;
    buf[last] = b',';
    buf.push(0);
    let cstr = |buf: &[u8], at: usize| -> String {
        let end = buf[at..].iter().position(|b| *b == 0).map_or(buf.len(), |p| at + p);
        String::from_utf8_lossy(&buf[at..end]).into_owned()
    };
    let mut key = 1;
    while buf[key] != 0 {
        while is_space(buf[key]) {
            key += 1;
        }
        let Some(next) = buf[key..].iter().take_while(|b| **b != 0).position(|b| *b == b',').map(|p| key + p) else {
            break;
        };
        if buf[key] == 0 {
            break;
        }
        let mut end = next - 1;
        while is_space(buf[end]) {
            end -= 1;
        }
        buf[end + 1] = 0;
        let k = cstr(&buf, key);
        let (k, v) = match k.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (k, String::new()),
        };
        if let Some(err) = set(&k, &v) {
            return Some(err);
        }
        key = next + 1;
    }
    None
}

/// `cmd_rewriterule_setflag`: `None` when the flag is accepted.
fn rule_flag(key: &str, val: &str) -> Option<String> {
    let mut chars = key.chars();
    let first = chars.next().map(|c| c.to_ascii_lowercase());
    let rest = chars.as_str();
    let is = |s: &str| rest.eq_ignore_ascii_case(s);
    let one = |c: char| rest.len() == 1 && rest.eq_ignore_ascii_case(&c.to_string());
    let ok = match first {
        Some('b') => {
            if rest.is_empty() || is("ackrefescaping") || is("NP") || is("ackrefernoplus") || is("CTLS") {
                true
            } else if is("NE") {
                if val.is_empty() {
                    return Some("flag 'BNE' wants a list of characters (i.e. [BNE=...])".to_string());
                }
                true
            } else {
                false
            }
        }
        Some('c') => rest.is_empty() || is("hain") || one('o') || is("ookie"),
        // Unknown D... flags are ignored, not refused.
        Some('d') => true,
        Some('e') => rest.is_empty() || is("nv") || is("nd"),
        Some('f') => rest.is_empty() || is("orbidden"),
        Some('g') => rest.is_empty() || is("one"),
        Some('h') => rest.is_empty() || is("andler"),
        Some('l') => rest.is_empty() || is("ast"),
        Some('n') => {
            one('e')
                || is("oescape")
                || rest.is_empty()
                || is("ext")
                || one('s')
                || is("osubreq")
                || one('c')
                || is("ocase")
        }
        Some('p') => rest.is_empty() || is("roxy") || one('t') || is("assthrough"),
        Some('q') => is("SA") || is("sappend") || is("SD") || is("sdiscard") || is("SL") || is("slast"),
        Some('r') => {
            if !(rest.is_empty() || is("edirect")) {
                false
            } else {
                return redirect_status(val);
            }
        }
        Some('s') => rest.is_empty() || is("kip"),
        Some('t') => rest.is_empty() || is("ype"),
        Some('u') => is("nsafePrefixStat") || is("nsafeAllow3F") || is("NC"),
        _ => false,
    };
    if ok { None } else { Some(format!("unknown flag '{key}'")) }
}

/// `[R=code]`: a number must be a status httpd has a line for (500 itself
/// is allowed); words other than permanent/temp/seeother are ignored.
fn redirect_status(val: &str) -> Option<String> {
    if !val.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    // atoi: the leading digits.
    let digits: String = val.chars().take_while(char::is_ascii_digit).collect();
    let status = digits.parse::<u64>().unwrap_or(u64::MAX);
    if status == 500 || known_status(status) {
        None
    } else {
        Some(format!("invalid HTTP response code '{val}' for flag 'R'"))
    }
}

/// Whether http_protocol.c's `status_lines` has a line for `status`.
fn known_status(status: u64) -> bool {
    matches!(status,
        100..=102 | 200..=208 | 226 | 300..=305 | 307 | 308 | 400..=417 | 421..=424 | 426 | 428 | 429 | 431 | 451
        | 500..=508 | 510 | 511)
}

/// `cmd_rewritecond_setflag`.
fn cond_flag(key: &str, _val: &str) -> Option<String> {
    let known = ["nocase", "NC", "ornext", "OR", "novary", "NV"];
    if known.iter().any(|k| k.eq_ignore_ascii_case(key)) { None } else { Some(format!("unknown flag '{key}'")) }
}

/// `cmd_rewriterule` up to the regex: arguments and flags.
pub(super) fn rule(raw: &str) -> Option<Problem> {
    let line = trim(raw);
    let Some((_, _, flags)) = parse_arg_line(line) else {
        return invalid(format!("RewriteRule: bad argument line '{line}'"));
    };
    let err = parse_flags(flags.as_deref()?, rule_flag)?;
    invalid(format!("RewriteRule: {err}"))
}

/// `cmd_rewritecond` up to the regex: arguments, flags and (2.4) an `expr`
/// condition.
pub(super) fn cond(raw: &str, v24: bool) -> Option<Problem> {
    let line = trim(raw);
    let Some((input, pattern, flags)) = parse_arg_line(line) else {
        return invalid(format!("RewriteCond: bad argument line '{line}'"));
    };
    if let Some(err) = flags.as_deref().and_then(|f| parse_flags(f, cond_flag)) {
        return invalid(format!("RewriteCond: {err}"));
    }
    if v24 && input.eq_ignore_ascii_case("expr") {
        let pattern = pattern.strip_prefix('!').unwrap_or(&pattern);
        if let Some(e) = expr::refused(pattern, ExprKind::Boolean) {
            return invalid(format!("RewriteCond: cannot compile expression \"{pattern}\": {e}"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule_ok(args: &str) -> bool {
        rule(args).is_none()
    }

    // Verdicts checked with `apache2 -t`.
    #[test]
    fn rule_arguments_and_flags() {
        assert!(rule_ok("^/old /new [R=301,L]"));
        assert!(rule_ok("^ - [F]"));
        assert!(rule_ok(r"^a\ b /x"));
        assert!(rule_ok("^/a /b [DPI,QSA,NE,END,qsd]"));
        assert_eq!(rule("^/only").unwrap().message, "RewriteRule: bad argument line '^/only'");
        assert_eq!(rule("^ - [Z]").unwrap().message, "RewriteRule: unknown flag 'Z'");
        assert_eq!(rule("^ - L").unwrap().message, "RewriteRule: bad flag delimiters");
        assert_eq!(rule("^ - [R=299]").unwrap().message, "RewriteRule: invalid HTTP response code '299' for flag 'R'");
        assert!(rule_ok("^ - [R=410]"));
        assert!(rule_ok("^ - [R=whatever]"));
        assert_eq!(
            rule("^ - [BNE]").unwrap().message,
            "RewriteRule: flag 'BNE' wants a list of characters (i.e. [BNE=...])"
        );
    }

    #[test]
    fn cond_arguments_and_flags() {
        assert!(cond("%{HTTPS} !=on [NC,OR]", true).is_none());
        assert_eq!(cond("%{HTTPS}", true).unwrap().message, "RewriteCond: bad argument line '%{HTTPS}'");
        assert_eq!(cond("%{HTTPS} on [L]", true).unwrap().message, "RewriteCond: unknown flag 'L'");
        assert!(cond(r#"expr "%{REQUEST_URI} =~ /x/""#, true).is_none());
        assert!(cond(r#"expr "%{REQUEST_URI} =="#, true).is_some());
        assert!(cond(r#"expr "%{REQUEST_URI} =="#, false).is_none());
    }

    #[test]
    fn flag_lists_fail_like_httpd() {
        assert!(parse_flags("[L]", rule_flag).is_none());
        assert!(parse_flags("[ L , R=302 ]", rule_flag).is_none());
        assert_eq!(parse_flags("[L,,R]", rule_flag).as_deref(), Some("unknown flag ''"));
    }
}
