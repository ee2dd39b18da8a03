//! No output format ever shows a secret: a value assigned to a
//! secret-like key is neither quoted in a message nor shown in a snippet,
//! whether the file parses or not.

mod common;

use common::{conflint_in, write};

const SECRETS: &[&str] = &["hunter2-is-secret", "Sup3rS3cret", "ldap-bind-secret"];

fn assert_no_secret(dir: &std::path::Path, what: &str) {
    for args in [
        &["."][..],
        &["--format", "json", "."],
        &["--format", "sarif", "."],
        &["--format", "github", "."],
        &["--diff", "--unsafe-fixes", "."],
    ] {
        let (_, stdout, stderr) = conflint_in(dir, args);
        for secret in SECRETS {
            assert!(!stdout.contains(secret), "{what}: {args:?} printed a secret on stdout:\n{stdout}");
            assert!(!stderr.contains(secret), "{what}: {args:?} printed a secret on stderr:\n{stderr}");
        }
    }
}

/// A value Ruby rejects, assigned to a password: CL001, but neither the
/// message nor the snippet shows it.
#[test]
fn a_rejected_password_value_is_never_shown() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "gitlab/gitlab.rb",
        "gitlab_rails['smtp_enable'] = true\ngitlab_rails['smtp_password'] = <hunter2-is-secret>\ngitlab_rails['db_password'] = MyP@ss-Sup3rS3cret!\n",
    );
    let (code, stdout, _) = conflint_in(dir.path(), &["--format", "json", "."]);
    assert_eq!(code, 2, "Ruby rejects the file: {stdout}");
    assert!(stdout.contains("CL001"), "{stdout}");
    assert_no_secret(dir.path(), "rejected values");
}

/// A file that does not parse at all: its snippet masks the lines that
/// assign secrets, by their shape.
#[test]
fn a_file_that_does_not_parse_shows_no_secret() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "gitlab/gitlab.rb",
        "gitlab_rails['ldap_servers'] = {\n  'main' => {\n    'password' => 'ldap-bind-secret',\n    'label' => 'LDAP\n",
    );
    assert_no_secret(dir.path(), "unparsable file");
}

/// An httpd directive named like a secret, and a secret in a file with
/// other findings on the same line range.
#[test]
fn httpd_and_php_secrets_are_masked_in_snippets() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "apache2/sites-available/ldap.conf",
        "<Location /admin>\n    AuthLDAPBindPassword hunter2-is-secret\n    ServerSignature On\n</Location>\n",
    );
    write(dir.path(), "php/8.2/fpm/conf.d/50-db.ini", "mysqli.default_pw = Sup3rS3cret\n# a hash line\n");
    assert_no_secret(dir.path(), "httpd and php");
}
