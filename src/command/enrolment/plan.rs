//! Decides what each line of an enrolment file does, against a [`Snapshot`] of the users,
//! courses, roles, enrolment methods, enrolments, role assignments and groups it refers to,
//! and lists the writes that carry it out ([`Writes`]). Pure: a line sees what earlier lines
//! did, and a line that fails has no effect at all.
//!
//! The planner (`planner.rs`, with the groups in `groups.rs`) keeps a model of the rows and
//! changes it line by line; the writes are the difference between the model at the end and
//! the snapshot, so that a file that enrols a user and unenrols them again writes nothing,
//! and rows of one kind are written together (see docs/enrolment-files.md).

use std::collections::BTreeSet;

use super::{
    effect::Effect,
    line::{EnrolSettings, ParsedFile},
    planner::Planner,
};
use crate::{
    command::{
        binding::{GroupRow, RoleRow},
        cohort::UserRow,
        dates::SiteZone,
        refs::CourseIdentifier,
    },
    outcome::FileOutcome,
};

pub use crate::command::binding::GroupRef;

/// `user_enrolments.status` of an active enrolment.
pub(super) const ACTIVE: i64 = 0;
/// `user_enrolments.status` of a suspended enrolment.
pub(super) const SUSPENDED: i64 = 1;
/// `enrol.status` of an enabled method.
pub(super) const ENABLED: i64 = 0;

/// The keys a file mentions, for the database to load what they match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wanted {
    /// User keys, normalised for the identifier.
    pub users: BTreeSet<String>,
    /// Course ids.
    pub course_ids: BTreeSet<i64>,
    /// Course shortnames or idnumbers, as the identifier says.
    pub course_keys: BTreeSet<String>,
}

impl Wanted {
    /// Collects the keys of every line that parsed.
    pub fn of(file: &ParsedFile, settings: &EnrolSettings) -> Wanted {
        let mut wanted = Wanted::default();
        for line in file.lines.iter().filter_map(|line| line.line.as_ref().ok()) {
            if let Ok(key) = settings.user_identifier.normalize(&line.user) {
                wanted.users.insert(key);
            }
            match settings.course_identifier {
                CourseIdentifier::Id => {
                    wanted.course_ids.extend(line.course.parse::<i64>().ok());
                }
                _ => {
                    wanted.course_keys.insert(line.course.clone());
                }
            }
        }
        wanted
    }
}

/// A course, with its context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolCourse {
    /// `course.id`.
    pub id: i64,
    /// `course.shortname`.
    pub shortname: String,
    /// `course.idnumber`.
    pub idnumber: String,
    /// Its context's id (`context.contextlevel = 50`).
    pub context: i64,
}

/// An enrolment method of a loaded course.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodRow {
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
}

/// A user's enrolment by a method of a loaded course.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentRow {
    /// `user_enrolments.id`.
    pub id: i64,
    /// `enrolid`.
    pub enrolid: i64,
    /// `userid`.
    pub userid: i64,
    /// `status`.
    pub status: i64,
    /// `timestart`.
    pub start: i64,
    /// `timeend`.
    pub end: i64,
}

/// A role assignment of a wanted user in a loaded course's context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentRow {
    /// `role_assignments.id`.
    pub id: i64,
    /// `roleid`.
    pub roleid: i64,
    /// `contextid`.
    pub contextid: i64,
    /// `userid`.
    pub userid: i64,
    /// `component`: empty when given by hand (or by a plugin that lets it be changed).
    pub component: String,
    /// `itemid`.
    pub itemid: i64,
}

/// A wanted user's membership of a loaded course's group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    /// `groups_members.id`.
    pub id: i64,
    /// `groupid`.
    pub groupid: i64,
    /// `userid`.
    pub userid: i64,
    /// `component`: empty when given by hand, `enrol_cohort` by cohort sync.
    pub component: String,
    /// `itemid`.
    pub itemid: i64,
}

/// The rows an enrolment file refers to, read in the transaction that will apply it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Live local users matching a wanted key.
    pub users: Vec<UserRow>,
    /// Courses matching a wanted key.
    pub courses: Vec<EnrolCourse>,
    /// Every role.
    pub roles: Vec<RoleRow>,
    /// The roles that may be assigned in a course (`role_context_levels`, level 50).
    pub course_roles: BTreeSet<i64>,
    /// Every enrolment method of the loaded courses.
    pub methods: Vec<MethodRow>,
    /// The wanted users' enrolments by those methods.
    pub enrolments: Vec<EnrolmentRow>,
    /// The wanted users' role assignments in the loaded courses' contexts.
    pub assignments: Vec<AssignmentRow>,
    /// Every group of the loaded courses.
    pub groups: Vec<GroupRow>,
    /// The wanted users' memberships of those groups.
    pub members: Vec<MemberRow>,
    /// The time zone dates without an offset are read in.
    pub zone: SiteZone,
}

/// A group to create, as Moodle's `groups_create_group` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGroup {
    /// Its index among the groups this file creates (`GroupRef::New`).
    pub slot: usize,
    /// `courseid`.
    pub courseid: i64,
    /// `name`.
    pub name: String,
}

/// An enrolment to insert or to change: its values after the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentWrite {
    /// `user_enrolments.id`; `None` to insert.
    pub id: Option<i64>,
    /// `enrolid`.
    pub enrolid: i64,
    /// The method's plugin (`other` of its events).
    pub enrol: String,
    /// The method's course.
    pub courseid: i64,
    /// `userid`.
    pub userid: i64,
    /// `status`.
    pub status: i64,
    /// `timestart`.
    pub start: i64,
    /// `timeend`.
    pub end: i64,
    /// For a change: whether the status changed (the user's access is reloaded).
    pub status_changed: bool,
}

/// A role assignment to insert, by hand (component `''`, item 0), or one to delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentWrite {
    /// `role_assignments.id` of one to delete; `None` to insert.
    pub id: Option<i64>,
    /// `roleid`.
    pub roleid: i64,
    /// `contextid`: the course's.
    pub contextid: i64,
    /// The course.
    pub courseid: i64,
    /// `userid`.
    pub userid: i64,
    /// `component`.
    pub component: String,
    /// `itemid`.
    pub itemid: i64,
}

/// A group membership to insert (by hand) or to delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberWrite {
    /// `groups_members.id` of one to delete; `None` to insert.
    pub id: Option<i64>,
    /// The group.
    pub group: GroupRef,
    /// Its course.
    pub courseid: i64,
    /// `userid`.
    pub userid: i64,
    /// `component`.
    pub component: String,
    /// `itemid`.
    pub itemid: i64,
}

/// A user's last enrolment in a course gone: their role assignments in the course's
/// sub-contexts (activities, blocks) go too, as `unenrol_user` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cleared {
    /// The user.
    pub userid: i64,
    /// The course.
    pub courseid: i64,
    /// The course's context.
    pub context: i64,
}

/// The writes that apply a file, each list in the order it is written: groups first, then
/// what goes (memberships, roles, enrolments), then what comes (enrolments, changes, roles,
/// memberships), then the sub-contexts of courses a user left.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Writes {
    /// Groups to create.
    pub groups: Vec<NewGroup>,
    /// Memberships to delete.
    pub members_removed: Vec<MemberWrite>,
    /// Role assignments to delete.
    pub unassigned: Vec<AssignmentWrite>,
    /// Enrolments to delete (`id` set).
    pub unenrolled: Vec<EnrolmentWrite>,
    /// Enrolments to insert.
    pub enrolled: Vec<EnrolmentWrite>,
    /// Enrolments to change (status, dates).
    pub changed: Vec<EnrolmentWrite>,
    /// Role assignments to insert.
    pub assigned: Vec<AssignmentWrite>,
    /// Memberships to insert.
    pub members_added: Vec<MemberWrite>,
    /// Courses users left entirely.
    pub cleared: Vec<Cleared>,
}

impl Writes {
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        *self == Writes::default()
    }
}

/// What a file does: its outcome for the report, and the writes that apply it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Line outcomes and notes.
    pub outcome: FileOutcome<Effect>,
    /// The writes.
    pub writes: Writes,
}

/// Plans `file` against `snapshot`.
pub fn plan(file: &ParsedFile, snapshot: &Snapshot, settings: &EnrolSettings) -> Plan {
    let mut planner = Planner::new(snapshot, settings, &file.header);
    let lines = file
        .lines
        .iter()
        .map(|parsed| parsed.outcome(parsed.plan_with(|line| planner.apply(line))))
        .collect();
    Plan {
        outcome: file.outcome(lines, Vec::new(), Vec::new()),
        writes: planner.writes(),
    }
}
