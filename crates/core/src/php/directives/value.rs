//! What PHP makes of a directive's value, and when that is not what it looks like.
//!
//! Every rule here was checked against PHP 8.2.36 (Debian `php8.2-cli`) with
//! `php -n -c FILE -r 'var_dump(ini_get(...))'`; tests/php_directives_system.rs
//! repeats those checks on whatever PHP is installed.
//!
//! * Quantities (PHP >= 8.2, `zend_ini_parse_quantity_warn`): surrounding
//!   whitespace is ignored; an optional sign; `0x`, `0o`, `0b` prefixes and a
//!   leading `0` (octal: `010` is 8); then one multiplier `k`, `m` or `g` (any
//!   case, powers of 1024) as the *last* character, with optional whitespace
//!   before it (`2 M` is 2 MiB). Anything else gives a startup warning and PHP
//!   goes on with what it could read: `128MB` is 128 (bytes, for a size),
//!   `1 GB` is 1, `1.5G` is 1G, `abc` is 0, `08` is 0. Before 8.2 the same
//!   values were read silently with the same results.
//! * `memory_limit` below the 2 MiB PHP has allocated at startup (`128MB` -> 128
//!   bytes, `0`, an empty value), or negative other than `-1`, is refused with
//!   "Failed to set memory limit to N bytes": PHP keeps the previous value, the
//!   built-in default 128M.
//! * Plain integers (`precision`, `error_reporting`, `max_file_uploads`, ...)
//!   are read with `strtol`/`atoi`: leading digits count, the rest is ignored
//!   without a warning (`precision = 14x` is 14, `abc` is 0).
//! * Booleans: `On`/`Yes`/`True` unquoted arrive as "1", `Off`/`No`/`False`/`None`
//!   as ""; PHP then takes "true", "yes", "on" (any case) as true and anything
//!   else by its leading integer (`foo` is off, `1abc` is on), silently.
//! * Floats are read with `zend_strtod`: `1.5x` is 1.5, silently.

use super::{PhpDirective, PhpType};

/// Why a value does not do what it looks like, and what PHP does instead.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueProblem {
    /// PHP 8.2+ prints this startup warning and uses `reads_as`.
    QuantityWarning {
        /// The number PHP goes on with (bytes for a size).
        reads_as: i64,
        /// PHP's warning, e.g. `Invalid "memory_limit" setting. Invalid quantity "128MB": unknown multiplier "B", interpreting as "128" for backwards compatibility`.
        warning: String,
    },
    /// `memory_limit` that PHP refuses at startup ("Failed to set memory
    /// limit to N bytes"): it keeps the previous value, the default 128M.
    MemoryLimitRefused {
        /// The number of bytes PHP read (after any quantity warning).
        bytes: u64,
        /// The quantity warning PHP prints first, if any.
        warning: Option<String>,
    },
    /// An integer read with `strtol`: trailing text is ignored silently.
    NotAnInteger {
        /// The leading integer PHP uses.
        reads_as: i64,
    },
    /// A float read with `strtod`: trailing text is ignored silently.
    NotAFloat {
        /// The leading number PHP uses.
        reads_as: f64,
    },
    /// A boolean that is not one of PHP's spellings; PHP reads it silently.
    NotABoolean {
        /// What PHP makes of it.
        reads_as: bool,
    },
    /// A value outside the set the directive documents.
    NotInSet {
        /// The documented values.
        allowed: &'static [&'static str],
    },
}

/// The problem with `value` for `directive`, judged as PHP 8.2 and later read
/// it (see the module docs for each rule and the PHP version it was checked on).
/// `value` is the value as PHP's ini parser hands it over: unquoted,
/// `On`/`Off` already turned into `"1"`/`""` (see [`crate::php::evaluate`]).
///
/// ```
/// use conflint_core::php::directives::{check_value, directive, ValueProblem};
///
/// let memory_limit = directive("memory_limit").unwrap();
/// assert_eq!(check_value(memory_limit, "512M"), None);
/// assert_eq!(check_value(memory_limit, "-1"), None);
/// // "MB" is not a multiplier: PHP reads 128 bytes, refuses that, and keeps 128M.
/// assert!(matches!(check_value(memory_limit, "128MB"), Some(ValueProblem::MemoryLimitRefused { bytes: 128, .. })));
///
/// let upload = directive("upload_max_filesize").unwrap();
/// match check_value(upload, "10MB") {
///     Some(ValueProblem::QuantityWarning { reads_as, warning }) => {
///         assert_eq!(reads_as, 10);
///         assert!(warning.contains(r#"unknown multiplier "B""#));
///     }
///     other => panic!("{other:?}"),
/// }
/// ```
pub fn check_value(directive: &PhpDirective, value: &str) -> Option<ValueProblem> {
    match directive.ty {
        PhpType::Bool => check_bool(value),
        PhpType::Int => check_int(value),
        PhpType::Quantity | PhpType::Size => {
            let q = parse_quantity(value, directive.name);
            if directive.name == "memory_limit" {
                return check_memory_limit(q, value);
            }
            q.warning.map(|warning| ValueProblem::QuantityWarning { reads_as: q.value, warning })
        }
        PhpType::Float => check_float(value),
        PhpType::Enum(allowed) => {
            let known = allowed.iter().any(|a| a.eq_ignore_ascii_case(value.trim()));
            (!known).then_some(ValueProblem::NotInSet { allowed })
        }
        PhpType::String => None,
    }
}

/// The bytes below which PHP 8.2 refuses a `memory_limit` at startup: what the
/// memory manager has already taken, one 2 MiB chunk (PHP 8.2.36 says
/// "Current memory usage is 2097152 bytes").
const STARTUP_MEMORY: u64 = 2 * 1024 * 1024;

fn check_memory_limit(q: Quantity, raw: &str) -> Option<ValueProblem> {
    // memory_limit is read unsigned (zend_ini_parse_uquantity): `-1` is "no
    // limit"; any other negative is out of range and PHP goes on with its
    // magnitude (PHP 8.2.36: `-5` warns, then "Failed to set memory limit to 5
    // bytes"); a value that overflows is a huge limit, which PHP accepts.
    if q.value == -1 {
        return q.warning.map(|warning| ValueProblem::QuantityWarning { reads_as: -1, warning });
    }
    let negative = raw.trim_matches(is_php_space).starts_with('-');
    let bytes = if negative { q.value.unsigned_abs() } else { q.value as u64 };
    let warning = q.warning.or_else(|| {
        negative.then(|| {
            format!(
                "Invalid \"memory_limit\" setting. Invalid quantity \"{}\": value is out of range, using overflow result for backwards compatibility",
                escape(raw)
            )
        })
    });
    if bytes < STARTUP_MEMORY {
        return Some(ValueProblem::MemoryLimitRefused { bytes, warning });
    }
    warning.map(|warning| ValueProblem::QuantityWarning { reads_as: i64::try_from(bytes).unwrap_or(i64::MAX), warning })
}

fn check_bool(value: &str) -> Option<ValueProblem> {
    let v = value.trim();
    let canonical = v.is_empty()
        || v == "0"
        || v == "1"
        || ["on", "off", "yes", "no", "true", "false"].iter().any(|w| v.eq_ignore_ascii_case(w));
    (!canonical).then(|| ValueProblem::NotABoolean { reads_as: crate::php::php_bool(value) })
}

fn check_int(value: &str) -> Option<ValueProblem> {
    let trimmed = value.trim_matches(is_php_space);
    let (reads_as, used) = leading_int(trimmed);
    (used != trimmed.len()).then_some(ValueProblem::NotAnInteger { reads_as })
}

fn check_float(value: &str) -> Option<ValueProblem> {
    let trimmed = value.trim_matches(is_php_space);
    let end = float_prefix_len(trimmed);
    if end == trimmed.len() && end > 0 {
        return None;
    }
    let reads_as = trimmed[..end].parse().unwrap_or(0.0);
    Some(ValueProblem::NotAFloat { reads_as })
}

/// `strtol(s, _, 10)`: optional sign, digits; (value, bytes used). No digits: (0, 0).
fn leading_int(s: &str) -> (i64, usize) {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let start = i;
    let mut v: i64 = 0;
    while let Some(d) = b.get(i).filter(|c| c.is_ascii_digit()) {
        // strtol saturates; so do we.
        v = v.saturating_mul(10).saturating_add(i64::from(d - b'0'));
        i += 1;
    }
    if i == start {
        return (0, 0);
    }
    (if b[0] == b'-' { -v } else { v }, i)
}

/// Length of the longest prefix `strtod` would read (decimal forms only).
fn float_prefix_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let from = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - from
    };
    let mut n = digits(&mut i);
    if b.get(i) == Some(&b'.') {
        let mut j = i + 1;
        let frac = digits(&mut j);
        if n + frac > 0 {
            n += frac;
            i = j;
        }
    }
    if n == 0 {
        return 0;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        if digits(&mut j) > 0 {
            i = j;
        }
    }
    i
}

/// PHP's whitespace for INI values (`zend_is_whitespace`-like: space, \t, \n, \r, \v, \f).
fn is_php_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// A quantity as PHP 8.2 reads it: the number, and the warning it prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quantity {
    /// The value PHP uses (multiplied out).
    pub value: i64,
    /// PHP's startup warning, starting `Invalid "NAME" setting.`, if it prints one.
    pub warning: Option<String>,
}

/// Read `raw` as PHP 8.2's `zend_ini_parse_quantity_warn(raw, name)` does;
/// the behaviours are listed in the module docs.
///
/// ```
/// use conflint_core::php::directives::parse_quantity;
///
/// assert_eq!(parse_quantity("128M", "memory_limit").value, 128 * 1024 * 1024);
/// assert_eq!(parse_quantity("0x10", "memory_limit").value, 16);
/// assert_eq!(parse_quantity("1 GB", "memory_limit").value, 1);
/// assert!(parse_quantity("1 GB", "memory_limit").warning.is_some());
/// ```
pub fn parse_quantity(raw: &str, name: &str) -> Quantity {
    let (value, problem) = quantity(raw);
    Quantity { value, warning: problem.map(|p| format!("Invalid \"{name}\" setting. {p}")) }
}

fn quantity(raw: &str) -> (i64, Option<String>) {
    let shown = escape(raw);
    let s = raw.trim_matches(is_php_space);
    if s.is_empty() {
        return (0, None);
    }
    let b = s.as_bytes();
    let negative = b[0] == b'-';
    let mut i = usize::from(matches!(b[0], b'+' | b'-'));
    let no_digits = || {
        format!(
            "Invalid quantity \"{shown}\": no valid leading digits, interpreting as \"0\" for backwards compatibility"
        )
    };
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return (0, Some(no_digits()));
    }
    let mut base = 10;
    if b[i] == b'0' {
        match b.get(i + 1) {
            None => return (0, None),
            Some(c) if c.is_ascii_digit() => base = 8,
            Some(b'g' | b'G' | b'm' | b'M' | b'k' | b'K') => {}
            Some(b'x' | b'X') => (base, i) = (16, i + 2),
            Some(b'o' | b'O') => (base, i) = (8, i + 2),
            Some(b'b' | b'B') => (base, i) = (2, i + 2),
            Some(&c) => {
                let prefix = escape(&String::from_utf8_lossy(&[b'0', c]));
                return (
                    0,
                    Some(format!("Invalid prefix \"{prefix}\", interpreting as \"0\" for backwards compatibility")),
                );
            }
        }
    }
    let digits_start = i;
    let mut magnitude: u64 = 0;
    let mut overflow = false;
    while let Some(d) = b.get(i).and_then(|c| (*c as char).to_digit(base)) {
        match magnitude.checked_mul(u64::from(base)).and_then(|m| m.checked_add(u64::from(d))) {
            Some(m) => magnitude = m,
            None => {
                overflow = true;
                magnitude = u64::MAX;
            }
        }
        i += 1;
    }
    if i == digits_start {
        return (0, Some(no_digits()));
    }
    let digits_end = i;
    while b.get(i).is_some_and(|c| is_php_space(*c as char)) {
        i += 1;
    }
    let signed = |m: u64| {
        // Two's-complement wrap, as the C code's unsigned arithmetic does.
        let v = m as i64;
        if negative { v.wrapping_neg() } else { v }
    };
    let out_of_range = || {
        format!(
            "Invalid quantity \"{shown}\": value is out of range, using overflow result for backwards compatibility"
        )
    };
    if i == b.len() {
        return (signed(magnitude), overflow.then(out_of_range));
    }
    let last = b[b.len() - 1];
    let shift = match last {
        b'g' | b'G' => 30,
        b'm' | b'M' => 20,
        b'k' | b'K' => 10,
        _ => {
            let interpreted = escape(&s[..i]);
            let unit = escape(&String::from_utf8_lossy(&[last]));
            return (
                signed(magnitude),
                Some(format!(
                    "Invalid quantity \"{shown}\": unknown multiplier \"{unit}\", interpreting as \"{interpreted}\" for backwards compatibility"
                )),
            );
        }
    };
    let (scaled, lost) = match magnitude.checked_mul(1u64 << shift) {
        Some(v) => (v, false),
        None => (magnitude.wrapping_shl(shift), true),
    };
    if overflow || lost {
        return (signed(scaled), Some(out_of_range()));
    }
    if i != b.len() - 1 {
        let interpreted = format!("{}{}", escape(&s[..digits_end]), last as char);
        return (
            signed(scaled),
            Some(format!(
                "Invalid quantity \"{shown}\", interpreting as \"{interpreted}\" for backwards compatibility"
            )),
        );
    }
    (signed(scaled), None)
}

/// PHP shows the value with control bytes escaped (`smart_str_append_escaped`).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\x7f' => out.push_str(&format!("\\x{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> (i64, Option<String>) {
        quantity(s)
    }

    #[test]
    fn quantities_as_php_82_reads_them() {
        const M: i64 = 1 << 20;
        assert_eq!(q("128M"), (128 * M, None));
        assert_eq!(q("128m"), (128 * M, None));
        assert_eq!(q(" 64M "), (64 * M, None));
        assert_eq!(q("2 M"), (2 * M, None));
        assert_eq!(q("+5M"), (5 * M, None));
        assert_eq!(q("-1"), (-1, None));
        assert_eq!(q("0x10"), (16, None));
        assert_eq!(q("0b101"), (5, None));
        assert_eq!(q("0o17"), (15, None));
        assert_eq!(q("010"), (8, None));
        assert_eq!(q("0x1fM"), (31 * M, None));
        assert_eq!(q("0g"), (0, None));
        assert_eq!(q(""), (0, None));
        assert_eq!(q("0"), (0, None));
    }

    #[test]
    fn quantity_warnings_carry_php_wording() {
        assert_eq!(
            q("128MB"),
            (128, Some(r#"Invalid quantity "128MB": unknown multiplier "B", interpreting as "128" for backwards compatibility"#.into()))
        );
        assert_eq!(
            q("1 GB"),
            (1, Some(r#"Invalid quantity "1 GB": unknown multiplier "B", interpreting as "1 " for backwards compatibility"#.into()))
        );
        assert_eq!(
            q("1.5G"),
            (1 << 30, Some(r#"Invalid quantity "1.5G", interpreting as "1G" for backwards compatibility"#.into()))
        );
        assert_eq!(
            q("abc"),
            (0, Some(r#"Invalid quantity "abc": no valid leading digits, interpreting as "0" for backwards compatibility"#.into()))
        );
        assert_eq!(
            q("0z"),
            (0, Some(r#"Invalid prefix "0z", interpreting as "0" for backwards compatibility"#.into()))
        );
        assert_eq!(q("08").0, 0);
        assert_eq!(q("0xK").0, 0);
        assert_eq!(
            q("99999999999999999999"),
            (-1, Some(r#"Invalid quantity "99999999999999999999": value is out of range, using overflow result for backwards compatibility"#.into()))
        );
    }

    #[test]
    fn plain_numbers() {
        assert_eq!(check_int("14"), None);
        assert_eq!(check_int(" 7 "), None);
        assert_eq!(check_int("-1"), None);
        assert_eq!(check_int("14x"), Some(ValueProblem::NotAnInteger { reads_as: 14 }));
        assert_eq!(check_int("abc"), Some(ValueProblem::NotAnInteger { reads_as: 0 }));
        assert_eq!(check_float("1.5"), None);
        assert_eq!(check_float(".5e3"), None);
        assert_eq!(check_float("1.5x"), Some(ValueProblem::NotAFloat { reads_as: 1.5 }));
        assert_eq!(check_float(""), Some(ValueProblem::NotAFloat { reads_as: 0.0 }));
    }

    #[test]
    fn booleans() {
        for ok in ["", "0", "1", "On", "off", "YES", "no", "true", "False"] {
            assert_eq!(check_bool(ok), None, "{ok}");
        }
        assert_eq!(check_bool("foo"), Some(ValueProblem::NotABoolean { reads_as: false }));
        assert_eq!(check_bool("1abc"), Some(ValueProblem::NotABoolean { reads_as: true }));
        assert_eq!(check_bool("2"), Some(ValueProblem::NotABoolean { reads_as: true }));
    }

    #[test]
    fn memory_limit_refusals() {
        let refused = |s: &str| {
            let (value, warning) = q(s);
            matches!(check_memory_limit(Quantity { value, warning }, s), Some(ValueProblem::MemoryLimitRefused { .. }))
        };
        assert!(refused("128MB"));
        assert!(refused("0x10"));
        assert!(refused(""));
        assert!(refused("2097151"));
        assert!(refused("-5"));
        assert!(!refused("2M"));
        assert!(!refused("-1"));
        assert!(!refused("1G"));
        assert!(!refused("99999999999999999999"));
        assert!(refused("8796093022208G"));
    }
}
