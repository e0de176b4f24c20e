//! The validated configuration, [`Config`]: paths absolute, every choice turned into the type
//! that uses it. Built from a [`FileConfig`](super::FileConfig) by `Config::from_file`
//! (check.rs).

use std::path::PathBuf;

use super::ConsoleSettings;
use crate::{
    alert::AlertSettings,
    command::{KindSettings, Routing},
    db::DbTarget,
    input::{EncodingSetting, ReadSettings},
    netypareo::settings::Instance,
    outcome::{EnrolmentMode, Removals},
    retention::RetentionSettings,
    spool::WatchSettings,
};

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from, if any.
    pub source: Option<PathBuf>,
    /// Folders, absolute.
    pub paths: Paths,
    /// The database to connect to.
    pub database: DatabaseConfig,
    /// How to read command files.
    pub input: InputConfig,
    /// Every kind's settings (`[users]`, `[cohorts]`, `[bindings]`).
    pub kinds: KindSettings,
    /// Who enrols the members of bound cohorts.
    pub enrolments: EnrolmentMode,
    /// When access given by a bound cohort is taken away (with `enrolments` immediate).
    pub removals: Removals,
    /// File name patterns per kind.
    pub routing: Routing,
    /// The spool watcher service.
    pub watch: WatchSettings,
    /// NetYpareo instances.
    pub netypareo: Vec<Instance>,
    /// Alerts, if `[alerts]` is configured.
    pub alerts: Option<AlertSettings>,
    /// The Moodle site beyond its database.
    pub moodle: MoodleConfig,
    /// The web console, if `[console]` is configured.
    pub console: Option<ConsoleSettings>,
    /// How long the archive, reports, failed and logs folders keep files (`[retention]`).
    pub retention: RetentionSettings,
}

/// `[moodle]`, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoodleConfig {
    /// Moodle's data root, absolute; `None`: not known, Moodle's caches are not refreshed.
    pub dataroot: Option<PathBuf>,
    /// Whether changes are written to Moodle's standard log (when the site's standard log
    /// store is enabled).
    pub write_logs: bool,
}

/// The folders, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// Drop folder.
    pub spool: PathBuf,
    /// Archive of applied files.
    pub archive: PathBuf,
    /// Reports and trybacks.
    pub reports: PathBuf,
    /// Files that could not be applied.
    pub failed: PathBuf,
    /// Files held for approval.
    pub held: PathBuf,
    /// Held files ended by `discard`, never applied.
    pub discarded: PathBuf,
    /// Log files of the service.
    pub logs: PathBuf,
    /// What moodle-sync keeps between runs.
    pub state: PathBuf,
}

/// The database settings, resolved.
#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    /// Where the database is.
    pub target: DbTarget,
    /// Table prefix.
    pub prefix: String,
}

/// How to read files.
#[derive(Debug, Clone, Copy)]
pub struct InputConfig {
    /// Encoding and delimiter.
    pub read: ReadSettings,
    /// Largest accepted file, in bytes.
    pub max_file_bytes: u64,
}

/// Describes an encoding setting for reports.
pub fn encoding_setting_label(setting: EncodingSetting) -> String {
    match setting {
        EncodingSetting::Utf8 => "utf-8".into(),
        EncodingSetting::Legacy(encoding) => encoding.name().to_lowercase(),
        EncodingSetting::Auto(legacy) => {
            format!("auto (utf-8, else {})", legacy.name().to_lowercase())
        }
    }
}
