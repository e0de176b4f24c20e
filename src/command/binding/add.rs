//! `add` lines: the cohort bound to the course with the role, by a new enrolment method, or by
//! the one that exists, enabled again and changed as the line says (group, dates).

use super::{
    effect::Effect,
    groups::GroupTarget,
    line::BindingLine,
    plan::{BindingOp, CourseRow, ENABLED, InstanceChanges, InstanceRef, NewInstance, RoleRow},
    planner::{InstanceState, Planner},
};
use crate::{command::cohort::CohortRow, error::LineError, outcome::FieldChange};

impl Planner<'_> {
    /// `add`: binds `cohort` to `course` with `role` (none: the line's role is every role,
    /// refused when parsed). A method that exists is enabled and changed as the line says;
    /// else one is created.
    pub(super) fn add(
        &mut self,
        line: &BindingLine,
        dates: (Option<i64>, Option<i64>),
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
        Ok(match found {
            None => self.create_binding(line, dates, course, cohort, roleid, target),
            Some(index) => self.update_binding(index, dates, course, cohort, target),
        })
    }

    /// Creates the method that binds `cohort` to `course` with role `roleid`, after the
    /// course's last method, with the group `target` asks for.
    fn create_binding(
        &mut self,
        line: &BindingLine,
        (start, end): (Option<i64>, Option<i64>),
        course: &CourseRow,
        cohort: &CohortRow,
        roleid: i64,
        target: Option<GroupTarget>,
    ) -> Vec<Effect> {
        let mut effects = Vec::new();
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
        effects
    }

    /// Enables method `index` and changes its group and dates as the line says; unchanged
    /// when all is as it says.
    fn update_binding(
        &mut self,
        index: usize,
        (start, end): (Option<i64>, Option<i64>),
        course: &CourseRow,
        cohort: &CohortRow,
        target: Option<GroupTarget>,
    ) -> Vec<Effect> {
        let mut effects = Vec::new();
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
            return effects;
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
        effects
    }
}
