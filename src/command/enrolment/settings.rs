//! The `[enrolments]` section of the configuration: how enrolments follow cohorts (`mode`,
//! `removals`, read by the configuration for the whole program) and how enrolment files match
//! users, courses and roles, checked into [`EnrolSettings`]; and how the report states them.

use serde::Deserialize;
use serde_json::{Value, json};

use super::line::EnrolSettings;
use crate::{
    command::refs::{CourseIdentifier, RoleIdentifier, UserIdentifier},
    error::ConfigError,
    outcome::{EnrolmentMode, Removals},
};

/// `[enrolments]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EnrolmentsSection {
    /// Who turns cohort memberships into course enrolments.
    pub mode: EnrolmentMode,
    /// When access given by a bound cohort is taken away.
    pub removals: Removals,
    /// User field matched by an enrolment file's `uid` (tool_sync's `enrols_useridentifier`).
    pub user_identifier: UserIdentifier,
    /// Course field matched by `cid`.
    pub course_identifier: CourseIdentifier,
    /// Role field matched by `rolename`.
    pub role_identifier: RoleIdentifier,
}

impl Default for EnrolmentsSection {
    fn default() -> Self {
        let defaults = EnrolSettings::default();
        EnrolmentsSection {
            mode: EnrolmentMode::default(),
            removals: Removals::default(),
            user_identifier: defaults.user_identifier,
            course_identifier: defaults.course_identifier,
            role_identifier: defaults.role_identifier,
        }
    }
}

impl EnrolmentsSection {
    /// The settings of enrolment files.
    pub fn settings(&self) -> Result<EnrolSettings, ConfigError> {
        Ok(EnrolSettings {
            user_identifier: self.user_identifier,
            course_identifier: self.course_identifier,
            role_identifier: self.role_identifier,
        })
    }
}

/// The report's line of the settings of enrolment files.
pub fn describe(settings: &EnrolSettings) -> String {
    format!(
        "users matched by {}, courses matched by {}, roles matched by {}",
        settings.user_identifier.name(),
        settings.course_identifier.name(),
        settings.role_identifier.name(),
    )
}

/// The settings of enrolment files in the JSON report.
pub fn json(settings: &EnrolSettings) -> Value {
    json!({
        "enrolment_user_identifier": settings.user_identifier.name(),
        "enrolment_course_identifier": settings.course_identifier.name(),
        "enrolment_role_identifier": settings.role_identifier.name(),
    })
}
