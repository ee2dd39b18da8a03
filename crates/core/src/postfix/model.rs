//! The effective Postfix configuration: main.cf (last setting wins),
//! master.cf `-o` overrides per service, and Postfix's built-in defaults
//! for the version in use, with `$name` expanded as Postfix expands it.
//!
//! Defaults are those `postconf -d` prints. The built-in table covers the
//! parameters conflint's rules read ([`builtin_default`]); it was checked
//! against `postconf -d` of Postfix 3.7.11 (Debian 12), and the history of
//! each default comes from `src/global/mail_params.h` across the releases
//! of the vdukhovni/postfix mirror and from COMPATIBILITY_README. A caller
//! that has the real `postconf -d` output (a provisioning tool on the
//! target machine) can pass it with [`PostfixConfig::with_defaults`]; it
//! then also covers the defaults that depend on the machine (`myhostname`,
//! `mydomain`, `mynetworks`).

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;

use crate::postfix::expand::{ExpandError, Lookup, expand};
use crate::postfix::lines::{self, LIST_SEPARATORS};
use crate::postfix::main_cf::{MainCf, Parameter, words_of};
use crate::postfix::master_cf::{MasterCf, Service};
use crate::text::Span;

/// A Postfix release, `major.minor.patch`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PostfixVersion {
    /// e.g. 3
    pub major: u16,
    /// e.g. 7
    pub minor: u16,
    /// e.g. 11
    pub patch: u16,
}

impl PostfixVersion {
    /// `major.minor.patch`.
    pub const fn new(major: u16, minor: u16, patch: u16) -> Self {
        PostfixVersion { major, minor, patch }
    }

    /// The version assumed when nothing says otherwise: Postfix 3.7.11, the
    /// version of Debian 12, whose `postconf -d` the built-in defaults were
    /// checked against.
    pub const ASSUMED: PostfixVersion = PostfixVersion::new(3, 7, 11);

    /// The newest stable release conflint knows (its defaults and
    /// deprecations): what a lint run judges against when no version is
    /// given (`--postfix-version`, `[postfix] version`).
    pub const NEWEST: PostfixVersion = PostfixVersion::new(3, 11, 0);

    /// Read `3.7.11`, `3.7`, `3`, or a snapshot name such as
    /// `3.12-20260127` (the date is ignored).
    ///
    /// ```
    /// use conflint_core::postfix::PostfixVersion;
    /// assert_eq!(PostfixVersion::parse("3.7.11"), Some(PostfixVersion::new(3, 7, 11)));
    /// assert_eq!(PostfixVersion::parse("3.12-20260127"), Some(PostfixVersion::new(3, 12, 0)));
    /// assert!(PostfixVersion::new(3, 7, 11) < PostfixVersion::new(3, 11, 0));
    /// ```
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let release = text.split('-').next()?;
        let mut parts = release.split('.').map(|p| p.parse::<u16>().ok());
        let major = parts.next()??;
        let minor = parts.next().unwrap_or(Some(0))?;
        let patch = parts.next().unwrap_or(Some(0))?;
        if parts.next().is_some() {
            return None;
        }
        Some(PostfixVersion::new(major, minor, patch))
    }

    const fn at_least(self, major: u16, minor: u16) -> bool {
        self.major > major || (self.major == major && self.minor >= minor)
    }
}

impl Default for PostfixVersion {
    fn default() -> Self {
        PostfixVersion::ASSUMED
    }
}

impl fmt::Display for PostfixVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// A built-in default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DefaultValue {
    /// The value as `postconf -d` prints it; it may hold `$name` and
    /// `${{$compatibility_level} <level {2} ? {a} : {b}}` expressions.
    Text(Cow<'static, str>),
    /// Computed from the machine (host name, network interfaces); the
    /// text says how.
    MachineDependent(&'static str),
    /// The parameter does not exist in that version.
    Absent,
}

/// The built-in default of `name` in `version`, for the parameters the
/// rules read; `None` for a parameter this table does not know.
///
/// Where the default changed, the history is (mail_params.h, COMPATIBILITY_README):
/// - `smtpd_relay_restrictions`: new in 2.10 (`permit_mynetworks,
///   reject_unauth_destination`); 2.11-3.2 `permit_mynetworks,
///   permit_sasl_authenticated, defer_unauth_destination`; 3.3+ the same
///   but empty when `compatibility_level` < 1 (the operator is `<` before
///   3.6 and `<level` from 3.6).
/// - `smtpd_recipient_restrictions`: `permit_mynetworks,
///   reject_unauth_destination` before 2.10 (`permit_mynetworks,
///   check_relay_domains` before 2.0), empty since.
/// - `mynetworks_style`: `subnet` before 3.0; 3.0+ `host` unless
///   `compatibility_level` < 2.
/// - `relay_domains`: `$mydestination` before 3.0; 3.0+ empty unless
///   `compatibility_level` < 2.
/// - `smtp_tls_security_level`: new in 2.3, empty; 3.11+ `may` unless
///   `compatibility_level` < 3.11.
/// - `compatibility_level`: new in 3.0, default `0`.
///
/// ```
/// use conflint_core::postfix::{DefaultValue, PostfixVersion, builtin_default};
/// let v = PostfixVersion::new(2, 9, 0);
/// assert_eq!(builtin_default("smtpd_relay_restrictions", v), Some(DefaultValue::Absent));
/// ```
pub fn builtin_default(name: &str, version: PostfixVersion) -> Option<DefaultValue> {
    use DefaultValue::*;
    let v = version;
    let text = |s: &'static str| Some(Text(Cow::Borrowed(s)));
    // Before 3.6 the compatibility comparisons used the plain operators.
    let compat = |expr: &'static str| -> Option<DefaultValue> {
        if v.at_least(3, 6) { text(expr) } else { Some(Text(Cow::Owned(expr.replace("<level", "<")))) }
    };
    const RELAY_DEFAULT: &str = "permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination";
    match name {
        "smtpd_client_restrictions" | "smtpd_helo_restrictions" | "smtpd_sender_restrictions" => text(""),
        "smtpd_data_restrictions" => {
            if v.at_least(2, 0) {
                text("")
            } else {
                Some(Absent)
            }
        }
        "smtpd_end_of_data_restrictions" => {
            if v.at_least(2, 2) {
                text("")
            } else {
                Some(Absent)
            }
        }
        "smtpd_recipient_restrictions" => {
            if v.at_least(2, 10) {
                text("")
            } else if v.at_least(2, 0) {
                text("permit_mynetworks, reject_unauth_destination")
            } else {
                text("permit_mynetworks, check_relay_domains")
            }
        }
        "smtpd_relay_restrictions" => {
            if v.at_least(3, 3) {
                compat(
                    "${{$compatibility_level} <level {1} ? {} : {permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination}}",
                )
            } else if v.at_least(2, 11) {
                text(RELAY_DEFAULT)
            } else if v.at_least(2, 10) {
                text("permit_mynetworks, reject_unauth_destination")
            } else {
                Some(Absent)
            }
        }
        "mynetworks" => Some(MachineDependent(
            "the networks of the machine's interfaces, as `mynetworks_style` says (host: the machine's own addresses; subnet: their subnets; class: their class A/B/C networks)",
        )),
        "mynetworks_style" => {
            if v.at_least(3, 0) {
                compat("${{$compatibility_level} <level {2} ? {subnet} : {host}}")
            } else {
                text("subnet")
            }
        }
        "myhostname" => Some(MachineDependent("the machine's fully-qualified host name")),
        "mydomain" => Some(MachineDependent("$myhostname without its first label")),
        "myorigin" => text("$myhostname"),
        "mydestination" => text("$myhostname, localhost.$mydomain, localhost"),
        "relay_domains" => {
            if v.at_least(3, 0) {
                compat("${{$compatibility_level} <level {2} ? {$mydestination} : {}}")
            } else {
                text("$mydestination")
            }
        }
        "inet_interfaces" => text("all"),
        "smtp_tls_security_level" => {
            if v.at_least(3, 11) {
                compat("${{$compatibility_level} <level {3.11} ? {} : {may}}")
            } else if v.at_least(2, 3) {
                text("")
            } else {
                Some(Absent)
            }
        }
        "smtpd_tls_security_level" => {
            if v.at_least(2, 3) {
                text("")
            } else {
                Some(Absent)
            }
        }
        "smtpd_tls_auth_only" => {
            if v.at_least(2, 2) {
                text("no")
            } else {
                Some(Absent)
            }
        }
        "smtpd_sasl_auth_enable" => text("no"),
        "smtpd_banner" => text("$myhostname ESMTP $mail_name"),
        "disable_vrfy_command" => text("no"),
        "compatibility_level" => {
            if v.at_least(3, 0) {
                text("0")
            } else {
                Some(Absent)
            }
        }
        "relayhost" => text(""),
        "mail_name" => text("Postfix"),
        "mail_version" => Some(Text(Cow::Owned(version.to_string()))),
        "unknown_client_reject_code" => text("450"),
        "smtpd_helo_required" => text("no"),
        "smtp_helo_name" => text("$myhostname"),
        "smtpd_use_tls" | "smtp_use_tls" | "smtpd_enforce_tls" | "smtp_enforce_tls" => {
            if v.at_least(2, 2) {
                text("no")
            } else {
                Some(Absent)
            }
        }
        _ => None,
    }
}

/// The `smtpd_*_restrictions` lists, in the order smtpd applies them
/// (client, HELO, sender, relay, recipient, DATA, end of data).
pub const SMTPD_RESTRICTION_LISTS: [&str; 7] = [
    "smtpd_client_restrictions",
    "smtpd_helo_restrictions",
    "smtpd_sender_restrictions",
    "smtpd_relay_restrictions",
    "smtpd_recipient_restrictions",
    "smtpd_data_restrictions",
    "smtpd_end_of_data_restrictions",
];

/// Parameters whose `$name`s are not main.cf parameters: the program that
/// reads them expands them itself, with names of its own (`$user`,
/// `$rbl_code`, `$client_address`, ...), so `postconf -x` prints them as
/// written (Postfix 3.7, checked one by one). From Postfix 3.12 a `$name`
/// reference to one of them also inserts it unexpanded.
pub const RAW_PARAMETERS: [&str; 9] = [
    "command_execution_directory",
    "default_rbl_reply",
    "forward_path",
    "luser_relay",
    "mailbox_command",
    "postscreen_expansion_filter",
    "postscreen_reject_footer",
    "smtpd_expansion_filter",
    "smtpd_reject_footer",
];

/// Where an effective value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin<'a> {
    /// A main.cf setting (the last one of that name).
    MainCf {
        /// The setting.
        parameter: &'a Parameter,
        /// Its index in [`MainCf::items`].
        item: usize,
    },
    /// A `-o name=value` override in master.cf.
    Override {
        /// The service.
        service: &'a Service,
        /// Index of the override in [`Service::overrides`].
        index: usize,
    },
    /// A value the master daemon gives each service (`process_name`, `service_name`).
    ServiceAttribute,
    /// A default the caller gave ([`PostfixConfig::with_defaults`]).
    GivenDefault,
    /// A built-in default of this version ([`builtin_default`]).
    BuiltinDefault,
}

/// A parameter's value before expansion, and where it comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawValue<'a> {
    /// The value as written (main.cf, master.cf) or as `postconf -d` prints it.
    pub text: Cow<'a, str>,
    /// Where it comes from.
    pub origin: Origin<'a>,
}

/// A parameter's value after `$name` expansion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Effective<'a> {
    /// The value before expansion.
    pub raw: RawValue<'a>,
    /// The expanded value (for a raw parameter, the raw value: see [`RAW_PARAMETERS`]).
    pub value: String,
    /// Referenced names that are defined nowhere (they expand to nothing).
    pub undefined: Vec<String>,
    /// Referenced names whose defaults depend on the machine and were not
    /// given ([`PostfixConfig::with_defaults`]): they expanded to nothing,
    /// so `value` is incomplete.
    pub unknown: Vec<String>,
}

/// Where to look a parameter up: main.cf, or one master.cf service.
#[derive(Clone, Copy, Debug)]
pub enum Scope<'a> {
    /// main.cf and the defaults: what every service gets unless it overrides.
    Main,
    /// A service of master.cf: its `-o` overrides first.
    Service(&'a Service),
}

/// One item of a list-valued parameter (restrictions, `mynetworks`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListItem {
    /// The item as Postfix splits the expanded value; a `{...}` group keeps its braces.
    pub text: String,
    /// Where the item is written, when it is written literally in the
    /// setting (main.cf or a `-o` override) that gives the value: the span
    /// a fix edits. `None` for an item from a default, or one that a
    /// `$name` reference brought in (see `via`).
    pub span: Option<Span>,
    /// The word of the setting that produced the item through `$name`
    /// expansion, e.g. `$smtpd_client_restrictions`, with its span.
    pub via: Option<(String, Option<Span>)>,
}

impl ListItem {
    /// Whether the item is `word`, compared as Postfix compares restriction
    /// names (ASCII case-insensitively).
    pub fn is(&self, word: &str) -> bool {
        self.text.eq_ignore_ascii_case(word)
    }
}

/// A list-valued parameter, expanded and split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueList<'a> {
    /// The parameter's effective value.
    pub effective: Effective<'a>,
    /// The items in order.
    pub items: Vec<ListItem>,
}

/// Restrictions that take the next item of the list as their argument
/// (src/smtpd/smtpd_check.c: `is_map_command()` for the `check_*_access`
/// family, and the DNS list, policy and `sleep` restrictions). A map
/// argument may be a `{...}` inline table.
pub const RESTRICTIONS_WITH_ARGUMENT: [&str; 35] = [
    "check_ccert_access",
    "check_client_access",
    "check_client_a_access",
    "check_client_mx_access",
    "check_client_ns_access",
    "check_etrn_access",
    "check_helo_access",
    "check_helo_a_access",
    "check_helo_mx_access",
    "check_helo_ns_access",
    "check_policy_service",
    "check_recipient_access",
    "check_recipient_a_access",
    "check_recipient_mx_access",
    "check_recipient_ns_access",
    "check_reverse_client_hostname_access",
    "check_reverse_client_hostname_a_access",
    "check_reverse_client_hostname_mx_access",
    "check_reverse_client_hostname_ns_access",
    "check_sasl_access",
    "check_sender_access",
    "check_sender_a_access",
    "check_sender_mx_access",
    "check_sender_ns_access",
    "permit_dnswl_client",
    "permit_rhswl_client",
    "reject_rbl",
    "reject_rbl_client",
    "reject_rhsbl_client",
    "reject_rhsbl_helo",
    "reject_rhsbl_recipient",
    "reject_rhsbl_reverse_client",
    "reject_rhsbl_sender",
    "sleep",
    "check_address_map",
];

/// One restriction of a restriction list with its argument, if it takes one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RestrictionUse<'l> {
    /// The restriction (`reject_unknown_client_hostname`, `check_client_access`, ...).
    pub restriction: &'l ListItem,
    /// Its argument (`hash:/etc/postfix/access`, `zen.spamhaus.org`, `{ ... }`).
    pub argument: Option<&'l ListItem>,
}

impl ValueList<'_> {
    /// The items grouped as smtpd reads a restriction list: each
    /// restriction with the argument it takes ([`RESTRICTIONS_WITH_ARGUMENT`]);
    /// anything else (a restriction class name, `permit`, ...) stands alone.
    pub fn restrictions(&self) -> Vec<RestrictionUse<'_>> {
        let mut out = Vec::new();
        let mut items = self.items.iter();
        while let Some(item) = items.next() {
            let takes = RESTRICTIONS_WITH_ARGUMENT.iter().any(|r| item.is(r));
            let argument = if takes { items.next() } else { None };
            out.push(RestrictionUse { restriction: item, argument });
        }
        out
    }
}

/// The configuration of one Postfix instance: main.cf, master.cf if there
/// is one, the version, and defaults.
///
/// ```
/// use conflint_core::postfix::{MainCf, PostfixConfig, PostfixVersion, Origin};
///
/// let main = MainCf::parse("compatibility_level = 3.6\nmyhostname = mx.example.com\nsmtpd_recipient_restrictions =\n    permit_mynetworks,\n    reject_unknown_client_hostname,\n    reject_unauth_destination\n").unwrap();
/// let config = PostfixConfig::new(main, None, PostfixVersion::new(3, 7, 11));
/// assert_eq!(config.value("smtpd_banner").unwrap().value, "mx.example.com ESMTP Postfix");
/// assert_eq!(config.value("mynetworks_style").unwrap().value, "host");
/// let relay = config.value("smtpd_relay_restrictions").unwrap();
/// assert_eq!(relay.value, "permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination");
/// assert!(matches!(relay.raw.origin, Origin::BuiltinDefault));
///
/// let list = config.list("smtpd_recipient_restrictions").unwrap();
/// let item = list.items.iter().find(|i| i.is("reject_unknown_client_hostname")).unwrap();
/// let span = item.span.unwrap();
/// assert_eq!(&config.main().source()[span.range()], b"reject_unknown_client_hostname");
/// ```
#[derive(Clone, Debug)]
pub struct PostfixConfig {
    main: MainCf,
    master: Option<MasterCf>,
    version: PostfixVersion,
    given_defaults: HashMap<String, String>,
    /// The item of the last setting of each name: expansion looks names up
    /// many times.
    last_setting: HashMap<String, usize>,
}

impl PostfixConfig {
    /// A configuration for `version`, with the built-in defaults.
    pub fn new(main: MainCf, master: Option<MasterCf>, version: PostfixVersion) -> Self {
        let last_setting = main.parameters().map(|(i, p)| (p.name_text.clone(), i)).collect();
        PostfixConfig { main, master, version, given_defaults: HashMap::new(), last_setting }
    }

    /// main.cf.
    pub fn main(&self) -> &MainCf {
        &self.main
    }

    /// master.cf, when there is one.
    pub fn master(&self) -> Option<&MasterCf> {
        self.master.as_ref()
    }

    /// The last setting of `name` in main.cf (the one Postfix uses) and its
    /// index in [`MainCf::items`].
    pub fn setting(&self, name: &str) -> Option<(usize, &Parameter)> {
        let item = *self.last_setting.get(name)?;
        match &self.main.items.get(item)?.kind {
            crate::postfix::main_cf::MainCfItemKind::Parameter(p) => Some((item, p)),
            _ => None,
        }
    }

    /// Use these defaults (e.g. [`parse_postconf_output`] of `postconf -d`)
    /// before the built-in ones; they also answer for the defaults that
    /// depend on the machine.
    pub fn with_defaults(mut self, defaults: HashMap<String, String>) -> Self {
        self.given_defaults = defaults;
        self
    }

    /// The version whose defaults apply.
    pub fn version(&self) -> PostfixVersion {
        self.version
    }

    /// The value of `name` before expansion, in `scope`; `None` when it is
    /// set nowhere and has no known default (or its default depends on the
    /// machine and was not given).
    pub fn raw_value_in<'a>(&'a self, scope: Scope<'a>, name: &str) -> Option<RawValue<'a>> {
        if let Scope::Service(service) = scope {
            if let Some(value) = service_attribute(service, name) {
                return Some(RawValue { text: Cow::Owned(value), origin: Origin::ServiceAttribute });
            }
            if let Some(index) = service.overrides.iter().rposition(|o| o.name == name) {
                let text = Cow::Borrowed(service.overrides[index].value.as_str());
                return Some(RawValue { text, origin: Origin::Override { service, index } });
            }
        }
        if let Some((item, parameter)) = self.setting(name) {
            return Some(RawValue {
                text: Cow::Borrowed(parameter.value.as_str()),
                origin: Origin::MainCf { parameter, item },
            });
        }
        self.default_value(name)
    }

    /// [`PostfixConfig::raw_value_in`] for main.cf.
    pub fn raw_value(&self, name: &str) -> Option<RawValue<'_>> {
        self.raw_value_in(Scope::Main, name)
    }

    /// The default of `name`: given, else built in.
    pub fn default_value(&self, name: &str) -> Option<RawValue<'_>> {
        if name == "mydomain" {
            if let Some(domain) = self.mydomain_default() {
                return Some(RawValue { text: Cow::Owned(domain), origin: Origin::BuiltinDefault });
            }
        }
        if let Some(text) = self.given_defaults.get(name) {
            return Some(RawValue { text: Cow::Borrowed(text.as_str()), origin: Origin::GivenDefault });
        }
        match builtin_default(name, self.version)? {
            DefaultValue::Text(text) => Some(RawValue { text, origin: Origin::BuiltinDefault }),
            DefaultValue::MachineDependent(_) | DefaultValue::Absent => None,
        }
    }

    /// The effective value of `name` in main.cf (what `postconf -x -h name`
    /// prints, up to its white-space normalisation). `Ok(None)` when it is
    /// set nowhere and has no known default.
    pub fn value(&self, name: &str) -> Result<Effective<'_>, ExpandError> {
        self.value_in(Scope::Main, name)
    }

    /// The effective value of `name` in `scope` (for a service: what
    /// `postconf -Px` prints for its overrides).
    pub fn value_in<'a>(&'a self, scope: Scope<'a>, name: &str) -> Result<Effective<'a>, ExpandError> {
        let Some(raw) = self.raw_value_in(scope, name) else {
            let unknown = self.is_machine_dependent(name).then(|| name.to_string()).into_iter().collect();
            let undefined = if self.is_machine_dependent(name) { Vec::new() } else { vec![name.to_string()] };
            let raw = RawValue { text: Cow::Borrowed(""), origin: Origin::BuiltinDefault };
            return Ok(Effective { raw, value: String::new(), undefined, unknown });
        };
        if RAW_PARAMETERS.contains(&name) {
            let value = raw.text.to_string();
            return Ok(Effective { raw, value, undefined: Vec::new(), unknown: Vec::new() });
        }
        let (value, undefined, unknown) = self.expand_in(scope, &raw.text)?;
        Ok(Effective { raw, value, undefined, unknown })
    }

    /// Expand `text` as a value of `scope`: the expanded text, names
    /// defined nowhere, and names whose machine-dependent default is not known.
    pub fn expand_in(&self, scope: Scope<'_>, text: &str) -> Result<(String, Vec<String>, Vec<String>), ExpandError> {
        let lookup = ConfigLookup { config: self, scope, unknown: RefCell::new(Vec::new()) };
        let expansion = expand(text, &lookup)?;
        let unknown = lookup.unknown.into_inner();
        let undefined = expansion.undefined.into_iter().filter(|n| !unknown.contains(n)).collect();
        Ok((expansion.value, undefined, unknown))
    }

    /// Postfix derives the default `mydomain` from `myhostname` as written
    /// (postconf_builtin.c: the text after its first dot, else
    /// `localdomain`); only a `myhostname` from the machine is unknown.
    fn mydomain_default(&self) -> Option<String> {
        let hostname = match self.setting("myhostname") {
            Some((_, p)) => p.value.clone(),
            None if self.given_defaults.contains_key("mydomain") => return None,
            None => self.given_defaults.get("myhostname")?.clone(),
        };
        Some(match hostname.split_once('.') {
            Some((_, domain)) => domain.to_string(),
            None => "localdomain".to_string(),
        })
    }

    fn is_machine_dependent(&self, name: &str) -> bool {
        if name == "mydomain" && self.mydomain_default().is_some() {
            return false;
        }
        !self.given_defaults.contains_key(name)
            && matches!(builtin_default(name, self.version), Some(DefaultValue::MachineDependent(_)))
    }

    /// A list-valued parameter of main.cf, expanded and split as Postfix
    /// splits lists (comma and white space; `{...}` kept together).
    pub fn list(&self, name: &str) -> Result<ValueList<'_>, ExpandError> {
        self.list_in(Scope::Main, name)
    }

    /// A list-valued parameter in `scope`. Items written literally in the
    /// setting that gives the value carry their span (for fixes); items
    /// that come from `$name` references carry the reference in `via`.
    pub fn list_in<'a>(&'a self, scope: Scope<'a>, name: &str) -> Result<ValueList<'a>, ExpandError> {
        let effective = self.value_in(scope, name)?;
        let mut items = Vec::new();
        // The words as written, with their spans, when the value is written
        // in main.cf or in an override.
        let written: Option<Vec<(String, Option<Span>)>> = match effective.raw.origin {
            Origin::MainCf { parameter, .. } => {
                Some(self.main.words(parameter).into_iter().map(|w| (w.text, Some(w.span))).collect())
            }
            Origin::Override { service, index } => {
                let o = &service.overrides[index];
                let source = self.master.as_ref().map_or(&[][..], |m| m.source());
                Some(
                    words_of(source, &service.logical, o.value_span, LIST_SEPARATORS)
                        .into_iter()
                        .map(|w| (w.text, Some(w.span)))
                        .collect(),
                )
            }
            _ => None,
        };
        match written {
            Some(words) if !RAW_PARAMETERS.contains(&name) => {
                for (word, span) in words {
                    if word.contains('$') {
                        let (expanded, _, _) = self.expand_in(scope, &word)?;
                        for w in lines::split_words(expanded.as_bytes(), LIST_SEPARATORS) {
                            items.push(ListItem { text: w.text, span: None, via: Some((word.clone(), span)) });
                        }
                    } else {
                        items.push(ListItem { text: word, span, via: None });
                    }
                }
            }
            _ => {
                for w in lines::split_words(effective.value.as_bytes(), LIST_SEPARATORS) {
                    items.push(ListItem { text: w.text, span: None, via: None });
                }
            }
        }
        Ok(ValueList { effective, items })
    }

    /// The `smtpd_*_restrictions` lists of main.cf, in smtpd's order
    /// ([`SMTPD_RESTRICTION_LISTS`]), each with its items and their spans.
    /// A list that does not exist in this version is left out.
    pub fn restrictions(&self) -> Vec<(&'static str, Result<ValueList<'_>, ExpandError>)> {
        self.restrictions_in(Scope::Main)
    }

    /// The restriction lists as a service sees them (its `-o` overrides first).
    pub fn restrictions_in<'a>(&'a self, scope: Scope<'a>) -> Vec<(&'static str, Result<ValueList<'a>, ExpandError>)> {
        SMTPD_RESTRICTION_LISTS
            .iter()
            .filter(|name| builtin_default(name, self.version) != Some(DefaultValue::Absent))
            .map(|name| (*name, self.list_in(scope, name)))
            .collect()
    }

    /// The services of master.cf whose command is `command` (e.g. `smtpd`).
    pub fn services_running<'a>(&'a self, command: &'a str) -> impl Iterator<Item = &'a Service> + 'a {
        self.master.iter().flat_map(|m| m.services().map(|(_, s)| s)).filter(move |s| s.command() == command)
    }
}

/// The parameters the master daemon sets for each service
/// (postconf_master.c: `process_name` is the command's base name,
/// `service_name` the service name).
fn service_attribute(service: &Service, name: &str) -> Option<String> {
    let command = service.command();
    let process = command.rsplit('/').next().unwrap_or(command);
    match name {
        "process_name" => Some(process.to_string()),
        "service_name" => Some(if process != service.name() { service.name() } else { process }.to_string()),
        _ => None,
    }
}

struct ConfigLookup<'a> {
    config: &'a PostfixConfig,
    scope: Scope<'a>,
    unknown: RefCell<Vec<String>>,
}

impl Lookup for ConfigLookup<'_> {
    fn lookup(&self, name: &str) -> Option<String> {
        match self.config.raw_value_in(self.scope, name) {
            Some(raw) => Some(raw.text.into_owned()),
            None => {
                if self.config.is_machine_dependent(name) {
                    let mut unknown = self.unknown.borrow_mut();
                    if !unknown.iter().any(|n| n == name) {
                        unknown.push(name.to_string());
                    }
                }
                None
            }
        }
    }

    fn is_verbatim(&self, name: &str) -> bool {
        self.config.version.at_least(3, 12) && RAW_PARAMETERS.contains(&name)
    }

    fn brace_operands(&self) -> bool {
        self.config.version.at_least(3, 0)
    }
}

/// Read `name = value` lines as `postconf`, `postconf -d` and `postconf -n`
/// print them (long values folded onto indented lines) into a map.
///
/// ```
/// use conflint_core::postfix::parse_postconf_output;
/// let map = parse_postconf_output("mydomain = example.com\nmynetworks = 127.0.0.0/8\n    [::1]/128\nrelayhost =\n");
/// assert_eq!(map["mynetworks"], "127.0.0.0/8 [::1]/128");
/// assert_eq!(map["relayhost"], "");
/// ```
pub fn parse_postconf_output(text: &str) -> HashMap<String, String> {
    let mut map = HashMap::new();
    let mut last: Option<String> = None;
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(value) = last.as_ref().and_then(|name| map.get_mut(name)) {
                let value: &mut String = value;
                if !value.is_empty() {
                    value.push(' ');
                }
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some((name, value)) = line.split_once('=') {
            let name = name.trim().to_string();
            map.insert(name.clone(), value.trim().to_string());
            last = Some(name);
        }
    }
    map
}

/// An entry of `mynetworks` (or any network list) read as an address and
/// prefix length: `127.0.0.0/8`, `[::1]/128`, `192.0.2.7` (a host), or
/// `None` for anything else (`hash:/etc/postfix/network_table`, `/file/name`,
/// `!` exclusions).
///
/// ```
/// use conflint_core::postfix::parse_network;
/// assert_eq!(parse_network("[::1]/128"), Some(("::1".parse().unwrap(), 128)));
/// assert_eq!(parse_network("0.0.0.0/0"), Some(("0.0.0.0".parse().unwrap(), 0)));
/// assert_eq!(parse_network("hash:/etc/postfix/networks"), None);
/// ```
pub fn parse_network(entry: &str) -> Option<(IpAddr, u8)> {
    let (address, prefix) = match entry.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (entry, None),
    };
    let address = address.strip_prefix('[').and_then(|a| a.strip_suffix(']')).unwrap_or(address);
    let ip: IpAddr = address.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max)?,
        None => max,
    };
    Some((ip, prefix))
}
