use std::path::Path;

use conflint_core::postfix::{Deprecation, Origin, Replacement, Scope, deprecated_parameter, deprecated_restriction};
use conflint_core::{Edit, Model, Span};

use super::{smtpd_services, target, tree};
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::{Fix, Severity};
use crate::rule::Check;
use crate::settings::VersionSource;

declare_rule! {
    /// ## What it does
    /// Finds parameters (main.cf settings and master.cf `-o` overrides)
    /// and `smtpd_*_restrictions` words that the target Postfix release
    /// deprecates or no longer knows, from DEPRECATION_README's table
    /// (and the one `postconf` warns from): the `xxx_use_tls` /
    /// `xxx_enforce_tls` / `xxx_per_site` family and
    /// `smtpd_tls_dh1024_param_file` / `smtpd_tls_eecdh_grade` (3.9), the
    /// 3.11 renames (`virtual_maps` → `virtual_alias_maps`,
    /// `fallback_relay` → `smtp_fallback_relay`, the postscreen
    /// black/whitelist names, ...), `permit_mx_backup` (3.9), and the
    /// restrictions removed in 3.9 (`check_relay_domains`,
    /// `reject_maps_rbl`, `permit_naked_ip_address`). The target release is
    /// `--postfix-version` / `[postfix] version`, else the newest release
    /// conflint knows.
    ///
    /// ## Why is this bad?
    /// A deprecated name still works but `postconf` and every daemon log a
    /// warning for it, and the next releases remove it. A removed
    /// parameter is ignored ("unused parameter"): the setting silently has
    /// no effect. A removed restriction makes smtpd answer every client
    /// with "451 4.3.5 Server configuration error": the server receives no
    /// mail. The severity is error for what the target release removed.
    ///
    /// Source: Postfix DEPRECATION_README; postconf_unused.c.
    ///
    /// ## Example
    /// ```text
    /// virtual_maps = hash:/etc/postfix/virtual
    /// smtp_use_tls = yes
    /// ```
    /// Use instead:
    /// ```text
    /// virtual_alias_maps = hash:/etc/postfix/virtual
    /// smtp_tls_security_level = may
    /// ```
    ///
    /// ## Fix safety
    /// A pure rename (the new name takes the old value unchanged), and a
    /// translation DEPRECATION_README gives value by value (`smtp_use_tls =
    /// yes` → `smtp_tls_security_level = may`, `smtp_enforce_tls = yes` →
    /// `encrypt`, `disable_dns_lookups = yes` → `smtp_dns_support_level =
    /// disabled`), are fixed when the new name is not set already:
    ///
    /// - safe when the release was given (`--postfix-version`, `[postfix]
    ///   version`): that release deprecates the old name, so it knows the
    ///   new one, and so does every later release;
    /// - unsafe otherwise: the file may be for an older Postfix that does
    ///   not know the new name yet (`postscreen_denylist_action` is 3.6+,
    ///   `smtp_per_request_deadline` 3.11+), where the renamed setting
    ///   would be ignored.
    ///
    /// A translation is only made in main.cf, and only when no other
    /// deprecated parameter sets the same new one (`smtp_use_tls` and
    /// `smtp_enforce_tls` together need a human). Everything else
    /// (`do not specify`, a different mechanism, a restriction) is
    /// reported with what to use instead.
    pub struct DeprecatedParameter {
        code: "PF010",
        name: "deprecated-parameter",
        severity: Warning,
        default_on: true,
        fix: Sometimes,
        references: ["Postfix DEPRECATION_README"],
    }
}

fn advice(d: &Deprecation) -> String {
    match d.replacement {
        Replacement::Rename(new) => format!("use `{new}` (same value)"),
        Replacement::Translate { parameter, values } => {
            let pairs: Vec<String> = values.iter().map(|(o, n)| format!("`{o}` → `{n}`")).collect();
            format!("use `{parameter}` ({})", pairs.join(", "))
        }
        Replacement::Use(what) => format!("use `{what}` instead"),
        Replacement::DoNotSpecify => "delete it: Postfix's default is right".to_string(),
    }
}

impl Check for DeprecatedParameter {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Some(tree) = tree(model) else { return };
        let config = &tree.config;
        let version = config.version();
        let configured = checker.settings.postfix.target_version().source == VersionSource::Configured;
        let target = target(checker);
        let describe = |d: &Deprecation, what: &str| {
            let status = if d.is_removed_in(version) {
                let consequence = if what == "restriction" {
                    "smtpd answers every client \"451 4.3.5 Server configuration error\""
                } else {
                    "Postfix ignores the setting"
                };
                format!("was removed in Postfix {}: {consequence}", short(d.removed.unwrap_or(d.deprecated)))
            } else {
                format!("is deprecated since Postfix {}", short(d.deprecated))
            };
            (status, d.is_removed_in(version).then_some(Severity::Error))
        };
        let fix = |message: String, edits: Vec<Edit>| {
            if configured { Fix::safe(message, edits) } else { Fix::unsafe_(message, edits) }
        };
        // main.cf settings, every one (an earlier duplicate warns too).
        if let Some(path) = tree.main_path.as_deref() {
            let main = config.main();
            for (_, p) in main.parameters() {
                let Some(d) = deprecated_parameter(&p.name_text).filter(|d| d.applies_to(version)) else { continue };
                let (status, severity) = describe(d, "parameter");
                let message = format!("`{}` {status} (target: Postfix {target}); {}", p.name_text, advice(d));
                let edits = match d.replacement {
                    Replacement::Rename(new) if config.setting(new).is_none() => {
                        Some(vec![Edit::replace(path, p.name, new)])
                    }
                    Replacement::Translate { parameter, values } if config.setting(parameter).is_none() => {
                        let rivals = main.parameters().any(|(_, q)| {
                            q.name_text != p.name_text
                                && deprecated_parameter(&q.name_text).is_some_and(|e| {
                                    matches!(e.replacement, Replacement::Translate { parameter: other, .. } if other == parameter)
                                })
                        });
                        let new_value =
                            values.iter().find(|(old, _)| old.eq_ignore_ascii_case(p.value.trim())).map(|(_, n)| *n);
                        match new_value {
                            Some(n) if !rivals && main.parameters_named(&p.name_text).count() == 1 => {
                                Some(vec![Edit::replace(path, p.name, parameter), Edit::replace(path, p.value_span, n)])
                            }
                            _ => None,
                        }
                    }
                    _ => None,
                };
                let fix = edits.map(|edits| fix(format!("replace `{}`: {}", p.name_text, advice(d)), edits));
                let span = Span::new(p.name.start, p.value_span.end.max(p.equals.end));
                checker.report_with_severity(path, span, message, fix, severity);
            }
        }
        // master.cf overrides.
        if let (Some(path), Some(master)) = (tree.master_path.as_deref(), config.master()) {
            for (_, service) in master.services() {
                for o in &service.overrides {
                    let Some(d) = deprecated_parameter(&o.name).filter(|d| d.applies_to(version)) else { continue };
                    let (status, severity) = describe(d, "parameter");
                    let message = format!(
                        "`-o {}` of master.cf service `{}` {status} (target: Postfix {target}); {}",
                        o.name,
                        service.key(),
                        advice(d)
                    );
                    let name_span = name_in(master.source(), o.argument, &o.name);
                    let fix = match (d.replacement, name_span) {
                        (Replacement::Rename(new), Some(span)) if service.override_value(new).is_none() => {
                            Some(fix(format!("rename to `{new}`"), vec![Edit::replace(path, span, new)]))
                        }
                        _ => None,
                    };
                    checker.report_with_severity(path, o.span, message, fix, severity);
                }
            }
        }
        // Restriction words.
        let mut scopes = vec![Scope::Main];
        scopes.extend(smtpd_services(config).into_iter().map(Scope::Service));
        for scope in scopes {
            for (list_name, list) in config.restrictions_in(scope) {
                let Ok(list) = list else { continue };
                let path = match (&list.effective.raw.origin, scope) {
                    (Origin::MainCf { .. }, Scope::Main) => tree.main_path.as_deref(),
                    (Origin::Override { .. }, Scope::Service(_)) => tree.master_path.as_deref(),
                    _ => None,
                };
                let Some(path) = path else { continue };
                for use_ in list.restrictions() {
                    let item = use_.restriction;
                    let Some(d) = deprecated_restriction(&item.text).filter(|d| d.applies_to(version)) else {
                        continue;
                    };
                    let Some(span) = item.span.or(item.via.as_ref().and_then(|(_, s)| *s)) else { continue };
                    let (status, severity) = describe(d, "restriction");
                    let message =
                        format!("`{}` in `{list_name}` {status} (target: Postfix {target}); {}", item.text, advice(d));
                    report(checker, path, span, message, severity);
                }
            }
        }
    }
}

fn report(checker: &mut Checker<'_>, path: &Path, span: Span, message: String, severity: Option<Severity>) {
    checker.report_with_severity(path, span, message, None, severity);
}

/// `3.9` for 3.9.0.
fn short(v: conflint_core::postfix::PostfixVersion) -> String {
    if v.patch == 0 { format!("{}.{}", v.major, v.minor) } else { v.to_string() }
}

/// The span of `name` inside an override's argument (`name=value`,
/// `{ name = value }`, `-oname=value`).
fn name_in(source: &[u8], argument: Span, name: &str) -> Option<Span> {
    let bytes = source.get(argument.range())?;
    let at = memchr::memmem::find(bytes, name.as_bytes())?;
    Some(Span::new(argument.start + at, argument.start + at + name.len()))
}
