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
//! last line, once the whole list is known ([`SyncedCohort`]). A cohort is either synced or
//! changed by `add`/`del`/`free` lines in one file, never both: the later line of the other
//! kind fails.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::{
    effect::Effect,
    line::{CohortCmd, CohortLine, CohortSettings, ParsedFile},
    problem::Problem,
};
use crate::{
    command::refs::{CategoryRef, CohortIdentifier, UserIdentifier},
    error::{LineError, LineProblem},
    outcome::{CohortLabel, FieldChange, FileOutcome, LineOutcome, SyncedCohort, UserLabel},
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
fn cohort_key(identifier: CohortIdentifier, key: &str) -> String {
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
            let result = match &parsed.line {
                Ok(line) => planner.apply(line),
                Err(error) => Err(error.clone()),
            };
            if result.is_err() && parsed.command.eq_ignore_ascii_case("sync") {
                failed_syncs.push((
                    cohort_key(settings.cohort_identifier, &parsed.keys[0]),
                    parsed.keys[1].clone(),
                ));
            }
            LineOutcome {
                line: parsed.number,
                raw: parsed.raw.clone(),
                command: parsed.command.clone(),
                keys: parsed.keys.clone(),
                result,
            }
        })
        .collect();
    let (syncs, mut after) = planner.finish_syncs(&failed_syncs);
    if settings.delete_empty {
        after.extend(planner.delete_emptied());
    }
    Plan {
        outcome: FileOutcome {
            lines,
            after,
            notes: file.notes.clone(),
            empty_records: file.empty_records,
            enrolments: None,
            syncs,
            log_rows: 0,
        },
        ops: planner.ops,
    }
}

/// A cohort as the file sees it so far.
#[derive(Debug, Clone)]
struct CohortState {
    reference: CohortRef,
    name: String,
    idnumber: Option<String>,
    description: Option<String>,
    contextid: i64,
    visible: bool,
    component: String,
    members: HashSet<i64>,
    bindings: usize,
    alive: bool,
    /// Whether this file removed members from it (what `delete_empty` looks at).
    lost_members: bool,
}

impl CohortState {
    fn label(&self) -> CohortLabel {
        CohortLabel {
            id: match self.reference {
                CohortRef::Existing(id) => Some(id),
                CohortRef::New(_) => None,
            },
            name: self.name.clone(),
            idnumber: self.idnumber.clone(),
        }
    }
}

/// The member list that a cohort's `sync` lines build.
#[derive(Debug, Clone)]
struct SyncList {
    /// The cohort's state.
    index: usize,
    /// Its members before the file (the first `sync` line comes before any other change).
    before: HashSet<i64>,
    /// The users the successful `sync` lines list.
    listed: HashSet<i64>,
}

/// A line's target context: its id and how the report names it.
struct Context {
    id: i64,
    label: String,
}

struct Planner<'a> {
    settings: &'a CohortSettings,
    snapshot: &'a Snapshot,
    cohorts: Vec<CohortState>,
    by_id: HashMap<i64, usize>,
    by_idnumber: HashMap<String, Vec<usize>>,
    by_name: HashMap<String, Vec<usize>>,
    /// Normalised user key → indexes into `snapshot.users`.
    users: HashMap<String, Vec<usize>>,
    ops: Vec<CohortOp>,
    created: usize,
    /// Cohorts listed by `sync` lines, in the order of their first line.
    syncs: Vec<SyncList>,
    /// Cohort key (see [`cohort_key`]) → index into `syncs`.
    synced_keys: HashMap<String, usize>,
    /// Keys of the cohorts that successful `add`, `del` or `free` lines named.
    changed_keys: HashSet<String>,
}

impl<'a> Planner<'a> {
    fn new(snapshot: &'a Snapshot, settings: &'a CohortSettings) -> Self {
        let mut planner = Planner {
            settings,
            snapshot,
            cohorts: Vec::with_capacity(snapshot.cohorts.len()),
            by_id: HashMap::new(),
            by_idnumber: HashMap::new(),
            by_name: HashMap::new(),
            users: HashMap::new(),
            ops: Vec::new(),
            created: 0,
            syncs: Vec::new(),
            synced_keys: HashMap::new(),
            changed_keys: HashSet::new(),
        };
        for row in &snapshot.cohorts {
            planner.insert_state(CohortState {
                reference: CohortRef::Existing(row.id),
                name: row.name.clone(),
                idnumber: row.idnumber.clone(),
                description: row.description.clone(),
                contextid: row.contextid,
                visible: row.visible,
                component: row.component.clone(),
                members: snapshot.members.get(&row.id).cloned().unwrap_or_default(),
                bindings: snapshot.bindings.get(&row.id).copied().unwrap_or(0),
                alive: true,
                lost_members: false,
            });
        }
        for (index, user) in snapshot.users.iter().enumerate() {
            let key = user.key(settings.user_identifier);
            if !key.is_empty() {
                planner.users.entry(key).or_default().push(index);
            }
        }
        planner
    }

    fn insert_state(&mut self, state: CohortState) -> usize {
        let index = self.cohorts.len();
        if let CohortRef::Existing(id) = state.reference {
            self.by_id.insert(id, index);
        }
        if let Some(idnumber) = &state.idnumber {
            self.by_idnumber
                .entry(idnumber.clone())
                .or_default()
                .push(index);
        }
        self.by_name
            .entry(state.name.clone())
            .or_default()
            .push(index);
        self.cohorts.push(state);
        index
    }

    fn apply(&mut self, line: &CohortLine) -> Result<Vec<Effect>, LineError> {
        let key = cohort_key(self.settings.cohort_identifier, &line.key);
        // A cohort's `sync` lines are its whole member list: a line of another command on the
        // same cohort would make the list mean something else than it says.
        match line.cmd {
            CohortCmd::Sync if self.changed_keys.contains(&key) => {
                return Err(LineError::in_column(
                    self.key_column(),
                    &line.key,
                    Problem::SyncAfterChanges {
                        value: line.key.clone(),
                    },
                ));
            }
            CohortCmd::Add | CohortCmd::Del | CohortCmd::Free
                if self.synced_keys.contains_key(&key) =>
            {
                return Err(LineError::in_column(
                    self.key_column(),
                    &line.key,
                    Problem::ChangeOfSyncedCohort {
                        value: line.key.clone(),
                    },
                ));
            }
            _ => {}
        }
        let result = match line.cmd {
            CohortCmd::Add => self.upsert(line).map(|(_, _, effects)| effects),
            CohortCmd::Del => self.del(line),
            CohortCmd::Free => self.free(line),
            CohortCmd::Sync => return self.sync(line, key),
        };
        if result.is_ok() {
            self.changed_keys.insert(key);
        }
        result
    }

    fn key_column(&self) -> &'static str {
        self.settings.cohort_identifier.key_column()
    }

    /// The live cohort the key names, if any; several is an error.
    fn find_cohort(&self, key: &str) -> Result<Option<usize>, LineError> {
        let identifier = self.settings.cohort_identifier;
        let by_id;
        let candidates: &[usize] = match identifier {
            CohortIdentifier::Id => {
                by_id = key
                    .parse::<i64>()
                    .ok()
                    .and_then(|id| self.by_id.get(&id).copied());
                by_id.as_slice()
            }
            CohortIdentifier::Idnumber => self.by_idnumber.get(key).map_or(&[], Vec::as_slice),
            CohortIdentifier::Name => self.by_name.get(key).map_or(&[], Vec::as_slice),
        };
        let mut live = candidates
            .iter()
            .copied()
            .filter(|&index| self.cohorts[index].alive);
        let (first, second) = (live.next(), live.next());
        let live: Vec<usize> = match (first, second) {
            (None, _) => return Ok(None),
            (Some(index), None) => return Ok(Some(index)),
            (Some(first), Some(second)) => [first, second].into_iter().chain(live).collect(),
        };
        Err(LineError::in_column(
            self.key_column(),
            key,
            LineProblem::AmbiguousCohort {
                value: key.to_owned(),
                by: identifier.name(),
                ids: live
                    .iter()
                    .filter_map(|&index| self.cohorts[index].label().id)
                    .collect(),
            },
        ))
    }

    fn existing_cohort(&self, key: &str) -> Result<usize, LineError> {
        self.find_cohort(key)?.ok_or_else(|| {
            LineError::in_column(
                self.key_column(),
                key,
                LineProblem::UnknownCohort {
                    value: key.to_owned(),
                    by: self.settings.cohort_identifier.name(),
                },
            )
        })
    }

    fn find_user(&self, value: &str) -> Result<&'a UserRow, LineError> {
        let identifier = self.settings.user_identifier;
        let by = identifier.name();
        let key = identifier
            .normalize(value)
            .map_err(|problem| LineError::in_column("userid", value, problem))?;
        let matches = self.users.get(&key).map(Vec::as_slice).unwrap_or_default();
        match matches {
            [] => Err(LineError::in_column(
                "userid",
                value,
                LineProblem::UnknownUser {
                    value: value.to_owned(),
                    by,
                },
            )),
            [index] => Ok(&self.snapshot.users[*index]),
            several => Err(LineError::in_column(
                "userid",
                value,
                LineProblem::AmbiguousUser {
                    value: value.to_owned(),
                    by,
                    ids: several
                        .iter()
                        .map(|&index| self.snapshot.users[index].id)
                        .collect(),
                },
            )),
        }
    }

    /// The context a line places its cohort in, if it names one.
    fn target_context(&self, line: &CohortLine) -> Result<Option<Context>, LineError> {
        let by_id = match &line.category {
            None => None,
            Some(CategoryRef::System) => Some(Context {
                id: self.snapshot.system_context,
                label: "system".into(),
            }),
            Some(CategoryRef::Id(id)) => {
                let found = self
                    .snapshot
                    .categories
                    .iter()
                    .find(|category| category.id == *id);
                match found
                    .and_then(|category| category.contextid.map(|context| (category, context)))
                {
                    Some((category, context)) => Some(Context {
                        id: context,
                        label: category_label(category),
                    }),
                    None => {
                        return Err(LineError::in_column(
                            "ccatcontext",
                            id.to_string(),
                            LineProblem::UnknownCategory {
                                value: id.to_string(),
                                by: "id",
                            },
                        ));
                    }
                }
            }
        };
        let by_idnumber = match &line.category_idnumber {
            None => None,
            Some(idnumber) => {
                let found: Vec<&CategoryRow> = self
                    .snapshot
                    .categories
                    .iter()
                    .filter(|category| {
                        category.idnumber.as_deref() == Some(idnumber.as_str())
                            && category.contextid.is_some()
                    })
                    .collect();
                match found.as_slice() {
                    [] => {
                        return Err(LineError::in_column(
                            "ccatcontextidnumber",
                            idnumber,
                            LineProblem::UnknownCategory {
                                value: idnumber.clone(),
                                by: "idnumber",
                            },
                        ));
                    }
                    [category] => Some(Context {
                        id: category.contextid.unwrap_or_default(),
                        label: category_label(category),
                    }),
                    several => {
                        return Err(LineError::in_column(
                            "ccatcontextidnumber",
                            idnumber,
                            LineProblem::AmbiguousCategory {
                                value: idnumber.clone(),
                                ids: several.iter().map(|category| category.id).collect(),
                            },
                        ));
                    }
                }
            }
        };
        match (by_id, by_idnumber) {
            (Some(first), Some(second)) if first.id != second.id => {
                Err(LineError::line(Problem::CategoryConflict {
                    by_id: match &line.category {
                        Some(CategoryRef::Id(id)) => id.to_string(),
                        _ => "system".into(),
                    },
                    by_idnumber: line.category_idnumber.clone().unwrap_or_default(),
                }))
            }
            (Some(context), _) | (None, Some(context)) => Ok(Some(context)),
            (None, None) => Ok(None),
        }
    }

    fn context_label(&self, contextid: i64) -> String {
        if contextid == self.snapshot.system_context {
            return "system".into();
        }
        match self
            .snapshot
            .categories
            .iter()
            .find(|category| category.contextid == Some(contextid))
        {
            Some(category) => category_label(category),
            None => format!("context {contextid}"),
        }
    }

    /// Fails when another live cohort than `except` holds `idnumber`.
    fn check_idnumber_free(&self, idnumber: &str, except: Option<usize>) -> Result<(), LineError> {
        let holder = self
            .by_idnumber
            .get(idnumber)
            .into_iter()
            .flatten()
            .copied()
            .find(|&index| Some(index) != except && self.cohorts[index].alive);
        match holder {
            None => Ok(()),
            Some(index) => {
                let cohort = &self.cohorts[index];
                let holder = match cohort.reference {
                    CohortRef::Existing(id) => format!("{} (id {id})", cohort.label()),
                    CohortRef::New(_) => format!("{} (created by an earlier line)", cohort.label()),
                };
                Err(LineError::in_column(
                    "cidnumber",
                    idnumber,
                    Problem::IdnumberTaken {
                        value: idnumber.to_owned(),
                        holder,
                    },
                ))
            }
        }
    }

    /// `add`: creates or updates the cohort, adds the user if one is given. Returns the
    /// cohort's state, the user's id and the effects.
    fn upsert(
        &mut self,
        line: &CohortLine,
    ) -> Result<(usize, Option<i64>, Vec<Effect>), LineError> {
        // Check everything first: a failing line must change nothing.
        let found = self.find_cohort(&line.key)?;
        let user = line
            .user
            .as_deref()
            .map(|user| self.find_user(user))
            .transpose()?;
        let context = self.target_context(line)?;
        let mut effects = Vec::new();
        let index = match found {
            None => {
                let identifier = self.settings.cohort_identifier;
                if !self.settings.create_missing {
                    return Err(LineError::in_column(
                        self.key_column(),
                        &line.key,
                        Problem::CreationDisabled {
                            value: line.key.clone(),
                            by: identifier.name(),
                        },
                    ));
                }
                if identifier == CohortIdentifier::Id {
                    return Err(LineError::in_column(
                        "cid",
                        &line.key,
                        Problem::CannotCreateById {
                            value: line.key.clone(),
                        },
                    ));
                }
                let idnumber = match identifier {
                    CohortIdentifier::Idnumber => Some(line.key.clone()),
                    _ => line.idnumber.clone(),
                };
                if let Some(idnumber) = &idnumber {
                    self.check_idnumber_free(idnumber, None)?;
                }
                let context = context.unwrap_or(Context {
                    id: self.snapshot.system_context,
                    label: "system".into(),
                });
                let cohort = NewCohort {
                    contextid: context.id,
                    name: line.name.clone().unwrap_or_else(|| line.key.clone()),
                    idnumber,
                    description: line.description.clone().unwrap_or_default(),
                    visible: line.visible.unwrap_or(true),
                    component: line.component.clone().unwrap_or_default(),
                };
                let slot = self.created;
                self.created += 1;
                let index = self.insert_state(CohortState {
                    reference: CohortRef::New(slot),
                    name: cohort.name.clone(),
                    idnumber: cohort.idnumber.clone(),
                    description: Some(cohort.description.clone()),
                    contextid: cohort.contextid,
                    visible: cohort.visible,
                    component: cohort.component.clone(),
                    members: HashSet::new(),
                    bindings: 0,
                    alive: true,
                    lost_members: false,
                });
                effects.push(Effect::CohortCreated {
                    cohort: self.cohorts[index].label(),
                    context: context.label,
                });
                self.ops.push(CohortOp::Create { slot, cohort });
                index
            }
            Some(index) => {
                let (changes, fields) = self.changes(index, line, context.as_ref())?;
                if !fields.is_empty() {
                    self.update_state(index, &changes);
                    effects.push(Effect::CohortUpdated {
                        cohort: self.cohorts[index].label(),
                        changes: fields,
                    });
                    self.ops.push(CohortOp::Update {
                        cohort: self.cohorts[index].reference,
                        changes,
                    });
                }
                index
            }
        };
        match user {
            Some(user) => {
                let cohort = &mut self.cohorts[index];
                let label = cohort.label();
                if cohort.members.insert(user.id) {
                    self.ops.push(CohortOp::AddMember {
                        cohort: cohort.reference,
                        user: user.id,
                    });
                    effects.push(Effect::MemberAdded {
                        user: user_label(user),
                        cohort: label,
                    });
                } else {
                    effects.push(Effect::AlreadyMember {
                        user: user_label(user),
                        cohort: label,
                    });
                }
            }
            None if effects.is_empty() => effects.push(Effect::CohortUnchanged {
                cohort: self.cohorts[index].label(),
            }),
            None => {}
        }
        Ok((index, user.map(|user| user.id), effects))
    }

    /// `sync`: as `add`, and the user (if any) is listed as a member of the cohort.
    fn sync(&mut self, line: &CohortLine, key: String) -> Result<Vec<Effect>, LineError> {
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
    fn finish_syncs(
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

    /// The changes a line asks of an existing cohort, checked, as ops and as report fields.
    fn changes(
        &self,
        index: usize,
        line: &CohortLine,
        context: Option<&Context>,
    ) -> Result<(CohortChanges, Vec<FieldChange>), LineError> {
        let cohort = &self.cohorts[index];
        let mut changes = CohortChanges::default();
        let mut fields = Vec::new();
        if let Some(name) = line.name.as_ref().filter(|name| **name != cohort.name) {
            fields.push(FieldChange {
                field: "name".into(),
                from: cohort.name.clone(),
                to: name.clone(),
            });
            changes.name = Some(name.clone());
        }
        if let Some(idnumber) = line
            .idnumber
            .as_ref()
            .filter(|idnumber| Some(*idnumber) != cohort.idnumber.as_ref())
        {
            self.check_idnumber_free(idnumber, Some(index))?;
            fields.push(FieldChange {
                field: "idnumber".into(),
                from: cohort.idnumber.clone().unwrap_or_default(),
                to: idnumber.clone(),
            });
            changes.idnumber = Some(idnumber.clone());
        }
        if let Some(description) = line
            .description
            .as_ref()
            .filter(|description| Some(*description) != cohort.description.as_ref())
        {
            fields.push(FieldChange {
                field: "description".into(),
                from: cohort.description.clone().unwrap_or_default(),
                to: description.clone(),
            });
            changes.description = Some(description.clone());
        }
        if let Some(context) = context.filter(|context| context.id != cohort.contextid) {
            fields.push(FieldChange {
                field: "contextid".into(),
                from: self.context_label(cohort.contextid),
                to: context.label.clone(),
            });
            changes.contextid = Some(context.id);
        }
        if let Some(visible) = line.visible.filter(|visible| *visible != cohort.visible) {
            fields.push(FieldChange {
                field: "visible".into(),
                from: u8::from(cohort.visible).to_string(),
                to: u8::from(visible).to_string(),
            });
            changes.visible = Some(visible);
        }
        if let Some(component) = line
            .component
            .as_ref()
            .filter(|component| **component != cohort.component)
        {
            fields.push(FieldChange {
                field: "component".into(),
                from: cohort.component.clone(),
                to: component.clone(),
            });
            changes.component = Some(component.clone());
        }
        Ok((changes, fields))
    }

    fn update_state(&mut self, index: usize, changes: &CohortChanges) {
        if let Some(name) = &changes.name {
            let old = std::mem::replace(&mut self.cohorts[index].name, name.clone());
            remove_from(&mut self.by_name, &old, index);
            self.by_name.entry(name.clone()).or_default().push(index);
        }
        if let Some(idnumber) = &changes.idnumber {
            if let Some(old) = self.cohorts[index].idnumber.replace(idnumber.clone()) {
                remove_from(&mut self.by_idnumber, &old, index);
            }
            self.by_idnumber
                .entry(idnumber.clone())
                .or_default()
                .push(index);
        }
        let cohort = &mut self.cohorts[index];
        if let Some(description) = &changes.description {
            cohort.description = Some(description.clone());
        }
        if let Some(contextid) = changes.contextid {
            cohort.contextid = contextid;
        }
        if let Some(visible) = changes.visible {
            cohort.visible = visible;
        }
        if let Some(component) = &changes.component {
            cohort.component = component.clone();
        }
    }

    fn del(&mut self, line: &CohortLine) -> Result<Vec<Effect>, LineError> {
        let index = self.existing_cohort(&line.key)?;
        match &line.user {
            Some(user) => {
                // An unknown user is an error: it never falls back to deleting the cohort.
                let user = self.find_user(user)?;
                let cohort = &mut self.cohorts[index];
                let label = cohort.label();
                if cohort.members.remove(&user.id) {
                    cohort.lost_members = true;
                    self.ops.push(CohortOp::RemoveMember {
                        cohort: cohort.reference,
                        user: user.id,
                    });
                    Ok(vec![Effect::MemberRemoved {
                        user: user_label(user),
                        cohort: label,
                    }])
                } else {
                    Ok(vec![Effect::NotMember {
                        user: user_label(user),
                        cohort: label,
                    }])
                }
            }
            None => Ok(vec![self.delete(index)]),
        }
    }

    fn delete(&mut self, index: usize) -> Effect {
        let cohort = &mut self.cohorts[index];
        cohort.alive = false;
        let effect = Effect::CohortDeleted {
            cohort: cohort.label(),
            members: cohort.members.len(),
            bindings: cohort.bindings,
        };
        cohort.members.clear();
        self.ops.push(CohortOp::Delete {
            cohort: cohort.reference,
        });
        effect
    }

    fn free(&mut self, line: &CohortLine) -> Result<Vec<Effect>, LineError> {
        let index = self.existing_cohort(&line.key)?;
        let cohort = &mut self.cohorts[index];
        if cohort.members.is_empty() {
            return Ok(vec![Effect::CohortAlreadyEmpty {
                cohort: cohort.label(),
            }]);
        }
        let members = cohort.members.len();
        cohort.members.clear();
        cohort.lost_members = true;
        self.ops.push(CohortOp::RemoveAllMembers {
            cohort: cohort.reference,
        });
        Ok(vec![Effect::CohortEmptied {
            cohort: cohort.label(),
            members,
        }])
    }

    /// Deletes the cohorts that lost members in this file and ended empty. A cohort this file
    /// created empty, or that was empty before, is kept: the file did not empty it.
    fn delete_emptied(&mut self) -> Vec<Effect> {
        let emptied: Vec<usize> = (0..self.cohorts.len())
            .filter(|&index| {
                let cohort = &self.cohorts[index];
                cohort.alive && cohort.lost_members && cohort.members.is_empty()
            })
            .collect();
        emptied
            .into_iter()
            .map(|index| self.delete(index))
            .collect()
    }
}

fn remove_from(index: &mut HashMap<String, Vec<usize>>, key: &str, value: usize) {
    if let Some(entries) = index.get_mut(key) {
        entries.retain(|&entry| entry != value);
    }
}

fn category_label(category: &CategoryRow) -> String {
    match category
        .idnumber
        .as_deref()
        .filter(|idnumber| !idnumber.is_empty())
    {
        Some(idnumber) => format!(
            "category \"{}\" [{idnumber}] (id {})",
            category.name, category.id
        ),
        None => format!("category \"{}\" (id {})", category.name, category.id),
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

fn user_label(user: &UserRow) -> UserLabel {
    UserLabel {
        id: user.id,
        username: user.username.clone(),
        idnumber: user.idnumber.clone(),
        fullname: format!("{} {}", user.firstname, user.lastname),
    }
}
