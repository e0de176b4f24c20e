//! What the lines of an enrolment file do: their effects, how the report words them, and what
//! they count for the totals.

use serde::Serialize;

use crate::outcome::{
    CourseLabel, FieldChange, GroupLabel, LineEffect, RoleLabel, UserLabel, verb,
};

/// One thing a line of an enrolment file did, or found already done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// The user was enrolled in the course by the method.
    Enrolled {
        /// The user.
        user: UserLabel,
        /// The course.
        course: CourseLabel,
        /// The method's plugin.
        enrol: String,
        /// `timestart` (0: none).
        start: i64,
        /// `timeend` (0: none).
        end: i64,
        /// `start` and `end` as the report shows them, in the site's time zone.
        #[serde(skip)]
        shown: [String; 2],
    },
    /// The enrolment's dates were changed.
    EnrolmentUpdated {
        /// The user.
        user: UserLabel,
        /// The course.
        course: CourseLabel,
        /// The method's plugin.
        enrol: String,
        /// What changed (`timestart`, `timeend`).
        changes: Vec<FieldChange>,
    },
    /// The user already was enrolled by the method, as asked.
    AlreadyEnrolled {
        /// The user.
        user: UserLabel,
        /// The course.
        course: CourseLabel,
        /// The method's plugin.
        enrol: String,
    },
    /// The user was unenrolled from the method.
    Unenrolled {
        /// The user.
        user: UserLabel,
        /// The course.
        course: CourseLabel,
        /// The method's plugin.
        enrol: String,
        /// It was their last enrolment in the course: every role and group membership there
        /// went with it.
        last: bool,
    },
    /// The user was not enrolled by the method: nothing to unenrol.
    NotEnrolled {
        /// The user.
        user: UserLabel,
        /// The course.
        course: CourseLabel,
        /// The method's plugin.
        enrol: String,
    },
    /// The enrolment was suspended.
    Suspended {
        /// The user.
        user: UserLabel,
        /// The course.
        course: CourseLabel,
        /// The method's plugin.
        enrol: String,
    },
    /// The enrolment was active again.
    Unsuspended {
        /// The user.
        user: UserLabel,
        /// The course.
        course: CourseLabel,
        /// The method's plugin.
        enrol: String,
    },
    /// The enrolment already had the status asked (`suspended` or `active`).
    StatusUnchanged {
        /// The user.
        user: UserLabel,
        /// The course.
        course: CourseLabel,
        /// The method's plugin.
        enrol: String,
        /// Whether it is suspended.
        suspended: bool,
    },
    /// The role was assigned in the course's context.
    RoleAssigned {
        /// The user.
        user: UserLabel,
        /// The course.
        course: CourseLabel,
        /// The role.
        role: RoleLabel,
    },
    /// The user already held the role in the course.
    RoleHeld {
        /// The user.
        user: UserLabel,
        /// The course.
        course: CourseLabel,
        /// The role.
        role: RoleLabel,
    },
    /// The role was unassigned in the course's context.
    RoleUnassigned {
        /// The user.
        user: UserLabel,
        /// The course.
        course: CourseLabel,
        /// The role.
        role: RoleLabel,
    },
    /// The user did not hold the role (by hand) in the course: nothing to take away.
    RoleNotHeld {
        /// The user.
        user: UserLabel,
        /// The course.
        course: CourseLabel,
        /// The role.
        role: RoleLabel,
    },
    /// Roles an enrolment plugin gave (cohort sync, …) stay: an enrolment file takes away
    /// only roles given by hand.
    RolesKept {
        /// The user.
        user: UserLabel,
        /// The course.
        course: CourseLabel,
        /// The roles, with the plugin that gave each (`student (enrol_cohort)`).
        roles: Vec<String>,
    },
    /// A course group was created.
    GroupCreated {
        /// The course.
        course: CourseLabel,
        /// The new group.
        group: GroupLabel,
    },
    /// The user was added to the group.
    JoinedGroup {
        /// The user.
        user: UserLabel,
        /// The course.
        course: CourseLabel,
        /// The group.
        group: GroupLabel,
    },
    /// The user already was in the group.
    AlreadyInGroup {
        /// The user.
        user: UserLabel,
        /// The course.
        course: CourseLabel,
        /// The group.
        group: GroupLabel,
    },
    /// The user was removed from the group.
    LeftGroup {
        /// The user.
        user: UserLabel,
        /// The course.
        course: CourseLabel,
        /// The group.
        group: GroupLabel,
    },
    /// The user was not in the group: nothing to remove.
    NotInGroup {
        /// The user.
        user: UserLabel,
        /// The course.
        course: CourseLabel,
        /// The group.
        group: GroupLabel,
    },
    /// A membership an enrolment plugin gave stays: it is the plugin's to remove.
    MembershipKept {
        /// The user.
        user: UserLabel,
        /// The course.
        course: CourseLabel,
        /// The group.
        group: GroupLabel,
        /// The plugin's component (`enrol_cohort`).
        component: String,
    },
}

/// What the lines of an enrolment file did, counted; the report's totals and the ledger's
/// summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Users enrolled.
    pub course_enrolments_added: usize,
    /// Enrolments whose dates changed.
    pub course_enrolments_updated: usize,
    /// Users unenrolled.
    pub course_enrolments_removed: usize,
    /// Enrolments suspended.
    pub course_enrolments_suspended: usize,
    /// Enrolments active again.
    pub course_enrolments_unsuspended: usize,
    /// Roles assigned in courses.
    pub course_roles_assigned: usize,
    /// Roles unassigned in courses.
    pub course_roles_unassigned: usize,
    /// Course groups created.
    pub course_groups_created: usize,
    /// Users added to course groups.
    pub course_group_members_added: usize,
    /// Users removed from course groups.
    pub course_group_members_removed: usize,
}

impl LineEffect for Effect {
    type Counts = Counts;

    fn is_change(&self) -> bool {
        !matches!(
            self,
            Effect::AlreadyEnrolled { .. }
                | Effect::NotEnrolled { .. }
                | Effect::StatusUnchanged { .. }
                | Effect::RoleHeld { .. }
                | Effect::RoleNotHeld { .. }
                | Effect::RolesKept { .. }
                | Effect::AlreadyInGroup { .. }
                | Effect::NotInGroup { .. }
                | Effect::MembershipKept { .. }
        )
    }

    fn count(&self, counts: &mut Counts) {
        match self {
            Effect::Enrolled { .. } => counts.course_enrolments_added += 1,
            Effect::EnrolmentUpdated { .. } => counts.course_enrolments_updated += 1,
            Effect::Unenrolled { .. } => counts.course_enrolments_removed += 1,
            Effect::Suspended { .. } => counts.course_enrolments_suspended += 1,
            Effect::Unsuspended { .. } => counts.course_enrolments_unsuspended += 1,
            Effect::RoleAssigned { .. } => counts.course_roles_assigned += 1,
            Effect::RoleUnassigned { .. } => counts.course_roles_unassigned += 1,
            Effect::GroupCreated { .. } => counts.course_groups_created += 1,
            Effect::JoinedGroup { .. } => counts.course_group_members_added += 1,
            Effect::LeftGroup { .. } => counts.course_group_members_removed += 1,
            Effect::AlreadyEnrolled { .. }
            | Effect::NotEnrolled { .. }
            | Effect::StatusUnchanged { .. }
            | Effect::RoleHeld { .. }
            | Effect::RoleNotHeld { .. }
            | Effect::RolesKept { .. }
            | Effect::AlreadyInGroup { .. }
            | Effect::NotInGroup { .. }
            | Effect::MembershipKept { .. } => {}
        }
    }

    fn describe(&self, simulation: bool) -> String {
        self.enrolment_text(simulation)
            .or_else(|| self.role_text(simulation))
            .or_else(|| self.group_text(simulation))
            .unwrap_or_default()
    }
}

impl Effect {
    /// An effect on an enrolment, in the report's words.
    fn enrolment_text(&self, simulation: bool) -> Option<String> {
        let verb = |done: &str, would: &str| verb(simulation, done, would);
        let method = |enrol: &str| {
            if enrol == "manual" {
                String::new()
            } else {
                format!(" (enrolment method {enrol})")
            }
        };
        Some(match self {
            Effect::Enrolled {
                user,
                course,
                enrol,
                start,
                end,
                shown: [start_shown, end_shown],
            } => {
                let mut text = format!(
                    "{} {user} in course {course}{}",
                    verb("enrolled", "would enrol"),
                    method(enrol)
                );
                if *start > 0 {
                    text.push_str(&format!(", from {start_shown}"));
                }
                if *end > 0 {
                    text.push_str(&format!(", until {end_shown}"));
                }
                text
            }
            Effect::EnrolmentUpdated {
                user,
                course,
                enrol,
                changes,
            } => {
                let changes: Vec<String> = changes
                    .iter()
                    .map(|change| format!("{} {} → {}", change.field, change.from, change.to))
                    .collect();
                format!(
                    "{} the enrolment of {user} in course {course}{}: {}",
                    verb("updated", "would update"),
                    method(enrol),
                    changes.join(", ")
                )
            }
            Effect::AlreadyEnrolled {
                user,
                course,
                enrol,
            } => format!(
                "{user} already enrolled in course {course}{}",
                method(enrol)
            ),
            Effect::Unenrolled {
                user,
                course,
                enrol,
                last,
            } => {
                let what = if *last {
                    "; their last enrolment there, so every role and group membership in the course went with it"
                } else {
                    ""
                };
                format!(
                    "{} {user} from course {course}{}{what}",
                    verb("unenrolled", "would unenrol"),
                    method(enrol)
                )
            }
            Effect::NotEnrolled {
                user,
                course,
                enrol,
            } => format!(
                "{user} is not enrolled in course {course}{}: nothing to unenrol",
                method(enrol)
            ),
            Effect::Suspended {
                user,
                course,
                enrol,
            } => format!(
                "{} the enrolment of {user} in course {course}{}",
                verb("suspended", "would suspend"),
                method(enrol)
            ),
            Effect::Unsuspended {
                user,
                course,
                enrol,
            } => format!(
                "{} the enrolment of {user} in course {course}{}",
                verb("reactivated", "would reactivate"),
                method(enrol)
            ),
            Effect::StatusUnchanged {
                user,
                course,
                enrol,
                suspended,
            } => format!(
                "the enrolment of {user} in course {course}{} already is {}",
                method(enrol),
                if *suspended { "suspended" } else { "active" }
            ),
            _ => return None,
        })
    }

    /// An effect on a role, in the report's words.
    fn role_text(&self, simulation: bool) -> Option<String> {
        let verb = |done: &str, would: &str| verb(simulation, done, would);
        Some(match self {
            Effect::RoleAssigned { user, course, role } => format!(
                "{} role {role} to {user} in course {course}",
                verb("assigned", "would assign")
            ),
            Effect::RoleHeld { user, course, role } => {
                format!("{user} already has role {role} in course {course}")
            }
            Effect::RoleUnassigned { user, course, role } => format!(
                "{} role {role} from {user} in course {course}",
                verb("unassigned", "would unassign")
            ),
            Effect::RoleNotHeld { user, course, role } => format!(
                "{user} has no role {role} given by hand in course {course}: nothing to unassign"
            ),
            Effect::RolesKept {
                user,
                course,
                roles,
            } => format!(
                "{user} keeps role {} in course {course}: given by an enrolment plugin, which alone takes it away",
                roles.join(", ")
            ),
            _ => return None,
        })
    }

    /// An effect on a group or a membership, in the report's words.
    fn group_text(&self, simulation: bool) -> Option<String> {
        let verb = |done: &str, would: &str| verb(simulation, done, would);
        Some(match self {
            Effect::GroupCreated { course, group } => format!(
                "{} group {group} in course {course}",
                verb("created", "would create")
            ),
            Effect::JoinedGroup {
                user,
                course,
                group,
            } => format!(
                "{} {user} to group {group} of course {course}",
                verb("added", "would add")
            ),
            Effect::AlreadyInGroup {
                user,
                course,
                group,
            } => format!("{user} already in group {group} of course {course}"),
            Effect::LeftGroup {
                user,
                course,
                group,
            } => format!(
                "{} {user} from group {group} of course {course}",
                verb("removed", "would remove")
            ),
            Effect::NotInGroup {
                user,
                course,
                group,
            } => format!("{user} is not in group {group} of course {course}: nothing to remove"),
            Effect::MembershipKept {
                user,
                course,
                group,
                component,
            } => format!(
                "{user} stays in group {group} of course {course}: the membership was given by {component}, which alone removes it"
            ),
            _ => return None,
        })
    }
}
