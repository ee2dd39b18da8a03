use conflint_core::Model;
use conflint_core::php::directives::{PhpType, ValueProblem, check_value, directive, parse_quantity};
use conflint_core::text::escape_control;

use super::directive_lines::{self, directive_lines};
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds a directive whose value PHP cannot read as the directive's
    /// type, and says what PHP uses instead:
    ///
    /// * sizes and other quantities (`memory_limit`, `upload_max_filesize`,
    ///   `post_max_size`, `opcache.memory_consumption`...): PHP reads an
    ///   integer, then one multiplier `K`, `M` or `G` as the last character.
    ///   `128MB` is 128 *bytes* ("unknown multiplier B"), `1 GB` is 1 byte,
    ///   `1.5G` is 1G, `abc` is 0; PHP 8.2+ prints `Warning: Invalid
    ///   "upload_max_filesize" setting. Invalid quantity "10MB": unknown
    ///   multiplier "B", interpreting as "10" for backwards compatibility`.
    ///   A `memory_limit` below the 2 MiB PHP already uses is refused ("Failed
    ///   to set memory limit to 128 bytes") and the default 128M stays;
    /// * integers (`max_execution_time`, `precision`): trailing text is
    ///   ignored, silently (`30s` is 30);
    /// * floats: likewise;
    /// * a few closed sets: `session.cookie_samesite` (`Strict`, `Lax`,
    ///   `None`), `zend.assertions` (`-1`, `0`, `1`).
    ///
    /// Booleans are PH004's. A value holding a template placeholder
    /// (`{{ php_memory_limit }}`, `<%= @limit %>`) is judged once rendered,
    /// not before. Every reading above was checked against PHP
    /// 8.2 (`php -n -c FILE`, `ini_get()`, `ini_parse_quantity()`; see
    /// tests/php_rules_system.rs and tests/php_directives_system.rs).
    ///
    /// ## Why is this bad?
    /// `upload_max_filesize = 10MB` allows uploads of 10 bytes; `memory_limit
    /// = 1 GB` is refused and the script still dies at 128M. Nothing fails
    /// loudly before 8.2, and 8.2's warning goes to a startup log nobody reads.
    ///
    /// ## Example
    /// ```ini
    /// memory_limit = 512MB
    /// upload_max_filesize = 1 GB
    /// ```
    /// Use instead:
    /// ```ini
    /// memory_limit = 512M
    /// upload_max_filesize = 1G
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe, and only for a size written with a byte suffix (`512MB`, `1
    /// GB`, `10 kb`): dropping the `B` gives the size that was obviously
    /// meant, which is not what PHP uses today. No fix otherwise.
    pub struct InvalidValue {
        code: "PH009",
        name: "invalid-value",
        severity: Error,
        default_on: true,
        fix: Unsafe,
    }
}

/// Directives whose documented set PHP does not enforce: `opcache.jit`
/// takes any four-digit CRTO code, `session.save_handler` any handler an
/// extension registers.
const OPEN_SETS: &[&str] = &["opcache.jit", "session.save_handler"];

impl Check for InvalidValue {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Php(tree) = model else { return };
        for line in directive_lines(tree) {
            let key = line.setting.key.as_str();
            let Some(d) = directive(key) else { continue };
            if matches!(d.ty, PhpType::Bool | PhpType::String) || OPEN_SETS.contains(&key) {
                continue;
            }
            if directive_lines::is_template(&line.written()) {
                continue; // Judged once rendered.
            }
            let Some(problem) = check_value(d, &line.setting.value) else { continue };
            let written = escape_control(&line.written()).into_owned();
            let message = match &problem {
                ValueProblem::QuantityWarning { reads_as, warning } => format!(
                    "`{key} = {written}`: PHP reads {} (PHP 8.2+ warns at startup: `{warning}`)",
                    amount(d.ty, *reads_as)
                ),
                ValueProblem::MemoryLimitRefused { bytes, warning } => {
                    let first = warning.as_ref().map(|w| format!("`{w}`, then ")).unwrap_or_default();
                    format!(
                        "`{key} = {written}` is {}, less than PHP itself uses: PHP refuses it ({first}`Failed to set memory limit to {bytes} bytes`) and keeps the default 128M",
                        amount(PhpType::Size, i64::try_from(*bytes).unwrap_or(i64::MAX))
                    )
                }
                ValueProblem::NotAnInteger { reads_as } => {
                    format!("`{key} = {written}` is not an integer: PHP silently reads {reads_as}")
                }
                ValueProblem::NotAFloat { reads_as } => {
                    format!("`{key} = {written}` is not a number: PHP silently reads {reads_as}")
                }
                ValueProblem::NotInSet { allowed } => {
                    let shown: Vec<String> =
                        allowed.iter().map(|a| if a.is_empty() { "\"\"".to_string() } else { a.to_string() }).collect();
                    format!("`{key} = {written}` is not one of the values PHP documents ({})", shown.join(", "))
                }
                ValueProblem::NotABoolean { .. } => continue,
            };
            let fix = byte_suffix_fix(&line, d.name).map(|(meant, edit)| {
                Fix::unsafe_(
                    format!("write `{meant}` (PHP reads it as {})", amount(d.ty, meant_value(&meant, d.name))),
                    vec![edit],
                )
            });
            checker.report(line.path, line.value_span(), message, fix);
        }
    }
}

/// `128 bytes`, `1 GiB (1073741824 bytes)`; plain numbers for non-sizes.
fn amount(ty: PhpType, value: i64) -> String {
    if ty != PhpType::Size {
        return value.to_string();
    }
    const UNITS: &[(i64, &str)] = &[(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    match UNITS.iter().find(|(size, _)| value >= *size && value % size == 0) {
        Some((size, unit)) => format!("{} {unit} ({value} bytes)", value / size),
        None if value == 1 => "1 byte".to_string(),
        None => format!("{value} bytes"),
    }
}

fn meant_value(text: &str, name: &str) -> i64 {
    parse_quantity(text, name).value
}

/// `512MB` -> `512M`, `1 GB` -> `1G`, `10 kb` -> `10k`: a plain unquoted
/// quantity whose only flaw is a trailing `B`.
fn byte_suffix_fix(line: &directive_lines::DirectiveLine<'_>, name: &str) -> Option<(String, Edit)> {
    let value = line.entry.value.as_ref()?;
    let text = directive_lines::single_bare_piece(line.file, value).or_else(|| {
        // `1 GB` is two bare pieces with a blank between: take the span.
        let raw = std::str::from_utf8(line.file.bytes(value.span)).ok()?;
        (!raw.contains(['"', '\'', '$', ';'])).then_some(raw)
    })?;
    let stem = text.strip_suffix(['B', 'b'])?.trim_end();
    let (digits, unit) = stem.split_at(stem.len().checked_sub(1)?);
    if !matches!(unit, "K" | "k" | "M" | "m" | "G" | "g") {
        return None;
    }
    let digits = digits.trim_end();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let meant = format!("{digits}{unit}");
    parse_quantity(&meant, name).warning.is_none().then(|| {
        let edit = Edit::replace(line.path, value.span, meant.clone());
        (meant, edit)
    })
}
