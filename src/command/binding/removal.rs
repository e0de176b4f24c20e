//! `del`, `restore` and `fulldel` lines: the methods a line names disabled, enabled again (what
//! `restore` undoes of a `del`), or deleted with their enrolments.

use super::{
    effect::Effect,
    line::BindingLine,
    plan::{BindingOp, CourseRow, DISABLED, InstanceChanges, RoleRow},
    planner::Planner,
    problem::Problem,
};
use crate::{
    command::cohort::CohortRow,
    error::LineError,
    outcome::{CourseLabel, RoleLabel},
};

impl Planner<'_> {
    /// What a line that finds no method to act on did: nothing.
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

    /// `del` and `restore`: gives the methods the line names `status` (disabled, or enabled
    /// again). Nothing to disable is a no-op; nothing to restore is an error.
    pub(super) fn set_status(
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

    /// `fulldel`: deletes the methods the line names, with their enrolments.
    pub(super) fn delete(
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

/// How an error names a binding that does not exist.
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
