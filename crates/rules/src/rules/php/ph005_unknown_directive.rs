use std::collections::HashMap;

use conflint_core::Model;
use conflint_core::php::directives::{DirectiveStatus, did_you_mean, directive, is_known_prefix, removed_before_table};

use super::directive_lines::{self, describe, directive_lines};
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds php.ini lines (php.ini, its scan directory, `.user.ini`) that
    /// set a directive PHP does not have: a typo (`expose_phpp`,
    /// `upload_max_file_size`, `Memory_Limit`: names are case-sensitive),
    /// or a directive the target PHP release does not have yet
    /// (`zend.exception_string_param_max_len` on PHP 7.4). The help names
    /// the directive that was probably meant.
    ///
    /// Names are judged against conflint's table of every directive of PHP
    /// 5.6 to 8.5 (php-src's registrations and the PHP manual, including the
    /// PECL extensions the manual documents, such as APCu). A dotted name
    /// whose extension the table does not know (`xdebug.mode`,
    /// `newrelic.appname`, `blackfire.agent_socket`, `redis.session.*`) is
    /// left alone: it belongs to an extension conflint cannot judge. Under a
    /// known prefix an unknown suffix is reported (`opcache.enabel`).
    /// `extension=` and `zend_extension=` lines load modules and are not
    /// directives; array lines (`name[] = ...`) are not judged.
    ///
    /// The PHP release is `--php-version` or `[php] version`, else the one
    /// the path names (`/etc/php/8.2/`, Alpine's `/etc/php82/`, openSUSE's
    /// `/etc/php7/`), else the newest PHP conflint knows.
    ///
    /// ## Why is this bad?
    /// PHP stores any name it reads and never complains: a misspelt
    /// directive silently does nothing, and the setting you meant keeps its
    /// default. `expose_phpp = Off` leaves `X-Powered-By: PHP/8.2.7` on;
    /// `upload_max_file_size = 64M` leaves uploads at 2M.
    ///
    /// ## Example
    /// ```ini
    /// expose_phpp = Off
    /// ```
    /// Use instead:
    /// ```ini
    /// expose_php = Off
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe, when a directive close to the name exists: renaming the key
    /// makes the setting take effect, which changes PHP's behaviour (that is
    /// the point, but it is for you to confirm). No fix otherwise.
    pub struct UnknownDirective {
        code: "PH005",
        name: "unknown-directive",
        severity: Warning,
        default_on: true,
        fix: Unsafe,
    }
}

impl Check for UnknownDirective {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Php(tree) = model else { return };
        let target = directive_lines::target_version(tree, checker);
        // A generated file may repeat one unknown name thousands of times;
        // the suggestion scans the whole table, so ask once per name.
        let mut suggestions: HashMap<String, Option<&'static str>> = HashMap::new();
        for line in directive_lines(tree) {
            let key = line.setting.key.as_str();
            if removed_before_table(key).is_some() {
                continue; // PH006/PH007: known, and long gone.
            }
            match directive(key) {
                Some(d) => {
                    if let DirectiveStatus::NotYetAdded { added } = d.status(target.version) {
                        checker.report(
                            line.path,
                            line.entry.key,
                            format!(
                                "`{key}` does not exist in {} (added in PHP {added}): PHP ignores it",
                                describe(&target)
                            ),
                            None,
                        );
                    }
                }
                None => {
                    if let Some((prefix, _)) = key.split_once('.') {
                        if !is_known_prefix(prefix) {
                            continue;
                        }
                    }
                    let suggestion = *suggestions.entry(key.to_string()).or_insert_with(|| did_you_mean(key));
                    let fix = suggestion.map(|s| {
                        Fix::unsafe_(format!("rename to `{s}`"), vec![Edit::replace(line.path, line.entry.key, s)])
                    });
                    let advice = suggestion.map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
                    checker.report(
                        line.path,
                        line.entry.key,
                        format!("`{key}` is not a PHP directive: PHP stores it and nothing reads it{advice}"),
                        fix,
                    );
                }
            }
        }
    }
}
