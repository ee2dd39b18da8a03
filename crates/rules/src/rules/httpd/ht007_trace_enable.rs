use super::server_setting::ServerSetting;
use crate::context::{Checker, Unit};
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Finds an httpd tree whose effective `TraceEnable` in server context
    /// is not `Off`. Without the directive, TRACE is on.
    ///
    /// ## Why is this bad?
    /// TRACE echoes the request back, headers included. httpd's own
    /// documentation notes that this is no vulnerability in httpd itself,
    /// but scanners and audits flag it everywhere (cross-site tracing), and
    /// no production site needs it.
    ///
    /// ## Example
    /// ```apache
    /// TraceEnable On
    /// ```
    /// Use instead:
    /// ```apache
    /// TraceEnable Off
    /// ```
    ///
    /// ## Fix safety
    /// Safe: only TRACE requests change (405 instead of an echo).
    pub struct TraceEnable {
        code: "HT007",
        name: "trace-enable",
        severity: Info,
        default_on: true,
        fix: Safe,
    }
}

impl Rule for TraceEnable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, unit: &Unit<'_>, checker: &mut Checker<'_>) {
        let Unit::Httpd(tree) = unit else { return };
        let setting = ServerSetting {
            name: "TraceEnable",
            value: "Off",
            good: &|value| value.eq_ignore_ascii_case("off"),
            missing: "`TraceEnable` is not set, so TRACE requests are answered",
            wrong: &|value| format!("`TraceEnable {value}` answers TRACE requests; use `Off`"),
        };
        setting.check(tree, checker);
    }
}
