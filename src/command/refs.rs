//! How command files name Moodle objects: which field identifies a user or a cohort, and the
//! normalisation each field gets before it is compared.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::LineProblem;

/// The user field that a file's `userid` values are matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UserIdentifier {
    /// `user.id`, Moodle's numeric id.
    Id,
    /// `user.idnumber`, exact match.
    Idnumber,
    /// `user.username`: the file's value is lowercased, as Moodle stores usernames, and
    /// compared exactly.
    Username,
    /// `user.email`, compared without regard to case (Unicode case folding).
    Email,
}

impl UserIdentifier {
    /// The setting's value, as written in the configuration.
    pub fn name(self) -> &'static str {
        match self {
            UserIdentifier::Id => "id",
            UserIdentifier::Idnumber => "idnumber",
            UserIdentifier::Username => "username",
            UserIdentifier::Email => "email",
        }
    }

    /// The form under which `value` is compared with the database's values.
    pub fn normalize(self, value: &str) -> Result<String, LineProblem> {
        match self {
            UserIdentifier::Id => parse_id(value).map(|id| id.to_string()),
            UserIdentifier::Idnumber => Ok(value.to_owned()),
            UserIdentifier::Username | UserIdentifier::Email => Ok(value.to_lowercase()),
        }
    }
}

impl fmt::Display for UserIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The cohort field that a file's cohort key is matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CohortIdentifier {
    /// `cohort.id`; the key column is `cid`.
    Id,
    /// `cohort.idnumber`; the key column is `cidnumber`.
    Idnumber,
    /// `cohort.name`; the key column is `cname`.
    Name,
}

impl CohortIdentifier {
    /// The setting's value, as written in the configuration.
    pub fn name(self) -> &'static str {
        match self {
            CohortIdentifier::Id => "id",
            CohortIdentifier::Idnumber => "idnumber",
            CohortIdentifier::Name => "name",
        }
    }

    /// The column of a cohort file that holds the key.
    pub fn key_column(self) -> &'static str {
        match self {
            CohortIdentifier::Id => "cid",
            CohortIdentifier::Idnumber => "cidnumber",
            CohortIdentifier::Name => "cname",
        }
    }
}

impl fmt::Display for CohortIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A course category named by `ccatcontext`, to place a cohort in its context. A category
/// idnumber (`ccatcontextidnumber`) is kept as text on the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CategoryRef {
    /// The system context (`ccatcontext` = `0` or `system`).
    System,
    /// `course_categories.id`.
    Id(i64),
}

/// Parses a positive Moodle id.
pub fn parse_id(value: &str) -> Result<i64, LineProblem> {
    match value.parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(LineProblem::NotANumber {
            value: value.to_owned(),
        }),
    }
}

/// Parses a yes/no value: `1`/`0`, `yes`/`no`, `true`/`false`, `oui`/`non`, `y`/`n`.
pub fn parse_flag(value: &str) -> Result<bool, LineProblem> {
    match value.to_lowercase().as_str() {
        "1" | "yes" | "y" | "true" | "oui" | "o" => Ok(true),
        "0" | "no" | "n" | "false" | "non" => Ok(false),
        _ => Err(LineProblem::NotABoolean {
            value: value.to_owned(),
        }),
    }
}

/// The course field that a binding file's `course` values are matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CourseIdentifier {
    /// `course.id`.
    Id,
    /// `course.idnumber`, exact match.
    Idnumber,
    /// `course.shortname`, exact match.
    Shortname,
}

impl CourseIdentifier {
    /// The setting's value, as written in the configuration.
    pub fn name(self) -> &'static str {
        match self {
            CourseIdentifier::Id => "id",
            CourseIdentifier::Idnumber => "idnumber",
            CourseIdentifier::Shortname => "shortname",
        }
    }
}

impl fmt::Display for CourseIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The role field that a binding file's `role` values are matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RoleIdentifier {
    /// `role.id`.
    Id,
    /// `role.shortname`, ignoring case (Moodle's shortnames are lowercase).
    Shortname,
}

impl RoleIdentifier {
    /// The setting's value, as written in the configuration.
    pub fn name(self) -> &'static str {
        match self {
            RoleIdentifier::Id => "id",
            RoleIdentifier::Shortname => "shortname",
        }
    }
}

impl fmt::Display for RoleIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
