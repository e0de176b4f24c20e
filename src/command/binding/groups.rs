//! The course group a binding puts its members in (`makegroup`): the one a line asks for,
//! found among the course's groups or created, and how the report names it.

use super::{
    effect::Effect,
    line::GroupChoice,
    plan::{BindingOp, CourseRow, GroupRef},
    planner::Planner,
};
use crate::{
    command::cohort::CohortRow,
    error::{LineError, LineProblem},
    outcome::GroupLabel,
};

/// A course group as the file sees it so far.
#[derive(Debug, Clone)]
pub(super) struct GroupState {
    /// The group the ops name.
    pub(super) reference: GroupRef,
    /// `groups.courseid`.
    pub(super) courseid: i64,
    /// `groups.name`.
    pub(super) name: String,
}

/// The group a line wants for its binding.
pub(super) enum GroupTarget {
    /// No group.
    None,
    /// The group of that index.
    Existing(usize),
    /// A group to create, with that name.
    Create(String),
}

impl Planner<'_> {
    /// How the report names a group.
    pub(super) fn group_label(&self, group: GroupRef) -> GroupLabel {
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

    /// The group `choice` asks for in `course`: none, one of its groups, or the group named
    /// after `cohort`, to create when missing. Naming a missing group is an error.
    pub(super) fn group_target(
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
    pub(super) fn realise_group(
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
}
