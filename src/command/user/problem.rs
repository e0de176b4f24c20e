//! The line errors only user files have; those every kind shares are
//! `error::LineProblem`'s.

use crate::error::{KindProblem, LineProblem};

/// Why a line of user file cannot be applied, when no other kind has the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// A password longer than the site's hash format takes.
    #[error("the password is {bytes} bytes long; the site's password hash takes at most {max}")]
    PasswordTooLong {
        /// Its length in bytes.
        bytes: usize,
        /// The most the format takes, in bytes.
        max: usize,
    },
    /// Creating an account needs values the line does not give.
    #[error("no account matches and creating one needs {missing}")]
    MissingToCreate {
        /// The missing columns, as `firstname and lastname`.
        missing: String,
    },
    /// A username held by another account.
    #[error("username \"{value}\" is already held by {holder}")]
    UsernameTaken {
        /// The username wanted.
        value: String,
        /// The account holding it, as shown in reports.
        holder: String,
    },
    /// An idnumber held by another account.
    #[error("idnumber \"{value}\" is already held by {holder}")]
    UserIdnumberTaken {
        /// The idnumber wanted.
        value: String,
        /// The account holding it, as shown in reports.
        holder: String,
    },
    /// The line's keys name two different accounts.
    #[error("{first} and {second} name different accounts")]
    UserConflict {
        /// The first key and its account.
        first: String,
        /// The second key and its account.
        second: String,
    },
    /// An authentication plugin that the site does not have.
    #[error(
        "authentication plugin \"{value}\" is not installed on this site (installed: {installed})"
    )]
    UnknownAuth {
        /// The value read (or the default).
        value: String,
        /// The installed plugins.
        installed: String,
    },
    /// Site administrators and the guest account are left alone, as Moodle's upload does.
    #[error("{user} is {role}; moodle-sync never changes it")]
    ProtectedAccount {
        /// The account, as shown in reports.
        user: String,
        /// `a site administrator` or `the guest account`.
        role: &'static str,
    },
    /// `oldusername` names no account, and `username` none either.
    #[error("no account named \"{value}\" to rename")]
    NothingToRename {
        /// The old username.
        value: String,
    },
    /// A value that a menu profile field does not offer.
    #[error("\"{value}\" is not an option of profile field {field} (options: {options})")]
    NotAnOption {
        /// The value read.
        value: String,
        /// The field's shortname.
        field: String,
        /// The options.
        options: String,
    },
}

impl From<Problem> for LineProblem {
    fn from(problem: Problem) -> LineProblem {
        LineProblem::Kind(KindProblem::new(problem))
    }
}
