//! Each expected verdict and message below was checked with Debian's
//! apache2 2.4.71: `apache2 -t` on a minimal configuration holding the case,
//! and for .htaccess cases a running server (the request fails with 500, or
//! succeeds, and the error log holds the message). The 2.2 cases follow
//! httpd 2.2's sources (no 2.2 binary to run).

use super::*;

const V: ApacheVersion = ApacheVersion::V2_4;

fn loaded(extra: &[&str]) -> LoadedModules {
    let mut m = LoadedModules::builtin(V);
    for id in ["mpm_event_module", "authz_core_module"].iter().chain(extra) {
        m.load(V, id);
    }
    m
}

fn directive(sections: &[&str], name: &str, args: &str, modules: &LoadedModules) -> Option<String> {
    let env = Env { version: V, modules };
    let scope = Scope::server().within(V, sections.iter().copied());
    check_directive(&env, &scope, name, args).into_iter().find(|p| p.certainty == Certainty::Error).map(|p| p.message)
}

fn section(sections: &[&str], name: &str, args: &str, modules: &LoadedModules) -> Option<String> {
    let env = Env { version: V, modules };
    let scope = Scope::server().within(V, sections.iter().copied());
    check_section(&env, &scope, name, args).into_iter().find(|p| p.certainty == Certainty::Error).map(|p| p.message)
}

#[test]
fn unknown_directives() {
    let m = loaded(&[]);
    assert_eq!(
        directive(&[], "Foo", "bar", &m).as_deref(),
        Some(
            "Invalid command 'Foo', perhaps misspelled or defined by a module not included in the server configuration"
        )
    );
    // Known, but its module is not loaded.
    let env = Env { version: V, modules: &m };
    let p = check_directive(&env, &Scope::server(), "RewriteEngine", "On");
    assert_eq!(p[0].kind, ProblemKind::UnknownDirective);
    assert!(p[0].hint.as_deref().unwrap_or("").contains("mod_rewrite.c (rewrite_module)"), "{p:?}");
    assert_eq!(directive(&[], "RewriteEngine", "On", &loaded(&["rewrite_module"])), None);
    // A typo gets a suggestion.
    let p = check_directive(&env, &Scope::server(), "ServerTokns", "Prod");
    assert_eq!(p[0].hint.as_deref(), Some("did you mean `ServerTokens`?"));
    // Windows' mod_win32 is not in a Linux build.
    let p = check_directive(&env, &Scope::server().enter(V, "Directory"), "ScriptInterpreterSource", "Registry");
    assert_eq!(p[0].kind, ProblemKind::UnknownDirective);
    assert_eq!(
        p[0].hint.as_deref(),
        Some("ScriptInterpreterSource exists only in builds for other systems (mod_win32.c)")
    );
}

#[test]
fn unknown_directive_certainty_follows_what_is_known() {
    let fragment = LoadedModules::unknown();
    let env = Env { version: V, modules: &fragment };
    let p = check_directive(&env, &Scope::server(), "Frobnicate", "x");
    assert_eq!(p[0].certainty, Certainty::Warning);
    assert!(p[0].message.contains("no module conflint knows"), "{p:?}");
    // Known directives of unknown modules are fine in a fragment.
    assert!(check_directive(&env, &Scope::server(), "RewriteEngine", "On").is_empty());
    let mut foreign = loaded(&[]);
    foreign.load(V, "frobnicate_module");
    let env = Env { version: V, modules: &foreign };
    let p = check_directive(&env, &Scope::server(), "Frobnicate", "x");
    assert_eq!(p[0].certainty, Certainty::Maybe);
}

#[test]
fn argument_counts() {
    let m = loaded(&[]);
    assert_eq!(
        directive(&[], "ServerName", r#""""#, &m).as_deref(),
        Some("ServerName takes one argument, The hostname and port of the server")
    );
    assert_eq!(directive(&[], "KeepAlive", "maybe", &m).as_deref(), Some("KeepAlive must be On or Off"));
    assert_eq!(directive(&[], "keepalive", "OFF", &m), None);
}

#[test]
fn contexts() {
    let m = loaded(&[]);
    assert_eq!(
        directive(&["Directory"], "ServerTokens", "Prod", &m).as_deref(),
        Some("ServerTokens not allowed in <Directory> context")
    );
    assert_eq!(
        directive(&["VirtualHost"], "ServerTokens", "Prod", &m).as_deref(),
        Some("ServerTokens cannot occur within <VirtualHost> section")
    );
    assert_eq!(
        directive(&["VirtualHost"], "MaxRequestWorkers", "10", &m).as_deref(),
        Some("MaxRequestWorkers cannot occur within <VirtualHost> section")
    );
    assert_eq!(
        directive(&["VirtualHost"], "Require", "all granted", &m).as_deref(),
        Some("Require not allowed in <VirtualHost> context")
    );
    assert_eq!(directive(&[], "Require", "all granted", &m).as_deref(), Some("Require not allowed here"));
    assert_eq!(directive(&["IfModule", "Directory"], "Require", "all granted", &m), None);
    assert_eq!(
        section(&["Location"], "Location", "/b", &m).as_deref(),
        Some("<Location not allowed in <Location> context")
    );
    assert_eq!(
        section(&["Location"], "Directory", "/b", &m).as_deref(),
        Some("<Directory not allowed in <Location> context")
    );
    assert_eq!(
        section(&["Location"], "Files", "x", &m).as_deref(),
        Some("<Files> cannot occur within <Location> section")
    );
    assert_eq!(
        section(&["VirtualHost"], "VirtualHost", "*:80", &m).as_deref(),
        Some("<VirtualHost> cannot occur within <VirtualHost> section")
    );
    // Read-time directives ignore the sections around them.
    assert_eq!(directive(&["Directory"], "ServerRoot", "/tmp", &m), None);
    assert_eq!(section(&["Location"], "IfModule", "foo", &m), None);
    assert_eq!(section(&[], "Limit", "GET", &m).as_deref(), Some("<Limit not allowed here"));
}

#[test]
fn htaccess_overrides() {
    let m = loaded(&["rewrite_module", "authz_host_module"]);
    let env = Env { version: V, modules: &m };
    let fileinfo = Htaccess::from_allow_override("FileInfo").scope();
    assert!(check_directive(&env, &fileinfo, "RewriteEngine", "On").is_empty());
    let p = check_directive(&env, &fileinfo, "Require", "all denied");
    assert_eq!(p[0].message, "Require not allowed here");
    let p = check_directive(&env, &fileinfo, "Options", "None");
    assert_eq!(p[0].message, "Options not allowed here");
    let nonfatal = Htaccess::from_allow_override("FileInfo Nonfatal=All").scope();
    let p = check_directive(&env, &nonfatal, "Options", "None");
    assert_eq!(p[0].certainty, Certainty::Warning);
    let all = Htaccess::from_allow_override("All").scope();
    let p = check_directive(&env, &all, "AllowOverride", "None");
    assert_eq!(p[0].message, "AllowOverride not allowed here");
}

#[test]
fn values() {
    let m = loaded(&["headers_module", "ssl_module", "authz_host_module", "rewrite_module"]);
    assert_eq!(
        directive(&[], "Options", "+Indexes FollowSymLinks", &m).as_deref(),
        Some("Either all Options must start with + or -, or no Option may.")
    );
    assert_eq!(
        directive(&[], "Options", "Indexes -FollowSymLinks", &m).as_deref(),
        Some("Either all Options must start with + or -, or no Option may.")
    );
    assert_eq!(directive(&[], "Options", "None +Indexes", &m), None);
    assert_eq!(directive(&[], "Options", "Indexes Bogus", &m).as_deref(), Some("Illegal option Bogus"));
    assert_eq!(
        directive(&[], "ServerTokens", "Minim", &m).as_deref(),
        Some("ServerTokens takes 1 argument: 'Prod(uctOnly)', 'Major', 'Minor', 'Min(imal)', 'OS', or 'Full'")
    );
    assert_eq!(
        directive(&[], "ServerSignature", "yes", &m).as_deref(),
        Some("ServerSignature: use one of: off | on | email")
    );
    assert_eq!(
        directive(&[], "TraceEnable", "maybe", &m).as_deref(),
        Some("TraceEnable must be one of 'on', 'off', or 'extended'")
    );
    assert_eq!(
        directive(&[], "HostnameLookups", "sometimes", &m).as_deref(),
        Some("parameter must be 'on', 'off', or 'double'")
    );
    assert_eq!(
        directive(&[], "FileETag", "+All", &m).as_deref(),
        Some("FileETag keyword 'All' cannot be used with '+' or '-'")
    );
    assert_eq!(directive(&[], "LogLevel", "warn rewrite:trace3", &m), None);
    assert_eq!(
        directive(&[], "LogLevel", "verbose", &m).as_deref(),
        Some("Log level keyword must be one of emerg/alert/crit/error/warn/notice/info/debug/trace1/.../trace8")
    );
    assert_eq!(directive(&[], "LogLevel", "nosuch:info", &m).as_deref(), Some("Cannot find module nosuch"));
    assert_eq!(
        directive(&[], "Header", "sett X-A b", &m).as_deref(),
        Some(
            "first argument must be 'add', 'set', 'setifempty', 'append', 'merge', 'unset', 'echo', 'note', 'edit', or 'edit*'."
        )
    );
    assert_eq!(directive(&[], "Header", "always unset X-Powered-By", &m), None);
    assert_eq!(
        directive(&[], "SSLProtocol", "-all +TLSv1.2 +TLSv1.4", &m).as_deref(),
        Some("SSLProtocol: Illegal protocol 'TLSv1.4'")
    );
    assert_eq!(
        directive(&["Directory"], "Require", "ip 10.0.0.0/8 localhost", &m).as_deref(),
        Some("ip address 'localhost' appears to be invalid")
    );
    assert_eq!(
        directive(&["Directory"], "Require", "not ip 10.1.2.3", &m).as_deref(),
        Some("negative Require directive has no effect in <RequireAny> directive")
    );
    assert_eq!(directive(&["Directory", "RequireAll"], "Require", "not ip 10.1.2.3", &m), None);
    assert_eq!(
        directive(&[], "RewriteRule", "^/x /y [R=301,QSA,X]", &m).as_deref(),
        Some("RewriteRule: unknown flag 'X'")
    );
}

#[test]
fn require_providers_need_their_modules() {
    let m = loaded(&[]);
    let env = Env { version: V, modules: &m };
    let scope = Scope::server().enter(V, "Directory");
    let p = check_directive(&env, &scope, "Require", "ip 127.0.0.1");
    assert_eq!(p[0].message, "Unknown Authz provider: ip");
    assert!(p[0].hint.as_deref().unwrap_or("").contains("mod_authz_host.c"));
    assert!(check_directive(&env, &scope, "Require", "all granted").is_empty());
    assert!(check_directive(&env, &scope, "Require", "env LOCAL").is_empty());
}

#[test]
fn sections_own_arguments() {
    let m = loaded(&[]);
    assert_eq!(
        section(&[], "Directory", "", &m).as_deref(),
        Some("<Directory> directive requires additional arguments")
    );
    assert_eq!(
        section(&[], "Directory", "/a /b", &m).as_deref(),
        Some("Multiple <Directory> arguments not (yet) supported.")
    );
    assert_eq!(section(&[], "If", "\"%{HTTP_HOST} == 'x'\"", &m), None);
    assert!(section(&[], "If", "\"%{HTTP_HOST} == x\"", &m).unwrap().starts_with("Cannot parse condition clause: "));
    assert_eq!(section(&[], "Else", "x", &m).as_deref(), Some("<Else> does not take an argument"));
    assert_eq!(
        section(&["Directory"], "RequireAll", "x", &m).as_deref(),
        Some("<RequireAll> directive doesn't take additional arguments")
    );
    assert_eq!(section(&[], "IfModule", "", &m).as_deref(), Some("<IfModule> directive requires additional arguments"));
    assert_eq!(
        section(&["Directory"], "Limit", "GET TRACE", &m).as_deref(),
        Some("TRACE cannot be controlled by <Limit>, see TraceEnable")
    );
}

#[test]
fn macro_bodies_are_not_checked() {
    let m = loaded(&[]);
    assert_eq!(directive(&["Macro"], "$directive", "$value", &m), None);
}

#[test]
fn authz_groups_when_they_close() {
    let m = loaded(&[]);
    let env = Env { version: V, modules: &m };
    let dir = Scope::server().enter(V, "Directory");
    let p = check_section_close(&env, &dir, "RequireNone", 1);
    assert_eq!(p[0].message, "<RequireNone> directive has no effect in <RequireAny> directive");
    assert!(check_section_close(&env, &dir.enter(V, "RequireAll"), "RequireNone", 1).is_empty());
    assert!(check_section_close(&env, &dir, "RequireAll", 2).is_empty());
    let p = check_section_close(&env, &dir, "RequireAny", 0);
    assert_eq!(p[0].message, "<RequireAny> directive contains no authorization directives");
    assert!(check_section_close(&env, &dir, "Directory", 0).is_empty());
}

#[test]
fn limit_sections_nest_by_method() {
    let m = loaded(&[]);
    let env = Env { version: V, modules: &m };
    let dir = Scope::server().enter(V, "Directory");
    let get = dir.enter_section(V, "Limit", Some("GET"));
    assert_eq!(
        check_section(&env, &get, "Limit", "GET")[0].message,
        "<Limit> directive specifies methods already excluded"
    );
    assert_eq!(
        check_section(&env, &get, "LimitExcept", "GET")[0].message,
        "<LimitExcept> directive excludes all methods"
    );
    assert!(check_section(&env, &dir.enter_section(V, "Limit", Some("GET POST")), "Limit", "POST").is_empty());
    let htaccess = Htaccess::from_allow_override("All").scope();
    assert_eq!(
        check_section(&env, &htaccess, "Limit", "FROB")[0].message,
        "Could not register method 'FROB' for <Limit from .htaccess configuration"
    );
}

#[test]
fn version_2_2_is_more_lenient() {
    let v = ApacheVersion::V2_2;
    let m = LoadedModules::builtin(v);
    let env = Env { version: v, modules: &m };
    let top = Scope::server();
    // 2.2 mixes +/- and bare options with a warning, and falls back to Full.
    assert!(check_directive(&env, &top, "Options", "+Indexes FollowSymLinks").is_empty());
    assert!(check_directive(&env, &top, "ServerTokens", "Minim").is_empty());
    assert_eq!(
        check_directive(&env, &top, "LogLevel", "trace1")[0].message,
        "LogLevel requires level keyword: one of emerg/alert/crit/error/warn/notice/info/debug"
    );
    // MaxRequestWorkers is 2.4's name; the 2.2 MPM is built in.
    assert_eq!(check_directive(&env, &top, "MaxRequestWorkers", "10")[0].kind, ProblemKind::UnknownDirective);
    assert!(check_directive(&env, &top, "MaxClients", "10").is_empty());
}

#[test]
fn hostile_lines_stay_bounded() {
    let m = loaded(&["rewrite_module", "headers_module"]);
    let env = Env { version: V, modules: &m };
    let top = Scope::server();
    let started = std::time::Instant::now();
    let deep = format!("\"{}true{}\"", "(".repeat(200_000), ")".repeat(200_000));
    assert!(check_section(&env, &top, "If", &deep).is_empty());
    let flags = format!("^ - [{}]", vec!["L"; 200_000].join(","));
    assert!(check_directive(&env, &top, "RewriteRule", &flags).is_empty());
    let long = "x".repeat(5 << 20);
    assert_eq!(check_directive(&env, &top, &long, "y")[0].kind, ProblemKind::UnknownDirective);
    assert!(check_directive(&env, &top, "Header", &format!("set X \"{}\"", "%{a}e".repeat(500_000))).is_empty());
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
}
