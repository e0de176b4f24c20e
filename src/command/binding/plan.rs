//! Decides what each line of a binding file does, against a [`Snapshot`] of the courses,
//! cohorts, roles, enrolment methods and groups it refers to, and lists the writes that carry it
//! out as [`BindingOp`]s. Pure, like the cohort planner: a line sees what earlier lines did, and
//! a line that fails has no effect at all.
//!
//! This file holds what the rest of the crate sees of the planning: the snapshot, the ops and
//! [`plan`]. The planner that walks the lines is in `planner.rs`, its parts beside it: the
//! course groups (`groups.rs`), the `add` lines (`add.rs`) and the `del`, `restore` and
//! `fulldel` lines (`removal.rs`).

use std::collections::BTreeSet;

use super::{
    effect::Effect,
    line::{BindingSettings, ParsedFile},
    planner::Planner,
};
use crate::{
    command::{
        cohort::CohortRow,
        dates::SiteZone,
        refs::{CohortIdentifier, CourseIdentifier},
    },
    outcome::FileOutcome,
};

/// Moodle's site course (`SITEID`), the front page.
pub const SITE_COURSE: i64 = 1;
/// `enrol.status` of an enabled method.
pub(super) const ENABLED: i64 = 0;
/// `enrol.status` of a disabled method.
pub(super) const DISABLED: i64 = 1;

/// The keys a file mentions, for the database to load what they match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wanted {
    /// Course ids.
    pub course_ids: BTreeSet<i64>,
    /// Course shortnames or idnumbers, as the identifier says.
    pub course_keys: BTreeSet<String>,
    /// Cohort ids.
    pub cohort_ids: BTreeSet<i64>,
    /// Cohort names or idnumbers, as the identifier says.
    pub cohort_keys: BTreeSet<String>,
}

impl Wanted {
    /// Collects the keys of every line that parsed.
    pub fn of(file: &ParsedFile, settings: &BindingSettings) -> Wanted {
        let mut wanted = Wanted::default();
        for line in file.lines.iter().filter_map(|line| line.line.as_ref().ok()) {
            match settings.course_identifier {
                CourseIdentifier::Id => {
                    wanted.course_ids.extend(line.course.parse::<i64>().ok());
                }
                _ => {
                    wanted.course_keys.insert(line.course.clone());
                }
            }
            match settings.cohort_identifier {
                CohortIdentifier::Id => {
                    wanted.cohort_ids.extend(line.cohort.parse::<i64>().ok());
                }
                _ => {
                    wanted.cohort_keys.insert(line.cohort.clone());
                }
            }
        }
        wanted
    }
}

/// A course.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseRow {
    /// `course.id`.
    pub id: i64,
    /// `course.shortname`.
    pub shortname: String,
    /// `course.idnumber`.
    pub idnumber: String,
}

/// A role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleRow {
    /// `role.id`.
    pub id: i64,
    /// `role.shortname`.
    pub shortname: String,
}

/// An enrolment method of a loaded course.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceRow {
    /// `enrol.id`.
    pub id: i64,
    /// `enrol.enrol`, the plugin.
    pub enrol: String,
    /// `enrol.status`.
    pub status: i64,
    /// `enrol.courseid`.
    pub courseid: i64,
    /// `enrol.sortorder`.
    pub sortorder: i64,
    /// `enrol.roleid`.
    pub roleid: i64,
    /// `enrol.customint1`: the cohort.
    pub cohort: Option<i64>,
    /// `enrol.customint2`: the group (0 or NULL: none).
    pub group: Option<i64>,
    /// `enrol.enrolstartdate`.
    pub start: i64,
    /// `enrol.enrolenddate`.
    pub end: i64,
    /// Its `user_enrolments` rows.
    pub enrolments: usize,
}

/// A course group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRow {
    /// `groups.id`.
    pub id: i64,
    /// `groups.courseid`.
    pub courseid: i64,
    /// `groups.name`.
    pub name: String,
}

/// The rows a binding file refers to, read in the transaction that will apply it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Courses matching a wanted key.
    pub courses: Vec<CourseRow>,
    /// Cohorts matching a wanted key.
    pub cohorts: Vec<CohortRow>,
    /// Every role.
    pub roles: Vec<RoleRow>,
    /// Every enrolment method of the loaded courses, by id.
    pub instances: Vec<InstanceRow>,
    /// Every group of the loaded courses, by id.
    pub groups: Vec<GroupRow>,
    /// The time zone dates without an offset are read in.
    pub zone: SiteZone,
}

/// A group an op refers to: one that exists, or the n-th one this file creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupRef {
    /// `groups.id`.
    Existing(i64),
    /// Index of a group created by an earlier [`BindingOp::CreateGroup`].
    New(usize),
}

/// An enrolment method an op refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InstanceRef {
    /// `enrol.id`.
    Existing(i64),
    /// Index of a method created by an earlier [`BindingOp::CreateInstance`].
    New(usize),
}

/// The fields of an enrolment method to create, as Moodle's `add_instance` stores them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInstance {
    /// `enrol`.
    pub enrol: String,
    /// `courseid`.
    pub courseid: i64,
    /// `sortorder`: after the course's last method.
    pub sortorder: i64,
    /// `roleid`.
    pub roleid: i64,
    /// `customint1`: the cohort.
    pub cohortid: i64,
    /// `customint2`: the group, or none (0).
    pub group: Option<GroupRef>,
    /// `enrolstartdate`.
    pub start: i64,
    /// `enrolenddate`.
    pub end: i64,
}

/// The fields of an enrolment method to change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstanceChanges {
    /// New `status`.
    pub status: Option<i64>,
    /// New `customint2`: `Some(None)` for no group.
    pub group: Option<Option<GroupRef>>,
    /// New `enrolstartdate`.
    pub start: Option<i64>,
    /// New `enrolenddate`.
    pub end: Option<i64>,
}

/// One write to carry out, in order, in the file's transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindingOp {
    /// Insert a course group, as Moodle's `groups_create_group` does.
    CreateGroup {
        /// The index of this new group.
        slot: usize,
        /// `courseid`.
        courseid: i64,
        /// `name`.
        name: String,
    },
    /// Insert an enrolment method.
    CreateInstance {
        /// The index of this new method.
        slot: usize,
        /// Its fields.
        instance: NewInstance,
    },
    /// Change an enrolment method and bump `timemodified`.
    UpdateInstance {
        /// The method.
        instance: InstanceRef,
        /// The changes.
        changes: InstanceChanges,
    },
    /// Delete an enrolment method as Moodle's `delete_instance` does: its enrolments, the role
    /// assignments and group memberships it gave, then the row.
    DeleteInstance {
        /// The method.
        instance: InstanceRef,
        /// Its plugin (the component of what it gave is `enrol_<plugin>`).
        enrol: String,
        /// Its course.
        courseid: i64,
    },
}

/// What a file does: its outcome for the report, and the writes that apply it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Line outcomes and notes.
    pub outcome: FileOutcome<Effect>,
    /// The writes, in order.
    pub ops: Vec<BindingOp>,
}

/// Plans `file` against `snapshot`.
pub fn plan(file: &ParsedFile, snapshot: &Snapshot, settings: &BindingSettings) -> Plan {
    let mut planner = Planner::new(snapshot, settings);
    let lines = file
        .lines
        .iter()
        .map(|parsed| parsed.outcome(parsed.plan_with(|line| planner.apply(line))))
        .collect();
    Plan {
        outcome: file.outcome(lines, Vec::new(), Vec::new()),
        ops: planner.ops,
    }
}
