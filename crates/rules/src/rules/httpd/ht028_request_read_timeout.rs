use conflint_core::Model;

use super::edit;
use super::hardening::entry_start;
use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds a tree without slow-request protection: mod_reqtimeout not
    /// loaded (only in a tree read from its entry file whose modules are
    /// all known), or a `RequestReadTimeout` whose `header` stage may last
    /// more than 40 seconds or whose `body` stage more than 20, or that
    /// turns a stage off with `0` (CIS Apache 2.4 9.5, 9.6). Without the
    /// directive mod_reqtimeout uses `header=20-40,MinRate=500
    /// body=20,MinRate=500`, which passes.
    ///
    /// ## Why is this bad?
    /// A client that sends its request one byte at a time (Slowloris)
    /// holds a worker for as long as `Timeout` allows for each byte. A few
    /// hundred such connections fill `MaxRequestWorkers` and the site stops
    /// answering, from one machine and little bandwidth.
    ///
    /// ## Example
    /// ```apache
    /// RequestReadTimeout header=120 body=60
    /// ```
    /// Use instead:
    /// ```apache
    /// RequestReadTimeout header=20-40,MinRate=500 body=20,MinRate=500
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: the fix sets the offending stage to mod_reqtimeout's default;
    /// clients on very slow links that send large uploads can be cut off.
    /// A missing module is reported only: where its `.so` is, and whether
    /// to use `a2enmod reqtimeout`, depends on the layout.
    pub struct RequestReadTimeout {
        code: "HT028",
        name: "request-read-timeout",
        severity: Warning,
        default_on: true,
        fix: Unsafe,
        references: ["CIS Apache 2.4 9.5", "CIS Apache 2.4 9.6"],
        tags: ["cis", "hardening"],
    }
}

impl Check for RequestReadTimeout {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        if tree.is_entry && tree.modules.complete && !tree.modules.is_loaded("reqtimeout_module") {
            checker.report(
                &tree.entry().path,
                entry_start(),
                "mod_reqtimeout is not loaded: a client sending its request one byte at a time (Slowloris) holds a worker for the whole `Timeout`; load it (`LoadModule reqtimeout_module ...`, Debian: `a2enmod reqtimeout`) (CIS 9.5/9.6)",
                None,
            );
            return;
        }
        for id in tree.directives("RequestReadTimeout") {
            for (index, arg) in tree.item(id).args.iter().enumerate() {
                let Some((stage, value)) = arg.split_once('=') else { continue };
                let stage = stage.to_ascii_lowercase();
                let (limit, default, cis) = match stage.as_str() {
                    "header" => (40, "header=20-40,MinRate=500", "9.5"),
                    "body" => (20, "body=20,MinRate=500", "9.6"),
                    _ => continue,
                };
                let timeout = value.split(',').next().unwrap_or("");
                let upper = timeout.rsplit('-').next().and_then(|t| t.trim().parse::<u64>().ok());
                let problem = match upper {
                    Some(0) => format!("`{arg}` turns off the {stage} timeout"),
                    Some(n) if n > limit => {
                        format!("`{arg}` lets the {stage} take up to {n} s (CIS {cis}: at most {limit})")
                    }
                    _ => continue,
                };
                let fix = edit::replace_arg(tree, id, index, default)
                    .map(|e| Fix::unsafe_(format!("set `{default}` (mod_reqtimeout's default)"), vec![e]));
                checker.report(
                    edit::path(tree, id),
                    edit::arg_span(tree, id, index),
                    format!("{problem}: slow clients (Slowloris) can hold workers that long"),
                    fix,
                );
            }
        }
    }
}
