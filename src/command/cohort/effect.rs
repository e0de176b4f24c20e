//! What the lines of a cohort file do: its effects, how the report words them, and what
//! they count for the totals.

use serde::Serialize;

use crate::outcome::{CohortLabel, FieldChange, LineEffect, UserLabel, plural, shorten, verb};

/// One thing a line of a cohort file did, or found already done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// A cohort was created.
    CohortCreated {
        /// The new cohort.
        cohort: CohortLabel,
        /// Where it lives: `system` or the category.
        context: String,
    },
    /// Some of a cohort's fields were changed.
    CohortUpdated {
        /// The cohort.
        cohort: CohortLabel,
        /// What changed.
        changes: Vec<FieldChange>,
    },
    /// The line asked for nothing the cohort does not already have.
    CohortUnchanged {
        /// The cohort.
        cohort: CohortLabel,
    },
    /// A cohort and its memberships were deleted.
    CohortDeleted {
        /// The cohort.
        cohort: CohortLabel,
        /// Memberships removed with it.
        members: usize,
        /// Enabled cohort-sync enrolment methods that were bound to it, now disabled.
        bindings: usize,
    },
    /// Every member was removed; the cohort stays.
    CohortEmptied {
        /// The cohort.
        cohort: CohortLabel,
        /// Memberships removed.
        members: usize,
    },
    /// The cohort was already empty.
    CohortAlreadyEmpty {
        /// The cohort.
        cohort: CohortLabel,
    },
    /// A user became a member.
    MemberAdded {
        /// The user.
        user: UserLabel,
        /// The cohort.
        cohort: CohortLabel,
    },
    /// The user already was a member.
    AlreadyMember {
        /// The user.
        user: UserLabel,
        /// The cohort.
        cohort: CohortLabel,
    },
    /// A user stopped being a member.
    MemberRemoved {
        /// The user.
        user: UserLabel,
        /// The cohort.
        cohort: CohortLabel,
    },
    /// The user was not a member.
    NotMember {
        /// The user.
        user: UserLabel,
        /// The cohort.
        cohort: CohortLabel,
    },
    /// A member the file's `sync` lines of the cohort do not list was removed, after the last
    /// line.
    MemberNotListed {
        /// The user.
        user: UserLabel,
        /// The cohort.
        cohort: CohortLabel,
    },
}

/// What the lines of a cohort file did, counted; the report's totals and the ledger's summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Cohorts created.
    pub cohorts_created: usize,
    /// Cohorts updated.
    pub cohorts_updated: usize,
    /// Cohorts deleted, by a line or by `delete_empty`.
    pub cohorts_deleted: usize,
    /// Cohorts emptied by `free`.
    pub cohorts_emptied: usize,
    /// Memberships added.
    pub members_added: usize,
    /// Memberships removed, one by one, by `free`, by `sync` or with a deleted cohort.
    pub members_removed: usize,
    /// Users that `add` or `sync` lines name who already were members: nothing written.
    pub members_unchanged: usize,
}

impl LineEffect for Effect {
    type Counts = Counts;

    fn is_change(&self) -> bool {
        !matches!(
            self,
            Effect::CohortUnchanged { .. }
                | Effect::CohortAlreadyEmpty { .. }
                | Effect::AlreadyMember { .. }
                | Effect::NotMember { .. }
        )
    }

    fn count(&self, counts: &mut Counts) {
        match self {
            Effect::CohortCreated { .. } => counts.cohorts_created += 1,
            Effect::CohortUpdated { .. } => counts.cohorts_updated += 1,
            Effect::CohortDeleted { members, .. } => {
                counts.cohorts_deleted += 1;
                counts.members_removed += members;
            }
            Effect::CohortEmptied { members, .. } => {
                counts.cohorts_emptied += 1;
                counts.members_removed += members;
            }
            Effect::MemberAdded { .. } => counts.members_added += 1,
            Effect::MemberRemoved { .. } | Effect::MemberNotListed { .. } => {
                counts.members_removed += 1;
            }
            Effect::AlreadyMember { .. } => counts.members_unchanged += 1,
            Effect::CohortUnchanged { .. }
            | Effect::CohortAlreadyEmpty { .. }
            | Effect::NotMember { .. } => {}
        }
    }

    fn describe(&self, simulation: bool) -> String {
        let verb = |done: &str, would: &str| verb(simulation, done, would);
        match self {
            Effect::CohortCreated { cohort, context } => {
                format!(
                    "{} cohort {cohort} in {context} context",
                    verb("created", "would create")
                )
            }
            Effect::CohortUpdated { cohort, changes } => {
                let changes: Vec<String> = changes
                    .iter()
                    .map(|change| {
                        format!(
                            "{} \"{}\" → \"{}\"",
                            change.field,
                            shorten(&change.from),
                            shorten(&change.to)
                        )
                    })
                    .collect();
                format!(
                    "{} cohort {cohort}: {}",
                    verb("updated", "would update"),
                    changes.join(", ")
                )
            }
            Effect::CohortUnchanged { cohort } => format!("cohort {cohort} already as given"),
            Effect::CohortDeleted {
                cohort,
                members,
                bindings,
            } => {
                let mut text = format!(
                    "{} cohort {cohort} and {}",
                    verb("deleted", "would delete"),
                    plural(*members, "membership")
                );
                if *bindings > 0 {
                    text.push_str(&format!(
                    "; {} {} bound to it (Moodle's cohort sync then unenrols or suspends their users, following the site's unenrol action)",
                    verb("disabled", "would disable"),
                    plural(*bindings, "cohort-sync enrolment method"),
                ));
                }
                text
            }
            Effect::CohortEmptied { cohort, members } => {
                format!(
                    "{} {} from cohort {cohort}",
                    verb("removed", "would remove"),
                    plural(*members, "member")
                )
            }
            Effect::CohortAlreadyEmpty { cohort } => format!("cohort {cohort} already empty"),
            Effect::MemberAdded { user, cohort } => {
                format!("{} {user} to cohort {cohort}", verb("added", "would add"))
            }
            Effect::AlreadyMember { user, cohort } => {
                format!("{user} already a member of cohort {cohort}")
            }
            Effect::MemberRemoved { user, cohort } => {
                format!(
                    "{} {user} from cohort {cohort}",
                    verb("removed", "would remove")
                )
            }
            Effect::NotMember { user, cohort } => {
                format!("{user} not a member of cohort {cohort}: nothing to remove")
            }
            Effect::MemberNotListed { user, cohort } => {
                format!(
                    "{} {user} from cohort {cohort}: not listed by its sync lines",
                    verb("removed", "would remove")
                )
            }
        }
    }

    fn heading(&self) -> &'static str {
        match self {
            Effect::MemberNotListed { .. } => {
                "After the last line (sync: the members the sync lines do not list)"
            }
            _ => "After the last line ([cohorts] delete_empty)",
        }
    }
}
