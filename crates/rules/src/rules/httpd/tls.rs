//! What the TLS rules (TL) share: the Mozilla profiles, mod_ssl's protocol
//! arithmetic, a static reading of OpenSSL cipher strings, and which TLS
//! vhosts a per-server directive decides for.

use conflint_core::httpd::{HttpdTree, ItemId, Vhost};

use super::hardening::{PerServer, tls_vhosts};
use crate::settings::TlsProfile;

/// Mozilla's intermediate `SSLCipherSuite` (guideline 6.0; also what the
/// modern profile's TLS 1.2 fallback would use).
pub(super) const INTERMEDIATE_CIPHERS: &str = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

/// Mozilla's old `SSLCipherSuite` (guideline 5.8, the last that had it).
const OLD_CIPHERS: &str = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA:DHE-RSA-AES128-SHA256:DHE-RSA-AES256-SHA256:AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA256:AES256-SHA256:AES128-SHA:AES256-SHA:DES-CBC3-SHA";

/// HSTS `max-age` Mozilla asks for in every profile (two years).
pub(super) const HSTS_MIN_AGE: u64 = 63_072_000;

/// The profile's name as references and messages cite it.
pub(super) fn guideline(profile: TlsProfile) -> &'static str {
    match profile {
        TlsProfile::Modern => "Mozilla TLS 6.0 modern",
        TlsProfile::Intermediate => "Mozilla TLS 6.0 intermediate",
        TlsProfile::Old => "Mozilla TLS 5.8 old",
    }
}

/// The profile's `SSLProtocol` arguments.
pub(super) fn protocol_line(profile: TlsProfile) -> &'static str {
    match profile {
        TlsProfile::Modern => "-all +TLSv1.3",
        TlsProfile::Intermediate => "-all +TLSv1.2 +TLSv1.3",
        TlsProfile::Old => "-all +TLSv1 +TLSv1.1 +TLSv1.2 +TLSv1.3",
    }
}

/// The profile's `SSLCipherSuite` (modern has no TLS 1.2 list of its own).
pub(super) fn cipher_line(profile: TlsProfile) -> &'static str {
    match profile {
        TlsProfile::Old => OLD_CIPHERS,
        _ => INTERMEDIATE_CIPHERS,
    }
}

/// mod_ssl's protocol bits.
pub(super) const SSLV3: u8 = 1;
const TLSV1: u8 = 2;
const TLSV1_1: u8 = 4;
const TLSV1_2: u8 = 8;
const TLSV1_3: u8 = 16;
const ALL: u8 = SSLV3 | TLSV1 | TLSV1_1 | TLSV1_2 | TLSV1_3;

/// What httpd 2.4 uses without `SSLProtocol`: `all -SSLv3` (`all` up to
/// 2.4.16); either way TLS 1.0 and 1.1 are on.
pub(super) const DEFAULT_PROTOCOLS: u8 = ALL & !SSLV3;

/// The protocols a profile refuses.
pub(super) fn legacy(profile: TlsProfile) -> u8 {
    match profile {
        TlsProfile::Modern => SSLV3 | TLSV1 | TLSV1_1 | TLSV1_2,
        TlsProfile::Intermediate => SSLV3 | TLSV1 | TLSV1_1,
        TlsProfile::Old => SSLV3,
    }
}

/// `SSLProtocol` arguments as mod_ssl reads them (ssl_cmd_protocol_parse):
/// `+X` adds, `-X` removes, a bare word replaces what came before (with a
/// warning). Names compare without case. `None` for a word mod_ssl refuses.
pub(super) fn protocols(args: &[String]) -> Option<u8> {
    let mut set = 0u8;
    for arg in args {
        let (action, word) = match arg.as_bytes().first() {
            Some(b'+') => ('+', &arg[1..]),
            Some(b'-') => ('-', &arg[1..]),
            _ => (' ', arg.as_str()),
        };
        let bits = match word.to_ascii_lowercase().as_str() {
            "sslv2" if action == '-' => continue,
            "sslv3" => SSLV3,
            "tlsv1" => TLSV1,
            "tlsv1.1" => TLSV1_1,
            "tlsv1.2" => TLSV1_2,
            "tlsv1.3" => TLSV1_3,
            "all" => ALL,
            _ => return None,
        };
        match action {
            '+' => set |= bits,
            '-' => set &= !bits,
            _ => set = bits,
        }
    }
    Some(set)
}

/// `SSLv3, TLSv1, TLSv1.1`.
pub(super) fn protocol_names(set: u8) -> String {
    [(SSLV3, "SSLv3"), (TLSV1, "TLSv1"), (TLSV1_1, "TLSv1.1"), (TLSV1_2, "TLSv1.2"), (TLSV1_3, "TLSv1.3")]
        .iter()
        .filter(|(bit, _)| set & bit != 0)
        .map(|(_, name)| *name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A weak family of cipher suites (CIS Apache 2.4 7.5, 7.8; Mozilla).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Weak {
    Null,
    ANull,
    Export,
    Rc4,
    Des,
    TripleDes,
    Md5,
    Low,
    Medium,
    Seclevel0,
}

impl Weak {
    const EVERY: [Weak; 10] = [
        Weak::Null,
        Weak::ANull,
        Weak::Export,
        Weak::Rc4,
        Weak::Des,
        Weak::TripleDes,
        Weak::Md5,
        Weak::Low,
        Weak::Medium,
        Weak::Seclevel0,
    ];

    fn bit(self) -> u16 {
        1 << (self as u16)
    }

    pub(super) fn describe(self) -> &'static str {
        match self {
            Weak::Null => "NULL (no encryption)",
            Weak::ANull => "aNULL (no authentication)",
            Weak::Export => "EXPORT (40/56-bit)",
            Weak::Rc4 => "RC4",
            Weak::Des => "DES",
            Weak::TripleDes => "3DES (Sweet32)",
            Weak::Md5 => "MD5",
            Weak::Low => "LOW",
            Weak::Medium => "MEDIUM (IDEA, SEED)",
            Weak::Seclevel0 => "@SECLEVEL=0 (OpenSSL's key and protocol minimums off)",
        }
    }
}

/// A set of [`Weak`] families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct WeakSet(u16);

impl WeakSet {
    const NONE: WeakSet = WeakSet(0);
    /// Every family but eNULL and SECLEVEL: what `ALL` brings in.
    const ALL: WeakSet = WeakSet(0b01_1111_1110);
    /// A word that does not name a family: no restriction in an
    /// intersection (`RSA+RC4` is RC4).
    const UNIVERSAL: WeakSet = WeakSet(u16::MAX);

    fn of(families: &[Weak]) -> WeakSet {
        WeakSet(families.iter().fold(0, |acc, f| acc | f.bit()))
    }

    pub(super) fn families(self) -> impl Iterator<Item = Weak> {
        Weak::EVERY.into_iter().filter(move |f| self.0 & f.bit() != 0)
    }

    pub(super) fn without(self, other: WeakSet) -> WeakSet {
        WeakSet(self.0 & !other.0)
    }

    pub(super) fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The families not in this set.
    pub(super) fn complement(self) -> WeakSet {
        WeakSet(!self.0)
    }
}

/// The families one word of a cipher string names.
fn word_families(word: &str) -> WeakSet {
    let upper = word.to_ascii_uppercase();
    let named = match upper.as_str() {
        "ALL" | "COMPLEMENTOFDEFAULT" => return WeakSet::ALL,
        "COMPLEMENTOFALL" | "ENULL" | "NULL" => &[Weak::Null][..],
        "ANULL" | "ADH" | "AECDH" => &[Weak::ANull],
        "EXPORT" | "EXP" | "EXPORT40" | "EXPORT56" => &[Weak::Export],
        "RC4" => &[Weak::Rc4],
        "DES" => &[Weak::Des],
        "3DES" => &[Weak::TripleDes],
        "MD5" => &[Weak::Md5],
        "LOW" => &[Weak::Low, Weak::Des],
        "MEDIUM" => &[Weak::Medium, Weak::Rc4, Weak::TripleDes],
        "IDEA" | "SEED" => &[Weak::Medium],
        "HIGH" | "DEFAULT" | "FIPS" | "PROFILE=SYSTEM" => return WeakSet::NONE,
        _ => return cipher_name_families(&upper),
    };
    WeakSet::of(named)
}

/// A single suite's name (`DES-CBC3-SHA`, `EXP-RC4-MD5`, `ADH-AES128-SHA`)
/// says its weaknesses; any other word (`RSA`, `AESGCM`, `kEDH`) names no
/// family.
fn cipher_name_families(upper: &str) -> WeakSet {
    let parts: Vec<&str> = upper.split('-').collect();
    if parts.len() < 2 {
        return WeakSet::UNIVERSAL;
    }
    let mut found = Vec::new();
    let has = |p: &str| parts.contains(&p);
    if upper.contains("RC4") {
        found.push(Weak::Rc4);
    }
    if upper.contains("DES-CBC3") || upper.contains("3DES") {
        found.push(Weak::TripleDes);
    } else if has("DES") || upper.contains("DES-CBC-") {
        found.push(Weak::Des);
    }
    if parts.first().is_some_and(|p| p.starts_with("EXP")) {
        found.push(Weak::Export);
    }
    if has("NULL") {
        found.push(Weak::Null);
    }
    if has("MD5") {
        found.push(Weak::Md5);
    }
    if parts.first().is_some_and(|p| *p == "ADH" || *p == "AECDH") {
        found.push(Weak::ANull);
    }
    if upper.contains("IDEA") || upper.contains("SEED") {
        found.push(Weak::Medium);
    }
    WeakSet::of(&found)
}

/// The families a component (`RSA+RC4`) names: the intersection of its words'.
fn component_families(component: &str) -> WeakSet {
    let set = component.split('+').map(word_families).fold(WeakSet::UNIVERSAL, |acc, s| WeakSet(acc.0 & s.0));
    if set == WeakSet::UNIVERSAL { WeakSet::NONE } else { set }
}

/// The weak families an OpenSSL cipher string leaves enabled, read
/// statically: a bare component adds what it names, `-X` removes it for
/// now, `!X` for good, `+X` only reorders. `@SECLEVEL=0` counts as weak.
pub(super) fn weak_ciphers(list: &str) -> WeakSet {
    let mut enabled = WeakSet::NONE;
    let mut killed = WeakSet::NONE;
    for component in list.split([':', ',', ' ']).filter(|c| !c.is_empty()) {
        if let Some(rest) = component.strip_prefix('@') {
            if rest.eq_ignore_ascii_case("SECLEVEL=0") {
                enabled = WeakSet(enabled.0 | Weak::Seclevel0.bit());
            }
            continue;
        }
        let (action, body) = match component.as_bytes().first() {
            Some(b'!') => ('!', &component[1..]),
            Some(b'-') => ('-', &component[1..]),
            Some(b'+') => ('+', &component[1..]),
            _ => (' ', component),
        };
        let families = component_families(body);
        match action {
            '!' => {
                killed = WeakSet(killed.0 | families.0);
                enabled = enabled.without(families);
            }
            '-' => enabled = enabled.without(families),
            '+' => {}
            _ => enabled = WeakSet(enabled.0 | families.without(killed).0),
        }
    }
    enabled
}

/// What mod_ssl 2.4 always turns off: `!aNULL:!eNULL:!EXP`.
pub(super) fn always_disabled_24() -> WeakSet {
    WeakSet::of(&[Weak::Null, Weak::ANull, Weak::Export])
}

/// The families a profile refuses: all, except 3DES for `old`.
pub(super) fn refused_by(profile: TlsProfile) -> WeakSet {
    let every = WeakSet::of(&Weak::EVERY);
    match profile {
        TlsProfile::Old => every.without(WeakSet::of(&[Weak::TripleDes])),
        _ => every,
    }
}

/// Which TLS vhosts a per-server TLS directive decides for.
pub(super) enum Use<'a> {
    /// A directive, and the TLS vhosts it decides for (empty for a
    /// server-level one in a fragment, where the vhosts may be elsewhere).
    Explicit { item: ItemId, vhosts: Vec<&'a Vhost> },
    /// A TLS vhost for which the directive is set nowhere (only in trees
    /// read from their entry file).
    Absent(&'a Vhost),
}

/// The uses of `name` in reading order of the directives, then the absent ones.
pub(super) fn uses<'a>(tree: &'a HttpdTree, name: &str) -> Vec<Use<'a>> {
    let per = PerServer::of(tree, name);
    let tls = tls_vhosts(tree);
    let mut explicit: Vec<(ItemId, Vec<&Vhost>)> = Vec::new();
    let mut absent = Vec::new();
    for vhost in &tls {
        match per.effective(vhost.item) {
            Some(item) => match explicit.iter_mut().find(|(i, _)| *i == item) {
                Some((_, list)) => list.push(vhost),
                None => explicit.push((item, vec![vhost])),
            },
            None if tree.is_entry => absent.push(Use::Absent(vhost)),
            None => {}
        }
    }
    if let Some(server) = per.server() {
        if !tree.is_entry && !explicit.iter().any(|(i, _)| *i == server) {
            explicit.push((server, Vec::new()));
        }
    }
    explicit.sort_by_key(|(i, _)| *i);
    let mut out: Vec<Use<'a>> = explicit.into_iter().map(|(item, vhosts)| Use::Explicit { item, vhosts }).collect();
    out.extend(absent);
    out
}

/// Before OpenSSL 1.1.1, the first vhost of an address decides the
/// protocols of every name-based TLS vhost on it (mod_ssl docs): the other
/// TLS vhosts that share an address with this one as its default.
pub(super) fn sni_followers<'a>(tree: &'a HttpdTree, vhost: &Vhost) -> Vec<&'a Vhost> {
    let index = tree.vhosts.vhosts.iter().position(|v| v.item == vhost.item);
    let tls = tls_vhosts(tree);
    let mut out: Vec<&Vhost> = Vec::new();
    for set in &tree.vhosts.addresses {
        if set.vhosts.first().copied() != index {
            continue;
        }
        for v in set.vhosts.iter().skip(1).map(|i| &tree.vhosts.vhosts[*i]) {
            if tls.iter().any(|t| t.item == v.item) && !out.iter().any(|o| o.item == v.item) {
                out.push(v);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    fn weak(list: &str) -> Vec<Weak> {
        weak_ciphers(list).families().collect()
    }

    #[test]
    fn protocol_arithmetic_follows_mod_ssl() {
        assert_eq!(protocols(&args("all -SSLv3")), Some(DEFAULT_PROTOCOLS));
        assert_eq!(protocols(&args("-all +TLSv1.2 +TLSv1.3")), Some(TLSV1_2 | TLSV1_3));
        // A bare word replaces what came before.
        assert_eq!(protocols(&args("TLSv1.2 TLSv1.3")), Some(TLSV1_3));
        assert_eq!(protocols(&args("ALL -sslv3 -TLSV1")), Some(TLSV1_1 | TLSV1_2 | TLSV1_3));
        assert_eq!(protocols(&args("-SSLv2 all")), Some(ALL));
        assert_eq!(protocols(&args("TLSv9")), None);
    }

    #[test]
    fn cipher_strings_read_statically() {
        assert!(weak("HIGH:!aNULL").is_empty());
        assert!(weak(INTERMEDIATE_CIPHERS).is_empty());
        assert_eq!(weak("HIGH:MEDIUM:!MD5:!RC4:!3DES"), [Weak::Medium]);
        assert_eq!(
            weak("ALL:!ADH:!EXPORT:!SSLv2:RC4+RSA:+HIGH:+MEDIUM:+LOW"),
            [Weak::Rc4, Weak::Des, Weak::TripleDes, Weak::Md5, Weak::Low, Weak::Medium]
        );
        assert_eq!(weak("ECDHE-RSA-AES128-SHA:AES256-SHA:DES-CBC3-SHA:!DSS"), [Weak::TripleDes]);
        assert!(weak("ALL:eNULL:@SECLEVEL=0").contains(&Weak::Null));
        assert!(weak("ALL:eNULL:@SECLEVEL=0").contains(&Weak::Seclevel0));
        // `-X` can be added back; `!X` cannot.
        assert_eq!(weak("-RC4:RC4-SHA"), [Weak::Rc4]);
        assert!(weak("!RC4:RC4-SHA").is_empty());
        assert_eq!(weak("EXP-RC4-MD5"), [Weak::Export, Weak::Rc4, Weak::Md5]);
        assert!(weak("kEDH+AESGCM:ECDHE-RSA-AES128-SHA256").is_empty());
    }
}
