//! What PHP stores for a php.ini value, and how it reads a boolean.
//!
//! PHP evaluates a value while parsing (zend_ini_parser.y): boolean words
//! become "1" or "", quotes are removed, constants are looked up, `${VAR}`
//! is expanded and `| & ^ ~ !` are computed on C ints. Rules compare these
//! strings, never the source text, so `expose_php = Off`, `expose_php = 0`
//! and `expose_php = "off"` are judged alike (all false: see [`php_bool`]).

use crate::php::syntax::{IniValue, Operator, PhpIniFile, Piece, PieceKind};
use crate::text::lossy;

/// How `${NAME}` is resolved: a directive set earlier, an environment
/// variable... `None` makes it expand to "", as PHP does.
pub type Lookup<'a> = dyn Fn(&str) -> Option<String> + 'a;

/// PHP's `zend_ini_parse_bool`: true when the whole string is `true`, `yes`
/// or `on` in any case; otherwise C `atoi(s) != 0`. So `"1abc"` and `" 1"`
/// are true, `"0x1"`, `"off"`, `" on"` and `""` are false.
///
/// ```
/// use conflint_core::php::php_bool;
/// assert!(php_bool("1") && php_bool("On") && php_bool(" 1"));
/// assert!(!php_bool("") && !php_bool("off") && !php_bool(" on") && !php_bool("0x1"));
/// ```
pub fn php_bool(s: &str) -> bool {
    ["true", "yes", "on"].iter().any(|w| s.eq_ignore_ascii_case(w)) || atoi(s) != 0
}

/// C's `atoi` as glibc has it: `(int) strtol(s, NULL, 10)`. Leading white
/// space is skipped, one sign is taken, digits are read up to the first
/// non-digit; on overflow strtol saturates to the `long` range and the
/// cast to `int` keeps the low 32 bits.
pub fn atoi(s: &str) -> i32 {
    let bytes = s.as_bytes();
    let mut i = bytes
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r'))
        .unwrap_or(bytes.len());
    let negative = match bytes.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let mut value: i64 = 0;
    for b in bytes[i..].iter().take_while(|b| b.is_ascii_digit()) {
        let digit = i64::from(b - b'0');
        value = if negative {
            value.saturating_mul(10).saturating_sub(digit)
        } else {
            value.saturating_mul(10).saturating_add(digit)
        };
    }
    value as i32
}

/// The value of a constant PHP knows while it reads php.ini, as a string.
///
/// These are the error-level constants php.ini files use, plus PHP 8.2's
/// fixed `PHP_*` constants. Version- and build-specific constants
/// (`PHP_VERSION`, `PHP_EXTENSION_DIR`) are left out: a linter cannot know
/// the PHP the file will meet, so they stay their own name, as any
/// unknown name does.
pub fn constant_value(name: &str) -> Option<&'static str> {
    Some(match name {
        "E_ERROR" => "1",
        "E_WARNING" => "2",
        "E_PARSE" => "4",
        "E_NOTICE" => "8",
        "E_CORE_ERROR" => "16",
        "E_CORE_WARNING" => "32",
        "E_COMPILE_ERROR" => "64",
        "E_COMPILE_WARNING" => "128",
        "E_USER_ERROR" => "256",
        "E_USER_WARNING" => "512",
        "E_USER_NOTICE" => "1024",
        "E_STRICT" => "2048",
        "E_RECOVERABLE_ERROR" => "4096",
        "E_DEPRECATED" => "8192",
        "E_USER_DEPRECATED" => "16384",
        "E_ALL" => "32767",
        "PHP_INT_MAX" => "9223372036854775807",
        "PHP_INT_MIN" => "-9223372036854775808",
        "PHP_INT_SIZE" => "8",
        "PHP_MAJOR_VERSION" => "8",
        "PHP_MINOR_VERSION" => "2",
        "PHP_DEBUG" => "0",
        "PHP_MAXPATHLEN" => "4096",
        "PHP_EOL" => "\n",
        "PHP_OS" => "Linux",
        "PHP_OS_FAMILY" => "Linux",
        _ => return None,
    })
}

/// The string PHP stores for `value` (NORMAL mode, PHP 8.2). `lookup`
/// answers `${NAME}`; `None` expands to "".
///
/// ```
/// use conflint_core::php::{PhpIniFile, evaluate};
///
/// let file = PhpIniFile::parse("a = E_ALL & ~E_DEPRECATED & ~E_STRICT\nb = \"${DIR}/x\"\n").unwrap();
/// let dir = |name: &str| (name == "DIR").then(|| "/srv".to_string());
/// let values: Vec<String> = file.entries().map(|(_, e)| evaluate(&file, e.value.as_ref().unwrap(), &dir)).collect();
/// assert_eq!(values, ["22527", "/srv/x"]);
/// ```
pub fn evaluate(file: &PhpIniFile, value: &IniValue, lookup: &Lookup<'_>) -> String {
    evaluate_pieces(file.source(), &value.pieces, lookup)
}

/// The string PHP uses as the array offset of `key[offset]`: the pieces
/// joined, constants expanded.
pub fn evaluate_offset(file: &PhpIniFile, offset: &IniValue, lookup: &Lookup<'_>) -> String {
    join(file.source(), &offset.pieces, true, lookup)
}

/// The name of a section header from its pieces: joined, constants NOT
/// expanded, backslashes kept as written.
pub fn evaluate_section_name(source: &[u8], pieces: &[Piece], lookup: &Lookup<'_>) -> String {
    join(source, pieces, false, lookup)
}

/// The text of one string piece as PHP reads it.
fn piece_text(source: &[u8], piece: &Piece, constants: bool, lookup: &Lookup<'_>, out: &mut String) {
    let raw = source.get(piece.span.range()).unwrap_or_default();
    match &piece.kind {
        PieceKind::Bool(true) => out.push('1'),
        PieceKind::Bool(false) | PieceKind::Null => {}
        PieceKind::Constant if constants => {
            let name = lossy(raw);
            out.push_str(constant_value(&name).unwrap_or(&name));
        }
        PieceKind::SingleQuoted => {
            let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or_default();
            out.push_str(&lossy(inner));
        }
        PieceKind::DoubleQuoted { parts } => {
            for part in parts {
                piece_text(source, part, constants, lookup, out);
            }
        }
        PieceKind::Text => out.push_str(&unescape(&lossy(raw))),
        PieceKind::Variable { name } => {
            let name = lossy(source.get(name.range()).unwrap_or_default());
            let name = name.trim_matches(|c| c == ' ' || c == '\t');
            out.push_str(&lookup(name).unwrap_or_default());
        }
        PieceKind::Operator(_) | PieceKind::OpenParen | PieceKind::CloseParen => {}
        _ => out.push_str(&lossy(raw)),
    }
}

/// The pieces of an offset or a section name, joined.
fn join(source: &[u8], pieces: &[Piece], constants: bool, lookup: &Lookup<'_>) -> String {
    let mut out = String::new();
    for piece in pieces {
        piece_text(source, piece, constants, lookup, &mut out);
    }
    out
}

/// zend_ini_escape_string for `"`-strings: `\"`, `\\` and `\$` lose the
/// backslash; any other backslash stays, and so does one at the very end.
pub fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(next @ ('"' | '\\' | '$')) => out.push(next),
            Some(next) => {
                out.push('\\');
                out.push(next);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// An item on the evaluator's operator stack.
enum Pending {
    Unary(Operator),
    Binary(Operator),
    Open,
}

/// Evaluate a value's pieces with explicit stacks (no recursion): strings
/// that touch are joined, `~` and `!` bind tighter than `| & ^`, which
/// share one precedence and group from the left, as PHP's grammar says.
fn evaluate_pieces(source: &[u8], pieces: &[Piece], lookup: &Lookup<'_>) -> String {
    let mut values: Vec<String> = Vec::new();
    let mut ops: Vec<Pending> = Vec::new();
    let mut current: Option<String> = None;
    for piece in pieces {
        match &piece.kind {
            PieceKind::Operator(op) if op.is_unary() => {
                flush(&mut current, &mut values, &mut ops);
                ops.push(Pending::Unary(*op));
            }
            PieceKind::Operator(op) => {
                flush(&mut current, &mut values, &mut ops);
                reduce_binaries(&mut values, &mut ops);
                ops.push(Pending::Binary(*op));
            }
            PieceKind::OpenParen => {
                flush(&mut current, &mut values, &mut ops);
                ops.push(Pending::Open);
            }
            PieceKind::CloseParen => {
                flush(&mut current, &mut values, &mut ops);
                reduce_binaries(&mut values, &mut ops);
                if matches!(ops.last(), Some(Pending::Open)) {
                    ops.pop();
                }
                apply_unaries(&mut values, &mut ops);
            }
            _ => piece_text(source, piece, true, lookup, current.get_or_insert_with(String::new)),
        }
    }
    flush(&mut current, &mut values, &mut ops);
    reduce_binaries(&mut values, &mut ops);
    values.pop().unwrap_or_default()
}

/// A finished string operand goes on the value stack, and the unary
/// operators waiting for it apply.
fn flush(current: &mut Option<String>, values: &mut Vec<String>, ops: &mut Vec<Pending>) {
    if let Some(value) = current.take() {
        values.push(value);
        apply_unaries(values, ops);
    }
}

fn apply_unaries(values: &mut Vec<String>, ops: &mut Vec<Pending>) {
    while let Some(Pending::Unary(op)) = ops.last() {
        let op = *op;
        ops.pop();
        let operand = values.pop().unwrap_or_default();
        values.push(apply(op, &operand, ""));
    }
}

/// Apply the binary operators on top of the stack (down to a `(`).
fn reduce_binaries(values: &mut Vec<String>, ops: &mut Vec<Pending>) {
    while let Some(Pending::Binary(op)) = ops.last() {
        let op = *op;
        ops.pop();
        let right = values.pop().unwrap_or_default();
        let left = values.pop().unwrap_or_default();
        values.push(apply(op, &left, &right));
    }
}

/// zend_ini_do_op: operands through atoi, C int arithmetic, "%d".
fn apply(op: Operator, left: &str, right: &str) -> String {
    let a = atoi(left);
    let b = atoi(right);
    let result = match op {
        Operator::Or => a | b,
        Operator::And => a & b,
        Operator::Xor => a ^ b,
        Operator::BitNot => !a,
        Operator::Not => i32::from(a == 0),
    };
    result.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(src: &str) -> String {
        let file = PhpIniFile::parse(format!("k = {src}\n")).unwrap_or_else(|e| panic!("{src}: {e}"));
        let entry = file.entries().next().map(|(_, e)| e.clone());
        let value = entry.and_then(|e| e.value).expect("a value");
        evaluate(&file, &value, &|name| (name == "HOME").then(|| "/root".to_string()))
    }

    #[test]
    fn atoi_like_c() {
        assert_eq!(atoi("  42abc"), 42);
        assert_eq!(atoi("+7"), 7);
        assert_eq!(atoi("-0012"), -12);
        assert_eq!(atoi("0x1F"), 0);
        assert_eq!(atoi(""), 0);
        assert_eq!(atoi("- 1"), 0);
        assert_eq!(atoi("4294967297"), 1);
        assert_eq!(atoi("99999999999999999999"), -1);
        assert_eq!(atoi("\n\t 3"), 3);
    }

    #[test]
    fn php_bool_matches_zend_ini_parse_bool() {
        for on in ["1", "2", "-1", "+1", "On", "YES", "true", "1abc", "1.9", " 1"] {
            assert!(php_bool(on), "{on}");
        }
        for off in ["", "0", "00", "off", "no", "foo", "0x1", "0.5", " on", "on "] {
            assert!(!php_bool(off), "{off}");
        }
    }

    #[test]
    fn evaluates_like_php() {
        assert_eq!(eval("On"), "1");
        assert_eq!(eval("off"), "");
        assert_eq!(eval("null"), "");
        assert_eq!(eval("\"off\""), "off");
        assert_eq!(eval("E_ALL & ~E_DEPRECATED & ~E_STRICT"), "22527");
        assert_eq!(eval("E_ALL:x"), "E_ALL:x");
        assert_eq!(eval("hello   world   "), "hello   world");
        assert_eq!(eval("\"foo\" bar"), "foobar");
        assert_eq!(eval("foo \"bar\""), "foobar");
        assert_eq!(eval(r#""C:\path\""#), r"C:\path\");
        assert_eq!(eval(r#""a\"b\\c\$d\n""#), r#"a"b\c$d\n"#);
        assert_eq!(eval(r#""\${HOME}""#), "${HOME}");
        assert_eq!(eval("${HOME}/x"), "/root/x");
        assert_eq!(eval("\"${HOME}x\""), "/rootx");
        assert_eq!(eval("${NOPE}"), "");
        assert_eq!(eval("'x;y'"), "x;y");
        assert_eq!(eval("x|y"), "0");
        assert_eq!(eval("1 | 2 & 3"), "3");
        assert_eq!(eval("~1|2"), "-2");
        assert_eq!(eval("!0"), "1");
        assert_eq!(eval("!(1|2)"), "0");
        assert_eq!(eval("(foo)"), "foo");
        assert_eq!(eval("((1))"), "1");
        assert_eq!(eval("~~5"), "5");
        assert_eq!(eval("6 ^ 3 | 8"), "13");
    }
}
