//! The course groups of enrolment files (`gcmd`, `g1` … `g9`): the groups of the courses a
//! file names, found by name or created, and the user's memberships changed as the group
//! command says. A membership an enrolment plugin gave (cohort sync) is never removed.

use std::collections::btree_map::Entry;

use super::{
    effect::Effect,
    line::{GroupCmd, GroupName},
    plan::GroupRef,
    planner::{At, Member, Planner},
    problem::Problem,
};
use crate::{error::LineError, outcome::GroupLabel};

/// A course group as the file sees it so far.
#[derive(Debug, Clone)]
pub(super) struct GroupState {
    /// The group the writes name.
    pub(super) reference: GroupRef,
    /// `groups.courseid`.
    pub(super) courseid: i64,
    /// `groups.name`.
    pub(super) name: String,
}

impl Planner<'_> {
    /// Loads the snapshot's groups and memberships into the model.
    pub(super) fn load_groups(&mut self) {
        let snapshot = self.snapshot;
        let mut index_of = std::collections::HashMap::new();
        for group in &snapshot.groups {
            let index = self.groups.len();
            index_of.insert(group.id, index);
            self.group_names
                .entry((group.courseid, group.name.trim().to_owned()))
                .or_insert(index);
            self.groups.push(GroupState {
                reference: GroupRef::Existing(group.id),
                courseid: group.courseid,
                name: group.name.clone(),
            });
        }
        for row in &snapshot.members {
            let Some(&index) = index_of.get(&row.groupid) else {
                continue;
            };
            let courseid = self.groups[index].courseid;
            // Given back by hand, a membership by hand is the same row; one a plugin gave is not.
            if row.component.is_empty() {
                self.member_ids.entry((index, row.userid)).or_insert(row.id);
            }
            self.memberships_of(courseid, row.userid)
                .entry(index)
                .or_insert(Member {
                    id: Some(row.id),
                    component: row.component.clone(),
                    itemid: row.itemid,
                });
        }
    }

    /// Carries out a line's group command for its user in its course.
    pub(super) fn apply_groups(
        &mut self,
        at: &At,
        cmd: GroupCmd,
        names: &[GroupName],
        effects: &mut Vec<Effect>,
    ) -> Result<(), LineError> {
        let mut listed = Vec::new();
        for name in names {
            let create = match cmd {
                GroupCmd::Add { create } | GroupCmd::Replace { create } => create,
                GroupCmd::Remove => false,
            };
            listed.push(self.group_for(at, name, create, effects)?);
        }
        match cmd {
            GroupCmd::Add { .. } | GroupCmd::Replace { .. } => {
                if !self.is_enrolled(at) {
                    return Err(LineError::in_column(
                        &names[0].column,
                        &names[0].name,
                        Problem::GroupNeedsEnrolment {
                            user: at.user.to_string(),
                            course: at.course.to_string(),
                        },
                    ));
                }
                for &group in &listed {
                    let label = self.group_label(group);
                    let existing = self.member_ids.get(&(group, at.userid)).copied();
                    let members = self.memberships(at);
                    let (user, course) = (at.user.clone(), at.course.clone());
                    let effect = match members.entry(group) {
                        Entry::Occupied(_) => Effect::AlreadyInGroup {
                            user,
                            course,
                            group: label,
                        },
                        Entry::Vacant(slot) => {
                            slot.insert(Member {
                                id: existing,
                                component: String::new(),
                                itemid: 0,
                            });
                            Effect::JoinedGroup {
                                user,
                                course,
                                group: label,
                            }
                        }
                    };
                    effects.push(effect);
                }
                if matches!(cmd, GroupCmd::Replace { .. }) {
                    let others: Vec<usize> = self
                        .memberships(at)
                        .keys()
                        .copied()
                        .filter(|group| !listed.contains(group))
                        .collect();
                    for group in others {
                        self.leave(at, group, effects);
                    }
                }
            }
            GroupCmd::Remove => {
                for group in listed {
                    if self.memberships(at).contains_key(&group) {
                        self.leave(at, group, effects);
                    } else {
                        effects.push(Effect::NotInGroup {
                            user: at.user.clone(),
                            course: at.course.clone(),
                            group: self.group_label(group),
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// Takes the user out of `group`, unless a plugin put them there.
    fn leave(&mut self, at: &At, group: usize, effects: &mut Vec<Effect>) {
        let label = self.group_label(group);
        let members = self.memberships(at);
        let component = members
            .get(&group)
            .map(|member| member.component.clone())
            .unwrap_or_default();
        if component.is_empty() {
            members.remove(&group);
            effects.push(Effect::LeftGroup {
                user: at.user.clone(),
                course: at.course.clone(),
                group: label,
            });
        } else {
            effects.push(Effect::MembershipKept {
                user: at.user.clone(),
                course: at.course.clone(),
                group: label,
                component,
            });
        }
    }

    /// The group a line names in its course: found by name (trimmed), or created when
    /// `create` says so.
    fn group_for(
        &mut self,
        at: &At,
        name: &GroupName,
        create: bool,
        effects: &mut Vec<Effect>,
    ) -> Result<usize, LineError> {
        let key = (at.courseid, name.name.trim().to_owned());
        if let Some(&index) = self.group_names.get(&key) {
            return Ok(index);
        }
        if !create {
            return Err(LineError::in_column(
                &name.column,
                &name.name,
                Problem::UnknownGroup {
                    value: name.name.clone(),
                    course: at.course.to_string(),
                },
            ));
        }
        let slot = self
            .groups
            .iter()
            .filter(|group| matches!(group.reference, GroupRef::New(_)))
            .count();
        let index = self.groups.len();
        self.groups.push(GroupState {
            reference: GroupRef::New(slot),
            courseid: at.courseid,
            name: key.1.clone(),
        });
        self.group_names.insert(key, index);
        effects.push(Effect::GroupCreated {
            course: at.course.clone(),
            group: self.group_label(index),
        });
        Ok(index)
    }

    /// How the report names a group.
    pub(super) fn group_label(&self, index: usize) -> GroupLabel {
        let group = &self.groups[index];
        GroupLabel {
            id: match group.reference {
                GroupRef::Existing(id) => Some(id),
                GroupRef::New(_) => None,
            },
            name: group.name.clone(),
        }
    }
}
