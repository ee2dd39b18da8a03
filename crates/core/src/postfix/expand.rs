//! `$name` expansion in parameter values, as Postfix does it.
//!
//! A port of src/util/mac_parse.c and src/util/mac_expand.c (the same code
//! in 3.7 and 3.12, except where noted):
//! - `$name`, `${name}`, `$(name)`: the value of `name`, itself expanded;
//!   an undefined name gives nothing; `$$` is a `$`;
//! - `${name?text}` / `${name:text}`: `text` (expanded) when `name` is set
//!   and non-empty / unset or empty (Postfix 2.2+); `text` is everything up
//!   to the closing brace, `:` and `?` included;
//! - Postfix 3.0+: `${name?{text}}`, `${name?{a}:{b}}`, and relational
//!   expressions `${{left} == {right} ? {a} : {b}}` with `== != < <= >= >`
//!   (numbers compare as numbers when both sides are all digits) and the
//!   `<level`-style operators that compare compatibility levels (`3.6`).
//!
//! Errors are Postfix's ("empty macro name", "truncated macro reference",
//! "unreasonable macro call nesting", ...); Postfix programs stop with
//! "macro processing error" on any of them. A reference cycle
//! (`a = $b`, `b = $a`) is caught by Postfix's own nesting limit (100).
//! Expansion is bounded in depth (no stack overflow) and in size (a chain
//! of `$a$a` values doubles at each step).

use std::fmt;

/// Postfix's limit on nested `$name` expansion (mac_expand.c).
const MAX_LEVEL: usize = 100;

/// How deep relational operands may nest. Postfix starts a fresh nesting
/// count for each operand; a bound keeps a crafted value from overflowing
/// the stack.
const MAX_DEPTH: usize = 200;

/// The most bytes an expansion may produce: far more than any real value
/// (a 100,000-network `mynetworks` is 1.5 MB), far less than a doubling
/// chain reaches.
const MAX_OUTPUT: usize = 32 << 20;

/// The most `$` references one expansion may evaluate: relational
/// operands that refer to the level before them double the work at each
/// level without producing output.
const MAX_STEPS: usize = 100_000;

/// An expansion Postfix would refuse ("macro processing error").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ExpandError {
    /// Postfix's warning for the problem.
    pub message: String,
}

/// The result of expanding a value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Expansion {
    /// The expanded text.
    pub value: String,
    /// Names that were referenced but are not defined anywhere (Postfix
    /// warns "undefined parameter" and substitutes nothing).
    pub undefined: Vec<String>,
}

/// Where names are looked up.
pub trait Lookup {
    /// The raw (unexpanded) value of `name`, or `None` when it is not defined.
    fn lookup(&self, name: &str) -> Option<String>;

    /// Whether `$name` inserts the value of `name` without expanding it
    /// (Postfix 3.12+ does that for "raw" parameters such as
    /// `smtpd_reject_footer`; earlier versions expand them).
    fn is_verbatim(&self, _name: &str) -> bool {
        false
    }

    /// Whether `{...}` operands and relational expressions exist (Postfix
    /// 3.0+). Before 3.0, `${name?{text}}` gives `{text}` braces and all,
    /// and `${{a} == {b}}` is a syntax error.
    fn brace_operands(&self) -> bool {
        true
    }
}

impl<F: Fn(&str) -> Option<String>> Lookup for F {
    fn lookup(&self, name: &str) -> Option<String> {
        self(name)
    }
}

/// Expand `value` recursively, looking names up in `lookup`.
///
/// ```
/// use conflint_core::postfix::expand::expand;
///
/// let lookup = |name: &str| match name {
///     "myhostname" => Some("mail.example.com".to_string()),
///     "mail_name" => Some("Postfix".to_string()),
///     "compatibility_level" => Some("3.6".to_string()),
///     _ => None,
/// };
/// assert_eq!(expand("$myhostname ESMTP $mail_name", &lookup).unwrap().value, "mail.example.com ESMTP Postfix");
/// let style = "${{$compatibility_level} <level {2} ? {subnet} : {host}}";
/// assert_eq!(expand(style, &lookup).unwrap().value, "host");
/// assert_eq!(expand("${relayhost:direct}", &lookup).unwrap().value, "direct");
/// assert!(expand("$myhostname$", &lookup).is_err());
/// ```
pub fn expand(value: &str, lookup: &dyn Lookup) -> Result<Expansion, ExpandError> {
    let mut ctx = Context { lookup, result: String::new(), level: 0, depth: 0, steps: 0, undefined: Vec::new() };
    ctx.parse(value.as_bytes())?;
    Ok(Expansion { value: ctx.result, undefined: ctx.undefined })
}

struct Context<'a> {
    lookup: &'a dyn Lookup,
    result: String,
    /// Postfix's nesting counter for `$name` inside values.
    level: usize,
    /// Nesting of this Rust code (relational operands start a new `level`).
    depth: usize,
    /// `$` references evaluated so far.
    steps: usize,
    undefined: Vec<String>,
}

fn error(message: impl fmt::Display) -> ExpandError {
    ExpandError { message: message.to_string() }
}

/// Postfix's MAC_EXP_WHITESPACE (CHARS_SPACE).
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn skip_ws(text: &[u8], at: usize) -> usize {
    at + text[at.min(text.len())..].iter().take_while(|b| is_ws(**b)).count()
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

impl Context<'_> {
    fn push(&mut self, text: &str) -> Result<(), ExpandError> {
        if self.result.len() + text.len() > MAX_OUTPUT {
            return Err(error("expansion is larger than 32 MiB"));
        }
        self.result.push_str(text);
        Ok(())
    }

    /// mac_parse(): literal text and `$` references, in order.
    fn parse(&mut self, value: &[u8]) -> Result<(), ExpandError> {
        let mut literal: Vec<u8> = Vec::new();
        let mut i = 0;
        while i < value.len() {
            if value[i] != b'$' {
                literal.push(value[i]);
                i += 1;
                continue;
            }
            if value.get(i + 1) == Some(&b'$') {
                literal.push(b'$');
                i += 2;
                continue;
            }
            if !literal.is_empty() {
                self.push(&lossy(&literal))?;
                literal.clear();
            }
            i += 1;
            let name: &[u8] = match value.get(i) {
                Some(&open @ (b'{' | b'(')) => {
                    let close = if open == b'{' { b'}' } else { b')' };
                    let start = i + 1;
                    let mut level = 1;
                    let mut end = start;
                    while level > 0 {
                        let Some(&c) = value.get(end) else {
                            return Err(error(format!("truncated macro reference: \"{}\"", lossy(value))));
                        };
                        if c == open {
                            level += 1;
                        }
                        if c == close {
                            level -= 1;
                        }
                        end += 1;
                    }
                    i = end;
                    &value[start..end - 1]
                }
                _ => {
                    let start = i;
                    while i < value.len() && (value[i].is_ascii_alphanumeric() || value[i] == b'_') {
                        i += 1;
                    }
                    &value[start..i]
                }
            };
            if name.is_empty() {
                return Err(error(format!("empty macro name: \"{}\"", lossy(value))));
            }
            self.expression(name)?;
        }
        if !literal.is_empty() {
            self.push(&lossy(&literal))?;
        }
        Ok(())
    }

    /// mac_expand_callback() for one `$...` reference.
    fn expression(&mut self, buf: &[u8]) -> Result<(), ExpandError> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(error("expansion takes more than 100000 steps"));
        }
        if self.level > MAX_LEVEL {
            return Err(error(format!("unreasonable macro call nesting: \"{}\"", lossy(buf))));
        }
        self.level += 1;
        let mut cp;
        let operator;
        let lookup: Option<String>;
        let mut verbatim = false;
        let start = skip_ws(buf, 0);
        if buf.get(start) == Some(&b'{') && self.lookup.brace_operands() {
            let (value, rest) = self.relational(buf, start)?;
            lookup = Some(value.to_string());
            cp = rest;
            operator = buf.get(cp).copied();
            if let Some(op) = operator {
                if op != b'?' && op != b':' {
                    return Err(error(format!("\"?\" or \":\" expected at: \"...}}>>>{}\"", lossy(&buf[cp..]))));
                }
                cp += 1;
            }
        } else {
            cp = start;
            let name_end;
            loop {
                let ws = skip_ws(buf, cp) - cp;
                match buf.get(cp + ws) {
                    None => {
                        name_end = cp;
                        operator = None;
                        break;
                    }
                    Some(&op @ (b'?' | b':')) => {
                        name_end = cp;
                        operator = Some(op);
                        cp += ws + 1;
                        break;
                    }
                    _ => {}
                }
                let c = buf[cp];
                if !c.is_ascii_alphanumeric() && c != b'_' {
                    return Err(error(format!(
                        "attribute name syntax error at: \"...{}>>>{}\"",
                        lossy(&buf[..cp]),
                        lossy(&buf[cp..])
                    )));
                }
                cp += 1;
            }
            let name = lossy(&buf[start..name_end]);
            verbatim = self.lookup.is_verbatim(&name);
            lookup = self.lookup.lookup(&name);
            if lookup.is_none() && operator.is_none() && !self.undefined.contains(&name) {
                self.undefined.push(name);
            }
        }
        let set = lookup.as_deref().is_some_and(|v| !v.is_empty());
        let mut operator = operator;
        if operator == Some(b'?') {
            let (if_true, rest) = self.operand(buf, cp)?;
            if set {
                self.nested(|ctx| ctx.parse(if_true))?;
            }
            cp = rest;
            operator = match buf.get(cp) {
                None => None,
                Some(b':') => {
                    cp += 1;
                    Some(b':')
                }
                Some(_) => {
                    return Err(error(format!(
                        "\":\" expected at: \"...{}}}>>>{}\"",
                        lossy(if_true),
                        lossy(&buf[cp..])
                    )));
                }
            };
            if operator.is_none() {
                self.level -= 1;
                return Ok(());
            }
        }
        match operator {
            Some(_) => {
                // `:`, alone or after `?`.
                let (if_false, rest) = self.operand(buf, cp)?;
                if !set {
                    self.nested(|ctx| ctx.parse(if_false))?;
                }
                if rest < buf.len() {
                    return Err(error(format!(
                        "unexpected input at: \"...{}}}>>>{}\"",
                        lossy(if_false),
                        lossy(&buf[rest..])
                    )));
                }
            }
            None => {
                if let Some(value) = lookup.filter(|v| !v.is_empty()) {
                    if verbatim {
                        self.push(&value)?;
                    } else {
                        self.nested(|ctx| ctx.parse(value.as_bytes()))?;
                    }
                }
            }
        }
        self.level -= 1;
        Ok(())
    }

    /// Run `f` one Rust level deeper, refusing to go past [`MAX_DEPTH`].
    fn nested(&mut self, f: impl FnOnce(&mut Self) -> Result<(), ExpandError>) -> Result<(), ExpandError> {
        if self.depth >= MAX_DEPTH {
            return Err(error("unreasonable macro call nesting"));
        }
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        result
    }

    /// The operand after `?` or `:`: `{text}` (Postfix 3.0+), or else all
    /// the rest of the reference (Postfix 2.x form). Returns the text and
    /// where parsing goes on.
    fn operand<'b>(&self, buf: &'b [u8], at: usize) -> Result<(&'b [u8], usize), ExpandError> {
        let brace = skip_ws(buf, at);
        if buf.get(brace) == Some(&b'{') && self.lookup.brace_operands() {
            curly_payload(buf, brace)
        } else {
            Ok((&buf[at.min(buf.len())..], buf.len()))
        }
    }

    /// `{left} OP {right}` starting at `at` (the first `{`): "true" or "",
    /// and where parsing goes on.
    fn relational(&mut self, buf: &[u8], at: usize) -> Result<(&'static str, usize), ExpandError> {
        let (left, mut cp) = curly_payload(buf, at)?;
        let op_len = buf[cp..].iter().take_while(|b| b"<>!=?+-*/~&|%".contains(b)).count();
        let op = &buf[cp..cp + op_len];
        if !matches!(op, b"==" | b"!=" | b"<" | b"<=" | b">=" | b">") {
            return Err(error(format!(
                "\"==\" or \"!=\" or \"<\" or \"<=\" or \">=\" or \">\" expected at: \"...{}}}>>>{}\"",
                lossy(left),
                lossy(&buf[cp..])
            )));
        }
        cp += op_len;
        let suffix_len = buf[cp..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
        let compat = match &buf[cp..cp + suffix_len] {
            b"" => false,
            b"level" => true,
            other => {
                return Err(error(format!("bad operator suffix at: \"...{}>>>{}\"", lossy(op), lossy(other))));
            }
        };
        cp += suffix_len;
        let right_at = skip_ws(buf, cp);
        if buf.get(right_at) != Some(&b'{') {
            return Err(error(format!(
                "\"{{expression}}\" expected at: \"...{{{}}} {}>>>{}\"",
                lossy(left),
                lossy(op),
                lossy(&buf[cp..])
            )));
        }
        let (right, rest) = curly_payload(buf, right_at)?;
        // Each operand is expanded on its own, with a fresh nesting count.
        let left = self.operand_value(left)?;
        let right = self.operand_value(right)?;
        let ordering = if compat {
            match (compat_level(&left), compat_level(&right)) {
                (Some(l), Some(r)) => l.cmp(&r),
                (None, _) => return Err(error(format!("malformed compatibility level syntax: \"{left}\""))),
                (_, None) => return Err(error(format!("malformed compatibility level syntax: \"{right}\""))),
            }
        } else if all_digits(&left) && all_digits(&right) {
            match (left.parse::<i64>(), right.parse::<i64>()) {
                (Ok(l), Ok(r)) => l.cmp(&r),
                _ => return Err(error(format!("mac_exp_eval: bad conversion: {left} {right}"))),
            }
        } else {
            left.as_bytes().cmp(right.as_bytes())
        };
        use std::cmp::Ordering::*;
        let truth = match op {
            b"==" => ordering == Equal,
            b"!=" => ordering != Equal,
            b"<" => ordering == Less,
            b"<=" => ordering != Greater,
            b">=" => ordering != Less,
            _ => ordering == Greater,
        };
        Ok((if truth { "true" } else { "" }, rest))
    }

    fn operand_value(&mut self, text: &[u8]) -> Result<String, ExpandError> {
        let saved_result = std::mem::take(&mut self.result);
        let saved_level = std::mem::replace(&mut self.level, 0);
        let outcome = self.nested(|ctx| ctx.parse(text));
        let value = std::mem::replace(&mut self.result, saved_result);
        self.level = saved_level;
        outcome.map(|()| value)
    }
}

/// mac_exp_extract_curly_payload(): the text between the `{` at `at` and
/// its balancing `}`, and the position after the `}` and the white space
/// that follows it.
fn curly_payload(buf: &[u8], at: usize) -> Result<(&[u8], usize), ExpandError> {
    let start = at + 1;
    let mut level = 1;
    let mut i = start;
    loop {
        match buf.get(i) {
            None => {
                return Err(error(format!(
                    "unbalanced {{}} in attribute expression: \"{}\"",
                    lossy(&buf[at.min(buf.len())..])
                )));
            }
            Some(b'{') => level += 1,
            Some(b'}') => {
                level -= 1;
                if level == 0 {
                    break;
                }
            }
            Some(_) => {}
        }
        i += 1;
    }
    Ok((&buf[start..i], skip_ws(buf, i + 1)))
}

/// Postfix's alldig(): non-empty, ASCII digits only.
fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A compatibility level `major[.minor[.patch]]` as a comparable triple
/// (compat_level_from_string()); `None` when malformed.
pub fn compat_level(s: &str) -> Option<(u64, u64, u64)> {
    let mut parts = s.split('.');
    let number = |p: Option<&str>| -> Option<Option<u64>> {
        match p {
            None => Some(None),
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p.parse().ok().map(Some),
            Some(_) => None,
        }
    };
    let major = number(parts.next())??;
    let minor = number(parts.next())?;
    let patch = number(parts.next())?;
    if parts.next().is_some() || minor.is_none() && patch.is_some() {
        return None;
    }
    // Postfix keeps 10 bits each for minor and patch.
    if minor.is_some_and(|m| m > 0x3ff) || patch.is_some_and(|p| p > 0x3ff) {
        return None;
    }
    Some((major, minor.unwrap_or(0), patch.unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string())
    }

    #[test]
    fn forms_postconf_3_7_agrees_with() {
        // Each line was run through `postconf -x` (3.7.11), which prints
        // runs of white space as one space.
        let lookup = table(&[("mail_name", "Postfix"), ("myhostname", "mail.example.com"), ("relayhost", "")]);
        let cases = [
            ("x$$y $(mail_name) ${mail_name?{ yes }:{no}}", "x$y Postfix  yes "),
            ("${{$mail_name} == {Postfix} ? {eq} : {ne}}", "eq"),
            ("${mail_name??foo:{b}ar} ${relayhost:a:b}", "?foo:{b}ar a:b"),
            ("${{1} <level {3.6} ? {lt}}", "lt"),
            ("${{10} < {9} ? {lt} : {ge}} ${{b} < {a} ? {lt} : {ge}}", "ge ge"),
            ("${ mail_name }|${mail_name :x}|${mail_name ? y}", "Postfix|| y"),
            ("$undefined_thing.", "."),
        ];
        for (input, want) in cases {
            assert_eq!(expand(input, &lookup).map(|e| e.value), Ok(want.to_string()), "{input}");
        }
    }

    #[test]
    fn errors_are_postfix_errors() {
        let lookup = table(&[("a", "x $b"), ("b", "$a")]);
        for (input, start) in [
            ("$myhostname$", "empty macro name"),
            ("${myhostname", "truncated macro reference"),
            ("$-x", "empty macro name"),
            ("$a", "unreasonable macro call nesting"),
            ("${{a} =~ {b}}", "\"==\" or"),
            ("${{a} == {b} x}", "\"?\" or \":\" expected"),
            ("${{a} <lvl {b}}", "bad operator suffix"),
            ("${{x} <level {2} ? {a}}", "malformed compatibility level"),
        ] {
            let err = expand(input, &lookup).unwrap_err();
            assert!(err.message.starts_with(start), "{input}: {}", err.message);
        }
    }

    #[test]
    fn postfix_2_has_no_brace_operands() {
        struct Old;
        impl Lookup for Old {
            fn lookup(&self, name: &str) -> Option<String> {
                (name == "mail_name").then(|| "Postfix".to_string())
            }
            fn brace_operands(&self) -> bool {
                false
            }
        }
        assert_eq!(expand("${mail_name?{yes}:{no}}", &Old).unwrap().value, "{yes}:{no}");
        assert!(expand("${{a} == {b} ? {x}}", &Old).unwrap_err().message.starts_with("attribute name syntax error"));
    }

    #[test]
    fn undefined_names_are_reported() {
        let lookup = table(&[]);
        let e = expand("a $nope ${nope2?x} b", &lookup).unwrap();
        assert_eq!(e.value, "a   b");
        assert_eq!(e.undefined, ["nope"]);
    }

    #[test]
    fn doubling_chains_and_deep_nesting_stop() {
        let lookup = |name: &str| -> Option<String> {
            let n: usize = name.strip_prefix('v')?.parse().ok()?;
            Some(if n == 0 { "x".repeat(100) } else { format!("$v{}$v{}", n - 1, n - 1) })
        };
        assert!(expand("$v40", &lookup).is_err());
        let relational = |name: &str| -> Option<String> {
            let n: usize = name.strip_prefix('w')?.parse().ok()?;
            Some(if n == 0 { "x".into() } else { format!("${{{{$w{0}}} == {{$w{0}}}}}", n - 1) })
        };
        assert!(expand("$w90", &relational).is_err());
        let deep = "${{".repeat(5000);
        assert!(expand(&deep, &lookup).is_err());
        let nested_operands = format!("{}{}", "${{${{".repeat(300), "}}".repeat(300));
        assert!(expand(&nested_operands, &lookup).is_err());
    }

    #[test]
    fn compat_levels() {
        assert_eq!(compat_level("3.6"), Some((3, 6, 0)));
        assert_eq!(compat_level("2"), Some((2, 0, 0)));
        assert!(compat_level("3.6") > compat_level("2"));
        assert!(compat_level("3.10") > compat_level("3.9"));
        assert_eq!(compat_level("3.x"), None);
        assert_eq!(compat_level(""), None);
    }
}
