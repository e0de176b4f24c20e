//! The configuration file as written: [`FileConfig`], every key optional with its default,
//! unknown sections and keys refused. Read by a hand-written serde `Visitor`, so that each
//! kind's section is read by the kind and an error keeps its line.

use std::{collections::BTreeMap, fmt, path::PathBuf, sync::LazyLock, time::Duration};

use serde::{
    Deserialize, Deserializer,
    de::{self, MapAccess, Visitor},
};

use super::{AlertsSection, ConsoleSection, NetypareoSection, RetentionSection};
use crate::{
    command::{FileKind, Sections},
    spool::{DuplicatePolicy, WatchMode, WatchSettings, WriterCheck},
};

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
    /// The web console; none without this table.
    pub console: Option<ConsoleSection>,
    /// How long the archive, reports, failed and logs folders keep files, and their bundles.
    pub retention: RetentionSection,
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
                "routing" => file.routing = map.next_value()?,
                "watch" => file.watch = map.next_value()?,
                "netypareo" => file.netypareo = map.next_value()?,
                "alerts" => file.alerts = Some(map.next_value()?),
                "moodle" => file.moodle = map.next_value()?,
                "console" => file.console = Some(map.next_value()?),
                "retention" => file.retention = map.next_value()?,
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
        "routing",
        "watch",
        "netypareo",
        "alerts",
        "moodle",
        "console",
        "retention",
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
    /// Where applied files are kept, byte for byte (bundled per `[retention]`).
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

/// A duration in whole milliseconds, as `[watch]` writes it.
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
