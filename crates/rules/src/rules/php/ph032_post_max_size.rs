use conflint_core::Model;
use conflint_core::php::ValueSource;

use super::hardening;
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds a PHP configuration whose `post_max_size` is not larger than
    /// its `upload_max_filesize`, both read as PHP reads sizes (`8M`, `1G`,
    /// `0x100000`) with PHP's defaults (8M and 2M) where unset. 0 means no
    /// limit: a `post_max_size` of 0 never conflicts, and neither does an
    /// `upload_max_filesize` of 0 (php-src checks both only when above 0).
    /// PHP-FPM pool and Apache overrides (`php_value`) count in their scope.
    /// A scan-directory fragment checked alone is judged when it sets both.
    ///
    /// ## Why is this bad?
    /// An upload travels inside a POST body with its form fields and
    /// multipart headers, so a file of `upload_max_filesize` bytes never
    /// fits under a `post_max_size` of the same size or less. PHP then
    /// refuses the whole body: `$_POST` and `$_FILES` arrive empty, and the
    /// application sees a form that was never submitted, not an upload
    /// error. The PHP manual: `post_max_size` "must be larger than
    /// upload_max_filesize".
    ///
    /// ## Example
    /// ```ini
    /// upload_max_filesize = 64M
    /// post_max_size = 8M
    /// ```
    /// Use instead:
    /// ```ini
    /// upload_max_filesize = 64M
    /// post_max_size = 72M
    /// ```
    ///
    /// ## Fix safety
    /// None: which of the two limits is the one meant is the owner's call
    /// (and a larger body limit may need the web server's own limit raised).
    pub struct PostMaxSize {
        code: "PH032",
        name: "post-max-size",
        severity: Warning,
        default_on: true,
        fix: None,
    }
}

impl Check for PostMaxSize {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Php(tree) = model else { return };
        // A scan-directory fragment checked alone is judged only where it
        // sets both values itself: a default there may be another file's.
        let fragment = !tree.has_entry();
        let mut reported: Vec<(ValueSource, ValueSource)> = Vec::new();
        for (scope, post, upload) in hardening::paired(tree, "post_max_size", "upload_max_filesize") {
            if fragment && (post == ValueSource::Default || upload == ValueSource::Default) {
                continue;
            }
            let post_bytes = hardening::bytes(hardening::stored(&post, "8M"), "post_max_size");
            let upload_bytes = hardening::bytes(hardening::stored(&upload, "2M"), "upload_max_filesize");
            if post_bytes <= 0 || upload_bytes <= 0 || post_bytes > upload_bytes {
                continue;
            }
            if reported.iter().any(|(p, u)| *p == post && *u == upload) {
                continue;
            }
            // Blame the line that is set: raising post_max_size is the usual
            // cure, so its line first.
            let place = hardening::place(tree, &post)
                .or_else(|| hardening::place(tree, &upload))
                .or_else(|| hardening::entry_place(tree));
            let Some((path, span)) = place else { continue };
            let post_text = hardening::written(tree, &post, "8M");
            let upload_text = hardening::written(tree, &upload, "2M");
            let defaults = match (&post, &upload) {
                (ValueSource::Default, _) => " (post_max_size is PHP's default)",
                (_, ValueSource::Default) => " (upload_max_filesize is PHP's default)",
                _ => "",
            };
            checker.report(
                path,
                span,
                format!(
                    "`post_max_size = {}` is not larger than `upload_max_filesize = {}`{defaults}: an upload near that size exceeds the POST limit and PHP drops the whole request body ($_POST and $_FILES empty){}",
                    escape(&post_text),
                    escape(&upload_text),
                    hardening::for_scope(&scope)
                ),
                None,
            );
            reported.push((post, upload));
        }
    }
}

fn escape(text: &str) -> String {
    conflint_core::text::escape_control(text).into_owned()
}
