use conflint_core::Model;
use conflint_core::postfix::Scope;

use super::{is_yes, main_span, set_in_main, tree, value, written_in_main};
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds a main.cf whose effective `disable_vrfy_command` is not `yes`
    /// (the default is `no`, so a main.cf that does not set it is reported
    /// too, when it is checked as the entry of its tree), on a server that
    /// listens beyond loopback (`inet_interfaces` is not only `loopback-only`,
    /// `localhost`, `127.0.0.1` or `[::1]`).
    ///
    /// ## Why is this bad?
    /// `VRFY user@example.com` answers whether a mailbox exists without
    /// sending any mail: spammers and attackers use it to harvest valid
    /// addresses and user names (which are often login names too). No
    /// legitimate mail server needs it: address verification uses `RCPT
    /// TO`.
    ///
    /// Sources: postconf(5) `disable_vrfy_command`; Lynis MAIL-8820.
    ///
    /// ## Example
    /// ```text
    /// disable_vrfy_command = no
    /// ```
    /// Use instead:
    /// ```text
    /// disable_vrfy_command = yes
    /// ```
    ///
    /// ## Fix safety
    /// Safe: `VRFY` then gets `502 5.5.1 VRFY command is disabled`; mail
    /// delivery and address verification do not use it. The fix sets the
    /// last `disable_vrfy_command` to `yes`, or appends
    /// `disable_vrfy_command = yes` to main.cf.
    pub struct VrfyEnabled {
        code: "PF009",
        name: "vrfy-enabled",
        severity: Warning,
        default_on: true,
        fix: Safe,
        references: ["Lynis MAIL-8820"],
    }
}

const NAME: &str = "disable_vrfy_command";

/// Whether smtpd listens only on loopback.
fn loopback_only(interfaces: &str) -> bool {
    let words: Vec<&str> = interfaces.split([',', ' ', '\t']).filter(|w| !w.is_empty()).collect();
    !words.is_empty()
        && words.iter().all(|w| {
            let w = w.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
            w == "loopback-only" || w == "localhost" || w == "::1" || w.starts_with("127.")
        })
}

impl Check for VrfyEnabled {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Some(tree) = tree(model) else { return };
        let Some(path) = tree.main_path.as_deref() else { return };
        let config = &tree.config;
        let written = written_in_main(config, NAME);
        if (!written && !tree.is_entry()) || is_yes(&value(config, Scope::Main, NAME)) {
            return;
        }
        if loopback_only(&value(config, Scope::Main, "inet_interfaces")) {
            return;
        }
        let message = if written {
            format!(
                "`{NAME} = {}`: anyone can ask this server with `VRFY` which addresses exist (address harvesting); set `yes`",
                conflint_core::text::escape_control(&value(config, Scope::Main, NAME))
            )
        } else {
            format!(
                "`{NAME}` is not set, so it is `no`: anyone can ask this server with `VRFY` which addresses exist (address harvesting); set `{NAME} = yes`"
            )
        };
        let Some(edit) = set_in_main(tree, NAME, "yes") else { return };
        checker.report(
            path,
            main_span(config, NAME),
            message,
            Some(Fix::safe(format!("set `{NAME} = yes`"), vec![edit])),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::loopback_only;

    #[test]
    fn interfaces() {
        assert!(loopback_only("loopback-only"));
        assert!(loopback_only("127.0.0.1, [::1]"));
        assert!(loopback_only("localhost"));
        assert!(!loopback_only("all"));
        assert!(!loopback_only("127.0.0.1, 192.0.2.10"));
        assert!(!loopback_only(""));
    }
}
