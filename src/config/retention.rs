//! `[retention]`: one sub-table per folder retention applies to (`[retention.archive]`,
//! `[retention.reports]`, `[retention.failed]`, `[retention.logs]`), each key defaulting to
//! the folder's default, and its check into [`RetentionSettings`]. The held, discarded, spool
//! and state folders have none: a sub-table for them is refused as an unknown key.

use serde::Deserialize;

use crate::{
    error::ConfigError,
    retention::{Folder, FolderRule, RetentionSettings},
};

/// `[retention]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionSection {
    /// `[retention.archive]`.
    pub archive: FolderSection,
    /// `[retention.reports]`.
    pub reports: FolderSection,
    /// `[retention.failed]`.
    pub failed: FolderSection,
    /// `[retention.logs]`.
    pub logs: FolderSection,
}

/// One folder's sub-table; a key not given keeps the folder's default.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FolderSection {
    /// Files last modified more than this many days ago are bundled; 0: never.
    pub bundle_after_days: Option<u32>,
    /// Bundles whose month ended more than this many months ago are deleted; 0: never.
    pub delete_bundles_after_months: Option<u32>,
}

/// The longest limits accepted: a hundred years.
const MAX_DAYS: u32 = 36_500;
const MAX_MONTHS: u32 = 1_200;

/// Checks `[retention]`.
pub(super) fn retention_settings(
    section: &RetentionSection,
) -> Result<RetentionSettings, ConfigError> {
    Ok(RetentionSettings {
        archive: rule(Folder::Archive, &section.archive, KEYS[0])?,
        reports: rule(Folder::Reports, &section.reports, KEYS[1])?,
        failed: rule(Folder::Failed, &section.failed, KEYS[2])?,
        logs: rule(Folder::Logs, &section.logs, KEYS[3])?,
    })
}

/// Each folder's two keys, as an error names them.
const KEYS: [(&str, &str); 4] = [
    (
        "[retention.archive] bundle_after_days",
        "[retention.archive] delete_bundles_after_months",
    ),
    (
        "[retention.reports] bundle_after_days",
        "[retention.reports] delete_bundles_after_months",
    ),
    (
        "[retention.failed] bundle_after_days",
        "[retention.failed] delete_bundles_after_months",
    ),
    (
        "[retention.logs] bundle_after_days",
        "[retention.logs] delete_bundles_after_months",
    ),
];

fn rule(
    folder: Folder,
    section: &FolderSection,
    (days_key, months_key): (&'static str, &'static str),
) -> Result<FolderRule, ConfigError> {
    let default = RetentionSettings::default_rule(folder);
    let days = section
        .bundle_after_days
        .unwrap_or(default.bundle_after_days);
    let months = section
        .delete_bundles_after_months
        .unwrap_or(default.delete_bundles_after_months);
    if days > MAX_DAYS {
        return Err(ConfigError::Invalid {
            key: days_key,
            value: days.to_string(),
            reason: format!("give at most {MAX_DAYS} days, or 0 for never"),
        });
    }
    if months > MAX_MONTHS {
        return Err(ConfigError::Invalid {
            key: months_key,
            value: months.to_string(),
            reason: format!("give at most {MAX_MONTHS} months, or 0 for never"),
        });
    }
    Ok(FolderRule {
        bundle_after_days: days,
        delete_bundles_after_months: months,
    })
}
