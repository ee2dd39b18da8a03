//! The mail incident conflint was started for, replayed live: a Postfix
//! smtpd with `reject_unknown_client_hostname` refuses a client whose PTR
//! exists but does not forward-confirm (many ISPs' customer ranges), and
//! after `conflint --fix` (PF001: `reject_unknown_reverse_client_hostname`)
//! it accepts the same client.
//!
//! The test starts, and always stops (Drop guards, every wait bounded; the
//! whole test takes well under 60 s):
//! - NSD on 127.0.0.3:53 (the next free address up to 127.0.0.20),
//!   authoritative for `0.0.127.in-addr.arpa` (127.0.0.2 → PTR
//!   `client.isp.example`) and `isp.example` (`client` → A 127.0.0.9, not
//!   127.0.0.2);
//! - Postfix from Debian's package, `postfix -c DIR start-fg` inside a
//!   private mount namespace (`unshare -m`) whose /etc/resolv.conf names
//!   that NSD and whose /etc/hosts knows only localhost; its own queue and
//!   data directories, smtpd on 127.0.0.1 and a free port, nothing
//!   chrooted, local mail discarded.
//!
//! The client is Python's smtplib bound to 127.0.0.2. Needs root (mount
//! namespace, port 53, Postfix's own user): skipped with a note otherwise,
//! or when a tool is missing; with CONFLINT_SYSTEM_TESTS=require a skip is
//! a failure.

mod common;

use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TEST: &str = "reject_unknown_client_hostname_refuses_a_non_confirming_ptr_until_fixed";

/// A child process killed (and reaped) when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A running Postfix instance: stopped (`postfix stop`, then its master
/// killed by the pid in its queue directory) when dropped.
struct Postfix {
    postfix: PathBuf,
    config: PathBuf,
    queue: PathBuf,
    child: Guard,
}

impl Drop for Postfix {
    fn drop(&mut self) {
        let stop = Command::new(&self.postfix)
            .arg("-c")
            .arg(&self.config)
            .arg("stop")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        if let Ok(mut stop) = stop {
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(10) {
                if stop.try_wait().ok().flatten().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = stop.kill();
            let _ = stop.wait();
        }
        // Whatever is left: the master by its pid file.
        if let Ok(pid) = std::fs::read_to_string(self.queue.join("pid/master.pid")) {
            if let Ok(pid) = pid.trim().parse::<i32>() {
                // SAFETY: kill(2) on a pid this test's Postfix wrote; no memory is involved.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
            }
        }
        let _ = self.child.0.kill();
    }
}

/// A loopback address whose port 53 is free (UDP and TCP), from 127.0.0.3 up.
fn dns_address() -> Option<String> {
    (3..=20)
        .map(|n| format!("127.0.0.{n}"))
        .find(|a| UdpSocket::bind(format!("{a}:53")).is_ok() && TcpListener::bind(format!("{a}:53")).is_ok())
}

fn wait_for(address: SocketAddr, what: &str, limit: Duration, child: &mut Child, log: &Path) {
    let start = Instant::now();
    while TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            let log = std::fs::read_to_string(log).unwrap_or_default();
            panic!("{what} exited with {status} before listening on {address}:\n{log}");
        }
        let log = std::fs::read_to_string(log).unwrap_or_default();
        assert!(start.elapsed() < limit, "{what} did not listen on {address} within {limit:?}:\n{log}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn start_nsd(nsd: &Path, dir: &Path, address: &str) -> Guard {
    let zones = [
        ("0.0.127.in-addr.arpa", "2 PTR client.isp.example.\n"),
        // The PTR name exists, but its address is not the client's.
        ("isp.example", "client A 127.0.0.9\n"),
    ];
    std::fs::create_dir_all(dir).expect("mkdir dns");
    let d = dir.display();
    let mut conf = format!(
        "server:\n  ip-address: {address}\n  port: 53\n  do-ip6: no\n  zonesdir: \"{d}\"\n  pidfile: \"{d}/nsd.pid\"\n  database: \"\"\n  username: \"\"\n  chroot: \"\"\n  logfile: \"{d}/nsd.log\"\n  xfrdfile: \"{d}/xfrd.state\"\n  xfrdir: \"{d}\"\n  zonelistfile: \"{d}/zone.list\"\n  server-count: 1\nremote-control:\n  control-enable: no\n"
    );
    for (zone, records) in zones {
        let text = format!(
            "$ORIGIN {zone}.\n$TTL 60\n@ SOA ns.isp.example. hostmaster.isp.example. 1 3600 600 86400 60\n@ NS ns.isp.example.\n{records}"
        );
        std::fs::write(dir.join(format!("{zone}.zone")), text).expect("zone");
        conf.push_str(&format!("zone:\n  name: \"{zone}\"\n  zonefile: \"{zone}.zone\"\n"));
    }
    std::fs::write(dir.join("nsd.conf"), conf).expect("nsd.conf");
    let child = Command::new(nsd)
        .arg("-d")
        .arg("-c")
        .arg(dir.join("nsd.conf"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nsd");
    let mut guard = Guard(child);
    let socket: SocketAddr = format!("{address}:53").parse().expect("address");
    wait_for(socket, "nsd", Duration::from_secs(15), &mut guard.0, &dir.join("nsd.log"));
    guard
}

fn main_cf(root: &Path, restriction: &str) -> String {
    let r = root.display();
    format!(
        "# The incident: a server refusing a large ISP's customers.
compatibility_level = 3.6
queue_directory = {r}/queue
data_directory = {r}/data
maillog_file_prefixes = {r}
maillog_file = {r}/maillog
myhostname = mx.example.test
mydestination = example.test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.1/32
alias_maps =
alias_database =
local_recipient_maps =
local_transport = discard
smtpd_banner = $myhostname ESMTP
disable_vrfy_command = yes
smtp_tls_security_level = may
smtpd_client_restrictions =
    {restriction}
"
    )
}

fn master_cf(port: u16) -> String {
    let services = [
        format!("127.0.0.1:{port} inet n - n - - smtpd"),
        "pickup unix n - n 60 1 pickup".into(),
        "cleanup unix n - n - 0 cleanup".into(),
        "qmgr unix n - n 300 1 qmgr".into(),
        "rewrite unix - - n - - trivial-rewrite".into(),
        "bounce unix - - n - 0 bounce".into(),
        "defer unix - - n - 0 bounce".into(),
        "trace unix - - n - 0 bounce".into(),
        "verify unix - - n - 1 verify".into(),
        "flush unix n - n 1000? 0 flush".into(),
        "proxymap unix - - n - - proxymap".into(),
        "smtp unix - - n - - smtp".into(),
        "relay unix - - n - - smtp".into(),
        "showq unix n - n - - showq".into(),
        "error unix - - n - - error".into(),
        "retry unix - - n - - error".into(),
        "discard unix - - n - - discard".into(),
        "anvil unix - - n - 1 anvil".into(),
        "scache unix - - n - 1 scache".into(),
        "postlog unix-dgram n - n - 1 postlogd".into(),
    ];
    services.join("\n") + "\n"
}

/// One SMTP session from 127.0.0.2: the reply to `RCPT TO`, as `CODE text`.
fn rcpt_reply(python: &Path, port: u16) -> String {
    let script = format!(
        "import smtplib\ns = smtplib.SMTP(timeout=15, source_address=('127.0.0.2', 0))\ns.connect('127.0.0.1', {port})\ns.ehlo('client.isp.example')\ns.mail('someone@isp.example')\ncode, text = s.rcpt('user@example.test')\nprint(code, text.decode())\ntry:\n    s.quit()\nexcept Exception:\n    pass\n"
    );
    let mut child = Command::new(python)
        .arg("-c")
        .arg(script)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the SMTP client did not finish within 20 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(out.status.success(), "smtplib failed: {}", String::from_utf8_lossy(&out.stderr));
    stdout
}

fn run(program: &Path, args: &[&str], config: &Path) -> String {
    let out = Command::new(program).arg("-c").arg(config).args(args).output().expect("run postfix");
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let log = config.parent().and_then(Path::parent).map(|r| r.join("maillog"));
    let log = log.and_then(|l| std::fs::read_to_string(l).ok()).unwrap_or_default();
    assert!(out.status.success(), "{} {}: {said}\n{log}", program.display(), args.join(" "));
    said
}

#[test]
fn reject_unknown_client_hostname_refuses_a_non_confirming_ptr_until_fixed() {
    let started = Instant::now();
    let tools: Vec<Option<PathBuf>> =
        ["postfix", "nsd", "unshare", "python3", "mount"].iter().map(|t| common::system_tool(t, TEST)).collect();
    let [Some(postfix), Some(nsd), Some(unshare), Some(python), Some(_)] =
        <[Option<PathBuf>; 5]>::try_from(tools).unwrap_or_else(|_| unreachable!("five tools"))
    else {
        return;
    };
    if !common::is_root() {
        let why = "needs root (a mount namespace, port 53, Postfix's own user)";
        assert!(!common::system_tests_required(), "system test `{TEST}` cannot run: {why}");
        common::note_skip(TEST, why);
        return;
    }
    let Some(dns) = dns_address() else {
        let why = "no loopback address from 127.0.0.3 to 127.0.0.20 has port 53 free";
        assert!(!common::system_tests_required(), "system test `{TEST}` cannot run: {why}");
        common::note_skip(TEST, why);
        return;
    };

    let temp = tempfile::tempdir().expect("tempdir");
    let root = temp.path().to_path_buf();
    // Postfix's daemons (user postfix) must reach their queue and data.
    set_mode(&root, 0o755);
    let _nsd = start_nsd(&nsd, &root.join("dns"), &dns);

    let config = root.join("etc/postfix");
    let port = common::free_port();
    common::write(&config, "main.cf", main_cf(&root, "reject_unknown_client_hostname"));
    common::write(&config, "master.cf", master_cf(port));
    std::fs::create_dir_all(root.join("data")).expect("data");
    std::fs::create_dir_all(root.join("queue")).expect("queue");
    let chown = Command::new("chown").arg("postfix").arg(root.join("data")).status().expect("chown");
    assert!(chown.success(), "chown postfix data");
    common::write(&root, "resolv.conf", format!("nameserver {dns}\noptions timeout:2 attempts:2\n"));
    common::write(&root, "hosts", "127.0.0.1 localhost\n");
    // Creates the queue directories.
    run(&postfix, &["check"], &config);

    let script = r#"mount --bind "$1/resolv.conf" /etc/resolv.conf && mount --bind "$1/hosts" /etc/hosts && exec "$2" -c "$3" start-fg"#;
    let child = Command::new(&unshare)
        .args(["-m", "--propagation", "private", "sh", "-c", script, "sh"])
        .arg(&root)
        .arg(&postfix)
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start postfix");
    let mut running =
        Postfix { postfix: postfix.clone(), config: config.clone(), queue: root.join("queue"), child: Guard(child) };
    let smtpd: SocketAddr = format!("127.0.0.1:{port}").parse().expect("address");
    wait_for(smtpd, "postfix", Duration::from_secs(20), &mut running.child.0, &root.join("maillog"));

    // Before: refused at RCPT, as the ISP's customers were.
    let before = rcpt_reply(&python, port);
    let log = std::fs::read_to_string(root.join("maillog")).unwrap_or_default();
    assert!(
        before.starts_with("450") && before.contains("4.7.25") && before.contains("cannot find your hostname"),
        "expected 450 4.7.25 before the fix, got `{before}`\n{log}"
    );
    assert!(log.contains("does not resolve to address 127.0.0.2"), "smtpd did not see the broken PTR:\n{log}");

    // conflint finds it and fixes it (safe fix, checked with postconf).
    let (code, stdout, _) = common::conflint_in(&root, &["--format", "json", "etc/postfix"]);
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(common::codes(&common::json(&stdout)), ["PF001"], "{stdout}");
    let (code, stdout, stderr) = common::conflint_in(&root, &["--fix", "etc/postfix"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let fixed = std::fs::read_to_string(config.join("main.cf")).expect("main.cf");
    assert_eq!(fixed, main_cf(&root, "reject_unknown_reverse_client_hostname"));

    // After: the same client is accepted once Postfix has reloaded.
    run(&postfix, &["reload"], &config);
    let deadline = Instant::now() + Duration::from_secs(15);
    let after = loop {
        let reply = rcpt_reply(&python, port);
        if reply.starts_with("250") || Instant::now() > deadline {
            break reply;
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    let log = std::fs::read_to_string(root.join("maillog")).unwrap_or_default();
    assert!(after.starts_with("250"), "expected 250 after the fix, got `{after}`\n{log}");
    drop(running);
    assert!(started.elapsed() < Duration::from_secs(60), "took {:?}", started.elapsed());
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}
