//! `Require` (2.4, mod_authz_core.c `add_authz_provider`): the provider
//! must be registered by a loaded module, and its own parser must accept
//! the rest of the line.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::expr::{self, ExprKind};
use super::problem::{Certainty, Problem, ProblemKind};
use super::tokenize::{getword_conf, trim, words};
use super::types::DirectiveInfo;
use super::values::Ctx;
use super::{authz_provider, module_source_file};

/// Methods httpd knows without registration (http_protocol.c
/// `register_one_method`); mod_dav adds BIND and SEARCH.
const METHODS: &[&str] = &[
    "GET",
    "HEAD",
    "PUT",
    "POST",
    "DELETE",
    "CONNECT",
    "OPTIONS",
    "TRACE",
    "PATCH",
    "PROPFIND",
    "PROPPATCH",
    "MKCOL",
    "COPY",
    "MOVE",
    "LOCK",
    "UNLOCK",
    "VERSION-CONTROL",
    "CHECKOUT",
    "UNCHECKOUT",
    "CHECKIN",
    "UPDATE",
    "LABEL",
    "REPORT",
    "MKWORKSPACE",
    "MKACTIVITY",
    "BASELINE-CONTROL",
    "MERGE",
];

fn invalid(message: impl Into<String>) -> Option<Problem> {
    Some(Problem::error(ProblemKind::Value, message))
}

pub(super) fn require(ctx: &Ctx<'_>, info: &DirectiveInfo, raw: &str) -> Option<Problem> {
    let (mut provider, mut rest) = getword_conf(trim(raw));
    let mut negate = false;
    if provider.eq_ignore_ascii_case("not") {
        (provider, rest) = getword_conf(rest);
        negate = true;
    }
    let unknown = || Problem::error(ProblemKind::Value, format!("Unknown Authz provider: {provider}"));
    // Providers are looked up by exact name (an APR hash), so `IP` is not `ip`.
    match authz_provider(ctx.version, &provider).filter(|p| p.name == provider) {
        None => {
            // <AuthzProviderAlias> and modules conflint does not know can
            // register more names.
            let certainty = if ctx.modules.is_known() && ctx.modules.foreign().next().is_none() {
                Certainty::Error
            } else {
                Certainty::Maybe
            };
            return Some(unknown().with_certainty(certainty).with_hint(
                "unless an <AuthzProviderAlias> or a module conflint does not know registers this provider",
            ));
        }
        Some(p) if ctx.modules.has(p.module) == Some(false) => {
            let file = module_source_file(ctx.version, p.module).unwrap_or(p.module);
            return Some(unknown().with_hint(format!(
                "the `{provider}` provider is registered by {file} ({}), which is not loaded",
                p.module
            )));
        }
        Some(_) => {}
    }
    if let Some(problem) = provider_args(&provider, rest, ctx) {
        return Some(problem);
    }
    // The enclosing <RequireAny> (or the implicit one) ORs its members: a
    // negation there can never grant anything.
    if negate {
        let section = ctx.scope.find_parent(&["<RequireAll", "<RequireAny", "<RequireNone", "<RequireNotAll"]);
        let or =
            section.is_none_or(|s| s.eq_ignore_ascii_case("<RequireAny") || s.eq_ignore_ascii_case("<RequireNone"));
        if or {
            let shown = section.map_or("<RequireAny>".to_string(), |s| format!("{s}>"));
            return invalid(format!("negative {} directive has no effect in {shown} directive", info.name));
        }
    }
    None
}

/// The provider's `parse_require_line`.
fn provider_args(provider: &str, args: &str, ctx: &Ctx<'_>) -> Option<Problem> {
    match provider {
        "all" => {
            if args.eq_ignore_ascii_case("granted") || args.eq_ignore_ascii_case("denied") {
                None
            } else {
                invalid("Argument for 'Require all' must be 'granted' or 'denied'")
            }
        }
        "method" => {
            let dav = ctx.modules.has("dav_module") != Some(false);
            let unknown = words(args)
                .into_iter()
                .take_while(|w| !w.is_empty())
                .find(|m| !METHODS.contains(&m.as_str()) && !(dav && (m == "BIND" || m == "SEARCH")))?;
            Some(
                Problem::error(ProblemKind::Value, format!("Invalid Method '{unknown}'"))
                    .with_hint("unless RegisterHttpMethod or a <Limit> registers it first"),
            )
        }
        "ip" => {
            let addresses: Vec<String> = words(args).into_iter().take_while(|w| !w.is_empty()).collect();
            if addresses.is_empty() {
                return invalid("'require ip' requires an argument");
            }
            addresses.iter().find_map(|a| {
                ip_subnet(a).err().map(|why| invalid(format!("ip address '{a}' appears to be invalid{why}")))
            })?
        }
        "host" | "forward-dns" | "user" | "group" => expr_line(args, ExprKind::String),
        "expr" => {
            // mod_authz_core strips one pair of surrounding double quotes.
            let line = args.strip_prefix('"').and_then(|a| a.strip_suffix('"')).unwrap_or(args);
            expr_line(line, ExprKind::Boolean)
        }
        _ => None,
    }
}

fn expr_line(line: &str, kind: ExprKind) -> Option<Problem> {
    let err = expr::refused(line, kind)?;
    invalid(format!("Cannot parse expression in require line: {err}"))
}

/// `apr_ipsubnet_create(addr, mask)` as `Require ip` calls it: `Ok`, or the
/// text httpd appends to "appears to be invalid" (nothing when the word
/// does not look like an address at all).
pub(super) fn ip_subnet(word: &str) -> Result<(), &'static str> {
    const BAD_IP: &str = ": The specified IP address is invalid.";
    const BAD_MASK: &str = ": The specified network mask is invalid.";
    let (addr, mask) = match word.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (word, None),
    };
    let looks_like_ip = addr.contains(':') || addr.bytes().all(|b| b == b'.' || b.is_ascii_digit());
    if !looks_like_ip {
        return Err("");
    }
    let v6 = match addr.parse::<Ipv6Addr>() {
        Ok(a) if a.to_ipv4_mapped().is_some() => return Err(BAD_IP),
        Ok(_) => true,
        Err(_) if addr.parse::<Ipv4Addr>().is_ok() => false,
        // The legacy network form `10.1.` is allowed only without a mask.
        Err(_) if mask.is_none() && network(addr) => false,
        Err(_) => return Err(BAD_IP),
    };
    let Some(mask) = mask else { return Ok(()) };
    let max = if v6 { 128 } else { 32 };
    // strtol: leading blanks and a sign are accepted, then digits only.
    let digits = mask.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let digits = digits.strip_prefix('+').unwrap_or(digits);
    let bits_ok = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && digits.parse::<u32>().is_ok_and(|b| b > 0 && b <= max);
    if bits_ok || (!v6 && mask.parse::<Ipv4Addr>().is_ok()) { Ok(()) } else { Err(BAD_MASK) }
}

/// APR's `parse_network`: up to four decimal octets, each followed by a dot
/// (the last one optionally), e.g. `10`, `10.1`, `192.168.1.`.
fn network(s: &str) -> bool {
    if s.len() > "255.255.255.255".len() {
        return false;
    }
    let mut octets = 0;
    let mut parts = s.split('.').peekable();
    while let Some(part) = parts.next() {
        if part.is_empty() {
            // Only a trailing dot (or the empty string) leaves an empty part.
            return parts.peek().is_none();
        }
        octets += 1;
        if octets > 4 || !part.bytes().all(|b| b.is_ascii_digit()) || part.parse::<u32>().map_or(true, |o| o > 255) {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    // Verdicts checked with `apache2 -t` on `Require ip WORD`.
    #[test]
    fn ip_forms() {
        for ok in ["10.0.0.1", "10.0.0.0/8", "10.1", "192.168.1.", "::1", "2001:db8::/32", "10.0.0.0/255.0.0.0"] {
            assert_eq!(ip_subnet(ok), Ok(()), "{ok}");
        }
        assert_eq!(ip_subnet("localhost"), Err(""));
        assert!(ip_subnet("10.0.0.256").is_err());
        assert!(ip_subnet("10.0.0.0/0").is_err());
        assert!(ip_subnet("10.0.0.0/33").is_err());
        assert!(ip_subnet("::ffff:1.2.3.4").is_err());
        assert!(ip_subnet("::1/255.0.0.0").is_err());
        assert!(ip_subnet("1.2.3.4.5").is_err());
    }
}
