//! conflint-maildns: the DNS a mail sender needs before Gmail (and most
//! large receivers) will take its mail, checked for one sending domain and
//! one sending address.
//!
//! It asks the network, so it is opt-in and kept out of conflint-core and
//! out of the normal lint run (`conflint mail-dns` runs it).
//!
//! Checks:
//! - PTR: the sending address has a reverse name;
//! - forward-confirmed reverse DNS: one of those names resolves back to
//!   the address;
//! - SPF (RFC 7208): the domain's record authorises the address;
//! - DMARC (RFC 7489): a `v=DMARC1` record at `_dmarc.<domain>` (else at
//!   the parent domain, an approximation of the organisational domain);
//! - DKIM (RFC 6376): a key at `<selector>._domainkey.<domain>`, when a
//!   selector is given (selectors cannot be discovered).
//!
//! And what Gmail answers for each failure, from Google's sender
//! guidelines (support.google.com/a/answer/81126, read through mirror
//! copies; see shared/reference/hardening.md section 5):
//! - `550 5.7.25`: "does not have a PTR record setup, or the corresponding
//!   forward DNS entry does not point to the sending IP";
//! - `550 5.7.26`: unauthenticated: neither SPF nor DKIM passes (also the
//!   answer when the domain's DMARC policy rejects);
//! - `550 5.7.27`: SPF did not pass (third-party explanations of Google's
//!   FAQ; the temporary form is 4.7.27).
//!
//! ```no_run
//! use conflint_maildns::{CheckRequest, check};
//! let request = CheckRequest::new("example.com", "203.0.113.7".parse().unwrap())
//!     .resolver("127.0.0.1:5353".parse().unwrap());
//! let report = check(&request).unwrap();
//! print!("{}", report.render_text());
//! ```

#![warn(missing_docs)]

pub mod dns;
pub mod spf;

use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

pub use dns::{Dns, DnsError, HickoryDns, SetupError};
pub use spf::{SpfOutcome, SpfResult};

/// What to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRequest {
    /// The sending domain (envelope sender and From domain).
    pub domain: String,
    /// The address the mail leaves from.
    pub ip: IpAddr,
    /// A DKIM selector, to check its key.
    pub dkim_selector: Option<String>,
    /// The one DNS server to ask; `None` means the `nameserver`s of /etc/resolv.conf.
    pub resolver: Option<SocketAddr>,
    /// How long to wait for each answer.
    pub timeout: Duration,
}

impl CheckRequest {
    /// Check `domain` sending from `ip`, through the system's name servers.
    pub fn new(domain: impl Into<String>, ip: IpAddr) -> Self {
        let domain = domain.into().trim_end_matches('.').to_ascii_lowercase();
        CheckRequest { domain, ip, dkim_selector: None, resolver: None, timeout: Duration::from_secs(5) }
    }

    /// Ask only this DNS server.
    pub fn resolver(mut self, server: SocketAddr) -> Self {
        self.resolver = Some(server);
        self
    }

    /// Also check the DKIM key of this selector.
    pub fn dkim_selector(mut self, selector: impl Into<String>) -> Self {
        self.dkim_selector = Some(selector.into());
        self
    }
}

/// How one check went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// As Gmail wants it.
    Pass,
    /// Wrong or missing; the text says what.
    Fail(String),
    /// The DNS did not answer; the text says which lookup.
    Unknown(String),
}

impl Status {
    /// Whether the check passed.
    pub fn is_pass(&self) -> bool {
        matches!(self, Status::Pass)
    }
}

/// Reverse DNS of the sending address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReverseDns {
    /// The PTR names found.
    pub names: Vec<String>,
    /// A PTR record exists.
    pub ptr: Status,
    /// One of the names resolves back to the address.
    pub forward_confirmed: Status,
}

/// A DMARC record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dmarc {
    /// Present at `_dmarc.<domain>` (or its parent).
    pub status: Status,
    /// Where it was found.
    pub name: Option<String>,
    /// The record text.
    pub record: Option<String>,
    /// Its `p=` policy (`none`, `quarantine`, `reject`).
    pub policy: Option<String>,
}

/// A DKIM key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dkim {
    /// The selector.
    pub selector: String,
    /// `<selector>._domainkey.<domain>`.
    pub name: String,
    /// A key is published (non-empty `p=`).
    pub status: Status,
}

/// An answer Gmail would give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GmailVerdict {
    /// e.g. `550 5.7.25`.
    pub code: &'static str,
    /// Why.
    pub reason: String,
}

/// Everything found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The sending domain.
    pub domain: String,
    /// The sending address.
    pub ip: IpAddr,
    /// PTR and FCrDNS.
    pub reverse: ReverseDns,
    /// SPF for the address.
    pub spf: SpfOutcome,
    /// DMARC.
    pub dmarc: Dmarc,
    /// DKIM, when a selector was given.
    pub dkim: Option<Dkim>,
    /// What Gmail would answer; empty when nothing stands in the way.
    pub gmail: Vec<GmailVerdict>,
}

impl Report {
    /// Whether every check passed and Gmail has nothing to refuse.
    pub fn is_clean(&self) -> bool {
        self.gmail.is_empty()
            && self.reverse.ptr.is_pass()
            && self.reverse.forward_confirmed.is_pass()
            && self.spf.result == SpfResult::Pass
            && self.dmarc.status.is_pass()
            && self.dkim.as_ref().is_none_or(|d| d.status.is_pass())
    }

    /// The report for a terminal.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let mark = |s: &Status| match s {
            Status::Pass => "ok  ".to_string(),
            Status::Fail(_) => "FAIL".to_string(),
            Status::Unknown(_) => "????".to_string(),
        };
        let detail = |s: &Status| match s {
            Status::Pass => String::new(),
            Status::Fail(why) | Status::Unknown(why) => format!(": {why}"),
        };
        let _ = writeln!(out, "mail DNS for {} sending from {}", self.domain, self.ip);
        let names = if self.reverse.names.is_empty() { "-".to_string() } else { self.reverse.names.join(", ") };
        let _ = writeln!(out, "  {} PTR {names}{}", mark(&self.reverse.ptr), detail(&self.reverse.ptr));
        let _ = writeln!(
            out,
            "  {} forward-confirmed reverse DNS{}",
            mark(&self.reverse.forward_confirmed),
            detail(&self.reverse.forward_confirmed)
        );
        let spf_status = match &self.spf.result {
            SpfResult::Pass => Status::Pass,
            SpfResult::TempError(e) => Status::Unknown(e.clone()),
            other => Status::Fail(spf_reason(other, &self.spf)),
        };
        let record = self.spf.record.as_deref().map(|r| format!(" \"{r}\"")).unwrap_or_default();
        let _ = writeln!(out, "  {} SPF {}{record}{}", mark(&spf_status), self.spf.result.name(), detail(&spf_status));
        let dmarc = match (&self.dmarc.name, &self.dmarc.record) {
            (Some(name), Some(record)) => format!(" {name} \"{record}\""),
            _ => String::new(),
        };
        let _ = writeln!(out, "  {} DMARC{dmarc}{}", mark(&self.dmarc.status), detail(&self.dmarc.status));
        match &self.dkim {
            Some(dkim) => {
                let _ = writeln!(out, "  {} DKIM {}{}", mark(&dkim.status), dkim.name, detail(&dkim.status));
            }
            None => {
                let _ = writeln!(out, "  --   DKIM not checked (give a selector)");
            }
        }
        if self.gmail.is_empty() {
            let _ = writeln!(out, "Gmail: nothing in DNS stands in the way");
        } else {
            for verdict in &self.gmail {
                let _ = writeln!(out, "Gmail: {} {}", verdict.code, verdict.reason);
            }
        }
        out
    }
}

fn spf_reason(result: &SpfResult, outcome: &SpfOutcome) -> String {
    match result {
        SpfResult::None => "the domain publishes no SPF record".to_string(),
        SpfResult::PermError(e) => format!("the SPF record is broken: {e}"),
        SpfResult::Fail | SpfResult::SoftFail | SpfResult::Neutral => match &outcome.matched {
            Some(term) => format!("the record does not authorise the address ({term} matched)"),
            None => "the record does not authorise the address (nothing matched)".to_string(),
        },
        _ => String::new(),
    }
}

/// Run every check against DNS.
pub fn check(request: &CheckRequest) -> Result<Report, SetupError> {
    let servers = match request.resolver {
        Some(server) => vec![server],
        None => HickoryDns::system_servers(),
    };
    let dns = HickoryDns::new(&servers, request.timeout)?;
    Ok(check_with(&dns, request))
}

/// Run every check with any [`Dns`] (a test double, a caching client).
pub fn check_with(dns: &dyn Dns, request: &CheckRequest) -> Report {
    let domain = request.domain.as_str();
    let ip = request.ip;
    let reverse = reverse_dns(dns, ip);
    let spf = spf::check_host(dns, ip, domain, &format!("postmaster@{domain}"));
    let dmarc = dmarc(dns, domain);
    let dkim = request.dkim_selector.as_deref().map(|selector| dkim(dns, domain, selector));

    let mut gmail = Vec::new();
    // Only a definite answer predicts a rejection; an unanswered lookup
    // shows as unknown in the report.
    let reason = match (&reverse.ptr, &reverse.forward_confirmed) {
        (Status::Fail(why), _) => Some(format!("{ip} has no PTR record ({why})")),
        (Status::Pass, Status::Fail(why)) => Some(format!("the PTR name does not resolve back to {ip} ({why})")),
        _ => None,
    };
    if let Some(reason) = reason {
        gmail.push(GmailVerdict { code: "550 5.7.25", reason });
    }
    let spf_pass = spf.result == SpfResult::Pass;
    let dkim_published = dkim.as_ref().is_some_and(|d| d.status.is_pass());
    let spf_unknown = matches!(spf.result, SpfResult::TempError(_));
    if spf_unknown {
        // A receiver defers on a temporary error; nothing to predict.
    } else if !spf_pass && !dkim_published {
        let dkim_note = match &dkim {
            None => "no DKIM selector was given to check",
            Some(_) => "the DKIM key is missing",
        };
        gmail.push(GmailVerdict {
            code: "550 5.7.26",
            reason: format!(
                "unauthenticated: SPF {} for {ip} and {dkim_note}; Gmail needs SPF or DKIM to pass",
                spf.result.name()
            ),
        });
    } else if !spf_pass {
        gmail.push(GmailVerdict {
            code: "550 5.7.27",
            reason: format!(
                "SPF {} for {ip}: only DKIM can authenticate this mail (and must then pass)",
                spf.result.name()
            ),
        });
    }
    if !dmarc.status.is_pass() && matches!(dmarc.status, Status::Fail(_)) {
        gmail.push(GmailVerdict {
            code: "550 5.7.26",
            reason: "no DMARC record: required for bulk senders (more than 5,000 messages a day to Gmail)".to_string(),
        });
    }
    Report { domain: domain.to_string(), ip, reverse, spf, dmarc, dkim, gmail }
}

fn reverse_dns(dns: &dyn Dns, ip: IpAddr) -> ReverseDns {
    let names = match dns.ptr(ip) {
        Ok(names) if !names.is_empty() => names,
        Ok(_) | Err(DnsError::NotFound(_)) => {
            let ptr = Status::Fail(format!("no PTR record at {}", dns::reverse_name(ip)));
            let forward_confirmed = Status::Fail("no PTR name to confirm".to_string());
            return ReverseDns { names: Vec::new(), ptr, forward_confirmed };
        }
        Err(DnsError::Temporary(e)) => {
            let ptr = Status::Unknown(format!("PTR {}: {e}", dns::reverse_name(ip)));
            return ReverseDns { names: Vec::new(), ptr, forward_confirmed: Status::Unknown("no PTR answer".into()) };
        }
    };
    let mut unknown = None;
    let mut seen = Vec::new();
    for name in &names {
        match dns.addresses(name, ip) {
            Ok(addresses) if addresses.contains(&ip) => {
                return ReverseDns { names, ptr: Status::Pass, forward_confirmed: Status::Pass };
            }
            Ok(addresses) => seen.extend(addresses.into_iter().map(|a| format!("{name} -> {a}"))),
            Err(DnsError::NotFound(what)) => seen.push(format!("{name} has no {what} record")),
            Err(DnsError::Temporary(e)) => unknown = Some(format!("{name}: {e}")),
        }
    }
    let forward_confirmed = match unknown {
        Some(e) => Status::Unknown(e),
        None => Status::Fail(format!("no PTR name resolves to {ip} ({})", seen.join("; "))),
    };
    ReverseDns { names, ptr: Status::Pass, forward_confirmed }
}

fn dmarc_record(dns: &dyn Dns, name: &str) -> Result<Option<String>, String> {
    match dns.txt(name) {
        Ok(records) => Ok(records.into_iter().find(|r| {
            let lower = r.trim_start().to_ascii_lowercase();
            lower.starts_with("v=dmarc1") && lower[8..].trim_start().starts_with([';']) || lower.trim() == "v=dmarc1"
        })),
        Err(DnsError::NotFound(_)) => Ok(None),
        Err(DnsError::Temporary(e)) => Err(format!("TXT {name}: {e}")),
    }
}

fn dmarc(dns: &dyn Dns, domain: &str) -> Dmarc {
    let mut names = vec![format!("_dmarc.{domain}")];
    // Without the public suffix list, the parent domain stands in for the
    // organisational domain (wrong for names under co.uk and the like).
    if let Some((_, parent)) = domain.split_once('.') {
        if parent.contains('.') {
            names.push(format!("_dmarc.{parent}"));
        }
    }
    for name in &names {
        match dmarc_record(dns, name) {
            Ok(Some(record)) => {
                let policy = tag(&record, "p");
                let status = match policy.as_deref() {
                    Some("none" | "quarantine" | "reject") => Status::Pass,
                    Some(other) => Status::Fail(format!("unknown policy p={other}")),
                    None => Status::Fail("the record has no p= policy".to_string()),
                };
                return Dmarc { status, name: Some(name.clone()), record: Some(record), policy };
            }
            Ok(None) => {}
            Err(e) => return Dmarc { status: Status::Unknown(e), name: None, record: None, policy: None },
        }
    }
    Dmarc {
        status: Status::Fail(format!("no v=DMARC1 record at {}", names.join(" or "))),
        name: None,
        record: None,
        policy: None,
    }
}

/// The value of `tag=` in a `tag=value; tag=value` record.
fn tag(record: &str, name: &str) -> Option<String> {
    record.split(';').find_map(|part| {
        let (t, v) = part.split_once('=')?;
        t.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_ascii_lowercase())
    })
}

fn dkim(dns: &dyn Dns, domain: &str, selector: &str) -> Dkim {
    let name = format!("{selector}._domainkey.{domain}");
    let status = match dns.txt(&name) {
        Ok(records) => {
            let key = records.iter().find(|r| tag(r, "p").is_some());
            match key.and_then(|r| tag(r, "p")) {
                Some(p) if !p.is_empty() => Status::Pass,
                Some(_) => Status::Fail("the key is revoked (empty p=)".to_string()),
                None => Status::Fail(format!("no DKIM key (p=) at {name}")),
            }
        }
        Err(DnsError::NotFound(_)) => Status::Fail(format!("no TXT record at {name}")),
        Err(DnsError::Temporary(e)) => Status::Unknown(format!("TXT {name}: {e}")),
    };
    Dkim { selector: selector.to_string(), name, status }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spf::tests::FakeDns;

    fn good() -> FakeDns {
        let mut dns = FakeDns::default();
        dns.add("203.0.113.7", "PTR", "mail.example.com")
            .add("mail.example.com", "A", "203.0.113.7")
            .add("example.com", "TXT", "v=spf1 ip4:203.0.113.0/24 -all")
            .add("_dmarc.example.com", "TXT", "v=DMARC1; p=reject; rua=mailto:d@example.com")
            .add("s1._domainkey.example.com", "TXT", "v=DKIM1; k=rsa; p=MIIBIjANBgkq");
        dns
    }

    fn request() -> CheckRequest {
        CheckRequest::new("example.com", "203.0.113.7".parse().unwrap()).dkim_selector("s1")
    }

    #[test]
    fn a_good_sender_is_clean() {
        let report = check_with(&good(), &request());
        assert!(report.is_clean(), "{}", report.render_text());
        assert_eq!(report.dmarc.policy.as_deref(), Some("reject"));
        assert!(report.render_text().contains("nothing in DNS stands in the way"));
    }

    #[test]
    fn each_failure_names_gmails_answer() {
        let mut no_ptr = good();
        no_ptr.records.remove(&("203.0.113.7".to_string(), "PTR"));
        let report = check_with(&no_ptr, &request());
        assert_eq!(report.gmail.iter().map(|v| v.code).collect::<Vec<_>>(), ["550 5.7.25"]);

        let mut no_spf = good();
        no_spf.records.remove(&("example.com".to_string(), "TXT"));
        let report = check_with(&no_spf, &request());
        assert_eq!(report.spf.result, SpfResult::None);
        assert_eq!(report.gmail.iter().map(|v| v.code).collect::<Vec<_>>(), ["550 5.7.27"]);
        let report = check_with(&no_spf, &CheckRequest::new("example.com", "203.0.113.7".parse().unwrap()));
        assert_eq!(report.gmail.iter().map(|v| v.code).collect::<Vec<_>>(), ["550 5.7.26"]);

        let mut no_dmarc = good();
        no_dmarc.records.remove(&("_dmarc.example.com".to_string(), "TXT"));
        let report = check_with(&no_dmarc, &request());
        assert!(matches!(report.dmarc.status, Status::Fail(_)));
        assert!(!report.is_clean());
    }
}
