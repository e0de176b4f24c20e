//! The `[bindings]` section of the configuration, checked into [`BindingSettings`] (with the
//! cohort identifier of `[cohorts]`), and how the report states those settings.

use serde::Deserialize;
use serde_json::{Value, json};

use super::line::BindingSettings;
use crate::{
    command::refs::{CohortIdentifier, CourseIdentifier, RoleIdentifier},
    error::ConfigError,
    outcome::EnrolmentMode,
};

/// `[bindings]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BindingsSection {
    /// Course field matched by `course`.
    pub course_identifier: CourseIdentifier,
    /// Role field matched by `role`.
    pub role_identifier: RoleIdentifier,
    /// Enrolment plugins the `enrol` column may name.
    pub enrol_methods: Vec<String>,
}

impl Default for BindingsSection {
    fn default() -> Self {
        let defaults = BindingSettings::default();
        BindingsSection {
            course_identifier: defaults.course_identifier,
            role_identifier: defaults.role_identifier,
            enrol_methods: defaults.enrol_methods,
        }
    }
}

impl BindingsSection {
    /// Checks the section; cohorts are matched as `[cohorts] cohort_identifier` says.
    pub fn settings(
        &self,
        cohort_identifier: CohortIdentifier,
    ) -> Result<BindingSettings, ConfigError> {
        let mut enrol_methods = Vec::new();
        for method in &self.enrol_methods {
            let method = method.trim().to_lowercase();
            if method.is_empty()
                || method.len() > 20
                || !method
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                return Err(ConfigError::Invalid {
                key: "[bindings] enrol_methods",
                value: method,
                reason: "an enrolment plugin name is made of letters, digits and underscores (at most 20), such as \"cohort\"".into(),
            });
            }
            enrol_methods.push(method);
        }
        if enrol_methods.is_empty() {
            return Err(ConfigError::Invalid {
                key: "[bindings] enrol_methods",
                value: "[]".into(),
                reason: "list at least one enrolment plugin, such as \"cohort\"".into(),
            });
        }
        Ok(BindingSettings {
            course_identifier: self.course_identifier,
            role_identifier: self.role_identifier,
            cohort_identifier,
            enrol_methods,
        })
    }
}

/// The report's line of the settings of binding files.
pub fn describe(settings: &BindingSettings, enrolments: EnrolmentMode) -> String {
    format!(
        "courses matched by {}, cohorts matched by {}, roles matched by {}, enrolment methods {}, enrolments {}",
        settings.course_identifier.name(),
        settings.cohort_identifier.name(),
        settings.role_identifier.name(),
        settings.enrol_methods.join(", "),
        enrolments.name(),
    )
}

/// The settings of binding files in the JSON report (the cohort identifier is `[cohorts]`').
pub fn json(settings: &BindingSettings) -> Value {
    json!({
        "course_identifier": settings.course_identifier.name(),
        "role_identifier": settings.role_identifier.name(),
        "enrol_methods": settings.enrol_methods,
    })
}
