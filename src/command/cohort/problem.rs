//! The line errors only cohort files have; those every kind shares are
//! `error::LineProblem`'s.

use crate::error::{KindProblem, LineProblem};

/// Why a line of cohort file cannot be applied, when no other kind has the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// The key column is present but empty on this line.
    #[error("the cohort key is empty (cohorts are matched by {by})")]
    MissingKey {
        /// The configured identifier.
        by: &'static str,
    },
    /// The header has no key column at all.
    #[error(
        "the file has no {column} column, so no cohort can be found (cohorts are matched by {by})"
    )]
    NoKeyColumn {
        /// The expected key column.
        column: &'static str,
        /// The configured identifier.
        by: &'static str,
    },
    /// The cohort is missing and `create_missing` is off.
    #[error("cohort \"{value}\" not found (matched by {by}) and [cohorts] create_missing is off")]
    CreationDisabled {
        /// The value read.
        value: String,
        /// The configured identifier.
        by: &'static str,
    },
    /// Cohorts matched by id cannot be created: Moodle assigns ids.
    #[error(
        "cohort id {value} not found; a cohort cannot be created with a chosen id (match cohorts by idnumber or name to create them)"
    )]
    CannotCreateById {
        /// The value read.
        value: String,
    },
    /// An `add`, `del` or `free` line names a cohort that earlier `sync` lines list in full.
    #[error(
        "cohort \"{value}\" is synced by this file (its sync lines list all its members); add, del and free lines cannot be mixed with sync for the same cohort"
    )]
    ChangeOfSyncedCohort {
        /// The cohort key.
        value: String,
    },
    /// A `sync` line names a cohort that earlier `add`, `del` or `free` lines changed.
    #[error(
        "cohort \"{value}\" is changed by earlier add, del or free lines of this file; sync lines list all of a cohort's members and cannot be mixed with them for the same cohort"
    )]
    SyncAfterChanges {
        /// The cohort key.
        value: String,
    },
    /// `ccatcontext` and `ccatcontextidnumber` name different categories.
    #[error(
        "ccatcontext \"{by_id}\" and ccatcontextidnumber \"{by_idnumber}\" name different categories"
    )]
    CategoryConflict {
        /// The ccatcontext value.
        by_id: String,
        /// The ccatcontextidnumber value.
        by_idnumber: String,
    },
    /// Another cohort already has this idnumber.
    #[error("idnumber \"{value}\" is already used by cohort {holder}")]
    IdnumberTaken {
        /// The idnumber wanted.
        value: String,
        /// The cohort holding it, as `"name" [idnumber] (id N)`.
        holder: String,
    },
}

impl From<Problem> for LineProblem {
    fn from(problem: Problem) -> LineProblem {
        LineProblem::Kind(KindProblem::new(problem))
    }
}
