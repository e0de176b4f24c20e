//! The line errors only enrolment files have.

use crate::error::{KindProblem, LineProblem};

/// A problem of one line of an enrolment file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// `enrol` names cohort sync, whose enrolments follow cohorts.
    #[error(
        "enrolments by cohort sync follow cohort memberships and are never changed by an enrolment file (use a cohort file, or enrol = manual)"
    )]
    CohortMethod,
    /// `enrol` names a plugin whose enrolments its own sync makes, or none are made by hand.
    #[error(
        "enrolment files enrol by the manual or self methods only; \"{value}\" enrolments are made by that plugin itself"
    )]
    PluginNotAllowed {
        /// The plugin named.
        value: String,
    },
    /// The course has no method of that plugin the line may use.
    #[error(
        "course {course} has no {state}enrolment method \"{enrol}\" (moodle-sync never creates one: add it on the course's Enrolment methods page)"
    )]
    NoMethod {
        /// The course, as reports show it.
        course: String,
        /// The plugin.
        enrol: String,
        /// `"enabled "` when a disabled one exists, or nothing.
        state: &'static str,
    },
    /// The role cannot be given in a course.
    #[error(
        "role \"{role}\" cannot be assigned in a course (its context types do not include courses)"
    )]
    NotAssignableInCourse {
        /// The role's shortname.
        role: String,
    },
    /// `suspend` or `unsuspend` for a user not enrolled.
    #[error("{user} is not enrolled in course {course} by \"{enrol}\": nothing to {action}")]
    NotEnrolled {
        /// The user, as reports show them.
        user: String,
        /// The course.
        course: String,
        /// The plugin.
        enrol: String,
        /// `suspend` or `unsuspend`.
        action: &'static str,
    },
    /// A group command adds to groups a user not enrolled in the course.
    #[error("{user} is not enrolled in course {course}: Moodle's groups take enrolled users only")]
    GroupNeedsEnrolment {
        /// The user.
        user: String,
        /// The course.
        course: String,
    },
    /// The enrolment would end before it starts.
    #[error("endtime \"{end}\" is before starttime \"{start}\"")]
    EndBeforeStart {
        /// The start, as written (or as the enrolment has it).
        start: String,
        /// The end, likewise.
        end: String,
    },
    /// A group command names a group the course does not have.
    #[error(
        "course {course} has no group named \"{value}\" (gaddcreate and greplacecreate create missing groups)"
    )]
    UnknownGroup {
        /// The name read.
        value: String,
        /// The course, as reports show it.
        course: String,
    },
    /// `gcmd` without any group name.
    #[error("gcmd \"{gcmd}\" names no group (fill g1 … g9)")]
    NoGroupNamed {
        /// The command as written.
        gcmd: String,
    },
    /// Group names without `gcmd`.
    #[error(
        "group \"{group}\" is given without a gcmd (gadd, gaddcreate, greplace, greplacecreate or gdel)"
    )]
    GroupWithoutCommand {
        /// The first group named.
        group: String,
    },
}

impl From<Problem> for LineProblem {
    fn from(problem: Problem) -> LineProblem {
        LineProblem::Kind(KindProblem::new(problem))
    }
}
