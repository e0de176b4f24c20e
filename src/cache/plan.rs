//! Which cache keys a file's changes call for, exactly as Moodle's own functions would touch
//! them for the same changes (see docs/moodle-database.md). Pure: the changes and what the
//! site says in, the keys per definition out.
//!
//! - `groups_create_group`: `core/groupdata` of the course is dropped, and
//!   `core/coursehiddengroups` of the course is rebuilt (`visibility::update_hiddengroups_cache`
//!   stores the count of its groups not visible to all; Moodle rebuilds it rather than dropping
//!   it because `course_has_hidden_groups` answers "none" once for a missing entry).
//! - `groups_add_member`, `groups_remove_member`: `core/user_group_groupings` of the user.
//! - `enrol_user`, `update_user_enrol`, `unenrol_user` (`user_enrolment_changed`):
//!   `core/coursecontacts` of the course. Moodle skips the drop when the changed enrolment is
//!   inactive and its user is not among the contacts it has cached; moodle-sync, which does
//!   not read the cached value, drops it anyway: the contacts are then read again once.
//! - `role_assign`, `role_unassign_all` (`role_assignment_changed`), for a role listed in
//!   `$CFG->coursecontact`: `core/coursecontacts` of the course, of every course below a
//!   category, or the whole definition for the system context.

use std::collections::BTreeSet;

use crate::db::{CacheChanges, CacheFacts, RoleContext};

/// What is done to a definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    /// Delete the keys of these ids.
    Drop(BTreeSet<i64>),
    /// Delete every key of the definition.
    Purge,
    /// Store these values under the keys of these ids.
    Rebuild(Vec<(i64, i64)>),
}

/// A definition and what it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// The definition's area in `core` (`groupdata`).
    pub area: &'static str,
    /// What its keys are the ids of.
    pub subject: Subject,
    /// What to do.
    pub need: Need,
}

/// What a definition's keys are the ids of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Subject {
    /// Course ids.
    Course,
    /// User ids.
    User,
}

impl Subject {
    /// The noun, singular or plural.
    pub fn noun(self, count: usize) -> &'static str {
        match (self, count) {
            (Subject::Course, 1) => "course",
            (Subject::Course, _) => "courses",
            (Subject::User, 1) => "user",
            (Subject::User, _) => "users",
        }
    }
}

/// The tasks `changes` call for, in a fixed order. `facts.hidden_groups` gives the counts to
/// rebuild `core/coursehiddengroups` with; a course it lacks is left out (the site has no such
/// cache).
pub fn plan(changes: &CacheChanges, facts: &CacheFacts) -> Vec<Task> {
    let mut tasks = Vec::new();
    if !changes.groups_created.is_empty() {
        tasks.push(Task {
            area: "groupdata",
            subject: Subject::Course,
            need: Need::Drop(changes.groups_created.clone()),
        });
        let counts: Vec<(i64, i64)> = changes
            .groups_created
            .iter()
            .filter_map(|course| Some((*course, *facts.hidden_groups.get(course)?)))
            .collect();
        if !counts.is_empty() {
            tasks.push(Task {
                area: "coursehiddengroups",
                subject: Subject::Course,
                need: Need::Rebuild(counts),
            });
        }
    }
    if !changes.members_changed.is_empty() {
        tasks.push(Task {
            area: "user_group_groupings",
            subject: Subject::User,
            need: Need::Drop(changes.members_changed.clone()),
        });
    }
    let mut contacts = changes.enrolments_changed.clone();
    let mut purge = false;
    for change in &changes.roles_changed {
        if !facts.contact_roles.contains(&change.roleid) {
            continue;
        }
        match &change.context {
            RoleContext::System => purge = true,
            RoleContext::Category(path) => {
                contacts.extend(facts.courses_below.get(path).into_iter().flatten());
            }
            RoleContext::Course(course) => {
                contacts.insert(*course);
            }
        }
    }
    if purge || !contacts.is_empty() {
        tasks.push(Task {
            area: "coursecontacts",
            subject: Subject::Course,
            need: if purge {
                Need::Purge
            } else {
                Need::Drop(contacts)
            },
        });
    }
    tasks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::RoleChange;

    fn set(ids: &[i64]) -> BTreeSet<i64> {
        ids.iter().copied().collect()
    }

    #[test]
    fn a_group_drops_the_course_groups_and_rebuilds_its_hidden_count() {
        let mut changes = CacheChanges::default();
        changes.group_created(3);
        changes.group_created(5);
        let mut facts = CacheFacts::default();
        facts.hidden_groups.insert(3, 0);
        facts.hidden_groups.insert(5, 2);
        assert_eq!(
            plan(&changes, &facts),
            [
                Task {
                    area: "groupdata",
                    subject: Subject::Course,
                    need: Need::Drop(set(&[3, 5]))
                },
                Task {
                    area: "coursehiddengroups",
                    subject: Subject::Course,
                    need: Need::Rebuild(vec![(3, 0), (5, 2)])
                },
            ]
        );
        // A site without the hidden groups cache: nothing to rebuild.
        assert_eq!(plan(&changes, &CacheFacts::default()).len(), 1);
    }

    #[test]
    fn memberships_drop_the_users_groupings_only() {
        let mut changes = CacheChanges::default();
        changes.members_changed([7, 9, 7]);
        assert_eq!(
            plan(&changes, &CacheFacts::default()),
            [Task {
                area: "user_group_groupings",
                subject: Subject::User,
                need: Need::Drop(set(&[7, 9]))
            }]
        );
        assert!(plan(&CacheChanges::default(), &CacheFacts::default()).is_empty());
    }

    #[test]
    fn contacts_follow_enrolments_and_contact_roles() {
        let mut changes = CacheChanges::default();
        changes.enrolments_changed(4);
        changes.course_role_changed(5, 6);
        changes.course_role_changed(3, 8);
        changes.roles_changed.insert(RoleChange {
            roleid: 3,
            context: RoleContext::Category("/1/20".into()),
        });
        let facts = CacheFacts {
            contact_roles: set(&[3]),
            courses_below: [("/1/20".to_owned(), vec![11, 12])].into(),
            ..CacheFacts::default()
        };
        // The student role (5) is no course contact: course 6 keeps its contacts.
        assert_eq!(
            plan(&changes, &facts),
            [Task {
                area: "coursecontacts",
                subject: Subject::Course,
                need: Need::Drop(set(&[4, 8, 11, 12]))
            }]
        );
        changes.roles_changed.insert(RoleChange {
            roleid: 3,
            context: RoleContext::System,
        });
        assert_eq!(plan(&changes, &facts)[0].need, Need::Purge);
        // A role change alone, of a role no contact: nothing.
        let mut roles = CacheChanges::default();
        roles.course_role_changed(5, 6);
        assert!(plan(&roles, &facts).is_empty());
    }
}
