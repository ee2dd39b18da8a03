use conflint_core::Model;
use conflint_core::gitlab::keys::GitlabType;

use super::quoted::{quoted_scalars, spell};
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds a numeric gitlab.rb key (one whose default in omnibus-gitlab is
    /// an integer or a float) assigned a number in quotes:
    /// `puma['worker_processes'] = "4"`, `gitlab_rails['backup_keep_time'] =
    /// '604800'`. Only plain numbers are reported (`"4"`, `"-1"`, `"0.5"`),
    /// not `"0700"` (is it octal?) or `"1_000"`.
    ///
    /// ## Why is this bad?
    /// The value reaches the recipes as a String. Where a template prints it,
    /// nothing changes; where Ruby computes with it, it breaks or does
    /// something else: `"4" * 2` is `"44"`, `"4" > 2` raises, and a YAML file
    /// rendered from it holds `'4'`, a string, for a service expecting a
    /// number.
    ///
    /// ## Example
    /// ```ruby
    /// puma['worker_processes'] = "4"
    /// ```
    /// Use instead:
    /// ```ruby
    /// puma['worker_processes'] = 4
    /// ```
    ///
    /// ## Fix safety
    /// Safe: the quotes go and the number is the one written, of the type
    /// the key's default has (tests/gitlab_rules_system.rs reads it back with
    /// Ruby as an Integer).
    pub struct QuotedNumber {
        code: "GL008",
        name: "quoted-number",
        severity: Warning,
        default_on: true,
        fix: Safe,
    }
}

/// `4`, `-1`, `0`: no leading zero (Ruby reads `0700` as octal), no `_`.
fn plain_integer(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && (digits == "0" || !digits.starts_with('0'))
}

/// `0.5`, `-2.25`, `10.0`.
fn plain_float(text: &str) -> bool {
    let Some((int, frac)) = text.split_once('.') else { return false };
    plain_integer(int) && !frac.is_empty() && frac.bytes().all(|b| b.is_ascii_digit())
}

impl Check for QuotedNumber {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Gitlab(tree) = model else { return };
        for q in quoted_scalars(tree) {
            let ok = match q.ty {
                GitlabType::Int => plain_integer(&q.text),
                GitlabType::Float => plain_integer(&q.text) || plain_float(&q.text),
                _ => false,
            };
            if !ok {
                continue;
            }
            let kind = if q.ty == GitlabType::Int { "an integer" } else { "a number" };
            let fix = Fix::safe("unquote the number", vec![Edit::replace(&tree.path, q.span, q.text.as_str())]);
            checker.report(
                &tree.path,
                q.span,
                format!("{} is {kind}, but this is the string \"{}\"; write {}", spell(&q.path), q.text, q.text),
                Some(fix),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_numbers_only() {
        for ok in ["0", "4", "-1", "604800"] {
            assert!(plain_integer(ok), "{ok}");
        }
        for no in ["", "-", "0700", "1_000", "4 ", "+4", "4.0", "0x10"] {
            assert!(!plain_integer(no), "{no}");
        }
        assert!(plain_float("0.5") && plain_float("-2.25") && !plain_float("1.") && !plain_float(".5"));
    }
}
