//! SPF evaluation, RFC 7208 `check_host()`, for one sending address.
//!
//! Mechanisms `all include a mx ptr ip4 ip6 exists`, modifiers `redirect`
//! (and `exp`, ignored: it only words the rejection), qualifiers `+ - ~ ?`,
//! the macros of section 7 in domain specs (`%{i}`, `%{d}`, `%{s}`, ... with
//! digit and `r` transformers), and the limits of section 4.6.4: at most 10
//! terms that cause DNS lookups (include, a, mx, ptr, exists, redirect),
//! at most 10 MX or PTR names per mechanism, at most 2 lookups that find
//! nothing ("void lookups").

use std::net::IpAddr;

use crate::dns::{Dns, DnsError};

/// The result of an SPF check (RFC 7208 section 2.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpfResult {
    /// The address is authorised.
    Pass,
    /// `-all` (or `-mechanism`) matched: not authorised.
    Fail,
    /// `~all` matched: probably not authorised.
    SoftFail,
    /// `?all` matched, or nothing matched: no statement.
    Neutral,
    /// The domain publishes no SPF record.
    None,
    /// The record is broken (syntax, two records, too many lookups); the
    /// text says what.
    PermError(String),
    /// A DNS lookup failed; the text says which.
    TempError(String),
}

impl SpfResult {
    /// The RFC's name of the result.
    pub fn name(&self) -> &'static str {
        match self {
            SpfResult::Pass => "pass",
            SpfResult::Fail => "fail",
            SpfResult::SoftFail => "softfail",
            SpfResult::Neutral => "neutral",
            SpfResult::None => "none",
            SpfResult::PermError(_) => "permerror",
            SpfResult::TempError(_) => "temperror",
        }
    }
}

/// The SPF outcome with the record that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpfOutcome {
    /// The result for the sending address.
    pub result: SpfResult,
    /// The domain's own SPF record, if it has one.
    pub record: Option<String>,
    /// The term that decided the result (`ip4:203.0.113.0/24`, `include:_spf.example.net`, `-all`).
    pub matched: Option<String>,
    /// DNS-querying terms used, out of the 10 allowed.
    pub lookups: usize,
}

const MAX_LOOKUPS: usize = 10;
const MAX_VOID_LOOKUPS: usize = 2;
const MAX_NAMES: usize = 10;

/// Evaluate the SPF record of `domain` for mail from `ip` with envelope
/// sender `sender` (`postmaster@domain` when there is no local part).
pub fn check_host(dns: &dyn Dns, ip: IpAddr, domain: &str, sender: &str) -> SpfOutcome {
    let mut eval = Evaluator { dns, ip, sender, lookups: 0, voids: 0 };
    let record = match find_record(dns, domain) {
        Ok(record) => record,
        Err(result) => return SpfOutcome { result, record: None, matched: None, lookups: 0 },
    };
    let (result, matched) = eval.evaluate(domain, &record, 0);
    SpfOutcome { result, record: Some(record), matched, lookups: eval.lookups }
}

/// The one `v=spf1` TXT record of `domain`, or the result when there is
/// none (None), more than one (PermError) or the lookup failed (TempError).
fn find_record(dns: &dyn Dns, domain: &str) -> Result<String, SpfResult> {
    let txt = match dns.txt(domain) {
        Ok(txt) => txt,
        Err(DnsError::NotFound(_)) => return Err(SpfResult::None),
        Err(DnsError::Temporary(e)) => return Err(SpfResult::TempError(format!("TXT {domain}: {e}"))),
    };
    let mut records = txt.into_iter().filter(|t| {
        let lower = t.to_ascii_lowercase();
        lower == "v=spf1" || lower.starts_with("v=spf1 ")
    });
    match (records.next(), records.next()) {
        (None, _) => Err(SpfResult::None),
        (Some(record), None) => Ok(record),
        (Some(_), Some(_)) => Err(SpfResult::PermError(format!("{domain} publishes more than one SPF record"))),
    }
}

struct Evaluator<'a> {
    dns: &'a dyn Dns,
    ip: IpAddr,
    sender: &'a str,
    lookups: usize,
    voids: usize,
}

enum Matched {
    Yes,
    No,
    Stop(SpfResult),
}

impl Evaluator<'_> {
    fn count_lookup(&mut self) -> Result<(), SpfResult> {
        self.lookups += 1;
        if self.lookups > MAX_LOOKUPS {
            return Err(SpfResult::PermError("more than 10 DNS lookups".to_string()));
        }
        Ok(())
    }

    /// A lookup's records; a "no such record" answer counts as void.
    fn records<T>(&mut self, answer: Result<Vec<T>, DnsError>) -> Result<Vec<T>, SpfResult> {
        match answer {
            Ok(records) => Ok(records),
            Err(DnsError::NotFound(_)) => {
                self.voids += 1;
                if self.voids > MAX_VOID_LOOKUPS {
                    return Err(SpfResult::PermError("more than 2 DNS lookups found nothing".to_string()));
                }
                Ok(Vec::new())
            }
            Err(DnsError::Temporary(e)) => Err(SpfResult::TempError(e)),
        }
    }

    fn evaluate(&mut self, domain: &str, record: &str, depth: usize) -> (SpfResult, Option<String>) {
        let mut redirect = None;
        let terms: Vec<&str> = record.split(' ').filter(|t| !t.is_empty()).skip(1).collect();
        for term in &terms {
            let lower = term.to_ascii_lowercase();
            if let Some(target) = lower.strip_prefix("redirect=") {
                if redirect.is_some() {
                    return (SpfResult::PermError("two redirect= modifiers".into()), Some(term.to_string()));
                }
                redirect = Some(term[term.len() - target.len()..].to_string());
                continue;
            }
            if lower.starts_with("exp=") {
                continue;
            }
            let (qualifier, mechanism) = match term.as_bytes().first() {
                Some(b'+') => (SpfResult::Pass, &term[1..]),
                Some(b'-') => (SpfResult::Fail, &term[1..]),
                Some(b'~') => (SpfResult::SoftFail, &term[1..]),
                Some(b'?') => (SpfResult::Neutral, &term[1..]),
                _ => (SpfResult::Pass, *term),
            };
            match self.mechanism(domain, mechanism, depth) {
                Matched::Yes => return (qualifier, Some(term.to_string())),
                Matched::No => {}
                Matched::Stop(result) => return (result, Some(term.to_string())),
            }
        }
        if let Some(target) = redirect {
            if let Err(e) = self.count_lookup() {
                return (e, Some(format!("redirect={target}")));
            }
            let target = match self.expand(&target, domain) {
                Ok(t) => t,
                Err(e) => return (e, Some(format!("redirect={target}"))),
            };
            let record = match find_record(self.dns, &target) {
                Ok(record) => record,
                Err(SpfResult::None) => {
                    return (
                        SpfResult::PermError(format!("redirect target {target} has no SPF record")),
                        Some(format!("redirect={target}")),
                    );
                }
                Err(e) => return (e, Some(format!("redirect={target}"))),
            };
            let (result, _) = self.evaluate(&target, &record, depth + 1);
            return (result, Some(format!("redirect={target}")));
        }
        (SpfResult::Neutral, None)
    }

    /// Split `name[:domain-spec][/cidr4][//cidr6]`.
    fn split(mechanism: &str) -> (&str, Option<&str>, &str) {
        let name_end = mechanism.find([':', '/']).unwrap_or(mechanism.len());
        let name = &mechanism[..name_end];
        let rest = &mechanism[name_end..];
        match rest.strip_prefix(':') {
            Some(spec) => {
                let cidr_at = spec.find('/').unwrap_or(spec.len());
                (name, Some(&spec[..cidr_at]), &spec[cidr_at..])
            }
            None => (name, None, rest),
        }
    }

    /// `/cidr4//cidr6` into the prefix length for the sending address.
    fn prefix(&self, cidr: &str) -> Result<u8, SpfResult> {
        let bad = || SpfResult::PermError(format!("bad CIDR length \"{cidr}\""));
        let (v4, v6) = match cidr.split_once("//") {
            Some((v4, v6)) => (v4, Some(v6)),
            None => (cidr, None),
        };
        let v4 = match v4.strip_prefix('/') {
            Some(n) => n.parse::<u8>().ok().filter(|n| *n <= 32).ok_or_else(bad)?,
            None if v4.is_empty() => 32,
            None => return Err(bad()),
        };
        let v6 = match v6 {
            Some(n) => n.parse::<u8>().ok().filter(|n| *n <= 128).ok_or_else(bad)?,
            None => 128,
        };
        Ok(if self.ip.is_ipv4() { v4 } else { v6 })
    }

    fn mechanism(&mut self, domain: &str, mechanism: &str, depth: usize) -> Matched {
        match self.try_mechanism(domain, mechanism, depth) {
            Ok(true) => Matched::Yes,
            Ok(false) => Matched::No,
            Err(result) => Matched::Stop(result),
        }
    }

    fn try_mechanism(&mut self, domain: &str, mechanism: &str, depth: usize) -> Result<bool, SpfResult> {
        let (name, spec, cidr) = Self::split(mechanism);
        let target = |this: &Self| -> Result<String, SpfResult> {
            match spec {
                Some(spec) => this.expand(spec, domain),
                None => Ok(domain.to_string()),
            }
        };
        match name.to_ascii_lowercase().as_str() {
            "all" if spec.is_none() && cidr.is_empty() => Ok(true),
            "ip4" | "ip6" => {
                let spec = spec.ok_or_else(|| SpfResult::PermError(format!("{mechanism}: no address")))?;
                let network: IpAddr =
                    spec.parse().map_err(|_| SpfResult::PermError(format!("bad address in {mechanism}")))?;
                if (name.eq_ignore_ascii_case("ip4")) != network.is_ipv4() {
                    return Err(SpfResult::PermError(format!("bad address in {mechanism}")));
                }
                let max = if network.is_ipv4() { 32 } else { 128 };
                let len = match cidr.strip_prefix('/') {
                    Some(n) => n.parse::<u8>().ok().filter(|n| *n <= max),
                    None if cidr.is_empty() => Some(max),
                    None => None,
                }
                .ok_or_else(|| SpfResult::PermError(format!("bad CIDR length in {mechanism}")))?;
                Ok(in_network(self.ip, network, len))
            }
            "a" => {
                self.count_lookup()?;
                let len = self.prefix(cidr)?;
                let host = target(self)?;
                let addresses = self.dns.addresses(&host, self.ip);
                let addresses = self.records(addresses)?;
                Ok(addresses.iter().any(|a| in_network(self.ip, *a, len)))
            }
            "mx" => {
                self.count_lookup()?;
                let len = self.prefix(cidr)?;
                let host = target(self)?;
                let exchanges = self.dns.mx(&host);
                let exchanges = self.records(exchanges)?;
                if exchanges.len() > MAX_NAMES {
                    return Err(SpfResult::PermError(format!("{host} has more than 10 MX records")));
                }
                for exchange in exchanges {
                    let addresses = self.dns.addresses(&exchange, self.ip);
                    let addresses = self.records(addresses)?;
                    if addresses.iter().any(|a| in_network(self.ip, *a, len)) {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            "ptr" => {
                self.count_lookup()?;
                let wanted = target(self)?.to_ascii_lowercase();
                let names = self.dns.ptr(self.ip);
                let names = self.records(names)?;
                for name in names.into_iter().take(MAX_NAMES) {
                    let lower = name.to_ascii_lowercase();
                    if lower != wanted && !lower.ends_with(&format!(".{wanted}")) {
                        continue;
                    }
                    // The name must resolve back to the address.
                    if let Ok(addresses) = self.dns.addresses(&name, self.ip) {
                        if addresses.contains(&self.ip) {
                            return Ok(true);
                        }
                    }
                }
                Ok(false)
            }
            "exists" => {
                self.count_lookup()?;
                let host = target(self)?;
                let found = self.dns.a(&host);
                let found = self.records(found)?;
                Ok(!found.is_empty())
            }
            "include" => {
                self.count_lookup()?;
                let host = spec
                    .map(|_| target(self))
                    .transpose()?
                    .ok_or_else(|| SpfResult::PermError("include: without a domain".to_string()))?;
                let record = match find_record(self.dns, &host) {
                    Ok(record) => record,
                    Err(SpfResult::None) => {
                        return Err(SpfResult::PermError(format!("included {host} has no SPF record")));
                    }
                    Err(e) => return Err(e),
                };
                // Each include costs a lookup, so the limit bounds the depth.
                match self.evaluate(&host, &record, depth + 1).0 {
                    SpfResult::Pass => Ok(true),
                    SpfResult::Fail | SpfResult::SoftFail | SpfResult::Neutral => Ok(false),
                    SpfResult::TempError(e) => Err(SpfResult::TempError(e)),
                    SpfResult::PermError(e) => Err(SpfResult::PermError(e)),
                    SpfResult::None => Err(SpfResult::PermError(format!("included {host} has no SPF record"))),
                }
            }
            _ => Err(SpfResult::PermError(format!("unknown mechanism \"{mechanism}\""))),
        }
    }

    /// Macro expansion in a domain spec (RFC 7208 section 7).
    fn expand(&self, spec: &str, domain: &str) -> Result<String, SpfResult> {
        if !spec.contains('%') {
            return Ok(spec.trim_end_matches('.').to_string());
        }
        let bad = || SpfResult::PermError(format!("bad macro in \"{spec}\""));
        let (local, sender_domain) = match self.sender.rsplit_once('@') {
            Some((l, d)) if !l.is_empty() => (l, d),
            Some((_, d)) => ("postmaster", d),
            None => ("postmaster", self.sender),
        };
        let mut out = String::new();
        let mut chars = spec.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('%') => out.push('%'),
                Some('_') => out.push(' '),
                Some('-') => out.push_str("%20"),
                Some('{') => {
                    let mut body = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(ch) => body.push(ch),
                            None => return Err(bad()),
                        }
                    }
                    let mut body_chars = body.chars();
                    let letter = body_chars.next().ok_or_else(bad)?;
                    let rest: String = body_chars.collect();
                    let value = match letter.to_ascii_lowercase() {
                        's' => self.sender.to_string(),
                        'l' => local.to_string(),
                        'o' => sender_domain.to_string(),
                        'd' => domain.to_string(),
                        'i' => match self.ip {
                            IpAddr::V4(v4) => v4.to_string(),
                            IpAddr::V6(v6) => {
                                let mut nibbles = Vec::new();
                                for byte in v6.octets() {
                                    nibbles.push(format!("{:x}", byte >> 4));
                                    nibbles.push(format!("{:x}", byte & 0xf));
                                }
                                nibbles.join(".")
                            }
                        },
                        'v' => if self.ip.is_ipv4() { "in-addr" } else { "ip6" }.to_string(),
                        'h' => domain.to_string(),
                        'p' => "unknown".to_string(),
                        _ => return Err(bad()),
                    };
                    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
                    let mut rest = &rest[digits.len()..];
                    let reverse = rest.starts_with(['r', 'R']);
                    if reverse {
                        rest = &rest[1..];
                    }
                    let delimiters: Vec<char> = if rest.is_empty() { vec!['.'] } else { rest.chars().collect() };
                    if delimiters.iter().any(|d| !".-+,/_=".contains(*d)) {
                        return Err(bad());
                    }
                    let mut parts: Vec<&str> = value.split(|c| delimiters.contains(&c)).collect();
                    if reverse {
                        parts.reverse();
                    }
                    if !digits.is_empty() {
                        let keep: usize = digits.parse().map_err(|_| bad())?;
                        if keep == 0 {
                            return Err(bad());
                        }
                        let skip = parts.len().saturating_sub(keep);
                        parts.drain(..skip);
                    }
                    out.push_str(&parts.join("."));
                }
                _ => return Err(bad()),
            }
        }
        Ok(out.trim_end_matches('.').to_string())
    }
}

/// Whether `ip` is in `network/len` (families must match).
pub fn in_network(ip: IpAddr, network: IpAddr, len: u8) -> bool {
    match (ip, network) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - u32::from(len.min(32))) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if len == 0 { 0 } else { u128::MAX << (128 - u32::from(len.min(128))) };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::net::{Ipv4Addr, Ipv6Addr};

    /// DNS from a table: (name, type) -> records; "FAIL" as the only
    /// record means a server failure.
    #[derive(Default)]
    pub(crate) struct FakeDns {
        pub(crate) records: HashMap<(String, &'static str), Vec<String>>,
    }

    impl FakeDns {
        pub(crate) fn add(&mut self, name: &str, kind: &'static str, value: &str) -> &mut Self {
            self.records.entry((name.to_string(), kind)).or_default().push(value.to_string());
            self
        }

        fn get(&self, name: &str, kind: &'static str) -> Result<Vec<String>, DnsError> {
            match self.records.get(&(name.to_string(), kind)) {
                Some(v) if v.len() == 1 && v[0] == "FAIL" => Err(DnsError::Temporary("SERVFAIL".into())),
                Some(v) => Ok(v.clone()),
                None => Err(DnsError::NotFound(kind)),
            }
        }
    }

    impl Dns for FakeDns {
        fn ptr(&self, ip: IpAddr) -> Result<Vec<String>, DnsError> {
            self.get(&ip.to_string(), "PTR")
        }
        fn a(&self, name: &str) -> Result<Vec<Ipv4Addr>, DnsError> {
            Ok(self.get(name, "A")?.iter().filter_map(|a| a.parse().ok()).collect())
        }
        fn aaaa(&self, name: &str) -> Result<Vec<Ipv6Addr>, DnsError> {
            Ok(self.get(name, "AAAA")?.iter().filter_map(|a| a.parse().ok()).collect())
        }
        fn txt(&self, name: &str) -> Result<Vec<String>, DnsError> {
            self.get(name, "TXT")
        }
        fn mx(&self, name: &str) -> Result<Vec<String>, DnsError> {
            self.get(name, "MX")
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn result(dns: &FakeDns, addr: &str, domain: &str) -> SpfResult {
        check_host(dns, ip(addr), domain, &format!("postmaster@{domain}")).result
    }

    #[test]
    fn mechanisms() {
        let mut dns = FakeDns::default();
        dns.add("example.com", "TXT", "v=spf1 ip4:192.0.2.0/24 a mx:mail.example.com include:_spf.example.net -all")
            .add("example.com", "A", "198.51.100.1")
            .add("mail.example.com", "MX", "mx1.example.com")
            .add("mx1.example.com", "A", "198.51.100.25")
            .add("_spf.example.net", "TXT", "v=spf1 ip6:2001:db8::/32 ~all")
            .add("other.example", "TXT", "v=spf1 redirect=example.com")
            .add("loop.example", "TXT", "v=spf1 include:loop.example -all")
            .add("two.example", "TXT", "v=spf1 -all")
            .add("two.example", "TXT", "v=spf1 +all")
            .add("macro.example", "TXT", "v=spf1 exists:%{ir}.%{v}._spf.%{d} -all")
            .add("7.2.0.192.in-addr._spf.macro.example", "A", "127.0.0.2")
            .add("soft.example", "TXT", "v=spf1 ~all")
            .add("temp.example", "TXT", "v=spf1 include:broken.example -all")
            .add("broken.example", "TXT", "FAIL");
        assert_eq!(result(&dns, "192.0.2.7", "example.com"), SpfResult::Pass);
        assert_eq!(result(&dns, "198.51.100.1", "example.com"), SpfResult::Pass);
        assert_eq!(result(&dns, "198.51.100.25", "example.com"), SpfResult::Pass);
        assert_eq!(result(&dns, "2001:db8::25", "example.com"), SpfResult::Pass);
        assert_eq!(result(&dns, "203.0.113.9", "example.com"), SpfResult::Fail);
        assert_eq!(result(&dns, "192.0.2.7", "other.example"), SpfResult::Pass);
        assert!(matches!(result(&dns, "192.0.2.7", "loop.example"), SpfResult::PermError(_)));
        assert!(matches!(result(&dns, "192.0.2.7", "two.example"), SpfResult::PermError(_)));
        assert_eq!(result(&dns, "192.0.2.7", "macro.example"), SpfResult::Pass);
        assert_eq!(result(&dns, "192.0.2.8", "macro.example"), SpfResult::Fail);
        assert_eq!(result(&dns, "192.0.2.7", "soft.example"), SpfResult::SoftFail);
        assert_eq!(result(&dns, "192.0.2.7", "nothing.example"), SpfResult::None);
        assert!(matches!(result(&dns, "192.0.2.7", "temp.example"), SpfResult::TempError(_)));
    }

    #[test]
    fn lookup_limits() {
        let mut dns = FakeDns::default();
        let chain: Vec<String> = (0..11).map(|i| format!("include:i{i}.example")).collect();
        dns.add("many.example", "TXT", &format!("v=spf1 {} -all", chain.join(" ")));
        for i in 0..11 {
            dns.add(&format!("i{i}.example"), "TXT", "v=spf1 ?all");
        }
        dns.add("voids.example", "TXT", "v=spf1 a:n1.example a:n2.example a:n3.example -all");
        assert!(matches!(result(&dns, "192.0.2.7", "many.example"), SpfResult::PermError(e) if e.contains("10 DNS")));
        assert!(
            matches!(result(&dns, "192.0.2.7", "voids.example"), SpfResult::PermError(e) if e.contains("found nothing"))
        );
    }

    #[test]
    fn networks() {
        assert!(in_network(ip("192.0.2.7"), ip("192.0.2.0"), 24));
        assert!(!in_network(ip("192.0.3.7"), ip("192.0.2.0"), 24));
        assert!(in_network(ip("192.0.3.7"), ip("0.0.0.0"), 0));
        assert!(in_network(ip("2001:db8::1"), ip("2001:db8::"), 32));
        assert!(!in_network(ip("2001:db8::1"), ip("192.0.2.0"), 0));
    }
}
