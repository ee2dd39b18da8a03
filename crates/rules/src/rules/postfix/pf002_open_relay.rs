use std::path::Path;

use conflint_core::postfix::{Origin, Scope, ValueList};
use conflint_core::{Model, Span};

use super::{origin_span, overrides_any, smtpd_services, tree};
use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Reads `smtpd_relay_restrictions` and `smtpd_recipient_restrictions`
    /// as smtpd applies them to `RCPT TO` (the relay list first, then the
    /// recipient list; each list stops at its first `permit`/`reject`) and
    /// finds two broken relay controls:
    ///
    /// - a bare `permit` before the `reject_unauth_destination` (or
    ///   `defer_unauth_destination`, `reject`, `defer`, `defer_if_permit`)
    ///   of the list that has it, while no list blocks before a `permit`;
    /// - neither list has any of those restrictions (on Postfix before
    ///   2.10, or with `smtpd_relay_restrictions` emptied for the pre-2.10
    ///   behaviour). Reported only when at least one of the lists is
    ///   written in the file.
    ///
    /// Postfix 2.10 and later need nothing written: the default
    /// `smtpd_relay_restrictions = permit_mynetworks,
    /// permit_sasl_authenticated, defer_unauth_destination` (empty with
    /// `compatibility_level` below 1) blocks relaying. Access tables
    /// (`check_client_access` and friends) are taken as not permitting
    /// everyone: what they return is not in the file.
    ///
    /// ## Why is this bad?
    /// A `permit` in front of the relay check makes an open relay: every
    /// client on the internet may send mail through this server to any
    /// domain, and it is on block lists within hours. The usual cause is
    /// an "allow everything for now" line, or SMTPD_ACCESS_README's warning
    /// case of a permissive restriction put in front of the relay check.
    /// Without any relay check at all smtpd refuses to run ("specify at
    /// least one working instance of: reject_unauth_destination, ..."), and
    /// the server receives no mail.
    ///
    /// Sources: postconf(5) `smtpd_relay_restrictions`,
    /// `smtpd_recipient_restrictions`; SMTPD_ACCESS_README; smtpd_check.c.
    ///
    /// ## Example
    /// ```text
    /// smtpd_relay_restrictions = permit_mynetworks, permit, reject_unauth_destination
    /// ```
    /// Use instead:
    /// ```text
    /// smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
    /// ```
    ///
    /// ## Fix safety
    /// None: conflint cannot know which clients are meant to relay
    /// (`mynetworks`, SASL, client certificates).
    pub struct OpenRelay {
        code: "PF002",
        name: "open-relay",
        severity: Error,
        default_on: true,
        fix: None,
        references: ["SMTPD_ACCESS_README"],
    }
}

/// Restrictions smtpd accepts as relay protection (smtpd_check.c
/// `rcpt_required`).
const GUARDS: [&str; 6] = [
    "reject_unauth_destination",
    "defer_unauth_destination",
    "reject",
    "defer",
    "defer_if_permit",
    "check_relay_domains",
];

const LISTS: [&str; 2] = ["smtpd_relay_restrictions", "smtpd_recipient_restrictions"];

/// How one list treats mail to another domain.
struct Reading<'l> {
    /// The list's first guard.
    guard: Option<usize>,
    /// The first bare `permit` (its item, with the index).
    permit: Option<(usize, &'l conflint_core::postfix::ListItem)>,
}

impl Reading<'_> {
    fn blocks(&self) -> bool {
        match (self.guard, self.permit) {
            (Some(g), Some((p, _))) => g < p,
            (Some(_), None) => true,
            _ => false,
        }
    }
}

fn read<'l>(list: &'l ValueList<'_>) -> Reading<'l> {
    let uses = list.restrictions();
    let guard = uses.iter().position(|u| GUARDS.iter().any(|g| u.restriction.is(g)));
    let permit = uses.iter().enumerate().find(|(_, u)| u.restriction.is("permit")).map(|(i, u)| (i, u.restriction));
    Reading { guard, permit }
}

impl Check for OpenRelay {
    fn check(&self, model: &Model, checker: &mut Checker<'_>) {
        let Some(tree) = tree(model) else { return };
        let config = &tree.config;
        let mut scopes = Vec::new();
        if tree.main_path.is_some() {
            scopes.push(Scope::Main);
        }
        for service in smtpd_services(config) {
            if overrides_any(service, &LISTS) {
                scopes.push(Scope::Service(service));
            }
        }
        for scope in scopes {
            let lists: Vec<(&str, ValueList<'_>)> = config
                .restrictions_in(scope)
                .into_iter()
                .filter(|(name, _)| LISTS.contains(name))
                .filter_map(|(name, list)| Some((name, list.ok()?)))
                .collect();
            let readings: Vec<Reading<'_>> = lists.iter().map(|(_, l)| read(l)).collect();
            if readings.iter().any(Reading::blocks) {
                continue;
            }
            let written: Vec<&(&str, ValueList<'_>)> = lists
                .iter()
                .filter(|(_, l)| matches!(l.effective.raw.origin, Origin::MainCf { .. } | Origin::Override { .. }))
                .collect();
            let where_ = match scope {
                Scope::Service(s) => format!(" for master.cf service `{}`", s.key()),
                Scope::Main => String::new(),
            };
            // A permit before the guard of the list that has one.
            let open = lists.iter().zip(&readings).find(|(_, r)| r.guard.is_some() && r.permit.is_some());
            if let Some(((name, list), reading)) = open {
                let Some((_, permit)) = reading.permit else { continue };
                let Some((path, span)) = place(tree, &list.effective.raw.origin, permit.span) else { continue };
                let message = format!(
                    "open relay{where_}: `permit` comes before the relay check in `{name}`, and no restriction list stops mail to other domains before a `permit`: anyone may send mail through this server to any domain; put `reject_unauth_destination` (after the `permit_*` restrictions for your own clients) before any `permit`"
                );
                checker.report(path, span, message, None);
                continue;
            }
            if readings.iter().all(|r| r.guard.is_none()) && !written.is_empty() {
                let (name, list) = written[written.len() - 1];
                let Some((path, span)) = place(tree, &list.effective.raw.origin, None) else { continue };
                let message = format!(
                    "neither `smtpd_relay_restrictions` nor `smtpd_recipient_restrictions`{where_} has `reject_unauth_destination` (or `defer_unauth_destination`, `reject`, `defer`, `defer_if_permit`): smtpd stops with \"specify at least one working instance of ...\" and the server receives no mail; add `reject_unauth_destination` to `{name}` after the `permit_*` restrictions for your own clients (never a bare `permit`)"
                );
                checker.report(path, span, message, None);
            }
        }
    }
}

/// The file and span of a finding: the item when it is written, else the
/// setting that gives the list.
fn place<'t>(
    tree: &'t conflint_core::postfix::PostfixTree,
    origin: &Origin<'_>,
    item: Option<Span>,
) -> Option<(&'t Path, Span)> {
    let (path, setting) = origin_span(tree, origin)?;
    Some((path, item.unwrap_or(setting)))
}
