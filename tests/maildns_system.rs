//! SYSTEM tests for conflint-maildns against a real authoritative DNS
//! server: NSD, started by the test on 127.0.0.1 on a free port, serving
//! zones the test writes. Skipped, with a note, where `nsd` is absent.
//!
//! One sending domain per case, all sending from TEST-NET-3 addresses
//! (203.0.113.0/24, whose reverse zone the test also serves) or from
//! 2001:db8::/32:
//! - good.example: PTR, FCrDNS, SPF (mx, a, include, ip6), DMARC, DKIM: clean;
//! - noptr.example: no PTR for its address: 550 5.7.25;
//! - badptr.example: a PTR whose name resolves elsewhere: 550 5.7.25;
//! - nospf.example: no SPF record: 550 5.7.26;
//! - wrongspf.example: SPF that does not cover the address: fail, 550 5.7.26;
//! - nodmarc.example: no DMARC record;
//! - a domain the server does not serve: answers unknown, not "missing".

mod common;

use std::net::{IpAddr, SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use conflint_maildns::{CheckRequest, Report, SpfResult, Status, check};

const ZONES: &[(&str, &str)] = &[
    (
        "good.example",
        "@ MX 10 mail.good.example.\n\
         @ TXT \"v=spf1 mx a:mail.good.example include:_spf.good.example -all\"\n\
         _spf TXT \"v=spf1 ip6:2001:db8::/64 ~all\"\n\
         mail A 203.0.113.10\n\
         mail AAAA 2001:db8::10\n\
         _dmarc TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@good.example\"\n\
         s1._domainkey TXT \"v=DKIM1; k=rsa; \" \"p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwq\"\n",
    ),
    (
        "noptr.example",
        "@ TXT \"v=spf1 ip4:203.0.113.20 -all\"\n\
         _dmarc TXT \"v=DMARC1; p=none\"\n",
    ),
    (
        "badptr.example",
        "@ TXT \"v=spf1 ip4:203.0.113.11 -all\"\n\
         mail A 203.0.113.99\n\
         _dmarc TXT \"v=DMARC1; p=quarantine\"\n",
    ),
    (
        "nospf.example",
        "mail A 203.0.113.12\n\
         _dmarc TXT \"v=DMARC1; p=none\"\n\
         @ TXT \"google-site-verification=abc\"\n",
    ),
    (
        "wrongspf.example",
        "@ TXT \"v=spf1 ip4:198.51.100.0/24 include:_spf.good.example -all\"\n\
         mail A 203.0.113.13\n\
         _dmarc TXT \"v=DMARC1; p=reject\"\n",
    ),
    (
        "nodmarc.example",
        "@ TXT \"v=spf1 ip4:203.0.113.14 -all\"\n\
         mail A 203.0.113.14\n",
    ),
    (
        "113.0.203.in-addr.arpa",
        "10 PTR mail.good.example.\n\
         11 PTR mail.badptr.example.\n\
         12 PTR mail.nospf.example.\n\
         13 PTR mail.wrongspf.example.\n\
         14 PTR mail.nodmarc.example.\n",
    ),
    ("8.b.d.0.1.0.0.2.ip6.arpa", "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 PTR mail.good.example.\n"),
];

/// NSD in the foreground, killed when dropped.
struct Nsd {
    child: Child,
    address: SocketAddr,
}

impl Drop for Nsd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_nsd(nsd: &Path, dir: &Path) -> Nsd {
    for (zone, records) in ZONES {
        let text = format!(
            "$ORIGIN {zone}.\n$TTL 300\n@ SOA ns.good.example. hostmaster.good.example. 1 3600 600 86400 300\n@ NS ns.good.example.\n{records}"
        );
        std::fs::write(dir.join(format!("{zone}.zone")), text).expect("write zone");
    }
    let port = common::free_port();
    let d = dir.display();
    let mut conf = format!(
        "server:\n  ip-address: 127.0.0.1\n  port: {port}\n  do-ip6: no\n  zonesdir: \"{d}\"\n  pidfile: \"{d}/nsd.pid\"\n  database: \"\"\n  username: \"\"\n  chroot: \"\"\n  logfile: \"{d}/nsd.log\"\n  xfrdfile: \"{d}/xfrd.state\"\n  xfrdir: \"{d}\"\n  zonelistfile: \"{d}/zone.list\"\n  server-count: 1\n  verbosity: 1\nremote-control:\n  control-enable: no\n"
    );
    for (zone, _) in ZONES {
        conf.push_str(&format!("zone:\n  name: \"{zone}\"\n  zonefile: \"{zone}.zone\"\n"));
    }
    let conf_path = dir.join("nsd.conf");
    std::fs::write(&conf_path, conf).expect("write nsd.conf");
    let child = Command::new(nsd)
        .arg("-d")
        .arg("-c")
        .arg(&conf_path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nsd");
    let address: SocketAddr = format!("127.0.0.1:{port}").parse().expect("address");
    let mut server = Nsd { child, address };
    // Ready when it accepts TCP; bounded wait.
    let start = Instant::now();
    while TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
        if let Ok(Some(status)) = server.child.try_wait() {
            let log = std::fs::read_to_string(dir.join("nsd.log")).unwrap_or_default();
            panic!("nsd exited with {status}: {log}");
        }
        assert!(start.elapsed() < Duration::from_secs(15), "nsd did not start listening on {address}");
        std::thread::sleep(Duration::from_millis(100));
    }
    // TCP is up; give the UDP socket the same chance by asking over it.
    server.address = address;
    server
}

fn run(server: &Nsd, domain: &str, ip: &str, selector: Option<&str>) -> Report {
    let mut request = CheckRequest::new(domain, ip.parse::<IpAddr>().expect("ip")).resolver(server.address);
    request.timeout = Duration::from_secs(2);
    if let Some(s) = selector {
        request = request.dkim_selector(s);
    }
    check(&request).expect("resolver set up")
}

fn codes(report: &Report) -> Vec<&'static str> {
    report.gmail.iter().map(|v| v.code).collect()
}

#[test]
fn each_zone_is_reported_as_gmail_would_answer() {
    let Some(nsd) = common::system_tool("nsd", "each_zone_is_reported_as_gmail_would_answer") else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let server = start_nsd(&nsd, tmp.path());

    let good = run(&server, "good.example", "203.0.113.10", Some("s1"));
    assert!(good.is_clean(), "{}", good.render_text());
    assert_eq!(good.reverse.names, ["mail.good.example"]);
    assert_eq!(good.spf.matched.as_deref(), Some("mx"));
    assert!(good.render_text().contains("nothing in DNS stands in the way"), "{}", good.render_text());
    let good6 = run(&server, "good.example", "2001:db8::10", Some("s1"));
    assert!(good6.is_clean(), "{}", good6.render_text());
    // In the included /64 (the include passes), and outside it (the
    // include's ~all does not match, the record's -all does).
    let in_include = run(&server, "good.example", "2001:db8::99", None);
    assert_eq!(in_include.spf.result, SpfResult::Pass, "{}", in_include.render_text());
    assert_eq!(in_include.spf.matched.as_deref(), Some("include:_spf.good.example"));
    let outside = run(&server, "good.example", "2001:db8:1::99", None);
    assert_eq!(outside.spf.result, SpfResult::Fail, "{}", outside.render_text());
    assert_eq!(codes(&outside), ["550 5.7.25", "550 5.7.26"], "{}", outside.render_text());

    let noptr = run(&server, "noptr.example", "203.0.113.20", None);
    assert!(matches!(noptr.reverse.ptr, Status::Fail(_)), "{}", noptr.render_text());
    assert_eq!(noptr.spf.result, SpfResult::Pass);
    assert_eq!(codes(&noptr), ["550 5.7.25"], "{}", noptr.render_text());

    let badptr = run(&server, "badptr.example", "203.0.113.11", None);
    assert!(badptr.reverse.ptr.is_pass());
    assert!(matches!(&badptr.reverse.forward_confirmed, Status::Fail(why) if why.contains("203.0.113.99")));
    assert_eq!(codes(&badptr), ["550 5.7.25"], "{}", badptr.render_text());

    let nospf = run(&server, "nospf.example", "203.0.113.12", None);
    assert_eq!(nospf.spf.result, SpfResult::None, "{}", nospf.render_text());
    assert_eq!(codes(&nospf), ["550 5.7.26"], "{}", nospf.render_text());

    let wrongspf = run(&server, "wrongspf.example", "203.0.113.13", None);
    assert_eq!(wrongspf.spf.result, SpfResult::Fail, "{}", wrongspf.render_text());
    assert_eq!(wrongspf.spf.matched.as_deref(), Some("-all"));
    assert_eq!(codes(&wrongspf), ["550 5.7.26"], "{}", wrongspf.render_text());
    assert!(wrongspf.render_text().contains("FAIL SPF fail"), "{}", wrongspf.render_text());

    let nodmarc = run(&server, "nodmarc.example", "203.0.113.14", None);
    assert!(matches!(nodmarc.dmarc.status, Status::Fail(_)), "{}", nodmarc.render_text());
    assert!(nodmarc.reverse.forward_confirmed.is_pass() && nodmarc.spf.result == SpfResult::Pass);
    assert!(!nodmarc.is_clean());
    assert!(nodmarc.render_text().contains("FAIL DMARC"), "{}", nodmarc.render_text());

    // A DKIM selector that has no key.
    let nokey = run(&server, "good.example", "203.0.113.10", Some("missing"));
    assert!(matches!(nokey.dkim.as_ref().map(|d| &d.status), Some(Status::Fail(_))));
    assert!(!nokey.is_clean());

    // A zone the server refuses to answer for: unknown, never "missing".
    let refused = run(&server, "elsewhere.example", "192.0.2.1", None);
    assert!(matches!(refused.spf.result, SpfResult::TempError(_)), "{}", refused.render_text());
    assert!(matches!(refused.dmarc.status, Status::Unknown(_)), "{}", refused.render_text());
}

/// `conflint mail-dns` prints the report; exit 0 when clean, 1 otherwise.
#[test]
fn the_mail_dns_subcommand_reports_and_exits_by_result() {
    let Some(nsd) = common::system_tool("nsd", "the_mail_dns_subcommand_reports_and_exits_by_result") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let server = start_nsd(&nsd, tmp.path());
    let resolver = server.address.to_string();
    let base = ["mail-dns", "--resolver", resolver.as_str()];
    let good: Vec<&str> = base
        .iter()
        .copied()
        .chain(["--from", "good.example", "--ip", "203.0.113.10", "--dkim-selector", "s1"])
        .collect();
    let (code, out, err) = common::conflint_in(tmp.path(), &good);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("nothing in DNS stands in the way"), "{out}");
    let noptr: Vec<&str> = base.iter().copied().chain(["--from", "noptr.example", "--ip", "203.0.113.20"]).collect();
    let (code, out, err) = common::conflint_in(tmp.path(), &noptr);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("Gmail: 550 5.7.25"), "{out}");
}
