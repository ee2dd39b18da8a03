//! Argument counts, checked the way httpd's `invoke_cmd` (server/config.c)
//! splits a line for each `args_how`, with its messages.

use super::problem::{Problem, ProblemKind};
use super::tokenize::{getword_conf, trim};
use super::types::{ArgsHow, DirectiveInfo};

/// The words a handler receives, or httpd's complaint about their number.
/// `args` is the text after the directive name. RAW_ARGS and TAKE_ARGV
/// handlers count for themselves: they always get `Ok`, with every word.
pub fn split(info: &DirectiveInfo, args: &str) -> Result<Vec<String>, Problem> {
    let mut rest = trim(args);
    let next = |rest: &mut &str| -> String {
        let (word, after) = getword_conf(rest);
        *rest = after;
        word
    };
    let count_error = |what: &str| {
        let usage = info.help.map(|h| format!(", {h}")).unwrap_or_default();
        Err(Problem::error(ProblemKind::Arguments, format!("{} {what}{usage}", info.name)))
    };
    match info.args_how {
        ArgsHow::RawArgs | ArgsHow::TakeArgv => Ok(super::tokenize::words(rest)),
        ArgsHow::NoArgs => {
            if rest.is_empty() {
                Ok(Vec::new())
            } else {
                Err(Problem::error(ProblemKind::Arguments, format!("{} takes no arguments", info.name)))
            }
        }
        ArgsHow::Take1 => {
            let w = next(&mut rest);
            if w.is_empty() || !rest.is_empty() { count_error("takes one argument") } else { Ok(vec![w]) }
        }
        ArgsHow::Take2 => {
            let (w, w2) = (next(&mut rest), next(&mut rest));
            if w.is_empty() || w2.is_empty() || !rest.is_empty() {
                count_error("takes two arguments")
            } else {
                Ok(vec![w, w2])
            }
        }
        ArgsHow::Take12 => {
            let (w, w2) = (next(&mut rest), next(&mut rest));
            if w.is_empty() || !rest.is_empty() {
                count_error("takes 1-2 arguments")
            } else {
                Ok(if w2.is_empty() { vec![w] } else { vec![w, w2] })
            }
        }
        ArgsHow::Take3 => {
            let (w, w2, w3) = (next(&mut rest), next(&mut rest), next(&mut rest));
            if w.is_empty() || w2.is_empty() || w3.is_empty() || !rest.is_empty() {
                count_error("takes three arguments")
            } else {
                Ok(vec![w, w2, w3])
            }
        }
        ArgsHow::Take23 => {
            let (w, w2) = (next(&mut rest), next(&mut rest));
            let w3 = (!rest.is_empty()).then(|| next(&mut rest));
            if w.is_empty() || w2.is_empty() || !rest.is_empty() {
                count_error("takes two or three arguments")
            } else {
                Ok([Some(w), Some(w2), w3].into_iter().flatten().collect())
            }
        }
        ArgsHow::Take123 => {
            let w = next(&mut rest);
            let w2 = (!rest.is_empty()).then(|| next(&mut rest));
            let w3 = (!rest.is_empty()).then(|| next(&mut rest));
            if w.is_empty() || !rest.is_empty() {
                count_error("takes one, two or three arguments")
            } else {
                Ok([Some(w), w2, w3].into_iter().flatten().collect())
            }
        }
        ArgsHow::Take13 => {
            let w = next(&mut rest);
            let w2 = (!rest.is_empty()).then(|| next(&mut rest));
            let w3 = (!rest.is_empty()).then(|| next(&mut rest));
            // httpd accepts an empty second word without a third.
            let two_only = w2.as_ref().is_some_and(|w2| !w2.is_empty()) && w3.is_none();
            if w.is_empty() || two_only || !rest.is_empty() {
                count_error("takes one or three arguments")
            } else {
                Ok([Some(w), w2, w3].into_iter().flatten().collect())
            }
        }
        ArgsHow::Iterate => {
            let w = next(&mut rest);
            if w.is_empty() {
                return count_error("requires at least one argument");
            }
            // The handler's loop stops at the first empty word.
            let mut all = vec![w];
            loop {
                let w = next(&mut rest);
                if w.is_empty() {
                    return Ok(all);
                }
                all.push(w);
            }
        }
        ArgsHow::Iterate2 => {
            let w = next(&mut rest);
            if w.is_empty() || rest.is_empty() {
                return count_error("requires at least two arguments");
            }
            let mut all = vec![w];
            loop {
                let w = next(&mut rest);
                if w.is_empty() {
                    return Ok(all);
                }
                all.push(w);
            }
        }
        ArgsHow::Flag => {
            let w = next(&mut rest);
            if w.eq_ignore_ascii_case("on") || w.eq_ignore_ascii_case("off") {
                Ok(vec![w])
            } else {
                Err(Problem::error(ProblemKind::Arguments, format!("{} must be On or Off", info.name)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::httpd::directives::types::Availability;

    fn info(args_how: ArgsHow) -> DirectiveInfo {
        DirectiveInfo {
            name: "Test",
            module: "core_module",
            source_file: "core.c",
            args_how,
            req_override: 0,
            forbidden: 0,
            forbidden_sometimes: 0,
            help: Some("usage"),
            condition: None,
            availability: Availability::Always,
        }
    }

    fn ok(how: ArgsHow, args: &str) -> bool {
        split(&info(how), args).is_ok()
    }

    // The verdicts follow `invoke_cmd`; `apache2 -t` agrees on directives of
    // each form (ErrorDocument, ErrorLogFormat, CustomLog, Redirect, PassEnv,
    // AddHandler, KeepAlive). No 2.4 module uses TAKE13.
    #[test]
    fn take_counts() {
        assert!(ok(ArgsHow::Take1, "a"));
        assert!(!ok(ArgsHow::Take1, ""));
        assert!(!ok(ArgsHow::Take1, "a b"));
        assert!(!ok(ArgsHow::Take1, r#""""#));
        assert!(ok(ArgsHow::Take12, "a"));
        assert!(ok(ArgsHow::Take12, "a b"));
        assert!(!ok(ArgsHow::Take12, "a b c"));
        assert!(!ok(ArgsHow::Take2, r#"a """#));
        assert!(ok(ArgsHow::Take23, "a b"));
        assert!(!ok(ArgsHow::Take23, "a"));
        assert!(ok(ArgsHow::Take123, r#"a """#));
        assert!(!ok(ArgsHow::Take13, "a b"));
        assert!(ok(ArgsHow::Take13, r#"a """#));
        assert!(ok(ArgsHow::Take13, "a b c"));
        assert!(!ok(ArgsHow::Take3, "a b"));
    }

    #[test]
    fn message_carries_the_usage() {
        let e = split(&info(ArgsHow::Take1), "").unwrap_err();
        assert_eq!(e.message, "Test takes one argument, usage");
        let e = split(&info(ArgsHow::Flag), "maybe").unwrap_err();
        assert_eq!(e.message, "Test must be On or Off");
        let e = split(&info(ArgsHow::NoArgs), "x").unwrap_err();
        assert_eq!(e.message, "Test takes no arguments");
    }

    #[test]
    fn flag_reads_one_word_and_ignores_the_rest() {
        assert!(ok(ArgsHow::Flag, "ON"));
        assert!(ok(ArgsHow::Flag, "off extra"));
        assert!(!ok(ArgsHow::Flag, ""));
        assert!(!ok(ArgsHow::Flag, "1"));
    }

    #[test]
    fn iterate_needs_one_iterate2_two() {
        assert!(!ok(ArgsHow::Iterate, ""));
        assert_eq!(split(&info(ArgsHow::Iterate), r#"a "" b"#).unwrap(), ["a"]);
        assert!(!ok(ArgsHow::Iterate2, "a"));
        assert!(ok(ArgsHow::Iterate2, "a b"));
    }
}
