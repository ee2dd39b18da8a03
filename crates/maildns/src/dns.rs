//! The DNS questions the checks ask, behind a trait so that the SPF
//! evaluator can be tested without a server, and the hickory-resolver
//! implementation that asks exactly one server.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use hickory_resolver::config::{NameServerConfigGroup, ResolveHosts, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::proto::ProtoErrorKind;
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{RData, RecordType};
use hickory_resolver::{ResolveError, ResolveErrorKind, TokioResolver};

/// A lookup that did not give records.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnsError {
    /// The name does not exist, or has no record of that type (NXDOMAIN or
    /// NODATA): a definite "no".
    #[error("no {0} record")]
    NotFound(&'static str),
    /// The server failed or did not answer (SERVFAIL, timeout, refused):
    /// the answer is unknown, a receiver would defer.
    #[error("lookup failed: {0}")]
    Temporary(String),
}

/// The record types the checks read.
pub trait Dns {
    /// PTR names of an address, without the final dot.
    fn ptr(&self, ip: IpAddr) -> Result<Vec<String>, DnsError>;
    /// A records.
    fn a(&self, name: &str) -> Result<Vec<Ipv4Addr>, DnsError>;
    /// AAAA records.
    fn aaaa(&self, name: &str) -> Result<Vec<Ipv6Addr>, DnsError>;
    /// TXT records, each with its character strings joined (RFC 7208 3.3).
    fn txt(&self, name: &str) -> Result<Vec<String>, DnsError>;
    /// MX exchange names (without the final dot), preference order.
    fn mx(&self, name: &str) -> Result<Vec<String>, DnsError>;

    /// A or AAAA records as addresses, by the family of `like`.
    fn addresses(&self, name: &str, like: IpAddr) -> Result<Vec<IpAddr>, DnsError> {
        match like {
            IpAddr::V4(_) => Ok(self.a(name)?.into_iter().map(IpAddr::V4).collect()),
            IpAddr::V6(_) => Ok(self.aaaa(name)?.into_iter().map(IpAddr::V6).collect()),
        }
    }
}

/// Could not set up the resolver.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// No resolver was given and /etc/resolv.conf names none.
    #[error("no DNS resolver: give one (e.g. 127.0.0.1:53), /etc/resolv.conf names none")]
    NoResolver,
    /// The async runtime could not start.
    #[error("cannot start the DNS client: {0}")]
    Runtime(#[from] std::io::Error),
}

/// hickory-resolver, asking only the servers it is given, over UDP and
/// TCP (TCP when an answer is truncated), with no search domains, no hosts
/// file, and no cache across checks.
pub struct HickoryDns {
    runtime: tokio::runtime::Runtime,
    resolver: TokioResolver,
}

impl HickoryDns {
    /// A client for the servers at `servers`.
    pub fn new(servers: &[SocketAddr], timeout: Duration) -> Result<Self, SetupError> {
        if servers.is_empty() {
            return Err(SetupError::NoResolver);
        }
        let mut group = NameServerConfigGroup::new();
        for server in servers {
            group.merge(NameServerConfigGroup::from_ips_clear(&[server.ip()], server.port(), true));
        }
        let config = ResolverConfig::from_parts(None, vec![], group);
        let mut options = ResolverOpts::default();
        options.timeout = timeout;
        options.attempts = 2;
        options.use_hosts_file = ResolveHosts::Never;
        options.ndots = 0;
        options.cache_size = 0;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let resolver = {
            let _guard = runtime.enter();
            TokioResolver::builder_with_config(config, TokioConnectionProvider::default()).with_options(options).build()
        };
        Ok(HickoryDns { runtime, resolver })
    }

    /// The name servers of /etc/resolv.conf (port 53), for when the user
    /// names none. Only `nameserver` lines are read: no search domains.
    pub fn system_servers() -> Vec<SocketAddr> {
        let text = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
        text.lines()
            .filter_map(|line| line.trim().strip_prefix("nameserver"))
            .filter_map(|rest| rest.trim().split('%').next()?.parse::<IpAddr>().ok())
            .map(|ip| SocketAddr::new(ip, 53))
            .collect()
    }

    fn lookup(&self, name: &str, kind: RecordType, what: &'static str) -> Result<Vec<RData>, DnsError> {
        let fqdn = if name.ends_with('.') { name.to_string() } else { format!("{name}.") };
        let result = self.runtime.block_on(self.resolver.lookup(fqdn.as_str(), kind));
        match result {
            Ok(lookup) => {
                let records: Vec<RData> =
                    lookup.record_iter().filter(|r| r.record_type() == kind).map(|r| r.data().clone()).collect();
                if records.is_empty() { Err(DnsError::NotFound(what)) } else { Ok(records) }
            }
            Err(e) => Err(classify(e, what)),
        }
    }
}

/// NXDOMAIN and NODATA are answers; everything else is a temporary failure.
fn classify(error: ResolveError, what: &'static str) -> DnsError {
    if let ResolveErrorKind::Proto(proto) = error.kind() {
        if let ProtoErrorKind::NoRecordsFound { response_code, .. } = proto.kind() {
            if matches!(*response_code, ResponseCode::NXDomain | ResponseCode::NoError) {
                return DnsError::NotFound(what);
            }
            return DnsError::Temporary(format!("the server answered {response_code}"));
        }
    }
    DnsError::Temporary(error.to_string())
}

fn name_text(name: &hickory_resolver::proto::rr::Name) -> String {
    let mut s = name.to_ascii();
    if s.ends_with('.') {
        s.pop();
    }
    s
}

impl Dns for HickoryDns {
    fn ptr(&self, ip: IpAddr) -> Result<Vec<String>, DnsError> {
        let name = reverse_name(ip);
        let records = self.lookup(&name, RecordType::PTR, "PTR")?;
        Ok(records.iter().filter_map(|r| if let RData::PTR(p) = r { Some(name_text(&p.0)) } else { None }).collect())
    }

    fn a(&self, name: &str) -> Result<Vec<Ipv4Addr>, DnsError> {
        let records = self.lookup(name, RecordType::A, "A")?;
        Ok(records.iter().filter_map(|r| if let RData::A(a) = r { Some(a.0) } else { None }).collect())
    }

    fn aaaa(&self, name: &str) -> Result<Vec<Ipv6Addr>, DnsError> {
        let records = self.lookup(name, RecordType::AAAA, "AAAA")?;
        Ok(records.iter().filter_map(|r| if let RData::AAAA(a) = r { Some(a.0) } else { None }).collect())
    }

    fn txt(&self, name: &str) -> Result<Vec<String>, DnsError> {
        let records = self.lookup(name, RecordType::TXT, "TXT")?;
        Ok(records
            .iter()
            .filter_map(|r| match r {
                RData::TXT(txt) => {
                    Some(txt.txt_data().iter().map(|part| String::from_utf8_lossy(part)).collect::<String>())
                }
                _ => None,
            })
            .collect())
    }

    fn mx(&self, name: &str) -> Result<Vec<String>, DnsError> {
        let records = self.lookup(name, RecordType::MX, "MX")?;
        let mut mx: Vec<(u16, String)> = records
            .iter()
            .filter_map(
                |r| if let RData::MX(mx) = r { Some((mx.preference(), name_text(mx.exchange()))) } else { None },
            )
            .collect();
        mx.sort();
        Ok(mx.into_iter().map(|(_, n)| n).collect())
    }
}

/// `7.113.0.203.in-addr.arpa` / nibbles under `ip6.arpa`.
pub fn reverse_name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(v6) => {
            let mut s = String::new();
            for byte in v6.octets().iter().rev() {
                s.push_str(&format!("{:x}.{:x}.", byte & 0xf, byte >> 4));
            }
            s.push_str("ip6.arpa");
            s
        }
    }
}
