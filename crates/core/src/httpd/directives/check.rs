//! One directive or section opening, checked as httpd does while it walks
//! the configuration (server/config.c `ap_walk_config_sub`, `invoke_cmd`,
//! server/core.c `ap_check_cmd_context`, then the handler), stopping at the
//! first error as httpd does.

use super::args;
use super::expr::{self, ExprKind};
use super::loaded::LoadedModules;
use super::problem::{Certainty, Problem, ProblemKind};
use super::scope::Scope;
use super::tokenize::{trim, words};
use super::types::{Availability, DirectiveInfo, not_in, req};
use super::values::{self, Ctx};
use super::{did_you_mean, lookup_all, module_source_file};
use crate::httpd::version::ApacheVersion;

/// What the checks need to know about the server.
#[derive(Debug, Clone, Copy)]
pub struct Env<'a> {
    /// The version the configuration is for.
    pub version: ApacheVersion,
    /// The modules it loads, or unknown.
    pub modules: &'a LoadedModules,
}

/// The `AllowOverride`/`AllowOverrideList` in force for an .htaccess file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Htaccess {
    /// The [`req`] bits (`OR_*`, `NONFATAL_*`) `AllowOverride` grants.
    pub overrides: u32,
    /// The directive names `AllowOverrideList` grants.
    pub override_list: Vec<String>,
}

impl Htaccess {
    /// The grant of an `AllowOverride` argument text (httpd's default is
    /// `None` in 2.3.9 and later, `All` before).
    pub fn from_allow_override(args: &str) -> Htaccess {
        let mut overrides = 0;
        for word in words(args) {
            let (key, value) = word.split_once('=').map_or((word.as_str(), None), |(k, v)| (k, Some(v)));
            let is = |n: &str| key.eq_ignore_ascii_case(n);
            overrides = match () {
                _ if is("None") => 0,
                _ if is("All") => req::OR_ALL,
                _ if is("Limit") => overrides | req::OR_LIMIT,
                _ if is("Options") => overrides | req::OR_OPTIONS,
                _ if is("FileInfo") => overrides | req::OR_FILEINFO,
                _ if is("AuthConfig") => overrides | req::OR_AUTHCFG,
                _ if is("Indexes") => overrides | req::OR_INDEXES,
                _ if is("Nonfatal") => {
                    overrides
                        | match value.map(str::to_ascii_lowercase).as_deref() {
                            Some("override") => req::NONFATAL_OVERRIDE,
                            Some("unknown") => req::NONFATAL_UNKNOWN,
                            Some("all") => req::NONFATAL_OVERRIDE | req::NONFATAL_UNKNOWN,
                            _ => 0,
                        }
                }
                _ => overrides,
            };
        }
        Htaccess { overrides, override_list: Vec::new() }
    }

    /// The scope at the top of such an .htaccess file.
    pub fn scope(&self) -> Scope {
        Scope::htaccess(self.overrides, &self.override_list)
    }
}

/// Check the directive `name args` standing in `scope`. `args` is the text
/// after the name as httpd reads it (continuations joined, `${VAR}`
/// substituted). At most one error is returned: the one `apachectl -t`
/// would print.
pub fn check_directive(env: &Env<'_>, scope: &Scope, name: &str, args: &str) -> Vec<Problem> {
    check_command(env, scope, name, trim(args), None)
}

/// Check the opening of the section `<name args>` standing in `scope`
/// (`name` without the `<`, `args` the text before the closing `>`).
pub fn check_section(env: &Env<'_>, scope: &Scope, name: &str, args: &str) -> Vec<Problem> {
    let bare = name.trim_start_matches('<');
    let args = trim(args);
    // httpd hands section handlers the text up to and including the `>`.
    let raw = format!("{args}>");
    check_command(env, scope, &format!("<{bare}"), &raw, Some(args))
}

fn check_command(env: &Env<'_>, scope: &Scope, name: &str, raw: &str, section_args: Option<&str>) -> Vec<Problem> {
    if scope.not_config {
        return Vec::new();
    }
    let info = match resolve(env, scope, name) {
        Ok(info) => info,
        Err(problem) => return problem.into_iter().collect(),
    };
    // Conditionals, Include, LoadModule, Define... run while the file is
    // read, before any section around them exists for httpd.
    let read_time;
    let scope = if info.req_override & req::EXEC_ON_READ != 0 {
        read_time = scope.read_time();
        &read_time
    } else {
        scope
    };
    let problem = (|| {
        if !scope.opaque {
            if let Some(p) = override_check(scope, info) {
                return Some(p);
            }
        }
        let words = match args::split(info, raw) {
            Ok(words) => words,
            Err(p) => return Some(p),
        };
        if !scope.opaque {
            if let Some(p) = context_check(scope, info) {
                return Some(p);
            }
        }
        if let Some(args) = section_args {
            if let Some(p) = section_value(env, scope, info, args) {
                return Some(p);
            }
        }
        let ctx = Ctx { version: env.version, modules: env.modules, scope };
        values::check(&ctx, info, raw, &words)
    })();
    problem.into_iter().collect()
}

/// The table entry httpd would run for `name`, or the unknown-directive
/// finding.
fn resolve(env: &Env<'_>, scope: &Scope, name: &str) -> Result<&'static DirectiveInfo, Option<Problem>> {
    let entries: Vec<&'static DirectiveInfo> =
        lookup_all(env.version, name).filter(|d| d.availability != Availability::NotOnLinux).collect();
    let invalid = || {
        let message = if scope.htaccess && scope.overrides & req::NONFATAL_UNKNOWN != 0 {
            format!(
                "Unknown directive {} perhaps misspelled or defined by a module not included in the server configuration",
                name.to_ascii_lowercase()
            )
        } else {
            format!(
                "Invalid command '{name}', perhaps misspelled or defined by a module not included in the server configuration"
            )
        };
        let p = Problem::error(ProblemKind::UnknownDirective, message);
        if scope.htaccess && scope.overrides & req::NONFATAL_UNKNOWN != 0 {
            p.with_certainty(Certainty::Warning)
        } else {
            p
        }
    };
    if entries.is_empty() {
        let suggestion = did_you_mean(env.version, name).filter(|s| !s.eq_ignore_ascii_case(name));
        let elsewhere = lookup_all(env.version, name).find(|d| d.availability == Availability::NotOnLinux);
        let mut problem = invalid();
        if let Some(d) = elsewhere {
            problem =
                problem.with_hint(format!("{} exists only in builds for other systems ({})", d.name, d.source_file));
        } else if let Some(s) = suggestion {
            problem = problem.with_hint(format!("did you mean `{s}`?"));
        }
        let foreign: Vec<&str> = env.modules.foreign().collect();
        if !env.modules.is_known() {
            problem.message = format!("Invalid command '{name}': no module conflint knows has this directive");
            problem.certainty = problem.certainty.min(Certainty::Warning);
        } else if !foreign.is_empty() {
            problem.certainty = Certainty::Maybe;
            let hint = format!("unless {} (not known to conflint) provides it", foreign.join(", "));
            problem.hint = Some(problem.hint.map_or(hint.clone(), |h| format!("{h} {hint}")));
        }
        return Err(Some(problem));
    }
    let loaded: Vec<&'static DirectiveInfo> =
        entries.iter().copied().filter(|d| env.modules.has(d.module) != Some(false)).collect();
    if let Some(first) = loaded.iter().find(|d| d.availability == Availability::Always).or(loaded.first()) {
        return Ok(first);
    }
    let mut providers: Vec<String> = Vec::new();
    for d in &entries {
        let file = module_source_file(env.version, d.module).unwrap_or(d.source_file);
        let shown = format!("{file} ({})", d.module);
        if !providers.contains(&shown) {
            providers.push(shown);
        }
    }
    Err(Some(invalid().with_hint(format!(
        "{} is provided by {}, which this configuration does not load",
        entries.first().map_or(name, |d| d.name),
        providers.join(" or ")
    ))))
}

/// `invoke_cmd`'s first test: the directive's `req_override` against what
/// the place allows (`AllowOverride` in .htaccess).
fn override_check(scope: &Scope, info: &DirectiveInfo) -> Option<Problem> {
    if scope.overrides & info.req_override != 0 || scope.override_list.iter().any(|n| n.eq_ignore_ascii_case(info.name))
    {
        return None;
    }
    if scope.htaccess && scope.overrides & req::NONFATAL_OVERRIDE != 0 {
        return Some(
            Problem::error(ProblemKind::Context, format!("{} in .htaccess forbidden by AllowOverride", info.name))
                .with_certainty(Certainty::Warning),
        );
    }
    let message = match scope.parent() {
        Some(parent) => format!("{} not allowed in {parent}> context", info.name),
        None => format!("{} not allowed here", info.name),
    };
    let problem = Problem::error(ProblemKind::Context, message);
    // Outside any per-directory section, the place it was meant for is
    // almost always the whole site.
    if scope.parent().is_none_or(|p| p.eq_ignore_ascii_case("<VirtualHost")) && !scope.htaccess {
        return Some(problem.with_hint("put it in <Location \"/\"> or <Directory>"));
    }
    Some(problem)
}

/// `ap_check_cmd_context` with the mask the handler passes, in its order.
fn context_check(scope: &Scope, info: &DirectiveInfo) -> Option<Problem> {
    let forbidden = info.forbidden;
    let name = info.name;
    let gt = if name.starts_with('<') && !name.ends_with('>') { ">" } else { "" };
    let fail = |what: String| Some(Problem::error(ProblemKind::Context, format!("{name}{gt} {what}")));
    if forbidden & not_in::VIRTUALHOST != 0 && scope.virtual_host {
        return fail("cannot occur within <VirtualHost> section".into());
    }
    // Any per-directory bit, not only NOT_IN_LIMIT, refuses a <Limit>.
    if forbidden & not_in::DIR_CONTEXT != 0 && scope.is_limited() {
        return fail("cannot occur within <Limit> or <LimitExcept> section".into());
    }
    if forbidden & not_in::HTACCESS != 0 && scope.htaccess {
        return fail("cannot occur within htaccess files".into());
    }
    if forbidden & not_in::DIR_LOC_FILE == not_in::DIR_LOC_FILE {
        if scope.path {
            return fail("cannot occur within directory context".into());
        }
        if info.req_override & req::EXEC_ON_READ != 0 {
            return None;
        }
    }
    let groups: [(u8, &[&str]); 4] = [
        (not_in::DIRECTORY, &["<Directory", "<DirectoryMatch"]),
        (not_in::LOCATION, &["<Location", "<LocationMatch"]),
        (not_in::FILES, &["<Files", "<FilesMatch", "<If", "<ElseIf", "<Else"]),
        (not_in::PROXY, &["<Proxy", "<ProxyMatch"]),
    ];
    for (bit, names) in groups {
        if forbidden & bit == 0 {
            continue;
        }
        // find_parent tries each name in turn, innermost section first.
        if let Some(found) = names.iter().find_map(|n| scope.find_parent(&[n])) {
            return fail(format!("cannot occur within {found}> section"));
        }
    }
    None
}

/// What core's and mod_authz_core's section handlers check of their own
/// arguments (server/core.c `dirsection`, `urlsection`, `filesection`,
/// `ifsection`, `virtualhost_section`, `ap_limit_section`,
/// `start_cond_section`; mod_authz_core.c `add_authz_section`).
fn section_value(env: &Env<'_>, scope: &Scope, info: &DirectiveInfo, args: &str) -> Option<Problem> {
    let invalid = |m: String| Some(Problem::error(ProblemKind::Value, m));
    let name = info.name;
    let lower = name.to_ascii_lowercase();
    let missing = || invalid(format!("{name}> directive requires additional arguments"));
    let words = words(args);
    match lower.as_str() {
        "<directory" | "<directorymatch" | "<location" | "<locationmatch" | "<files" | "<filesmatch" => {
            if args.is_empty() {
                return missing();
            }
            let regex = words.first().is_some_and(|w| w == "~") && !lower.ends_with("match");
            let extra = if regex { words.len() > 2 } else { words.len() > 1 };
            if extra {
                return invalid(format!("Multiple {name}> arguments not (yet) supported."));
            }
            None
        }
        "<virtualhost" => {
            if args.is_empty() {
                return missing();
            }
            None
        }
        "<limit" | "<limitexcept" => {
            if args.is_empty() {
                return missing();
            }
            for method in &words {
                if lower == "<limit" && method == "TRACE" {
                    return invalid("TRACE cannot be controlled by <Limit>, see TraceEnable".into());
                }
                if scope.htaccess && !Scope::is_builtin_method(method) {
                    return invalid(format!(
                        "Could not register method '{method}' for {name} from .htaccess configuration"
                    ));
                }
            }
            let (mask, _) = scope.limit_mask(args, lower == "<limitexcept");
            let old = scope.limited;
            if old & mask == 0 {
                return invalid(format!("{name}> directive excludes all methods"));
            }
            if old & mask == old {
                return invalid(format!("{name}> directive specifies methods already excluded"));
            }
            None
        }
        // start_cond_section: a leading `!`, then a word.
        "<ifmodule" | "<ifdefine" | "<iffile" | "<ifdirective" | "<ifsection"
            if info.args_how == super::ArgsHow::RawArgs =>
        {
            if trim(args.strip_prefix('!').unwrap_or(args)).is_empty() {
                missing()
            } else {
                None
            }
        }
        "<if" | "<elseif" if env.version == ApacheVersion::V2_4 => {
            if args.is_empty() {
                return missing();
            }
            let condition = words.first().map_or("", String::as_str);
            if let Some(e) = expr::refused(condition, ExprKind::Boolean) {
                return invalid(format!("Cannot parse condition clause: {e}"));
            }
            if words.len() > 1 {
                return invalid(format!("Multiple {name}> arguments not supported."));
            }
            None
        }
        "<else" if env.version == ApacheVersion::V2_4 => {
            if args.is_empty() {
                None
            } else {
                invalid("<Else> does not take an argument".into())
            }
        }
        "<requireall" | "<requireany" | "<requirenone" | "<requirenotall" => {
            if !args.is_empty() {
                return invalid(format!("{name}> directive doesn't take additional arguments"));
            }
            None
        }
        _ => None,
    }
}

/// What httpd checks when the section `name`, standing in `scope`, closes
/// with `members` authorization members (`Require` lines and `<Require*>`
/// groups directly in it, after conditionals are read away):
/// mod_authz_core.c `add_authz_section` refuses an empty `<Require*>` group,
/// and a negated group (`<RequireNone>`, `<RequireNotAll>`) inside an OR
/// group, the implicit one included, which could never grant access.
pub fn check_section_close(env: &Env<'_>, scope: &Scope, name: &str, members: usize) -> Vec<Problem> {
    let bare = name.trim_start_matches('<');
    let Some(shown) = ["RequireAll", "RequireAny", "RequireNone", "RequireNotAll"]
        .into_iter()
        .find(|g| bare.eq_ignore_ascii_case(g))
        .filter(|g| {
            env.version == ApacheVersion::V2_4
                && lookup_all(env.version, &format!("<{g}")).any(|d| d.availability != Availability::NotOnLinux)
        })
    else {
        return Vec::new();
    };
    if members == 0 {
        return vec![Problem::error(
            ProblemKind::Value,
            format!("<{shown}> directive contains no authorization directives"),
        )];
    }
    if shown != "RequireNone" && shown != "RequireNotAll" {
        return Vec::new();
    }
    let outer = scope.find_parent(&["<RequireAll", "<RequireAny", "<RequireNone", "<RequireNotAll"]);
    let or = outer.is_none_or(|o| o.eq_ignore_ascii_case("<RequireAny") || o.eq_ignore_ascii_case("<RequireNone"));
    if !or {
        return Vec::new();
    }
    let outer = outer.map_or("<RequireAny>".to_string(), |o| format!("{o}>"));
    vec![Problem::error(ProblemKind::Value, format!("<{shown}> directive has no effect in {outer} directive"))]
}

#[cfg(test)]
mod tests;
