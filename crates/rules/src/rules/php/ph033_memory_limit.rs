use conflint_core::Model;
use conflint_core::php::ValueSource;
use conflint_core::php::directives::{ValueProblem, check_value, directive};

use super::hardening;
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds a PHP configuration whose `memory_limit` is below its
    /// `post_max_size`, both read as PHP reads sizes, with PHP's defaults
    /// (128M and 8M) where unset. `memory_limit = -1` and `post_max_size =
    /// 0` mean no limit and never conflict; a `memory_limit` PHP refuses at
    /// start-up (below 2M, `128MB`) counts as the 128M PHP keeps. PHP-FPM
    /// pool and Apache overrides count in their scope. A scan-directory
    /// fragment checked alone is judged when it sets both.
    ///
    /// ## Why is this bad?
    /// PHP decodes a form body into `$_POST` in memory: a request PHP
    /// accepts by size can still kill the script with "Allowed memory size
    /// exhausted" before the application runs, a 500 instead of a clean
    /// refusal. The PHP manual: "Generally speaking, memory_limit should be
    /// larger than post_max_size."
    ///
    /// ## Example
    /// ```ini
    /// memory_limit = 64M
    /// post_max_size = 128M
    /// ```
    /// Use instead:
    /// ```ini
    /// memory_limit = 256M
    /// post_max_size = 128M
    /// ```
    ///
    /// ## Fix safety
    /// None: raising `memory_limit` costs RAM per worker (see HT005), and
    /// lowering `post_max_size` refuses bodies that work today.
    pub struct MemoryLimit {
        code: "PH033",
        name: "memory-limit-below-post",
        severity: Info,
        default_on: true,
        fix: None,
    }
}

/// Bytes of a `memory_limit` as PHP ends up using it (-1: unlimited).
fn memory_bytes(value: &str) -> i64 {
    match directive("memory_limit").and_then(|d| check_value(d, value)) {
        // PHP refuses it and keeps its built-in 128M.
        Some(ValueProblem::MemoryLimitRefused { .. }) => 128 << 20,
        _ => hardening::bytes(value, "memory_limit"),
    }
}

impl Check for MemoryLimit {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Php(tree) = model else { return };
        // A scan-directory fragment checked alone is judged only where it
        // sets both values itself: a default there may be another file's.
        let fragment = !tree.has_entry();
        let mut reported: Vec<(ValueSource, ValueSource)> = Vec::new();
        for (scope, memory, post) in hardening::paired(tree, "memory_limit", "post_max_size") {
            if fragment && (memory == ValueSource::Default || post == ValueSource::Default) {
                continue;
            }
            let memory_bytes = memory_bytes(hardening::stored(&memory, "128M"));
            let post_bytes = hardening::bytes(hardening::stored(&post, "8M"), "post_max_size");
            if memory_bytes < 0 || post_bytes <= 0 || memory_bytes >= post_bytes {
                continue;
            }
            if reported.iter().any(|(m, p)| *m == memory && *p == post) {
                continue;
            }
            let place = hardening::place(tree, &memory)
                .or_else(|| hardening::place(tree, &post))
                .or_else(|| hardening::entry_place(tree));
            let Some((path, span)) = place else { continue };
            let esc = |s: String| conflint_core::text::escape_control(&s).into_owned();
            checker.report(
                path,
                span,
                format!(
                    "`memory_limit = {}` is below `post_max_size = {}`: a form body PHP accepts can exhaust the memory limit before the application runs{}",
                    esc(hardening::written(tree, &memory, "128M")),
                    esc(hardening::written(tree, &post, "8M")),
                    hardening::for_scope(&scope)
                ),
                None,
            );
            reported.push((memory, post));
        }
    }
}
