//! `sync` lines: together, the `sync` lines of a cohort list all its members. Each line is an
//! `add` that also lists its user; after the last line, the members no line lists are removed,
//! and each list says what it did ([`SyncedCohort`]), over the removal limit or not.

use std::collections::HashSet;

use super::{
    effect::Effect,
    line::CohortLine,
    plan::CohortOp,
    planner::{Planner, user_label},
};
use crate::{
    error::LineError,
    outcome::{SyncedCohort, UserLabel},
};

/// The member list that a cohort's `sync` lines build.
#[derive(Debug, Clone)]
pub(super) struct SyncList {
    /// The cohort's state.
    index: usize,
    /// Its members before the file (the first `sync` line comes before any other change).
    before: HashSet<i64>,
    /// The users the successful `sync` lines list.
    listed: HashSet<i64>,
}

impl Planner<'_> {
    /// `sync`: as `add`, and the user (if any) is listed as a member of the cohort.
    pub(super) fn sync(
        &mut self,
        line: &CohortLine,
        key: String,
    ) -> Result<Vec<Effect>, LineError> {
        let first = !self.synced_keys.contains_key(&key);
        // Only `sync` lines touched the cohort before (see `apply`), and they only add: its
        // members when first synced are its members before the file.
        let before = match self.find_cohort(&line.key)? {
            Some(index) if first => self.cohorts[index].members.clone(),
            _ => HashSet::new(),
        };
        let (index, user, effects) = self.upsert(line)?;
        let position = match self.synced_keys.get(&key) {
            Some(&position) => position,
            None => {
                self.syncs.push(SyncList {
                    index,
                    before,
                    listed: HashSet::new(),
                });
                self.synced_keys.insert(key, self.syncs.len() - 1);
                self.syncs.len() - 1
            }
        };
        if let Some(user) = user {
            self.syncs[position].listed.insert(user);
        }
        Ok(effects)
    }

    /// After the last line: removes from each synced cohort the members its `sync` lines do
    /// not list, except those a failed `sync` line of the cohort names (the file may mean to
    /// list them). Returns what each list does and the removals, as effects after the last
    /// line. A cohort a sync empties is not "emptied" for `delete_empty`: the file says it
    /// exists.
    pub(super) fn finish_syncs(
        &mut self,
        failed_syncs: &[(String, String)],
    ) -> (Vec<SyncedCohort>, Vec<Effect>) {
        let identifier = self.settings.user_identifier;
        let mut named_by_failed: Vec<HashSet<String>> = vec![HashSet::new(); self.syncs.len()];
        for (key, user) in failed_syncs {
            if let (Some(&position), Ok(user_key)) =
                (self.synced_keys.get(key), identifier.normalize(user))
            {
                named_by_failed[position].insert(user_key);
            }
        }
        let limit = usize::from(self.settings.max_sync_removal_percent.min(100));
        let mut summaries = Vec::with_capacity(self.syncs.len());
        let mut effects = Vec::new();
        let mut removals: Vec<(usize, Vec<i64>)> = Vec::new();
        for (position, list) in self.syncs.iter().enumerate() {
            let cohort = &self.cohorts[list.index];
            let label = cohort.label();
            let mut unlisted: Vec<i64> = cohort
                .members
                .iter()
                .copied()
                .filter(|user| !list.listed.contains(user))
                .collect();
            unlisted.sort_unstable();
            let mut removed = Vec::new();
            let mut kept = Vec::new();
            for user in unlisted {
                let account = self
                    .snapshot
                    .member_users
                    .get(&user)
                    .or_else(|| self.snapshot.users.iter().find(|row| row.id == user));
                let named = account.is_some_and(|account| {
                    named_by_failed[position].contains(&account.key(identifier))
                });
                let user_label = account.map_or_else(|| unknown_user_label(user), user_label);
                if named {
                    kept.push(user_label);
                } else {
                    self.ops.push(CohortOp::RemoveMember {
                        cohort: cohort.reference,
                        user,
                    });
                    effects.push(Effect::MemberNotListed {
                        user: user_label.clone(),
                        cohort: label.clone(),
                    });
                    removed.push((user, user_label));
                }
            }
            let before = list.before.len();
            summaries.push(SyncedCohort {
                cohort: label,
                members_before: before,
                added: list.listed.difference(&list.before).count(),
                unchanged: list.listed.intersection(&list.before).count(),
                over_limit: before > 0 && removed.len() * 100 > limit * before,
                removed: removed.iter().map(|(_, user)| user.clone()).collect(),
                kept,
            });
            removals.push((
                list.index,
                removed.into_iter().map(|(user, _)| user).collect(),
            ));
        }
        for (index, removed) in removals {
            for user in removed {
                self.cohorts[index].members.remove(&user);
            }
        }
        (summaries, effects)
    }
}

/// A member whose account could not be read (a membership left by a deleted row).
fn unknown_user_label(id: i64) -> UserLabel {
    UserLabel {
        id,
        username: format!("(user id {id})"),
        idnumber: String::new(),
        fullname: String::new(),
    }
}
