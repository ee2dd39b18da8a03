use conflint_core::Model;

use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds lines in a php.ini that start with `#`, meant as comments.
    ///
    /// ## Why is this bad?
    /// `#` comments were removed in PHP 7. A `#` line is now a key: `#
    /// note` is ignored as a key without value, `# max = 10` silently sets a
    /// directive named `# max`, and `# see (docs)` is a syntax error that
    /// makes PHP ignore the rest of the file (PHP still starts). What looks
    /// like a harmless comment either does nothing or breaks the file.
    ///
    /// ## Example
    /// ```ini
    /// # Raised for the upload form
    /// upload_max_filesize = 64M
    /// ```
    /// Use instead:
    /// ```ini
    /// ; Raised for the upload form
    /// upload_max_filesize = 64M
    /// ```
    ///
    /// ## Fix safety
    /// Safe: the `#` becomes `;`, the comment it was meant to be. A line
    /// that set a `#`-named directive sets nothing any more, which is what
    /// its author meant.
    pub struct HashComment {
        code: "PH003",
        name: "hash-comment",
        severity: Error,
        default_on: true,
        fix: Safe,
    }
}

impl Check for HashComment {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Php(tree) = model else { return };
        for source in &tree.files {
            let Ok(file) = &source.content else { continue };
            for (_, entry) in file.entries() {
                if !entry.is_hash_line() {
                    continue;
                }
                let hash = conflint_core::Span::new(entry.key.start, entry.key.start + 1);
                let what = if entry.value.is_some() {
                    format!("sets a directive named `{}`", entry.key_text)
                } else {
                    "is read as a key without a value".to_string()
                };
                let fix = Fix::safe("turn `#` into `;`", vec![Edit::replace(&source.path, hash, ";")]);
                checker.report(
                    &source.path,
                    hash,
                    format!("`#` is not a comment since PHP 7: this line {what}; use `;`"),
                    Some(fix),
                );
            }
        }
    }
}
