//! The site settings enrolments depend on, read from Moodle's configuration with Moodle's
//! defaults, and the main administrator they are written as.

use std::collections::BTreeMap;

use crate::{
    db::{
        DbError, Tx,
        database::{Context, query, text},
    },
    outcome::UnenrolAction,
};

/// Moodle's `$CFG->sessiontimeout` default, in seconds.
const DEFAULT_SESSION_TIMEOUT: i64 = 28_800;
/// The main administrator's id on a fresh install.
const DEFAULT_ADMIN: i64 = 2;

/// The main administrator: the first of `$CFG->siteadmins`, as `get_admin()` reads it (a fresh
/// install's when the setting is missing). Moodle's cron runs as them.
pub(crate) fn main_admin(siteadmins: Option<&str>) -> i64 {
    siteadmins
        .and_then(|list| list.split(',').find_map(|id| id.trim().parse().ok()))
        .unwrap_or(DEFAULT_ADMIN)
}

/// The site settings enrolments depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SiteSettings {
    /// `cohort` is in `$CFG->enrol_plugins_enabled`.
    pub cohort_enabled: bool,
    /// `enrol_cohort/unenrolaction`.
    pub unenrol_action: UnenrolAction,
    /// The main administrator (first of `$CFG->siteadmins`): Moodle's cron runs as them, so
    /// they are the `modifierid` of what its task writes.
    pub admin: i64,
    /// `$CFG->sessiontimeout`: how long a dirty flag must live.
    pub session_timeout: i64,
}

impl Tx {
    /// Reads the site settings enrolments depend on, with Moodle's defaults for missing rows.
    pub async fn site_settings(&mut self) -> Result<SiteSettings, DbError> {
        let doing = "reading the site's settings";
        let sql = self.dialect.sql(
            "SELECT name, value FROM {config} WHERE name IN ('enrol_plugins_enabled', 'siteadmins', 'sessiontimeout')",
        );
        let mut config = BTreeMap::new();
        for row in query(sql)
            .fetch_all(&mut *self.transaction)
            .await
            .doing(doing)?
        {
            config.insert(text(&row, 0).doing(doing)?, text(&row, 1).doing(doing)?);
        }
        let sql = self.dialect.sql(
            "SELECT value FROM {config_plugins} WHERE plugin = 'enrol_cohort' AND name = 'unenrolaction'",
        );
        let action = match query(sql)
            .fetch_optional(&mut *self.transaction)
            .await
            .doing(doing)?
        {
            Some(row) => text(&row, 0).doing(doing)?.trim().parse().unwrap_or(0),
            None => 0,
        };
        Ok(SiteSettings {
            cohort_enabled: config
                .get("enrol_plugins_enabled")
                .is_some_and(|list| list.split(',').any(|plugin| plugin.trim() == "cohort")),
            unenrol_action: UnenrolAction::from_setting(action),
            admin: main_admin(config.get("siteadmins").map(String::as_str)),
            session_timeout: config
                .get("sessiontimeout")
                .and_then(|value| value.trim().parse().ok())
                .unwrap_or(DEFAULT_SESSION_TIMEOUT),
        })
    }
}
