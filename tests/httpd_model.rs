//! The httpd tree model as the CLI uses it: a checked-out tree whose
//! ServerRoot and absolute includes point at /etc/httpd, mapped with
//! `--server-root`; includes outside the mapped root; 2.2 detection.

mod common;

use std::path::Path;

fn write(root: &Path, rel: &str, text: &str) {
    common::write(root, rel, text);
}

fn json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let (_, stdout, stderr) = common::conflint_in(dir, args);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}{stderr}"))
}

#[test]
fn server_root_maps_absolute_includes_into_a_checkout() {
    let temp = tempfile::tempdir().expect("tempdir");
    let repo = temp.path();
    // An infrastructure repository holding a Red Hat style /etc/httpd.
    write(
        repo,
        "roles/web/files/etc/httpd/conf/httpd.conf",
        "ServerRoot \"/etc/httpd\"\nServerTokens Prod\nTraceEnable Off\nInclude /etc/httpd/conf.d/*.conf\nIncludeOptional /opt/elsewhere/*.conf\n",
    );
    write(
        repo,
        "roles/web/files/etc/httpd/conf.d/site.conf",
        "<VirtualHost *:80>\n    ServerName www.example.com\n    ServerSignature On\n</VirtualHost>\n",
    );
    let entry = "roles/web/files/etc/httpd/conf/httpd.conf";
    let value = json(repo, &["--format", "json", "--server-root", "roles/web/files/etc/httpd", entry]);
    let found: Vec<(String, String)> = value["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            (d["code"].as_str().unwrap_or_default().to_string(), d["path"].as_str().unwrap_or_default().to_string())
        })
        .collect();
    assert!(
        found.contains(&("HT002".to_string(), "roles/web/files/etc/httpd/conf.d/site.conf".to_string())),
        "{found:?}"
    );
    assert!(found.iter().any(|(c, _)| c == "HT003"), "the included vhost counts: {found:?}");
    // /opt/elsewhere is outside the mapped root: a warning, not read.
    let outside: Vec<_> =
        value["diagnostics"].as_array().into_iter().flatten().filter(|d| d["code"] == "CL003").collect();
    assert_eq!(outside.len(), 1, "{outside:?}");
    assert_eq!(outside[0]["severity"], "warning");
    assert!(outside[0]["message"].as_str().is_some_and(|m| m.contains("/opt/elsewhere")));
    // Without --server-root, the layout (conf/httpd.conf) is recognised too.
    let value = json(repo, &["--format", "json", entry]);
    assert!(value["diagnostics"].as_array().into_iter().flatten().any(|d| d["code"] == "HT002"));
}

#[test]
fn debian_envvars_define_the_variables_httpd_sees() {
    let temp = tempfile::tempdir().expect("tempdir");
    let root = temp.path().join("apache2");
    write(&root, "envvars", "export APACHE_SITES=sites-enabled\n");
    write(&root, "apache2.conf", "ServerTokens Prod\nTraceEnable Off\nIncludeOptional ${APACHE_SITES}/*.conf\n");
    write(&root, "sites-enabled/a.conf", "ServerSignature On\n");
    let value = json(temp.path(), &["--format", "json", "--select", "HT00", "."]);
    let paths: Vec<&str> =
        value["diagnostics"].as_array().into_iter().flatten().filter_map(|d| d["path"].as_str()).collect();
    assert_eq!(paths, ["apache2/sites-enabled/a.conf"]);
}

#[test]
fn apache_2_2_trees_are_detected_and_can_be_forced() {
    let temp = tempfile::tempdir().expect("tempdir");
    let root = temp.path().join("httpd/conf");
    write(
        &root,
        "httpd.conf",
        "ServerTokens Prod\nTraceEnable Off\nNameVirtualHost *:80\n<Directory /srv>\n    Order allow,deny\n    Allow from all\n</Directory>\nMaxClients 150\n",
    );
    let detected = json(temp.path(), &["--format", "json", "--select", "HT00", "."]);
    assert!(detected["diagnostics"].as_array().is_some_and(std::vec::Vec::is_empty), "2.2: no HT006 {detected}");
    let forced = json(temp.path(), &["--format", "json", "--select", "HT00", "--apache-version", "2.4", "."]);
    let codes: Vec<&str> =
        forced["diagnostics"].as_array().into_iter().flatten().filter_map(|d| d["code"].as_str()).collect();
    assert_eq!(codes, ["HT006", "HT006", "HT006", "HT006"], "NameVirtualHost, Order, Allow, MaxClients");
}

/// `-D` names from the start command (Debian's APACHE_ARGUMENTS in envvars,
/// RHEL's OPTIONS in /etc/sysconfig/httpd) decide `<IfDefine>`: a typo under
/// a defined name is an error, under an undecided one a warning.
#[test]
fn start_arguments_in_the_tree_decide_ifdefine() {
    let body =
        "LoadModule mpm_event_module modules/mod_mpm_event.so\n<IfDefine MAINT>\n    ServerTokenz Prod\n</IfDefine>\n";
    let severity = |value: &serde_json::Value| {
        value["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|d| d["code"] == "HT010")
            .map(|d| d["severity"].as_str().unwrap_or_default().to_string())
    };
    for (start_file, start_text, entry) in [
        ("etc/apache2/envvars", "export APACHE_ARGUMENTS='-D MAINT'\n", "etc/apache2/apache2.conf"),
        ("etc/sysconfig/httpd", "OPTIONS=\"-DMAINT\"\n", "etc/httpd/conf/httpd.conf"),
    ] {
        let temp = tempfile::tempdir().expect("tempdir");
        write(temp.path(), entry, body);
        let undecided = json(temp.path(), &["--format", "json", "--no-verify", entry]);
        assert_eq!(severity(&undecided).as_deref(), Some("warning"), "{entry} without {start_file}: {undecided}");
        write(temp.path(), start_file, start_text);
        let decided = json(temp.path(), &["--format", "json", "--no-verify", entry]);
        assert_eq!(severity(&decided).as_deref(), Some("error"), "{entry} with {start_file}: {decided}");
    }
}

/// XAMPP keeps a backup `conf/original/httpd.conf` beside `conf/httpd.conf`:
/// it is checked as a tree of its own, and the run says so.
#[test]
fn a_backup_entry_beside_the_real_one_is_named_as_its_own_tree() {
    let temp = tempfile::tempdir().expect("tempdir");
    write(temp.path(), "apache/conf/httpd.conf", "ServerTokens Prod\nTraceEnable Off\n");
    write(temp.path(), "apache/conf/original/httpd.conf", "ServerTokens Full\nTraceEnable Off\n");
    let (_, stdout, stderr) = common::conflint_in(temp.path(), &["--no-verify", "--select", "HT001", "."]);
    assert!(
        stderr.contains(
            "note: apache/conf/original/httpd.conf is checked as a tree of its own: no file of apache/conf/httpd.conf's tree includes it"
        ),
        "{stderr}"
    );
    assert!(stdout.contains("apache/conf/original/httpd.conf:1:14: HT001"), "{stdout}");
    let (_, _, quiet) = common::conflint_in(temp.path(), &["--no-verify", "--format", "json", "."]);
    assert!(!quiet.contains("note:"), "machine formats stay quiet: {quiet}");
}
