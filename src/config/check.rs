//! Checking a parsed file into a [`Config`]: relative paths taken from the file's folder, every
//! value checked (an error names its key and says what would do), each section turned into
//! the settings that use it.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use encoding_rs::WINDOWS_1252;

use super::{
    Config, DatabaseConfig, DatabaseSection, DelimiterName, EncodingName, FileConfig, InputConfig,
    InputSection, MoodleConfig, MoodleSection, Paths, PathsSection, RoutingSection, WatchSection,
    alerts, console, netypareo, retention,
};
use crate::{
    command::Routing,
    db::DbTarget,
    error::ConfigError,
    input::{DelimiterSetting, EncodingSetting, ReadSettings},
    spool::WatchSettings,
};

impl Config {
    /// Validates a parsed file; relative paths are taken from `base`.
    pub fn from_file(
        file: FileConfig,
        base: &Path,
        source: Option<PathBuf>,
    ) -> Result<Config, ConfigError> {
        let database = database_config(file.database, base)?;
        let input = input_config(&file.input)?;
        check_routing(&file.routing)?;
        let watch = watch_settings(file.watch)?;
        let kinds = file.kinds.settings()?;
        let netypareo = netypareo::instances(file.netypareo, base, &kinds.users.default_auth)?;
        let alerts = file
            .alerts
            .map(|section| alerts::alert_settings(section, base))
            .transpose()?;
        let console = file.console.map(console::console_settings).transpose()?;
        let paths = resolve_paths(&file.paths, base);
        let moodle = moodle_config(file.moodle, base, &paths.spool)?;
        let retention = retention::retention_settings(&file.retention)?;
        Ok(Config {
            source,
            paths,
            database,
            input,
            kinds,
            enrolments: file.kinds.enrolments.mode,
            removals: file.kinds.enrolments.removals,
            routing: Routing::new(file.routing.0),
            watch,
            netypareo,
            alerts,
            moodle,
            console,
            retention,
        })
    }
}

/// The folders of `[paths]`, taken from `base` when relative.
fn resolve_paths(section: &PathsSection, base: &Path) -> Paths {
    Paths {
        spool: base.join(&section.spool),
        archive: base.join(&section.archive),
        reports: base.join(&section.reports),
        failed: base.join(&section.failed),
        held: base.join(&section.held),
        discarded: base.join(&section.discarded),
        logs: base.join(&section.logs),
        state: base.join(&section.state),
    }
}

/// Checks `[database]`: a URL the program can connect to (a SQLite file taken from `base`),
/// and a table prefix as Moodle writes one.
fn database_config(section: DatabaseSection, base: &Path) -> Result<DatabaseConfig, ConfigError> {
    let url = section.url;
    let target = DbTarget::parse(&url, base).map_err(|reason| ConfigError::Invalid {
        key: "[database] url",
        value: DbTarget::redact(&url),
        reason,
    })?;
    let prefix = section.prefix;
    if prefix.is_empty()
        || !prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(ConfigError::Invalid {
            key: "[database] prefix",
            value: prefix,
            reason: "use letters, digits and underscores, as Moodle does".into(),
        });
    }
    Ok(DatabaseConfig { target, prefix })
}

/// Checks `[input]`: the encodings, the delimiter and the size limit, as reading settings.
fn input_config(section: &InputSection) -> Result<InputConfig, ConfigError> {
    let legacy = match section.legacy_encoding {
        EncodingName::Iso88591 | EncodingName::Windows1252 => WINDOWS_1252,
        other => {
            return Err(ConfigError::Invalid {
                key: "[input] legacy_encoding",
                value: format!("{other:?}").to_lowercase(),
                reason: "use \"iso-8859-1\" or \"windows-1252\"".into(),
            });
        }
    };
    let encoding = match section.encoding {
        EncodingName::Utf8 => EncodingSetting::Utf8,
        EncodingName::Iso88591 | EncodingName::Windows1252 => EncodingSetting::Legacy(WINDOWS_1252),
        EncodingName::Auto => EncodingSetting::Auto(legacy),
    };
    let delimiter = match section.delimiter {
        DelimiterName::Semicolon => DelimiterSetting::Fixed(b';'),
        DelimiterName::Comma => DelimiterSetting::Fixed(b','),
        DelimiterName::Tab => DelimiterSetting::Fixed(b'\t'),
        DelimiterName::Auto => DelimiterSetting::Auto,
    };
    if section.max_file_size_mb == 0 {
        return Err(ConfigError::Invalid {
            key: "[input] max_file_size_mb",
            value: "0".into(),
            reason: "must be at least 1".into(),
        });
    }
    Ok(InputConfig {
        read: ReadSettings {
            encoding,
            delimiter,
        },
        max_file_bytes: section.max_file_size_mb.saturating_mul(1024 * 1024),
    })
}

/// Checks `[routing]`: each kind given has at least one pattern, none empty.
fn check_routing(section: &RoutingSection) -> Result<(), ConfigError> {
    for (&kind, patterns) in &section.0 {
        if patterns.is_empty() || patterns.iter().any(|pattern| pattern.trim().is_empty()) {
            return Err(ConfigError::Invalid {
                key: kind.routing_key(),
                value: format!("{patterns:?}"),
                reason: format!(
                    "give at least one non-empty name pattern, such as \"{}\"",
                    kind.default_patterns().join(", ")
                ),
            });
        }
    }
    Ok(())
}

/// Checks `[moodle]`: a data root given must be a folder; none given, it is the spool's
/// parent when the spool is Moodle's `<dataroot>/sync` (the parent holds `muc/` or `cache/`).
fn moodle_config(
    section: MoodleSection,
    base: &Path,
    spool: &Path,
) -> Result<MoodleConfig, ConfigError> {
    let dataroot = match section.dataroot {
        Some(path) if path.as_os_str().is_empty() => None,
        Some(path) => {
            let path = base.join(path);
            if !path.is_dir() {
                return Err(ConfigError::Invalid {
                    key: "[moodle] dataroot",
                    value: path.display().to_string(),
                    reason: "not a folder: give Moodle's data root ($CFG->dataroot in Moodle's config.php), or \"\" for none".into(),
                });
            }
            Some(path)
        }
        None => spool
            .file_name()
            .filter(|name| *name == "sync")
            .and(spool.parent())
            .filter(|parent| parent.join("muc").is_dir() || parent.join("cache").is_dir())
            .map(Path::to_path_buf),
    };
    Ok(MoodleConfig {
        dataroot,
        write_logs: section.write_logs.unwrap_or(true),
    })
}

/// Checks `[watch]`.
fn watch_settings(section: WatchSection) -> Result<WatchSettings, ConfigError> {
    let positive = |key: &'static str, value: u64| {
        if value == 0 {
            Err(ConfigError::Invalid {
                key,
                value: "0".into(),
                reason: "must be at least 1".into(),
            })
        } else {
            Ok(value)
        }
    };
    let poll = positive("[watch] poll_ms", section.poll_ms)?;
    let reconcile = positive("[watch] reconcile_s", section.reconcile_s)?;
    let retry_max = positive("[watch] retry_max_s", section.retry_max_s)?;
    if section
        .ignore
        .iter()
        .any(|pattern| pattern.trim().is_empty())
    {
        return Err(ConfigError::Invalid {
            key: "[watch] ignore",
            value: format!("{:?}", section.ignore),
            reason: "a pattern cannot be empty".into(),
        });
    }
    let done_marker = section.done_marker.trim().to_owned();
    if done_marker.contains('/') || done_marker.contains('*') {
        return Err(ConfigError::Invalid {
            key: "[watch] done_marker",
            value: done_marker,
            reason: "give the suffix added to the file's name, such as \".done\"".into(),
        });
    }
    Ok(WatchSettings {
        mode: section.mode,
        settle: Duration::from_millis(section.settle_ms),
        writer_check: section.writer_check,
        poll: Duration::from_millis(poll),
        reconcile: Duration::from_secs(reconcile),
        ignore: section.ignore,
        done_marker: Some(done_marker).filter(|marker| !marker.is_empty()),
        duplicates: section.duplicates,
        max_tryback_generations: section.max_tryback_generations,
        shutdown_timeout: Duration::from_secs(section.shutdown_timeout_s),
        retry_max: Duration::from_secs(retry_max),
    })
}
