//! The binding planner: its model of the enrolment methods and groups of the courses a file
//! names, the lookups of a line's course, cohort and role, the labels the report names them
//! by, and the dispatch of a line to its command. Its parts are beside it: the course groups
//! (`groups.rs`), the `add` lines (`add.rs`) and the `del`, `restore` and `fulldel` lines
//! (`removal.rs`).

use std::collections::HashMap;

use super::{
    effect::Effect,
    groups::GroupState,
    line::{BindingCmd, BindingLine, BindingSettings, DEFAULT_ROLE, RoleChoice},
    plan::{
        BindingOp, CourseRow, DISABLED, ENABLED, GroupRef, InstanceRef, RoleRow, SITE_COURSE,
        Snapshot,
    },
    problem::Problem,
};
use crate::{
    command::{
        cohort::CohortRow,
        refs::{CohortIdentifier, CourseIdentifier, RoleIdentifier},
    },
    error::{LineError, LineProblem},
    outcome::{BindingLabel, CohortLabel, CourseLabel, RoleLabel},
};

/// An enrolment method as the file sees it so far.
#[derive(Debug, Clone)]
pub(super) struct InstanceState {
    /// The method the ops name.
    pub(super) reference: InstanceRef,
    pub(super) enrol: String,
    pub(super) courseid: i64,
    pub(super) sortorder: i64,
    pub(super) roleid: i64,
    pub(super) cohort: Option<i64>,
    pub(super) group: Option<GroupRef>,
    pub(super) status: i64,
    pub(super) start: i64,
    pub(super) end: i64,
    /// Its enrolments before the file (what its deletion takes with it).
    pub(super) enrolments: usize,
    /// False once a line deleted it.
    pub(super) alive: bool,
}

/// Lines applied in file order to a model of the enrolment methods and groups they touch.
pub(super) struct Planner<'a> {
    pub(super) settings: &'a BindingSettings,
    pub(super) snapshot: &'a Snapshot,
    /// The enrolment methods of the loaded courses, and those the file creates.
    pub(super) instances: Vec<InstanceState>,
    /// The groups of the loaded courses, and those the file creates.
    pub(super) groups: Vec<GroupState>,
    /// Each course's largest method sort order: a new method goes after it.
    pub(super) max_sortorder: HashMap<i64, i64>,
    /// The writes so far, in order.
    pub(super) ops: Vec<BindingOp>,
    /// How many methods the file creates so far: the slot of the next one.
    pub(super) new_instances: usize,
    /// How many groups the file creates so far: the slot of the next one.
    pub(super) new_groups: usize,
}

impl<'a> Planner<'a> {
    /// A planner whose model holds the snapshot's methods and groups.
    pub(super) fn new(snapshot: &'a Snapshot, settings: &'a BindingSettings) -> Self {
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
    pub(super) fn forget_sortorder(&mut self, course: i64, deleted: usize) {
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

    /// Applies `line`: finds its course, cohort and role, then does what its command says. A
    /// line changes the model only when it succeeds.
    pub(super) fn apply(&mut self, line: &BindingLine) -> Result<Vec<Effect>, LineError> {
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

    /// The course `key` names; none, several or the site course is an error.
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

    /// The cohort `key` names; none or several is an error.
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

    /// How the report names a course.
    pub(super) fn course_label(&self, courseid: i64) -> CourseLabel {
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

    /// How the report names a cohort.
    pub(super) fn cohort_label(cohort: &CohortRow) -> CohortLabel {
        CohortLabel {
            id: Some(cohort.id),
            name: cohort.name.clone(),
            idnumber: cohort.idnumber.clone(),
        }
    }

    /// How the report names a role; `None` for none (0).
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

    /// How the report names method `index`, which binds `cohort`.
    pub(super) fn binding_label(&self, index: usize, cohort: &CohortRow) -> BindingLabel {
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

    /// Live methods of `line.enrol` binding `cohort` to `course`, with `role` unless every role.
    pub(super) fn matching(
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

    /// A time stamp as the report shows it: date and time in the site's time zone, or `none`
    /// for 0.
    pub(super) fn show_time(&self, time: i64) -> String {
        if time == 0 {
            return "none".into();
        }
        self.snapshot.zone.show(time)
    }
}
