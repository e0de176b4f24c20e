//! Decides what each line of a binding file does, against a [`Snapshot`] of the courses,
//! cohorts, roles, enrolment methods and groups it refers to, and lists the writes that carry it
//! out as [`BindingOp`]s. Pure, like the cohort planner: a line sees what earlier lines did, and
//! a line that fails has no effect at all.

use std::collections::{BTreeSet, HashMap};

use super::{
    effect::Effect,
    line::{
        BindingCmd, BindingLine, BindingSettings, DEFAULT_ROLE, GroupChoice, ParsedFile, RoleChoice,
    },
    problem::Problem,
};
use crate::{
    command::{
        cohort::CohortRow,
        dates::SiteZone,
        refs::{CohortIdentifier, CourseIdentifier, RoleIdentifier},
    },
    error::{LineError, LineProblem},
    outcome::{
        BindingLabel, CohortLabel, CourseLabel, FieldChange, FileOutcome, GroupLabel, LineOutcome,
        RoleLabel,
    },
};

/// Moodle's site course (`SITEID`), the front page.
pub const SITE_COURSE: i64 = 1;
/// `enrol.status` of an enabled method.
const ENABLED: i64 = 0;
/// `enrol.status` of a disabled method.
const DISABLED: i64 = 1;

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
        .map(|parsed| LineOutcome {
            line: parsed.number,
            raw: parsed.raw.clone(),
            command: parsed.command.clone(),
            keys: parsed.keys.clone(),
            result: match &parsed.line {
                Ok(line) => planner.apply(line),
                Err(error) => Err(error.clone()),
            },
        })
        .collect();
    Plan {
        outcome: FileOutcome {
            lines,
            after: Vec::new(),
            notes: file.notes.clone(),
            empty_records: file.empty_records,
            enrolments: None,
            syncs: Vec::new(),
            log_rows: 0,
        },
        ops: planner.ops,
    }
}

/// An enrolment method as the file sees it so far.
#[derive(Debug, Clone)]
struct InstanceState {
    reference: InstanceRef,
    enrol: String,
    courseid: i64,
    sortorder: i64,
    roleid: i64,
    cohort: Option<i64>,
    group: Option<GroupRef>,
    status: i64,
    start: i64,
    end: i64,
    enrolments: usize,
    alive: bool,
}

#[derive(Debug, Clone)]
struct GroupState {
    reference: GroupRef,
    courseid: i64,
    name: String,
}

/// The group a line wants for its binding.
enum GroupTarget {
    None,
    Existing(usize),
    Create(String),
}

struct Planner<'a> {
    settings: &'a BindingSettings,
    snapshot: &'a Snapshot,
    instances: Vec<InstanceState>,
    groups: Vec<GroupState>,
    max_sortorder: HashMap<i64, i64>,
    ops: Vec<BindingOp>,
    new_instances: usize,
    new_groups: usize,
}

impl<'a> Planner<'a> {
    fn new(snapshot: &'a Snapshot, settings: &'a BindingSettings) -> Self {
        let mut max_sortorder: HashMap<i64, i64> = HashMap::new();
        for row in &snapshot.instances {
            let max = max_sortorder.entry(row.courseid).or_insert(row.sortorder);
            *max = (*max).max(row.sortorder);
        }
        Planner {
            settings,
            snapshot,
            instances: snapshot
                .instances
                .iter()
                .map(|row| InstanceState {
                    reference: InstanceRef::Existing(row.id),
                    enrol: row.enrol.clone(),
                    courseid: row.courseid,
                    sortorder: row.sortorder,
                    roleid: row.roleid,
                    cohort: row.cohort,
                    group: row.group.filter(|&id| id > 0).map(GroupRef::Existing),
                    status: row.status,
                    start: row.start,
                    end: row.end,
                    enrolments: row.enrolments,
                    alive: true,
                })
                .collect(),
            groups: snapshot
                .groups
                .iter()
                .map(|row| GroupState {
                    reference: GroupRef::Existing(row.id),
                    courseid: row.courseid,
                    name: row.name.clone(),
                })
                .collect(),
            max_sortorder,
            ops: Vec::new(),
            new_instances: 0,
            new_groups: 0,
        }
    }

    /// Recomputes a course's largest sort order once method `deleted` is gone.
    fn forget_sortorder(&mut self, course: i64, deleted: usize) {
        let remaining = self
            .instances
            .iter()
            .enumerate()
            .filter(|(index, state)| *index != deleted && state.alive && state.courseid == course)
            .map(|(_, state)| state.sortorder)
            .max();
        match remaining {
            Some(max) => self.max_sortorder.insert(course, max),
            None => self.max_sortorder.remove(&course),
        };
    }

    fn apply(&mut self, line: &BindingLine) -> Result<Vec<Effect>, LineError> {
        let dates = self.dates(line)?;
        let course = self.find_course(&line.course)?;
        let cohort = self.find_cohort(&line.cohort)?;
        let role = self.find_role(&line.role)?;
        match line.cmd {
            BindingCmd::Add => self.add(line, dates, course, cohort, role),
            BindingCmd::Del => self.set_status(line, course, cohort, role, DISABLED),
            BindingCmd::Restore => self.set_status(line, course, cohort, role, ENABLED),
            BindingCmd::Fulldel => self.delete(line, course, cohort, role),
        }
    }

    /// The line's `enrolstart` and `enrolend`, Unix seconds, read in the site's time zone.
    /// 0 is "no date": an end of 0 is never before a start.
    fn dates(&self, line: &BindingLine) -> Result<(Option<i64>, Option<i64>), LineError> {
        let zone = &self.snapshot.zone;
        let start = line.start.as_ref().map(|date| date.time.resolve(zone));
        let end = line.end.as_ref().map(|date| date.time.resolve(zone));
        if let (Some(start_date), Some(end_date), Some(start_time), Some(end_time)) =
            (&line.start, &line.end, start, end)
            && end_time > 0
            && end_time < start_time
        {
            return Err(LineError::in_column(
                &end_date.column,
                &end_date.text,
                LineProblem::EndBeforeStart {
                    start: start_date.text.clone(),
                    end: end_date.text.clone(),
                },
            ));
        }
        Ok((start, end))
    }

    fn find_course(&self, key: &str) -> Result<&'a CourseRow, LineError> {
        let by = self.settings.course_identifier;
        let matches: Vec<&CourseRow> = self
            .snapshot
            .courses
            .iter()
            .filter(|course| match by {
                CourseIdentifier::Id => key.parse() == Ok(course.id),
                CourseIdentifier::Idnumber => course.idnumber == key,
                CourseIdentifier::Shortname => course.shortname == key,
            })
            .collect();
        match matches.as_slice() {
            [] => Err(LineError::in_column(
                "course",
                key,
                LineProblem::UnknownCourse {
                    value: key.to_owned(),
                    by: by.name(),
                },
            )),
            [course] if course.id == SITE_COURSE => Err(LineError::in_column(
                "course",
                key,
                Problem::SiteCourse {
                    value: key.to_owned(),
                },
            )),
            [course] => Ok(course),
            several => Err(LineError::in_column(
                "course",
                key,
                LineProblem::AmbiguousCourse {
                    value: key.to_owned(),
                    by: by.name(),
                    ids: several.iter().map(|course| course.id).collect(),
                },
            )),
        }
    }

    fn find_cohort(&self, key: &str) -> Result<&'a CohortRow, LineError> {
        let by = self.settings.cohort_identifier;
        let matches: Vec<&CohortRow> = self
            .snapshot
            .cohorts
            .iter()
            .filter(|cohort| match by {
                CohortIdentifier::Id => key.parse() == Ok(cohort.id),
                CohortIdentifier::Idnumber => cohort.idnumber.as_deref() == Some(key),
                CohortIdentifier::Name => cohort.name == key,
            })
            .collect();
        match matches.as_slice() {
            [] => Err(LineError::in_column(
                "cohort",
                key,
                LineProblem::UnknownCohort {
                    value: key.to_owned(),
                    by: by.name(),
                },
            )),
            [cohort] => Ok(cohort),
            several => Err(LineError::in_column(
                "cohort",
                key,
                LineProblem::AmbiguousCohort {
                    value: key.to_owned(),
                    by: by.name(),
                    ids: several.iter().map(|cohort| cohort.id).collect(),
                },
            )),
        }
    }

    /// The role a line names; `None` for every role.
    fn find_role(&self, choice: &RoleChoice) -> Result<Option<&'a RoleRow>, LineError> {
        let (key, by) = match choice {
            RoleChoice::Every => return Ok(None),
            RoleChoice::Default => (DEFAULT_ROLE, RoleIdentifier::Shortname),
            RoleChoice::Key(key) => (key.as_str(), self.settings.role_identifier),
        };
        let found = self.snapshot.roles.iter().find(|role| match by {
            RoleIdentifier::Id => key.parse() == Ok(role.id),
            RoleIdentifier::Shortname => role.shortname.eq_ignore_ascii_case(key),
        });
        match found {
            Some(role) => Ok(Some(role)),
            None if *choice == RoleChoice::Default => {
                Err(LineError::line(LineProblem::UnknownRole {
                    value: format!("{DEFAULT_ROLE}\" (the default role, as the line has none"),
                    by: by.name(),
                }))
            }
            None => Err(LineError::in_column(
                "role",
                key,
                LineProblem::UnknownRole {
                    value: key.to_owned(),
                    by: by.name(),
                },
            )),
        }
    }

    fn course_label(&self, courseid: i64) -> CourseLabel {
        CourseLabel {
            id: courseid,
            shortname: self
                .snapshot
                .courses
                .iter()
                .find(|course| course.id == courseid)
                .map(|course| course.shortname.clone())
                .unwrap_or_default(),
        }
    }

    fn cohort_label(cohort: &CohortRow) -> CohortLabel {
        CohortLabel {
            id: Some(cohort.id),
            name: cohort.name.clone(),
            idnumber: cohort.idnumber.clone(),
        }
    }

    fn role_label(&self, roleid: i64) -> Option<RoleLabel> {
        if roleid == 0 {
            return None;
        }
        Some(RoleLabel {
            id: roleid,
            shortname: self
                .snapshot
                .roles
                .iter()
                .find(|role| role.id == roleid)
                .map(|role| role.shortname.clone())
                .unwrap_or_else(|| format!("missing role id {roleid}")),
        })
    }

    fn binding_label(&self, index: usize, cohort: &CohortRow) -> BindingLabel {
        let state = &self.instances[index];
        BindingLabel {
            id: match state.reference {
                InstanceRef::Existing(id) => Some(id),
                InstanceRef::New(_) => None,
            },
            enrol: state.enrol.clone(),
            course: self.course_label(state.courseid),
            cohort: Self::cohort_label(cohort),
            role: self.role_label(state.roleid),
        }
    }

    fn group_label(&self, group: GroupRef) -> GroupLabel {
        let name = self
            .groups
            .iter()
            .find(|state| state.reference == group)
            .map(|state| state.name.clone())
            .unwrap_or_else(|| match group {
                GroupRef::Existing(id) => format!("missing group id {id}"),
                GroupRef::New(_) => String::new(),
            });
        GroupLabel {
            id: match group {
                GroupRef::Existing(id) => Some(id),
                GroupRef::New(_) => None,
            },
            name,
        }
    }

    /// Live methods of `line.enrol` binding `cohort` to `course`, with `role` unless every role.
    fn matching(
        &self,
        line: &BindingLine,
        course: i64,
        cohort: i64,
        role: Option<i64>,
    ) -> Vec<usize> {
        self.instances
            .iter()
            .enumerate()
            .filter(|(_, state)| {
                state.alive
                    && state.enrol == line.enrol
                    && state.courseid == course
                    && state.cohort == Some(cohort)
                    && role.is_none_or(|role| state.roleid == role)
            })
            .map(|(index, _)| index)
            .collect()
    }

    fn group_target(
        &self,
        choice: &GroupChoice,
        course: &CourseRow,
        cohort: &CohortRow,
    ) -> Result<GroupTarget, LineError> {
        let find = |name: &str| {
            self.groups
                .iter()
                .position(|group| group.courseid == course.id && group.name.trim() == name.trim())
        };
        match choice {
            GroupChoice::None => Ok(GroupTarget::None),
            GroupChoice::CohortNamed => Ok(match find(&cohort.name) {
                Some(index) => GroupTarget::Existing(index),
                None => GroupTarget::Create(cohort.name.trim().to_owned()),
            }),
            GroupChoice::Named(name) => match find(name) {
                Some(index) => Ok(GroupTarget::Existing(index)),
                None => Err(LineError::in_column(
                    "makegroup",
                    name,
                    LineProblem::UnknownGroup {
                        value: name.clone(),
                        course: self.course_label(course.id).to_string(),
                    },
                )),
            },
        }
    }

    /// Turns a group target into a reference, creating the group if needed.
    fn realise_group(
        &mut self,
        target: GroupTarget,
        course: &CourseRow,
        effects: &mut Vec<Effect>,
    ) -> Option<GroupRef> {
        match target {
            GroupTarget::None => None,
            GroupTarget::Existing(index) => Some(self.groups[index].reference),
            GroupTarget::Create(name) => {
                let slot = self.new_groups;
                self.new_groups += 1;
                let reference = GroupRef::New(slot);
                self.groups.push(GroupState {
                    reference,
                    courseid: course.id,
                    name: name.clone(),
                });
                self.ops.push(BindingOp::CreateGroup {
                    slot,
                    courseid: course.id,
                    name: name.clone(),
                });
                effects.push(Effect::GroupCreated {
                    course: self.course_label(course.id),
                    group: GroupLabel { id: None, name },
                });
                Some(reference)
            }
        }
    }

    fn add(
        &mut self,
        line: &BindingLine,
        (start, end): (Option<i64>, Option<i64>),
        course: &CourseRow,
        cohort: &CohortRow,
        role: Option<&RoleRow>,
    ) -> Result<Vec<Effect>, LineError> {
        let roleid = role.map_or(0, |role| role.id);
        let target = line
            .group
            .as_ref()
            .map(|choice| self.group_target(choice, course, cohort))
            .transpose()?;
        let matching = self.matching(line, course.id, cohort.id, Some(roleid));
        // Moodle refuses a second method for the same cohort and role in a course; if a site
        // has several anyway, the enabled one (else the oldest) is the one the line is about.
        let found = matching
            .iter()
            .copied()
            .find(|&index| self.instances[index].status == ENABLED)
            .or_else(|| matching.first().copied());
        let mut effects = Vec::new();
        let Some(index) = found else {
            let group = match target {
                Some(target) => self.realise_group(target, course, &mut effects),
                None => None,
            };
            let sortorder = self.max_sortorder.get(&course.id).map_or(0, |max| max + 1);
            self.max_sortorder.insert(course.id, sortorder);
            let instance = NewInstance {
                enrol: line.enrol.clone(),
                courseid: course.id,
                sortorder,
                roleid,
                cohortid: cohort.id,
                group,
                start: start.unwrap_or(0),
                end: end.unwrap_or(0),
            };
            let slot = self.new_instances;
            self.new_instances += 1;
            self.instances.push(InstanceState {
                reference: InstanceRef::New(slot),
                enrol: instance.enrol.clone(),
                courseid: course.id,
                sortorder,
                roleid,
                cohort: Some(cohort.id),
                group,
                status: ENABLED,
                start: instance.start,
                end: instance.end,
                enrolments: 0,
                alive: true,
            });
            effects.push(Effect::BindingCreated {
                binding: self.binding_label(self.instances.len() - 1, cohort),
                group: group.map(|group| self.group_label(group)),
                start: instance.start,
                end: instance.end,
                shown: [self.show_time(instance.start), self.show_time(instance.end)],
            });
            self.ops.push(BindingOp::CreateInstance { slot, instance });
            return Ok(effects);
        };

        let mut changes = InstanceChanges::default();
        let mut fields = Vec::new();
        let current = self.instances[index].clone();
        if current.status != ENABLED {
            changes.status = Some(ENABLED);
        }
        if let Some(target) = target {
            let differs = match &target {
                GroupTarget::None => current.group.is_some(),
                GroupTarget::Existing(group) => {
                    current.group != Some(self.groups[*group].reference)
                }
                GroupTarget::Create(_) => true,
            };
            if differs {
                let from = current
                    .group
                    .map_or_else(|| "none".to_owned(), |group| self.group_label(group).name);
                let group = self.realise_group(target, course, &mut effects);
                fields.push(FieldChange {
                    field: "group".into(),
                    from,
                    to: group
                        .map_or_else(|| "none".to_owned(), |group| self.group_label(group).name),
                });
                changes.group = Some(group);
            }
        }
        for (field, wanted, now, slot) in [
            ("enrolstartdate", start, current.start, &mut changes.start),
            ("enrolenddate", end, current.end, &mut changes.end),
        ] {
            if let Some(wanted) = wanted.filter(|&wanted| wanted != now) {
                fields.push(FieldChange {
                    field: field.into(),
                    from: self.show_time(now),
                    to: self.show_time(wanted),
                });
                *slot = Some(wanted);
            }
        }
        if changes == InstanceChanges::default() {
            effects.push(Effect::BindingUnchanged {
                binding: self.binding_label(index, cohort),
            });
            return Ok(effects);
        }
        let state = &mut self.instances[index];
        if let Some(status) = changes.status {
            state.status = status;
        }
        if let Some(group) = changes.group {
            state.group = group;
        }
        state.start = changes.start.unwrap_or(state.start);
        state.end = changes.end.unwrap_or(state.end);
        let binding = self.binding_label(index, cohort);
        if changes.status.is_some() {
            effects.push(Effect::BindingEnabled {
                binding: binding.clone(),
            });
        }
        if !fields.is_empty() {
            effects.push(Effect::BindingUpdated {
                binding,
                changes: fields,
            });
        }
        self.ops.push(BindingOp::UpdateInstance {
            instance: current.reference,
            changes,
        });
        Ok(effects)
    }

    /// A time stamp as the report shows it: date and time in the site's time zone, or `none`
    /// for 0.
    fn show_time(&self, time: i64) -> String {
        if time == 0 {
            return "none".into();
        }
        self.snapshot.zone.show(time)
    }

    fn not_bound(
        &self,
        line: &BindingLine,
        course: &CourseRow,
        cohort: &CohortRow,
        role: Option<&RoleRow>,
    ) -> Effect {
        Effect::NotBound {
            course: self.course_label(course.id),
            cohort: Self::cohort_label(cohort),
            role: role.map(|role| RoleLabel {
                id: role.id,
                shortname: role.shortname.clone(),
            }),
            enrol: line.enrol.clone(),
        }
    }

    fn set_status(
        &mut self,
        line: &BindingLine,
        course: &CourseRow,
        cohort: &CohortRow,
        role: Option<&RoleRow>,
        status: i64,
    ) -> Result<Vec<Effect>, LineError> {
        let matching = self.matching(line, course.id, cohort.id, role.map(|role| role.id));
        if matching.is_empty() {
            if status == DISABLED {
                return Ok(vec![self.not_bound(line, course, cohort, role)]);
            }
            return Err(LineError::line(Problem::NothingToRestore {
                binding: describe_missing(self.course_label(course.id), cohort, role, &line.enrol),
            }));
        }
        let mut effects = Vec::new();
        for index in matching {
            let binding = self.binding_label(index, cohort);
            let state = &mut self.instances[index];
            if state.status == status {
                effects.push(if status == DISABLED {
                    Effect::BindingAlreadyDisabled { binding }
                } else {
                    Effect::BindingUnchanged { binding }
                });
                continue;
            }
            state.status = status;
            self.ops.push(BindingOp::UpdateInstance {
                instance: state.reference,
                changes: InstanceChanges {
                    status: Some(status),
                    ..InstanceChanges::default()
                },
            });
            effects.push(if status == DISABLED {
                Effect::BindingDisabled { binding }
            } else {
                Effect::BindingEnabled { binding }
            });
        }
        Ok(effects)
    }

    fn delete(
        &mut self,
        line: &BindingLine,
        course: &CourseRow,
        cohort: &CohortRow,
        role: Option<&RoleRow>,
    ) -> Result<Vec<Effect>, LineError> {
        let matching = self.matching(line, course.id, cohort.id, role.map(|role| role.id));
        if matching.is_empty() {
            return Ok(vec![self.not_bound(line, course, cohort, role)]);
        }
        let mut effects = Vec::new();
        for index in matching {
            let binding = self.binding_label(index, cohort);
            let state = &mut self.instances[index];
            state.alive = false;
            let course = state.courseid;
            self.ops.push(BindingOp::DeleteInstance {
                instance: state.reference,
                enrol: state.enrol.clone(),
                courseid: state.courseid,
            });
            effects.push(Effect::BindingDeleted {
                binding,
                enrolments: self.instances[index].enrolments,
            });
            // Moodle places the next method after the course's last remaining one.
            self.forget_sortorder(course, index);
        }
        Ok(effects)
    }
}

fn describe_missing(
    course: CourseLabel,
    cohort: &CohortRow,
    role: Option<&RoleRow>,
    enrol: &str,
) -> String {
    let role = match role {
        Some(role) => format!(" as {}", role.shortname),
        None => String::new(),
    };
    let method = if enrol == "cohort" {
        String::new()
    } else {
        format!(" (enrolment method {enrol})")
    };
    format!(
        "no binding of cohort {} in course {course}{role}{method}",
        Planner::cohort_label(cohort)
    )
}
