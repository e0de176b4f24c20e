//! Configuration: the `moodle-sync.toml` file ([`FileConfig`], every key optional, unknown keys
//! refused) and its validated form ([`Config`]), with paths resolved against the file's folder
//! and every choice turned into the type that uses it.

use std::{
    collections::BTreeMap,
    env, fmt,
    path::{Path, PathBuf},
    sync::LazyLock,
    time::Duration,
};

use encoding_rs::WINDOWS_1252;
use serde::{
    Deserialize, Deserializer,
    de::{self, MapAccess, Visitor},
};

mod alerts;
mod netypareo;

pub use alerts::{AlertsSection, CommandSection, MailSection};
pub use netypareo::{InstanceSection, NetypareoSection, ScheduleSection};

use crate::{
    alert::AlertSettings,
    command::{FileKind, KindSettings, Routing, Sections},
    db::DbTarget,
    error::ConfigError,
    input::{DelimiterSetting, EncodingSetting, ReadSettings},
    netypareo::settings::Instance,
    outcome::{EnrolmentMode, Removals},
    spool::{DuplicatePolicy, WatchMode, WatchSettings, WriterCheck},
};

/// The configuration file read when `--config` is not given, in the current folder.
pub const DEFAULT_FILE: &str = "moodle-sync.toml";

/// The environment variable that overrides `[database] url`, so that a password need not be
/// written in the file.
pub const DATABASE_URL_VARIABLE: &str = "MOODLE_SYNC_DATABASE_URL";

/// The configuration file as written. Every key has a default; an unknown section or key is
/// refused.
#[derive(Debug, Default)]
pub struct FileConfig {
    /// Folders, relative to the configuration file.
    pub paths: PathsSection,
    /// The Moodle database.
    pub database: DatabaseSection,
    /// How command files are read.
    pub input: InputSection,
    /// Each kind's section (`[users]`, `[cohorts]`, `[bindings]`), read by the kind.
    pub kinds: Sections,
    /// Course enrolments that follow cohorts.
    pub enrolments: EnrolmentsSection,
    /// File name patterns that tell each kind of file.
    pub routing: RoutingSection,
    /// The spool watcher service.
    pub watch: WatchSection,
    /// NetYpareo instances to pull from.
    pub netypareo: NetypareoSection,
    /// Alerts by mail or command; none without this table.
    pub alerts: Option<AlertsSection>,
    /// The Moodle site beyond its database.
    pub moodle: MoodleSection,
}

impl<'de> Deserialize<'de> for FileConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<FileConfig, D::Error> {
        deserializer.deserialize_map(FileConfigVisitor)
    }
}

/// Reads the file's sections one by one: the program's own by name, each kind's by its kind
/// (`command::Sections`), so that a kind's settings are declared in its own folder. Each
/// section is read where it stands, so that an error names its key and line.
struct FileConfigVisitor;

impl<'de> Visitor<'de> for FileConfigVisitor {
    type Value = FileConfig;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("moodle-sync's configuration")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FileConfig, A::Error> {
        let mut file = FileConfig::default();
        while let Some(section) = map.next_key::<String>()? {
            match section.as_str() {
                "paths" => file.paths = map.next_value()?,
                "database" => file.database = map.next_value()?,
                "input" => file.input = map.next_value()?,
                "enrolments" => file.enrolments = map.next_value()?,
                "routing" => file.routing = map.next_value()?,
                "watch" => file.watch = map.next_value()?,
                "netypareo" => file.netypareo = map.next_value()?,
                "alerts" => file.alerts = Some(map.next_value()?),
                "moodle" => file.moodle = map.next_value()?,
                other if file.kinds.read(other, &mut map)? => {}
                other => return Err(de::Error::unknown_field(other, &SECTIONS)),
            }
        }
        Ok(file)
    }
}

/// Every section's name, for the message that refuses an unknown one.
static SECTIONS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let own = [
        "paths",
        "database",
        "input",
        "enrolments",
        "routing",
        "watch",
        "netypareo",
        "alerts",
        "moodle",
    ];
    let kinds = FileKind::ALL.iter().map(|kind| kind.name());
    own.into_iter().chain(kinds).collect()
});

/// `[paths]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PathsSection {
    /// Where command files are dropped (Moodle's `moodledata/sync`, or a folder of its own).
    pub spool: PathBuf,
    /// Where applied files are kept, byte for byte.
    pub archive: PathBuf,
    /// Where reports and trybacks are written.
    pub reports: PathBuf,
    /// Where files that cannot be applied are kept, with their reports naming why.
    pub failed: PathBuf,
    /// Where files held for approval wait (a sync removing too many members).
    pub held: PathBuf,
    /// Where `moodle-sync discard` keeps the held files it ends, never applied.
    pub discarded: PathBuf,
    /// Where `watch` writes its daily log files.
    pub logs: PathBuf,
    /// Where moodle-sync keeps what it needs between runs (the NetYpareo definition cache).
    pub state: PathBuf,
}

impl Default for PathsSection {
    fn default() -> Self {
        PathsSection {
            spool: "spool".into(),
            archive: "archive".into(),
            reports: "reports".into(),
            failed: "failed".into(),
            held: "held".into(),
            discarded: "discarded".into(),
            logs: "logs".into(),
            state: "state".into(),
        }
    }
}

/// `[database]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSection {
    /// `sqlite:FILE` (relative to the configuration file), `postgres://…` or `mysql://…`.
    pub url: String,
    /// Moodle's table prefix (`$CFG->prefix`).
    pub prefix: String,
}

impl Default for DatabaseSection {
    fn default() -> Self {
        DatabaseSection {
            url: "sqlite:moodle.sqlite".into(),
            prefix: "mdl_".into(),
        }
    }
}

/// `[input] encoding`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum EncodingName {
    /// UTF-8 only.
    #[serde(rename = "utf-8", alias = "utf8", alias = "UTF-8")]
    Utf8,
    /// ISO-8859-1, read as its superset Windows-1252.
    #[serde(rename = "iso-8859-1", alias = "latin1", alias = "ISO-8859-1")]
    Iso88591,
    /// Windows-1252.
    #[serde(rename = "windows-1252", alias = "cp1252")]
    Windows1252,
    /// UTF-8 if the file is valid UTF-8, else `legacy_encoding`.
    #[default]
    #[serde(rename = "auto")]
    Auto,
}

/// `[input] delimiter`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum DelimiterName {
    /// `;`.
    #[serde(rename = ";")]
    Semicolon,
    /// `,`.
    #[serde(rename = ",")]
    Comma,
    /// A tab.
    #[serde(rename = "tab", alias = "\t")]
    Tab,
    /// Read from the header.
    #[default]
    #[serde(rename = "auto")]
    Auto,
}

/// `[input]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InputSection {
    /// Text encoding of command files.
    pub encoding: EncodingName,
    /// The encoding of files that are not valid UTF-8, when `encoding = "auto"`.
    pub legacy_encoding: EncodingName,
    /// Value separator.
    pub delimiter: DelimiterName,
    /// Files larger than this are rejected. A file is held in memory while it is applied,
    /// about 2.5 KB a line: 20 MiB (some 900,000 membership lines) needs about 2 GB.
    pub max_file_size_mb: u64,
}

impl Default for InputSection {
    fn default() -> Self {
        InputSection {
            encoding: EncodingName::Auto,
            legacy_encoding: EncodingName::Windows1252,
            delimiter: DelimiterName::Auto,
            max_file_size_mb: 20,
        }
    }
}

/// `[enrolments]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EnrolmentsSection {
    /// Who turns cohort memberships into course enrolments.
    pub mode: EnrolmentMode,
    /// When access given by a bound cohort is taken away.
    pub removals: Removals,
}

/// `[moodle]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MoodleSection {
    /// Moodle's data root (`$CFG->dataroot`), whose `muc/config.php` says where Moodle's
    /// caches are. Not set: the spool's parent when the spool is `<dataroot>/sync` in a folder
    /// that holds `muc/` or `cache/`; `""`: none (Moodle's caches are not refreshed).
    pub dataroot: Option<PathBuf>,
    /// Whether Moodle's standard log gets the rows Moodle's events would have written, when
    /// the site's standard log store is enabled (default true).
    pub write_logs: Option<bool>,
}

/// `[routing]`: name patterns by kind (`users`, `cohorts`, …); a kind not given keeps its
/// default patterns. An unknown kind is refused.
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct RoutingSection(pub BTreeMap<FileKind, Vec<String>>);

/// `[watch]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WatchSection {
    /// How changes in the spool are noticed.
    pub mode: WatchMode,
    /// How long a file must stay unchanged before it is taken, in milliseconds.
    pub settle_ms: u64,
    /// How to tell whether a process still holds a file open for writing: `auto`, `proc`,
    /// `off`.
    pub writer_check: WriterCheck,
    /// How often the spool is listed in poll mode, in milliseconds.
    pub poll_ms: u64,
    /// How often the spool is listed anyway when events are used, in seconds.
    pub reconcile_s: u64,
    /// Name patterns of files never taken (uploads in progress).
    pub ignore: Vec<String>,
    /// Suffix of the marker file that says a file is complete (`.done` for `name.csv.done`);
    /// empty: no markers.
    pub done_marker: String,
    /// What to do with a file whose bytes were already applied.
    pub duplicates: DuplicatePolicy,
    /// How many times a tryback may fail again before its failed lines go to `failed/`.
    pub max_tryback_generations: u32,
    /// How long a stop may wait for the file in progress, in seconds.
    pub shutdown_timeout_s: u64,
    /// The longest wait between two attempts to reach the database, in seconds.
    pub retry_max_s: u64,
}

impl Default for WatchSection {
    fn default() -> Self {
        let defaults = WatchSettings::default();
        WatchSection {
            mode: defaults.mode,
            settle_ms: millis(defaults.settle),
            writer_check: defaults.writer_check,
            poll_ms: millis(defaults.poll),
            reconcile_s: defaults.reconcile.as_secs(),
            ignore: defaults.ignore,
            done_marker: defaults.done_marker.unwrap_or_default(),
            duplicates: defaults.duplicates,
            max_tryback_generations: defaults.max_tryback_generations,
            shutdown_timeout_s: defaults.shutdown_timeout.as_secs(),
            retry_max_s: defaults.retry_max.as_secs(),
        }
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

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

impl Config {
    /// Loads the configuration of the running program: the file at `path` (which must exist),
    /// or `moodle-sync.toml` in the current folder if there is one, or the defaults; then
    /// `MOODLE_SYNC_DATABASE_URL`, when set, replaces `[database] url`. Only this function
    /// reads the environment, so that code building a configuration from a file of its own
    /// (the tests, the benchmark) can never be pointed at another database by it.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let current = env::current_dir().map_err(|source| ConfigError::Read {
            path: ".".into(),
            source,
        })?;
        let path = match path {
            Some(path) => Some(current.join(path)),
            None => Some(current.join(DEFAULT_FILE)).filter(|path| path.is_file()),
        };
        let Some(path) = path else {
            return Config::from_file(with_environment(FileConfig::default()), &current, None);
        };
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        let file = Config::parse(&text).map_err(|message| ConfigError::Parse {
            path: path.clone(),
            message,
        })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or(current);
        Config::from_file(with_environment(file), &base, Some(path))
    }

    /// Parses TOML text; the error names the offending key as `[section] key` and keeps
    /// TOML's own snippet (line, column, caret), on several lines. A line that may hold a
    /// token (`token = …`) is never quoted.
    pub fn parse(text: &str) -> Result<FileConfig, String> {
        toml::from_str(text).map_err(|error| {
            let line = error
                .span()
                .map(|span| text[..span.start.min(text.len())].matches('\n').count());
            let key = line
                .and_then(|line| key_at(text, line))
                .map(|key| format!("{key}: "))
                .unwrap_or_default();
            if let Some(line) = line
                && text.lines().nth(line).is_some_and(may_hold_secret)
            {
                return format!(
                    "{key}{} at line {} (the line is not shown: it may hold a token or a password)",
                    error.message().trim_end(),
                    line + 1
                );
            }
            format!("{key}\n{}", error.to_string().trim_end())
        })
    }

    /// Validates a parsed file; relative paths are taken from `base`.
    pub fn from_file(
        file: FileConfig,
        base: &Path,
        source: Option<PathBuf>,
    ) -> Result<Config, ConfigError> {
        let url = file.database.url;
        let target = DbTarget::parse(&url, base).map_err(|reason| ConfigError::Invalid {
            key: "[database] url",
            value: DbTarget::redact(&url),
            reason,
        })?;
        let prefix = file.database.prefix;
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
        let legacy = match file.input.legacy_encoding {
            EncodingName::Iso88591 | EncodingName::Windows1252 => WINDOWS_1252,
            other => {
                return Err(ConfigError::Invalid {
                    key: "[input] legacy_encoding",
                    value: format!("{other:?}").to_lowercase(),
                    reason: "use \"iso-8859-1\" or \"windows-1252\"".into(),
                });
            }
        };
        let encoding = match file.input.encoding {
            EncodingName::Utf8 => EncodingSetting::Utf8,
            EncodingName::Iso88591 | EncodingName::Windows1252 => {
                EncodingSetting::Legacy(WINDOWS_1252)
            }
            EncodingName::Auto => EncodingSetting::Auto(legacy),
        };
        let delimiter = match file.input.delimiter {
            DelimiterName::Semicolon => DelimiterSetting::Fixed(b';'),
            DelimiterName::Comma => DelimiterSetting::Fixed(b','),
            DelimiterName::Tab => DelimiterSetting::Fixed(b'\t'),
            DelimiterName::Auto => DelimiterSetting::Auto,
        };
        if file.input.max_file_size_mb == 0 {
            return Err(ConfigError::Invalid {
                key: "[input] max_file_size_mb",
                value: "0".into(),
                reason: "must be at least 1".into(),
            });
        }
        for (&kind, patterns) in &file.routing.0 {
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
        let watch = watch_settings(file.watch)?;
        let kinds = file.kinds.settings()?;
        let netypareo = netypareo::instances(file.netypareo, base, &kinds.users.default_auth)?;
        let alerts = file
            .alerts
            .map(|section| alerts::alert_settings(section, base))
            .transpose()?;
        let spool = base.join(&file.paths.spool);
        let moodle = moodle_config(file.moodle, base, &spool)?;
        Ok(Config {
            source,
            paths: Paths {
                spool,
                archive: base.join(&file.paths.archive),
                reports: base.join(&file.paths.reports),
                failed: base.join(&file.paths.failed),
                held: base.join(&file.paths.held),
                discarded: base.join(&file.paths.discarded),
                logs: base.join(&file.paths.logs),
                state: base.join(&file.paths.state),
            },
            database: DatabaseConfig { target, prefix },
            input: InputConfig {
                read: ReadSettings {
                    encoding,
                    delimiter,
                },
                max_file_bytes: file.input.max_file_size_mb.saturating_mul(1024 * 1024),
            },
            kinds,
            enrolments: file.enrolments.mode,
            removals: file.enrolments.removals,
            routing: Routing::new(file.routing.0),
            watch,
            netypareo,
            alerts,
            moodle,
        })
    }
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

/// The key that line `line` (from 0) of a TOML text sets, as `[section] key`, or the table
/// it opens (`[section]`).
fn key_at(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    lines.get(line)?;
    // A value of a list written over several lines: its key is on the line that opens it.
    let line = (0..=line).rev().find(|&at| {
        let content = lines[at].trim();
        content.starts_with('[') || (content.contains('=') && !content.starts_with('"'))
    })?;
    let content = lines[line].trim();
    let header = |content: &str| {
        content
            .strip_prefix('[')
            .and_then(|rest| rest.split(']').next())
            .map(|name| name.trim_start_matches('[').trim().to_owned())
    };
    if content.starts_with('[') {
        return header(content).map(|name| format!("[{name}]"));
    }
    let key = content.split('=').next()?.trim().trim_matches('"');
    if key.is_empty() || key.starts_with('#') {
        return None;
    }
    let table = lines[..line]
        .iter()
        .rev()
        .map(|line| line.trim())
        .find(|line| line.starts_with('['))
        .and_then(header);
    Some(match table {
        Some(table) if table.starts_with("netypareo.instances") && !table.contains("schedule") => {
            format!("[[{table}]] {key}")
        }
        Some(table) => format!("[{table}] {key}"),
        None => key.to_owned(),
    })
}

/// Whether a configuration line may hold a secret, and is never quoted in an error: a token,
/// a password, or a URL with credentials (`postgres://moodle:secret@db/moodle`).
fn may_hold_secret(line: &str) -> bool {
    let lowered = line.to_lowercase();
    if ["token", "password", "passwd", "secret"]
        .iter()
        .any(|word| lowered.contains(word))
    {
        return true;
    }
    lowered.split("://").skip(1).any(|rest| {
        let authority = rest.split(['/', '"', '\'', ' ']).next().unwrap_or_default();
        authority
            .rsplit_once('@')
            .is_some_and(|(credentials, _)| credentials.contains(':'))
    })
}

/// Applies `MOODLE_SYNC_DATABASE_URL` to a parsed file.
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

fn with_environment(mut file: FileConfig) -> FileConfig {
    if let Some(url) = env::var(DATABASE_URL_VARIABLE)
        .ok()
        .filter(|url| !url.is_empty())
    {
        file.database.url = url;
    }
    file
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

#[cfg(test)]
mod tests;
