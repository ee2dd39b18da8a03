//! System tests (issue 20): the Ansible collection in ansible/, run by the
//! real ansible-core from PyPI.
//!
//! ansible-core is installed into a virtualenv cached at
//! `<target>/ansible-venv` (`python3 -m venv`, `pip install ansible-core~=2.19.0`;
//! reused while it answers `ansible-playbook --version`). The collection is
//! built with `ansible-galaxy collection build ansible/` and installed into
//! each test's temporary collections path, as a user would install it.
//!
//! The fleet has no network: three inventory hosts use the local connection,
//! each with its own root directory (`conflint_root`), which the role puts in
//! front of every path it checks:
//! - `localhost`: a copy of this machine's /etc/apache2 (Debian's default
//!   configuration; a small clean tree when apache2 is not installed);
//! - `web1` (`ansible_host=127.0.0.1`): the version-banner incident (apache2
//!   and php.ini) and the GitLab office-ban incident (gitlab.rb);
//! - `web2` (`ansible_host=127.0.0.2`): the catch-all incident (MPM limits, no
//!   default vhost).
//!
//! Tests:
//! - `fleet_audit_check_fix_and_idempotence`: playbooks/audit.yml reports the
//!   incidents (one JSON report per host on the controller, equal to what
//!   `conflint --format json` says on that host's tree; with
//!   `conflint_fail_on=warning` the hosts with warnings fail and are reported
//!   all the same); `--check --diff` with `conflint_fix=true` shows exactly
//!   the diff `conflint --diff` prints and changes nothing; the fix run changes
//!   the trees exactly as `conflint --fix` does; a second fix run has changed=0
//!   on every host.
//! - `template_validate_rejects_server_signature_on`: the `validate:` recipe
//!   of playbooks/deploy-security-conf.yml refuses a template that sets
//!   `ServerSignature On` and leaves the host's file as it was; a good
//!   template is deployed.
//! - `collection_passes_ansible_test_sanity`: `ansible-test sanity` on the
//!   collection (its per-test virtualenvs cached under
//!   `<target>/ansible-test-home`). ansible-test bootstraps pip in those
//!   virtualenvs with a script from ci-files.testing.ansible.com, which is not
//!   reachable from every network (nor from PyPI); the test gives it a
//!   stand-in that does the same from PyPI (`ensurepip`, then
//!   `pip install pip==<version>`). Docker is not used.
//! - `role_installs_the_package` (root only): the role installs the .deb
//!   built by scripts/package (copied from the controller) and then from a
//!   local APT repository (`deb [trusted=yes] file:...`, made with
//!   dpkg-scanpackages), runs the installed conflint, and is idempotent; the
//!   package is purged afterwards.
//!
//! Without python3, venv or PyPI the tests print a skip note (a failure with
//! `CONFLINT_SYSTEM_TESTS=require`).

mod common;
mod deb;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The ansible-core the tests install (the collection needs >= 2.15).
const ANSIBLE_CORE: &str = "ansible-core~=2.19.0";

/// What every conflint run of the fleet gets (inventory group vars).
const MEMORY: &str = "4GiB";
const TRUSTED_IP: &str = "198.51.100.0/24";

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn skip(test: &str, why: &str) {
    assert!(!common::system_tests_required(), "system test `{test}` cannot run: {why}");
    common::note_skip(test, why);
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// An exclusive lock on `path` (created) until the returned file is dropped.
fn flock(path: &Path) -> fs::File {
    let file = fs::File::create(path).expect("create lock file");
    // SAFETY: flock on a descriptor we own.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
    assert_eq!(rc, 0, "flock {}: {}", path.display(), std::io::Error::last_os_error());
    file
}

/// The cached virtualenv with ansible-core, made once per process (and under
/// a file lock, once at a time across processes).
fn venv() -> Result<PathBuf, String> {
    static VENV: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    VENV.get_or_init(|| {
        let target = deb::target_dir();
        fs::create_dir_all(&target).map_err(|e| e.to_string())?;
        let _lock = flock(&target.join("ansible-venv.lock"));
        let venv = target.join("ansible-venv");
        let marker = venv.join("conflint-requirement.txt");
        let ready = || {
            fs::read_to_string(&marker).is_ok_and(|m| m == ANSIBLE_CORE)
                && Command::new(venv.join("bin/ansible-playbook"))
                    .arg("--version")
                    .output()
                    .is_ok_and(|o| o.status.success())
        };
        if ready() {
            return Ok(venv);
        }
        let _ = fs::remove_dir_all(&venv);
        match Command::new("python3").args(["-m", "venv"]).arg(&venv).output() {
            Ok(out) if out.status.success() => {}
            Ok(out) => return Err(format!("`python3 -m venv` failed:\n{}", text(&out))),
            Err(e) => return Err(format!("python3 is not available: {e}")),
        }
        let pip = Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", ANSIBLE_CORE])
            .output()
            .map_err(|e| format!("pip could not run: {e}"))?;
        if !pip.status.success() {
            return Err(format!("`pip install {ANSIBLE_CORE}` failed (no network?):\n{}", text(&pip)));
        }
        fs::write(&marker, ANSIBLE_CORE).map_err(|e| e.to_string())?;
        if ready() { Ok(venv) } else { Err("ansible-playbook does not run after pip install".into()) }
    })
    .clone()
}

/// A temporary controller: the collection installed, an ansible.cfg-free
/// environment, and an inventory of hosts that are directories.
struct Controller {
    tmp: tempfile::TempDir,
    venv: PathBuf,
    hosts: Vec<(String, PathBuf)>,
}

impl Controller {
    fn new(venv: PathBuf, hosts: &[&str]) -> Controller {
        let tmp = tempfile::Builder::new().prefix("conflint-ansible-").tempdir().expect("temporary directory");
        let controller = Controller {
            hosts: hosts.iter().map(|h| (h.to_string(), tmp.path().join("hosts").join(h))).collect(),
            tmp,
            venv,
        };
        for (_, root) in &controller.hosts {
            fs::create_dir_all(root).expect("host root");
        }
        fs::write(controller.path("ansible.cfg"), "").expect("ansible.cfg");
        let dist = controller.path("dist");
        let build = controller.tool("ansible-galaxy", &["collection", "build", "--output-path"], &[dist.as_os_str()]);
        assert!(build.status.success(), "ansible-galaxy collection build:\n{}", text(&build));
        let tarball = dist.join(format!("conflint-conflint-{}.tar.gz", env!("CARGO_PKG_VERSION")));
        assert!(tarball.is_file(), "the collection's version (ansible/galaxy.yml) is the crate's: {}", text(&build));
        let collections = controller.path("collections");
        let install = controller.tool(
            "ansible-galaxy",
            &["collection", "install"],
            &[tarball.as_os_str(), "-p".as_ref(), collections.as_os_str()],
        );
        assert!(install.status.success(), "ansible-galaxy collection install:\n{}", text(&install));
        controller.write_inventory(Some(Path::new(env!("CARGO_BIN_EXE_conflint"))));
        controller
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }

    fn root(&self, host: &str) -> &Path {
        &self.hosts.iter().find(|(h, _)| h == host).expect("host").1
    }

    /// The inventory: every host local, its own root, the binary under test
    /// (`None`: the role installs the package and runs the installed one).
    fn write_inventory(&self, binary: Option<&Path>) {
        let mut inventory = String::from("[webservers]\n");
        for (i, (host, root)) in self.hosts.iter().enumerate() {
            let address = if host == "localhost" { String::new() } else { format!(" ansible_host=127.0.0.{}", i + 1) };
            inventory.push_str(&format!("{host}{address} conflint_root={}\n", root.display()));
        }
        inventory.push_str(&format!(
            "\n[webservers:vars]\nansible_connection=local\nansible_python_interpreter={}\n\
             conflint_memory={MEMORY}\nconflint_trusted_ips=[\"{TRUSTED_IP}\"]\n",
            self.venv.join("bin/python").display(),
        ));
        if let Some(binary) = binary {
            inventory.push_str(&format!("conflint_install=false\nconflint_binary={}\n", binary.display()));
        }
        fs::write(self.path("inventory.ini"), inventory).expect("inventory");
    }

    fn command(&self, tool: &str) -> Command {
        let mut cmd = Command::new(self.venv.join("bin").join(tool));
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut paths = vec![self.venv.join("bin")];
        paths.extend(std::env::split_paths(&path));
        cmd.current_dir(self.tmp.path())
            .env("PATH", std::env::join_paths(paths).expect("PATH"))
            .env("ANSIBLE_CONFIG", self.path("ansible.cfg"))
            .env("ANSIBLE_HOME", self.path("ansible-home"))
            .env("ANSIBLE_LOCAL_TEMP", self.path("ansible-local-tmp"))
            .env("ANSIBLE_REMOTE_TMP", self.path("ansible-remote-tmp"))
            .env("ANSIBLE_COLLECTIONS_PATH", self.path("collections"))
            .env("ANSIBLE_NOCOLOR", "1")
            .env("ANSIBLE_FORCE_COLOR", "0")
            .env("ANSIBLE_RETRY_FILES_ENABLED", "0")
            .env("ANSIBLE_STDOUT_CALLBACK", "default")
            .env("LC_ALL", "C.UTF-8")
            .env_remove("PYTHONPATH");
        cmd
    }

    fn tool(&self, tool: &str, args: &[&str], more: &[&std::ffi::OsStr]) -> Output {
        let mut cmd = self.command(tool);
        cmd.args(args).args(more);
        if tool == "ansible-galaxy" && args.first() == Some(&"collection") && args.get(1) == Some(&"build") {
            cmd.arg(repo().join("ansible"));
        }
        cmd.output().unwrap_or_else(|e| panic!("{tool} could not run: {e}"))
    }

    /// `ansible-playbook -i inventory.ini ansible/playbooks/<playbook> <args>`.
    fn playbook(&self, playbook: &str, args: &[&str]) -> (i32, String) {
        let out = self
            .command("ansible-playbook")
            .arg("-i")
            .arg(self.path("inventory.ini"))
            .arg(repo().join("ansible/playbooks").join(playbook))
            .args(args)
            .output()
            .expect("run ansible-playbook");
        (out.status.code().unwrap_or(-1), text(&out))
    }

    /// Every file of every host, by host and relative path.
    fn trees(&self) -> BTreeMap<String, BTreeMap<PathBuf, Vec<u8>>> {
        self.hosts.iter().map(|(h, root)| (h.clone(), common::read_tree(root))).collect()
    }

    /// The paths the role checks on `host` (conflint_paths under its root, those that exist).
    fn checked_paths(&self, host: &str) -> Vec<PathBuf> {
        ["/etc/apache2", "/etc/httpd", "/etc/php", "/etc/gitlab/gitlab.rb"]
            .iter()
            .map(|p| PathBuf::from(format!("{}{p}", self.root(host).display())))
            .filter(|p| p.exists())
            .collect()
    }
}

/// conflint itself, run as the module runs it (in /, the fleet's options).
fn conflint(mode: &[&str], paths: &[PathBuf]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_conflint"))
        .args(mode)
        .args(["--memory", MEMORY, "--trusted-ip", TRUSTED_IP, "--"])
        .args(paths)
        .current_dir("/")
        .env("NO_COLOR", "1")
        .output()
        .expect("run conflint");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `PLAY RECAP` counters per host: ok, changed, failed.
fn recap(output: &str) -> BTreeMap<String, (u32, u32, u32)> {
    let tail = output.rsplit_once("PLAY RECAP").map_or_else(|| panic!("no PLAY RECAP in:\n{output}"), |(_, t)| t);
    let mut hosts = BTreeMap::new();
    for line in tail.lines() {
        let Some((host, counters)) = line.split_once(" : ") else { continue };
        let counter = |name: &str| {
            counters
                .split_whitespace()
                .find_map(|c| c.strip_prefix(&format!("{name}=")))
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no {name}= in {line}"))
        };
        hosts.insert(host.trim().to_string(), (counter("ok"), counter("changed"), counter("failed")));
    }
    hosts
}

fn read_json(path: &Path) -> serde_json::Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", path.display()))
}

fn codes(report: &serde_json::Value) -> BTreeSet<String> {
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

fn at_least_warning(report: &serde_json::Value) -> bool {
    report["diagnostics"].as_array().expect("diagnostics").iter().any(|d| d["severity"] != "info")
}

/// The three hosts' trees: localhost a copy of /etc/apache2, web1 and web2 the incidents.
fn seed_fleet(controller: &Controller) {
    let incidents = repo().join("examples/incidents");
    let etc = |host: &str, rel: &str| {
        let dir = controller.root(host).join("etc").join(rel);
        fs::create_dir_all(&dir).expect("mkdir");
        dir
    };
    if Path::new("/etc/apache2/apache2.conf").is_file() {
        common::copy_tree(Path::new("/etc/apache2"), &etc("localhost", "apache2"));
    } else {
        fs::write(
            etc("localhost", "apache2").join("apache2.conf"),
            "ServerTokens Prod\nServerSignature Off\nTraceEnable Off\nListen 80\n",
        )
        .expect("write");
    }
    common::copy_tree(&incidents.join("version-banner/apache2"), &etc("web1", "apache2"));
    fs::copy(incidents.join("version-banner/php/php.ini"), etc("web1", "php/8.2/fpm").join("php.ini")).expect("copy");
    fs::copy(incidents.join("gitlab-office-ban/gitlab.rb"), etc("web1", "gitlab").join("gitlab.rb")).expect("copy");
    common::copy_tree(&incidents.join("catch-all/apache2"), &etc("web2", "apache2"));
}

#[test]
fn fleet_audit_check_fix_and_idempotence() {
    const TEST: &str = "fleet_audit_check_fix_and_idempotence";
    let venv = match venv() {
        Ok(venv) => venv,
        Err(why) => return skip(TEST, &why),
    };
    let controller = Controller::new(venv, &["localhost", "web1", "web2"]);
    seed_fleet(&controller);
    let hosts: Vec<String> = controller.hosts.iter().map(|(h, _)| h.clone()).collect();
    let original = controller.trees();

    // 1. The audit, failing on warnings: every host gets its report all the same.
    let reports = controller.path("reports-audit");
    let (code, output) = controller.playbook(
        "audit.yml",
        &["-e", &format!("audit_report_dir={}", reports.display()), "-e", "conflint_fail_on=warning"],
    );
    assert_eq!(controller.trees(), original, "the audit changed a file:\n{output}");
    let counters = recap(&output);
    for host in &hosts {
        let report = read_json(&reports.join(format!("{host}.json")));
        let (_, direct) = conflint(&["--format", "json"], &controller.checked_paths(host));
        let direct: serde_json::Value = serde_json::from_str(&direct).expect("conflint JSON");
        assert_eq!(report, direct, "{host}'s report is what conflint --format json says on its tree");
        assert_eq!(counters[host].2 == 1, at_least_warning(&report), "{host} fails iff it has warnings:\n{output}");
    }
    let web1 = read_json(&reports.join("web1.json"));
    let expected: BTreeSet<String> = ["HT001", "HT002", "HT007", "PH001", "GL001"].map(String::from).into();
    assert_eq!(codes(&web1), expected, "web1 has the version-banner and office-ban incidents");
    let web2 = read_json(&reports.join("web2.json"));
    let expected: BTreeSet<String> = ["HT003", "HT004", "HT005"].map(String::from).into();
    assert_eq!(codes(&web2), expected, "web2 has the catch-all incident");
    assert_ne!(code, 0, "hosts failed, so does the playbook:\n{output}");
    assert!(output.contains("finding(s) at or above 'warning'"), "the failure says why:\n{output}");

    // 2. --check --diff with the fix: conflint's own diff, nothing written.
    let (code, output) = controller.playbook("audit.yml", &["-e", "conflint_fix=true", "--check", "--diff"]);
    assert_eq!(code, 0, "check mode with fix: warnings only, nothing fails:\n{output}");
    assert_eq!(controller.trees(), original, "--check changed a file:\n{output}");
    let counters = recap(&output);
    for host in &hosts {
        let (_, diff) = conflint(&["--diff"], &controller.checked_paths(host));
        if diff.is_empty() {
            assert_eq!(counters[host].1, 0, "{host}: nothing to fix, nothing changed:\n{output}");
        } else {
            assert!(
                output.contains(diff.trim_end()),
                "{host}: ansible --diff shows conflint --diff:\n{diff}\nin:\n{output}"
            );
            assert_eq!(counters[host].1, 1, "{host}: the fix would change files:\n{output}");
        }
    }
    assert!(counters["web1"].1 == 1 && counters["web2"].1 == 1, "the incident hosts would change:\n{output}");

    // 3. The fix: the trees become what conflint --fix makes of a copy.
    let reference = tempfile::tempdir().expect("temporary directory");
    let mut expected_trees = BTreeMap::new();
    for (host, root) in &controller.hosts {
        let copy = reference.path().join(host);
        common::copy_tree(root, &copy);
        let paths: Vec<PathBuf> = controller
            .checked_paths(host)
            .iter()
            .map(|p| copy.join(p.strip_prefix(root).expect("under the root")))
            .collect();
        let (code, out) = conflint(&["--fix", "--quiet"], &paths);
        assert!(code == 0 || code == 1, "conflint --fix on {host}'s copy: {out}");
        expected_trees.insert(host.clone(), common::read_tree(&copy));
    }
    let reports = controller.path("reports-fix");
    let (code, output) = controller
        .playbook("audit.yml", &["-e", "conflint_fix=true", "-e", &format!("audit_report_dir={}", reports.display())]);
    assert_eq!(code, 0, "the fix run:\n{output}");
    assert_eq!(controller.trees(), expected_trees, "the role fixed the trees as conflint --fix does:\n{output}");
    let counters = recap(&output);
    for host in &hosts {
        let changed = original[host] != expected_trees[host];
        assert_eq!(counters[host].1, u32::from(changed), "{host}: changed iff the fix changed a file:\n{output}");
        let report = read_json(&reports.join(format!("{host}.json")));
        let (_, direct) = conflint(&["--format", "json"], &controller.checked_paths(host));
        let direct: serde_json::Value = serde_json::from_str(&direct).expect("conflint JSON");
        assert_eq!(report["diagnostics"], direct["diagnostics"], "{host}: the report lists what remains");
    }
    let web1 = read_json(&reports.join("web1.json"));
    assert_eq!(web1["summary"]["fixed"], 5, "web1's five findings were fixed: {web1}");
    assert_eq!(web1["summary"]["diagnostics"], 0, "nothing remains on web1: {web1}");
    let web2 = read_json(&reports.join("web2.json"));
    // HT003's catch-all and HT005's lower limit are unsafe fixes: both remain.
    assert_eq!(
        codes(&web2),
        BTreeSet::from(["HT003".to_string(), "HT005".to_string()]),
        "only the unsafe fixes remain on web2: {web2}"
    );

    // 4. Again: nothing to change anywhere.
    let (code, output) = controller
        .playbook("audit.yml", &["-e", "conflint_fix=true", "-e", &format!("audit_report_dir={}", reports.display())]);
    assert_eq!(code, 0, "the second fix run:\n{output}");
    assert_eq!(controller.trees(), expected_trees, "the second run changed a file:\n{output}");
    for (host, (_, changed, failed)) in recap(&output) {
        assert_eq!((changed, failed), (0, 0), "{host}: the second run is idempotent:\n{output}");
    }
    assert_eq!(read_json(&reports.join("web1.json"))["summary"]["fixed"], 0);
}

#[test]
fn template_validate_rejects_server_signature_on() {
    const TEST: &str = "template_validate_rejects_server_signature_on";
    let venv = match venv() {
        Ok(venv) => venv,
        Err(why) => return skip(TEST, &why),
    };
    let controller = Controller::new(venv, &["web1"]);
    seed_version_banner(&controller, "web1");
    let file = controller.root("web1").join("etc/apache2/conf-enabled/security.conf");
    let before = fs::read(&file).expect("read");

    let (code, output) = controller.playbook("deploy-security-conf.yml", &["-e", "server_signature=On"]);
    assert_ne!(code, 0, "validation must fail:\n{output}");
    assert!(output.contains("failed to validate"), "the template task fails validation:\n{output}");
    assert!(output.contains("HT002"), "conflint's finding is in the failure:\n{output}");
    assert_eq!(fs::read(&file).expect("read"), before, "the host's file is unchanged:\n{output}");

    let (code, output) = controller.playbook("deploy-security-conf.yml", &[]);
    assert_eq!(code, 0, "a good template passes validation:\n{output}");
    let deployed = fs::read_to_string(&file).expect("read");
    assert!(deployed.contains("\nServerSignature Off\n") && deployed.contains("\nServerTokens Prod\n"), "{deployed}");
    let (code, out) = conflint(&["--format", "json"], &[controller.root("web1").join("etc/apache2")]);
    assert_eq!(code, 0, "the deployed tree is clean: {out}");
    let (code, output) = controller.playbook("deploy-security-conf.yml", &[]);
    assert_eq!(code, 0, "{output}");
    assert_eq!(recap(&output)["web1"].1, 0, "deploying again changes nothing:\n{output}");
}

/// The version-banner incident's apache2 tree as `host`'s /etc/apache2.
fn seed_version_banner(controller: &Controller, host: &str) {
    let dir = controller.root(host).join("etc/apache2");
    fs::create_dir_all(&dir).expect("mkdir");
    common::copy_tree(&repo().join("examples/incidents/version-banner/apache2"), &dir);
}

/// ansible-test's pip bootstrap, standing in for get-pip.py from
/// ci-files.testing.ansible.com: the same pip, from PyPI.
const GET_PIP_STAND_IN: &str = r#"# Stand-in for ansible-test's pip bootstrap script (get-pip.py from
# ci-files.testing.ansible.com), written by conflint's tests/ansible_system.rs:
# ensurepip, then the pip version ansible-test asks for, from PyPI.
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)
"#;

#[test]
fn collection_passes_ansible_test_sanity() {
    const TEST: &str = "collection_passes_ansible_test_sanity";
    let venv = match venv() {
        Ok(venv) => venv,
        Err(why) => return skip(TEST, &why),
    };
    let tmp = tempfile::Builder::new().prefix("conflint-ansible-test-").tempdir().expect("temporary directory");
    let collection = tmp.path().join("ansible_collections/conflint/conflint");
    fs::create_dir_all(&collection).expect("mkdir");
    common::copy_tree(&repo().join("ansible"), &collection);
    let _ = fs::remove_dir_all(collection.join("playbooks/reports"));

    // ansible-test keeps its virtualenvs and the pip bootstrap under ~/.ansible/test.
    let target = deb::target_dir();
    let home = target.join("ansible-test-home");
    let _lock = flock(&target.join("ansible-test-home.lock"));
    let cache = home.join(".ansible/test/cache");
    fs::create_dir_all(&cache).expect("mkdir");
    // The pip versions ansible-test bootstraps (`pip='24.2'` in its sources).
    let requirements = fs::read_dir(venv.join("lib"))
        .expect("venv lib")
        .filter_map(Result::ok)
        .map(|python| python.path().join("site-packages/ansible_test/_internal/python_requirements.py"))
        .find(|p| p.is_file())
        .expect("ansible_test in the virtualenv");
    let source = fs::read_to_string(&requirements).expect("read python_requirements.py");
    let versions: BTreeSet<&str> = source.split("pip='").skip(1).filter_map(|rest| rest.split('\'').next()).collect();
    assert!(!versions.is_empty(), "no pip version in {}", requirements.display());
    for version in versions {
        fs::write(cache.join(format!("get_pip_{}.py", version.replace('.', "_"))), GET_PIP_STAND_IN).expect("write");
    }
    let python = Command::new(venv.join("bin/python"))
        .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
        .output()
        .expect("python");
    let python = String::from_utf8_lossy(&python.stdout).trim().to_string();
    let out = Command::new(venv.join("bin/ansible-test"))
        .args(["sanity", "--python", &python, "--color", "no"])
        .current_dir(&collection)
        .env("HOME", &home)
        .env("PATH", format!("{}:{}", venv.join("bin").display(), std::env::var("PATH").unwrap_or_default()))
        .env("LC_ALL", "C.UTF-8")
        .output()
        .expect("run ansible-test");
    let output = text(&out);
    let offline = [
        "Temporary failure in name resolution",
        "Failed to establish a new connection",
        "No matching distribution found",
        "Could not find a version that satisfies",
    ];
    if !out.status.success() && !output.contains("ERROR: Found") && offline.iter().any(|o| output.contains(o)) {
        return skip(TEST, &format!("ansible-test could not install its requirements (no network?):\n{output}"));
    }
    assert!(out.status.success(), "ansible-test sanity:\n{output}");
    assert!(output.contains("Running sanity test \"validate-modules\""), "validate-modules ran:\n{output}");
}

/// Leaves the machine as the test found it, also when it fails: the
/// package purged, the repository's sources entry and lists gone.
struct MachineCleanup {
    repo: PathBuf,
}

impl Drop for MachineCleanup {
    fn drop(&mut self) {
        if deb::status().is_some() {
            let _ = Command::new("dpkg").args(["--purge", deb::PACKAGE]).output();
        }
        let _ = fs::remove_file("/etc/apt/sources.list.d/conflint.list");
        let _ = fs::remove_file(format!("/var/cache/apt/archives/conflint_{}-1_amd64.deb", env!("CARGO_PKG_VERSION")));
        // apt names a repository's lists after its URI, '/' as '_'.
        let prefix = self.repo.display().to_string().trim_start_matches('/').replace('/', "_");
        if let Ok(lists) = fs::read_dir("/var/lib/apt/lists") {
            for list in lists.filter_map(Result::ok) {
                if list.file_name().to_string_lossy().contains(&prefix) {
                    let _ = fs::remove_file(list.path());
                }
            }
        }
    }
}

#[test]
fn role_installs_the_package() {
    const TEST: &str = "role_installs_the_package";
    if !deb::is_root() {
        return skip(TEST, "installing a package needs root");
    }
    for tool in ["dpkg", "dpkg-scanpackages", "apt-get", "cargo"] {
        if common::system_tool(tool, TEST).is_none() {
            return;
        }
    }
    let venv = match venv() {
        Ok(venv) => venv,
        Err(why) => return skip(TEST, &why),
    };
    let start = std::time::Instant::now();
    let lap = |what: &str| eprintln!("{TEST}: {what} after {:.1?}", start.elapsed());
    let _lock = deb::lock();
    let deb_file = match deb::build() {
        Ok(deb) => deb,
        Err(why) => return skip(TEST, &why),
    };
    lap("package built");
    deb::purge();
    assert!(!Path::new("/usr/bin/conflint").exists(), "/usr/bin/conflint exists and belongs to no package");
    let controller = Controller::new(venv, &["localhost"]);
    let repo_dir = controller.path("apt-repo");
    let _cleanup = MachineCleanup { repo: repo_dir.clone() };
    controller.write_inventory(None);
    seed_version_banner(&controller, "localhost");
    let reports = controller.path("reports");
    let report_dir = format!("audit_report_dir={}", reports.display());
    let check_report = |output: &str| {
        let report = read_json(&reports.join("localhost.json"));
        let expected: BTreeSet<String> = ["HT001", "HT002", "HT007"].map(String::from).into();
        assert_eq!(codes(&report), expected, "the installed conflint reports the version banner:\n{output}");
        fs::remove_file(reports.join("localhost.json")).expect("remove report");
    };

    // From the controller's .deb.
    let from_deb = format!("{{\"conflint_deb\": {:?}}}", deb_file.display().to_string());
    let (code, output) = controller.playbook("audit.yml", &["-e", &from_deb, "-e", &report_dir]);
    assert_eq!(code, 0, "install from the .deb and audit:\n{output}");
    assert!(deb::installed(), "the role installed the package:\n{output}");
    assert!(recap(&output)["localhost"].1 >= 1, "installing is a change:\n{output}");
    check_report(&output);
    let (code, output) = controller.playbook("audit.yml", &["-e", &from_deb, "-e", &report_dir]);
    assert_eq!((code, recap(&output)["localhost"].1), (0, 0), "installed already, nothing changes:\n{output}");
    check_report(&output);
    lap("installed from the .deb");
    deb::purge();

    // From an APT repository (a flat one, on disk).
    fs::create_dir_all(&repo_dir).expect("mkdir");
    fs::copy(&deb_file, repo_dir.join(deb_file.file_name().expect("name"))).expect("copy");
    let packages = deb::run_ok(Command::new("dpkg-scanpackages").args(["--multiversion", "."]).current_dir(&repo_dir));
    fs::write(repo_dir.join("Packages"), packages).expect("Packages");
    let from_repo = format!("{{\"conflint_apt_repo\": \"deb [trusted=yes] file:{} ./\"}}", repo_dir.display());
    let (code, output) = controller.playbook("audit.yml", &["-e", &from_repo, "-e", &report_dir]);
    lap("installed from the repository");
    assert_eq!(code, 0, "install from the repository and audit:\n{output}");
    assert!(deb::installed(), "the role installed the package from the repository:\n{output}");
    check_report(&output);
    let (code, output) = controller.playbook("audit.yml", &["-e", &from_repo, "-e", &report_dir]);
    assert_eq!((code, recap(&output)["localhost"].1), (0, 0), "installed already, nothing changes:\n{output}");
    check_report(&output);
    lap("done");
}
