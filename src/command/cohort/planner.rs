//! The cohort planner: its model of the cohorts a file touches (their state, the indexes that
//! find them by id, idnumber and name), the accounts its lines name, and the dispatch of a line
//! to its command, which keeps a cohort's `sync` lines apart from its other lines. The commands
//! are beside it: `add.rs`, `removal.rs` and `sync.rs`.

use std::collections::{HashMap, HashSet};

use super::{
    effect::Effect,
    line::{CohortCmd, CohortLine, CohortSettings},
    plan::{CohortOp, CohortRef, Snapshot, UserRow, cohort_key},
    problem::Problem,
    sync::SyncList,
};
use crate::{
    command::refs::CohortIdentifier,
    error::{LineError, LineProblem},
    outcome::{CohortLabel, UserLabel},
};

/// A cohort as the file sees it so far.
#[derive(Debug, Clone)]
pub(super) struct CohortState {
    /// The cohort the ops name.
    pub(super) reference: CohortRef,
    pub(super) name: String,
    pub(super) idnumber: Option<String>,
    pub(super) description: Option<String>,
    pub(super) contextid: i64,
    pub(super) visible: bool,
    pub(super) component: String,
    /// Its members, as the lines so far left them.
    pub(super) members: HashSet<i64>,
    /// The enabled `cohort` enrolment methods bound to it.
    pub(super) bindings: usize,
    /// False once a line deleted it.
    pub(super) alive: bool,
    /// Whether this file removed members from it (what `delete_empty` looks at).
    pub(super) lost_members: bool,
}

impl CohortState {
    /// How the report names the cohort.
    pub(super) fn label(&self) -> CohortLabel {
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

/// Lines applied in file order to a model of the cohorts they touch.
pub(super) struct Planner<'a> {
    pub(super) settings: &'a CohortSettings,
    pub(super) snapshot: &'a Snapshot,
    /// The cohorts the file may touch, loaded or created by it; the indexes below point into
    /// it, deleted cohorts included.
    pub(super) cohorts: Vec<CohortState>,
    /// Loaded cohorts by id.
    pub(super) by_id: HashMap<i64, usize>,
    /// Cohorts by idnumber.
    pub(super) by_idnumber: HashMap<String, Vec<usize>>,
    /// Cohorts by name.
    pub(super) by_name: HashMap<String, Vec<usize>>,
    /// Normalised user key → indexes into `snapshot.users`.
    pub(super) users: HashMap<String, Vec<usize>>,
    /// The writes so far, in order.
    pub(super) ops: Vec<CohortOp>,
    /// How many cohorts the file creates so far: the slot of the next one.
    pub(super) created: usize,
    /// Cohorts listed by `sync` lines, in the order of their first line.
    pub(super) syncs: Vec<SyncList>,
    /// Cohort key (see [`cohort_key`]) → index into `syncs`.
    pub(super) synced_keys: HashMap<String, usize>,
    /// Keys of the cohorts that successful `add`, `del` or `free` lines named.
    pub(super) changed_keys: HashSet<String>,
}

impl<'a> Planner<'a> {
    /// A planner whose model holds the snapshot's cohorts and members.
    pub(super) fn new(snapshot: &'a Snapshot, settings: &'a CohortSettings) -> Self {
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

    /// Adds a cohort to the model and its indexes; returns its index.
    pub(super) fn insert_state(&mut self, state: CohortState) -> usize {
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

    /// Applies `line` as its command says; a line changes the model only when it succeeds.
    pub(super) fn apply(&mut self, line: &CohortLine) -> Result<Vec<Effect>, LineError> {
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

    /// The column of the cohort key, as `[cohorts] cohort_identifier` says.
    pub(super) fn key_column(&self) -> &'static str {
        self.settings.cohort_identifier.key_column()
    }

    /// The live cohort the key names, if any; several is an error.
    pub(super) fn find_cohort(&self, key: &str) -> Result<Option<usize>, LineError> {
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

    /// The live cohort the key names; none is an error.
    pub(super) fn existing_cohort(&self, key: &str) -> Result<usize, LineError> {
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

    /// The account `value` names, as `[cohorts] user_identifier` says; none or several is an
    /// error.
    pub(super) fn find_user(&self, value: &str) -> Result<&'a UserRow, LineError> {
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

    /// Fails when another live cohort than `except` holds `idnumber`.
    pub(super) fn check_idnumber_free(
        &self,
        idnumber: &str,
        except: Option<usize>,
    ) -> Result<(), LineError> {
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
}

/// How the report names an account.
pub(super) fn user_label(user: &UserRow) -> UserLabel {
    UserLabel {
        id: user.id,
        username: user.username.clone(),
        idnumber: user.idnumber.clone(),
        fullname: format!("{} {}", user.firstname, user.lastname),
    }
}
