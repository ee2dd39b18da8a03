use conflint_core::Model;
use conflint_core::httpd::HttpdTree;

use super::edit;
use super::hardening::{entry_start, number};
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// The strict CIS Apache 2.4 limits, off by default: `Timeout` above 10
    /// (9.1), `LimitRequestLine` above 512 (10.1), `LimitRequestFields`
    /// above 100 (10.2), `LimitRequestFieldSize` above 1024 (10.3),
    /// `LimitRequestBody` above 102400 or 0 (unlimited) (10.4). httpd's
    /// defaults (60, 8190, 100, 8190, 1 GiB; unlimited up to 2.4.53) fail
    /// all but 10.2, so a tree read from its entry file that does not set
    /// them gets one finding per directive at its start.
    ///
    /// ## Why is this bad?
    /// Smaller limits leave less room for slow clients and oversized
    /// requests. But they break real applications: a 512-byte request
    /// line is shorter than many search and tracking URLs, 1024-byte
    /// headers refuse ordinary cookies, 100 KB bodies refuse every upload,
    /// and 10 s drops slow proxied back ends (the ModSecurity CRS image
    /// left these alone for that reason). Select HT031 for a CIS audit, and
    /// set the limits per `<Location>` where they fit.
    ///
    /// ## Example
    /// ```apache
    /// LimitRequestBody 0
    /// ```
    /// Use instead:
    /// ```apache
    /// LimitRequestBody 102400
    /// ```
    ///
    /// ## Fix safety
    /// No fix: only the owner knows what the applications need.
    pub struct CisStrictLimits {
        code: "HT031",
        name: "cis-strict-limits",
        severity: Info,
        default_on: false,
        fix: None,
        references: [
            "CIS Apache 2.4 9.1",
            "CIS Apache 2.4 10.1",
            "CIS Apache 2.4 10.2",
            "CIS Apache 2.4 10.3",
            "CIS Apache 2.4 10.4",
        ],
        tags: ["cis", "cis-strict", "hardening"],
    }
}

/// Directive, CIS maximum, httpd's default (`None`: unlimited), CIS item.
const LIMITS: &[(&str, u64, Option<u64>, &str)] = &[
    ("Timeout", 10, Some(60), "9.1"),
    ("LimitRequestLine", 512, Some(8190), "10.1"),
    ("LimitRequestFields", 100, Some(100), "10.2"),
    ("LimitRequestFieldSize", 1024, Some(8190), "10.3"),
    ("LimitRequestBody", 102_400, Some(1 << 30), "10.4"),
];

impl Check for CisStrictLimits {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        for &(name, max, default, cis) in LIMITS {
            let mut seen = false;
            for id in tree.directives(name) {
                seen |= tree.context(id).is_none();
                let Some(value) = number(tree, id) else { continue };
                // `LimitRequestBody 0` is unlimited.
                let too_big = value > max || (name == "LimitRequestBody" && value == 0);
                if !too_big {
                    continue;
                }
                let shown = if value == 0 { "0 (unlimited)".to_string() } else { value.to_string() };
                checker.report(
                    edit::path(tree, id),
                    edit::arg_span(tree, id, 0),
                    format!("`{name} {shown}` is above CIS {cis}'s strict limit of {max}"),
                    None,
                );
            }
            if !seen && tree.is_entry && default.is_some_and(|d| d > max) {
                report_default(tree, checker, name, max, default, cis);
            }
        }
    }
}

fn report_default(tree: &HttpdTree, checker: &mut Checker<'_>, name: &str, max: u64, default: Option<u64>, cis: &str) {
    let default = match (name, default) {
        ("LimitRequestBody", _) => "1 GiB (unlimited before 2.4.54)".to_string(),
        (_, Some(d)) => d.to_string(),
        (_, None) => "unlimited".to_string(),
    };
    checker.report(
        &tree.entry().path,
        entry_start(),
        format!("`{name}` is not set, so httpd uses {default}, above CIS {cis}'s strict limit of {max}"),
        None,
    );
}
