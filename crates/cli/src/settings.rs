//! The run's [`Settings`]: conflint.toml with the command line on top.

use conflint_rules::Settings;
use conflint_rules::settings::{
    GitlabSettings, HttpdSettings, PhpSettings, PostfixSettings, Selection, TlsSettings, parse_size,
};

use crate::args::{CheckArgs, CommonArgs};
use crate::config::{Config, parse_ip_net, parse_postfix_version};

/// Settings from conflint.toml with the command line on top.
pub fn settings(args: &CheckArgs, config: &Config) -> Result<Settings, String> {
    let select = args.select.clone().or_else(|| config.select.clone());
    let mut ignore = config.ignore.clone();
    ignore.extend(args.ignore.iter().cloned());
    let selection = Selection { select, ignore };
    let unknown = selection.unknown_codes();
    if !unknown.is_empty() {
        return Err(format!("unknown rule codes: {} (`conflint rules` lists them)", unknown.join(", ")));
    }
    let memory = match &args.memory {
        Some(m) => Some(parse_size(m).map_err(|e| format!("--memory: {e}"))?),
        None => config.memory,
    };
    let mut trusted_ips = config.trusted_ips.clone();
    for ip in &args.trusted_ips {
        trusted_ips.push(parse_ip_net(ip).map_err(|e| format!("--trusted-ip: {e}"))?);
    }
    let profile = match &args.tls_profile {
        Some(p) => p.parse().map_err(|e| format!("--tls-profile: {e}"))?,
        None => config.tls_profile.unwrap_or_default(),
    };
    let php_version = match &args.php_version {
        Some(v) => Some(v.parse().map_err(|e| format!("--php-version: {e}"))?),
        None => config.php_version,
    };
    let gitlab_version = match &args.gitlab_version {
        Some(v) => Some(v.parse().map_err(|e| format!("--gitlab-version: {e}"))?),
        None => config.gitlab_version,
    };
    let postfix_version = match &args.postfix_version {
        Some(v) => Some(parse_postfix_version(v).map_err(|e| format!("--postfix-version: {e}"))?),
        None => config.postfix_version,
    };
    Ok(Settings {
        selection,
        httpd: httpd_settings(&args.common, config, memory)?,
        php: PhpSettings { scan_dir: config.php_scan_dir.clone(), version: php_version },
        gitlab: GitlabSettings { trusted_ips, version: gitlab_version },
        postfix: PostfixSettings { version: postfix_version },
        strict_templates: args.strict_templates,
        tls: TlsSettings { profile },
    })
}

/// The httpd part, shared with `conflint vhosts`.
pub fn httpd_settings(common: &CommonArgs, config: &Config, memory: Option<u64>) -> Result<HttpdSettings, String> {
    let version = match &common.apache_version {
        Some(v) => Some(v.parse().map_err(|e| format!("--apache-version: {e}"))?),
        None => config.version,
    };
    let mut defines = config.defines.clone();
    defines.extend(common.defines.iter().cloned());
    Ok(HttpdSettings {
        version,
        server_root: common.server_root.clone().or_else(|| config.server_root.clone()),
        defines,
        memory,
        process_size: config.process_size,
    })
}
