use conflint_core::Span;
use conflint_core::httpd::{ApacheVersion, HttpdTree, ItemId};

use super::edit;
use super::mpm::{self, Mpm, MpmSettings, Setting};
use conflint_core::Model;

use crate::context::Checker;
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Finds MPM settings that httpd silently corrects at start-up, and
    /// quotes the warning httpd prints and the value it really uses:
    /// `MaxRequestWorkers` above `ServerLimit` (prefork); `ThreadsPerChild`
    /// above `ThreadLimit`, `MaxRequestWorkers` below `ThreadsPerChild` or
    /// not a multiple of it, or needing more than `ServerLimit` processes
    /// (worker, event); values below 1.
    ///
    /// In 2.4 the checks run after the whole configuration is read, so
    /// order does not matter. In 2.2 they run while reading: `MaxClients
    /// 500` before `ServerLimit 500` is cut to 256. And 2.2's worker MPM
    /// turns `MaxClients` into a number of processes with the
    /// `ThreadsPerChild` read so far (25 by default), then runs that many
    /// processes with the `ThreadsPerChild` read last: `ServerLimit 64`,
    /// `MaxClients 4096`, `ThreadsPerChild 64` prints warnings about 1600
    /// but runs 64 x 64 = 4096 workers (server/mpm/worker/worker.c on the
    /// 2.2.x branch, `set_max_clients`).
    ///
    /// ## Why is this bad?
    /// The configuration promises capacity the server does not have. The
    /// warning goes to the start-up log that nobody reads, and the box is
    /// sized on numbers that are not in force: the flood that "should" fit
    /// in 500 workers meets 256.
    ///
    /// ## Example
    /// ```apache
    /// <IfModule mpm_event_module>
    ///     ThreadsPerChild    25
    ///     MaxRequestWorkers 530
    /// </IfModule>
    /// ```
    /// httpd: `AH00513: WARNING: MaxRequestWorkers of 530 is not an integer
    /// multiple of ThreadsPerChild of 25, decreasing to nearest multiple 525,
    /// for a maximum of 21 servers.` (and then 525 exceeds 16 servers: 400).
    ///
    /// ## Fix safety
    /// Safe: the directive is set to the value httpd already uses, so
    /// nothing changes at run time; the configuration becomes honest. The
    /// message says what to raise (`ServerLimit`, `ThreadLimit`) to really
    /// get more. No fix where no single value is honest: 2.2's threaded
    /// MPMs with `ThreadsPerChild` after `MaxClients` (the message says to
    /// move it up), and a tree whose version is not known when 2.2 and 2.4
    /// would correct it differently.
    pub struct MpmLimits {
        code: "HT004",
        name: "mpm-limits",
        severity: Warning,
        default_on: true,
        fix: Safe,
    }
}

/// A value httpd corrects: which directive, what it becomes, and why.
struct Correction {
    directive: &'static str,
    setting: Setting,
    /// The value httpd uses, which a fix writes; `None` when no value of
    /// this directive alone says what httpd does (2.2's worker, see above).
    new_value: Option<i64>,
    /// Where to add the directive when it is not written (its default is what httpd corrects).
    anchor: Option<ItemId>,
    warning: String,
    /// What httpd then really runs, when `new_value` cannot say it.
    runs: Option<String>,
    advice: &'static str,
}

impl Check for MpmLimits {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Model::Httpd(tree) = model else { return };
        for mpm in mpm::candidates(tree) {
            let settings = mpm::settings(tree, mpm);
            let for_2_4 = || match mpm {
                Mpm::Prefork => check_prefork(&settings),
                _ => check_threaded(&settings),
            };
            if tree.version == ApacheVersion::V2_2 {
                for c in check_2_2(&settings) {
                    report(tree, checker, mpm, c, "");
                }
                continue;
            }
            if tree.version_known() {
                for c in for_2_4() {
                    report(tree, checker, mpm, c, "");
                }
                continue;
            }
            // Read as 2.4, but it may be a 2.2 tree: a fix is offered only
            // where 2.2 would use the same value.
            let as_2_2 = check_2_2(&settings);
            for mut c in for_2_4() {
                let same = as_2_2.iter().any(|d| d.setting.item == c.setting.item && d.new_value == c.new_value);
                if !same {
                    c.new_value = None;
                }
                report(
                    tree,
                    checker,
                    mpm,
                    c,
                    " (as httpd 2.4 reads it; nothing in the tree says which version it is for, and 2.2 reads these differently: --apache-version tells)",
                );
            }
        }
    }
}

fn report(tree: &HttpdTree, checker: &mut Checker<'_>, mpm: Mpm, c: Correction, note: &str) {
    let uses = match (&c.runs, c.new_value) {
        (Some(runs), _) => runs.clone(),
        (None, Some(value)) => format!("uses {} {value}", c.directive),
        (None, None) => "corrects it".to_string(),
    };
    let message =
        format!("{} ({}): httpd prints `{}` and {uses}{}{note}", c.directive, mpm.name(), c.warning, c.advice);
    let value = c.new_value.map(|v| v.to_string());
    let (path, span, edit) = match (c.setting.item, c.anchor) {
        (Some(item), _) => (
            edit::path(tree, item).to_path_buf(),
            edit::arg_span(tree, item, 0),
            value.as_ref().and_then(|v| edit::replace_arg(tree, item, 0, v)),
        ),
        (None, Some(anchor)) => (
            edit::path(tree, anchor).to_path_buf(),
            edit::directive_span(tree, anchor),
            value.as_ref().and_then(|v| edit::insert_after(tree, anchor, &format!("{} {v}", c.directive))),
        ),
        (None, None) => (tree.entry().path.clone(), Span::empty(0), None),
    };
    let fix = edit.and_then(|e| {
        let v = c.new_value?;
        Some(Fix::safe(format!("set {} {v}, the value httpd uses", c.directive), vec![e]))
    });
    checker.report(&path, span, message, fix);
}

/// The name a tree uses for MaxRequestWorkers (its own spelling if written).
fn mrw_name(tree_item: Option<ItemId>, settings: &MpmSettings) -> &'static str {
    let old = settings.sequence.iter().any(|(id, n, _)| Some(*id) == tree_item && n == "maxclients");
    if old { "MaxClients" } else { "MaxRequestWorkers" }
}

const RAISE_SERVER_LIMIT: &str = "; to really get more, raise ServerLimit";
const RAISE_THREAD_LIMIT: &str = "; to really get more, raise ThreadLimit";
const NO_ADVICE: &str = "";

/// prefork_check_config (2.4).
fn check_prefork(s: &MpmSettings) -> Vec<Correction> {
    let d = Mpm::Prefork.defaults();
    let mut out = Vec::new();
    let mut server_limit = s.server_limit.value;
    if server_limit > d.max_server_limit {
        out.push(Correction {
            directive: "ServerLimit",
            setting: s.server_limit,
            new_value: Some(d.max_server_limit),
            anchor: None,
            warning: format!("AH00175: WARNING: ServerLimit of {server_limit} exceeds compile-time limit of {0} servers, decreasing to {0}.", d.max_server_limit),
            runs: None,
            advice: NO_ADVICE,
        });
        server_limit = d.max_server_limit;
    } else if server_limit < 1 {
        out.push(Correction {
            directive: "ServerLimit",
            setting: s.server_limit,
            new_value: Some(1),
            anchor: None,
            warning: format!("AH00177: WARNING: ServerLimit of {server_limit} not allowed, increasing to 1."),
            runs: None,
            advice: NO_ADVICE,
        });
        server_limit = 1;
    }
    let mrw = s.max_request_workers.value;
    let name = mrw_name(s.max_request_workers.item, s);
    if mrw > server_limit {
        out.push(Correction {
            directive: name,
            setting: s.max_request_workers,
            new_value: Some(server_limit),
            anchor: s.server_limit.item,
            warning: format!("AH00180: WARNING: MaxRequestWorkers of {mrw} exceeds ServerLimit value of {server_limit} servers, decreasing MaxRequestWorkers to {server_limit}. To increase, please see the ServerLimit directive."),
            runs: None,
            advice: RAISE_SERVER_LIMIT,
        });
    } else if mrw < 1 {
        out.push(Correction {
            directive: name,
            setting: s.max_request_workers,
            new_value: Some(1),
            anchor: None,
            warning: format!("AH00182: WARNING: MaxRequestWorkers of {mrw} not allowed, increasing to 1."),
            runs: None,
            advice: NO_ADVICE,
        });
    }
    out.extend(check_minimums(s, "AH00184", "AH00186", "MinSpareServers"));
    out
}

/// worker_check_config / event_check_config (2.4), in httpd's order.
fn check_threaded(s: &MpmSettings) -> Vec<Correction> {
    let d = s.mpm.defaults();
    let event = s.mpm == Mpm::Event;
    let code = |worker: &str, event_code: &str| if event { event_code.to_string() } else { worker.to_string() };
    let mut out = Vec::new();
    let (server_limit, correction) = compile_time_limit(
        "ServerLimit",
        s.server_limit,
        d.max_server_limit,
        "servers",
        (&code("AH00300", "AH00497"), &code("AH00302", "AH00499")),
    );
    out.extend(correction);
    let (thread_limit, correction) = compile_time_limit(
        "ThreadLimit",
        s.thread_limit,
        d.max_thread_limit,
        "threads",
        (&code("AH00305", "AH00502"), &code("AH00307", "AH00504")),
    );
    out.extend(correction);
    let mut tpc = s.threads_per_child.value;
    if tpc > thread_limit {
        out.push(Correction {
            directive: "ThreadsPerChild",
            setting: s.threads_per_child,
            new_value: Some(thread_limit),
            anchor: s.thread_limit.item,
            warning: format!("{}: WARNING: ThreadsPerChild of {tpc} exceeds ThreadLimit of {thread_limit} threads, decreasing to {thread_limit}. To increase, please see the ThreadLimit directive.", code("AH00310", "AH00507")),
            runs: None,
            advice: RAISE_THREAD_LIMIT,
        });
        tpc = thread_limit;
    } else if tpc < 1 {
        out.push(Correction {
            directive: "ThreadsPerChild",
            setting: s.threads_per_child,
            new_value: Some(1),
            anchor: None,
            warning: format!(
                "{}: WARNING: ThreadsPerChild of {tpc} not allowed, increasing to 1.",
                code("AH00312", "AH00509")
            ),
            runs: None,
            advice: NO_ADVICE,
        });
        tpc = 1;
    }
    let mrw_setting = s.max_request_workers;
    let name = mrw_name(mrw_setting.item, s);
    let anchor = s.threads_per_child.item.or(s.server_limit.item);
    let mut mrw = mrw_setting.value;
    let mut warnings = Vec::new();
    let mut advice = NO_ADVICE;
    if mrw < tpc {
        warnings.push(format!("{}: WARNING: MaxRequestWorkers of {mrw} is less than ThreadsPerChild of {tpc}, increasing to {tpc}. MaxRequestWorkers must be at least as large as the number of threads in a single server.", code("AH00314", "AH00511")));
        mrw = tpc;
    }
    if mrw % tpc != 0 {
        let new = (mrw / tpc) * tpc;
        warnings.push(format!("{}: WARNING: MaxRequestWorkers of {mrw} is not an integer multiple of ThreadsPerChild of {tpc}, decreasing to nearest multiple {new}, for a maximum of {} servers.", code("AH00316", "AH00513"), new / tpc));
        mrw = new;
    }
    if mrw / tpc > server_limit {
        let new = server_limit * tpc;
        warnings.push(format!("{}: WARNING: MaxRequestWorkers of {mrw} would require {} servers and would exceed ServerLimit of {server_limit}, decreasing to {new}. To increase, please see the ServerLimit directive.", code("AH00318", "AH00515"), mrw / tpc));
        mrw = new;
        advice = RAISE_SERVER_LIMIT;
    }
    if !warnings.is_empty() {
        out.push(Correction {
            directive: name,
            setting: mrw_setting,
            new_value: Some(mrw),
            anchor,
            warning: warnings.join(" then "),
            runs: None,
            advice,
        });
    }
    out.extend(check_minimums(s, "", "", "MinSpareThreads"));
    out
}

/// A limit httpd holds between 1 and its compile-time maximum (ServerLimit,
/// ThreadLimit of worker and event): the value it uses, and the correction
/// when it differs, with httpd's message codes for a value too high and
/// too low.
fn compile_time_limit(
    directive: &'static str,
    setting: Setting,
    max: i64,
    unit: &str,
    (too_high, too_low): (&str, &str),
) -> (i64, Option<Correction>) {
    let value = setting.value;
    if (1..=max).contains(&value) {
        return (value, None);
    }
    let new = value.clamp(1, max);
    let warning = if value > max {
        format!(
            "{too_high}: WARNING: {directive} of {value} exceeds compile-time limit of {new} {unit}, decreasing to {new}."
        )
    } else {
        format!("{too_low}: WARNING: {directive} of {value} not allowed, increasing to 1.")
    };
    let correction =
        Correction { directive, setting, new_value: Some(new), anchor: None, warning, runs: None, advice: NO_ADVICE };
    (new, Some(correction))
}

/// StartServers and MinSpare* below 1.
fn check_minimums(s: &MpmSettings, start_code: &str, spare_code: &str, spare_name: &'static str) -> Vec<Correction> {
    let mut out = Vec::new();
    let prefix = |code: &str| if code.is_empty() { String::new() } else { format!("{code}: ") };
    if let Some(start) = s.start_servers.filter(|s| s.value < 1) {
        out.push(Correction {
            directive: "StartServers",
            setting: start,
            new_value: Some(1),
            anchor: None,
            warning: format!(
                "{}WARNING: StartServers of {} not allowed, increasing to 1.",
                prefix(start_code),
                start.value
            ),
            runs: None,
            advice: NO_ADVICE,
        });
    }
    if let Some(spare) = s.min_spare.filter(|s| s.value < 1) {
        let tail = if spare_name == "MinSpareServers" {
            " to avoid almost certain server failure. Please read the documentation."
        } else {
            "."
        };
        out.push(Correction {
            directive: spare_name,
            setting: spare,
            new_value: Some(1),
            anchor: None,
            warning: format!(
                "{}WARNING: {spare_name} of {} not allowed, increasing to 1{tail}",
                prefix(spare_code),
                spare.value
            ),
            runs: None,
            advice: NO_ADVICE,
        });
    }
    out
}

/// 2.2 checks each value while reading, against the limits read so far
/// (server/mpm/{prefork,worker}/*.c on the 2.2.x branch). The threaded
/// MPMs keep only the number of processes `MaxClients` makes with the
/// `ThreadsPerChild` read so far, and run them with the last one.
fn check_2_2(s: &MpmSettings) -> Vec<Correction> {
    let d = s.mpm.defaults();
    let mut server_limit = d.server_limit;
    let mut thread_limit = d.thread_limit;
    let mut tpc = d.threads_per_child;
    let mut out = Vec::new();
    // The MaxClients line, its warnings, and the processes it made.
    let mut max_clients: Option<(Setting, &'static str, Vec<String>, i64, i64)> = None;
    let later =
        |after: ItemId, name: &str| s.sequence.iter().find(|(id, n, _)| *id > after && n == name).map(|(_, _, v)| *v);
    for (id, name, value) in &s.sequence {
        let setting = Setting { value: *value, item: Some(*id) };
        match name.as_str() {
            "serverlimit" => server_limit = *value,
            "threadlimit" => thread_limit = *value,
            "threadsperchild" if s.mpm.threaded() => {
                tpc = *value;
                if tpc > thread_limit {
                    let note = later(*id, "threadlimit").map(|v| format!(" (ThreadLimit {v} comes later: 2.2 checks against the ThreadLimit read so far; move it up)")).unwrap_or_default();
                    out.push(Correction {
                        directive: "ThreadsPerChild",
                        setting,
                        new_value: Some(thread_limit),
                        anchor: None,
                        warning: format!("WARNING: ThreadsPerChild of {tpc} exceeds ThreadLimit value of {thread_limit} threads, lowering ThreadsPerChild to {thread_limit}.{note}"),
                        runs: None,
                        advice: RAISE_THREAD_LIMIT,
                    });
                    tpc = thread_limit;
                } else if tpc < 1 {
                    tpc = 1;
                }
            }
            "maxclients" | "maxrequestworkers" => {
                let directive = if name == "maxclients" { "MaxClients" } else { "MaxRequestWorkers" };
                let mut mrw = *value;
                let mut warnings = Vec::new();
                if !s.mpm.threaded() {
                    if mrw > server_limit {
                        let note = later(*id, "serverlimit").map(|v| format!(" (ServerLimit {v} comes later: 2.2 checks MaxClients against the ServerLimit read so far; move it up)")).unwrap_or_default();
                        warnings.push(format!("WARNING: MaxClients of {mrw} exceeds ServerLimit value of {server_limit} servers, lowering MaxClients to {server_limit}. To increase, please see the ServerLimit directive.{note}"));
                        out.push(Correction {
                            directive,
                            setting,
                            new_value: Some(server_limit),
                            anchor: None,
                            warning: warnings.join(" "),
                            runs: None,
                            advice: RAISE_SERVER_LIMIT,
                        });
                    }
                    continue;
                }
                if mrw < tpc {
                    warnings.push(format!("WARNING: MaxClients ({mrw}) must be at least as large as ThreadsPerChild ({tpc}). Automatically increasing MaxClients to {tpc}."));
                    mrw = tpc;
                }
                let mut processes = mrw / tpc;
                if mrw % tpc != 0 {
                    warnings.push(format!("WARNING: MaxClients ({mrw}) is not an integer multiple of ThreadsPerChild ({tpc}), lowering MaxClients to {} for a maximum of {processes} child processes,", processes * tpc));
                    mrw = processes * tpc;
                }
                if processes > server_limit {
                    warnings.push(format!("WARNING: MaxClients of {mrw} would require {processes} servers, and would exceed the ServerLimit value of {server_limit}. Automatically lowering MaxClients to {}.", server_limit * tpc));
                    processes = server_limit;
                }
                max_clients = Some((setting, directive, warnings, processes.max(1), tpc));
            }
            _ => {}
        }
    }
    if let Some((setting, directive, warnings, processes, tpc_then)) = max_clients {
        let workers = processes * tpc;
        let moved = tpc != tpc_then;
        if !warnings.is_empty() || moved {
            let runs = format!("then runs {processes} processes x {tpc} threads = {workers} workers");
            let (new_value, advice) = if moved {
                // No MaxClients value alone says this: the order does.
                (
                    None,
                    "; 2.2 divides MaxClients by the ThreadsPerChild read before it: put ThreadsPerChild (and ServerLimit) before MaxClients",
                )
            } else {
                (Some(workers), RAISE_SERVER_LIMIT)
            };
            let warning = if warnings.is_empty() {
                format!("nothing, but ThreadsPerChild changes from {tpc_then} to {tpc} after {directive}")
            } else {
                warnings.join(" ")
            };
            out.push(Correction { directive, setting, new_value, anchor: None, warning, runs: Some(runs), advice });
        }
    }
    out
}
