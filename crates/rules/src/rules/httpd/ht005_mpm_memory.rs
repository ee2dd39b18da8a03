use conflint_core::Span;
use conflint_core::httpd::ApacheVersion;

use super::edit;
use super::mpm::{self, Mpm};
use conflint_core::Model;

use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::Check;
use crate::settings::DEFAULT_PROCESS_SIZE;

declare_rule! {
    /// ## What it does
    /// When a memory budget is configured (`--memory 2GiB`, or `memory` in
    /// `[httpd]` of conflint.toml), checks that the processes httpd may
    /// start fit in it: `MaxRequestWorkers` processes for prefork,
    /// `MaxRequestWorkers / ThreadsPerChild` for worker and event, times the
    /// resident size of one process (`process-size`, default 48 MiB, a
    /// prefork child running mod_php).
    ///
    /// ## Why is this bad?
    /// "A webserver should never ever have to swap" (httpd's performance
    /// tuning guide). When a flood fills every worker, a limit that does not
    /// fit the machine's memory sends it into swap or the OOM killer, and
    /// the whole box dies instead of queueing requests.
    ///
    /// ## Example
    /// With `--memory 2GiB`:
    /// ```apache
    /// <IfModule mpm_prefork_module>
    ///     MaxRequestWorkers 150
    /// </IfModule>
    /// ```
    /// 150 x 48 MiB = 7.0 GiB > 2 GiB: at most 42 workers fit.
    ///
    /// ## Fix safety
    /// Unsafe: lowering `MaxRequestWorkers` (to a multiple of
    /// `ThreadsPerChild` for worker and event) changes how many requests are
    /// served at once.
    pub struct MpmMemory {
        code: "HT005",
        name: "mpm-memory",
        severity: Warning,
        default_on: true,
        fix: Unsafe,
    }
}

fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64)
}

fn mib(bytes: u64) -> String {
    format!("{} MiB", bytes >> 20)
}

impl Check for MpmMemory {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        let Some(memory) = checker.settings.httpd.memory else { return };
        let process = checker.settings.httpd.process_size.unwrap_or(DEFAULT_PROCESS_SIZE).max(1);
        for mpm in mpm::candidates(tree) {
            let s = mpm::settings(tree, mpm);
            // Only explicit settings in a fragment; defaults count in a whole tree.
            if !tree.is_entry && s.max_request_workers.item.is_none() {
                continue;
            }
            let tpc = if mpm.threaded() { s.threads_per_child.value.clamp(1, s.thread_limit.value.max(1)) } else { 1 };
            let mrw = s.max_request_workers.value.max(1);
            let processes = (mrw + tpc - 1) / tpc;
            let needed = processes as u64 * process;
            if needed <= memory {
                continue;
            }
            let fitting_processes = (memory / process) as i64;
            let new_mrw = (fitting_processes * tpc).max(tpc);
            let what = if mpm == Mpm::Prefork {
                format!("{mrw} processes")
            } else {
                format!("{processes} processes of {tpc} threads")
            };
            // The tree's own spelling: 2.2 (and old 2.4 trees) say MaxClients.
            let name = match s.max_request_workers.item {
                Some(item) if tree.item(item).is("MaxClients") => "MaxClients",
                None if tree.version == ApacheVersion::V2_2 => "MaxClients",
                _ => "MaxRequestWorkers",
            };
            let message = format!(
                "{name} {mrw} ({}) means {what} x {} = {} at full load, more than the {} budget; at most {new_mrw} fit",
                mpm.name(),
                mib(process),
                gib(needed),
                gib(memory)
            );
            let (path, span, edit) = match s.max_request_workers.item {
                Some(item) => (
                    edit::path(tree, item).to_path_buf(),
                    edit::arg_span(tree, item, 0),
                    edit::replace_arg(tree, item, 0, &new_mrw.to_string()),
                ),
                None => (
                    tree.entry().path.clone(),
                    Span::empty(0),
                    Some(edit::insert_top_level(tree, &format!("{name} {new_mrw}"))),
                ),
            };
            let fix = edit.map(|e| Fix::unsafe_(format!("lower {name} to {new_mrw}"), vec![e]));
            checker.report(&path, span, message, fix);
        }
    }
}
