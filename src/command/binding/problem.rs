//! The line errors only binding files have; those every kind shares are
//! `error::LineProblem`'s.

use crate::error::{KindProblem, LineProblem};

/// Why a line of binding file cannot be applied, when no other kind has the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// The site course (the front page) takes no enrolment methods.
    #[error("\"{value}\" is the site course (the front page), which takes no enrolment method")]
    SiteCourse {
        /// The value read.
        value: String,
    },
    /// `*` (every role) with `add`.
    #[error("role \"*\" (every role) goes only with del, restore or fulldel; add needs one role")]
    EveryRoleWithAdd,
    /// An enrolment method the configuration does not allow.
    #[error(
        "enrolment method \"{value}\" is not allowed (allowed: {allowed}; see [bindings] enrol_methods)"
    )]
    EnrolNotAllowed {
        /// The value read.
        value: String,
        /// The allowed methods.
        allowed: String,
    },
    /// `restore` of a binding that does not exist.
    #[error("{binding} does not exist: nothing to restore (use add to create it)")]
    NothingToRestore {
        /// The binding, as shown in reports.
        binding: String,
    },
}

impl From<Problem> for LineProblem {
    fn from(problem: Problem) -> LineProblem {
        LineProblem::Kind(KindProblem::new(problem))
    }
}
