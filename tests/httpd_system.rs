//! System tests: conflint against the real Apache httpd (Debian's `apache2`).
//!
//! Every test builds or copies a configuration tree into a temporary
//! directory (`SANDBOX/apache2`, with `run/`, `lock/` and `log/` next to it)
//! and asks httpd itself:
//! - vhost tables: `apache2 -d SANDBOX/apache2 -f SANDBOX/apache2/apache2.conf -S`
//!   (with the tree's `envvars` loaded, and APACHE_RUN_DIR, APACHE_LOCK_DIR,
//!   APACHE_LOG_DIR and APACHE_PID_FILE pointed into the sandbox) must list,
//!   per address:port, the same vhosts (file and line) in the same order as
//!   `conflint vhosts --format json`, the default vhost first. httpd prints
//!   its addresses in hash order, so addresses are compared one by one;
//! - fixes: after `conflint --fix` / `--fix --unsafe-fixes`, `apache2 -t` must
//!   still say `Syntax OK`, only the files a fix is about may change, and a
//!   second run must change nothing;
//! - a live server: `apache2 -k start` on a loopback port, spoken to with
//!   hand-written HTTP/1.1 over `std::net::TcpStream`, before and after the fix.
//!
//! The trees are the Debian package's own /etc/apache2, certbot's Debian
//! test trees from the shared corpus, and small trees written by the tests.
//! Without `apache2` (or without the corpus) the tests print a skip note and
//! pass; `CONFLINT_SYSTEM_TESTS=require` turns that into a failure.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Where Debian's apache2 package keeps the module snippets `a2enmod` links.
const MODS_AVAILABLE: &str = "/etc/apache2/mods-available";
/// Where Debian's apache2 package keeps its modules.
const MODULES: &str = "/usr/lib/apache2/modules";
/// The self-signed certificate of Debian's ssl-cert package.
const SNAKEOIL_CERT: &str = "/etc/ssl/certs/ssl-cert-snakeoil.pem";
const SNAKEOIL_KEY: &str = "/etc/ssl/private/ssl-cert-snakeoil.key";
/// certbot's Debian trees in the shared corpus.
const CERTBOT: &str = "apache/certbot/testdata/debian_apache_2_4";
/// The Host header of the incident in SPEC.md.
const UNKNOWN_HOST: &str = "0jejhcec65c24dslii.com";

// ---------------------------------------------------------------------------
// Sandbox: a temporary directory holding one configuration tree.
// ---------------------------------------------------------------------------

struct Sandbox {
    _dir: tempfile::TempDir,
    /// The canonical path of the temporary directory (what httpd prints).
    root: PathBuf,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::Builder::new().prefix("conflint-httpd-").tempdir().expect("temporary directory");
        let root = dir.path().canonicalize().expect("canonical temporary directory");
        // httpd's children run as www-data when the test runs as root: they
        // must be able to reach the document roots inside the sandbox.
        fs::set_permissions(&root, fs::Permissions::from_mode(0o755)).expect("chmod sandbox");
        for sub in ["apache2", "run", "lock", "log"] {
            fs::create_dir_all(root.join(sub)).expect("sandbox directories");
        }
        Sandbox { _dir: dir, root }
    }

    /// The configuration tree: the directory httpd gets as `-d` (ServerRoot)
    /// and conflint as its PATH. It is named `apache2` like Debian's, so that
    /// conflint infers the same ServerRoot as httpd.
    fn conf(&self) -> PathBuf {
        self.root.join("apache2")
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Write `SANDBOX/rel` (directories created), world-readable.
    fn write(&self, rel: &str, text: &str) {
        let path = self.root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).expect("parent directory");
        fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
        let mut dir = path.parent().unwrap();
        while dir != self.root {
            fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).expect("chmod dir");
            dir = dir.parent().unwrap();
        }
    }
}

/// Copy a tree, keeping symlinks as symlinks (a link that points into `src`
/// by an absolute path is rewritten to point at the same place in `dst`).
fn copy_tree(src: &Path, dst: &Path) {
    fs::create_dir_all(dst).expect("create copy");
    for entry in fs::read_dir(src).unwrap_or_else(|e| panic!("read {}: {e}", src.display())) {
        let entry = entry.expect("dir entry");
        let from = entry.path();
        let to = dst.join(entry.file_name());
        let meta = fs::symlink_metadata(&from).expect("metadata");
        if meta.file_type().is_symlink() {
            let target = fs::read_link(&from).expect("read link");
            let target = match target.strip_prefix(src) {
                Ok(rest) if target.is_absolute() => dst.join(rest),
                _ => target,
            };
            symlink(&target, &to).expect("symlink");
        } else if meta.is_dir() {
            copy_tree(&from, &to);
            fs::set_permissions(&to, meta.permissions()).expect("chmod dir");
        } else {
            fs::copy(&from, &to).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
        }
    }
}

/// What a tree holds, file by file: the bytes of regular files, the target of
/// symlinks (a symlink is never followed), and the permission bits.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    File(Vec<u8>, u32),
    Link(PathBuf),
}

fn snapshot(root: &Path) -> BTreeMap<String, Entry> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Entry>) {
        for entry in fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("dir entry").path();
            let rel = path.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let meta = fs::symlink_metadata(&path).expect("metadata");
            if meta.file_type().is_symlink() {
                out.insert(rel, Entry::Link(fs::read_link(&path).expect("read link")));
            } else if meta.is_dir() {
                walk(root, &path, out);
            } else {
                out.insert(rel, Entry::File(fs::read(&path).expect("read"), meta.permissions().mode()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// The relative paths whose entry differs between two snapshots.
fn changed(before: &BTreeMap<String, Entry>, after: &BTreeMap<String, Entry>) -> BTreeSet<String> {
    before.keys().chain(after.keys()).filter(|k| before.get(*k) != after.get(*k)).cloned().collect()
}

/// Replace, line by line, the lines `edit` maps to `Some(new)`: the number of
/// lines never changes, so the (file, line) pairs httpd prints stay the same.
fn edit_lines(path: &Path, edit: impl Fn(&str) -> Option<String>) {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let out: Vec<String> = text.split('\n').map(|line| edit(line).unwrap_or_else(|| line.to_string())).collect();
    fs::write(path, out.join("\n")).expect("write edited file");
}

/// `a2enmod` in a copy: copy `NAME.load` (and `NAME.conf`, if the package has
/// one) from this machine's /etc/apache2/mods-available into `mods-enabled/`.
fn enable_module(conf: &Path, name: &str) {
    let enabled = conf.join("mods-enabled");
    fs::create_dir_all(&enabled).expect("mods-enabled");
    for ext in ["load", "conf"] {
        let from = Path::new(MODS_AVAILABLE).join(format!("{name}.{ext}"));
        if from.is_file() {
            fs::copy(&from, enabled.join(format!("{name}.{ext}"))).expect("copy module snippet");
        } else {
            assert!(ext == "conf", "{} is missing: is Debian's apache2 package installed?", from.display());
        }
    }
}

fn remove(conf: &Path, rel: &str) {
    let path = conf.join(rel);
    fs::remove_file(&path).unwrap_or_else(|e| panic!("remove {}: {e}", path.display()));
}

/// A certificate and key httpd can read: Debian's snakeoil pair when it is
/// readable, else a fresh self-signed pair made with openssl in the sandbox.
fn test_certificate(sandbox: &Sandbox) -> (PathBuf, PathBuf) {
    let (cert, key) = (PathBuf::from(SNAKEOIL_CERT), PathBuf::from(SNAKEOIL_KEY));
    if fs::File::open(&cert).is_ok() && fs::File::open(&key).is_ok() {
        return (cert, key);
    }
    let (cert, key) = (sandbox.path("ssl/cert.pem"), sandbox.path("ssl/key.pem"));
    fs::create_dir_all(cert.parent().unwrap()).expect("ssl dir");
    let status = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl (needed because the snakeoil certificate is not readable)");
    assert!(status.success(), "openssl could not make a test certificate");
    (cert, key)
}

// ---------------------------------------------------------------------------
// Running httpd and conflint.
// ---------------------------------------------------------------------------

/// Runs `apache2 -d SANDBOX/apache2 -f SANDBOX/apache2/apache2.conf ARGS...`
/// the way apache2ctl does: from the tree, with its `envvars` sourced (when it
/// has one), then the run, lock and log directories and the pid file moved
/// into the sandbox.
const HTTPD_WRAPPER: &str = r#"
conf=$1; root=$2; bin=$3; shift 3
cd "$conf" || exit 97
if [ -f ./envvars ]; then . ./envvars; fi
export APACHE_RUN_DIR="$root/run" APACHE_LOCK_DIR="$root/lock" APACHE_LOG_DIR="$root/log"
export APACHE_PID_FILE="$root/run/apache2.pid"
exec "$bin" -d "$conf" -f "$conf/apache2.conf" "$@"
"#;

struct Httpd {
    bin: PathBuf,
}

impl Httpd {
    /// `None` (after a skip note) when apache2 is not installed.
    fn find(test: &str) -> Option<Httpd> {
        common::system_tool("apache2", test).map(|bin| Httpd { bin })
    }

    fn command(&self, sandbox: &Sandbox, args: &[&str]) -> Command {
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(HTTPD_WRAPPER).arg("sh").arg(sandbox.conf()).arg(&sandbox.root).arg(&self.bin).args(args);
        cmd.stdin(Stdio::null());
        cmd
    }

    fn run(&self, sandbox: &Sandbox, args: &[&str]) -> Output {
        self.command(sandbox, args).output().expect("run apache2")
    }

    /// `apache2 -S`, parsed.
    fn vhosts(&self, sandbox: &Sandbox) -> Table {
        let out = self.run(sandbox, &["-S"]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "apache2 -S rejected {}:\n{}{}",
            sandbox.conf().display(),
            stdout,
            String::from_utf8_lossy(&out.stderr)
        );
        parse_dump_vhosts(&stdout).unwrap_or_else(|e| panic!("cannot read the output of apache2 -S ({e}):\n{stdout}"))
    }

    /// `apache2 -t`: `Err(output)` unless httpd says Syntax OK.
    fn syntax_check(&self, sandbox: &Sandbox) -> Result<(), String> {
        let out = self.run(sandbox, &["-t"]);
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        if out.status.success() && text.contains("Syntax OK") { Ok(()) } else { Err(text) }
    }

    fn assert_syntax_ok(&self, sandbox: &Sandbox, when: &str) {
        if let Err(text) = self.syntax_check(sandbox) {
            panic!("apache2 -t rejects {} {when}:\n{text}", sandbox.conf().display());
        }
    }
}

/// Run the conflint binary from the sandbox (so that no conflint.toml of the
/// checkout applies), without colour.
fn conflint(sandbox: &Sandbox, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_conflint"))
        .args(args)
        .arg(sandbox.conf())
        .current_dir(&sandbox.root)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run conflint")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// `conflint --format json`: the codes of the remaining diagnostics, as
/// `(code, path, line)`.
fn findings(sandbox: &Sandbox) -> Vec<(String, String, u64)> {
    let out = conflint(sandbox, &["--format", "json"]);
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("conflint --format json is not JSON ({e}):\n{}", text(&out)));
    json["diagnostics"]
        .as_array()
        .expect("diagnostics array")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or("?").to_string(),
                d["path"].as_str().unwrap_or("?").to_string(),
                d["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Vhost tables: httpd's `-S` and conflint's JSON.
// ---------------------------------------------------------------------------

/// One vhost as listed for an address.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Site {
    /// httpd: the name it prints (its ServerName, or the main server's name).
    /// conflint: the vhost's ServerName, if it has one.
    name: Option<String>,
    path: String,
    line: u64,
    /// httpd: defined by a mod_macro `Use` (path and line are the `Use` line's).
    via_macro: bool,
    /// conflint: under a conditional it could not decide ("maybe").
    maybe: bool,
}

impl Site {
    fn location(&self) -> (&str, u64) {
        (&self.path, self.line)
    }

    fn show(&self) -> String {
        let mut s = format!("{}:{}", self.path, self.line);
        if let Some(name) = &self.name {
            let _ = write!(s, " ({name})");
        }
        if self.via_macro {
            s.push_str(" [expanded from a mod_macro `Use` on this line]");
        }
        if self.maybe {
            s.push_str(" [maybe]");
        }
        s
    }
}

/// address:port → vhosts, default first.
type Table = BTreeMap<String, Vec<Site>>;

/// Parse the "VirtualHost configuration:" block of `apache2 -S` (server/vhost.c
/// `dump_a_vhost`): per address either
/// `ADDR  NAME (FILE:LINE)` (a single vhost), or
/// `ADDR  is a NameVirtualHost` followed by `default server NAME (FILE:LINE)`
/// and one `port N namevhost NAME (FILE:LINE)` per vhost (with `alias` and
/// `wild alias` lines). A vhost made by mod_macro has a FILE like
/// `macro 'm' (defined on line 1 of "F") used on line 11 of "F"`.
fn parse_dump_vhosts(out: &str) -> Result<Table, String> {
    let mut lines = out.lines().skip_while(|l| l.trim() != "VirtualHost configuration:");
    if lines.next().is_none() {
        return Err("no `VirtualHost configuration:` line".into());
    }
    let mut table = Table::new();
    let mut current: Option<(String, Option<Site>)> = None;
    for line in lines {
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with(char::is_whitespace) {
            let line = line.trim();
            let Some((address, default)) = current.as_mut() else {
                return Err(format!("indented line outside an address: {line}"));
            };
            if let Some(rest) = line.strip_prefix("default server ") {
                *default = Some(parse_site(rest)?);
            } else if let Some(rest) = line.strip_prefix("port ") {
                let rest = rest.split_once(' ').map_or("", |(_, r)| r);
                let rest = rest.strip_prefix("namevhost ").ok_or_else(|| format!("unknown line: {line}"))?;
                table.entry(address.clone()).or_default().push(parse_site(rest)?);
            } else if !(line.starts_with("alias ") || line.starts_with("wild alias ")) {
                return Err(format!("unknown line: {line}"));
            }
            continue;
        }
        let (address, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let is_address = address.rsplit_once(':').is_some_and(|(host, port)| {
            !host.is_empty() && (port == "*" || (!port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())))
        });
        if !is_address {
            break; // ServerRoot: ..., the end of the block
        }
        finish(&mut current, &table)?;
        if table.contains_key(address) {
            return Err(format!("address {address} listed twice"));
        }
        let rest = rest.trim();
        if rest == "is a NameVirtualHost" {
            table.insert(address.to_string(), Vec::new());
            current = Some((address.to_string(), None));
        } else {
            table.insert(address.to_string(), vec![parse_site(rest)?]);
        }
    }
    finish(&mut current, &table)?;
    Ok(table)
}

/// The end of a NameVirtualHost entry: its `default server` must be its
/// first `namevhost`.
fn finish(current: &mut Option<(String, Option<Site>)>, table: &Table) -> Result<(), String> {
    if let Some((address, default)) = current.take() {
        let first = table.get(&address).and_then(|sites| sites.first());
        match (default, first) {
            (Some(d), Some(first)) if d.location() == first.location() => {}
            (d, first) => return Err(format!("{address}: default server {d:?} is not the first namevhost {first:?}")),
        }
    }
    Ok(())
}

/// `NAME (FILE:LINE)`.
fn parse_site(text: &str) -> Result<Site, String> {
    let (name, rest) = text.split_once(" (").ok_or_else(|| format!("no `(file:line)` in {text:?}"))?;
    let inner = rest.strip_suffix(')').ok_or_else(|| format!("no closing parenthesis in {text:?}"))?;
    let (file, line) = inner.rsplit_once(':').ok_or_else(|| format!("no `:line` in {text:?}"))?;
    let line: u64 = line.parse().map_err(|_| format!("bad line number in {text:?}"))?;
    if file.starts_with("macro '") {
        // macro 'vhost' (defined on line 1 of "F") used on line 11 of "F"
        let used = file.split(") used on line ").nth(1).ok_or_else(|| format!("unknown macro origin {file:?}"))?;
        let (number, of) = used.split_once(" of \"").ok_or_else(|| format!("unknown macro origin {file:?}"))?;
        let path = of.strip_suffix('"').ok_or_else(|| format!("unknown macro origin {file:?}"))?;
        let line = number.parse().map_err(|_| format!("bad macro line in {file:?}"))?;
        return Ok(Site { name: Some(name.to_string()), path: path.to_string(), line, via_macro: true, maybe: false });
    }
    Ok(Site { name: Some(name.to_string()), path: file.to_string(), line, via_macro: false, maybe: false })
}

/// `conflint vhosts --format json SANDBOX/apache2`.
fn conflint_vhosts(sandbox: &Sandbox) -> Table {
    let out = conflint(sandbox, &["vhosts", "--format", "json"]);
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("conflint vhosts --format json is not JSON ({e}):\n{}", text(&out)));
    let mut table = Table::new();
    for address in json["addresses"].as_array().expect("addresses array") {
        let name = address["address"].as_str().expect("address").to_string();
        let sites = address["vhosts"]
            .as_array()
            .expect("vhosts array")
            .iter()
            .map(|v| Site {
                name: v["server_name"].as_str().map(str::to_string),
                path: v["path"].as_str().expect("path").to_string(),
                line: v["line"].as_u64().expect("line"),
                via_macro: false,
                maybe: v["conditional"].as_bool().unwrap_or(false),
            })
            .collect();
        assert!(table.insert(name.clone(), sites).is_none(), "conflint lists {name} twice");
    }
    table
}

/// Compare, address by address, the (file, line) of each vhost in order.
/// `maybe` names the vhosts (by ServerName) that conflint may rightly leave
/// undecided (e.g. `<IfDefine X>` before any `Define X`: `-D X` could set it);
/// those are dropped from conflint's lists before comparing, and no other
/// vhost may be undecided.
fn assert_same_vhosts(label: &str, httpd: &Table, conflint: &Table, maybe: &[&str]) {
    let mut problems = Vec::new();
    let mut conflint = conflint.clone();
    for (address, sites) in &mut conflint {
        for site in sites.iter().filter(|s| s.maybe) {
            if !maybe.contains(&site.name.as_deref().unwrap_or("")) {
                problems.push(format!("{address}: conflint could not decide whether {} exists", site.show()));
            }
        }
        sites.retain(|s| !s.maybe);
    }
    conflint.retain(|_, sites| !sites.is_empty());
    let addresses: BTreeSet<&String> = httpd.keys().chain(conflint.keys()).collect();
    for address in addresses {
        let want: Vec<_> = httpd.get(address).map(|s| s.iter().map(Site::location).collect()).unwrap_or_default();
        let got: Vec<_> = conflint.get(address).map(|s| s.iter().map(Site::location).collect()).unwrap_or_default();
        if want == got {
            continue;
        }
        let list = |table: &Table| match table.get(address) {
            None => "    (address not listed)\n".to_string(),
            Some(sites) => sites.iter().map(|s| format!("    {}\n", s.show())).collect(),
        };
        let mut problem = format!("{address}:\n  apache2 -S:\n{}  conflint vhosts:\n{}", list(httpd), list(&conflint));
        let macros: Vec<&Site> =
            httpd.get(address).map(|s| s.iter().filter(|s| s.via_macro).collect()).unwrap_or_default();
        if macros.iter().any(|m| !got.contains(&m.location())) {
            problem.push_str("  => conflint does not expand mod_macro: httpd builds one vhost per `Use` line");
            let body = conflint
                .get(address)
                .into_iter()
                .flatten()
                .find(|s| s.name.as_deref().is_some_and(|n| n.contains('$')));
            if let Some(body) = body {
                let _ = write!(problem, "; conflint lists the <VirtualHost> inside <Macro> instead ({})", body.show());
            }
            problem.push('\n');
        }
        problems.push(problem);
    }
    assert!(problems.is_empty(), "{label}: `conflint vhosts` disagrees with `apache2 -S`\n{}", problems.join("\n"));
}

/// The whole check of test 1 and 2 for a prepared sandbox.
fn check_vhosts(label: &str, httpd: &Httpd, sandbox: &Sandbox, maybe: &[&str]) {
    let expected = httpd.vhosts(sandbox);
    assert!(!expected.is_empty(), "{label}: apache2 -S lists no vhost, the test would prove nothing");
    assert_same_vhosts(label, &expected, &conflint_vhosts(sandbox), maybe);
}

// ---------------------------------------------------------------------------
// Trees.
// ---------------------------------------------------------------------------

/// A copy of this machine's /etc/apache2 as the apache2 package installs it
/// (apache2.conf, ports.conf, mods-/conf-/sites-enabled symlinks, envvars).
/// Nothing is adapted: its `envvars` is sourced and only the run, lock and
/// log directories and the pid file are moved into the sandbox.
fn debian_etc_apache2(test: &str) -> Option<(Httpd, Sandbox)> {
    let httpd = Httpd::find(test)?;
    let etc = Path::new("/etc/apache2");
    if !etc.join("apache2.conf").is_file() {
        assert!(!common::system_tests_required(), "{test}: /etc/apache2/apache2.conf is missing");
        common::note_skip(test, "/etc/apache2/apache2.conf is missing");
        return None;
    }
    let sandbox = Sandbox::new();
    copy_tree(etc, &sandbox.conf());
    Some((httpd, sandbox))
}

/// The certbot Debian trees, and how each copy is adapted so that httpd can
/// run its configuration check. They are test fixtures, not complete
/// installations. Common to all of them:
/// - the copy is `SANDBOX/apache2` (the original directory name, so conflint
///   infers ServerRoot as httpd gets it from `-d`), its `envvars` is sourced
///   and the run/lock/log directories and pid file are moved into the sandbox;
/// - `mpm_event` is enabled (from this machine's mods-available, as a2enmod
///   would): no tree has an MPM in mods-enabled and httpd refuses to start
///   without one;
/// - `authz_core` is enabled: apache2.conf's `<Directory />` says
///   `Require all denied` (Debian enables it by default; the trees lack it).
///
/// Per tree:
/// - augeas_vhosts: mods-enabled's `dav_svn.load`, `dav_svn.conf` and
///   `authz_svn.load` are removed: mod_dav_svn (libapache2-mod-svn) is not
///   installed and a LoadModule of a missing .so is fatal. `dav.load` stays.
/// - default_vhost: nothing more (its `NameVirtualHost *:80` only warns).
/// - multi_vhosts: it has no mods-enabled at all; `rewrite` is enabled
///   (its third vhost says `RewriteEngine on`). mod_ssl stays off, so its
///   second vhost, under `<IfModule mod_ssl.c>`, is left out.
/// - multi_vhosts with ssl: as multi_vhosts, plus `ssl` and what ssl.load
///   depends on (`socache_shmcb`, `setenvif`, `mime`), so the vhost under
///   `<IfModule mod_ssl.c>` counts.
/// - multiple_vhosts: the dav_svn files are removed as for augeas_vhosts;
///   `ssl` (+ `socache_shmcb`, `setenvif`, `mime`) is enabled so the
///   `_default_:443` and `10.2.3.4:443` vhosts under `<IfModule mod_ssl.c>`
///   count; every `SSLCertificateFile`/`SSLCertificateKeyFile` (certbot's
///   /etc/apache2/certs/... files are not in the corpus, and mod_ssl checks
///   they exist) is pointed at the snakeoil pair, in place, so no line
///   moves; `access_compat` (certbot.conf and encryption-example.conf use
///   `Order`/`Allow`), `alias` (`ScriptAlias`) and `macro`
///   (mod_macro-example.conf defines `<Macro VHost>` and `Use`s it three
///   times) are enabled. mod_macro is kept on purpose: httpd then has three
///   vhosts made by `Use`.
/// - `conf-available/bad_conf_file.conf` (augeas_vhosts, multiple_vhosts) is
///   not included by anything, so httpd never reads it; it is kept.
fn certbot_tree(test: &str, tree: &str) -> Option<(Httpd, Sandbox)> {
    let httpd = Httpd::find(test)?;
    if !common::require_corpus(test) {
        return None;
    }
    let sandbox = Sandbox::new();
    let name = tree.strip_suffix("+ssl").unwrap_or(tree);
    copy_tree(&common::corpus(&format!("{CERTBOT}/{name}/apache2")), &sandbox.conf());
    let conf = sandbox.conf();
    for module in ["mpm_event", "authz_core"] {
        enable_module(&conf, module);
    }
    let ssl = ["ssl", "socache_shmcb", "setenvif", "mime"];
    match tree {
        "augeas_vhosts" => {
            for file in ["dav_svn.load", "dav_svn.conf", "authz_svn.load"] {
                remove(&conf, &format!("mods-enabled/{file}"));
            }
        }
        "default_vhost" => {}
        "multi_vhosts" => enable_module(&conf, "rewrite"),
        "multi_vhosts+ssl" => {
            for module in ["rewrite"].iter().chain(&ssl) {
                enable_module(&conf, module);
            }
        }
        "multiple_vhosts" => {
            for file in ["dav_svn.load", "dav_svn.conf", "authz_svn.load"] {
                remove(&conf, &format!("mods-enabled/{file}"));
            }
            for module in ["access_compat", "alias", "macro"].iter().chain(&ssl) {
                enable_module(&conf, module);
            }
            let (cert, key) = test_certificate(&sandbox);
            for entry in fs::read_dir(conf.join("sites-enabled")).expect("sites-enabled") {
                let path = entry.expect("entry").path();
                edit_lines(&path, |line| {
                    let trimmed = line.trim_start();
                    let indent = &line[..line.len() - trimmed.len()];
                    let word = trimmed.split_whitespace().next()?;
                    let file = match word {
                        "SSLCertificateFile" => &cert,
                        "SSLCertificateKeyFile" => &key,
                        _ => return None,
                    };
                    Some(format!("{indent}{word} {}", file.display()))
                });
            }
        }
        other => panic!("unknown certbot tree {other}"),
    }
    Some((httpd, sandbox))
}

/// The beginning of every hand-made tree: an MPM, a global ServerName (no
/// AH00558 noise), the error log and runtime files in the sandbox.
fn hand_made_conf(body: &str) -> String {
    format!(
        "# Written by tests/httpd_system.rs.\n\
         LoadModule mpm_event_module {MODULES}/mod_mpm_event.so\n\
         ServerName main.test\n\
         ErrorLog ${{APACHE_LOG_DIR}}/error.log\n\
         PidFile ${{APACHE_PID_FILE}}\n\
         DefaultRuntimeDir ${{APACHE_RUN_DIR}}\n\
         {body}"
    )
}

fn vhost(address: &str, name: &str) -> String {
    format!("<VirtualHost {address}>\n    ServerName {name}\n</VirtualHost>\n")
}

// ---------------------------------------------------------------------------
// 1. The vhost table of real trees equals `apache2 -S`.
// ---------------------------------------------------------------------------

#[test]
fn vhosts_match_httpd_debian_etc_apache2() {
    let Some((httpd, sandbox)) = debian_etc_apache2("vhosts_match_httpd_debian_etc_apache2") else { return };
    check_vhosts("copy of /etc/apache2", &httpd, &sandbox, &[]);
}

#[test]
fn vhosts_match_httpd_certbot_augeas_vhosts() {
    let test = "vhosts_match_httpd_certbot_augeas_vhosts";
    let Some((httpd, sandbox)) = certbot_tree(test, "augeas_vhosts") else { return };
    check_vhosts("certbot augeas_vhosts", &httpd, &sandbox, &[]);
}

#[test]
fn vhosts_match_httpd_certbot_default_vhost() {
    let test = "vhosts_match_httpd_certbot_default_vhost";
    let Some((httpd, sandbox)) = certbot_tree(test, "default_vhost") else { return };
    check_vhosts("certbot default_vhost", &httpd, &sandbox, &[]);
}

#[test]
fn vhosts_match_httpd_certbot_multi_vhosts() {
    let test = "vhosts_match_httpd_certbot_multi_vhosts";
    let Some((httpd, sandbox)) = certbot_tree(test, "multi_vhosts") else { return };
    check_vhosts("certbot multi_vhosts", &httpd, &sandbox, &[]);
}

#[test]
fn vhosts_match_httpd_certbot_multi_vhosts_with_ssl() {
    let test = "vhosts_match_httpd_certbot_multi_vhosts_with_ssl";
    let Some((httpd, sandbox)) = certbot_tree(test, "multi_vhosts+ssl") else { return };
    check_vhosts("certbot multi_vhosts with mod_ssl", &httpd, &sandbox, &[]);
}

#[test]
fn vhosts_match_httpd_certbot_multiple_vhosts() {
    let test = "vhosts_match_httpd_certbot_multiple_vhosts";
    let Some((httpd, sandbox)) = certbot_tree(test, "multiple_vhosts") else { return };
    check_vhosts("certbot multiple_vhosts", &httpd, &sandbox, &[]);
}

// ---------------------------------------------------------------------------
// 2. Include-order and address traps, each compared with `apache2 -S`.
// ---------------------------------------------------------------------------

/// `IncludeOptional sites-enabled/*.conf` sorts by bytes (strcmp): digits <
/// uppercase < `_` < lowercase; `*` does not match a leading dot and
/// `*.conf` not `x.conf~`. Files are created in a scrambled order so that
/// directory order cannot pass for sorted order.
#[test]
fn include_order_matches_httpd() {
    let Some(httpd) = Httpd::find("include_order_matches_httpd") else { return };
    let sandbox = Sandbox::new();
    sandbox.write(
        "apache2/apache2.conf",
        &hand_made_conf("Listen 18080\nIncludeOptional sites-enabled/*.conf\nIncludeOptional conf.d/*.conf\n"),
    );
    for file in ["b-site", "_catchall", "A-site", "zz-last", "10-x", "000-default", "Z-upper", "9-nine"] {
        sandbox.write(&format!("apache2/sites-enabled/{file}.conf"), &vhost("*:18080", &format!("{file}.test")));
    }
    sandbox.write("apache2/sites-enabled/.hidden.conf", &vhost("*:18080", "hidden.test"));
    sandbox.write("apache2/sites-enabled/b-site.conf~", &vhost("*:18080", "backup.test"));
    sandbox.write("apache2/sites-enabled/b-site.conf.dpkg-old", &vhost("*:18080", "dpkg-old.test"));
    // Two vhosts in one file keep their order; a later include comes after.
    sandbox.write(
        "apache2/conf.d/late.conf",
        &format!("# two vhosts\n{}\n{}", vhost("*:18080", "late1.test"), vhost("*:18080", "late2.test")),
    );
    check_vhosts("include order", &httpd, &sandbox, &[]);
}

/// An IP-specific set and a `*` set on the same port are two sets; each keeps
/// its own order.
#[test]
fn ip_specific_and_wildcard_sets_match_httpd() {
    let Some(httpd) = Httpd::find("ip_specific_and_wildcard_sets_match_httpd") else { return };
    let sandbox = Sandbox::new();
    let body = [
        "Listen 18081\n".to_string(),
        vhost("*:18081", "star-a.test"),
        vhost("127.0.0.1:18081", "ip-b.test"),
        vhost("*:18081", "star-c.test"),
        vhost("127.0.0.1:18081", "ip-d.test"),
        vhost("127.0.0.2:18081", "other-ip.test"),
    ]
    .concat();
    sandbox.write("apache2/apache2.conf", &hand_made_conf(&body));
    check_vhosts("IP-specific and * vhosts", &httpd, &sandbox, &[]);
}

/// In 2.4 `_default_` is an alias for `*`: `_default_:P` and `*:P` form one
/// set, in configuration order.
#[test]
fn default_and_star_form_one_set_matches_httpd() {
    let Some(httpd) = Httpd::find("default_and_star_form_one_set_matches_httpd") else { return };
    let sandbox = Sandbox::new();
    let body = [
        "Listen 18082\n".to_string(),
        vhost("*:18082", "star-first.test"),
        vhost("_default_:18082", "default-second.test"),
        vhost("*:18082", "star-third.test"),
        vhost("_DEFAULT_:18082", "default-upper.test"),
    ]
    .concat();
    sandbox.write("apache2/apache2.conf", &hand_made_conf(&body));
    check_vhosts("_default_ and *", &httpd, &sandbox, &[]);
}

/// `<IfModule>` of a module that is not (yet) loaded leaves its vhost out;
/// `<IfDefine X>` after `Define X` keeps it; `<IfVersion>` is decided.
/// `<IfDefine LATER>` before `Define LATER`, and `<IfDefine X>` where X is
/// only defined under a false `<IfModule>`, are out for httpd as started
/// here, but `-D LATER` / `-D X` on the command line would put them in, so
/// conflint may call those two (and only those) "maybe".
#[test]
fn conditional_vhosts_match_httpd() {
    let Some(httpd) = Httpd::find("conditional_vhosts_match_httpd") else { return };
    let sandbox = Sandbox::new();
    let body = format!(
        "Listen 18083\n\
         <IfModule mod_not_loaded.c>\n{}</IfModule>\n\
         <IfModule !mod_not_loaded.c>\n{}</IfModule>\n\
         <IfDefine LATER>\n{}</IfDefine>\n\
         Define SOMETHING\n\
         Define LATER\n\
         <IfDefine SOMETHING>\n{}</IfDefine>\n\
         <IfDefine !SOMETHING>\n{}</IfDefine>\n\
         <IfModule mod_rewrite.c>\n{}</IfModule>\n\
         LoadModule rewrite_module {MODULES}/mod_rewrite.so\n\
         <IfModule mod_rewrite.c>\n{}</IfModule>\n\
         <IfModule rewrite_module>\n<IfDefine SOMETHING>\n{}</IfDefine>\n</IfModule>\n\
         <IfVersion >= 2.4>\n{}</IfVersion>\n\
         <IfVersion < 2.4>\n{}</IfVersion>\n\
         <IfModule mod_not_loaded.c>\nDefine INSIDE_NOT_LOADED\n</IfModule>\n\
         <IfDefine INSIDE_NOT_LOADED>\n{}</IfDefine>\n",
        vhost("*:18083", "not-loaded.test"),
        vhost("*:18083", "negated.test"),
        vhost("*:18083", "later.test"),
        vhost("*:18083", "something.test"),
        vhost("*:18083", "not-something.test"),
        vhost("*:18083", "rewrite-early.test"),
        vhost("*:18083", "rewrite-late.test"),
        vhost("*:18083", "nested.test"),
        vhost("*:18083", "v24.test"),
        vhost("*:18083", "v22.test"),
        vhost("*:18083", "never-defined.test"),
    );
    sandbox.write("apache2/apache2.conf", &hand_made_conf(&body));
    check_vhosts("conditionals", &httpd, &sandbox, &["later.test", "never-defined.test"]);
}

/// A vhost with several addresses (IPv4, IPv6 `[::1]`, `*`) is in each
/// address's set; `ADDR` without a port is `ADDR:*`.
#[test]
fn multi_address_vhosts_match_httpd() {
    let Some(httpd) = Httpd::find("multi_address_vhosts_match_httpd") else { return };
    let sandbox = Sandbox::new();
    let body = [
        "Listen 18084\nListen 18085\n".to_string(),
        vhost("127.0.0.1:18084 [::1]:18084", "both.test"),
        vhost("[::1]:18084", "v6-only.test"),
        vhost("*:18085 127.0.0.1:18084", "star-and-ip.test"),
        vhost("127.0.0.1:18084", "ip-only.test"),
        vhost("[::1]:18085 *:18085", "v6-and-star.test"),
        vhost("127.0.0.1", "no-port.test"),
    ]
    .concat();
    sandbox.write("apache2/apache2.conf", &hand_made_conf(&body));
    check_vhosts("multi-address vhosts", &httpd, &sandbox, &[]);
}

/// `[::]` and `0.0.0.0` are the IPv6 and IPv4 "any" addresses: httpd treats
/// them as wildcards and puts them in the `*:P` set (server/vhost.c compares
/// the address with inaddr_any), printed as `*:P`. certbot's Debian trees use
/// `<VirtualHost *:80 [::]:80>`.
#[test]
fn any_addresses_join_the_wildcard_set_like_httpd() {
    let Some(httpd) = Httpd::find("any_addresses_join_the_wildcard_set_like_httpd") else { return };
    let sandbox = Sandbox::new();
    let body = [
        "Listen 18086\n".to_string(),
        vhost("[::]:18086", "v6-any.test"),
        vhost("*:18086", "star.test"),
        vhost("0.0.0.0:18086", "v4-any.test"),
        vhost("*:18086 [::]:18086", "star-and-v6-any.test"),
    ]
    .concat();
    sandbox.write("apache2/apache2.conf", &hand_made_conf(&body));
    check_vhosts("[::] and 0.0.0.0", &httpd, &sandbox, &[]);
}

// ---------------------------------------------------------------------------
// 3. Fixes that httpd accepts.
// ---------------------------------------------------------------------------

/// Debian's stock tree: `--fix` changes security.conf (ServerTokens,
/// ServerSignature) through its conf-enabled symlink, apache2.conf (HT024:
/// `Options Indexes FollowSymLinks` on /var/www/ loses `Indexes`) and the
/// disabled mods-available/userdir.conf (HT024 again: files no tree reads are
/// checked as fragments), leaves HT003 (the catch-all is an unsafe fix there,
/// 000-default.conf has no ServerName) and TL001 (the disabled
/// mods-available/ssl.conf's `SSLProtocol all -SSLv3`), and is idempotent;
/// `--fix --unsafe-fixes` then adds the catch-all to
/// sites-available/000-default.conf, sets ssl.conf's protocols and leaves
/// nothing. httpd accepts every step, and its vhost table still equals
/// conflint's.
#[test]
fn fixes_on_debian_etc_apache2_are_accepted_by_httpd() {
    let test = "fixes_on_debian_etc_apache2_are_accepted_by_httpd";
    let Some((httpd, sandbox)) = debian_etc_apache2(test) else { return };
    let conf = sandbox.conf();
    httpd.assert_syntax_ok(&sandbox, "as installed");
    let original = snapshot(&conf);
    let links: Vec<&String> = original.iter().filter(|(_, e)| matches!(e, Entry::Link(_))).map(|(k, _)| k).collect();
    assert!(
        links.iter().any(|l| l.as_str() == "conf-enabled/security.conf"),
        "the copy should have Debian's *-enabled symlinks, found {links:?}"
    );

    // --fix: only the safe fixes.
    let out = conflint(&sandbox, &["--fix"]);
    assert_eq!(out.status.code(), Some(1), "HT003 remains after --fix, so the exit status is 1:\n{}", text(&out));
    httpd.assert_syntax_ok(&sandbox, "after conflint --fix");
    let after_safe = snapshot(&conf);
    let expected: BTreeSet<String> =
        ["apache2.conf", "conf-available/security.conf", "mods-available/userdir.conf"].map(String::from).into();
    assert_eq!(changed(&original, &after_safe), expected, "conflint --fix changed other files:\n{}", text(&out));
    for link in &links {
        assert_eq!(after_safe[*link], original[*link], "{link} is no longer the same symlink");
    }
    let (Entry::File(bytes, mode), Entry::File(_, old_mode)) =
        (&after_safe["conf-available/security.conf"], &original["conf-available/security.conf"])
    else {
        panic!("conf-available/security.conf is not a file")
    };
    assert_eq!(mode, old_mode, "conflint --fix changed the permissions of security.conf");
    let security = String::from_utf8_lossy(bytes);
    assert!(security.contains("\nServerTokens Prod\n") && security.contains("\nServerSignature Off\n"), "{security}");
    let Entry::File(apache2, _) = &after_safe["apache2.conf"] else { panic!("apache2.conf is not a file") };
    let apache2 = String::from_utf8_lossy(apache2);
    assert!(apache2.contains("\tOptions FollowSymLinks\n"), "HT024 dropped Indexes on /var/www/:\n{apache2}");
    let mut codes: Vec<String> = findings(&sandbox).into_iter().map(|(code, _, _)| code).collect();
    codes.sort();
    assert_eq!(codes, ["HT003", "TL001"], "after --fix exactly HT003 and TL001 (unsafe fixes) should remain");

    // --fix again: nothing changes.
    let out = conflint(&sandbox, &["--fix"]);
    assert_eq!(
        changed(&after_safe, &snapshot(&conf)),
        BTreeSet::new(),
        "a second --fix changed files:\n{}",
        text(&out)
    );

    // --fix --unsafe-fixes: the catch-all, written through the symlink.
    let out = conflint(&sandbox, &["--fix", "--unsafe-fixes"]);
    assert_eq!(out.status.code(), Some(0), "nothing should remain:\n{}", text(&out));
    httpd.assert_syntax_ok(&sandbox, "after conflint --fix --unsafe-fixes");
    let after_unsafe = snapshot(&conf);
    let expected: BTreeSet<String> =
        ["mods-available/ssl.conf", "sites-available/000-default.conf"].map(String::from).into();
    assert_eq!(changed(&after_safe, &after_unsafe), expected, "--unsafe-fixes changed other files:\n{}", text(&out));
    for link in &links {
        assert_eq!(after_unsafe[*link], original[*link], "{link} is no longer the same symlink");
    }
    assert_eq!(findings(&sandbox), [], "nothing should remain after --fix --unsafe-fixes");
    let out = conflint(&sandbox, &["--fix", "--unsafe-fixes"]);
    assert_eq!(changed(&after_unsafe, &snapshot(&conf)), BTreeSet::new(), "not idempotent:\n{}", text(&out));

    // httpd now picks the catch-all first for *:80, and conflint agrees.
    let table = httpd.vhosts(&sandbox);
    assert_eq!(table["*:80"][0].name.as_deref(), Some("catchall.invalid"), "{table:#?}");
    assert_same_vhosts("copy of /etc/apache2 after the fixes", &table, &conflint_vhosts(&sandbox), &[]);
}

/// Every certbot tree (adapted as in `certbot_tree`) after
/// `conflint --fix --unsafe-fixes`: httpd accepts it, every address:port's
/// default vhost is now the catch-all, and a second run changes nothing.
/// conflint exits 2 on augeas_vhosts and multiple_vhosts because of
/// conf-available/bad_conf_file.conf (an unclosed <VirtualHost> that nothing
/// includes); that must be the only parse problem, and the other files must
/// be fixed anyway.
#[test]
fn unsafe_fixes_on_certbot_trees_are_accepted_by_httpd() {
    let test = "unsafe_fixes_on_certbot_trees_are_accepted_by_httpd";
    let mut failures = Vec::new();
    for tree in ["augeas_vhosts", "default_vhost", "multi_vhosts", "multi_vhosts+ssl", "multiple_vhosts"] {
        let Some((httpd, sandbox)) = certbot_tree(test, tree) else { return };
        httpd.assert_syntax_ok(&sandbox, &format!("({tree}, adapted, before any fix)"));
        let before = snapshot(&sandbox.conf());
        let out = conflint(&sandbox, &["--fix", "--unsafe-fixes"]);
        let after = snapshot(&sandbox.conf());
        let parse_errors: Vec<_> =
            findings(&sandbox).into_iter().filter(|(code, _, _)| code.starts_with("CL")).collect();
        let bad_conf_only = parse_errors
            .iter()
            .all(|(code, path, _)| code == "CL001" && path.ends_with("conf-available/bad_conf_file.conf"));
        if !bad_conf_only || !matches!(out.status.code(), Some(0..=2)) {
            failures.push(format!("{tree}: conflint failed: {parse_errors:?}\n{}", text(&out)));
            continue;
        }
        if changed(&before, &after).is_empty() {
            failures.push(format!("{tree}: conflint --fix --unsafe-fixes changed nothing:\n{}", text(&out)));
        }
        if let Err(msg) = httpd.syntax_check(&sandbox) {
            failures.push(format!("{tree}: apache2 -t rejects the fixed tree:\n{msg}"));
            continue;
        }
        for (address, sites) in httpd.vhosts(&sandbox) {
            if sites[0].name.as_deref() != Some("catchall.invalid") {
                failures.push(format!("{tree}: after the fix, httpd's default for {address} is {}", sites[0].show()));
            }
        }
        let again = conflint(&sandbox, &["--fix", "--unsafe-fixes"]);
        let diff = changed(&after, &snapshot(&sandbox.conf()));
        if !diff.is_empty() {
            failures.push(format!("{tree}: a second run changed {diff:?}:\n{}", text(&again)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The HT003 catch-all refuses with `Require all denied`, a mod_authz_core
/// directive. A tree that does not load mod_authz_core (a minimal hand-made
/// httpd.conf; without authz modules httpd grants every request) must still
/// pass `apache2 -t` after the fix (HT003's fix is always unsafe; only
/// HT003 is selected, since HT027's `.ht*` block would need mod_authz_core).
#[test]
fn catch_all_fix_without_authz_core_is_accepted_by_httpd() {
    let Some(httpd) = Httpd::find("catch_all_fix_without_authz_core_is_accepted_by_httpd") else { return };
    let sandbox = Sandbox::new();
    let body = [
        "ServerTokens Prod\nServerSignature Off\nTraceEnable Off\nListen 127.0.0.1:18087\n".to_string(),
        vhost("127.0.0.1:18087", "one.test"),
        vhost("127.0.0.1:18087", "two.test"),
    ]
    .concat();
    sandbox.write("apache2/apache2.conf", &hand_made_conf(&body));
    httpd.assert_syntax_ok(&sandbox, "before the fix");
    let out = conflint(&sandbox, &["--fix", "--unsafe-fixes", "--select", "HT003"]);
    let fixed = fs::read_to_string(sandbox.conf().join("apache2.conf")).unwrap();
    assert!(fixed.contains("catchall.invalid"), "conflint did not add a catch-all:\n{}", text(&out));
    if let Err(msg) = httpd.syntax_check(&sandbox) {
        panic!("apache2 -t rejects the fixed tree:\n{msg}\n--- apache2.conf after conflint --fix:\n{fixed}");
    }
}

// ---------------------------------------------------------------------------
// 4. A live server.
// ---------------------------------------------------------------------------

/// A free TCP port on the loopback interface.
use common::free_port;

/// The user httpd's children run as when started by root.
fn run_user() -> &'static str {
    let passwd = fs::read_to_string("/etc/passwd").unwrap_or_default();
    if passwd.lines().any(|l| l.starts_with("www-data:")) { "www-data" } else { "nobody" }
}

struct Response {
    status: u16,
    head: String,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }
}

/// `GET / HTTP/1.1` with this Host header, by hand.
fn get(port: u16, host: &str) -> std::io::Result<Response> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(stream, "GET / HTTP/1.1\r\nHost: {host}\r\nUser-Agent: conflint-system-test\r\nConnection: close\r\n\r\n")?;
    stream.flush()?;
    let _ = stream.shutdown(Shutdown::Write);
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidData, format!("not an HTTP response: {raw:?}"))
    })?;
    Ok(Response { status, head: head.to_string(), body: body.to_string() })
}

/// A server started with `apache2 -k start`; dropping it stops it (also when
/// an assertion failed): `-k stop`, then SIGKILL if it is still there.
struct Server<'a> {
    httpd: &'a Httpd,
    sandbox: &'a Sandbox,
    pid: Option<i32>,
}

impl<'a> Server<'a> {
    fn start(httpd: &'a Httpd, sandbox: &'a Sandbox, port: u16) -> Server<'a> {
        let pid_file = sandbox.path("run/apache2.pid");
        let _ = fs::remove_file(&pid_file);
        let log = sandbox.path("log/start.log");
        let file = fs::File::create(&log).expect("start log");
        // The daemon must not hold a pipe of ours: output goes to a file.
        let status = httpd
            .command(sandbox, &["-k", "start"])
            .stdout(file.try_clone().expect("dup"))
            .stderr(file)
            .status()
            .expect("apache2 -k start");
        let mut server = Server { httpd, sandbox, pid: None };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            server.pid = server.pid.or_else(|| read_pid(&pid_file));
            if server.pid.is_some() && TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            if Instant::now() > deadline || (!status.success() && server.pid.is_none()) {
                panic!(
                    "apache2 -k start did not bring up 127.0.0.1:{port} ({status}):\n{}\n--- error.log:\n{}",
                    fs::read_to_string(&log).unwrap_or_default(),
                    fs::read_to_string(sandbox.path("log/error.log")).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server<'_> {
    fn drop(&mut self) {
        let _ = self.httpd.command(self.sandbox, &["-k", "stop"]).stdout(Stdio::null()).stderr(Stdio::null()).status();
        let pid = self.pid.or_else(|| read_pid(&self.sandbox.path("run/apache2.pid")));
        let Some(pid) = pid else { return };
        let deadline = Instant::now() + Duration::from_secs(10);
        while alive(pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        if alive(pid) {
            // SAFETY: kill(2) on the pid of the httpd parent this test started.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }
}

fn read_pid(path: &Path) -> Option<i32> {
    fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Whether the process exists and is not a zombie (a daemonized httpd is
/// reparented, and a container's init may not reap it at once).
fn alive(pid: i32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat.rsplit_once(") ").is_some_and(|(_, rest)| !rest.starts_with('Z')),
        // SAFETY: kill(2) with signal 0 only checks that the pid exists.
        Err(_) => unsafe { libc::kill(pid, 0) == 0 },
    }
}

/// Two name-based vhosts on 127.0.0.1:PORT, no catch-all, Debian's
/// ServerTokens OS / ServerSignature On. Before the fix an unknown Host is
/// served by one.test (the incident); after `conflint --fix --unsafe-fixes`
/// it is refused with 403 or 421, both sites still work, and the Server
/// header is exactly `Apache`.
#[test]
fn live_server_refuses_unknown_host_after_fix() {
    let Some(httpd) = Httpd::find("live_server_refuses_unknown_host_after_fix") else { return };
    let sandbox = Sandbox::new();
    let port = free_port();
    let root = sandbox.root.display().to_string();
    for site in ["one", "two"] {
        sandbox.write(&format!("www/{site}/index.html"), &format!("<h1>page of {site}.test</h1>\n"));
    }
    let mut body = format!(
        "LoadModule authz_core_module {MODULES}/mod_authz_core.so\n\
         LoadModule dir_module {MODULES}/mod_dir.so\n\
         User {user}\nGroup {group}\n\
         Mutex file:${{APACHE_LOCK_DIR}} default\n\
         DirectoryIndex index.html\n\
         ServerTokens OS\n\
         ServerSignature On\n\
         Listen 127.0.0.1:{port}\n\
         <Directory />\n    AllowOverride None\n    Require all denied\n</Directory>\n\
         <Directory {root}/www>\n    Require all granted\n</Directory>\n",
        user = run_user(),
        group = if run_user() == "nobody" { "nogroup" } else { "www-data" },
    );
    for site in ["one", "two"] {
        let _ = write!(
            body,
            "\n<VirtualHost 127.0.0.1:{port}>\n    ServerName {site}.test\n    DocumentRoot {root}/www/{site}\n</VirtualHost>\n"
        );
    }
    sandbox.write("apache2/apache2.conf", &hand_made_conf(&body));
    httpd.assert_syntax_ok(&sandbox, "before the fix");
    check_vhosts("live tree", &httpd, &sandbox, &[]);

    {
        let _server = Server::start(&httpd, &sandbox, port);
        let unknown = get(port, UNKNOWN_HOST).expect("request");
        assert_eq!(unknown.status, 200, "before the fix the unknown host is served by one.test:\n{}", unknown.head);
        assert!(unknown.body.contains("page of one.test"), "before the fix: {}", unknown.body);
        let server = get(port, "one.test").expect("request");
        assert!(server.header("Server").is_some_and(|s| s.starts_with("Apache/2")), "{}", server.head);
    }

    let out = conflint(&sandbox, &["--fix", "--unsafe-fixes"]);
    httpd.assert_syntax_ok(&sandbox, "after conflint --fix --unsafe-fixes");
    let remaining = findings(&sandbox);
    assert!(!remaining.iter().any(|(code, _, _)| code == "HT003"), "HT003 remains: {remaining:?}\n{}", text(&out));

    let _server = Server::start(&httpd, &sandbox, port);
    let fixed = fs::read_to_string(sandbox.conf().join("apache2.conf")).unwrap();
    let unknown = get(port, UNKNOWN_HOST).expect("request");
    assert!(
        matches!(unknown.status, 403 | 421),
        "after the fix an unknown Host must be refused, got:\n{}\n{}\n--- apache2.conf:\n{fixed}",
        unknown.head,
        unknown.body
    );
    for site in ["one", "two"] {
        let response = get(port, &format!("{site}.test")).expect("request");
        assert_eq!(response.status, 200, "{site}.test after the fix:\n{}\n--- apache2.conf:\n{fixed}", response.head);
        assert!(response.body.contains(&format!("page of {site}.test")), "{site}.test: {}", response.body);
        assert_eq!(response.header("Server"), Some("Apache"), "{}", response.head);
    }
    assert_eq!(unknown.header("Server"), Some("Apache"), "{}", unknown.head);
    assert!(!unknown.body.contains("Apache/2"), "ServerSignature still shows the version:\n{}", unknown.body);
}

/// An HTTPS port whose only vhost is SSL, with a certificate. mod_ssl
/// decides TLS per connection from the address's *default* vhost, so the
/// catch-all conflint puts first must be SSL too, or the port stops speaking
/// TLS. Probe: a plain-HTTP request to an SSL port gets mod_ssl's 400
/// "You're speaking plain HTTP to an SSL-enabled server port".
fn https_port_stays_tls_after_fix(test: &str, ssl_engine: bool) {
    let Some(httpd) = Httpd::find(test) else { return };
    let sandbox = Sandbox::new();
    let port = free_port();
    let root = sandbox.root.display().to_string();
    let (cert, key) = test_certificate(&sandbox);
    sandbox.write("www/secure/index.html", "<h1>page of secure.test</h1>\n");
    let engine = if ssl_engine { "    SSLEngine on\n" } else { "" };
    let body = format!(
        "LoadModule authz_core_module {MODULES}/mod_authz_core.so\n\
         LoadModule socache_shmcb_module {MODULES}/mod_socache_shmcb.so\n\
         LoadModule ssl_module {MODULES}/mod_ssl.so\n\
         User {user}\nGroup {group}\n\
         Mutex file:${{APACHE_LOCK_DIR}} default\n\
         SSLSessionCache shmcb:${{APACHE_RUN_DIR}}/ssl_scache(512000)\n\
         ServerTokens Prod\nServerSignature Off\nTraceEnable Off\n\
         Listen 127.0.0.1:{port} https\n\
         <Directory {root}/www>\n    Require all granted\n</Directory>\n\
         <VirtualHost 127.0.0.1:{port}>\n    ServerName secure.test\n    DocumentRoot {root}/www/secure\n\
         {engine}    SSLCertificateFile {cert}\n    SSLCertificateKeyFile {key}\n</VirtualHost>\n",
        user = run_user(),
        group = if run_user() == "nobody" { "nogroup" } else { "www-data" },
        cert = cert.display(),
        key = key.display(),
    );
    sandbox.write("apache2/apache2.conf", &hand_made_conf(&body));
    httpd.assert_syntax_ok(&sandbox, "before the fix");
    let plain_http_to_tls = "speaking plain HTTP to an SSL-enabled server port";
    {
        let _server = Server::start(&httpd, &sandbox, port);
        let probe = get(port, "secure.test").expect("request");
        assert!(probe.body.contains(plain_http_to_tls), "before the fix the port speaks TLS:\n{}", probe.body);
    }

    let out = conflint(&sandbox, &["--fix", "--unsafe-fixes"]);
    let fixed = fs::read_to_string(sandbox.conf().join("apache2.conf")).unwrap();
    assert!(fixed.contains("catchall.invalid"), "conflint did not add a catch-all:\n{}", text(&out));
    httpd.assert_syntax_ok(&sandbox, "after conflint --fix --unsafe-fixes");
    let _server = Server::start(&httpd, &sandbox, port);
    let probe = get(port, "secure.test").expect("request");
    assert!(
        probe.body.contains(plain_http_to_tls),
        "after the fix 127.0.0.1:{port} no longer speaks TLS: a plain-HTTP request got\n{}\n{}\n\
         --- apache2.conf after conflint --fix --unsafe-fixes:\n{fixed}",
        probe.head,
        probe.body
    );
}

#[test]
fn live_https_port_with_sslengine_stays_tls_after_fix() {
    https_port_stays_tls_after_fix("live_https_port_with_sslengine_stays_tls_after_fix", true);
}

/// Without `SSLEngine`, a vhost on a `Listen ... https` port that has a
/// certificate is SSL-enabled by mod_ssl itself (Debian's default-ssl style
/// of certbot's default-ssl-port-only.conf, on `Listen 443`).
#[test]
fn live_https_port_without_sslengine_stays_tls_after_fix() {
    https_port_stays_tls_after_fix("live_https_port_without_sslengine_stays_tls_after_fix", false);
}

// ---------------------------------------------------------------------------
// 4. Safe fixes change only what they target, on a live server.
// ---------------------------------------------------------------------------

/// One request of the matrix: method, Host, path.
type Request = (&'static str, String, &'static str);

/// `METHOD path HTTP/1.1` with this Host, by hand.
fn request(port: u16, method: &str, host: &str, path: &str) -> std::io::Result<Response> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: conflint-system-test\r\nConnection: close\r\n\r\n"
    )?;
    stream.flush()?;
    let _ = stream.shutdown(Shutdown::Write);
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    Ok(Response { status, head: head.to_string(), body: body.to_string() })
}

/// The matrix of the issue: every name the tree serves, `localhost`,
/// `127.0.0.1`, a bogus Host; `/`, `/server-status`, a missing page; and a
/// TRACE.
fn request_matrix(names: &[&str], port: u16) -> Vec<Request> {
    let mut hosts: Vec<String> = names.iter().map(std::string::ToString::to_string).collect();
    hosts.extend(["localhost".to_string(), format!("127.0.0.1:{port}"), UNKNOWN_HOST.to_string()]);
    let mut out = Vec::new();
    for host in hosts {
        for path in ["/", "/server-status", "/no-such-page"] {
            out.push(("GET", host.clone(), path));
        }
        out.push(("TRACE", host.clone(), "/"));
    }
    out
}

/// What a client gets, without what the safe fixes target: the `Server`
/// header, the signature line of error pages, and TRACE's answer; and
/// without what changes from one start to the next (dates, uptime).
fn comparable(method: &str, path: &str, response: &Response) -> String {
    if method == "TRACE" {
        return "TRACE (targeted by HT007)".to_string();
    }
    // The status page reports counters and times: only whether it is served.
    if path == "/server-status" {
        return response.head.lines().next().unwrap_or_default().to_string();
    }
    // The length follows the signature line the fix removes.
    let skipped = ["server:", "date:", "keep-alive:", "connection:", "content-length:"];
    // httpd makes an ETag weak for a file changed in the last second.
    let head: Vec<String> = response
        .head
        .lines()
        .filter(|l| !skipped.iter().any(|h| l.to_ascii_lowercase().starts_with(h)))
        .map(|l| l.replace("ETag: W/", "ETag: "))
        .collect();
    // The signature is `<hr>` and `<address>...</address>` (ServerSignature).
    let body: Vec<&str> = response.body.lines().filter(|l| !l.contains("<address>") && l.trim() != "<hr>").collect();
    format!("{}\n{}", head.join("\n"), body.join("\n"))
}

/// Start httpd on the sandbox, send the matrix, stop it.
fn responses(httpd: &Httpd, sandbox: &Sandbox, port: u16, matrix: &[Request]) -> Vec<Response> {
    let _server = Server::start(httpd, sandbox, port);
    matrix
        .iter()
        .map(|(method, host, path)| {
            request(port, method, host, path).unwrap_or_else(|e| panic!("{method} {host}{path}: {e}"))
        })
        .collect()
}

/// Debian's /etc/apache2 (copied), listening on a loopback port, with two
/// named sites after the stock 000-default and mod_status on: `--fix` (the
/// safe fixes) changes only the `Server` header, the error-page signature
/// and TRACE; every other response of the matrix is the same byte for byte
/// (status, headers, body), for named sites, localhost, 127.0.0.1 and a
/// bogus Host.
#[test]
fn live_safe_fixes_change_only_their_targets_on_debian_tree() {
    let test = "live_safe_fixes_change_only_their_targets_on_debian_tree";
    let Some((httpd, sandbox)) = debian_etc_apache2(test) else { return };
    let conf = sandbox.conf();
    let port = free_port();
    let root = sandbox.root.display().to_string();
    edit_lines(&conf.join("ports.conf"), |line| {
        (line.trim() == "Listen 80").then(|| format!("Listen 127.0.0.1:{port}"))
    });
    edit_lines(&conf.join("ports.conf"), |line| line.trim_start().starts_with("Listen 443").then(|| "#".to_string()));
    edit_lines(&conf.join("sites-available/000-default.conf"), |line| {
        line.starts_with("<VirtualHost").then(|| format!("<VirtualHost *:{port}>"))
    });
    enable_module(&conf, "status");
    for site in ["shop", "blog"] {
        sandbox.write(&format!("www/{site}/index.html"), &format!("<h1>{site}</h1>\n"));
        sandbox.write(
            &format!("apache2/sites-available/{site}.conf"),
            &format!(
                "<VirtualHost *:{port}>\n    ServerName {site}.example.test\n    ServerAlias www.{site}.example.test\n    DocumentRoot {root}/www/{site}\n    <Directory {root}/www/{site}>\n        Require all granted\n    </Directory>\n</VirtualHost>\n"
            ),
        );
        symlink(format!("../sites-available/{site}.conf"), conf.join(format!("sites-enabled/{site}.conf")))
            .expect("a2ensite");
    }
    httpd.assert_syntax_ok(&sandbox, "as adapted");
    let names = ["shop.example.test", "www.shop.example.test", "blog.example.test", "www.blog.example.test"];
    let matrix = request_matrix(&names, port);
    let before = responses(&httpd, &sandbox, port, &matrix);

    let out = conflint(&sandbox, &["--fix"]);
    httpd.assert_syntax_ok(&sandbox, "after conflint --fix");
    assert!(text(&out).contains("Verified with apache2 -t"), "--fix verifies with apache2 -t:\n{}", text(&out));
    let after = responses(&httpd, &sandbox, port, &matrix);

    for ((request, old), new) in matrix.iter().zip(&before).zip(&after) {
        let (method, host, path) = request;
        assert_eq!(
            comparable(method, path, old),
            comparable(method, path, new),
            "{method} {host}{path} changed beyond its targets:\nbefore:\n{}\n{}\n\nafter:\n{}\n{}",
            old.head,
            old.body,
            new.head,
            new.body
        );
        if *method == "TRACE" {
            assert_eq!(new.status, 405, "TRACE {host} is refused after the fix:\n{}", new.head);
        } else {
            assert_eq!(new.header("Server"), Some("Apache"), "{method} {host}{path}:\n{}", new.head);
        }
    }
    // The local status page, what `apache2ctl status` fetches, works before and after.
    let status = matrix
        .iter()
        .position(|(m, h, p)| *m == "GET" && h == "localhost" && *p == "/server-status")
        .expect("in the matrix");
    assert_eq!((before[status].status, after[status].status), (200, 200));
}

/// The catch-all (HT003, unsafe): with `--fix --unsafe-fixes` a bogus Host
/// is refused, named sites are unchanged, and local clients keep working:
/// `localhost` and `127.0.0.1` still get `/server-status` (`apache2ctl
/// status`) from 127.0.0.1.
#[test]
fn live_catch_all_refuses_bogus_hosts_and_keeps_local_status() {
    let test = "live_catch_all_refuses_bogus_hosts_and_keeps_local_status";
    let Some((httpd, sandbox)) = debian_etc_apache2(test) else { return };
    let conf = sandbox.conf();
    let port = free_port();
    let root = sandbox.root.display().to_string();
    edit_lines(&conf.join("ports.conf"), |line| {
        (line.trim() == "Listen 80").then(|| format!("Listen 127.0.0.1:{port}"))
    });
    edit_lines(&conf.join("ports.conf"), |line| line.trim_start().starts_with("Listen 443").then(|| "#".to_string()));
    // The stock site with its shipped `#ServerName www.example.com` uncommented.
    edit_lines(&conf.join("sites-available/000-default.conf"), |line| {
        if line.starts_with("<VirtualHost") {
            Some(format!("<VirtualHost *:{port}>"))
        } else if line.trim() == "#ServerName www.example.com" {
            Some("\tServerName www.example.com".to_string())
        } else {
            None
        }
    });
    enable_module(&conf, "status");
    sandbox.write("www/shop/index.html", "<h1>shop</h1>\n");
    sandbox.write(
        "apache2/sites-enabled/shop.conf",
        &format!("<VirtualHost *:{port}>\n    ServerName shop.example.test\n    DocumentRoot {root}/www/shop\n    <Directory {root}/www/shop>\n        Require all granted\n    </Directory>\n</VirtualHost>\n"),
    );
    httpd.assert_syntax_ok(&sandbox, "as adapted");
    let local = [("localhost", "/server-status"), ("127.0.0.1", "/server-status")];
    {
        let _server = Server::start(&httpd, &sandbox, port);
        for (host, path) in local {
            let r = request(port, "GET", host, path).expect("request");
            assert_eq!(r.status, 200, "before the fix {host}{path}:\n{}", r.head);
        }
        assert_eq!(request(port, "GET", UNKNOWN_HOST, "/").expect("request").status, 200, "the incident: served");
    }
    let out = conflint(&sandbox, &["--fix", "--unsafe-fixes"]);
    httpd.assert_syntax_ok(&sandbox, "after --fix --unsafe-fixes");
    assert!(!findings(&sandbox).iter().any(|(c, _, _)| c == "HT003"), "HT003 remains:\n{}", text(&out));
    let _server = Server::start(&httpd, &sandbox, port);
    for (host, path) in local {
        let r = request(port, "GET", host, path).expect("request");
        assert_eq!(
            r.status, 200,
            "after the fix {host}{path} (apache2ctl status) must still work:\n{}\n{}",
            r.head, r.body
        );
    }
    let bogus = request(port, "GET", UNKNOWN_HOST, "/").expect("request");
    assert!((400..500).contains(&bogus.status), "a bogus Host is refused after the fix:\n{}", bogus.head);
    for host in ["www.example.com", "shop.example.test"] {
        let r = request(port, "GET", host, "/").expect("request");
        assert_eq!(r.status, 200, "{host} is unchanged:\n{}", r.head);
    }
}

// ---------------------------------------------------------------------------
// 5. Hardening and TLS rules (issue 16), proved on a live server.
// ---------------------------------------------------------------------------

/// The `User`/`Group` lines httpd's children need when the test runs as root.
fn run_as() -> String {
    let group = if run_user() == "nobody" { "nogroup" } else { "www-data" };
    format!("User {}\nGroup {group}\n", run_user())
}

/// A TCP connection to 127.0.0.1:`port` whose source address is `from`
/// (another loopback address), so httpd sees a client other than 127.0.0.1.
fn connect_from(from: [u8; 4], port: u16) -> std::io::Result<TcpStream> {
    use std::os::fd::FromRawFd;
    let address = |ip: [u8; 4], port: u16| libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        // The bytes in memory are the address in network order.
        sin_addr: libc::in_addr { s_addr: u32::from_ne_bytes(ip) },
        sin_zero: [0; 8],
    };
    let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    // SAFETY: socket(2) with constant arguments; the descriptor is handed to
    // a TcpStream at once, which closes it on every path.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: fd is a fresh socket this function owns.
    let stream = unsafe { TcpStream::from_raw_fd(fd) };
    let local = address(from, 0);
    let remote = address([127, 0, 0, 1], port);
    // SAFETY: bind(2)/connect(2) on our socket with sockaddr_in values that
    // live for the duration of the calls and the matching length.
    unsafe {
        if libc::bind(fd, std::ptr::from_ref(&local).cast(), len) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        if libc::connect(fd, std::ptr::from_ref(&remote).cast(), len) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(stream)
}

/// `GET path HTTP/1.1` from source address `from`, with extra header lines.
fn get_from(from: [u8; 4], port: u16, host: &str, path: &str, headers: &str) -> std::io::Result<Response> {
    let mut stream = connect_from(from, port)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {host}\r\n{headers}Connection: close\r\n\r\n")?;
    stream.flush()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    Ok(Response { status, head: head.to_string(), body: body.to_string() })
}

/// The codes conflint reports for the sandbox (only `select`ed rules).
fn codes(sandbox: &Sandbox, select: &str) -> Vec<String> {
    let out = conflint(sandbox, &["--format", "json", "--select", select]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", text(&out)));
    json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|d| d["code"].as_str().map(str::to_string))
        .collect()
}

/// HT020: `ProxyRequests On` with `<Proxy *>` granting everyone. httpd
/// really relays a request for another host (a listener of this test on a
/// second loopback port) to any client: the finding is an open proxy.
/// With `Require ip` in `<Proxy *>` the same request is refused and the
/// finding is gone.
#[test]
fn live_open_forward_proxy_relays_to_another_host() {
    let test = "live_open_forward_proxy_relays_to_another_host";
    let Some(httpd) = Httpd::find(test) else { return };
    // The "other host": answers a few requests with a marker, then stops.
    let origin = std::net::TcpListener::bind("127.0.0.1:0").expect("origin listener");
    let origin_port = origin.local_addr().expect("origin address").port();
    origin.set_nonblocking(true).expect("nonblocking");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopped = std::sync::Arc::clone(&stop);
    let served = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut count = 0;
        while count < 4 && Instant::now() < deadline && !stopped.load(std::sync::atomic::Ordering::SeqCst) {
            match origin.accept() {
                Ok((mut conn, _)) => {
                    conn.set_nonblocking(false).ok();
                    conn.set_read_timeout(Some(Duration::from_secs(5))).ok();
                    let mut buf = [0u8; 4096];
                    let _ = conn.read(&mut buf);
                    let body = "origin-only-content\n";
                    let _ = write!(
                        conn,
                        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    count += 1;
                }
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        count
    });
    let sandbox = Sandbox::new();
    let port = free_port();
    let conf = |access: &str| {
        hand_made_conf(&format!(
            "LoadModule authz_core_module {MODULES}/mod_authz_core.so\n\
             LoadModule authz_host_module {MODULES}/mod_authz_host.so\n\
             LoadModule proxy_module {MODULES}/mod_proxy.so\n\
             LoadModule proxy_http_module {MODULES}/mod_proxy_http.so\n\
             {}Mutex file:${{APACHE_LOCK_DIR}} default\n\
             Listen 127.0.0.1:{port}\n\
             ProxyRequests On\n\
             <Proxy \"*\">\n    {access}\n</Proxy>\n",
            run_as()
        ))
    };
    sandbox.write("apache2/apache2.conf", &conf("Require all granted"));
    httpd.assert_syntax_ok(&sandbox, "with the open proxy");
    assert!(codes(&sandbox, "HT020").contains(&"HT020".to_string()), "HT020 must report the open proxy");
    let target = format!("http://127.0.0.1:{origin_port}/");
    {
        let _server = Server::start(&httpd, &sandbox, port);
        let relayed = request(port, "GET", &format!("127.0.0.1:{origin_port}"), &target).expect("proxied request");
        assert_eq!(relayed.status, 200, "httpd relays to another host for anyone:\n{}", relayed.head);
        assert!(relayed.body.contains("origin-only-content"), "the body comes from the other host: {}", relayed.body);
    }
    sandbox.write("apache2/apache2.conf", &conf("Require ip 192.0.2.0/24"));
    httpd.assert_syntax_ok(&sandbox, "with the proxy restricted");
    assert!(!codes(&sandbox, "HT020").contains(&"HT020".to_string()), "a restricted proxy is no finding");
    {
        let _server = Server::start(&httpd, &sandbox, port);
        let refused = request(port, "GET", &format!("127.0.0.1:{origin_port}"), &target).expect("proxied request");
        assert_eq!(refused.status, 403, "a client outside `Require ip` is refused:\n{}", refused.head);
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(served.join().expect("origin thread"), 1, "only the open proxy reached the other host");
}

/// HT021: `/server-status` with `Require all granted`. Before the fix it
/// is served to a remote client (a request from 127.0.0.2 through a
/// loopback reverse proxy that mod_remoteip trusts, `X-Forwarded-For:
/// 203.0.113.9`: httpd counts every 127.0.0.0/8 address as local, so only
/// a forwarded address is remote on one machine); after `--fix
/// --unsafe-fixes` (`Require local`) that client gets 403, while
/// 127.0.0.1 and 127.0.0.2 themselves (what `apachectl status` uses) still
/// get the page.
#[test]
fn live_status_page_refused_to_remote_clients_after_fix() {
    let test = "live_status_page_refused_to_remote_clients_after_fix";
    let Some(httpd) = Httpd::find(test) else { return };
    let sandbox = Sandbox::new();
    let port = free_port();
    let body = format!(
        "LoadModule authz_core_module {MODULES}/mod_authz_core.so\n\
         LoadModule authz_host_module {MODULES}/mod_authz_host.so\n\
         LoadModule status_module {MODULES}/mod_status.so\n\
         LoadModule remoteip_module {MODULES}/mod_remoteip.so\n\
         {}Mutex file:${{APACHE_LOCK_DIR}} default\n\
         Listen 127.0.0.1:{port}\n\
         RemoteIPHeader X-Forwarded-For\n\
         RemoteIPInternalProxy 127.0.0.2\n\
         <Location \"/server-status\">\n    SetHandler server-status\n    Require all granted\n</Location>\n",
        run_as()
    );
    sandbox.write("apache2/apache2.conf", &hand_made_conf(&body));
    httpd.assert_syntax_ok(&sandbox, "before the fix");
    let remote = "X-Forwarded-For: 203.0.113.9\r\n";
    {
        let _server = Server::start(&httpd, &sandbox, port);
        let r = get_from([127, 0, 0, 2], port, "main.test", "/server-status", remote).expect("request");
        assert_eq!(r.status, 200, "before the fix a remote client reads the status page:\n{}", r.head);
        assert!(r.body.contains("Apache Server Status"), "{}", r.body);
    }
    let out = conflint(&sandbox, &["--fix", "--unsafe-fixes", "--select", "HT021"]);
    httpd.assert_syntax_ok(&sandbox, "after the fix");
    let fixed = fs::read_to_string(sandbox.conf().join("apache2.conf")).unwrap();
    assert!(fixed.contains("Require local"), "the fix writes `Require local`:\n{}\n{fixed}", text(&out));
    assert!(codes(&sandbox, "HT021").is_empty(), "HT021 is gone after the fix");
    let _server = Server::start(&httpd, &sandbox, port);
    let r = get_from([127, 0, 0, 2], port, "main.test", "/server-status", remote).expect("request");
    assert_eq!(r.status, 403, "after the fix the remote client is refused:\n{}\n--- apache2.conf:\n{fixed}", r.head);
    for from in [[127, 0, 0, 1], [127, 0, 0, 2]] {
        let r = get_from(from, port, "localhost", "/server-status", "").expect("request");
        assert_eq!(r.status, 200, "a local client ({from:?}) still reads the page:\n{}", r.head);
    }
}

/// HT032: the CIS "old protocol" rewrite with `Protocols h2c http/1.1`.
/// Before the fix, curl over HTTP/2 (prior knowledge, cleartext) gets 403
/// while HTTP/1.1 gets the page; after the safe `--fix`, HTTP/2 gets the
/// page and HTTP/1.0 is still refused, as the benchmark wants.
#[test]
fn live_protocol_rewrite_blocks_http2_until_fixed() {
    let test = "live_protocol_rewrite_blocks_http2_until_fixed";
    let Some(httpd) = Httpd::find(test) else { return };
    let Some(curl) = common::system_tool("curl", test) else { return };
    let sandbox = Sandbox::new();
    let port = free_port();
    let root = sandbox.root.display().to_string();
    sandbox.write("www/index.html", "<h1>served</h1>\n");
    let body = format!(
        "LoadModule authz_core_module {MODULES}/mod_authz_core.so\n\
         LoadModule rewrite_module {MODULES}/mod_rewrite.so\n\
         LoadModule http2_module {MODULES}/mod_http2.so\n\
         {}Mutex file:${{APACHE_LOCK_DIR}} default\n\
         Listen 127.0.0.1:{port}\n\
         Protocols h2c http/1.1\n\
         DocumentRoot {root}/www\n\
         <Directory {root}/www>\n    Require all granted\n</Directory>\n\
         RewriteEngine On\n\
         RewriteCond %{{THE_REQUEST}} !HTTP/1\\.1$\n\
         RewriteRule .* - [F]\n",
        run_as()
    );
    sandbox.write("apache2/apache2.conf", &hand_made_conf(&body));
    httpd.assert_syntax_ok(&sandbox, "before the fix");
    let fetch = |flag: &str| -> (String, String) {
        let out = Command::new(&curl)
            .args(["-sS", "-o", "/dev/null", "-w", "%{http_code} %{http_version}", "--max-time", "10", flag])
            .arg(format!("http://127.0.0.1:{port}/index.html"))
            .output()
            .expect("curl");
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        let (code, version) = said.split_once(' ').unwrap_or((&said, ""));
        (code.to_string(), version.to_string())
    };
    {
        let _server = Server::start(&httpd, &sandbox, port);
        assert_eq!(fetch("--http2-prior-knowledge"), ("403".into(), "2".into()), "HTTP/2 is refused before the fix");
        assert_eq!(fetch("--http1.1").0, "200", "HTTP/1.1 is served before the fix");
    }
    assert!(codes(&sandbox, "HT032").contains(&"HT032".to_string()), "HT032 reports the rewrite");
    let out = conflint(&sandbox, &["--fix", "--select", "HT032"]);
    httpd.assert_syntax_ok(&sandbox, "after the fix");
    assert!(codes(&sandbox, "HT032").is_empty(), "HT032 is gone after --fix:\n{}", text(&out));
    let _server = Server::start(&httpd, &sandbox, port);
    assert_eq!(fetch("--http2-prior-knowledge"), ("200".into(), "2".into()), "HTTP/2 is served after the fix");
    assert_eq!(fetch("--http1.1").0, "200", "HTTP/1.1 is still served");
    assert_eq!(fetch("--http1.0").0, "403", "HTTP/1.0 is still refused, as CIS 5.9 intends");
}

/// One TLS handshake with `openssl s_client`: `Some("TLSv1.2 ECDHE-...")`
/// (protocol and cipher) when it succeeds, `None` when the server refuses.
fn handshake(openssl: &Path, port: u16, args: &[&str]) -> Option<String> {
    let out = Command::new(openssl)
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}"), "-servername", "secure.test", "-brief"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("openssl s_client");
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let field = |name: &str| said.lines().find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()));
    match (out.status.success(), field("Protocol version:"), field("Ciphersuite:")) {
        (true, Some(protocol), Some(cipher)) => Some(format!("{protocol} {cipher}")),
        _ => None,
    }
}

/// TL001 + TL002 on a live mod_ssl: `SSLProtocol all` and `SSLCipherSuite
/// HIGH:MEDIUM:@SECLEVEL=0` (`@SECLEVEL=0` is the only way OpenSSL 3 still
/// negotiates TLS 1.1). Debian's OpenSSL 3 has no RC4, 3DES, DES, IDEA or
/// SEED suite at all, and mod_ssl 2.4 adds `!aNULL:!eNULL:!EXP` to every
/// cipher string (a NULL suite was tried here and refused before any fix),
/// so the suite probed is `AES128-SHA`: no forward secrecy, CBC, not in
/// Mozilla's list. Before the fix a TLS 1.1 client and an `AES128-SHA`
/// client connect; after `--fix --unsafe-fixes` both are refused and TLS
/// 1.2 (ECDHE) and 1.3 clients still connect.
#[test]
fn live_tls_fix_refuses_old_protocols_and_weak_ciphers() {
    let test = "live_tls_fix_refuses_old_protocols_and_weak_ciphers";
    let Some(httpd) = Httpd::find(test) else { return };
    let Some(openssl) = common::system_tool("openssl", test) else { return };
    let sandbox = Sandbox::new();
    let port = free_port();
    let root = sandbox.root.display().to_string();
    let (cert, key) = test_certificate(&sandbox);
    sandbox.write("www/secure/index.html", "<h1>secure</h1>\n");
    let body = format!(
        "LoadModule authz_core_module {MODULES}/mod_authz_core.so\n\
         LoadModule socache_shmcb_module {MODULES}/mod_socache_shmcb.so\n\
         LoadModule ssl_module {MODULES}/mod_ssl.so\n\
         {}Mutex file:${{APACHE_LOCK_DIR}} default\n\
         SSLSessionCache shmcb:${{APACHE_RUN_DIR}}/ssl_scache(512000)\n\
         Listen 127.0.0.1:{port} https\n\
         <Directory {root}/www>\n    Require all granted\n</Directory>\n\
         <VirtualHost 127.0.0.1:{port}>\n    ServerName secure.test\n    DocumentRoot {root}/www/secure\n\
         \x20   SSLEngine on\n    SSLCertificateFile {cert}\n    SSLCertificateKeyFile {key}\n\
         \x20   SSLProtocol all\n    SSLCipherSuite HIGH:MEDIUM:@SECLEVEL=0\n</VirtualHost>\n",
        run_as(),
        cert = cert.display(),
        key = key.display(),
    );
    sandbox.write("apache2/apache2.conf", &hand_made_conf(&body));
    httpd.assert_syntax_ok(&sandbox, "before the fix");
    let tls11 = ["-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"];
    let non_fs = ["-tls1_2", "-cipher", "AES128-SHA:@SECLEVEL=0"];
    {
        let _server = Server::start(&httpd, &sandbox, port);
        let old = handshake(&openssl, port, &tls11);
        assert!(old.as_deref().is_some_and(|h| h.starts_with("TLSv1.1")), "before the fix TLS 1.1 connects: {old:?}");
        let weak = handshake(&openssl, port, &non_fs);
        assert_eq!(weak.as_deref(), Some("TLSv1.2 AES128-SHA"), "before the fix AES128-SHA is accepted");
    }
    let found = codes(&sandbox, "TL001,TL002");
    assert!(found.contains(&"TL001".to_string()) && found.contains(&"TL002".to_string()), "{found:?}");
    let out = conflint(&sandbox, &["--fix", "--unsafe-fixes", "--select", "TL001,TL002"]);
    httpd.assert_syntax_ok(&sandbox, "after the fix");
    let fixed = fs::read_to_string(sandbox.conf().join("apache2.conf")).unwrap();
    assert!(codes(&sandbox, "TL001,TL002").is_empty(), "TL001/TL002 remain:\n{}\n{fixed}", text(&out));
    let _server = Server::start(&httpd, &sandbox, port);
    assert_eq!(handshake(&openssl, port, &tls11), None, "TLS 1.1 is refused after the fix:\n{fixed}");
    assert_eq!(handshake(&openssl, port, &non_fs), None, "AES128-SHA is refused after the fix:\n{fixed}");
    let tls12 = handshake(&openssl, port, &["-tls1_2"]);
    assert!(tls12.as_deref().is_some_and(|h| h.starts_with("TLSv1.2 ECDHE-")), "TLS 1.2 still works: {tls12:?}");
    let tls13 = handshake(&openssl, port, &["-tls1_3"]);
    assert!(tls13.as_deref().is_some_and(|h| h.starts_with("TLSv1.3 TLS_")), "TLS 1.3 still works: {tls13:?}");
}
