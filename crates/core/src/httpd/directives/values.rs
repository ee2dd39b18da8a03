//! Values httpd checks while it reads the configuration, with its messages:
//! core's Options, AllowOverride(List), ServerTokens, ServerSignature,
//! TraceEnable, HostnameLookups, FileETag and LogLevel (server/core.c,
//! server/log.c), mod_ssl's SSLProtocol (ssl_engine_config.c) and
//! mod_headers' Header/RequestHeader (mod_headers.c). Require and
//! mod_rewrite have their own files.

use super::expr::{self, ExprKind};
use super::loaded::LoadedModules;
use super::problem::{Problem, ProblemKind};
use super::scope::Scope;
use super::tokenize::{getword_conf, trim};
use super::types::DirectiveInfo;
use super::{values_auth, values_rewrite};
use crate::httpd::version::ApacheVersion;

/// What a value check may need besides the directive itself.
pub(super) struct Ctx<'a> {
    pub version: ApacheVersion,
    pub modules: &'a LoadedModules,
    pub scope: &'a Scope,
}

fn invalid(message: impl Into<String>) -> Option<Problem> {
    Some(Problem::error(ProblemKind::Value, message))
}

/// The first value httpd would refuse, if any. `raw` is the argument text,
/// `words` what the argument-count step split it into.
pub(super) fn check(ctx: &Ctx<'_>, info: &DirectiveInfo, raw: &str, words: &[String]) -> Option<Problem> {
    let v24 = ctx.version == ApacheVersion::V2_4;
    let first = words.first().map_or("", String::as_str);
    match (info.module, info.name.to_ascii_lowercase().as_str()) {
        ("core_module", "options") => options(raw, ctx.version),
        ("core_module", "allowoverride") if v24 => allow_override(raw),
        ("core_module", "allowoverridelist") if v24 => allow_override_list(words),
        ("core_module", "servertokens") if v24 => server_tokens(first),
        ("core_module", "serversignature") => {
            one_of(first, &["on", "off", "email"], "ServerSignature: use one of: off | on | email")
        }
        ("core_module", "traceenable") => {
            one_of(first, &["on", "off", "extended"], "TraceEnable must be one of 'on', 'off', or 'extended'")
        }
        ("core_module", "hostnamelookups") => {
            one_of(first, &["on", "off", "double"], "parameter must be 'on', 'off', or 'double'")
        }
        ("core_module", "fileetag") if v24 => file_etag(info.name, raw),
        ("core_module", "loglevel") if v24 => words.iter().find_map(|w| log_level(ctx, w)),
        ("core_module", "loglevel") => log_level_2_2(first),
        ("ssl_module", "sslprotocol" | "sslproxyprotocol") if v24 => ssl_protocol(info.name, raw),
        ("headers_module", "header" | "requestheader") if v24 => header(info.name, raw),
        ("authz_core_module", "require") if v24 => values_auth::require(ctx, info, raw),
        ("rewrite_module", "rewriterule") => values_rewrite::rule(raw),
        ("rewrite_module", "rewritecond") => values_rewrite::cond(raw, v24),
        _ => None,
    }
}

/// A keyword among `allowed` (ASCII case ignored), else `message`.
fn one_of(word: &str, allowed: &[&str], message: &str) -> Option<Problem> {
    if allowed.iter().any(|a| a.eq_ignore_ascii_case(word)) { None } else { invalid(message) }
}

/// The option names `Options` (and `AllowOverride Options=`) knows.
const OPTION_NAMES: &[&str] = &[
    "Indexes",
    "Includes",
    "IncludesNOEXEC",
    "FollowSymLinks",
    "SymLinksIfOwnerMatch",
    "ExecCGI",
    "MultiViews",
    "RunScripts",
];

/// core.c `set_options`. 2.4 refuses to mix `+X`/`-X` with bare names;
/// 2.2 only refuses unknown names.
fn options(raw: &str, version: ApacheVersion) -> Option<Problem> {
    const MIXED: &str = "Either all Options must start with + or -, or no Option may.";
    let mut rest = trim(raw);
    let (mut first, mut merge, mut all_none) = (true, false, false);
    while !rest.is_empty() {
        let (word, next) = getword_conf(rest);
        rest = next;
        let (action, name) = match word.as_bytes().first() {
            Some(b'+' | b'-') => (Some(&word[..1]), &word[1..]),
            _ => (None, word.as_str()),
        };
        if version == ApacheVersion::V2_4 {
            if action.is_some() {
                if !merge && !first && !all_none {
                    return invalid(MIXED);
                }
                merge = true;
            } else if !first && merge {
                return invalid(MIXED);
            }
        }
        let is = |n: &str| name.eq_ignore_ascii_case(n);
        if is("None") || is("All") {
            if version == ApacheVersion::V2_4 {
                let which = if is("None") { "None" } else { "All" };
                if !first {
                    let option = if which == "None" { "Option" } else { "option" };
                    return invalid(format!("'Options {which}' must be the first {option} given."));
                }
                if merge {
                    return invalid(format!("You may not use 'Options +{which}' or 'Options -{which}'."));
                }
                all_none = true;
            }
        } else if !OPTION_NAMES.iter().any(|n| is(n)) {
            return invalid(format!("Illegal option {name}"));
        }
        first = false;
    }
    None
}

/// core.c `set_override`.
fn allow_override(raw: &str) -> Option<Problem> {
    let mut rest = trim(raw);
    while !rest.is_empty() {
        let (word, next) = getword_conf(rest);
        rest = next;
        let (key, value) = match word.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (word.as_str(), None),
        };
        let is = |n: &str| key.eq_ignore_ascii_case(n);
        if is("Nonfatal") {
            // Any other value after `Nonfatal=` is silently ignored.
            if value.is_none() {
                return invalid(format!("=Override, =Unknown or =All expected after {key}"));
            }
        } else if !["Limit", "Options", "FileInfo", "AuthConfig", "Indexes", "None", "All"].iter().any(|n| is(n)) {
            return invalid(format!("Illegal override option {key}"));
        }
    }
    None
}

/// core.c `set_override_list`: unknown names only draw a warning.
fn allow_override_list(words: &[String]) -> Option<Problem> {
    if words.len() > 1 && words.iter().any(|w| w.eq_ignore_ascii_case("None")) {
        return invalid("'None' not allowed with other directives in AllowOverrideList");
    }
    None
}

/// core.c `set_serv_tokens` (2.4; 2.2 falls back to Full in silence).
fn server_tokens(word: &str) -> Option<Problem> {
    one_of(
        word,
        &["OS", "Min", "Minimal", "Major", "Minor", "Prod", "ProductOnly", "Full"],
        "ServerTokens takes 1 argument: 'Prod(uctOnly)', 'Major', 'Minor', 'Min(imal)', 'OS', or 'Full'",
    )
}

/// core.c `set_etag_bits`.
fn file_etag(name: &str, raw: &str) -> Option<Problem> {
    let mut rest = trim(raw);
    while !rest.is_empty() {
        let (word, next) = getword_conf(rest);
        rest = next;
        let (relative, token) = match word.as_bytes().first() {
            Some(b'+' | b'-') => (true, &word[1..]),
            _ => (false, word.as_str()),
        };
        let is = |n: &str| token.eq_ignore_ascii_case(n);
        if is("None") || is("All") {
            if relative {
                return invalid(format!("{name} keyword '{token}' cannot be used with '+' or '-'"));
            }
        } else if !["Size", "LMTime", "MTime", "LastModified", "INode", "Digest"].iter().any(|n| is(n)) {
            return invalid(format!("Unknown keyword '{token}' for {name} directive"));
        }
    }
    None
}

/// server/log.c `priorities`.
const LOG_LEVELS: &[&str] = &[
    "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug", "trace1", "trace2", "trace3", "trace4",
    "trace5", "trace6", "trace7", "trace8",
];

/// core.c `set_loglevel` for one word: `level` or `module:level`.
fn log_level(ctx: &Ctx<'_>, word: &str) -> Option<Problem> {
    const KEYWORDS: &str =
        "Log level keyword must be one of emerg/alert/crit/error/warn/notice/info/debug/trace1/.../trace8";
    let known = |level: &str| LOG_LEVELS.iter().any(|l| l.eq_ignore_ascii_case(level));
    let Some((module, level)) = word.rsplit_once(':') else {
        return if known(word) { None } else { invalid(KEYWORDS) };
    };
    if level.is_empty() {
        return invalid(format!("Module specifier '{module}' must be followed by a log level keyword"));
    }
    if !known(level) {
        return invalid(format!("{module}:{level}: {KEYWORDS}"));
    }
    // httpd tries the name as given (source file or identifier), then with
    // `_module` appended.
    let found =
        [ctx.modules.has_named(ctx.version, module), ctx.modules.has_named(ctx.version, &format!("{module}_module"))];
    if found.contains(&Some(true)) || found.contains(&None) || ctx.modules.foreign().next().is_some() {
        return None;
    }
    invalid(format!("Cannot find module {module}"))
}

/// 2.2's `set_loglevel`: one keyword, no trace levels or modules.
fn log_level_2_2(word: &str) -> Option<Problem> {
    if LOG_LEVELS[..8].iter().any(|l| l.eq_ignore_ascii_case(word)) {
        return None;
    }
    invalid("LogLevel requires level keyword: one of emerg/alert/crit/error/warn/notice/info/debug")
}

/// ssl_engine_config.c `ssl_cmd_protocol_parse`, for an OpenSSL built
/// without SSLv3 (every current distribution).
fn ssl_protocol(name: &str, raw: &str) -> Option<Problem> {
    let mut rest = trim(raw);
    while !rest.is_empty() {
        let (word, next) = getword_conf(rest);
        rest = next;
        let (action, proto) = match word.as_bytes().first() {
            Some(b'+' | b'-') => (word.as_bytes()[0], &word[1..]),
            _ => (0, word.as_str()),
        };
        let is = |n: &str| proto.eq_ignore_ascii_case(n);
        if is("SSLv2") {
            if action != b'-' {
                return invalid("SSLProtocol: SSLv2 is no longer supported");
            }
        } else if is("SSLv3") {
            if action != b'-' {
                return invalid("SSLv3 not supported by this version of OpenSSL");
            }
        } else if !["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3", "all"].iter().any(|p| is(p)) {
            return invalid(format!("{name}: Illegal protocol '{proto}'"));
        }
    }
    None
}

/// One `ap_getword_conf` step over `rest`.
fn next_word(rest: &mut &str) -> String {
    let (word, after) = getword_conf(rest);
    *rest = after;
    word
}

/// mod_headers.c `header_cmd` and `header_inout_cmd`.
fn header(name: &str, raw: &str) -> Option<Problem> {
    let mut rest = trim(raw);
    let mut action = next_word(&mut rest);
    let response = name.eq_ignore_ascii_case("Header");
    if response && (action.eq_ignore_ascii_case("always") || action.eq_ignore_ascii_case("onsuccess")) {
        action = next_word(&mut rest);
    }
    let _header_name = next_word(&mut rest);
    let value = (!rest.is_empty()).then(|| next_word(&mut rest));
    let subs = (!rest.is_empty()).then(|| next_word(&mut rest));
    let envclause = (!rest.is_empty()).then(|| next_word(&mut rest));
    if !rest.is_empty() {
        return invalid(format!("{name} has too many arguments"));
    }
    let act = action.to_ascii_lowercase();
    const ACTIONS: &[&str] = &["set", "setifempty", "add", "append", "merge", "unset", "echo", "edit", "edit*", "note"];
    if !ACTIONS.contains(&act.as_str()) {
        return invalid(
            "first argument must be 'add', 'set', 'setifempty', 'append', 'merge', 'unset', 'echo', 'note', 'edit', or 'edit*'.",
        );
    }
    let edit = act == "edit" || act == "edit*";
    let (mut value, mut envclause) = (value, envclause);
    if edit {
        if subs.is_none() {
            return invalid("Header edit requires a match and a substitution");
        }
    } else {
        if envclause.is_some() {
            return invalid("Too many arguments to directive");
        }
        envclause = subs.clone();
    }
    if act == "unset" || act == "echo" {
        if value.is_some() {
            if envclause.is_some() {
                let which = if act == "unset" { "header unset" } else { "Header echo" };
                return invalid(format!("{which} takes two arguments"));
            }
            envclause = value.take();
        }
        if act == "echo" && !response {
            return invalid("Header echo only valid on Header directives");
        }
    } else if value.is_none() {
        return invalid("Header requires three arguments");
    }
    if let Some(clause) = envclause.as_deref() {
        let lower = clause.to_ascii_lowercase();
        if lower == "early" {
        } else if let Some(var) = lower.strip_prefix("env=") {
            if var.is_empty() || var == "!" {
                return invalid("error: missing environment variable name. envclause should be in the form env=envar ");
            }
        } else if lower.starts_with("expr=") {
            if let Some(e) = expr::refused(&clause[5..], ExprKind::Boolean) {
                return invalid(format!("Can't parse envclause/expression: {e}"));
            }
        } else {
            return invalid(format!("Unknown parameter: {clause}"));
        }
    }
    let format = if edit { subs } else { value };
    match format.as_deref() {
        Some(f) if act != "unset" && act != "echo" => header_format(f),
        _ => None,
    }
}

/// mod_headers.c `parse_format_string`: an `expr=` value, or text with
/// `%D %t %e %s %l %i %b` tags.
fn header_format(s: &str) -> Option<Problem> {
    if let Some(e) = s.strip_prefix("expr=") {
        return expr::refused(e, ExprKind::String)
            .and_then(|err| invalid(format!("Can't parse value expression : {err}")));
    }
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            i += 1;
            continue;
        }
        i += 1;
        if i >= bytes.len() || bytes[i] == b'%' {
            i += 1;
            continue;
        }
        if bytes[i] == b'{' {
            i = bytes[i..].iter().position(|b| *b == b'}').map_or(bytes.len(), |p| i + p + 1);
        }
        let tag = bytes.get(i).copied();
        if !matches!(tag, Some(b'D' | b't' | b'e' | b's' | b'l' | b'i' | b'b')) {
            let shown = tag.map(|t| String::from_utf8_lossy(&[t]).into_owned()).unwrap_or_default();
            return invalid(format!("Unrecognized header format %{shown}"));
        }
        i += 1;
    }
    None
}
