//! The MPM settings a tree gives each MPM, shared by HT004 and HT005.
//!
//! When `LoadModule` says which MPM runs, only that one is checked. A tree
//! (or fragment) that does not say is checked for every MPM its
//! `<IfModule mpm_*>` sections name.

use conflint_core::httpd::conditions::mpm_named;
use conflint_core::httpd::{HttpdTree, ItemId};

/// The MPM directives HT004/HT005 read; `MaxClients` is the old name of
/// `MaxRequestWorkers`.
pub(super) const DIRECTIVES: &[&str] = &[
    "ServerLimit",
    "ThreadLimit",
    "ThreadsPerChild",
    "MaxRequestWorkers",
    "MaxClients",
    "StartServers",
    "MinSpareServers",
    "MinSpareThreads",
    "MaxSpareServers",
    "MaxSpareThreads",
    "MaxConnectionsPerChild",
    "MaxRequestsPerChild",
];

/// Whether a directive name is an MPM setting (any case).
pub(super) fn is_mpm_directive(name: &str) -> bool {
    DIRECTIVES.iter().any(|d| d.eq_ignore_ascii_case(name))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mpm {
    Prefork,
    Worker,
    Event,
}

impl Mpm {
    fn from_name(name: &str) -> Option<Mpm> {
        match name {
            "prefork" => Some(Mpm::Prefork),
            "worker" => Some(Mpm::Worker),
            "event" => Some(Mpm::Event),
            _ => None,
        }
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Mpm::Prefork => "prefork",
            Mpm::Worker => "worker",
            Mpm::Event => "event",
        }
    }

    pub(super) fn threaded(self) -> bool {
        self != Mpm::Prefork
    }

    /// Compiled-in limits and defaults (2.4, mpm_default.h and the MPM sources).
    pub(super) fn defaults(self) -> Defaults {
        match self {
            Mpm::Prefork => Defaults {
                server_limit: 256,
                max_server_limit: 200_000,
                thread_limit: 1,
                max_thread_limit: 1,
                threads_per_child: 1,
                max_request_workers: 256,
            },
            Mpm::Worker => Defaults {
                server_limit: 16,
                max_server_limit: 20_000,
                thread_limit: 64,
                max_thread_limit: 20_000,
                threads_per_child: 25,
                max_request_workers: 400,
            },
            Mpm::Event => Defaults {
                server_limit: 16,
                max_server_limit: 20_000,
                thread_limit: 64,
                max_thread_limit: 100_000,
                threads_per_child: 25,
                max_request_workers: 400,
            },
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Defaults {
    pub server_limit: i64,
    pub max_server_limit: i64,
    pub thread_limit: i64,
    pub max_thread_limit: i64,
    pub threads_per_child: i64,
    pub max_request_workers: i64,
}

/// The MPMs to check a tree for.
pub(super) fn candidates(tree: &HttpdTree) -> Vec<Mpm> {
    if let Some(mpm) = tree.mpm.as_deref().and_then(Mpm::from_name) {
        return vec![mpm];
    }
    let mut found = Vec::new();
    for (id, item) in tree.items_with_ids() {
        if item.is_section || !is_mpm_directive(&item.name) {
            continue;
        }
        for mpm in mpms_around(tree, id).into_iter().flatten() {
            if !found.contains(&mpm) {
                found.push(mpm);
            }
        }
    }
    found
}

/// The MPMs named by `<IfModule>` sections around an item; `None` for an
/// MPM conflint does not check (mpm_winnt, mpm_netware...).
fn mpms_around(tree: &HttpdTree, id: ItemId) -> Vec<Option<Mpm>> {
    tree.ancestors(id)
        .filter(|a| tree.item(*a).is("IfModule"))
        .filter_map(|a| tree.item(a).args.first().filter(|arg| !arg.starts_with('!')).and_then(|arg| mpm_named(arg)))
        .map(Mpm::from_name)
        .collect()
}

/// Whether an item applies under `mpm`: in server context and not inside
/// an `<IfModule>` for another MPM.
fn applies(tree: &HttpdTree, id: ItemId, mpm: Mpm) -> bool {
    tree.context(id).is_none() && mpms_around(tree, id).iter().all(|m| *m == Some(mpm))
}

/// One setting: its value and the directive that set it (`None`: default).
#[derive(Debug, Clone, Copy)]
pub(super) struct Setting {
    pub value: i64,
    pub item: Option<ItemId>,
}

/// The MPM settings in force, for one MPM.
#[derive(Debug, Clone)]
pub(super) struct MpmSettings {
    pub mpm: Mpm,
    pub server_limit: Setting,
    pub thread_limit: Setting,
    pub threads_per_child: Setting,
    pub max_request_workers: Setting,
    pub start_servers: Option<Setting>,
    pub min_spare: Option<Setting>,
    /// Items in reading order, for 2.2's parse-time checks.
    pub sequence: Vec<(ItemId, String, i64)>,
}

/// Read the settings for `mpm`: the last value of each directive wins.
pub(super) fn settings(tree: &HttpdTree, mpm: Mpm) -> MpmSettings {
    let d = mpm.defaults();
    let mut s = MpmSettings {
        mpm,
        server_limit: Setting { value: d.server_limit, item: None },
        thread_limit: Setting { value: d.thread_limit, item: None },
        threads_per_child: Setting { value: d.threads_per_child, item: None },
        max_request_workers: Setting { value: d.max_request_workers, item: None },
        start_servers: None,
        min_spare: None,
        sequence: Vec::new(),
    };
    for (id, item) in tree.items_with_ids() {
        if item.is_section || !is_mpm_directive(&item.name) || !applies(tree, id, mpm) {
            continue;
        }
        let Some(value) = item.args.first().and_then(|v| v.trim().parse::<i64>().ok()) else { continue };
        let setting = Setting { value, item: Some(id) };
        let name = item.name.to_ascii_lowercase();
        s.sequence.push((id, name.clone(), value));
        match name.as_str() {
            "serverlimit" => s.server_limit = setting,
            "threadlimit" if mpm.threaded() => s.thread_limit = setting,
            "threadsperchild" if mpm.threaded() => s.threads_per_child = setting,
            "maxrequestworkers" | "maxclients" => s.max_request_workers = setting,
            "startservers" => s.start_servers = Some(setting),
            "minspareservers" if !mpm.threaded() => s.min_spare = Some(setting),
            "minsparethreads" if mpm.threaded() => s.min_spare = Some(setting),
            _ => {}
        }
    }
    s
}
