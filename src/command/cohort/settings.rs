//! The `[cohorts]` section of the configuration, checked into [`CohortSettings`], and how the
//! report states those settings.

use serde::Deserialize;
use serde_json::{Value, json};

use super::line::CohortSettings;
use crate::{
    command::refs::{CohortIdentifier, UserIdentifier},
    error::ConfigError,
    outcome::{EnrolmentMode, on_off},
};

/// `[cohorts]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CohortsSection {
    /// User field matched by `userid`.
    pub user_identifier: UserIdentifier,
    /// Cohort field matched by the key column.
    pub cohort_identifier: CohortIdentifier,
    /// Create cohorts that `add` does not find.
    pub create_missing: bool,
    /// Delete the cohorts a file leaves empty.
    pub delete_empty: bool,
    /// The largest share of a cohort's members (percent, 0 to 100) a `sync` may remove
    /// before its file is held for approval; 100: never held.
    pub max_sync_removal_percent: i64,
}

impl Default for CohortsSection {
    fn default() -> Self {
        CohortsSection {
            user_identifier: UserIdentifier::Idnumber,
            cohort_identifier: CohortIdentifier::Idnumber,
            create_missing: true,
            delete_empty: false,
            max_sync_removal_percent: 20,
        }
    }
}

impl CohortsSection {
    /// Checks the section.
    pub fn settings(&self) -> Result<CohortSettings, ConfigError> {
        Ok(CohortSettings {
            user_identifier: self.user_identifier,
            cohort_identifier: self.cohort_identifier,
            create_missing: self.create_missing,
            delete_empty: self.delete_empty,
            max_sync_removal_percent: u8::try_from(self.max_sync_removal_percent)
                .ok()
                .filter(|percent| *percent <= 100)
                .ok_or_else(|| ConfigError::Invalid {
                    key: "[cohorts] max_sync_removal_percent",
                    value: self.max_sync_removal_percent.to_string(),
                    reason: "a percentage from 0 to 100 (100: a sync is never held)".into(),
                })?,
        })
    }
}

/// The report's line of the settings of cohort files.
pub fn describe(settings: &CohortSettings, enrolments: EnrolmentMode) -> String {
    format!(
        "cohorts matched by {}, users matched by {}, create_missing {}, delete_empty {}, max_sync_removal_percent {} %, enrolments {}",
        settings.cohort_identifier.name(),
        settings.user_identifier.name(),
        on_off(settings.create_missing),
        on_off(settings.delete_empty),
        settings.max_sync_removal_percent,
        enrolments.name(),
    )
}

/// The settings of cohort files in the JSON report.
pub fn json(settings: &CohortSettings) -> Value {
    json!({
        "user_identifier": settings.user_identifier.name(),
        "cohort_identifier": settings.cohort_identifier.name(),
        "create_missing": settings.create_missing,
        "delete_empty": settings.delete_empty,
        "max_sync_removal_percent": settings.max_sync_removal_percent,
    })
}
