//! The one pipeline's guarantees, end to end through the binary:
//! suppressions come from comment nodes only, and a tree that does not
//! parse is never fixed, whatever rules are selected.

mod common;

use common::{codes, conflint_in, json, write};

/// A `#` line inside a gitlab.rb heredoc is heredoc text, not a comment:
/// it silences nothing.
#[test]
fn a_suppression_inside_a_heredoc_silences_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "gitlab/gitlab.rb",
        "nginx['custom_nginx_config'] = <<~EOS\n  # conflint: ignore-file[GL003]\nEOS\ngitlab_rails['rack_attack_git_basic_auth'] = {\n  'enabled' => true,\n  'ip_whitelist' => ['127.0.0.1', '0.0.0.0/0'],\n}\n",
    );
    let (code, stdout, stderr) = conflint_in(dir.path(), &["--format", "json", "."]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(codes(&json(&stdout)), ["GL003"]);
    // The same comment outside the heredoc does silence it.
    write(
        dir.path(),
        "gitlab/gitlab.rb",
        "# conflint: ignore-file[GL003]\ngitlab_rails['rack_attack_git_basic_auth'] = {\n  'enabled' => true,\n  'ip_whitelist' => ['127.0.0.1', '0.0.0.0/0'],\n}\n",
    );
    let (_, stdout, _) = conflint_in(dir.path(), &["--format", "json", "."]);
    assert!(codes(&json(&stdout)).is_empty(), "{stdout}");
}

/// A `;` line inside a multi-line quoted php.ini value is part of the
/// value: it silences nothing.
#[test]
fn a_suppression_inside_a_quoted_php_value_silences_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "php/8.2/fpm/php.ini",
        "[PHP]\nerror_prepend_string = \"<pre>\n; conflint: ignore-file[PH001]\n\"\nexpose_php = On\ndisplay_errors = Off\n",
    );
    let (code, stdout, stderr) = conflint_in(dir.path(), &["--format", "json", "--select", "PH001", "."]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(codes(&json(&stdout)), ["PH001"]);
}

/// `--ignore CL001` hides the finding, not the fact: a tree with a file
/// that does not parse is not fixed, and the run exits 2.
#[test]
fn ignoring_cl001_does_not_let_a_broken_tree_be_fixed() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "apache2/apache2.conf", "ServerTokens OS\nTraceEnable Off\nInclude conf.d/*.conf\n");
    write(dir.path(), "apache2/conf.d/broken.conf", "<VirtualHost *:80>\n    ServerName a.example\n");
    let before = common::read_tree(dir.path());
    for args in [&["--diff", "."][..], &["--diff", "--ignore", "CL001", "."], &["--fix", "--ignore", "CL001", "."]] {
        let (code, stdout, stderr) = conflint_in(dir.path(), args);
        assert_eq!(code, 2, "{args:?}: exit 2 for a tree that does not parse\n{stdout}{stderr}");
        assert!(!stdout.contains("+ServerTokens Prod"), "{args:?}: no fix offered\n{stdout}");
        assert_eq!(common::read_tree(dir.path()), before, "{args:?}: nothing written");
    }
}
