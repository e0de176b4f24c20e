//! Decides what each line of a cohort file does, against a [`Snapshot`] of the rows it refers to,
//! and lists the writes that carry it out as [`CohortOp`]s. Pure: the database is read before
//! (into the snapshot) and written after (from the ops), so a simulation is the same plan with
//! the writes left out.
//!
//! Lines are applied in file order to an in-memory model of the cohorts they touch, so a line
//! sees what earlier lines did. A line is checked completely before it changes the model: a
//! line that fails has no effect at all.
//!
//! `sync` lines are the exception to "one line, its own effects": together, the `sync` lines
//! of a cohort list all its members, so the members they do not list are removed after the
//! last line, once the whole list is known ([`SyncedCohort`](crate::outcome::SyncedCohort)). A
//! cohort is either synced or changed by `add`/`del`/`free` lines in one file, never both: the
//! later line of the other kind fails.
//!
//! This file holds what the rest of the crate sees of the planning: the snapshot, the ops and
//! [`plan`]. The planner that walks the lines is in `planner.rs`, each command beside it:
//! `add.rs`, `removal.rs` (`del`, `free`, and `delete_empty`) and `sync.rs`.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::{
    effect::Effect,
    line::{CohortCmd, CohortSettings, ParsedFile},
    planner::Planner,
};
use crate::{
    command::refs::{CategoryRef, CohortIdentifier, UserIdentifier},
    outcome::FileOutcome,
};

/// The keys a file mentions, for the database to load what they match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wanted {
    /// User keys, normalised for the configured identifier.
    pub users: BTreeSet<String>,
    /// Cohort ids.
    pub cohort_ids: BTreeSet<i64>,
    /// Cohort names.
    pub cohort_names: BTreeSet<String>,
    /// Cohort idnumbers (keys, and idnumbers a line gives to a cohort).
    pub cohort_idnumbers: BTreeSet<String>,
    /// Course category ids.
    pub category_ids: BTreeSet<i64>,
    /// Course category idnumbers.
    pub category_idnumbers: BTreeSet<String>,
    /// Keys of the cohorts `sync` lines list, as [`CohortRow::key`] gives them: the accounts
    /// of their members are read too, to name those the file removes.
    pub synced_cohorts: BTreeSet<String>,
}

impl Wanted {
    /// Collects the keys of every line that parsed.
    pub fn of(file: &ParsedFile, settings: &CohortSettings) -> Wanted {
        let mut wanted = Wanted::default();
        for line in file.lines.iter().filter_map(|line| line.line.as_ref().ok()) {
            match settings.cohort_identifier {
                CohortIdentifier::Id => {
                    if let Ok(id) = line.key.parse() {
                        wanted.cohort_ids.insert(id);
                    }
                }
                CohortIdentifier::Idnumber => {
                    wanted.cohort_idnumbers.insert(line.key.clone());
                }
                CohortIdentifier::Name => {
                    wanted.cohort_names.insert(line.key.clone());
                }
            }
            if let Some(idnumber) = &line.idnumber {
                wanted.cohort_idnumbers.insert(idnumber.clone());
            }
            if let Some(Ok(key)) = line
                .user
                .as_deref()
                .map(|user| settings.user_identifier.normalize(user))
            {
                wanted.users.insert(key);
            }
            if let Some(CategoryRef::Id(id)) = line.category {
                wanted.category_ids.insert(id);
            }
            if let Some(idnumber) = &line.category_idnumber {
                wanted.category_idnumbers.insert(idnumber.clone());
            }
            if line.cmd == CohortCmd::Sync {
                wanted
                    .synced_cohorts
                    .insert(cohort_key(settings.cohort_identifier, &line.key));
            }
        }
        wanted
    }
}

/// A cohort key as written, in the form [`CohortRow::key`] gives: ids without leading zeros.
pub(super) fn cohort_key(identifier: CohortIdentifier, key: &str) -> String {
    match identifier {
        CohortIdentifier::Id => key
            .parse::<i64>()
            .map_or_else(|_| key.to_owned(), |id| id.to_string()),
        CohortIdentifier::Idnumber | CohortIdentifier::Name => key.to_owned(),
    }
}

/// A user account, as far as cohort files need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    /// `user.id`.
    pub id: i64,
    /// `user.username`.
    pub username: String,
    /// `user.idnumber`.
    pub idnumber: String,
    /// `user.email`.
    pub email: String,
    /// `user.firstname`.
    pub firstname: String,
    /// `user.lastname`.
    pub lastname: String,
}

impl UserRow {
    /// The account's key for `identifier`, to compare with a file value normalised by
    /// [`UserIdentifier::normalize`]. Usernames are compared as stored: Moodle stores them in
    /// lowercase, and the file's value is lowercased. Emails are folded on both sides, in Rust,
    /// so that the match is the same on every backend.
    pub fn key(&self, identifier: UserIdentifier) -> String {
        match identifier {
            UserIdentifier::Id => self.id.to_string(),
            UserIdentifier::Idnumber => self.idnumber.clone(),
            UserIdentifier::Username => self.username.clone(),
            UserIdentifier::Email => self.email.to_lowercase(),
        }
    }
}

/// A cohort row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortRow {
    /// `cohort.id`.
    pub id: i64,
    /// `cohort.contextid`.
    pub contextid: i64,
    /// `cohort.name`.
    pub name: String,
    /// `cohort.idnumber`.
    pub idnumber: Option<String>,
    /// `cohort.description`.
    pub description: Option<String>,
    /// `cohort.visible`.
    pub visible: bool,
    /// `cohort.component`.
    pub component: String,
}

impl CohortRow {
    /// The cohort's key for `identifier`, to compare with a file's key (ids without leading
    /// zeros); `None` for a cohort without idnumber, when matching by idnumber.
    pub fn key(&self, identifier: CohortIdentifier) -> Option<String> {
        match identifier {
            CohortIdentifier::Id => Some(self.id.to_string()),
            CohortIdentifier::Idnumber => self.idnumber.clone(),
            CohortIdentifier::Name => Some(self.name.clone()),
        }
    }
}

/// A course category with its context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryRow {
    /// `course_categories.id`.
    pub id: i64,
    /// `course_categories.name`.
    pub name: String,
    /// `course_categories.idnumber`.
    pub idnumber: Option<String>,
    /// The category's context id, if Moodle has created it.
    pub contextid: Option<i64>,
}

/// The rows a file refers to, read in the transaction that will apply it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// The system context's id.
    pub system_context: i64,
    /// Non-deleted local users matching any wanted user key.
    pub users: Vec<UserRow>,
    /// Cohorts matching any wanted cohort key.
    pub cohorts: Vec<CohortRow>,
    /// The members of each loaded cohort.
    pub members: HashMap<i64, HashSet<i64>>,
    /// The number of enabled `cohort` enrolment methods bound to each loaded cohort.
    pub bindings: HashMap<i64, usize>,
    /// Categories matching any wanted category key or holding a loaded cohort.
    pub categories: Vec<CategoryRow>,
    /// The accounts of the members of the cohorts `sync` lines list, by id, whatever their
    /// state (deleted, another MNet host): only to name the members a sync removes or keeps,
    /// never to match a line's user.
    pub member_users: HashMap<i64, UserRow>,
}

/// A cohort an op refers to: one that exists, or the n-th one this file creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CohortRef {
    /// `cohort.id` of an existing cohort.
    Existing(i64),
    /// Index of a cohort created by an earlier [`CohortOp::Create`].
    New(usize),
}

/// The fields of a cohort to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCohort {
    /// `contextid`.
    pub contextid: i64,
    /// `name`.
    pub name: String,
    /// `idnumber` (NULL when none, as Moodle's API stores it).
    pub idnumber: Option<String>,
    /// `description`.
    pub description: String,
    /// `visible`.
    pub visible: bool,
    /// `component`.
    pub component: String,
}

/// The fields of a cohort to change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CohortChanges {
    /// New `name`.
    pub name: Option<String>,
    /// New `idnumber`.
    pub idnumber: Option<String>,
    /// New `description`.
    pub description: Option<String>,
    /// New `contextid`.
    pub contextid: Option<i64>,
    /// New `visible`.
    pub visible: Option<bool>,
    /// New `component`.
    pub component: Option<String>,
}

/// One write to carry out, in order, in the file's transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CohortOp {
    /// Insert a cohort; later ops name it `CohortRef::New(slot)`.
    Create {
        /// The index of this new cohort.
        slot: usize,
        /// Its fields.
        cohort: NewCohort,
    },
    /// Change some fields and bump `timemodified`.
    Update {
        /// The cohort.
        cohort: CohortRef,
        /// The changes.
        changes: CohortChanges,
    },
    /// Insert a membership.
    AddMember {
        /// The cohort.
        cohort: CohortRef,
        /// `user.id`.
        user: i64,
    },
    /// Delete a membership.
    RemoveMember {
        /// The cohort.
        cohort: CohortRef,
        /// `user.id`.
        user: i64,
    },
    /// Delete every membership of a cohort.
    RemoveAllMembers {
        /// The cohort.
        cohort: CohortRef,
    },
    /// Delete a cohort and its memberships, and disable the enrolment methods bound to it.
    Delete {
        /// The cohort.
        cohort: CohortRef,
    },
}

/// What a file does: its outcome for the report, and the writes that apply it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Line outcomes, effects after the last line, notes.
    pub outcome: FileOutcome<Effect>,
    /// The writes, in order.
    pub ops: Vec<CohortOp>,
}

/// Plans `file` against `snapshot`.
pub fn plan(file: &ParsedFile, snapshot: &Snapshot, settings: &CohortSettings) -> Plan {
    let mut planner = Planner::new(snapshot, settings);
    // Failed `sync` lines, as (cohort key, user as written): the members they name are kept.
    let mut failed_syncs: Vec<(String, String)> = Vec::new();
    let lines = file
        .lines
        .iter()
        .map(|parsed| {
            let result = parsed.plan_with(|line| planner.apply(line));
            if result.is_err() && parsed.command.eq_ignore_ascii_case("sync") {
                failed_syncs.push((
                    cohort_key(settings.cohort_identifier, &parsed.keys[0]),
                    parsed.keys[1].clone(),
                ));
            }
            parsed.outcome(result)
        })
        .collect();
    let (syncs, mut after) = planner.finish_syncs(&failed_syncs);
    if settings.delete_empty {
        after.extend(planner.delete_emptied());
    }
    Plan {
        outcome: file.outcome(lines, after, syncs),
        ops: planner.ops,
    }
}
