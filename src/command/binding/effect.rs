//! What the lines of a binding file do: its effects, how the report words them, and what
//! they count for the totals.

use serde::Serialize;

use crate::outcome::{
    BindingLabel, CohortLabel, CourseLabel, FieldChange, GroupLabel, LineEffect, RoleLabel, plural,
    verb,
};

/// One thing a line of a binding file did, or found already done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// A course group was created for a binding.
    GroupCreated {
        /// The course.
        course: CourseLabel,
        /// The new group.
        group: GroupLabel,
    },
    /// A cohort sync enrolment method was added to a course.
    BindingCreated {
        /// The binding.
        binding: BindingLabel,
        /// The group its members are put in.
        group: Option<GroupLabel>,
        /// `enrolstartdate` (0: none).
        start: i64,
        /// `enrolenddate` (0: none).
        end: i64,
        /// `start` and `end` as the report shows them, in the site's time zone.
        #[serde(skip)]
        shown: [String; 2],
    },
    /// A disabled binding was enabled again.
    BindingEnabled {
        /// The binding.
        binding: BindingLabel,
    },
    /// Some fields of a binding were changed (group, dates).
    BindingUpdated {
        /// The binding.
        binding: BindingLabel,
        /// What changed.
        changes: Vec<FieldChange>,
    },
    /// The binding already was as asked.
    BindingUnchanged {
        /// The binding.
        binding: BindingLabel,
    },
    /// A binding was disabled.
    BindingDisabled {
        /// The binding.
        binding: BindingLabel,
    },
    /// The binding already was disabled.
    BindingAlreadyDisabled {
        /// The binding.
        binding: BindingLabel,
    },
    /// A binding was deleted with the enrolments, role assignments and group memberships it
    /// gave.
    BindingDeleted {
        /// The binding.
        binding: BindingLabel,
        /// Enrolments it held.
        enrolments: usize,
    },
    /// No binding matches: nothing to disable or delete.
    NotBound {
        /// The course.
        course: CourseLabel,
        /// The cohort.
        cohort: CohortLabel,
        /// The role; `None` for every role (`*`).
        role: Option<RoleLabel>,
        /// The enrolment plugin.
        enrol: String,
    },
}

/// What the lines of a binding file did, counted; the report's totals and the ledger's summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Cohort sync enrolment methods created.
    pub bindings_created: usize,
    /// Disabled bindings enabled again.
    pub bindings_enabled: usize,
    /// Bindings whose group or dates changed.
    pub bindings_updated: usize,
    /// Bindings disabled.
    pub bindings_disabled: usize,
    /// Bindings deleted (`fulldel`).
    pub bindings_deleted: usize,
    /// Course groups created for bindings.
    pub groups_created: usize,
}

impl LineEffect for Effect {
    type Counts = Counts;

    fn is_change(&self) -> bool {
        !matches!(
            self,
            Effect::BindingUnchanged { .. }
                | Effect::BindingAlreadyDisabled { .. }
                | Effect::NotBound { .. }
        )
    }

    fn count(&self, counts: &mut Counts) {
        match self {
            Effect::GroupCreated { .. } => counts.groups_created += 1,
            Effect::BindingCreated { .. } => counts.bindings_created += 1,
            Effect::BindingEnabled { .. } => counts.bindings_enabled += 1,
            Effect::BindingUpdated { .. } => counts.bindings_updated += 1,
            Effect::BindingDisabled { .. } => counts.bindings_disabled += 1,
            Effect::BindingDeleted { .. } => counts.bindings_deleted += 1,
            Effect::BindingUnchanged { .. }
            | Effect::BindingAlreadyDisabled { .. }
            | Effect::NotBound { .. } => {}
        }
    }

    fn describe(&self, simulation: bool) -> String {
        let verb = |done: &str, would: &str| verb(simulation, done, would);
        match self {
            Effect::GroupCreated { course, group } => {
                format!(
                    "{} group {group} in course {course}",
                    verb("created", "would create")
                )
            }
            Effect::BindingCreated {
                binding,
                group,
                start,
                end,
                shown: [start_shown, end_shown],
            } => {
                let mut text = format!("{} {binding}", verb("bound", "would bind"));
                if let Some(group) = group {
                    text.push_str(&format!(", members into group {group}"));
                }
                if *start > 0 {
                    text.push_str(&format!(", enrolment from {start_shown}"));
                }
                if *end > 0 {
                    text.push_str(&format!(", enrolment until {end_shown}"));
                }
                text
            }
            Effect::BindingEnabled { binding } => {
                format!("{} {binding}", verb("enabled again", "would enable again"))
            }
            Effect::BindingUpdated { binding, changes } => {
                let changes: Vec<String> = changes
                    .iter()
                    .map(|change| format!("{} {} → {}", change.field, change.from, change.to))
                    .collect();
                format!(
                    "{} {binding}: {}",
                    verb("updated", "would update"),
                    changes.join(", ")
                )
            }
            Effect::BindingUnchanged { binding } => format!("{binding} already bound and enabled"),
            Effect::BindingDisabled { binding } => format!(
                "{} {binding} (Moodle's cohort sync task then removes the roles it gave; enrolments stay, inactive)",
                verb("disabled", "would disable")
            ),
            Effect::BindingAlreadyDisabled { binding } => format!("{binding} already disabled"),
            Effect::BindingDeleted {
                binding,
                enrolments,
            } => format!(
                "{} {binding} with its {} and the roles and group memberships they had from it",
                verb("deleted", "would delete"),
                plural(*enrolments, "enrolment")
            ),
            Effect::NotBound {
                course,
                cohort,
                role,
                enrol,
            } => {
                let role = match role {
                    Some(role) => format!(" as {role}"),
                    None => String::new(),
                };
                let method = if enrol == "cohort" {
                    String::new()
                } else {
                    format!(" (enrolment method {enrol})")
                };
                format!(
                    "cohort {cohort} is not bound to course {course}{role}{method}: nothing to do"
                )
            }
        }
    }
}
