//! Every difference from Moodle's own rows that the scenario allows, in one place. Each is a
//! named [`Allowance`] with a one-line reason and the passage of `docs/moodle-database.md` that
//! argues it, and explains only the rows its rule names. A row that none explains fails the
//! test; so does an allowance that explains nothing in the whole scenario: the work it waited
//! for has landed, and the allowance is to be deleted from [`ALLOWANCES`] (and its variant).

use std::collections::{BTreeMap, BTreeSet};

use super::{
    compare::Differences,
    normalise::{Row, Tables},
};

/// A difference the scenario allows. Each names the work that will remove it, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Allowance {
    /// `user.password`: Moodle's `''` is `to be generated` here, for an account created
    /// without a password (a pair). A documented choice; goes only if that choice changes.
    PasswordToBeGenerated,
    /// `groups.name`, `groups_members.grp`, `enrol.customint2_group`: Moodle's `<cohort name>
    /// cohort` is `<cohort name>` here (a pair). A documented choice.
    GroupNamedLikeCohort,
    /// moodle-sync's disabled binding of a deleted cohort (`<course>/cohort//<role>`, status 1),
    /// which Moodle's observer deleted, and in the log its `enrol_instance_updated` (the
    /// disabling) in place of Moodle's `enrol_instance_deleted`. A documented choice.
    DeletedCohortBindingKept,
    /// Under the unenrol action "unenrol", moodle-sync's rows that Moodle's observer deleted at
    /// once and Moodle's task will delete here: the **suspended** enrolments by a cohort method
    /// of users not (or no longer) in its cohort, and the group memberships the method gave
    /// them; Moodle's log rows of those unenrolments, and moodle-sync's `user_enrolment_updated`
    /// of the suspensions in their place. An active enrolment of a non-member, or a role the
    /// method still gives them, is not allowed: access is removed at once.
    UnenrolmentLeftToTheTask,
}

/// The allowances in force, in the order they are tried: pairs first, then single rows.
pub const ALLOWANCES: [Allowance; 4] = [
    Allowance::PasswordToBeGenerated,
    Allowance::GroupNamedLikeCohort,
    Allowance::DeletedCohortBindingKept,
    Allowance::UnenrolmentLeftToTheTask,
];

impl Allowance {
    /// Why the difference is allowed, in one line.
    pub fn reason(self) -> &'static str {
        match self {
            Allowance::PasswordToBeGenerated => {
                "an account created without a password holds `to be generated` (as Upload users does), `user_create_user` leaves ''"
            }
            Allowance::GroupNamedLikeCohort => {
                "a binding's group is named like the cohort (`Classe 1`), Moodle adds its language string (`Classe 1 cohort`)"
            }
            Allowance::DeletedCohortBindingKept => {
                "a deleted cohort's binding is kept, disabled, where Moodle's observer deletes it"
            }
            Allowance::UnenrolmentLeftToTheTask => {
                "an unenrolment (grades, group memberships) is left to Moodle's hourly task: the enrolment is suspended at once"
            }
        }
    }

    /// Where `docs/moodle-database.md` argues the difference: under "Differences the scenario
    /// test allows", by the allowance's name, and the section that says why.
    pub fn doc(self) -> &'static str {
        match self {
            Allowance::PasswordToBeGenerated => {
                "docs/moodle-database.md, Differences the scenario test allows"
            }
            Allowance::GroupNamedLikeCohort => {
                "docs/moodle-database.md, Differences the scenario test allows; `groups`"
            }
            Allowance::DeletedCohortBindingKept | Allowance::UnenrolmentLeftToTheTask => {
                "docs/moodle-database.md, Differences the scenario test allows; Left to Moodle"
            }
        }
    }

    /// For a row of Moodle's, the row moodle-sync holds in its place.
    fn instead(self, table: &str, moodle: &Row) -> Option<Row> {
        let replaced = |column: &str, from: &str, to: &str| {
            let mut row = moodle.clone();
            let value = row.get_mut(column)?;
            if value != from {
                return None;
            }
            *value = to.to_owned();
            Some(row)
        };
        match (self, table) {
            (Allowance::PasswordToBeGenerated, "user") => {
                replaced("password", "", "to be generated")
            }
            // An enrolment Moodle unenrolled while active, suspended here at once and deleted
            // later (with its method): the log row of its deletion shows it suspended.
            (Allowance::UnenrolmentLeftToTheTask, "log")
                if moodle["eventname"] == "\\core\\event\\user_enrolment_deleted" =>
            {
                let mut row = moodle.clone();
                let other = row.get_mut("other")?;
                if !other.contains(ACTIVE) {
                    return None;
                }
                *other = other.replace(ACTIVE, SUSPENDED);
                Some(row)
            }
            (Allowance::GroupNamedLikeCohort, "groups" | "groups_members" | "enrol") => {
                let column = match table {
                    "groups" => "name",
                    "groups_members" => "grp",
                    _ => "customint2_group",
                };
                let mut row = moodle.clone();
                let name = row.get_mut(column)?;
                *name = name.strip_suffix(" cohort")?.to_owned();
                Some(row)
            }
            _ => None,
        }
    }

    /// Whether a row of Moodle's that moodle-sync lacks is this difference.
    fn allows_missing(self, table: &str, row: &Row, ours: &Ours) -> bool {
        match (self, table) {
            // The log rows of the unenrolments Moodle made at once and its task will make here.
            (Allowance::DeletedCohortBindingKept, "log") => {
                row["eventname"] == "\\core\\event\\enrol_instance_deleted"
                    && ours.kept_bindings.contains(&row["course"])
            }
            (Allowance::UnenrolmentLeftToTheTask, "log") => {
                [
                    "\\core\\event\\user_enrolment_deleted",
                    "\\core\\event\\role_unassigned",
                    "\\core\\event\\group_member_removed",
                ]
                .contains(&row["eventname"].as_str())
                    && ours
                        .pending
                        .contains(&(row["course"].clone(), row["relateduser"].clone()))
            }
            _ => false,
        }
    }

    /// Whether a row of moodle-sync's that Moodle lacks is this difference.
    fn allows_extra(self, table: &str, row: &Row, ours: &Ours) -> bool {
        match (self, table) {
            (Allowance::DeletedCohortBindingKept, "enrol") => {
                kept_deleted_cohort_binding(row).is_some()
            }
            (Allowance::DeletedCohortBindingKept, "log") => {
                row["eventname"] == "\\core\\event\\enrol_instance_updated"
                    && ours.kept_bindings.contains(&row["course"])
            }
            // The suspensions done at once in place of those unenrolments.
            // The suspensions done at once in place of those unenrolments, whether the
            // enrolment still waits for the task or went since (a method deleted).
            (Allowance::UnenrolmentLeftToTheTask, "log") => {
                let key = (row["course"].clone(), row["relateduser"].clone());
                row["eventname"] == "\\core\\event\\user_enrolment_updated"
                    && (ours.pending.contains(&key) || ours.deleted_suspended.contains(&key))
            }
            (Allowance::UnenrolmentLeftToTheTask, _) => ours.task_removes(table, row),
            _ => false,
        }
    }
}

/// What the test database holds that the allowances look at.
pub struct Ours {
    /// Cohort memberships: `(cohort idnumber, username)`.
    members: BTreeSet<(String, String)>,
    /// `(course, username)` of every enrolment, role assignment or group membership that
    /// Moodle's task will still remove.
    pending: BTreeSet<(String, String)>,
    /// `(course, username)` of the suspended enrolments whose deletion is logged here.
    deleted_suspended: BTreeSet<(String, String)>,
    /// Courses holding a kept binding of a deleted cohort.
    kept_bindings: BTreeSet<String>,
}

impl Ours {
    pub fn new(tables: &Tables) -> Ours {
        let rows = |table: &str| tables.get(table).into_iter().flatten();
        let mut ours = Ours {
            members: rows("cohort_members")
                .map(|row| (row["cohort"].clone(), row["username"].clone()))
                .collect(),
            pending: BTreeSet::new(),
            deleted_suspended: rows("log")
                .filter(|row| {
                    row["eventname"] == "\\core\\event\\user_enrolment_deleted"
                        && row["other"].contains(SUSPENDED)
                })
                .map(|row| (row["course"].clone(), row["relateduser"].clone()))
                .collect(),
            kept_bindings: rows("enrol")
                .filter_map(kept_deleted_cohort_binding)
                .map(str::to_owned)
                .collect(),
        };
        let pending = ["user_enrolments", "groups_members"]
            .into_iter()
            .flat_map(|table| rows(table).map(move |row| (table, row)))
            .filter(|(table, row)| ours.task_removes(table, row))
            .filter_map(|(_, row)| {
                let key = row.get("enrol_key").or_else(|| row.get("item"))?;
                let (course, _) = cohort_method(key)?;
                Some((course.to_owned(), row["username"].clone()))
            })
            .collect();
        ours.pending = pending;
        ours
    }

    /// Whether Moodle's cohort sync task (`enrol_cohort_sync()`, unenrol action "unenrol")
    /// removes this row, moodle-sync having removed access at once: a suspended enrolment by a
    /// cohort method of a user who is not a member of its cohort (any more, or because the
    /// cohort is gone); a group membership that method gave that user. Roles are never
    /// allowed: moodle-sync removes them with the suspension, as Moodle's sync does.
    fn task_removes(&self, table: &str, row: &Row) -> bool {
        let not_a_member = |key: &str| {
            cohort_method(key).is_some_and(|(_, cohort)| {
                !self
                    .members
                    .contains(&(cohort.to_owned(), row["username"].clone()))
            })
        };
        match table {
            "user_enrolments" => row["status"] == "1" && not_a_member(&row["enrol_key"]),
            "groups_members" => row["component"] == "enrol_cohort" && not_a_member(&row["item"]),
            _ => false,
        }
    }
}

/// How `other` of `user_enrolment_deleted` shows an active and a suspended enrolment.
const ACTIVE: &str = r#""status":"0""#;
const SUSPENDED: &str = r#""status":"1""#;

/// The course of a disabled cohort sync method whose cohort is gone.
fn kept_deleted_cohort_binding(row: &Row) -> Option<&str> {
    let (course, cohort) = cohort_method(&row["enrol_key"])?;
    (row["status"] == "1" && cohort.is_empty()).then_some(course)
}

/// `(course, cohort idnumber)` of a cohort sync method's key (`<course>/cohort/<cohort>/<role>`).
fn cohort_method(key: &str) -> Option<(&str, &str)> {
    let mut parts = key.split('/');
    let course = parts.next()?;
    (parts.next()? == "cohort").then_some(())?;
    Some((course, parts.next()?))
}

/// Removes from `differences` the rows the allowances explain; returns how many each
/// explained (a pair counts once).
pub fn explain(differences: &mut Differences, ours: &Tables) -> BTreeMap<Allowance, usize> {
    let state = Ours::new(ours);
    let mut explained = BTreeMap::new();
    for allowance in ALLOWANCES {
        let mut count = 0;
        for (table, missing) in &mut differences.missing {
            let extra = differences.extra.get_mut(table).unwrap();
            for row in missing.clone() {
                let paired = allowance
                    .instead(table, &row)
                    .filter(|instead| extra.contains(instead));
                if let Some(instead) = paired {
                    extra.remove(&instead);
                    missing.remove(&row);
                    count += 1;
                } else if allowance.allows_missing(table, &row, &state) {
                    missing.remove(&row);
                    count += 1;
                }
            }
            for row in extra.clone() {
                if allowance.allows_extra(table, &row, &state) {
                    extra.remove(&row);
                    count += 1;
                }
            }
        }
        if count > 0 {
            explained.insert(allowance, count);
        }
    }
    explained
}
