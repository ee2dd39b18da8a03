use conflint_core::php::syntax::{IniValue, PieceKind};
use conflint_core::php::value::php_bool;

use super::edit;
use conflint_core::Model;

use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds a boolean setting whose value PHP reads differently than it
    /// looks: a quoted word (`"off"` is off only because "off" is not a
    /// number; `"On"` is on because it is exactly a true word), a bare word
    /// that is not a boolean (`enabled` is off), a number other than 0 and
    /// 1 (`2` is on, `0x1` is off), `1abc` (on), or an expression.
    ///
    /// PHP's rule (zend_ini_parse_bool): `true`, `yes` or `on` in any case
    /// as the whole string is on; anything else is on when its leading
    /// integer is not zero.
    ///
    /// ## Why is this bad?
    /// The file says one thing and PHP does another: `allow_url_include =
    /// "yes please"` is off, `expose_php = enabled` is off, and
    /// `session.cookie_secure = "false"` is... off, by luck. The next person
    /// to copy the pattern gets the opposite of what they wrote.
    ///
    /// ## Example
    /// ```ini
    /// session.cookie_httponly = "true"
    /// opcache.enable = enabled
    /// ```
    /// Use instead:
    /// ```ini
    /// session.cookie_httponly = On
    /// opcache.enable = Off
    /// ```
    ///
    /// ## Fix safety
    /// Safe: the value is replaced by the canonical `On` or `Off` for what
    /// PHP really reads, so behaviour does not change; only the file becomes
    /// honest (and `opcache.enable = enabled` visibly says `Off`).
    pub struct AmbiguousBoolean {
        code: "PH004",
        name: "ambiguous-boolean",
        severity: Warning,
        default_on: true,
        fix: Safe,
    }
}

/// Settings PHP reads with zend_ini_parse_bool (display_errors has its
/// own parser, see PH002; settings that also take sizes are left out).
const BOOLEAN_SETTINGS: &[&str] = &[
    "allow_url_fopen",
    "allow_url_include",
    "auto_detect_line_endings",
    "display_startup_errors",
    "enable_dl",
    "expose_php",
    "file_uploads",
    "html_errors",
    "ignore_repeated_errors",
    "ignore_repeated_source",
    "ignore_user_abort",
    "implicit_flush",
    "log_errors",
    "mail.add_x_header",
    "register_argc_argv",
    "report_memleaks",
    "short_open_tag",
    "zend.enable_gc",
    "zend.exception_ignore_args",
    "session.use_cookies",
    "session.use_only_cookies",
    "session.use_strict_mode",
    "session.cookie_httponly",
    "session.cookie_secure",
    "session.use_trans_sid",
    "session.auto_start",
    "session.lazy_write",
    "opcache.enable",
    "opcache.enable_cli",
    "opcache.validate_timestamps",
    "opcache.save_comments",
    "opcache.enable_file_override",
    "opcache.validate_permission",
    "opcache.validate_root",
    "mysqli.allow_persistent",
    "mysqli.reconnect",
    "mysqlnd.collect_statistics",
    "mysqlnd.collect_memory_statistics",
    "pdo_mysql.allow_persistent",
    "cgi.force_redirect",
    "fastcgi.logging",
    "cli_server.color",
    "assert.active",
    "assert.bail",
    "assert.warning",
];

/// Whether a value is written the way it reads: one boolean word, `0`,
/// `1`, or nothing.
fn is_canonical(file_source: &[u8], value: &IniValue) -> bool {
    let pieces: Vec<_> = value.pieces.iter().filter(|p| !matches!(p.kind, PieceKind::Whitespace)).collect();
    match pieces.as_slice() {
        [] => true,
        [p] => match p.kind {
            PieceKind::Bool(_) | PieceKind::Null => true,
            PieceKind::Number => matches!(&file_source[p.span.range()], b"0" | b"1"),
            _ => false,
        },
        _ => false,
    }
}

impl Check for AmbiguousBoolean {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Php(tree) = model else { return };
        for setting in tree.settings() {
            if !BOOLEAN_SETTINGS.contains(&setting.key.as_str()) || setting.offset.is_some() {
                continue;
            }
            let (Some(file), Some(entry), Some(path)) =
                (tree.file(&setting), tree.entry(&setting), tree.path(&setting))
            else {
                continue;
            };
            let Some(value) = &entry.value else { continue };
            if is_canonical(file.source(), value) {
                continue;
            }
            let reads = if php_bool(&setting.value) { "On" } else { "Off" };
            let written = file.text(value.span);
            let fix =
                edit::replace_value(tree, &setting, reads).map(|e| Fix::safe(format!("write `{reads}`"), vec![e]));
            checker.report(
                path,
                value.span,
                format!("`{} = {written}` is read by PHP as {reads}; write `{reads}`", setting.key),
                fix,
            );
        }
    }
}
