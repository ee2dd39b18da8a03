use conflint_core::Span;
use conflint_core::httpd::{ApacheVersion, HttpdTree, ItemId};

use super::edit;
use super::mpm::{self, Mpm, MpmSettings, Setting};
use crate::context::{Checker, Unit};
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::{Rule, RuleMeta};

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
    /// 500` before `ServerLimit 500` is cut to 256.
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
    /// get more.
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
    new_value: i64,
    /// Where to add the directive when it is not written (its default is what httpd corrects).
    anchor: Option<ItemId>,
    warning: String,
    advice: &'static str,
}

impl Rule for MpmLimits {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, unit: &Unit<'_>, checker: &mut Checker<'_>) {
        let Unit::Httpd(tree) = unit else { return };
        for mpm in mpm::candidates(tree) {
            let settings = mpm::settings(tree, mpm);
            let corrections = match (tree.version, mpm) {
                (ApacheVersion::V2_2, _) => check_2_2(&settings),
                (_, Mpm::Prefork) => check_prefork(&settings),
                _ => check_threaded(&settings),
            };
            for c in corrections {
                report(tree, checker, mpm, c);
            }
        }
    }
}

fn report(tree: &HttpdTree, checker: &mut Checker<'_>, mpm: Mpm, c: Correction) {
    let message = format!(
        "{} ({}): httpd prints `{}` and uses {} {}{}",
        c.directive,
        mpm.name(),
        c.warning,
        c.directive,
        c.new_value,
        c.advice
    );
    let (path, span, edit) = match (c.setting.item, c.anchor) {
        (Some(item), _) => (
            edit::path(tree, item).to_path_buf(),
            edit::arg_span(tree, item, 0),
            edit::replace_arg(tree, item, 0, &c.new_value.to_string()),
        ),
        (None, Some(anchor)) => (
            edit::path(tree, anchor).to_path_buf(),
            edit::directive_span(tree, anchor),
            edit::insert_after(tree, anchor, &format!("{} {}", c.directive, c.new_value)),
        ),
        (None, None) => (tree.entry().path.clone(), Span::empty(0), None),
    };
    let fix = edit.map(|e| Fix::safe(format!("set {} {}, the value httpd uses", c.directive, c.new_value), vec![e]));
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
            new_value: d.max_server_limit,
            anchor: None,
            warning: format!("AH00175: WARNING: ServerLimit of {server_limit} exceeds compile-time limit of {0} servers, decreasing to {0}.", d.max_server_limit),
            advice: NO_ADVICE,
        });
        server_limit = d.max_server_limit;
    } else if server_limit < 1 {
        out.push(Correction {
            directive: "ServerLimit",
            setting: s.server_limit,
            new_value: 1,
            anchor: None,
            warning: format!("AH00177: WARNING: ServerLimit of {server_limit} not allowed, increasing to 1."),
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
            new_value: server_limit,
            anchor: s.server_limit.item,
            warning: format!("AH00180: WARNING: MaxRequestWorkers of {mrw} exceeds ServerLimit value of {server_limit} servers, decreasing MaxRequestWorkers to {server_limit}. To increase, please see the ServerLimit directive."),
            advice: RAISE_SERVER_LIMIT,
        });
    } else if mrw < 1 {
        out.push(Correction {
            directive: name,
            setting: s.max_request_workers,
            new_value: 1,
            anchor: None,
            warning: format!("AH00182: WARNING: MaxRequestWorkers of {mrw} not allowed, increasing to 1."),
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
    let mut server_limit = s.server_limit.value;
    if server_limit > d.max_server_limit || server_limit < 1 {
        let new = server_limit.clamp(1, d.max_server_limit);
        let warning = if server_limit > d.max_server_limit {
            format!(
                "WARNING: ServerLimit of {server_limit} exceeds compile-time limit of {new} servers, decreasing to {new}."
            )
        } else {
            format!("WARNING: ServerLimit of {server_limit} not allowed, increasing to 1.")
        };
        out.push(Correction {
            directive: "ServerLimit",
            setting: s.server_limit,
            new_value: new,
            anchor: None,
            warning,
            advice: NO_ADVICE,
        });
        server_limit = new;
    }
    let mut thread_limit = s.thread_limit.value;
    if thread_limit > d.max_thread_limit || thread_limit < 1 {
        let new = thread_limit.clamp(1, d.max_thread_limit);
        let warning = if thread_limit > d.max_thread_limit {
            format!(
                "{}: WARNING: ThreadLimit of {thread_limit} exceeds compile-time limit of {new} threads, decreasing to {new}.",
                code("AH00305", "AH00502")
            )
        } else {
            format!("WARNING: ThreadLimit of {thread_limit} not allowed, increasing to 1.")
        };
        out.push(Correction {
            directive: "ThreadLimit",
            setting: s.thread_limit,
            new_value: new,
            anchor: None,
            warning,
            advice: NO_ADVICE,
        });
        thread_limit = new;
    }
    let mut tpc = s.threads_per_child.value;
    if tpc > thread_limit {
        out.push(Correction {
            directive: "ThreadsPerChild",
            setting: s.threads_per_child,
            new_value: thread_limit,
            anchor: s.thread_limit.item,
            warning: format!("{}: WARNING: ThreadsPerChild of {tpc} exceeds ThreadLimit of {thread_limit} threads, decreasing to {thread_limit}. To increase, please see the ThreadLimit directive.", code("AH00310", "AH00507")),
            advice: RAISE_THREAD_LIMIT,
        });
        tpc = thread_limit;
    } else if tpc < 1 {
        out.push(Correction {
            directive: "ThreadsPerChild",
            setting: s.threads_per_child,
            new_value: 1,
            anchor: None,
            warning: format!("WARNING: ThreadsPerChild of {tpc} not allowed, increasing to 1."),
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
            new_value: mrw,
            anchor,
            warning: warnings.join(" then "),
            advice,
        });
    }
    out.extend(check_minimums(s, "", "", "MinSpareThreads"));
    out
}

/// StartServers and MinSpare* below 1.
fn check_minimums(s: &MpmSettings, start_code: &str, spare_code: &str, spare_name: &'static str) -> Vec<Correction> {
    let mut out = Vec::new();
    let prefix = |code: &str| if code.is_empty() { String::new() } else { format!("{code}: ") };
    if let Some(start) = s.start_servers.filter(|s| s.value < 1) {
        out.push(Correction {
            directive: "StartServers",
            setting: start,
            new_value: 1,
            anchor: None,
            warning: format!(
                "{}WARNING: StartServers of {} not allowed, increasing to 1.",
                prefix(start_code),
                start.value
            ),
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
            new_value: 1,
            anchor: None,
            warning: format!(
                "{}WARNING: {spare_name} of {} not allowed, increasing to 1{tail}",
                prefix(spare_code),
                spare.value
            ),
            advice: NO_ADVICE,
        });
    }
    out
}

/// 2.2 checks each value while reading, against the limits read so far.
fn check_2_2(s: &MpmSettings) -> Vec<Correction> {
    let d = s.mpm.defaults();
    let mut server_limit = d.server_limit;
    let mut thread_limit = d.thread_limit;
    let mut tpc = d.threads_per_child;
    let mut out = Vec::new();
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
                        new_value: thread_limit,
                        anchor: None,
                        warning: format!("WARNING: ThreadsPerChild of {tpc} exceeds ThreadLimit value of {thread_limit} threads, lowering ThreadsPerChild to {thread_limit}.{note}"),
                        advice: RAISE_THREAD_LIMIT,
                    });
                    tpc = thread_limit;
                }
            }
            "maxclients" | "maxrequestworkers" => {
                let limit = if s.mpm.threaded() { server_limit * tpc } else { server_limit };
                let mut mrw = *value;
                let mut warnings = Vec::new();
                if s.mpm.threaded() && mrw % tpc != 0 {
                    let new = (mrw / tpc) * tpc;
                    warnings.push(format!("WARNING: MaxClients ({mrw}) is not an integer multiple of ThreadsPerChild ({tpc}), lowering MaxClients to {new} for a maximum of {} child processes,", new / tpc));
                    mrw = new;
                }
                if mrw > limit {
                    let note = later(*id, "serverlimit").map(|v| format!(" (ServerLimit {v} comes later: 2.2 checks MaxClients against the ServerLimit read so far; move it up)")).unwrap_or_default();
                    if s.mpm.threaded() {
                        warnings.push(format!("WARNING: MaxClients of {mrw} would require {} servers, and would exceed the ServerLimit value of {server_limit}. Automatically lowering MaxClients to {limit}.{note}", mrw / tpc));
                    } else {
                        warnings.push(format!("WARNING: MaxClients of {mrw} exceeds ServerLimit value of {server_limit} servers, lowering MaxClients to {limit}. To increase, please see the ServerLimit directive.{note}"));
                    }
                    mrw = limit;
                }
                if !warnings.is_empty() {
                    let directive = if name == "maxclients" { "MaxClients" } else { "MaxRequestWorkers" };
                    out.push(Correction {
                        directive,
                        setting,
                        new_value: mrw,
                        anchor: None,
                        warning: warnings.join(" "),
                        advice: RAISE_SERVER_LIMIT,
                    });
                }
            }
            _ => {}
        }
    }
    out
}
